// arch/x86/kernel/cpu/mce/core.c: a machine check raised by a load of a
// poisoned cacheline, and what it leads to. A user-mode consumer gets
// kill_me_maybe (or kill_me_now) as task work on its way back to user space;
// a recoverable kernel copy (copy_mc_*) is fixed up and reports a short copy;
// a copy from user memory (MCE_IN_KERNEL_COPYIN) is fixed up too and queues
// kill_me_never. Either way the record goes down the decode chain, where
// uc_decode_notifier handles action-optional and deferred errors and the
// NFIT notifier turns the error into badblocks.

import { KernelPanic, MF, type Kernel } from '../kernel';
import { EHWPOISON, EOPNOTSUPP, retName } from '../errno';
import { alignDown, hex, PAGE_SIZE } from '../units';
import { memoryFailure } from '../mm/memory-failure';
import { nfitHandleMce } from '../platform/acpi-nfit';
import type { Task } from '../mm/types';
import { sinceVersion } from '../version';

/** mce->severity values the lab raises (arch/x86/kernel/cpu/mce/internal.h) */
export type MceSeverity = 'MCE_AR_SEVERITY' | 'MCE_AO_SEVERITY' | 'MCE_DEFERRED_SEVERITY';

/** the error granule of the region holding spa: 1 << MCI_MISC_ADDR_LSB */
function errorGranule(k: Kernel, spa: number): number {
  const region = k.platform.regionOf(spa);
  return region ? region.spec.errorGranularity : 64;
}

/** m->addr as the handler sees it: masked to the error's granularity (MCI_MISC_ADDR_LSB) */
function mceAddr(k: Kernel, spa: number): number {
  return alignDown(spa, errorGranule(k, spa));
}

/**
 * mce_usable_address → intel_mce_usable_address: the address is valid, in
 * physical mode, and its granularity (MCI_MISC_ADDR_LSB) is at most
 * PAGE_SHIFT. A coarser error cannot name one page. Quiet: the callers'
 * spans carry its answer.
 */
export function mceUsableAddress(k: Kernel, addr: number): boolean {
  return errorGranule(k, addr) <= PAGE_SIZE;
}

/**
 * The MCE decode chain (mce_gen_pool_process → x86_mce_decoder_chain), by
 * notifier priority: uc_decode_notifier (MCE_PRIO_UC) before nfit_handle_mce
 * (MCE_PRIO_NFIT). It runs in a kworker: no task is current.
 */
function mceDecodeChain(k: Kernel, addr: number, severity: MceSeverity): void {
  const saved = k.current;
  k.current = null;
  try {
    k.tr.call('mce', 'mce_gen_pool_process', { addr: hex(addr), severity }, () => {
      ucDecodeNotifier(k, addr, severity);
      nfitHandleMce(k, addr, mceUsableAddress(k, addr));
    });
  } finally {
    k.current = saved;
  }
}

/**
 * uc_decode_notifier: an action-optional or deferred error (a patrol scrub,
 * a cache writeback, an AMD deferred error) at a usable address goes to
 * memory_failure(pfn, 0); on success the page leaves the direct map. An
 * action-required error is left to the task work.
 */
