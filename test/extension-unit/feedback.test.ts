// What the lab says after an action and what the status bar counts, the
// verdict rows of the Events and Owners views (on hand-built verdicts until
// the simulator fills report.verdicts), the unbound namespaces no pick
// offers, the badblock and PageHWPoison rows of a file, units everywhere,
// and where a path argument may write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LabSession } from '../../src/extension/model/session';
import { buildDevicesTree, findNode, type DeviceNode } from '../../src/extension/model/devices';
import { badMemory, eventOutcome, fsState, newShutdowns, statusText, verdictCounts, verdictForMapping, verdictRows } from '../../src/extension/model/feedback';
import { checkValue, namespaceEvent, objectsFor, poisonEvent, removedObjects, unboundBy } from '../../src/extension/model/actions';
import { routeLines, timeText } from '../../src/extension/model/route';
import { confineToWorkspace, isInside, normalizePath, perfettoDefault } from '../../src/extension/model/paths';
import type { ReportVerdict, RunReport } from '../../src/sim/report';

const ROOT = resolve(__dirname, '..', '..', '..');
const open = (name: string) => LabSession.open(readFileSync(join(ROOT, 'scenarios', `${name}.poison.yaml`), 'utf8'), `${name}.poison.yaml`);
const flat = (nodes: readonly DeviceNode[]): DeviceNode[] => nodes.flatMap((n) => [n, ...flat(n.children)]);

/** the verdicts of reflink-both-mapped e1 as docs/verdicts.md describes them, made by hand */
function handVerdicts(): ReportVerdict[] {
  const owner = (file: string) => ({ file, start: 0, end: 0x1000 });
  const base = { event: 'e1', addr: ['0x7f0000000000', '0x7f0000001000'] as [string, string], mapping: 'm0' };
  return [
    { ...base, owner: owner('/mnt/pmem/poisonfile'), pid: 1002, comm: 'watcher', outcome: 'none', reason: 'the watcher holds no page-table entry for the page, so __add_to_kill finds no address to signal', symbol: '__add_to_kill', span: 17 },
    { ...base, owner: owner('/mnt/pmem/poisonfile'), pid: 1001, comm: 'injector', outcome: 'AR', reason: 'the injector is the current task and touched the page', symbol: 'kill_proc', span: 15, code: 'BUS_MCEERR_AR', sigAddr: '0x7f0000000000', lsb: 12 },
    { ...base, owner: owner('/mnt/pmem/testfile'), pid: 1000, comm: 'reader', outcome: 'AO', reason: 'the reader asked for early kill (PR_MCE_KILL_EARLY)', symbol: 'kill_proc', span: 12, code: 'BUS_MCEERR_AO', sigAddr: '0x7f0000000000', lsb: 12 },
  ];
}

function withVerdicts(report: RunReport, verdicts: ReportVerdict[]): RunReport {
  return { ...report, verdicts };
}

test('verdict counts: by outcome, loudest first', () => {
  assert.equal(verdictCounts(handVerdicts()), '3 verdicts: 1 AR, 1 AO, 1 none');
  assert.equal(verdictCounts([]), 'no verdicts');
  assert.equal(verdictCounts(handVerdicts().slice(0, 1)), '1 verdict: 1 none');
});

test('the outcome of a step: result, each signal, the verdict count', () => {
  const s = open('reflink-both-mapped');
  const before = fsState(s.report);
  s.step();
  const text = eventOutcome(withVerdicts(s.report, handVerdicts()), 'e1', { before });
  assert.match(text, /^e1 madvise-hwpoison = 0 · /);
  assert.match(text, /SIGBUS BUS_MCEERR_AR to injector:1001 at 0x7f0000000000 lsb 12/);
  assert.match(text, /BUS_MCEERR_AO to reader:1000/);
  assert.match(text, /3 verdicts: 1 AR, 1 AO, 1 none$/);
  assert.ok(!/shut down/.test(text), text);
  // a hand action says what was asked and that it was by hand
  const h = s.act({ do: 'scrub' });
  assert.match(eventOutcome(s.report, h.event.id, { what: 'scrub', hand: true }), /^e2 scrub \(by hand\) = 0 · no signal sent · no verdicts$/);
});

test('the outcome of an unbind names the filesystem it shut down', () => {
  const s = open('unbind-mounted-xfs');
  const before = fsState(s.report);
  s.step();
  const text = eventOutcome(s.report, 'e1', { before });
  assert.match(text, /\/mnt\/pmem shut down \(SHUTDOWN_FORCE_UMOUNT\)/);
  assert.deepEqual(newShutdowns({ '/a': null, '/b': 'X' }, { '/a': 'SHUTDOWN_CORRUPT_ONDISK', '/b': 'X' }), ['/a shut down (SHUTDOWN_CORRUPT_ONDISK)']);
});

