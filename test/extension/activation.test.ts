// Activation: the extension loads in a real extension host, contributes its
// commands (one category), views and schema, and starts with no session.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSION_ID, api, extensionRoot } from './helpers';

suite('activation', () => {
  test('the extension activates and exports the lab', async () => {
    const a = await api();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)!.isActive);
    assert.ok(a.lab);
    assert.match(a.lab.statusText, /DAX lab|poisoned/);
  });

  test('every contributed command is registered, all in the DAX Poison Lab category', async () => {
    await api();
    const pkg = JSON.parse(readFileSync(join(extensionRoot(), 'package.json'), 'utf8'));
    const contributed: { command: string; category: string; title: string }[] = pkg.contributes.commands;
    assert.ok(contributed.length >= 20);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) {
      assert.ok(registered.has(c.command), `${c.command} is not registered`);
      assert.equal(c.category, 'DAX Poison Lab');
    }
    // the list, by title
    const titles = contributed.map((c) => c.title);
    for (const t of ['Open Scenario…', 'New Scenario from Template…', 'Save Session as Scenario…', 'Reset', 'Step', 'Step Back', 'Run to End', 'Inject Poison…', 'Consume (Load/Store by a Process)…', 'Read/Write…', 'Punch Hole…', 'Scrub (ARS)…', 'Clear Errors…', 'Unbind Device…', 'Switch Design…', 'Compare Designs', 'Go to Kernel Symbol…']) {
      assert.ok(titles.includes(t), `no command titled ${t}`);
    }
  });

  test('views, schema and settings are contributed', async () => {
    const pkg = JSON.parse(readFileSync(join(extensionRoot(), 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.views.daxPoisonLab.map((v: { id: string }) => v.id), ['daxPoisonLab.devices', 'daxPoisonLab.owners', 'daxPoisonLab.events']);
    assert.equal(pkg.contributes.jsonValidation[0].fileMatch, '*.poison.json');
    assert.equal(pkg.contributes.yamlValidation[0].fileMatch, '*.poison.yaml');
    const cfg = vscode.workspace.getConfiguration('daxPoisonLab');
    assert.equal(cfg.inspect('kernelLinks')?.defaultValue, 'auto');
    // the views can be shown
    await vscode.commands.executeCommand('daxPoisonLab.devices.focus');
    await vscode.commands.executeCommand('daxPoisonLab.events.focus');
  });
});
