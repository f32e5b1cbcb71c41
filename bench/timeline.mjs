// npm run bench, part 2: the timeline renderer at 10^6 spans in headless
// Chromium (Debian's /usr/bin/chromium through playwright-core; no browser
// is ever downloaded). Bundles bench/timeline-harness.ts for the browser,
// opens it in a 1600x900 page, builds a synthetic report of 10^6 spans in the
// page (nested up to 9 deep across the layers, per-event bursts, summarised
// per-pfn runs), and measures frame times over scripted pans and zooms.
// A frame = the timeline's render (culling + canvas calls) + the raster it
// caused (forced by reading a pixel back). Target: ≤ 16 ms per frame. The
// report's construction garbage is collected (--expose-gc) and 10 frames
// warm the JIT up before the measured phases.
// Exit status: 2 when the browser cannot start or the page fails, else 0
// (missed targets are reported as MISS lines, like bench/run.ts).

import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg, cpus } from 'node:os';

const SPANS = Number(process.env.TIMELINE_BENCH_SPANS ?? 1_000_000);
// TIMELINE_BENCH_LINEAR=1: idle time not compressed (the views of the benchmark before compression existed)
const LINEAR = process.env.TIMELINE_BENCH_LINEAR === '1';
const TARGET_MS = 16;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const outDir = resolve('out/bench');
mkdirSync(outDir, { recursive: true });

await esbuild.build({
  entryPoints: ['bench/timeline-harness.ts'],
  outfile: `${outDir}/timeline-harness.js`,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  logLevel: 'warning',
});

