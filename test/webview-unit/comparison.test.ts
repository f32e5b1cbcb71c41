import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { compareDesigns, type DesignRun } from '../../src/sim/compare';
import type { ReportVerdict } from '../../src/sim/report';
import { checkComparisonView, comparisonView, dmesgKeys, formatNs, linearFraction, logAxisMax, logFraction, logTicks, type ComparisonView, type DesignRunLike, type GridSection } from '../../src/protocol/comparison';
import { isHostMessage } from '../../src/protocol/messages';

const SCENARIOS = join(resolve(__dirname, '..', '..', '..'), 'scenarios');

function runs(file: string): { name: string; runs: DesignRun[] } {
  const sc = loadScenario(readFileSync(join(SCENARIOS, file), 'utf8'), file);
  return { name: sc.name, runs: compareDesigns(sc) };
}

const section = (v: ComparisonView, id: string): GridSection => {
  const s = v.sections.find((x) => x.id === id);
  assert.ok(s, `section ${id}`);
  return s!;
};
const row = (v: ComparisonView, sec: string, id: string) => {
  const r = section(v, sec).rows.find((x) => x.id === id);
  assert.ok(r, `row ${id} in ${sec} (rows: ${section(v, sec).rows.map((x) => x.id).join(', ')})`);
  return r!;
};

test('log scale: 0 is empty, the axis ends at a power of ten, each power of ten about the same width', () => {
  assert.equal(logFraction(0, 100), 0);
  assert.equal(logFraction(100, 100), 1);
  assert.ok(Math.abs(logFraction(9, 99) - 0.5) < 1e-12);
  assert.equal(logFraction(5, 0), 0);
  assert.equal(linearFraction(5, 10), 0.5);
  assert.equal(linearFraction(-1, 10), 0);
  assert.equal(logAxisMax(0), 1);
  assert.equal(logAxisMax(1), 1);
  assert.equal(logAxisMax(2), 2);
  assert.equal(logAxisMax(4), 5);
  assert.equal(logAxisMax(6), 10);
  assert.equal(logAxisMax(100), 100);
  assert.equal(logAxisMax(101), 200);
  assert.equal(logAxisMax(257536), 300000);
  const t = logTicks(1000, String);
  assert.deepEqual(t.map((x) => x.value), [0, 1, 10, 100, 1000]);
  assert.equal(t[0]!.fraction, 0);
  assert.equal(t[4]!.fraction, 1);
  // the end is always a tick; a power of ten crowding it is left out
  assert.deepEqual(logTicks(2, String).map((x) => x.label), ['0', '1', '2']);
  assert.deepEqual(logTicks(300000, String).map((x) => x.value), [0, 1, 10, 100, 1000, 10000, 100000, 300000]);
  assert.deepEqual(logTicks(11, String).map((x) => x.value), [0, 1, 11]);
  for (let i = 1; i < t.length; i++) assert.ok(t[i]!.fraction > t[i - 1]!.fraction);
});

test('times carry one spelling of their unit: ns, µs, ms, s', () => {
  assert.equal(formatNs(0), '0 ns');
  assert.equal(formatNs(550), '550 ns');
  assert.equal(formatNs(1500), '1.5 µs');
  assert.equal(formatNs(4700), '4.7 µs');
  assert.equal(formatNs(33400), '33.4 µs');
  assert.equal(formatNs(128771000), '128.77 ms');
  assert.equal(formatNs(2.5e9), '2.5 s');
});

