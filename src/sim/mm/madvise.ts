// mm/madvise.c: madvise(MADV_HWPOISON) and madvise(MADV_SOFT_OFFLINE), the
// software injectors. Each page of the range is looked up with
// get_user_pages_fast (faulting it in first when it is not mapped), then
// poisoned with memory_failure(MF_ACTION_REQUIRED|MF_COUNT_INCREASED|
// MF_SW_SIMULATED) or soft-offlined; the first error ends the loop. The media
// stays good: this is a simulated failure.

import { KernelBlocked, MF, type Kernel } from '../kernel';
import { EOPNOTSUPP, EFAULT, ENOMEM } from '../errno';
import { hex, PAGE_SHIFT, PAGE_SIZE } from '../units';
import { naiveIntervals } from '../intervals';
import { genericFailureRun, memoryFailure, sameGenericFailures, softOfflinePage } from './memory-failure';
import { handleMmFault } from './fault';
import type { VmFault } from '../fs/dax';
import { ZERO_PFN, type Task } from './types';
import { sinceVersion } from '../version';

export function madviseInjectError(k: Kernel, task: Task, behavior: 'MADV_HWPOISON' | 'MADV_SOFT_OFFLINE', start: number, len: number): number {
  const saved = k.current;
  k.current = task;
  try {
    return k.tr.call('mm', 'madvise_inject_error', { behavior, start: hex(start), end: hex(start + len) }, () => {
      const end = start + len;
      let size = PAGE_SIZE;
      /** one turn of the loop at a: 0 to go on (size set to the page's), or the error that ends it */
      const inject = (a: number): number => {
        const vma = task.mm!.findVma(a);
        if (!vma) return -EFAULT;
        const got = k.tr.call('mm', 'get_user_pages_fast', { start: hex(a), nr_pages: 1, gup_flags: 0 }, () => {
          gupDeadPagemap(k, task, vma, a);
          const fault = faultInQuiet(k, task, a);
          return fault ? vmFaultToErrno(fault) : 1;
        });
        if (got !== 1) return got;
        const pte = vma.ptes.get(Math.floor(a / PAGE_SIZE))!;
        // a hole's zero page is a page like any other to get_user_pages
        // (follow_page_pte hands out the zero page); other RAM pages (the
        // page cache of a non-DAX file) are outside this model
        if (pte.pfn < 0 && !pte.zero) return -EFAULT;
        const pfn = pte.zero ? ZERO_PFN : pte.pfn;
        // page_size(compound_head(page)): fsdax pages are base pages, device-dax
        // pages compound pages of the device's alignment
        const pg = k.pgmapOf(pfn);
        size = pg && pg.type === 'MEMORY_DEVICE_GENERIC' ? pg.align : PAGE_SIZE;
        let ret: number;
        if (behavior === 'MADV_SOFT_OFFLINE') {
          k.log(`Soft offlining pfn ${hex(pfn)} at process virtual address ${hex(a)}`);
          ret = softOfflinePage(k, pfn, MF.COUNT_INCREASED);
        } else {
          k.log(`${INJECTING}${hex(pfn)} at process virtual address ${hex(a)}`);
          ret = memoryFailure(k, pfn, flagsOf(k));
          if (ret === -EOPNOTSUPP) ret = 0;
        }
        return ret;
      };
      for (let a = start; a < end; a += size) {
        const [n, unit] = a === start || behavior !== 'MADV_HWPOISON' || naiveIntervals() ? [1, 0] : alikeInjections(k, task, a, end);
        if (n < RUN_MIN) {
          const ret = inject(a);
          if (ret) return ret;
          continue;
        }
        // n compound pages from a, each handled as the one before: the first
        // for real, its call tree carrying the run's count, the rest replayed
        const pfn = task.mm!.findVma(a)!.ptes.get(Math.floor(a / PAGE_SIZE))!.pfn;
        const step = unit / PAGE_SIZE;
        let ret = 0;
        genericFailureRun(
          k,
          pfn,
          step,
          n,
          () => void (ret = inject(a)),
          (line, j) => (line.startsWith(INJECTING) ? `${INJECTING}${hex(pfn + j * step)} at process virtual address ${hex(a + j * unit)}` : undefined),
          { start: unit, pfn: step },
        );
        if (ret) return ret;
        a += (n - 1) * unit;
      }
      return 0;
    });
  } finally {
    k.current = saved;
  }
}

const INJECTING = 'Injecting memory failure for pfn ';
const FLAGS = MF.ACTION_REQUIRED | MF.COUNT_INCREASED | MF.SW_SIMULATED;
/**
 * 6.1's flags: no MF_ACTION_REQUIRED ("mm/madvise: add MF_ACTION_REQUIRED to
 * madvise(MADV_HWPOISON)", Jane Chu: 6.11). For a DAX page it changes nothing
 * seen: mf_dax_kill_procs and mf_generic_kill_procs add MF_ACTION_REQUIRED |
 * MF_MUST_KILL themselves.
 */
