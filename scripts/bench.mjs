// npm run bench: bundle each section and run it in its own process, with room for the naive reference.
// `node scripts/bench.mjs <section>...` (or `--section <name>`) runs only the sections named:
// scale (bench/run.ts), used (bench/used.ts), naive (bench/naive.ts), json (bench/cli-json.ts),
// extents (bench/extents.ts), many-mappers (bench/many-mappers-run.ts), timeline (bench/timeline.mjs).
// `--load` (used only): the used machine's load and routing, no unbind.
// The sections record issue 12's figures (bench/figures.ts) in a file named by BENCH_RESULTS;
// the run ends with one summary table of them, with the machine it ran on.
// The used machine's unbind runs at full size under every design; the designs named in
// USED_UNBIND_SCALED (default none) are measured at USED_SCALE instead (default 0.1: at 0.01
// the event's fixed costs outweigh the machine's) and extrapolated.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
const SECTIONS = ['scale', 'used', 'naive', 'json', 'extents', 'many-mappers', 'timeline'];
const argv = process.argv.slice(2);
const only = [];
const flags = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--section') {
    if (argv[i + 1] === undefined) {
      console.error(`option --section needs a section name (sections: ${SECTIONS.join(', ')})`);
      process.exit(2);
    }
    only.push(argv[++i]);
  } else if (a.startsWith('--section=')) only.push(a.slice('--section='.length));
  else if (a.startsWith('--')) flags.push(a);
  else only.push(a);
}
for (const f of flags) if (f !== '--load') {
  console.error(`unknown bench option ${JSON.stringify(f)} (options: --load, --section <name>)`);
  process.exit(2);
}
for (const s of only) if (!SECTIONS.includes(s)) {
  console.error(`unknown bench section ${JSON.stringify(s)} (sections: ${SECTIONS.join(', ')})`);
  process.exit(2);
}
const want = (s) => !only.length || only.includes(s);
const resultsDir = mkdtempSync(join(tmpdir(), 'dpl-bench-'));
const results = join(resultsDir, 'figures.jsonl');
writeFileSync(results, '');
const env = (extra = {}) => ({ ...process.env, BENCH_RESULTS: results, ...extra });
const node = (file, args = [], extra = {}) => spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', file, ...args], { stdio: 'inherit', env: env(extra) }).status;
const bundle = (entry, out, format = 'cjs') => esbuild.build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', target: 'node20', format, logLevel: 'warning' });
const cpuList = cpus();
const load0 = loadavg();
const started = Date.now();
let status = 0;
let first = true;
const section = () => {
  if (!first) console.log('');
  first = false;
};
if (want('scale')) {
  section();
  await bundle('bench/run.ts', 'out/bench/run.js');
  status = node('out/bench/run.js') || status;
}
// the machine users run: 10^4 small mappings and a 900 GiB file, populated (bench/used.ts);
// the designs named in USED_UNBIND_SCALED are unbound at USED_SCALE and extrapolated
if (want('used')) {
  section();
  await bundle('bench/used.ts', 'out/bench/used.js');
  const scaled = (process.env.USED_UNBIND_SCALED ?? '').split(',').filter(Boolean);
  status = node('out/bench/used.js', flags, { USED_SCALE: '1', USED_UNBIND_SCALED: scaled.join(',') }) || status;
  if (scaled.length && !flags.includes('--load')) status = node('out/bench/used.js', scaled, { USED_SCALE: process.env.USED_SCALE ?? '0.1' }) || status;
}
// the naive page-by-page reference of the populated scenario, extrapolated to the used machine
if (want('naive')) {
  section();
  await bundle('bench/naive.ts', 'out/bench/naive.js');
  status = node('out/bench/naive.js', (process.env.NAIVE_DESIGNS ?? 'upstream,pagemap-failure').split(',')) || status;
}
// `run --json` of the populated 1 GiB scenario, as a child process (dist/cli.js built first)
if (want('json')) {
  section();
  status = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] }).status || status;
  await bundle('bench/cli-json.ts', 'out/bench/cli-json.js');
  status = spawnSync(process.execPath, ['out/bench/cli-json.js'], { stdio: 'inherit', env: env() }).status || status;
}
// loading large extent lists, each case in its own process so its memory is its own
if (want('extents')) {
  section();
  await bundle('bench/extents.ts', 'out/bench/extents.js');
  console.log('large extent lists: load of a 1 TiB XFS with');
  for (const which of ['file', 'pattern', 'yaml']) status = (node('out/bench/extents.js', [which]) ?? 1) || status;
}
// many processes mapping one reflinked file, and device-dax at 1 TiB with PUD entries
if (want('many-mappers')) {
  section();
  await bundle('bench/many-mappers-run.ts', 'out/bench/many-mappers.js');
  status = node('out/bench/many-mappers.js') || status;
}
// the timeline renderer at 10^6 spans in headless Chromium
if (want('timeline')) {
  section();
  status = spawnSync(process.execPath, ['bench/timeline.mjs'], { stdio: 'inherit' }).status || status;
}
// the summary: issue 12's figures as the sections recorded them in this run
await bundle('bench/figures.ts', 'out/bench/figures-lib.mjs', 'esm');
const { formatSummary, parseRecords } = await import(join(process.cwd(), 'out/bench/figures-lib.mjs'));
const load1 = loadavg();
const machine = `${cpuList.length} cores (${cpuList[0]?.model?.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${load0[0].toFixed(1)} at the start and ${load1[0].toFixed(1)} at the end, ${((Date.now() - started) / 1000).toFixed(0)} s in all`;
console.log('');
console.log(formatSummary(parseRecords(readFileSync(results, 'utf8')), machine));
rmSync(resultsDir, { recursive: true, force: true });
process.exit(status || 0);
