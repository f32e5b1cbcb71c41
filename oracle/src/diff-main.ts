// `npm run oracle -- diff [--live] [scenario...]`: where the simulator and the
// kernel disagree, against the recorded kernel reports (or a fresh kernel run
// with --live). `npm run oracle -- table`: the README's fidelity table.
// `npm run oracle -- random <seed|a-b>...`: write the generated scenarios
// oracle/random/<seed>.poison.yaml (oracle/src/random.ts).
// `--kernel 6.1`: against the 6.1 recordings (oracle/recorded-6.1/), the
// simulator run with kernel.version 6.1.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { RANDOM_DIR, builtinScenarios, kernelOption, randomScenarios, recordedDirOf, runOracle, stemOf, underVersion, versionFor } from './main';
import { generateRandomScenario, randomFileName } from './random';
import { compareWithSimulator, formatDisagreements, type KernelReport } from './compare';
import { HUNG } from './report';
import { oracleKernel, type OracleKernel } from './setup';
import { KERNEL_VERSIONS, type KernelVersion } from '../../src/sim/version';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');

/** simulator bugs already reported (kernel absent = 6.12), as test/oracle/compare.test.ts reads them */
const KNOWN: { scenario: string; kernel?: KernelVersion; where: string; what: string }[] = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'oracle', 'known-disagreements.json'), 'utf8'),
).entries;

interface Meta {
  refused?: string;
  eventsRun: string[];
  eventsNotRun: { id: string; do: string; reason: string }[];
}

function recorded(file: string, kernel: OracleKernel = oracleKernel()): { report?: KernelReport; meta?: Meta } {
  const stem = stemOf(file);
  const dir = recordedDirOf(file, kernel);
  const rp = path.join(dir, `${stem}.report.json`);
  const mp = path.join(dir, `${stem}.meta.json`);
  return {
    report: fs.existsSync(rp) ? JSON.parse(fs.readFileSync(rp, 'utf8')) : undefined,
    meta: fs.existsSync(mp) ? JSON.parse(fs.readFileSync(mp, 'utf8')) : undefined,
  };
}

export async function main(argv0: string[], cmd: string): Promise<number> {
  const { version: asked, rest: argv } = kernelOption(argv0);
  const live = argv.includes('--live');
  const files = argv.filter((a) => !a.startsWith('--'));
  if (cmd === 'table') {
    process.stdout.write(table(asked ? [asked] : TABLE_ORDER) + '\n');
    return 0;
  }
  if (cmd === 'random') return writeRandom(files);
  let bad = 0;
  for (const f of files.length ? files : [...builtinScenarios(), ...randomScenarios()]) {
    const rel = path.relative(ROOT, path.resolve(f));
    const { version, skip } = versionFor(loadScenario(fs.readFileSync(f, 'utf8'), rel), asked);
    if (skip) {
      if (files.length) console.log(`${rel}: not compared under ${version}: ${skip}`);
      continue;
    }
    const kernel = oracleKernel(version);
    let report: KernelReport | undefined;
    if (live) {
      const r = await runOracle(f, `npm run oracle -- diff --live ${version === '6.12' ? '' : `--kernel ${version} `}${rel}`, kernel);
      if (r.refused) {
        console.log(`${rel}: the kernel cannot run it: ${r.refused}`);
        continue;
      }
      report = r.report as KernelReport;
      if (argv.includes('--against-recorded')) {
        const rec = recorded(f, kernel).report;
        const drift = rec ? driftBetween(rec, report) : ['no recorded report to compare with'];
        if (drift.length) {
          bad++;
          console.log(`${rel}: the live kernel run differs from the recorded one:\n${drift.map((d) => '  ' + d).join('\n')}`);
        } else {
          console.log(`${rel}: the live kernel run matches the recorded one`);
        }
      }
    } else {
      report = recorded(f, kernel).report;
      if (!report) {
        const m = recorded(f, kernel).meta;
        console.log(`${rel}: no ${version === '6.12' ? '' : `${version} `}kernel report${m?.refused ? ` (not runnable: ${m.refused})` : ` recorded (npm run oracle -- ${version === '6.12' ? '' : `--kernel ${version} `}${rel})`}`);
        continue;
      }
    }
    const s = underVersion(loadScenario(fs.readFileSync(f, 'utf8'), rel), version);
    const ds = compareWithSimulator(s, report);
    // known simulator bugs (known-disagreements.json) are shown, and do not fail the diff
    const known = KNOWN.filter((k) => k.scenario === rel && (k.kernel ?? '6.12') === version);
    const unexpected = ds.filter((d) => !known.some((k) => k.where === d.where && k.what === d.what));
    if (unexpected.length) bad++;
    console.log(formatDisagreements(version === '6.12' ? rel : `${rel} (${version})`, ds));
    if (ds.length && !unexpected.length) console.log('  (all known: oracle/known-disagreements.json)');
    if (report.notRun.length) console.log(`  (the kernel did not run: ${report.notRun.map((n) => `${n.id} ${n.do}: ${n.reason}`).join('; ')})`);
  }
  return bad ? 1 : 0;
}

