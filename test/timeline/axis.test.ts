// The time axis, property style: at every zoom level and offset, with the
// idle gaps compressed or not, the labels are in order, each reads a value
// strictly greater than the one before (so no two neighbours print the
// same), every one carries its unit, and no two overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAxis, GLYPH_PX, formatTime, niceStep, tickFormat, formatIn, type Axis } from '../../webview/timeline/core/axis';
import { compressedMap, identityMap, toDisplay, toReal, type TimeMap } from '../../webview/timeline/core/timemap';
import { buildModel } from '../../webview/timeline/core/model';
import { fullView, zoomAt, formatNs, type Viewport } from '../../webview/timeline/core/viewport';
import type { Span } from '../../src/sim/report';
import { emptyReport, randomReport, rng } from './helpers';

const LABEL = /^(\d+(?:\.\d+)?) (ns|µs|ms|s)$/;
const SCALE: Record<string, number> = { ns: 1, 'µs': 1e3, ms: 1e6, s: 1e9 };
/** a proportional-ish font: digits 7 px, the rest 6 */
const measure = (s: string) => [...s].reduce((w, c) => w + (/\d/.test(c) ? 7 : 6), 0);

function parse(label: string): number {
  const m = LABEL.exec(label);
  assert.ok(m, `label with a unit: ${JSON.stringify(label)}`);
  return Number(m[1]) * SCALE[m[2]!]!;
}

function checkAxis(ax: Axis, width: number, what: string): void {
  const ts = ax.ticks;
  for (let q = 0; q < ts.length; q++) {
    const a = ts[q]!;
    const v = parse(a.label);
    assert.ok(Math.abs(v - a.v) <= 1e-6 * Math.max(1, Math.abs(v)), `${what}: value of ${a.label}`);
    assert.ok(a.x >= 0 && a.x <= width, `${what}: tick inside the track`);
    if (q === 0) continue;
    const b = ts[q - 1]!;
    assert.ok(a.x > b.x, `${what}: ticks in x order`);
    assert.ok(a.t > b.t, `${what}: ticks in time order`);
    assert.notEqual(a.label, b.label, `${what}: neighbours ${b.label} and ${a.label} differ`);
    assert.ok(parse(a.label) > parse(b.label), `${what}: ${b.label} then ${a.label} increase`);
    assert.ok(b.x + 3 + measure(b.label) <= a.x + 3, `${what}: ${b.label} and ${a.label} do not overlap`);
  }
  // gap labels fit their gap; tick labels stay clear of a gap's break glyph
  for (const g of ax.gaps) {
    if (g.label !== null) assert.ok(measure(g.label) <= Math.min(g.x1, width) - Math.max(g.x0, 0), `${what}: gap label fits its gap`);
    if (!g.glyph) continue;
    const c = (g.x0 + g.x1) / 2;
    for (const t of ts) assert.ok(t.x + 3 + measure(t.label) <= c - GLYPH_PX / 2 || t.x + 3 >= c + GLYPH_PX / 2, `${what}: ${t.label} clear of the glyph of ${g.text}`);
  }
}

/** a run like the simulator's: setup at 0, events 1 ms apart, each a burst of µs-long spans */
function eventsReport(seed: number, events: number): ReturnType<typeof emptyReport> {
  const r = rng(seed);
  const spans: Span[] = [];
  const evs = [];
  let id = 1;
  for (let e = 0; e <= events; e++) {
    let t = e * 1_000_000;
    const burst = Math.floor(r() * 8) + 1;
    for (let b = 0; b < burst; b++) {
      const dur = Math.floor(r() * [50, 400, 5000, 70000][Math.floor(r() * 4)]!) + 10;
      spans.push({ id: id++, parent: null, t, dur, layer: 'mm', symbol: 'memory_failure', args: {}, ret: '0' });
      t += dur;
    }
    if (e > 0) evs.push({ id: `e${e}`, do: 'load', at: e * 1_000_000, result: { ret: 0 }, span: null });
  }
  return emptyReport(spans, { events: evs as never });
}

