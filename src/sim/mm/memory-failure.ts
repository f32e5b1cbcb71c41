// mm/memory-failure.c for device memory: memory_failure() and the
// dev_pagemap path, the generic page->mapping handler, the filesystem-driven
// mf_dax_kill_procs, process collection, unmapping and signalling.

import { KernelBlocked, KernelOops, KernelPanic, MF, mfFlagsName, type Kernel } from '../kernel';
import { EBUSY, EHWPOISON, EIO, ENXIO, EOPNOTSUPP } from '../errno';
import { hwpoisonFilter } from './hwpoison-filter';
import { hex, PAGE_SHIFT, PAGE_SIZE } from '../units';
import { naiveIntervals, type Range } from '../intervals';
import { AlikeStretch } from '../trace';
import { alikeMembers, applyMembers, rebind, recordMember, shaped, type Member, type Recorded, type Shaped } from './bulk';
import type { Decision } from '../verdicts';
import { pgmapHasMemoryFailure, pgmapPfnValid, type DevPagemap } from './memremap';
import { ZERO_PFN, type AddressSpace, type Mm, type PageOwner, type Task, type Vma } from './types';
import { kernelVersion, sinceVersion } from '../version';

/** dax_lock_page/dax_unlock_page in 6.1, dax_lock_folio/dax_unlock_folio after (renamed by the folio conversion; in 6.12) */
function daxLockName(k: Kernel, op: 'lock' | 'unlock'): string {
  // mm: convert DAX lock/unlock page to lock/unlock folio (91e79d22be75): 6.7 (and 6.6.11 by backport)
  return sinceVersion(k.cfg, '6.7') ? `dax_${op}_folio` : `dax_${op}_page`;
}

/** struct to_kill */
export interface ToKill {
  tsk: Task;
  /** user virtual address, or -EFAULT */
  addr: number;
  /** 12, 21, 30; 0 when the page is not mapped in that vma */
  sizeShift: number;
}

export type MfResult = 'MF_IGNORED' | 'MF_FAILED' | 'MF_DELAYED' | 'MF_RECOVERED';
const ACTION_NAME: Record<MfResult, string> = { MF_IGNORED: 'Ignored', MF_FAILED: 'Failed', MF_DELAYED: 'Delayed', MF_RECOVERED: 'Recovered' };

/** per-node memory_failure stats (/sys/devices/system/node/nodeN/memory_failure/) */
export interface MfStats {
  total: number;
  ignored: number;
  failed: number;
  delayed: number;
  recovered: number;
}

const mfPrefix = 'Memory failure: ';

/**
 * memory_failure(pfn, flags). Device pages are never online, so after
 * arch_memory_failure() declines, a pfn with a live dev_pagemap goes to
 * memory_failure_dev_pagemap(); anything else is outside kernel control.
 */
export function memoryFailure(k: Kernel, pfn: number, flags: number): number {
  return k.tr.call('mm', 'memory_failure', { pfn: hex(pfn), flags: mfFlagsName(flags) }, () => {
    k.why.failed(pfn, pfn + 1);
    if (!k.cfg.recovery) {
      const msg = `Kernel panic - not syncing: Memory failure on page ${pfn.toString(16)}`;
      k.log(msg);
      throw new KernelPanic(msg);
    }
    // mutex_lock(&mf_mutex): a context that oopsed inside memory_failure()
    // died holding it, and a mutex is never released for a dead owner, so
    // this context sleeps here for good (TASK_UNINTERRUPTIBLE, no line logged)
    if (k.mfMutexHolder) {
      const h = k.mfMutexHolder;
      const who = k.current ? `${k.current.comm}:${k.current.pid}` : 'a kworker';
      if (k.current) k.current.blockedIn = 'mutex_lock(&mf_mutex)';
      k.why.note({ kind: 'route-failed', symbol: 'memory_failure', ret: 'blocked', why: `memory_failure() blocked in mutex_lock(&mf_mutex) (${who}): the mutex is still held by ${h.context}, which oopsed in ${h.event}; nothing after it runs and nobody is told.`, span: k.why.span });
      throw new KernelBlocked(`memory_failure(${hex(pfn)}) blocked in mutex_lock(&mf_mutex), held since the oops in ${h.event} (${h.context})`, 'mutex_lock(&mf_mutex)');
    }
    // the one page of System RAM the lab has: a hole's zero page (pfn_to_online_page finds it)
    if (pfn === ZERO_PFN) return memoryFailureZeroPage(k, pfn, flags);
    const pgmap = k.pgmapOf(pfn);
    if (pgmap) return memoryFailureDevPagemap(k, pfn, flags, pgmap);
    k.log(`${mfPrefix}${hex(pfn)}: memory outside kernel control`);
    return -ENXIO;
  });
}

/**
 * memory_failure_dev_pagemap(pfn, flags, pgmap): metadata pfns are not
 * recoverable (-ENXIO); the driver's ->memory_failure is asked first, with
 * nr_pages = 1, and -EOPNOTSUPP from it falls back to the generic handler.
 * Any result but -EOPNOTSUPP is reported as a "dax page" action.
 */
function memoryFailureDevPagemap(k: Kernel, pfn: number, flags: number, pgmap: DevPagemap): number {
  return k.tr.call('dev_pagemap', 'memory_failure_dev_pagemap', { pfn: hex(pfn), flags: mfFlagsName(flags), type: pgmap.type }, () => {
    let rc = -ENXIO;
    out: {
      if (!pgmapPfnValid(pgmap, pfn)) break out;
      // upstream asks the driver's ->memory_failure (the holder chain); the
      // corrupted-range proposal had the driver call into the block layer; the
      // page-mapping and pagemap-failure designs go straight to page->mapping
      const op = driverMemoryFailure(k, pgmap);
      if (op) {
        rc = op(k, pgmap, pfn, 1, flags);
        if (rc !== -EOPNOTSUPP) break out;
      }
      rc = mfGenericKillProcs(k, pfn, flags, pgmap);
    }
    // dev_pagemap_failure: removal always counts as recovered (the pagemap-failure patch)
    if (flags & MF.MEM_REMOVE) rc = 0;
    // 6.1 reports every result, a filtered page's -EOPNOTSUPP too ("Failed"; the skip came later)
    if (rc !== -EOPNOTSUPP || !sinceVersion(k.cfg, '6.2')) actionResult(k, pfn, 'dax page', rc ? 'MF_FAILED' : 'MF_RECOVERED');
    return rc;
  });
}

/** the driver's memory_failure entry for this design, or undefined */
function driverMemoryFailure(k: Kernel, pgmap: DevPagemap): DevPagemap['ops']['memory_failure'] {
  switch (k.cfg.design) {
    case 'upstream':
      return pgmapHasMemoryFailure(pgmap) ? pgmap.ops.memory_failure : undefined;
    case 'corrupted-range':
      return pgmap.ops.corrupted_range_v3;
    default:
      return undefined;
  }
}

/**
 * mf_generic_kill_procs(pfn, flags, pgmap): the single-owner path through
 * page->mapping and page->index. A page nobody has mapped has no mapping, and
 * a page shared by reflinked files has no single one (PAGE_MAPPING_DAX_SHARED):
 * dax_lock_folio() cannot lock an entry for either, and the result is -EBUSY.
 */
function mfGenericKillProcs(k: Kernel, pfn: number, flags: number, pgmap: DevPagemap): number {
  return k.tr.call('mm', 'mf_generic_kill_procs', { pfn: hex(pfn), flags: mfFlagsName(flags) }, () => {
    // device-dax pages are compound pages of the device's alignment: the head
    // page carries mapping/index and the poison flag
    const headPfn = pgmap.align > PAGE_SIZE ? pgmap.startPfn + Math.floor((pfn - pgmap.startPfn) / (pgmap.align / PAGE_SIZE)) * (pgmap.align / PAGE_SIZE) : pfn;
    const owner = k.pageOwner.get(headPfn);
    const v61 = !sinceVersion(k.cfg, '6.2');
    const cookie = k.tr.call(
      'fsdax',
      daxLockName(k, 'lock'),
      // 6.1's name for the marker is PAGE_MAPPING_DAX_COW (the same (void *)0x1)
      { pfn: hex(headPfn), mapping: owner ? (owner.kind === 'shared' ? (v61 ? 'PAGE_MAPPING_DAX_COW' : 'PAGE_MAPPING_DAX_SHARED') : `inode ${owner.mapping.host?.ino ?? '?'}`) : 'NULL' },
      (span) => {
        k.why.note({ kind: 'page-mapping', pfn, owner: owner ? (owner.kind === 'shared' ? 'shared' : 'file') : 'none', mapping: owner && owner.kind === 'file' ? owner.mapping : null, span: span.id || k.tr.decidingId });
        return owner && owner.kind === 'file' && owner.mapping.dax ? 1 : 0;
      },
    );
    if (owner && owner.kind === 'shared') {
      const sym = daxLockName(k, 'lock');
      k.why.note({ kind: 'oops', symbol: sym, why: `${sym}() took ${v61 ? 'PAGE_MAPPING_DAX_COW' : 'PAGE_MAPPING_DAX_SHARED'} for a mapping and oopsed in the consumer's context; the event stopped there and nobody was told.`, span: k.why.span });
      // 6.12's dax_lock_folio takes PAGE_MAPPING_DAX_SHARED ((void *)0x1) for a
      // mapping and dereferences it: a page fault in kernel mode on a
      // not-present address below PAGE_SIZE, which page_fault_oops reports
      // (show_fault_oops, __die, oops_end).
      daxLockFolioOops(k);
    }
    if (!cookie || !owner || owner.kind !== 'file') return -EBUSY;
    // pages protected from a test by the debugfs filter (corrupt-filter-*)
    // both releases filter the compound head (6.12 &folio->page, 6.1 compound_head(page))
    if (hwpoisonFilter(k, headPfn, pgmap, owner)) {
      k.tr.call('fsdax', daxLockName(k, 'unlock'), { pfn: hex(headPfn) }, () => undefined);
      return -EOPNOTSUPP;
    }
    setPageHWPoison(k, headPfn);
    flags |= MF.ACTION_REQUIRED | MF.MUST_KILL;
    const toKill = collectProcsFile(k, owner.mapping, owner.index, true);
    unmapAndKill(k, toKill, pfn, owner.mapping, owner.index, flags);
    k.tr.call('fsdax', daxLockName(k, 'unlock'), { pfn: hex(headPfn) }, () => undefined);
    return 0;
  });
}

