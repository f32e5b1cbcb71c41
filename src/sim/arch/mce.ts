// arch/x86/kernel/cpu/mce/core.c: a machine check raised by a load of a
// poisoned cacheline, and what it leads to. A user-mode consumer gets
// kill_me_maybe as task work on its way back to user space; a recoverable
// kernel copy (copy_mc_*) is fixed up and reports a short copy. Either way
// the record goes down the decode chain, where the NFIT notifier turns it
// into badblocks.

import { MF, type Kernel } from '../kernel';
import { EHWPOISON, EOPNOTSUPP, retName } from '../errno';
import { alignDown, hex, PAGE_SIZE } from '../units';
import { memoryFailure } from '../mm/memory-failure';
import { nfitHandleMce } from '../platform/acpi-nfit';
import type { Task } from '../mm/types';

/** m->addr as the handler sees it: masked to the error's granularity (MCI_MISC_ADDR_LSB) */
function mceAddr(k: Kernel, spa: number): number {
  const region = k.platform.regionOf(spa);
  return region ? alignDown(spa, region.spec.errorGranularity) : alignDown(spa, 64);
}

/** the MCE decode chain (mce_gen_pool_process → x86_mce_decoder_chain) */
function mceDecodeChain(k: Kernel, addr: number): void {
  k.tr.call('mce', 'mce_gen_pool_process', { addr: hex(addr) }, () => {
    nfitHandleMce(k, addr);
  });
}

/** set_mce_nospec(pfn): take the page out of the kernel's direct map */
export function setMceNospec(k: Kernel, pfn: number): void {
  k.tr.call('mm', 'set_mce_nospec', { pfn: hex(pfn) }, () => k.nospec.add(pfn, pfn + 1));
}

/** the times (ns) of the last mce_notify_irq lines, per kernel: its ratelimit state */
const notified = new WeakMap<Kernel, number[]>();
const NOTIFY_INTERVAL_NS = 60e9;
const NOTIFY_BURST = 2;

/**
 * mce_notify_irq(), from the irq work do_machine_check queues after logging
 * the record: wakes the mcelog readers and prints "Machine check events
 * logged", at most twice a minute (DEFINE_RATELIMIT_STATE(60 * HZ, 2)).
 * No span: the function is not in the symbol table.
 */
function mceNotifyIrq(k: Kernel): void {
  const now = k.tr.now;
  const recent = (notified.get(k) ?? []).filter((t) => now - t < NOTIFY_INTERVAL_NS);
  if (recent.length >= NOTIFY_BURST) {
    notified.set(k, recent);
    return;
  }
  recent.push(now);
  notified.set(k, recent);
  k.log('mce: [Hardware Error]: Machine check events logged');
}

/**
 * do_machine_check for an action-required error in user mode, then the task
 * work kill_me_maybe in the consumer's context, then the decode chain.
 */
export function machineCheckUser(k: Kernel, task: Task, spa: number): void {
  const addr = mceAddr(k, spa);
  k.tr.call('mce', 'do_machine_check', { addr: hex(addr), mode: 'user', severity: 'MCE_AR_SEVERITY', comm: task.kcomm }, () => {
    k.tr.call('mce', 'queue_task_work', { func: 'kill_me_maybe' }, () => 0);
  });
  // the irq work queued by mce_log usually runs before the task work on the way back to user space
  mceNotifyIrq(k);
  const saved = k.current;
  k.current = task;
  try {
    killMeMaybe(k, task, addr);
  } finally {
    k.current = saved;
  }
  mceDecodeChain(k, addr);
}

/**
 * kill_me_maybe(cb): memory_failure(pfn, MF_ACTION_REQUIRED); on success the
 * page leaves the direct map; -EHWPOISON and -EOPNOTSUPP need nothing more;
 * any other failure is "not recovered" and a plain SIGBUS (kill_me_now).
 */
function killMeMaybe(k: Kernel, task: Task, addr: number): void {
  k.tr.call('mce', 'kill_me_maybe', { pid: task.pid, mce_addr: hex(addr) }, () => {
    k.log(`mce: Uncorrected hardware memory error in user-access at ${addr.toString(16)}`);
    const flags = MF.ACTION_REQUIRED; // RIPV is set for a user-mode load: no MF_MUST_KILL
    const pfn = Math.floor(addr / PAGE_SIZE);
    const ret = memoryFailure(k, pfn, flags);
    if (!ret) {
      setMceNospec(k, pfn);
      return 0;
    }
    if (ret === -EHWPOISON || ret === -EOPNOTSUPP) return ret;
    // pr_err without a newline: the record stays open until the next printk
    k.logUnterminated('mce: Memory error not recovered');
    k.tr.call('mce', 'kill_me_now', { pid: task.pid }, () => {
      k.tr.call('process', 'force_sig', { sig: 'SIGBUS', pid: task.pid }, () =>
        k.queueSignalAs(task, { signo: 'SIGBUS', code: 'SI_KERNEL' }, 'kill_me_now', `memory_failure() failed (${retName(ret)}), so kill_me_maybe() logged "Memory error not recovered" and kill_me_now() sent the consumer a plain SIGBUS`),
      );
    });
    return ret;
  });
}

/**
 * do_machine_check for a poison consumed by a machine-check-safe kernel
 * copy (MCE_IN_KERNEL_RECOV): the exception fixup makes the copy short; no
 * memory_failure() is queued; the decode chain still runs.
 */
export function machineCheckKernelCopy(k: Kernel, spa: number): void {
  const addr = mceAddr(k, spa);
  if (k.cfg.reporting === 'firmware-first') return;
  k.tr.call('mce', 'do_machine_check', { addr: hex(addr), mode: 'kernel', severity: 'MCE_AR_SEVERITY', kflags: 'MCE_IN_KERNEL_RECOV' }, () => {
    k.tr.call('mce', 'fixup_exception', { trap: 'X86_TRAP_MC' }, () => 1);
  });
  mceNotifyIrq(k);
  mceDecodeChain(k, addr);
}
