// Painting a draw list on the canvas. Everything here is in device pixels
// (the canvas backing store); the culling already decided what is visible,
// so this only batches fills by colour and places text.

import type { DrawList } from './core/cull';
import type { Layout, TimelineView } from './core/view';
import type { Tick } from './core/viewport';
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

export function paint(ctx: CanvasRenderingContext2D, dl: DrawList, view: TimelineView, layout: Layout, theme: Theme, g: Geometry, axis: Tick[]): void {
  const m = view.model;
  const { width: W, height: H, gutter: GX, header: HY, dpr } = g;
  const TW = W - GX;
  const TH = H - HY;
  const rowH = layout.metrics.rowH;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, W, H);
  ctx.font = fontOf(theme, dpr);
  ctx.textBaseline = 'middle';

  // lane stripes and separators
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, HY, W, TH);
  ctx.clip();
  ctx.fillStyle = theme.stripe;
  for (const l of dl.lanes) if (l.lane % 2 === 1) ctx.fillRect(0, HY + l.y, W, l.h);
  ctx.fillStyle = theme.border;
  for (const l of dl.lanes) ctx.fillRect(0, HY + l.y + l.h + Math.floor((layout.metrics.gap - 1) / 2), W, Math.max(1, Math.round(dpr / 2)));
  // grid lines at the ticks
  ctx.fillStyle = theme.grid;
  for (const t of axis) ctx.fillRect(GX + Math.round(t.x), HY, 1, TH);
  ctx.restore();

  // tracks
  ctx.save();
  ctx.beginPath();
  ctx.rect(GX, HY, TW, TH);
  ctx.clip();
  ctx.translate(GX, HY);
  const inset = Math.max(1, Math.round(dpr));
  const sliceH = rowH - inset;

  // merged sub-pixel marks, by colour
  const laneFill = (li: number): string => {
    const lane = view.lanes[li]!.lane;
    return lane.kind === 'layer' ? theme.layerFill[lane.layer]! : theme.neutralFill;
  };
  const byColour = new Map<string, number[]>();
  for (let q = 0; q < dl.marks.length; q++) {
    const c = laneFill(dl.marks[q]!.lane);
    let a = byColour.get(c);
    if (!a) byColour.set(c, (a = []));
    a.push(q);
  }
  // marks are whole pixel columns on whole pixel rows: plain rectangles, no anti-aliasing to do
  for (const [c, qs] of byColour) {
    ctx.fillStyle = c;
    for (const q of qs) {
      const mk = dl.marks[q]!;
      ctx.fillRect(mk.c0, mk.y, mk.c1 - mk.c0, sliceH);
    }
  }

  // slices, by layer colour
  const byLayer: number[][] = m.layers.map(() => []);
  for (let q = 0; q < dl.slices.length; q++) byLayer[m.layer[dl.slices[q]!.i]!]!.push(q);
  const clipX = (x: number) => (x < -2 ? -2 : x > TW + 2 ? TW + 2 : x);
  for (let l = 0; l < byLayer.length; l++) {
    const qs = byLayer[l]!;
    if (!qs.length) continue;
    ctx.fillStyle = theme.layerFill[l]!;
    ctx.beginPath();
    for (const q of qs) {
      const s = dl.slices[q]!;
      const x0 = clipX(s.x0);
      const x1 = clipX(s.x1);
      // a 1 px gap to the next slice once there is room for it
      const w = x1 - x0 > 3 * inset ? x1 - x0 - inset : Math.max(1, x1 - x0);
      ctx.rect(x0, s.y, w, sliceH);
    }
    ctx.fill();
    if (theme.outline) {
      ctx.strokeStyle = theme.outline;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const q of qs) {
        const s = dl.slices[q]!;
        const x0 = clipX(s.x0);
        const x1 = clipX(s.x1);
        if (x1 - x0 >= 4) ctx.rect(Math.round(x0) + 0.5, s.y + 0.5, Math.max(1, Math.round(x1 - x0) - inset - 1), sliceH - 1);
      }
      ctx.stroke();
    }
  }
  // labels
  for (let l = 0; l < byLayer.length; l++) {
    const qs = byLayer[l]!;
    let set = false;
    for (const q of qs) {
      const s = dl.slices[q]!;
      if (s.label === null) continue;
      if (!set) {
        ctx.fillStyle = theme.layerText[l]!;
        set = true;
      }
      ctx.fillText(s.label, Math.max(s.x0, 0) + 4 * dpr, s.y + sliceH / 2);
    }
  }

  // flows: a line from the caller's row to the callee's, with an arrow head
  if (dl.flows.length) {
    ctx.strokeStyle = theme.flow;
    ctx.fillStyle = theme.flow;
    ctx.lineWidth = Math.max(1, dpr);
    ctx.beginPath();
    for (const f of dl.flows) {
      const x = Math.round(f.x) + 0.5;
      ctx.moveTo(x, f.y0);
      ctx.lineTo(x, f.y1);
    }
    ctx.stroke();
    const ah = 3 * dpr;
    ctx.beginPath();
    for (const f of dl.flows) {
      const x = Math.round(f.x) + 0.5;
      const dir = f.y1 >= f.y0 ? 1 : -1;
      const tip = f.y1 - (dir * rowH) / 2 + dir;
      ctx.moveTo(x - ah, tip - dir * ah * 1.5);
      ctx.lineTo(x + ah, tip - dir * ah * 1.5);
      ctx.lineTo(x, tip);
      ctx.closePath();
    }
    ctx.fill();
  }

  // instants: a triangle per pixel column, batched by colour; the count of a
  // column's instants when there is room before the next one
  if (dl.instants.length) {
    const tri = (kind: 'event' | 'signal') => {
      ctx.beginPath();
      for (const it of dl.instants) {
        if (m.instants[it.k]!.kind !== kind) continue;
        const ih = layout.instH[it.lane]!;
        const x = Math.round(it.x) + 0.5;
        const r = Math.max(3, ih / 2 - 1);
        ctx.moveTo(x - r, it.y + 1);
        ctx.lineTo(x + r, it.y + 1);
        ctx.lineTo(x, it.y + 1 + r * 1.6);
        ctx.closePath();
      }
      ctx.fill();
    };
    ctx.fillStyle = theme.event;
    tri('event');
    ctx.fillStyle = theme.signal;
    tri('signal');
    ctx.fillStyle = theme.muted;
    for (let q = 0; q < dl.instants.length; q++) {
      const it = dl.instants[q]!;
      if (it.n < 2) continue;
      const next = dl.instants[q + 1];
      const room = next && next.lane === it.lane ? next.x - it.x : TW - it.x;
      const text = `×${it.n}`;
      const ih = layout.instH[it.lane]!;
      const r = Math.max(3, ih / 2 - 1);
      if (room < r * 2 + 4 * dpr + ctx.measureText(text).width) continue;
      ctx.fillText(text, Math.round(it.x) + r + 2 * dpr, it.y + ih / 2);
    }
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
      ctx.strokeRect(x0 - lw / 2, s.y - lw / 2 + 1, x1 - x0 + lw, sliceH + lw - 1);
    }
  }
  ctx.restore();

  // gutter: lane labels
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, HY, GX, TH);
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, HY, GX - 4 * dpr, TH);
  ctx.clip();
  for (const l of dl.lanes) {
    if (l.lane % 2 === 1) {
      ctx.fillStyle = theme.stripe;
      ctx.fillRect(0, HY + Math.max(0, l.y), GX, Math.min(l.h, l.h + l.y));
    }
    const lane = view.lanes[l.lane]!.lane;
    const y = HY + Math.max(l.y, 0) + Math.min(rowH, layout.height[l.lane]!) / 2;
    const kind = lane.kind === 'device' ? 'dev ' : lane.kind === 'process' ? 'proc ' : '';
    let x = 6 * dpr;
    if (kind) {
      ctx.fillStyle = theme.muted;
      ctx.fillText(kind, x, y);
      x += ctx.measureText(kind).width;
    }
    ctx.fillStyle = lane.kind === 'layer' ? theme.layerFill[lane.layer]! : theme.foreground;
    if (lane.kind === 'layer') ctx.fillRect(x, y - 4 * dpr, 3 * dpr, 8 * dpr);
    if (lane.kind === 'layer') x += 7 * dpr;
    ctx.fillStyle = theme.foreground;
    ctx.fillText(lane.label, x, y);
  }
  ctx.restore();
  ctx.fillStyle = theme.border;
  ctx.fillRect(GX - 1, HY, Math.max(1, Math.round(dpr / 2)), TH);

  // axis header
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, W, HY);
  ctx.fillStyle = theme.border;
  ctx.fillRect(0, HY - 1, W, Math.max(1, Math.round(dpr / 2)));
  ctx.save();
  ctx.beginPath();
  ctx.rect(GX, 0, TW, HY);
  ctx.clip();
  ctx.fillStyle = theme.muted;
  for (const t of axis) {
    ctx.fillRect(GX + Math.round(t.x), HY - 5 * dpr, 1, 5 * dpr);
    ctx.fillText(t.label, GX + Math.round(t.x) + 3 * dpr, HY / 2);
  }
  ctx.restore();
}
