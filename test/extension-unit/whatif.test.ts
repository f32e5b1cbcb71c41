// What-if on an imported machine's bad ranges: the event chosen, the
// verdicts (who is told, who is not), and the session left as it was.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importAndCheck } from '../../src/import';
import { readMachineFolder } from '../../src/cli/import';
import { LabSession } from '../../src/extension/model/session';
import { whatIf, whatIfMarkdown } from '../../src/extension/model/whatif';
import { buildDevicesTree, type DeviceNode } from '../../src/extension/model/devices';

function root(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const M = path.join(root(), 'test', 'fixtures', 'machines');

function imported(name: string): LabSession {
  const r = importAndCheck(readMachineFolder(path.join(M, name)), name, `${name}.poison.yaml`);
  const s = LabSession.open(r.yaml, `${name}.poison.yaml`);
  s.goTo(s.events.length);
  return s;
}

function badNodes(nodes: readonly DeviceNode[], out: DeviceNode[] = []): DeviceNode[] {
  for (const n of nodes) {
    if (n.contextValue === 'daxBad' && n.target) out.push(n);
    badNodes(n.children, out);
  }
  return out;
}

test('every badblock and media-error range of the imported machine is a Devices target', () => {
  const s = imported('nvdimm-two-regions');
  const bad = badNodes(buildDevicesTree(s.machine));
  const labels = bad.map((n) => n.id);
  // region and device badblocks, the latent media errors, the bus badrange, on both regions
  assert.ok(labels.includes('region0/bb/37056'), labels.join(' '));
  assert.ok(labels.includes('pmem0/bb/192'), labels.join(' '));
  assert.ok(labels.includes('region1/bb/36872'), labels.join(' '));
  assert.ok(labels.some((l) => l.startsWith('region0/media/')), labels.join(' '));
});

test('consumed: the first mapper loads it; the reader is told AR, the imported state is unchanged', () => {
  const s = imported('nvdimm-two-regions');
  const before = { cursor: s.cursor, events: s.events.length, dmesg: s.report.dmesg.length, text: s.composeText() };
  const node = badNodes(buildDevicesTree(s.machine)).find((n) => n.id === 'pmem0/bb/192')!;
  const a = whatIf(s, node.target!, 'consumed');
  assert.deepEqual(a.event, { id: 'what-if', do: 'load', process: 1000, addr: '0x7f0000000000', length: 8 });
  assert.equal(a.refused, undefined);
  const ar = a.told.find((v) => v.pid === 1000)!;
  assert.ok(ar, JSON.stringify(a.told));
  assert.ok(['AR', 'SIGBUS'].includes(ar.outcome), ar.outcome);
  assert.ok(a.signals.some((x) => x.pid === 1000 && x.signo === 'SIGBUS'));
  assert.deepEqual({ cursor: s.cursor, events: s.events.length, dmesg: s.report.dmesg.length, text: s.composeText() }, before);
  const md = whatIfMarkdown(a, 'nvdimm-two-regions', s.events.length);
  assert.match(md, /^# What happens if this is consumed\?/);
  assert.match(md, /## Who is told \(\d+\)/);
  assert.match(md, /reader:1000/);
});

test('removed: unbinding the fsdax namespace under XFS tells the mappers; scrubbed: ARS of the region', () => {
  const s = imported('nvdimm-two-regions');
  const node = badNodes(buildDevicesTree(s.machine)).find((n) => n.id === 'region0/bb/37056')!;
  const rm = whatIf(s, node.target!, 'removed');
  assert.deepEqual(rm.event, { id: 'what-if', do: 'unbind', namespace: 'namespace0.0' });
  assert.ok(rm.dmesg.some((l) => /Device is about to be removed!/.test(l)), rm.dmesg.join('\n'));
  assert.ok(rm.told.length + rm.notTold.length >= 1);
  const sc = whatIf(s, node.target!, 'scrubbed');
  assert.deepEqual(sc.event, { id: 'what-if', do: 'scrub', region: 'region0' });
  assert.equal(sc.refused, undefined);
});

test('devdax: the consumer of the dax device is told; the CXL media error is a target too', () => {
  const s = imported('nvdimm-two-regions');
  const node = badNodes(buildDevicesTree(s.machine)).find((n) => n.id === 'region1/bb/36872')!;
  const a = whatIf(s, node.target!, 'consumed');
  assert.equal(a.event.process, 1001);
  assert.ok(a.told.some((v) => v.pid === 1001), JSON.stringify(a));
  const c = imported('cxl-interleave');
  const cn = badNodes(buildDevicesTree(c.machine));
  assert.ok(cn.some((n) => n.id === 'cxl/mem1/poison/5242880'), cn.map((n) => n.id).join(' '));
  const ca = whatIf(c, cn.find((n) => n.id === 'cxl/mem1/poison/5242880')!.target!, 'consumed');
  assert.equal(ca.event.process, 2000);
  assert.ok(ca.told.some((v) => v.pid === 2000), JSON.stringify(ca));
});

test('the answer reads in half an editor: one list item per verdict, its reason and the deciding function on the line after', () => {
  const s = imported('nvdimm-two-regions');
  const node = badNodes(buildDevicesTree(s.machine)).find((n) => n.id === 'pmem0/bb/192')!;
  const a = whatIf(s, node.target!, 'consumed');
  const md = whatIfMarkdown(a, 'nvdimm-two-regions', s.events.length);
  assert.match(md, /^\*\*pmem0 badblocks 192 8\*\* · SPA 0x241218000 \+4KiB · nvdimm-two-regions$/m);
  assert.match(md, /^\*\*Event:\*\* `\{ id: what-if, do: load, process: 1000, addr: 0x7f0000000000, length: 8 \}` — /m);
  const told = md.split('## Who is told')[1]!.split('## Who is not told')[0]!.split('\n').filter((l) => l.startsWith('- ') || l.startsWith('  '));
  assert.equal(told.length, 2 * a.told.length, told.join('\n'));
  for (let i = 0; i < told.length; i += 2) {
    assert.match(told[i]!, /^- \*\*(AR|AO|SIGBUS|killed|unmapped)\*\* \S+:\d+ through m\d \\\[0x7f[0-9a-f]+, 0x7f[0-9a-f]+\\\), owner \//);
    assert.match(told[i + 1]!, /^ {2}.+\. Decided by `[\w.]+`$/);
  }
  assert.doesNotMatch(md, /\| outcome \|/);
});
