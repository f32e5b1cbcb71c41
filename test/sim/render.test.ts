import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatExpectation,
  formatSpanCall,
  formatTime,
  renderCheck,
  renderCompare,
  renderRouting,
} from '../../src/sim/render';
import type { RunReport } from '../../src/sim/report';
function sampleReport(): RunReport {
  return {
    version: 1,
    scenario: 'reflinked block poisoned while both files are mapped',
    design: 'upstream',
    events: [
      { id: 'e1', do: 'madvise-hwpoison', at: 1_000_000, result: { ret: 0 }, span: 1 },
      { id: 'e2', do: 'read', at: 2_000_000, result: { ret: -5, errno: 'EIO' }, span: 5 },
      { id: 'e3', do: 'scrub', at: 3_000_000, result: { ret: 0 }, span: null },
    ],
    signals: [{ event: 'e1', pid: 1001, comm: 'reader', signo: 'SIGBUS', code: 'BUS_MCEERR_AR', addr: '0x7f0000001000', lsb: 12 }],
    verdicts: [],
    dmesg: ['Memory failure: 0x240a01: Sending SIGBUS to reader:1001 due to hardware memory corruption'],
    badblocks: { pmem0: [[42, 8]], region0: [] },
    hwpoison: ['0x240a01'],
    filesystems: [{ mount: '/mnt/pmem', shutdown: null }, { mount: '/mnt/b', shutdown: 'SHUTDOWN_CORRUPT_ONDISK' }],
    calls: { memory_failure: 1, dax_holder_notify_failure: 1, madvise: 1 },
    expectations: [
      { where: 'e1', expect: { signal: { pid: 1001, addr: '0x7f0000001000' } }, ok: true, detail: '' },
      { where: 'end', expect: { calls: { symbol: 'memory_failure', count: 2 } }, ok: false, detail: 'expected memory_failure to be called 2 times; it was called once' },
    ],
    spans: [
      { id: 1, parent: null, t: 1_000_000, dur: 5000, layer: 'syscall', symbol: 'madvise', args: { addr: '0x7f0000001000', len: 4096, advice: 'MADV_HWPOISON' }, ret: '0', event: 'e1' },
      { id: 2, parent: 1, t: 1_000_100, dur: 4000, layer: 'mm', symbol: 'memory_failure', args: { pfn: '0x240a01', flags: 'MF_ACTION_REQUIRED' }, ret: '0', event: 'e1' },
      { id: 3, parent: 2, t: 1_000_200, dur: 100, layer: 'dev_pagemap', symbol: 'dax_holder_notify_failure', args: { off: '0x1000', len: 4096 }, ret: '0', event: 'e1' },
      { id: 4, parent: 2, t: 1_000_300, dur: 100, layer: 'mm', symbol: 'kill_proc', args: {}, ret: '', count: 3, event: 'e1' },
      { id: 5, parent: null, t: 2_000_000, dur: 100, layer: 'syscall', symbol: 'pread', args: { fd: 3 }, ret: '-EIO', event: 'e2' },
      { id: 6, parent: null, t: 500, dur: 100, layer: 'fsdax', symbol: 'dax_iomap_fault', args: {}, ret: '0' },
    ],
  };
}

const ESC = '\x1b[';

test('renderRouting: events with their span trees, indented by depth', () => {
  const text = renderRouting(sampleReport());
  const lines = text.split('\n');
  assert.match(lines[0]!, /^reflinked block poisoned while both files are mapped {2}\(design upstream\)$/);
  const e1 = lines.findIndex((l) => l.startsWith('e1'));
  assert.match(lines[e1]!, /^e1 {2}madvise-hwpoison {2}at 1ms {2}→ 0$/);
  // syscall at depth 0, memory_failure one level in, its callees two levels in; the layer is on each line
  assert.match(lines[e1 + 1]!, /^ {4}syscall +madvise\(addr=0x7f0000001000, len=4096, advice=MADV_HWPOISON\) = 0$/);
  assert.match(lines[e1 + 2]!, /^ {4}mm +memory_failure\(pfn=0x240a01, flags=MF_ACTION_REQUIRED\) = 0$/);
  assert.match(lines[e1 + 3]!, /^ {4}dev_pagemap +dax_holder_notify_failure\(off=0x1000, len=4096\) = 0$/);
  const indent = (l: string) => /^ {4}\S+( +)/.exec(l)![1]!.length + /^ {4}(\S+)/.exec(l)![1]!.length;
  assert.equal(indent(lines[e1 + 2]!) - indent(lines[e1 + 1]!), 2);
  assert.equal(indent(lines[e1 + 3]!) - indent(lines[e1 + 2]!), 2);
  // summarised span
  assert.match(lines[e1 + 4]!, /^ {4}mm +kill_proc ×3$/);
  assert.equal(indent(lines[e1 + 4]!), indent(lines[e1 + 3]!));
  assert.match(text, /^e2 {2}read {2}at 2ms {2}→ -EIO \(-5\)$/m);
  assert.match(text, /^ {4}syscall +pread\(fd=3\) = -EIO$/m);
  assert.match(text, /^e3 {2}scrub {2}at 3ms {2}→ 0\n {4}\(nothing ran\)$/m);
  // a span outside every event, before the first one
  assert.match(text, /^setup\n {4}fsdax +dax_iomap_fault\(\) = 0$/m);
});

