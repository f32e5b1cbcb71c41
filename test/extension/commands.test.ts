// Every command of the lab on a built-in scenario, driven the way a user
// drives it: by argument (tree actions, CodeLenses) and through the
// quick-pick flows, answered by a scripted prompter. Bad answers are
// refused with the reason and change nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, builtin, exec, kernelTree, setConfig } from './helpers';

suite('commands', () => {
  suiteTeardown(async () => {
    (await api()).usePrompter(undefined);
    await setConfig('kernelTree', undefined);
    await setConfig('kernelLinks', undefined);
  });

  test('Open Scenario: a built-in one by name, then step, step back, run to end, reset', async () => {
    const a = await api();
    const o = await exec('daxPoisonLab.openScenario', 'reflink-both-mapped');
    assert.ok(o.ok, o.error);
    const s = a.lab.session!;
    assert.equal(s.scenario.name, 'reflinked block poisoned while both files are mapped');
    assert.equal(s.cursor, 0);
    assert.ok((await exec('daxPoisonLab.step')).ok);
    assert.equal(a.lab.session!.cursor, 1);
    assert.equal(a.lab.session!.report.signals.length, 2);
    assert.match(a.lab.statusText, /upstream on 6.12 · no bad media · 0 badblock sectors · 1 poisoned page/);
    assert.ok((await exec('daxPoisonLab.stepBack')).ok);
    assert.equal(a.lab.session!.cursor, 0);
    assert.equal(a.lab.session!.report.signals.length, 0);
    const refused = await exec('daxPoisonLab.stepBack');
    assert.equal(refused.ok, false);
    assert.match(refused.error!, /at the start/);
    assert.ok((await exec('daxPoisonLab.runToEnd')).ok);
    assert.ok(a.lab.session!.atEnd);
    const end = await exec('daxPoisonLab.step');
    assert.equal(end.ok, false);
    assert.equal(end.error, `all ${a.lab.session!.events.length} events have run; Reset or add an event`);
    assert.ok((await exec('daxPoisonLab.reset')).ok);
    assert.equal(a.lab.session!.cursor, 0);
  });

  test('Open Scenario and New Scenario through their quick picks', async () => {
    const a = await api();
    const p1 = new a.ScriptedPrompter(['$(beaker) unbind-mounted-xfs.poison.yaml']);
    a.usePrompter(p1);
    assert.ok((await exec('daxPoisonLab.openScenario')).ok);
    assert.match(a.lab.session!.scenario.name, /unbinding pmem/);
    const p2 = new a.ScriptedPrompter(['Two reflinked files, two processes']);
    a.usePrompter(p2);
    assert.ok((await exec('daxPoisonLab.newScenario')).ok);
    assert.equal(a.lab.session!.scenario.name, 'two reflinked files');
    assert.equal(a.lab.source!.scheme, 'untitled');
    a.usePrompter(undefined);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('Inject Poison: the whole quick-pick flow, with an out-of-range answer refused with the reason', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.runToEnd');
    const p = new a.ScriptedPrompter([
      'Media error', // kind
      'Namespace offset', // target form
      'namespace0.0', // which namespace
      '0x80000000', // refused: beyond the 1GiB namespace
      '0x1218000', // the reader's first page
      '0', // refused: length 0
      '4KiB',
    ]);
    a.usePrompter(p);
    const o = await exec('daxPoisonLab.injectPoison');
    assert.ok(o.ok, o.error);
    assert.equal(p.refusals.length, 2, p.refusals.join(' | '));
    assert.match(p.refusals[0]!, /beyond namespace namespace0\.0/);
    assert.match(p.refusals[1]!, /at least 1 byte/);
    const s = a.lab.session!;
    const last = s.events[s.events.length - 1]!;
    assert.equal(last.do, 'media-error');
    assert.equal(s.handEvents.length, 1);
    // the latent media error shows in Devices, not yet known to the kernel
    assert.ok(JSON.stringify(a.devices.nodes).includes('latent: not yet known to the kernel'));
  });

  test('every hand action by argument: inject kinds, consume, read/write, punch hole, scrub, clear errors, unbind', async () => {
    const a = await api();
    a.usePrompter(new a.ScriptedPrompter([]));
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.runToEnd');
    const steps: [string, unknown][] = [
      ['daxPoisonLab.injectPoison', { kind: 'inject-error', target: { form: 'device', object: 'pmem0', value: 200 }, length: 512, notify: true }],
      ['daxPoisonLab.injectPoison', { kind: 'madvise-hwpoison', target: { form: 'process', object: 1000, value: 0x7f0000003000 }, length: 4096 }],
      ['daxPoisonLab.injectPoison', { kind: 'corrupt-pfn', target: { form: 'spa', value: 0x241230000 } }],
      ['daxPoisonLab.injectPoison', { kind: 'ghes', target: { form: 'file', object: '/mnt/pmem/testfile', value: 0x5000 }, sync: false }],
      ['daxPoisonLab.injectPoison', { kind: 'media-error', target: { form: 'spa', value: 0x241220000 }, length: 64 }],
      ['daxPoisonLab.consume', { do: 'load', process: 1002, addr: '0x7f0000006000', length: 8 }],
      ['daxPoisonLab.readWrite', { do: 'read', process: 1000, file: '/mnt/pmem/testfile', offset: 0x8000, length: 4096 }],
      ['daxPoisonLab.readWrite', { do: 'write', process: 1000, device: 'pmem0', offset: 0x100000, length: 4096, direct: true }],
      ['daxPoisonLab.punchHole', { process: 1000, file: '/mnt/pmem/testfile', offset: 0xc000, length: 4096 }],
      ['daxPoisonLab.scrub', { all: true }],
      ['daxPoisonLab.clearErrors', { namespace: 'namespace0.0' }],
      ['daxPoisonLab.unbind', { namespace: 'namespace0.0' }],
    ];
    for (const [cmd, arg] of steps) {
      const o = await exec(cmd, arg);
      assert.ok(o.ok, `${cmd} ${JSON.stringify(arg)}: ${o.error}`);
    }
    const s = a.lab.session!;
    assert.equal(s.handEvents.length, steps.length);
    assert.deepEqual(
      s.events.slice(-steps.length).map((e) => e.do),
      ['inject-error', 'madvise-hwpoison', 'corrupt-pfn', 'ghes', 'media-error', 'load', 'read', 'write', 'punch-hole', 'scrub', 'clear-errors', 'unbind'],
    );
    // after the unbind, the namespace is gone: another unbind is refused with the reason, nothing changes
    const n = s.events.length;
    const again = await exec('daxPoisonLab.unbind', { namespace: 'namespace0.0' });
    assert.equal(again.ok, false);
    assert.match(again.error!, /^unbind namespace0\.0: namespace0\.0 was unbound by e\d+ \(\/dev\/pmem0 is gone\); nothing to unbind$/);
    assert.equal(a.lab.session!.events.length, n);
    a.usePrompter(undefined);
  });

  test('a refused hand action names the reason and leaves the session as it was', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.runToEnd');
    const before = JSON.stringify(a.lab.session!.report);
    const o1 = await exec('daxPoisonLab.consume', { do: 'load', process: 1000, addr: '0x1000' });
    assert.equal(o1.ok, false);
    assert.match(o1.error!, /no mapping at 0x1000/);
    const o2 = await exec('daxPoisonLab.injectPoison', { kind: 'madvise-hwpoison', target: { form: 'process', object: 1000, value: 0x7f0000000800 } });
    assert.equal(o2.ok, false);
    assert.match(o2.error!, /page-aligned/);
    const o3 = await exec('daxPoisonLab.injectPoison', { kind: 'media-error', target: { form: 'spa', value: 0x10 } });
    assert.equal(o3.ok, false);
    assert.match(o3.error!, /no region/);
    assert.equal(JSON.stringify(a.lab.session!.report), before);
    assert.ok(a.messages.some((m) => /no mapping at 0x1000/.test(m)));
  });

  test('pending events: a hand action asks to run or discard them first', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'unbind-mounted-xfs')).ok);
    assert.ok((await exec('daxPoisonLab.step')).ok);
    a.usePrompter(new a.ScriptedPrompter(['Discard them']));
    const o = await exec('daxPoisonLab.scrub', { all: true });
    assert.ok(o.ok, o.error);
    assert.deepEqual(a.lab.session!.events.map((e) => e.do), ['unbind', 'scrub']);
    a.usePrompter(undefined);
  });

  test('Switch Design and Change Kernel Knob replay the session; an unknown design is refused', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.step');
    a.usePrompter(new a.ScriptedPrompter(['page-mapping']));
    assert.ok((await exec('daxPoisonLab.switchDesign')).ok);
    assert.equal(a.lab.session!.design, 'page-mapping');
    assert.equal(a.lab.session!.cursor, 1);
    assert.match(a.lab.statusText, /page-mapping/);
    const bad = await exec('daxPoisonLab.switchDesign', 'bogus');
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /no design "bogus"/);
    assert.equal(a.lab.session!.design, 'page-mapping');
    a.usePrompter(new a.ScriptedPrompter(['earlyKill', '1']));
    assert.ok((await exec('daxPoisonLab.setKernelKnob')).ok);
    assert.equal(a.lab.session!.kernel.earlyKill, true);
    assert.ok((await exec('daxPoisonLab.switchDesign', { design: 'upstream' })).ok);
    a.usePrompter(undefined);
  });

  test('Compare Designs shows every design side by side in a document', async () => {
    const a = await api();
    const o = await exec('daxPoisonLab.compareDesigns', builtin('reflink-both-mapped'));
    assert.ok(o.ok, o.error);
    assert.match(o.message!, /upstream/);
    assert.match(o.message!, /page-mapping/);
    assert.match(o.message!, /corrupted-range/);
    const doc = vscode.window.activeTextEditor?.document ?? vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'dax-poison-lab');
    assert.ok(doc && doc.uri.scheme === 'dax-poison-lab', 'a comparison document is open');
    assert.ok(a.lab.session, 'the session is still there');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Run Scenario and Check Expectations on a file; Run to here', async () => {
    const a = await api();
    const uri = builtin('scrub-and-heal');
    const r = await exec('daxPoisonLab.runScenario', uri);
    assert.ok(r.ok, r.error);
    assert.ok(a.lab.session!.atEnd);
    const c = await exec('daxPoisonLab.checkScenario', uri);
    assert.ok(c.ok, c.error);
    assert.match(c.message!, / 0 failed/);
    const t = await exec('daxPoisonLab.runTo', uri, 1);
    assert.ok(t.ok, t.error);
    assert.equal(a.lab.session!.cursor, 1);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Reveal Owners, Show Route and Go to Kernel Symbol', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.step');
    const o = await exec('daxPoisonLab.revealOwners', { spa: 0x241218000, len: 4096, title: 'pfn 0x241218' });
    assert.ok(o.ok, o.error);
    // the simulator answers the owners (off the extension host's event loop)
    await a.owners.settled;
    const owners = a.owners.result!;
    const files = owners.entries.filter((e) => e.kind === 'inode').map((e) => e.label);
    assert.deepEqual(files.sort(), ['/mnt/pmem/poisonfile', '/mnt/pmem/testfile']);
    const route = await exec('daxPoisonLab.showRoute', 'e1');
    assert.ok(route.ok, route.error);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'dax-poison-lab' && d.uri.path === '/route/e1.txt');
    assert.ok(doc, 'route document open');
    assert.match(doc!.getText(), /memory_failure\(pfn=0x241218/);
    assert.match(doc!.getText(), /xfs_dax_notify_failure/);
    const links = (await vscode.commands.executeCommand('vscode.executeLinkProvider', doc!.uri)) as vscode.DocumentLink[];
    assert.ok(links.length > 5, `${links.length} links`);

    // the quick pick lists every symbol with its file and role
    const tree = kernelTree();
    if (tree) {
      await setConfig('kernelLinks', 'auto');
      await setConfig('kernelTree', tree);
      a.usePrompter(new a.ScriptedPrompter(['memory_failure_dev_pagemap']));
      const g = await exec('daxPoisonLab.goToKernelSymbol');
      assert.ok(g.ok, g.error);
      assert.match(g.message!, /mm\/memory-failure\.c:\d+/);
      const ed = vscode.window.activeTextEditor!;
      assert.match(ed.document.uri.path, /mm\/memory-failure\.c$/);
      assert.match(ed.document.lineAt(ed.selection.active.line).text, /memory_failure_dev_pagemap\(/);
      a.usePrompter(undefined);
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
