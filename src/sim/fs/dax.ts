// fs/dax.c: DAX faults and DAX read/write. A fault asks the filesystem for
// the extent (iomap), the dax device for the pfn (direct_access, which says
// -EHWPOISON for a known-bad page), then inserts a DAX entry in the file's
// xarray and a page-table entry in the faulting vma. read()/write() go
// through dax_iomap_rw and copy with machine-check-safe routines.

import type { Kernel } from '../kernel';
import { daxDirectAccess, daxRecoveryWrite } from '../dax/super';
import { EFAULT, EHWPOISON, EIO, retName } from '../errno';
import { hex, PAGE_SIZE, PMD_SIZE, PMD_SHIFT, PAGE_SHIFT } from '../units';
import { unmapMappingPages, zapFileRange } from '../mm/memory-failure';
import type { AddressSpace, Inode, Vma } from '../mm/types';
import type { Iomap, SuperBlock } from './vfs';
import { machineCheckKernelCopy } from '../arch/mce';
import { copyUserFlushcache, type UserBuf } from '../arch/usercopy';
import { sinceVersion } from '../version';

export type VmFault = 'VM_FAULT_NOPAGE' | 'VM_FAULT_HWPOISON' | 'VM_FAULT_SIGBUS' | 'VM_FAULT_FALLBACK' | 'VM_FAULT_OOM';

const PG_PMD_NR = PMD_SIZE / PAGE_SIZE;

/**
 * vmf_error(err). 6.1's knows -ENOMEM only: every other error, a known-bad
 * page's included, is VM_FAULT_SIGBUS (a plain BUS_ADRERR); -EHWPOISON →
 * VM_FAULT_HWPOISON came with "dax: enable dax fault handler to report
 * VM_FAULT_HWPOISON" (1ea7ca1b0901, libnvdimm-for-6.5): 6.5.
 */
export function vmfError(err: number, k?: Kernel): VmFault {
  if (err === -12) return 'VM_FAULT_OOM';
  if (err === -EHWPOISON && (!k || sinceVersion(k.cfg, '6.5'))) return 'VM_FAULT_HWPOISON';
  return 'VM_FAULT_SIGBUS';
}

/** the error dax_direct_access gives for a known-bad range: -EHWPOISON (6.5, 1ea7ca1b0901), or 6.1's -EIO (__pmem_direct_access) */
function badAccessErr(k: Kernel): number {
  return sinceVersion(k.cfg, '6.5') ? -EHWPOISON : -EIO;
}

/**
 * The entry's pages are shared (dax_insert_entry's `shared`, or 6.1's
 * `cow`): from 6.2 ("fsdax: introduce page->share for fsdax in reflink
 * mode" and "fsdax,xfs: set the shared flag when file extent is shared",
 * xfs-6.2-merge-9) any fault through an IOMAP_F_SHARED extent; in 6.1
 * (dax_fault_is_cow) only a write fault through one, so a read fault of a
 * reflinked page there associates the page with the faulting file like any
 * other and unmaps nobody.
 */
function entryShared(k: Kernel, iomapShared: boolean, write: boolean): boolean {
  return sinceVersion(k.cfg, '6.2') ? iomapShared : iomapShared && write;
}

/** dax_mem2blk_err(err): block-like users see EIO where memory-like users see EHWPOISON */
export function daxMem2blkErr(err: number): number {
  return err === -EHWPOISON ? -EIO : err;
}

/** dax_iomap_pgoff(iomap, pos): the dax device page of a file position */
function daxIomapPgoff(iomap: Iomap, pos: number): number {
  return Math.floor((iomap.addr + (pos - (pos % PAGE_SIZE)) - iomap.offset) / PAGE_SIZE);
}

/**
 * dax_associate_entry: the pages of a new entry record their owner. A page
 * reached through a shared (reflinked) extent gets PAGE_MAPPING_DAX_SHARED and
 * a share count instead of a mapping and index.
 */
