// drivers/acpi/apei/ghes.c: firmware-first reporting. The firmware posts a
// CPER memory-error record; GHES queues the pfn for memory_failure() and
// never touches NVDIMM badblocks. On x86 the notification is asynchronous:
// memory_failure() runs in a kworker, where no user task is current. A
// synchronous notification (ARM SEA) kicks the queue from task work in the
// consumer's context.
//
// The lab's platform has one generic hardware error source, source id 0,
// whose platform device hest_parse_ghes names GHES.0 (bound to the driver
// "GHES"), notified through NMI (x86) or SEA (arm64): both spool the record
// and handle it in ghes_proc_in_irq, which runs ghes_do_proc before it prints
// the record (ghes_print_estatus), and queues the task work after. The record
// is one CPER_SEC_PLATFORM_MEM section of severity recoverable whose only
// valid field is the physical address.

import { MF, type Kernel } from '../kernel';
import { hex, PAGE_SIZE } from '../units';
import { memoryFailureQueue, memoryFailureWorkFunc } from '../mm/memory-failure';
import type { Task } from '../mm/types';
import { sinceVersionOrBackport } from '../version';

/** ghes_do_proc → ghes_handle_memory_failure → ghes_do_memory_failure, then the worker */
export function ghesMemoryError(k: Kernel, spa: number, sync: boolean, consumer: Task | null): void {
  const saved = k.current;
  k.current = consumer;
  let queued = false;
  try {
    k.tr.call('ghes', 'ghes_do_proc', { section: 'CPER_SEC_PLATFORM_MEM', physical_addr: hex(spa), sync }, () => {
      queued = k.tr.call('ghes', 'ghes_handle_memory_failure', { sev: 'GHES_SEV_RECOVERABLE', sync }, () => {
        const flags = sync ? MF.ACTION_REQUIRED : 0;
        return k.tr.call('ghes', 'ghes_do_memory_failure', { physical_addr: hex(spa), flags: sync ? 'MF_ACTION_REQUIRED' : '0' }, () => {
          const pfn = Math.floor(spa / PAGE_SIZE);
          if (!k.pgmapOf(pfn)) {
            k.log(`[Firmware Warn]: GHES: Invalid address in generic error data: ${hex(spa)}`);
            return false;
          }
          memoryFailureQueue(k, pfn, flags);
          return true;
        });
      });
      if (sync && !queued && consumer) {
        // dev_err(ghes->dev, HW_ERR GHES_PFX ...): the driver and device names lead the line;
        // 6.1's is pr_err(GHES_PFX ...), with neither the device nor HW_ERR. The force kill
        // is mainline 79a5ae3c4c5e (6.17), backported to 6.12.y (dev_err) and to 6.1.y
        // (pr_err: 6.1's struct ghes has no dev)
        if (sinceVersionOrBackport(k.cfg, '6.17', ['6.12'])) k.log(`${GHES_DEV}: [Hardware Error]: GHES: ${consumer.kcomm}:${consumer.pid}: synchronous unrecoverable error (SIGBUS)`);
        else k.log(`GHES: ${consumer.kcomm}:${consumer.pid}: synchronous unrecoverable error (SIGBUS)`);
        k.tr.call('process', 'force_sig', { sig: 'SIGBUS', pid: consumer.pid }, () =>
          k.queueSignalAs(consumer, { signo: 'SIGBUS', code: 'SI_KERNEL' }, 'ghes_do_proc', 'A synchronous GHES error that could not be queued for memory_failure(): ghes_do_proc() sent the consumer a plain SIGBUS'),
        );
      }
      return queued;
    });
    ghesPrintEstatusOnce(k, spa);
    if (sync && consumer && consumer.mm) {
      // ghes_kick_task_work → memory_failure_queue_kick: the worker body runs in the consumer's context
      k.tr.call('ghes', 'ghes_kick_task_work', { pid: consumer.pid }, () => {
        k.tr.call('mm', 'memory_failure_queue_kick', {}, () => memoryFailureWorkFunc(k, consumer));
      });
    }
  } finally {
    k.current = saved;
  }
  // whatever is still queued runs in a kworker
  memoryFailureWorkFunc(k, null);
}

