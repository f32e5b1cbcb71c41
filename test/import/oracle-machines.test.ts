// Fixtures captured from a real 6.12 kernel (issue 16): the oracle's guest
// ran a scenario's setup, then scripts/collect-machine.sh
// (`node oracle/run.mjs capture-machine <scenario> <dir>`), then the
// scenario's events. Here the collected folder is imported, the same events
// are run on the imported machine, and the simulator's run must match what
// the kernel did in that very run (<dir>.kernel.json): results, signals,
// dmesg lines, shutdowns, badblocks, traced call counts.
//
// One machine was collected after a real machine check (guest-mce-badblock:
// `capture-machine oracle/scenarios/mce-load-badblocks.poison.yaml … --after
// e2`): its badblock is the kernel's own (nfit_handle_mce), the import
// recreates it and memory_failure's work as a patrol-scrub machine check,
// and only the events after e2 are compared (their traced calls too).
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
  /** the collector ran after this event (the machine already had poison): only the events after it are compared */
  collectedAfter?: string;
  /** the traced calls of the events after collectedAfter */
  callsAfter?: Record<string, number>;
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
    // collected after an event: the imported scenario's own events recreate the poison the machine had; the original events after it follow
    const from = cap.collectedAfter === undefined ? 0 : orig.events.findIndex((e) => e.id === cap.collectedAfter) + 1;
    assert.ok(from >= 0 && (cap.collectedAfter === undefined || from > 0), `no event ${cap.collectedAfter} in ${cap.scenario}`);
    const events = translateEvents(orig, s, cap).slice(from);
    const later = new Set(events.map((e) => e.id));
    const run: Scenario = { ...s, events: [...s.events.map((e) => ({ ...e, expect: [] })), ...events], expect: [] };
    const toGuest = (p: number) => cap.pids[String(p)] ?? p;
    const kernel: KernelReport = {
      ...cap.report,
      events: cap.report.events.filter((e) => from === 0 || later.has(e.id)),
      signals: cap.report.signals.filter((x) => from === 0 || later.has(x.event)).map((x) => ({ ...x, pid: toGuest(x.pid) })),
      dmesgByEvent: Object.fromEntries(Object.entries(cap.rawDmesgByEvent).map(([e, ls]) => [e, ls.filter(inFamily).map(dropSymbolOffsets)])),
      calls: cap.callsAfter ?? cap.report.calls,
    };
    assert.ok(kernel.events.length >= 1, 'the kernel ran no event');
    const ds = compareWithSimulator(run, kernel, { prelude: s.events.map((e) => e.id) });
    assert.deepEqual(ds, [], formatDisagreements(name, ds));
  });
}

test('guest-mce-badblock: the real kernel recorded a one-sector badblock for the consumed page; the import recreates it as a machine check; a write to the disk\'s badblocks file adds a range to the disk only', () => {
  const name = 'guest-mce-badblock';
  const cap = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.kernel.json`), 'utf8'));
  const files = readMachineFolder(path.join(DIR, name));
  assert.equal(Buffer.from(files.get('badblocks/pmem0')!).toString(), '192 1\n');
  assert.equal(Buffer.from(files.get('badblocks/region0')!).toString(), '37056 1\n');
  assert.match(Buffer.from(files.get('dmesg-tail.txt')!).toString(), /mce: Uncorrected hardware memory error in user-access at 101218040/);
  const { scenario: s, report } = importAndCheck(files, name, `${name}.poison.yaml`);
  assert.equal(s.platform.regions[0]!.ars, false, 'QEMU\'s NFIT has no ARS: the import keeps it off');
  assert.deepEqual(s.events.map((e) => e.do), ['patrol-scrub']);
  assert.deepEqual(report.targets.map((t) => [t.label, t.spa]), [['region0 sectors 37056+1', 0x101218000]]);
  assert.ok(report.approximations.some((a) => /recreated as a patrol-scrub machine check/.test(a)), report.approximations.join('\n'));
  assert.deepEqual(cap.report.badblocks, { pmem0: [[192, 1]], region0: [[37056, 1]] });
  assert.deepEqual(cap.badblocksWrite.output, ['write rc=0', 'pmem0:', '192 1', '2000000 8', 'region:', '37056 1']);
});
