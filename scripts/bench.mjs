// npm run bench: bundle each section and run it in its own process, with room for the naive reference.
// `node scripts/bench.mjs <section>...` runs only the sections named:
// scale (bench/run.ts), used (bench/used.ts), extents (bench/extents.ts),
// many-mappers (bench/many-mappers-run.ts), timeline (bench/timeline.mjs).
// `--load` (used only): the used machine's load and routing, no unbind.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
const SECTIONS = ['scale', 'used', 'extents', 'many-mappers', 'timeline'];
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
for (const f of flags) if (f !== '--load') {
  console.error(`unknown bench option ${JSON.stringify(f)} (options: --load)`);
  process.exit(2);
}
for (const s of only) if (!SECTIONS.includes(s)) {
  console.error(`unknown bench section ${JSON.stringify(s)} (sections: ${SECTIONS.join(', ')})`);
  process.exit(2);
}
const want = (s) => !only.length || only.includes(s);
const node = (file, ...args) => spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', file, ...args], { stdio: 'inherit' }).status;
const bundle = (entry, out) => esbuild.build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
let status = 0;
let first = true;
const section = () => {
  if (!first) console.log('');
  first = false;
};
if (want('scale')) {
  section();
  await bundle('bench/run.ts', 'out/bench/run.js');
  status ||= node('out/bench/run.js');
}
// the machine users run: 10^4 small mappings and a 900 GiB file, populated (bench/used.ts)
if (want('used')) {
  section();
  await bundle('bench/used.ts', 'out/bench/used.js');
  status ||= node('out/bench/used.js', ...flags);
}
// loading large extent lists, each case in its own process so its memory is its own
if (want('extents')) {
  section();
  await bundle('bench/extents.ts', 'out/bench/extents.js');
  console.log('large extent lists: load of a 1 TiB XFS with');
  for (const which of ['file', 'pattern', 'yaml']) status ||= node('out/bench/extents.js', which) ?? 1;
}
// many processes mapping one reflinked file, and device-dax at 1 TiB with PUD entries
if (want('many-mappers')) {
  section();
  await bundle('bench/many-mappers-run.ts', 'out/bench/many-mappers.js');
  status ||= node('out/bench/many-mappers.js');
}
// the timeline renderer at 10^6 spans in headless Chromium
if (want('timeline')) {
  section();
  status ||= spawnSync(process.execPath, ['bench/timeline.mjs'], { stdio: 'inherit' }).status;
}
process.exit(status || 0);
