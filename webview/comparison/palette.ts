// The comparison's colours: the theme's colours (the --vscode-* variables,
// resolved through a probe element so that any CSS colour form works),
// composited over the editor background and moved to the contrast they need
// (4.5:1 for text, 3:1 for bars, markers and lines), written as --cmp-*
// custom properties on the body through the CSSOM (the CSP forbids style
// attributes, not the CSSOM). Re-run on every theme change.

import { adjustToTarget, composite, contrastRatio, formatHex, parseColor, type Rgba } from './contrast-use';

export interface PaletteEntry {
  name: string;
  /** the theme colour as resolved, before any change */
  theme: string;
  /** what is used */
  used: string;
  target: number;
  ratio: number;
}

/** [custom property, CSS colour expression (with fallbacks), target ratio] */
const ENTRIES: [string, string, number][] = [
  ['--cmp-s0', 'var(--vscode-charts-blue, var(--vscode-textLink-foreground))', 3],
  ['--cmp-s1', 'var(--vscode-charts-orange, var(--vscode-editorWarning-foreground))', 3],
  ['--cmp-s2', 'var(--vscode-charts-green, var(--vscode-testing-iconPassed))', 3],
  ['--cmp-s3', 'var(--vscode-charts-purple, var(--vscode-foreground))', 3],
  ['--cmp-t0', 'var(--vscode-charts-blue, var(--vscode-textLink-foreground))', 4.5],
  ['--cmp-t1', 'var(--vscode-charts-orange, var(--vscode-editorWarning-foreground))', 4.5],
  ['--cmp-t2', 'var(--vscode-charts-green, var(--vscode-testing-iconPassed))', 4.5],
  ['--cmp-t3', 'var(--vscode-charts-purple, var(--vscode-foreground))', 4.5],
  ['--cmp-line', 'var(--vscode-descriptionForeground)', 3],
  ['--cmp-muted', 'var(--vscode-descriptionForeground)', 4.5],
  ['--cmp-diff', 'var(--vscode-editorWarning-foreground, var(--vscode-charts-yellow))', 4.5],
  ['--cmp-out-err', 'var(--vscode-errorForeground)', 4.5],
  ['--cmp-out-warn', 'var(--vscode-editorWarning-foreground, var(--vscode-charts-orange))', 4.5],
  ['--cmp-out-info', 'var(--vscode-textLink-foreground)', 4.5],
  ['--cmp-out-none', 'var(--vscode-descriptionForeground)', 4.5],
];

let probe: HTMLElement | undefined;

/** A CSS colour expression as the browser computes it, parsed. */
function resolve(expr: string): Rgba | undefined {
  if (!probe) {
    probe = document.createElement('span');
    probe.setAttribute('aria-hidden', 'true');
    probe.className = 'cmp-probe';
    probe.hidden = true;
    document.body.append(probe);
  }
  probe.style.color = '';
  probe.style.color = expr;
  return parseColor(getComputedStyle(probe).color);
}

export function applyPalette(): PaletteEntry[] {
  const body = document.body;
  for (const [name] of ENTRIES) body.style.removeProperty(name);
  const white: Rgba = { r: 255, g: 255, b: 255, a: 1 };
  const rawBg = resolve('var(--vscode-editor-background)') ?? white;
  const bg = rawBg.a < 1 ? { ...rawBg, a: 1 } : rawBg;
  const out: PaletteEntry[] = [];
  for (const [name, expr, target] of ENTRIES) {
    const c = resolve(expr);
    if (!c) continue;
    // a translucent theme colour is composited over the background; when that does not reach the
    // target (the Modern themes' charts.orange is 33 % alpha: a muddy brown on the dark editor) it
    // is replaced by its opaque hue; either is then moved to the target if it still falls short
    const over = composite(c, bg);
    const used = c.a < 1 && contrastRatio(over, bg) < target ? adjustToTarget({ ...c, a: 1 }, bg, target) : adjustToTarget(over, bg, target);
    body.style.setProperty(name, formatHex(used));
    out.push({ name, theme: formatHex(c), used: formatHex(used), target, ratio: contrastRatio(used, bg) });
  }
  body.dataset.palette = out.map((e) => `${e.name}=${e.used}${e.used !== e.theme ? ` (theme ${e.theme})` : ''}`).join('; ');
  return out;
}
