// The kernel oracle's command line (bundled and started by oracle/run.mjs).
//
//   node oracle/run.mjs                        re-record every built-in scenario
//   node oracle/run.mjs <scenario>...          run each on the real kernel; a built-in one
//                                              (scenarios/, oracle/scenarios/) is recorded
//                                              into oracle/recorded/, a generated one
//                                              (oracle/random/) into oracle/recorded/random/,
//                                              any other is printed
//   node oracle/run.mjs <scenario> --json      print the kernel's run report
//   node oracle/run.mjs diff <scenario>...     simulator vs the recorded kernel report
//   node oracle/run.mjs diff --live <scenario> simulator vs a fresh kernel run
//   node oracle/run.mjs table                  the README's fidelity table
//   node oracle/run.mjs random <seed|a-b>...   write oracle/random/<seed>.poison.yaml
//   --kernel 6.1                               any of the above on Debian's 6.1 image
//                                              (recordings in oracle/recorded-6.1/)

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import type { Scenario } from '../../src/sim/scenario/types';
import { buildPlan } from './plan';
import { buildBaseInitramfs, buildGuestProgram, buildRunInitrd, ensureHostTools, oracleKernel, paths, type OracleKernel } from './setup';
import { KERNEL_VERSIONS, kernelVersion, type KernelVersion } from '../../src/sim/version';
import { withoutExpectations } from '../../src/sim/scenario/versions';
import { boot, mceMisc } from './qemu';
import { buildReport, type OracleMeta, type OracleReport } from './report';
import { scenarioHash } from './hash';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const BUILTIN_DIRS = [path.join(ROOT, 'scenarios'), path.join(ROOT, 'oracle', 'scenarios')];
/** the randomized differential's scenarios (oracle/src/random.ts), recorded into oracle/recorded/random/ */
export const RANDOM_DIR = path.join(ROOT, 'oracle', 'random');

const log = (s: string) => process.stderr.write(s + '\n');

export function builtinScenarios(): string[] {
  const out: string[] = [];
  for (const d of BUILTIN_DIRS)
    if (fs.existsSync(d)) for (const f of fs.readdirSync(d).sort()) if (/\.poison\.(ya?ml|json)$/.test(f)) out.push(path.join(d, f));
  return out;
}

/** the generated scenarios of oracle/random, in seed order */
export function randomScenarios(): string[] {
  if (!fs.existsSync(RANDOM_DIR)) return [];
  return fs
    .readdirSync(RANDOM_DIR)
    .filter((f) => /\.poison\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => path.join(RANDOM_DIR, f));
}

/** where a scenario's recording lives: the kernel's recordings, or their random/ for a generated one */
export function recordedDirOf(file: string, k: OracleKernel): string {
  return isRandom(file) ? path.join(recordedDir(k), 'random') : recordedDir(k);
}

export function isRandom(file: string): boolean {
  return path.dirname(path.resolve(file)) === RANDOM_DIR;
}

/** where the recordings of a kernel version live */
export function recordedDir(k: OracleKernel): string {
  return path.join(ROOT, 'oracle', k.recorded);
}

/**
 * `--kernel 6.1` / `--kernel=6.1` (absent: the scenario's own kernel.version,
 * else 6.12); throws on another value. Returns the version and the arguments
 * without the option.
 */
export function kernelOption(argv: string[]): { version: KernelVersion | null; rest: string[] } {
  const rest: string[] = [];
  let version: KernelVersion | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let v: string | undefined;
    if (a === '--kernel') v = argv[++i];
    else if (a.startsWith('--kernel=')) v = a.slice('--kernel='.length);
    else {
      rest.push(a);
      continue;
    }
    if (!v || !(KERNEL_VERSIONS as readonly string[]).includes(v)) throw new Error(`--kernel ${v ?? ''}: expected one of ${KERNEL_VERSIONS.join(', ')}`);
    version = v as KernelVersion;
  }
  return { version, rest };
}

/**
 * The version a scenario runs under: `--kernel` when given, else its own
 * kernel.version. A scenario written for one version (kernel.version in the
 * file) is not run under another: null, with the reason.
 */
export function versionFor(s: Scenario, asked: KernelVersion | null): { version: KernelVersion; skip: string | null } {
  const own = s.kernel.version;
  if (asked && own && own !== asked) return { version: asked, skip: `the scenario is written for ${own} (kernel.version)` };
  return { version: asked ?? kernelVersion(s.kernel), skip: null };
}

/**
 * the scenario as the simulator runs it under a version (kernel.version set);
 * under another version than its own its expectations are left out: they
 * hold its own kernel's outcome (a 6.12 scenario expects "Device is about to
 * be removed!"), and the recording of the other kernel is what it is held to
 */
export function underVersion(s: Scenario, v: KernelVersion): Scenario {
  if (kernelVersion(s.kernel) === v) return s;
  return withoutExpectations({ ...s, kernel: { ...s.kernel, version: v } });
}