test('the grid of reflink-both-mapped: one row per metric, one cell per design, differences marked against the session design', () => {
  const { name, runs: rs } = runs('reflink-both-mapped.poison.yaml');
  const v = comparisonView(name, 'upstream', rs);
  assert.deepEqual(v.designs, ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure']);
  assert.equal(v.baseline, 'upstream');
  assert.deepEqual(v.columns.map((c) => [c.current, c.baseline, c.pattern, c.marker]), [
    [true, true, 'solid', 'circle'],
    [false, false, 'hatch', 'triangle'],
    [false, false, 'dots', 'square'],
    [false, false, 'cross', 'diamond'],
  ]);
  assert.deepEqual(v.sections.map((s) => s.id), ['results', 'signals', 'shutdown', 'owners', 'pages', 'dmesg', 'cost']);
  // every row has a cell per design, whatever the section
  for (const s of v.sections) for (const r of s.rows) assert.equal(r.cells.length, 4, `${s.id}/${r.id}`);
  assert.equal(checkComparisonView(v), undefined);
  // e1 returned 0 everywhere
  const res = row(v, 'results', 'result:e1');
  assert.deepEqual(res.label, ['e1', 'madvise-hwpoison']);
  assert.deepEqual(res.cells.map((c) => c.tokens), [['0'], ['0'], ['0'], ['0']]);
  assert.equal(res.differs, false);
  // the AO signal to pid 1000 is upstream's and corrupted-range's only
  const ao = row(v, 'signals', 'signal:e1:1000');
  assert.deepEqual(ao.label, ['e1', 'pid 1000', rs[0]!.report!.signals.find((s) => s.pid === 1000)!.comm]);
  assert.deepEqual(ao.cells[0]!.tokens, ['SIGBUS', 'BUS_MCEERR_AO', 'addr 0x7f0000000000', 'lsb 12 (4 KiB)']);
  assert.deepEqual(ao.cells.map((c) => c.quiet), [false, true, false, true]);
  assert.deepEqual(ao.cells.map((c) => c.diff), [false, true, false, true]);
  assert.equal(ao.cells[1]!.tokens.join(' '), 'no signal');
  assert.ok(ao.differs);
  const ar = row(v, 'signals', 'signal:e1:1001');
  assert.equal(ar.differs, false);
  assert.ok(ar.cells.every((c) => c.tokens.includes('BUS_MCEERR_AR')));
  // owners: testfile reached by upstream, missed by page-mapping
  const tf = row(v, 'owners', 'owner:e1:/mnt/pmem/testfile');
  assert.deepEqual(tf.cells.map((c) => c.tokens.join(' ')), ['✓ reached', '✗ missed', '✓ reached', '✗ missed']);
  const reached = row(v, 'owners', 'owners:reached');
  assert.deepEqual(reached.cells.map((c) => c.tokens.join(' ')), rs.map((r) => `${r.metrics!.ownersNotified.length} owner${r.metrics!.ownersNotified.length === 1 ? '' : 's'}`));
  // the cost with its unit, and one spelling of µs
  const cost = row(v, 'cost', 'cost');
  assert.deepEqual(cost.cells.map((c) => c.tokens[0]), rs.map((r) => formatNs(r.metrics!.cost)));
  assert.ok(cost.cells.every((c) => / (ns|µs|ms)$/.test(c.tokens[0]!)));
  // every number in the grid carries a unit or is a return value, an id, an address or a pfn
  for (const s of v.sections) {
    for (const r of s.rows) {
      for (const c of r.cells) {
        const text = c.tokens.join(' ');
        assert.doesNotMatch(text, /\d\s*us\b/, `${r.id}: "us"`);
        if (s.id === 'cost' || s.id === 'pages' || (s.id === 'owners' && r.id.startsWith('owners:'))) assert.match(text, /^\d[\d,.]* (ns|µs|ms|s|calls?|symbols?|pages?|owners?)\b/, `${r.id}: ${text}`);
        for (const t of c.tokens) assert.doesNotMatch(t, /\n/);
      }
    }
  }
});

test('the grid of unbind-mounted-xfs: shutdown flags as whole tokens, results with their errno, dmesg folded per kind of line', () => {
  const { name, runs: rs } = runs('unbind-mounted-xfs.poison.yaml');
  const v = comparisonView(name, 'page-mapping', rs);
  assert.equal(v.baseline, 'page-mapping');
  assert.deepEqual(v.columns.map((c) => c.baseline), [false, true, false, false]);
  const sd = row(v, 'shutdown', 'shutdown:/mnt/pmem');
  assert.deepEqual(sd.cells.map((c) => c.tokens), rs.map((r) => r.report!.filesystems[0]!.shutdown!.split('|')));
  assert.deepEqual(sd.cells[0]!.tokens, ['SHUTDOWN_FORCE_UMOUNT']);
  assert.deepEqual(sd.cells.map((c) => c.diff), [true, false, false, false]);
  const e2 = row(v, 'results', 'result:e2');
  assert.deepEqual(e2.cells.map((c) => c.tokens), [['-EFAULT'], ['0'], ['0'], ['0']]);
  assert.match(e2.cells[0]!.title, /-EFAULT \(-14\)/);
  // the mass memory failure of pagemap-failure: one row for its recovery lines, with the pfn range and the count
  const pf = rs[3]!.report!;
  const rec = row(v, 'dmesg', 'dmesg:Memory failure: ‹pfn›: recovery action for dax page: Recovered');
  const keys = dmesgKeys(pf.dmesg);
  const k = keys.find((x) => x.template.includes('recovery action for dax page'))!;
  assert.deepEqual(rec.cells[3]!.tokens, [`pfns 0x${k.pfns![0].toString(16)}`, `– 0x${k.pfns![1].toString(16)}`, `${k.lines.toLocaleString('en-US')} lines`]);
  assert.deepEqual(rec.cells.slice(0, 3).map((c) => c.tokens.join(' ')), ['not printed', 'not printed', 'not printed']);
  assert.ok(rec.differs);
  // far fewer rows than lines, and the lines of every design are there
  const lines = rs.reduce((a, r) => a + r.report!.dmesg.length, 0);
  assert.ok(section(v, 'dmesg').rows.length < lines / 2);
  const pages = row(v, 'pages', 'pages:removed');
  assert.deepEqual(pages.cells.map((c) => c.tokens.join(' ')), rs.map((r) => `${r.metrics!.pagesMappedToRemovedDevice} page${r.metrics!.pagesMappedToRemovedDevice === 1 ? '' : 's'}`));
  const cost = row(v, 'cost', 'cost');
  assert.match(cost.cells[3]!.tokens[0]!, / ms$/);
  assert.match(cost.cells[1]!.tokens[0]!, / ns$/);
});

test('dmesgKeys folds per-pfn lines, with their range and count, and keeps other lines once with a count', () => {
  const k = dmesgKeys([
    'XFS (pmem0): Device is about to be removed!',
    'Memory failure: 0x10: Sending SIGBUS to a:1 due to hardware memory corruption',
    'Memory failure: 0x11: Sending SIGBUS to a:1 due to hardware memory corruption',
    'Memory failure: 0x20: recovery action for dax page: Recovered',
    'Memory failure: [0x21-0x2f]: recovery action for dax page: Recovered (15 more lines, one per pfn)',
    'XFS (pmem0): Metadata I/O Error (0x4) detected at f (x.c:1).  Shutting down filesystem.',
    'XFS (pmem0): Device is about to be removed!',
  ]);
  assert.deepEqual(k, [
    { template: 'XFS (pmem0): Device is about to be removed!', pfns: null, lines: 2 },
    { template: 'Memory failure: ‹pfn›: Sending SIGBUS to a:1 due to hardware memory corruption', pfns: [0x10, 0x11], lines: 2 },
    { template: 'Memory failure: ‹pfn›: recovery action for dax page: Recovered', pfns: [0x20, 0x2f], lines: 16 },
    { template: 'XFS (pmem0): Metadata I/O Error (0x4) detected at f (x.c:1).  Shutting down filesystem.', pfns: null, lines: 1 },
  ]);
});

/** a verdict as the simulator writes it */
function verdict(p: Partial<ReportVerdict> & Pick<ReportVerdict, 'outcome' | 'reason' | 'symbol'>): ReportVerdict {
  return { event: 'e1', owner: { file: '/mnt/pmem/testfile', start: 0, end: 4096 }, pid: 1000, comm: 'reader', mapping: 'm0', addr: ['0x7f0000000000', '0x7f0000001000'], span: 12, ...p };
}

test('the verdict matrix: a row per event, owner and mapping of every design, a cell per design, differences marked', () => {
  const { name, runs: rs } = runs('reflink-both-mapped.poison.yaml');
  const given: ReportVerdict[][] = [
    [
      verdict({ outcome: 'AO', reason: 'early kill: collect_procs_fsdax found the mapping of testfile', symbol: 'collect_procs_fsdax', code: 'BUS_MCEERR_AO', sigAddr: '0x7f0000000000', lsb: 12 }),
      verdict({ owner: { file: '/mnt/pmem/poisonfile', start: 0, end: 4096 }, pid: 1001, comm: 'injector', mapping: 'm1', outcome: 'AR', reason: 'the current task consumed it', symbol: 'kill_proc', span: 30, code: 'BUS_MCEERR_AR', sigAddr: '0x7f0000000000', lsb: 12 }),
    ],
    [
      verdict({ outcome: 'none', reason: 'page->mapping names poisonfile only: the reflinked testfile is not collected', symbol: 'collect_procs_file', span: 9 }),
      verdict({ owner: { file: '/mnt/pmem/poisonfile', start: 0, end: 4096 }, pid: 1001, comm: 'injector', mapping: 'm1', outcome: 'AR', reason: 'the current task consumed it', symbol: 'kill_proc', span: 20, code: 'BUS_MCEERR_AR', sigAddr: '0x7f0000000000', lsb: 12 }),
    ],
    [verdict({ outcome: 'AO', reason: 'the proposal walks the rmap', symbol: 'mf_dax_mapping_kill_procs', code: 'BUS_MCEERR_AO', sigAddr: '0x7f0000000000', lsb: 12 })],
    [],
  ];
  const withVerdicts: DesignRunLike[] = rs.map((r, i) => ({ ...r, report: { ...r.report!, verdicts: given[i]! } }));
  const v = comparisonView(name, 'upstream', withVerdicts);
  assert.equal(checkComparisonView(v), undefined);
  const m = v.verdicts;
  assert.equal(m.empty, undefined);
  assert.equal(m.rows.length, 2);
  const [t, p] = m.rows;
  assert.deepEqual(t!.owner, ['/mnt/pmem/testfile', '0x0–0x1000 (4 KiB)']);
  assert.deepEqual(t!.process, ['pid 1000', 'reader']);
  assert.deepEqual(t!.mapping, ['m0', '0x7f0000000000–0x7f0000001000']);
  assert.deepEqual(t!.cells.map((c) => c.outcome), ['AO', 'none', 'AO', null]);
  assert.deepEqual(t!.cells.map((c) => c.badge), ['▲ SIGBUS AO', '○ not told', '▲ SIGBUS AO', 'no verdict']);
  assert.deepEqual(t!.cells.map((c) => c.diff), [false, true, false, true]);
  assert.ok(t!.differs);
  assert.deepEqual(t!.cells[0]!.signal, ['BUS_MCEERR_AO', 'addr 0x7f0000000000', 'lsb 12']);
  assert.equal(t!.cells[1]!.symbol, 'collect_procs_file');
  assert.equal(t!.cells[1]!.span, 9);
  assert.match(t!.cells[1]!.title, /^page-mapping: not told\. page->mapping names poisonfile only.*Decided in collect_procs_file\(\), span #9\.$/);
  assert.match(t!.cells[3]!.reason, /pagemap-failure made no decision/);
  assert.deepEqual(p!.cells.map((c) => c.outcome), ['AR', 'AR', null, null]);
  assert.deepEqual(p!.cells.map((c) => c.badge), ['■ SIGBUS AR', '■ SIGBUS AR', 'no verdict', 'no verdict']);
  // it goes through the protocol: a comparison state with it is a host message; a bad outcome is not
  assert.ok(isHostMessage({ type: 'state', state: { kind: 'comparison', view: v } }));
  const bad = JSON.parse(JSON.stringify(v)) as ComparisonView;
  (bad.verdicts.rows[0]!.cells[0] as { outcome: string }).outcome = 'maybe';
  assert.match(checkComparisonView(bad)!, /verdicts\.rows\[0\]\.cells\[0\]: outcome "maybe" is not one of AR, AO/);
  assert.equal(isHostMessage({ type: 'state', state: { kind: 'comparison', view: bad } }), false);
  const badSym = JSON.parse(JSON.stringify(v)) as ComparisonView;
  badSym.verdicts.rows[0]!.cells[0]!.symbol = 'x; rm -rf /';
  assert.match(checkComparisonView(badSym)!, /is not a kernel identifier/);
  assert.ok(isHostMessage({ type: 'state', state: { kind: 'comparison', view: null, empty: 'no session' } }));
});

test('no verdicts anywhere: an empty matrix says why', () => {
  const { name, runs: rs } = runs('reflink-both-mapped.poison.yaml');
  const v = comparisonView(name, 'upstream', rs.map((r) => ({ ...r, report: { ...r.report!, verdicts: [] } })));
  assert.equal(v.verdicts.rows.length, 0);
  assert.match(v.verdicts.empty!, /No verdicts/);
});

test('calls per symbol: a group per symbol, a bar per design, labelled ticks up to a power of ten', () => {
  const { name, runs: rs } = runs('unbind-mounted-xfs.poison.yaml');
  const v = comparisonView(name, 'upstream', rs);
  const calls = v.charts.find((c) => c.title === 'calls per symbol')!;
  assert.ok(calls.log);
  const symbols = new Set(rs.flatMap((r) => Object.keys(r.metrics?.calls ?? {})));
  assert.equal(calls.groups.length, symbols.size);
  assert.ok(calls.groups.every((g) => g.symbol === g.label && g.bars.length === 4));
  const max = Math.max(...calls.groups.flatMap((g) => g.bars.map((b) => b.value)));
  assert.equal(calls.axisMax, logAxisMax(max));
  assert.ok(calls.axisMax >= max && calls.axisMax < max * 2);
  assert.deepEqual(calls.ticks.map((t) => t.label), ['0', '1', '10', '100', '1k', '10k', '100k', '300k']);
  const al = calls.groups.find((g) => g.label === 'action_result')!;
  assert.deepEqual(al.bars.map((b) => b.value), rs.map((r) => r.metrics!.calls.action_result ?? 0));
  assert.deepEqual(al.bars.map((b) => b.text), al.bars.map((b) => `${b.value.toLocaleString('en-US')} call${b.value === 1 ? '' : 's'}`));
  assert.ok(al.differs);
  for (const g of calls.groups) for (const b of g.bars) assert.equal(b.fraction, logFraction(b.value, calls.axisMax));
  const cost = v.charts.find((c) => c.id === 'cost')!;
  assert.deepEqual(cost.groups[0]!.bars.map((b) => b.text), rs.map((r) => formatNs(r.metrics!.cost)));
  assert.ok(cost.ticks.slice(1).every((t) => / (ns|µs|ms|s)$/.test(t.label)), cost.ticks.map((t) => t.label).join(', '));
});

test('a design that cannot run the scenario is a column with its error and no bars', () => {
  const v = comparisonView('s', 'upstream', [
    { design: 'upstream', metrics: { calls: { a: 3 }, ownersNotified: [], ownersMissed: [{ event: 'e1', file: '/f' }], signalled: ['pid 7 SIGBUS BUS_MCEERR_AO [e1]'], pagesMappedToBadMedia: 1, pagesMappedToRemovedDevice: 0, shutdown: {}, cost: 1500 }, report: { events: [{ id: 'e1', do: 'load', result: { ret: -5, errno: 'EIO' } }], signals: [{ event: 'e1', pid: 7, comm: 'x', signo: 'SIGBUS', code: 'BUS_MCEERR_AO', addr: '0x1000', lsb: 12 }], dmesg: [], filesystems: [], verdicts: [] } },
    { design: 'page-mapping', error: 'no such thing' },
  ]);
  assert.equal(v.columns[1]!.error, 'no such thing');
  assert.equal(checkComparisonView(v), undefined);
  assert.equal(v.charts[0]!.groups[0]!.bars.length, 1);
  assert.deepEqual(row(v, 'cost', 'cost').cells.map((c) => c.tokens.join(' ')), ['1.5 µs', 'the design did not run the scenario']);
  // a design that did not run is neither a difference nor agreement
  const r = row(v, 'results', 'result:e1');
  assert.deepEqual(r.cells.map((c) => c.diff), [false, false]);
  assert.equal(r.differs, false);
  assert.deepEqual(row(v, 'pages', 'pages:bad').cells[0]!.tokens, ['1 page']);
});
