// The Devices tree on a CXL machine: memdevs with their decoders and their
// poison list, each record placed at its HPA (or in no region), and the
// region's interleave in its tooltip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { buildDevicesTree, devicesText, findNode } from '../../src/extension/model/devices';

function run(file: string, steps?: number): Session {
  const s = loadScenario(readFileSync(file, 'utf8'), file);
  const ses = new Session(s);
  for (const e of s.events.slice(0, steps ?? s.events.length)) ses.step(e);
  return ses;
}

test('Devices: CXL memdevs, their decoders and their poison list at the HPA it decodes to', () => {
  const tree = buildDevicesTree(run('scenarios/cxl-x2-interleave-poison-list.poison.yaml').machine);
  const cxl = findNode(tree, 'cxl');
  assert.ok(cxl, devicesText(tree));
  assert.match(findNode(tree, 'cxl/mem0/decoder0.0')!.description!, /region0 position 0 of 2/);
  const rec = findNode(tree, 'cxl/mem0/poison/8192')!;
  assert.equal(rec.label, 'DPA 0x2000 +64B');
  assert.match(rec.description!, /region0 HPA 0x1000004000/);
  assert.equal(rec.target!.spa, 0x1000004000);
  assert.match(findNode(tree, 'region0')!.tooltip, /x2 interleave, granularity 4KiB, targets mem0 \(decoder0\.0\), mem1 \(decoder1\.0\)/);
  // the media error is known to the device, not learnt through ARS
  assert.match(devicesText(tree), /on the device poison list/);
});

test('Devices: poison on a DPA in no region has no HPA', () => {
  const ses = run('scenarios/cxl-inject-no-region.poison.yaml');
  const tree = buildDevicesTree(ses.machine);
  const text = devicesText(tree);
  assert.match(text, /in no region \(no HPA\)/, text);
});

test('Devices: no CXL node without CXL devices', () => {
  const tree = buildDevicesTree(run('scenarios/reflink-both-mapped.poison.yaml', 0).machine);
  assert.equal(findNode(tree, 'cxl'), undefined);
});
