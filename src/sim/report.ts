// Run report v1 (../shared/docs/scenario-format.md, "Run report v1"). The
// field order here is the order JSON.stringify writes, so two runs of the same
// scenario give byte-identical reports.

import type { DmesgLines } from './dmesg';

export type Layer =
  | 'syscall'
  | 'platform'
  | 'acpi'
  | 'mce'
  | 'ghes'
  | 'mm'
  | 'dev_pagemap'
  | 'nvdimm'
  | 'pmem'
  | 'dax'
  | 'fsdax'
  | 'dm'
  | 'block'
  | 'fs'
  | 'rmap'
  | 'process'
  | 'cxl';

export interface Span {
  id: number;
  parent: number | null;
  /** simulated start, ns */
  t: number;
  /** simulated duration, ns */
  dur: number;
  layer: Layer;
  symbol: string;
  /** arguments in this layer's own units, formatted as a kernel developer writes them */
  args: Record<string, string | number | boolean>;
  ret: string;
  /** extension: a run of identical per-pfn calls summarised as one span */
  count?: number;
  /** extension: the event this span belongs to */
  event?: string;
}

export interface EventResult {
  /** what the system call or action returned: a byte count, 0, or a negative errno */
  ret: number;
  errno?: string;
  /**
   * extension: the event never completed. oops: the context it ran in oopsed
   * and was killed (ret is 0 and means nothing); blocked: it sleeps for good
   * (a mutex held by a context that oopsed). `in` names where.
   */
  stopped?: { reason: 'oops' | 'blocked'; in: string };
}

export interface ReportEvent {
  id: string;
  do: string;
  at: number;
  result: EventResult;
  /** root span of the event, or null when nothing ran */
  span: number | null;
}

export interface ReportSignal {
  event: string;
  pid: number;
  comm: string;
  signo: 'SIGBUS' | 'SIGKILL';
  /** SI_KERNEL: a plain SIGBUS, force_sig(SIGBUS) (kill_me_now, GHES); none: SIGKILL */
  code: 'BUS_MCEERR_AR' | 'BUS_MCEERR_AO' | 'BUS_ADRERR' | 'SI_KERNEL' | 'none';
  /** hex string; absent for SIGKILL and for a plain SIGBUS */
  addr?: string;
  lsb?: number;
}

/**
 * extension (docs/verdicts.md): why an owner's mapper was, or was not, told.
 * One entry per (owner of the event's failed range, mapping of a process
 * that maps it); an owner nobody maps gets an entry with pid and mapping null
 * when the kernel made a decision about it (an inode not in core).
 */
export type VerdictOutcome = 'AR' | 'AO' | 'killed' | 'SIGBUS' | 'unmapped only' | 'none';

export type VerdictOwner =
  | { file: string; start: number; end: number }
  | { device: string; start: number; end: number };

export interface ReportVerdict {
  event: string;
  /** the owner and the byte range of it the failure covers (file offsets, or device offsets for device-dax) */
  owner: VerdictOwner;
  pid: number | null;
  comm: string | null;
  /** the mapping's id in the scenario (m0), or null for an owner nobody maps */
  mapping: string | null;
  /** the user addresses of that part of the mapping, hex, [start, end) */
  addr: [string, string] | null;
  outcome: VerdictOutcome;
  /** one sentence, in kernel terms */
  reason: string;
  /** the kernel function that decided */
  symbol: string;
  /** the id of the span that decided, or null when no span did */
  span: number | null;
  /** for a signal: its code, address and si_addr_lsb */
  code?: ReportSignal['code'];
  sigAddr?: string;
  lsb?: number;
}

export interface ReportFilesystem {
  mount: string;
  /** SHUTDOWN_* flag names joined by |, or null when the filesystem is up */
  shutdown: string | null;
}

export interface ExpectationResult {
  /** event id, or "end" for the top-level list */
  where: string;
  expect: unknown;
  ok: boolean;
  detail: string;
}