/** where dax_lock_folio faults in Debian's 6.12.117 vmlinux: the RIP the recorded oops printed (oracle/recorded/reflink-no-rmapbt) */
const DAX_LOCK_FOLIO_FAULT = 'dax_lock_folio+0x49/0x120';
/** where 6.1's dax_lock_page faults in Debian's 6.1.0-57 vmlinux: the RIP the recorded oops printed (oracle/recorded-6.1/dax-cow-oops-6.1) */
const DAX_LOCK_PAGE_FAULT = 'dax_lock_page+0x45/0x110';

/**
 * page_fault_oops for the read of PAGE_MAPPING_DAX_SHARED->host in
 * dax_lock_folio (error code 0: a read, kernel mode, page not present).
 * show_fault_oops prints the BUG and #PF lines, __die the header and the
 * registers, page_fault_oops the CR2 summary, oops_end the end-of-trace
 * marker and the registers of the first oops again. Then oops_end panics
 * ("Fatal exception") with panic_on_oops, or kills the current context with
 * SIGKILL (make_task_dead): memory_failure() never reaches its
 * mutex_unlock(&mf_mutex). The page-table walk, CPU, Code, register, call
 * trace and module lines depend on the machine and are not modelled.
 */
function daxLockFolioOops(k: Kernel): never {
  const address = '0000000000000001';
  // 6.1: dax_lock_page and PAGE_MAPPING_DAX_COW (set by a write fault through
  // a shared extent), and __die_header without its "Oops: " prefix
  // the marker's name: PAGE_MAPPING_DAX_COW until fsdax's page->share (6.2);
  // __die_header's uniform "Oops: " prefix: 6.10 (f9f62a877da1); the RIP's
  // offsets are the pinned build's, as its recording printed them
  const v61 = !sinceVersion(k.cfg, '6.2');
  const sym = daxLockName(k, 'lock');
  const marker = v61 ? 'PAGE_MAPPING_DAX_COW' : 'PAGE_MAPPING_DAX_SHARED';
  const rip = kernelVersion(k.cfg) === '6.1' ? DAX_LOCK_PAGE_FAULT : DAX_LOCK_FOLIO_FAULT;
  k.log(`BUG: kernel NULL pointer dereference, address: ${address}`);
  k.log('#PF: supervisor read access in kernel mode');
  k.log('#PF: error_code(0x0000) - not-present page');
  k.log(`${sinceVersion(k.cfg, '6.10') ? 'Oops: ' : ''}Oops: 0000 [#${++k.dieCounter}] PREEMPT SMP NOPTI`);
  k.log(`RIP: 0010:${rip}`);
  k.log(`CR2: ${address}`);
  k.log('---[ end trace 0000000000000000 ]---');
  // the executive summary: the registers of the first oops
  k.log(`RIP: 0010:${rip}`);
  if (k.cfg.panicOnOops) {
    k.log('Kernel panic - not syncing: Fatal exception');
    throw new KernelPanic(`Fatal exception (panic_on_oops): oops in ${sym} on a reflinked DAX page (${marker})`);
  }
  const t = k.current;
  const context = t ? `${t.comm}:${t.pid}` : 'a kworker';
  k.mfMutexHolder = { event: k.event, context };
  k.tr.call('process', 'make_task_dead', { pid: t ? t.pid : 'kworker', signr: 'SIGKILL' }, () => {
    if (t) t.oopsedIn = sym;
    if (t) k.queueSignalAs(t, { signo: 'SIGKILL', code: 'none' }, 'make_task_dead', `The oops in ${sym}() killed the task it ran in (oops_end → make_task_dead(SIGKILL)), inside memory_failure() with mf_mutex held`);
  });
  throw new KernelOops(`Oops in ${sym}: a reflinked DAX page (${marker}) reached mf_generic_kill_procs; ${context} was killed with mf_mutex held`, sym);
}

export function setPageHWPoison(k: Kernel, pfn: number): void {
  k.hwpoison.add(pfn, pfn + 1);
}

/**
 * mf_dax_kill_procs(mapping, index, count, mf_flags): for each file page of
 * the range that has a DAX entry, mark it poisoned (not when the device is
 * about to be removed: that memory is good), collect who maps it and kill.
 * Indices without an entry are looked up and skipped; runs of them are
 * counted, not traced one by one.
 */
export function mfDaxKillProcs(k: Kernel, mapping: AddressSpace, index: number, count: number, mfFlags: number): number {
  return k.tr.call('mm', 'mf_dax_kill_procs', { inode: mapping.host?.ino ?? 0, index: hex(index), count, mf_flags: mfFlagsName(mfFlags) }, () => {
    const preRemove = (mfFlags & MF.MEM_PRE_REMOVE) !== 0;
    mfFlags |= MF.ACTION_REQUIRED | MF.MUST_KILL;
    const end = index + count;
    if (!mapping.dax && count > 0) {
      // a page-cache file (only 6.1's xfs_dax_failure_fn asks about one):
      // dax_lock_mapping_entry sees !dax_mapping and gives no cookie
      k.tr.call('fsdax', 'dax_lock_mapping_entry', { index: hex(index) }, () => 0);
      k.why.note({ kind: 'route-failed', symbol: 'mf_dax_kill_procs', ret: '-EBUSY', why: 'mf_dax_kill_procs() was asked about a file that is not accessed through DAX: dax_lock_mapping_entry() found no DAX mapping, so it returned -EBUSY and the reverse-map walk stopped there.', span: k.why.span });
      return -EBUSY;
    }
    if (naiveIntervals()) {
      // the naive reference: every index, one by one
      for (let i = index; i < end; i++) daxKillIndex(k, mapping, i, mfFlags, preRemove);
      return 0;
    }
    let pos = index;
    const skip = (to: number): void => {
      if (to > pos) {
        k.why.note({ kind: 'no-entry', mapping, pgoff: pos, end: to, span: k.why.span });
        k.tr.countOnly('dax_lock_mapping_entry', to - pos);
        k.tr.countOnly('dax_unlock_mapping_entry', to - pos);
      }
    };
    // the runs of indices, one after another: after the first few of a
    // shape, alike ones are done quietly under one summary span
    const stretch = new AlikeStretch(k.tr, 'fsdax', 'dax_lock_mapping_entry', () => k.dmesg.length);
    for (const r of mapping.dax ? mapping.entries.query(index, end) : []) {
      skip(r.start);
      // one unit: a run of alike PTE-sized indices, a single index, or the
      // indices of one PMD entry (its head first, then its tail)
      const indices = (i: number, to: number): number => {
        const n = sameKill(mapping, i, to);
        const t = n >= KILL_RUN_MIN ? 0 : pmdUnmapped(mapping, i, to);
        if (n >= KILL_RUN_MIN) daxKillRun(k, mapping, i, n, mfFlags, preRemove);
        else if (t >= KILL_RUN_MIN) {
          // the same PMD page for every index, and nobody maps any of them
          // any more: locked, poisoned (its head), nobody collected, alike
          replayAlike(k, t, headOfPmd(mapping, i), mapping, i, () => false, () => daxKillIndex(k, mapping, i, mfFlags, preRemove), 1, undefined, { index: 1, pgoff: 1 });
        } else daxKillIndex(k, mapping, i, mfFlags, preRemove);
        return n >= KILL_RUN_MIN ? n : t >= KILL_RUN_MIN ? t : 1;
      };
      for (let i = r.start; i < r.end; ) {
        const at = i;
        if (r.value.pmd) {
          const to = Math.min(r.end, at - (at % 512) + 512);
          const key = `pmd ${at % 512} ${to - at} ${mapping.mapped.query(at, to - 1).length}`;
          const outerQuiet = k.tr.quiet;
          const member = { mapping, index: at, pages: to - at, pfn: r.value.pfn + (at - r.start), pfns: to - at };
          let rec: Recorded | undefined;
          stretch.unit(key, { index: `${hex(at)}..${hex(to - 1)}` }, to - at, () => {
            rec = recordMember(k, member, () => {
              for (let j = at; j < to; ) j += indices(j, to);
            }).rec;
          });
          i = to;
          // done quietly and alike: the whole PMD entries after it that are in its state, in bulk
          if (rec && to - at === 512 && (outerQuiet || stretch.summarising)) {
            const n = alikeMembers(k, rec, 512, 512, Math.floor((r.end - to) / 512));
            if (n > 0) {
              const bulk = () => applyMembers(k, rec!, n, 512, 512);
              if (outerQuiet) bulk();
              else stretch.more(n * 512, { index: `${hex(at + n * 512)}..${hex(to - 1 + n * 512)}` }, bulk);
              i = to + n * 512;
            }
          }
          continue;
        }
        const n = sameKill(mapping, i, r.end);
        const len = n >= KILL_RUN_MIN ? n : 1;
        stretch.unit(`pte ${len} ${mapping.mapped.query(at, at + len - 1).length}`, { index: len > 1 ? `${hex(at)}..${hex(at + len - 1)}` : hex(at) }, len, () => {
          if (n >= KILL_RUN_MIN) daxKillRun(k, mapping, at, n, mfFlags, preRemove);
          else daxKillIndex(k, mapping, at, mfFlags, preRemove);
        });
        i += len;
      }
      pos = r.end;
    }
    stretch.end();
    skip(end);
    return 0;
  });
}

