// `npm run oracle -- diff [--live] [scenario...]`: where the simulator and the
// kernel disagree, against the recorded kernel reports (or a fresh kernel run
// with --live). `npm run oracle -- table`: the README's fidelity table.
// `--kernel 6.1`: against the 6.1 recordings (oracle/recorded-6.1/), the
// simulator run with kernel.version 6.1.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { builtinScenarios, kernelOption, recordedDir, runOracle, stemOf, underVersion, versionFor } from './main';
import { compareWithSimulator, formatDisagreements, type KernelReport } from './compare';
import { oracleKernel, type OracleKernel } from './setup';
import { KERNEL_VERSIONS, type KernelVersion } from '../../src/sim/version';

const ROOT = process.env.ORACLE_ROOT ?? path.resolve(__dirname, '..', '..', '..');

interface Meta {
  refused?: string;
  eventsRun: string[];
  eventsNotRun: { id: string; do: string; reason: string }[];
}

function recorded(file: string, kernel: OracleKernel = oracleKernel()): { report?: KernelReport; meta?: Meta } {
  const RECORDED = recordedDir(kernel);
  const stem = stemOf(file);
  const rp = path.join(RECORDED, `${stem}.report.json`);
  const mp = path.join(RECORDED, `${stem}.meta.json`);
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
  let bad = 0;
  for (const f of files.length ? files : builtinScenarios()) {
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
    if (ds.length) bad++;
    console.log(formatDisagreements(version === '6.12' ? rel : `${rel} (${version})`, ds));
    if (report.notRun.length) console.log(`  (the kernel did not run: ${report.notRun.map((n) => `${n.id} ${n.do}: ${n.reason}`).join('; ')})`);
  }
  return bad ? 1 : 0;
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
  '6.1 scenarios/madvise-hwpoison-efault.poison.yaml': 'e1–e4 ran (0, EFAULT, EFAULT, 0) and e5 never returned: the guest timed out; `madvise-hwpoison-efault-6.1` models the hang',
  '6.1 scenarios/madvise-hwpoison-efault-6.1.poison.yaml': 'its e5 hangs the guest\'s actor for good, as the real 6.1 showed',
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
  for (const f of builtinScenarios()) {
    const rel = path.relative(ROOT, f);
    const cells = versions.flatMap((v) => {
      const c = fidelityCells(f, rel, v);
      return [c.ran, c.match];
    });
    // as the README names them: the stem, with oracle/scenarios/ for the oracle's own
    const name = (rel.startsWith('oracle/') ? path.dirname(rel) + '/' : '') + stemOf(f);
    rows.push(`| \`${name}\` | ${cells.join(' | ')} |`);
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
