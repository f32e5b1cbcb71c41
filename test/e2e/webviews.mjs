// Browser tests of the lab's webviews in a real VS Code (code-server) driven
// by Debian's chromium through playwright-core; run by
// `node scripts/code-server.mjs test` (the "webviews (browser)" check), which
// starts code-server with the packaged extension, the default scenario open
// at startup and daxPoisonLab.kernelTree set to a local v6.12 tree, and
// hands this module the page. Each step waits for what a user sees; a
// failure throws with what was missing. Screenshots go to .cache/artifacts.

import { join } from 'node:path';

const THEMES = [
  // [file name, the theme's label in the Color Theme picker, the webview body's class]
  ['light', 'Light Modern', 'vscode-light'],
  ['dark', 'Dark Modern', 'vscode-dark'],
  ['high-contrast', 'Dark High Contrast', 'vscode-high-contrast'],
  ['high-contrast-light', 'Light High Contrast', 'vscode-high-contrast-light'],
];

/** The content frame of the lab webview showing `view`, waiting for it to be there. */
async function viewFrame(page, view, timeout = 60_000) {
  const t0 = Date.now();
  for (;;) {
    const frames = page.frameLocator('iframe.webview.ready');
    const n = await page.locator('iframe.webview.ready').count();
    for (let i = 0; i < n; i++) {
      const f = frames.nth(i).frameLocator('#active-frame');
      if (await f.locator(`body[data-view="${view}"]`).count().catch(() => 0)) return f;
    }
    if (Date.now() - t0 > timeout) throw new Error(`no ${view} webview within ${timeout / 1000} s (${n} webview frame(s) ready)`);
    await page.waitForTimeout(250);
  }
}

async function palette(page, title, pick, { type = true } = {}) {
  await page.keyboard.press('Escape');
  // a webview may hold the keyboard: give it back to the workbench first
  await page.locator('.part.sidebar .composite.title').first().click({ timeout: 5_000 }).catch(() => {});
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 20_000 });
  await input.fill(`>${title}`);
  await page.locator(`.quick-input-widget .monaco-list-row[aria-label^="${title}"]`).first().waitFor({ timeout: 20_000 });
  // the row whose label is exactly the title (others may start with it)
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  const labels = await rows.evaluateAll((els) => els.map((e) => e.querySelector('.label-name')?.textContent?.trim() ?? ''));
  const i = labels.indexOf(title);
  if (i >= 0) await rows.nth(i).click();
  else await page.keyboard.press('Enter');
  if (pick) {
    // the command's own picker replaces the palette (its input no longer starts with ">"); filter it (a long list is virtualised), then take the row
    await page.waitForFunction(() => {
      const i = document.querySelector('.quick-input-widget input');
      return i && !i.value.startsWith('>') && document.querySelector('.quick-input-widget .monaco-list-row');
    }, null, { timeout: 20_000 });
    await input.fill(pick);
    const row = page.locator(`.quick-input-widget .monaco-list-row[aria-label*="${pick}"]`).first();
    const found = await row.waitFor({ timeout: 20_000 }).then(() => true, () => false);
    if (!found) {
      const rows = await page.locator('.quick-input-widget .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(`${title}: no "${pick}" to pick (rows: ${rows.join(' | ') || 'none'})`);
    }
    // Enter takes the first row; in some pickers (Color Theme) that can be the marketplace search, which this machine cannot reach
    if (type) await page.keyboard.press('Enter');
    else await row.click();
  }
}

/** An editor tab on `file` is active and shows a line with `text`. */
async function editorShows(page, file, text) {
  await page.locator(`.tab.active[aria-label*="${file}"]`).first().waitFor({ timeout: 30_000 });
  await page.locator('.editor-instance .view-lines', { hasText: text }).first().waitFor({ timeout: 30_000 });
}

