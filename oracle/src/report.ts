// Guest records → run report v1, in the scenario's own addresses.
//
// Addresses differ between the guest and the scenario. Process addresses are
// mapped back by (mapping, offset within it) — the guest asks for the
// scenario's own addresses with MAP_FIXED_NOREPLACE, so this is normally the
// identity, but it never relies on it. Physical addresses and pfns are mapped
// by their offset from the namespace's data start (the scenario's
// region.spa + ns.offset + dataOffset; the guest's from
// /sys/bus/nd/devices/pfnX.Y/resource); below the data start (the info block
// and memmap area) by their offset from the namespace start. Badblocks are
// device- and region-relative sectors already. pids map through the scenario
// pid each guest child stands for.

import type { EventSpec, Scenario } from '../../src/sim/scenario/types';
import type { ExpectationResult, ReportEvent, ReportSignal, RunReport } from '../../src/sim/report';
import { evaluateExpectation } from '../../src/sim/expect';
import type { GuestRecord } from './qemu';
import type { NotRun, Plan } from './plan';
import { WARNING, inFamily, normalizeLine, shutdownFromLines, type Translator } from './dmesg';
import { ZERO_PFN } from '../../src/sim/mm/types';

export interface OracleReport extends RunReport {
  /** extension: events the kernel did not run, and why */
  notRun: NotRun[];
  /** extension: the compared dmesg lines, per event */
  dmesgByEvent: Record<string, string[]>;
  /** extension: where the report came from and what it cannot tell */
  oracle: {
    kernel: string;
    unobservable: string[];
    traced: string[];
  };
}

export interface OracleMeta {
  scenario: string;
  /** the file's sha256, for the record */
  scenarioSha256: string;
  /** oracle/src/hash.ts: what the recording depends on (machine and events); staleness is judged by this */
  scenarioHash: string;
  command: string;
  kernel: string;
  qemu: string;
  recordedAt: string;
  seconds: number;
  eventsRun: string[];
  eventsNotRun: NotRun[];
  setup: string[];
  guest: {
    dataStart: string;
    nsStart: string;
    dataOffset: number;
    scenarioDataOffset: number;
    dataSize: number | null;
    mkfs: string;
    /** xfs_io -c "fsmap -d -v": the kernel's reverse map after the files were made (offsets on the filesystem's device) */
    fsmap: string;
    /** dmsetup table, when the scenario has a device-mapper device */
    dmTable?: string;
    files: { path: string; ino: number; size: number; extents: { logical: number; physical: number; length: number; flags: number }[] }[];
    mappings: { pid: number; id: string; guestAddr: string; scenarioAddr: string; length: number; pfns: string[] }[];
  };
  /** every kernel line of each event, guest addresses and all, for reading */
  rawDmesgByEvent: Record<string, string[]>;
  warnings: string[];
}

/** the first line of a kernel crash report */
export const OOPS = /^(BUG: |Oops: |general protection fault|kernel BUG at )/;

/** the start of a not-run reason for an event that never returned (the guest stopped answering in it) */
export const HUNG = 'never returned';

const CODE: Record<number, ReportSignal['code']> = { 2: 'BUS_ADRERR', 4: 'BUS_MCEERR_AR', 5: 'BUS_MCEERR_AO', 0x80: 'SI_KERNEL' };