function daxAssociateEntry(k: Kernel, mapping: AddressSpace, index: number, pfn: number, nr: number, shared: boolean): void {
  // Before reflink-aware DAX (the page-mapping design, and pagemap-failure,
  // which handles poison the same way) a page had exactly one page->mapping:
  // the last file to fault it in.
  if (!shared || k.cfg.design === 'page-mapping' || k.cfg.design === 'pagemap-failure') {
    if (!shared) warnOnAssociatedPage(k, pfn, nr);
    k.pageOwner.set(pfn, pfn + nr, { kind: 'file', mapping, index });
    return;
  }
  for (const piece of splitByOwner(k, pfn, nr)) {
    // dax_page_share_get: a page already shared counts one more sharer; a
    // page still mapped regularly by another file (page->mapping set) counts
    // that file too, so the share restarts at 1 and becomes 2; an unowned
    // page becomes shared with a count of 1
    const cur = piece.value;
    const share = cur && cur.kind === 'shared' ? cur.share + 1 : cur ? 2 : 1;
    k.pageOwner.set(piece.start, piece.end, { kind: 'shared', share });
  }
}

/** where 6.1's dax_associate_entry warns, inlined in dax_insert_entry of Debian's 6.1.0-57 vmlinux (the RIP the real 6.1 printed: oracle/recorded-6.1/reflink-both-mapped-6.1, setup) */
const DAX_ASSOCIATE_WARN_6_1 = { file: 'fs/dax.c', line: 380, rip: 'dax_insert_entry+0x227/0x320' };

/** WARN_ON_ONCE's `__already_done` of that site, per booted kernel */
const warnedAssociate = new WeakSet<Kernel>();

/**
 * 6.1's dax_associate_entry, for an entry that is not a CoW one:
 * WARN_ON_ONCE(page->mapping) before it takes the page over. A reflinked
 * page is associated with the first file that faults it in; 6.1 shares an
 * entry on write faults only (entryShared), so the other file's read fault
 * (its MAP_POPULATE, a load, get_user_pages) finds page->mapping set and
 * warns, once per boot, then overwrites it. report_bug → __warn prints the
 * cut line, the WARNING line (CPU, pid, file:line, the caller as %pS), the
 * modules, the CPU/Comm/taint and Hardware lines, the registers and the call
 * trace, then the end-of-trace marker: the lines that do not depend on the
 * machine are modelled (the lab's contexts run on CPU 0; the comparison with
 * the real kernel ignores the CPU number, oracle/src/dmesg.ts comparable).
 * 6.12 has the same WARN_ON_ONCE (fs/dax.c:372) but a fault through a shared
 * extent makes a shared entry there (since 6.2): a reflinked page never
 * reaches it.
 */
function warnOnAssociatedPage(k: Kernel, pfn: number, nr: number): void {
  if (sinceVersion(k.cfg, '6.2') || warnedAssociate.has(k)) return;
  if (!k.pageOwner.overlaps(pfn, pfn + nr)) return;
  warnedAssociate.add(k);
  const w = DAX_ASSOCIATE_WARN_6_1;
  k.log('------------[ cut here ]------------');
  k.log(`WARNING: CPU: 0 PID: ${k.current ? k.current.pid : 0} at ${w.file}:${w.line} ${w.rip}`);
  k.log(`RIP: 0010:${w.rip}`);
  k.log('---[ end trace 0000000000000000 ]---');
}

/** dax_disassociate_entry: drop the owner (or one share) of an entry's pages */
function daxDisassociateEntry(k: Kernel, pfn: number, nr: number): void {
  for (const piece of splitByOwner(k, pfn, nr)) {
    const cur = piece.value;
    if (cur && cur.kind === 'shared' && cur.share > 1) k.pageOwner.set(piece.start, piece.end, { kind: 'shared', share: cur.share - 1 });
    else k.pageOwner.clear(piece.start, piece.end);
  }
}

function splitByOwner(k: Kernel, pfn: number, nr: number) {
  const out: { start: number; end: number; value: ReturnType<typeof k.pageOwner.get> }[] = [];
  let pos = pfn;
  for (const r of k.pageOwner.query(pfn, pfn + nr)) {
    if (r.start > pos) out.push({ start: pos, end: r.start, value: undefined });
    out.push({ start: r.start, end: r.end, value: r.value });
    pos = r.end;
  }
  if (pos < pfn + nr) out.push({ start: pos, end: pfn + nr, value: undefined });
  return out;
}