/**
 * One file index of mf_dax_kill_procs: lock its DAX entry (the page is the
 * entry's page: a PMD entry's head), poison it unless the device is going
 * away, collect and kill. Also the body of the corrupted-range proposal's
 * mf_dax_mapping_kill_procs.
 */
export function daxKillIndex(k: Kernel, mapping: AddressSpace, i: number, mfFlags: number, preRemove: boolean): void {
  const e = mapping.entries.get(i);
  if (!e) {
    k.why.note({ kind: 'no-entry', mapping, pgoff: i, end: i + 1, span: k.why.span });
    k.tr.countOnly('dax_lock_mapping_entry', 1);
    k.tr.countOnly('dax_unlock_mapping_entry', 1);
    return;
  }
  const headPfn = e.pmd ? headOfPmd(mapping, i) : e.pfn;
  k.tr.call('fsdax', 'dax_lock_mapping_entry', { index: hex(i) }, () => 1, () => `page ${hex(headPfn)}`);
  if (!preRemove) setPageHWPoison(k, headPfn);
  const toKill = collectProcsFsdax(k, mapping, i, preRemove);
  unmapAndKill(k, toKill, headPfn, mapping, i, mfFlags);
  k.tr.call('fsdax', 'dax_unlock_mapping_entry', { index: hex(i) }, () => undefined);
}

/** a run this long or longer is summarised (shorter ones are traced index by index) */
const KILL_RUN_MIN = 4;

/**
 * How many indices from i (before `end`) mf_dax_kill_procs would handle
 * exactly as it handles i: PTE-sized DAX entries, every mapper of the file
 * mapping all of them or none of them, each mapper's page-table entries
 * over them all present at PTE size or all absent. The tasks collected, the
 * entries unmapped and the signals sent then differ only by index, pfn and
 * address, which advance in step.
 */
function sameKill(mapping: AddressSpace, i: number, end: number): number {
  const e = mapping.entries.rangeAt(i);
  if (!e || e.value.pmd) return 1;
  let limit = Math.min(end, e.end);
  for (const vma of mapping.i_mmap.query(i, limit - 1)) {
    const vs = vma.pgoff;
    const ve = vma.pgoff + vma.pages;
    if (ve <= i || vs >= limit) continue;
    if (vs > i) {
      limit = Math.min(limit, vs);
      continue;
    }
    limit = Math.min(limit, ve);
    const vlo = vma.start / PAGE_SIZE + (i - vs);
    const first = vma.ptes.rangeAt(vlo);
    if (first) {
      if (first.value.shift !== PAGE_SHIFT) return 1;
      let at = vlo;
      for (const p of vma.ptes.query(vlo, vlo + (limit - i))) {
        if (p.start > at || p.value.shift !== PAGE_SHIFT) break;
        at = p.end;
      }
      limit = Math.min(limit, i + (at - vlo));
    } else {
      const next = vma.ptes.firstIn(vlo, vlo + (limit - i));
      if (next) limit = Math.min(limit, i + (next.start - vlo));
    }
  }
  return Math.max(1, limit - i);
}

/**
 * How many indices from i (before `end`) lie in the same PMD entry as i with
 * no mapper's page-table entry over any of them (the first index of the PMD
 * unmapped it from everyone): mf_dax_kill_procs then locks the same page,
 * poisons the same head and collects nobody for each of them.
 */
function pmdUnmapped(mapping: AddressSpace, i: number, end: number): number {
  const e = mapping.entries.rangeAt(i);
  if (!e || !e.value.pmd) return 0;
  const limit = Math.min(end, e.end, i - (i % 512) + 512);
  // only vmas with page-table entries can map any of them (mapping.mapped)
  for (const vma of mapping.mapped.query(i, limit - 1)) {
    const lo = Math.max(i, vma.pgoff);
    const hi = Math.min(limit, vma.pgoff + vma.pages);
    if (lo >= hi) continue;
    const vlo = vma.start / PAGE_SIZE + (lo - vma.pgoff);
    if (vma.ptes.firstIn(vlo, vlo + (hi - lo))) return 0;
  }
  return limit - i;
}

/**
 * Indices [i, i + n) that sameKill found alike: the first is handled for
 * real and its call tree carries the run's count; the others get what it
 * did, shifted by their index: PageHWPoison (unless the device is going
 * away), their page-table entries zapped, the same decisions, and the
 * kernel's own log line per page and per task signalled (a signal already
 * pending from the first is not queued again, as for the kernel).
 */
function daxKillRun(k: Kernel, mapping: AddressSpace, i: number, n: number, mfFlags: number, preRemove: boolean): void {
  replayAlike(k, n, mapping.entries.get(i)!.pfn, mapping, i, () => !preRemove, () => daxKillIndex(k, mapping, i, mfFlags, preRemove));
}

/**
 * A run of n pages (pfn and file index advancing together) that the kernel
 * handles alike: `first` handles the first page for real, and its call tree
 * carries the run's count (Tracer.replayRun, arguments index/pgoff/pfn
 * written first..last); the other pages get what it did, shifted by their
 * offset in the run: PageHWPoison when `poisonsRest()` says the first was
 * poisoned by it, their page-table entries zapped when it zapped, the
 * per-node counters, its decisions, and its log lines one per page, as the
 * kernel prints them.
 *
 * `step` is how many pages the run advances per member (1, or the size of a
 * device-dax compound page when madvise steps from one to the next); `lines`
 * rewrites a log line of the first member that does not start with the
 * memory-failure prefix for member j (undefined: keep it as it is); `keys`
 * gives, for each argument of the first member's root spans written
 * first..last, its step (default: index, pgoff and pfn, by `step`).
 */
