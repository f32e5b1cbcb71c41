// Rasterising the track area: the lane stripes and separators, the grid, the
// merged sub-pixel marks, the slices (anti-aliased at their fractional left
// and right edges, outlined in high contrast) and the instants' triangles,
// written straight into a 32-bit pixel buffer that the canvas receives with a
// single putImageData. Thousands of fillRect calls cost the software
// rasteriser milliseconds per frame; this costs one pass over the pixels the
// frame covers. Text, flows and the selection are drawn on top by the canvas
// (draw.ts). DOM-free, so it is unit tested in Node against the draw list.

import type { Rgba } from './colors';
import type { DrawList } from './cull';
import type { Layout, TimelineView } from './view';

/** true when a Uint32 holding RGBA bytes reads as 0xAABBGGRR (every browser and Node on x86 and ARM) */
const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** an opaque colour as the 32-bit pixel an ImageData's bytes hold (R, G, B, A in memory order) */
export function packColor(c: Rgba): number {
  const ch = (v: number) => Math.round(Math.max(0, Math.min(255, v)));
  const r = ch(c.r);
  const g = ch(c.g);
  const b = ch(c.b);
  return LITTLE ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/** the colour of a pixel */
export function unpackColor(p: number): Rgba {
  return LITTLE ? { r: p & 255, g: (p >>> 8) & 255, b: (p >>> 16) & 255, a: 1 } : { r: p >>> 24, g: (p >>> 16) & 255, b: (p >>> 8) & 255, a: 1 };
}

// bit offsets of the channels in a packed pixel
const RS = LITTLE ? 0 : 24;
const GS = LITTLE ? 8 : 16;
const BS = LITTLE ? 16 : 8;
const AS = LITTLE ? 24 : 0;

/** `src` over `dst` with coverage a (0..1), both packed opaque */
export function blend(dst: number, src: number, a: number): number {
  if (a >= 1) return src;
  if (a <= 0) return dst;
  const w = Math.round(a * 256);
  const v = 256 - w;
  const ch = (s: number) => ((((src >>> s) & 255) * w + ((dst >>> s) & 255) * v + 128) >>> 8) << s;
  return (ch(RS) | ch(GS) | ch(BS) | (255 << AS)) >>> 0;
}

export interface RasterColours {
  background: number;
  stripe: number;
  border: number;
  grid: number;
  /** fill of each layer's slices and marks */
  layerFill: Uint32Array;
  /** fill of the marks of a lane that mixes layers */
  neutralFill: number;
  /** high contrast: slices get an outline of this colour; -1 for none */
  outline: number;
  event: number;
  signal: number;
  /** the band of an idle gap cut out of the time axis */
  gap: number;
}

export interface RasterGeometry {
  /** buffer size, px */
  width: number;
  height: number;
  dpr: number;
  /** the pixel columns of the grid lines (the axis ticks) */
  grid: readonly number[];
  /** idle gaps cut out of the axis: flat [x0, x1, x0, x1, ...] px, painted as bands under everything else */
  gaps?: readonly number[];
}

/** the inset between a slice and the next row and slice: a device pixel, at least 1 */
export function sliceInset(dpr: number): number {
  return Math.max(1, Math.round(dpr));
}

/** px[from, to) = col; a loop for the short runs most marks are (fill() has a call overhead) */
function fillRun(px: Uint32Array, from: number, to: number, col: number): void {
  if (to - from > 24) px.fill(col, from, to);
  else for (let o = from; o < to; o++) px[o] = col;
}

/** fill pixel row y between fractional x0 and x1: whole columns filled, the two edge columns blended by coverage */
function spanRow(px: Uint32Array, W: number, y: number, x0: number, x1: number, col: number): void {
  if (x1 <= 0 || x0 >= W || x1 <= x0) return;
  const a = x0 < 0 ? 0 : x0;
  const b = x1 > W ? W : x1;
  const cA = Math.floor(a);
  const cB = Math.ceil(b) - 1; // last column touched
  const row = y * W;
  if (cA === cB) {
    px[row + cA] = blend(px[row + cA]!, col, b - a);
    return;
  }
  const covA = cA + 1 - a;
  const covB = b - cB;
  const full0 = covA >= 1 ? cA : cA + 1;
  const full1 = covB >= 1 ? cB + 1 : cB; // exclusive
  if (full0 !== cA) px[row + cA] = blend(px[row + cA]!, col, covA);
  if (full1 > full0) fillRun(px, row + full0, row + full1, col);
  if (full1 === cB) px[row + cB] = blend(px[row + cB]!, col, covB);
}

/**
 * Paint the track area of a draw list into `px` (row-major, `g.width` ×
 * `g.height` pixels, the track's origin at index 0).
 */
export function rasterTrack(px: Uint32Array, dl: DrawList, view: TimelineView, layout: Layout, colours: RasterColours, g: RasterGeometry): void {
  const m = view.model;
  const W = g.width;
  const H = g.height;
  if (W <= 0 || H <= 0) return;
  const inset = sliceInset(g.dpr);
  const sliceH = layout.metrics.rowH - inset;
  const clampY = (y: number) => (y < 0 ? 0 : y > H ? H : y);
  px.fill(colours.background, 0, W * H);

  // lane stripes and separators
  const sepH = Math.max(1, Math.round(g.dpr / 2));
  const sepOff = Math.floor((layout.metrics.gap - 1) / 2);
  for (let q = 0; q < dl.nLanes; q++) {
    const y = dl.laneY[q]!;
    const h = dl.laneH[q]!;
    if (dl.laneIdx[q]! % 2 === 1) px.fill(colours.stripe, clampY(Math.round(y)) * W, clampY(Math.round(y + h)) * W);
    const s = Math.round(y + h + sepOff);
    px.fill(colours.border, clampY(s) * W, clampY(s + sepH) * W);
  }
  // grid lines
  for (const gx of g.grid) {
    const c = Math.round(gx);
    if (c < 0 || c >= W) continue;
    for (let o = c; o < W * H; o += W) px[o] = colours.grid;
  }

  // idle gaps: a band over the whole height (no span is ever inside one); one under 2 px is left to the axis
  // (at the full view of a long run there are hundreds, and a band per pixel column would only hatch the track)
  const gaps = g.gaps ?? [];
  for (let q = 0; q + 1 < gaps.length; q += 2) {
    if (gaps[q + 1]! - gaps[q]! < 2) continue;
    const a = Math.max(0, Math.round(gaps[q]!));
    const b = Math.min(W, Math.round(gaps[q + 1]!));
    if (b <= a) continue;
    for (let o = 0; o < W * H; o += W) fillRun(px, o + a, o + b, colours.gap);
  }

  // span rows: the marks and slices of a row are painted on its first visible
  // pixel row, which is then copied down the row (every pixel row of a span
  // row has the same background: stripe or not, grid lines in the same
  // columns). Marks and slices were both appended row by row, lanes in order.
  const fill = colours.layerFill;
  const clipX = (x: number) => (x < -2 ? -2 : x > W + 2 ? W + 2 : x);
  const outline = colours.outline;
  let qm = 0;
  let qs = 0;
  while (qm < dl.nMarks || qs < dl.nSlices) {
    // the next row: the earlier (lane, row) of the two lists' heads
    let lane: number;
    let row: number;
    let yf: number;
    const mFirst =
      qs >= dl.nSlices ||
      (qm < dl.nMarks && (dl.markLane[qm]! < dl.sliceLane[qs]! || (dl.markLane[qm] === dl.sliceLane[qs] && dl.markRow[qm]! <= dl.sliceRow[qs]!)));
    if (mFirst) {
      lane = dl.markLane[qm]!;
      row = dl.markRow[qm]!;
      yf = dl.markY[qm]!;
    } else {
      lane = dl.sliceLane[qs]!;
      row = dl.sliceRow[qs]!;
      yf = dl.sliceY[qs]!;
    }
    const y = Math.round(yf);
    const y0 = clampY(y);
    const y1 = clampY(y + sliceH);
    const base = y0 * W;
    const paintRow = y1 > y0;
    // marks: whole pixel columns
    const l = view.lanes[lane]!.lane;
    const markCol = l.kind === 'layer' ? fill[l.layer]! : colours.neutralFill;
    for (; qm < dl.nMarks && dl.markLane[qm] === lane && dl.markRow[qm] === row; qm++) {
      const c0 = dl.markC0[qm]!;
      const c1 = Math.min(W, dl.markC1[qm]!);
      if (paintRow && c1 > c0) fillRun(px, base + c0, base + c1, markCol);
    }
    // slices, with a gap of `inset` to the next one once there is room for it
    const s0 = qs;
    for (; qs < dl.nSlices && dl.sliceLane[qs] === lane && dl.sliceRow[qs] === row; qs++) {
      if (!paintRow) continue;
      const x0 = clipX(dl.sliceX0[qs]!);
      const x1 = clipX(dl.sliceX1[qs]!);
      const w = x1 - x0 > 3 * inset ? x1 - x0 - inset : Math.max(1, x1 - x0);
      spanRow(px, W, y0, x0, x0 + w, fill[m.layer[dl.sliceI[qs]!]!]!);
    }
    if (!paintRow) continue;
    for (let r = y0 + 1; r < y1; r++) px.copyWithin(r * W, base, base + W);
    // high contrast: a 1 px frame round each slice wide enough, columns X0 and X0 + wo, rows y and y + sliceH - 1
    if (outline < 0) continue;
    for (let q = s0; q < qs; q++) {
      const x0 = clipX(dl.sliceX0[q]!);
      const x1 = clipX(dl.sliceX1[q]!);
      if (x1 - x0 < 4) continue;
      const X0 = Math.round(x0);
      const wo = Math.max(1, Math.round(x1 - x0) - inset - 1);
      const a = Math.max(0, X0);
      const b = Math.min(W, X0 + wo + 1);
      if (b > a) {
        if (y >= 0 && y < H) fillRun(px, y * W + a, y * W + b, outline);
        const yb = y + sliceH - 1;
        if (yb >= 0 && yb < H) fillRun(px, yb * W + a, yb * W + b, outline);
      }
      for (const c of [X0, X0 + wo]) {
        if (c < 0 || c >= W) continue;
        for (let r = y0; r < y1; r++) px[r * W + c] = outline;
      }
    }
  }

  // instants: a downward triangle per pixel column, centred on the column
  for (let q = 0; q < dl.nInstants; q++) {
    const li = dl.instLane[q]!;
    const ih = layout.instH[li]!;
    const col = m.instants[dl.instK[q]!]!.kind === 'event' ? colours.event : colours.signal;
    const x = Math.round(dl.instX[q]!) + 0.5;
    const r = Math.max(3, ih / 2 - 1);
    const base = Math.round(dl.instY[q]!) + 1;
    const depth = r * 1.6;
    const yEnd = clampY(Math.ceil(base + depth));
    for (let py = clampY(base); py < yEnd; py++) {
      const t = (py + 0.5 - base) / depth;
      if (t > 1) break;
      const hw = r * (1 - t);
      spanRow(px, W, py, x - hw, x + hw, col);
    }
  }
}
