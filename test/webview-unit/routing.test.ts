import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import type { Design } from '../../src/sim/scenario/types';
import { LANES, decisionOf, diffRoutes, eventBadges, layerValues, lcsPairs, nodeLabel, routeView } from '../../src/protocol/routing';

const SCENARIOS = join(resolve(__dirname, '..', '..', '..'), 'scenarios');
const run = (name: string, design: Design = 'upstream') => runScenario(loadScenario(readFileSync(join(SCENARIOS, `${name}.poison.yaml`), 'utf8'), name), { design });

test('routing: a poisoned reflinked block, hop by hop, each value in its layer\'s units', () => {
  const r = run('reflink-both-mapped');
  const v = routeView(r, 'e1');
  assert.equal(v.design, 'upstream');
  assert.equal(v.hidden, 0);
  // lanes in stack order, only those the route uses
  assert.deepEqual(v.lanes.map((l) => l.id), ['mm', 'dev_pagemap', 'pmem', 'dax', 'fs', 'rmap', 'process']);
  const hop = (sym: string) => v.nodes.find((n) => n.symbol === sym)!;
  // the hand-offs down the stack are hops, with the value in that layer's units
  assert.equal(hop('memory_failure').hop, false, 'memory_failure is called from madvise in the same lane');
  assert.deepEqual(hop('memory_failure').values.slice(0, 1), ['pfn 0x241218']);
  assert.equal(hop('memory_failure_dev_pagemap').hop, true);
  assert.equal(hop('pmem_pagemap_memory_failure').hop, true);
  assert.equal(hop('dax_holder_notify_failure').hop, true);
  assert.deepEqual(hop('dax_holder_notify_failure').values.slice(0, 1), ['dev off 0x18000 len 4096']);
  assert.equal(hop('xfs_dax_notify_failure').hop, true);
  assert.deepEqual(hop('xfs_dax_notify_ddev_failure').values.slice(0, 1), ['daddr 0xc0 bblen 8']);
  assert.deepEqual(hop('xfs_rmap_query_range').values.slice(0, 1), ['AG 0 block 24']);
  const fn = v.nodes.filter((n) => n.symbol === 'xfs_dax_failure_fn');
  assert.deepEqual(fn.map((n) => n.values[0]), ['AG 0 block 24+16', 'AG 0 block 24+16']);
  assert.deepEqual(fn.map((n) => n.values[1]), ['owner ino 131 file block 0', 'owner ino 132 file block 0']);
  assert.deepEqual(hop('mf_dax_kill_procs').values[0], 'inode 131 page 0x0');
  const kills = v.nodes.filter((n) => n.symbol === 'kill_proc');
  assert.ok(kills.every((k) => k.hop && v.lanes[k.lane]!.id === 'process'));
  assert.deepEqual(kills.map((k) => k.values[0]), ['va 0x7f0000000000 lsb 12', 'va 0x7f0000000000 lsb 12']);
  // parents come before their children, depth grows by one
  const row = new Map(v.nodes.map((n, i) => [n.span, i]));
  for (const n of v.nodes) if (n.parent !== null) assert.ok(row.get(n.parent)! < row.get(n.span)!);
  // outcomes: AR to the injector, AO to the reader, both with lsb 12, Recovered, the result
  const labels = v.badges.map((b) => `${b.kind} ${b.label}`);
  assert.ok(labels.includes('sigbus-ar SIGBUS AR lsb 12 → injector:1001'), labels.join(' | '));
  assert.ok(labels.includes('sigbus-ao SIGBUS AO lsb 12 → reader:1000'), labels.join(' | '));
  assert.ok(labels.includes('recovered Recovered'), labels.join(' | '));
  assert.ok(labels.includes('ok = 0'), labels.join(' | '));
  assert.match(nodeLabel(hop('dax_holder_notify_failure'), v.lanes), /^hop into dax · fsdax: dax_holder_notify_failure; dev off 0x18000 len 4096/);
});

