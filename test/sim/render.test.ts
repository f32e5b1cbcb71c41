import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatBytes,
  formatEventResult,
  formatExpectation,
  formatSpanCall,
  formatTime,
  setupSummary,
  wrapWords,
  renderCheck,
  renderCompare,
  renderRouting,
} from '../../src/sim/render';
import type { RunReport } from '../../src/sim/report';
import { KernelLog } from '../../src/sim/dmesg';
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
  assert.match(lines[0]!, /^reflinked block poisoned while both files are mapped {2}\(design upstream, kernel 6.12\)$/);
  const e1 = lines.findIndex((l) => l.startsWith('e1'));
  assert.match(lines[e1]!, /^e1 {2}madvise-hwpoison {2}at 1 ms {2}→ 0$/);
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
  assert.match(text, /^e2 {2}read {2}at 2 ms {2}→ -EIO \(-5\)$/m);
  assert.match(text, /^ {4}syscall +pread\(fd=3\) = -EIO$/m);
  assert.match(text, /^e3 {2}scrub {2}at 3 ms {2}→ 0\n {4}\(nothing ran\)$/m);
  // a span outside every event, before the first one: hidden, summarised
  assert.match(text, /^setup: 1 other call, 1 span hidden \(--setup to show\)$/m);
  assert.doesNotMatch(text, /dax_iomap_fault/);
  assert.match(renderRouting(sampleReport(), { setup: true }), /^setup: 1 other call, 1 span\n {4}fsdax +dax_iomap_fault\(\) = 0$/m);
});

test('renderRouting: signals, dmesg, badblocks, filesystems, calls, expectations', () => {
  const text = renderRouting(sampleReport());
  assert.match(text, /^signals\n {4}e1 {2}SIGBUS BUS_MCEERR_AR to reader:1001 at 0x7f0000001000 lsb 12$/m);
  assert.match(text, /^dmesg\n {4}Memory failure: 0x240a01: Sending SIGBUS to reader:1001 due to hardware memory corruption$/m);
  assert.match(text, /^badblocks\n {4}pmem0 +sector 42, 8 sectors \(4 KiB\)\n {4}region0 +none$/m);
  assert.match(text, /^hwpoison\n {4}1 page: pfn 0x240a01$/m);
  assert.match(text, /^filesystems\n {4}\/mnt\/pmem +up\n {4}\/mnt\/b +shut down: SHUTDOWN_CORRUPT_ONDISK$/m);
  assert.match(text, /^calls\n {4}dax_holder_notify_failure +1\n {4}madvise +1\n {4}memory_failure +1$/m);
  assert.match(text, /ok +e1 +signal: \{ pid: 1001, addr: 0x7f0000001000 \}/);
  assert.match(text, /FAIL +end +calls: \{ symbol: memory_failure, count: 2 \}\n +expected memory_failure to be called 2 times; it was called once/);
  assert.match(text, /1 passed, 1 failed\n$/);
});