/**
 * The Design Comparison reads like a table: no token (identifier, errno,
 * address, number with its unit) broken over two lines, the grid as wide as
 * the view and no wider, the cells of a row on one line, the calls chart at
 * least 80 % of the width with its legend in view after scrolling, and
 * contrast computed in the page: text 4.5:1, bars, markers and lines 3:1.
 */
async function checkComparisonLayout(cmp, where) {
  const r = await cmp.locator('body').evaluate(async () => {
    const out = { broken: [], misaligned: [], contrast: [], tokens: 0, rows: 0, measured: 0 };
    const de = document.documentElement;
    out.overflow = de.scrollWidth - de.clientWidth;
    out.gridOverflow = Math.max(...[...document.querySelectorAll('table.cmp-grid, table.vgrid')].map((t) => t.getBoundingClientRect().right - de.clientWidth));
    for (const t of document.querySelectorAll('.tok')) {
      if (!t.getClientRects().length) continue;
      out.tokens++;
      if (t.getClientRects().length !== 1) out.broken.push(t.textContent);
    }
    for (const tr of document.querySelectorAll('table.cmp-grid tbody tr:not(.section), table.vgrid tbody tr')) {
      out.rows++;
      const tops = [...tr.children].map((c) => Math.round(c.getBoundingClientRect().top * 2) / 2);
      if (new Set(tops).size > 1) out.misaligned.push(`${tr.dataset.row}: ${tops.join(', ')}`);
    }
    const chart = document.querySelector('#chart-calls svg.bars');
    out.chartShare = chart ? chart.getBoundingClientRect().width / de.clientWidth : 0;
    // contrast, computed in the page from the computed colours
    const parse = (s) => {
      const m = /rgba?\(([^)]+)\)/.exec(s);
      if (!m) return null;
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    };
    const over = (f, b) => ({ r: f.r * f.a + b.r * (1 - f.a), g: f.g * f.a + b.g * (1 - f.a), b: f.b * f.a + b.b * (1 - f.a), a: 1 });
    const lum = (c) => {
      const l = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * l(c.r) + 0.7152 * l(c.g) + 0.0722 * l(c.b);
    };
    const ratio = (f, b) => {
      const x = lum(over(f, b));
      const y = lum(b);
      return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    };
    const page = parse(getComputedStyle(document.body).backgroundColor) ?? { r: 255, g: 255, b: 255, a: 1 };
    const bgOf = (el) => {
      const layers = [];
      for (let e = el instanceof SVGElement ? el.closest('svg')?.parentElement : el; e && e !== document.documentElement; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) layers.push(c);
        if (c && c.a === 1) break;
      }
      return layers.reverse().reduce((b, f) => over(f, b), page);
    };
    const check = (sel, prop, target) => {
      for (const el of document.querySelectorAll(sel)) {
        if (!el.getClientRects().length) continue;
        const c = parse(getComputedStyle(el)[prop]);
        if (!c || c.a === 0) continue;
        out.measured++;
        const q = ratio(c, bgOf(el));
        if (q < target - 0.01) out.contrast.push(`${sel} "${(el.textContent || el.getAttribute('class') || '').trim().slice(0, 40)}" ${prop} ${getComputedStyle(el)[prop]}: ${q.toFixed(2)} < ${target}`);
      }
    };
    check('.tok, .outcome, .sym-link, .diff-mark, .row-diff', 'color', 4.5);
    check('svg.bars text.g-label, svg.bars text.value, svg.axis text', 'fill', 4.5);
    check('svg.bars rect.bar, .swatch-svg rect.bar', 'stroke', 3);
    check('svg.bars .marker, .swatch-svg .marker', 'fill', 3);
    check('.outcome', 'borderTopColor', 3);
    // the legend stays in view when the chart is scrolled by
    const sec = document.getElementById('chart-calls');
    window.scrollTo(0, sec.getBoundingClientRect().top + window.scrollY + 600);
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const lg = document.querySelector('#chart-calls .chart-legend').getBoundingClientRect();
    out.legend = { top: Math.round(lg.top), bottom: Math.round(lg.bottom), height: window.innerHeight, scrolled: Math.round(window.scrollY) };
    window.scrollTo(0, 0);
    return out;
  });
  const errs = [];
  if (r.tokens < 50) errs.push(`only ${r.tokens} tokens`);
  if (r.broken.length) errs.push(`${r.broken.length} token(s) broken over lines: ${r.broken.slice(0, 5).join(' | ')}`);
  if (r.overflow > 0 || r.gridOverflow > 0.5) errs.push(`horizontal overflow: page ${r.overflow} px, grid ${r.gridOverflow.toFixed(1)} px`);
  if (r.rows < 10) errs.push(`only ${r.rows} rows`);
  if (r.misaligned.length) errs.push(`rows not aligned: ${r.misaligned.slice(0, 3).join('; ')}`);
  if (r.chartShare < 0.8) errs.push(`the calls chart is ${(r.chartShare * 100).toFixed(0)} % of the width`);
  if (!(r.legend.top >= 0 && r.legend.bottom <= r.legend.height && r.legend.top < 120 && r.legend.scrolled > 0)) errs.push(`the legend is not in view after scrolling: ${JSON.stringify(r.legend)}`);
  if (r.measured < 50) errs.push(`only ${r.measured} colours measured`);
  if (r.contrast.length) errs.push(`${r.contrast.length} contrast failure(s): ${r.contrast.slice(0, 6).join('; ')}`);
  if (errs.length) throw new Error(`comparison (${where}): ${errs.join('. ')}`);
  return r;
}

