// Capture a real machine for the importer's fixtures (issue 16):
//
//   node oracle/run.mjs capture-machine <scenario> <out-dir>
//
// Boots the oracle's 6.12 guest on the scenario exactly as a recording does
// (setup, files, processes, populate), then, before the first event, runs
// scripts/collect-machine.sh in the guest and writes its folder to
// <out-dir>. The events then run as in a recording, and the kernel's report
// of this very run is written beside it (<out-dir>/../<name>.kernel.json:
// the run report, the guest's raw dmesg per event and each scenario pid's
// guest pid), so that a test can hold the imported machine to what the
// kernel did. The collector's extra tools (findmnt, xfs_info/xfs_spaceman,
// filefrag, dumpe2fs, daxctl, cxl) and their libraries go into a third cpio
// appended to the run's initramfs, with the collector itself.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { buildPlan, tok } from './plan';
import { KVER, buildBaseInitramfs, buildGuestProgram, buildRunInitrd, copyInto, ensureHostTools, libsOf, paths, writeCpio } from './setup';
import { boot } from './qemu';
import { buildReport } from './report';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const log = (s: string) => process.stderr.write(s + '\n');

/** the collector's tools that the base initramfs lacks (busybox has the rest) */
const COLLECTOR_TOOLS = ['/usr/bin/findmnt', '/usr/sbin/xfs_info', '/usr/sbin/xfs_spaceman', '/usr/sbin/filefrag', '/usr/sbin/dumpe2fs', '/usr/bin/daxctl', '/usr/bin/cxl'];
/** the marker between the collected files in the one record the guest sends */
const MARK = '@@@@FILE ';

function collectorCpio(runDir: string): string {
  const root = path.join(runDir, 'collectfs');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'plan'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'scripts', 'collect-machine.sh'), path.join(root, 'plan', 'collect-machine.sh'));
  const libs = new Set<string>();
  for (const t of COLLECTOR_TOOLS) {
    if (!fs.existsSync(t)) throw new Error(`${t} is missing on the host (apt-get install util-linux xfsprogs e2fsprogs daxctl ndctl)`);
    copyInto(root, t);
    // xfs_info is a shell script: ldd refuses it
    if (!fs.readFileSync(t).subarray(0, 2).equals(Buffer.from('#!'))) for (const l of libsOf(t)) libs.add(l);
  }
  for (const l of libs) copyInto(root, l);
  const out = path.join(runDir, 'collect.cpio');
  writeCpio(root, out);
  return out;
}