test('renderRouting: a run of the log store is one line with its count and its first and last members', () => {
  const r = sampleReport();
  const log = new KernelLog();
  log.push('nd_pmem pfn0.0: DAX active at remove, trigger mass memory failure');
  log.pushRun(1 << 20, (j) => `Memory failure: 0x${(0x1000000 + j).toString(16)}: recovery action for dax page: Recovered`);
  log.push('XFS (pmem0): Please unmount the filesystem and rectify the problem(s)');
  r.dmesg = log.view();
  const text = renderRouting(r);
  assert.match(
    text,
    /^dmesg\n {4}nd_pmem pfn0\.0: DAX active at remove, trigger mass memory failure\n {4}Memory failure: 0x1000000\.\.0x10fffff \(×1,048,576\): recovery action for dax page: Recovered\n {4}XFS \(pmem0\): Please unmount the filesystem and rectify the problem\(s\)\n\nbadblocks$/m,
  );
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
  assert.equal(formatTime(1_000_000), '1 ms');
  assert.equal(formatTime(250_000), '250 µs');
  assert.equal(formatTime(4200), '4.2 µs');
  assert.equal(formatTime(2_000_000_000), '2 s');
  assert.equal(formatTime(17), '17 ns');
  assert.equal(formatBytes(4096), '4 KiB');
  assert.equal(formatBytes(2 * 1024 * 1024), '2 MiB');
  assert.equal(formatBytes(4000), '4000 bytes');
  assert.equal(formatBytes(1), '1 byte');
  assert.equal(formatEventResult({ do: 'read', result: { ret: 4096 } }), '4096 bytes');
  assert.equal(formatEventResult({ do: 'write', result: { ret: -14, errno: 'EFAULT' } }), '-EFAULT (-14)');
  assert.equal(formatEventResult({ do: 'write', result: { ret: -14, errno: 'EFAULT' } }, true), '-EFAULT');
  assert.equal(formatEventResult({ do: 'madvise-hwpoison', result: { ret: 0 } }), '0');
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

test('renderCompare --wide: a column per design, one line per row; results, signals, shutdown, calls; errors in their column', () => {
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
  ], { wide: true });
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
  assert.equal(cellAt(e2, 'page-mapping'), '4096 bytes');
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

// ---------------------------------------------------------------- setup, depth, verdicts

/** a run whose setup attached a disk, mounted, mapped two files and populated them, then one event */
function setupReport(): RunReport {
  const r = sampleReport();
  let id = 100;
  const spans: RunReport['spans'] = [];
  const span = (parent: number | null, t: number, layer: RunReport['spans'][number]['layer'], symbol: string, args: Record<string, string | number | boolean> = {}, extra: Partial<RunReport['spans'][number]> = {}) => {
    const s = { id: ++id, parent, t, dur: 1, layer, symbol, args, ret: '0', ...extra };
    spans.push(s);
    return s.id;
  };
  span(null, 10, 'pmem', 'pmem_attach_disk', { disk: 'pmem0' });
  span(id, 11, 'nvdimm', 'nvdimm_badblocks_populate');
  span(null, 20, 'fs', 'xfs_fs_fill_super', { dev: 'pmem0' });
  span(null, 30, 'mm', 'do_mmap', { pid: 1000 });
  span(null, 31, 'mm', 'do_mmap', { pid: 1001 });
  span(null, 32, 'mm', 'do_mmap', { pid: 1001 });
  // pid 1000's m0: two faults; pid 1001's m0: one fault standing for 3 (a summarised run)
  for (const [t, pid, vma, count] of [[40, 1000, 'm0', undefined], [41, 1000, 'm0', undefined], [42, 1001, 'm0', 3]] as const) {
    const f = span(null, t, 'mm', 'do_user_addr_fault', { pid }, count ? { count } : {});
    const h = span(f, t, 'mm', 'handle_mm_fault', { vma });
    span(h, t, 'fsdax', 'dax_iomap_pte_fault');
  }
  // after the first event, a span of no event (a kworker, say)
  span(null, 2_500_000, 'mm', 'memory_failure_work_func');
  r.spans = [...r.spans.filter((s) => s.id !== 6), ...spans];
  return r;
}

test('run hides the setup behind one line computed from its spans; --setup shows it', () => {
  const r = setupReport();
  assert.equal(setupSummary(r), '1 pmem disk, 1 filesystem mounted, 3 mappings, 2 populated (5 faults), 1 other call, 16 spans');
  const text = renderRouting(r);
  const lines = text.split('\n');
  assert.equal(lines[2], 'setup: 1 pmem disk, 1 filesystem mounted, 3 mappings, 2 populated (5 faults), 1 other call, 16 spans hidden (--setup to show)');
  for (const sym of ['pmem_attach_disk', 'nvdimm_badblocks_populate', 'xfs_fs_fill_super', 'do_mmap', 'do_user_addr_fault', 'handle_mm_fault', 'memory_failure_work_func']) {
    assert.equal(text.includes(sym), false, sym);
  }
  // the events are untouched
  assert.match(text, /^ {4}mm +memory_failure\(pfn=0x240a01, flags=MF_ACTION_REQUIRED\) = 0$/m);

  const shown = renderRouting(r, { setup: true });
  assert.match(shown, /^setup: 1 pmem disk, 1 filesystem mounted, 3 mappings, 2 populated \(5 faults\), 1 other call, 16 spans$/m);
  assert.match(shown, /^ {4}pmem +pmem_attach_disk\(disk=pmem0\) = 0\n {4}nvdimm +nvdimm_badblocks_populate\(\) = 0$/m);
  assert.equal(shown.match(/do_user_addr_fault/g)?.length, 3);
  assert.match(shown, /^outside events\n {4}mm +memory_failure_work_func\(\) = 0$/m);
  // setup comes before the first event, the span of no event after the last
  assert.ok(shown.indexOf('pmem_attach_disk') < shown.indexOf('\ne1 '));
  assert.ok(shown.indexOf('memory_failure_work_func') > shown.indexOf('\ne3 '));

  // every mapping populated
  const all = setupReport();
  all.spans = all.spans.filter((s) => !(s.symbol === 'do_mmap' && s.args.pid === 1001 && s.t === 32));
  assert.match(setupSummary(all), /^1 pmem disk, 1 filesystem mounted, 2 mappings populated \(5 faults\), /);
  // nothing before the first event: no line
  assert.equal(setupSummary({ ...sampleReport(), spans: sampleReport().spans.filter((s) => s.id !== 6) }), '');
  assert.doesNotMatch(renderRouting({ ...sampleReport(), spans: sampleReport().spans.filter((s) => s.id !== 6) }), /^setup/m);
});

test('--depth: call trees stop at N levels, the calls below counted', () => {
  const d1 = renderRouting(sampleReport(), { depth: 1 }).split('\n');
  const e1 = d1.findIndex((l) => l.startsWith('e1'));
  assert.match(d1[e1 + 1]!, /^ {4}syscall +madvise\(/);
  // memory_failure, dax_holder_notify_failure and kill_proc ×3: five calls
  assert.match(d1[e1 + 2]!, /^ {4} +… 5 more calls$/);
  assert.equal(d1[e1 + 3], '');
  const d2 = renderRouting(sampleReport(), { depth: 2 }).split('\n');
  assert.match(d2[e1 + 2]!, /^ {4}mm +memory_failure\(/);
  assert.match(d2[e1 + 3]!, /^ {4} +… 4 more calls$/);
  // the "more" line sits one level below its parent
  const col = (l: string) => l.search(/\S/) === 4 ? l.slice(4).search(/(?<=\s)\S/) : -1;
  assert.equal(d2[e1 + 3]!.indexOf('…'), d2[e1 + 2]!.indexOf('memory_failure') + 2);
  assert.ok(col(d2[e1 + 2]!) > 0);
  // deep enough: everything, no summary
  const d9 = renderRouting(sampleReport(), { depth: 9 });
  assert.equal(d9, renderRouting(sampleReport()));
  assert.doesNotMatch(d9, /more call/);
  // one call below: singular
  const r = sampleReport();
  r.spans = r.spans.filter((s) => s.id !== 4);
  assert.match(renderRouting(r, { depth: 2 }), /… 1 more call$/m);
});

function verdictReport(): RunReport {
  const r = sampleReport();
  r.verdicts = [
    { event: 'e1', owner: { file: '/mnt/pmem/poisonfile', start: 0, end: 4096 }, pid: 1001, comm: 'injector', mapping: 'm0', addr: ['0x7f0000000000', '0x7f0000001000'], outcome: 'AR', reason: 'the consuming task: force_sig_mceerr with BUS_MCEERR_AR', symbol: 'kill_proc', span: 4, code: 'BUS_MCEERR_AR', sigAddr: '0x7f0000000000', lsb: 12 },
    { event: 'e1', owner: { file: '/mnt/pmem/poisonfile', start: 0, end: 4096 }, pid: 1002, comm: 'watcher', mapping: 'm0', addr: ['0x7f0000000000', '0x7f0000001000'], outcome: 'none', reason: 'no page-table entry maps the page, so __add_to_kill drops the task', symbol: '__add_to_kill', span: null },
    { event: 'e1', owner: { file: '/mnt/pmem/testfile', start: 0, end: 4096 }, pid: 1000, comm: 'reader', mapping: 'm0', addr: ['0x7f0000000000', '0x7f0000001000'], outcome: 'AO', reason: 'an early-kill task that maps the page: send_sig_mceerr with BUS_MCEERR_AO', symbol: 'kill_proc', span: 4 },
    { event: 'e1', owner: { device: 'dax0.0', start: 0x200000, end: 0x400000 }, pid: null, comm: null, mapping: null, addr: null, outcome: 'unmapped only', reason: 'nobody maps this extent', symbol: 'mf_generic_kill_procs', span: 2 },
    { event: 'e2', owner: { file: '/mnt/pmem/testfile', start: 0x1000, end: 0x2000 }, pid: 1000, comm: 'reader', mapping: 'm1', addr: ['0x7f0000201000', '0x7f0000202000'], outcome: 'SIGBUS', reason: 'the read faulted', symbol: 'do_sigbus', span: 5 },
  ];
  return r;
}

test('run: each event is followed by its verdicts, one aligned line each', () => {
  const lines = renderRouting(verdictReport()).split('\n');
  const at = lines.indexOf('  verdicts');
  assert.ok(at > lines.findIndex((l) => l.startsWith('e1')), 'after the event');
  assert.ok(at > lines.findIndex((l) => /kill_proc ×3/.test(l)), 'after its routing');
  assert.ok(at < lines.findIndex((l) => l.startsWith('e2')), 'before the next event');
  assert.deepEqual(lines.slice(at + 1, at + 5), [
    '    AR             injector:1001 m0  /mnt/pmem/poisonfile [0x0, 0x1000) 4 KiB  the consuming task: force_sig_mceerr with BUS_MCEERR_AR  [kill_proc, span 4]',
    '    none           watcher:1002 m0   /mnt/pmem/poisonfile [0x0, 0x1000) 4 KiB  no page-table entry maps the page, so __add_to_kill drops the task  [__add_to_kill, no span]',
    '    AO             reader:1000 m0    /mnt/pmem/testfile [0x0, 0x1000) 4 KiB    an early-kill task that maps the page: send_sig_mceerr with BUS_MCEERR_AO  [kill_proc, span 4]',
    '    unmapped only  (not mapped)      dax0.0 [0x200000, 0x400000) 2 MiB         nobody maps this extent  [mf_generic_kill_procs, span 2]',
  ]);
  assert.equal(lines[at + 5], '');
  const e2 = lines.findIndex((l) => l.startsWith('e2'));
  assert.equal(lines[e2 + 2], '  verdicts');
  assert.equal(lines[e2 + 3], '    SIGBUS  reader:1000 m1  /mnt/pmem/testfile [0x1000, 0x2000) 4 KiB  the read faulted  [do_sigbus, span 5]');
  // no verdicts, no heading
  assert.doesNotMatch(renderRouting(sampleReport()), /verdicts/);
  // colour does not change the text
  assert.equal(renderRouting(verdictReport(), { color: true }).replace(/\x1b\[[0-9;]*m/g, ''), renderRouting(verdictReport()));
});

// ---------------------------------------------------------------- compare within a width

/** identifiers (symbols, flags, paths' names) of a text */
function identifiers(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
}

function compareRuns(): Parameters<typeof renderCompare>[1] {
  const a = verdictReport();
  const b = verdictReport();
  b.design = 'page-mapping';
  b.verdicts = b.verdicts.map((v) => (v.pid === 1000 && v.event === 'e1' ? { ...v, outcome: 'none' as const } : v));
  b.filesystems = [{ mount: '/mnt/pmem', shutdown: null }, { mount: '/mnt/b', shutdown: 'SHUTDOWN_CORRUPT_ONDISK|SHUTDOWN_FORCE_UMOUNT' }];
  const c = { ...verdictReport(), design: 'corrupted-range', verdicts: [] };
  return [
    { design: 'upstream', report: a },
    { design: 'page-mapping', report: b },
    { design: 'corrupted-range', report: c },
    { design: 'pagemap-failure', error: 'x.poison.yaml:12:7: /events/1/process: process 1001 has exited; a read names a live process' },
  ];
}

test('renderCompare fits the width: wraps between words, never inside one, the designs as rows when they do not fit', () => {
  const wide = renderCompare('s', compareRuns(), { wide: true });
  assert.ok(Math.max(...wide.split('\n').map((l) => l.length)) > 120, 'the test needs a table wider than 120');
  for (const width of [120, 100, 80, 60]) {
    const text = renderCompare('s', compareRuns(), { width });
    const lines = text.split('\n');
    for (const l of lines) assert.ok(l.length <= width, `${width}: ${JSON.stringify(l)} is ${l.length} wide`);
    // no word is cut: every identifier of the narrow text is one of the wide text's
    const whole = new Set([...identifiers(wide), 'all', 'designs', 'that', 'ran']);
    for (const id of identifiers(text)) assert.ok(whole.has(id), `${width}: "${id}" is a piece of a longer word`);
    for (const id of ['SHUTDOWN_CORRUPT_ONDISK', 'SHUTDOWN_FORCE_UMOUNT', 'BUS_MCEERR_AR', 'dax_holder_notify_failure']) assert.ok(text.includes(id), `${width}: ${id}`);
    // the whole error is there (no … cut), the rows marked where the designs differ
    assert.equal(text.includes('…'), false);
    assert.match(text.replace(/\s+/g, ' '), /process 1001 has exited; a read names a live process/);
  }
  // at 120 the short rows stay one line, columns under the header
  const lines = renderCompare('s', compareRuns(), { width: 120 }).split('\n');
  const header = lines.find((l) => /upstream +page-mapping +corrupted-range +pagemap-failure$/.test(l));
  assert.ok(header, 'a header of design names');
  const memoryFailure = lines.find((l) => /^ +memory_failure /.test(l))!;
  assert.equal(memoryFailure.indexOf('1'), header!.indexOf('upstream'));
  // the error lists the designs as rows: only the one that failed
  const err = lines.findIndex((l) => /^ +error$/.test(l));
  assert.ok(err > 0, 'the error row has the designs as rows');
  assert.match(lines[err + 1]!, /^ {8}pagemap-failure +x\.poison\.yaml:12:7: \/events\/1\/process: process 1001 has exited; a read names a live process$/);
  assert.match(lines[err + 2]!, /^ {2}results$/);
  // narrower, the shutdown flags wrap after a |; a number keeps its unit and a range its ends
  const narrow = renderCompare('s', compareRuns(), { width: 60 }).split('\n');
  assert.ok(narrow.some((l) => /SHUTDOWN_CORRUPT_ONDISK\|$/.test(l)), 'breaks after |');
  assert.ok(narrow.some((l) => /^ +SHUTDOWN_FORCE_UMOUNT$/.test(l)), 'breaks after |');
  assert.equal(narrow.some((l) => /\d$/.test(l) && /^ +(KiB|MiB)/.test(narrow[narrow.indexOf(l) + 1] ?? '')), false);
  assert.ok(narrow.some((l) => / 4 KiB$/.test(l)));
  assert.equal(narrow.some((l) => /\[0x\w+,$/.test(l)), false);
});

test('renderCompare: a verdict matrix per event, owners and mappers by designs', () => {
  const text = renderCompare('s', compareRuns(), { width: 120 });
  const lines = text.split('\n');
  const e1 = lines.indexOf('  verdicts e1 madvise-hwpoison');
  const e2 = lines.indexOf('  verdicts e2 read');
  assert.ok(e1 > 0 && e2 > e1, text);
  const header = lines.find((l) => /upstream +page-mapping/.test(l))!;
  const cellAt = (line: string, name: string) => line.slice(header.indexOf(name)).split(/ {2,}/)[0];
  const row = (re: RegExp) => {
    const l = lines.slice(e1).find((x) => re.test(x));
    assert.ok(l, `${re}\n${text}`);
    return l;
  };
  const reader = row(/reader:1000 m0 \/mnt\/pmem\/testfile/);
  assert.match(reader, /^\* /);
  assert.equal(cellAt(reader, 'upstream'), 'AO');
  assert.equal(cellAt(reader, 'page-mapping'), 'none');
  assert.equal(cellAt(reader, 'corrupted-range'), '-');
  const watcher = row(/watcher:1002 m0/);
  assert.equal(cellAt(watcher, 'upstream'), 'none');
  assert.equal(cellAt(watcher, 'page-mapping'), 'none');
  assert.equal(cellAt(row(/injector:1001 m0/), 'upstream'), 'AR');
  assert.equal(cellAt(row(/\(not mapped\) dax0\.0/), 'upstream'), 'unmapped');
  // no run has verdicts: no matrix
  assert.doesNotMatch(renderCompare('s', [{ design: 'upstream', report: sampleReport() }]), /verdicts/);
});

test('wrapWords: between words and after |, never inside a word', () => {
  assert.deepEqual(wrapWords('a bb ccc dddd', 6), ['a bb', 'ccc', 'dddd']);
  assert.deepEqual(wrapWords('SHUTDOWN_CORRUPT_ONDISK|SHUTDOWN_FORCE_UMOUNT', 30), ['SHUTDOWN_CORRUPT_ONDISK|', 'SHUTDOWN_FORCE_UMOUNT']);
  assert.equal(wrapWords('BUS_MCEERR_AO', 5), undefined);
  assert.deepEqual(wrapWords('x BUS_MCEERR_AO', 5, true), ['x', 'BUS_MCEERR_AO']);
  assert.deepEqual(wrapWords('', 5), ['']);
});

test('writeRouting streams the same text as renderRouting, in bounded chunks', async () => {
  const { writeRouting } = await import('../../src/sim/render');
  const r = sampleReport();
  // a long dmesg: the text goes out in several chunks, none of them the whole
  r.dmesg = Array.from({ length: 20000 }, (_, i) => `Memory failure: 0x${(0x240000 + i).toString(16)}: recovery action for dax page: Recovered`);
  const chunks: string[] = [];
  writeRouting(r, (c) => chunks.push(c));
  assert.equal(chunks.join(''), renderRouting(r));
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  assert.ok(Math.max(...chunks.map((c) => c.length)) < 70000);
});
