// mm/madvise.c: madvise(MADV_HWPOISON) and madvise(MADV_SOFT_OFFLINE), the
// software injectors. Each page of the range is looked up with
// get_user_pages_fast (faulting it in first when it is not mapped), then
// poisoned with memory_failure(MF_ACTION_REQUIRED|MF_COUNT_INCREASED|
// MF_SW_SIMULATED) or soft-offlined; the first error ends the loop. The media
// stays good: this is a simulated failure.

import { MF, type Kernel } from '../kernel';
import { EOPNOTSUPP, EHWPOISON, EFAULT } from '../errno';
import { hex, PAGE_SIZE } from '../units';
import { memoryFailure, softOfflinePage } from './memory-failure';
import { faultIn } from './fault';
import type { Task } from './types';

export function madviseInjectError(k: Kernel, task: Task, behavior: 'MADV_HWPOISON' | 'MADV_SOFT_OFFLINE', start: number, len: number): number {
  const saved = k.current;
  k.current = task;
  try {
    return k.tr.call('mm', 'madvise_inject_error', { behavior, start: hex(start), end: hex(start + len) }, () => {
      const end = start + len;
      let size = PAGE_SIZE;
      for (let a = start; a < end; a += size) {
        const vma = task.mm!.findVma(a);
        if (!vma) return -EFAULT;
        const got = k.tr.call('mm', 'get_user_pages_fast', { start: hex(a), nr_pages: 1 }, () => {
          if (!faultInQuiet(k, task, a)) return -EHWPOISON;
          return 1;
        });
        if (got !== 1) return got;
        const pte = vma.ptes.get(Math.floor(a / PAGE_SIZE))!;
        if (pte.pfn < 0) return -EFAULT; // not device memory: outside this model
        const pfn = pte.pfn;
        // page_size(compound_head(page)): fsdax pages are base pages, device-dax
        // pages compound pages of the device's alignment
        const pg = k.pgmapOf(pfn);
        size = pg && pg.type === 'MEMORY_DEVICE_GENERIC' ? pg.align : PAGE_SIZE;
        let ret: number;
        if (behavior === 'MADV_SOFT_OFFLINE') {
          k.log(`Soft offlining pfn ${hex(pfn)} at process virtual address ${hex(a)}`);
          ret = softOfflinePage(k, pfn, MF.COUNT_INCREASED);
        } else {
          k.log(`Injecting memory failure for pfn ${hex(pfn)} at process virtual address ${hex(a)}`);
          ret = memoryFailure(k, pfn, MF.ACTION_REQUIRED | MF.COUNT_INCREASED | MF.SW_SIMULATED);
          if (ret === -EOPNOTSUPP) ret = 0;
        }
        if (ret) return ret;
      }
      return 0;
    });
  } finally {
    k.current = saved;
  }
}

/**
 * get_user_pages_fast faults the page in like a user access would, but a
 * failed fault is an error return (-EHWPOISON for a known-bad page), not a
 * signal.
 */
function faultInQuiet(k: Kernel, task: Task, addr: number): boolean {
  const vma = task.mm!.findVma(addr)!;
  const pte = vma.ptes.get(Math.floor(addr / PAGE_SIZE));
  if (pte) return true;
  return faultIn(k, task, vma, addr, false, /*signal*/ false);
}
