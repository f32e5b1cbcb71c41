// The extension's pure models on the built-in scenarios: the Devices tree,
// the owners (fsmap) view, addresses in every unit, the hand-action checks,
// hover targets, event rows and routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LabSession } from '../../src/extension/model/session';
import { buildDevicesTree, devicesText, findNode, type DeviceNode } from '../../src/extension/model/devices';
import { ownersOf, ownersText, killMode } from '../../src/extension/model/owners';
import { placeSpa, unitRows, unitsText } from '../../src/extension/model/addresses';
import { fsmap, fsmapLine, xfsGeometry, xfsModelOf } from '../../src/extension/model/xfsView';
import {
  accessEvent,
  checkLength,
  checkValue,
  formsFor,
  ioEvent,
  namespaceEvent,
  objectsFor,
  parseAmount,
  poisonEvent,
  punchEvent,
  scrubEvent,
} from '../../src/extension/model/actions';
import { eventLines, hoverAddress, pairAt, tokenEnd } from '../../src/extension/model/scenarioText';
import { dmesgLevel, eventRows, eventSpanTrees, flattenSpans, routeLines } from '../../src/extension/model/route';
import type { Machine } from '../../src/sim/machine';

const ROOT = resolve(__dirname, '..', '..', '..');
const read = (name: string) => readFileSync(join(ROOT, 'scenarios', `${name}.poison.yaml`), 'utf8');
const open = (name: string) => LabSession.open(read(name), `${name}.poison.yaml`);

function flat(nodes: readonly DeviceNode[]): DeviceNode[] {
  return nodes.flatMap((n) => [n, ...flat(n.children)]);
}

// reflink-both-mapped: region0 at 0x240000000, namespace data from 0x241200000, testfile at daddr 192
const FIRST_PAGE = 0x241218000;

test('devices tree: the stack from region to files, nothing marked before any event', () => {
  const s = open('reflink-both-mapped');
  const roots = buildDevicesTree(s.machine);
  const text = devicesText(roots);
  assert.match(text, /^region0 {2}— 0x240000000–0x27fffffff · 1GiB {2}\[daxRegion\]/);
  assert.match(text, /namespace0\.0 {2}— fsdax · 1GiB/);
  assert.match(text, /\/dev\/pmem0/);
  assert.match(text, /dax pmem0 {2}— alive · holder xfs_dax_holder_operations \(\/mnt\/pmem\)/);
  assert.match(text, /\/mnt\/pmem {2}— xfs on pmem0/);
  assert.match(text, /testfile {2}— 64KiB · inode 131 · reflinked · 1 mapping/);
  assert.match(text, /poisonfile {2}— 64KiB · inode 132 · reflinked · 2 mappings/);
  assert.ok(!/errorForeground/.test(text), text);
  // ids are stable across rebuilds
  assert.deepEqual(flat(roots).map((n) => n.id), flat(buildDevicesTree(s.machine)).map((n) => n.id));
});

test('devices tree after MADV_HWPOISON: the page, and both reflinked files, marked', () => {
  const s = open('reflink-both-mapped');
  s.step();
  const all = flat(buildDevicesTree(s.machine));
  const page = all.find((n) => n.kind === 'hwpoison')!;
  assert.equal(page.label, 'pfn 0x241218');
  assert.equal(page.target!.spa, FIRST_PAGE);
  assert.match(page.tooltip, /\| owner \| `\/mnt\/pmem\/testfile \(inode 131\) @ file offset 0x0, reflinked` \|/);
  for (const f of all.filter((n) => n.kind === 'file')) {
    assert.equal(f.color, 'list.errorForeground');
    assert.equal(f.children[0]!.label, 'PageHWPoison pfn 0x241218 (4KiB)');
    assert.equal(f.children[0]!.description, 'file offset 0x0');
  }
});

