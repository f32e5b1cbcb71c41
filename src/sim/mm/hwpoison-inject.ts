// mm/hwpoison-inject.c: debugfs hwpoison/corrupt-pfn and unpoison-pfn. The writer is a shell,
// not a task that maps the page, so only early-kill tasks are signalled
// (BUS_MCEERR_AO). memory_failure() runs with MF_SW_SIMULATED alone; its
// error is the write's error. A pfn with no struct page is -ENXIO. With
// corrupt-filter-enable set, nothing is injected into a ZONE_DEVICE page.

import { MF, type Kernel } from '../kernel';
import { hex } from '../units';
import { memoryFailure, unpoisonMemory } from './memory-failure';
import { ENXIO, EOPNOTSUPP } from '../errno';
import { hwpoisonFilterEnabled } from './hwpoison-filter';
import { sinceVersion } from '../version';

export function hwpoisonInject(k: Kernel, pfn: number): number {
  const saved = k.current;
  k.current = null;
  try {
    return k.tr.call('mm', 'hwpoison_inject', { pfn: hex(pfn) }, () => {
      if (!k.pgmapOf(pfn)) return -ENXIO; // !pfn_valid: no memmap (raw mode, unbound)
      if (hwpoisonFilterEnabled(k)) {
        // the filter's early check: only LRU, hugetlb and free buddy pages
        // are injected; a ZONE_DEVICE page is none of them, so the write
        // succeeds with nothing injected and nothing printed
        k.tr.call('mm', sinceVersion(k.cfg, '6.2') ? 'shake_folio' : 'shake_page', { pfn: hex(pfn) }, () => undefined);
        k.tr.call('mm', 'is_free_buddy_page', { pfn: hex(pfn) }, () => false);
        k.why.note({ kind: 'route-failed', symbol: 'hwpoison_inject', ret: '0', why: `corrupt-filter-enable is set, so hwpoison_inject() injects only into LRU, hugetlb and free buddy pages; pfn ${hex(pfn)} is a ZONE_DEVICE page (never on an LRU), so the write returned 0 without calling memory_failure().`, span: k.why.span });
        return 0;
      }
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