test('routing: rooted at one span, the view holds that span and what it called', () => {
  const r = run('reflink-both-mapped');
  const all = routeView(r, 'e1');
  const fn = all.nodes.find((n) => n.symbol === 'xfs_dax_failure_fn')!;
  const v = routeView(r, 'e1', fn.span);
  assert.equal(v.root, fn.span);
  assert.equal(v.nodes[0]!.symbol, 'xfs_dax_failure_fn');
  assert.equal(v.nodes[0]!.hop, true);
  assert.ok(v.nodes.some((n) => n.symbol === 'kill_proc'));
  assert.ok(!v.nodes.some((n) => n.symbol === 'memory_failure'));
  assert.ok(v.nodes.length < all.nodes.length);
  // an event that did not run, or a span of another event: nothing
  assert.equal(routeView(r, 'nope').nodes.length, 0);
});

test('routing: decisions are branches (fallback, shutdown, uncached inode, nobody collected)', () => {
  assert.equal(decisionOf({ symbol: 'dax_holder_notify_failure', ret: '-EOPNOTSUPP', args: {} })?.kind, 'fallback');
  assert.equal(decisionOf({ symbol: 'xfs_do_force_shutdown', ret: 'shut down', args: { flags: 'SHUTDOWN_CORRUPT_ONDISK' } })?.label, 'filesystem shut down (SHUTDOWN_CORRUPT_ONDISK)');
  assert.equal(decisionOf({ symbol: 'xfs_iget', ret: '-ENODATA', args: {} })?.kind, 'skipped');
  assert.equal(decisionOf({ symbol: 'collect_procs_file', ret: '0 collected', args: {} })?.kind, 'nobody');
  assert.equal(decisionOf({ symbol: 'collect_procs_file', ret: '10 collected', args: {} }), undefined);
  assert.equal(decisionOf({ symbol: 'pmem_do_read', ret: '-EIO', args: {} })?.kind, 'errno');
  assert.equal(decisionOf({ symbol: 'memory_failure', ret: '0', args: {} }), undefined);
  // in a real route: the page-mapping design has no holder and falls back
  const r = run('xfs-metadata-shutdown');
  const ev = r.events.find((e) => r.spans.some((s) => s.event === e.id && s.symbol === 'xfs_do_force_shutdown'))!;
  const v = routeView(r, ev.id);
  assert.ok(v.nodes.some((n) => n.decision?.kind === 'shutdown'));
  assert.ok(v.badges.some((b) => b.kind === 'shutdown' && /SHUTDOWN_CORRUPT_ONDISK/.test(b.label)), v.badges.map((b) => b.label).join(' | '));
  assert.ok(v.badges.some((b) => b.kind === 'failed' && b.label === 'Failed'), v.badges.map((b) => b.label).join(' | '));
});

test('routing: layer values for every kind of unit', () => {
  assert.deepEqual(layerValues({ layer: 'pmem', args: { sector: 192, len: 512 } }), ['sector 192 len 512']);
  assert.deepEqual(layerValues({ layer: 'mce', args: { addr: '0x241218000', mode: 'MCE', severity: 'AR', kflags: 0 } }), ['phys 0x241218000', 'mode=MCE', 'severity=AR', 'kflags=0']);
  assert.deepEqual(layerValues({ layer: 'process', args: { pid: 1001, comm: 'injector', addr: '0x7f0000000000', lsb: 21, code: 'BUS_MCEERR_AR' } }), ['va 0x7f0000000000 lsb 21', 'pid 1001 injector', 'BUS_MCEERR_AR']);
  assert.deepEqual(layerValues({ layer: 'dax', args: { dax: 'pmem0', pgoff: '0x18', nr_pages: 1, mode: 'DAX_ACCESS' } }), ['dax pgoff 0x18 ×1', 'dax=pmem0', 'mode=DAX_ACCESS']);
});

