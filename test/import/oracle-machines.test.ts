// Fixtures captured from a real 6.12 kernel (issue 16): the oracle's guest
// ran a scenario's setup, then scripts/collect-machine.sh
// (`node oracle/run.mjs capture-machine <scenario> <dir>`), then the
// scenario's events. Here the collected folder is imported, the same events
// are run on the imported machine, and the simulator's run must match what
// the kernel did in that very run (<dir>.kernel.json): results, signals,
// dmesg lines, shutdowns, badblocks, traced call counts.
//
// The imported machine is the guest's own: its physical addresses, its pids.
// So the kernel's side is taken in the guest's terms: the raw dmesg lines
// (not translated into the scenario's addresses) and the signals with each
// scenario pid replaced by the guest pid it stood for. Two things the
// collector cannot see are supplied from the scenario that made the machine,
// as a user would write them into the imported scenario: each process's
// PR_MCE_KILL (early/late kill) and SIGBUS disposition.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import type { EventSpec, Scenario } from '../../src/sim/scenario/types';
import { compareWithSimulator, formatDisagreements, type KernelReport } from '../../oracle/src/compare';
import { dropSymbolOffsets, inFamily } from '../../oracle/src/dmesg';
import { importAndCheck } from '../../src/import';
import { readMachineFolder } from '../../src/cli/import';

function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const ROOT = repoRoot();
const DIR = path.join(ROOT, 'test', 'fixtures', 'machines');

interface Captured {
  scenario: string;
  pids: Record<string, number>;
  guest: { dataStart: string };
  rawDmesgByEvent: Record<string, string[]>;
  report: KernelReport;
}

/** the original scenario's events on the imported machine: pids to guest pids; physical addresses by their offset from the data start */
function translateEvents(orig: Scenario, imp: Scenario, cap: Captured): EventSpec[] {
  const pid = (p: number) => {
    const g = cap.pids[String(p)];
    assert.ok(g !== undefined, `scenario pid ${p} has no guest pid in the capture`);
    return g;
  };
  const o = orig.platform.namespaces[0]!;
  const origData = orig.platform.regions.find((r) => r.id === o.region)!.spa + o.offset + o.dataOffset;
  const shift = Number(BigInt(cap.guest.dataStart)) - origData;
  return orig.events.map((e) => {
    const x = { ...e } as EventSpec & { process?: number; pfn?: number; target?: { kind: string; spa?: number; process?: number } };
    if (typeof x.process === 'number') x.process = pid(x.process);
    if (x.do === 'corrupt-pfn') x.pfn = e.do === 'corrupt-pfn' ? e.pfn + shift / 4096 : 0;
    if (x.target?.kind === 'spa') x.target = { ...x.target, spa: x.target.spa! + shift };
    if (x.target?.kind === 'process') x.target = { ...x.target, process: pid(x.target.process!) };
    x.expect = [];
    return x;
  }).filter(() => imp !== undefined);
}

const fixtures = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.kernel.json')) : [];

test('there are fixtures captured from the real kernel', () => {
  assert.ok(fixtures.length >= 1, `no *.kernel.json under ${DIR}`);
});

for (const k of fixtures) {
  const name = k.replace(/\.kernel\.json$/, '');
  test(`${name}: the imported machine runs the scenario's events as the real kernel did`, () => {
    const cap: Captured = JSON.parse(fs.readFileSync(path.join(DIR, k), 'utf8'));
    const imported = importAndCheck(readMachineFolder(path.join(DIR, name)), `test/fixtures/machines/${name}`, `${name}.poison.yaml`);
    const orig = loadScenario(fs.readFileSync(path.join(ROOT, cap.scenario), 'utf8'), cap.scenario);
    const s = imported.scenario;
    // every process of the scenario was found by the collector, under its guest pid, with its comm
    for (const p of orig.processes) {
      const g = s.processes.find((x) => x.pid === cap.pids[String(p.pid)]);
      assert.ok(g, `${p.comm} (scenario pid ${p.pid}, guest pid ${cap.pids[String(p.pid)]}) is not in the imported machine`);
      assert.equal(g.comm, p.comm.slice(0, 15));
      assert.equal(g.mappings.length, p.mappings.length, `${p.comm}'s mappings`);
      // supplied: what /proc does not show
      g.mceKill = p.mceKill;
      g.sigbus = p.sigbus;
    }
    const events = translateEvents(orig, s, cap);
    const run: Scenario = { ...s, events, expect: [] };
    const toGuest = (p: number) => cap.pids[String(p)] ?? p;
    const kernel: KernelReport = {
      ...cap.report,
      signals: cap.report.signals.map((x) => ({ ...x, pid: toGuest(x.pid) })),
      dmesgByEvent: Object.fromEntries(Object.entries(cap.rawDmesgByEvent).map(([e, ls]) => [e, ls.filter(inFamily).map(dropSymbolOffsets)])),
    };
    assert.ok(kernel.events.length >= 1, 'the kernel ran no event');
    const ds = compareWithSimulator(run, kernel);
    assert.deepEqual(ds, [], formatDisagreements(name, ds));
  });
}
