// The timeline's palette from the theme's colours: every colour starts from a
// --vscode-* variable, is composited over the editor background (VS Code's
// Modern themes make some of them translucent: charts.orange is the minimap's
// find-match highlight, #d186167e-like), then moved the least towards black
// or white that meets the contrast it needs against the background: 4.5:1
// for text (lane labels, axis labels, slice labels on their fill, the gap
// text), 3:1 for what is not text (slice fills, marks, instants, flows, the
// selection, the gap's break lines, high-contrast outlines). DOM-free:
// theme.ts reads the variables and hands them here.

import { contrast, ensureContrast, mix, sliceColours, toCss, type Rgba } from './colors';

export type ThemeKind = 'light' | 'dark' | 'hc-dark' | 'hc-light';

export interface Theme {
  kind: ThemeKind;
  background: string;
  foreground: string;
  muted: string;
  stripe: string;
  border: string;
  grid: string;
  selection: string;
  /** high contrast: slices get an outline */
  outline: string | null;
  layerFill: string[];
  layerText: string[];
  /** fill of a lane's merged sub-pixel marks when the lane mixes layers */
  neutralFill: string;
  event: string;
  signal: string;
  flow: string;
  /** an idle gap cut out of the time axis: its band, its break lines, its text */
  gap: string;
  gapLine: string;
  gapText: string;
  fontFamily: string;
  fontSize: number;
}

export const TEXT_CONTRAST = 4.5;
export const GRAPHIC_CONTRAST = 3;

export const CHART_VARS = ['--vscode-charts-blue', '--vscode-charts-purple', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-red', '--vscode-charts-yellow'];

/** the colour of the first of `names` the theme sets, or null */
export type ReadColour = (...names: string[]) => Rgba | null;

export function buildPalette(v: ReadColour, kind: ThemeKind, layerCount: number, font: { family: string; size: number }): Theme {
  const hc = kind === 'hc-dark' || kind === 'hc-light';
  const light = kind === 'light' || kind === 'hc-light';
  const bgRaw = v('--vscode-editor-background', '--vscode-panel-background', '--vscode-sideBar-background') ?? (light ? { r: 255, g: 255, b: 255, a: 1 } : { r: 30, g: 30, b: 30, a: 1 });
  // the background itself over the opposite pole when translucent (the workbench behind it)
  const bg = bgRaw.a < 1 ? mix(light ? { r: 255, g: 255, b: 255, a: 1 } : { r: 0, g: 0, b: 0, a: 1 }, { ...bgRaw, a: 1 }, bgRaw.a) : bgRaw;
  const text = (c: Rgba | null, fallback: Rgba) => ensureContrast(c ?? fallback, bg, TEXT_CONTRAST);
  const graphic = (c: Rgba | null, fallback: Rgba) => ensureContrast(c ?? fallback, bg, GRAPHIC_CONTRAST);
  const fg = text(v('--vscode-editor-foreground', '--vscode-foreground'), light ? { r: 0, g: 0, b: 0, a: 1 } : { r: 220, g: 220, b: 220, a: 1 });
  const muted = text(v('--vscode-descriptionForeground', '--vscode-disabledForeground'), mix(fg, bg, 0.35));
  const borderRaw = v('--vscode-contrastBorder', '--vscode-panel-border', '--vscode-widget-border', '--vscode-editorGroup-border') ?? mix(fg, bg, 0.8);
  const border = hc ? graphic(borderRaw, fg) : ensureContrast(borderRaw, bg, 1);
  const selection = graphic(v(hc ? '--vscode-contrastActiveBorder' : '--vscode-focusBorder', '--vscode-focusBorder'), fg);
  const fills: Rgba[] = [];
  const texts: Rgba[] = [];
  for (let i = 0; i < Math.max(1, layerCount); i++) {
    let base = v(CHART_VARS[i % CHART_VARS.length]!, '--vscode-charts-foreground') ?? mix(fg, bg, 0.4);
    // the second round of the palette is a shade apart, so no two of the 16 layers look alike
    if (Math.floor(i / CHART_VARS.length) % 2 === 1 && !hc) base = mix(ensureContrast(base, bg, 1), light ? { r: 0, g: 0, b: 0, a: 1 } : bg, 0.28);
    const sc = sliceColours(base, bg, [fg, bg]);
    fills.push(sc.fill);
    texts.push(sc.text);
  }
  const event = graphic(v('--vscode-charts-blue', '--vscode-editorInfo-foreground'), fg);
  const signal = graphic(v('--vscode-editorError-foreground', '--vscode-charts-red'), fg);
  let flow = graphic(v('--vscode-editorLineNumber-activeForeground', '--vscode-charts-foreground'), muted);
  if (contrast(flow, bg) < GRAPHIC_CONTRAST) flow = fg;
  const gap = mix(bg, fg, hc ? 0.0 : 0.07);
  const gapLine = ensureContrast(muted, gap, GRAPHIC_CONTRAST);
  const gapText = ensureContrast(muted, gap, TEXT_CONTRAST);
  return {
    kind,
    background: toCss(bg),
    foreground: toCss(fg),
    muted: toCss(muted),
    stripe: toCss(mix(bg, fg, hc ? 0.0 : 0.045)),
    border: toCss(border),
    grid: toCss(mix(bg, fg, hc ? 0.35 : 0.12)),
    selection: toCss(selection),
    outline: hc ? toCss(border) : null,
    layerFill: fills.map(toCss),
    layerText: texts.map(toCss),
    neutralFill: toCss(graphic(v('--vscode-charts-foreground'), muted)),
    event: toCss(event),
    signal: toCss(signal),
    flow: toCss(flow),
    gap: toCss(gap),
    gapLine: toCss(gapLine),
    gapText: toCss(gapText),
    fontFamily: font.family,
    fontSize: Math.max(10, Math.min(13, font.size - 1)),
  };
}

/** the contrast ratios the palette promises, for tests and the page's own check */
export function paletteContrasts(t: Theme, parse: (css: string) => Rgba | null): { name: string; ratio: number; min: number }[] {
  const c = (s: string) => parse(s)!;
  const bg = c(t.background);
  const out: { name: string; ratio: number; min: number }[] = [];
  const add = (name: string, a: string, b: Rgba, min: number) => out.push({ name, ratio: contrast(c(a), b), min });
  add('foreground', t.foreground, bg, TEXT_CONTRAST);
  add('axis text', t.muted, bg, TEXT_CONTRAST);
  t.layerFill.forEach((f, i) => {
    add(`layer ${i} fill`, f, bg, GRAPHIC_CONTRAST);
    add(`layer ${i} text on fill`, t.layerText[i]!, c(f), TEXT_CONTRAST);
  });
  add('marks', t.neutralFill, bg, GRAPHIC_CONTRAST);
  add('event', t.event, bg, GRAPHIC_CONTRAST);
  add('signal', t.signal, bg, GRAPHIC_CONTRAST);
  add('flow', t.flow, bg, GRAPHIC_CONTRAST);
  add('selection', t.selection, bg, GRAPHIC_CONTRAST);
  add('gap line', t.gapLine, c(t.gap), GRAPHIC_CONTRAST);
  add('gap text', t.gapText, c(t.gap), TEXT_CONTRAST);
  if (t.outline) add('outline', t.outline, bg, GRAPHIC_CONTRAST);
  return out;
}