test('routing diff: the same event under two designs, the hops that differ marked', () => {
  const a = routeView(run('reflink-both-mapped', 'upstream'), 'e1');
  const b = routeView(run('reflink-both-mapped', 'page-mapping'), 'e1');
  const d = diffRoutes(a, b);
  assert.deepEqual(d.left.lanes, d.right.lanes, 'both sides get the same lanes');
  assert.ok(d.differing > 0);
  // the holder path is only upstream's; memory_failure is in both
  assert.ok(d.left.nodes.filter((n) => n.symbol === 'xfs_dax_failure_fn').every((n) => n.diff === 'only'));
  assert.equal(d.left.nodes.find((n) => n.symbol === 'memory_failure')!.diff, 'same');
  assert.equal(d.right.nodes.find((n) => n.symbol === 'memory_failure')!.diff, 'same');
  assert.ok(d.right.nodes.some((n) => n.diff === 'only'));
  // every lane index points at the shared lanes
  for (const n of [...d.left.nodes, ...d.right.nodes]) assert.equal(d.left.lanes[n.lane]!.id, LANES.find((l) => l.layers.includes(n.layer as never))!.id);
  // a design against itself: nothing differs
  const same = diffRoutes(a, routeView(run('reflink-both-mapped', 'upstream'), 'e1'));
  assert.equal(same.differing, 0);
  assert.ok(same.left.nodes.every((n) => n.diff === 'same'));
});

test('lcsPairs aligns the longest common subsequence', () => {
  assert.deepEqual(lcsPairs(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'e']), [[0, 0], [2, 1], [3, 2]]);
  assert.deepEqual(lcsPairs([], ['a']), []);
});

test('badges: an errno result and no signal', () => {
  const r = run('scrub-and-heal');
  const failed = r.events.find((e) => e.result.ret < 0)!;
  const badges = eventBadges(r, failed.id);
  assert.ok(badges.some((b) => b.kind === 'errno' && b.label === (failed.result.errno ?? String(failed.result.ret))), JSON.stringify(badges));
  assert.ok(!badges.some((b) => b.kind.startsWith('sigbus')));
});

test('routing through device-mapper: the -EOPNOTSUPP fallback is a branch, dm sectors are in the dm lane', () => {
  const r = run('dm-linear-xfs-not-told');
  const fallback = r.events.find((e) => r.spans.some((s) => s.event === e.id && s.ret === '-EOPNOTSUPP'))!;
  const v = routeView(r, fallback.id);
  const branch = v.nodes.find((n) => n.decision?.kind === 'fallback')!;
  assert.match(branch.decision!.label, /returned -EOPNOTSUPP: fall back/);
  // after the fallback the generic path runs: mf_generic_kill_procs follows in the mm lane
  const i = v.nodes.indexOf(branch);
  assert.ok(v.nodes.slice(i + 1).some((n) => n.symbol === 'mf_generic_kill_procs'));
  const read = r.events.find((e) => r.spans.some((s) => s.event === e.id && s.symbol === 'linear_map'))!;
  const rv = routeView(r, read.id);
  const lm = rv.nodes.find((n) => n.symbol === 'linear_map')!;
  assert.equal(rv.lanes[lm.lane]!.id, 'dm');
  assert.match(lm.values[0]!, /^sector \d+/);
  assert.ok(rv.badges.some((b) => b.kind === 'errno' && b.label === 'EIO'), JSON.stringify(rv.badges));
});

// ------------------------------------------------------------ layout: folds, alignment, wires, zoom

import { alignRows, allFolds, boxSpans, fitZoom, foldRoute, foldsHolding, LANE_MIN, laneWeights, partnerFold, rowKey, stageWidth, stepZoom, wiresOf, type Row } from '../../src/protocol/routeLayout';
import type { RouteNode } from '../../src/protocol/routing';
import type { ReportVerdict, RunReport } from '../../src/sim/report';

/** A hand-made call tree: [symbol, lane, children]. */
type T = [string, number, T[]?];
function nodesOf(tree: T[]): RouteNode[] {
  const out: RouteNode[] = [];
  let id = 0;
  const walk = (t: T, depth: number, parent: number | null, parentLane: number | null) => {
    const span = id++;
    out.push({ span, parent, depth, lane: t[1], layer: `l${t[1]}`, symbol: t[0], ret: '0', hop: parentLane !== t[1], values: [`v${span}`], args: { n: span } });
    for (const c of t[2] ?? []) walk(c, depth + 1, span, t[1]);
  };
  for (const t of tree) walk(t, 0, null, null);
  return out;
}
const folds = (rows: Row[]) => rows.filter((r) => r.kind === 'fold').map((r) => (r.kind === 'fold' ? r.fold.label : ''));
const covered = (rows: Row[]) => rows.reduce((s, r) => s + (r.kind === 'fold' ? r.fold.nodes.length : 1), 0);

