// The extension's models at scale: a populated machine (a database maps a
// 1 GiB file on a 1 TiB namespace with MAP_POPULATE, then the namespace is
// unbound) gives views whose size follows the trace's runs, not the pages:
// the Events tree's span nodes, the routing view's nodes, the Devices tree,
// the dmesg channel and the timeline's message are bounded; a summarised
// run is one node whose members expand on demand into the first and last
// three, computed from first..last and the step (src/protocol/runs.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LabSession } from '../../src/extension/model/session';
import { eventSpanTrees, flattenSpans, routeLines, type SpanNode } from '../../src/extension/model/route';
import { buildDevicesTree, type DeviceNode } from '../../src/extension/model/devices';
import { foldDmesg, RUN_LINES } from '../../src/extension/model/dmesg';
import { routeView } from '../../src/protocol/routing';
import { timelineReport } from '../../src/protocol/messages';
import { dmesgKeys } from '../../src/protocol/comparison';
import { memberArgs, moreText, runOf, runRows, runRowText, runSummary } from '../../src/protocol/runs';
import { formatSpanCall } from '../../src/sim/render';
import type { Span } from '../../src/sim/report';

const ROOT = resolve(__dirname, '..', '..', '..');
const FILE = join(ROOT, 'test', 'fixtures', 'scale', 'populated-1g.poison.yaml');
const PAGES = 262144; // 1 GiB of 4 KiB pages

function session(design: string): LabSession {
  const text = readFileSync(FILE, 'utf8').replace(/design: [a-z-]+/, `design: ${design}`);
  const s = LabSession.open(text, FILE);
  s.step();
  return s;
}

const countNodes = (ns: readonly { children: readonly unknown[] }[]): number => ns.reduce((a, n) => a + 1 + countNodes(n.children as { children: unknown[] }[]), 0);

const span = (symbol: string, args: Span['args'], count?: number, ret = '0'): Span => ({ id: 1, parent: null, t: 0, dur: 0, layer: 'mm', symbol, args, ret, ...(count !== undefined ? { count } : {}) });

test('a run of calls whose arguments advance in step: members from first..last and the step', () => {
  const s = span('memory_failure', { pfn: '0x10400218..0x10440217', flags: 'MF_MEM_REMOVE' }, PAGES);
  const run = runOf(s)!;
  assert.ok(run);
  assert.deepEqual(run.stepped.map((a) => [a.key, a.step]), [['pfn', 1n]]);
  assert.deepEqual(memberArgs(run, 0), { pfn: '0x10400218', flags: 'MF_MEM_REMOVE' });
  assert.deepEqual(memberArgs(run, 1), { pfn: '0x10400219', flags: 'MF_MEM_REMOVE' });
  assert.deepEqual(memberArgs(run, PAGES - 1), { pfn: '0x10440217', flags: 'MF_MEM_REMOVE' });
  const rows = runRows(run);
  assert.equal(rows.length, 7);
  assert.deepEqual(
    rows.map((r) => runRowText(run, r)),
    [
      '#1  memory_failure(pfn=0x10400218, flags=MF_MEM_REMOVE) = 0',
      '#2  memory_failure(pfn=0x10400219, flags=MF_MEM_REMOVE) = 0',
      '#3  memory_failure(pfn=0x1040021a, flags=MF_MEM_REMOVE) = 0',
      `… ${PAGES - 6} more calls`,
      '#262142  memory_failure(pfn=0x10440215, flags=MF_MEM_REMOVE) = 0',
      '#262143  memory_failure(pfn=0x10440216, flags=MF_MEM_REMOVE) = 0',
      '#262144  memory_failure(pfn=0x10440217, flags=MF_MEM_REMOVE) = 0',
    ],
  );
  // the run itself reads as the CLI prints it
  assert.equal(formatSpanCall(s), `memory_failure ×${PAGES} (pfn=0x10400218..0x10440217, flags=MF_MEM_REMOVE) = 0`);
  assert.equal(runSummary(run), `${PAGES} calls, pfn 0x10400218..0x10440217 step 0x1`);
  assert.equal(moreText(1), '… 1 more call');
});

test('several arguments in step, a step of a page, decimal values, and runs that are not progressions', () => {
  // populate: an address that steps by 4 KiB, an index by one
  const r = runOf(span('handle_mm_fault', { addr: '0x7f0000000000..0x7f0000003000', index: '0x10..0x13', flags: 'FAULT_FLAG_WRITE' }, 4))!;
  assert.deepEqual(memberArgs(r, 2), { addr: '0x7f0000002000', index: '0x12', flags: 'FAULT_FLAG_WRITE' });
  // no more than head + tail members: all of them, no "more" row
  assert.deepEqual(runRows(r).map((x) => (x.kind === 'member' ? x.index : -1)), [0, 1, 2, 3]);
  const d = runOf(span('xfs_dax_failure_fn', { startblock: '100..130' }, 4))!;
  assert.deepEqual(memberArgs(d, 3), { startblock: '130' });
  // a range that the count does not divide is not a progression: no members are made up
  assert.equal(runOf(span('memory_failure', { pfn: '0x0..0xa' }, 4)), null);
  // identical calls (no range) and single calls have no members to tell apart
  assert.equal(runOf(span('kill_proc', { pid: 1000 }, 37)), null);
  assert.equal(runOf(span('memory_failure', { pfn: '0x0..0x9' })), null);
  // a range written in two bases is not read as one
  assert.equal(runOf(span('memory_failure', { pfn: '0x0..9' }, 10)), null);
  // beyond 2^53: exact
  const big = runOf(span('dax_holder_notify_failure', { off: '0xfffffffffffff000..0xfffffffffffff003' }, 4))!;
  assert.equal(memberArgs(big, 3).off, '0xfffffffffffff003');
});

