// The lab at scale, in a real VS Code: a database maps a 1 GiB file on a
// 1 TiB namespace with MAP_POPULATE (262,144 pages faulted in), then the
// namespace is unbound. The scenario is opened and stepped, and the Events
// tree, Layer Routing, Timeline, Design Comparison and the address hover
// are used; each answers within the budget (1 s on this machine).
// The figures are printed: the extension host's time for each view's state,
// the Events tree's expansions and item counts, the hover, each design of
// the comparison (run in the simulator's worker, the view told how far it
// is after each design) and the longest the extension host's event loop was
// held in each phase: under the budget in every one, the simulator's open,
// step and runs included (they run in the worker, src/protocol/sim.ts).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, exec, waitFor } from './helpers';
import type { ComparisonState, RoutingState, TimelineState } from '../../src/protocol/messages';
import type { EventsItem } from '../../src/extension/views';

/** the budget: no view waits longer */
const BUDGET_MS = 1000;
/** the margin on a machine shared with other work (2 cores, other agents' suites): the figures are printed, the assertion allows this */
const MARGIN = 2.5;
const PAGES = 262144;

const SCENARIO = `version: 1
name: a database maps a 1 GiB file on a 1 TiB namespace (populated), then the namespace is unbound
kernel: { design: pagemap-failure }
platform:
  regions:
    - { id: region0, spa: 0x10000000000, size: 1TiB }
  namespaces:
    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0, align: 2MiB }
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem }
files:
  - { path: /mnt/pmem/db, size: 1GiB, fill: 0x61 }
processes:
  - pid: 1000
    comm: db
    mappings:
      - { id: m0, file: /mnt/pmem/db, populate: true }
events:
  - do: unbind
    namespace: namespace0.0
`;

/** a figure in the test output (the runner's log file under code-server, whose host keeps console.log to itself) */
const log = (s: string) => {
  const f = process.env.DPL_TEST_LOG;
  if (f) appendFileSync(f, `      ${s}\n`);
  else console.log(`      ${s}`);
};