/**
 * Remove the DAX entries of file pages [first, end) (truncate, hole punch,
 * invalidate_inode_pages2_range): the pages lose their owner and every
 * mapper loses its page-table entries.
 */
export function daxDeleteMappingRange(k: Kernel, mapping: AddressSpace, first: number, end: number): void {
  zapFileRange(mapping, first, end, k);
  for (const r of mapping.entries.query(first, end)) daxDisassociateEntry(k, r.value.pfn, r.end - r.start);
  mapping.entries.clear(first, end);
}

/** invalidate_inode_pages2_range(mapping, start, end): inclusive end, DAX entries included */
export function invalidateInodePages2Range(k: Kernel, mapping: AddressSpace, start: number, endInclusive: number): void {
  k.tr.call('mm', 'invalidate_inode_pages2_range', { inode: mapping.host?.ino ?? 0, start: hex(start), end: hex(endInclusive) }, () => {
    daxDeleteMappingRange(k, mapping, start, endInclusive + 1);
    return 0;
  });
}

/**
 * dax_insert_entry: a fault through a shared extent first unmaps that index
 * from every other mapper of the file (the entry is replaced), so only the
 * last process to fault a shared page holds a page-table entry for it.
 */
function daxInsertEntry(k: Kernel, vma: Vma, index: number, pfn: number, pmd: boolean, shared: boolean): void {
  const mapping = vma.mapping;
  const nr = pmd ? PG_PMD_NR : 1;
  // 6.1 calls it `cow` (dax_fault_is_cow), later releases `shared`
  const flag: Record<string, boolean> = sinceVersion(k.cfg, '6.2') ? { shared } : { cow: shared };
  k.tr.call('fsdax', 'dax_insert_entry', { index: hex(index), pfn: hex(pfn), size: pmd ? 'PMD' : 'PTE', ...flag }, () => {
    const existing = mapping.entries.get(index);
    if (shared) unmapMappingPages(k, mapping, index, nr);
    if (shared || !existing) {
      for (const r of mapping.entries.query(index, index + nr)) daxDisassociateEntry(k, r.value.pfn, r.end - r.start);
      daxAssociateEntry(k, mapping, index, pfn, nr, shared);
      mapping.entries.set(index, index + nr, { pfn, pmd, shared });
    }
  });
}

/**
 * What the DAX faults of virtual pages [first, end) of a vma leave behind,
 * for a run of read faults that each decided the same way as the one before
 * them (src/sim/mm/gup.ts): for a shared extent every other mapper loses
 * those indices (dax_insert_entry's unmap_mapping_pages), the pages record
 * their owner, the file's xarray gets the entries and the vma its page-table
 * entries, PTE or PMD. No trace: the run's first fault carries it.
 */
export function daxBulkInsert(k: Kernel, vma: Vma, first: number, end: number, pmd: boolean, pfn: number, shared: boolean, empty = false): void {
  // populate's faults are reads: 6.1 shares an entry on writes only (entryShared)
  shared = entryShared(k, shared, false);
  const mapping = vma.mapping;
  const index = vma.pgoff + (first - vma.start) / PAGE_SIZE;
  const nr = (end - first) / PAGE_SIZE;
  // the run is homogeneous: every index has an entry already, or none does
  // (`empty`: the caller knows none does)
  const existing = !empty && mapping.entries.get(index) !== undefined;
  if (shared) zapFileRange(mapping, index, index + nr, k);
  if (shared || !existing) {
    if (!empty) for (const r of mapping.entries.query(index, index + nr)) daxDisassociateEntry(k, r.value.pfn, r.end - r.start);
    daxAssociateEntry(k, mapping, index, pfn, nr, shared);
    mapping.entries.set(index, index + nr, { pfn, pmd, shared });
  }
  vma.ptes.set(first / PAGE_SIZE, end / PAGE_SIZE, { pfn, shift: pmd ? PMD_SHIFT : PAGE_SHIFT, writable: false });
}

export interface FaultResult {
  fault: VmFault;
  /** pfn now mapped at the faulting page */
  pfn?: number;
}

