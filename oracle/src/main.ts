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
import { boot, mceMisc } from './qemu';
import { buildReport, type OracleMeta, type OracleReport } from './report';
import { scenarioHash } from './hash';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const BUILTIN_DIRS = [path.join(ROOT, 'scenarios'), path.join(ROOT, 'oracle', 'scenarios')];

const log = (s: string) => process.stderr.write(s + '\n');

export function builtinScenarios(): string[] {
  const out: string[] = [];
  for (const d of BUILTIN_DIRS)
    if (fs.existsSync(d)) for (const f of fs.readdirSync(d).sort()) if (/\.poison\.(ya?ml|json)$/.test(f)) out.push(path.join(d, f));
  return out;
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

/** the scenario as the simulator runs it under a version (kernel.version set) */
export function underVersion(s: Scenario, v: KernelVersion): Scenario {
  if (kernelVersion(s.kernel) === v) return s;
  return { ...s, kernel: { ...s.kernel, version: v } };
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

function writeRecording(file: string, r: OracleRun, kernel: OracleKernel): void {
  const RECORDED = recordedDir(kernel);
  fs.mkdirSync(RECORDED, { recursive: true });
  const stem = stemOf(file);
  const rp = path.join(RECORDED, `${stem}.report.json`);
  if (r.report) fs.writeFileSync(rp, JSON.stringify(r.report, null, 2) + '\n');
  else fs.rmSync(rp, { force: true });
  fs.writeFileSync(path.join(RECORDED, `${stem}.meta.json`), JSON.stringify(r.meta, null, 2) + '\n');
  log(`recorded ${path.relative(ROOT, path.join(RECORDED, stem))}.{report,meta}.json`);
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
