// The simulated kernel: one object that every layer's functions take, holding
// the state the real kernel keeps in its globals (tasks, struct pages, the
// nvdimm bus, dax devices, mounted filesystems) plus the trace, the log and
// the signals sent. Layers live in their own files, named after the kernel's.

import type { KernelConfig } from './scenario/types';
import { Tracer, type CostModel } from './trace';
import { RangeMap, RangeSet } from './intervals';
import { pageOwnerOps, type PageOwner, type PendingSignal, Task } from './mm/types';
import type { ReportSignal } from './report';
import { hex } from './units';
import { KernelLog, shiftTemplates, templateLine, type LineTemplate } from './dmesg';
import type { Platform } from './platform/acpi-nfit';
import type { DevPagemap } from './mm/memremap';
import type { SuperBlock } from './fs/vfs';
import type { MfStats } from './mm/memory-failure';
import type { DevDax } from './dax/device';
import type { AddressSpace } from './mm/types';
import type { CxlState } from './cxl/cxl';
import { DecisionLog, type Decision } from './verdicts';

/** enum mf_flags, include/linux/mm.h */
export const MF = {
  COUNT_INCREASED: 1 << 0,
  ACTION_REQUIRED: 1 << 1,
  MUST_KILL: 1 << 2,
  SOFT_OFFLINE: 1 << 3,
  UNPOISON: 1 << 4,
  SW_SIMULATED: 1 << 5,
  NO_RETRY: 1 << 6,
  MEM_PRE_REMOVE: 1 << 7,
  /** the pagemap-failure design's removal flag (1 << 4 in that patch; moved here to keep mainline's bits) */
  MEM_REMOVE: 1 << 16,
} as const;

export function mfFlagsName(flags: number): string {
  // asked once per failed pfn or run: each value's name is built once
  let name = MF_NAMES.get(flags);
  if (name === undefined) {
    const names = Object.entries(MF)
      .filter(([, v]) => flags & v)
      .map(([k]) => `MF_${k}`);
    name = names.length ? names.join('|') : '0';
    MF_NAMES.set(flags, name);
  }
  return name;
}
const MF_NAMES = new Map<number, string>();

/** Ends the run: memory_failure() with vm.memory_failure_recovery = 0 panics. */
export class KernelPanic extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelPanic';
  }
}

/**
 * An oops that is not a panic (panic_on_oops = 0): oops_end →
 * rewind_stack_and_make_dead(SIGKILL). The context that oopsed never returns;
 * the event stops at the edge (Session.step), where the SIGKILL queued for
 * the current task (if any) is delivered.
 */
export class KernelOops extends Error {
  constructor(
    message: string,
    /** the kernel symbol the oops happened in (its RIP) */
    readonly symbol: string,
  ) {
    super(message);
    this.name = 'KernelOops';
  }
}

/**
 * A context that sleeps for good: mutex_lock() on a mutex whose holder died
 * in an oops. The event stops there (Session.step); the task, if any, stays
 * blocked and runs nothing more.
 */
export class KernelBlocked extends Error {
  constructor(
    message: string,
    /** where it sleeps, e.g. mutex_lock(&mf_mutex) */
    readonly symbol: string,
  ) {
    super(message);
    this.name = 'KernelBlocked';
  }
}

export class Kernel {
  readonly tr: Tracer;
  /** the decisions of the running event that say who is told and why (src/sim/verdicts.ts) */
  readonly why: DecisionLog;
  /** the kernel log: lines, and runs of members that print alike (src/sim/dmesg.ts) */
  readonly dmesg = new KernelLog();
  readonly signals: ReportSignal[] = [];
  readonly tasks: Task[] = [];
  /** the task in whose context the code runs; null for a kworker or an irq with no user task */
  current: Task | null = null;
  /** PageHWPoison, by pfn */
  readonly hwpoison = new RangeSet();
  /** page->mapping / page->index / page->share of device pages, by pfn */
  readonly pageOwner = new RangeMap<PageOwner>(pageOwnerOps);
  /** pfns unmapped from the kernel direct map by set_mce_nospec */
  readonly nospec = new RangeSet();
  /** dev_pagemaps by pfn range */
  readonly pgmaps: DevPagemap[] = [];
  readonly superblocks: SuperBlock[] = [];
  /** device-dax devices by the i_mapping of their character device */
  readonly devdaxByMapping = new Map<AddressSpace, DevDax>();
  platform!: Platform;
  /** extension (docs/cxl.md): the CXL memdevs, decoders and regions; null without platform.cxl */
  cxl: CxlState | null = null;
  /** id of the running event */
  event = '';
  /** /sys/devices/system/node/nodeN/memory_failure counters */
  readonly mfStats: MfStats = { total: 0, ignored: 0, failed: 0, delayed: 0, recovered: 0 };
  /** per-CPU memory_failure fifo entries waiting for the worker */
  readonly mfQueue: { pfn: number; flags: number }[] = [];
  /** die_counter of arch/x86/kernel/dumpstack.c: the [#N] of each oops header */
  dieCounter = 0;
  /** mf_mutex held by a context that oopsed inside memory_failure() (it is never unlocked); null when free */
  mfMutexHolder: { event: string; context: string } | null = null;
  /** the memory_failure work item sleeps in mutex_lock(&mf_mutex) for good: the fifo is never drained again */
  mfWorkerStuck = false;
  private nextMappingId = 1;

