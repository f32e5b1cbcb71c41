// The Timeline webview's renderer: a canvas of lanes (layers, devices,
// processes) with the spans as slices nested by call depth, events and
// signals as instants, flows where a call crosses into another layer, and a
// virtualised list of the same spans beside it for keyboard and
// screen-reader users. The pure parts (model, filtered view, culling, hit
// testing, viewport math) live in ./core and are unit tested in Node; this
// module wires them to the DOM.
//
// Canvas controls: drag to pan (both ways), wheel to zoom about the pointer
// (Shift+wheel scrolls the lanes, a horizontal wheel pans), ←/→ pan, ↑/↓
// scroll the lanes, + and - zoom, Home shows the whole run, C toggles the
// compression of idle time, click selects, Enter opens the selected span's
// kernel symbol, Escape clears the selection.
//
// The viewport is in display time (core/timemap.ts): with compression on
// (the default) idle gaps are cut to a marked sliver, so the whole run reads
// at the full view; zoom, pan, culling, hit testing and the axis all go
// through the one mapping, and the saved state keeps real time.

import type { TimelineReport } from '../../src/protocol/messages';
import { buildModel, labelOf, type TimelineModel } from './core/model';
import { buildView, layoutLanes, normaliseFilters, rowTop, type Layout, type TimelineFilters, type TimelineView } from './core/view';
import { clampScroll, clampView, fullView, panBy, revealRange, revealY, zoomAt, formatNs, type Viewport } from './core/viewport';
import { buildAxis, gapText, type Axis } from './core/axis';
import { compressedMap, identityMap, toDisplay, toReal, type TimeMap } from './core/timemap';
import { buildRangeIndex, spansInRange, type RangeIndex } from './core/inview';
import { paletteContrasts } from './core/palette';
import { parseColor } from './core/colors';
import { cull, DrawList, hitTest } from './core/cull';
import { fontOf, Painter } from './draw';
import { SpanList, inViewText } from './list';
import { RunStrip } from './runs';
import { Toolbar } from './toolbar';
import { readTheme, type Theme } from './theme';
import { STYLES } from './styles';

export interface TimelineViewState {
  t0: number;
  t1: number;
  scrollY: number;
  selected: number | null;
  filters: { layers: string[]; processes: number[]; symbol: string };
  /** idle time compressed (absent: on) */
  compress?: boolean;
}

export interface TimelineHost {
  select(spanId: number | null): void;
  openSymbol(symbol: string): void;
  saveState(s: TimelineViewState): void;
}

export interface TimelineController {
  setReport(r: TimelineReport): void;
  setSelection(spanId: number | null): void;
  getViewState(): TimelineViewState;
  onThemeChange(): void;
  dispose(): void;
}

/** CSS px */
const GUTTER = 150;
const HEADER = 22;
const ROW_H = 18;
const INST_H = 14;
const LANE_GAP = 5;
const SAVE_DEBOUNCE_MS = 250;

let sheet: CSSStyleSheet | null = null;
let sheetUsers = 0;
let styleEl: HTMLStyleElement | null = null;