function replayAlike(
  k: Kernel,
  n: number,
  pfn: number,
  mapping: AddressSpace,
  index: number,
  poisonsRest: () => boolean,
  first: () => void,
  step = 1,
  lines?: (line: string, j: number) => string | undefined,
  keys: Record<string, number> = { index: step, pgoff: step, pfn: step },
): void {
  const mark = k.tr.spans.length;
  const startNow = k.tr.now;
  const logMark = k.dmesg.length;
  const stats = { ...k.mfStats };
  // inside a quiet stretch there are no spans: the first member's calls are its quiet trail
  const quiet = k.tr.quiet;
  const trail0 = quiet ? k.tr.lastQuietTrail() : undefined;
  const decided = k.why.capture(first);
  const logged = k.dmesg.slice(logMark);
  if (poisonsRest()) {
    if (step === 1) k.hwpoison.add(pfn + 1, pfn + n);
    else for (let j = 1; j < n; j++) k.hwpoison.add(pfn + j * step, pfn + j * step + 1);
  }
  let trail: Map<string, number> | undefined;
  if (trail0) {
    trail = new Map();
    for (const [sym, c] of k.tr.lastQuietTrail()) if (c - (trail0.get(sym) ?? 0)) trail.set(sym, c - (trail0.get(sym) ?? 0));
  }
  // a quiet run is one page a member (the stretches of mass failures and removals), so the unmap is the page's
  const unmap = trail ? (trail.has('unmap_mapping_range') ? { args: { start: hex(index * PAGE_SIZE), len: hex(PAGE_SIZE) } } : undefined) : k.tr.spans.slice(mark).find((s) => s.symbol === 'unmap_mapping_range');
  if (unmap) {
    // each member unmapped the range the first did, `step` pages further on
    const at = step === 1 ? index * PAGE_SIZE : parseInt(String(unmap.args.start), 16);
    const len = step === 1 ? PAGE_SIZE : parseInt(String(unmap.args.len), 16);
    zapFileRange(mapping, Math.floor(at / PAGE_SIZE) + step, Math.ceil((at + len) / PAGE_SIZE) + (n - 1) * step);
  }
  for (const key of Object.keys(stats) as (keyof MfStats)[]) k.mfStats[key] += (k.mfStats[key] - stats[key]) * (n - 1);
  const head = `${mfPrefix}${hex(pfn)}: `;
  // a decision about one page, when the run advances a page at a time: the
  // others' are one record over the rest of the run (what noting them page
  // by page would merge into), not one per page and mapper
  const single = (x: Decision): boolean =>
    step === 1 && ((x.kind === 'collect' && x.end === x.pgoff + 1) || (x.kind === 'zap' && x.vhi === x.vlo + 1) || (x.kind === 'failed' && x.end === x.pfn + 1));
  for (const x of decided) {
    if (!single(x)) continue;
    if (x.kind === 'collect') k.why.note({ ...x, pgoff: x.pgoff + 1, end: x.end + n - 1 });
    else if (x.kind === 'zap') k.why.note({ ...x, vlo: x.vlo + 1, vhi: x.vhi + n - 1, pages: x.pages * (n - 1) });
    else if (x.kind === 'failed') k.why.failed(x.pfn + 1, x.end + n - 1);
  }
  // the other members' lines, as one run (the log store keeps it as a pattern)
  // their pattern is known when only the pfn of "Memory failure: <pfn>: " lines moves
  if (logged.length && !lines)
    k.logRunOf(
      n - 1,
      logged.map((l) => (l.startsWith(head) ? { parts: [`${mfPrefix}0x`, `: ${l.slice(head.length)}`], fields: [{ base: pfn + step, step, hex: true }] } : { parts: [l], fields: [] })),
    );
  else if (logged.length)
    k.logRun(n - 1, (i) => {
      const j = i + 1;
      return logged.map((l) => (l.startsWith(head) ? `${mfPrefix}${hex(pfn + j * step)}: ${l.slice(head.length)}` : (lines?.(l, j) ?? l)));
    });
  // the decisions each member makes again (none: nothing to walk the members for)
  const each = decided.filter((x) => !single(x) && (x.kind === 'collect' || x.kind === 'zap' || x.kind === 'failed' || (step > 1 && (x.kind === 'page-mapping' || (x.kind === 'signal' && x.addr !== undefined)))));
  for (let j = 1; j < n && each.length; j++) {
    const d = j * step;
    for (const x of each) {
      if (x.kind === 'collect') k.why.note({ ...x, pgoff: x.pgoff + d, end: x.end + d });
      else if (x.kind === 'zap') k.why.note({ ...x, vlo: x.vlo + d, vhi: x.vhi + d });
      else if (x.kind === 'failed') k.why.failed(x.pfn + d, x.end + d);
      else if (step > 1 && x.kind === 'page-mapping') k.why.note({ ...x, pfn: x.pfn + d });
      else if (step > 1 && x.kind === 'signal' && x.addr !== undefined) {
        // the same signal for the member's page: already pending from the first
        const addr = x.addr + d * PAGE_SIZE;
        k.why.note({ ...x, addr, queued: false, detail: x.detail.replace(` at ${hex(x.addr)} `, ` at ${hex(addr)} `) });
      }
    }
  }
  if (trail) {
    k.tr.repeatTrail(trail, n - 1, k.tr.now - startNow);
    return;
  }
  k.tr.replayRun(mark, n, startNow, (s) => {
    const a: Record<string, string> = {};
    for (const [key, by] of Object.entries(keys)) {
      const v = s.args[key];
      if (typeof v === 'string' && /^0x[0-9a-f]+$/.test(v)) a[key] = `${v}..${hex(parseInt(v, 16) + (n - 1) * by)}`;
    }
    return Object.keys(a).length ? a : undefined;
  });
}

/**
 * How many of memory_failure(pfn + j * step, flags), j = 0, 1, ..., up to
 * max, the generic page->mapping path would handle exactly as it handles
 * the first, each `step` pages (one compound page of device-dax) further
 * on: the same live pagemap and no driver op in this design, one file owner
 * whose index advances with the pfn, and every mapper of the file mapping
 * all of those pages or none, with present entries at all of them (of at
 * most `step` pages, so one member's unmap never reaches the next) or at
 * none. madvise(MADV_HWPOISON) over a device-dax range is such a run.
 */
export function sameGenericFailures(k: Kernel, pfn: number, step: number, max: number, flags: number): number {
  if (!k.cfg.recovery || flags & MF.MEM_REMOVE || step <= 1 || max <= 1) return 1;
  const pgmap = k.pgmapOf(pfn);
  if (!pgmap || !pgmapPfnValid(pgmap, pfn) || driverMemoryFailure(k, pgmap) || pgmap.align !== step * PAGE_SIZE) return 1;
  const headPfn = pgmap.startPfn + Math.floor((pfn - pgmap.startPfn) / step) * step;
  if (headPfn !== pfn) return 1;
  let n = Math.min(max, Math.floor((pgmap.endPfn - 1 - headPfn) / step) + 1);
  const o = k.pageOwner.rangeAt(headPfn);
  if (!o || o.value.kind !== 'file' || !o.value.mapping.dax) return 1;
  n = Math.min(n, Math.floor((o.end - 1 - headPfn) / step) + 1);
  const mapping = o.value.mapping;
  const index = o.value.index + (headPfn - o.start);
  const members = (pages: number): number => Math.ceil(pages / step);
  for (const vma of mapping.i_mmap.query(index, index + (n - 1) * step)) {
    const vs = vma.pgoff;
    const ve = vma.pgoff + vma.pages;
    if (vs > index) {
      n = Math.min(n, members(vs - index));
      continue;
    }
    n = Math.min(n, members(ve - index));
    const vlo = vma.start / PAGE_SIZE + (index - vs);
    const first = vma.ptes.rangeAt(vlo);
    if (first) {
      if (first.value.shift > Math.log2(step * PAGE_SIZE)) return 1;
      let at = vlo;
      for (const p of vma.ptes.query(vlo, vlo + (n - 1) * step + 1)) {
        if (p.start > at || p.value.shift !== first.value.shift) break;
        at = p.end;
      }
      n = Math.min(n, members(at - vlo));
    } else {
      const next = vma.ptes.firstIn(vlo, vlo + (n - 1) * step + 1);
      if (next) n = Math.min(n, members(next.start - vlo));
    }
  }
  return Math.max(1, n);
}

/**
 * memory_failure() for n compound pages `step` pages apart that
 * sameGenericFailures found alike, as `first` (one iteration of the caller's
 * loop, for the first of them) did it: its call tree carries the run's count,
 * and the others get what it did, shifted (replayAlike). `lines` rewrites the
 * caller's own log lines for member j.
 */
export function genericFailureRun(k: Kernel, pfn: number, step: number, n: number, first: () => void, lines: (line: string, j: number) => string | undefined, keys: Record<string, number>): void {
  const pgmap = k.pgmapOf(pfn)!;
  const headPfn = pgmap.startPfn + Math.floor((pfn - pgmap.startPfn) / step) * step;
  const o = k.pageOwner.get(headPfn) as Extract<PageOwner, { kind: 'file' }>;
  const poisonedBefore = k.hwpoison.has(headPfn);
  replayAlike(k, n, pfn, o.mapping, o.index, () => !poisonedBefore && k.hwpoison.has(headPfn), first, step, lines, keys);
}

/** the pfn a PMD entry's page is: the head of its 2 MiB */
function headOfPmd(mapping: AddressSpace, index: number): number {
  const head = index - (index % 512);
  const e = mapping.entries.get(head);
  if (e) return e.pfn;
  const cur = mapping.entries.get(index)!;
  return cur.pfn - (index % 512);
}

/**
 * task_early_kill(tsk, force_early): with force_early the current task is
 * always collected; otherwise a task is collected when it asked for early
 * kill (PR_MCE_KILL_EARLY), or it did not choose (no PF_MCE_PROCESS) and
 * vm.memory_failure_early_kill is set.
 */
export function taskEarlyKill(k: Kernel, tsk: Task, forceEarly: boolean): Task | null {
  if (!tsk.mm) return null;
  if (forceEarly && k.current && tsk.mm === k.current.mm) return k.current;
  if (tsk.mceKill === 'early') return tsk;
  if (tsk.mceKill === 'late') return null;
  return k.cfg.earlyKill ? tsk : null;
}

