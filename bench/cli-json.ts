// npm run bench, section "json" (alone: node scripts/bench.mjs json): the
// CLI's `run --json` of the populated 1 GiB scenario of issue 12
// (test/fixtures/scale/populated-1g.poison.yaml: a 1 TiB fsdax namespace,
// XFS, one 1 GiB file mapped with MAP_POPULATE by a database, then the
// namespace unbound), run as users run it: `node dist/cli.js run <file>
// --design D --json` in a child process under /usr/bin/time, its output
// written to a file. Measured per design: wall time, CPU time (user +
// system) and maximum resident memory of the child; then the output is
// parsed as JSON and checked to be the run report (its events and calls).
// Targets: ≤ 3 s (judged on CPU time, the machine being shared; the wall
// time is printed beside it), ≤ 500 MB, valid JSON.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { line } from './figures';

const FIXTURE = 'test/fixtures/scale/populated-1g.poison.yaml';
const DESIGNS = ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure'];

/** /usr/bin/time -f '%e %U %S %M': wall s, user s, system s, max RSS KiB (its last line of stderr) */
export function parseTime(stderr: string): { wall: number; cpu: number; rssMB: number } | undefined {
  const last = stderr.trim().split('\n').pop() ?? '';
  const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)$/.exec(last.trim());
  if (!m) return undefined;
  return { wall: Number(m[1]) * 1000, cpu: (Number(m[2]) + Number(m[3])) * 1000, rssMB: (Number(m[4]) * 1024) / 1e6 };
}

if (require.main === module) {
  if (!existsSync('/usr/bin/time')) {
    console.error('bench json: /usr/bin/time is needed to measure the child (apt-get install time)');
    process.exit(2);
  }
  const designs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const dir = mkdtempSync(join(tmpdir(), 'dpl-bench-json-'));
  console.log(`run --json of ${FIXTURE} (1 GiB populated on a 1 TiB namespace, unbound), as a child process`);
  try {
    for (const design of designs.length ? designs : DESIGNS) {
      const out = join(dir, `${design}.json`);
      const fd = openSync(out, 'w');
      const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, 'dist/cli.js', 'run', FIXTURE, '--design', design, '--json'], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      closeSync(fd);
      const t = parseTime(r.stderr ?? '');
      const bytes = statSync(out).size;
      let valid = false;
      let what = 'not JSON';
      try {
        const report = JSON.parse(readFileSync(out, 'utf8')) as { events?: unknown[]; calls?: Record<string, number> };
        valid = r.status === 0 && Array.isArray(report.events) && report.events.length === 1 && typeof report.calls === 'object';
        what = `${report.calls?.memory_failure ?? 0} memory_failure, ${report.calls?.kill_proc ?? 0} kill_proc`;
      } catch (e) {
        what = `not JSON: ${(e as Error).message.slice(0, 60)}`;
      }
      if (!t) {
        line(`run --json (${design}): exit ${r.status}, time not measured`, '-', '≤ 3000 ms', false, 'json');
        console.log(r.stderr);
        continue;
      }
      line(`run --json (${design}), cpu (wall ${(t.wall / 1000).toFixed(1)} s)`, `${t.cpu.toFixed(0)} ms`, '≤ 3000 ms', t.cpu <= 3000, 'json');
      line(`  max resident memory of the child (${design})`, `${t.rssMB.toFixed(0)} MB`, '≤ 500 MB', t.rssMB <= 500, 'json');
      line(`  output ${(bytes / 1e6).toFixed(0)} MB, valid JSON run report (${design}): ${what}`, valid ? 'valid' : 'INVALID', 'valid JSON', valid, 'json');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