/** dev_driver_string and dev_name of the GHES platform device of source 0 */
const GHES_DEV = 'GHES GHES.0';
const GHES_SOURCE_ID = 0;
/** GHES_ESTATUS_IN_CACHE_MAX_NSEC */
const CACHE_MAX_NS = 10e9;
/** GHES_ESTATUS_CACHES_SIZE */
const CACHES_SIZE = 4;
/** DEFINE_RATELIMIT_STATE(ratelimit_uncorrected, 5*HZ, 2) */
const PRINT_INTERVAL_NS = 5e9;
const PRINT_BURST = 2;

/** per kernel: the estatus cache, the uncorrected ratelimit state and __ghes_print_estatus's seqno */
interface GhesPrintState {
  cache: ({ spa: number; timeIn: number; count: number } | null)[];
  rs: { begin: number | null; printed: number; missed: number };
  seqno: number;
}
const printState = new WeakMap<Kernel, GhesPrintState>();

/**
 * ghes_proc_in_irq's printing: a record identical to one printed less than
 * 10 s ago is not printed at all (ghes_estatus_cached; the lab's records are
 * identical exactly when their addresses are); otherwise ghes_print_estatus
 * prints it unless its ratelimit (2 uncorrected records per 5 s) says no,
 * and a printed record enters the cache (ghes_estatus_cache_add). The
 * ratelimit's "callbacks suppressed" line comes with the first call after
 * its interval. No span: these functions are not in the symbol table. The
 * cache's allocation limit (GHES_ESTATUS_CACHE_ALLOCED_MAX) is not modelled.
 */
function ghesPrintEstatusOnce(k: Kernel, spa: number): void {
  let st = printState.get(k);
  if (!st) {
    st = { cache: new Array<null>(CACHES_SIZE).fill(null), rs: { begin: null, printed: 0, missed: 0 }, seqno: 0 };
    printState.set(k, st);
  }
  const now = k.tr.now;
  // ghes_estatus_cached
  const hit = st.cache.find((c) => c !== null && c.spa === spa);
  if (hit) {
    hit.count++;
    if (now - hit.timeIn < CACHE_MAX_NS) return;
  }
  // ghes_print_estatus → ___ratelimit(ratelimit_uncorrected, "ghes_print_estatus")
  const rs = st.rs;
  if (rs.begin === null) rs.begin = now;
  if (now > rs.begin + PRINT_INTERVAL_NS) {
    if (rs.missed) {
      k.log(`ghes_print_estatus: ${rs.missed} callbacks suppressed`);
      rs.missed = 0;
    }
    rs.begin = now;
    rs.printed = 0;
  }
  if (rs.printed >= PRINT_BURST) {
    rs.missed++;
    return;
  }
  rs.printed++;
  ghesPrintEstatus(k, ++st.seqno, spa);
  // ghes_estatus_cache_add: an empty or expired slot, else the one whose
  // entry was hit least often per unit of time
  let slot = -1;
  let maxPeriod = 0;
  for (let i = 0; i < CACHES_SIZE; i++) {
    const c = st.cache[i]!;
    if (c === null || now - c.timeIn >= CACHE_MAX_NS) {
      slot = i;
      break;
    }
    const period = Math.floor((now - c.timeIn) / (c.count + 1));
    if (period > maxPeriod) {
      maxPeriod = period;
      slot = i;
    }
  }
  if (slot >= 0) st.cache[slot] = { spa, timeIn: now, count: 0 };
}

/**
 * __ghes_print_estatus with pfx NULL (KERN_ERR for an uncorrected record)
 * and cper_estatus_print: the source line, the record's severity, then per
 * section its number and severity and, one space further in, the section
 * type and the memory error's valid fields (here the physical address).
 */
function ghesPrintEstatus(k: Kernel, seqno: number, spa: number): void {
  const pfx = `{${seqno}}[Hardware Error]: `;
  k.log(`${pfx}Hardware error from APEI Generic Hardware Error Source: ${GHES_SOURCE_ID}`);
  k.log(`${pfx}event severity: recoverable`);
  k.log(`${pfx} Error 0, type: recoverable`);
  k.log(`${pfx}  section_type: memory error`);
  k.log(`${pfx}  physical_address: 0x${spa.toString(16).padStart(16, '0')}`);
}