const FLAGS_6_1 = MF.COUNT_INCREASED | MF.SW_SIMULATED;
const flagsOf = (k: Kernel): number => (sinceVersion(k.cfg, '6.11') ? FLAGS : FLAGS_6_1);
/** a run of compound pages this long or longer is summarised */
const RUN_MIN = 4;

/**
 * How many compound pages from a (before end), one loop turn each, would
 * be handled as the turn before handled its page: present in the caller's
 * mapping as one linear run of entries of the page's size, and memory_failure()
 * alike for all of them (sameGenericFailures). Not the first turn: it may
 * queue the signals the others find pending.
 */
function alikeInjections(k: Kernel, task: Task, a: number, end: number): [number, number] {
  const vma = task.mm!.findVma(a);
  if (!vma) return [1, 0];
  const r = vma.ptes.rangeAt(Math.floor(a / PAGE_SIZE));
  if (!r || r.value.pfn < 0 || r.value.shift <= PAGE_SHIFT) return [1, 0];
  const size = 2 ** r.value.shift;
  if (a % size) return [1, 0];
  const pfn = r.value.pfn + (Math.floor(a / PAGE_SIZE) - r.start);
  // turns whose page is in that run of entries, inside [a, end)
  const max = Math.min(Math.ceil((end - a) / size), Math.floor((r.end * PAGE_SIZE - a) / size));
  return [sameGenericFailures(k, pfn, size / PAGE_SIZE, max, flagsOf(k)), size];
}

/**
 * get_user_pages_fast faults a page that is not present in through the slow
 * path (__get_user_pages → faultin_page → handle_mm_fault), where a failed
 * fault is an error return, not a signal. Returns the failed fault, or null
 * when the page is there.
 */
/**
 * 6.1: a present device-memory PTE whose dev_pagemap is gone (the mapping
 * outlived an unbind: 6.1 zaps only the collected tasks' entries) gives
 * get_user_pages no page (follow_page_pte: get_dev_pagemap fails), and the
 * fault it then takes finds the PTE present and changes nothing, so
 * __get_user_pages retries for good: the real 6.1 never returned from this
 * madvise (oracle/recorded-6.1/madvise-hwpoison-efault{,-6.1}, e5: the guest
 * went silent and was stopped). From 6.7 (MF_MEM_PRE_REMOVE) the unbind zaps
 * every mapper, so no mapping outlives it; whether a later gup would still
 * retry is not known (6.12 was not seen in this state).
 */
function gupDeadPagemap(k: Kernel, task: Task, vma: NonNullable<ReturnType<NonNullable<Task['mm']>['findVma']>>, addr: number): void {
  if (sinceVersion(k.cfg, '6.7')) return;
  const pte = vma.ptes.get(Math.floor(addr / PAGE_SIZE));
  if (!pte || pte.pfn < 0 || k.pgmapOf(pte.pfn) || !k.pgmaps.some((p) => pte.pfn >= p.startPfn && pte.pfn < p.endPfn)) return;
  task.blockedIn = '__get_user_pages';
  k.why.note({ kind: 'route-failed', symbol: 'get_user_pages_fast', ret: 'blocked', why: `get_user_pages found a present page-table entry for pfn ${hex(pte.pfn)}, whose dev_pagemap is gone (the device was unbound), so follow_page_pte gives no page and the fault finds the entry present: __get_user_pages retries for good and ${task.comm}:${task.pid} never returns.`, span: k.why.span });
  throw new KernelBlocked(`get_user_pages(${hex(addr)}) of ${task.comm}:${task.pid} retries for good: a present PTE for pfn ${hex(pte.pfn)}, whose dev_pagemap is gone`, '__get_user_pages');
}

function faultInQuiet(k: Kernel, task: Task, addr: number): VmFault | null {
  const vma = task.mm!.findVma(addr)!;
  const pte = vma.ptes.get(Math.floor(addr / PAGE_SIZE));
  if (pte) return null;
  const r = handleMmFault(k, vma, addr, false);
  return r.fault === 'VM_FAULT_NOPAGE' ? null : r.fault;
}

/**
 * vm_fault_to_errno(vm_fault, foll_flags): madvise_inject_error calls
 * get_user_pages_fast without FOLL_HWPOISON, so a known-bad page
 * (VM_FAULT_HWPOISON) is -EFAULT like any other failed fault, not -EHWPOISON.
 */
function vmFaultToErrno(fault: VmFault): number {
  if (fault === 'VM_FAULT_OOM') return -ENOMEM;
  return -EFAULT; // VM_FAULT_HWPOISON without FOLL_HWPOISON, VM_FAULT_SIGBUS
}