/** Runs the checks in order; `checks` gets the name of each one that passed (the caller counts them, also on a failure). */
export async function run({ page, artifacts, log, checks = [] }) {
  const ok = (what) => {
    checks.push(what);
    log(`  ✔ ${what}`);
  };
  const shot = (name) => page.screenshot({ path: join(artifacts, `webview-${name}.png`) });

  // open the default scenario from the palette and run its first event
  await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().waitFor({ timeout: 120_000 });
  await page.locator('.monaco-workbench').first().click({ position: { x: 700, y: 400 } }).catch(() => {});
  await palette(page, 'DAX Poison Lab: Open Scenario', 'reflink-both-mapped');
  await page.locator('.statusbar-item:has-text("upstream")').first().waitFor({ timeout: 60_000 });
  await palette(page, 'DAX Poison Lab: Step');
  await page.locator('.statusbar-item:has-text("1 poisoned")').first().waitFor({ timeout: 60_000 });

  // ---- Layer Routing on e1
  await palette(page, 'DAX Poison Lab: Open Layer Routing');
  let routing = await viewFrame(page, 'routing');
  await routing.locator('svg.route-left g.node').first().waitFor({ timeout: 30_000 });
  const badge = await routing.locator('.badge-sigbus-ar').first().textContent();
  if (!/SIGBUS AR lsb 12 → injector:1001/.test(badge ?? '')) throw new Error(`routing: expected the AR badge of injector:1001, got ${JSON.stringify(badge)}`);
  const lanes = await routing.locator('.route-col-left svg.lane-header .lane-title').allTextContents();
  for (const l of ['mm', 'dev_pagemap', 'pmem · nvdimm', 'dax · fsdax', 'filesystem', 'reverse map', 'processes']) if (!lanes.includes(l)) throw new Error(`routing: no lane ${l} (lanes: ${lanes.join(', ')})`);
  const hopLabel = await routing.locator('svg.route-left g.node.hop', { has: routing.locator('text.sym', { hasText: /^dax_holder_notify_failure$/ }) }).getAttribute('aria-label');
  if (!/dev off 0x18000 len 4096/.test(hopLabel ?? '')) throw new Error(`routing: the dax hop's accessible name lacks its device offset: ${hopLabel}`);
  ok('Layer Routing shows e1 lane by lane, the hops with their values, the SIGBUS AR badge');

  // keyboard: focus memory_failure, move down twice and up once, the selection follows; Enter opens the symbol
  const nodeOf = (sym) => routing.locator('svg.route-left g.node', { has: routing.locator('text.sym', { hasText: new RegExp(`^${sym}$`) }) }).first();
  await nodeOf('memory_failure').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  const want = await nodeOf('memory_failure_dev_pagemap').getAttribute('aria-label');
  await routing.locator('svg.route-left g.node.selected').first().waitFor({ timeout: 10_000 });
  const selLabel = await routing.locator('svg.route-left g.node.selected').first().getAttribute('aria-label');
  if (selLabel !== want) throw new Error(`keyboard: Down, Down, Up from memory_failure selected ${selLabel}, expected ${want}`);
  const focused = await routing.locator('body').evaluate(() => document.activeElement?.getAttribute('aria-label') ?? `<${document.activeElement?.tagName} class=${document.activeElement?.getAttribute('class')}> hasFocus=${document.hasFocus()}`);
  if (focused !== want) throw new Error(`keyboard: the focus is on ${focused}, expected ${want}`);
  await shot('routing-e1');
  await page.keyboard.press('Enter');
  await editorShows(page, 'memory-failure.c', 'memory_failure_dev_pagemap(');
  ok('keyboard: arrows move between hops, Enter opened memory_failure_dev_pagemap in mm/memory-failure.c');

  // click a hop's symbol: the editor opens the kernel file at the symbol
  await palette(page, 'DAX Poison Lab: Open Layer Routing');
  routing = await viewFrame(page, 'routing');
  await routing.locator('svg.route-left text.sym', { hasText: /^xfs_dax_notify_failure$/ }).first().click();
  await editorShows(page, 'xfs_notify_failure.c', 'xfs_dax_notify_failure(');
  await shot('symbol-opened');
  ok('clicking the xfs_dax_notify_failure hop opened fs/xfs/xfs_notify_failure.c at the definition');

  // change the design: the same event under page-mapping beside it, the differing hops marked
  await palette(page, 'DAX Poison Lab: Open Layer Routing');
  routing = await viewFrame(page, 'routing');
  const select = routing.locator('#design-select');
  await select.click();
  const option = routing.locator('vscode-single-select#design-select [role="option"]', { hasText: 'page-mapping' }).first();
  if (await option.waitFor({ timeout: 5_000 }).then(() => true, () => false)) await option.click();
  else {
    await page.keyboard.press('Escape');
    await select.evaluate((el) => {
      el.value = 'page-mapping';
      el.dispatchEvent(new Event('change'));
    });
    log('    (the design was set on the select element: its option list did not open)');
  }
  await routing.locator('svg.route-right g.node').first().waitFor({ timeout: 30_000 });
  const onlyLeft = await routing.locator('svg.route-left g.node.diff-only').count();
  const onlyRight = await routing.locator('svg.route-right g.node.diff-only').count();
  if (!onlyLeft || !onlyRight) throw new Error(`compare: expected hops only upstream and only page-mapping take, got ${onlyLeft} and ${onlyRight}`);
  const rightHead = await routing.locator('.route-col-right h2').textContent();
  if (!/page-mapping/.test(rightHead ?? '')) throw new Error(`compare: the right column is ${rightHead}`);
  await shot('routing-two-designs');
  ok(`another design beside it: ${onlyLeft} hop(s) only upstream takes, ${onlyRight} only page-mapping takes, highlighted`);

  // ---- Design Comparison, and switching the session's design
  await palette(page, 'DAX Poison Lab: Open Design Comparison');
  let cmp = await viewFrame(page, 'comparison');
  await cmp.locator('table.cmp-grid thead th').nth(4).waitFor({ timeout: 30_000 });
  const cur = await cmp.locator('table.cmp-grid thead th.current-col').textContent();
  if (!/upstream/.test(cur ?? '')) throw new Error(`comparison: the current design is ${cur}`);
  const bars = await cmp.locator('#chart-calls svg.bars g.group').count();
  if (bars < 10) throw new Error(`comparison: only ${bars} symbols in the calls chart`);
  await palette(page, 'DAX Poison Lab: Switch Design', 'page-mapping');
  cmp = await viewFrame(page, 'comparison');
  await cmp.locator('table.cmp-grid thead th.current-col', { hasText: 'page-mapping' }).waitFor({ timeout: 30_000 });
  await page.locator('.statusbar-item:has-text("page-mapping")').first().waitFor({ timeout: 30_000 });
  await shot('comparison');
  ok(`Design Comparison: a column per design, ${bars} symbols charted; switching the design to page-mapping moved the current mark`);
  await palette(page, 'DAX Poison Lab: Switch Design', 'upstream');
  await page.locator('.statusbar-item:has-text("upstream")').first().waitFor({ timeout: 30_000 });

  // the comparison as a table, at 1600x1000 with its group maximised, in Light, Dark and High Contrast
  await palette(page, 'DAX Poison Lab: Open Design Comparison');
  const cmpMax = await palette(page, 'View: Toggle Maximize Editor Group').then(() => true, () => false);
  for (const [name, theme, cls] of THEMES.slice(0, 3)) {
    await palette(page, 'Preferences: Color Theme', theme, { type: false });
    cmp = await viewFrame(page, 'comparison');
    await cmp.locator(`body.${cls}`).waitFor({ timeout: 30_000 });
    await cmp.locator('table.cmp-grid thead th.current-col', { hasText: 'upstream' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await checkComparisonLayout(cmp, `reflink-both-mapped, ${name}`);
    await cmp.locator('body').evaluate(() => window.scrollTo(0, 0));
    await shot(`comparison-${name}`);
    await cmp.locator('body').evaluate(() => document.getElementById('verdicts')?.scrollIntoView());
    await shot(`comparison-${name}-verdicts`);
    await cmp.locator('body').evaluate(() => {
      const c = document.getElementById('chart-calls');
      window.scrollTo(0, c.getBoundingClientRect().top + window.scrollY + 400);
    });
    await shot(`comparison-${name}-chart`);
    await cmp.locator('body').evaluate(() => window.scrollTo(0, 0));
  }
  ok('Design Comparison in light, dark and high contrast: no identifier broken, the grid fits, rows aligned, the chart wide, its legend stays, contrast met');

  // the verdict matrix: keyboard-selectable cells, the reason in the detail strip, Enter opens the deciding symbol
  await palette(page, 'Preferences: Color Theme', 'Dark Modern', { type: false });
  cmp = await viewFrame(page, 'comparison');
  await cmp.locator('table.vgrid td[role="gridcell"]').first().waitFor({ timeout: 30_000 });
  const sel0 = cmp.locator('table.vgrid td[aria-selected="true"]');
  if ((await sel0.count()) !== 1) throw new Error(`verdicts: ${await sel0.count()} cells selected at first, expected 1`);
  await sel0.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  const picked = await cmp.locator('table.vgrid td[aria-selected="true"]').evaluate((td) => ({ design: td.dataset.design, title: td.title, focused: document.activeElement === td }));
  if (picked.design !== 'page-mapping' || !picked.focused) throw new Error(`verdicts: Home, Right selected ${picked.design} (focused: ${picked.focused}), expected page-mapping`);
  const strip = await cmp.locator('#verdict-detail').textContent();
  const reason = picked.title.split('\n')[0].replace(/^page-mapping: [^.]*\. /, '').replace(/ Decided in .*$/, '');
  if (!strip?.includes(reason)) throw new Error(`verdicts: the detail strip does not give the reason ${JSON.stringify(reason)}: ${strip}`);
  const sym = await cmp.locator('#verdict-detail .d-reason .sym-link').first().textContent();
  if (!sym) throw new Error(`verdicts: no deciding symbol linked in the detail strip: ${strip}`);
  await shot('comparison-verdict-selected');
  await page.keyboard.press('Enter');
  const symName = sym.replace(/\(\)$/, '');
  for (const t0 = Date.now(); ; ) {
    const texts = await page.locator('.editor-instance .view-lines').allTextContents();
    if (texts.some((t) => t.replace(/\s+/g, ' ').includes(`${symName}(`))) break;
    if (Date.now() - t0 > 30_000) throw new Error(`verdicts: Enter did not open ${symName}: the active tab is ${await page.locator('.tab.active').first().getAttribute('aria-label').catch(() => '?')}, the editors show ${texts.map((t) => t.slice(0, 120)).join(' | ')}`);
    await page.waitForTimeout(250);
  }
  ok(`verdicts: Home, Right selected page-mapping's cell, the strip gives its reason, Enter opened ${symName}`);
  if (cmpMax) await palette(page, 'View: Toggle Maximize Editor Group');

  // ---- Timeline
  await palette(page, 'DAX Poison Lab: Open Timeline');
  const tl = await viewFrame(page, 'timeline');
  await tl.locator('canvas').first().waitFor({ timeout: 30_000 });
  ok('Timeline opened on the session');

  // ---- one selection: a span picked in the timeline is selected in the routing view and its event in the Events view
  await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().click();
  await page.locator('.monaco-list-row[aria-label*="e1 madvise-hwpoison"]').first().waitFor({ timeout: 30_000 });
  const filter = tl.locator('input[placeholder*="symbol"]').first();
  await filter.fill('xfs_dax_failure_fn');
  const opt = tl.locator('[role="option"]', { hasText: 'xfs_dax_failure_fn' }).first();
  await opt.waitFor({ timeout: 20_000 });
  await opt.click();
  routing = await viewFrame(page, 'routing');
  await routing.locator('svg.route-left g.node.selected', { has: routing.locator('text.sym', { hasText: /^xfs_dax_failure_fn$/ }) }).first().waitFor({ timeout: 20_000 });
  await page.locator('.monaco-list-row.selected[aria-label*="e1 madvise-hwpoison"]').first().waitFor({ timeout: 20_000 });
  await filter.fill('');
  await shot('selection-shared');
  ok('a span selected in the timeline is selected in the routing view, its event in the Events view');

  // and back: selecting the event's row in the Events view selects the whole event (no span) everywhere;
  // e1's row is selected already (revealed above): expand it, select one of its detail rows, then e1 again
  const e1row = page.locator('.monaco-list-row[aria-label*="e1 madvise-hwpoison"]').first();
  if ((await e1row.getAttribute('aria-expanded')) !== 'true') await e1row.locator('.monaco-tl-twistie').click();
  const detail = page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'noSignal' }).first();
  await detail.click();
  await page.locator('.monaco-list-row.selected[aria-level="2"]', { hasText: 'noSignal' }).first().waitFor({ timeout: 10_000 });
  await e1row.click();
  await page.locator('.monaco-list-row.selected[aria-label*="e1 madvise-hwpoison"]').first().waitFor({ timeout: 10_000 });
  await palette(page, 'DAX Poison Lab: Open Layer Routing');
  routing = await viewFrame(page, 'routing');
  await routing.locator('svg.route-left g.node').first().waitFor({ timeout: 30_000 });
  const t1 = Date.now();
  while ((await routing.locator('svg.route-left g.node.selected').count()) > 0) {
    if (Date.now() - t1 > 20_000) throw new Error('the Events view selected e1, yet the routing view still has a span selected');
    await page.waitForTimeout(200);
  }
  ok('selecting e1 in the Events view cleared the span selection in the routing view');

  // ---- the four themes, the routing group maximised
  await palette(page, 'DAX Poison Lab: Open Layer Routing');
  const maximised = await palette(page, 'View: Toggle Maximize Editor Group').then(() => true, () => false);
  for (const [name, theme, cls] of THEMES) {
    await palette(page, 'Preferences: Color Theme', theme, { type: false });
    const r = await viewFrame(page, 'routing');
    await r.locator(`body.${cls}`).waitFor({ timeout: 30_000 });
    await r.locator('svg.route-left g.node').first().waitFor({ timeout: 30_000 });
    // from the top of the route, memory_failure selected
    await r.locator('.routes').evaluate((el) => el.scrollTo(0, 0));
    await r.locator('svg.route-left text.sym', { hasText: /^memory_failure$/ }).first().evaluate((el) => el.closest('g.node').dispatchEvent(new MouseEvent('click', { bubbles: true })));
    await r.locator('.routes').evaluate((el) => el.scrollTo(0, 0));
    await page.waitForTimeout(300);
    await shot(`theme-${name}`);
  }
  await palette(page, 'Preferences: Color Theme', 'Dark Modern', { type: false });
  if (maximised) await palette(page, 'View: Toggle Maximize Editor Group');
  ok('screenshots in light, dark, high-contrast and high-contrast-light themes');

  // ---- reload: the panels come back with their content
  await page.reload();
  await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().waitFor({ timeout: 120_000 });
  const r2 = await viewFrame(page, 'routing', 120_000);
  await r2.locator('svg.route-left g.node').first().waitFor({ timeout: 60_000 });
  const t2 = await viewFrame(page, 'timeline', 60_000);
  await t2.locator('canvas').first().waitFor({ timeout: 30_000 });
  // the design it was compared with came back too (the webview's setState, handed to the serializer)
  await r2.locator('svg.route-right g.node').first().waitFor({ timeout: 30_000 });
  const right2 = await r2.locator('.route-col-right h2').textContent();
  if (!/page-mapping/.test(right2 ?? '')) throw new Error(`after the reload the routing view compares with ${right2}, not page-mapping`);
  await page.waitForTimeout(1000);
  await shot('after-reload');
  ok(`after a reload the routing (e1, still beside page-mapping) and timeline views are back`);

  // ---- the comparison of unbind-mounted-xfs (shutdown flags, a mass memory failure) in Light, Dark and High Contrast
  // one comparison panel (a restored one that is not visible yet would be revived beside a new one)
  await palette(page, 'View: Close All Editors');
  await palette(page, 'DAX Poison Lab: Open Scenario', 'unbind-mounted-xfs');
  await palette(page, 'DAX Poison Lab: Open Design Comparison');
  const unbindMax = await palette(page, 'View: Toggle Maximize Editor Group').then(() => true, () => false);
  for (const [name, theme, cls] of THEMES.slice(0, 3)) {
    await palette(page, 'Preferences: Color Theme', theme, { type: false });
    const u = await viewFrame(page, 'comparison');
    await u.locator(`body.${cls}`).waitFor({ timeout: 30_000 });
    await u.locator('table.cmp-grid .tok', { hasText: /^SHUTDOWN_FORCE_UMOUNT$/ }).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await checkComparisonLayout(u, `unbind-mounted-xfs, ${name}`);
    await shot(`comparison-unbind-${name}`);
    await u.locator('body').evaluate(() => document.querySelector('tbody[aria-label="dmesg"]')?.scrollIntoView());
    await shot(`comparison-unbind-${name}-dmesg`);
  }
  await palette(page, 'Preferences: Color Theme', 'Dark Modern', { type: false });
  if (unbindMax) await palette(page, 'View: Toggle Maximize Editor Group');
  ok('Design Comparison of unbind-mounted-xfs in light, dark and high contrast: SHUTDOWN_* flags whole, layout and contrast checked');
  return checks;
}
