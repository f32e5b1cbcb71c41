// drivers/dax/device.c and bus.c: device-dax (/dev/daxX.Y). The namespace's
// data area is one character device mapped in whole aligned extents (4 KiB,
// 2 MiB or 1 GiB); its pages are compound pages of that size in a
// MEMORY_DEVICE_GENERIC pagemap with no memory_failure op, so every poison
// takes the generic page->mapping path on the device inode. There is no
// read/write path: poison is only cleared with ND_CMD_CLEAR_ERROR.

import type { Kernel } from '../kernel';
import { DaxDevice, killDax, type DaxOperations } from './super';
import { DevPagemap } from '../mm/memremap';
import { AddressSpace, type Inode, type Vma } from '../mm/types';
import type { NdRegion } from '../platform/acpi-nfit';
import type { NamespaceSpec } from '../scenario/types';
import { hex, PAGE_SIZE, PMD_SIZE, PUD_SIZE } from '../units';
import { ENXIO, EOPNOTSUPP } from '../errno';
import { zapFileRange } from '../mm/memory-failure';
import type { FaultResult } from '../fs/dax';

const devDaxOps: DaxOperations = {
  // device-dax is not a filesystem target: nobody calls direct_access on it here
  direct_access: () => ({ ret: -EOPNOTSUPP, pfn: -1 }),
  zero_page_range: () => -EOPNOTSUPP,
};

export class DevDax {
  readonly dax: DaxDevice;
  readonly pgmap: DevPagemap;
  /** the character device's inode and its i_mapping */
  readonly inode: Inode;

  constructor(
    readonly spec: NamespaceSpec,
    readonly region: NdRegion,
    mappingId: number,
  ) {
    this.dax = new DaxDevice(spec.device, devDaxOps, this, true);
    const phys = region.spec.spa + spec.offset;
    this.pgmap = new DevPagemap('MEMORY_DEVICE_GENERIC', phys / PAGE_SIZE, (phys + spec.size) / PAGE_SIZE, (phys + spec.dataOffset) / PAGE_SIZE, {}, this, spec.align);
    const mapping = new AddressSpace(mappingId, null, true);
    this.inode = { ino: 0, path: `/dev/${spec.device}`, size: spec.size - spec.dataOffset, mapping, chr: true };
    mapping.host = this.inode;
  }

  get name(): string {
    return this.spec.device;
  }
  get dataStart(): number {
    return this.region.spec.spa + this.spec.offset + this.spec.dataOffset;
  }
  get size(): number {
    return this.inode.size;
  }
  get align(): number {
    return this.spec.align;
  }
}

/**
 * dev_dax_huge_fault → __dev_dax_{pte,pmd,pud}_fault: the fault size is the
 * device alignment; the whole aligned extent is mapped at once and its pages
 * record the device inode and their index (dax_set_mapping). Device-dax does
 * not consult badblocks: a poisoned page maps like any other.
 */
export function devDaxHugeFault(k: Kernel, dd: DevDax, vma: Vma, addr: number, write: boolean): FaultResult {
  const size = dd.align;
  const sym = size === PUD_SIZE ? '__dev_dax_pud_fault' : size === PMD_SIZE ? '__dev_dax_pmd_fault' : '__dev_dax_pte_fault';
  return k.tr.call(
    'dax',
    'dev_dax_huge_fault',
    { dev: dd.name, addr: hex(addr), write, size: hex(size) },
    () =>
      k.tr.call(
        'dax',
        sym,
        { addr: hex(addr) },
        () => {
          if (!dd.dax.alive) return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
          const start = addr - (addr % size);
          if (start < vma.start || start + size > vma.end) return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
          const pgoff = vma.pgoff + (start - vma.start) / PAGE_SIZE;
          if ((pgoff * PAGE_SIZE) % size !== 0 || (pgoff * PAGE_SIZE) + size > dd.size) return { fault: 'VM_FAULT_SIGBUS' } as FaultResult;
          const pfn = (dd.dataStart + pgoff * PAGE_SIZE) / PAGE_SIZE;
          const nr = size / PAGE_SIZE;
          // dax_set_mapping: page->mapping = the device inode, page->index = its file index
          k.pageOwner.set(pfn, pfn + nr, { kind: 'file', mapping: dd.inode.mapping, index: pgoff });
          const shift = Math.log2(size);
          vma.ptes.set(start / PAGE_SIZE, start / PAGE_SIZE + nr, { pfn, shift, writable: write || vma.prot === 'rw' });
          return { fault: 'VM_FAULT_NOPAGE', pfn: pfn + (addr - start) / PAGE_SIZE } as FaultResult;
        },
        (r) => r.fault,
      ),
    (r) => r.fault,
  );
}