test('devices tree: latent media errors, badblocks after a scrub, poisoned metadata', () => {
  // corrupt-pfn on the superblock: the filesystem shuts down (and the page is not left poisoned)
  const s = open('xfs-metadata-shutdown');
  s.step();
  const fsNode = flat(buildDevicesTree(s.machine)).find((n) => n.kind === 'fs')!;
  assert.equal(fsNode.color, 'list.errorForeground');
  assert.equal(fsNode.icon, 'error');
  // a badblock on the superblock: poisoned metadata
  const m = open('reflink-both-mapped');
  m.step();
  m.act({ do: 'media-error', device: 'pmem0', sector: 0 });
  m.act({ do: 'scrub' });
  const meta = flat(buildDevicesTree(m.machine)).find((n) => n.id === '/mnt/pmem/meta')!;
  assert.equal(meta.description, 'static fs metadata');
  const fresh = open('reflink-both-mapped');
  fresh.step();
  fresh.act({ do: 'media-error', spa: '0x241220000', length: 64 });
  let nodes = flat(buildDevicesTree(fresh.machine));
  const media = nodes.find((n) => n.kind === 'media')!;
  assert.equal(media.description, 'latent: not yet known to the kernel');
  fresh.act({ do: 'scrub' });
  nodes = flat(buildDevicesTree(fresh.machine));
  assert.equal(nodes.find((n) => n.kind === 'media')!.description, 'known (badrange)');
  const bb = nodes.find((n) => n.id === 'pmem0/bb')!;
  assert.equal(bb.description, '1 range · 1 sector (512B)');
  assert.match(bb.tooltip, /```\n256 1\n```/);
  assert.equal(findNode(buildDevicesTree(fresh.machine), 'pmem0/bb')!.children[0]!.label, 'badblock sector 256 +1 sector (512B)');
});

test('devices tree after unbind: namespace unbound, dax dead, filesystem shut down', () => {
  const s = open('unbind-mounted-xfs');
  s.step();
  const all = flat(buildDevicesTree(s.machine));
  assert.equal(all.find((n) => n.kind === 'namespace')!.contextValue, 'daxNamespaceUnbound');
  assert.match(all.find((n) => n.kind === 'dax')!.description!, /dead/);
  assert.match(all.find((n) => n.kind === 'fs')!.description!, /shut down \(SHUTDOWN_FORCE_UMOUNT\)/);
});

test('xfs view: geometry and fsmap of the whole filesystem as xfs_io lists it', () => {
  const s = open('reflink-both-mapped');
  const sb = s.machine.k.superblocks[0]!;
  const x = xfsModelOf(sb)!;
  assert.ok(x);
  const g = xfsGeometry(x, sb.bdev.size);
  assert.equal(g.agcount, 4);
  assert.equal(g.blockSize, 4096);
  const map = fsmap(sb, 0, Infinity, true)!;
  const owners = new Set(map.records.map((r) => r.ownerText));
  for (const o of ['static fs metadata', 'per-AG metadata', 'inode btree', 'inodes', 'refcount btree', 'journalling log', 'inode 131', 'inode 132']) assert.ok(owners.has(o), `${o}: ${[...owners].join(', ')}`);
  const t = map.records.find((r) => r.owner === 131)!;
  assert.equal(t.daddr, 192);
  assert.equal(t.bblen, 128);
  assert.equal(t.shared, true);
  assert.equal(t.path, '/mnt/pmem/testfile');
  assert.equal(fsmapLine(8, t), '   8: [192..319]: inode 131  [0..127]  AG 0 (24..39)  128');
  // free space fills the gaps; nothing overlaps but reflinked data
  assert.ok(map.free.length > 0);
});

test('owners of a page: both reflink sharers, their mappers with prot, kill mode and PTEs', () => {
  const s = open('reflink-both-mapped');
  const r = ownersOf(s.machine, { spa: FIRST_PAGE, len: 4096, title: 'first page' });
  const files = r.entries.filter((e) => e.kind === 'inode');
  assert.deepEqual(files.map((e) => e.label), ['/mnt/pmem/testfile', '/mnt/pmem/poisonfile']);
  const pf = files[1]!;
  assert.deepEqual(pf.mappers.map((m) => `${m.comm}:${m.pid} ${m.mapping} ${m.prot} ${m.flags} ${m.kill} ${m.ptePages}/${m.pages}`), ['injector:1001 m0 rw shared early 0/1', 'watcher:1002 m0 rw shared early 1/1']);
  assert.equal(pf.fileStart, 0);
  assert.equal(pf.fileEnd, 4096);
  // the struct page says "shared": page->mapping names no single owner
  assert.ok(r.entries.some((e) => e.kind === 'page' && /PAGE_MAPPING_DAX_SHARED/.test(e.label)));
  assert.match(ownersText(r), /injector:1001 m0 \[0x7f0000000000, 0x7f0000001000\) rw shared · early kill/);
});