/** each task's place in for_each_process order (creation order), by its mm; rebuilt when a task is added */
const taskOrder = new WeakMap<Kernel, { n: number; byMm: Map<Mm, { task: Task; at: number }> }>();

/**
 * The kernel's collection loop, for_each_process(tsk) { ...
 * vma_interval_tree_foreach(vma, &mapping->i_mmap, pgoff, pgoff) if
 * (vma->vm_mm == t->mm) ... }, visits the tasks that map pgoff in task
 * order and, for each, its VMAs that map it in tree order. Tasks that map
 * nothing there add nothing, so only the tree's answer is walked: the VMAs
 * covering pgoff, grouped by task, the groups in for_each_process order.
 */
function mappersByTask(k: Kernel, mapping: AddressSpace, pgoff: number): [Task, Vma[]][] {
  let ord = taskOrder.get(k);
  if (!ord || ord.n !== k.tasks.length) {
    const byMm = new Map<Mm, { task: Task; at: number }>();
    k.tasks.forEach((task, at) => {
      if (task.mm && !byMm.has(task.mm)) byMm.set(task.mm, { task, at });
    });
    taskOrder.set(k, (ord = { n: k.tasks.length, byMm }));
  }
  const groups = new Map<Mm, Vma[]>();
  for (const vma of mapping.i_mmap.query(pgoff, pgoff)) {
    const g = groups.get(vma.mm);
    if (g) g.push(vma);
    else groups.set(vma.mm, [vma]);
  }
  const out: { at: number; task: Task; vmas: Vma[] }[] = [];
  for (const [mm, vmas] of groups) {
    const o = ord.byMm.get(mm);
    // for_each_process: tasks that are alive and still have their mm
    if (o && o.task.alive && o.task.mm === mm) out.push({ at: o.at, task: o.task, vmas });
  }
  out.sort((a, b) => a.at - b.at);
  return out.map((x) => [x.task, x.vmas]);
}

/** dev_pagemap_mapping_shift(vma, address): the size of the present entry, or 0 */
export function devPagemapMappingShift(vma: Vma, addr: number): number {
  const pte = vma.ptes.get(Math.floor(addr / PAGE_SIZE));
  return pte ? pte.shift : 0;
}

/**
 * __add_to_kill: a task whose vma does not map the page right now (no
 * present entry) is dropped; -EFAULT stays, to be killed outright.
 */
function addToKill(k: Kernel, list: ToKill[], tsk: Task, vma: Vma, addr: number, pgoff: number, preRemove: boolean): void {
  const sizeShift = addr === -14 ? 0 : devPagemapMappingShift(vma, addr);
  if (addr === -14) k.log(`${mfPrefix}Unable to find user space address ${addr.toString(16)} in ${tsk.kcomm}`);
  else if (sizeShift === 0) {
    noteCollect(k, 'no-pte', vma, pgoff, preRemove, '');
    return;
  }
  noteCollect(k, 'collected', vma, pgoff, preRemove, '');
  list.push({ tsk, addr, sizeShift });
}

/** note what collection decided for one mapper of one file page */
function noteCollect(k: Kernel, result: 'late' | 'no-pte' | 'collected', vma: Vma, pgoff: number, preRemove: boolean, why: string): void {
  k.why.note({ kind: 'collect', result, vma, pgoff, end: pgoff + 1, why, preRemove, span: k.tr.decidingId, symbol: k.tr.deciding().symbol ?? 'collect_procs' });
}

/** a task that task_early_kill() passed over: note each of its vmas that map the page */
function noteLate(k: Kernel, tsk: Task, vmas: Vma[], pgoff: number): void {
  const why = tsk.mceKill === 'late' ? 'PR_MCE_KILL_LATE' : tsk.mceKill === 'early' ? 'PR_MCE_KILL_EARLY' : `no prctl, vm.memory_failure_early_kill=${k.cfg.earlyKill ? 1 : 0}`;
  for (const vma of vmas) if (vma.mm === tsk.mm) noteCollect(k, 'late', vma, pgoff, false, why);
}

/** collect_procs() → collect_procs_file() for a page with a single owner */
function collectProcsFile(k: Kernel, mapping: AddressSpace, pgoff: number, forceEarly: boolean): ToKill[] {
  return k.tr.call(
    'mm',
    'collect_procs_file',
    { inode: mapping.host?.ino ?? 0, pgoff: hex(pgoff), force_early: forceEarly },
    () => {
      const list: ToKill[] = [];
      for (const [tsk, vmas] of mappersByTask(k, mapping, pgoff)) {
        const t = taskEarlyKill(k, tsk, forceEarly);
        if (!t) {
          noteLate(k, tsk, vmas, pgoff);
          continue;
        }
        for (const vma of vmas) {
          if (vma.mm !== t.mm) continue;
          const addr = vma.address(pgoff);
          if (addr === -14) continue; // add_to_kill_anon_file drops -EFAULT
          addToKill(k, list, t, vma, addr, pgoff, false);
        }
      }
      return list;
    },
    (l) => `${l.length} collected`,
  );
}

/**
 * collect_procs_fsdax(page, mapping, pgoff, to_kill, pre_remove): every
 * task when the device is going away, otherwise the current task and the
 * early-kill ones.
 */
function collectProcsFsdax(k: Kernel, mapping: AddressSpace, pgoff: number, preRemove: boolean): ToKill[] {
  return k.tr.call(
    'mm',
    'collect_procs_fsdax',
    { inode: mapping.host?.ino ?? 0, pgoff: hex(pgoff), pre_remove: preRemove },
    () => {
      const list: ToKill[] = [];
      for (const [tsk, vmas] of mappersByTask(k, mapping, pgoff)) {
        const t = preRemove ? tsk : taskEarlyKill(k, tsk, true);
        if (!t) {
          noteLate(k, tsk, vmas, pgoff);
          continue;
        }
        for (const vma of vmas) {
          if (vma.mm === t.mm) addToKill(k, list, t, vma, vma.address(pgoff), pgoff, preRemove);
        }
      }
      return list;
    },
    (l) => `${l.length} collected`,
  );
}

/**
 * unmap_and_kill(to_kill, pfn, mapping, index, flags): unmap the largest
 * size any collected task maps the page with, from every mapper of the file
 * (not only the collected ones), then signal. Nobody collected: nothing is
 * unmapped.
 */
function unmapAndKill(k: Kernel, toKill: ToKill[], pfn: number, mapping: AddressSpace, index: number, flags: number): void {
  k.tr.call('mm', 'unmap_and_kill', { pfn: hex(pfn), index: hex(index), flags: mfFlagsName(flags), to_kill: toKill.length }, () => {
    let size = 0;
    for (const tk of toKill) if (tk.sizeShift) size = Math.max(size, 2 ** tk.sizeShift);
    if (size) {
      const start = Math.floor((index * PAGE_SIZE) / size) * size;
      unmapMappingRange(k, mapping, start, size);
    }
    killProcs(k, toKill, (flags & MF.MUST_KILL) !== 0, pfn, flags);
  });
}

/**
 * unmap_mapping_range(mapping, holebegin, holelen, even_cows): zap the page
 * table entries of every vma of the file over that file range. A huge entry
 * that the range only partly covers goes entirely (a file-backed PMD is
 * never split into PTEs).
 */
export function unmapMappingRange(k: Kernel, mapping: AddressSpace, start: number, len: number): void {
  k.tr.call('mm', 'unmap_mapping_range', { inode: mapping.host?.ino ?? 0, start: hex(start), len: hex(len) }, () => {
    zapFileRange(mapping, Math.floor(start / PAGE_SIZE), Math.ceil((start + len) / PAGE_SIZE), k);
  });
}

/** unmap_mapping_pages(mapping, start, nr, even_cows) */
export function unmapMappingPages(k: Kernel, mapping: AddressSpace, index: number, nr: number): void {
  k.tr.call('mm', 'unmap_mapping_pages', { inode: mapping.host?.ino ?? 0, start: hex(index), nr }, () => {
    zapFileRange(mapping, index, index + nr, k);
  });
}

/**
 * zap every vma's entries for file pages [first, end): unmap_mapping_range_tree
 * walks the i_mmap tree over the range; only the VMAs with entries present
 * have anything to zap, so those are the ones visited
 */
export function zapFileRange(mapping: AddressSpace, first: number, end: number, k?: Kernel): void {
  if (end <= first) return;
  for (const vma of mapping.mapped.query(first, end - 1)) {
    const lo = Math.max(first, vma.pgoff);
    const hi = Math.min(end, vma.pgoff + vma.pages);
    if (lo >= hi) continue;
    const vlo = vma.start / PAGE_SIZE + (lo - vma.pgoff);
    const vhi = vma.start / PAGE_SIZE + (hi - vma.pgoff);
    zapVpnRange(vma, vlo, vhi, k);
  }
}

