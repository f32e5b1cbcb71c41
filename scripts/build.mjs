// Bundles the command line and the extension with esbuild. The simulator core
// (src/sim) is pure TypeScript and is bundled into both.
import * as esbuild from 'esbuild';

const common = { bundle: true, sourcemap: true, target: 'node20', logLevel: 'warning', legalComments: 'none' };

await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
  }),
  esbuild.build({
    ...common,
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    external: ['vscode'],
  }),
]);
