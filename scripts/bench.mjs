// npm run bench: bundle bench/run.ts and run it with room for the naive reference.
// `node scripts/bench.mjs <section>...` runs only the sections named:
// scale (bench/run.ts), many-mappers (bench/many-mappers-run.ts), timeline.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
const SECTIONS = ['scale', 'many-mappers', 'timeline'];
const only = process.argv.slice(2);
for (const s of only) if (!SECTIONS.includes(s)) {
  console.error(`unknown bench section ${JSON.stringify(s)} (sections: ${SECTIONS.join(', ')})`);
  process.exit(2);
}
const want = (s) => !only.length || only.includes(s);
const node = (file) => spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', file], { stdio: 'inherit' }).status;
let status = 0;
if (want('scale')) {
  await esbuild.build({ entryPoints: ['bench/run.ts'], outfile: 'out/bench/run.js', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
  status ||= node('out/bench/run.js');
}
// many processes mapping one reflinked file, and device-dax at 1 TiB with PUD entries (bench/many-mappers-run.ts)
if (want('many-mappers')) {
  if (!only.length) console.log('');
  await esbuild.build({ entryPoints: ['bench/many-mappers-run.ts'], outfile: 'out/bench/many-mappers.js', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
  status ||= node('out/bench/many-mappers.js');
}
// then the timeline renderer at 10^6 spans in headless Chromium (bench/timeline.mjs)
if (want('timeline')) {
  if (!only.length) console.log('');
  const t = spawnSync(process.execPath, ['bench/timeline.mjs'], { stdio: 'inherit' });
  status ||= t.status;
}
process.exit(status || 0);
