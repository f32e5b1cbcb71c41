// The time axis: tick labels that differ at every zoom level, and the marks
// of the idle gaps the time mapping cut out. Each linear piece of the
// mapping in view gets its own tick step (1-2-5 × 10^k ns, at least the
// width of its own labels apart) and its own format: the unit follows the
// magnitude of the times shown (ns, µs, ms, s) and the decimals follow the
// step, so two ticks one step apart never print the same. A burst that
// follows a cut also gets a label at its start, exact. Then labels are placed by
// priority (burst starts, then step ticks; never over a gap's break glyph) where they do not overlap
// one already placed, and neighbours that would read the same or out of
// order (a rounded burst start next to an exact tick) get more decimals.
// Every label carries its unit. DOM-free.

import { piecesIn, toReal, type TimeMap } from './timemap';
import type { Viewport } from './viewport';

export interface TickFormat {
  unit: 'ns' | 'µs' | 'ms' | 's';
  /** ns per unit */
  scale: number;
  decimals: number;
}

const UNITS: readonly { unit: TickFormat['unit']; scale: number }[] = [
  { unit: 's', scale: 1e9 },
  { unit: 'ms', scale: 1e6 },
  { unit: 'µs', scale: 1e3 },
  { unit: 'ns', scale: 1 },
];

/** the most decimals an axis label gets before a smaller unit is used */
export const MAX_DECIMALS = 6;

/** the 1-2-5 × 10^k step (whole ns) at least `raw` */
export function niceStep(raw: number): number {
  if (!(raw > 1)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw * (1 - 1e-12)) return m * p;
  return 10 * p;
}

/** the unit for times up to `maxAbs` and the decimals a 1-2-5 `step` needs in it */
export function tickFormat(step: number, maxAbs: number): TickFormat {
  const mag = Math.max(Math.abs(maxAbs), step);
  let ui = UNITS.findIndex((u) => mag >= u.scale);
  if (ui < 0) ui = UNITS.length - 1;
  const k = Math.floor(Math.log10(step) + 1e-9);
  for (;;) {
    const { unit, scale } = UNITS[ui]!;
    const decimals = Math.max(0, Math.round(Math.log10(scale)) - k);
    if (decimals <= MAX_DECIMALS || ui === UNITS.length - 1) return { unit, scale, decimals };
    ui++;
  }
}

/** t in a format: "3.0041 ms" (never "-0") */
export function formatIn(t: number, f: TickFormat): string {
  let s = (t / f.scale).toFixed(f.decimals);
  if (/^-0(\.0*)?$/.test(s)) s = s.slice(1);
  return `${s} ${f.unit}`;
}

/** the value a label printed in format f stands for, ns */
export function valueIn(t: number, f: TickFormat): number {
  return Number((t / f.scale).toFixed(f.decimals)) * f.scale;
}

/**
 * A time as a kernel developer reads it, exactly: the largest unit it
 * reaches, with as many decimals as the value needs (1004700 → "1.0047 ms",
 * 1500 → "1.5 µs", 17 → "17 ns"); fractions of a ns are rounded away.
 */
export function formatTime(ns: number): string {
  const v = Math.round(ns);
  const a = Math.abs(v);
  const u = UNITS.find((x) => a >= x.scale) ?? UNITS[UNITS.length - 1]!;
  const dec = Math.round(Math.log10(u.scale));
  let s = (v / u.scale).toFixed(dec);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return `${s} ${u.unit}`;
}

/** a gap's length as its mark says it */
export function idleText(ns: number): string {
  return `${formatTime(ns)} idle`;
}

/** the full text of a gap's mark: "⋯ 998 µs idle" */
export function gapText(ns: number): string {
  return `⋯ ${idleText(ns)}`;
}

/** the width of the break glyph drawn at the centre of a gap on the axis, px */
export const GLYPH_PX = 10;

/** a burst narrower than this (px) is too narrow for a label of its own */
export const MIN_LABELLED_PX = 24;

export interface AxisTick {
  /** real time, ns */
  t: number;
  /** px from the left of the track */
  x: number;
  label: string;
  /** the value the label stands for, ns */
  v: number;
  /** the start of a burst after a cut (its label may be rounded) */
  edge: boolean;
}

export interface AxisGap {
  /** real idle stretch, ns */
  t0: number;
  t1: number;
  /** px extent of the gap in the track (may reach outside [0, width)) */
  x0: number;
  x1: number;
  /** the full text ("⋯ 0.998 ms idle", '' when the gap is under 8 px wide) and the longest form that fits across the gap (null: none does; draw `text` upright) */
  text: string;
  label: string | null;
  /** a break glyph is drawn on the axis at the gap's centre (GLYPH_PX wide) */
  glyph: boolean;
}