export function buildReport(s: Scenario, plan: Plan, records: GuestRecord[], opts: { kernel: string; panicked: boolean; console: string; hung?: { seconds: number } }): { report: OracleReport; meta: Partial<OracleMeta> } {
  const warnings: string[] = [];
  const of = (t: string) => records.filter((r) => r.t === t);
  const layout = of('layout')[0];
  const gData = layout ? BigInt(String(layout.dataStart)) : 0n;
  const gNs = layout ? BigInt(String(layout.nsStart)) : 0n;
  const zero = of('zeropfn')[0];
  const gZero = zero ? BigInt(String(zero.pfn)) : undefined;
  const sData = BigInt(plan.scenarioDataStart);
  const sNs = BigInt(plan.scenarioNsStart);
  const pidOf = new Map<number, number>();
  for (const r of of('proc')) pidOf.set(Number(r.gpid), Number(r.pid));
  const commOf = new Map(s.processes.map((p) => [p.pid, p.comm.slice(0, 15)]));
  const guestMaps = of('map').filter((r) => r.addr !== undefined);

  // files the scenario placed by hand: the guest's extents of each, to translate their pages by file offset
  const placedGuest = plan.placed.map((f) => ({
    ...f,
    guest: of('extent')
      .filter((x) => x.file === f.path)
      .map((x) => ({ logical: BigInt(Number(x.logical)), physical: BigInt(Number(x.physical)), length: BigInt(Number(x.length)) })),
  }));
  const t: Translator = {
    phys(g) {
      const d = g - gData;
      for (const f of placedGuest)
        for (const x of f.guest)
          if (d >= x.physical && d < x.physical + x.length) {
            const fo = x.logical + (d - x.physical);
            const se = f.extents.find((e) => fo >= BigInt(e.fileOff) && fo < BigInt(e.fileOff + e.length));
            if (se) return sData + BigInt(se.devOff) + (fo - BigInt(se.fileOff));
          }
      return g >= gData ? sData + (g - gData) : sNs + (g - gNs);
    },
    pfn(g) {
      // the kernel's zero page (a hole's read fault maps it): KASLR places it anew each boot, the lab at ZERO_PFN
      if (gZero !== undefined && g === gZero) return BigInt(ZERO_PFN);
      return t.phys(g << 12n) >> 12n;
    },
    addr(spid, g) {
      for (const r of guestMaps) {
        if (spid !== undefined && Number(r.pid) !== spid) continue;
        const a = BigInt(String(r.addr));
        if (g >= a && g < a + BigInt(Number(r.len))) {
          const sc = plan.addresses.get(Number(r.pid))?.get(String(r.id));
          if (sc) return BigInt(sc.addr) + (g - a);
        }
      }
      warnings.push(`address 0x${g.toString(16)} of pid ${spid} is in no mapping; kept as is`);
      return g;
    },
    pid(g) {
      return pidOf.get(g);
    },
    device(name) {
      if (name === 'pmem0') return plan.scenarioDevice;
      if (plan.dm && name === plan.dm.kernelName) return plan.dm.id;
      return name;
    },
  };

  const evById = new Map(s.events.map((e) => [e.id, e]));
  const pidOfEvent = (e?: EventSpec) => (e && 'process' in e ? (e as { process?: number }).process : undefined);

  // dmesg per event
  const raw: Record<string, string[]> = {};
  const byEvent: Record<string, string[]> = {};
  for (const r of of('dmesg')) {
    const id = String(r.event);
    (raw[id] ??= []).push(String(r.line));
    if (!inFamily(String(r.line))) continue;
    (byEvent[id] ??= []).push(normalizeLine(String(r.line), t, pidOfEvent(evById.get(id))));
  }

  // the warnings the setup printed (a reflinked page faulted in by its second file on 6.1): an entry
  // even when empty, which says the recording looked for them (dmesg.ts WARNING)
  byEvent.setup = of('boot-dmesg')
    .filter((r) => String(r.event) === 'setup' && WARNING.test(String(r.line)))
    .map((r) => normalizeLine(String(r.line), t));

  // events
  const events: ReportEvent[] = [];
  for (const r of of('event')) {
    const e = evById.get(String(r.event));
    const ret = Number(r.ret);
    events.push({ id: String(r.event), do: e?.do ?? '?', at: e?.at ?? 0, result: ret < 0 ? { ret, errno: String(r.errno) } : { ret }, span: null });
  }
  const notRun: NotRun[] = [];
  for (const r of of('notrun')) {
    const e = evById.get(String(r.event));
    notRun.push({ id: String(r.event), do: e?.do ?? '?', reason: String(r.reason) });
  }
  // an actor that died inside its own system call: the kernel oopsed (the oops killed the task)
  for (const n of notRun) {
    const oops = (raw[n.id] ?? []).find((l) => OOPS.test(l));
    if (oops) n.reason = `kernel oops: ${oops}`;
  }
  for (const n of plan.notRunStatic) notRun.push(n);
  if (opts.panicked) {
    const ran = new Set([...events.map((e) => e.id), ...notRun.map((n) => n.id)]);
    for (const e of s.events) if (!ran.has(e.id)) notRun.push({ id: e.id, do: e.do, reason: 'the guest kernel panicked before this event finished' });
  }
  // an event that never returned: the first one the guest did not finish; the rest were never started
  if (opts.hung) {
    const done = new Set([...events.map((e) => e.id), ...notRun.map((n) => n.id)]);
    const left = s.events.filter((e) => !done.has(e.id));
    if (left[0]) notRun.push({ id: left[0].id, do: left[0].do, reason: `${HUNG}: the guest sent nothing more and was stopped after ${opts.hung.seconds} s` });
    for (const e of left.slice(1)) notRun.push({ id: e.id, do: e.do, reason: `not started: ${left[0]!.id} never returned` });
  }
  for (const r of of('mce-done')) if (/timeout/.test(String(r.reply))) warnings.push(`${r.event}: the machine check never reached the process (spun 90 s)`);

  // signals, per event in the order the kernel logged "Sending SIGBUS" for them, then by delivery
  const signals: ReportSignal[] = [];
  const sigRecs = of('signal');
  for (const ev of [...events.map((e) => e.id), ...notRun.map((n) => n.id)]) {
    const recs = sigRecs.filter((r) => r.event === ev);
    const lines = byEvent[ev] ?? [];
    const rank = (pid: number) => {
      const i = lines.findIndex((l) => new RegExp(`(Sending SIGBUS to|Killing) \\S+:${pid}\\b`).test(l));
      return i < 0 ? 1e9 : i;
    };
    recs.sort((a, b) => rank(Number(a.pid)) - rank(Number(b.pid)) || Number(a.seq) - Number(b.seq));
    for (const r of recs) {
      const pid = Number(r.pid);
      const code = CODE[Number(r.code)] ?? 'none';
      const sig: ReportSignal = { event: ev, pid, comm: commOf.get(pid) ?? '?', signo: 'SIGBUS', code };
      if (code !== 'none' && code !== 'SI_KERNEL') {
        sig.addr = '0x' + t.addr(pid, BigInt(String(r.addr))).toString(16);
        sig.lsb = Number(r.lsb);
      }
      signals.push(sig);
    }
    for (const d of of('death').filter((r) => r.event === ev && r.signaled && Number(r.sig) === 9)) {
      const pid = Number(d.pid);
      signals.push({ event: ev, pid, comm: commOf.get(pid) ?? '?', signo: 'SIGKILL', code: 'none' });
    }
  }

  // badblocks: the last state the guest could read (the disk's file goes away on unbind)
  const badblocks: Record<string, [number, number][]> = {};
  const parseBb = (txt: unknown): [number, number][] =>
    String(txt)
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number))
      .filter((x) => x.length === 2 && !isNaN(x[0]!))
      .map((x) => [x[0]!, x[1]!] as [number, number]);
  for (const r of of('badblocks')) {
    if (r.dev !== null && r.dev !== undefined) badblocks[plan.scenarioDevice] = parseBb(r.dev);
    if (r.region !== null && r.region !== undefined) badblocks[plan.scenarioRegion] = parseBb(r.region);
  }

  const allLines = Object.values(byEvent).flat();
  const filesystems = s.filesystems.map((f) => ({ mount: f.mount, shutdown: shutdownFromLines(allLines, plan.scenarioFsDevice) }));

  const traced = of('traced').map((r) => String(r.fn));
  const calls: Record<string, number> = {};
  for (const fn of [...traced].sort()) calls[fn] = 0;
  for (const r of of('calls')) if (String(r.event) !== 'setup') calls[String(r.fn)] = (calls[String(r.fn)] ?? 0) + Number(r.n);

  const dmesg = [...events.map((e) => e.id), ...notRun.map((n) => n.id)].flatMap((id) => byEvent[id] ?? []);
  const report: OracleReport = {
    version: 1,
    scenario: s.name,
    design: 'upstream',
    events,
    signals,
    // a real kernel does not say why: the simulator's verdicts are not compared
    verdicts: [],
    dmesg,
    badblocks,
    hwpoison: [],
    filesystems,
    calls,
    expectations: [],
    spans: [],
    notRun,
    dmesgByEvent: byEvent,
    oracle: {
      kernel: opts.kernel,
      unobservable: [
        'hwpoison (PageHWPoison of ZONE_DEVICE pages: /proc/kpageflags skips pages that are not online)',
        'spans',
        'calls of functions the function tracer cannot see (inlined or static functions without an ftrace entry); calls lists the traced ones only',
      ],
      traced,
    },
  };
  if (opts.panicked) {
    const m = /Kernel panic - not syncing: (.*)/.exec(opts.console);
    report.panic = m ? m[1]!.trim() : 'kernel panic';
  }
  report.expectations = evaluateExpectations(s, report);

  // meta: the guest's layout
  const mkfs = of('file').find((r) => r.key === 'mkfs');
  const dataSize = of('file').find((r) => r.key === 'data-size');
  const files = of('inode').map((r) => ({
    path: String(r.file),
    ino: Number(r.ino),
    size: Number(r.size),
    extents: of('extent')
      .filter((x) => x.file === r.file)
      .map((x) => ({ logical: Number(x.logical), physical: Number(x.physical), length: Number(x.length), flags: Number(x.flags) })),
  }));
  const mappings = guestMaps.map((r) => {
    const pm = of('pagemap').find((x) => x.pid === r.pid && x.id === r.id);
    const pfns = pm && String(pm.pfns) !== '-' ? String(pm.pfns).trim().split(',') : [];
    return {
      pid: Number(r.pid),
      id: String(r.id),
      guestAddr: String(r.addr),
      scenarioAddr: '0x' + (plan.addresses.get(Number(r.pid))?.get(String(r.id))?.addr ?? 0).toString(16),
      length: Number(r.len),
      // pages not present are 0; present ones translated to scenario pfns
      pfns: pfns.map((x) => (x === '0' ? '-' : '0x' + t.pfn(BigInt('0x' + x)).toString(16))),
    };
  });
  for (const m of mappings) if (m.guestAddr !== m.scenarioAddr) warnings.push(`pid ${m.pid} mapping ${m.id}: the guest placed it at ${m.guestAddr}, not ${m.scenarioAddr}; translated`);
  for (const f of placedGuest)
    for (const e of f.extents) {
      const x = f.guest.find((y) => Number(y.logical) <= e.fileOff && e.fileOff < Number(y.logical + y.length));
      const gOff = x ? Number(x.physical) + (e.fileOff - Number(x.logical)) : undefined;
      if (gOff === undefined || gOff % (2 * 1024 * 1024) !== e.devOff % (2 * 1024 * 1024))
        warnings.push(`${f.path} at file offset ${e.fileOff}: the guest placed it at device offset ${gOff ?? 'nowhere'}, not congruent with the scenario's ${e.devOff} modulo 2 MiB`);
    }
  const gDataOffset = Number(gData - gNs);
  const sDataOffset = plan.scenarioDataStart - plan.scenarioNsStart;
  if (layout && gDataOffset !== sDataOffset) warnings.push(`the guest's fsdax data offset is ${gDataOffset}, the scenario's ${sDataOffset}`);
  for (const r of of('setup')) if (r.errno) warnings.push(`setup ${r.op} ${r.path}: ${r.errno}`);
  for (const r of of('note')) if (r.key === 'setup-failed' || r.key === 'insmod-failed') warnings.push(`${r.key}: ${r.text}`);
  return {
    report,
    meta: {
      eventsRun: events.map((e) => e.id),
      eventsNotRun: notRun,
      guest: {
        dataStart: layout ? String(layout.dataStart) : '?',
        nsStart: layout ? String(layout.nsStart) : '?',
        dataOffset: gDataOffset,
        scenarioDataOffset: sDataOffset,
        dataSize: dataSize ? Number(String(dataSize.text).trim()) : null,
        mkfs: mkfs ? String(mkfs.text) : '',
        fsmap: String(of('file').find((r) => r.key === 'fsmap')?.text ?? ''),
        ...(plan.dm ? { dmTable: String(of('file').find((r) => r.key === 'dm-table')?.text ?? '') } : {}),
        files,
        mappings,
      },
      rawDmesgByEvent: raw,
      warnings: [...new Set(warnings)],
    },
  };
}

