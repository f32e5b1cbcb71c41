// Colour arithmetic for the theme: parse the colours VS Code puts in its
// --vscode-* variables (#rgb, #rrggbb, #rrggbbaa, rgb(), rgba()), composite a
// translucent one over the background, and pick the more readable of two text
// colours by WCAG contrast. DOM-free.

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

export function parseColor(s: string): Rgba | null {
  const t = s.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(t);
  if (m) {
    const h = m[1]!;
    const x = (i: number, n: number) => parseInt(h.slice(i, i + n), 16);
    if (h.length === 3 || h.length === 4) {
      const d = (i: number) => x(i, 1) * 17;
      return { r: d(0), g: d(1), b: d(2), a: h.length === 4 ? d(3) / 255 : 1 };
    }
    if (h.length === 6 || h.length === 8) return { r: x(0, 2), g: x(2, 2), b: x(4, 2), a: h.length === 8 ? x(6, 2) / 255 : 1 };
    return null;
  }
  m = /^rgba?\(\s*([\d.]+%?)[\s,]+([\d.]+%?)[\s,]+([\d.]+%?)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(t);
  if (m) {
    const ch = (v: string) => (v.endsWith('%') ? (parseFloat(v) * 255) / 100 : parseFloat(v));
    const al = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: ch(m[1]!), g: ch(m[2]!), b: ch(m[3]!), a: Math.max(0, Math.min(1, al)) };
  }
  if (t === 'white') return { r: 255, g: 255, b: 255, a: 1 };
  if (t === 'black') return { r: 0, g: 0, b: 0, a: 1 };
  if (t === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  return null;
}

/** `fg` painted over the opaque `bg` */
export function over(fg: Rgba, bg: Rgba): Rgba {
  const a = fg.a;
  return { r: fg.r * a + bg.r * (1 - a), g: fg.g * a + bg.g * (1 - a), b: fg.b * a + bg.b * (1 - a), a: 1 };
}

export function luminance(c: Rgba): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

export function contrast(a: Rgba, b: Rgba): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** of the candidate text colours, the one with the best contrast on `fill` */
export function readableOn(fill: Rgba, candidates: readonly Rgba[]): number {
  let best = 0;
  let bestC = -1;
  candidates.forEach((c, i) => {
    const k = contrast(fill, c);
    if (k > bestC) {
      bestC = k;
      best = i;
    }
  });
  return best;
}

export function toCss(c: Rgba): string {
  const r = (v: number) => Math.round(Math.max(0, Math.min(255, v)));
  return c.a >= 1 ? `rgb(${r(c.r)}, ${r(c.g)}, ${r(c.b)})` : `rgba(${r(c.r)}, ${r(c.g)}, ${r(c.b)}, ${Number(c.a.toFixed(3))})`;
}

/** a colour moved `amount` (0..1) of the way towards `to`, opaque */
export function mix(c: Rgba, to: Rgba, amount: number): Rgba {
  return { r: c.r + (to.r - c.r) * amount, g: c.g + (to.g - c.g) * amount, b: c.b + (to.b - c.b) * amount, a: 1 };
}

const WHITE: Rgba = { r: 255, g: 255, b: 255, a: 1 };
const BLACK: Rgba = { r: 0, g: 0, b: 0, a: 1 };

/** the poles a colour is moved towards, the one away from `bg` first */
function poles(bg: Rgba): Rgba[] {
  return luminance(bg) < 0.18 ? [WHITE, BLACK] : [BLACK, WHITE];
}

/**
 * `c` (composited over the opaque `bg` first when translucent) moved the
 * least towards black or white that gives it `min` contrast against `bg`.
 */
export function ensureContrast(c: Rgba, bg: Rgba, min: number): Rgba {
  const base = c.a < 1 ? over(c, bg) : { ...c, a: 1 };
  if (contrast(base, bg) >= min) return base;
  for (let s = 1; s <= 50; s++) {
    for (const p of poles(bg)) {
      const cand = mix(base, p, s / 50);
      if (contrast(cand, bg) >= min) return cand;
    }
  }
  return contrast(WHITE, bg) >= contrast(BLACK, bg) ? WHITE : BLACK;
}

export interface SliceColours {
  fill: Rgba;
  text: Rgba;
}

/**
 * A slice's fill and label colour: the fill (composited over `bg`) moved the
 * least towards black or white so that it has `minFill` contrast against the
 * background and some text colour has `minText` contrast on it; the text is
 * the best of the theme's `texts` when one reaches it, else black or white.
 */
export function sliceColours(fill: Rgba, bg: Rgba, texts: readonly Rgba[], minFill = 3, minText = 4.5): SliceColours {
  const base = fill.a < 1 ? over(fill, bg) : { ...fill, a: 1 };
  const pick = (f: Rgba): Rgba | null => {
    const themed = texts[readableOn(f, texts)];
    if (themed && contrast(f, themed) >= minText) return themed;
    const ext = contrast(f, WHITE) >= contrast(f, BLACK) ? WHITE : BLACK;
    return contrast(f, ext) >= minText ? ext : null;
  };
  for (let s = 0; s <= 50; s++) {
    for (const p of poles(bg)) {
      const f = s === 0 ? base : mix(base, p, s / 50);
      if (contrast(f, bg) < minFill) continue;
      const t = pick(f);
      if (t) return { fill: f, text: t };
      if (s === 0) break;
    }
  }
  const f = contrast(WHITE, bg) >= contrast(BLACK, bg) ? WHITE : BLACK;
  return { fill: f, text: f === WHITE ? BLACK : WHITE };
}
