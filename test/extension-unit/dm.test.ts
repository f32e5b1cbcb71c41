// The extension's views of a machine with device-mapper: the Devices tree
// shows the dm device with its table, its own dax device and the filesystem
// on it; poison under dm is traced back to the file that owns it; an address
// on a pmem under dm is shown in dm sectors and owners too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { buildDevicesTree, devicesText, findNode } from '../../src/extension/model/devices';
import { unitRows } from '../../src/extension/model/addresses';
import { ownersOf } from '../../src/extension/model/owners';
import { resolveSpa } from '../../src/extension/model/actions';

function session(steps: number): Session {
  const s = loadScenario(readFileSync('scenarios/dm-striped-mixed-recovery.poison.yaml', 'utf8'), 'dm.poison.yaml');
  const ses = new Session(s);
  for (const e of s.events.slice(0, steps)) ses.step(e);
  return ses;
}

test('Devices: the dm device, its table, its dax device and its filesystem', () => {
  const tree = buildDevicesTree(session(0).machine);
  const dm = findNode(tree, 'dm:dm-0');
  assert.ok(dm, devicesText(tree));
  assert.equal(dm.contextValue, 'daxDm');
  assert.match(devicesText([dm]), /0 2097152 striped 2 256 pmem0 0 pmem1 0/);
  assert.match(findNode(tree, 'dm:dm-0/dax')!.description!, /holder xfs_dax_holder_operations \(\/mnt\/dm\)/);
  assert.ok(findNode(tree, 'fs:/mnt/dm'));
  // the pmem devices say who holds them; their own dax devices have no holder
  assert.match(findNode(tree, 'namespace0.0/pmem0')!.description!, /held by dm-0/);
  assert.match(findNode(tree, 'namespace0.0/pmem0/dax')!.description!, /holder none/);
});

test('Devices: poison on pmem1 under the striped table marks the file at the right offset', () => {
  const tree = buildDevicesTree(session(6).machine);
  const file = findNode(tree, 'file:/mnt/dm/data')!;
  assert.match(file.description!, /poisoned/);
  assert.ok(file.children.some((c) => /file offset 0x22000/.test(c.description ?? '')), devicesText([file]));
  assert.equal(file.children.find((c) => /0x22000/.test(c.description ?? ''))!.target!.spa, 0x281842000);
});

test('addresses and owners through dm: pmem1 sector 12816 is dm-0 sector 25872, data at 0x22000', () => {
  const m = session(6).machine;
  const rows = unitRows(m, 0x281842000);
  const row = (u: string) => rows.find((r) => r.unit === u)?.value ?? '';
  assert.match(row('sector'), /pmem1 sector 12816/);
  assert.match(row('dm sector'), /dm-0 sector 25872/);
  assert.match(row('daddr'), /25872 \(\/mnt\/dm\)/);
  assert.match(row('owner'), /\/mnt\/dm\/data .*0x22000/);
  const owners = ownersOf(m, { spa: 0x281842000, len: 4096, title: 'pmem1 sector 12816' });
  assert.ok(owners.entries.some((e) => /\/mnt\/dm\/data/.test(e.label)), JSON.stringify(owners.entries.map((e) => e.label)));
});

test('Inject Poison can target a dm device sector, and refuses one beyond the table', () => {
  const m = session(0).machine;
  const ok = resolveSpa(m, { form: 'device', object: 'dm-0', value: 25872 });
  assert.deepEqual(ok, { ok: true, value: 0x281842000 });
  const bad = resolveSpa(m, { form: 'device', object: 'dm-0', value: 3000000 });
  assert.equal(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /sector 3000000 is beyond dm-0/);
});
