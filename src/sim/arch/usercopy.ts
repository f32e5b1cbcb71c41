// arch/x86/lib: copy_user_flushcache, the copy a DAX write makes from the
// caller's buffer into persistent memory (dax_copy_from_iter →
// _copy_from_iter_flushcache), and the two ways one of its loads from user
// memory fails: a page fault the fault handler cannot satisfy, fixed up in
// kernel mode (do_sigbus → kernelmode_fixup_or_oops → fixup_exception), or a
// machine check on poisoned memory behind a present page (MCE_IN_KERNEL_COPYIN).

import type { Kernel } from '../kernel';
import { seriesSymbol } from '../../kernel/releases';
import { kernelVersion } from '../version';
import { CACHELINE, PAGE_SIZE, alignDown, hex } from '../units';
import type { Task } from '../mm/types';
import { handleMmFault } from '../mm/fault';
import { machineCheckCopyin } from './mce';
import { ghesMemoryError } from '../acpi/ghes';

/** a user buffer: the task whose memory it is and its address */
export interface UserBuf {
  task: Task;
  addr: number;
}

/** one load instruction of n bytes at a; false when it raised an exception that was fixed up */
type Load = (a: number, n: number) => boolean;

/**
 * copy_to_nontemporal(dst, src, size) (copy_user_uncached_64.S): bytes not
 * copied. The destination's head is aligned to 8 bytes with 1-, 2- and
 * 4-byte moves (a failure there ends the copy); then 64-byte blocks, each
 * two runs of four 8-byte loads (a failing first run retries the block 8
 * bytes at a time; a failing second run keeps the 32 bytes already stored
 * and does the same); the 8-byte loop ends with one 4-byte try at the first
 * failing quadword; the 4-, 2- and 1-byte tail stops at its first failure.
 * Every failing load is one exception: one page fault, or one machine check.
 */
export function copyToNontemporal(dst: number, src: number, size: number, load: Load): number {
  let rem = size;
  const step = (n: number): void => {
    src += n;
    dst += n;
    rem -= n;
  };
  /** .Llong / .Lword / .Lbyte: the tail, entered at one of the three */
  const tail = (from: 'long' | 'word' | 'byte'): number => {
    if (from === 'long' && rem & 4) {
      if (!load(src, 4)) return rem;
      step(4);
    }
    if (from !== 'byte' && rem & 2) {
      if (!load(src, 2)) return rem;
      step(2);
    }
    if (rem & 1) {
      if (!load(src, 1)) return rem;
      step(1);
    }
    return rem;
  };
  /** .Lquadwords, and .Llast4 for a failing quadword */
  const quadwords = (): number => {
    while (rem >= 8) {
      if (!load(src, 8)) return load(src, 4) ? rem - 4 : rem;
      step(8);
    }
    return tail('long');
  };
  // .Lalign: the destination is not 8-byte aligned
  if (dst & 1) {
    if (!rem) return 0;
    if (!load(src, 1)) return rem;
    step(1);
  }
  if (dst & 2) {
    if (rem < 2) return tail('byte');
    if (!load(src, 2)) return rem;
    step(2);
  }
  if (dst & 4) {
    if (rem < 4) return tail('word');
    if (!load(src, 4)) return rem;
    step(4);
  }
  // .Lis_aligned / .Lunrolled
  while (rem >= 64) {
    for (let i = 0; i < 4; i++) if (!load(src + 8 * i, 8)) return quadwords();
    for (let i = 4; i < 8; i++)
      if (!load(src + 8 * i, 8)) {
        step(32); // .Lfixup32: the first half was stored
        return quadwords();
      }
    step(64);
  }
  return quadwords();
}

/**
 * One load from user memory by a kernel copy in a task's system call. A
 * page that is not present is faulted in (kernel mode); a fault the handler
 * refuses goes through do_sigbus in kernel mode, which sends nothing and
 * fixes the copy up. A present page of device memory whose media is bad in
 * the loaded cacheline raises a machine check (MCE_IN_KERNEL_COPYIN).
 */
export function userLoad(k: Kernel, task: Task, a: number, n: number): boolean {
  for (let p = alignDown(a, PAGE_SIZE); p < a + n; p += PAGE_SIZE) {
    const at = Math.max(a, p);
    const vma = task.mm!.findVma(at);
    if (!vma) return kernelFixup(k, task, at, 'no vma');
    const vpn = Math.floor(at / PAGE_SIZE);
    if (!vma.ptes.get(vpn)) {
      const r = k.tr.call('mm', 'do_user_addr_fault', { addr: hex(at), write: false, pid: task.pid, mode: 'kernel' }, () => handleMmFault(k, vma, at, false), (r) => r.fault);
      if (r.fault !== 'VM_FAULT_NOPAGE') return kernelFixup(k, task, at, r.fault);
    }
    const pte = vma.ptes.get(vpn)!;
    if (pte.pfn < 0) continue;
    const spa = pte.pfn * PAGE_SIZE + (at % PAGE_SIZE);
    const spaEnd = spa + Math.min(a + n, p + PAGE_SIZE) - at;
    const bad = k.platform.media.firstIn(alignDown(spa, CACHELINE), spaEnd);
    if (bad) {
      const where = Math.max(bad[0], alignDown(spa, CACHELINE));
      machineCheckCopyin(k, task, where);
      // firmware-first: the firmware posts its record of the error as well (see userAccess)
      if (k.cfg.reporting === 'firmware-first') ghesMemoryError(k, where, false, null);
      return false;
    }
  }
  return true;
}

/** do_sigbus in kernel mode: kernelmode_fixup_or_oops finds the copy's fixup; no signal */
function kernelFixup(k: Kernel, task: Task, addr: number, fault: string): false {
  k.tr.call('process', 'do_sigbus', { addr: hex(addr), fault, pid: task.pid, mode: 'kernel' }, () =>
    k.tr.call('mm', 'kernelmode_fixup_or_oops', { addr: hex(addr), sig: 'SIGBUS', code: 'BUS_ADRERR' }, () => k.tr.call('mce', 'fixup_exception', { trap: 'X86_TRAP_PF' }, () => 1)),
  );
  return false;
}

/**
 * copy_user_flushcache(dst, src, size) for a DAX write: the bytes copied
 * from the user buffer into pmem at kernel address offset dstOff (only its
 * alignment matters). 6.1.192 calls it __copy_user_flushcache (the rename,
 * mainline 809b997a5ce9 after 7.0, reached 6.12.y as a stable backport):
 * the span carries the modelled release's name.
 */
export function copyUserFlushcache(k: Kernel, buf: UserBuf, srcAddr: number, dstOff: number, size: number): number {
  return k.tr.call('mm', seriesSymbol(kernelVersion(k.cfg), 'copy_user_flushcache'), { src: hex(srcAddr), size, pid: buf.task.pid }, () => size - copyToNontemporal(dstOff, srcAddr, size, (a, n) => userLoad(k, buf.task, a, n)));
}
