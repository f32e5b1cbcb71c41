// A user task touching memory through a mapping: the page fault path
// (handle_mm_fault → the filesystem's DAX fault or filemap_fault), the
// arch's do_sigbus for a fault that failed, and the consumption of poison by
// a load, which raises a machine check (and, firmware-first, a GHES report too).

import type { Kernel } from '../kernel';
import { hex, PAGE_SIZE, PAGE_SHIFT, CACHELINE, alignDown } from '../units';
import type { Task, Vma } from './types';
import { daxIomapFault, type FaultResult } from '../fs/dax';
import { machineCheckUser } from '../arch/mce';
import { ghesMemoryError } from '../acpi/ghes';
import type { SuperBlock } from '../fs/vfs';
import { devDaxHugeFault } from '../dax/device';

export interface AccessResult {
  /** 0 when every byte was touched; -EFAULT-like when the access was abandoned */
  ret: number;
  errno?: string;
}

/** the filesystem a vma's file lives on */
export function sbOfVma(k: Kernel, vma: Vma): SuperBlock | undefined {
  const host = vma.mapping.host;
  if (!host) return undefined;
  return k.superblocks.find((sb) => sb.files.get(host.path) === host);
}

/**
 * handle_mm_fault for a file mapping: a DAX file goes to the filesystem's
 * DAX fault handler; otherwise filemap_fault fills the page cache from the
 * device (a read error there is VM_FAULT_SIGBUS) and maps that RAM page.
 */
export function handleMmFault(k: Kernel, vma: Vma, addr: number, write: boolean): FaultResult {
  return k.tr.call(
    'mm',
    'handle_mm_fault',
    { addr: hex(addr), write, vma: vma.id },
    () => {
      const dd = k.devdaxByMapping.get(vma.mapping);
      if (dd) return devDaxHugeFault(k, dd, vma, addr, write);
      const sb = sbOfVma(k, vma);
      if (!sb) return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
      if (sb.isShutdown() && !sb.dax) return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
      if (sb.dax) {
        if (!sb.daxDev || !sb.daxDev.alive || sb.isShutdown()) {
          // the filesystem's iomap refuses (-EIO) once it is shut down or its device gone
          return k.tr.call('fsdax', 'dax_iomap_pte_fault', { addr: hex(addr), write }, () => ({ fault: 'VM_FAULT_SIGBUS' }) as FaultResult, (r) => r.fault);
        }
        return daxIomapFault(k, sb, vma, addr, write);
      }
      return filemapFault(k, sb, vma, addr);
    },
    (r) => r.fault,
  );
}

/** filemap_fault: the page comes from the page cache, read in through the block layer once */
function filemapFault(k: Kernel, sb: SuperBlock, vma: Vma, addr: number): FaultResult {
  const vaddr = alignDown(addr, PAGE_SIZE);
  const index = vma.pgoff + (vaddr - vma.start) / PAGE_SIZE;
  return k.tr.call(
    'mm',
    'filemap_fault',
    { index: hex(index) },
    () => {
      const inode = vma.mapping.host!;
      if (index * PAGE_SIZE >= Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE) return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
      if (!vma.mapping.pagecache.has(index)) {
        const iomap = sb.iomapRead(k, inode, index * PAGE_SIZE, PAGE_SIZE);
        if (typeof iomap === 'number') return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
        if (iomap.type === 'IOMAP_MAPPED') {
          const off = iomap.addr + (index * PAGE_SIZE - iomap.offset);
          const rc = sb.bdev.submit(k, 'READ', off / 512, PAGE_SIZE);
          if (rc < 0) return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
        }
        vma.mapping.pagecache.add(index, index + 1);
      }
      // a RAM page of the page cache: not device memory
      vma.ptes.set(vaddr / PAGE_SIZE, vaddr / PAGE_SIZE + 1, { pfn: -1, shift: PAGE_SHIFT, writable: vma.prot === 'rw' });
      return { fault: 'VM_FAULT_NOPAGE' } as FaultResult;
    },
    (r) => r.fault,
  );
}

/**
 * do_sigbus (arch/x86/mm/fault.c): VM_FAULT_HWPOISON is an action-required
 * memory error at the faulting address with lsb PAGE_SHIFT; any other
 * VM_FAULT_SIGBUS is BUS_ADRERR.
 */