test('owners of metadata, of free space, and of the namespace info block', () => {
  const s = open('reflink-both-mapped');
  const m = s.machine;
  const meta = ownersOf(m, { spa: 0x241200000, len: 512, title: 'sector 0' });
  assert.deepEqual(meta.entries.filter((e) => e.kind !== 'page').map((e) => e.label), ['static fs metadata']);
  const reserve = ownersOf(m, { spa: 0x240001000, len: 4096, title: 'info block' });
  assert.equal(reserve.entries[0]!.kind, 'reserve');
  const nowhere = ownersOf(m, { spa: 0x1000, len: 4096, title: 'low memory' });
  assert.match(nowhere.note!, /no persistent-memory region/);
});

test('kill mode follows prctl, then vm.memory_failure_early_kill', () => {
  const s = open('unbind-mounted-xfs');
  const [late, early, bystander] = s.machine.k.tasks;
  assert.equal(killMode(s.machine, early!).kill, 'early');
  assert.equal(killMode(s.machine, late!).kill, 'late');
  assert.match(killMode(s.machine, bystander!).why, /vm\.memory_failure_early_kill=0/);
  s.setKernel({ earlyKill: true });
  assert.equal(killMode(s.machine, s.machine.k.tasks[2]!).kill, 'early');
});

test('an address in every unit', () => {
  const s = open('reflink-both-mapped');
  const p = placeSpa(s.machine, FIRST_PAGE + 0x200);
  assert.equal(p.pfn, 0x241218);
  assert.equal(p.nsOffset, 0x1218200);
  assert.equal(p.devOffset, 0x18200);
  assert.equal(p.sector, 193);
  assert.equal(p.daddr, 193);
  assert.equal(p.agno, 0);
  assert.equal(p.agbno, 24);
  const text = unitsText(unitRows(s.machine, FIRST_PAGE + 0x200));
  assert.match(text, /^SPA +0x241218200$/m);
  assert.match(text, /^sector +pmem0 sector 193$/m);
  assert.match(text, /^fsb +24 = AG 0 block 24$/m);
  assert.match(text, /^owner +\/mnt\/pmem\/testfile \(inode 131\) @ file offset 0x200, reflinked$/m);
  assert.match(text, /^owner +\/mnt\/pmem\/poisonfile \(inode 132\) @ file offset 0x200, reflinked$/m);
  assert.match(unitsText(unitRows(s.machine, 0x10)), /^region +none/m);
});

test('hand actions: answers out of range are refused with the reason', () => {
  const s = open('reflink-both-mapped');
  const m: Machine = s.machine;
  assert.deepEqual(formsFor('madvise-hwpoison'), ['process']);
  assert.equal(objectsFor(m, 'process').length, 3);
  const bad = (c: { ok: boolean; reason?: string; value?: unknown }) => (c.ok ? `ok ${String(c.value)}` : c.reason!);
  assert.match(bad(parseAmount('lots', 'length')), /is not a number/);
  assert.equal(bad(parseAmount('4KiB', 'length')), 'ok 4096');
  assert.match(bad(checkValue(m, 'spa', undefined, '0x1000')), /which no region owns/);
  assert.match(bad(checkValue(m, 'namespace', 'namespace0.0', '0x80000000')), /beyond namespace namespace0\.0/);
  assert.match(bad(checkValue(m, 'device', 'pmem0', '99999999')), /beyond pmem0/);
  assert.match(bad(checkValue(m, 'file', '/mnt/pmem/testfile', '0x10000')), /not backed|beyond/);
  assert.match(bad(checkValue(m, 'process', 1000, '0x1000')), /no mapping at 0x1000/);
  assert.match(bad(checkValue(m, 'process', 1000, '0x7f0000000800', 'madvise-hwpoison')), /page-aligned/);
  assert.equal(bad(checkValue(m, 'process', 1000, '0x7f0000000800')), `ok ${0x7f0000000800}`);
  const tgt = { form: 'file' as const, object: '/mnt/pmem/testfile', value: 0xf000 };
  assert.match(bad(checkLength(m, 'media-error', tgt, '8KiB')), /runs past the end of \/mnt\/pmem\/testfile/);
  assert.match(bad(checkLength(m, 'media-error', tgt, '0')), /at least 1 byte/);
  assert.match(bad(checkLength(m, 'media-error', { form: 'spa', value: 0x27ffffff0 }, '0x100')), /runs past the end of region0/);
});