/**
 * The DAX fault handler (dax_iomap_fault): try a PMD fault where the vma,
 * file offset and extent line up on 2 MiB, falling back to a PTE fault.
 */
export function daxIomapFault(k: Kernel, sb: SuperBlock, vma: Vma, addr: number, write: boolean): FaultResult {
  const inode = vma.mapping.host!;
  const pmd = daxIomapPmdFault(k, sb, vma, inode, addr, write);
  if (pmd.fault !== 'VM_FAULT_FALLBACK') return pmd;
  return daxIomapPteFault(k, sb, vma, inode, addr, write);
}

/**
 * The refusals dax_iomap_pmd_fault makes before it looks at the filesystem
 * (dax_fault_check_fallback, the vma and file-offset alignment, the file's
 * size, a PTE entry already in the 2 MiB window): true when the fault at
 * `addr` falls back to PTE size at once.
 */
export function pmdFallsBackAtOnce(vma: Vma, inode: Inode, addr: number, write: boolean): boolean {
  const haddr = addr - (addr % PMD_SIZE);
  if (haddr < vma.start || haddr + PMD_SIZE > vma.end) return true;
  const pgoff = vma.pgoff + (haddr - vma.start) / PAGE_SIZE;
  if (pgoff % PG_PMD_NR !== 0) return true;
  if (write && vma.flags === 'private') return true;
  if ((pgoff + PG_PMD_NR) * PAGE_SIZE > Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE) return true;
  // a PTE entry already in the window keeps it at PTE size (grab_mapping_entry)
  return vma.mapping.entries.query(pgoff, pgoff + PG_PMD_NR).some((r) => !r.value.pmd);
}

function daxIomapPmdFault(k: Kernel, sb: SuperBlock, vma: Vma, inode: Inode, addr: number, write: boolean): FaultResult {
  const haddr = addr - (addr % PMD_SIZE);
  // dax_fault_check_fallback and the alignment checks: cheap refusals first, no span
  if (pmdFallsBackAtOnce(vma, inode, addr, write)) return { fault: 'VM_FAULT_FALLBACK' };
  const pgoff = vma.pgoff + (haddr - vma.start) / PAGE_SIZE;
  return k.tr.call(
    'fsdax',
    'dax_iomap_pmd_fault',
    { inode: inode.ino, addr: hex(addr), pgoff: hex(pgoff), write },
    () => {
      const pos = pgoff * PAGE_SIZE;
      // a write PMD fault that would allocate or copy on write is left to PTE faults here
      const iomap = sb.iomapRead(k, inode, pos, PMD_SIZE);
      if (typeof iomap === 'number') return { fault: 'VM_FAULT_FALLBACK' as VmFault };
      if (iomap.type !== 'IOMAP_MAPPED' || iomap.offset > pos || iomap.offset + iomap.length < pos + PMD_SIZE) return { fault: 'VM_FAULT_FALLBACK' as VmFault };
      if (write && iomap.shared) return { fault: 'VM_FAULT_FALLBACK' as VmFault };
      const devOff = iomap.addr + (pos - iomap.offset);
      if (devOff % PMD_SIZE !== 0) return { fault: 'VM_FAULT_FALLBACK' as VmFault };
      const da = daxDirectAccess(k, sb.daxDev!, daxIomapPgoff(iomap, pos), PG_PMD_NR, 'DAX_ACCESS');
      if (da.ret < PG_PMD_NR) return { fault: 'VM_FAULT_FALLBACK' as VmFault };
      daxInsertEntry(k, vma, pgoff, da.pfn, true, entryShared(k, iomap.shared, write));
      const vpn = haddr / PAGE_SIZE;
      vma.ptes.set(vpn, vpn + PG_PMD_NR, { pfn: da.pfn, shift: PMD_SHIFT, writable: write });
      return { fault: 'VM_FAULT_NOPAGE' as VmFault, pfn: da.pfn + (addr - haddr) / PAGE_SIZE };
    },
    (r) => r.fault,
  );
}