test('folds: a run of one symbol, a repeated subtree and a repeated group each become one row with a count', () => {
  const kills: T[] = Array.from({ length: 37 }, () => ['kill_proc', 3] as T);
  const subtrees: T[] = Array.from({ length: 512 }, () => ['mf_dax_kill_procs', 1, [['collect_procs_fsdax', 1], ['kill_procs', 1, [['kill_proc', 3]]]]] as T);
  const loop: T[] = [];
  for (let i = 0; i < 4; i++) loop.push(['dax_lock_mapping_entry', 2], ['unmap_and_kill', 1], ['dax_unlock_mapping_entry', 2]);
  const nodes = nodesOf([['memory_failure', 1, [...kills, ['xfs_dax_failure_fn', 2, subtrees], ['mf_dax_kill_procs', 1, loop]]]]);
  const rows = foldRoute(nodes);
  assert.deepEqual(folds(rows), ['kill_proc ×37', 'mf_dax_kill_procs subtree ×512', 'dax_lock_mapping_entry … dax_unlock_mapping_entry ×4']);
  assert.equal(rows.length, 6, rows.map((r) => rowKey(r)).join(' | '));
  assert.equal(covered(rows), nodes.length, 'every call is in a row or in a fold');
  const sub = rows.find((r) => r.kind === 'fold' && r.fold.kind === 'subtree')!;
  assert.ok(sub.kind === 'fold' && sub.fold.nodes.length === 512 * 4 && sub.fold.lanes.join() === '1,3');
  // nothing folds when folding is off, or for two repetitions of a small call
  assert.equal(foldRoute(nodes, { fold: false }).length, nodes.length);
  assert.deepEqual(folds(foldRoute(nodesOf([['a', 0, [['b', 1], ['b', 1]]]]))), []);
  // a run breaks where the shape changes: the owner with callees stays a row of its own
  const mixed = nodesOf([['q', 4, [['fn', 4], ['fn', 4], ['fn', 4], ['fn', 4, [['iget', 3]]], ['fn', 4]]]]);
  assert.deepEqual(folds(foldRoute(mixed)), ['fn ×3']);
});

test('folds: one expands in place (its first call says what folds back), and opening the folds that hold a span shows it', () => {
  const kills: T[] = Array.from({ length: 5 }, () => ['kill_proc', 3, [['send_sig_mceerr', 3]]] as T);
  const nodes = nodesOf([['kill_procs', 1, kills]]);
  const rows = foldRoute(nodes);
  assert.deepEqual(folds(rows), ['kill_proc subtree ×5']);
  const f = rows[1]!;
  assert.ok(f.kind === 'fold');
  const open = foldRoute(nodes, { expanded: new Set([f.fold.id]) });
  assert.equal(open.length, nodes.length);
  assert.ok(open[1]!.kind === 'node' && open[1]!.opened?.id === f.fold.id && open[1]!.opened.count === 5);
  const last = nodes[nodes.length - 1]!.span;
  assert.deepEqual(foldsHolding(nodes, last), [f.fold.id]);
  assert.deepEqual(foldsHolding(nodes, nodes[0]!.span), [], 'a span drawn already needs no fold opened');
  assert.deepEqual(foldsHolding(nodes, 9999), []);
  assert.ok(foldRoute(nodes, { reveal: last }).some((r) => r.kind === 'node' && r.node.span === last));
});

