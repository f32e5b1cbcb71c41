// npm run bench: bundle bench/run.ts and run it with room for the naive reference.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
await esbuild.build({ entryPoints: ['bench/run.ts'], outfile: 'out/bench/run.js', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', 'out/bench/run.js'], { stdio: 'inherit' });
// then loading large extent lists (bench/extents.ts), each case in its own process so its memory is its own
await esbuild.build({ entryPoints: ['bench/extents.ts'], outfile: 'out/bench/extents.js', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
console.log('\nlarge extent lists: load of a 1 TiB XFS with');
let x = 0;
for (const which of ['file', 'pattern', 'yaml']) {
  const status = spawnSync(process.execPath, ['--expose-gc', 'out/bench/extents.js', which], { stdio: 'inherit' }).status ?? 1;
  x ||= status;
}
// then the timeline renderer at 10^6 spans in headless Chromium (bench/timeline.mjs)
console.log('');
const t = spawnSync(process.execPath, ['bench/timeline.mjs'], { stdio: 'inherit' });
process.exit(r.status || x || t.status || 0);