test('verdict rows: badge, pid:comm mapping, owner range, symbol, reason in the tooltip', () => {
  const s = open('reflink-both-mapped');
  s.step();
  const report = withVerdicts(s.report, handVerdicts());
  const rows = verdictRows(report, 'e1');
  assert.deepEqual(rows.map((r) => r.label), ['AR  injector:1001 m0', 'AO  reader:1000 m0', 'none  watcher:1002 m0']);
  const none = rows[2]!;
  assert.equal(none.description, '/mnt/pmem/poisonfile [0x0, 0x1000) · __add_to_kill');
  assert.equal(none.icon, 'circle-slash');
  assert.match(none.tooltip, /no page-table entry/);
  assert.match(none.tooltip, /decided by `__add_to_kill`, in span 17[ .]/);
  assert.match(none.aria, /^verdict none for watcher:1002 m0: /);
  assert.match(rows[0]!.tooltip, /^\*\*AR\*\* — SIGBUS BUS_MCEERR_AR: the task touched the poison \(action required\) \(si_addr 0x7f0000000000, si_addr_lsb 12\)/);
  assert.equal(rows[0]!.color, 'list.errorForeground');
  assert.deepEqual(verdictRows(report, 'e2'), []);
  // the Owners view: one mapping's verdict, preferring the owner's file
  assert.equal(verdictForMapping(report, 'e1', 1002, 'm0', '/mnt/pmem/poisonfile')!.outcome, 'none');
  assert.equal(verdictForMapping(report, 'e1', 1000, 'm0')!.outcome, 'AO');
  // the Owners view of another page of the same file: e1 said nothing about it
  assert.equal(verdictForMapping(report, 'e1', 1000, 'm0', '/mnt/pmem/testfile', [0x4000, 0x5000]), undefined);
  assert.equal(verdictForMapping(report, 'e1', 1000, 'm0', '/mnt/pmem/testfile', [0x0, 0x1000])!.outcome, 'AO');
  assert.equal(verdictForMapping(report, 'e1', 999, 'm0'), undefined);
});

test('the real verdicts of reflink-both-mapped e1: the watcher is told nothing, decided by __add_to_kill', () => {
  const s = open('reflink-both-mapped');
  const before = fsState(s.report);
  s.step();
  assert.match(eventOutcome(s.report, 'e1', { before }), / · 3 verdicts: 1 AR, 1 AO, 1 none$/);
  const rows = verdictRows(s.report, 'e1');
  assert.deepEqual(rows.map((r) => r.label), ['AR  injector:1001 m0', 'AO  reader:1000 m0', 'none  watcher:1002 m0']);
  const w = rows[2]!;
  assert.equal(w.verdict.symbol, '__add_to_kill');
  assert.equal(w.description, '/mnt/pmem/poisonfile [0x0, 0x1000) · __add_to_kill');
  assert.match(w.tooltip, /no page-table entry/);
  // the span that decided is collect_procs_fsdax's, which called __add_to_kill
  assert.equal(s.report.spans.find((x) => x.id === w.verdict.span)?.symbol, 'collect_procs_fsdax');
  assert.ok(w.tooltip.includes(`decided by \`__add_to_kill\`, in span ${w.verdict.span} (\`collect_procs_fsdax\`)`), w.tooltip);
  assert.equal(verdictForMapping(s.report, 'e1', 1002, 'm0', '/mnt/pmem/poisonfile')!.outcome, 'none');
});

test('status bar: media errors (bytes), badblock sectors and PageHWPoison pages, each with its unit', () => {
  const s = open('reflink-both-mapped');
  let b = badMemory(s.machine, s.report);
  assert.equal(statusText('upstream', b), 'upstream · no bad media · 0 badblock sectors · 0 poisoned pages');
  s.step(); // MADV_HWPOISON: one page
  s.act({ do: 'inject-error', namespace: 'namespace0.0', block: 200, count: 1, notify: true });
  s.act({ do: 'media-error', spa: '0x241230000', length: 64 });
  b = badMemory(s.machine, s.report);
  assert.deepEqual([b.media, b.badblocks.sectors, b.hwpoison.pages], [{ ranges: 2, bytes: 576 }, 1, 1]);
  assert.equal(b.text, '2 media errors (576B) · 1 badblock sector (512B) · 1 PageHWPoison page');
  assert.equal(statusText('upstream', b), 'upstream · bad media 576B · 1 badblock sector · 1 poisoned page');
  assert.match(b.tooltip[0]!, /^\*\*media errors\*\*: 2 ranges, 576B — /);
  assert.match(b.tooltip[1]!, /1 sector of 512 B \(512B\) in 1 range on pmem0 \(200 1\)/);
  assert.match(b.tooltip[2]!, /1 page of 4KiB \(pfn 0x241218\) — struct pages with PG_hwpoison/);
});

