// An exploration becomes a regression case: a session with events added by
// hand, saved back as a scenario file, passes `check`.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, exec, extensionRoot, scratch } from './helpers';

suite('saving a session', () => {
  test('a session with hand events saves to a scenario that check passes', async () => {
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'reflink-both-mapped')).ok);
    await exec('daxPoisonLab.runToEnd');
    assert.ok((await exec('daxPoisonLab.consume', { do: 'load', process: 1000, addr: '0x7f0000002000' })).ok);
    assert.ok((await exec('daxPoisonLab.injectPoison', { kind: 'media-error', target: { form: 'file', object: '/mnt/pmem/testfile', value: 0x3000 }, length: 64 })).ok);
    assert.ok((await exec('daxPoisonLab.consume', { do: 'load', process: 1000, addr: '0x7f0000003000' })).ok);
    assert.ok((await exec('daxPoisonLab.switchDesign', 'upstream')).ok);
    // a file given as an argument must be inside the workspace folder
    const outside = await exec('daxPoisonLab.saveScenario', vscode.Uri.file(join(scratch(), 'explored.poison.yaml')));
    assert.equal(outside.ok, false);
    assert.match(outside.error!, /^Save Session as Scenario: .*explored\.poison\.yaml is outside the workspace folder /);
    const target = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'saved', 'explored.poison.yaml');
    const o = await exec('daxPoisonLab.saveScenario', target);
    assert.ok(o.ok, o.error);
    const text = readFileSync(target.fsPath, 'utf8');
    assert.match(text, /do: load/);
    assert.match(text, /do: media-error/);
    assert.match(text, /signal: \{ pid: 1000/);
    const out = execFileSync(process.execPath, [join(extensionRoot(), 'dist', 'cli.js'), 'check', target.fsPath], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    assert.match(out, / 0 failed/);
    // and the saved file opens as a session that runs to the end
    assert.ok((await exec('daxPoisonLab.runScenario', target)).ok);
    assert.ok(a.lab.session!.atEnd);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
