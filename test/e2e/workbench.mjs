// The workbench steps the browser checks share (test/e2e/sidebar.mjs,
// test/e2e/whatif.mjs, test/e2e/webviews.mjs): the command palette, quick picks and inputs,
// notification toasts, the lab's sidebar tree rows, the sidebar's width, the
// color theme. Each waits for what a user sees and throws with what was
// missing. code-server itself is started by scripts/code-server.mjs, which
// hands each check module the page.

/** [file-name part, the theme's label in the Color Theme picker] */
export const THEMES = [
  ['light', 'Light Modern'],
  ['dark', 'Dark Modern'],
  ['high-contrast', 'Dark High Contrast'],
];

/** Run a command from the palette: the row whose label is exactly `title` (others may start with it). */
export async function command(page, title) {
  await page.keyboard.press('Escape');
  // a webview or an editor may hold the keyboard: give it back to the workbench first
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

/**
 * Answer the open quick input: type `text`, wait for a row whose label
 * contains it (picks) or none (inputs), and take it with Enter, or with a
 * click on the row (`click`: in some pickers, Color Theme, Enter can take the
 * marketplace search, which this machine cannot reach). A pick first waits for
 * the command's own picker to replace the palette (its input no longer starts
 * with ">"), and throws with the rows it shows when none has `text`.
 */
export async function answer(page, text, { pick = true, click = false } = {}) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 20_000 });
  if (pick) {
    await page.waitForFunction(() => {
      const i = document.querySelector('.quick-input-widget input');
      return i && !i.value.startsWith('>') && document.querySelector('.quick-input-widget .monaco-list-row');
    }, null, { timeout: 20_000 });
  }
  await input.fill(text);
  if (pick) {
    // filtered (a long list is virtualised), then the row is there to take
    const row = page.locator(`.quick-input-widget .monaco-list-row[aria-label*="${text}"]`).first();
    if (!(await row.waitFor({ timeout: 20_000 }).then(() => true, () => false))) {
      const rows = await page.locator('.quick-input-widget .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(`no "${text}" to pick (rows: ${rows.join(' | ') || 'none'})`);
    }
    if (click) await row.click();
    else await page.keyboard.press('Enter');
  } else {
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
  }
  await page.waitForTimeout(300);
}

/** Switch the color theme through the palette and let the workbench repaint. */
export async function setTheme(page, theme, settle = 1000) {
  await command(page, 'Preferences: Color Theme');
  await answer(page, theme);
  await page.waitForTimeout(settle);
  await page.keyboard.press('Escape');
}

/**
 * code-server's simple file dialog: type a path, accept it, and wait until the
 * dialog is gone (it throws with what the dialog still shows). A folder
 * (`folder: true`) is typed with a trailing slash, so the dialog lists its
 * contents, and accepted with the OK button: Enter on a typed folder name may
 * navigate into it or accept the highlighted entry instead.
 */
export async function fileDialog(page, path, { folder = false, timeout = 30_000 } = {}) {
  const input = page.locator('.quick-input-widget input');
  // the dialog may come after work the command does first (Import Machine… reads the machine
  // folder before its save dialog): on a loaded machine that took more than 20 s once
  await input.waitFor({ timeout: 60_000 });
  const titleOf = () => page.locator('.quick-input-widget .quick-input-title').first().innerText().catch(() => '');
  const title = await titleOf();
  const want = folder ? path.replace(/\/*$/, '/') : path;
  await input.fill(want);
  // the dialog completes and validates what was typed asynchronously (a remote stat per keystroke): wait until the value settles on the path
  const t0 = Date.now();
  let last = '';
  for (let same = 0; same < 3 && Date.now() - t0 < 10_000; ) {
    await page.waitForTimeout(250);
    const v = await input.inputValue().catch(() => '');
    same = v === last && v === want ? same + 1 : 0;
    last = v;
  }
  const okButton = page.locator('.quick-input-widget .monaco-button', { hasText: /^(Import|OK|Save|Open)$/ }).first();
  const accept = async () => {
    if (folder && (await okButton.isVisible().catch(() => false))) await okButton.click().catch(() => {});
    else await page.keyboard.press('Enter');
  };
  await accept();
  while (Date.now() - t0 < timeout) {
    await page.waitForTimeout(500);
    // gone, or the next dialog (another title) took its place
    if (!(await input.isVisible().catch(() => false)) || (await titleOf()) !== title) return;
    if ((await input.inputValue().catch(() => '')) !== want) await input.fill(want);
    await accept();
  }
  const shown = await page.locator('.quick-input-widget').first().innerText().catch(() => '');
  throw new Error(`file dialog: ${want} not accepted within ${timeout / 1000} s (value ${JSON.stringify(await input.inputValue().catch(() => ''))}; the dialog shows: ${shown.replace(/\s+/g, ' ').slice(0, 300)})`);
}

/** The texts of the notifications on screen (toasts) and, when `center`, in the notification center. */
async function notificationTexts(page, center) {
  const sel = center ? '.notifications-center .notification-list-item-message' : '.notification-toast .notification-list-item-message';
  return page.locator(sel).evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
}

/**
 * The newest notification matching `re`, its text: a toast, or, when the
 * workbench shows no toast for it (at most three toasts fit; others go
 * straight to the notification center), the notification center's entry.
 * Throws with every notification it saw.
 */
export async function toast(page, re, timeout = 30_000) {
  const t = page.locator('.notification-toast .notification-list-item-message', { hasText: re }).first();
  try {
    await t.waitFor({ timeout: Math.max(1000, timeout - 8000) });
    return (await t.textContent())?.trim() ?? '';
  } catch {
    /* look in the notification center */
  }
  const toasts = await notificationTexts(page, false).catch(() => []);
  await command(page, 'Notifications: Show Notifications').catch(() => {});
  const c = page.locator('.notifications-center .notification-list-item-message', { hasText: re }).first();
  const found = await c.waitFor({ timeout: 5000 }).then(() => c.textContent(), () => null);
  const all = found === null ? await notificationTexts(page, true).catch(() => []) : [];
  await command(page, 'Notifications: Hide Notifications').catch(() => {});
  if (found !== null) return `${found.trim()} (in the notification center)`;
  throw new Error(`no notification ${re} within ${timeout / 1000} s (toasts: ${toasts.join(' | ') || 'none'}; notification center: ${all.join(' | ') || 'empty'})`);
}

/** A sidebar tree row whose text matches; the trees are virtualised, so scroll each one down until it shows. */
export async function row(page, re, timeout = 30_000) {
  const r = page.locator('.part.sidebar .monaco-list-row', { hasText: re }).first();
  const t0 = Date.now();
  for (let i = 0; ; i++) {
    if (await r.isVisible().catch(() => false)) return r;
    if (Date.now() - t0 > timeout) {
      const seen = await page.locator('.part.sidebar .monaco-list-row').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(`no sidebar row ${re} within ${timeout / 1000} s (rows: ${seen.join(' | ')})`);
    }
    // every few tries, scroll the trees a page down (wrapping to the top)
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

/** Open a tree row's children. */
export async function expand(r) {
  if ((await r.getAttribute('aria-expanded')) === 'false') await r.locator('.monaco-tl-twistie').click();
}

/** Widen the sidebar by dragging its sash, so the rows' descriptions show. */
export async function widenSidebar(page, by) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const x = box.x + box.width + 1;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + by / 2, y, { steps: 5 });
  await page.mouse.move(x + by, y, { steps: 5 });
  await page.mouse.up();
}
