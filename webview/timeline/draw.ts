// Painting a draw list on the canvas. Everything here is in device pixels
// (the canvas backing store); the culling already decided what is visible.
// The track area (stripes, grid, marks, slices, instants) is rasterised into
// a reused pixel buffer (core/raster.ts) and put on the canvas in one
// putImageData; only text, the flows and the selection are canvas calls, with
// each fill style set once per colour.

import type { DrawList } from './core/cull';
import { parseColor } from './core/colors';
import { packColor, rasterTrack, sliceInset, type RasterColours } from './core/raster';
import type { Layout, TimelineView } from './core/view';
import type { Axis } from './core/axis';
import type { Theme } from './theme';

export interface Geometry {
  dpr: number;
  /** canvas size, device px */
  width: number;
  height: number;
  /** lane-label gutter and axis header, device px */
  gutter: number;
  header: number;
}

export function fontOf(theme: Theme, dpr: number): string {
  return `${Math.round(theme.fontSize * dpr)}px ${theme.fontFamily}`;
}

function packCss(css: string): number {
  const c = parseColor(css);
  return packColor(c ? c : { r: 128, g: 128, b: 128, a: 1 });
}

/** the theme's track colours as pixels (the theme's colours are opaque rgb() strings) */
export function rasterColours(theme: Theme): RasterColours {
  return {
    background: packCss(theme.background),
    stripe: packCss(theme.stripe),
    border: packCss(theme.border),
    grid: packCss(theme.grid),
    layerFill: Uint32Array.from(theme.layerFill, packCss),
    neutralFill: packCss(theme.neutralFill),
    outline: theme.outline ? packCss(theme.outline) : -1,
    event: packCss(theme.event),
    signal: packCss(theme.signal),
    gap: packCss(theme.gap),
  };
}

/** paints frames on one canvas, keeping its pixel buffer and the theme's packed colours between frames */
export class Painter {
  private img: ImageData | null = null;
  private px: Uint32Array = new Uint32Array(0);
  private colours: RasterColours | null = null;
  private coloursOf: Theme | null = null;
  private grid: number[] = [];
  private gapCols: number[] = [];

  constructor(private readonly ctx: CanvasRenderingContext2D) {}

  /** the buffer for a w × h track area, reallocated only when the size changes */
  private buffer(w: number, h: number): ImageData {
    if (!this.img || this.img.width !== w || this.img.height !== h) {
      this.img = this.ctx.createImageData(w, h);
      this.px = new Uint32Array(this.img.data.buffer);
    }
    return this.img;
  }