test('status bar: bad media outside any NVDIMM region (CXL RAM, a memdev\'s poison) is counted too', () => {
  const s = open('cxl-ram-skip-poison-list');
  while (!s.atEnd) s.step();
  let all = 0;
  for (const [a, e] of s.machine.k.platform.media.query(0, Number.MAX_SAFE_INTEGER)) all += e - a;
  const inRegions = s.machine.k.platform.regions.reduce((n, r) => n + [...s.machine.k.platform.media.query(r.ndrStart, r.ndrStart + r.ndrSize)].reduce((x, [a, e]) => x + e - a, 0), 0);
  assert.ok(all > inRegions, `some bad media lies outside the NVDIMM regions (${all} B in all, ${inRegions} B in them)`);
  const b = badMemory(s.machine, s.report);
  assert.equal(b.media.bytes, all);
  assert.match(statusText('upstream', b), new RegExp(`^upstream · bad media ${all}B · `));
});

test('after an unbind: the namespace and its device are not offered, and answers naming them are refused', () => {
  const s = open('reflink-both-mapped');
  s.step();
  s.act({ do: 'unbind', namespace: 'namespace0.0' });
  const m = s.machine;
  const gone = unboundBy(s.events, s.cursor);
  assert.deepEqual([...gone], [['namespace0.0', 'e2']]);
  assert.deepEqual(objectsFor(m, 'namespace'), []);
  assert.deepEqual(objectsFor(m, 'device'), []);
  assert.deepEqual(removedObjects(m, 'device', gone).map((x) => `${x.label}: ${x.detail}`), ['pmem0: namespace0.0 was unbound by e2 (/dev/pmem0 is gone)']);
  // typed: the device, the namespace
  const dev = checkValue(m, 'device', 'pmem0', '8', 'inject-error', gone);
  assert.deepEqual(dev, { ok: false, reason: 'device pmem0: namespace0.0 was unbound by e2 (/dev/pmem0 is gone); pick a bound device' });
  const ns = checkValue(m, 'namespace', 'namespace0.0', '0x1300000', 'media-error', gone);
  assert.equal(ns.ok, false);
  assert.match(!ns.ok ? ns.reason : '', /^namespace namespace0\.0: namespace0\.0 was unbound by e2/);
  // a physical address in it: refused for what goes through the driver, not for a media error
  const spa = checkValue(m, 'spa', undefined, '0x241230000', 'corrupt-pfn', gone);
  assert.equal(spa.ok, false);
  assert.match(!spa.ok ? spa.reason : '', /^address 0x241230000 \(0x241230000\): in namespace0\.0 was unbound by e2/);
  assert.equal(checkValue(m, 'spa', undefined, '0x241230000', 'media-error', gone).ok, true);
  // a file on it resolves into it: refused too
  const file = checkValue(m, 'file', '/mnt/pmem/testfile', '0', 'ghes', gone);
  assert.equal(file.ok, false);
  // the request itself (an argument, not typed) is refused the same way
  const ev = poisonEvent(m, { kind: 'inject-error', target: { form: 'device', object: 'pmem0', value: 8 } }, gone);
  assert.deepEqual(ev, { ok: false, reason: 'device pmem0: namespace0.0 was unbound by e2 (/dev/pmem0 is gone); pick a bound device' });
  const again = namespaceEvent(m, 'clear-errors', 'namespace0.0', gone);
  assert.deepEqual(again, { ok: false, reason: 'clear-errors namespace0.0: namespace0.0 was unbound by e2 (/dev/pmem0 is gone); nothing to clear' });
  // the Devices tree says by which event
  assert.match(findNode(buildDevicesTree(m, gone), 'region0/namespace0.0')!.description!, /unbound by e2$/);
});

