// The timeline benchmark's page script (bundled by bench/timeline.mjs for the
// browser): mounts the timeline on #root, generates the synthetic report in
// the page, and drives the timeline with real input events (keys, wheel,
// pointer drags). A frame's time is the timeline's own render (culling and
// canvas calls, a performance.measure the timeline records when its root has
// data-timeline-profile) plus the rasterisation it caused, forced by reading
// a pixel back right after the frame.

import { mountTimeline, type TimelineController, type TimelineViewState } from '../webview/timeline/index';
import { synthReport } from './timeline-synth';

export interface FrameSample {
  draw: number;
  raster: number;
  total: number;
}

interface Bench {
  setup(spans: number, compress?: boolean): Promise<{ genMs: number; buildMs: number; firstFrameMs: number; spans: number; events: number }>;
  state(): TimelineViewState;
  keys(keys: string[]): Promise<FrameSample[]>;
  wheel(steps: { deltaY: number; x: number; deltaX?: number }[]): Promise<FrameSample[]>;
  drag(moves: { dx: number; dy: number }[]): Promise<FrameSample[]>;
  zoomTo(range: number): Promise<number>;
  focus(symbol: string, at: number, skip: number): number | null;
  warmup(frames: number): Promise<void>;
  stats(): string;
  selectAndOpen(): Promise<{ selected: number | null; opened: string | null }>;
}

declare global {
  interface Window {
    bench: Bench;
  }
}

const root = document.getElementById('root')!;
root.setAttribute('data-timeline-profile', '');
let selected: number | null = null;
let report: ReturnType<typeof synthReport> | null = null;
let opened: string | null = null;
let saved = 0;
const ctl: TimelineController = mountTimeline(root, {
  select: (id) => (selected = id),
  openSymbol: (s) => (opened = s),
  saveState: () => saved++,
});
const canvas = () => root.querySelector('canvas')!;

const nextFrame = () => new Promise<void>((res) => requestAnimationFrame(() => res()));

/** run an input action and measure the frame it causes (null when it caused none) */
async function frame(action: () => void): Promise<FrameSample | null> {
  performance.clearMeasures('dax-timeline-frame');
  action();
  // registered after the timeline's own callback: runs once the frame is drawn
  await nextFrame();
  const entries = performance.getEntriesByName('dax-timeline-frame');
  if (!entries.length) return null;
  const t = performance.now();
  canvas().getContext('2d')!.getImageData(0, 0, 1, 1);
  const raster = performance.now() - t;
  const draw = entries[entries.length - 1]!.duration;
  return { draw, raster, total: draw + raster };
}

async function frames(actions: (() => void)[]): Promise<FrameSample[]> {
  const out: FrameSample[] = [];
  for (const a of actions) {
    const f = await frame(a);
    if (f) out.push(f);
  }
  return out;
}

function point(x: number, y: number) {
  const r = canvas().getBoundingClientRect();
  return { clientX: r.left + x, clientY: r.top + y };
}

window.bench = {
  async setup(spans, compress = true) {
    let t = performance.now();
    report = synthReport({ spans, seed: 42 });
    const genMs = performance.now() - t;
    // idle time compressed (the default) or linear (C toggles it)
    if (!compress) canvas().dispatchEvent(new KeyboardEvent('keydown', { key: 'c', bubbles: true, cancelable: true }));
    t = performance.now();
    ctl.setReport(report);
    const buildMs = performance.now() - t;
    // the report's construction garbage is not a frame's cost (gc exists with --js-flags=--expose-gc)
    (globalThis as { gc?: () => void }).gc?.();
    const first = await frame(() => undefined);
    return { genMs, buildMs, firstFrameMs: first ? first.total : NaN, spans: report.spans.length, events: report.events.length };
  },
  state: () => ctl.getViewState(),
  async warmup(n) {
    // let the JIT compile the frame path before measuring (panning right and back)
    canvas().focus();
    for (let k = 0; k < n; k++) await frame(() => canvas().dispatchEvent(new KeyboardEvent('keydown', { key: k % 2 ? 'ArrowLeft' : 'ArrowRight', bubbles: true, cancelable: true })));
  },
  keys(keys) {
    canvas().focus();
    return frames(keys.map((key) => () => canvas().dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }))));
  },
  wheel(steps) {
    return frames(steps.map((s) => () => canvas().dispatchEvent(new WheelEvent('wheel', { deltaY: s.deltaY, deltaX: s.deltaX ?? 0, ...point(s.x, 300), bubbles: true, cancelable: true }))));
  },
  async drag(moves) {
    const c = canvas();
    let x = 800;
    let y = 300;
    c.dispatchEvent(new PointerEvent('pointerdown', { pointerId: 7, button: 0, buttons: 1, isPrimary: true, ...point(x, y), bubbles: true }));
    const out = await frames(
      moves.map((m) => () => {
        x += m.dx;
        y += m.dy;
        c.dispatchEvent(new PointerEvent('pointermove', { pointerId: 7, buttons: 1, isPrimary: true, ...point(x, y), bubbles: true }));
      }),
    );
    c.dispatchEvent(new PointerEvent('pointerup', { pointerId: 7, button: 0, isPrimary: true, ...point(x, y), bubbles: true }));
    await nextFrame();
    return out;
  },
  focus(symbol, at, skip) {
    // select (and so reveal) the skip-th span with this symbol from a fraction `at` of the run on
    const spans = report!.spans;
    for (let k = Math.floor(at * spans.length); k < spans.length; k++) {
      if (spans[k]!.symbol === symbol && skip-- <= 0) {
        ctl.setSelection(spans[k]!.id);
        return spans[k]!.id;
      }
    }
    return null;
  },
  async zoomTo(range) {
    // + and - zoom about the selection when it is on screen, else about the centre
    canvas().focus();
    for (let k = 0; k < 400; k++) {
      const s = ctl.getViewState();
      const cur = s.t1 - s.t0;
      if (cur < range * 1.6 && cur > range / 1.6) break;
      canvas().dispatchEvent(new KeyboardEvent('keydown', { key: cur > range ? '+' : '-', bubbles: true, cancelable: true }));
      await nextFrame();
    }
    const s = ctl.getViewState();
    return s.t1 - s.t0;
  },
  stats: () => `${root.dataset.timelineStats ?? ''} saves=${saved}`,
  async selectAndOpen() {
    // click down the middle of the view until a span is hit, then press Enter on it
    const c = canvas();
    selected = null;
    for (let y = 40; y < 520 && selected === null; y += 6) {
      const at = point(900, y);
      c.dispatchEvent(new PointerEvent('pointerdown', { pointerId: 8, button: 0, buttons: 1, isPrimary: true, ...at, bubbles: true }));
      c.dispatchEvent(new PointerEvent('pointerup', { pointerId: 8, button: 0, isPrimary: true, ...at, bubbles: true }));
    }
    c.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    await nextFrame();
    return { selected, opened };
  },
};
