#!/usr/bin/env node
// npm run package: build, then pack the extension into <name>-<version>.vsix
// with @vscode/vsce. Only what runs is shipped (.vscodeignore): the bundles
// in dist/ (the webviews' bundles, lab.css and the codicons css and font in
// dist/webview), media/, the scenario schema and the built-in scenarios, with
// package.json and README.md. The file list is checked before packing and
// anything else fails the build.
//
//   node scripts/package.mjs [--no-build] [--out FILE]

import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VSCE = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
const ALLOWED = [/^dist\/(extension|cli|sim-worker)\.js$/, /^dist\/web\/extension\.js$/, /^dist\/webview\/(routing|timeline|comparison)\.js$/, /^dist\/webview\/lab\.css$/, /^dist\/webview\/codicons\/codicon\.(css|ttf)$/, /^media\/[^/]+$/, /^schema\/scenario\.schema\.json$/, /^scenarios\/[^/]+\.poison\.yaml$/, /^package\.json$/, /^README\.md$/, /^LICENSE(\.txt|\.md)?$/];
const REQUIRED = ['dist/extension.js', 'dist/sim-worker.js', 'dist/web/extension.js', 'dist/webview/routing.js', 'dist/webview/timeline.js', 'dist/webview/comparison.js', 'dist/webview/lab.css', 'dist/webview/codicons/codicon.css', 'dist/webview/codicons/codicon.ttf', 'schema/scenario.schema.json', 'package.json', 'media/lab.svg', 'media/icon.png'];

function run(cmd, args, capture = false) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
  if (r.status !== 0) {
    console.error(`package: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
  return r.stdout ?? '';
}

const args = process.argv.slice(2);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? resolve(args[outIdx + 1]) : join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
if (!args.includes('--no-build')) run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);

const common = ['--no-dependencies'];
// no repository to rewrite README's relative links (docs/…) against: ship them as they are
const packOnly = ['--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links'];
const files = run(process.execPath, [VSCE, 'ls', ...common], true)
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean);
const extra = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
const missing = REQUIRED.filter((f) => !files.includes(f));
if (extra.length || missing.length) {
  if (extra.length) console.error(`package: files that do not run would ship: ${extra.join(', ')} (fix .vscodeignore)`);
  if (missing.length) console.error(`package: missing from the package: ${missing.join(', ')}`);
  process.exit(1);
}
run(process.execPath, [VSCE, 'package', ...common, ...packOnly, '--out', out]);
const kib = Math.round(statSync(out).size / 1024);
console.log(`package: ${out.replace(ROOT + '/', '')} (${kib} KiB, ${files.length} files: ${files.join(', ')})`);