test('a file: a badblock sector and a PageHWPoison page at the same offset are two distinct rows, before and after an unbind', () => {
  const s = open('reflink-both-mapped');
  s.discardPending();
  // testfile's data starts at daddr 192: file offset 0x4000 is sector 224 of pmem0
  s.act({ do: 'inject-error', namespace: 'namespace0.0', block: 224, count: 1, notify: true });
  s.act({ do: 'madvise-hwpoison', process: 1000, addr: '0x7f0000004000', length: 4096 });
  const check = (when: string) => {
    const file = findNode(buildDevicesTree(s.machine, unboundBy(s.events, s.cursor)), 'file:/mnt/pmem/testfile')!;
    const rows = file.children.map((c) => `${c.label} — ${c.description} [${c.icon}]`);
    assert.ok(rows.includes('badblock sector 224 +1 sector (512B) — file offset 0x4000 [warning]'), `${when}: ${rows.join(' | ')}`);
    const page = rows.find((r) => r.startsWith('PageHWPoison pfn '));
    assert.match(page ?? '', /^PageHWPoison pfn 0x24121c \(4KiB\) — file offset 0x4000 \[bug\]$/, `${when}: ${rows.join(' | ')}`);
    assert.equal(new Set(file.children.map((c) => c.id)).size, file.children.length, `${when}: ids are distinct`);
    assert.match(file.children.find((c) => c.label.startsWith('badblock'))!.tooltip, /in the badblocks list: I\/O there fails with EIO/);
  };
  check('before the unbind');
  s.act({ do: 'unbind', namespace: 'namespace0.0' });
  check('after the unbind');
});

test('units: every size, sector and range count in the tree carries its unit', () => {
  const s = open('reflink-both-mapped');
  s.step();
  s.act({ do: 'inject-error', namespace: 'namespace0.0', block: 200, count: 1, notify: true });
  s.act({ do: 'media-error', spa: '0x241230000', length: 64 });
  for (const n of flat(buildDevicesTree(s.machine))) {
    for (const text of [n.label, n.description ?? '']) {
      // "+64" or "· 64" alone is a number with no unit
      assert.ok(!/(\+|· )\d+(?=\s*($|[,·)]))/.test(text), `${n.id}: ${text}`);
    }
  }
  assert.equal(timeText(1500), '1.5 µs');
  const lines = routeLines(s.report, undefined, 'e1').map((l) => l.text).join('\n');
  assert.ok(!/\dus\b/.test(lines), lines);
  assert.match(lines, /µs\]/);
});

test('paths: a path argument is confined to the workspace folder; the Perfetto default is under .cache/artifacts', () => {
  assert.equal(normalizePath('/w/a/../b/./c'), '/w/b/c');
  assert.equal(normalizePath('/w/../../x'), '/x');
  assert.ok(isInside('/w/x/y', '/w'));
  assert.ok(!isInside('/wx/y', '/w'));
  assert.deepEqual(confineToWorkspace('out/t.json', '/w', 'Export'), { ok: true, path: '/w/out/t.json' });
  assert.deepEqual(confineToWorkspace('/w/.cache/artifacts/t.json', '/w', 'Export'), { ok: true, path: '/w/.cache/artifacts/t.json' });
  const out = confineToWorkspace('/tmp/t.json', '/w', 'Export Perfetto Trace');
  assert.deepEqual(out, { ok: false, reason: 'Export Perfetto Trace: "/tmp/t.json" is outside the workspace folder /w; a path given as an argument must be inside it' });
  assert.equal(confineToWorkspace('../t.json', '/w', 'Save').ok, false);
  assert.equal(confineToWorkspace('/w/sub/../../etc/passwd', '/w', 'Save').ok, false);
  assert.equal(confineToWorkspace('t.json', undefined, 'Save').ok, false);
  assert.equal(perfettoDefault('/repo/scenarios/reflink-both-mapped.poison.yaml'), '.cache/artifacts/reflink-both-mapped.perfetto.json');
  assert.equal(perfettoDefault('Untitled-1'), '.cache/artifacts/Untitled-1.perfetto.json');
});

test('realTarget follows a symbolic link in the target path, as a write would', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { realTarget } = await import('../../src/extension/realpath');
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-ws-')));
  const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-out-')));
  try {
    fs.mkdirSync(path.join(root, 'traces'));
    fs.symlinkSync(outside, path.join(root, 'escape'));
    // a file not written yet, in a real directory of the workspace
    assert.equal(realTarget(path.join(root, 'traces', 'new.json')), path.join(root, 'traces', 'new.json'));
    // through the link: the write lands outside
    const via = realTarget(path.join(root, 'escape', 'sub', 'x.json'));
    assert.equal(via, path.join(outside, 'sub', 'x.json'));
    assert.ok(!isInside(via, root));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