function daxIomapPteFault(k: Kernel, sb: SuperBlock, vma: Vma, inode: Inode, addr: number, write: boolean): FaultResult {
  const vaddr = addr - (addr % PAGE_SIZE);
  const pgoff = vma.pgoff + (vaddr - vma.start) / PAGE_SIZE;
  return k.tr.call(
    'fsdax',
    'dax_iomap_pte_fault',
    { inode: inode.ino, addr: hex(addr), pgoff: hex(pgoff), write },
    () => {
      if (pgoff * PAGE_SIZE >= Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE) return { fault: 'VM_FAULT_SIGBUS' as VmFault };
      const pos = pgoff * PAGE_SIZE;
      const iomap = write ? sb.iomapWrite(k, inode, pos, PAGE_SIZE) : sb.iomapRead(k, inode, pos, PAGE_SIZE);
      if (typeof iomap === 'number') return { fault: vmfError(iomap, k) };
      if (iomap.type !== 'IOMAP_MAPPED') {
        // dax_load_hole: the shared zero page, not device memory
        k.tr.call('fsdax', 'dax_load_hole', { index: hex(pgoff) }, () => 'VM_FAULT_NOPAGE');
        vma.ptes.set(vaddr / PAGE_SIZE, vaddr / PAGE_SIZE + 1, { pfn: -1, shift: PAGE_SHIFT, writable: false, zero: true });
        return { fault: 'VM_FAULT_NOPAGE' as VmFault, pfn: -1 };
      }
      if (write && (iomap.isNew || iomap.shared)) {
        // a new or copied block replaces whatever entry this index had
        invalidateInodePages2Range(k, inode.mapping, pgoff, pgoff);
      }
      const da = daxIomapDirectAccess(k, sb, iomap, pos, PAGE_SIZE);
      if (da.ret < 0) {
        if (write) sb.iomapWriteEnd(k, inode, iomap, 0);
        return { fault: vmfError(da.ret, k) };
      }
      daxInsertEntry(k, vma, pgoff, da.pfn, false, sinceVersion(k.cfg, '6.2') ? iomap.shared && !write : entryShared(k, iomap.shared, write));
      if (write && iomap.shared) {
        // the copy-on-write's new block gets the old one's page first; a bad
        // source fails the fault (dax_fault_return: VM_FAULT_SIGBUS for -EIO)
        // after the entry went in, and iomap_end cancels the staging block
        const err = daxIomapCopyAround(k, sb, pos, PAGE_SIZE, PAGE_SIZE, iomap);
        if (err) {
          sb.iomapWriteEnd(k, inode, iomap, 0);
          return { fault: vmfError(err, k) };
        }
      }
      if (write) sb.iomapWriteEnd(k, inode, iomap, PAGE_SIZE);
      vma.ptes.set(vaddr / PAGE_SIZE, vaddr / PAGE_SIZE + 1, { pfn: da.pfn, shift: PAGE_SHIFT, writable: write });
      return { fault: 'VM_FAULT_NOPAGE' as VmFault, pfn: da.pfn };
    },
    (r) => r.fault,
  );
}

/** dax_iomap_direct_access(iomap, pos, size, &kaddr, &pfn) */
function daxIomapDirectAccess(k: Kernel, sb: SuperBlock, iomap: Iomap, pos: number, size: number): { ret: number; pfn: number } {
  return daxDirectAccess(k, sb.daxDev!, daxIomapPgoff(iomap, pos), Math.ceil(size / PAGE_SIZE), 'DAX_ACCESS');
}

/**
 * dax_iomap_copy_around(pos, length, align_size, srcmap, daddr): a write to a
 * shared block goes to a new (CoW) block, which first gets the old extent's
 * bytes around the written range; a fault (page aligned) copies them all.
 * The source is read through dax_iomap_direct_access, which fails on a
 * known-bad page (-EHWPOISON, seen as -EIO), then with copy_mc_to_kernel,
 * which stops at a poisoned line nobody knew of (a machine check in a kernel
 * copy) and makes it -EIO too. A source that is a hole or unwritten extent
 * (srcmap absent, so iomap_iter_srcmap gives the IOMAP_F_SHARED iomap itself)
 * is zeroed instead. Returns 0 or a negative errno.
 */
