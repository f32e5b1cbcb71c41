// The package.json contributions a user meets in the palette: Step, Step
// Back and Run to End are never disabled by where the session is (a disabled
// Step vanishes from the palette, and typing "Step" then runs Step Back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const pkg = JSON.parse(readFileSync(join(resolve(__dirname, '..', '..', '..'), 'package.json'), 'utf8')) as {
  contributes: { commands: { command: string; enablement?: string }[]; menus: { commandPalette: { command: string; when: string }[] } };
};

test('Step, Step Back and Run to End stay in the palette at either end of a session', () => {
  for (const id of ['daxPoisonLab.step', 'daxPoisonLab.stepBack', 'daxPoisonLab.runToEnd']) {
    const c = pkg.contributes.commands.find((x) => x.command === id)!;
    assert.ok(c, id);
    assert.ok(!/atEnd|atStart/.test(c.enablement ?? ''), `${id}: enablement ${c.enablement}`);
    assert.ok(!pkg.contributes.menus.commandPalette.some((m) => m.command === id && /atEnd|atStart|false/.test(m.when)), id);
  }
});

test('the verdict row command is contributed and kept out of the palette', () => {
  assert.ok(pkg.contributes.commands.some((c) => c.command === 'daxPoisonLab.showVerdict'));
  assert.ok(pkg.contributes.menus.commandPalette.some((m) => m.command === 'daxPoisonLab.showVerdict' && m.when === 'false'));
});

test('workspace trust: limited in an untrusted workspace, and the kernel tree setting is not read from one', () => {
  const caps = (pkg as unknown as { capabilities?: { untrustedWorkspaces?: { supported: unknown; restrictedConfigurations?: string[] } } }).capabilities;
  assert.equal(caps?.untrustedWorkspaces?.supported, 'limited');
  assert.deepEqual(caps?.untrustedWorkspaces?.restrictedConfigurations, ['daxPoisonLab.kernelTree']);
});

test('the CSP nonce comes from the cryptographic generator: 32 characters, never the same twice', async () => {
  const src = readFileSync(join(resolve(__dirname, '..', '..', '..'), 'src', 'extension', 'webviews', 'panel.ts'), 'utf8');
  assert.match(src, /crypto\.getRandomValues/);
  assert.doesNotMatch(src, /Math\.random/);
});