test('the dmesg channel folds runs of per-pfn lines as the simulator folds its own', () => {
  const lines = ['XFS (pmem0): Device is about to be removed!'];
  for (let p = 0x100; p < 0x100 + 20; p++) lines.push(`Memory failure: 0x${p.toString(16)}: Sending SIGBUS to db:1000 due to hardware memory corruption`);
  lines.push('Memory failure: 0x200: recovery action for dax page: Recovered');
  // a break in the progression starts a new run
  lines.push('Memory failure: 0x202: recovery action for dax page: Recovered');
  const out = foldDmesg(lines);
  assert.equal(out.length, 1 + RUN_LINES + 1 + 2);
  assert.equal(out[RUN_LINES]!, 'Memory failure: 0x107: Sending SIGBUS to db:1000 due to hardware memory corruption');
  assert.equal(out[RUN_LINES + 1]!, 'Memory failure: [0x108-0x113]: Sending SIGBUS to db:1000 due to hardware memory corruption (12 more lines, one per pfn)');
  assert.deepEqual(out.slice(-2), lines.slice(-2));
  // from an offset: only the new lines
  assert.deepEqual(foldDmesg(lines, lines.length - 1), lines.slice(-1));
  // the comparison reads a folded line back as the lines it stands for
  const keys = dmesgKeys(out);
  const sig = keys.find((k) => k.template.includes('Sending SIGBUS'))!;
  assert.equal(sig.lines, 20);
  assert.deepEqual(sig.pfns, [0x100, 0x113]);
});

for (const design of ['upstream', 'pagemap-failure'] as const) {
  test(`a populated 1 GiB mapping, unbound under ${design}: the views are bounded by runs, the runs expand to their first and last members`, () => {
    const s = session(design);
    const r = s.report;
    // the report keeps a dmesg line per page (the kernel prints one per page)...
    assert.ok(r.dmesg.length > PAGES, `${r.dmesg.length} dmesg lines`);
    // ...the channel shows each run of the log store as one line with its count and
    // first..last (and a run printed line by line as RUN_LINES lines and one folded line)
    const folded = foldDmesg(r.dmesg);
    assert.ok(folded.length < 100, `${folded.length} folded lines`);
    assert.ok(folded.some((l) => /^Memory failure: 0x[0-9a-f]+\.\.0x[0-9a-f]+ \(×[0-9,]+\): |^Memory failure: \[0x[0-9a-f]+-0x[0-9a-f]+\]: .* \(\d+ more lines, one per pfn\)$/.test(l)), folded.join('\n'));
    // the Events tree: the event's spans as trees, a few dozen nodes whatever the page count
    const trees = eventSpanTrees(r, 'e1');
    const nodes = flattenSpans(trees);
    assert.ok(nodes.length < 200, `${nodes.length} span nodes`);
    assert.ok(routeLines(r, s.events[0], 'e1').length < 250);
    // the run of the mapped file's pages is one node, its members on demand
    const runs = nodes.filter((n: SpanNode) => runOf(n.span)?.count === PAGES);
    assert.ok(runs.length >= 1, nodes.map((n) => formatSpanCall(n.span)).join('\n'));
    const root = runs[0]!;
    const run = runOf(root.span)!;
    const rows = runRows(run);
    assert.equal(rows.length, 7);
    assert.deepEqual(rows[3], { kind: 'more', count: PAGES - 6 });
    for (const a of run.stepped) {
      const [first, last] = String(root.span.args[a.key]).split('..');
      assert.equal((rows[0] as { args: Span['args'] }).args[a.key], first);
      assert.equal((rows[6] as { args: Span['args'] }).args[a.key], last);
    }
    // the routing view: one node per span of the event, nothing per page
    const rv = routeView(r, 'e1');
    assert.equal(rv.hidden, 0);
    assert.ok(rv.nodes.length < 200);
    assert.ok(rv.nodes.some((n) => n.span === root.span.id && n.count === PAGES));
    // the timeline is sent events, signals and spans (the trace's runs), not the dmesg
    const tl = timelineReport(r);
    assert.deepEqual(Object.keys(tl).sort(), ['events', 'signals', 'spans']);
    assert.ok(JSON.stringify(tl).length < 4_000_000);
    assert.ok(r.spans.length < 20_000, `${r.spans.length} spans`);
    // the Devices tree: PageHWPoison pages as pfn runs, not a row per page
    const dev: DeviceNode[] = buildDevicesTree(s.machine);
    assert.ok(countNodes(dev) < 60, `${countNodes(dev)} device nodes`);
  });
}
