// The routing view's colours, from the theme, made readable: each
// --vscode-* colour the view draws text or lines with is composited over
// the editor background (the Modern themes give some chart colours an
// alpha) and, where it falls short of WCAG AA against the backgrounds it is
// drawn on (4.5:1 for text, 3:1 for lines and box borders), moved toward
// black or white until it does. The results are set as --dpl-* custom
// properties on the document (lab.css uses them), again on a theme change.

import { AA_GRAPHIC, AA_TEXT, composite, ensureContrast, mix, parseColor, toCss, type Rgba } from '../common/contrast';

const WHITE: Rgba = { r: 255, g: 255, b: 255, a: 1 };

function themeColor(style: CSSStyleDeclaration, names: readonly string[]): Rgba | undefined {
  for (const n of names) {
    const c = parseColor(style.getPropertyValue(n));
    if (c) return c;
  }
  return undefined;
}

interface Role {
  /** the custom property set */
  prop: string;
  /** theme variables, first defined wins */
  from: readonly string[];
  target: number;
  /** when the theme defines none of them */
  fallback: Rgba;
}

const ROLES: readonly Role[] = [
  { prop: '--dpl-fg', from: ['--vscode-foreground', '--vscode-editor-foreground'], target: AA_TEXT, fallback: { r: 128, g: 128, b: 128, a: 1 } },
  { prop: '--dpl-muted', from: ['--vscode-descriptionForeground', '--vscode-foreground'], target: AA_TEXT, fallback: { r: 128, g: 128, b: 128, a: 1 } },
  { prop: '--dpl-link', from: ['--vscode-textLink-foreground', '--vscode-foreground'], target: AA_TEXT, fallback: { r: 0, g: 95, b: 184, a: 1 } },
  { prop: '--dpl-hop', from: ['--vscode-charts-blue', '--vscode-textLink-foreground'], target: AA_TEXT, fallback: { r: 0, g: 95, b: 184, a: 1 } },
  { prop: '--dpl-call', from: ['--vscode-descriptionForeground', '--vscode-foreground'], target: AA_GRAPHIC, fallback: { r: 128, g: 128, b: 128, a: 1 } },
  { prop: '--dpl-border', from: ['--vscode-contrastBorder', '--vscode-editorWidget-border', '--vscode-descriptionForeground'], target: AA_GRAPHIC, fallback: { r: 128, g: 128, b: 128, a: 1 } },
  { prop: '--dpl-decision', from: ['--vscode-charts-orange', '--vscode-editorWarning-foreground'], target: AA_TEXT, fallback: { r: 209, g: 134, b: 22, a: 1 } },
  { prop: '--dpl-error', from: ['--vscode-errorForeground', '--vscode-charts-red'], target: AA_TEXT, fallback: { r: 229, g: 20, b: 0, a: 1 } },
  { prop: '--dpl-only', from: ['--vscode-charts-red', '--vscode-errorForeground'], target: AA_TEXT, fallback: { r: 229, g: 20, b: 0, a: 1 } },
  { prop: '--dpl-changed', from: ['--vscode-charts-yellow', '--vscode-editorWarning-foreground'], target: AA_TEXT, fallback: { r: 191, g: 136, b: 3, a: 1 } },
  { prop: '--dpl-ok', from: ['--vscode-testing-iconPassed', '--vscode-charts-green'], target: AA_TEXT, fallback: { r: 56, g: 138, b: 52, a: 1 } },
  { prop: '--dpl-focus', from: ['--vscode-focusBorder', '--vscode-textLink-foreground'], target: AA_GRAPHIC, fallback: { r: 0, g: 95, b: 184, a: 1 } },
];

export interface RoutingColors {
  background: Rgba;
  /** every --dpl-* property set, with its CSS value */
  props: Record<string, string>;
}

/**
 * Compute the view's colours from the page's theme variables and set them
 * on `target` (the view's root element: not <html>, whose style attribute
 * VS Code rewrites with the theme's variables, and which is watched).
 */
export function applyRoutingColors(target: HTMLElement, doc: Document = document): RoutingColors {
  const style = getComputedStyle(doc.body);
  const bgRaw = themeColor(style, ['--vscode-editor-background']) ?? parseColor(style.backgroundColor) ?? WHITE;
  const bg = bgRaw.a < 1 ? composite(bgRaw, WHITE) : bgRaw;
  const fg = themeColor(style, ['--vscode-foreground']) ?? { r: 128, g: 128, b: 128, a: 1 };
  const fgOpaque = fg.a < 1 ? composite(fg, bg) : fg;
  // the alternate lanes: a faint wash of the foreground; the selected box: a wash of the focus colour
  const tint = mix(bg, fgOpaque, 0.045);
  const focus = themeColor(style, ['--vscode-focusBorder', '--vscode-textLink-foreground']) ?? fgOpaque;
  const sel = mix(bg, focus.a < 1 ? composite(focus, bg) : focus, 0.14);
  const backs = [bg, tint, sel];
  const props: Record<string, string> = {
    '--dpl-bg': toCss(bg),
    '--dpl-lane-odd': toCss(tint),
    '--dpl-sel-bg': toCss(sel),
  };
  for (const r of ROLES) props[r.prop] = toCss(ensureContrast(themeColor(style, r.from) ?? r.fallback, backs, r.target));
  for (const [k, v] of Object.entries(props)) target.style.setProperty(k, v);
  return { background: bg, props };
}

/** Call `f` when VS Code sets other theme variables (a theme of the same kind keeps the body's class). */
export function onThemeVariables(f: () => void, doc: Document = document): void {
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      f();
    });
  }).observe(doc.documentElement, { attributes: true, attributeFilter: ['style'] });
}
