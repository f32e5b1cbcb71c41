// mm objects: tasks, their VMAs and page tables, address spaces (an inode's
// i_mapping with its DAX entries and i_mmap tree), and per-pfn page state.

import { RangeMap, RangeSet } from '../intervals';
import { VmaIntervalTree } from './interval-tree';
import type { Prot, MapFlags } from '../scenario/types';

/** One page-table entry range of a VMA, keyed by virtual page number. */
export interface Pte {
  /** pfn mapped at the range's first virtual page (linear); -1, the same for every page, for a page that is not device memory (the zero page of a hole, a page-cache page) */
  pfn: number;
  /** PAGE_SHIFT, PMD_SHIFT or PUD_SHIFT: the size of the entry that maps it */
  shift: number;
  writable: boolean;
  /** (pfn -1) the kernel's shared zero page, which dax_load_hole maps for a read fault on a hole: my_zero_pfn() is ZERO_PFN */
  zero?: true;
}

/**
 * my_zero_pfn(): the pfn of empty_zero_page, a page of the kernel image's
 * .bss in System RAM. The lab places it at physical 0x3c05000 (an x86-64
 * 6.12 image loaded at 16 MiB without KASLR has its .bss there about); the
 * oracle translates the guest's own zero pfn, which KASLR moves every boot,
 * to this one.
 */
export const ZERO_PFN = 0x3c05;

export const pteOps = {
  split: (v: Pte, d: number): Pte => (v.pfn < 0 ? v : { ...v, pfn: v.pfn + d }),
  eq: (a: Pte, b: Pte): boolean => a.pfn === b.pfn && a.shift === b.shift && a.writable === b.writable && a.zero === b.zero,
  step: (a: Pte, b: Pte): number | undefined => (a.shift !== b.shift || a.writable !== b.writable || a.zero !== b.zero || a.pfn < 0 !== b.pfn < 0 ? undefined : a.pfn < 0 ? (a.pfn === b.pfn ? 0 : undefined) : b.pfn - a.pfn),
};

/** A DAX xarray entry of an address space, keyed by file page index. */
export interface DaxEntry {
  /** pfn of the range's first index (linear) */
  pfn: number;
  /** a PMD entry covers 512 indices with one head pfn */
  pmd: boolean;
  /** inserted through a shared (reflinked) iomap: page->mapping is PAGE_MAPPING_DAX_SHARED */
  shared: boolean;
}

export const daxEntryOps = {
  split: (v: DaxEntry, d: number): DaxEntry => ({ ...v, pfn: v.pfn + d }),
  eq: (a: DaxEntry, b: DaxEntry): boolean => a.pfn === b.pfn && a.pmd === b.pmd && a.shared === b.shared,
  step: (a: DaxEntry, b: DaxEntry): number | undefined => (a.pmd === b.pmd && a.shared === b.shared ? b.pfn - a.pfn : undefined),
};

export interface Inode {
  ino: number;
  /** path as the scenario names it, or the device node (/dev/dax0.0) */
  path: string;
  size: number;
  /** the inode's i_mapping */
  mapping: AddressSpace;
  /** character device (device-dax) */
  chr: boolean;
  /** the block device of the inode's filesystem (i_sb->s_dev, by name); absent for the device-dax inode */
  sbDev?: string;
}

export class AddressSpace {
  /** the DAX xarray: file page index -> entry */
  readonly entries = new RangeMap<DaxEntry>(daxEntryOps);
  /** i_mmap: every VMA that maps this file, as the kernel's vma_interval_tree keyed by file page index */
  readonly i_mmap = new VmaIntervalTree();
  /**
   * The VMAs of i_mmap that hold at least one present page-table entry, in
   * the same tree order. Zapping a file range visits these only: a VMA with
   * nothing mapped has nothing to zap (the kernel walks it and finds empty
   * page tables), so unmapping costs what is mapped, not every mapper.
   */
  readonly mapped = new VmaIntervalTree();
  /** page-cache pages (non-DAX files only), by index */
  readonly pagecache = new RangeSet();
  constructor(
    readonly id: number,
    public host: Inode | null,
    /** dax_mapping(): the host is a DAX inode */
    public dax: boolean,
  ) {}

  /** vma_interval_tree_insert(vma, &mapping->i_mmap) (__vma_link_file) */
  linkVma(vma: Vma): void {
    if (this.i_mmap.has(vma)) return;
    vma.seq = this.i_mmap.insert(vma);
    vma.syncMapped();
  }

  /** vma_interval_tree_remove(vma, &mapping->i_mmap) (__remove_shared_vm_struct) */
  unlinkVma(vma: Vma): void {
    if (!this.i_mmap.remove(vma)) return;
    this.mapped.remove(vma);
  }
}