/** `random 1-60 75`: write each seed's scenario into oracle/random/ */
function writeRandom(args: string[]): number {
  const seeds: number[] = [];
  for (const a of args) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(a);
    if (!m) {
      console.error(`random: ${JSON.stringify(a)} is not a seed or a range of seeds (a-b)`);
      return 2;
    }
    for (let s = Number(m[1]); s <= Number(m[2] ?? m[1]); s++) seeds.push(s);
  }
  if (!seeds.length) {
    console.error('random: name the seeds, e.g. `npm run oracle -- random 1-60`');
    return 2;
  }
  fs.mkdirSync(RANDOM_DIR, { recursive: true });
  for (const seed of seeds) {
    const file = path.join(RANDOM_DIR, randomFileName(seed));
    fs.writeFileSync(file, generateRandomScenario(seed));
    console.log(path.relative(ROOT, file));
  }
  return 0;
}

/** what the kernel ran and whether the simulator (under that version) matches, for one scenario and version */
function fidelityCells(f: string, rel: string, v: KernelVersion): { ran: string; match: string } {
  const kernel = oracleKernel(v);
  const s0 = loadScenario(fs.readFileSync(f, 'utf8'), rel);
  const { skip } = versionFor(s0, v);
  if (skip) return { ran: `— (a ${s0.kernel.version} scenario)`, match: '—' };
  const { report, meta } = recorded(f, kernel);
  const simMatch = (rep: KernelReport): string => {
    try {
      const ds = compareWithSimulator(underVersion(s0, v), rep);
      return ds.length ? `no: ${ds.map((d) => `${d.where} ${d.what}`).join(', ')}` : 'yes';
    } catch (e) {
      return `simulator error: ${(e as Error).message.split('\n')[0]}`;
    }
  };
  if (!meta) return { ran: `not recorded${NOT_RECORDED[`${v} ${rel}`] ? ` (${NOT_RECORDED[`${v} ${rel}`]})` : /^scenarios\/cxl-/.test(rel) ? ' (the guest has no CXL devices)' : ''}`, match: '—' };
  const oops = report?.notRun.find((n) => n.reason.startsWith('kernel oops'));
  if (report && oops) {
    const before = report.events.length ? `${report.events.map((e) => e.id).join(', ')} ran, ` : '';
    return { ran: `yes: ${before}${oops.id} crashed the kernel (${oops.reason.replace(/^kernel oops: /, '')})`, match: simMatch(report) };
  }
  const hung = report?.notRun.find((n) => n.reason.startsWith(HUNG));
  if (report && hung) {
    const before = report.events.length ? `${report.events.map((e) => e.id).join(', ')} ran, ` : '';
    return { ran: `yes: ${before}${hung.id} never returned (the guest was stopped)`, match: simMatch(report) };
  }
  if (meta.refused || !report || report.events.length === 0) {
    const why = meta.refused ?? meta.eventsNotRun[0]?.reason ?? '';
    return { ran: `no: ${why}`, match: '—' };
  }
  const ran = report.notRun.length ? `partly: ${report.events.map((e) => e.id).join(', ')}; not ${report.notRun.map((n) => n.id).join(', ')} (${report.notRun[0]!.reason})` : `yes (${report.events.length} event${report.events.length > 1 ? 's' : ''})`;
  return { ran, match: simMatch(report) };
}

/** why a built-in scenario has no recording under a version ("<version> <path>") */
const NOT_RECORDED: Record<string, string> = {
  '6.12 scenarios/dax-shared-oops-mf-mutex.poison.yaml': "its e1 is `oracle/scenarios/reflink-no-rmapbt`'s oops, recorded; e2 and e4 would hang the guest's actors for good",
};

/** the table's versions, the default one first */
const TABLE_ORDER: readonly KernelVersion[] = ['6.12', ...KERNEL_VERSIONS.filter((v) => v !== '6.12')];

/** the README's kernel heading for a version */
const KERNEL_HEADING: Record<KernelVersion, string> = { '6.1': 'kernel 6.1 (6.1.192, Debian 6.1.0-57, under QEMU)', '6.12': 'kernel (6.12.117 under QEMU)' };

/**
 * scenario | kernel ran it | simulator matches: with one version, the
 * table as before; with both (the default), a pair of columns per version
 */
