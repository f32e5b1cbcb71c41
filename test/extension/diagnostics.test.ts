// Scenario editing: diagnostics for a broken scenario (schema, meaning and
// run time), in YAML and JSON, with the validator's line, column and
// message; a malformed scenario leaves the running session as it was; hovers
// show an address in every unit; CodeLenses above the scenario.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, builtin, exec, scratch } from './helpers';

async function openDoc(path: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  await vscode.window.showTextDocument(doc);
  return doc;
}

suite('scenario editing', () => {
  const dir = scratch();
  const good = readFileSync(builtin('reflink-both-mapped').fsPath, 'utf8');

  test('a broken YAML scenario shows the validator\'s line, column and message', async () => {
    const a = await api();
    const f = join(dir, 'broken.poison.yaml');
    writeFileSync(f, good.replace('size: 1GiB', 'size: lots'));
    const doc = await openDoc(f);
    const diags = await a.diagnostics.settled(doc.uri);
    assert.equal(diags.length, 1, diags.map((d) => d.message).join('\n'));
    const d = diags[0]!;
    const line = doc.getText().split('\n').findIndex((l) => l.includes('size: lots'));
    assert.equal(d.range.start.line, line);
    assert.equal(d.range.start.character, doc.lineAt(line).text.indexOf('lots'));
    assert.match(d.message, /\/platform\/regions\/0\/size/);
    assert.match(d.message, /lots/);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.source, 'dax-poison-lab');
  });

  test('diagnostics follow edits, and a run-time refusal is placed on its event', async () => {
    const a = await api();
    const f = join(dir, 'edit.poison.yaml');
    writeFileSync(f, good);
    const doc = await openDoc(f);
    assert.equal((await a.diagnostics.settled(doc.uri)).length, 0);
    const ed = vscode.window.activeTextEditor!;
    const line = doc.getText().split('\n').findIndex((l) => l.includes('process: 1001'));
    await ed.edit((e) => e.replace(new vscode.Range(line, 0, line, doc.lineAt(line).text.length), '    process: 4242'));
    await new Promise((r) => setTimeout(r, 50));
    const diags = await a.diagnostics.settled(doc.uri);
    assert.equal(diags.length, 1, diags.map((x) => x.message).join('\n'));
    assert.equal(diags[0]!.range.start.line, line);
    assert.match(diags[0]!.message, /4242/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('a broken JSON scenario gets diagnostics too', async () => {
    const a = await api();
    const f = join(dir, 'broken.poison.json');
    writeFileSync(f, JSON.stringify({ version: 1, name: 'x', platform: { regions: [{ id: 'r', spa: '0x240000000', size: '1GiB' }], namespaces: [] }, events: [{ do: 'explode' }] }, null, 2));
    const doc = await openDoc(f);
    const diags = await a.diagnostics.settled(doc.uri);
    assert.ok(diags.length >= 1);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('explode'));
    assert.ok(diags.some((d) => d.range.start.line === line && /explode/.test(d.message)), diags.map((d) => `${d.range.start.line}: ${d.message}`).join('\n'));
  });

  test('opening a malformed scenario leaves the running session as it was', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.step');
    const before = a.lab.session!;
    const cursor = before.cursor;
    const o = await exec('daxPoisonLab.openScenario', vscode.Uri.file(join(dir, 'broken.poison.yaml')));
    assert.equal(o.ok, false);
    assert.match(o.error!, /does not load, the session is unchanged/);
    assert.equal(a.lab.session, before);
    assert.equal(a.lab.session!.cursor, cursor);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('hover over an address shows it in every unit', async () => {
    const f = join(dir, 'hover.poison.yaml');
    writeFileSync(f, good);
    const doc = await openDoc(f);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('addr: 0x7f0000000000'));
    const col = doc.lineAt(line).text.indexOf('0x7f') + 3;
    const hovers = (await vscode.commands.executeCommand('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, col))) as vscode.Hover[];
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    for (const unit of ['SPA', 'pfn', 'namespace', 'sector', 'daddr', 'owner']) assert.match(text, new RegExp(`\\| ${unit} \\|`), text);
    assert.match(text, /process 1001 address 0x7f0000000000/);
    assert.match(text, /\/mnt\/pmem\/poisonfile/);
  });

  test('CodeLenses above a scenario: Run, Check Expectations, Compare Designs, and Run to here per event', async () => {
    const f = join(dir, 'lens.poison.yaml');
    writeFileSync(f, good);
    const doc = await openDoc(f);
    const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri, 10)) as vscode.CodeLens[];
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.ok(titles.some((t) => /Run$/.test(t)));
    assert.ok(titles.some((t) => /Check Expectations/.test(t)));
    assert.ok(titles.some((t) => /Compare Designs/.test(t)));
    assert.equal(titles.filter((t) => /Run to here/.test(t)).length, 1);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
