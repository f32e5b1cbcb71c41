// Bundles the command line and the extension with esbuild. The simulator core
// (src/sim) is pure TypeScript and is bundled into all of them.
//   dist/cli.js            the command line (Node)
//   dist/extension.js      the extension, Node extension host (package.json "main")
//   dist/sim-worker.js     the extension's simulator worker (a worker_threads Worker the
//                          Node extension host starts from dist/extension.js: src/protocol/sim.ts)
//   dist/web/extension.js  the same extension for the web extension host (package.json "browser"):
//                          no Node built-ins may be reached from src/extension or src/sim
//   dist/webview/{routing,timeline,comparison}.js
//                          the webviews (browser, IIFE; @vscode-elements/elements bundled in),
//                          with lab.css and the codicons (css + font) beside them
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEBVIEW_OUT = join(ROOT, 'dist', 'webview');
mkdirSync(join(WEBVIEW_OUT, 'codicons'), { recursive: true });
copyFileSync(join(ROOT, 'webview', 'lab.css'), join(WEBVIEW_OUT, 'lab.css'));
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join(ROOT, 'node_modules', '@vscode', 'codicons', 'dist', f), join(WEBVIEW_OUT, 'codicons', f));

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
  esbuild.build({
    ...common,
    entryPoints: ['src/extension/sim/worker.ts'],
    outfile: 'dist/sim-worker.js',
    platform: 'node',
    format: 'cjs',
  }),
  esbuild.build({
    ...common,
    target: 'es2022',
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/web/extension.js',
    platform: 'browser',
    format: 'cjs',
    mainFields: ['browser', 'module', 'main'],
    // the web extension host has no worker threads: the simulator runs in-process there (src/extension/sim/host.ts)
    external: ['vscode', 'node:worker_threads'],
    define: { 'process.env.NODE_ENV': '"production"' },
  }),
  esbuild.build({
    ...common,
    target: 'es2022',
    entryPoints: { routing: 'webview/routing-main.ts', timeline: 'webview/timeline-main.ts', comparison: 'webview/comparison-main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    define: { 'process.env.NODE_ENV': '"production"' },
  }),
]);