function daxIomapCopyAround(k: Kernel, sb: SuperBlock, pos: number, length: number, alignSize: number, iomap: Iomap): number {
  const srcmap = iomap.srcmap;
  const headOff = pos % alignSize;
  const size = Math.ceil((headOff + length) / alignSize) * alignSize;
  const end = pos + length;
  const pgEnd = Math.ceil(end / alignSize) * alignSize;
  const copyAll = headOff === 0 && end === pgEnd;
  const zeroEdge = !srcmap || srcmap.type === 'IOMAP_UNWRITTEN';
  return k.tr.call(
    'fsdax',
    'dax_iomap_copy_around',
    { pos: hex(pos), length, align: alignSize, srcmap: srcmap ? `${srcmap.type} addr ${hex(srcmap.addr + (pos - (pos % PAGE_SIZE)) - srcmap.offset)}` : 'iomap (hole)' },
    () => {
      if (zeroEdge) return 0; // memset of the edges, dax_flush
      const da = daxDirectAccess(k, sb.daxDev!, daxIomapPgoff(srcmap, pos), size / PAGE_SIZE, 'DAX_ACCESS');
      if (da.ret < 0) return daxMem2blkErr(da.ret);
      const saddr = da.pfn * PAGE_SIZE; // the page holding pos
      if (copyAll) return copyMcToKernel(k, saddr, length) ? -EIO : 0;
      if (headOff && copyMcToKernel(k, saddr, headOff)) return -EIO;
      if (end < pgEnd) {
        const tailOff = headOff + length;
        if (copyMcToKernel(k, saddr + tailOff, pgEnd - end)) return -EIO;
      }
      return 0;
    },
    (r) => retName(r),
  );
}

/**
 * copy_mc_to_kernel(dst, src, len): a machine-check-safe copy; returns the
 * bytes not copied. A poisoned line raises a machine check in the kernel
 * copy, which the exception fixup turns into a short copy.
 */
function copyMcToKernel(k: Kernel, spa: number, len: number): number {
  return k.tr.call('fsdax', 'copy_mc_to_kernel', { src: hex(spa), len }, () => {
    const bad = k.platform.media.firstIn(spa, spa + len);
    if (!bad) return 0;
    machineCheckKernelCopy(k, bad[0]);
    return spa + len - Math.max(bad[0], spa);
  });
}

/**
 * dax_iomap_rw → dax_iomap_iter for each extent. Reads of a hole or
 * unwritten extent give zeroes; a range holding a known-bad page fails the
 * whole extent's access with EIO (reads) or takes the recovery path
 * (writes, page by page); a poison nobody knew about machine-checks the
 * kernel copy, which comes up short. Returns bytes done, or the error when
 * nothing was done.
 */
export function daxIomapRw(k: Kernel, sb: SuperBlock, inode: Inode, pos: number, len: number, write: boolean, buf?: UserBuf): number {
  return k.tr.call('fsdax', 'dax_iomap_rw', { inode: inode.ino, pos: hex(pos), len, rw: write ? 'WRITE' : 'READ' }, () => {
    if (!len) return 0;
    let done = 0;
    let ret = 0;
    let cur = pos;
    const end = pos + len;
    while (cur < end) {
      const iomap = write ? sb.iomapWrite(k, inode, cur, end - cur) : sb.iomapRead(k, inode, cur, end - cur);
      if (typeof iomap === 'number') {
        ret = iomap;
        break;
      }
      const segEnd = Math.min(end, iomap.offset + iomap.length);
      const src = buf && { ...buf, addr: buf.addr + (cur - pos) };
      const r = daxIomapIter(k, sb, inode, iomap, cur, segEnd - cur, write, src);
      if (write) sb.iomapWriteEnd(k, inode, iomap, Math.max(0, r));
      if (r <= 0) {
        ret = r;
        break;
      }
      done += r;
      cur += r;
      // a short copy is not the end: iomap_iter advances by what was
      // processed and asks again from there, and only a pass that copies
      // nothing (-EFAULT) ends the loop. A write from a user buffer does
      // exactly that (the second pass meets the same bad load again). A
      // short read stops here: its second pass would take a second machine
      // check or find the new badblock, as the decode work has run or not,
      // and the byte count is the same either way.
      if (r < segEnd - (cur - r) && !buf) break;
      if (!write && cur >= inode.size) break;
    }
    return done ? done : ret;
  });
}

