// Import Machine… and the what-if actions, in the real extension host: a
// collected folder becomes a scenario file beside it and the open session;
// every bad range of the imported machine is a Devices target whose
// What-if menu runs the event on a copy, shows who is told and who is not,
// and leaves the session as imported.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, exec, extensionRoot, scratch } from './helpers';
import type { DeviceNode } from '../../src/extension/model/devices';

function flatten(nodes: readonly DeviceNode[]): DeviceNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

function fixture(name: string): string {
  const dir = join(scratch(), name);
  cpSync(join(extensionRoot(), 'test', 'fixtures', 'machines', name), dir, { recursive: true });
  return dir;
}

suite('import machine', () => {
  test('Import Machine… writes <folder>.poison.yaml beside the folder and opens it as the session', async () => {
    const a = await api();
    const dir = fixture('nvdimm-two-regions');
    const r = await exec('daxPoisonLab.importMachine', vscode.Uri.file(dir));
    assert.ok(r.ok, r.error);
    const out = `${dir}.poison.yaml`;
    assert.ok(existsSync(out));
    assert.match(readFileSync(out, 'utf8'), /^# Imported by `node dist\/cli.js import` from nvdimm-two-regions/);
    assert.equal(a.lab.source?.fsPath, out);
    assert.deepEqual(a.lab.session!.scenario.platform.regions.map((x) => x.id), ['region0', 'region1']);
    assert.ok(a.messages.some((m) => /imported nvdimm-two-regions: 2 poison targets, \d+ approximations/.test(m)), a.messages.slice(-3).join('\n'));
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, out);
  });

  test('an incomplete folder is imported with a warning naming what is missing; a bad file refuses and writes nothing', async () => {
    const a = await api();
    const dir = fixture('ext4-filefrag');
    const r = await exec('daxPoisonLab.importMachine', vscode.Uri.file(dir));
    assert.ok(r.ok, r.error);
    assert.ok(a.messages.some((m) => /imported ext4-filefrag \(INCOMPLETE: cxl-list\.json missing\)/.test(m)));
    const bad = fixture('nvdimm-two-regions');
    writeFileSync(join(bad, 'proc', '1000', 'maps'), '7f0000000000-7f0000010000 rw-s 00000000 103:00 999 /mnt/pmem/testfile\n');
    const before = a.lab.source?.fsPath;
    const b = await exec('daxPoisonLab.importMachine', vscode.Uri.file(bad));
    assert.equal(b.ok, false);
    assert.match(b.error!, /nvdimm-two-regions\/proc\/1000\/maps:1: maps \/mnt\/pmem\/testfile as inode 999, but the collected file is inode 131/);
    assert.ok(!existsSync(`${bad}.poison.yaml`));
    assert.equal(a.lab.source?.fsPath, before, 'the session is unchanged');
  });

  test('every bad range is a target with the three what-if actions in its context menu', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.importMachine', vscode.Uri.file(fixture('nvdimm-two-regions')))).ok);
    await exec('daxPoisonLab.runToEnd');
    const bad = flatten(a.devices.nodes).filter((n) => n.contextValue === 'daxBad');
    const ids = bad.map((n) => n.id);
    for (const id of ['region0/bb/37056', 'pmem0/bb/192', 'region1/bb/36872']) assert.ok(ids.includes(id), ids.join(' '));
    for (const n of bad) assert.match(a.devices.getTreeItem(n).contextValue!, /daxBad/);
    const pj = JSON.parse(readFileSync(join(extensionRoot(), 'package.json'), 'utf8'));
    const menu = pj.contributes.menus['view/item/context'].filter((m: { command: string }) => /whatIf/.test(m.command));
    assert.deepEqual(menu.map((m: { command: string; when: string }) => [m.command, m.when]), [
      ['daxPoisonLab.whatIfConsumed', 'view == daxPoisonLab.devices && viewItem =~ /daxBad/'],
      ['daxPoisonLab.whatIfScrubbed', 'view == daxPoisonLab.devices && viewItem =~ /daxBad/'],
      ['daxPoisonLab.whatIfRemoved', 'view == daxPoisonLab.devices && viewItem =~ /daxBad/'],
    ]);
  });

  test('What happens if this is consumed? runs on a copy: the verdicts are shown and the imported session is unchanged', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.importMachine', vscode.Uri.file(fixture('nvdimm-two-regions')))).ok);
    await exec('daxPoisonLab.runToEnd');
    const s = a.lab.session!;
    const before = { cursor: s.cursor, events: s.events.length, signals: s.report.signals.length, dmesg: s.report.dmesg.length };
    const node = flatten(a.devices.nodes).find((n) => n.id === 'pmem0/bb/192')!;
    const r = await exec('daxPoisonLab.whatIfConsumed', node);
    assert.ok(r.ok, r.error);
    assert.match(r.message!, /^# What happens if this is consumed\?/);
    assert.match(r.message!, /\*\*Event:\*\* `\{ id: what-if, do: load, process: 1000, addr: 0x7f0000000000, length: 8 \}`/);
    assert.match(r.message!, /## Who is told \([1-9]\d*\)\n\n- \*\*(AR|AO|SIGBUS)\*\* reader:1000 through m\d \\\[0x7f/);
    assert.match(r.message!, /reader:1000/);
    assert.deepEqual({ cursor: a.lab.session!.cursor, events: a.lab.session!.events.length, signals: a.lab.session!.report.signals.length, dmesg: a.lab.session!.report.dmesg.length }, before);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.path.startsWith('/what-if/consumed-'));
    assert.ok(doc, 'the answer document is open');
    assert.equal(doc.getText(), r.message);
  });

  test('What happens if the device is removed? / scrubbed? on the same range', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.importMachine', vscode.Uri.file(fixture('nvdimm-two-regions')))).ok);
    await exec('daxPoisonLab.runToEnd');
    const node = flatten(a.devices.nodes).find((n) => n.id === 'region0/bb/37056')!;
    const rm = await exec('daxPoisonLab.whatIfRemoved', node);
    assert.ok(rm.ok, rm.error);
    assert.match(rm.message!, /do: unbind, namespace: namespace0\.0/);
    assert.match(rm.message!, /Device is about to be removed!/);
    const sc = await exec('daxPoisonLab.whatIfScrubbed', node);
    assert.ok(sc.ok, sc.error);
    assert.match(sc.message!, /do: scrub, region: region0/);
    const none = await exec('daxPoisonLab.whatIfConsumed');
    assert.equal(none.ok, false);
    assert.match(none.error!, /needs a bad range/);
  });
});