export function table(versions: readonly KernelVersion[] = TABLE_ORDER): string {
  const head = versions.length === 1 ? [KERNEL_HEADING[versions[0]!], 'simulator vs kernel'] : versions.flatMap((v) => [KERNEL_HEADING[v], `simulator vs ${v}`]);
  const rows = [`| scenario | ${head.join(' | ')} |`, `|${'---|'.repeat(head.length + 1)}`];
  // per version: built-in runs the kernel made and the simulator matches
  const ranBuiltin = versions.map(() => 0);
  const agreeBuiltin = versions.map(() => 0);
  for (const f of builtinScenarios()) {
    const rel = path.relative(ROOT, f);
    const cells = versions.flatMap((v) => {
      const c = fidelityCells(f, rel, v);
      return [c.ran, c.match];
    });
    // as the README names them: the stem, with oracle/scenarios/ for the oracle's own
    const name = (rel.startsWith('oracle/') ? path.dirname(rel) + '/' : '') + stemOf(f);
    rows.push(`| \`${name}\` | ${cells.join(' | ')} |`);
    versions.forEach((_v, i) => {
      if (cells[2 * i + 1] !== '—') ranBuiltin[i]!++;
      if (cells[2 * i + 1] === 'yes') agreeBuiltin[i]!++;
    });
  }
  // the randomized differential and the totals, a pair of cells per version
  const rnd = versions.map((v) => randomCounts(v));
  rows.push(`| \`oracle/random/*\` (randomized, \`npm run oracle -- random <seed>\`) | ${rnd.map(randomCells).join(' | ')} |`);
  const totals = versions.map((v, i) => {
    const r = rnd[i]!;
    return `**${v}**: ${ranBuiltin[i]! + r.recorded} recorded runs (${ranBuiltin[i]} written by hand, ${r.recorded} random) | the simulator matches ${agreeBuiltin[i]! + r.matched} (${agreeBuiltin[i]} + ${r.matched})`;
  });
  rows.push(`| **recorded runs** | ${totals.join(' | ')} |`);
  return rows.join('\n');
}

/**
 * The randomized differential (oracle/random/, oracle/src/random.ts) under a
 * version: how many generated scenarios, how many the kernel ran and with how
 * many events (and how many it never finished: hung), how many the simulator
 * matches, and which seeds it does not.
 */
function randomCounts(v: KernelVersion): { files: number; recorded: number; events: number; hung: number; matched: number; differ: string[] } {
  const files = randomScenarios();
  let recordedRuns = 0;
  let events = 0;
  let hung = 0;
  let matched = 0;
  const differ: string[] = [];
  for (const f of files) {
    const rel = path.relative(ROOT, f);
    const { report } = recorded(f, oracleKernel(v));
    if (!report) continue;
    recordedRuns++;
    events += report.events.length;
    if (report.notRun.some((n) => n.reason.startsWith(HUNG))) hung++;
    try {
      const ds = compareWithSimulator(underVersion(loadScenario(fs.readFileSync(f, 'utf8'), rel), v), report);
      if (ds.length) differ.push(`${stemOf(f)} (${ds.map((d) => `${d.where} ${d.what}`).join(', ')})`);
      else matched++;
    } catch (e) {
      differ.push(`${stemOf(f)} (simulator error: ${(e as Error).message.split('\n')[0]})`);
    }
  }
  return { files: files.length, recorded: recordedRuns, events, hung, matched, differ };
}

function randomCells(c: ReturnType<typeof randomCounts>): string {
  const ran = `${c.recorded} of ${c.files} generated scenarios recorded (${c.events} events${c.hung ? `; ${c.hung} with an event that never returned` : ''})`;
  const match = `${c.matched} of ${c.recorded}${c.differ.length ? `; not: ${c.differ.join('; ')} (oracle/known-disagreements.json)` : ''}`;
  return `${ran} | ${match}`;
}

function withoutSetup(byEvent: KernelReport['dmesgByEvent']): KernelReport['dmesgByEvent'] {
  const { setup: _setup, ...rest } = byEvent;
  return rest;
}

/** what a kernel run shows that should not change between two runs of the same scenario */
function observable(r: KernelReport): Record<string, string> {
  return {
    events: JSON.stringify(r.events.map((e) => [e.id, e.result])),
    notRun: JSON.stringify(r.notRun.map((n) => n.id)),
    signals: JSON.stringify(r.signals),
    dmesg: JSON.stringify(r.dmesgByEvent),
    badblocks: JSON.stringify(r.badblocks),
    filesystems: JSON.stringify(r.filesystems),
    calls: JSON.stringify(r.calls),
  };
}

export function driftBetween(recorded: KernelReport, live: KernelReport): string[] {
  const a = observable(recorded);
  // a recording made before setup's kernel log was recorded has no `setup` entry (as compare.ts treats it): the live run's is not compared either
  const b = observable('setup' in recorded.dmesgByEvent ? live : { ...live, dmesgByEvent: withoutSetup(live.dmesgByEvent) });
  return Object.keys(a)
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: recorded ${a[k]}\n    live     ${b[k]}`);
}