suite('at scale', () => {
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a populated 1 GiB mapping unbound: the Events tree, routing, timeline, comparison and hovers answer within 1 s', async function () {
    this.timeout(600_000);
    const a = await api();
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = join(folder, 'populated-1g.poison.yaml');
    writeFileSync(file, SCENARIO);
    const uri = vscode.Uri.file(file);

    // the longest the extension host's event loop is held, per phase
    let phase = 'open';
    const lag = new Map<string, number>();
    let last = Date.now();
    const probe = setInterval(() => {
      const now = Date.now();
      lag.set(phase, Math.max(lag.get(phase) ?? 0, now - last - 20));
      last = now;
    }, 20);
    const figures: string[] = [];
    const timed = async <T>(what: string, f: () => T | PromiseLike<T>): Promise<{ v: T; ms: number }> => {
      const t0 = Date.now();
      const v = await f();
      const ms = Date.now() - t0;
      figures.push(`${what}: ${ms} ms`);
      log(`${what}: ${ms} ms`);
      return { v, ms };
    };
    // whether open or step outlasts the lab's 400 ms before a progress notification
    // depends on this machine; a delay no worker round trip can beat makes it certain
    const progressAfter = a.lab.progressAfterMs;
    const shownBefore = a.lab.progressShown;
    try {
      // ---- open and step (the simulator builds the machine and runs the unbind: the simulator's time, printed)
      a.lab.progressAfterMs = 1;
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: false });
      const open = await timed('open the scenario (machine built, 262144 pages faulted in)', () => exec('daxPoisonLab.openScenario', uri));
      assert.ok(open.v.ok, open.v.error);
      phase = 'step';
      const step = await timed('step e1 unbind (the simulator)', () => exec('daxPoisonLab.step'));
      assert.ok(step.v.ok, step.v.error);
      a.lab.progressAfterMs = progressAfter;
      // the simulator's open and step ran in its worker, each outlasting the delay: a notification each
      log(`progress notifications shown: ${a.lab.progressShown - shownBefore}`);
      assert.ok(a.lab.progressShown - shownBefore >= 2, 'a progress notification while the machine was built and another while the unbind ran');
      const r = a.lab.session!.report;
      log(`report: ${r.spans.length} spans, ${a.lab.session!.dmesgLines} dmesg lines (${r.dmesg.length} folded), ${r.calls.memory_failure} memory_failure calls`);
      assert.ok(r.calls.memory_failure! > PAGES);

      // ---- the Events tree: the event, its route as a call tree, a run expanded to its members
      phase = 'tree';
      const rows = await timed('Events: the event rows', () => a.events.getChildren());
      const ev = rows.v.find((x) => x.type === 'event' && x.row.id === 'e1')!;
      const kids = await timed('Events: expand e1', () => a.events.getChildren(ev));
      assert.ok(kids.ms < BUDGET_MS, `expanding e1 took ${kids.ms} ms`);
      let items = 0;
      let runItem: EventsItem | undefined;
      const walk = (its: EventsItem[]) => {
        for (const it of its) {
          items++;
          a.events.getTreeItem(it);
          if (it.type === 'span' && !runItem && it.node.span.count === PAGES && a.events.getChildren(it).some((c) => c.type === 'members')) runItem = it;
          if (it.type === 'span') walk(a.events.getChildren(it).filter((c) => c.type === 'span'));
        }
      };
      const all = await timed('Events: every span node and its tree item', () => walk(kids.v));
      log(`Events: ${items} items under e1 (the route as a call tree)`);
      assert.ok(items < 300, `${items} items`);
      assert.ok(all.ms < BUDGET_MS * MARGIN, `${all.ms} ms`);
      assert.ok(runItem, 'a run of 262144 calls is one node');
      const label = String(a.events.getTreeItem(runItem!).label);
      assert.match(label, /^memory_failure ×262144 \(pfn=0x[0-9a-f]+\.\.0x[0-9a-f]+, flags=MF_MEM_REMOVE\) = 0$/);
      const members = a.events.getChildren(runItem).find((c) => c.type === 'members')!;
      const memberRows = await timed('Events: expand the run\'s members', () => a.events.getChildren(members));
      const texts = memberRows.v.map((m) => String(a.events.getTreeItem(m).label));
      log(`Events: ${texts.join(' | ')}`);
      assert.equal(texts.length, 7);
      assert.equal(texts[3], `… ${PAGES - 6} more calls`);
      const [first, lastPfn] = label.replace(/^.*pfn=/, '').replace(/,.*$/, '').split('..');
      assert.match(texts[0]!, new RegExp(`^#1  memory_failure\\(pfn=${first}, `));
      assert.match(texts[6]!, new RegExp(`^#${PAGES}  memory_failure\\(pfn=${lastPfn}, `));

      // ---- Layer Routing
      phase = 'routing';
      const routing = await timed('Layer Routing: command to webview ready', async () => {
        assert.ok((await exec('daxPoisonLab.openRouting')).ok);
        const p = a.webviews.panel('routing')!;
        await waitFor('routing ready', () => p.isReady, 60_000);
        return p;
      });
      const rs = await timed('Layer Routing: the state (route of e1)', () => a.webviews.routingState());
      assert.ok(rs.ms < BUDGET_MS, `${rs.ms} ms`);
      assert.ok(rs.v.left && rs.v.left.nodes.length < 300 && rs.v.left.hidden === 0);
      assert.ok(rs.v.left!.nodes.some((n) => n.count === PAGES && /\.\./.test(String(n.args.pfn))));
      const routingBytes = JSON.stringify(rs.v).length;
      log(`Layer Routing: ${rs.v.left!.nodes.length} nodes, ${routingBytes} bytes of state`);
      await waitFor('the routing state posted', () => routing.v.posted.some((m) => m.type === 'state' && (m.state as RoutingState).left !== null));
      // another design beside it: the view is told at once that it runs, then gets both routes
      const cw = await timed('Layer Routing: compare with upstream (the view answered)', async () => {
        await routing.v.simulateMessage({ type: 'compareWith', design: 'upstream' });
        return [...routing.v.posted].reverse().find((m) => m.type === 'state')!;
      });
      assert.ok(cw.ms < BUDGET_MS * MARGIN, `${cw.ms} ms`);
      await timed('Layer Routing: the upstream route arrived', () =>
        waitFor('a state with two designs', () => {
          const m = [...routing.v.posted].reverse().find((x) => x.type === 'state');
          return m?.type === 'state' && (m.state as RoutingState).right ? true : undefined;
        }, 120_000),
      );
      await routing.v.simulateMessage({ type: 'compareWith', design: '' });

      // ---- Timeline
      phase = 'timeline';
      const timeline = await timed('Timeline: command to webview ready', async () => {
        assert.ok((await exec('daxPoisonLab.openTimeline')).ok);
        const p = a.webviews.panel('timeline')!;
        await waitFor('timeline ready', () => p.isReady, 60_000);
        return p;
      });
      const ts = await timed('Timeline: the state', () => a.webviews.timelineState());
      const tsBytes = JSON.stringify(ts.v).length;
      log(`Timeline: ${ts.v.report!.spans.length} spans, ${tsBytes} bytes of state (no dmesg: the report has ${a.lab.session!.dmesgLines} lines)`);
      assert.ok(ts.ms < BUDGET_MS);
      assert.deepEqual(Object.keys(ts.v.report!).sort(), ['events', 'signals', 'spans']);
      assert.ok(tsBytes < 8_000_000, `${tsBytes} bytes`);
      await waitFor('the timeline state posted', () => timeline.v.posted.some((m) => m.type === 'state' && (m.state as TimelineState).report !== null));
      // a span selected in the tree reaches the timeline
      const runSpan = (runItem as Extract<EventsItem, { type: 'span' }>).node.span.id;
      const sel = await timed('Timeline: a run selected reaches it', async () => {
        a.webviews.select({ event: 'e1', span: runSpan });
        return waitFor('the selection posted', () => timeline.v.posted.some((m) => m.type === 'selection' && m.selection.span === runSpan));
      });
      assert.ok(sel.ms < BUDGET_MS);

      // ---- Design Comparison: the view is told at once how far the comparison is, then gets it whole
      phase = 'comparison';
      const cmp = await timed('Design Comparison: command to webview ready', async () => {
        assert.ok((await exec('daxPoisonLab.openComparison')).ok);
        const p = a.webviews.panel('comparison')!;
        await waitFor('comparison ready', () => p.isReady, 60_000);
        return p;
      });
      const first1 = [...cmp.v.posted].find((m) => m.type === 'state');
      log(`Design Comparison: first state: ${first1?.type === 'state' ? ((first1.state as ComparisonState).empty ?? 'the comparison') : 'none'}`);
      const whole = await timed('Design Comparison: every design run and the view built', () => waitFor('the comparison', () => (a.webviews.comparisonReady ? true : undefined), 300_000));
      const last1 = [...cmp.v.posted].reverse().find((m) => m.type === 'state')!;
      const view = (last1.state as ComparisonState).view!;
      assert.ok(view, (last1.state as ComparisonState).empty);
      assert.deepEqual(view.designs, ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure']);
      log(`Design Comparison: ${JSON.stringify(last1).length} bytes of state; ${whole.ms} ms in all`);

      // ---- a hover on an address of the scenario
      phase = 'hover';
      const at = doc.getText().indexOf('0x10000000000');
      const hov = await timed('hover on the region address', () => vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, doc.positionAt(at + 2)));
      assert.ok(hov.v.some((h) => h.contents.some((c) => /SPA|pfn/.test(typeof c === 'string' ? c : (c as vscode.MarkdownString).value))));
      // the round trip goes through the workbench (printed); the provider itself answers from the session's machine
      assert.ok((lag.get('hover') ?? 0) < BUDGET_MS, `the hover held the event loop ${lag.get('hover')} ms`);

      // ---- what the extension host measured for each view's state, and the design runs
      for (const t of a.webviews.timings) log(`host: ${t.view} ${t.what}: ${t.ms} ms`);
      for (const t of a.webviews.timings.filter((x) => x.what === 'state')) assert.ok(t.ms < BUDGET_MS, `${t.view} state took ${t.ms} ms`);
      for (const t of a.webviews.timings.filter((x) => x.what === 'the comparison view')) assert.ok(t.ms < BUDGET_MS, `the comparison view took ${t.ms} ms`);
    } finally {
      a.lab.progressAfterMs = progressAfter;
      clearInterval(probe);
      for (const [k, v] of lag) log(`event loop held at most ${Math.max(0, v)} ms during ${k}`);
    }
    // the simulator runs in its worker: no phase holds the extension host's event loop past the budget (open, step, each design's run included)
    for (const k of ['open', 'step', 'tree', 'routing', 'timeline', 'comparison', 'hover']) assert.ok((lag.get(k) ?? 0) < BUDGET_MS, `${k}: the event loop was held ${lag.get(k)} ms`);
  });
});
