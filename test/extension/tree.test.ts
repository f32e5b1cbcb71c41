// The Devices, Owners and Events views after an inject and an unbind: what
// a user sees in the tree items (labels, descriptions, icons, colours,
// context values for the menus).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, exec } from './helpers';
import type { DeviceNode } from '../../src/extension/model/devices';

function flatten(nodes: readonly DeviceNode[]): DeviceNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

suite('views', () => {
  test('Devices: regions → namespaces → pmem → dax → filesystem → files', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    const roots = a.devices.getChildren();
    assert.deepEqual(roots.map((r) => r.label), ['region0']);
    const ns = a.devices.getChildren(roots[0])[0]!;
    assert.equal(ns.label, 'namespace0.0');
    const pmem = a.devices.getChildren(ns)[0]!;
    assert.equal(pmem.label, '/dev/pmem0');
    const dax = a.devices.getChildren(pmem).find((n) => n.kind === 'dax')!;
    assert.match(dax.description!, /holder xfs_dax_holder_operations/);
    const fs = a.devices.getChildren(dax)[0]!;
    assert.equal(fs.label, '/mnt/pmem');
    assert.deepEqual(a.devices.getChildren(fs).map((f) => f.label), ['poisonfile', 'testfile']);
    const item = a.devices.getTreeItem(fs);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'file-submodule');
    const tip = a.devices.getTreeItem(pmem).tooltip as vscode.MarkdownString;
    for (const unit of ['SPA', 'pfn', 'sector', 'daddr', 'owner']) assert.match(tip.value, new RegExp(`\\| ${unit} \\|`));
  });

  test('after an inject: poisoned pages, badblocks and the hit files are marked', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.step'); // MADV_HWPOISON on the shared first block
    assert.ok((await exec('daxPoisonLab.injectPoison', { kind: 'inject-error', target: { form: 'device', object: 'pmem0', value: 200 }, length: 512, notify: true })).ok);
    const all = flatten(a.devices.nodes);
    const page = all.find((n) => n.kind === 'hwpoison');
    assert.ok(page, 'a poisoned page node');
    assert.equal(page!.label, 'pfn 0x241218');
    assert.equal(page!.color, 'list.errorForeground');
    const bb = all.find((n) => n.id === 'pmem0/bb');
    assert.ok(bb, 'a badblocks group under pmem0');
    assert.equal(bb!.description, '1 range · 1 sector (512B)');
    const files = all.filter((n) => n.kind === 'file');
    for (const f of files) {
      assert.match(f.description!, /poisoned/, f.label);
      const it = a.devices.getTreeItem(f);
      assert.equal(((it.iconPath as vscode.ThemeIcon).color as unknown as { id: string }).id, 'list.errorForeground');
    }
    // inline actions are keyed on the context value
    assert.match(a.devices.getTreeItem(page!).contextValue!, /daxTarget/);
    // the status bar counts the poisoned page
    assert.match(a.lab.statusText, /1 badblock sector · 1 poisoned page/);
    // Owners of the page: both reflinked files, and who maps them
    assert.ok((await exec('daxPoisonLab.revealOwners', page)).ok);
    const top = a.owners.getChildren();
    const owners = top.filter((x) => x.type === 'owner').map((x) => (x.type === 'owner' ? x.entry.label : ''));
    assert.ok(owners.includes('/mnt/pmem/testfile') && owners.includes('/mnt/pmem/poisonfile'), owners.join(', '));
    const poisonfile = top.find((x) => x.type === 'owner' && x.entry.label === '/mnt/pmem/poisonfile')!;
    const mappers = a.owners.getChildren(poisonfile).map((m) => a.owners.getTreeItem(m).label);
    assert.deepEqual(mappers, ['injector:1001', 'watcher:1002']);
  });

  test('after an unbind: the namespace is unbound, the disk gone, the filesystem shut down', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'unbind-mounted-xfs')).ok);
    await exec('daxPoisonLab.step');
    const all = flatten(a.devices.nodes);
    const ns = all.find((n) => n.kind === 'namespace')!;
    assert.equal(ns.contextValue, 'daxNamespaceUnbound');
    assert.match(ns.description!, /unbound/);
    assert.equal((a.devices.getTreeItem(ns).iconPath as vscode.ThemeIcon).id, 'debug-disconnect');
    const dax = all.find((n) => n.kind === 'dax')!;
    assert.match(dax.description!, /dead \(kill_dax\)/);
    const fs = all.find((n) => n.kind === 'fs')!;
    assert.match(fs.description!, /shut down \(SHUTDOWN_FORCE_UMOUNT\)/);
    assert.equal((a.devices.getTreeItem(fs).iconPath as vscode.ThemeIcon).id, 'error');
  });

  test('Events: results, signals, expectations and the route of each event', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'unbind-mounted-xfs')).ok);
    await exec('daxPoisonLab.step');
    const rows = a.events.getChildren();
    assert.equal(rows.length, 3);
    const first = a.events.getTreeItem(rows[0]!);
    assert.equal(first.label, 'e1 unbind');
    assert.match(String(first.description), /^= 0 · (AO→5000 AO→5001|AO→5001 AO→5000) · 8\/8 ok$/);
    assert.equal((first.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal((a.events.getTreeItem(rows[1]!).iconPath as vscode.ThemeIcon).id, 'debug-stackframe');
    const kids = a.events.getChildren(rows[0]);
    const texts = kids.map((k) => String(a.events.getTreeItem(k).label));
    assert.ok(texts.some((t) => /SIGBUS BUS_MCEERR_AO to late-reader:5000/.test(t)), texts.join('\n'));
    assert.ok(texts.some((t) => /^ok {4}signal/.test(t)));
    const span = kids.find((k) => k.type === 'span')!;
    assert.match(String(a.events.getTreeItem(span).label), /^unbind(_store)?\(/);
    assert.equal(a.events.getTreeItem(span).command!.command, 'daxPoisonLab.goToKernelSymbol');
  });

  test('the dmesg log channel and the results channel exist', async () => {
    const a = await api();
    assert.equal(a.lab.dmesg.name, 'DAX Poison Lab: dmesg');
    assert.ok(a.lab.session!.report.dmesg.some((l) => /Device is about to be removed/.test(l)));
  });
});
