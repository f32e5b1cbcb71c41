// `npm run oracle -- diff [--live] [scenario...]`: where the simulator and the
// kernel disagree, against the recorded kernel reports (or a fresh kernel run
// with --live). `npm run oracle -- table`: the README's fidelity table.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { builtinScenarios, runOracle, stemOf } from './main';
import { compareWithSimulator, formatDisagreements, type KernelReport } from './compare';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const RECORDED = path.join(ROOT, 'oracle', 'recorded');

interface Meta {
  refused?: string;
  eventsRun: string[];
  eventsNotRun: { id: string; do: string; reason: string }[];
}

function recorded(file: string): { report?: KernelReport; meta?: Meta } {
  const stem = stemOf(file);
  const rp = path.join(RECORDED, `${stem}.report.json`);
  const mp = path.join(RECORDED, `${stem}.meta.json`);
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
  let bad = 0;
  for (const f of files.length ? files : builtinScenarios()) {
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

/** scenario | kernel ran it | simulator matches */
export function table(): string {
  const rows = ['| scenario | kernel (6.12.117 under QEMU) | simulator vs kernel |', '|---|---|---|'];
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
  }
  return rows.join('\n');
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