  /** `measure` gives a text's width in the current font (cached by the caller) */
  paint(dl: DrawList, view: TimelineView, layout: Layout, theme: Theme, g: Geometry, axis: Axis, measure: (text: string) => number): void {
    const ctx = this.ctx;
    const m = view.model;
    const { width: W, height: H, gutter: GX, header: HY, dpr } = g;
    const TW = W - GX;
    const TH = H - HY;
    const rowH = layout.metrics.rowH;
    if (this.coloursOf !== theme) {
      this.colours = rasterColours(theme);
      this.coloursOf = theme;
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.font = fontOf(theme, dpr);
    ctx.textBaseline = 'middle';

    // the track area, as pixels
    if (TW > 0 && TH > 0) {
      const img = this.buffer(TW, TH);
      const grid = this.grid;
      grid.length = 0;
      for (const t of axis.ticks) grid.push(t.x);
      const gapCols = this.gapCols;
      gapCols.length = 0;
      for (const gp of axis.gaps) gapCols.push(gp.x0, gp.x1);
      rasterTrack(this.px, dl, view, layout, this.colours!, { width: TW, height: TH, dpr, grid, gaps: gapCols });
      ctx.putImageData(img, GX, HY);
    }

    // on top of the track: labels, flows, instant counts, the selection
    ctx.save();
    ctx.beginPath();
    ctx.rect(GX, HY, TW, TH);
    ctx.clip();
    ctx.translate(GX, HY);
    const inset = sliceInset(dpr);
    const sliceH = rowH - inset;
    const clipX = (x: number) => (x < -2 ? -2 : x > TW + 2 ? TW + 2 : x);
    let style = '';
    const setFill = (s: string) => {
      if (s !== style) ctx.fillStyle = style = s;
    };

    // idle gaps on the lanes: a zig-zag down each edge of the band, the real idle time as text
    if (axis.gaps.length) {
      ctx.strokeStyle = theme.gapLine;
      ctx.lineWidth = Math.max(1, Math.round(dpr));
      ctx.beginPath();
      const amp = 2 * dpr;
      const per = 6 * dpr;
      for (const gp of axis.gaps) {
        const w = gp.x1 - gp.x0;
        if (w < 2 * dpr || gp.x1 < 0 || gp.x0 > TW) continue;
        for (const ex of [gp.x0, gp.x1]) {
          const x = Math.round(ex) + 0.5;
          if (w < 8 * dpr) {
            ctx.moveTo(x, 0);
            ctx.lineTo(x, TH);
            continue;
          }
          ctx.moveTo(x, 0);
          for (let y = 0, q = 0; y < TH; y += per / 2, q++) ctx.lineTo(x + (q % 2 ? -amp : amp), y + per / 2);
        }
      }
      ctx.stroke();
      setFill(theme.gapText);
      const fh = theme.fontSize * dpr;
      for (const gp of axis.gaps) {
        const a = Math.max(gp.x0, 0);
        const b = Math.min(gp.x1, TW);
        if (b - a < fh + 2 * dpr) continue;
        const c = (a + b) / 2;
        if (gp.label !== null) {
          ctx.textAlign = 'center';
          ctx.fillText(gp.label, c, 10 * dpr);
          ctx.textAlign = 'left';
        } else {
          // upright: along the band, reading downwards
          ctx.save();
          ctx.translate(c, 6 * dpr);
          ctx.rotate(Math.PI / 2);
          ctx.fillText(gp.text, 0, 0);
          ctx.restore();
        }
      }
    }

    // labels (slices are pushed lane by lane, so the colour rarely changes)
    for (let q = 0; q < dl.nSlices; q++) {
      const label = dl.sliceLabel[q];
      if (label === null || label === undefined) continue;
      setFill(theme.layerText[m.layer[dl.sliceI[q]!]!]!);
      ctx.fillText(label, Math.max(dl.sliceX0[q]!, 0) + 4 * dpr, Math.round(dl.sliceY[q]!) + sliceH / 2);
    }

    // flows: a line from the caller's row to the callee's, with an arrow head
    if (dl.nFlows) {
      ctx.strokeStyle = theme.flow;
      setFill(theme.flow);
      ctx.lineWidth = Math.max(1, dpr);
      ctx.beginPath();
      for (let q = 0; q < dl.nFlows; q++) {
        const x = Math.round(dl.flowX[q]!) + 0.5;
        ctx.moveTo(x, dl.flowY0[q]!);
        ctx.lineTo(x, dl.flowY1[q]!);
      }
      ctx.stroke();
      const ah = 3 * dpr;
      ctx.beginPath();
      for (let q = 0; q < dl.nFlows; q++) {
        const x = Math.round(dl.flowX[q]!) + 0.5;
        const y0 = dl.flowY0[q]!;
        const y1 = dl.flowY1[q]!;
        const dir = y1 >= y0 ? 1 : -1;
        const tip = y1 - (dir * rowH) / 2 + dir;
        ctx.moveTo(x - ah, tip - dir * ah * 1.5);
        ctx.lineTo(x + ah, tip - dir * ah * 1.5);
        ctx.lineTo(x, tip);
        ctx.closePath();
      }
      ctx.fill();
    }

    // the count of a column's instants, when there is room before the next one
    for (let q = 0; q < dl.nInstants; q++) {
      const n = dl.instN[q]!;
      if (n < 2) continue;
      const lane = dl.instLane[q]!;
      const x = dl.instX[q]!;
      const room = q + 1 < dl.nInstants && dl.instLane[q + 1] === lane ? dl.instX[q + 1]! - x : TW - x;
      const text = `×${n}`;
      const ih = layout.instH[lane]!;
      const r = Math.max(3, ih / 2 - 1);
      if (room < r * 2 + 4 * dpr + measure(text)) continue;
      setFill(theme.muted);
      ctx.fillText(text, Math.round(x) + r + 2 * dpr, Math.round(dl.instY[q]!) + ih / 2);
    }

    // selection outlines
    if (dl.selection.length) {
      ctx.strokeStyle = theme.selection;
      const lw = Math.max(2, Math.round(2 * dpr));
      ctx.lineWidth = lw;
      for (const s of dl.selection) {
        let x0 = clipX(s.x0);
        let x1 = clipX(s.x1);
        if (x1 - x0 < 3 * dpr) {
          const c = (x0 + x1) / 2;
          x0 = c - 1.5 * dpr;
          x1 = c + 1.5 * dpr;
        }
        ctx.strokeRect(x0 - lw / 2, Math.round(s.y) - lw / 2 + 1, x1 - x0 + lw, sliceH + lw - 1);
      }
    }
    ctx.restore();
    style = '';

    // gutter: lane labels
    setFill(theme.background);
    ctx.fillRect(0, HY, GX, TH);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, HY, GX - 4 * dpr, TH);
    ctx.clip();
    setFill(theme.stripe);
    for (let q = 0; q < dl.nLanes; q++) {
      const y = dl.laneY[q]!;
      const h = dl.laneH[q]!;
      if (dl.laneIdx[q]! % 2 === 1) ctx.fillRect(0, HY + Math.max(0, y), GX, Math.min(h, h + y));
    }
    for (let q = 0; q < dl.nLanes; q++) {
      const li = dl.laneIdx[q]!;
      const lane = view.lanes[li]!.lane;
      const y = HY + Math.max(dl.laneY[q]!, 0) + Math.min(rowH, layout.height[li]!) / 2;
      const kind = lane.kind === 'device' ? 'dev ' : lane.kind === 'process' ? 'proc ' : '';
      let x = 6 * dpr;
      if (kind) {
        setFill(theme.muted);
        ctx.fillText(kind, x, y);
        x += measure(kind);
      }
      if (lane.kind === 'layer') {
        setFill(theme.layerFill[lane.layer]!);
        ctx.fillRect(x, y - 4 * dpr, 3 * dpr, 8 * dpr);
        x += 7 * dpr;
      }
      setFill(theme.foreground);
      ctx.fillText(lane.label, x, y);
    }
    ctx.restore();
    style = '';
    setFill(theme.border);
    ctx.fillRect(GX - 1, HY, Math.max(1, Math.round(dpr / 2)), TH);

    // axis header
    setFill(theme.background);
    ctx.fillRect(0, 0, W, HY);
    setFill(theme.border);
    ctx.fillRect(0, HY - 1, W, Math.max(1, Math.round(dpr / 2)));
    ctx.save();
    ctx.beginPath();
    ctx.rect(GX, 0, TW, HY);
    ctx.clip();
    // the cut of each gap on the axis: its band and a break glyph (two slanted strokes)
    if (axis.gaps.length) {
      setFill(theme.gap);
      ctx.beginPath();
      for (const gp of axis.gaps) {
        const a = Math.max(gp.x0, 0);
        const b = Math.min(gp.x1, TW);
        if (b <= a) continue;
        ctx.rect(GX + Math.round(a), 0, Math.max(1, Math.round(b - a)), HY - 1);
      }
      ctx.fill();
    }
    ctx.strokeStyle = theme.gapLine;
    ctx.lineWidth = Math.max(1, Math.round(dpr));
    ctx.beginPath();
    for (const gp of axis.gaps) {
      if (!gp.glyph) continue;
      const c = GX + (gp.x0 + gp.x1) / 2;
      const h = HY * 0.3;
      for (const d of [-2.5 * dpr, 2.5 * dpr]) {
        ctx.moveTo(c + d - 2 * dpr, HY / 2 + h);
        ctx.lineTo(c + d + 2 * dpr, HY / 2 - h);
      }
    }
    ctx.stroke();
    setFill(theme.muted);
    for (const t of axis.ticks) {
      ctx.fillRect(GX + Math.round(t.x), HY - 5 * dpr, 1, 5 * dpr);
      ctx.fillText(t.label, GX + Math.round(t.x) + 3 * dpr, HY / 2);
    }
    ctx.restore();
  }
}