// a VS Code dark theme's variables, as the workbench sets them on <html>
const vars = {
  '--vscode-font-family': '-apple-system, BlinkMacSystemFont, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-editor-font-family': '"Droid Sans Mono", monospace',
  '--vscode-editor-font-size': '14px',
  '--vscode-foreground': '#cccccc',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editor-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-charts-foreground': '#cccccc',
  '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-editorError-foreground': '#f14c4c',
  '--vscode-editorLineNumber-activeForeground': '#cccccc',
  '--vscode-list-activeSelectionBackground': '#04395e',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-input-background': '#313131',
  '--vscode-input-foreground': '#cccccc',
};
const style = Object.entries(vars).map(([k, v]) => `${k}: ${v.replace(/"/g, '&quot;')}`).join('; ');
writeFileSync(
  `${outDir}/timeline.html`,
  `<!doctype html><html style="${style}"><head><meta charset="utf-8"><title>timeline bench</title>
<style>html, body { margin: 0; height: 100%; overflow: hidden; } #root { width: 1600px; height: 900px; }</style></head>
<body class="vscode-dark"><div id="root"></div><script src="timeline-harness.js"></script></body></html>`,
);

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error(`timeline bench: playwright-core is not installed (${e.message})`);
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`timeline bench: no browser at ${CHROMIUM} (install Debian's chromium)`);
  process.exit(2);
}
let browser;
try {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--js-flags=--expose-gc'],
    timeout: 60_000,
  });
} catch (e) {
  console.error(`timeline bench: the browser did not start: ${e.message.split('\n')[0]}`);
  process.exit(2);
}

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const pct = (xs, p) => (xs.length ? sorted(xs)[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN);
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

let status = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(`${outDir}/timeline.html`).href);
  await page.waitForFunction(() => typeof window.bench === 'object', null, { timeout: 30_000 });
  const setup = await page.evaluate(([n, c]) => window.bench.setup(n, c), [SPANS, !LINEAR]);
  if (errors.length) throw new Error(errors.join('; '));
  console.log(`timeline: ${setup.spans} spans, ${setup.events} events, 1600x900, idle time ${LINEAR ? 'linear' : 'compressed'}, Chromium headless (software raster); ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}`);
  console.log(`  synthetic report generated in the page      ${f1(setup.genMs).padStart(9)} ms`);
  console.log(`  index build (setReport: model, rows, view)  ${f1(setup.buildMs).padStart(9)} ms`);
  console.log(`  first frame                                 ${f1(setup.firstFrameMs).padStart(9)} ms`);

  await page.evaluate(() => window.bench.warmup(10));
  const full = await page.evaluate(() => window.bench.state());
  const fullRange = full.t1 - full.t0;
  const results = [];
  const shots = process.env.TIMELINE_BENCH_SHOTS;
  if (shots) mkdirSync(shots, { recursive: true });
  const phase = async (name, run) => {
    const samples = await run();
    results.push({ name, samples });
    // TIMELINE_BENCH_SHOTS=<dir>: a screenshot after each phase, to see what was measured
    if (shots) await page.screenshot({ path: `${shots}/timeline-${results.length}.png` });
  };
  const alternate = (n, a, b) => Array.from({ length: n }, (_, k) => (Math.floor(k / 5) % 2 ? b : a));

  await phase('full view: pan with ←/→', () => page.evaluate((keys) => window.bench.keys(keys), ['Home', ...alternate(40, 'ArrowRight', 'ArrowLeft')]));
  await phase('zoom in with the wheel, full → deep', () =>
    page.evaluate((steps) => window.bench.wheel(steps), Array.from({ length: 60 }, (_, k) => ({ deltaY: -110, x: 400 + ((k * 37) % 700) }))),
  );
  await phase('zoom out with the wheel, deep → full', () =>
    page.evaluate((steps) => window.bench.wheel(steps), Array.from({ length: 60 }, (_, k) => ({ deltaY: 110, x: 400 + ((k * 53) % 700) }))),
  );
  const mid = await page.evaluate((r) => window.bench.zoomTo(r), fullRange / 100);
  await phase(`mid zoom (${(mid / 1e6).toFixed(2)} ms wide): drag pan`, () =>
    page.evaluate((moves) => window.bench.drag(moves), alternate(60, { dx: -25, dy: 0 }, { dx: 25, dy: 3 })),
  );
  await page.evaluate(() => window.bench.focus('dax_iomap_pte_fault', 0.5, 60));
  const deep = await page.evaluate((r) => window.bench.zoomTo(r), 20_000);
  await phase(`deep zoom (${(deep / 1e3).toFixed(1)} µs wide): drag pan`, () =>
    page.evaluate((moves) => window.bench.drag(moves), alternate(60, { dx: -40, dy: 0 }, { dx: 40, dy: -2 })),
  );
  await phase('deep zoom: wheel pan (horizontal)', () =>
    page.evaluate((steps) => window.bench.wheel(steps), alternate(40, { deltaY: 0, deltaX: 120, x: 700 }, { deltaY: 0, deltaX: -120, x: 700 })),
  );
  await page.evaluate(() => window.bench.keys(['Home']));
  await phase('full view: drag pan and scroll the lanes', () =>
    page.evaluate((moves) => window.bench.drag(moves), alternate(40, { dx: 30, dy: 12 }, { dx: -30, dy: -12 })),
  );
  const click = await page.evaluate(() => window.bench.selectAndOpen());
  if (errors.length) throw new Error(errors.join('; '));

  console.log('');
  console.log(`  ${'phase'.padEnd(46)} ${'frames'.padStart(6)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}   ${'draw/raster (median)'.padStart(20)}   p95/16ms`);
  let worstP95 = 0;
  let all = [];
  for (const { name, samples } of results) {
    const tot = samples.map((s) => s.total);
    all = all.concat(tot);
    const p95 = pct(tot, 0.95);
    worstP95 = Math.max(worstP95, p95);
    const ok = p95 <= TARGET_MS;
    console.log(
      `${ok ? 'ok  ' : 'MISS'}${name.padEnd(46)} ${String(samples.length).padStart(6)} ${f1(pct(tot, 0.5)).padStart(8)} ${f1(p95).padStart(8)} ${f1(Math.max(...tot)).padStart(8)}   ${`${f1(pct(samples.map((s) => s.draw), 0.5))} / ${f1(pct(samples.map((s) => s.raster), 0.5))}`.padStart(20)}   ${(p95 / TARGET_MS).toFixed(2)}`,
    );
    if (!samples.length) console.log('      (no frame was drawn: the scripted input changed nothing)');
  }
  const allMax = Math.max(...all);
  console.log('');
  console.log(`${worstP95 <= TARGET_MS ? 'ok  ' : 'MISS'}  worst phase p95 ${f1(worstP95)} ms, all-frames max ${f1(allMax)} ms, median ${f1(pct(all, 0.5))} ms over ${all.length} frames; ratio to 16 ms: p95 ${(worstP95 / TARGET_MS).toFixed(2)}, max ${(allMax / TARGET_MS).toFixed(2)}`);
  console.log(`      click selects span ${click.selected}, Enter opens ${click.opened}; load average now ${loadavg()[0].toFixed(1)} (frame times are wall-clock: other load on the machine shows up in p95/max)`);
} catch (e) {
  console.error(`timeline bench failed: ${e.stack ?? e}`);
  status = 2;
} finally {
  await browser.close();
}
process.exit(status);