function daxIomapIter(k: Kernel, sb: SuperBlock, inode: Inode, iomap: Iomap, pos: number, length: number, write: boolean, buf?: UserBuf): number {
  return k.tr.call('fsdax', 'dax_iomap_iter', { pos: hex(pos), length, type: iomap.type, shared: iomap.shared, addr: hex(iomap.addr) }, () => {
    let end = pos + length;
    if (!write) {
      end = Math.min(end, inode.size);
      if (pos >= end) return 0;
      if (iomap.type !== 'IOMAP_MAPPED') return end - pos; // iov_iter_zero
    }
    const cow = write && iomap.shared;
    if (iomap.isNew || cow) invalidateInodePages2Range(k, inode.mapping, Math.floor(pos / PAGE_SIZE), Math.floor((end - 1) / PAGE_SIZE));
    let done = 0;
    let ret = 0;
    let cur = pos;
    let remaining = end - pos;
    while (cur < end) {
      const offset = cur % PAGE_SIZE;
      const size = Math.ceil((remaining + offset) / PAGE_SIZE) * PAGE_SIZE;
      const pgoff = daxIomapPgoff(iomap, cur);
      let da = daxDirectAccess(k, sb.daxDev!, pgoff, size / PAGE_SIZE, 'DAX_ACCESS');
      let recovery = false;
      if (da.ret === badAccessErr(k) && write) {
        da = daxDirectAccess(k, sb.daxDev!, pgoff, size / PAGE_SIZE, 'DAX_RECOVERY_WRITE');
        if (da.ret > 0) recovery = true;
      }
      if (da.ret < 0) {
        ret = daxMem2blkErr(da.ret);
        break;
      }
      if (cow) {
        // the old extent's bytes around the write first (the whole remaining range is read)
        ret = daxIomapCopyAround(k, sb, cur, remaining, PAGE_SIZE, iomap);
        if (ret) break;
      }
      let mapLen = da.ret * PAGE_SIZE - offset;
      if (mapLen > end - cur) mapLen = end - cur;
      let xfer: number;
      if (recovery) xfer = daxRecoveryWrite(k, sb.daxDev!, pgoff, offset, mapLen);
      else if (write && buf) xfer = daxCopyFromIter(k, sb, pgoff, { ...buf, addr: buf.addr + (cur - pos) }, offset, mapLen);
      else if (write) xfer = mapLen; // dax_copy_from_iter: non-temporal stores do not consume poison
      else xfer = daxCopyToIter(k, da.pfn * PAGE_SIZE + offset, cur, mapLen);
      cur += xfer;
      remaining -= xfer;
      done += xfer;
      if (xfer === 0) ret = -EFAULT;
      if (xfer < mapLen) break;
    }
    return done ? done : ret;
  });
}

/**
 * dax_copy_from_iter with DAXDEV_NOCACHE: _copy_from_iter_flushcache from
 * the caller's buffer. Stores into pmem do not consume poison; the loads
 * from the buffer can (a buffer that maps poisoned memory), or can fault (a
 * buffer page the fault handler refuses): the copy is short.
 */
function daxCopyFromIter(k: Kernel, sb: SuperBlock, pgoff: number, src: UserBuf, offset: number, len: number): number {
  return k.tr.call('dax', 'dax_copy_from_iter', { pgoff: hex(pgoff), src: hex(src.addr), len, dax: sb.daxDev?.name ?? '' }, () => copyUserFlushcache(k, src, src.addr, offset, len));
}

/**
 * dax_copy_to_iter with DAXDEV_NOMC: copy_mc_to_iter stops at the first
 * poisoned cacheline; the machine check it took is reported (badblocks get
 * the granule) and the copy is short.
 */
function daxCopyToIter(k: Kernel, spa: number, pos: number, len: number): number {
  return k.tr.call('fsdax', 'dax_copy_to_iter', { pos: hex(pos), len }, () => {
    const bad = k.platform.media.firstIn(spa, spa + len);
    if (!bad) return len;
    machineCheckKernelCopy(k, bad[0]);
    return bad[0] - spa;
  });
}