test('hand actions: the events they append', () => {
  const s = open('reflink-both-mapped');
  const m = s.machine;
  const ev = (c: { ok: boolean; value?: unknown; reason?: string }) => {
    assert.ok(c.ok, c.reason);
    return c.value;
  };
  assert.deepEqual(ev(poisonEvent(m, { kind: 'media-error', target: { form: 'namespace', object: 'namespace0.0', value: 0x1218000 }, length: 64 })), { do: 'media-error', namespace: 'namespace0.0', offset: '0x1218000', length: 64 });
  assert.deepEqual(ev(poisonEvent(m, { kind: 'inject-error', target: { form: 'spa', value: FIRST_PAGE }, length: 4096 })), { do: 'inject-error', namespace: 'namespace0.0', block: 192, count: 8, notify: true });
  assert.deepEqual(ev(poisonEvent(m, { kind: 'corrupt-pfn', target: { form: 'file', object: '/mnt/pmem/testfile', value: 0 } })), { do: 'corrupt-pfn', pfn: '0x241218' });
  assert.deepEqual(ev(poisonEvent(m, { kind: 'ghes', target: { form: 'device', object: 'pmem0', value: 192 }, sync: true })), { do: 'ghes', device: 'pmem0', sector: 192, sync: true });
  assert.deepEqual(ev(poisonEvent(m, { kind: 'madvise-hwpoison', target: { form: 'process', object: 1001, value: 0x7f0000000000 } })), { do: 'madvise-hwpoison', process: 1001, addr: '0x7f0000000000', length: 4096 });
  const r = poisonEvent(m, { kind: 'inject-error', target: { form: 'namespace', object: 'namespace0.0', value: 0x1000 } });
  assert.ok(!r.ok && /info block/.test(r.reason), JSON.stringify(r));
  assert.deepEqual(ev(accessEvent(m, { do: 'load', process: 1000, addr: 0x7f0000000000 })), { do: 'load', process: 1000, addr: '0x7f0000000000', length: 8 });
  assert.deepEqual(ev(ioEvent(m, { do: 'read', process: 1000, file: '/mnt/pmem/testfile', offset: 0, length: 4096 })), { do: 'read', process: 1000, file: '/mnt/pmem/testfile', offset: 0, length: 4096 });
  assert.deepEqual(ev(punchEvent(m, { process: 1000, file: '/mnt/pmem/testfile', offset: 0, length: 4096 })), { do: 'punch-hole', process: 1000, file: '/mnt/pmem/testfile', offset: 0, length: 4096 });
  assert.deepEqual(ev(scrubEvent(m)), { do: 'scrub' });
  assert.ok(!scrubEvent(m, 'region9').ok);
  assert.deepEqual(ev(namespaceEvent(m, 'unbind', 'namespace0.0')), { do: 'unbind', namespace: 'namespace0.0' });
  // and each one runs
  for (const e of [
    { do: 'media-error', namespace: 'namespace0.0', offset: '0x1218000', length: 64 },
    { do: 'scrub' },
    { do: 'load', process: 1000, addr: '0x7f0000000000', length: 8 },
    { do: 'corrupt-pfn', pfn: '0x241230' },
    { do: 'ghes', device: 'pmem0', sector: 200, sync: false },
    { do: 'read', process: 1000, file: '/mnt/pmem/testfile', offset: 0x8000, length: 4096 },
    { do: 'punch-hole', process: 1000, file: '/mnt/pmem/testfile', offset: 0xc000, length: 4096 },
    { do: 'clear-errors', namespace: 'namespace0.0' },
    { do: 'unbind', namespace: 'namespace0.0' },
  ]) {
    if (s.pending) s.discardPending();
    s.act(e);
  }
  assert.ok(!namespaceEvent(s.machine, 'unbind', 'namespace0.0').ok);
});

test('hover targets read a value in the units its field implies', () => {
  const text = read('reflink-both-mapped');
  const s = LabSession.open(text, 'r.poison.yaml');
  const at = (needle: string, skip = 2) => text.indexOf(needle) + skip;
  const h1 = hoverAddress(s.machine, text, at('addr: 0x7f0000000000', 8))!;
  assert.equal(h1.what, 'process 1001 address 0x7f0000000000');
  assert.equal(h1.spa, FIRST_PAGE);
  const h2 = hoverAddress(s.machine, text, at('spa: 0x240000000', 8))!;
  assert.equal(h2.what, 'region region0 start');
  assert.equal(h2.spa, 0x240000000);
  assert.equal(pairAt(text, at('comm: reader', 7))?.key, 'comm');
  assert.equal(hoverAddress(s.machine, text, at('comm: reader', 7)), undefined);
  const scrub = read('scrub-and-heal');
  const s2 = LabSession.open(scrub, 's.poison.yaml');
  const h3 = hoverAddress(s2.machine, scrub, scrub.indexOf('offset: 4160') + 9)!;
  assert.equal(h3.what, '/mnt/pmem/f offset 0x1040');
  assert.ok(h3.spa! > 0x240000000);
  assert.equal(tokenEnd('    - { id: x, size: lots }', 22), 26);
  assert.deepEqual(eventLines(scrub).length, LabSession.open(scrub, 's.poison.yaml').events.length);
});