test('renderRouting: signals, dmesg, badblocks, filesystems, calls, expectations', () => {
  const text = renderRouting(sampleReport());
  assert.match(text, /^signals\n {4}e1 {2}SIGBUS BUS_MCEERR_AR to reader:1001 at 0x7f0000001000 lsb 12$/m);
  assert.match(text, /^dmesg\n {4}Memory failure: 0x240a01: Sending SIGBUS to reader:1001 due to hardware memory corruption$/m);
  assert.match(text, /^badblocks\n {4}pmem0 +\[42, 8\]\n {4}region0 +none$/m);
  assert.match(text, /^filesystems\n {4}\/mnt\/pmem +up\n {4}\/mnt\/b +shut down: SHUTDOWN_CORRUPT_ONDISK$/m);
  assert.match(text, /^calls\n {4}dax_holder_notify_failure +1\n {4}madvise +1\n {4}memory_failure +1$/m);
  assert.match(text, /ok +e1 +signal: \{ pid: 1001, addr: 0x7f0000001000 \}/);
  assert.match(text, /FAIL +end +calls: \{ symbol: memory_failure, count: 2 \}\n +expected memory_failure to be called 2 times; it was called once/);
  assert.match(text, /1 passed, 1 failed\n$/);
});

test('renderRouting: empty sections and panic', () => {
  const r = sampleReport();
  r.signals = [];
  r.dmesg = [];
  r.badblocks = {};
  r.calls = {};
  r.expectations = [];
  r.panic = 'Memory failure: 0x240a01: recovery is off';
  const text = renderRouting(r);
  assert.match(text, /^signals\n {4}none$/m);
  assert.match(text, /^dmesg\n {4}empty$/m);
  assert.match(text, /^badblocks\n {4}none$/m);
  assert.match(text, /^calls\n {4}none$/m);
  assert.match(text, /^panic: Memory failure: 0x240a01: recovery is off$/m);
  assert.doesNotMatch(text, /expectations/);
});

test('renderRouting: colour only when asked', () => {
  assert.equal(renderRouting(sampleReport()).includes(ESC), false);
  assert.equal(renderRouting(sampleReport(), { color: false }).includes(ESC), false);
  const coloured = renderRouting(sampleReport(), { color: true });
  assert.equal(coloured.includes(ESC), true);
  // same text once the escapes are stripped
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), renderRouting(sampleReport()));
});

test('formatSpanCall, formatTime, formatExpectation', () => {
  const s = sampleReport().spans;
  assert.equal(formatSpanCall(s[1]!), 'memory_failure(pfn=0x240a01, flags=MF_ACTION_REQUIRED) = 0');
  assert.equal(formatSpanCall({ ...s[1]!, count: 512 }), 'memory_failure ×512 (pfn=0x240a01, flags=MF_ACTION_REQUIRED) = 0');
  assert.equal(formatTime(1_000_000), '1ms');
  assert.equal(formatTime(250_000), '250us');
  assert.equal(formatTime(4200), '4.2us');
  assert.equal(formatTime(2_000_000_000), '2s');
  assert.equal(formatTime(17), '17ns');
  assert.equal(
    formatExpectation({ signal: { pid: 1001, signo: 'SIGBUS', code: 'BUS_MCEERR_AR', addr: '0x7f0000001000', lsb: 12 } }),
    'signal: { pid: 1001, signo: SIGBUS, code: BUS_MCEERR_AR, addr: 0x7f0000001000, lsb: 12 }',
  );
  assert.equal(formatExpectation({ badblocks: { device: 'pmem0', ranges: [[42, 8]] } }), 'badblocks: { device: pmem0, ranges: [[42, 8]] }');
  assert.equal(
    formatExpectation({ dmesg: { contains: 'recovery action for dax page: Recovered' } }),
    'dmesg: { contains: "recovery action for dax page: Recovered" }',
  );
  assert.equal(formatExpectation({ fs: { mount: '/mnt/pmem', shutdown: 'none' } }), 'fs: { mount: /mnt/pmem, shutdown: none }');
  assert.equal(formatExpectation({ hwpoison: { pfn: '0x240a01', set: true } }), 'hwpoison: { pfn: 0x240a01, set: true }');
  assert.equal(formatExpectation({ result: { event: 'e4', errno: 'EIO' } }), 'result: { event: e4, errno: EIO }');
});

