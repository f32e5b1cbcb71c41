// Rasterising the track area into pixels: against the brute-force draw list
// (every mark column painted in its lane's colour on every pixel row of its
// span row, slices' whole columns painted, nothing painted outside the marks,
// slices and instants), pixel packing and blending, the high-contrast outline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../webview/timeline/core/model';
import { buildView, layoutLanes, NO_FILTERS, type TimelineFilters } from '../../webview/timeline/core/view';
import { cull, DrawList, slicesOf } from '../../webview/timeline/core/cull';
import { blend, packColor, rasterTrack, sliceInset, unpackColor, type RasterColours } from '../../webview/timeline/core/raster';
import { fullView, type Viewport } from '../../webview/timeline/core/viewport';
import { bruteCull, emptyReport, randomReport, rng } from './helpers';
import { compressedMap } from '../../webview/timeline/core/timemap';

const METRICS = { rowH: 18, instH: 14, gap: 5 };
const grey = (v: number) => packColor({ r: v, g: v, b: v, a: 1 });
// every colour distinct, so a pixel tells what painted it
const COLOURS: RasterColours = {
  background: grey(10),
  stripe: grey(20),
  border: grey(30),
  grid: grey(40),
  layerFill: Uint32Array.from({ length: 32 }, (_, l) => packColor({ r: 100 + l * 4, g: 200 - l * 3, b: 50 + l, a: 1 })),
  neutralFill: grey(250),
  outline: -1,
  event: packColor({ r: 1, g: 2, b: 255, a: 1 }),
  signal: packColor({ r: 255, g: 2, b: 1, a: 1 }),
  gap: grey(60),
};
const UNPAINTED = new Set([COLOURS.background, COLOURS.stripe, COLOURS.border, COLOURS.grid, COLOURS.gap]);

test('packing and blending pixels', () => {
  const c = { r: 12, g: 200, b: 77, a: 1 };
  assert.deepEqual(unpackColor(packColor(c)), c);
  // the bytes of a packed pixel are R, G, B, A in memory order, as ImageData holds them
  assert.deepEqual([...new Uint8Array(new Uint32Array([packColor(c)]).buffer)], [12, 200, 77, 255]);
  const a = packColor({ r: 0, g: 0, b: 0, a: 1 });
  const b = packColor({ r: 255, g: 255, b: 255, a: 1 });
  assert.equal(blend(a, b, 1), b);
  assert.equal(blend(a, b, 0), a);
  assert.deepEqual(unpackColor(blend(a, b, 0.5)), { r: 128, g: 128, b: 128, a: 1 });
  assert.equal(blend(b, b, 0.37), b);
});