/** zap [vlo, vhi) virtual pages, widening to any huge entry that overlaps */
export function zapVpnRange(vma: Vma, vlo: number, vhi: number, k?: Kernel): void {
  let a = vlo;
  let b = vhi;
  for (const p of vma.ptes.query(vlo, vhi)) {
    if (p.value.shift > PAGE_SHIFT) {
      const n = 2 ** (p.value.shift - PAGE_SHIFT);
      a = Math.min(a, p.start - (p.start % n));
      b = Math.max(b, p.start - (p.start % n) + n);
    }
  }
  if (k) {
    const pages = vma.ptes.covered(a, b);
    const d = k.tr.deciding();
    if (pages) k.why.note({ kind: 'zap', vma, vlo: a, vhi: b, pages, span: k.tr.decidingId, symbol: d.symbol ?? 'unmap_mapping_range', within: d.within ?? '', by: k.current });
  }
  vma.ptes.clear(a, b);
}

/**
 * kill_procs(to_kill, forcekill, pfn, flags): an address that could not be
 * found means SIGKILL; otherwise kill_proc.
 */
function killProcs(k: Kernel, toKill: ToKill[], forcekill: boolean, pfn: number, flags: number): void {
  k.tr.call('mm', 'kill_procs', { pfn: hex(pfn), forcekill, n: toKill.length }, () => {
    if (!forcekill) return;
    for (const tk of toKill) {
      if (tk.addr === -14) {
        k.log(`${mfPrefix}${hex(pfn)}: forcibly killing ${tk.tsk.kcomm}:${tk.tsk.pid} because of failure to unmap corrupted page`);
        k.queueSignalAs(tk.tsk, { signo: 'SIGKILL', code: 'none' }, 'kill_procs', 'kill_procs() could not find its user address for the page and, with MF_MUST_KILL, forcibly killed it with SIGKILL');
      } else killProc(k, tk, pfn, flags);
    }
  });
}

/**
 * kill_proc(tk, pfn, flags): BUS_MCEERR_AR to the current task when the
 * error is action-required, BUS_MCEERR_AO to anyone else; si_addr_lsb is the
 * mapping's size shift.
 */
function killProc(k: Kernel, tk: ToKill, pfn: number, flags: number): number {
  const ar = (flags & MF.ACTION_REQUIRED) !== 0 && tk.tsk === k.current;
  return k.tr.call('process', 'kill_proc', { pid: tk.tsk.pid, comm: tk.tsk.kcomm, addr: hex(tk.addr), lsb: tk.sizeShift, code: ar ? 'BUS_MCEERR_AR' : 'BUS_MCEERR_AO' }, () => {
    k.log(`${mfPrefix}${hex(pfn)}: Sending SIGBUS to ${tk.tsk.kcomm}:${tk.tsk.pid} due to hardware memory corruption`);
    const sym = ar ? 'force_sig_mceerr' : 'send_sig_mceerr';
    k.tr.call('process', sym, { code: ar ? 'BUS_MCEERR_AR' : 'BUS_MCEERR_AO', addr: hex(tk.addr), lsb: tk.sizeShift, pid: tk.tsk.pid }, () => {
      // a SIGBUS already pending is not queued again, and that is not an error
      const why = ar
        ? 'The consumer: it is the current task and the failure is action-required (MF_ACTION_REQUIRED)'
        : flags & MF.MEM_PRE_REMOVE
          ? 'The device is being removed (MF_MEM_PRE_REMOVE): collect_procs_fsdax() collects every task that maps the page'
          : k.current === null
            ? `No task that maps the page is current (the failure is handled in a kworker or in the unbinding task), and it ${earlyWhy(k, tk.tsk)}`
            : `It is not the current task, and it ${earlyWhy(k, tk.tsk)}`;
      k.queueSignalAs(
        tk.tsk,
        { signo: 'SIGBUS', code: ar ? 'BUS_MCEERR_AR' : 'BUS_MCEERR_AO', addr: tk.addr, lsb: tk.sizeShift },
        'kill_proc',
        `${why}: kill_proc() sent ${sym}(${ar ? 'BUS_MCEERR_AR' : 'BUS_MCEERR_AO'}) at ${hex(tk.addr)} with si_addr_lsb ${tk.sizeShift}`,
      );
      return 0;
    });
    return 0;
  });
}

/** why task_early_kill() collected a task that is not current */
function earlyWhy(k: Kernel, t: Task): string {
  if (t.mceKill === 'early') return 'asked for early kill (PR_MCE_KILL_EARLY), so task_early_kill() collected it';
  return `did not choose (no PR_MCE_KILL) and vm.memory_failure_early_kill=${k.cfg.earlyKill ? 1 : 0}, so task_early_kill() collected it`;
}

/**
 * action_result(pfn, type, result): the trace event, the per-node counters
 * (not for an already-poisoned page), and the log line. 0 for Recovered or
 * Delayed, -EBUSY otherwise.
 */
export function actionResult(k: Kernel, pfn: number, type: string, result: MfResult): number {
  return k.tr.call('mm', 'action_result', { pfn: hex(pfn), type, result }, () => {
    if (type !== 'already poisoned page') {
      k.mfStats.total++;
      const key = ACTION_NAME[result].toLowerCase() as keyof MfStats;
      k.mfStats[key]++;
    }
    k.log(`${mfPrefix}${hex(pfn)}: recovery action for ${type}: ${ACTION_NAME[result]}`);
    return result === 'MF_RECOVERED' || result === 'MF_DELAYED' ? 0 : -EBUSY;
  });
}

/** MEMORY_FAILURE_FIFO_SIZE: 1 << MEMORY_FAILURE_FIFO_ORDER (4) */
const MF_FIFO_SIZE = 16;

/**
 * memory_failure_queue(pfn, flags): from a context that cannot sleep (GHES),
 * the pfn goes into a per-CPU fifo and a worker runs memory_failure() later,
 * in a kworker: there is no current user task.
 */
export function memoryFailureQueue(k: Kernel, pfn: number, flags: number): void {
  k.tr.call('mm', 'memory_failure_queue', { pfn: hex(pfn), flags: mfFlagsName(flags) }, () => {
    if (k.mfQueue.length >= MF_FIFO_SIZE) {
      k.log(`${mfPrefix}buffer overflow when queuing memory failure at ${hex(pfn)}`);
      return;
    }
    k.mfQueue.push({ pfn, flags });
  });
}

/**
 * memory_failure_work_func: drain the fifo. It runs in a kworker (no user
 * task is current), or, kicked by memory_failure_queue_kick from task work,
 * in the context of the task that consumed the poison.
 */
export function memoryFailureWorkFunc(k: Kernel, ctx: Task | null = null): void {
  if (!k.mfQueue.length) return;
  // the work item sleeps for good in mutex_lock(&mf_mutex): a work item does
  // not run twice at once, so whatever was queued after waits forever
  if (!ctx && k.mfWorkerStuck) return;
  const saved = k.current;
  k.current = ctx;
  try {
    k.tr.call('mm', 'memory_failure_work_func', { queued: k.mfQueue.length, context: ctx ? `${ctx.kcomm}:${ctx.pid}` : 'kworker' }, () => {
      while (k.mfQueue.length) {
        const { pfn, flags } = k.mfQueue.shift()!;
        if (flags & MF.SOFT_OFFLINE) softOfflinePage(k, pfn, flags);
        else memoryFailure(k, pfn, flags);
      }
    });
  } catch (err) {
    if (!ctx && err instanceof KernelBlocked) k.mfWorkerStuck = true;
    throw err;
  } finally {
    k.current = saved;
  }
}

/**
 * soft_offline_page(pfn, flags): only online pages can be soft-offlined;
 * ZONE_DEVICE pages are not online, so it is -EIO for any pmem page.
 */
export function softOfflinePage(k: Kernel, pfn: number, flags: number): number {
  return k.tr.call('mm', 'soft_offline_page', { pfn: hex(pfn), flags: mfFlagsName(flags) }, () => {
    if (pfn === ZERO_PFN) {
      // an online page (vm.enable_soft_offline is 1): one already poisoned
      // is done; otherwise get_hwpoison_page() cannot take a reserved page
      // (-EIO, "unhandlable page."), and the filter may still say
      // -EOPNOTSUPP after it
      if (k.hwpoison.has(pfn)) {
        // soft_offline_page's own pr_fmt: "Soft offline: " at 6.12, none at 6.1 (which prints __func__)
        k.log(sinceVersion(k.cfg, '6.2') ? `Soft offline: ${hex(pfn)}: page already poisoned` : `soft_offline_page: ${hex(pfn)} page already poisoned`);
        return 0;
      }
      const ret = getHwpoisonPage(k, pfn, flags | MF.SOFT_OFFLINE);
      if (hwpoisonFilter(k, pfn, null, undefined)) return -EOPNOTSUPP;
      return ret;
    }
    if (!k.pgmapOf(pfn)) return -ENXIO; // no memmap: !pfn_valid
    return -EIO; // "Only online pages can be soft-offlined"

  });
}


/**
 * unpoison_memory(pfn): only online pages can be unpoisoned
 * (pfn_to_online_page), and ZONE_DEVICE pages never are: -EIO before
 * anything is looked at, PageHWPoison stays set.
 */