test('renderCheck: failures with scenario, where, expectation and detail; counts expectations', () => {
  const failing = sampleReport();
  const passing = { ...sampleReport(), scenario: 'all good', expectations: [sampleReport().expectations[0]!] };
  const empty = { ...sampleReport(), scenario: 'nothing to check', expectations: [] };
  const text = renderCheck([{ file: 'scenarios/a.poison.yaml', report: failing }, passing, empty]);
  assert.match(text, /^FAIL +reflinked block poisoned while both files are mapped \(scenarios\/a\.poison\.yaml\) \[upstream\]: 1 of 2 expectations failed$/m);
  assert.match(text, /^ +at end: calls: \{ symbol: memory_failure, count: 2 \}\n +expected memory_failure to be called 2 times; it was called once$/m);
  assert.match(text, /^ok +all good \[upstream\]: 1 expectation$/m);
  assert.match(text, /^-- +nothing to check \[upstream\]: no expectations$/m);
  // a passing expectation is not printed as a failure
  assert.doesNotMatch(text, /at e1:/);
  assert.match(text, /\n2 passed, 1 failed\n$/);
  assert.equal(text.includes(ESC), false);
  assert.equal(renderCheck([empty]), '--    nothing to check [upstream]: no expectations\n0 passed, 0 failed\n');
});

test('renderCompare: a column per design, rows for results, signals, shutdown, calls; errors in their column', () => {
  const a = sampleReport();
  const b = sampleReport();
  b.design = 'page-mapping';
  b.events[1]!.result = { ret: 4096 };
  b.signals = [];
  b.filesystems = [{ mount: '/mnt/pmem', shutdown: null }];
  b.calls = { memory_failure: 1 };
  const text = renderCompare(a.scenario, [
    { design: 'upstream', report: a },
    { design: 'page-mapping', report: b },
    { design: 'corrupted-range', error: 'x.poison.yaml:12:7: process 1001 has exited; a read names a live process' },
    { design: 'pagemap-failure', error: 'boom' },
  ]);
  const lines = text.split('\n');
  const header = lines.find((l) => l.includes('upstream'))!;
  assert.match(header, /upstream +page-mapping +corrupted-range +pagemap-failure$/);
  const col = (name: string) => header.indexOf(name);
  const cellAt = (line: string, name: string) => line.slice(col(name)).split(/ {2,}/)[0];
  const row = (label: RegExp) => {
    const l = lines.find((x) => label.test(x));
    assert.ok(l, `no row ${label}: \n${text}`);
    return l;
  };
  const e2 = row(/^\* +e2 read/);
  assert.equal(cellAt(e2, 'upstream'), '-EIO');
  assert.equal(cellAt(e2, 'page-mapping'), '4096');
  assert.equal(cellAt(row(/^ +e1 madvise-hwpoison/), 'upstream'), '0');
  const sig = row(/^\* +pid 1001 SIGBUS BUS_MCEERR_AR 0x7f0000001000 lsb 12/);
  assert.equal(cellAt(sig, 'upstream'), 'e1');
  assert.equal(cellAt(sig, 'page-mapping'), '-');
  const shut = row(/^\* +\/mnt\/b/);
  assert.equal(cellAt(shut, 'upstream'), 'SHUTDOWN_CORRUPT_ONDISK');
  assert.equal(cellAt(shut, 'page-mapping'), '-');
  assert.equal(cellAt(row(/^\* +dax_holder_notify_failure/), 'page-mapping'), '0');
  assert.match(row(/^ +memory_failure/), /memory_failure +1 +1$/);
  const err = row(/^ +error/);
  assert.equal(cellAt(err, 'pagemap-failure'), 'boom');
  assert.match(cellAt(err, 'corrupted-range')!, /^x\.poison\.yaml:12:7: .*…$/);
  // the whole of a long error follows the table
  assert.match(text, /^corrupted-range: x\.poison\.yaml:12:7: process 1001 has exited; a read names a live process$/m);
  const sections = lines.filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim());
  assert.deepEqual(sections, ['results', 'signals', 'filesystem shutdown', 'calls']);
  assert.equal(text.includes(ESC), false);
});

test('renderRouting: cxl_poison records, one line each, only when there are any', () => {
  assert.doesNotMatch(renderRouting(sampleReport()), /cxl_poison/);
  const r = sampleReport();
  r.cxlPoison = [
    { event: 'e1', memdev: 'mem1', host: '0000:0e:00.0', traceType: 'Inject', region: 'region0', hpa: '0x1000003040', dpa: '0x1040', dpaLength: 64, source: 'Injected' },
    { event: 'e3', memdev: 'mem0', host: '0000:0d:00.0', traceType: 'List', region: '', hpa: '0xffffffffffffffff', dpa: '0x0', dpaLength: 128, source: 'Injected' },
  ];
  const lines = renderRouting(r).split('\n');
  const at = lines.indexOf('cxl_poison');
  assert.ok(at > 0);
  assert.equal(lines[at + 1], '    e1  mem1 host=0000:0e:00.0 Inject region=region0 hpa=0x1000003040 dpa=0x1040 dpa_length=0x40 source=Injected');
  assert.equal(lines[at + 2], '    e3  mem0 host=0000:0d:00.0 List region=(none) hpa=0xffffffffffffffff dpa=0x0 dpa_length=0x80 source=Injected');
});
