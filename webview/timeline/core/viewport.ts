// Viewport math: the visible time range [t0, t1) mapped onto `width` pixels,
// pan, zoom about a pixel (the time under it stays put), reveal, vertical
// scroll, and the time axis ticks. DOM-free.

export interface Viewport {
  /** visible time range, ns */
  t0: number;
  t1: number;
  /** vertical scroll of the lanes, px */
  scrollY: number;
}

export interface Bounds {
  tMin: number;
  tMax: number;
}

/** the narrowest range a view can show, ns */
export const MIN_RANGE = 10;

/** the widest range: the data with a margin */
export function maxRange(b: Bounds): number {
  return Math.max(MIN_RANGE * 10, (b.tMax - b.tMin) * 1.2);
}

/** the whole run with a small margin on each side */
export function fullView(b: Bounds, scrollY = 0): Viewport {
  const span = b.tMax - b.tMin;
  const pad = span > 0 ? span * 0.02 : MIN_RANGE;
  return { t0: b.tMin - pad, t1: b.tMax + pad, scrollY };
}

export function timeToX(vp: Viewport, width: number, t: number): number {
  return (t - vp.t0) * (width / (vp.t1 - vp.t0));
}

export function xToTime(vp: Viewport, width: number, x: number): number {
  return vp.t0 + x * ((vp.t1 - vp.t0) / width);
}

/** keep the range between MIN_RANGE and maxRange, and its centre on the data */
export function clampView(vp: Viewport, b: Bounds): Viewport {
  let range = vp.t1 - vp.t0;
  if (!(range > 0) || !Number.isFinite(range)) return fullView(b, vp.scrollY);
  let t0 = vp.t0;
  const mr = maxRange(b);
  if (range > mr) {
    const c = t0 + range / 2;
    range = mr;
    t0 = c - range / 2;
  } else if (range < MIN_RANGE) {
    const c = t0 + range / 2;
    range = MIN_RANGE;
    t0 = c - range / 2;
  }
  const c = t0 + range / 2;
  if (c < b.tMin) t0 = b.tMin - range / 2;
  else if (c > b.tMax) t0 = b.tMax - range / 2;
  return { t0, t1: t0 + range, scrollY: vp.scrollY };
}

/**
 * Zoom by `factor` (< 1 zooms in) about pixel x: the time under x is the same
 * before and after, unless the range or the centre had to be clamped.
 */
export function zoomAt(vp: Viewport, width: number, x: number, factor: number, b: Bounds): Viewport {
  const range = vp.t1 - vp.t0;
  const mr = maxRange(b);
  const next = Math.min(mr, Math.max(MIN_RANGE, range * factor));
  const tx = xToTime(vp, width, x);
  const frac = x / width;
  const t0 = tx - frac * next;
  return clampView({ t0, t1: t0 + next, scrollY: vp.scrollY }, b);
}

/** pan by dx pixels (positive dx moves the content right, showing earlier time) */
export function panBy(vp: Viewport, width: number, dx: number, b: Bounds): Viewport {
  const dt = (dx * (vp.t1 - vp.t0)) / width;
  return clampView({ t0: vp.t0 - dt, t1: vp.t1 - dt, scrollY: vp.scrollY }, b);
}

/** the view moved as little as possible (and widened when needed) so [s, e] is visible with a margin */
export function revealRange(vp: Viewport, s: number, e: number, b: Bounds): Viewport {
  let range = vp.t1 - vp.t0;
  const len = Math.max(0, e - s);
  if (len > range * 0.9) range = Math.min(maxRange(b), len / 0.8);
  let t0 = vp.t0;
  const margin = range * 0.05;
  if (s < t0 + margin || e > t0 + range - margin) {
    if (len <= range - 2 * margin) {
      t0 = s < t0 + margin ? s - margin : e + margin - range;
    } else t0 = s - (range - len) / 2;
  }
  return clampView({ t0, t1: t0 + range, scrollY: vp.scrollY }, b);
}

export function clampScroll(scrollY: number, contentH: number, viewH: number): number {
  return Math.max(0, Math.min(scrollY, Math.max(0, contentH - viewH)));
}

/** scroll as little as possible so [top, top+h) is inside the view */
export function revealY(scrollY: number, top: number, h: number, viewH: number): number {
  if (top < scrollY) return top;
  if (top + h > scrollY + viewH) return top + h - viewH;
  return scrollY;
}

/** a time as a kernel developer reads it, exactly, with its unit (see axis.ts) */
export { formatTime as formatNs } from './axis';
