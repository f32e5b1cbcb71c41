// `npm run oracle -- diff [--live] [scenario...]`: where the simulator and the
// kernel disagree, against the recorded kernel reports (or a fresh kernel run
// with --live). `npm run oracle -- table`: the README's fidelity table.
// `npm run oracle -- random <seed|a-b>...`: write the generated scenarios
// oracle/random/<seed>.poison.yaml (oracle/src/random.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { RANDOM_DIR, builtinScenarios, randomScenarios, recordedDirOf, runOracle, stemOf } from './main';
import { generateRandomScenario, randomFileName } from './random';
import { compareWithSimulator, formatDisagreements, type KernelReport } from './compare';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');

interface Meta {
  refused?: string;
  eventsRun: string[];
  eventsNotRun: { id: string; do: string; reason: string }[];
}

function recorded(file: string): { report?: KernelReport; meta?: Meta } {
  const stem = stemOf(file);
  const dir = recordedDirOf(file);
  const rp = path.join(dir, `${stem}.report.json`);
  const mp = path.join(dir, `${stem}.meta.json`);
  return {
    report: fs.existsSync(rp) ? JSON.parse(fs.readFileSync(rp, 'utf8')) : undefined,
    meta: fs.existsSync(mp) ? JSON.parse(fs.readFileSync(mp, 'utf8')) : undefined,
  };
}

export async function main(argv: string[], cmd: string): Promise<number> {
  const live = argv.includes('--live');
  const files = argv.filter((a) => !a.startsWith('--'));
  if (cmd === 'table') {
    process.stdout.write(table() + '\n');
    return 0;
  }
  if (cmd === 'random') return writeRandom(files);
  let bad = 0;
  for (const f of files.length ? files : [...builtinScenarios(), ...randomScenarios()]) {
    const rel = path.relative(ROOT, path.resolve(f));
    let report: KernelReport | undefined;
    if (live) {
      const r = await runOracle(f, `npm run oracle -- diff --live ${rel}`);
      if (r.refused) {
        console.log(`${rel}: the kernel cannot run it: ${r.refused}`);
        continue;
      }
      report = r.report as KernelReport;
      if (argv.includes('--against-recorded')) {
        const rec = recorded(f).report;
        const drift = rec ? driftBetween(rec, report) : ['no recorded report to compare with'];
        if (drift.length) {
          bad++;
          console.log(`${rel}: the live kernel run differs from the recorded one:\n${drift.map((d) => '  ' + d).join('\n')}`);
        } else {
          console.log(`${rel}: the live kernel run matches the recorded one`);
        }
      }
    } else {
      report = recorded(f).report;
      if (!report) {
        const m = recorded(f).meta;
        console.log(`${rel}: no kernel report${m?.refused ? ` (not runnable: ${m.refused})` : ' recorded (npm run oracle -- ' + rel + ')'}`);
        continue;
      }
    }
    const s = loadScenario(fs.readFileSync(f, 'utf8'), rel);
    const ds = compareWithSimulator(s, report);
    if (ds.length) bad++;
    console.log(formatDisagreements(rel, ds));
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

/** scenario | kernel ran it | simulator matches */
export function table(): string {
  const rows = ['| scenario | kernel (6.12.117 under QEMU) | simulator vs kernel |', '|---|---|---|'];
  let ranBuiltin = 0;
  let agreeBuiltin = 0;
  for (const f of builtinScenarios()) {
    const rel = path.relative(ROOT, f);
    const { report, meta } = recorded(f);
    let ran: string;
    let match: string;
    if (!meta) {
      ran = 'not recorded';
      match = '—';
    } else if (report && report.events.length === 0 && report.notRun[0]?.reason.startsWith('kernel oops')) {
      ran = `yes: ${report.notRun[0].id} crashed the kernel (${report.notRun[0].reason.replace(/^kernel oops: /, '')})`;
      try {
        const s = loadScenario(fs.readFileSync(f, 'utf8'), rel);
        const ds = compareWithSimulator(s, report);
        match = ds.length ? `no: ${ds.map((d) => `${d.where} ${d.what}`).join(', ')}` : 'yes';
      } catch (e) {
        match = `simulator error: ${(e as Error).message.split('\n')[0]}`;
      }
    } else if (meta.refused || !report || report.events.length === 0) {
      const why = meta.refused ?? meta.eventsNotRun[0]?.reason ?? '';
      ran = `no: ${why}`;
      match = '—';
    } else {
      ran = report.notRun.length ? `partly: ${report.events.map((e) => e.id).join(', ')}; not ${report.notRun.map((n) => n.id).join(', ')} (${report.notRun[0]!.reason})` : `yes (${report.events.length} event${report.events.length > 1 ? 's' : ''})`;
      try {
        const s = loadScenario(fs.readFileSync(f, 'utf8'), rel);
        const ds = compareWithSimulator(s, report);
        match = ds.length ? `no: ${ds.map((d) => `${d.where} ${d.what}`).join(', ')}` : 'yes';
      } catch (e) {
        match = `simulator error: ${(e as Error).message.split('\n')[0]}`;
      }
    }
    // as the README names them: the stem, with oracle/scenarios/ for the oracle's own
    const name = (rel.startsWith('oracle/') ? path.dirname(rel) + '/' : '') + stemOf(f);
    rows.push(`| \`${name}\` | ${ran} | ${match} |`);
    if (match !== '—') ranBuiltin++;
    if (match === 'yes') agreeBuiltin++;
  }
  const rnd = randomCounts();
  rows.push(randomRow(rnd));
  rows.push(
    `| **recorded runs** | ${ranBuiltin + rnd.recorded}: ${ranBuiltin} written by hand, ${rnd.recorded} random | the simulator matches ${agreeBuiltin + rnd.matched} (${agreeBuiltin} + ${rnd.matched}) |`,
  );
  return rows.join('\n');
}

/**
 * One row for the randomized differential (oracle/random/, oracle/src/random.ts):
 * how many generated scenarios, how many the kernel ran and with how many
 * events, how many the simulator matches, and which seeds it does not.
 */
function randomCounts(): { files: number; recorded: number; events: number; matched: number; differ: string[] } {
  const files = randomScenarios();
  let recordedRuns = 0;
  let events = 0;
  let matched = 0;
  const differ: string[] = [];
  for (const f of files) {
    const rel = path.relative(ROOT, f);
    const { report } = recorded(f);
    if (!report) continue;
    recordedRuns++;
    events += report.events.length;
    try {
      const ds = compareWithSimulator(loadScenario(fs.readFileSync(f, 'utf8'), rel), report);
      if (ds.length) differ.push(`${stemOf(f)} (${ds.map((d) => `${d.where} ${d.what}`).join(', ')})`);
      else matched++;
    } catch (e) {
      differ.push(`${stemOf(f)} (simulator error: ${(e as Error).message.split('\n')[0]})`);
    }
  }
  return { files: files.length, recorded: recordedRuns, events, matched, differ };
}

function randomRow(c: ReturnType<typeof randomCounts>): string {
  const ran = `${c.recorded} of ${c.files} generated scenarios recorded (${c.events} events)`;
  const match = `${c.matched} of ${c.recorded}${c.differ.length ? `; not: ${c.differ.join('; ')} (oracle/known-disagreements.json)` : ''}`;
  return `| \`oracle/random/*\` (randomized, \`npm run oracle -- random <seed>\`) | ${ran} | ${match} |`;
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
  const b = observable(live);
  return Object.keys(a)
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k}: recorded ${a[k]}\n    live     ${b[k]}`);
}
