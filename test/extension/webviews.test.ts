// The webviews in the extension host: Layer Routing, Timeline and Design
// Comparison open on a built-in scenario, finish the ready handshake, show
// the route and its outcomes, compare two designs, share the selection,
// open symbols through the extension, refuse malformed messages; Export
// Perfetto Trace writes a trace Perfetto can read.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, exec, scratch, setConfig, useLocalKernelTree, waitFor } from './helpers';
import { checkNesting, type TraceEvent } from '../../src/sim/perfetto';
import type { RoutingState, TimelineState, ComparisonState } from '../../src/protocol/messages';
import { checkComparisonView } from '../../src/protocol/comparison';

suite('webviews', () => {
  suiteTeardown(async () => {
    await setConfig('kernelTree', undefined);
    await setConfig('kernelLinks', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Open Layer Routing: the route of the last event, lane by lane, with its outcomes', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    assert.ok((await exec('daxPoisonLab.step')).ok);
    const o = await exec('daxPoisonLab.openRouting');
    assert.ok(o.ok, o.error);
    const p = a.webviews.panel('routing')!;
    assert.ok(p, 'the routing panel is open');
    await waitFor('the routing webview to say ready', () => p.isReady, 30_000);
    const st = a.webviews.routingState();
    assert.equal(st.selection.event, 'e1');
    assert.ok(st.left);
    const syms = st.left!.nodes.map((n) => n.symbol);
    for (const s of ['memory_failure', 'memory_failure_dev_pagemap', 'dax_holder_notify_failure', 'xfs_dax_notify_failure', 'xfs_dax_failure_fn', 'kill_proc']) assert.ok(syms.includes(s), s);
    assert.ok(st.left!.badges.some((b) => b.kind === 'sigbus-ar' && /injector:1001/.test(b.label)));
    // the event's verdicts travel with the route: the watcher (pid 1002) was not told, and the span that decided is in the route
    const watcher = st.left!.verdicts.find((v) => v.pid === 1002);
    assert.ok(watcher, JSON.stringify(st.left!.verdicts.map((v) => [v.pid, v.outcome])));
    assert.equal(watcher!.outcome, 'none');
    if (watcher!.span !== null) assert.ok(st.left!.nodes.some((n) => n.span === watcher!.span), `span ${watcher!.span} is in the route`);
    // after ready the extension posted the state, the first message of the conversation
    await waitFor('the state to be posted', () => p.posted.some((m) => m.type === 'state'));
    assert.equal(p.posted[0]!.type, 'state');
    assert.equal(p.refused.length, 0, p.refused.join('; '));
  });

  test('Layer Routing: the same event under another design, the differing hops marked', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openRouting', 'e1', 'page-mapping')).ok);
    const p = a.webviews.panel('routing')!;
    await waitFor('the routing webview to say ready', () => p.isReady, 30_000);
    const st = await waitFor('a posted state with two designs', () => {
      const last = [...p.posted].reverse().find((m) => m.type === 'state');
      const s = last?.type === 'state' ? (last.state as RoutingState) : undefined;
      return s?.right ? s : undefined;
    });
    assert.equal(st.left!.design, 'upstream');
    assert.equal(st.right!.design, 'page-mapping');
    assert.deepEqual(st.left!.lanes, st.right!.lanes);
    assert.ok(st.left!.nodes.filter((n) => n.symbol === 'xfs_dax_failure_fn').every((n) => n.diff === 'only'));
    assert.ok(st.right!.nodes.some((n) => n.diff === 'only'));
    // the webview asks for another design by message; a name that is no design is ignored
    await p.simulateMessage({ type: 'compareWith', design: 'corrupted-range' });
    assert.equal(a.webviews.compareWith, 'corrupted-range');
    await p.simulateMessage({ type: 'compareWith', design: 'no-such-design' });
    assert.equal(a.webviews.compareWith, 'corrupted-range');
    await p.simulateMessage({ type: 'compareWith', design: '' });
    assert.equal(a.webviews.routingState().right, null);
  });

  test('malformed messages from a webview are refused, logged and not acted on', async () => {
    const a = await api();
    const p = a.webviews.panel('routing') ?? (await exec('daxPoisonLab.openRouting'), a.webviews.panel('routing')!);
    await waitFor('ready', () => p.isReady, 30_000);
    const before = { opened: a.webviews.opened.length, sel: a.webviews.selection, refused: p.refused.length };
    for (const m of [{ type: 'openSymbol', symbol: '../../../etc/passwd' }, { type: 'openSymbol', symbol: 'memory_failure', uri: 'file:///etc/passwd' }, { type: 'select', selection: { event: 'e1', span: 'x' } }, { type: 'navigate', href: 'https://example.com' }, 'ready', null]) {
      await p.simulateMessage(m);
    }
    assert.equal(p.refused.length - before.refused, 6, p.refused.join('; '));
    assert.equal(a.webviews.opened.length, before.opened);
    assert.deepEqual(a.webviews.selection, before.sel);
  });

  test('a symbol clicked in the routing view opens the local kernel tree at its definition', async function () {
    await useLocalKernelTree(this);
    const a = await api();
    const p = a.webviews.panel('routing') ?? (await exec('daxPoisonLab.openRouting'), a.webviews.panel('routing')!);
    await waitFor('ready', () => p.isReady, 30_000);
    await p.simulateMessage({ type: 'openSymbol', symbol: 'xfs_dax_notify_failure' });
    const ed = await waitFor('an editor on xfs_notify_failure.c', () => (vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('fs/xfs/xfs_notify_failure.c') ? vscode.window.activeTextEditor : undefined));
    const line = ed.document.lineAt(ed.selection.active.line).text;
    assert.match(line, /xfs_dax_notify_failure\(/);
    assert.equal(a.webviews.opened[a.webviews.opened.length - 1], 'xfs_dax_notify_failure');
  });

  test('selection is shared: a span selected in routing reaches the timeline; a step back drops it', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openTimeline')).ok);
    const t = a.webviews.panel('timeline')!;
    await waitFor('the timeline webview to say ready', () => t.isReady, 30_000);
    const ts = a.webviews.timelineState();
    assert.ok(ts.report && ts.report.spans.length > 0);
    // the routing panel is behind the kernel source editor opened above: bring it back
    assert.ok((await exec('daxPoisonLab.openRouting')).ok);
    const r = a.webviews.panel('routing')!;
    await waitFor('routing ready', () => r.isReady, 30_000);
    const span = a.lab.session!.report.spans.find((s) => s.event === 'e1' && s.symbol === 'xfs_dax_failure_fn')!;
    await r.simulateMessage({ type: 'select', selection: { event: 'e1', span: span.id } });
    assert.deepEqual(a.webviews.selection, { event: 'e1', span: span.id });
    await waitFor('the timeline to get the selection', () => t.posted.some((m) => m.type === 'selection' && m.selection.span === span.id));
    // a span of another event is not a selection of this one
    await r.simulateMessage({ type: 'select', selection: { event: 'e1', span: 999999 } });
    assert.deepEqual(a.webviews.selection, { event: 'e1', span: null });
    assert.ok((await exec('daxPoisonLab.stepBack')).ok);
    assert.deepEqual(a.webviews.selection, { event: null, span: null });
    await waitFor('the timeline to get the empty report', () => {
      const last = [...t.posted].reverse().find((m) => m.type === 'state');
      return last?.type === 'state' && (last.state as TimelineState).report?.events.length === 0 ? true : undefined;
    });
  });

  test('Open Design Comparison: a table per design and the charts', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    const o = await exec('daxPoisonLab.openComparison');
    assert.ok(o.ok, o.error);
    const p = a.webviews.panel('comparison')!;
    await waitFor('the comparison webview to say ready', () => p.isReady, 30_000);
    // computed a design at a time: the view is told how far it is, then gets the whole comparison
    const st = await waitFor('the finished comparison', () => {
      const m = [...p.posted].reverse().find((x) => x.type === 'state');
      return m?.type === 'state' && (m.state as ComparisonState).view ? m : undefined;
    }, 60_000);
    const v = (st.type === 'state' ? (st.state as ComparisonState) : undefined)!.view!;
    assert.deepEqual(v.designs, ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure']);
    assert.equal(v.current, 'upstream');
    assert.ok(v.charts.find((c) => c.title === 'calls per symbol')!.groups.some((g) => g.label === 'xfs_dax_failure_fn' && g.differs));
    // the report's verdicts reach the webview through the protocol: testfile's reader is told by upstream, not by page-mapping
    assert.equal(checkComparisonView(v), undefined);
    const reader = v.verdicts.rows.find((r) => r.owner[0] === '/mnt/pmem/testfile' && r.pid === 1000)!;
    assert.ok(reader, v.verdicts.rows.map((r) => r.id).join(', '));
    assert.deepEqual([reader.cells[0]!.outcome, reader.cells[1]!.outcome], ['AO', 'none']);
    assert.ok(reader.cells[1]!.diff && reader.cells[1]!.symbol);
    // switching the session's design moves the "current" mark
    assert.ok((await exec('daxPoisonLab.setKernelKnob', { knob: 'design', value: 'page-mapping' })).ok);
    await waitFor('the comparison to follow the design', () => {
      const last = [...p.posted].reverse().find((m) => m.type === 'state');
      return last?.type === 'state' && (last.state as ComparisonState).view?.current === 'page-mapping' ? true : undefined;
    });
  });

  test('Export Perfetto Trace writes Chrome Trace Event JSON: nested slices, µs, named layers and processes, flows', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    assert.ok((await exec('daxPoisonLab.runToEnd')).ok);
    // a path argument outside the workspace folder is refused; a relative one lands in it
    const outside = await exec('daxPoisonLab.exportPerfetto', join(scratch(), 'reflink.trace.json'));
    assert.equal(outside.ok, false);
    assert.match(outside.error!, /^Export Perfetto Trace: ".*reflink\.trace\.json" is outside the workspace folder /);
    const file = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, '.cache', 'artifacts', 'reflink-both-mapped.perfetto.json');
    const o = await exec('daxPoisonLab.exportPerfetto', '.cache/artifacts/reflink-both-mapped.perfetto.json');
    assert.ok(o.ok, o.error);
    assert.ok(existsSync(file));
    const t = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[]; displayTimeUnit: string };
    const spans = a.lab.session!.report.spans;
    const slices = t.traceEvents.filter((e) => e.ph === 'X');
    assert.equal(slices.length, spans.length);
    assert.deepEqual(checkNesting(t.traceEvents), []);
    const mf = slices.find((e) => e.name === 'memory_failure')!;
    assert.equal(mf.ts, spans.find((s) => s.symbol === 'memory_failure')!.t / 1000);
    assert.equal(mf.args!.pfn, '0x241218');
    const names = t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => String(e.args!.name));
    assert.ok(names.includes('injector (pid 1001)'), names.join(', '));
    assert.ok(t.traceEvents.some((e) => e.ph === 'M' && e.name === 'thread_name' && e.args!.name === 'dev_pagemap'));
    assert.ok(t.traceEvents.some((e) => e.ph === 's' && e.name === 'mm → dev_pagemap'));
    assert.equal(t.traceEvents.filter((e) => e.ph === 's').length, t.traceEvents.filter((e) => e.ph === 'f').length);
  });
});
