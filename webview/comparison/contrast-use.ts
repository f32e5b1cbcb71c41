// The colour math the Design Comparison needs to make theme colours
// readable: VS Code's Modern themes give some chart colours an alpha
// (`--vscode-charts-orange` is translucent), and some are close to the
// editor background. A colour is composited over the background it is drawn
// on, then, if it does not reach the target contrast ratio (WCAG 2.x: 4.5:1
// for text, 3:1 for lines and bars), moved toward black or white until it
// does. Pure: no DOM (the webview resolves CSS colours to rgb()/rgba() text
// through a probe element and hands the text here). The colour parsing and
// ratio come from webview/common/contrast.ts; what is the comparison's own is
// how it moves a colour to its target and writes it. Unit tested in
// test/webview-unit/comparison-contrast.test.ts.

import { composite, contrastRatio, luminance, mix, parseColor, type Rgba } from '../common/contrast';

// parsing, compositing and the WCAG ratio are the webviews' one colour module's
export { composite, contrastRatio, parseColor, type Rgba };
export const relativeLuminance = luminance;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

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