export function stemOf(file: string): string {
  return path.basename(file).replace(/\.poison\.(ya?ml|json)$/, '');
}

function isBuiltin(file: string): boolean {
  const abs = path.resolve(file);
  return [...BUILTIN_DIRS, RANDOM_DIR].some((d) => path.dirname(abs) === d);
}

export interface OracleRun {
  refused: string | null;
  report?: OracleReport;
  meta: OracleMeta & { refused?: string };
}

/** Run one scenario on the real kernel. */
export async function runOracle(file: string, command: string, kernel: OracleKernel = oracleKernel()): Promise<OracleRun> {
  const text = fs.readFileSync(file, 'utf8');
  const rel = path.relative(ROOT, path.resolve(file));
  const s: Scenario = loadScenario(text, rel);
  const KVER = kernel.kver;
  // the plan under the version booted (its refusals name it)
  const plan = buildPlan(underVersion(s, kernel.version));
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
  const p = paths(ROOT, kernel);
  ensureHostTools(p, log);
  const h = buildGuestProgram(p, log);
  buildBaseInitramfs(p, h, log);
  const runDir = path.join(p.cache, `runs${kernel.suffix}`, stemOf(file));
  fs.mkdirSync(runDir, { recursive: true });
  const initrd = buildRunInitrd(p, runDir, plan.setupSh, plan.planTxt);
  const qemuVersion = execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
  let attempt = 0;
  for (;;) {
    attempt++;
    log(`${rel}: booting ${KVER} under QEMU TCG${plan.needsMce ? ' (one CPU, machine checks through the monitor)' : ''}`);
    // a generated scenario finishes in 20-90 s; one that hangs the guest (seed 4's first form did) should not hold the QEMU lock for 10 minutes
    const timeoutSec = isRandom(file) ? 240 : 600;
    const b = await boot({ vmlinuz: p.vmlinuz, initrd, runDir, needsMce: plan.needsMce, mceMisc: mceMisc(s.platform.regions[0]!.errorGranularity), timeoutSec, log });
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
    // an event that never returned (the guest went silent in the middle of the events, or ran out of time there): recorded as hung
    const began = b.records.some((r) => r.t === 'begin');
    const hung = !ended && !b.panicked && began && (b.stalled || b.timedOut) ? { seconds: Math.round(b.seconds) } : undefined;
    if (hung) log(`${rel}: an event never returned: recorded as hung`);
    if (!ended && !b.panicked && !hung) throw new Error(`${rel}: the guest stopped before the end (see ${path.relative(ROOT, runDir)}/console.log)`);
    const { report, meta } = buildReport(s, plan, b.records, { kernel: KVER, panicked: b.panicked, console: b.console, hung });
    return {
      refused: null,
      report,
      meta: { ...base, ...meta, qemu: qemuVersion, seconds: Math.round(b.seconds), guest: { ...base.guest, ...meta.guest! } } as OracleMeta,
    };
  }
}

function writeRecording(file: string, r: OracleRun, kernel: OracleKernel): void {
  const dir = recordedDirOf(file, kernel);
  fs.mkdirSync(dir, { recursive: true });
  const stem = stemOf(file);
  const rp = path.join(dir, `${stem}.report.json`);
  if (r.report) fs.writeFileSync(rp, JSON.stringify(r.report, null, 2) + '\n');
  else fs.rmSync(rp, { force: true });
  fs.writeFileSync(path.join(dir, `${stem}.meta.json`), JSON.stringify(r.meta, null, 2) + '\n');
  log(`recorded ${path.relative(ROOT, path.join(dir, stem))}.{report,meta}.json`);
}

export async function main(argv0: string[]): Promise<number> {
  const { version: asked, rest: argv } = kernelOption(argv0);
  const args = argv.filter((a) => !a.startsWith('--'));
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  if (args[0] === 'diff' || args[0] === 'table') {
    // the comparison needs the simulator, bundled separately (oracle/run.mjs)
    throw new Error('internal: diff and table are handled by the compare bundle');
  }
  const files = args.length ? args : builtinScenarios();
  let failed = 0;
  for (const f of files) {
    const relf = path.relative(ROOT, path.resolve(f));
    try {
      const { version, skip } = versionFor(loadScenario(fs.readFileSync(f, 'utf8'), relf), asked);
      if (skip) {
        log(`${relf}: not run under ${version}: ${skip}`);
        continue;
      }
      const kernel = oracleKernel(version);
      const command = `npm run oracle -- ${version === '6.12' ? '' : `--kernel ${version} `}${relf}`;
      const r = await runOracle(f, command, kernel);
      if (flags.has('--json') || !isBuiltin(f)) {
        process.stdout.write(JSON.stringify(r.report ?? { refused: r.refused }, null, 2) + '\n');
      }
      if (isBuiltin(f) && !flags.has('--no-record')) writeRecording(f, r, kernel);
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