/**
 * The scenario's own expectations, checked against what the kernel did.
 * Expectations on events the kernel did not run, and on what it cannot show
 * (hwpoison, calls of untraced functions), are left out.
 */
function evaluateExpectations(s: Scenario, r: OracleReport): ExpectationResult[] {
  const ran = new Set(r.events.map((e) => e.id));
  const out: ExpectationResult[] = [];
  const observable = (x: object): boolean => {
    if ('hwpoison' in x) return false;
    if ('calls' in x) return (x as { calls: { symbol: string } }).calls.symbol in r.calls;
    if ('result' in x) return ran.has((x as { result: { event: string } }).result.event);
    return true;
  };
  // a snapshot as of each event: signals/dmesg up to and including it
  const order = r.events.map((e) => e.id);
  for (const e of s.events) {
    if (!ran.has(e.id)) continue;
    const upto = new Set(order.slice(0, order.indexOf(e.id) + 1));
    const snap = {
      events: r.events.filter((x) => upto.has(x.id)),
      signals: r.signals.filter((x) => upto.has(x.event)),
      dmesg: [...upto].flatMap((id) => r.dmesgByEvent[id] ?? []),
      badblocks: r.badblocks,
      hwpoison: r.hwpoison,
      filesystems: r.filesystems,
      calls: r.calls,
    };
    for (const x of e.expect) if (observable(x)) out.push(evaluateExpectation(x, snap, e.id));
  }
  // an event that never returned meets a result expectation of `stopped: blocked` only
  const hung = r.notRun.find((n) => n.reason.startsWith(HUNG));
  for (const x of s.events.find((e) => e.id === hung?.id)?.expect ?? []) {
    if (!('result' in x)) continue;
    const ok = (x as { result: { stopped?: string } }).result.stopped === 'blocked';
    out.push({ where: hung!.id, expect: x, ok, detail: ok ? '' : `${hung!.id} never returned (${hung!.reason})` } as ExpectationResult);
  }
  if (r.notRun.length === 0) for (const x of s.expect) if (observable(x)) out.push(evaluateExpectation(x, r, 'end'));
  return out;
}
