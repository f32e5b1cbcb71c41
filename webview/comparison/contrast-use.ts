// The colour math the Design Comparison needs to make theme colours
// readable: VS Code's Modern themes give some chart colours an alpha
// (`--vscode-charts-orange` is translucent), and some are close to the
// editor background. A colour is composited over the background it is drawn
// on, then, if it does not reach the target contrast ratio (WCAG 2.x: 4.5:1
// for text, 3:1 for lines and bars), moved toward black or white until it
// does. Pure: no DOM (the webview resolves CSS colours to rgb()/rgba() text
// through a probe element and hands the text here). Unit tested in
// test/webview-unit/comparison-contrast.test.ts.

/** 0..255 channels and 0..1 alpha */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Parse a CSS colour as VS Code writes theme colours and as getComputedStyle
 * returns them: #rgb, #rgba, #rrggbb, #rrggbbaa, rgb()/rgba() with commas
 * or spaces and an optional `/ alpha` (numbers or percentages), `transparent`.
 * Anything else is undefined.
 */
export function parseColor(text: string): Rgba | undefined {
  const s = text.trim().toLowerCase();
  if (s === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (hex) {
    let d = hex[1]!;
    if (d.length <= 4) d = [...d].map((c) => c + c).join('');
    const n = (i: number) => parseInt(d.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: d.length === 8 ? n(6) / 255 : 1 };
  }
  const fn = /^rgba?\(\s*([^)]*)\)$/.exec(s);
  if (!fn) return undefined;
  const parts = fn[1]!.split(/\s*[,/]\s*|\s+/).filter((p) => p !== '');
  if (parts.length !== 3 && parts.length !== 4) return undefined;
  const num = (p: string, scale: number): number | undefined => {
    const m = /^(-?\d*\.?\d+(?:e-?\d+)?)(%?)$/.exec(p);
    if (!m) return undefined;
    const v = Number(m[1]);
    return m[2] ? (v / 100) * scale : v;
  };
  const [r, g, b] = parts.slice(0, 3).map((p) => num(p, 255));
  const a = parts[3] === undefined ? 1 : num(parts[3], 1);
  if (r === undefined || g === undefined || b === undefined || a === undefined) return undefined;
  return { r: clamp(r, 0, 255), g: clamp(g, 0, 255), b: clamp(b, 0, 255), a: clamp(a, 0, 1) };
}

/** `fg` drawn over `bg` (source-over); the result has the background's alpha combined */
export function composite(fg: Rgba, bg: Rgba): Rgba {
  const a = fg.a + bg.a * (1 - fg.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const ch = (f: number, b: number) => (f * fg.a + b * bg.a * (1 - fg.a)) / a;
  return { r: ch(fg.r, bg.r), g: ch(fg.g, bg.g), b: ch(fg.b, bg.b), a };
}

/** WCAG relative luminance of an opaque colour (alpha ignored) */
export function relativeLuminance(c: Rgba): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG contrast ratio of `fg` over `bg`, 1..21; a translucent `fg` is composited over `bg` first */
export function contrastRatio(fg: Rgba, bg: Rgba): number {
  const b = bg.a < 1 ? composite(bg, { r: 255, g: 255, b: 255, a: 1 }) : bg;
  const f = fg.a < 1 ? composite(fg, b) : fg;
  const l1 = relativeLuminance(f);
  const l2 = relativeLuminance(b);
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

function mix(a: Rgba, b: Rgba, t: number): Rgba {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t, a: 1 };
}

/**
 * `fg` as drawn over the opaque `bg`, made opaque, and if its contrast with
 * `bg` is under `target`, mixed toward black or white (the one that can
 * reach the target, the darker side on a light background) by the least
 * amount that reaches it. Keeps the hue as far as the target allows.
 */
export function adjustToTarget(fg: Rgba, bg: Rgba, target: number): Rgba {
  const base = bg.a < 1 ? composite(bg, { r: 255, g: 255, b: 255, a: 1 }) : bg;
  const start = fg.a < 1 ? composite(fg, base) : { ...fg, a: 1 };
  if (contrastRatio(start, base) >= target) return start;
  const black: Rgba = { r: 0, g: 0, b: 0, a: 1 };
  const white: Rgba = { r: 255, g: 255, b: 255, a: 1 };
  const darkFirst = relativeLuminance(base) > 0.18;
  const order = darkFirst ? [black, white] : [white, black];
  for (const end of order) {
    if (contrastRatio(end, base) < target) continue;
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 24; i++) {
      const mid = (lo + hi) / 2;
      if (contrastRatio(mix(start, end, mid), base) >= target) hi = mid;
      else lo = mid;
    }
    // round the channels so that the result still meets the target after formatting
    const out = roundRgba(mix(start, end, hi));
    if (contrastRatio(out, base) >= target) return out;
    return roundRgba(mix(start, end, Math.min(1, hi + 0.01)));
  }
  // neither black nor white reaches it (a mid-grey background): the better of the two
  return contrastRatio(black, base) >= contrastRatio(white, base) ? black : white;
}

function roundRgba(c: Rgba): Rgba {
  return { r: Math.round(c.r), g: Math.round(c.g), b: Math.round(c.b), a: c.a };
}

/** #rrggbb (opaque) or #rrggbbaa */
export function formatHex(c: Rgba): string {
  const h = (v: number) => Math.round(clamp(v, 0, 255)).toString(16).padStart(2, '0');
  return `#${h(c.r)}${h(c.g)}${h(c.b)}${c.a < 1 ? h(c.a * 255) : ''}`;
}