export async function main(argv: string[]): Promise<number> {
  // --after <event id>: collect after that event ran (a machine that already has poison), not before the first
  const ai = argv.indexOf('--after');
  const after = ai >= 0 ? argv[ai + 1] : undefined;
  const [file, outDir] = argv.filter((a, i) => !a.startsWith('--') && !(ai >= 0 && i === ai + 1));
  if (!file || !outDir || (ai >= 0 && !after)) {
    log('usage: node oracle/run.mjs capture-machine <scenario> <out-dir> [--after <event id>]');
    return 2;
  }
  const text = fs.readFileSync(file, 'utf8');
  const rel = path.relative(ROOT, path.resolve(file));
  const s = loadScenario(text, rel);
  const plan = buildPlan(s);
  if (plan.refused) {
    log(`${rel}: the guest cannot build it: ${plan.refused}`);
    return 1;
  }
  const collect = `sh /plan/collect-machine.sh -o /tmp/machine -n 8 >/dev/null 2>&1; cd /tmp/machine && find . -type f | sort | while read -r f; do echo "${MARK}$f"; cat "$f"; done`;
  const lines = plan.planTxt.split('\n');
  const at = after === undefined ? lines.indexOf('begin') : lines.findIndex((l) => l.startsWith(`ev ${tok(after)} `)) + 1;
  if (at < 1) throw new Error(after === undefined ? 'internal: the plan has no begin line' : `${rel}: no event ${after} the guest runs (events: ${s.events.map((e) => e.id).join(', ')})`);
  lines.splice(at, 0, `run machine ${tok(collect)}`);
  // after the run (the report is built from the records before this): does a write to the disk's badblocks file add a range?
  const end = lines.indexOf('end');
  if (end >= 0 && plan.scenarioDevice)
    lines.splice(end + 1, 0, `run bbwrite ${tok(`{ echo '2000000 8' > /sys/block/${plan.scenarioDevice}/badblocks; echo "write rc=$?"; echo "${plan.scenarioDevice}:"; cat /sys/block/${plan.scenarioDevice}/badblocks; echo "region:"; cat /sys/bus/nd/devices/region*/badblocks; }`)}`);
  const p = paths(ROOT);
  ensureHostTools(p, log);
  const h = buildGuestProgram(p, log);
  buildBaseInitramfs(p, h, log);
  const runDir = path.join(p.cache, 'runs', `capture-${path.basename(outDir)}`);
  fs.mkdirSync(runDir, { recursive: true });
  const initrd = buildRunInitrd(p, runDir, plan.setupSh, lines.join('\n'));
  fs.writeFileSync(initrd, Buffer.concat([fs.readFileSync(initrd), fs.readFileSync(collectorCpio(runDir))]));
  log(`${rel}: booting ${KVER} under QEMU TCG with the collector`);
  const b = await boot({ vmlinuz: p.vmlinuz, initrd, runDir, needsMce: plan.needsMce, timeoutSec: 600, log });
  fs.writeFileSync(path.join(runDir, 'records.json'), JSON.stringify(b.records, null, 1));
  const rec = b.records.find((r) => r.t === 'file' && r.key === 'machine');
  if (!rec || typeof rec.text !== 'string' || !rec.text.startsWith(MARK)) {
    log(`${rel}: the guest sent no collected machine (see ${runDir}/console.log)`);
    return 1;
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  const parts = rec.text.split(new RegExp(`^${MARK}`, 'm')).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    const name = part.slice(0, nl).replace(/^\.\//, '');
    if (!/^[\w.\-/]+$/.test(name) || name.includes('..')) throw new Error(`the guest sent an odd file name: ${JSON.stringify(name)}`);
    const dest = path.join(outDir, name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    // the marker line of the next file ends the previous one: its content's own last newline is kept
    fs.writeFileSync(dest, part.slice(nl + 1));
  }
  const { report, meta } = buildReport(s, plan, b.records, { kernel: KVER, panicked: b.panicked, console: b.console });
  // each scenario pid's guest pid: the guest children are forked in the scenario's order
  const pids: Record<string, number> = {};
  for (const r of b.records) if (r.t === 'proc' && typeof r.pid === 'number' && typeof r.gpid === 'number') pids[String(r.pid)] = r.gpid;
  // collected after an event: the traced calls of the events that ran after the collection (the import recreates the state, not the calls)
  const afterIds = after === undefined ? undefined : new Set(s.events.slice(s.events.findIndex((e) => e.id === after) + 1).map((e) => e.id));
  const callsAfter: Record<string, number> = {};
  if (afterIds) {
    for (const fn of Object.keys(report.calls)) callsAfter[fn] = 0;
    for (const r of b.records) if (r.t === 'calls' && afterIds.has(String(r.event))) callsAfter[String(r.fn)] = (callsAfter[String(r.fn)] ?? 0) + Number(r.n);
  }
  const bbwrite = b.records.find((r) => r.t === 'file' && r.key === 'bbwrite');
  const kernel = {
    scenario: rel,
    command: `node oracle/run.mjs capture-machine ${rel} ${path.relative(ROOT, path.resolve(outDir))}${after !== undefined ? ` --after ${after}` : ''}`,
    ...(after !== undefined ? { collectedAfter: after, callsAfter } : {}),
    ...(bbwrite && typeof bbwrite.text === 'string' ? { badblocksWrite: { command: `echo '2000000 8' > /sys/block/${plan.scenarioDevice}/badblocks (after the run)`, output: bbwrite.text.split('\n').filter(Boolean) } } : {}),
    kernel: KVER,
    recordedAt: new Date().toISOString(),
    guest: meta.guest,
    pids,
    rawDmesgByEvent: meta.rawDmesgByEvent,
    report,
  };
  fs.writeFileSync(path.resolve(outDir) + '.kernel.json', JSON.stringify(kernel, null, 2) + '\n');
  log(`wrote ${outDir} (${parts.length} files) and ${outDir}.kernel.json`);
  void execFileSync;
  return 0;
}