function ucDecodeNotifier(k: Kernel, addr: number, severity: MceSeverity): void {
  const usable = mceUsableAddress(k, addr);
  k.tr.call('mce', 'uc_decode_notifier', { addr: hex(addr), severity, usable }, () => {
    if (!usable) return 'NOTIFY_DONE';
    if (severity !== 'MCE_AO_SEVERITY' && severity !== 'MCE_DEFERRED_SEVERITY') return 'NOTIFY_DONE';
    const pfn = Math.floor(addr / PAGE_SIZE);
    if (!memoryFailure(k, pfn, 0)) setMceNospec(k, pfn);
    return 'NOTIFY_OK';
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

type TaskWorkFunc = 'kill_me_now' | 'kill_me_maybe' | 'kill_me_never';

/** task_struct's machine-check fields: mce_count, mce_addr, mce_ripv, mce_kill_me.func */
interface MceTaskWork {
  count: number;
  addr: number;
  func: TaskWorkFunc;
}
const taskWork = new WeakMap<Task, MceTaskWork>();

/** what mce_severity() said, as mce_panic prints it ("Machine check: %s") */
const SEVERITY_MSG = {
  user: 'Action required: data load error in a user process',
  kernel: 'Action required: data load in error recoverable area of kernel',
} as const;

/**
 * mce_panic(msg, final, exp): the record's register dump (left out, as the
 * oracle leaves it out), the severity's message, then panic(msg).
 */
function mcePanic(k: Kernel, msg: string, exp: string): never {
  k.tr.call('mce', 'mce_panic', { msg, exp }, () => {
    k.log(`mce: [Hardware Error]: Machine check: ${exp}`);
    k.log(`Kernel panic - not syncing: ${msg}`);
  });
  throw new KernelPanic(msg);
}

/**
 * queue_task_work(m, msg, func) in the machine-check handler: the first
 * machine check before the task returns to user space saves the address and
 * the function and adds the task work; later ones only count. More than ten,
 * or a second one in another page, is mce_panic().
 */
function queueTaskWork(k: Kernel, task: Task, addr: number, func: TaskWorkFunc, exp: string): void {
  k.tr.call('mce', 'queue_task_work', { func, pid: task.pid }, () => {
    let w = taskWork.get(task);
    if (!w) {
      w = { count: 0, addr, func };
      taskWork.set(task, w);
    }
    const count = ++w.count;
    if (count > 10) mcePanic(k, 'Too many consecutive machine checks while accessing user data', exp);
    if (count > 1 && Math.floor(w.addr / PAGE_SIZE) !== Math.floor(addr / PAGE_SIZE)) mcePanic(k, 'Consecutive machine checks to different user pages', exp);
    return count;
  });
}

/**
 * The task work queued by the machine-check handler runs once, in the
 * task's context, on its way back to user space (task_work_run from
 * exit_to_user_mode): kill_me_maybe, kill_me_now or kill_me_never, each of
 * which resets mce_count.
 */
export function mceTaskWorkRun(k: Kernel, task: Task): void {
  const w = taskWork.get(task);
  if (!w) return;
  taskWork.delete(task);
  const saved = k.current;
  k.current = task;
  try {
    if (w.func === 'kill_me_maybe') killMeMaybe(k, task, w.addr);
    else if (w.func === 'kill_me_never') killMeNever(k, task, w.addr);
    else killMeNow(k, task, 'the machine check\'s address is not usable (mce_usable_address(): MCI_MISC_ADDR_LSB above PAGE_SHIFT, so no single page is named), so do_machine_check() queued kill_me_now(), which sent the consumer a plain SIGBUS');
  } finally {
    k.current = saved;
  }
}

/**
 * do_machine_check for an action-required error in user mode: task work
 * kill_me_maybe, or kill_me_now when the address is not usable; the task
 * work runs on the way back to user space, then the decode chain.
 */
export function machineCheckUser(k: Kernel, task: Task, spa: number): void {
  const addr = mceAddr(k, spa);
  const usable = mceUsableAddress(k, addr);
  const args: Record<string, string | number | boolean> = { addr: hex(addr), mode: 'user', severity: 'MCE_AR_SEVERITY', comm: task.kcomm };
  if (!usable) args.usable = false;
  // 6.1's do_machine_check queues kill_me_maybe whatever mce_usable_address()
  // says (kill_me_now only without RIPV); the check before queue_task_work came later
  // x86/MCE: Check a hw error's address to determine proper recovery action (e40879b6d7d8): 6.5
  const killNow = !usable && sinceVersion(k.cfg, '6.5');
  k.tr.call('mce', 'do_machine_check', args, () => {
    queueTaskWork(k, task, addr, killNow ? 'kill_me_now' : 'kill_me_maybe', SEVERITY_MSG.user);
  });
  // the irq work queued by mce_log usually runs before the task work on the way back to user space
  mceNotifyIrq(k);
  mceTaskWorkRun(k, task);
  mceDecodeChain(k, addr, 'MCE_AR_SEVERITY');
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
    killMeNow(k, task, `memory_failure() failed (${retName(ret)}), so kill_me_maybe() logged "Memory error not recovered" and kill_me_now() sent the consumer a plain SIGBUS`);
    return ret;
  });
}

/** kill_me_now: force_sig(SIGBUS), si_code SI_KERNEL, no address */
function killMeNow(k: Kernel, task: Task, why: string): void {
  k.tr.call('mce', 'kill_me_now', { pid: task.pid }, () => {
    k.tr.call('process', 'force_sig', { sig: 'SIGBUS', pid: task.pid }, () => k.queueSignalAs(task, { signo: 'SIGBUS', code: 'SI_KERNEL' }, 'kill_me_now', why));
  });
}

/**
 * kill_me_never(cb): the kernel consumed poison in user memory (a copy from
 * user space); the task is not signalled for it, but the page goes through
 * memory_failure(pfn, 0) like any other uncorrected error, and whatever the
 * owner's handler does to the task that maps it still happens.
 */
function killMeNever(k: Kernel, task: Task, addr: number): void {
  k.tr.call('mce', 'kill_me_never', { pid: task.pid, mce_addr: hex(addr) }, () => {
    k.log(`mce: Kernel accessed poison in user space at ${addr.toString(16)}`);
    const pfn = Math.floor(addr / PAGE_SIZE);
    const ret = memoryFailure(k, pfn, 0);
    if (!ret) setMceNospec(k, pfn);
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
  mceDecodeChain(k, addr, 'MCE_AR_SEVERITY');
}

/**
 * do_machine_check for a poison consumed by a copy from user memory
 * (error_context: is_copy_from_user, so MCE_IN_KERNEL_COPYIN as well as
 * MCE_IN_KERNEL_RECOV): the exception fixup makes the copy short, and
 * kill_me_never is queued as task work for the task whose memory it was.
 * The task work runs when the system call returns (mceTaskWorkRun).
 */
export function machineCheckCopyin(k: Kernel, task: Task, spa: number): void {
  const addr = mceAddr(k, spa);
  k.tr.call('mce', 'do_machine_check', { addr: hex(addr), mode: 'kernel', severity: 'MCE_AR_SEVERITY', kflags: 'MCE_IN_KERNEL_COPYIN|MCE_IN_KERNEL_RECOV', comm: task.kcomm }, () => {
    k.tr.call('mce', 'fixup_exception', { trap: 'X86_TRAP_MC' }, () => 1);
    queueTaskWork(k, task, addr, 'kill_me_never', SEVERITY_MSG.kernel);
  });
  mceNotifyIrq(k);
  mceDecodeChain(k, addr, 'MCE_AR_SEVERITY');
}

/**
 * An uncorrected error the memory controller's patrol scrubber found, not
 * consumed by anyone. Action optional (Intel SRAO, MCACOD 0xC0, S=1): a
 * machine check whose severity needs no action in the interrupted context
 * (do_machine_check queues no task work). Deferred (an AMD deferred error,
 * or an Intel UCNA, which mce_severity() ranks the same): found by
 * machine_check_poll from the threshold or CMCI interrupt. Either way
 * mce_log() sends the record down the decode chain, where
 * uc_decode_notifier hands the page to memory_failure(pfn, 0).
 */
export function machineCheckScrub(k: Kernel, spa: number, severity: 'MCE_AO_SEVERITY' | 'MCE_DEFERRED_SEVERITY'): void {
  const addr = mceAddr(k, spa);
  if (severity === 'MCE_AO_SEVERITY') k.tr.call('mce', 'do_machine_check', { addr: hex(addr), severity, msg: 'Action optional: memory scrubbing error' }, () => undefined);
  else k.tr.call('mce', 'machine_check_poll', { addr: hex(addr), severity }, () => undefined);
  mceNotifyIrq(k);
  mceDecodeChain(k, addr, severity);
}
