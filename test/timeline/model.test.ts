// The timeline model: lanes per layer, device and process; rows as call depth
// with no two overlapping spans in a row; count labels; process attribution;
// unsorted input; the real scenarios.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Span } from '../../src/sim/report';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { buildModel, labelOf, spanDevice, spanLabel, type TimelineModel } from '../../webview/timeline/core/model';
import { emptyReport, placesOf, randomReport } from './helpers';

const ROOT = resolve(__dirname, '..', '..', '..');

const sp = (id: number, parent: number | null, t: number, dur: number, layer: Span['layer'], symbol: string, args: Span['args'] = {}, count?: number): Span => {
  const s: Span = { id, parent, t, dur, layer, symbol, args, ret: '0' };
  if (count !== undefined) s.count = count;
  return s;
};

/** the unsummarised route of a madvise poison, with a summarised run */
function routeReport() {
  return emptyReport(
    [
      sp(1, null, 0, 1000, 'syscall', 'madvise', { pid: 1001 }),
      sp(2, 1, 10, 980, 'mm', 'madvise_inject_error'),
      sp(3, 2, 20, 900, 'mm', 'memory_failure', { pfn: '0x241218' }),
      sp(4, 3, 30, 800, 'dax', 'dax_holder_notify_failure', { dax: 'pmem0' }),
      sp(5, 4, 40, 700, 'fs', 'xfs_dax_notify_failure', { dev: 'pmem0' }),
      sp(6, 5, 50, 100, 'mm', 'mf_dax_kill_procs'),
      sp(7, 6, 60, 20, 'process', 'kill_proc', { pid: 1000, comm: 'reader' }),
      sp(8, 5, 200, 300, 'mm', 'memory_failure', {}, 264241152),
      sp(9, null, 2000, 50, 'fs', 'xfs_fs_fill_super', { dev: 'pmem1', dax: 'always' }),
    ],
    {
      events: [{ id: 'e1', do: 'madvise-hwpoison', at: 0, result: { ret: 0 }, span: 1 }],
      signals: [{ event: 'e1', pid: 1000, comm: 'reader', signo: 'SIGBUS', code: 'BUS_MCEERR_AO', addr: '0x7f0000000000', lsb: 12 }],
    },
  );
}

function rowOf(m: TimelineModel, laneKey: string, id: number): number {
  const lane = m.lanes.find((l) => l.key === laneKey);
  assert.ok(lane, `lane ${laneKey}`);
  const i = m.indexOf(id);
  const r = lane.rows.findIndex((row) => row.includes(i));
  assert.ok(r >= 0, `span ${id} in ${laneKey}`);
  return r;
}

test('lanes: events, signals, one per layer in LAYER_ORDER, devices, processes', () => {
  const m = buildModel(routeReport());
  assert.deepEqual(
    m.lanes.map((l) => l.key),
    ['events', 'signals', 'layer:syscall', 'layer:process', 'layer:mm', 'layer:dax', 'layer:fs', 'device:pmem0', 'device:pmem1', 'process:1000', 'process:1001'],
  );
  assert.equal(m.lanes.find((l) => l.key === 'process:1000')!.label, 'reader:1000');
  // the signal is an instant of the signals lane and of the receiving process's lane, at the end of the event's root span
  const sig = m.lanes.find((l) => l.key === 'process:1000')!.instants;
  assert.equal(sig.length, 1);
  assert.equal(m.instants[sig[0]!]!.t, 1000);
  assert.equal(m.lanes[1]!.instants.length, 1);
  assert.equal(m.tMin, 0);
  assert.equal(m.tMax, 2050);
});

test('rows are the call depth within a lane', () => {
  const m = buildModel(routeReport());
  assert.equal(rowOf(m, 'layer:mm', 2), 0);
  assert.equal(rowOf(m, 'layer:mm', 3), 1);
  // mm called back from fs, under two mm frames
  assert.equal(rowOf(m, 'layer:mm', 6), 2);
  assert.equal(rowOf(m, 'layer:mm', 8), 2);
  assert.equal(rowOf(m, 'layer:fs', 5), 0);
  assert.equal(rowOf(m, 'device:pmem0', 4), 0);
  assert.equal(rowOf(m, 'device:pmem0', 5), 1);
  assert.equal(m.layerRow[m.indexOf(6)], 2);
});

