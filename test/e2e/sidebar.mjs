// The lab's sidebar trees (Devices, Owners, Events) in a real VS Code
// (code-server) driven by Debian's chromium: the default scenario stepped,
// a badblock injected through the Inject Poison quick picks and a page
// poisoned at the same file offset, the namespace unbound, each action's
// notification; then screenshots of the sidebar in the Light, Dark and High
// Contrast themes (.cache/artifacts/sidebar-*.png). Run by
// `node scripts/code-server.mjs sidebar`; each step waits for what a user
// sees and throws with what was missing.

import { join } from 'node:path';
import { THEMES, answer, command, row, setTheme, toast, widenSidebar } from './workbench.mjs';

export async function run({ page, artifacts, log, checks = [] }) {
  const ok = (what) => {
    checks.push(what);
    log(`  ✔ ${what}`);
  };
  await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().waitFor({ timeout: 120_000 });
  await command(page, 'DAX Poison Lab: Open Scenario…');
  await answer(page, 'reflink-both-mapped');
  await page.locator('.activitybar [aria-label^="DAX Poison Lab"]').first().click();
  await row(page, /region0/);
  await widenSidebar(page, 420);
  await command(page, 'DAX Poison Lab: Step');
  log(`    ${await toast(page, /e1 madvise-hwpoison = 0/)}`);
  ok('Step says what e1 did');
  // a badblock at testfile offset 0x4000 (pmem0 sector 224), through the quick picks
  await command(page, 'DAX Poison Lab: Inject Poison…');
  await answer(page, 'ndctl inject-error');
  await answer(page, 'Device sector');
  await answer(page, 'pmem0');
  await answer(page, '224', { pick: false });
  await answer(page, '512', { pick: false });
  await answer(page, 'With notify');
  log(`    ${await toast(page, /inject-error .*\(by hand\) = 0/)}`);
  // and the page at the same offset, poisoned by the reader's MADV_HWPOISON
  await command(page, 'DAX Poison Lab: Inject Poison…');
  await answer(page, 'MADV_HWPOISON');
  await answer(page, 'reader:1000');
  await answer(page, '0x7f0000004000', { pick: false });
  await answer(page, '4096', { pick: false });
  log(`    ${await toast(page, /madvise-hwpoison .*\(by hand\) = 0/)}`);
  // open testfile (the file rows are its children)
  const file = await row(page, /^testfile.*poisoned/);
  if ((await file.getAttribute('aria-expanded')) !== 'true') await file.locator('.monaco-tl-twistie').click();
  await row(page, /badblock sector 224 \+1 sector \(512B\)\s*file offset 0x4000/);
  await row(page, /PageHWPoison pfn 0x24121c \(4KiB\)\s*file offset 0x4000/);
  ok('a badblock sector and a PageHWPoison page at one file offset are two rows');
  // the Events view selected the new event; the Owners view of the page marks each mapping's verdict
  await row(page, /poisoned pages/);
  await (await row(page, /^pfn 0x24121c/)).click();
  await page.waitForTimeout(800);
  for (const [name, theme] of THEMES) {
    await setTheme(page, theme, 800);
    await page.screenshot({ path: join(artifacts, `sidebar-${name}.png`) });
  }
  ok('sidebar screenshots in light, dark and high-contrast themes');
  // unbind: the rows stay right, the namespace says by which event
  await command(page, 'DAX Poison Lab: Unbind Device…');
  await answer(page, 'namespace0.0');
  log(`    ${await toast(page, /unbind .*\(by hand\) = 0/)}`);
  await row(page, /unbound by h\d+|unbound by e\d+/);
  await row(page, /badblock sector 224 \+1 sector \(512B\)\s*file offset 0x4000/);
  await row(page, /PageHWPoison pfn 0x24121c \(4KiB\)\s*file offset 0x4000/);
  await page.screenshot({ path: join(artifacts, 'sidebar-after-unbind.png') });
  ok('after the unbind: the namespace says which event unbound it, and both rows stay right');
  // the status bar: media errors, badblock sectors, poisoned pages
  await page.locator('.statusbar-item', { hasText: /bad media 512B · 1 badblock sector · 2 poisoned pages/ }).first().waitFor({ timeout: 20_000 });
  ok('the status bar counts media errors, badblock sectors and poisoned pages with units');
  await setTheme(page, 'Dark Modern', 300);
}
