// npm run bench: bundle bench/run.ts and run it with room for the naive reference.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
await esbuild.build({ entryPoints: ['bench/run.ts'], outfile: 'out/bench/run.js', bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' });
const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', 'out/bench/run.js'], { stdio: 'inherit' });
// then the timeline renderer at 10^6 spans in headless Chromium (bench/timeline.mjs)
console.log('');
const t = spawnSync(process.execPath, ['bench/timeline.mjs'], { stdio: 'inherit' });
process.exit(r.status || t.status || 0);