test('randomised: pixels = the brute-force draw list painted', () => {
  const r = rng(23);
  const filters: TimelineFilters[] = [NO_FILTERS, { layers: ['mm', 'fs'], processes: [], symbol: '' }, { layers: [], processes: [101], symbol: '' }];
  const dl = new DrawList();
  let px = new Uint32Array(0);
  let markPixels = 0;
  let slicePixels = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const report = randomReport(seed, 300 + Math.floor(r() * 900));
    report.events = [0, 0.3, 0.6].map((f, k) => ({ id: `e${k}`, do: 'load', at: Math.floor(f * report.spans[report.spans.length - 1]!.t), result: { ret: 0 }, span: null }));
    const m = buildModel(report);
    for (const f of filters) {
      const view = buildView(m, f);
      const layout = layoutLanes(view, METRICS);
      for (let v = 0; v < 6; v++) {
        const W = 50 + Math.floor(r() * 600);
        const H = 40 + Math.floor(r() * 500);
        const full = fullView(m);
        const range = (full.t1 - full.t0) * Math.exp(-r() * Math.log(1e4));
        const t0 = (r() < 0.5 ? m.start[Math.floor(r() * m.n)]! : full.t0 + r() * (full.t1 - full.t0)) - range * r();
        const vp: Viewport = { t0, t1: t0 + range, scrollY: Math.floor(r() * 300) - 20 };
        cull(view, layout, vp, W, H, { into: dl });
        if (px.length < W * H) px = new Uint32Array(W * H);
        const grid = [Math.floor(r() * W), Math.floor(r() * W)];
        rasterTrack(px, dl, view, layout, COLOURS, { width: W, height: H, dpr: 1, grid });
        const brute = bruteCull(view, layout, vp, W, H);
        const sliceH = METRICS.rowH - sliceInset(1);
        // what may be painted: brute marks and slices (1 px of anti-aliasing either side), instant strips
        const may = new Uint8Array(W * H);
        const allow = (c0: number, c1: number, y: number, h: number) => {
          for (let yy = Math.max(0, y); yy < Math.min(H, y + h); yy++) for (let c = Math.max(0, c0); c < Math.min(W, c1); c++) may[yy * W + c] = 1;
        };
        const rowY = (lane: number, row: number) => Math.round(layout.top[lane]! + layout.instH[lane]! + row * METRICS.rowH - vp.scrollY);
        for (const key of brute.marks) {
          const [lane, row, c0, c1] = key.split('/').map(Number) as [number, number, number, number];
          allow(c0, c1, rowY(lane, row), sliceH);
          // every mark pixel is its lane's colour (a layer lane's slices have the same colour, so their edges cannot change it)
          const l = view.lanes[lane]!.lane;
          if (l.kind !== 'layer') continue;
          for (let yy = Math.max(0, rowY(lane, row)); yy < Math.min(H, rowY(lane, row) + sliceH); yy++)
            for (let c = c0; c < Math.min(W, c1); c++) {
              assert.equal(px[yy * W + c], COLOURS.layerFill[l.layer], `mark pixel ${c},${yy} seed ${seed} view ${v}`);
              markPixels++;
            }
        }
        for (const key of brute.slices) {
          const [lane, row, i, x0, x1] = key.split('/').map(Number) as [number, number, number, number, number];
          const y = rowY(lane, row);
          allow(Math.floor(x0) - 1, Math.ceil(x1) + 1, y, sliceH);
          // columns wholly inside the slice (less the gap before the next one) are its layer's colour
          const a = Math.max(-2, x0);
          const b = Math.min(W + 2, x1);
          const right = b - a > 3 ? b - 1 : a + Math.max(1, b - a);
          for (let c = Math.max(0, Math.ceil(a)); c < Math.min(W, Math.floor(right)); c++)
            for (let yy = Math.max(0, y); yy < Math.min(H, y + sliceH); yy++) {
              assert.equal(px[yy * W + c], COLOURS.layerFill[m.layer[i]!], `slice pixel ${c},${yy} seed ${seed} view ${v}`);
              slicePixels++;
            }
        }
        for (let li = 0; li < view.lanes.length; li++) if (layout.instH[li]! > 0) allow(0, W, Math.round(layout.top[li]! - vp.scrollY), layout.instH[li]! + 1);
        for (let o = 0; o < W * H; o++) if (!may[o]) assert.ok(UNPAINTED.has(px[o]!), `pixel ${o % W},${Math.floor(o / W)} painted outside the draw list (seed ${seed} view ${v})`);
      }
    }
  }
  assert.ok(markPixels > 10_000 && slicePixels > 10_000, `both kinds exercised (${markPixels}, ${slicePixels})`);
});