test('niceStep and tickFormat: 1-2-5 steps, decimals from the step, unit from the magnitude', () => {
  assert.equal(niceStep(0.3), 1);
  assert.equal(niceStep(3), 5);
  assert.equal(niceStep(150), 200);
  assert.equal(niceStep(1000), 1000);
  assert.deepEqual(tickFormat(100, 3_004_100), { unit: 'ms', scale: 1e6, decimals: 4 });
  assert.equal(formatIn(3_004_100, tickFormat(100, 3_004_100)), '3.0041 ms');
  assert.equal(formatIn(3_004_000, tickFormat(100, 3_004_100)), '3.0040 ms');
  assert.deepEqual(tickFormat(1000, 4700), { unit: 'µs', scale: 1e3, decimals: 0 });
  assert.deepEqual(tickFormat(5, 900), { unit: 'ns', scale: 1, decimals: 0 });
  // a 10 ns step at 3 s would need 8 decimals of a second: milliseconds with 5
  assert.deepEqual(tickFormat(10, 3e9), { unit: 'ms', scale: 1e6, decimals: 5 });
  assert.equal(formatTime(1_004_700), '1.0047 ms');
  assert.equal(formatTime(998_000), '998 µs');
  assert.equal(formatTime(0), '0 ns');
  assert.equal(formatNs(3_250_000_001), '3.250000001 s');
});

test('the reported case: zoomed in at 3.004 ms, no label repeats', () => {
  const m = buildModel(eventsReport(1, 5));
  const map = identityMap(m);
  const vp: Viewport = { t0: 3_003_990, t1: 3_004_030, scrollY: 0 };
  const ax = buildAxis(map, vp, 1450, { minPx: 100, measure });
  assert.ok(ax.ticks.length >= 4, `ticks: ${ax.ticks.map((t) => t.label).join(', ')}`);
  checkAxis(ax, 1450, 'deep');
  assert.ok(ax.ticks.every((t) => /^3\.00(39|40)\d\d ms$/.test(t.label)), ax.ticks.map((t) => t.label).join(', '));
});

test('property: distinct, increasing, non-overlapping labels at every zoom and offset, compressed or not', () => {
  const r = rng(11);
  let checked = 0;
  let withGaps = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const m = buildModel(seed % 3 === 0 ? randomReport(seed, 400) : eventsReport(seed, 1 + (seed % 9)));
    for (const map of [identityMap(m), compressedMap(m)]) {
      const b = { tMin: map.uMin, tMax: map.uMax };
      let vp = fullView(b);
      for (let z = 0; z < 60; z++) {
        const width = 300 + Math.floor(r() * 1500);
        const ax = buildAxis(map, vp, width, { minPx: 60 + r() * 60, measure });
        checkAxis(ax, width, `seed ${seed} ${map.compressed ? 'compressed' : 'linear'} zoom ${z} [${vp.t0}, ${vp.t1})`);
        if (ax.gaps.length) withGaps++;
        // something is labelled once the view holds a whole ns of real time (a widened burst of a few ns can be zoomed past that)
        if (toReal(map, vp.t1) - Math.max(0, toReal(map, vp.t0)) >= 2 && width >= 600) assert.ok(ax.ticks.length + ax.gaps.length >= 1, `something on the axis of [${vp.t0}, ${vp.t1}) over ${width} px`);
        checked++;
        // zoom in about a random pixel, sometimes pan to a random offset
        vp = zoomAt(vp, width, r() * width, 0.45 + r() * 0.3, b);
        if (r() < 0.3) {
          const range = vp.t1 - vp.t0;
          const t0 = b.tMin + r() * (b.tMax - b.tMin) - range / 2;
          vp = { t0, t1: t0 + range, scrollY: 0 };
        }
      }
    }
  }
  assert.ok(checked > 1000);
  assert.ok(withGaps > 50, `gaps seen ${withGaps}`);
});

test('the full view of events 1 ms apart: a mark per idle gap with its real length, a label per burst', () => {
  const m = buildModel(eventsReport(3, 6));
  const map: TimeMap = compressedMap(m);
  assert.equal(map.gaps.length, 6);
  const ax = buildAxis(map, fullView({ tMin: map.uMin, tMax: map.uMax }), 1450, { minPx: 100, measure });
  assert.equal(ax.gaps.length, 6);
  for (const g of ax.gaps) {
    assert.match(g.text, /^⋯ \d+(\.\d+)? (µs|ms) idle$/);
    assert.ok(g.x1 - g.x0 >= 14, `the gap of ${g.text} is wide enough for its upright text at the full view`);
    assert.equal(g.text, `⋯ ${formatTime(g.t1 - g.t0)} idle`);
  }
  // every burst start (an event at n ms) is labelled
  for (let e = 1; e <= 6; e++) assert.ok(ax.ticks.some((t) => t.edge && Math.abs(t.t - e * 1e6) < 1), `a label at ${e} ms: ${ax.ticks.map((t) => `${t.label}@${t.x.toFixed(0)}`).join(', ')}`);
  checkAxis(ax, 1450, 'full compressed');
  assert.ok(toDisplay(map, 6e6) > toDisplay(map, 1e6));
});
