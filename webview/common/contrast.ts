// Colour contrast for the webviews: parse a CSS colour (what
// getComputedStyle and the --vscode-* variables give: #rgb, #rgba,
// #rrggbb, #rrggbbaa, rgb()/rgba() in comma or space syntax, `transparent`),
// composite a translucent colour over the background it is drawn on,
// the WCAG 2 relative luminance and contrast ratio, and a colour adjusted
// just enough to reach a target ratio (4.5:1 for text, 3:1 for lines and
// shapes, WCAG 2.1 AA 1.4.3 and 1.4.11). Pure: no DOM, no dependencies.

export interface Rgba {
  /** 0..255 */
  r: number;
  g: number;
  b: number;
  /** 0..1 */
  a: number;
}

/** WCAG 2.1 AA: normal text */
export const AA_TEXT = 4.5;
/** WCAG 2.1 AA: graphical objects and UI component boundaries (lines, arrows, borders) */
export const AA_GRAPHIC = 3;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function channel(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)%$/.test(t)) return clamp((parseFloat(t) / 100) * 255, 0, 255);
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return clamp(parseFloat(t), 0, 255);
  return undefined;
}

function alpha(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)%$/.test(t)) return clamp(parseFloat(t) / 100, 0, 1);
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return clamp(parseFloat(t), 0, 1);
  return undefined;
}

/** A CSS colour as RGBA, or undefined when it is not one this parser knows (named colours other than transparent/black/white, hsl(), color()). */
export function parseColor(text: string): Rgba | undefined {
  const s = text.trim().toLowerCase();
  if (s === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  if (s === 'black') return { r: 0, g: 0, b: 0, a: 1 };
  if (s === 'white') return { r: 255, g: 255, b: 255, a: 1 };
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (hex) {
    let h = hex[1]!;
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? n(6) / 255 : 1 };
  }
  const fn = /^rgba?\((.*)\)$/.exec(s);
  if (!fn) return undefined;
  const body = fn[1]!.trim();
  let parts: string[];
  let a = '1';
  if (body.includes(',')) {
    parts = body.split(',');
    if (parts.length === 4) a = parts.pop()!;
  } else {
    const [rgb, al] = body.split('/');
    parts = rgb!.trim().split(/\s+/);
    if (al !== undefined) a = al;
  }
  if (parts.length !== 3) return undefined;
  const [r, g, b] = parts.map(channel);
  const av = alpha(a);
  if (r === undefined || g === undefined || b === undefined || av === undefined) return undefined;
  return { r, g, b, a: av };
}

/** `fg` drawn over `bg` (source-over); the result is opaque when `bg` is. */
export function composite(fg: Rgba, bg: Rgba): Rgba {
  const a = fg.a + bg.a * (1 - fg.a);
  if (a === 0) return { r: 0, g: 0, b: 0, a: 0 };
  const mix = (f: number, b: number) => (f * fg.a + b * bg.a * (1 - fg.a)) / a;
  return { r: mix(fg.r, bg.r), g: mix(fg.g, bg.g), b: mix(fg.b, bg.b), a };
}

/** Composite a stack of layers, bottom first, over an opaque base. */
export function flatten(layers: readonly Rgba[], base: Rgba = { r: 255, g: 255, b: 255, a: 1 }): Rgba {
  let out = { ...base, a: 1 };
  for (const l of layers) out = composite(l, out);
  return out;
}

/** WCAG 2 relative luminance of an opaque colour (alpha ignored: composite first). */
export function luminance(c: Rgba): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG 2 contrast ratio (1..21) of `fg` over an opaque `bg` (a translucent `fg` is composited over `bg` first). */
export function contrastRatio(fg: Rgba, bg: Rgba): number {
  const back = bg.a < 1 ? composite(bg, { r: 255, g: 255, b: 255, a: 1 }) : bg;
  const front = fg.a < 1 ? composite(fg, back) : fg;
  const l1 = luminance(front);
  const l2 = luminance(back);
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

/** Linear mix, t = 0 gives a, t = 1 gives b. */
export function mix(a: Rgba, b: Rgba, t: number): Rgba {
  const m = (x: number, y: number) => x + (y - x) * t;
  return { r: m(a.r, b.r), g: m(a.g, b.g), b: m(a.b, b.b), a: m(a.a, b.a) };
}

export function toCss(c: Rgba): string {
  const r = Math.round(c.r);
  const g = Math.round(c.g);
  const b = Math.round(c.b);
  return c.a >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${Math.round(c.a * 1000) / 1000})`;
}

const BLACK: Rgba = { r: 0, g: 0, b: 0, a: 1 };
const WHITE: Rgba = { r: 255, g: 255, b: 255, a: 1 };

/**
 * `fg` made opaque over every background in `bgs` (composited over the first)
 * and, when it does not reach `target` against each of them, moved toward
 * black or white (whichever the backgrounds leave more room for) just far
 * enough that it does. The hue is kept as far as the target allows; when
 * even black or white cannot reach it, the better of the two is returned.
 */
export function ensureContrast(fg: Rgba, bgs: Rgba | readonly Rgba[], target: number): Rgba {
  const list = (Array.isArray(bgs) ? bgs : [bgs]) as readonly Rgba[];
  if (!list.length) return fg;
  const opaqueBgs = list.map((b) => (b.a < 1 ? composite(b, WHITE) : b));
  const base = fg.a < 1 ? composite(fg, opaqueBgs[0]!) : { ...fg, a: 1 };
  const worst = (c: Rgba) => Math.min(...opaqueBgs.map((b) => contrastRatio(c, b)));
  if (worst(base) >= target) return base;
  // toward the pole the backgrounds contrast with most
  const pole = worst(BLACK) >= worst(WHITE) ? BLACK : WHITE;
  if (worst(pole) < target) return worst(BLACK) >= worst(WHITE) ? BLACK : WHITE;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (worst(mix(base, pole, mid)) >= target) hi = mid;
    else lo = mid;
  }
  const out = mix(base, pole, hi);
  // rounding to whole channels may lose a hair of contrast: step on until it holds
  let c = { r: Math.round(out.r), g: Math.round(out.g), b: Math.round(out.b), a: 1 };
  for (let t = hi; worst(c) < target && t < 1; ) {
    t = Math.min(1, t + 0.01);
    const m = mix(base, pole, t);
    c = { r: Math.round(m.r), g: Math.round(m.g), b: Math.round(m.b), a: 1 };
  }
  return c;
}

/** Of several candidate colours, the first that reaches `target` over `bg`, else the one with the most contrast. */
export function pickContrasting(candidates: readonly Rgba[], bg: Rgba, target: number): Rgba | undefined {
  let best: Rgba | undefined;
  let bestRatio = -1;
  for (const c of candidates) {
    const r = contrastRatio(c, bg);
    if (r >= target) return c;
    if (r > bestRatio) {
      best = c;
      bestRatio = r;
    }
  }
  return best;
}
