// The timeline's colours, every one from a --vscode-* variable read off the
// root element (VS Code sets them on <html> and updates them on a theme
// change; the webview's body carries vscode-light / vscode-dark /
// vscode-high-contrast / vscode-high-contrast-light). Text on a slice is the
// editor foreground or background, whichever contrasts more with the fill.

import { contrast, mix, over, parseColor, readableOn, toCss, type Rgba } from './core/colors';

export interface Theme {
  kind: 'light' | 'dark' | 'hc-dark' | 'hc-light';
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
  fontFamily: string;
  fontSize: number;
}

const CHART_VARS = ['--vscode-charts-blue', '--vscode-charts-purple', '--vscode-charts-green', '--vscode-charts-orange', '--vscode-charts-red', '--vscode-charts-yellow'];

function themeKind(): Theme['kind'] {
  const c = typeof document !== 'undefined' && document.body ? document.body.classList : null;
  if (c?.contains('vscode-high-contrast-light')) return 'hc-light';
  if (c?.contains('vscode-high-contrast')) return 'hc-dark';
  if (c?.contains('vscode-light')) return 'light';
  return 'dark';
}

/** normalise any CSS colour to rgb()/rgba() through a canvas, then parse it */
function makeResolver(): (css: string) => Rgba | null {
  const probe = document.createElement('canvas').getContext('2d');
  return (css: string) => {
    const direct = parseColor(css);
    if (direct || !probe) return direct;
    probe.fillStyle = '#000001';
    probe.fillStyle = css;
    const a = String(probe.fillStyle);
    return a === '#000001' ? null : parseColor(a);
  };
}

export function readTheme(root: HTMLElement, layerCount: number): Theme {
  const cs = getComputedStyle(root);
  const resolve = makeResolver();
  const kind = themeKind();
  const hc = kind === 'hc-dark' || kind === 'hc-light';
  const v = (...names: string[]): Rgba | null => {
    for (const n of names) {
      const raw = cs.getPropertyValue(n).trim();
      if (!raw) continue;
      const c = resolve(raw);
      if (c) return c;
    }
    return null;
  };
  const light = kind === 'light' || kind === 'hc-light';
  // the last resort when a variable is missing (outside VS Code): the page's own canvas colours
  const bgRaw = v('--vscode-editor-background', '--vscode-panel-background', '--vscode-sideBar-background') ?? (light ? { r: 255, g: 255, b: 255, a: 1 } : { r: 30, g: 30, b: 30, a: 1 });
  const bg = { ...bgRaw, a: 1 };
  const fg = over(v('--vscode-editor-foreground', '--vscode-foreground') ?? (light ? { r: 0, g: 0, b: 0, a: 1 } : { r: 220, g: 220, b: 220, a: 1 }), bg);
  const muted = over(v('--vscode-descriptionForeground', '--vscode-disabledForeground') ?? mix(fg, bg, 0.35), bg);
  const border = over(v('--vscode-contrastBorder', '--vscode-panel-border', '--vscode-widget-border', '--vscode-editorGroup-border') ?? mix(fg, bg, 0.8), bg);
  const selection = over(v(hc ? '--vscode-contrastActiveBorder' : '--vscode-focusBorder', '--vscode-focusBorder') ?? fg, bg);
  const fills: Rgba[] = [];
  for (let i = 0; i < Math.max(1, layerCount); i++) {
    const base = v(CHART_VARS[i % CHART_VARS.length]!, '--vscode-charts-foreground') ?? mix(fg, bg, 0.4);
    let c = over(base, bg);
    // the second round of the palette is a shade apart, so no two of the 16 layers look alike
    if (Math.floor(i / CHART_VARS.length) % 2 === 1 && !hc) c = mix(c, light ? { r: 0, g: 0, b: 0, a: 1 } : bg, 0.28);
    fills.push(c);
  }
  const texts = fills.map((f) => (readableOn(f, [fg, bg]) === 0 ? fg : bg));
  const event = over(v('--vscode-charts-blue', '--vscode-editorInfo-foreground') ?? fg, bg);
  const signal = over(v('--vscode-editorError-foreground', '--vscode-charts-red') ?? fg, bg);
  // the flow colour must stay visible on the background: fall back to the foreground when too faint
  let flow = over(v('--vscode-editorLineNumber-activeForeground', '--vscode-charts-foreground') ?? muted, bg);
  if (contrast(flow, bg) < 3) flow = fg;
  const fam = cs.getPropertyValue('--vscode-font-family').trim() || cs.getPropertyValue('--vscode-editor-font-family').trim() || 'sans-serif';
  const size = parseFloat(cs.getPropertyValue('--vscode-font-size')) || 13;
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
    neutralFill: toCss(over(v('--vscode-charts-foreground') ?? muted, bg)),
    event: toCss(event),
    signal: toCss(signal),
    flow: toCss(flow),
    fontFamily: fam,
    fontSize: Math.max(10, Math.min(13, size - 1)),
  };
}
