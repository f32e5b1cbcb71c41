// Import Machine… and the what-if actions in a real VS Code (code-server)
// driven by Debian's chromium: a collected folder (the hand-written
// two-region fixture) imported through the folder and save dialogs, the
// session run, a badblock's context menu, "What Happens If This Is
// Consumed?" and its answer beside the scenario; screenshots in the Light,
// Dark and High Contrast themes (.cache/artifacts/whatif-*.png). Run by
// `node scripts/code-server.mjs whatif`.

import { cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const THEMES = [
  ['light', 'Light Modern'],
  ['dark', 'Dark Modern'],
  ['high-contrast', 'Dark High Contrast'],
];

async function command(page, title) {
  await page.keyboard.press('Escape');
  await page.locator('.part.sidebar .composite.title').first().click({ timeout: 5_000 }).catch(() => {});
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 20_000 });
  await input.fill(`>${title}`);
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  await page.locator(`.quick-input-widget .monaco-list-row[aria-label^="${title}"]`).first().waitFor({ timeout: 20_000 });
  const labels = await rows.evaluateAll((els) => els.map((e) => e.querySelector('.label-name')?.textContent?.trim() ?? ''));
  const i = labels.indexOf(title);
  if (i < 0) throw new Error(`palette: no "${title}" (rows: ${labels.join(' | ')})`);
  await rows.nth(i).click();
  await page.waitForTimeout(300);
}

async function answer(page, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 20_000 });
  await input.fill(text);
  await page.locator(`.quick-input-widget .monaco-list-row[aria-label*="${text}"]`).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
}

/** the simple file dialog (code-server's): type a path, accept it */
async function dialog(page, path) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 20_000 });
  await input.fill(path);
  await page.waitForTimeout(600);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(600);
  // a folder typed without a trailing slash may only have been navigated into: accept with the OK button if the dialog is still up
  if (await input.isVisible().catch(() => false)) {
    const okButton = page.locator('.quick-input-widget .monaco-button', { hasText: /^(Import|OK|Save)$/ }).first();
    if (await okButton.isVisible().catch(() => false)) await okButton.click();
    else await page.keyboard.press('Enter');
    await page.waitForTimeout(600);
  }
}

async function toast(page, re) {
  const t = page.locator('.notification-toast .notification-list-item-message', { hasText: re }).first();
  await t.waitFor({ timeout: 60_000 });
  return (await t.textContent())?.trim() ?? '';
}

async function row(page, re, timeout = 30_000) {
  const r = page.locator('.part.sidebar .monaco-list-row', { hasText: re }).first();
  const t0 = Date.now();
  for (let i = 0; ; i++) {
    if (await r.isVisible().catch(() => false)) return r;
    if (Date.now() - t0 > timeout) {
      const seen = await page.locator('.part.sidebar .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(`no sidebar row ${re} within ${timeout / 1000} s (rows: ${seen.join(' | ')})`);
    }
    if (i % 4 === 3) {
      for (const list of await page.locator('.part.sidebar .monaco-list').all()) {
        const b = await list.boundingBox().catch(() => null);
        if (!b || b.height < 20) continue;
        await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
        await page.mouse.wheel(0, i % 24 === 23 ? -5000 : 200);
      }
    }
    await page.waitForTimeout(250);
  }
}

async function expand(r) {
  if ((await r.getAttribute('aria-expanded')) === 'false') await r.locator('.monaco-tl-twistie').click();
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
  await dialog(page, folder);
  await dialog(page, join(workspace, 'machine-a.poison.yaml'));
  log(`    ${await toast(page, /imported machine-a: 2 poison targets/)}`);
  ok('Import Machine… through the folder and save dialogs: the session is the imported machine');
  await page.locator('.tab', { hasText: 'machine-a.poison.yaml' }).first().waitFor({ timeout: 20_000 });
  ok('the scenario is open in an editor');
  await command(page, 'DAX Poison Lab: Run to End');
  await page.waitForTimeout(1500);
  await expand(await row(page, /^region0/));
  await expand(await row(page, /^namespace0\.0/));
  await expand(await row(page, /^\/dev\/pmem0/));
  await expand(await row(page, /^badblocks/));
  const bb = await row(page, /badblock sector 192 \+8 sectors/);
  await bb.click({ button: 'right' });
  const item = page.locator('.context-view .action-label', { hasText: 'What Happens If This Is Consumed?' }).first();
  await item.waitFor({ timeout: 20_000 });
  for (const t of ['What Happens If This Is Scrubbed?', 'What Happens If the Device Is Removed?'])
    await page.locator('.context-view .action-label', { hasText: t }).first().waitFor({ timeout: 5_000 });
  await page.screenshot({ path: join(artifacts, 'whatif-menu.png') });
  ok("a badblock's context menu offers consumed, scrubbed and removed");
  await item.click();
  // the answer, rendered beside the scenario
  const preview = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await preview.locator('h1', { hasText: 'What happens if this is consumed?' }).waitFor({ timeout: 60_000 });
  await preview.locator('h2', { hasText: /Who is told \([1-9]/ }).waitFor({ timeout: 10_000 });
  await preview.locator('td', { hasText: 'reader:1000' }).first().waitFor({ timeout: 10_000 });
  ok('the answer shows who is told (reader:1000) and who is not, rendered');
  for (const [name, theme] of THEMES) {
    await command(page, 'Preferences: Color Theme');
    await answer(page, theme);
    await page.waitForTimeout(1200);
    await page.keyboard.press('Escape');
    await page.screenshot({ path: join(artifacts, `whatif-${name}.png`) });
  }
  ok('what-if screenshots in light, dark and high-contrast themes');
  await command(page, 'Preferences: Color Theme');
  await answer(page, 'Dark Modern');
}
