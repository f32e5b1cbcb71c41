// drivers/acpi/apei/ghes.c: firmware-first reporting. The firmware posts a
// CPER memory-error record; GHES queues the pfn for memory_failure() and
// never touches NVDIMM badblocks. On x86 the notification is asynchronous:
// memory_failure() runs in a kworker, where no user task is current. A
// synchronous notification (ARM SEA) kicks the queue from task work in the
// consumer's context.

import { MF, type Kernel } from '../kernel';
import { hex, PAGE_SIZE } from '../units';
import { memoryFailureQueue, memoryFailureWorkFunc } from '../mm/memory-failure';
import type { Task } from '../mm/types';

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
        k.log(`{1}[Hardware Error]: GHES: ${consumer.kcomm}:${consumer.pid}: synchronous unrecoverable error (SIGBUS)`);
        k.tr.call('process', 'force_sig', { sig: 'SIGBUS', pid: consumer.pid }, () =>
          k.queueSignalAs(consumer, { signo: 'SIGBUS', code: 'SI_KERNEL' }, 'ghes_do_proc', 'A synchronous GHES error that could not be queued for memory_failure(): ghes_do_proc() sent the consumer a plain SIGBUS'),
        );
      }
      return queued;
    });
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