/**
 * What the faults of the whole extents [first, end) of a vma leave behind,
 * for a run of faults that each decided as the one before them
 * (src/sim/mm/gup.ts): the pages record the device inode and their index,
 * the vma gets entries of the device's size. No trace: the run's first
 * fault carries it.
 */
export function devDaxBulkFault(k: Kernel, dd: DevDax, vma: Vma, first: number, end: number, write: boolean): void {
  const pgoff = vma.pgoff + (first - vma.start) / PAGE_SIZE;
  const pfn = (dd.dataStart + pgoff * PAGE_SIZE) / PAGE_SIZE;
  const nr = (end - first) / PAGE_SIZE;
  k.pageOwner.set(pfn, pfn + nr, { kind: 'file', mapping: dd.inode.mapping, index: pgoff });
  vma.ptes.set(first / PAGE_SIZE, end / PAGE_SIZE, { pfn, shift: Math.log2(dd.align), writable: write || vma.prot === 'rw' });
}

/**
 * How many whole extents from `first` (before `end`) a fault would map
 * exactly as it mapped the one before: the device alive, each extent inside
 * the vma and the device, and nothing mapped there yet.
 */
export function devDaxFaultRun(dd: DevDax, vma: Vma, first: number, end: number): number {
  const size = dd.align;
  if (!dd.dax.alive || first % size) return 0;
  let stop = Math.min(end, vma.end);
  const pgoff = vma.pgoff + (first - vma.start) / PAGE_SIZE;
  // dax_pgoff_to_phys: the extent must lie inside the device
  stop = Math.min(stop, first + (dd.size - pgoff * PAGE_SIZE));
  const mapped = vma.ptes.firstIn(first / PAGE_SIZE, Math.ceil(stop / PAGE_SIZE));
  if (mapped) stop = Math.min(stop, mapped.start * PAGE_SIZE);
  return Math.max(0, Math.floor((stop - first) / size));
}

/**
 * kill_dev_dax (drivers/dax/bus.c) on unbind: kill_dax (there is never a
 * holder) and unmap every user mapping of the device inode; later faults get
 * -ENXIO, i.e. SIGBUS.
 */
export function killDevDax(k: Kernel, dd: DevDax): void {
  const kill = () =>
    k.tr.call('dax', 'kill_dev_dax', { dev: dd.name }, () => {
      killDax(k, dd.dax);
      k.tr.call('mm', 'unmap_mapping_range', { inode: dd.name, start: '0x0', len: '0x0', even_cows: 1 }, () => zapFileRange(dd.inode.mapping, 0, Number.MAX_SAFE_INTEGER, k));
    });
  // unregister_dev_dax kills the device, then device_del unbinds the
  // device_dax driver, whose devm cleanup (dev_dax_kill) kills it again:
  // kill_dax runs twice, as a 6.12 kernel's function tracer shows
  k.tr.call('dax', 'unregister_dev_dax', { dev: dd.name }, () => {
    kill();
    k.tr.call('dax', 'dev_dax_kill', { dev: dd.name }, () => kill());
  });
  dd.pgmap.live = false;
}

export { ENXIO };
