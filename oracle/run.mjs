#!/usr/bin/env node
// Entry point of the kernel oracle: `npm run oracle -- [diff|table] [scenario...]`.
// Bundles the TypeScript harness (oracle/src) with esbuild into
// .cache/oracle/build and runs it. The recording side needs only the
// scenario loader; `diff` and `table` also bundle the simulator.
import * as esbuild from 'esbuild';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const compare = argv[0] === 'diff' || argv[0] === 'table';
const capture = argv[0] === 'capture-machine';
const entry = compare ? 'oracle/src/diff-main.ts' : capture ? 'oracle/src/capture-machine.ts' : 'oracle/src/main.ts';
const outfile = path.join(root, '.cache', 'oracle', 'build', compare ? 'diff.cjs' : capture ? 'capture.cjs' : 'harness.cjs');
await esbuild.build({
  absWorkingDir: root,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'error',
});
process.env.ORACLE_ROOT = root;
const require = createRequire(import.meta.url);
const mod = require(outfile);
const code = await mod.main(compare || capture ? argv.slice(1) : argv, argv[0]);
process.exit(code);