test('grid lines, stripes and instants', () => {
  const r = emptyReport([{ id: 1, parent: null, t: 0, dur: 10, layer: 'mm', symbol: 'x', args: {}, ret: '0' }], {
    events: [{ id: 'e0', do: 'load', at: 500, result: { ret: 0 }, span: null }],
  });
  const m = buildModel(r);
  const view = buildView(m, NO_FILTERS);
  const layout = layoutLanes(view, METRICS);
  const dl = cull(view, layout, { t0: 0, t1: 1000, scrollY: 0 }, 100, 80);
  const px = new Uint32Array(100 * 80);
  rasterTrack(px, dl, view, layout, COLOURS, { width: 100, height: 80, dpr: 1, grid: [20] });
  // the event's triangle: centred on column 50, under the top of the events lane
  assert.equal(px[2 * 100 + 50], COLOURS.event);
  assert.equal(px[2 * 100 + 40], COLOURS.background);
  // the grid line runs down the lanes, outside the marks
  assert.equal(px[60 * 100 + 20], COLOURS.grid);
  // lane 1 (the mm lane, odd) is striped; its first column holds the span's mark
  const y = layout.top[1]! + 5;
  assert.equal(px[y * 100 + 70], COLOURS.stripe);
  assert.equal(px[y * 100 + 0], COLOURS.layerFill[m.layer[0]!]);
});

test('high contrast: slices wide enough are outlined', () => {
  const m = buildModel(emptyReport([{ id: 1, parent: null, t: 100, dur: 300, layer: 'mm', symbol: 'x', args: {}, ret: '0' }]));
  const view = buildView(m, NO_FILTERS);
  const layout = layoutLanes(view, METRICS);
  const W = 100;
  const dl = cull(view, layout, { t0: 0, t1: 1000, scrollY: 0 }, W, 60);
  const px = new Uint32Array(W * 60);
  const outline = grey(255);
  rasterTrack(px, dl, view, layout, { ...COLOURS, outline }, { width: W, height: 60, dpr: 1, grid: [] });
  const y = layout.top[0]!;
  const fillC = COLOURS.layerFill[m.layer[0]!];
  // slice from x 10 to 40: frame at columns 10 and 38 (30 px less the 1 px gap and the line), rows y and y + 16
  assert.equal(px[y * W + 20], outline);
  assert.equal(px[(y + 16) * W + 20], outline);
  assert.equal(px[(y + 8) * W + 10], outline);
  assert.equal(px[(y + 8) * W + 38], outline);
  assert.equal(px[(y + 8) * W + 20], fillC);
  assert.equal(px[(y + 8) * W + 45], COLOURS.background);
});

test('compressed idle gaps: a band over the whole height, the spans of each event beside it and never in it', () => {
  // two events 1 ms apart, each 200 ns of spans: uncompressed, each is a fifth of a pixel of a 1000 px track
  const spans = [0, 1_000_000].map((t, k) => ({ id: k + 1, parent: null, t, dur: 200, layer: 'mm' as const, symbol: 'x', args: {}, ret: '0' }));
  const m = buildModel(emptyReport(spans));
  const view = buildView(m, NO_FILTERS);
  const layout = layoutLanes(view, METRICS);
  const map = compressedMap(m);
  assert.equal(map.gaps.length, 1);
  const W = 1000;
  const H = 60;
  const vp = fullView({ tMin: map.uMin, tMax: map.uMax });
  const k = W / (vp.t1 - vp.t0);
  const g = map.gaps[0]!;
  const gx = [(g.u0 - vp.t0) * k, (g.u1 - vp.t0) * k];
  const dl = cull(view, layout, vp, W, H, { time: map });
  const slices = slicesOf(dl);
  assert.equal(slices.length, 2, 'both spans are slices at the full view');
  for (const sl of slices) {
    assert.ok(sl.x1 - sl.x0 > 100, `each span is wide: ${sl.x1 - sl.x0} px`);
    assert.ok(sl.x1 <= gx[0]! + 1e-6 || sl.x0 >= gx[1]! - 1e-6, 'no span inside the gap');
  }
  const px = new Uint32Array(W * H);
  rasterTrack(px, dl, view, layout, COLOURS, { width: W, height: H, dpr: 1, grid: [], gaps: gx });
  const mid = Math.round((gx[0]! + gx[1]!) / 2);
  for (const y of [0, 20, 59]) assert.equal(px[y * W + mid], COLOURS.gap, `band at row ${y}`);
  // the same run uncompressed: both spans are sub-pixel marks
  const lin = cull(view, layout, fullView(m), W, H);
  assert.equal(lin.nSlices, 0);
});