export interface RunReport {
  version: 1;
  scenario: string;
  design: string;
  /**
   * extension (issue 15): the kernel modelled, as kernel.version (or
   * --kernel) picked it, and the Debian release its symbol table, links and
   * oracle are pinned to; always set by a run (optional for reports
   * written before it, such as oracle recordings)
   */
  kernel?: ReportKernel;
  events: ReportEvent[];
  signals: ReportSignal[];
  /** extension (docs/verdicts.md): who was told, who was not, and why, per event */
  verdicts: ReportVerdict[];
  /**
   * the kernel log, a line each; held as the log store's runs (src/sim/dmesg.ts),
   * written out as the array of its lines
   */
  dmesg: DmesgLines;
  /** device or region name -> [sector, count] list, as sysfs badblocks prints it */
  badblocks: Record<string, [number, number][]>;
  /**
   * pfns with PageHWPoison set, hex, ascending; extension: a run of more than
   * HWPOISON_LIST_MAX consecutive pfns is one entry "0xfirst..0xlast" (read
   * them with hwpoisonRanges / hwpoisonPages / hwpoisonHas)
   */
  hwpoison: string[];
  filesystems: ReportFilesystem[];
  calls: Record<string, number>;
  expectations: ExpectationResult[];
  spans: Span[];
  /** extension: the run stopped early (panic with recovery off) */
  panic?: string;
  /** extension (docs/cxl.md): the cxl_poison trace records, in order; omitted when there are none */
  cxlPoison?: ReportCxlPoison[];
}

/** extension (issue 15): the kernel release a run modelled */
export interface ReportKernel {
  /** '6.1' or '6.12' */
  version: string;
  /** the pinned stable release, e.g. '6.12.117' (src/kernel/symbol-list.json, releases.json) */
  release: string;
}

/** extension: one cxl_poison trace record (drivers/cxl/core/trace.h TP_printk fields) */
export interface ReportCxlPoison {
  event: string;
  memdev: string;
  host: string;
  /** List (trigger_poison_list), Inject or Clear (debugfs) */
  traceType: 'List' | 'Inject' | 'Clear';
  /** "" when the DPA is in no region */
  region: string;
  /** hex; 0xffffffffffffffff (ULLONG_MAX) when there is no region or no translation */
  hpa: string;
  dpa: string;
  /** bytes (the record's length x 64) */
  dpaLength: number;
  source: 'Unknown' | 'External' | 'Internal' | 'Injected' | 'Vendor';
}

/** runs of PageHWPoison pfns this long or shorter are listed pfn by pfn in RunReport.hwpoison */
export const HWPOISON_LIST_MAX = 16;

/** RunReport.hwpoison from [start, end) pfn ranges: pfn by pfn, a longer run as "0xfirst..0xlast" */
export function hwpoisonEntries(ranges: Iterable<readonly [number, number]>): string[] {
  const out: string[] = [];
  const h = (v: number): string => `0x${v.toString(16)}`;
  for (const [s, e] of ranges) {
    if (e - s > HWPOISON_LIST_MAX) out.push(`${h(s)}..${h(e - 1)}`);
    else for (let p = s; p < e; p++) out.push(h(p));
  }
  return out;
}

/** the [start, end) pfn ranges of a RunReport.hwpoison list (either form of entry) */
export function hwpoisonRanges(list: readonly string[]): [number, number][] {
  const out: [number, number][] = [];
  for (const x of list) {
    const m = /^(0x[0-9a-f]+)(?:\.\.(0x[0-9a-f]+))?$/i.exec(x.trim());
    if (!m) continue;
    const a = parseInt(m[1]!, 16);
    const b = m[2] ? parseInt(m[2], 16) : a;
    const last = out[out.length - 1];
    if (last && last[1] === a) last[1] = b + 1;
    else out.push([a, b + 1]);
  }
  return out;
}

/** how many pages a RunReport.hwpoison list names */
export function hwpoisonPages(list: readonly string[]): number {
  let n = 0;
  for (const [a, b] of hwpoisonRanges(list)) n += b - a;
  return n;
}

/** whether a RunReport.hwpoison list names pfn */
export function hwpoisonHas(list: readonly string[], pfn: number): boolean {
  return hwpoisonRanges(list).some(([a, b]) => pfn >= a && pfn < b);
}