test('folds on a real unbind: the per-page loop and the rmap owners fold, 80 calls in few rows, nothing lost', () => {
  const r = run('unbind-mounted-xfs');
  const v = routeView(r, 'e1');
  // file a's four pages are one summarised run of the kernel (src/sim/mm/memory-failure.ts, daxKillRun): 84 calls, not 104
  // (kill_procs is a call even with nobody to kill, as the kernel's function tracer counts it)
  assert.ok(v.nodes.length > 60, String(v.nodes.length));
  const rows = foldRoute(v.nodes);
  assert.ok(rows.length <= v.nodes.length / 1.75, `${rows.length} rows for ${v.nodes.length} calls`);
  assert.equal(covered(rows), v.nodes.length);
  const labels = folds(rows);
  // seven rmap owners, each its own metadata (a quiet stretch holds one owner's records only)
  assert.ok(labels.includes('xfs_dax_failure_fn ×7'), labels.join(' | '));
  assert.ok(labels.includes('dax_lock_mapping_entry … dax_unlock_mapping_entry ×2'), labels.join(' | '));
  // the owners with files stay rows: their inode is what a reader looks for
  assert.ok(rows.some((x) => x.kind === 'node' && x.node.symbol === 'mf_dax_kill_procs'));
  // every fold can be opened, and then every call is a row
  const all = allFolds(v.nodes);
  assert.ok(all.length >= labels.length);
  assert.equal(foldRoute(v.nodes, { expanded: new Set(all.map((f) => f.id)) }).length, v.nodes.length);
  // a signal sent inside a folded loop is found and shown
  const kp = v.nodes.filter((n) => n.symbol === 'kill_proc').pop()!;
  const ids = foldsHolding(v.nodes, kp.span);
  assert.ok(ids.length >= 1);
  assert.ok(foldRoute(v.nodes, { expanded: new Set(ids) }).some((x) => x.kind === 'node' && x.node.span === kp.span));
});

test('two designs aligned call for call: pairs have the same call, gaps where one design makes none, marks not by colour only', () => {
  const a = routeView(run('reflink-both-mapped', 'upstream'), 'e1');
  const b = routeView(run('reflink-both-mapped', 'page-mapping'), 'e1');
  const d = diffRoutes(a, b);
  const lr = foldRoute(d.left.nodes);
  const rr = foldRoute(d.right.nodes);
  const al = alignRows(lr, rr);
  assert.deepEqual(al.map((x) => x.left).filter(Boolean), lr, 'the left rows in order');
  assert.deepEqual(al.map((x) => x.right).filter(Boolean), rr, 'the right rows in order');
  for (const x of al) {
    if (x.left && x.right) {
      assert.equal(rowKey(x.left), rowKey(x.right));
      assert.notEqual(x.mark, 'only');
    } else assert.equal(x.mark, 'only');
  }
  const mf = al.find((x) => x.left?.kind === 'node' && x.left.node.symbol === 'memory_failure')!;
  assert.equal(mf.mark, 'same');
  assert.ok(mf.right);
  assert.ok(al.some((x) => x.left?.kind === 'node' && x.left.node.symbol === 'xfs_dax_failure_fn' && x.right === null && x.mark === 'only'));
  assert.ok(al.some((x) => x.right && !x.left));
  // a design against itself: every row paired and the same
  const self = alignRows(lr, foldRoute(diffRoutes(a, routeView(run('reflink-both-mapped', 'upstream'), 'e1')).right.nodes));
  assert.ok(self.every((x) => x.mark === 'same' && x.left && x.right));
  // the same count differs: a changed fold; opening one side opens its partner
  const k = (n: number) => nodesOf([['kill_procs', 1, Array.from({ length: n }, () => ['kill_proc', 3] as T)]]);
  const fl = foldRoute(k(37));
  const fr = foldRoute(k(12));
  const pair = alignRows(fl, fr);
  assert.equal(pair.length, 2);
  assert.equal(pair[1]!.mark, 'changed');
  assert.ok(pair[1]!.left?.kind === 'fold' && pair[1]!.right?.kind === 'fold');
  assert.equal(partnerFold(pair, 'left', (pair[1]!.left as Extract<Row, { kind: 'fold' }>).fold.id), (pair[1]!.right as Extract<Row, { kind: 'fold' }>).fold.id);
});