function doSigbus(k: Kernel, task: Task, addr: number, fault: string): void {
  k.tr.call('process', 'do_sigbus', { addr: hex(addr), fault, pid: task.pid }, () => {
    if (fault === 'VM_FAULT_HWPOISON') {
      k.log(`MCE: Killing ${task.kcomm}:${task.pid} due to hardware memory corruption fault at ${addr.toString(16)}`);
      k.tr.call('process', 'force_sig_mceerr', { code: 'BUS_MCEERR_AR', addr: hex(addr), lsb: PAGE_SHIFT, pid: task.pid }, () =>
        k.queueSignalAs(
          task,
          { signo: 'SIGBUS', code: 'BUS_MCEERR_AR', addr, lsb: PAGE_SHIFT },
          'do_sigbus',
          `Its own fault hit a page known to be bad: the DAX fault returned VM_FAULT_HWPOISON and do_sigbus() sent BUS_MCEERR_AR at ${hex(addr)} with si_addr_lsb ${PAGE_SHIFT}`,
        ),
      );
    } else {
      k.tr.call('process', 'force_sig_fault', { sig: 'SIGBUS', code: 'BUS_ADRERR', addr: hex(addr), pid: task.pid }, () =>
        k.queueSignalAs(
          task,
          { signo: 'SIGBUS', code: 'BUS_ADRERR', addr, lsb: 0 },
          'do_sigbus',
          `Its own fault failed (${fault}: the filesystem or device refused the page), and do_sigbus() sent SIGBUS BUS_ADRERR at ${hex(addr)}`,
        ),
      );
    }
  });
}

/**
 * Fault the page at addr in if it is not present (or not writable for a
 * store). Returns false when the fault failed and the task was signalled.
 */
export function faultIn(k: Kernel, task: Task, vma: Vma, addr: number, write: boolean, signal = true): boolean {
  const vpn = Math.floor(addr / PAGE_SIZE);
  const pte = vma.ptes.get(vpn);
  if (pte && (!write || pte.writable)) return true;
  const r = k.tr.call('mm', 'do_user_addr_fault', { addr: hex(addr), write, pid: task.pid }, () => handleMmFault(k, vma, addr, write), (r) => r.fault);
  if (r.fault === 'VM_FAULT_NOPAGE') return true;
  if (signal) doSigbus(k, task, addr, r.fault);
  return false;
}

/**
 * A load or store of [addr, addr+len) by a task. Each page is faulted in if
 * needed; a load that reaches a poisoned cacheline of device memory is
 * consumed poison: a machine check (and a firmware-first report). Stores do not
 * consume poison (they neither read the line nor clear its error).
 */
export function userAccess(k: Kernel, task: Task, addr: number, len: number, write: boolean): AccessResult {
  const saved = k.current;
  k.current = task;
  try {
    let a = addr;
    const end = addr + len;
    while (a < end) {
      const vma = task.mm!.findVma(a)!;
      const pageEnd = Math.min(end, alignDown(a, PAGE_SIZE) + PAGE_SIZE);
      if (!faultIn(k, task, vma, a, write)) return { ret: -14, errno: 'EFAULT' };
      const pte = vma.ptes.get(Math.floor(a / PAGE_SIZE))!;
      if (!write && pte.pfn >= 0) {
        const spa = pte.pfn * PAGE_SIZE + (a % PAGE_SIZE);
        const spaEnd = spa + (pageEnd - a);
        const bad = k.platform.media.firstIn(alignDown(spa, CACHELINE), spaEnd);
        if (bad) {
          const at = Math.max(bad[0], alignDown(spa, CACHELINE));
          // The load cannot complete: on x86 a consumed uncorrected error is a
          // synchronous machine check whatever the reporting mode (firmware
          // first takes the corrected errors; "Uncorrected/recoverable errors
          // are still notified through a machine check", mce/core.c), so the
          // consumer gets kill_me_maybe's BUS_MCEERR_AR. Under firmware-first
          // the firmware also posts its GHES record of the error, whose
          // memory_failure() runs later in a kworker.
          machineCheckUser(k, task, at);
          if (k.cfg.reporting === 'firmware-first') ghesMemoryError(k, at, false, null);
          return { ret: -14, errno: 'EFAULT' };
        }
      }
      a = pageEnd;
    }
    return { ret: 0 };
  } finally {
    k.current = saved;
  }
}