/** A VMA's page-table entries: every change keeps its place in its file's tree of mapped VMAs. */
class PteMap extends RangeMap<Pte> {
  /** inside set(), whose own clear() must not resync half way */
  private setting = false;
  constructor(private readonly vma: Vma) {
    super(pteOps);
  }
  override set(start: number, end: number, value: Pte): void {
    this.setting = true;
    try {
      super.set(start, end, value);
    } finally {
      this.setting = false;
    }
    this.vma.syncMapped();
  }
  override clear(start: number, end: number): void {
    super.clear(start, end);
    if (!this.setting) this.vma.syncMapped();
  }
}

export class Vma {
  /** present page-table entries, keyed by virtual page number */
  readonly ptes: RangeMap<Pte> = new PteMap(this);
  /** its place among the file's VMAs with the same vm_pgoff (insertion order into i_mmap) */
  seq = -1;
  constructor(
    readonly id: string,
    readonly mm: Mm,
    /** vm_start, vm_end (bytes) */
    readonly start: number,
    readonly end: number,
    /** vm_pgoff: file page index of vm_start */
    readonly pgoff: number,
    readonly mapping: AddressSpace,
    readonly prot: Prot,
    readonly flags: MapFlags,
    /** what the scenario names: a file path or a device node */
    readonly target: string,
  ) {}

  get pages(): number {
    return (this.end - this.start) / 4096;
  }
  /** vma_address(vma, pgoff, 1): the page-aligned address of a file index, or -EFAULT */
  address(pgoff: number): number {
    const a = this.start + (pgoff - this.pgoff) * 4096;
    return a >= this.start && a < this.end ? a : -14;
  }
  coversPgoff(pgoff: number): boolean {
    return pgoff >= this.pgoff && pgoff < this.pgoff + this.pages;
  }
  /** keep the file's tree of mapped VMAs in step with whether any entry is present */
  syncMapped(): void {
    const m = this.mapping;
    if (!m || !m.i_mmap.has(this)) return;
    const want = !this.ptes.isEmpty();
    if (want !== m.mapped.has(this)) {
      if (want) m.mapped.insert(this, this.seq);
      else m.mapped.remove(this);
    }
  }
}

export class Mm {
  readonly vmas: Vma[] = [];
  constructor(readonly owner: Task) {}
  findVma(addr: number): Vma | undefined {
    return this.vmas.find((v) => addr >= v.start && addr < v.end);
  }
}

export type MceKill = 'default' | 'early' | 'late';

export interface PendingSignal {
  signo: 'SIGBUS' | 'SIGKILL';
  code: 'BUS_MCEERR_AR' | 'BUS_MCEERR_AO' | 'BUS_ADRERR' | 'SI_KERNEL' | 'none';
  addr?: number;
  lsb?: number;
}

export class Task {
  mm: Mm | null;
  /** signals pending delivery at the end of the current event */
  pending: PendingSignal[] = [];
  alive = true;
  /** set when the task sleeps for good in the kernel (mutex_lock(&mf_mutex) after an oops left it held) */
  blockedIn: string | null = null;
  /** set when an oops killed the task (make_task_dead): the symbol it oopsed in */
  oopsedIn: string | null = null;
  constructor(
    readonly pid: number,
    readonly comm: string,
    /** prctl(PR_MCE_KILL): early sets PF_MCE_PROCESS|PF_MCE_EARLY, late PF_MCE_PROCESS alone */
    public mceKill: MceKill,
    /** handle: a handler records SIGBUS and abandons the access; default: the process dies */
    public sigbus: 'handle' | 'default',
  ) {
    this.mm = new Mm(this);
  }
  /** comm as the kernel prints it (TASK_COMM_LEN 16) */
  get kcomm(): string {
    return this.comm.slice(0, 15);
  }
}

/** What a struct page of device memory says about its owner (page->mapping / page->index / page->share). */
export type PageOwner =
  | { kind: 'file'; mapping: AddressSpace; index: number }
  | { kind: 'shared'; share: number };

export const pageOwnerOps = {
  split: (v: PageOwner, d: number): PageOwner => (v.kind === 'file' ? { ...v, index: v.index + d } : v),
  eq: (a: PageOwner, b: PageOwner): boolean =>
    a.kind === 'file' && b.kind === 'file' ? a.mapping === b.mapping && a.index === b.index : a.kind === 'shared' && b.kind === 'shared' && a.share === b.share,
  step: (a: PageOwner, b: PageOwner): number | undefined =>
    a.kind === 'file' && b.kind === 'file' ? (a.mapping === b.mapping ? b.index - a.index : undefined) : a.kind === 'shared' && b.kind === 'shared' && a.share === b.share ? 0 : undefined,
};