  constructor(
    public cfg: KernelConfig,
    cost?: CostModel,
  ) {
    this.tr = new Tracer(cost);
    this.why = new DecisionLog(this);
  }

  newMappingId(): number {
    return this.nextMappingId++;
  }

  log(line: string): void {
    if (this.openRecord !== null) this.dmesg.push(this.openRecord);
    this.openRecord = null;
    this.dmesg.push(line);
  }

  /**
   * printk of the lines of `count` members of a run, member after member: the
   * same as `k.log` of each line of `member(0)`, then of `member(1)`, ... A
   * caller promises that the members differ only in numbers that advance in
   * step (a pfn, an address, a pgoff), so that a log store may keep the run as
   * one pattern; `count` is how many members there are, not how many lines.
   */
  logRun(count: number, member: (j: number) => string | readonly string[]): void {
    if (count <= 0) return;
    if (this.openRecord !== null) {
      // the first line finalizes the open record: member 0 line by line (the store takes it into the run)
      const m = member(0);
      if (typeof m === 'string') this.log(m);
      else for (const l of m) this.log(l);
      this.dmesg.pushRun(count - 1, (j) => member(j + 1));
      return;
    }
    this.dmesg.pushRun(count, member);
  }

  /**
   * logRun(count, j => the templates' lines for member j), for a caller that
   * has the pattern already: the same lines and the same log entries,
   * without printing members to derive it.
   */
  logRunOf(count: number, templates: LineTemplate[]): void {
    if (count <= 0) return;
    if (this.openRecord !== null) {
      for (const t of templates) this.log(templateLine(t, 0));
      this.dmesg.pushTemplates(count - 1, shiftTemplates(templates, 1));
      return;
    }
    this.dmesg.pushTemplates(count, templates);
  }

  /** logRun of members whose lines the caller has as templates (KernelLog.pushTemplates) */
  logTemplates(count: number, templates: LineTemplate[]): void {
    if (count <= 0) return;
    if (this.openRecord !== null) this.dmesg.push(this.openRecord);
    this.openRecord = null;
    this.dmesg.pushTemplates(count, templates);
  }

  /** tasks by pid, rebuilt when a task is added (tasks are only ever appended) */
  private byPid = new Map<number, Task>();
  private byPidLength = 0;

  /** a printk record without its newline: readers of /dev/kmsg see it only once the next printk finalizes it */
  private openRecord: string | null = null;

  /** printk of a line that does not end in a newline (a pr_err("...") with no \n) */
  logUnterminated(line: string): void {
    if (this.openRecord !== null) this.dmesg.push(this.openRecord);
    this.openRecord = line;
  }

  task(pid: number): Task | undefined {
    if (this.byPidLength !== this.tasks.length) {
      this.byPid.clear();
      for (const t of this.tasks) if (!this.byPid.has(t.pid)) this.byPid.set(t.pid, t);
      this.byPidLength = this.tasks.length;
    }
    return this.byPid.get(pid);
  }

  /** get_dev_pagemap(pfn) */
  pgmapOf(pfn: number): DevPagemap | undefined {
    return this.pgmaps.find((p) => p.live && pfn >= p.startPfn && pfn < p.endPfn);
  }

  /**
   * Queue a signal for delivery when the event ends. A non-realtime signal
   * that is already pending is not queued again: the first one's siginfo
   * stands (legacy_queue in kernel/signal.c).
   */
  queueSignal(t: Task, sig: PendingSignal): 'queued' | 'already-pending' {
    return this.queueSignalAs(t, sig, '', '');
  }

  /**
   * queueSignal, noting for the verdicts which kernel function sent it
   * (`via`) and why (`detail`, one sentence without its full stop).
   */
  queueSignalAs(t: Task, sig: PendingSignal, via: string, detail: string): 'queued' | 'already-pending' {
    const r = this.queueSignalRaw(t, sig);
    if (via) {
      // the deciding span is the innermost open one named `via` (kill_proc, not the send_sig_mceerr inside it)
      const open = this.tr.openCall(via);
      const span = open !== undefined ? open : this.why.span;
      const d: Decision = { kind: 'signal', task: t, signo: sig.signo, code: sig.code, queued: r === 'queued', via, detail, span };
      if (sig.addr !== undefined) d.addr = sig.addr;
      if (sig.lsb !== undefined) d.lsb = sig.lsb;
      this.why.note(d);
    }
    return r;
  }

  private queueSignalRaw(t: Task, sig: PendingSignal): 'queued' | 'already-pending' {
    if (!t.alive) return 'already-pending';
    if (t.pending.some((p) => p.signo === sig.signo)) return 'already-pending';
    t.pending.push(sig);
    const rs: ReportSignal = { event: this.event, pid: t.pid, comm: t.comm, signo: sig.signo, code: sig.code };
    if (sig.addr !== undefined) rs.addr = hex(sig.addr);
    if (sig.lsb !== undefined) rs.lsb = sig.lsb;
    this.signals.push(rs);
    return 'queued';
  }
}