/** the styles, as a constructed sheet (not subject to the webview's style-src CSP), else a <style> */
function acquireStyles(): void {
  sheetUsers++;
  if (sheetUsers > 1) return;
  try {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {
    sheet = null;
    styleEl = document.createElement('style');
    styleEl.textContent = STYLES;
    document.head.append(styleEl);
  }
}

function releaseStyles(): void {
  sheetUsers--;
  if (sheetUsers > 0) return;
  if (sheet) document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
  styleEl?.remove();
  sheet = null;
  styleEl = null;
}

export function mountTimeline(root: HTMLElement, host: TimelineHost, initial?: TimelineViewState): TimelineController {
  acquireStyles();
  const shell = document.createElement('div');
  shell.className = 'dax-tl';
  root.append(shell);

  let model: TimelineModel | null = null;
  let view: TimelineView | null = null;
  let layout: Layout | null = null;
  let layoutDpr = 0;
  let filters: TimelineFilters = normaliseFilters(initial?.filters);
  /** t0/t1 in ns, scrollY in CSS px */
  let vp: Viewport | null = null;
  /** real time → display time; the viewport is in display time */
  let tmap: TimeMap | null = null;
  let compress = initial?.compress !== false;
  let rangeIx: RangeIndex | null = null;
  let axis: Axis = { ticks: [], gaps: [] };
  let pendingInitial: TimelineViewState | undefined = initial;
  let selectedId: number | null = initial?.selected ?? null;
  let selIdx = -1;
  let theme: Theme;
  let disposed = false;
  let raf = 0;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const measureCache = new Map<string, number>();

  const toolbar = new Toolbar(shell, {
    filters: (f) => setFilters(f),
    zoomIn: () => zoomCentre(1 / 1.6),
    zoomOut: () => zoomCentre(1.6),
    reset: () => resetView(),
    compress: (on) => setCompress(on),
  });
  toolbar.setCompressed(compress);
  const body = document.createElement('div');
  body.className = 'dax-tl-body';
  shell.append(body);
  const wrap = document.createElement('div');
  wrap.className = 'dax-tl-canvas-wrap';
  body.append(wrap);
  const canvas = document.createElement('canvas');
  canvas.className = 'dax-tl-canvas';
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'application');
  canvas.setAttribute('aria-roledescription', 'timeline');
  canvas.setAttribute('aria-label', 'Timeline of the run. Drag or arrow keys to pan, wheel or plus and minus to zoom, Home for the whole run, click to select a span, Enter to open its kernel symbol. The list below has the same spans.');
  wrap.append(canvas);
  const ctx = canvas.getContext('2d', { alpha: false })!;
  const painter = new Painter(ctx);
  /** the draw list, refilled by every frame */
  const drawList = new DrawList();
  // the selected span, when it is a summarised run: named in full, its members on demand
  const runStrip = new RunStrip(body);
  const list = new SpanList(body, {
    select: (i) => selectIndex(i, true, 'list'),
    open: (i) => openIndex(i),
  });
  const profile = root.hasAttribute('data-timeline-profile');
  // what the canvas shows, as text: the axis labels and the idle gaps (for screen readers and the browser tests)
  const axisText = document.createElement('div');
  axisText.className = 'dax-tl-sr';
  axisText.setAttribute('role', 'note');
  axisText.setAttribute('aria-label', 'Time axis');
  shell.append(axisText);

  theme = readTheme(root, 16);

  // ---- geometry
  let cssW = 0;
  let cssH = 0;
  let dpr = 1;
  const trackW = () => Math.max(1, cssW - GUTTER);
  const trackH = () => Math.max(1, cssH - HEADER);
  const bounds = () => (tmap ? { tMin: tmap.uMin, tMax: tmap.uMax } : { tMin: model ? model.tMin : 0, tMax: model ? model.tMax : 1 });

  function getLayout(): Layout | null {
    if (!view) return null;
    if (!layout || layoutDpr !== dpr) {
      // whole device pixels, so rows stay crisp at fractional ratios
      layout = layoutLanes(view, { rowH: Math.round(ROW_H * dpr), instH: Math.round(INST_H * dpr), gap: Math.round(LANE_GAP * dpr) });
      layoutDpr = dpr;
    }
    return layout;
  }

  function contentH(): number {
    const l = getLayout();
    return l ? l.total / dpr : 0;
  }

  function measure(text: string): number {
    let w = measureCache.get(text);
    if (w === undefined) {
      if (measureCache.size > 20000) measureCache.clear();
      w = ctx.measureText(text).width;
      measureCache.set(text, w);
    }
    return w;
  }

  function resize(): void {
    const r = wrap.getBoundingClientRect();
    const d = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.floor(r.width));
    const h = Math.max(1, Math.floor(r.height));
    if (w === cssW && h === cssH && d === dpr) return;
    cssW = w;
    cssH = h;
    if (d !== dpr) {
      dpr = d;
      measureCache.clear();
    }
    canvas.style.width = `${cssW}px`;
    canvas.style.height = `${cssH}px`;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    if (vp) vp.scrollY = clampScroll(vp.scrollY, contentH(), trackH());
  }

  // ---- rendering
  function render(): void {
    raf = 0;
    if (disposed) return;
    const t = performance.now();
    if ((window.devicePixelRatio || 1) !== dpr) resize();
    const l = getLayout();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (!view || !l || !vp) {
      ctx.fillStyle = theme.background;
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      return;
    }
    const W = Math.round(trackW() * dpr);
    const H = Math.round(trackH() * dpr);
    ctx.font = fontOf(theme, dpr);
    const dvp: Viewport = { t0: vp.t0, t1: vp.t1, scrollY: vp.scrollY * dpr };
    const dl = cull(view, l, dvp, W, H, { measure, selected: selIdx, labelPad: 4 * dpr, flowMinPx: 3 * dpr, into: drawList, time: tmap ?? undefined });
    const tCull = performance.now();
    axis = tmap ? buildAxis(tmap, dvp, W, { minPx: 100 * dpr, measure, pad: 12 * dpr, offset: 3 * dpr }) : { ticks: [], gaps: [] };
    const tAxis = performance.now();
    painter.paint(dl, view, l, theme, { dpr, width: canvas.width, height: canvas.height, gutter: Math.round(GUTTER * dpr), header: Math.round(HEADER * dpr) }, axis, measure);
    scheduleWindow();
    if (profile) {
      performance.measure('dax-timeline-frame', { start: t, end: performance.now() });
      root.dataset.timelineStats = JSON.stringify({ cullMs: Number((tCull - t).toFixed(2)), axisMs: Number((tAxis - tCull).toFixed(2)), paintMs: Number((performance.now() - tAxis).toFixed(2)), slices: dl.nSlices, marks: dl.nMarks, instants: dl.nInstants, flows: dl.nFlows, visits: dl.visits });
    }
  }

  function requestRender(): void {
    if (!raf && !disposed) raf = requestAnimationFrame(render);
  }

  // ---- state
  function state(): TimelineViewState {
    return {
      t0: vp && tmap ? toReal(tmap, vp.t0) : 0,
      t1: vp && tmap ? toReal(tmap, vp.t1) : 0,
      compress,
      scrollY: vp ? vp.scrollY : 0,
      selected: selectedId,
      filters: { layers: [...filters.layers], processes: [...filters.processes], symbol: filters.symbol },
    };
  }

  function scheduleSave(): void {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      if (!disposed) host.saveState(state());
    }, SAVE_DEBOUNCE_MS);
  }

  function setViewport(next: Viewport): void {
    if (!model) return;
    const v = clampView(next, bounds());
    v.scrollY = clampScroll(next.scrollY, contentH(), trackH());
    if (vp && v.t0 === vp.t0 && v.t1 === vp.t1 && v.scrollY === vp.scrollY) return;
    vp = v;
    requestRender();
    scheduleSave();
  }

  function updateStatus(): void {
    if (!model || !view) {
      runStrip.show(null);
      toolbar.setStatus('No run yet');
      return;
    }
    const shown = view.list.length;
    const sel = selIdx >= 0 ? ` · selected ${labelOf(model, selIdx)} at ${formatNs(model.start[selIdx]!)}` : '';
    runStrip.show(selIdx >= 0 ? model.spans[selIdx]! : null);
    toolbar.setStatus(`${shown === model.n ? `${model.n} spans` : `${shown} of ${model.n} spans`}${sel}`);
  }

  function rebuildView(): void {
    if (!model) return;
    view = buildView(model, filters);
    rangeIx = buildRangeIndex(view);
    layout = null;
    list.setView(view);
    scheduleWindow();
    list.setSelected(selIdx >= 0 && view.pass[selIdx] ? selIdx : -1, true);
    if (vp) vp.scrollY = clampScroll(vp.scrollY, contentH(), trackH());
    updateStatus();
  }

  function setFilters(f: TimelineFilters): void {
    filters = normaliseFilters(f);
    rebuildView();
    requestRender();
    scheduleSave();
  }

  /** reveal span i: pan the time range to it and scroll its layer row into view */
  function revealIndex(i: number): void {
    if (!model || !view || !vp) return;
    const next = revealRange(vp, tmap!.start[i]!, tmap!.end[i]!, bounds());
    const l = getLayout();
    const li = view.laneOf[model.layerLane[model.layer[i]!]!]!;
    if (l && li >= 0) next.scrollY = revealY(vp.scrollY, rowTop(l, li, model.layerRow[i]!) / dpr, ROW_H, trackH());
    setViewport(next);
  }

  function selectIndex(i: number, notify: boolean, from: 'canvas' | 'list' | 'host'): void {
    if (!model) return;
    selIdx = i >= 0 && i < model.n ? i : -1;
    selectedId = selIdx >= 0 ? model.spans[selIdx]!.id : null;
    if (from !== 'list') list.setSelected(selIdx >= 0 && view?.pass[selIdx] ? selIdx : -1, true);
    if (from !== 'canvas' && selIdx >= 0) revealIndex(selIdx);
    updateStatus();
    requestRender();
    scheduleSave();
    if (notify) host.select(selectedId);
  }

  function openIndex(i: number): void {
    if (model && i >= 0 && i < model.n) host.openSymbol(model.spans[i]!.symbol);
  }

  function zoomCentre(factor: number): void {
    if (!vp) return;
    // about the selection when it is on screen, else about the centre
    const w = trackW();
    let x = w / 2;
    if (model && selIdx >= 0) {
      const sx = ((tmap!.start[selIdx]! - vp.t0) / (vp.t1 - vp.t0)) * w;
      if (sx >= 0 && sx <= w) x = sx;
    }
    setViewport(zoomAt(vp, w, x, factor, bounds()));
  }

  function resetView(): void {
    if (!model || !vp) return;
    setViewport(fullView(bounds(), vp.scrollY));
  }

  /** the time map for the model and the compression setting */
  function makeMap(): TimeMap | null {
    if (!model) return null;
    return compress ? compressedMap(model) : identityMap(model);
  }

  /** compression on or off: the same real time window stays in view (the whole run stays the whole run) */
  function setCompress(on: boolean): void {
    if (on === compress) return;
    compress = on;
    if (!model || !tmap || !vp) return;
    const full = fullView(bounds());
    const wasFull = Math.abs(vp.t0 - full.t0) + Math.abs(vp.t1 - full.t1) < 1e-6 * (full.t1 - full.t0);
    const a = toReal(tmap, vp.t0);
    const b = toReal(tmap, vp.t1);
    tmap = makeMap();
    const next = wasFull ? fullView(bounds(), vp.scrollY) : { t0: toDisplay(tmap!, a), t1: toDisplay(tmap!, b), scrollY: vp.scrollY };
    vp = null;
    setViewport(next);
    requestRender();
    scheduleSave();
  }

  // ---- the list follows the visible window (at most every 80 ms, after the frame)
  let windowTimer: ReturnType<typeof setTimeout> | undefined;
  function scheduleWindow(): void {
    if (windowTimer === undefined) windowTimer = setTimeout(updateWindow, 80);
  }
  function updateWindow(): void {
    windowTimer = undefined;
    if (disposed || !view || !vp || !tmap || !rangeIx) return;
    const a = toReal(tmap, vp.t0);
    const b = toReal(tmap, vp.t1);
    const iv = spansInRange(rangeIx, a, b);
    list.setWindow(iv);
    root.dataset.inView = inViewText(iv.length, view.list.length);
    root.dataset.window = JSON.stringify([a, b]);
    // the axis as text
    const labels = axis.ticks.map((t) => t.label);
    const gaps = axis.gaps.filter((g) => g.x1 > 0 && g.x0 < trackW() * dpr).map((g) => gapText(g.t1 - g.t0));
    const json = JSON.stringify(labels);
    if (root.dataset.axisLabels !== json) {
      root.dataset.axisLabels = json;
      root.dataset.axisGaps = JSON.stringify(gaps);
      axisText.textContent = `From ${formatNs(Math.max(0, a))} to ${formatNs(b)}${compress ? ', idle time compressed' : ''}. Axis labels: ${labels.join(', ') || 'none'}.${gaps.length ? ` Cuts: ${gaps.join('; ')}.` : ''}`;
    }
  }

  // ---- input
  let drag: { id: number; x: number; y: number; moved: boolean } | null = null;
  const local = (e: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  function onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    canvas.focus();
    const p = local(e);
    drag = { id: e.pointerId, x: p.x, y: p.y, moved: false };
    try {
      canvas.setPointerCapture(e.pointerId);
    } catch {
      /* synthetic pointers cannot be captured */
    }
  }
  function onPointerMove(e: PointerEvent): void {
    if (!drag || e.pointerId !== drag.id || !vp) return;
    const p = local(e);
    const dx = p.x - drag.x;
    const dy = p.y - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    drag.moved = true;
    drag.x = p.x;
    drag.y = p.y;
    const next = panBy(vp, trackW(), dx, bounds());
    next.scrollY = vp.scrollY - dy;
    setViewport(next);
  }
  function onPointerUp(e: PointerEvent): void {
    if (!drag || e.pointerId !== drag.id) return;
    const wasDrag = drag.moved;
    drag = null;
    if (wasDrag || !view || !vp) return;
    const p = local(e);
    if (p.x < GUTTER || p.y < HEADER) return;
    const l = getLayout()!;
    const dvp: Viewport = { t0: vp.t0, t1: vp.t1, scrollY: vp.scrollY * dpr };
    const hit = hitTest(view, l, dvp, trackW() * dpr, (p.x - GUTTER) * dpr, (p.y - HEADER) * dpr, 3 * dpr, tmap ?? undefined);
    if (hit?.kind === 'span') selectIndex(hit.i, true, 'canvas');
    else if (hit?.kind === 'instant') selectIndex(view.model.instants[hit.k]!.span, true, 'canvas');
    else selectIndex(-1, true, 'canvas');
  }
  function onWheel(e: WheelEvent): void {
    if (!vp) return;
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? trackH() : 1;
    const p = local(e);
    const w = trackW();
    const dx = e.deltaX * unit;
    const dy = e.deltaY * unit;
    if (e.shiftKey && !dx) {
      // Shift+wheel scrolls the lanes
      setViewport({ ...vp, scrollY: vp.scrollY + dy });
      return;
    }
    let next = vp;
    if (dx) next = panBy(next, w, -dx, bounds());
    if (dy) next = zoomAt(next, w, Math.max(0, Math.min(w, p.x - GUTTER)), Math.exp(dy * 0.0025), bounds());
    setViewport(next);
  }
  function onKey(e: KeyboardEvent): void {
    if ((e.key === 'c' || e.key === 'C') && !e.ctrlKey && !e.metaKey && !e.altKey) {
      setCompress(!compress);
      toolbar.setCompressed(compress);
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    if (!vp) return;
    const w = trackW();
    const step = e.shiftKey ? w / 2 : w / 8;
    switch (e.key) {
      case 'ArrowLeft':
        setViewport(panBy(vp, w, step, bounds()));
        break;
      case 'ArrowRight':
        setViewport(panBy(vp, w, -step, bounds()));
        break;
      case 'ArrowUp':
        setViewport({ ...vp, scrollY: vp.scrollY - ROW_H * 3 });
        break;
      case 'ArrowDown':
        setViewport({ ...vp, scrollY: vp.scrollY + ROW_H * 3 });
        break;
      case '+':
      case '=':
        zoomCentre(1 / 1.6);
        break;
      case '-':
      case '_':
        zoomCentre(1.6);
        break;
      case 'Home':
        resetView();
        break;
      case 'Enter':
        if (selIdx >= 0) openIndex(selIdx);
        break;
      case 'Escape':
        if (selIdx >= 0) selectIndex(-1, true, 'canvas');
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
  // one abort removes every canvas listener on dispose
  const listening = new AbortController();
  const { signal } = listening;
  canvas.addEventListener('pointerdown', onPointerDown, { signal });
  canvas.addEventListener('pointermove', onPointerMove, { signal });
  canvas.addEventListener('pointerup', onPointerUp, { signal });
  canvas.addEventListener('pointercancel', onPointerUp, { signal });
  canvas.addEventListener('wheel', onWheel, { passive: false, signal });
  canvas.addEventListener('keydown', onKey, { signal });

  const ro = new ResizeObserver(() => {
    resize();
    requestRender();
  });
  ro.observe(wrap);
  resize();

  /** the palette and its contrast ratios on the root, for the browser tests */
  function publishPalette(): void {
    root.dataset.palette = JSON.stringify({ kind: theme.kind, background: theme.background, layerFill: theme.layerFill, layerText: theme.layerText });
    root.dataset.contrast = JSON.stringify(paletteContrasts(theme, parseColor).map((c) => ({ name: c.name, ratio: Number(c.ratio.toFixed(2)), min: c.min })));
  }
  publishPalette();

  const refreshTheme = () => {
    theme = readTheme(root, model ? model.layers.length : 16);
    publishPalette();
    measureCache.clear();
    requestRender();
  };
  const mo = new MutationObserver(refreshTheme);
  if (document.body) mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  updateStatus();
  requestRender();

  return {
    setReport(r: TimelineReport): void {
      if (disposed) return;
      const prevVp = vp;
      const prevReal = prevVp && tmap ? { t0: toReal(tmap, prevVp.t0), t1: toReal(tmap, prevVp.t1) } : null;
      model = buildModel(r);
      tmap = makeMap();
      theme = readTheme(root, model.layers.length);
      publishPalette();
      const b = bounds();
      const disp = (t0: number, t1: number, scrollY: number): Viewport => ({ t0: toDisplay(tmap!, t0), t1: toDisplay(tmap!, t1), scrollY });
      if (pendingInitial && Number.isFinite(pendingInitial.t0) && Number.isFinite(pendingInitial.t1) && pendingInitial.t1 > pendingInitial.t0) {
        vp = clampView(disp(pendingInitial.t0, pendingInitial.t1, pendingInitial.scrollY || 0), b);
      } else if (prevReal && prevVp && prevReal.t1 > model.tMin && prevReal.t0 < model.tMax) {
        vp = clampView(disp(prevReal.t0, prevReal.t1, prevVp.scrollY), b);
      } else vp = fullView(b, prevVp?.scrollY ?? 0);
      pendingInitial = undefined;
      selIdx = selectedId !== null ? model.indexOf(selectedId) : -1;
      if (selIdx < 0) selectedId = null;
      toolbar.setModel(model, filters);
      rebuildView();
      resize();
      vp.scrollY = clampScroll(vp.scrollY, contentH(), trackH());
      requestRender();
    },
    setSelection(spanId: number | null): void {
      if (disposed) return;
      if (!model) {
        selectedId = spanId;
        return;
      }
      selectIndex(spanId === null ? -1 : model.indexOf(spanId), false, 'host');
    },
    getViewState: state,
    onThemeChange: refreshTheme,
    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (raf) cancelAnimationFrame(raf);
      clearTimeout(saveTimer);
      clearTimeout(windowTimer);
      ro.disconnect();
      mo.disconnect();
      listening.abort();
      list.dispose();
      toolbar.dispose();
      axisText.remove();
      shell.remove();
      releaseStyles();
    },
  };
}