test('devices come from device-naming arguments only ("always" is a mount option)', () => {
  assert.equal(spanDevice(sp(1, null, 0, 1, 'fs', 'x', { dev: 'pmem0', dax: 'always' })), 'pmem0');
  assert.equal(spanDevice(sp(1, null, 0, 1, 'fs', 'x', { dax: 'always' })), null);
  assert.equal(spanDevice(sp(1, null, 0, 1, 'dax', 'x', { dax: 'dax0.0' })), 'dax0.0');
  assert.equal(spanDevice(sp(1, null, 0, 1, 'nvdimm', 'x', { region: 'region0', bb: 'pmem0' })), 'pmem0');
});

test('a span runs for its own pid or its nearest ancestor\'s', () => {
  const m = buildModel(routeReport());
  assert.equal(m.pid[m.indexOf(3)], 1001);
  assert.equal(m.pid[m.indexOf(7)], 1000);
  assert.equal(m.pid[m.indexOf(9)], -1);
});

test('summarised runs are labelled with their count', () => {
  const m = buildModel(routeReport());
  assert.equal(labelOf(m, m.indexOf(8)), 'memory_failure ×264241152');
  assert.equal(labelOf(m, m.indexOf(3)), 'memory_failure');
  assert.equal(spanLabel('memory_failure', 1), 'memory_failure');
  assert.equal(spanLabel('memory_failure', 512), 'memory_failure ×512');
});

test('unsorted input is put in start order; unknown parents and cycles are tolerated', () => {
  const r = routeReport();
  const shuffled = emptyReport([...r.spans].reverse(), { events: r.events, signals: r.signals });
  const a = buildModel(r);
  const b = buildModel(shuffled);
  assert.deepEqual([...b.start], [...a.start]);
  assert.deepEqual(b.spans.map((s) => s.id), a.spans.map((s) => s.id));
  const odd = buildModel(emptyReport([sp(1, 2, 0, 10, 'mm', 'a'), sp(2, 1, 0, 5, 'mm', 'b'), sp(3, 99, 20, 1, 'mm', 'c', { pid: 7 })]));
  assert.equal(odd.pid[odd.indexOf(1)], -1);
  assert.equal(odd.parent[odd.indexOf(3)], -1);
  assert.equal(odd.pid[odd.indexOf(3)], 7);
});

function checkRows(m: TimelineModel): void {
  let placed = 0;
  for (const lane of m.lanes) {
    for (const row of lane.rows) {
      for (let k = 0; k < row.length; k++) {
        const i = row[k]!;
        if (lane.kind === 'layer') placed++;
        if (k > 0) {
          const p = row[k - 1]!;
          assert.ok(m.start[p]! <= m.start[i]!, 'sorted by start');
          assert.ok(m.end[p]! <= m.start[i]!, `no overlap in ${lane.key}`);
        }
      }
    }
  }
  assert.equal(placed, m.n, 'every span in exactly one layer row');
  // a child in the same layer is drawn below its parent
  for (let i = 0; i < m.n; i++) {
    const p = m.parent[i]!;
    if (p >= 0 && m.layer[p] === m.layer[i] && m.start[i]! < m.end[p]!) assert.ok(m.layerRow[i]! > m.layerRow[p]!);
    for (const [ml, row] of placesOf(m, i)) assert.ok(m.lanes[ml]!.rows[row]!.includes(i));
  }
}

test('random reports: rows sorted, non-overlapping, children below their parents', () => {
  for (let seed = 1; seed <= 20; seed++) checkRows(buildModel(randomReport(seed, 600)));
});

test('the built-in scenarios', () => {
  const dir = join(ROOT, 'scenarios');
  const files = readdirSync(dir).filter((f) => f.endsWith('.poison.yaml'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const r = runScenario(loadScenario(readFileSync(join(dir, f), 'utf8'), f));
    const m = buildModel(r);
    assert.equal(m.n, r.spans.length, f);
    checkRows(m);
    for (const s of r.spans) assert.ok(m.lanes.some((l) => l.key === `layer:${s.layer}`), `${f}: lane for ${s.layer}`);
    assert.equal(m.lanes.filter((l) => l.kind === 'process').length, new Set([...r.signals.map((s) => s.pid), ...r.spans.flatMap((s) => (typeof s.args.pid === 'number' ? [s.args.pid] : []))]).size, f);
  }
});