export function unpoisonMemory(k: Kernel, pfn: number): number {
  return k.tr.call('mm', 'unpoison_memory', { pfn: hex(pfn) }, () => -EIO);
}

/** tests: devPagemapFailure rebinds a file's first extent to a recorded one of another file like it (off: every file's is done) */
let pagemapRebinds = true;
export function setPagemapRebinds(on: boolean): void {
  pagemapRebinds = on;
}

/** tests: how many owners' pfns devPagemapFailure recorded for rebinding, and how many files' first extents it rebound */
export const pagemapRebindCounts = { recorded: 0, rebound: 0 };

/** how many recorded owners, by shape, devPagemapFailure keeps for rebinding at most */
const REBIND_SHAPES = 256;

/** dmesg lines a summarised per-pfn run writes out in full before it abbreviates */
const RUN_LINES = 8;

/**
 * dev_pagemap_failure(pgmap) (the pagemap-failure proposal): a removal with
 * the dax device still in use fails every pfn of the device, one
 * memory_failure() each, with MF_MEM_REMOVE. Pfns whose page has an owner take
 * the whole path one by one; runs of pfns nobody owns all do the same thing
 * (dax_lock_folio finds no mapping, removal makes it "Recovered"), so each run
 * is computed once and recorded as one span per symbol carrying its count.
 * Once the owners' units are summarised, the extents of a file that follow
 * one done for real and alike to it are done in bulk (bulk.ts applyMembers),
 * and a file's first extent alike to one recorded in another file (laid
 * out, mapped and faulted in alike by the same tasks) is that record
 * rebound to it (bulk.ts rebind): what every pfn gets is the same.
 */
export function devPagemapFailure(k: Kernel, pgmap: DevPagemap): void {
  const first = pgmap.firstValidPfn;
  const end = pgmap.endPfn;
  k.tr.call('mm', 'dev_pagemap_failure', { pfn: hex(first), nr_pages: end - first }, () => {
    if (naiveIntervals()) {
      // the naive reference: really one memory_failure() per pfn
      for (let p = first; p < end; p++) memoryFailure(k, p, MF.MEM_REMOVE);
      return;
    }
    let pos = first;
    const runs = pgmap.align === PAGE_SIZE && k.cfg.recovery;
    // pfns [a, b) of one owner: runs alike, and a PMD entry's pfns as one unit
    // of a stretch (its head, then its tail nobody maps any more)
    const owned = (a: number, b: number): void => {
      for (let p = a; p < b; ) {
        const n = runs ? sameFailure(k, p, b) : 1;
        if (n >= KILL_RUN_MIN) memoryFailureRun(k, p, n, MF.MEM_REMOVE);
        else memoryFailure(k, p, MF.MEM_REMOVE);
        p += n >= KILL_RUN_MIN ? n : 1;
      }
    };
    // each owner's pfns (and the unowned ones before them) are one unit of a
    // stretch: the extents of files mapped alike fail alike
    const outer = new AlikeStretch(k.tr, 'mm', 'memory_failure', () => k.dmesg.length);
    // the owners as they were when the removal began, piece by piece (as
    // query(first, end) gives them) from where the walk has got to: the
    // members done in bulk are skipped, never listed
    const snap = k.pageOwner.clone();
    const pieceFrom = (at: number): Range<PageOwner> | undefined => {
      if (at <= first) return snap.firstIn(first, end);
      const r = snap.rangeAt(at) ?? snap.firstIn(at, end);
      return r && r.end > end ? { start: r.start, end, value: r.value } : r;
    };
    // the owners done for real and recorded in the open summary, by their unit's key and the
    // shape of their state before: the first extent of a file laid out, mapped and faulted in
    // as one of theirs was, by the same tasks, is rebound to it (bulk.ts rebind) instead of
    // being done (a file after file)
    const recorded = new Map<string, Shaped>();
    let recordedIn: number | undefined;
    for (let cur = pieceFrom(pos), nx: Range<PageOwner> | undefined; cur; cur = nx && nx.start >= pos ? nx : pieceFrom(pos)) {
      const r = cur;
      nx = undefined;
      const a = Math.max(r.start, first);
      const b = Math.min(r.end, end);
      const o = r.value;
      const pmd = o.kind === 'file' && o.mapping.entries.rangeAt(o.index + (a - r.start))?.value.pmd === true;
      const mappers = o.kind === 'file' ? o.mapping.mapped.query(o.index + (a - r.start), o.index + (b - 1 - r.start)).length : 0;
      const from = pos;
      const key = `${a - from} ${b - a} ${o.kind} ${pmd ? 'pmd' : 'pte'} ${mappers}`;
      const args = (p: number) => ({ pfn: `${hex(p)}..${hex(p + (b - from) - 1)}`, flags: mfFlagsName(MF.MEM_REMOVE) });
      const member: Member | undefined = o.kind === 'file' && !pmd ? { mapping: o.mapping, index: o.index + (a - r.start), pages: b - a, pfn: from, pfns: b - from } : undefined;
      // in the same open summary, with the same key: the stretch would do it quietly, as it did theirs
      if (!outer.summarising || outer.summaryId !== recordedIn) recorded.clear();
      let rec = pagemapRebinds && member && recorded.size && !k.tr.quiet ? rebind(k, (shape) => recorded.get(`${key}|${shape}`), member) : undefined;
      const rebound = rec !== undefined;
      if (!rebound) {
        outer.unit(key, args(from), b - from, () => {
          if (!member) return one();
          rec = recordMember(k, member, one).rec;
        });
        if (rec && pagemapRebinds && !k.tr.quiet && outer.summarising) {
          // a summary over files of ever new shapes keeps the last few hundred
          if (outer.summaryId !== recordedIn || recorded.size >= REBIND_SHAPES) recorded.clear();
          recordedIn = outer.summaryId;
          const s = shaped(rec);
          recorded.set(`${key}|${s.shape}`, s);
          pagemapRebindCounts.recorded++;
        }
      } else pagemapRebindCounts.rebound++;
      pos = b;
      // done quietly and alike: the next owners' pfns, as far as they are its own shifted, in bulk
      // (with a rebound member itself, which is not done yet)
      nx = b < end ? pieceFrom(b) : undefined;
      let n = 0;
      let dIndex = 0;
      if (rec && nx && outer.summarising && nx.value.kind === 'file' && o.kind === 'file' && nx.value.mapping === o.mapping && nx.end - b === b - from) {
        dIndex = nx.value.index - (o.index + (a - r.start));
        n = dIndex > 0 ? alikeMembers(k, rec, dIndex, b - from, Math.floor((end - b) / (b - from))) : 0;
      }
      if (rebound || n > 0) {
        const done = rec!;
        outer.more((n + (rebound ? 1 : 0)) * (b - from), args(from + n * (b - from)), () => applyMembers(k, done, n, dIndex, b - from, rebound ? 0 : 1));
        pos = b + n * (b - from);
      }
      continue;
      function one(): void {
        if (a > from) unownedRun(k, from, a);
        if (!pmd || !runs || o.kind !== 'file') return owned(a, b);
        const inner = new AlikeStretch(k.tr, 'mm', 'memory_failure', () => k.dmesg.length);
        const outerQuiet = k.tr.quiet;
        for (let p = a; p < b; ) {
          const index = o.index + (p - r.start);
          const to = Math.min(b, p + 512 - (index % 512));
          const at = p;
          let rec: Recorded | undefined;
          inner.unit(`pmd ${index % 512} ${to - at} ${o.mapping.mapped.query(index, index + (to - at) - 1).length}`, { pfn: `${hex(at)}..${hex(to - 1)}`, flags: mfFlagsName(MF.MEM_REMOVE) }, to - at, () => {
            rec = recordMember(k, { mapping: o.mapping, index, pages: to - at, pfn: at, pfns: to - at }, () => owned(at, to)).rec;
          });
          p = to;
          // done quietly and alike: the whole PMD entries after it in its state, in bulk
          if (rec && to - at === 512 && (outerQuiet || inner.summarising)) {
            const n = alikeMembers(k, rec, 512, 512, Math.floor((b - to) / 512));
            if (n > 0) {
              const bulk = () => applyMembers(k, rec!, n, 512, 512);
              if (outerQuiet) bulk();
              else inner.more(n * 512, { pfn: `${hex(at + n * 512)}..${hex(to - 1 + n * 512)}`, flags: mfFlagsName(MF.MEM_REMOVE) }, bulk);
              p = to + n * 512;
            }
          }
        }
        inner.end();
      }
    }
    outer.end();
    if (pos < end) unownedRun(k, pos, end);
  });
}

/**
 * How many pfns from p (before end) memory_failure() on the generic
 * page->mapping path would handle as it handles p: one file owner whose
 * index advances with the pfn, and mappers alike over those indices
 * (sameKill).
 */
