// Import Machine… and the what-if actions in a real VS Code (code-server)
// driven by Debian's chromium: a collected folder (the hand-written
// two-region fixture) imported through the folder and save dialogs, the
// session run, a badblock's context menu, "What Happens If This Is
// Consumed?" and its answer beside the scenario (one list item per verdict,
// nothing wider than the preview); screenshots of the Devices tree with the
// what-if actions and of the answer in the Light, Dark and High Contrast
// themes (.cache/artifacts/whatif-menu-*.png, whatif-answer-*.png). Run by
// `node scripts/code-server.mjs whatif`.

import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { THEMES, command, expand, fileDialog, row, setTheme, toast, widenSidebar } from './workbench.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WHAT_IF = ['What Happens If This Is Consumed?', 'What Happens If This Is Scrubbed?', 'What Happens If the Device Is Removed?'];

/** right-click the badblock row; the three what-if actions are in its context menu */
async function openMenu(page) {
  const bb = await row(page, /badblock sector 192 \+8 sectors/);
  await bb.click({ button: 'right' });
  for (const t of WHAT_IF) await page.locator('.context-view .action-label', { hasText: t }).first().waitFor({ timeout: 20_000 });
  return page.locator('.context-view .action-label', { hasText: WHAT_IF[0] }).first();
}

export async function run({ page, artifacts, log, checks = [] }) {
  const ok = (what) => {
    checks.push(what);
    log(`  ✔ ${what}`);
  };
  const workspace = decodeURIComponent(new URL(page.url()).searchParams.get('folder') ?? '');
  if (!workspace.startsWith('/')) throw new Error(`no workspace folder in ${page.url()}`);
  const folder = join(workspace, 'machine-a');
  cpSync(join(ROOT, 'test', 'fixtures', 'machines', 'nvdimm-two-regions'), folder, { recursive: true });
  await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().waitFor({ timeout: 120_000 });
  await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().click();
  await command(page, 'DAX Poison Lab: Import Machine…');
  await fileDialog(page, folder, { folder: true });
  await fileDialog(page, join(workspace, 'machine-a.poison.yaml'));
  log(`    ${await toast(page, /imported machine-a: 2 poison targets/, 60_000)}`);
  ok('Import Machine… through the folder and save dialogs: the session is the imported machine');
  await page.locator('.tab', { hasText: 'machine-a.poison.yaml' }).first().waitFor({ timeout: 20_000 });
  ok('the scenario is open in an editor');
  await command(page, 'DAX Poison Lab: Run to End');
  await page.waitForTimeout(1500);
  await widenSidebar(page, 160);
  await expand(await row(page, /^region0/));
  await expand(await row(page, /^namespace0\.0/));
  await expand(await row(page, /^\/dev\/pmem0/));
  await expand(await row(page, /^badblocks/));
  const item = await openMenu(page);
  ok("a badblock's context menu offers consumed, scrubbed and removed");
  await item.click();
  // the answer, rendered beside the scenario
  const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await preview.locator('h1', { hasText: 'What happens if this is consumed?' }).waitFor({ timeout: 60_000 });
  await preview.locator('h2', { hasText: /Who is told \([1-9]/ }).waitFor({ timeout: 10_000 });
  const told = preview.locator('li', { hasText: /reader:1000 through m\d/ }).first();
  await told.waitFor({ timeout: 10_000 });
  const t = ((await told.textContent()) ?? '').replace(/\s+/g, ' ');
  if (!/^(AR|AO|SIGBUS) reader:1000 through m\d \[0x7f[0-9a-f]+, 0x7f[0-9a-f]+\), owner \/mnt\/pmem\/\S+ \[0x0, 0x1000\) .+ Decided by \w+$/.test(t.trim())) throw new Error(`what-if: the reader's verdict does not read outcome, who, mapping, owner, why, deciding function: ${t}`);
  ok(`the answer shows who is told, one item per verdict (${t.trim().slice(0, 60)}…)`);
  // nothing in the answer is wider than the preview: no sideways scrolling, no clipped table
  const fit = await preview.locator('body').evaluate(() => {
    const d = document.scrollingElement ?? document.documentElement;
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1 && !e.closest('pre')).map((e) => `${e.tagName.toLowerCase()} ${(e.textContent ?? '').slice(0, 40)}`);
    return { scroll: d.scrollWidth, client: d.clientWidth, wide: wide.slice(0, 5) };
  });
  if (fit.wide.length || fit.scroll > fit.client + 1) throw new Error(`what-if: the answer is wider than its preview (${fit.scroll} > ${fit.client} px): ${fit.wide.join(' | ')}`);
  ok(`the answer fits its preview (${fit.client} px wide): nothing is clipped or scrolls sideways`);
  for (const [name, theme] of THEMES) {
    await setTheme(page, theme, 1200);
    await page.screenshot({ path: join(artifacts, `whatif-answer-${name}.png`) });
    await openMenu(page);
    await page.screenshot({ path: join(artifacts, `whatif-menu-${name}.png`) });
    await page.keyboard.press('Escape');
  }
  ok('screenshots of the what-if actions and of the answer in light, dark and high-contrast themes');
  await setTheme(page, 'Dark Modern', 300);
}