test('event rows and routes', () => {
  const s = open('unbind-mounted-xfs');
  s.step();
  const rows = eventRows(s.events, s.report, s.cursor, s.sourceEventCount);
  assert.deepEqual(rows.map((r) => r.state), ['done', 'next', 'pending']);
  assert.equal(rows[0]!.signals.length, 2);
  const spans = flattenSpans(eventSpanTrees(s.report, 'e1'));
  assert.match(spans[0]!.span.symbol, /^unbind(_store)?$/);
  assert.ok(spans.some((n) => n.span.symbol === 'kill_dax'));
  const lines = routeLines(s.report, s.events[0], 'e1');
  assert.match(lines[0]!.text, /^e1 unbind {2}\(design upstream\)/);
  const linked = lines.find((l) => l.symbol === 'dax_holder_notify_failure')!;
  assert.equal(linked.text.slice(linked.symbolAt!, linked.symbolAt! + linked.symbol!.length), 'dax_holder_notify_failure');
  assert.ok(lines.some((l) => /^ {2}ok {4}signal/.test(l.text)));
  assert.equal(routeLines(s.report, s.events[2], 'e3')[1]!.text, '  not run yet');
});

test('dmesg lines get a log level', () => {
  const s = open('xfs-metadata-shutdown');
  s.step();
  const levels = new Map([...s.report.dmesg].map((l) => [l, dmesgLevel(l)]));
  assert.ok([...levels].some(([l, v]) => /Shutting down filesystem/.test(l) && v === 'error'), JSON.stringify([...levels]));
  assert.equal(dmesgLevel('Memory failure: 0x241218: recovery action for dax page: Recovered'), 'warn');
  assert.equal(dmesgLevel('pmem0: detected capacity change'), 'info');
});

test('device-dax: the device in the tree, its owner is the device inode and its mappers', () => {
  const text = `version: 1
name: devdax
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 1GiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: devdax, align: 2MiB, device: dax0.0 } ]
processes:
  - { pid: 1, comm: a, mappings: [ { id: m0, device: /dev/dax0.0, length: 4MiB, populate: true } ] }
events: []
`;
  let s: LabSession;
  try {
    s = LabSession.open(text, 'd.poison.yaml');
  } catch (e) {
    // device-dax not modelled by this build of the simulator
    assert.match((e as Error).message, /devdax|device-dax|not modelled/);
    return;
  }
  const dax = flat(buildDevicesTree(s.machine)).find((n) => n.label === '/dev/dax0.0')!;
  assert.ok(dax, devicesText(buildDevicesTree(s.machine)));
  assert.match(dax.description!, /device-dax · align 2MiB · alive · 1 mapping/);
  const r = ownersOf(s.machine, { spa: dax.target!.spa + 0x3000, len: 4096, title: 'p' });
  assert.equal(r.entries[0]!.label, '/dev/dax0.0');
  assert.deepEqual(r.entries[0]!.mappers.map((x) => `${x.comm}:${x.pid}`), ['a:1']);
  assert.match(unitsText(unitRows(s.machine, dax.target!.spa + 0x3000)), /device-dax/);
});

test('a filesystem without a reverse map (ext4): file owners through the block map', () => {
  const file = join(ROOT, 'oracle', 'scenarios', 'ext4-dax.poison.yaml');
  let s: LabSession;
  try {
    s = LabSession.open(readFileSync(file, 'utf8'), file);
  } catch (e) {
    assert.match((e as Error).message, /ext4|not modelled/);
    return;
  }
  const sb = s.machine.k.superblocks[0]!;
  assert.equal(sb.spec.type, 'ext4');
  const files = flat(buildDevicesTree(s.machine)).filter((n) => n.kind === 'file');
  assert.ok(files.length > 0);
  const f = files[0]!;
  assert.ok(f.target, `${f.label} has blocks`);
  const r = ownersOf(s.machine, { spa: f.target!.spa, len: 4096, title: f.label });
  assert.match(r.note!, /no reverse map/);
  assert.ok(r.entries.some((e) => e.kind === 'inode' && e.label === f.ref!.file), ownersText(r));
});
