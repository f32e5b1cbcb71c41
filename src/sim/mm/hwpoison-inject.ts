// mm/hwpoison-inject.c: debugfs hwpoison/corrupt-pfn and unpoison-pfn. The writer is a shell,
// not a task that maps the page, so only early-kill tasks are signalled
// (BUS_MCEERR_AO). memory_failure() runs with MF_SW_SIMULATED alone; its
// error is the write's error. A pfn with no struct page is -ENXIO.

import { MF, type Kernel } from '../kernel';
import { hex } from '../units';
import { memoryFailure, unpoisonMemory } from './memory-failure';
import { ENXIO, EOPNOTSUPP } from '../errno';

export function hwpoisonInject(k: Kernel, pfn: number): number {
  const saved = k.current;
  k.current = null;
  try {
    return k.tr.call('mm', 'hwpoison_inject', { pfn: hex(pfn) }, () => {
      if (!k.pgmapOf(pfn)) return -ENXIO; // !pfn_valid: no memmap (raw mode, unbound)
      k.log(`Injecting memory failure at pfn ${hex(pfn)}`);
      const ret = memoryFailure(k, pfn, MF.SW_SIMULATED);
      return ret === -EOPNOTSUPP ? 0 : ret;
    });
  } finally {
    k.current = saved;
  }
}

/**
 * debugfs hwpoison/unpoison-pfn (hwpoison_unpoison): unpoison_memory(pfn),
 * whose error is the write's error.
 */
export function hwpoisonUnpoison(k: Kernel, pfn: number): number {
  const saved = k.current;
  k.current = null;
  try {
    return k.tr.call('mm', 'hwpoison_unpoison', { pfn: hex(pfn) }, () => unpoisonMemory(k, pfn));
  } finally {
    k.current = saved;
  }
}