test('wires and box widths: a wire per drawn caller, a box widens only over lanes no wire runs down at its row', () => {
  const v = routeView(run('reflink-both-mapped'), 'e1');
  const rows = foldRoute(v.nodes);
  const wires = wiresOf(rows);
  for (const w of wires) {
    assert.ok(w.from < w.to);
    assert.equal(w.hop, w.fromLane !== w.toLane);
  }
  assert.equal(wires.length, rows.filter((r) => (r.kind === 'node' ? r.node : r.fold.head).parent !== null).length);
  const spans = boxSpans(rows, v.lanes.length);
  rows.forEach((r, i) => {
    const lane = r.kind === 'node' ? r.node.lane : r.fold.head.lane;
    assert.ok(spans[i]! >= 1 && lane + spans[i]! <= v.lanes.length);
    for (const w of wires) {
      for (let extra = lane + 1; extra < lane + spans[i]!; extra++) {
        if (w.hop && w.toLane === extra) assert.ok(!(w.from < i && i < w.to), `row ${i} covers the drop into lane ${extra}`);
        if (!w.hop && w.fromLane === extra) assert.ok(!(w.from < i && i < w.to), `row ${i} covers a spine in lane ${extra}`);
      }
    }
  });
  assert.ok(spans.some((s) => s > 1), 'some boxes widen');
  // gaps (rows of the other design) have no wires
  assert.deepEqual(wiresOf([null, null]), []);
});

test('zoom: fit never enlarges, 11 lanes fit 1,600 px, steps are ordered, the stage never overflows the view at fit', () => {
  assert.equal(fitZoom(7, 1600), 1);
  assert.ok(11 * LANE_MIN <= 1600 - 320, 'all 11 lanes fit 1,600 px at 100% with a verdict panel beside them');
  for (const [lanes, w] of [[11, 900], [11, 1232], [3, 300], [11, 200]] as const) {
    const z = fitZoom(lanes, w, 26);
    const sw = stageWidth(lanes, w, z, 26);
    assert.ok(z <= 1 && z >= 0.25);
    if (z > 0.25) assert.ok(sw * z <= w + 1e-9, `${lanes} lanes in ${w}px: stage ${sw} at ${z}`);
  }
  // the processes lane is half as wide again; 11 lanes weigh 11.5 and still fit 1,600 px with the verdicts beside
  assert.deepEqual(laneWeights([{ id: 'mm' }, { id: 'process' }]), [1, 1.5]);
  const w11 = laneWeights(LANES).reduce((a, b) => a + b, 0);
  assert.equal(w11, 11.5);
  assert.ok(w11 * LANE_MIN <= 1600 - 280);
  assert.equal(stepZoom(1, 1), 1.1);
  assert.equal(stepZoom(1, -1), 0.9);
  assert.equal(stepZoom(0.77, 1), 0.8);
  assert.equal(stepZoom(3, 1), 3);
  assert.equal(stepZoom(0.25, -1), 0.25);
});

test('verdicts travel with the route: the event\'s own, under its design', () => {
  const r: RunReport = structuredClone(run('reflink-both-mapped'));
  const v1: ReportVerdict = { event: 'e1', owner: { file: '/mnt/pmem/b', start: 0, end: 4096 }, pid: 1002, comm: 'watcher', mapping: 'm0', addr: ['0x7f0000000000', '0x7f0000001000'], outcome: 'none', reason: 'the mapping has no page-table entry for the page: collect_procs_fsdax skips it', symbol: 'collect_procs_fsdax', span: r.spans.find((s) => s.event === 'e1' && s.symbol === 'kill_proc')!.id };
  r.verdicts = [v1, { ...v1, event: 'e9', pid: 1 }];
  const v = routeView(r, 'e1');
  assert.deepEqual(v.verdicts, [v1]);
  assert.ok(v.nodes.some((n) => n.span === v1.span));
  // the node carries every argument of its span for the detail strip
  const kp = v.nodes.find((n) => n.symbol === 'kill_proc')!;
  assert.deepEqual(kp.args, r.spans.find((s) => s.id === kp.span)!.args);
  const empty = routeView({ ...r, verdicts: [] }, 'e1');
  assert.deepEqual(empty.verdicts, []);
});