function sameFailure(k: Kernel, p: number, end: number): number {
  const r = k.pageOwner.rangeAt(p);
  if (!r || r.value.kind !== 'file') return 1;
  const index = r.value.index + (p - r.start);
  let n = Math.min(end, r.end) - p;
  const mapping = r.value.mapping;
  // PageHWPoison decides memory_failure()'s path (a page already poisoned
  // goes to kill_accessing_process): a run never mixes the two
  if (k.hwpoison.has(p)) n = Math.min(n, k.hwpoison.query(p, p + n)[0]![1] - p);
  else {
    const next = k.hwpoison.firstIn(p, p + n);
    if (next) n = next[0] - p;
  }
  // the tail of a PMD entry whose head unmapped it from everyone: the same
  // page locked, nobody collected, for every pfn
  const e = mapping.entries.rangeAt(index);
  if (e?.value.pmd) {
    const t = pmdUnmapped(mapping, index, index + n);
    return t >= KILL_RUN_MIN ? Math.min(n, t) : 1;
  }
  return Math.min(n, sameKill(mapping, index, index + n));
}

/**
 * memory_failure(pfn, flags) for pfns [p, p + n) that sameFailure found
 * alike: the first for real, its call tree carrying the run's count; the
 * others get what it did shifted by their pfn and index (PageHWPoison,
 * entries zapped, decisions, the per-node counters, one log line per page
 * and per task as the kernel prints them).
 */
function memoryFailureRun(k: Kernel, p: number, n: number, flags: number): void {
  const owner = k.pageOwner.get(p) as Extract<PageOwner, { kind: 'file' }>;
  const poisonedBefore = k.hwpoison.has(p);
  replayAlike(k, n, p, owner.mapping, owner.index, () => !poisonedBefore && k.hwpoison.has(p), () => void memoryFailure(k, p, flags));
}

/** memory_failure(pfn, MF_MEM_REMOVE) for every pfn of [a, b), none of which has an owner */
function unownedRun(k: Kernel, a: number, b: number): void {
  const n = b - a;
  k.why.failed(a, b);
  if (!k.cfg.recovery) {
    memoryFailure(k, a, MF.MEM_REMOVE); // panics
    return;
  }
  const pfns = n === 1 ? hex(a) : `${hex(a)}..${hex(b - 1)}`;
  const flags = mfFlagsName(MF.MEM_REMOVE);
  k.tr.run('mm', 'memory_failure', { pfn: pfns, flags }, n, () =>
    k.tr.run('dev_pagemap', 'memory_failure_dev_pagemap', { pfn: pfns, flags, type: 'MEMORY_DEVICE_FS_DAX' }, n, () => {
      k.tr.run('mm', 'mf_generic_kill_procs', { pfn: pfns, flags }, n, () => {
        k.tr.run('fsdax', daxLockName(k, 'lock'), { pfn: pfns, mapping: 'NULL' }, n, (span) => {
          k.why.note({ kind: 'page-mapping', pfn: a, end: b, owner: 'none', mapping: null, span: span.id || k.tr.decidingId });
          return 0;
        });
        return -EBUSY;
      });
      k.tr.run('mm', 'action_result', { pfn: pfns, type: 'dax page', result: 'MF_RECOVERED' }, n, () => 0);
      return 0;
    }),
  );
  k.mfStats.total += n;
  k.mfStats.recovered += n;
  for (let p = a; p < Math.min(b, a + RUN_LINES); p++) k.log(`${mfPrefix}${hex(p)}: recovery action for dax page: Recovered`);
  if (n > RUN_LINES) k.log(`${mfPrefix}[${hex(a + RUN_LINES)}-${hex(b - 1)}]: recovery action for dax page: Recovered (${n - RUN_LINES} more lines, one per pfn)`);
}

/**
 * memory_failure() on the zero page, the one online (System RAM) page the
 * lab has: a read fault on a hole in a DAX file maps it (dax_load_hole), and
 * madvise(MADV_HWPOISON) hands it to memory_failure() like any page
 * get_user_pages returns. It is not hugetlb; the first time its PG_hwpoison
 * is set (and stays: nothing clears it), and as a reserved kernel page off
 * every LRU it goes straight to identify_page_state(), whose first state,
 * reserved, is me_kernel(): "reserved kernel page: Ignored", -EBUSY. Without
 * MF_COUNT_INCREASED (corrupt-pfn) get_hwpoison_page() fails first
 * ("unhandlable page.", then "get hwpoison page: Ignored"; 6.1 says "unknown
 * page"). A second time the page is already poisoned: with
 * MF_ACTION_REQUIRED kill_accessing_process() walks the current task's page
 * tables for a PTE of the pfn and sends it BUS_MCEERR_AR there (its result,
 * -EHWPOISON, or 0 when no PTE maps the page, is memory_failure()'s), and
 * "already poisoned page: Failed" is printed; 6.1 prints "already hardware
 * poisoned" instead and, since its madvise passes no MF_ACTION_REQUIRED,
 * returns -EHWPOISON. The lab's tasks map nothing but the scenario's
 * mappings, so the walk sees those only.
 */
function memoryFailureZeroPage(k: Kernel, pfn: number, flags: number): number {
  const v612 = sinceVersion(k.cfg, '6.2');
  if (k.hwpoison.has(pfn)) {
    if (!v612) k.log(`${mfPrefix}${hex(pfn)}: already hardware poisoned`);
    let res = -EHWPOISON;
    if (flags & MF.ACTION_REQUIRED && k.current) res = killAccessingProcess(k, k.current, pfn, flags);
    if (v612) actionResult(k, pfn, 'already poisoned page', 'MF_FAILED');
    return res;
  }
  setPageHWPoison(k, pfn);
  if (!(flags & MF.COUNT_INCREASED)) {
    // get_hwpoison_page() < 0: the page cannot be taken
    getHwpoisonPage(k, pfn, flags);
    return actionResult(k, pfn, v612 ? 'get hwpoison page' : 'unknown page', 'MF_IGNORED');
  }
  if (hwpoisonFilter(k, pfn, null, undefined)) {
    k.hwpoison.remove(pfn, pfn + 1); // ClearPageHWPoison
    return -EOPNOTSUPP;
  }
  k.tr.call('mm', v612 ? 'shake_folio' : 'shake_page', { pfn: hex(pfn) }, () => undefined);
  return k.tr.call('mm', 'identify_page_state', { pfn: hex(pfn), state: 'reserved' }, () => {
    k.why.note({ kind: 'route-failed', symbol: 'me_kernel', ret: '-EBUSY', why: `pfn ${hex(pfn)} is the kernel's zero page (a read fault on a hole mapped it), a reserved kernel page: memory_failure() marked it and left it (me_kernel: Ignored); no task was told.`, span: k.why.span });
    const r = k.tr.call('mm', 'me_kernel', { pfn: hex(pfn) }, () => 'MF_IGNORED' as MfResult);
    return actionResult(k, pfn, 'reserved kernel page', r);
  });
}

/**
 * get_hwpoison_page() → get_any_page() on a page that is neither on an LRU
 * nor a free buddy page (HWPoisonHandlable() is false): three tries with
 * shake_page() between them, then -EIO and "unhandlable page.".
 */
function getHwpoisonPage(k: Kernel, pfn: number, flags: number): number {
  return k.tr.call('mm', 'get_hwpoison_page', { pfn: hex(pfn), flags: mfFlagsName(flags) }, () =>
    k.tr.call('mm', 'get_any_page', { pfn: hex(pfn), flags: mfFlagsName(flags) }, () => {
      for (let pass = 0; pass < 3; pass++) k.tr.call('mm', 'shake_page', { pfn: hex(pfn) }, () => undefined);
      k.log(`${mfPrefix}${hex(pfn)}: unhandlable page.`);
      return -EIO;
    }),
  );
}

/**
 * kill_accessing_process(p, pfn, flags): walk_page_range over the task's
 * whole address space in address order; the first present entry of the pfn
 * (for the zero page: an entry dax_load_hole left) is the address kill_proc()
 * signals. -EHWPOISON when one was found, 0 when none.
 */
function killAccessingProcess(k: Kernel, task: Task, pfn: number, flags: number): number {
  return k.tr.call('mm', 'kill_accessing_process', { pid: task.pid, pfn: hex(pfn) }, () => {
    if (!task.mm) return -14;
    const vmas = [...task.mm.vmas].sort((a, b) => a.start - b.start);
    for (const vma of vmas) {
      for (const r of vma.ptes.query(vma.start / PAGE_SIZE, vma.end / PAGE_SIZE)) {
        const hit = pfn === ZERO_PFN ? r.value.zero === true : r.value.pfn >= 0 && pfn >= r.value.pfn && pfn < r.value.pfn + (r.end - r.start);
        if (!hit) continue;
        const vpn = pfn === ZERO_PFN ? r.start : r.start + (pfn - r.value.pfn);
        killProc(k, { tsk: task, addr: vpn * PAGE_SIZE, sizeShift: PAGE_SHIFT }, pfn, flags);
        return -EHWPOISON;
      }
    }
    return 0;
  });
}
