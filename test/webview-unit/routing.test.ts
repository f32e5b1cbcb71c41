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
