// The kernel oracle's command line (bundled and started by oracle/run.mjs).
//
//   node oracle/run.mjs                        re-record every built-in scenario
//   node oracle/run.mjs <scenario>...          run each on the real kernel; a built-in one
//                                              (scenarios/, oracle/scenarios/) is recorded
//                                              into oracle/recorded/, any other is printed
//   node oracle/run.mjs <scenario> --json      print the kernel's run report
//   node oracle/run.mjs diff <scenario>...     simulator vs the recorded kernel report
//   node oracle/run.mjs diff --live <scenario> simulator vs a fresh kernel run
//   node oracle/run.mjs table                  the README's fidelity table

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import type { Scenario } from '../../src/sim/scenario/types';
import { buildPlan } from './plan';
import { KVER, buildBaseInitramfs, buildGuestProgram, buildRunInitrd, ensureHostTools, paths } from './setup';
import { boot, mceMisc } from './qemu';
import { buildReport, type OracleMeta, type OracleReport } from './report';
import { scenarioHash } from './hash';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const RECORDED = path.join(ROOT, 'oracle', 'recorded');
const BUILTIN_DIRS = [path.join(ROOT, 'scenarios'), path.join(ROOT, 'oracle', 'scenarios')];

const log = (s: string) => process.stderr.write(s + '\n');

export function builtinScenarios(): string[] {
  const out: string[] = [];
  for (const d of BUILTIN_DIRS)
    if (fs.existsSync(d)) for (const f of fs.readdirSync(d).sort()) if (/\.poison\.(ya?ml|json)$/.test(f)) out.push(path.join(d, f));
  return out;
}

export function stemOf(file: string): string {
  return path.basename(file).replace(/\.poison\.(ya?ml|json)$/, '');
}

function isBuiltin(file: string): boolean {
  const abs = path.resolve(file);
  return BUILTIN_DIRS.some((d) => path.dirname(abs) === d);
}

export interface OracleRun {
  refused: string | null;
  report?: OracleReport;
  meta: OracleMeta & { refused?: string };
}

/** Run one scenario on the real kernel. */
export async function runOracle(file: string, command: string): Promise<OracleRun> {
  const text = fs.readFileSync(file, 'utf8');
  const rel = path.relative(ROOT, path.resolve(file));
  const s: Scenario = loadScenario(text, rel);
  const plan = buildPlan(s);
  const base: OracleMeta = {
    scenario: rel,
    scenarioSha256: createHash('sha256').update(text).digest('hex'),
    scenarioHash: scenarioHash(s),
    command,
    kernel: KVER,
    qemu: '',
    recordedAt: new Date().toISOString(),
    seconds: 0,
    eventsRun: [],
    eventsNotRun: [],
    setup: plan.setupNotes,
    guest: { dataStart: '', nsStart: '', dataOffset: 0, scenarioDataOffset: 0, dataSize: null, mkfs: '', fsmap: '', files: [], mappings: [] },
    rawDmesgByEvent: {},
    warnings: [],
  };
  if (plan.refused) {
    log(`${rel}: not run: ${plan.refused}`);
    return { refused: plan.refused, meta: { ...base, refused: plan.refused, eventsNotRun: s.events.map((e) => ({ id: e.id, do: e.do, reason: plan.refused! })) } };
  }
  const p = paths(ROOT);
  ensureHostTools(p, log);
  const h = buildGuestProgram(p, log);
  buildBaseInitramfs(p, h, log);
  const runDir = path.join(p.cache, 'runs', stemOf(file));
  fs.mkdirSync(runDir, { recursive: true });
  const initrd = buildRunInitrd(p, runDir, plan.setupSh, plan.planTxt);
  const qemuVersion = execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
  let attempt = 0;
  for (;;) {
    attempt++;
    log(`${rel}: booting ${KVER} under QEMU TCG${plan.needsMce ? ' (one CPU, machine checks through the monitor)' : ''}`);
    const b = await boot({ vmlinuz: p.vmlinuz, initrd, runDir, needsMce: plan.needsMce, mceMisc: mceMisc(s.platform.regions[0]!.errorGranularity), timeoutSec: 600, log });
    fs.writeFileSync(path.join(runDir, 'records.json'), JSON.stringify(b.records, null, 1));
    log(`${rel}: guest finished in ${b.seconds.toFixed(1)} s${b.timedOut ? ' (timed out)' : ''}${b.panicked ? ' (kernel panic)' : ''}`);
    const ended = b.records.some((r) => r.t === 'end');
    const setupFailed = b.records.find((r) => r.t === 'note' && r.key === 'setup-failed');
    const mapFailed = b.records.find((r) => r.t === 'map' && r.error !== undefined);
    if (mapFailed) throw new Error(`${rel}: guest setup failed: mmap of pid ${mapFailed.pid} mapping ${mapFailed.id}: ${mapFailed.error}`);
    if (setupFailed) throw new Error(`${rel}: guest setup failed: ${setupFailed.text}\n${b.records.filter((r) => r.t === 'file').map((r) => String(r.text)).join('\n')}`);
    // a machine check that lands in the kernel panics the guest: try once more
    if (!ended && plan.needsMce && b.panicked && attempt < 2 && s.kernel.recovery) {
      log(`${rel}: the guest panicked during a machine check; retrying once`);
      continue;
    }
    if (!ended && !b.panicked) throw new Error(`${rel}: the guest stopped before the end (see ${path.relative(ROOT, runDir)}/console.log)`);
    const { report, meta } = buildReport(s, plan, b.records, { kernel: KVER, panicked: b.panicked, console: b.console });
    return {
      refused: null,
      report,
      meta: { ...base, ...meta, qemu: qemuVersion, seconds: Math.round(b.seconds), guest: { ...base.guest, ...meta.guest! } } as OracleMeta,
    };
  }
}

function writeRecording(file: string, r: OracleRun): void {
  fs.mkdirSync(RECORDED, { recursive: true });
  const stem = stemOf(file);
  const rp = path.join(RECORDED, `${stem}.report.json`);
  if (r.report) fs.writeFileSync(rp, JSON.stringify(r.report, null, 2) + '\n');
  else fs.rmSync(rp, { force: true });
  fs.writeFileSync(path.join(RECORDED, `${stem}.meta.json`), JSON.stringify(r.meta, null, 2) + '\n');
  log(`recorded ${path.relative(ROOT, path.join(RECORDED, stem))}.{report,meta}.json`);
}

export async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  if (args[0] === 'diff' || args[0] === 'table') {
    // the comparison needs the simulator, bundled separately (oracle/run.mjs)
    throw new Error('internal: diff and table are handled by the compare bundle');
  }
  const files = args.length ? args : builtinScenarios();
  let failed = 0;
  for (const f of files) {
    const command = `npm run oracle -- ${path.relative(ROOT, path.resolve(f))}`;
    try {
      const r = await runOracle(f, command);
      if (flags.has('--json') || !isBuiltin(f)) {
        process.stdout.write(JSON.stringify(r.report ?? { refused: r.refused }, null, 2) + '\n');
      }
      if (isBuiltin(f) && !flags.has('--no-record')) writeRecording(f, r);
      if (r.meta.warnings.length) for (const w of r.meta.warnings) log(`  warning: ${w}`);
      const bad = (r.report?.expectations ?? []).filter((x) => !x.ok);
      for (const x of bad) log(`  the kernel does not meet the scenario's expectation at ${x.where}: ${x.detail}`);
    } catch (e) {
      failed++;
      log(`${f}: ${(e as Error).message}`);
    }
  }
  return failed ? 1 : 0;
}