export interface Axis {
  ticks: AxisTick[];
  gaps: AxisGap[];
}

export interface AxisOptions {
  /** least px between ticks */
  minPx?: number;
  /** the width of a label, px; without it 7 px a character */
  measure?: (text: string) => number;
  /** px kept free between two labels */
  pad?: number;
  /** where a label starts relative to its tick, px */
  offset?: number;
}

interface Cand extends AxisTick {
  pri: number;
  /** the format it was printed in, for adding decimals */
  f: TickFormat;
}

/** the axis of display range [vp.t0, vp.t1) drawn over `width` px */
export function buildAxis(map: TimeMap, vp: Viewport, width: number, opts: AxisOptions = {}): Axis {
  const minPx = opts.minPx ?? 90;
  const measure = opts.measure ?? ((s: string) => s.length * 7);
  const pad = opts.pad ?? 12;
  const off = opts.offset ?? 3;
  const range = vp.t1 - vp.t0;
  const gaps: AxisGap[] = [];
  if (!(range > 0) || !(width > 0)) return { ticks: [], gaps };
  const k = width / range;
  const xOf = (u: number) => (u - vp.t0) * k;
  const cands: Cand[] = [];
  let prevGap = false;
  for (const p of piecesIn(map, vp.t0, vp.t1)) {
    if (p.gap) {
      const x0 = xOf(p.u0);
      const x1 = xOf(p.u1);
      const len = p.t1 - p.t0;
      const text = x1 - x0 >= 8 ? gapText(len) : '';
      const room = Math.min(x1, width) - Math.max(x0, 0) - 6;
      let label: string | null = null;
      // (a gap too narrow for any text is not measured: at the full view of a long run there are hundreds)
      for (const s of room > 20 ? [text, idleText(len)] : []) {
        if (measure(s) <= room) {
          label = s;
          break;
        }
      }
      gaps.push({ t0: p.t0, t1: p.t1, x0, x1, text, label, glyph: false });
      // two cuts back to back: an instant (an event that ran no span) between them
      if (prevGap && p.t0 >= 0 && x0 >= 0 && x0 <= width) cands.push({ t: p.t0, x: x0, label: formatTime(p.t0), v: Math.round(p.t0), edge: true, pri: 1.5, f: tickFormat(1, p.t0) });
      prevGap = true;
      continue;
    }
    // the visible part of the piece, in display and real time; a burst narrower than a label gets none
    const ua = Math.max(p.u0, vp.t0);
    const ub = Math.min(p.u1, vp.t1);
    if ((ub - ua) * k < MIN_LABELLED_PX && Number.isFinite(p.t0) && Number.isFinite(p.t1)) {
      prevGap = false;
      continue;
    }
    const ra = Number.isFinite(p.t0) && p.u0 >= vp.t0 ? p.t0 : toReal(map, ua);
    const rb = Number.isFinite(p.t1) && p.u1 <= vp.t1 ? p.t1 : toReal(map, ub);
    const slope = Number.isFinite(p.t0) && Number.isFinite(p.t1) && p.t1 > p.t0 ? (p.u1 - p.u0) / (p.t1 - p.t0) : 1;
    const pxPerNs = k * slope;
    const maxAbs = Math.max(Math.abs(ra), Math.abs(rb));
    let step = niceStep(minPx / pxPerNs);
    let f = tickFormat(step, maxAbs);
    for (let it = 0; it < 4; it++) {
      const w = Math.max(measure(formatIn(Math.max(0, ra), f)), measure(formatIn(rb, f))) + pad + off;
      if (w <= step * pxPerNs) break;
      step = niceStep(w / pxPerNs);
      f = tickFormat(step, maxAbs);
    }
    const x0 = xOf(ua);
    const xAt = (t: number) => x0 + (t - ra) * pxPerNs;
    // the start of a burst after a cut
    const edgeT = prevGap && p.u0 >= vp.t0 && Number.isFinite(p.t0) ? p.t0 : NaN;
    // a burst's start is labelled exactly (it is where an event began: "3 ms", "1.0047 ms")
    if (!Number.isNaN(edgeT) && edgeT >= 0) cands.push({ t: edgeT, x: xAt(edgeT), label: formatTime(edgeT), v: Math.round(edgeT), edge: true, pri: 1, f });
    const last = p.u1 <= vp.t1 && Number.isFinite(p.t1) ? rb - 1e-9 : rb;
    for (let q = Math.ceil(Math.max(ra, 0) / step); q * step <= last && cands.length < 4000; q++) {
      const t = q * step;
      if (t === edgeT) continue;
      cands.push({ t, x: xAt(t), label: formatIn(t, f), v: valueIn(t, f), edge: false, pri: 2, f });
    }
    prevGap = false;
  }

  // place by priority: burst starts, then the break glyph of each gap where it is free, then the step ticks;
  // against another label a box includes the padding, against a glyph only the text and 2 px
  const boxes: [number, number][] = [];
  const isGlyph: boolean[] = [];
  const boxOf = (c: Cand): [number, number] => [c.x + off, c.x + off + measure(c.label)];
  const fits = (b: [number, number], skip: number) => {
    if (b[0] < 0 - pad || b[1] > width + pad) return false;
    for (let q = 0; q < boxes.length; q++) {
      if (q === skip) continue;
      const m = isGlyph[q] ? 2 : pad;
      if (b[0] < boxes[q]![1] + m && boxes[q]![0] < b[1] + m) return false;
    }
    return true;
  };
  const placeGlyphs = () => {
    for (const g of gaps) {
      if (g.x1 - g.x0 < GLYPH_PX + 4) continue;
      const c = (g.x0 + g.x1) / 2;
      const b: [number, number] = [c - GLYPH_PX / 2, c + GLYPH_PX / 2];
      if (boxes.some((x, q) => !isGlyph[q] && b[0] < x[1] + 2 && x[0] < b[1] + 2)) continue;
      g.glyph = true;
      boxes.push(b);
      isGlyph.push(true);
    }
  };
  const order = cands.map((_, q) => q).sort((a, b) => cands[a]!.pri - cands[b]!.pri || cands[a]!.x - cands[b]!.x);
  let placed: Cand[] = [];
  const placedBox = new Map<Cand, number>();
  let glyphsPlaced = false;
  for (const q of order) {
    const c = cands[q]!;
    if (c.pri >= 2 && !glyphsPlaced) {
      placeGlyphs();
      glyphsPlaced = true;
    }
    if (c.x < 0 || c.x > width) continue;
    const b = boxOf(c);
    if (!fits(b, -1)) continue;
    placedBox.set(c, boxes.length);
    boxes.push(b);
    isGlyph.push(false);
    placed.push(c);
  }
  if (!glyphsPlaced) placeGlyphs();
  placed.sort((a, b) => a.x - b.x);
  // zoomed past the step of 1 ns inside a widened burst: label the first whole ns in view, exactly
  if (!placed.length) {
    for (const p of piecesIn(map, vp.t0, vp.t1)) {
      if (p.gap) continue;
      const t = Math.ceil(Math.max(0, toReal(map, Math.max(p.u0, vp.t0))));
      const u = Math.min(p.u1, vp.t1);
      if (!(t <= toReal(map, u))) continue;
      const slope = Number.isFinite(p.t0) && Number.isFinite(p.t1) && p.t1 > p.t0 ? (p.u1 - p.u0) / (p.t1 - p.t0) : 1;
      const x = xOf(Math.max(p.u0, vp.t0)) + (t - toReal(map, Math.max(p.u0, vp.t0))) * k * slope;
      const f: TickFormat = { unit: 'ns', scale: 1, decimals: 0 };
      const label = formatTime(t);
      const c: Cand = { t, x, label, v: t, edge: false, pri: 3, f };
      if (x >= 0 && x <= width && fits(boxOf(c), -1)) {
        isGlyph.push(false);
        boxes.push(boxOf(c));
        placed.push(c);
        break;
      }
    }
  }

  // neighbours must read strictly increasing: give a rounded burst start more decimals, or drop it
  for (let guard = 0; guard < 64; guard++) {
    let changed = false;
    for (let q = 0; q < placed.length && !changed; q++) {
      const c = placed[q]!;
      if (!c.edge) continue;
      const prev = placed[q - 1];
      const next = placed[q + 1];
      if ((!prev || prev.v < c.v) && (!next || c.v < next.v)) continue;
      changed = true;
      const bi = placedBox.get(c)!;
      if (Math.abs(c.v - c.t) < 1e-6 || c.f.decimals >= 9) {
        boxes[bi] = [Infinity, Infinity];
        placed = placed.filter((x) => x !== c);
        continue;
      }
      c.f = { ...c.f, decimals: c.f.decimals + 1 };
      c.label = formatIn(c.t, c.f);
      c.v = valueIn(c.t, c.f);
      const b = boxOf(c);
      if (fits(b, bi)) boxes[bi] = b;
      else {
        boxes[bi] = [Infinity, Infinity];
        placed = placed.filter((x) => x !== c);
      }
    }
    if (!changed) break;
  }
  return { ticks: placed.map(({ t, x, label, v, edge }) => ({ t, x, label, v, edge })), gaps };
}
