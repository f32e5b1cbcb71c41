// The command line's kernel versions (issue 15): --kernel for run, check and
// compare; compare --versions with a column per version, the differences
// marked, the log lines among the rows; refusals positioned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main, type CliIO } from '../../src/cli/main';
import { renderCompare } from '../../src/sim/render';
import type { RunReport } from '../../src/sim/report';

const ROOT = resolve(__dirname, '..', '..', '..');
const file = (name: string) => join(ROOT, 'scenarios', `${name}.poison.yaml`);

function cli(argv: string[]): { code: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), readFile: (p) => readFileSync(p, 'utf8') };
  const code = main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

test('run --kernel 6.1: the report and the header name the kernel', () => {
  const r = cli(['run', file('reflink-both-mapped'), '--kernel', '6.1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as RunReport;
  assert.deepEqual(report.kernel, { version: '6.1', release: '6.1.192' });
  const text = cli(['run', file('reflink-both-mapped'), '--kernel=6.1']);
  assert.match(text.stdout.split('\n')[0]!, /\(design upstream, kernel 6\.1\)$/);
  const plain = JSON.parse(cli(['run', file('reflink-both-mapped'), '--json']).stdout) as RunReport;
  assert.equal(plain.kernel?.version, '6.12');
});

test('check --kernel 6.1 refuses, positioned, a scenario expecting pre-remove, and names 6.1 in what passes', () => {
  const r = cli(['check', file('unbind-mounted-xfs'), file('reflink-both-mapped'), '--kernel', '6.1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unbind-mounted-xfs\.poison\.yaml:\d+:\d+: \/events\/0\/expect\/\d+\/dmesg\/contains: expecting "XFS \(pmem0\): Device is about to be removed!" needs .*6\.7; kernel\.version 6\.1 does not have it/);
  assert.match(r.stdout, /reflinked block poisoned .*\[upstream, kernel 6\.1\]/);
});

test('usage errors: an unknown version, one version to compare, --kernel with --versions, --design without --versions', () => {
  for (const [argv, re] of [
    [['run', file('reflink-both-mapped'), '--kernel', '5.10'], /unknown kernel version "5\.10": expected one of 6\.1, 6\.12/],
    [['run', file('reflink-both-mapped'), '--kernel'], /option --kernel needs a kernel version/],
    [['compare', file('reflink-both-mapped'), '--versions', '6.1'], /names one version; compare needs two or more/],
    [['compare', file('reflink-both-mapped'), '--versions', '6.1,4.19'], /unknown kernel version "4\.19"/],
    [['compare', file('reflink-both-mapped'), '--versions', '6.1,6.1'], /names a version twice/],
    [['compare', file('reflink-both-mapped'), '--versions', '6.1,6.12', '--kernel', '6.1'], /do not go together/],
    [['compare', file('reflink-both-mapped'), '--design', 'upstream'], /--design does not apply to compare without --versions/],
    [['check', file('reflink-both-mapped'), '--versions', '6.1,6.12'], /option --versions does not apply to check/],
  ] as const) {
    const r = cli([...argv]);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('compare --versions 6.1,6.12: a column per version, rows for results, signals, shutdown, log lines and calls', () => {
  const r = cli(['compare', file('unbind-mounted-xfs'), '--versions', '6.1,6.12', '--wide']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^unbinding pmem under a mounted XFS .*\(design upstream\)$/);
  assert.match(lines[2]!, /^\s+6\.1\s+6\.12$/, 'the versions are the columns');
  for (const section of ['results', 'signals', 'filesystem shutdown', 'log lines', 'calls']) assert.ok(lines.includes(`  ${section}`), `section ${section}`);
  // 6.1 has no pre-remove (6.7): the line is 6.12's only, and marked
  assert.ok(lines.some((l) => /^\*\s+XFS \(pmem0\): Device is about to be removed!\s+-\s+1 line$/.test(l)), 'a log line with its count per version, marked where they differ');
  assert.equal(lines.at(-2), '* the kernels differ');
});

test('compare --versions --json: the design, a report per version with its kernel, metrics per version', () => {
  const r = cli(['compare', file('reflink-both-mapped'), '--versions', '6.12,6.1', '--design', 'page-mapping', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { design: string; versions: Record<string, RunReport>; metrics: Record<string, unknown> };
  assert.equal(out.design, 'page-mapping');
  assert.deepEqual(Object.keys(out.versions), ['6.12', '6.1']);
  assert.equal(out.versions['6.1']!.kernel?.version, '6.1');
  assert.equal(out.versions['6.1']!.design, 'page-mapping');
  assert.equal(out.versions['6.12']!.kernel?.release, out.versions['6.12']!.kernel?.release.match(/^6\.12\.\d+$/)?.[0]);
  assert.deepEqual(Object.keys(out.metrics), ['6.12', '6.1']);
});

test('compare --versions: a version without the interface the scenario uses is that column\'s error, positioned', () => {
  const r = cli(['compare', file('cxl-inject-no-region'), '--versions', '6.1,6.12', '--wide']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cxl-inject-no-region\.poison\.yaml:\d+:\d+: \/events\/0\/do: .*arrived in 6\.4.* \(on kernel 6\.1\)/);
  assert.match(r.stdout, /^\s+error\s+\S+…$/m, 'the error cell, cut (--wide)');
  assert.match(r.stdout, /^6\.1: .*needs CXL poison injection/m, 'the whole error after the table');
  assert.match(r.stdout, /^\s+e1 cxl-inject-poison\s+0$/m, '6.12 ran it');
});

test('renderCompare marks the rows where the kernels differ', () => {
  const base = JSON.parse(cli(['run', file('reflink-both-mapped'), '--json']).stdout) as RunReport;
  const other: RunReport = { ...base, dmesg: [...base.dmesg, 'only on one kernel'], events: base.events.map((e, i) => (i === 0 ? { ...e, result: { ret: -14, errno: 'EFAULT' } } : e)) };
  const text = renderCompare('x', [{ design: '6.1', report: other }, { design: '6.12', report: base }], { wide: true, dmesg: true, columns: 'kernels' });
  const lines = text.split('\n');
  assert.ok(lines.some((l) => /^\*\s+e1 madvise-hwpoison\s+-EFAULT\s+0$/.test(l)), 'the changed result is marked');
  assert.ok(lines.some((l) => /^\*\s+only on one kernel\s+1 line\s+-$/.test(l)), 'the extra log line is marked');
  const unmarked = lines.filter((l) => /^ {4}pid \d+ SIGBUS/.test(l));
  assert.ok(unmarked.length >= 2, 'the signals, the same under both, are not marked');
});

test('compare --kernel 6.1: every design runs on 6.1', () => {
  const r = cli(['compare', file('reflink-both-mapped'), '--kernel', '6.1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { designs: Record<string, RunReport> };
  const reports = Object.values(out.designs);
  assert.ok(reports.length >= 2);
  for (const rep of reports) assert.equal(rep.kernel?.version, '6.1', rep.design);
});
