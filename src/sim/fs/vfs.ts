// What the VFS, fs/dax.c and the syscalls need from a filesystem: its iomap
// operations (file range → device range), hole punching, shutdown state, and
// its files. XFS and ext4 implement it.

import type { Kernel } from '../kernel';
import type { DaxDevice } from '../dax/super';
import type { Inode } from '../mm/types';
import type { FileSpec, FilesystemSpec } from '../scenario/types';

/** struct iomap for one extent */
export interface Iomap {
  /** file offset of the extent, bytes */
  offset: number;
  length: number;
  type: 'IOMAP_MAPPED' | 'IOMAP_HOLE' | 'IOMAP_UNWRITTEN';
  /** bytes from the start of the block device (the data area), for IOMAP_MAPPED */
  addr: number;
  /** IOMAP_F_SHARED: the blocks are shared (reflink); for a write, this is the CoW destination */
  shared: boolean;
  /** IOMAP_F_NEW: freshly allocated (and zeroed) */
  isNew: boolean;
  /**
   * iomap_iter's srcmap for a copy-on-write mapping: the extent the data
   * comes from (the shared blocks), read by dax_iomap_copy_around. Absent
   * when the source is a hole (iomap_iter_srcmap then gives the iomap itself).
   */
  srcmap?: Iomap;
  /** the filesystem's own state for this mapping, handed back to iomap_end */
  priv?: unknown;
}

export interface BlockDev {
  name: string;
  /** bytes */
  size: number;
  /** the disk is live */
  alive(): boolean;
  /** submit a bio segment: 0 or a negative errno */
  submit(k: Kernel, op: 'READ' | 'WRITE', sector: number, len: number): number;
  /** the dax device registered for the disk (dax_add_host), if any */
  dax: DaxDevice | null;
  /** register the filesystem's ->shutdown, called when del_gendisk marks the disk dead */
  onMarkDead(cb: (k: Kernel) => void): void;
  /** the corrupted-range design: register the holder's ->corrupted_range(offset, len, mf_flags) */
  onCorruptedRange(cb: (k: Kernel, offset: number, len: number, mfFlags: number) => number): void;
  /**
   * the system physical ranges [spa, bytes] behind [offset, offset+len) of
   * the device, in device order (a dm table may split it); no trace
   */
  spaRanges(offset: number, len: number): [number, number][];
  /** the SPA of byte 0 when the whole device is one linear range of system memory (a pmem disk); undefined otherwise */
  linearSpa?: number;
}

/** a file's blocks at a glance (SuperBlock.ownedQuiet) */
export interface OwnedSummary {
  devStart: number;
  devEnd: number;
  fileStart: number;
  fileEnd: number;
  gapless: boolean;
  each(fn: (fileOffset: number, devOffset: number, length: number) => void): void;
}

export abstract class SuperBlock {
  /** the dax device the filesystem holds (or uses without holding), null when DAX is off */
  daxDev: DaxDevice | null = null;
  readonly files = new Map<string, Inode>();
  /** freeze_super() taken */
  frozen = false;

  constructor(
    readonly spec: FilesystemSpec,
    readonly bdev: BlockDev,
  ) {}

  get mount(): string {
    return this.spec.mount;
  }
  /** files are accessed through DAX (-o dax=always on a device with struct pages) */
  get dax(): boolean {
    return this.daxDev !== null;
  }
  /** the SHUTDOWN_* names joined with |, or null */
  abstract shutdownState(): string | null;
  isShutdown(): boolean {
    return this.shutdownState() !== null;
  }
  /** the log-line prefix, e.g. "XFS (pmem0): " */
  abstract get logPrefix(): string;

  /** ->iomap_begin for a read or a read fault at pos */
  abstract iomapRead(k: Kernel, inode: Inode, pos: number, len: number): Iomap | number;
  /**
   * ->iomap_begin for a write or write fault: allocates holes (zeroing the
   * new blocks) and sets up copy-on-write for shared blocks.
   */
  abstract iomapWrite(k: Kernel, inode: Inode, pos: number, len: number): Iomap | number;
  /** ->iomap_end after a write: a CoW remaps the file onto the new blocks */
  abstract iomapWriteEnd(k: Kernel, inode: Inode, iomap: Iomap, written: number): void;
  /** fallocate(PUNCH_HOLE|KEEP_SIZE) after the page cache/DAX entries are gone */
  abstract punchHole(k: Kernel, inode: Inode, off: number, len: number): number;
  /** the last writable reference to the file is closed (each read/write/punch event opens and closes it) */
  release(_inode: Inode): void {}
  /** the block device went away underneath (fs_bdev_mark_dead → ->shutdown) */
  abstract markDead(k: Kernel): void;
  /** the block-device byte offset holding a file offset, or undefined for a hole; no trace */
  abstract bmapQuiet(inode: Inode, off: number): number | undefined;
  /**
   * The file owners of device bytes [devOffset, devOffset + len), from the
   * filesystem's own reverse map; undefined when it keeps none (then a caller
   * walks each file's block map). No trace, no state changed.
   */
  ownersQuiet(_devOffset: number, _len: number): { inode: Inode; fileOffset: number; length: number }[] | undefined {
    return undefined;
  }
  /**
   * One file's part of that reverse map at a glance, so that a failure of a
   * large range can find its owners file by file instead of record by
   * record (the same owners as ownersQuiet): the device bytes
   * [devStart, devEnd) holding all of the file's blocks (a bound), the file
   * bytes [fileStart, fileEnd) from its first mapped byte to its last, and
   * whether its blocks map those bytes with no hole between; `each` walks
   * its pieces (file offset, device offset, length). Undefined when the
   * filesystem keeps no reverse map, null when the file owns no blocks. No
   * trace, no state changed.
   */
  ownedQuiet(_inode: Inode): OwnedSummary | null | undefined {
    return undefined;
  }
  /**
   * The device bytes behind file bytes [pos, pos + len) as far as they are
   * one written, contiguous piece: its device offset, its length (at most
   * len) and whether the blocks are shared (reflinked); undefined for a hole
   * or an unwritten extent. No trace. Filesystems with an extent map say it
   * in one lookup; this default walks the block map a page at a time.
   */
  mapQuiet(inode: Inode, pos: number, len: number): { devOffset: number; length: number; shared: boolean } | undefined {
    const d = this.bmapQuiet(inode, pos);
    if (d === undefined) return undefined;
    let n = 4096 - (pos % 4096);
    while (n < len && this.bmapQuiet(inode, pos + n) === d + n) n += 4096;
    return { devOffset: d, length: Math.min(n, len), shared: false };
  }
  /** the file's mapped extents: file offset, length and block-device byte offset, in file order; no trace */
  abstract extentsQuiet(inode: Inode): { fileOffset: number; length: number; devOffset: number }[];
  /** create a file as the scenario describes it (setup, before any event) */
  abstract createFile(k: Kernel, f: FileSpec, lookup: (path: string) => Inode | undefined): Inode;
}
