// struct xfs_mount of the model: one XFS filesystem on a DAX data device,
// from mkfs to file operations, with the on-disk structures a memory-failure
// notification needs: AG headers, per-AG free space, reverse map and
// reference counts, inode chunks, inodes with data, CoW and attr forks, and a
// directory tree.
//
// What the model does, and the kernel functions it follows (v6.12):
//   mkfs                xfsMkfsGeometry (xfs_mkfs.ts), xfs_ag_init_headers,
//                       xfs_alloc_fix_freelist (AGFL), root/rbm/rsum inodes
//   inode allocation    xfs_dialloc, xfs_dialloc_ag (finobt near the parent),
//                       xfs_ialloc_ag_alloc (exact after the last chunk, else
//                       near the inobt root, aligned; sparse as last resort)
//   block allocation    xfs_bmap_btalloc: xfs_bmap_adjacent picks the target,
//                       xfs_bmap_btalloc_select_lengths the minimum length,
//                       xfs_alloc_vextent_start_ag the AG (near the target in
//                       its AG, by size in the others)
//   writes (DAX)        xfs_direct_write_iomap_begin with xfs_dax_write_iomap_ops:
//                       holes are allocated (xfs_iomap_write_direct), unwritten
//                       extents converted, shared blocks copied on write
//                       (xfs_reflink_allocate_cow with the CoW extent size
//                       hint, xfs_dax_write_iomap_end -> xfs_reflink_end_cow)
//   reflink             xfs_reflink_remap_prep / xfs_reflink_remap_blocks /
//                       xfs_reflink_remap_extent, generic_remap_checks
//   punch hole          xfs_free_file_space (unmap whole blocks, zero the
//                       partial ones through the write path)
//   close (release)     xfs_file_release -> xfs_free_eofblocks: CoW staging and
//                       blocks past EOF are trimmed at the first writable close
//   truncate, unlink    xfs_itruncate_extents, xfs_inactive, xfs_difree
//   reverse map         xfs_rmap_map / xfs_rmap_unmap / xfs_rmap_query_range
//   fsmap               xfs_getfsmap (data device)
//
//   busy extents        freed blocks are not reused until a log force
//                       (xfs_extent_busy_trim, xfs_extent_busy_flush; logForce())
//
// Approximations: btrees other than the bmbt never grow past their root
// block (the AGFL keeps what mkfs put on it); there are no per-AG or global
// space reservations, so every free block can be allocated; the
// directory's block count is derived from entry sizes rather than laid out
// byte by byte; the bmbt's block count from full leaves.
//
// Every operation is atomic: input is validated before anything changes,
// and the undo journal (xfs_journal.ts) reverses a half-done operation
// that runs out of space.

import { InputError, describeValue } from '../../errors';
import { EINVAL, ENODATA, ENOENT, ENOSPC, EOPNOTSUPP } from '../../errno';
import { XfsFreeSpace, xfsAllocAgVextentNear, xfsAllocAgVextentSize, type AllocArgs, type AllocResult } from './xfs_alloc';
import {
  BBSIZE,
  FSMAP_OWNER_TEXT,
  XFS_AGB_TO_AGINO,
  XFS_AGB_TO_DADDR,
  XFS_AGB_TO_FSB,
  XFS_AGINO_TO_AGBNO,
  XFS_AGINO_TO_INO,
  XFS_BB_TO_FSBT,
  XFS_B_TO_FSB,
  XFS_B_TO_FSBT,
  XFS_DADDR_TO_FSB,
  XFS_DIR2_FREE_OFFSET_BYTES,
  XFS_DIR2_LEAF_OFFSET_BYTES,
  XFS_FSB_TO_AGBNO,
  XFS_FSB_TO_AGNO,
  XFS_FSB_TO_B,
  XFS_FSB_TO_BB,
  XFS_FSB_TO_DADDR,
  XFS_INODES_PER_CHUNK,
  XFS_INODES_PER_HOLEMASK_BIT,
  XFS_INO_TO_AGBNO,
  XFS_INO_TO_AGINO,
  XFS_INO_TO_AGNO,
  XFS_INO_TO_FSB,
  XFS_INO_TO_OFFSET,
  XFS_MAX_BMBT_EXTLEN,
  XFS_RMAP_LEN_MAX,
  XFS_RMAP_NON_INODE_OWNER,
  XFS_RMAP_OWN_AG,
  XFS_RMAP_OWN_COW,
  XFS_RMAP_OWN_FS,
  XFS_RMAP_OWN_INOBT,
  XFS_RMAP_OWN_INODES,
  XFS_RMAP_OWN_LOG,
  XFS_RMAP_OWN_REFC,
  rmapOwnerName,
  xfs_daddr_to_agbno,
  xfs_daddr_to_agno,
  type BmbtIrec,
  type RefcountIrec,
  type RmapIrec,
} from './xfs_format';
import {
  HOLESTARTBLOCK,
  XFS_DIR2_DOTDOT_BYTES,
  XfsIfork,
  newDirState,
  xfsBmbtBlocksNeeded,
  xfsDir2DataEntsize,
  xfsDirLayout,
  type DirLayout,
  type XfsDirState,
  type XfsInode,
} from './xfs_inode';
import { XfsJournal } from './xfs_journal';
import { xfsMkfsGeometry, type XfsGeometry, type XfsMkfsOptions } from './xfs_mkfs';
import { XfsRefcountBtree } from './xfs_refcount';
import { XfsRmapBtree, type XfsOwnerInfo } from './xfs_rmap';

/** errno values this file needs that src/sim/errno.ts does not define (include/uapi/asm-generic/errno-base.h) */
export const EEXIST = 17;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EFBIG = 27;

/** XFS_DIR3_DATA_HDR_SIZE, for the directory's data-block fill */
const DIR_DATA_HDR = 64;
/** the largest file offset the model allows (XFS_MAX_FILEOFF is 2^54 blocks; stay exact in doubles) */
const MAX_FILE_BYTES = 2 ** 52;

/** the fields of an explicit extent (createFile) */
const EXTENT_FIELDS = ['offset', 'block', 'length'] as const;

/** bad input: an InputError that also carries the errno the kernel would return */
export class XfsOpError extends InputError {
  constructor(
    path: string,
    field: string,
    value: unknown,
    message: string,
    readonly errno: number,
  ) {
    super(path, field, value, message);
    this.name = 'XfsOpError';
  }
}

/** out of space while an operation ran (rolled back by the journal) */
class XfsNoSpace extends Error {
  constructor(what: string) {
    super(`no space left on device: ${what}`);
  }
}

/** one inode chunk record (struct xfs_inobt_rec_incore) */
export interface XfsInoChunk {
  /** ir_startino: agino of the first inode (chunk aligned) */
  startino: number;
  /** ir_holemask: bit i set = inodes [4i, 4i+4) are not allocated (sparse chunk) */
  holemask: number;
  /** per inode: 0 free, 1 in use, 2 hole */
  state: Uint8Array;
  /** ir_freecount */
  freecount: number;
}

/** struct xfs_perag of the model */
export class XfsPerag {
  readonly free: XfsFreeSpace;
  readonly rmap: XfsRmapBtree;
  readonly refc: XfsRefcountBtree;
  /** AGFL contents, agbnos, slot flfirst onwards */
  agfl: number[] = [];
  /** inode chunks, sorted by startino (the inobt) */
  readonly chunks: XfsInoChunk[] = [];
  /** startinos of the chunks with a free inode, sorted (the finobt) */
  readonly finobt: number[] = [];
  /** startino -> chunk */
  readonly chunkByStart = new Map<number, XfsInoChunk>();
  /** agi_newino: agino of the last chunk allocated, -1 for NULLAGINO */
  newino = -1;
  /** agi_count, agi_freecount */
  icount = 0;
  ifree = 0;

  constructor(
    readonly agno: number,
    /** blocks in this AG */
    readonly length: number,
    journal: XfsJournal,
  ) {
    this.free = new XfsFreeSpace(agno, length, journal);
    this.rmap = new XfsRmapBtree(agno, journal);
    this.refc = new XfsRefcountBtree(agno, journal);
  }
}

/** a file for createFile: like the scenario's `files` entry, with the path inside the filesystem */
export interface XfsFileSpec {
  /** path inside the filesystem ("/dir/name"); missing directories are created */
  path: string;
  /** size in bytes (default: the end of the last explicit extent, else 0) */
  size?: number;
  /** byte the file holds (kept for the caller; the model does not store data) */
  fill?: number;
  /** explicit placement: file block `offset` is fsb `block` (xfs_db numbering), `length` blocks */
  extents?: { offset: number; block: number; length: number }[];
}

/** a piece of a file range as the DAX code sees it (iomap: IOMAP_MAPPED / IOMAP_HOLE / IOMAP_UNWRITTEN, IOMAP_F_SHARED) */
export interface XfsMapPiece {
  /** byte offset in the file */
  fileOffset: number;
  /** bytes */
  length: number;
  kind: 'mapped' | 'hole' | 'unwritten';
  /** 512-byte sector on the data device of fileOffset (mapped and unwritten pieces) */
  daddr?: number;
  /** exact byte offset on the data device of fileOffset (mapped and unwritten pieces) */
  deviceOffset?: number;
  /** fsb of the block holding fileOffset */
  fsb?: number;
  /** the blocks are shared with another file (refcount >= 2) */
  shared: boolean;
}

/**
 * One mapping of a write, as xfs_direct_write_iomap_begin returns it (struct
 * iomap): where the bytes [fileOffset, fileOffset + length) go.
 */
export interface XfsIomap {
  fileOffset: number;
  length: number;
  kind: 'mapped' | 'hole' | 'unwritten';
  /** 512-byte sector of fileOffset on the data device (mapped, unwritten) */
  daddr?: number;
  /** byte offset of fileOffset on the data device (mapped, unwritten) */
  deviceOffset?: number;
  /** fsb of the block holding fileOffset */
  fsb?: number;
  /** IOMAP_F_SHARED */
  shared: boolean;
  /** IOMAP_F_NEW: freshly allocated or converted blocks, zeroed before use */
  isNew: boolean;
  /** the bytes go to CoW staging blocks; daxWriteIomapEnd remaps them into the file */
  cow: boolean;
}

/** a record of `xfs_io -c 'fsmap -v'` (struct fsmap as xfs_getfsmap fills it, data device) */
export interface XfsFsmapRecord {
  /** first 512-byte sector (fmr_physical / 512) */
  daddr: number;
  /** sectors */
  bblen: number;
  agno: number;
  agbno: number;
  /** blocks */
  blockcount: number;
  /** inode number, or an XFS_RMAP_OWN_* value; 'free' for free space, 'unknown' without rmapbt */
  owner: number | 'free' | 'unknown';
  /** the OWNER column of xfs_io fsmap -v */
  ownerText: string;
  /** file block of the first block, for inode data and attr records */
  offset?: number;
  attrFork: boolean;
  /** FMR_OF_EXTENT_MAP: a bmap btree block */
  bmbtBlock: boolean;
  unwritten: boolean;
  /** FMR_OF_SHARED */
  shared: boolean;
}

/** a file named by its path inside the filesystem or by its inode number */
export type XfsFileRef = string | number;

/** what a directory listing returns */
export interface XfsFileInfo {
  path: string;
  ino: number;
  type: 'file' | 'dir';
  size: number;
}

/** per-inode view for callers (copies) */
export interface XfsInodeInfo {
  ino: number;
  type: 'file' | 'dir';
  path: string;
  size: number;
  fill: number | undefined;
  incore: boolean;
  reflink: boolean;
  /** data fork mappings */
  extents: BmbtIrec[];
  /** CoW fork mappings (staging extents) */
  cowExtents: BmbtIrec[];
  bmbtBlocks: number[];
  attrBlocks: number[];
  /** directories: their format */
  dirFormat?: XfsDirState['format'];
}

/** result of a runtime file operation: 0 or a negative errno (the operation then changed nothing) */
export interface XfsIoResult {
  error: number;
  /** how the written range maps after the write (write only) */
  pieces?: XfsMapPiece[];
}

/**
 * An XFS filesystem: geometry, conversions, reverse map, inodes and files.
 * Create one with XfsMount.mkfs(). All sizes and offsets of file operations
 * are bytes; block numbers are AG blocks (agbno) or fsbs as named.
 */
export class XfsMount {
  readonly geo: XfsGeometry;
  readonly journal = new XfsJournal();
  private readonly ags: XfsPerag[] = [];
  private readonly inodes = new Map<number, XfsInode>();
  /** sb_rootino, sb_rbmino, sb_rsumino */
  readonly rootino: number;
  readonly rbmino: number;
  readonly rsumino: number;
  /** m_agirotor: AG of the next directory */
  private readonly rotor = { agirotor: 0 };
  /** XFS_DIR2_LEAF_OFFSET and XFS_DIR2_FREE_OFFSET in directory blocks */
  private readonly dirLeafOffset: number;
  private readonly dirFreeOffset: number;
  /** JSON pointer of the filesystem's spec, for errors */
  readonly specPath: string;

  /** mkfs.xfs + mount: a fresh filesystem on a device of opts.deviceBytes */
  static mkfs(opts: XfsMkfsOptions): XfsMount {
    return new XfsMount(xfsMkfsGeometry(opts), opts.path ?? '');
  }

  private constructor(geo: XfsGeometry, specPath: string) {
    this.geo = geo;
    this.specPath = specPath;
    this.dirLeafOffset = XFS_DIR2_LEAF_OFFSET_BYTES / geo.blockSize;
    this.dirFreeOffset = XFS_DIR2_FREE_OFFSET_BYTES / geo.blockSize;
    const g = geo;
    for (let agno = 0; agno < g.agcount; agno++) {
      const len = this.agLength(agno);
      const pag = new XfsPerag(agno, len, this.journal);
      this.ags.push(pag);
      // xfs_ag_init_headers: free space after the btree roots, minus the log
      const logHere = g.logInternal && agno === g.logAgno;
      const lstart = logHere ? XFS_FSB_TO_AGBNO(g, g.logstart) : len;
      const lend = logHere ? lstart + g.logblocks : len;
      if (lstart > g.preallocBlocks) pag.free.give(g.preallocBlocks, lstart - g.preallocBlocks, false);
      if (lend < len) pag.free.give(lend, len - lend, false);
      // xfs_rmaproot_init: what the headers and roots occupy
      pag.rmap.map(0, g.bnoBlock, { owner: XFS_RMAP_OWN_FS, offset: 0 });
      pag.rmap.map(g.bnoBlock, 2, { owner: XFS_RMAP_OWN_AG, offset: 0 });
      pag.rmap.map(g.ibtBlock, 2, { owner: XFS_RMAP_OWN_INOBT, offset: 0 });
      if (g.rmapbt) pag.rmap.map(g.rmapBlock, 1, { owner: XFS_RMAP_OWN_AG, offset: 0 });
      if (g.reflink) pag.rmap.map(g.refcBlock, 1, { owner: XFS_RMAP_OWN_REFC, offset: 0 });
      if (logHere) pag.rmap.map(lstart, g.logblocks, { owner: XFS_RMAP_OWN_LOG, offset: 0 });
      // xfs_alloc_fix_freelist: mkfs fills every AGFL to the minimum
      this.fixFreelist(pag);
    }
    // the root directory, then the realtime bitmap and summary inodes
    this.rootino = this.dialloc(0, true);
    this.rbmino = this.dialloc(0, false);
    this.rsumino = this.dialloc(0, false);
    this.rotor.agirotor = 0;
    this.inodes.set(this.rootino, this.newInode(this.rootino, 'dir', this.rootino, ''));
    this.inodes.set(this.rbmino, this.newInode(this.rbmino, 'file', -1, ''));
    this.inodes.set(this.rsumino, this.newInode(this.rsumino, 'file', -1, ''));
  }

  // ---------------------------------------------------------------------
  // Geometry and conversions

  get blockSize(): number {
    return this.geo.blockSize;
  }

  /** blocks in AG agno (xfs_ag_block_count) */
  agLength(agno: number): number {
    const g = this.geo;
    return agno < g.agcount - 1 ? g.agblocks : g.lastAgBlocks;
  }

  /** size of the data device the filesystem uses, in bytes (dblocks * blocksize) */
  get dataBytes(): number {
    return this.geo.dblocks * this.geo.blockSize;
  }

  /** XFS_DADDR_TO_FSB */
  daddrToFsb(daddr: number): number {
    return XFS_DADDR_TO_FSB(this.geo, daddr);
  }
  /** XFS_FSB_TO_DADDR */
  fsbToDaddr(fsb: number): number {
    return XFS_FSB_TO_DADDR(this.geo, fsb);
  }
  /** XFS_FSB_TO_AGNO */
  fsbToAgno(fsb: number): number {
    return XFS_FSB_TO_AGNO(this.geo, fsb);
  }
  /** XFS_FSB_TO_AGBNO */
  fsbToAgbno(fsb: number): number {
    return XFS_FSB_TO_AGBNO(this.geo, fsb);
  }
  /** XFS_AGB_TO_FSB */
  agbToFsb(agno: number, agbno: number): number {
    return XFS_AGB_TO_FSB(this.geo, agno, agbno);
  }
  /** XFS_AGB_TO_DADDR */
  agbToDaddr(agno: number, agbno: number): number {
    return XFS_AGB_TO_DADDR(this.geo, agno, agbno);
  }
  /** xfs_daddr_to_agno */
  daddrToAgno(daddr: number): number {
    return xfs_daddr_to_agno(this.geo, daddr);
  }
  /** xfs_daddr_to_agbno */
  daddrToAgbno(daddr: number): number {
    return xfs_daddr_to_agbno(this.geo, daddr);
  }
  /** XFS_FSB_TO_B */
  fsbToB(blocks: number): number {
    return XFS_FSB_TO_B(this.geo, blocks);
  }
  /** XFS_B_TO_FSBT */
  bToFsbt(bytes: number): number {
    return XFS_B_TO_FSBT(this.geo, bytes);
  }
  /** XFS_B_TO_FSB */
  bToFsb(bytes: number): number {
    return XFS_B_TO_FSB(this.geo, bytes);
  }
  /** XFS_FSB_TO_BB */
  fsbToBb(blocks: number): number {
    return XFS_FSB_TO_BB(this.geo, blocks);
  }
  /** XFS_BB_TO_FSBT */
  bbToFsbt(bbs: number): number {
    return XFS_BB_TO_FSBT(this.geo, bbs);
  }
  /** XFS_INO_TO_AGNO */
  inoToAgno(ino: number): number {
    return XFS_INO_TO_AGNO(this.geo, ino);
  }
  /** XFS_INO_TO_AGBNO */
  inoToAgbno(ino: number): number {
    return XFS_INO_TO_AGBNO(this.geo, ino);
  }
  /** XFS_INO_TO_OFFSET */
  inoToOffset(ino: number): number {
    return XFS_INO_TO_OFFSET(this.geo, ino);
  }
  /** XFS_INO_TO_FSB */
  inoToFsb(ino: number): number {
    return XFS_INO_TO_FSB(this.geo, ino);
  }
  /** XFS_AGINO_TO_INO(agno, XFS_OFFBNO_TO_AGINO(agbno, offset)) */
  agbToIno(agno: number, agbno: number, offset = 0): number {
    return XFS_AGINO_TO_INO(this.geo, agno, XFS_AGB_TO_AGINO(this.geo, agbno) + offset);
  }

  /** is fsb a valid block of the data device (xfs_verify_fsbno) */
  verifyFsbno(fsb: number): boolean {
    if (!Number.isSafeInteger(fsb) || fsb < 0) return false;
    const agno = this.fsbToAgno(fsb);
    return agno < this.geo.agcount && this.fsbToAgbno(fsb) < this.agLength(agno);
  }

  // ---------------------------------------------------------------------
  // On-disk header views

  /** the superblock's counters and geometry, as xfs_db prints sb 0 (the fields the model knows) */
  sb(): Record<string, number | string> {
    const g = this.geo;
    let icount = 0;
    let ifree = 0;
    let fdblocks = 0;
    for (const pag of this.ags) {
      icount += pag.icount;
      ifree += pag.ifree;
      fdblocks += pag.free.freeblks + pag.agfl.length;
    }
    return {
      blocksize: g.blockSize,
      dblocks: g.dblocks,
      rblocks: 0,
      rextents: 0,
      logstart: g.logstart,
      rootino: this.rootino,
      rbmino: this.rbmino,
      rsumino: this.rsumino,
      rextsize: 1,
      agblocks: g.agblocks,
      agcount: g.agcount,
      rbmblocks: 0,
      logblocks: g.logblocks,
      versionnum: `0x${g.versionnum.toString(16)}`,
      sectsize: g.sectSize,
      inodesize: g.inodeSize,
      inopblock: g.inopblock,
      blocklog: g.blocklog,
      sectlog: g.sectlog,
      inodelog: g.inodelog,
      inopblog: g.inopblog,
      agblklog: g.agblklog,
      rextslog: 0,
      inprogress: 0,
      imax_pct: g.imaxpct,
      icount,
      ifree,
      fdblocks,
      frextents: 0,
      inoalignmt: g.inoalignmt,
      unit: 0,
      width: 0,
      dirblklog: g.dirblklog,
      logsectlog: g.logSectSize ? Math.log2(g.logSectSize) : 0,
      logsectsize: g.logSectSize,
      logsunit: g.sectSize === 512 ? 1 : g.sectSize,
      features2: `0x${g.features2.toString(16)}`,
      features_compat: 0,
      features_ro_compat: `0x${g.featuresRoCompat.toString(16)}`,
      features_incompat: `0x${g.featuresIncompat.toString(16)}`,
      spino_align: g.spinoAlign,
    };
  }

  /** struct xfs_agf of AG agno, as xfs_db prints it (the fields the model knows) */
  agf(agno: number): Record<string, number> {
    const g = this.geo;
    const pag = this.pag(agno);
    const r: Record<string, number> = {
      seqno: agno,
      length: pag.length,
      bnoroot: g.bnoBlock,
      cntroot: g.cntBlock,
    };
    if (g.rmapbt) r.rmaproot = g.rmapBlock;
    if (g.reflink) r.refcntroot = g.refcBlock;
    r.bnolevel = 1;
    r.cntlevel = 1;
    if (g.rmapbt) r.rmaplevel = 1;
    if (g.reflink) r.refcntlevel = 1;
    if (g.rmapbt) r.rmapblocks = 1;
    if (g.reflink) r.refcntblocks = 1;
    r.flfirst = 1;
    r.fllast = pag.agfl.length;
    r.flcount = pag.agfl.length;
    r.freeblks = pag.free.freeblks;
    r.longest = pag.free.longest();
    r.btreeblks = 0;
    return r;
  }

  /** struct xfs_agi of AG agno (the fields the model knows); newino -1 is NULLAGINO */
  agi(agno: number): Record<string, number> {
    const g = this.geo;
    const pag = this.pag(agno);
    return {
      seqno: agno,
      length: pag.length,
      count: pag.icount,
      root: g.ibtBlock,
      level: 1,
      freecount: pag.ifree,
      newino: pag.newino,
      free_root: g.fibtBlock,
      free_level: 1,
      ino_blocks: 1,
      fino_blocks: 1,
    };
  }

  /** the AGFL of AG agno: agbnos in slots flfirst.. */
  agfl(agno: number): number[] {
    return [...this.pag(agno).agfl];
  }

  /** the free extents of AG agno (bnobt records) */
  freeExtents(agno: number): { startblock: number; blockcount: number }[] {
    return this.pag(agno)
      .free.extents()
      .map((e) => ({ startblock: e.start, blockcount: e.len }));
  }

  /** inode chunk records of AG agno (inobt) */
  inodeChunks(agno: number): { startino: number; holemask: number; count: number; freecount: number; free: number[] }[] {
    const pag = this.pag(agno);
    return pag.chunks.map((c) => ({
      startino: XFS_AGINO_TO_INO(this.geo, agno, c.startino),
      holemask: c.holemask,
      count: XFS_INODES_PER_CHUNK - popcount16(c.holemask) * XFS_INODES_PER_HOLEMASK_BIT,
      freecount: c.freecount,
      free: [...c.state].flatMap((s, i) => (s === 0 ? [i] : [])),
    }));
  }

  private pag(agno: number): XfsPerag {
    const p = this.ags[agno];
    if (!p) throw new RangeError(`AG ${agno} does not exist (agcount ${this.geo.agcount})`);
    return p;
  }

  // ---------------------------------------------------------------------
  // Reverse map and reference counts

  /**
   * xfs_rmap_query_range(cur, {startblock: lowAgbno}, {startblock:
   * highAgbno, rest all ones}, fn): call fn for every rmap record of AG
   * agno overlapping blocks [lowAgbno, highAgbno], in rmapbt key order
   * (startblock, owner, offset). Stops at the first non-zero return of fn
   * and returns it; 0 when all were visited. fn gets copies.
   */
  rmapQueryRange(agno: number, lowAgbno: number, highAgbno: number, fn: (rec: RmapIrec) => number): number {
    return this.pag(agno).rmap.queryRange(lowAgbno, highAgbno, fn);
  }

  /** xfs_rmap_query_range with full low and high keys (startblock, owner, offset, flags) */
  rmapQueryRangeKeys(agno: number, low: RmapIrec, high: RmapIrec, fn: (rec: RmapIrec) => number): number {
    return this.pag(agno).rmap.queryRangeKeys(low, high, fn);
  }

  /** xfs_rmap_query_all */
  rmapQueryAll(agno: number, fn: (rec: RmapIrec) => number): number {
    return this.pag(agno).rmap.queryRange(0, Number.MAX_SAFE_INTEGER, fn);
  }

  /** every rmap record of AG agno in key order */
  rmapRecords(agno: number): RmapIrec[] {
    return this.pag(agno).rmap.records();
  }

  /** every refcount btree record of AG agno (shared domain, then CoW domain) */
  refcountRecords(agno: number): RefcountIrec[] {
    return this.pag(agno).refc.records();
  }

  /** the reference count of one block (0 when free, 1 when used once) */
  refcountOf(agno: number, agbno: number): number {
    const pag = this.pag(agno);
    if (pag.free.isFree(agbno, 1)) return 0;
    return pag.refc.runs(agbno, 1)[0]!.refcount;
  }

  /** who owns a block: its rmap records (several for a shared block), empty when free */
  ownersOf(fsb: number): RmapIrec[] {
    const out: RmapIrec[] = [];
    if (!this.verifyFsbno(fsb)) return out;
    const agbno = this.fsbToAgbno(fsb);
    this.pag(this.fsbToAgno(fsb)).rmap.queryRange(agbno, agbno, (r) => {
      out.push(r);
      return 0;
    });
    return out;
  }

  /**
   * xfs_getfsmap for the data device, as `xfs_io -c 'fsmap -v'` lists it:
   * every rmap record in key order with the free space between them. Without
   * rmapbt the kernel reports from the free-space btree (used space as
   * "unknown"); `allOwners` reports the model's owners anyway.
   */
  fsmap(opts: { allOwners?: boolean } = {}): XfsFsmapRecord[] {
    const g = this.geo;
    const useRmap = g.rmapbt || !!opts.allOwners;
    const out: XfsFsmapRecord[] = [];
    const emit = (agno: number, agbno: number, count: number, owner: XfsFsmapRecord['owner'], r?: RmapIrec, shared = false): void => {
      const inode = typeof owner === 'number' && !XFS_RMAP_NON_INODE_OWNER(owner);
      out.push({
        daddr: this.agbToDaddr(agno, agbno),
        bblen: this.fsbToBb(count),
        agno,
        agbno,
        blockcount: count,
        owner,
        ownerText:
          owner === 'free' ? 'free space' : owner === 'unknown' ? 'unknown' : inode ? String(owner) : FSMAP_OWNER_TEXT[owner] ?? String(owner),
        offset: inode && r && !r.bmbtBlock ? r.offset : undefined,
        attrFork: r?.attrFork ?? false,
        bmbtBlock: r?.bmbtBlock ?? false,
        unwritten: r?.unwritten ?? false,
        shared,
      });
    };
    for (const pag of this.ags) {
      let next = 0;
      if (useRmap) {
        for (const r of pag.rmap.list) {
          if (r.startblock > next) emit(pag.agno, next, r.startblock - next, 'free');
          emit(pag.agno, r.startblock, r.blockcount, r.owner, r, g.reflink && pag.refc.isShared(r.startblock, r.blockcount));
          next = Math.max(next, r.startblock + r.blockcount);
        }
      } else {
        for (const f of pag.free.list) {
          if (f.start > next) emit(pag.agno, next, f.start - next, 'unknown');
          emit(pag.agno, f.start, f.len, 'free');
          next = f.start + f.len;
        }
      }
      if (next < pag.length) emit(pag.agno, next, pag.length - next, useRmap ? 'free' : 'unknown');
    }
    return out;
  }

  // ---------------------------------------------------------------------
  // Inodes

  /**
   * xfs_iget(mp, tp, ino, flags): the inode, or a negative errno. With
   * `incore` (XFS_IGET_INCORE) an inode that is not in the inode cache gives
   * -ENODATA. An inode number outside the filesystem gives -EINVAL, a free
   * one -ENOENT (-ENODATA with XFS_IGET_INCORE).
   */
  iget(ino: number, flags: { incore?: boolean } = {}): { error: number; ip?: XfsInodeInfo } {
    if (!this.verifyIno(ino)) return { error: -EINVAL };
    const ip = this.inodes.get(ino);
    if (flags.incore && (!ip || !ip.incore)) return { error: -ENODATA };
    if (!ip) return { error: -ENOENT };
    return { error: 0, ip: this.info(ip) };
  }

  /** xfs_iget(XFS_IGET_INCORE) as xfs_dax_failure_fn calls it: the inode if it is cached, else undefined */
  igetIncore(ino: number): XfsInodeInfo | undefined {
    return this.iget(ino, { incore: true }).ip;
  }

  /** xfs_verify_ino: an inode number that can exist in this filesystem */
  verifyIno(ino: number): boolean {
    if (!Number.isSafeInteger(ino) || ino < 0) return false;
    const agno = XFS_INO_TO_AGNO(this.geo, ino);
    if (agno >= this.geo.agcount) return false;
    const agbno = XFS_INO_TO_AGBNO(this.geo, ino);
    return agbno > 0 && agbno < this.agLength(agno);
  }

  /** is the inode allocated */
  hasInode(ino: number): boolean {
    return this.inodes.has(ino);
  }

  /** set whether the inode is in the inode cache (what XFS_IGET_INCORE lookups see) */
  setIncore(ino: number, incore: boolean): void {
    const ip = this.inodeOrThrow(ino, '');
    this.journal.run(() => this.journal.set(ip, 'incore', incore));
  }

  /** i_size of a file, bytes */
  fileSize(ino: number): number {
    return this.inodeOrThrow(ino, '').size;
  }

  /** inode -> path inside the filesystem ("/a/b"); "" for the realtime inodes */
  pathOf(ino: number): string {
    const parts: string[] = [];
    let ip = this.inodes.get(ino);
    if (!ip) return '';
    if (ino === this.rootino) return '/';
    while (ip && ip.ino !== this.rootino) {
      if (ip.parent < 0) return '';
      parts.push(ip.name);
      ip = this.inodes.get(ip.parent);
    }
    return '/' + parts.reverse().join('/');
  }

  /** path -> inode number, or undefined */
  lookup(path: string): number | undefined {
    const parts = splitPath(path);
    if (!parts) return undefined;
    let ino = this.rootino;
    for (const name of parts) {
      const d = this.inodes.get(ino);
      if (!d || !d.dir) return undefined;
      const next = d.dir.entries.get(name);
      if (next === undefined) return undefined;
      ino = next;
    }
    return ino;
  }

  /** every file and directory under the root, depth first, names sorted */
  listFiles(): XfsFileInfo[] {
    const out: XfsFileInfo[] = [];
    const walk = (dino: number, prefix: string): void => {
      const d = this.inodes.get(dino)!;
      const names = [...d.dir!.entries.keys()].sort();
      for (const name of names) {
        const ino = d.dir!.entries.get(name)!;
        const ip = this.inodes.get(ino)!;
        const path = `${prefix}/${name}`;
        out.push({ path, ino, type: ip.type, size: ip.size });
        if (ip.dir) walk(ino, path);
      }
    };
    walk(this.rootino, '');
    return out;
  }

  /** a copy of what the model knows about an inode */
  inode(ino: number): XfsInodeInfo | undefined {
    const ip = this.inodes.get(ino);
    return ip ? this.info(ip) : undefined;
  }

  private info(ip: XfsInode): XfsInodeInfo {
    return {
      ino: ip.ino,
      type: ip.type,
      path: this.pathOf(ip.ino),
      size: ip.size,
      fill: ip.fill,
      incore: ip.incore,
      reflink: ip.reflinkFlag,
      extents: ip.data.toArray(),
      cowExtents: ip.cow.toArray(),
      bmbtBlocks: [...ip.bmbtBlocks],
      attrBlocks: [...ip.attrBlocks],
      dirFormat: ip.dir?.format,
    };
  }

  private inodeOrThrow(ino: number, at: string): XfsInode {
    const ip = this.inodes.get(ino);
    if (!ip) throw new XfsOpError(at, 'ino', ino, `inode ${describeValue(ino)} does not exist`, ENOENT);
    return ip;
  }

  /** fsb -> agno for the inode forks (one closure for all of them) */
  private readonly agnoOf = (fsb: number): number => this.fsbToAgno(fsb);

  private newInode(ino: number, type: 'file' | 'dir', parent: number, name: string): XfsInode {
    const agnoOf = this.agnoOf;
    return {
      ino,
      type,
      parent,
      name,
      size: 0,
      fill: undefined,
      incore: true,
      reflinkFlag: false,
      preallocFlag: false,
      eofblocksReleased: false,
      itruncated: false,
      data: new XfsIfork(this.journal, agnoOf),
      cow: new XfsIfork(this.journal, agnoOf),
      bmbtBlocks: [],
      attrBlocks: [],
      dir: type === 'dir' ? newDirState() : undefined,
    };
  }

  // ---------------------------------------------------------------------
  // Block allocation

  /** xfs_alloc_fix_freelist: fill the AGFL up to the minimum from the smallest fitting free extent */
  private fixFreelist(pag: XfsPerag): void {
    const need = this.geo.minFreelist;
    while (pag.agfl.length < need) {
      const r = xfsAllocAgVextentSize(pag.free, { agbno: 0, minlen: 1, maxlen: need - pag.agfl.length, alignment: 1, userdata: false }).r;
      if (!r) throw new XfsNoSpace(`AGFL of AG ${pag.agno}`);
      pag.free.take(r.agbno, r.len);
      pag.rmap.map(r.agbno, r.len, { owner: XFS_RMAP_OWN_AG, offset: 0 });
      const blocks = Array.from({ length: r.len }, (_, i) => r.agbno + i);
      this.journal.set(pag, 'agfl', [...pag.agfl, ...blocks]);
    }
  }

  /**
   * xfs_bmap_btalloc: find up to `len` blocks near fsb `target`.
   * xfs_bmap_btalloc_select_lengths: scan the AGs from the target's for one
   * whose longest free extent holds maxlen; if none, the minimum length
   * becomes the longest seen. xfs_alloc_vextent_start_ag: the first AG (from
   * the target's, wrapping) with an extent of minlen allocates, near the
   * target in the target's AG, by size in any other. Throws XfsNoSpace.
   * Does not take the blocks.
   */
  private allocExtent(target: number, len: number, opts: { userdata: boolean; minlen?: number; prod?: number; mod?: number; alignment?: number }): { agno: number; r: AllocResult } {
    const g = this.geo;
    const maxlen = Math.min(len, g.agMaxUsable);
    const apMinlen = opts.minlen ?? 1;
    const startAg = this.verifyFsbno(target) ? this.fsbToAgno(target) : 0;
    const targetAgbno = this.verifyFsbno(target) ? this.fsbToAgbno(target) : 0;
    let blen = 0;
    for (let k = 0; k < g.agcount; k++) {
      const l = this.ags[(startAg + k) % g.agcount]!.free.longest();
      if (l > blen) blen = l;
      if (blen >= maxlen) break;
    }
    if (blen === 0) throw new XfsNoSpace(`${len} blocks`);
    const minlen = blen < apMinlen ? apMinlen : blen < maxlen ? blen : maxlen;
    const base: AllocArgs = {
      agbno: targetAgbno,
      minlen,
      maxlen,
      alignment: opts.alignment ?? 1,
      userdata: opts.userdata,
      prod: opts.prod,
      mod: opts.mod,
    };
    const attempt = (): { agno: number; r: AllocResult } | { busy: boolean } => {
      let busy = false;
      for (let k = 0; k < g.agcount; k++) {
        const agno = (startAg + k) % g.agcount;
        const pag = this.ags[agno]!;
        if (pag.free.longest() < minlen) continue;
        const o =
          agno === startAg && targetAgbno !== 0
            ? xfsAllocAgVextentNear(pag.free, base)
            : xfsAllocAgVextentSize(pag.free, { ...base, agbno: 0 });
        if (o.r) return { agno, r: o.r };
        busy ||= o.busy;
        break;
      }
      // xfs_bmap_btalloc_low_space: any AG, from the first, minimum length
      for (let agno = 0; agno < g.agcount; agno++) {
        const o = xfsAllocAgVextentSize(this.ags[agno]!.free, { ...base, agbno: 0, minlen: apMinlen, alignment: 1 });
        if (o.r) return { agno, r: o.r };
        busy ||= o.busy;
      }
      return { busy };
    };
    let got = attempt();
    // xfs_extent_busy_flush: force the log so that busy extents can be used, and retry
    if ('busy' in got && got.busy) {
      this.forceLog();
      got = attempt();
    }
    if ('r' in got) return got;
    throw new XfsNoSpace(`${len} blocks`);
  }

  /**
   * xfs_log_force: the log is on disk, so every extent freed before now is
   * no longer busy and may be allocated again (xfs_extent_busy_clear).
   */
  private forceLog(): void {
    for (const pag of this.ags) if (pag.free.busy.size) pag.free.clearBusy();
  }

  /**
   * A log force (fsync, sync, unmount, freeze, or the periodic
   * xfs_log_worker every 30 s): blocks freed before it (by a punch hole,
   * a truncate, a CoW remap...) become allocatable again. Until then XFS
   * keeps them busy and allocates elsewhere.
   */
  logForce(): void {
    this.journal.run(() => this.forceLog());
  }

  /** the busy extents of AG agno (freed since the last log force) */
  busyExtents(agno: number): { startblock: number; blockcount: number }[] {
    return this.pag(agno)
      .free.busy.toArray()
      .map((e) => ({ startblock: e.start, blockcount: e.len }));
  }

  /**
   * xfs_bmap_adjacent: the target block for an allocation at file block
   * `off` of `len` blocks in `fork`: after the previous extent (plus the
   * gap) when allocating at the end of the fork, else the better of the
   * previous and next extents; the inode's own block when there is none.
   */
  private bmapAdjacent(ip: XfsInode, fork: XfsIfork, off: number, len: number): number {
    const g = this.geo;
    let blkno = this.inoToFsb(ip.ino);
    const eof = fork.isEof(off);
    const { prev, next } = fork.neighbours(off);
    const valid = (x: number, y: number): boolean => {
      if (x < 0) return false;
      const a = this.fsbToAgno(x);
      return a === this.fsbToAgno(y) && a < g.agcount && this.fsbToAgbno(x) < g.agblocks;
    };
    const GAP = 4; // XFS_ALLOC_GAP_UNITS
    if (eof && prev && valid(prev.startblock + prev.blockcount, prev.startblock)) {
      blkno = prev.startblock + prev.blockcount;
      const adjust = off - (prev.startoff + prev.blockcount);
      if (adjust && valid(blkno + adjust, prev.startblock)) blkno += adjust;
      return blkno;
    }
    if (!eof) {
      let prevbno: number | undefined;
      let prevdiff = 0;
      let gotbno: number | undefined;
      let gotdiff = 0;
      if (prev && valid(prev.startblock + prev.blockcount, prev.startblock)) {
        prevbno = prev.startblock + prev.blockcount;
        const adjust = (prevdiff = off - (prev.startoff + prev.blockcount));
        if (prevdiff <= GAP * len && valid(prevbno + prevdiff, prev.startblock)) prevbno += adjust;
        else prevdiff += adjust;
      }
      if (next) {
        gotbno = next.startblock;
        const adjust = (gotdiff = next.startoff - off);
        if (gotdiff <= GAP * len && valid(gotbno - gotdiff, gotbno)) gotbno -= adjust;
        else if (valid(gotbno - len, gotbno)) {
          gotbno -= len;
          gotdiff += adjust - len;
        } else gotdiff += adjust;
      }
      if (prevbno !== undefined && gotbno !== undefined) blkno = prevdiff <= gotdiff ? prevbno : gotbno;
      else if (prevbno !== undefined) blkno = prevbno;
      else if (gotbno !== undefined) blkno = gotbno;
    }
    return blkno;
  }

  /** take blocks out of free space (the allocation itself) */
  private takeBlocks(agno: number, agbno: number, len: number): void {
    const free = this.pag(agno).free;
    free.take(agbno, len);
    if (free.busy.size) free.unbusy(agbno, len);
  }

  /**
   * takeBlocks for the explicit extents of a new file (checked free and
   * disjoint): per AG, in block order, with takeMany.
   */
  private takePlaced(exts: { block: number; length: number }[]): void {
    const byAg = new Map<number, { block: number; length: number }[]>();
    for (const e of exts) {
      const agno = this.fsbToAgno(e.block);
      let l = byAg.get(agno);
      if (!l) byAg.set(agno, (l = []));
      l.push(e);
    }
    for (const [agno, l] of byAg) {
      let inOrder = true;
      for (let i = 1; i < l.length && inOrder; i++) if (l[i]!.block < l[i - 1]!.block) inOrder = false;
      if (!inOrder) l.sort((a, b) => a.block - b.block);
      const starts = l.map((e) => this.fsbToAgbno(e.block));
      const lens = l.map((e) => e.length);
      const free = this.pag(agno).free;
      free.takeMany(starts, lens);
      if (free.busy.size) for (let i = 0; i < starts.length; i++) free.unbusy(starts[i]!, lens[i]!);
    }
  }

  /** xfs_free_extent: blocks back to free space (rmap already updated by the caller) */
  private freeBlocks(fsb: number, len: number, busy = true): void {
    this.pag(this.fsbToAgno(fsb)).free.give(this.fsbToAgbno(fsb), len, busy);
  }

  /** xfs_refcount_increase_extent */
  private refcountIncrease(fsb: number, len: number): void {
    if (!this.geo.reflink) return;
    this.pag(this.fsbToAgno(fsb)).refc.adjust(this.fsbToAgbno(fsb), len, 1);
  }

  /**
   * xfs_refcount_decrease_extent (with a non-reflink filesystem or inode,
   * xfs_free_extent_later): drop one reference; blocks nobody references
   * any more are freed.
   */
  private refcountDecrease(fsb: number, len: number): void {
    const agno = this.fsbToAgno(fsb);
    const agbno = this.fsbToAgbno(fsb);
    if (!this.geo.reflink) {
      this.pag(agno).free.give(agbno, len);
      return;
    }
    for (const f of this.pag(agno).refc.adjust(agbno, len, -1)) this.pag(agno).free.give(f.start, f.len);
  }

  private rmapMap(fsb: number, len: number, oinfo: XfsOwnerInfo, unwritten = false): void {
    this.pag(this.fsbToAgno(fsb)).rmap.map(this.fsbToAgbno(fsb), len, oinfo, unwritten);
  }

  private rmapUnmap(fsb: number, len: number, oinfo: XfsOwnerInfo): void {
    this.pag(this.fsbToAgno(fsb)).rmap.unmap(this.fsbToAgbno(fsb), len, oinfo);
  }

  // ---------------------------------------------------------------------
  // Data fork mapping (xfs_bmap_map_extent / xfs_bmap_unmap_extent: fork + rmap)

  /** map blocks into the data fork and the rmap (xfs_bmap_map_extent, deferred rmap intent) */
  private dataMap(ip: XfsInode, irec: BmbtIrec): void {
    ip.data.add(irec);
    this.rmapMap(irec.startblock, irec.blockcount, { owner: ip.ino, offset: irec.startoff }, irec.unwritten);
    this.syncBmbt(ip);
  }

  /**
   * xfs_bunmapi over [off, off + len) of the data fork: every mapped piece
   * leaves the fork and the rmap, and loses a reference (freed at zero).
   */
  private dataUnmap(ip: XfsInode, off: number, len: number): BmbtIrec[] {
    const pieces = ip.data.remove(off, len);
    for (const p of pieces) {
      this.rmapUnmap(p.startblock, p.blockcount, { owner: ip.ino, offset: p.startoff });
      this.refcountDecrease(p.startblock, p.blockcount);
    }
    if (pieces.length) this.syncBmbt(ip);
    return pieces;
  }

  /** xfs_bmap_add_extent_unwritten_real + xfs_rmap_convert: written/unwritten state of mapped blocks */
  private dataConvert(ip: XfsInode, off: number, len: number, unwritten: boolean): void {
    for (const p of ip.data.remove(off, len)) {
      this.rmapUnmap(p.startblock, p.blockcount, { owner: ip.ino, offset: p.startoff });
      ip.data.add({ ...p, unwritten });
      this.rmapMap(p.startblock, p.blockcount, { owner: ip.ino, offset: p.startoff }, unwritten);
    }
    this.syncBmbt(ip);
  }

  /**
   * Keep the data fork's bmap btree as large as its extent count needs
   * (xfs_bmap_extents_to_btree, btree splits; xfs_bmap_btree_to_extents
   * frees it again). New blocks are allocated near the inode
   * (xfs_bmbt_alloc_block), metadata placement; each is an rmap record of
   * the inode with XFS_RMAP_BMBT_BLOCK.
   */
  private syncBmbt(ip: XfsInode): void {
    const g = this.geo;
    const need = xfsBmbtBlocksNeeded(ip.data.nextents, g.blockSize, g.literalAreaBytes);
    if (need === ip.bmbtBlocks.length) return;
    const blocks = [...ip.bmbtBlocks];
    while (blocks.length < need) {
      const target = blocks[blocks.length - 1] ?? this.inoToFsb(ip.ino);
      const { agno, r } = this.allocExtent(target, 1, { userdata: false });
      this.takeBlocks(agno, r.agbno, 1);
      const fsb = this.agbToFsb(agno, r.agbno);
      this.rmapMap(fsb, 1, { owner: ip.ino, offset: 0, bmbtBlock: true });
      blocks.push(fsb);
    }
    while (blocks.length > need) {
      const fsb = blocks.pop()!;
      this.rmapUnmap(fsb, 1, { owner: ip.ino, offset: 0, bmbtBlock: true });
      this.freeBlocks(fsb, 1);
    }
    this.journal.set(ip, 'bmbtBlocks', blocks);
  }

  /**
   * xfs_bmapi_write for one mapping of the data fork (xfs_iomap_write_direct
   * with XFS_BMAPI_ZERO for DAX): allocate blocks for the hole at `off`, up
   * to `len`, written. Returns how many blocks were mapped.
   */
  private bmapiWriteData(ip: XfsInode, off: number, len: number, metadata = false): number {
    let length = Math.min(len, XFS_MAX_BMBT_EXTLEN);
    const { next } = ip.data.neighbours(off);
    if (next) length = Math.min(length, next.startoff - off);
    const target = this.bmapAdjacent(ip, ip.data, off, length);
    const { agno, r } = this.allocExtent(target, length, { userdata: !metadata });
    this.takeBlocks(agno, r.agbno, r.len);
    this.dataMap(ip, { startoff: off, startblock: this.agbToFsb(agno, r.agbno), blockcount: r.len, unwritten: false });
    return r.len;
  }

  // ---------------------------------------------------------------------
  // Copy on write (fs/xfs/xfs_reflink.c)

  /** xfs_is_cow_inode: writes must check for shared blocks */
  private isCowInode(ip: XfsInode): boolean {
    return ip.reflinkFlag;
  }

  /**
   * xfs_bmap_extsize_align for the CoW fork (not delalloc, not converting):
   * round [off, off + len) out to the CoW extent size hint without
   * overlapping the neighbouring CoW fork extents.
   */
  private extsizeAlign(prev: BmbtIrec | undefined, next: BmbtIrec | undefined, extsz: number, off: number, len: number): { off: number; len: number } {
    const eof = !next;
    const origOff = off;
    const origEnd = off + len;
    let alignOff = off;
    let alignLen = len;
    let temp = origOff % extsz;
    if (temp) {
      alignLen += temp;
      alignOff -= temp;
    }
    temp = alignLen % extsz;
    if (temp) alignLen += extsz - temp;
    while (alignLen > XFS_MAX_BMBT_EXTLEN) alignLen -= extsz;
    const prevo = prev ? prev.startoff + prev.blockcount : 0;
    if (alignOff !== origOff && alignOff < prevo) alignOff = prevo;
    const nexto = !eof && next ? next.startoff : Number.POSITIVE_INFINITY;
    if (!eof && alignOff + alignLen !== origEnd && alignOff + alignLen > nexto) alignOff = nexto > alignLen ? nexto - alignLen : 0;
    if (alignOff !== origOff && alignOff < prevo) alignOff = prevo;
    if (alignOff + alignLen !== origEnd && alignOff + alignLen > nexto && nexto !== Number.POSITIVE_INFINITY) alignLen = nexto - alignOff;
    return { off: alignOff, len: alignLen };
  }

  /**
   * xfs_bmapi_write(XFS_BMAPI_COWFORK | XFS_BMAPI_PREALLOC) as
   * xfs_reflink_fill_cow_hole calls it: allocate CoW staging blocks for the
   * CoW-fork hole at `off` (up to `len`), stretched to the CoW extent size
   * hint (xfs_bmap_compute_alignments), unwritten. Every staging extent is
   * an OWN_COW rmap record and a CoW-domain refcount record
   * (xfs_refcount_alloc_cow_extent). Returns the new CoW mapping.
   */
  private bmapiWriteCow(ip: XfsInode, off: number, len: number): BmbtIrec {
    const { prev, next } = ip.cow.neighbours(off);
    let length = Math.min(len, XFS_MAX_BMBT_EXTLEN);
    if (next) length = Math.min(length, next.startoff - off);
    const extsz = this.geo.cowExtSize;
    const a = this.extsizeAlign(prev, next, extsz, off, length);
    const prod = extsz;
    const mod = a.off % prod ? prod - (a.off % prod) : 0;
    const target = this.bmapAdjacent(ip, ip.cow, a.off, a.len);
    const { agno, r } = this.allocExtent(target, a.len, { userdata: true, prod, mod });
    // xfs_bmap_process_allocated_extent: keep the caller's range covered
    let startoff = a.off;
    if (r.len <= length) startoff = off;
    else if (a.off + r.len < off + length) startoff = off + length - r.len;
    this.takeBlocks(agno, r.agbno, r.len);
    const fsb = this.agbToFsb(agno, r.agbno);
    const irec: BmbtIrec = { startoff, startblock: fsb, blockcount: r.len, unwritten: true };
    ip.cow.add(irec);
    this.pag(agno).refc.allocCow(r.agbno, r.len);
    this.rmapMap(fsb, r.len, { owner: XFS_RMAP_OWN_COW, offset: 0 });
    return irec;
  }

  /**
   * xfs_reflink_allocate_cow for the write iteration at `imap.startoff`:
   * returns how many blocks from there go to CoW staging blocks (0 when the
   * write goes to the data fork; then `imap` is trimmed to the unshared run).
   */
  private reflinkAllocateCow(ip: XfsInode, imap: BmbtIrec): number {
    const pos = imap.startoff;
    const c = ip.cow.lookup(pos);
    if (c) {
      // xfs_find_trim_cow_extent found a CoW extent: the write goes there
      const n = Math.min(imap.blockcount, c.startoff + c.blockcount - pos);
      if (c.unwritten) ip.cow.setState(pos, n, false); // xfs_reflink_convert_cow_locked
      return n;
    }
    const { next } = ip.cow.neighbours(pos);
    if (next && next.startoff < pos + imap.blockcount) imap.blockcount = next.startoff - pos;
    // xfs_bmap_trim_cow -> xfs_reflink_trim_around_shared
    if (imap.startblock === HOLESTARTBLOCK || imap.unwritten) return 0;
    const agno = this.fsbToAgno(imap.startblock);
    const agbno = this.fsbToAgbno(imap.startblock);
    const f = this.pag(agno).refc.findShared(agbno, imap.blockcount);
    if (!f) return 0;
    if (f.fbno !== agbno) {
      imap.blockcount = f.fbno - agbno;
      return 0;
    }
    imap.blockcount = Math.min(imap.blockcount, f.flen);
    // xfs_reflink_fill_cow_hole + xfs_reflink_convert_unwritten
    const cmap = this.bmapiWriteCow(ip, pos, imap.blockcount);
    const n = Math.min(cmap.startoff + cmap.blockcount, pos + imap.blockcount) - pos;
    ip.cow.setState(pos, n, false);
    return n;
  }

  /**
   * xfs_reflink_end_cow: move the written CoW staging blocks of
   * [off, off + len) into the data fork. The data fork's old blocks there
   * are unmapped and lose a reference (freed when nobody else has them);
   * the staging records (OWN_COW, CoW refcount) go; the new blocks are
   * mapped with the inode as rmap owner.
   */
  private reflinkEndCow(ip: XfsInode, off: number, len: number): void {
    let pos = off;
    const end = off + len;
    while (pos < end) {
      const c = ip.cow.lookup(pos);
      if (!c || c.unwritten) {
        pos++;
        continue;
      }
      const d = c.startoff <= pos ? pos - c.startoff : 0;
      let n = Math.min(c.blockcount - d, end - pos);
      const data = ip.data.read(pos, n);
      n = Math.min(n, data.blockcount);
      const fsb = c.startblock + d;
      if (data.startblock !== HOLESTARTBLOCK) this.dataUnmap(ip, pos, n);
      this.pag(this.fsbToAgno(fsb)).refc.freeCow(this.fsbToAgbno(fsb), n);
      this.rmapUnmap(fsb, n, { owner: XFS_RMAP_OWN_COW, offset: 0 });
      ip.cow.remove(pos, n);
      this.dataMap(ip, { startoff: pos, startblock: fsb, blockcount: n, unwritten: false });
      pos += n;
    }
  }

  /**
   * xfs_reflink_cancel_cow_blocks: drop CoW staging extents of [off, end)
   * (all of them with cancelReal; otherwise only those not yet written):
   * OWN_COW record and CoW refcount record removed, blocks freed.
   */
  private cancelCow(ip: XfsInode, off: number, end: number, cancelReal: boolean): void {
    for (const c of ip.cow.toArray()) {
      const s = Math.max(c.startoff, off);
      const e = Math.min(c.startoff + c.blockcount, end);
      if (s >= e) continue;
      if (!c.unwritten && !cancelReal) continue;
      const fsb = c.startblock + (s - c.startoff);
      this.pag(this.fsbToAgno(fsb)).refc.freeCow(this.fsbToAgbno(fsb), e - s);
      this.rmapUnmap(fsb, e - s, { owner: XFS_RMAP_OWN_COW, offset: 0 });
      this.freeBlocks(fsb, e - s);
      ip.cow.remove(s, e - s);
    }
  }

  /**
   * xfs_direct_write_iomap_begin (xfs_dax_write_iomap_ops) for the write
   * of [pos, pos + len): prepare the first mapping and say where its bytes
   * go. A reflink inode checks its CoW fork and the refcounts first: a
   * shared block (or one under an existing CoW staging extent) gets a
   * staging block, remapped into the file by daxWriteIomapEnd. Otherwise
   * holes are allocated and unwritten extents converted (IOMAP_F_NEW: the
   * blocks are zeroed), written blocks are used in place. `zeroing` is
   * IOMAP_ZERO (xfs_zero_range): holes and unwritten extents are reported,
   * not filled.
   */
  private writeBegin(ip: XfsInode, pos: number, len: number, zeroing: boolean): XfsIomap {
    const bs = this.blockSize;
    const offFsb = Math.floor(pos / bs);
    const endFsb = Math.ceil((pos + len) / bs);
    const imap = ip.data.read(offFsb, endFsb - offFsb);
    const piece = (blocks: number, kind: XfsIomap['kind'], fsb: number | undefined, shared: boolean, isNew: boolean, cow: boolean): XfsIomap => {
      const end = Math.min(pos + len, (offFsb + blocks) * bs);
      const m: XfsIomap = { fileOffset: pos, length: end - pos, kind, shared, isNew, cow };
      if (fsb !== undefined) {
        m.fsb = fsb;
        m.deviceOffset = this.fsbToDaddr(fsb) * BBSIZE + (pos - offFsb * bs);
        m.daddr = Math.floor(m.deviceOffset / BBSIZE);
      }
      return m;
    };
    if (this.isCowInode(ip) && !(zeroing && (imap.startblock === HOLESTARTBLOCK || imap.unwritten))) {
      const n = this.reflinkAllocateCow(ip, imap);
      if (n > 0) return piece(n, 'mapped', ip.cow.read(offFsb, n).startblock, true, false, true);
    }
    if (imap.startblock === HOLESTARTBLOCK) {
      if (zeroing) return piece(imap.blockcount, 'hole', undefined, false, false, false);
      const got = this.bmapiWriteData(ip, offFsb, imap.blockcount);
      return piece(got, 'mapped', ip.data.read(offFsb, got).startblock, false, true, false);
    }
    if (imap.unwritten) {
      if (zeroing) return piece(imap.blockcount, 'unwritten', imap.startblock, false, false, false);
      this.dataConvert(ip, offFsb, imap.blockcount, false);
      return piece(imap.blockcount, 'mapped', imap.startblock, false, true, false);
    }
    return piece(imap.blockcount, 'mapped', imap.startblock, false, false, false);
  }

  /**
   * xfs_dax_write_iomap_end: after `written` bytes of a CoW mapping went to
   * the staging blocks, xfs_reflink_end_cow moves them into the data fork;
   * if nothing was written the staging blocks are cancelled
   * (xfs_reflink_cancel_cow_range).
   */
  private writeEnd(ip: XfsInode, iomap: XfsIomap, written: number): void {
    if (!iomap.cow) return;
    const off = this.bToFsbt(iomap.fileOffset);
    if (written <= 0) {
      this.cancelCow(ip, off, this.bToFsb(iomap.fileOffset + iomap.length), true);
      return;
    }
    this.reflinkEndCow(ip, off, this.bToFsb(iomap.fileOffset + written) - off);
  }

  /** iomap_dax_rw / dax_zero_range: begin and end every mapping of [pos, pos + len) in turn */
  private iomapWrite(ip: XfsInode, pos: number, len: number, zeroing: boolean): void {
    const end = pos + len;
    while (pos < end) {
      const m = this.writeBegin(ip, pos, end - pos, zeroing);
      this.writeEnd(ip, m, m.length);
      pos += m.length;
    }
  }

  // ---------------------------------------------------------------------
  // Inode allocation (libxfs/xfs_ialloc.c)

  /**
   * xfs_dialloc: a new inode number. Directories start at the next AG of the
   * rotor, files in their parent's AG; the first AG (wrapping) with a free
   * inode, or room for a new chunk, gives it.
   */
  private dialloc(parent: number, isDir: boolean): number {
    const g = this.geo;
    let start: number;
    if (isDir) {
      start = this.rotor.agirotor % g.agcount;
      this.journal.set(this.rotor, 'agirotor', this.rotor.agirotor + 1);
    } else start = parent ? XFS_INO_TO_AGNO(g, parent) : 0;
    for (let k = 0; k < g.agcount; k++) {
      const pag = this.ags[(start + k) % g.agcount]!;
      if (pag.ifree === 0 && !this.iallocAgAlloc(pag)) continue;
      return this.diallocAg(pag, parent);
    }
    throw new XfsNoSpace('a new inode');
  }

  /** xfs_dialloc_ag (finobt): the free inode nearest the parent (same AG) or in the newest chunk */
  private diallocAg(pag: XfsPerag, parent: number): number {
    const g = this.geo;
    let pagino = parent ? XFS_INO_TO_AGINO(g, parent) : 0;
    if (!pagino) pagino = pag.newino;
    const fino = pag.finobt;
    let startino: number | undefined;
    if (parent && XFS_INO_TO_AGNO(g, parent) === pag.agno) {
      // xfs_dialloc_ag_finobt_near: the record holding pagino, else the closer neighbour
      const i = lowerIndex(fino, pagino + 1);
      const left = i > 0 ? fino[i - 1] : undefined;
      const right = fino[i];
      if (left !== undefined && pagino < left + XFS_INODES_PER_CHUNK) startino = left;
      else if (left !== undefined && right !== undefined) startino = pagino - left + XFS_INODES_PER_CHUNK - 1 > right - pagino ? right : left;
      else startino = left ?? right;
    } else {
      // xfs_dialloc_ag_finobt_newino
      startino = pag.newino >= 0 && pag.chunkByStart.get(pag.newino)?.freecount ? pag.newino : fino[0];
    }
    const rec = startino === undefined ? undefined : pag.chunkByStart.get(startino);
    if (!rec) throw new Error(`xfs_dialloc_ag: AG ${pag.agno} has no free inode`);
    const offset = rec.state.indexOf(0);
    rec.state[offset] = 1;
    this.journal.record(() => {
      rec.state[offset] = 0;
    });
    this.journal.set(rec, 'freecount', rec.freecount - 1);
    if (rec.freecount === 0) this.journal.splice(fino, lowerIndex(fino, rec.startino), 1);
    this.journal.set(pag, 'ifree', pag.ifree - 1);
    return XFS_AGINO_TO_INO(g, pag.agno, rec.startino + offset);
  }

  /**
   * xfs_ialloc_ag_alloc: a new inode chunk in this AG. First exactly after
   * the newest chunk; then aligned (sb_inoalignmt) near the inobt root;
   * then, with sparse inodes, a sparse chunk (sb_spino_align). The chunk is
   * an OWN_INODES rmap record. Returns false when the AG has no room.
   */
  private iallocAgAlloc(pag: XfsPerag): boolean {
    const g = this.geo;
    const blks = g.iallocBlocks;
    let got: AllocResult | null = null;
    let sparse = false;
    if (pag.newino >= 0) {
      const agbno = XFS_AGINO_TO_AGBNO(g, pag.newino) + blks;
      if (agbno + blks <= pag.length && pag.free.isFree(agbno, blks) && pag.free.busyTrim(agbno, blks, blks, blks).len === blks) got = { agbno, len: blks };
    }
    // xfs_alloc_ag_vextent_near flushes busy extents and retries when they were in the way
    const near = (args: AllocArgs): AllocResult | null => {
      const o = xfsAllocAgVextentNear(pag.free, args);
      if (o.r || !o.busy) return o.r;
      this.forceLog();
      return xfsAllocAgVextentNear(pag.free, args).r;
    };
    if (!got) {
      got = near({ agbno: g.ibtBlock, minlen: blks, maxlen: blks, alignment: g.inoalignmt, userdata: false });
    }
    if (!got && g.iallocMinBlocks < blks) {
      const minAgbno = g.inoalignmt;
      const maxAgbno = Math.floor(pag.length / g.inoalignmt) * g.inoalignmt - blks;
      got = near({
        agbno: g.ibtBlock,
        minlen: g.iallocMinBlocks,
        maxlen: g.iallocMinBlocks,
        alignment: g.spinoAlign,
        userdata: false,
        minAgbno,
        maxAgbno,
      });
      sparse = true;
    }
    if (!got) return false;
    this.takeBlocks(pag.agno, got.agbno, got.len);
    pag.rmap.map(got.agbno, got.len, { owner: XFS_RMAP_OWN_INODES, offset: 0 });
    const agino = XFS_AGB_TO_AGINO(g, got.agbno);
    const startino = Math.floor(agino / XFS_INODES_PER_CHUNK) * XFS_INODES_PER_CHUNK;
    const state = new Uint8Array(XFS_INODES_PER_CHUNK);
    let holemask = 0;
    if (sparse) {
      const first = agino - startino;
      const n = got.len * g.inopblock;
      for (let i = 0; i < XFS_INODES_PER_CHUNK; i++) if (i < first || i >= first + n) state[i] = 2;
      for (let b = 0; b < 16; b++) if (state[b * XFS_INODES_PER_HOLEMASK_BIT] === 2) holemask |= 1 << b;
    }
    const existing = pag.chunkByStart.get(startino);
    const count = got.len * g.inopblock;
    if (existing) {
      // a sparse chunk filling in part of an existing record
      for (let i = 0; i < XFS_INODES_PER_CHUNK; i++) if (state[i] === 0 && existing.state[i] === 2) {
        const ii = i;
        existing.state[ii] = 0;
        this.journal.record(() => {
          existing.state[ii] = 2;
        });
      }
      let hm = 0;
      for (let b = 0; b < 16; b++) if (existing.state[b * XFS_INODES_PER_HOLEMASK_BIT] === 2) hm |= 1 << b;
      this.journal.set(existing, 'holemask', hm);
      if (existing.freecount === 0) this.journal.splice(pag.finobt, lowerIndex(pag.finobt, startino), 0, startino);
      this.journal.set(existing, 'freecount', existing.freecount + count);
    } else {
      const chunk: XfsInoChunk = { startino, holemask, state, freecount: count };
      const starts = pag.chunks.map((c) => c.startino);
      this.journal.splice(pag.chunks, lowerIndex(starts, startino), 0, chunk);
      this.journal.mapSet(pag.chunkByStart, startino, chunk);
      this.journal.splice(pag.finobt, lowerIndex(pag.finobt, startino), 0, startino);
    }
    this.journal.set(pag, 'newino', startino);
    this.journal.set(pag, 'icount', pag.icount + count);
    this.journal.set(pag, 'ifree', pag.ifree + count);
    return true;
  }

  /**
   * xfs_difree: the inode is free again; a chunk whose inodes are all free
   * goes back to free space (xfs_difree_inode_chunk; ikeep is off).
   */
  private difree(ino: number): void {
    const g = this.geo;
    const pag = this.pag(XFS_INO_TO_AGNO(g, ino));
    const agino = XFS_INO_TO_AGINO(g, ino);
    const chunk = pag.chunkByStart.get(Math.floor(agino / XFS_INODES_PER_CHUNK) * XFS_INODES_PER_CHUNK)!;
    const off = agino - chunk.startino;
    chunk.state[off] = 0;
    this.journal.record(() => {
      chunk.state[off] = 1;
    });
    if (chunk.freecount === 0) this.journal.splice(pag.finobt, lowerIndex(pag.finobt, chunk.startino), 0, chunk.startino);
    this.journal.set(chunk, 'freecount', chunk.freecount + 1);
    this.journal.set(pag, 'ifree', pag.ifree + 1);
    if (chunk.state.every((s) => s !== 1)) {
      // free the allocated parts of the chunk
      const startAgbno = XFS_AGINO_TO_AGBNO(g, chunk.startino);
      let i = 0;
      while (i < XFS_INODES_PER_CHUNK) {
        if (chunk.state[i] === 2) {
          i++;
          continue;
        }
        let j = i;
        while (j < XFS_INODES_PER_CHUNK && chunk.state[j] !== 2) j++;
        const b = startAgbno + i / g.inopblock;
        const n = (j - i) / g.inopblock;
        pag.rmap.unmap(b, n, { owner: XFS_RMAP_OWN_INODES, offset: 0 });
        pag.free.give(b, n);
        i = j;
      }
      const count = chunk.freecount;
      this.journal.splice(pag.chunks, pag.chunks.indexOf(chunk), 1);
      this.journal.mapDelete(pag.chunkByStart, chunk.startino);
      this.journal.splice(pag.finobt, lowerIndex(pag.finobt, chunk.startino), 1);
      this.journal.set(pag, 'icount', pag.icount - count);
      this.journal.set(pag, 'ifree', pag.ifree - count);
    }
  }

  // ---------------------------------------------------------------------
  // Directories

  /** xfs_dir_createname: add a name, converting the directory's format and growing its blocks as needed */
  private dirAddName(dp: XfsInode, name: string, ino: number): void {
    const d = dp.dir!;
    const entsize = xfsDir2DataEntsize(name.length);
    const was = d.format;
    this.journal.mapSet(d.entries, name, ino);
    this.journal.set(d, 'nameBytes', d.nameBytes + name.length);
    this.journal.set(d, 'entBytes', d.entBytes + entsize);
    if (ino >= 2 ** 32) this.journal.set(d, 'i8count', d.i8count + 1);
    const g = this.geo;
    let lay = xfsDirLayout(d, 'add', g.blockSize, g.literalAreaBytes);
    if (lay.format === 'leaf' || lay.format === 'node') {
      let used = d.lastBlockUsed;
      let blocks = d.dataBlocks;
      if (was === 'local' || was === 'block') {
        // xfs_dir2_block_to_leaf: the block's entries stay in data block 0
        blocks = 1;
        used = DIR_DATA_HDR + XFS_DIR2_DOTDOT_BYTES + d.entBytes - entsize;
      }
      if (used + entsize <= g.blockSize) used += entsize;
      else {
        blocks++;
        used = DIR_DATA_HDR + entsize;
      }
      this.journal.set(d, 'dataBlocks', blocks);
      this.journal.set(d, 'lastBlockUsed', used);
      lay = xfsDirLayout(d, 'add', g.blockSize, g.literalAreaBytes);
    }
    this.dirApplyLayout(dp, lay);
  }

  /** xfs_dir_removename */
  private dirRemoveName(dp: XfsInode, name: string): void {
    const d = dp.dir!;
    const ino = d.entries.get(name)!;
    this.journal.mapDelete(d.entries, name);
    this.journal.set(d, 'nameBytes', d.nameBytes - name.length);
    this.journal.set(d, 'entBytes', d.entBytes - xfsDir2DataEntsize(name.length));
    if (ino >= 2 ** 32) this.journal.set(d, 'i8count', d.i8count - 1);
    const g = this.geo;
    const lay = xfsDirLayout(d, 'remove', g.blockSize, g.literalAreaBytes);
    this.dirApplyLayout(dp, lay);
  }

  /**
   * Give the directory exactly the blocks its format needs: xfs_da_grow_inode
   * allocates one block per missing offset (metadata placement, near the
   * directory's other blocks or its inode); a directory going back to short
   * form frees its block.
   */
  private dirApplyLayout(dp: XfsInode, lay: DirLayout): void {
    const d = dp.dir!;
    const parts: [keyof DirLayout & ('data' | 'leaf' | 'free'), number][] = [
      ['data', 0],
      ['leaf', this.dirLeafOffset],
      ['free', this.dirFreeOffset],
    ];
    const have = { ...d.have };
    for (const [k, base] of parts) {
      for (let i = have[k]; i < lay[k]; i++) this.bmapiWriteData(dp, base + i, 1, true);
      if (have[k] > lay[k]) this.dataUnmap(dp, base + lay[k], have[k] - lay[k]);
      have[k] = lay[k];
    }
    this.journal.set(d, 'have', have);
    this.journal.set(d, 'format', lay.format);
    this.journal.set(dp, 'size', lay.format === 'local' ? xfsDirSfBytes(d) : lay.data * this.geo.blockSize);
  }

  // ---------------------------------------------------------------------
  // Input checks

  private err(at: string, field: string, value: unknown, msg: string, errno = EINVAL): XfsOpError {
    return new XfsOpError(at ? `${at}/${field}` : '', field, value, msg, errno);
  }

  private checkBytes(at: string, field: string, v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw this.err(at, field, v, `${field} ${describeValue(v)}: ${what} must be a non-negative byte count`);
    if (v > MAX_FILE_BYTES) throw this.err(at, field, v, `${field} ${describeValue(v)}: beyond the largest file the model supports (2^52 bytes)`, EFBIG);
    return v;
  }

  /** who holds a block, in words, for error messages */
  private describeOwner(agno: number, agbno: number, len: number): string {
    let what = 'in use';
    this.pag(agno).rmap.queryRange(agbno, agbno + len - 1, (r) => {
      if (XFS_RMAP_NON_INODE_OWNER(r.owner)) {
        const kinds: Record<number, string> = {
          [XFS_RMAP_OWN_FS]: 'AG headers (superblock, AGF, AGI, AGFL)',
          [XFS_RMAP_OWN_LOG]: 'the internal log',
          [XFS_RMAP_OWN_AG]: 'free-space/rmap btree blocks or the AGFL',
          [XFS_RMAP_OWN_INOBT]: 'inode btree blocks',
          [XFS_RMAP_OWN_INODES]: 'an inode chunk',
          [XFS_RMAP_OWN_REFC]: 'refcount btree blocks',
          [XFS_RMAP_OWN_COW]: 'CoW staging blocks',
        };
        what = `metadata: ${kinds[r.owner] ?? rmapOwnerName(r.owner)} (${rmapOwnerName(r.owner)}, AG ${agno} blocks ${r.startblock}..${r.startblock + r.blockcount - 1})`;
      } else if (r.bmbtBlock) what = `the bmap btree of inode ${r.owner} (${this.pathOf(r.owner)})`;
      else {
        const p = this.pathOf(r.owner);
        what = `${r.attrFork ? 'the attribute fork of ' : ''}inode ${r.owner}${p ? ` (${p})` : ''}, AG ${agno} blocks ${r.startblock}..${r.startblock + r.blockcount - 1}`;
      }
      return 1;
    });
    return what;
  }

  private checkNewPath(at: string, path: string): { parts: string[] } {
    const parts = splitPath(path);
    if (!parts || parts.length === 0) throw this.err(at, 'path', path, `path ${describeValue(path)}: expected a file path inside the filesystem, like "/dir/name"`);
    for (const p of parts) if (p.length > 255) throw this.err(at, 'path', path, `path ${describeValue(path)}: a name is longer than 255 bytes (MAXNAMELEN)`);
    // every existing component but the last must be a directory
    let ino = this.rootino;
    for (let i = 0; i < parts.length; i++) {
      const d = this.inodes.get(ino)!;
      if (!d.dir) throw this.err(at, 'path', path, `path ${describeValue(path)}: ${this.pathOf(ino)} is not a directory`, ENOTDIR);
      const next = d.dir.entries.get(parts[i]!);
      if (next === undefined) return { parts };
      if (i === parts.length - 1) throw this.err(at, 'path', path, `path ${describeValue(path)}: already exists (inode ${next})`, EEXIST);
      ino = next;
    }
    return { parts };
  }

  private fileByPath(at: string, field: string, ref: XfsFileRef): XfsInode {
    const path = ref;
    const ino = typeof ref === 'number' ? (this.inodes.has(ref) ? ref : undefined) : this.lookup(ref);
    if (ino === undefined) throw this.err(at, field, path, `${field} ${describeValue(path)}: no such file in the filesystem`, ENOENT);
    const ip = this.inodes.get(ino)!;
    if (ip.type !== 'file') throw this.err(at, field, path, `${field} ${describeValue(path)}: is a directory`, EISDIR);
    return ip;
  }

  /** run an operation atomically, turning a mid-way ENOSPC into an XfsOpError */
  private atomic<T>(at: string, field: string, value: unknown, what: string, fn: () => T): T {
    try {
      return this.journal.run(fn);
    } catch (e) {
      if (e instanceof XfsNoSpace) throw this.err(at, field, value, `${what}: ENOSPC, the filesystem is full (${e.message})`, ENOSPC);
      throw e;
    }
  }

  // ---------------------------------------------------------------------
  // File operations

  /** xfs_create: a new inode named by parts under its (possibly new) parent directories */
  private create(parts: string[], type: 'file' | 'dir'): XfsInode {
    let dino = this.rootino;
    for (let i = 0; i < parts.length - 1; i++) {
      const d = this.inodes.get(dino)!;
      const next = d.dir!.entries.get(parts[i]!);
      if (next !== undefined) {
        dino = next;
        continue;
      }
      dino = this.create(parts.slice(0, i + 1), 'dir').ino;
    }
    const dp = this.inodes.get(dino)!;
    const name = parts[parts.length - 1]!;
    const ino = this.dialloc(dino, type === 'dir');
    const ip = this.newInode(ino, type, dino, name);
    this.journal.mapSet(this.inodes, ino, ip);
    this.dirAddName(dp, name, ino);
    return ip;
  }

  /** mkdir -p inside the filesystem; returns the directory's inode */
  mkdir(path: string, at = ''): number {
    const parts = splitPath(path);
    if (!parts) throw this.err(at, 'path', path, `path ${describeValue(path)}: expected a directory path inside the filesystem`);
    const existing = this.lookup(path);
    if (existing !== undefined) {
      if (this.inodes.get(existing)!.dir) return existing;
      throw this.err(at, 'path', path, `path ${describeValue(path)}: exists and is not a directory`, EEXIST);
    }
    this.checkNewPath(at, path);
    return this.atomic(at, 'path', path, `mkdir ${path}`, () => this.create(parts, 'dir').ino);
  }

  /**
   * Create a file and write `size` bytes into it (the scenario's `files`
   * entry): xfs_create, then either the DAX write path over [0, size)
   * (blocks allocated near the inode, contiguous when free space allows) or
   * the explicit extents, each taken exactly where it says. Returns the
   * inode number. Throws XfsOpError, changing nothing, for bad input
   * (explicit extents on metadata, another file, beyond an AG or the
   * filesystem, overlapping each other) and when the filesystem is full.
   */
  createFile(spec: XfsFileSpec, at = ''): number {
    const g = this.geo;
    if (typeof spec.path !== 'string') throw this.err(at, 'path', spec.path, 'path must be a string');
    const { parts } = this.checkNewPath(at, spec.path);
    if (spec.fill !== undefined && (!Number.isInteger(spec.fill) || spec.fill < 0 || spec.fill > 255))
      throw this.err(at, 'fill', spec.fill, `fill ${describeValue(spec.fill)}: expected a byte value 0..255`);
    let size = spec.size === undefined ? undefined : this.checkBytes(at, 'size', spec.size, 'size');
    const exts = spec.extents;
    if (exts !== undefined) {
      if (!Array.isArray(exts)) throw this.err(at, 'extents', exts, 'extents must be a list of {offset, block, length}');
      // a JSON pointer below the extent, for errors
      const ptr = (i: number, f: string): string => (at ? `${at}/extents/${i}/${f}` : '');
      let dense = true;
      for (let i = 0; i < exts.length; i++) {
        if (!(i in exts)) {
          dense = false; // forEach skips holes
          continue;
        }
        const e = exts[i]!;
        for (const f of EXTENT_FIELDS) {
          const v = (e as Record<string, unknown>)[f];
          if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || (f === 'length' && v === 0))
            throw new XfsOpError(ptr(i, f), f, v, `${f} ${describeValue(v)}: expected ${f === 'length' ? 'a positive' : 'a non-negative'} whole number of filesystem blocks`, EINVAL);
        }
        const agno = this.fsbToAgno(e.block);
        const agbno = this.fsbToAgbno(e.block);
        if (agno >= g.agcount)
          throw new XfsOpError(ptr(i, 'block'), 'block', e.block, `block ${describeValue(e.block)}: beyond the filesystem (fsb = agno << ${g.agblklog} | agbno gives AG ${agno}; the filesystem has ${g.agcount} AGs)`, EINVAL);
        if (agbno >= this.agLength(agno))
          throw new XfsOpError(ptr(i, 'block'), 'block', e.block, `block ${describeValue(e.block)}: AG ${agno} block ${agbno} is beyond the end of AG ${agno} (${this.agLength(agno)} blocks)`, EINVAL);
        if (agbno + e.length > this.agLength(agno))
          throw new XfsOpError(ptr(i, 'length'), 'length', e.length, `length ${e.length}: blocks ${agbno}..${agbno + e.length - 1} of AG ${agno} run past its end (${this.agLength(agno)} blocks); an extent cannot cross an AG`, EINVAL);
        if ((e.offset + e.length) * g.blockSize > MAX_FILE_BYTES) throw new XfsOpError(ptr(i, 'offset'), 'offset', e.offset, `offset ${e.offset}: beyond the largest file the model supports`, EFBIG);
        if (!this.pag(agno).free.isFree(agbno, e.length))
          throw new XfsOpError(ptr(i, 'block'), 'block', e.block, `block ${describeValue(e.block)} (AG ${agno} block ${agbno}, ${e.length} blocks) is not free: it holds ${this.describeOwner(agno, agbno, e.length)}`, EINVAL);
      }
      // the extents against each other: sorted, only neighbours can overlap
      const idx = exts.map((_, i) => i);
      const pair = (sorted: number[], key: (i: number) => number, field: 'block' | 'offset', what: string): void => {
        for (let k = 1; k < sorted.length; k++) {
          const a = sorted[k - 1]!;
          const b = sorted[k]!;
          if (key(b) < key(a) + exts[a]!.length) {
            const [early, late] = a < b ? [a, b] : [b, a];
            const p = at ? `${at}/extents/${late}` : '';
            throw new XfsOpError(p && `${p}/${field}`, field, exts[late]![field], `${field} ${describeValue(exts[late]![field])}: ${what} extents/${early}`, EINVAL);
          }
        }
      };
      // the indices sorted by key (a stable sort: extents already in order stay as they are)
      const byKey = (key: (i: number) => number): number[] => {
        if (dense) {
          let inOrder = true;
          for (let k = 1; k < idx.length && inOrder; k++) if (key(k) < key(k - 1)) inOrder = false;
          if (inOrder) return idx;
        }
        return [...idx].sort((a, b) => key(a) - key(b));
      };
      const physOf = (i: number): number => this.fsbToAgno(exts[i]!.block) * g.agblocks + this.fsbToAgbno(exts[i]!.block);
      const physKeys = dense ? exts.map((_, i) => physOf(i)) : undefined;
      const phys = physKeys ? (i: number): number => physKeys[i]! : physOf;
      pair(byKey(phys), phys, 'block', 'overlaps the blocks of');
      const offsetOf = (i: number): number => exts[i]!.offset;
      pair(byKey(offsetOf), offsetOf, 'offset', 'file blocks overlap');
      if (size === undefined) size = exts.reduce((m, e) => Math.max(m, (e.offset + e.length) * g.blockSize), 0);
    }
    const fsize = size ?? 0;
    return this.atomic(at, 'size', fsize, `creating ${spec.path}`, () => {
      if (exts === undefined || exts.length === 0) {
        const ip = this.create(parts, 'file');
        this.journal.set(ip, 'fill', spec.fill);
        if (fsize > 0) this.iomapWrite(ip, 0, fsize, false);
        this.journal.set(ip, 'size', fsize);
        return ip.ino;
      }
      return this.createPlaced(parts, exts, spec.fill, fsize);
    });
  }

  /**
   * The explicit-placement part of createFile, built in bulk so that a file
   * of a million extents costs a few log entries: the blocks are taken
   * first (so that the inode, its directory entry or its bmap btree cannot
   * land on them), then the inode is created, then the data fork, the rmap
   * records and the bmap btree are built. Each bulk step records one closure
   * that reverses it; the checks before make them unable to fail.
   */
  private createPlaced(parts: string[], exts: { offset: number; block: number; length: number }[], fill: number | undefined, fsize: number): number {
    let inOrder = true;
    for (let i = 1; i < exts.length && inOrder; i++) if (exts[i]!.offset < exts[i - 1]!.offset) inOrder = false;
    const sorted = inOrder ? exts : [...exts].sort((a, b) => a.offset - b.offset);
    this.journal.suspend(() => this.takePlaced(sorted));
    this.journal.record(() => {
      for (const e of sorted) this.freeBlocks(e.block, e.length, false);
    });
    const ip = this.create(parts, 'file');
    this.journal.set(ip, 'fill', fill);
    // the data fork, merged as xfs_bmap_add_extent_hole_real would: an
    // extent joins the previous one when it continues it in the file and on
    // disk, in the same AG, within XFS_MAX_BMBT_EXTLEN
    const joins = (prevOff: number, prevBlock: number, prevLen: number, e: { offset: number; block: number; length: number }): boolean =>
      prevOff + prevLen === e.offset &&
      prevBlock + prevLen === e.block &&
      this.fsbToAgno(prevBlock) === this.fsbToAgno(e.block) &&
      prevLen + e.length <= XFS_MAX_BMBT_EXTLEN;
    let forkLen = 0;
    {
      let po = 0;
      let pb = 0;
      let pl = 0;
      for (const e of sorted) {
        if (forkLen > 0 && joins(po, pb, pl, e)) pl += e.length;
        else {
          forkLen++;
          po = e.offset;
          pb = e.block;
          pl = e.length;
        }
      }
    }
    // the bmap btree must find room: one free block each is enough
    let free = 0;
    for (const pag of this.ags) free += pag.free.freeblks;
    const bmbt = xfsBmbtBlocksNeeded(forkLen, this.geo.blockSize, this.geo.literalAreaBytes);
    if (free < bmbt) throw new XfsNoSpace(`${bmbt} bmap btree blocks`);
    this.journal.record(() => {
      // reverse the bulk build: the inode's rmap records, its bmbt blocks, its fork
      for (const e of ip.data.toArray()) this.pag(this.fsbToAgno(e.startblock)).rmap.unmap(this.fsbToAgbno(e.startblock), e.blockcount, { owner: ip.ino, offset: e.startoff });
      for (const b of ip.bmbtBlocks) {
        this.rmapUnmap(b, 1, { owner: ip.ino, offset: 0, bmbtBlock: true });
        this.freeBlocks(b, 1, false);
      }
      ip.bmbtBlocks = [];
      ip.data.clearRaw();
    });
    this.journal.suspend(() => {
      const fork = ip.data;
      fork.reserve(forkLen);
      // rmap records: the fork extents, merged further only where the fork
      // had to split at XFS_MAX_BMBT_EXTLEN (xfs_rmap_map's merge rule). With
      // the journal suspended the rmap keeps no reference to `rec`, so one
      // object serves every record.
      const rec: RmapIrec = { startblock: 0, blockcount: 0, owner: ip.ino, offset: 0, attrFork: false, bmbtBlock: false, unwritten: false };
      let recAg = -1;
      const flush = (): void => {
        if (recAg >= 0) this.pag(recAg).rmap.insertRecord(rec);
        recAg = -1;
      };
      const addRmap = (startblock: number, startoff: number, blockcount: number): void => {
        const agno = this.fsbToAgno(startblock);
        const agbno = this.fsbToAgbno(startblock);
        if (agno === recAg && rec.startblock + rec.blockcount === agbno && rec.offset + rec.blockcount === startoff && rec.blockcount + blockcount <= XFS_RMAP_LEN_MAX)
          rec.blockcount += blockcount;
        else {
          flush();
          rec.startblock = agbno;
          rec.blockcount = blockcount;
          rec.offset = startoff;
          recAg = agno;
        }
      };
      let po = 0;
      let pb = 0;
      let pl = 0;
      let have = false;
      for (const e of sorted) {
        if (have && joins(po, pb, pl, e)) pl += e.length;
        else {
          if (have) {
            fork.appendRaw(po, pb, pl, false);
            addRmap(pb, po, pl);
          }
          have = true;
          po = e.offset;
          pb = e.block;
          pl = e.length;
        }
      }
      if (have) {
        fork.appendRaw(po, pb, pl, false);
        addRmap(pb, po, pl);
      }
      flush();
      this.syncBmbt(ip);
    });
    this.journal.set(ip, 'size', fsize);
    return ip.ino;
  }

  /**
   * `cp --reflink=always src dst`: create dst (or truncate an existing one)
   * and clone all of src into it (FICLONE: the whole file, to its EOF).
   * Returns dst's inode number.
   */
  reflinkFile(srcPath: XfsFileRef, dstPath: string, at = ''): number {
    const src = this.fileByPath(at, 'reflink', srcPath);
    if (!this.geo.reflink) throw this.err(at, 'reflink', srcPath, `reflink ${describeValue(srcPath)}: the filesystem was made with reflink=0 (EOPNOTSUPP)`, EOPNOTSUPP);
    const existing = this.lookup(dstPath);
    let parts: string[] | undefined;
    if (existing === undefined) parts = this.checkNewPath(at, dstPath).parts;
    else {
      const d = this.inodes.get(existing)!;
      if (d.type !== 'file') throw this.err(at, 'path', dstPath, `path ${describeValue(dstPath)}: is a directory`, EISDIR);
      if (existing === src.ino) throw this.err(at, 'path', dstPath, `path ${describeValue(dstPath)}: is the source file itself`, EINVAL);
    }
    return this.atomic(at, 'reflink', srcPath, `reflink ${srcPath} -> ${dstPath}`, () => {
      const dst = parts ? this.create(parts, 'file') : this.inodes.get(existing!)!;
      if (!parts) this.truncateIp(dst, 0);
      this.journal.set(dst, 'fill', src.fill);
      if (src.size > 0) this.remapRange(src, 0, dst, 0, src.size);
      return dst.ino;
    });
  }

  /**
   * FICLONERANGE: share `length` bytes of src at srcOffset into dst at
   * dstOffset (length 0 means to src's EOF). Offsets must be block
   * aligned; the length too, unless the range ends at src's EOF
   * (generic_remap_checks, generic_remap_check_len). What dst had there is
   * unmapped first; dst grows to cover the range.
   */
  cloneRange(srcPath: XfsFileRef, srcOffset: number, dstPath: XfsFileRef, dstOffset: number, length: number, at = ''): void {
    const g = this.geo;
    const src = this.fileByPath(at, 'from', srcPath);
    const dst = this.fileByPath(at, 'path', dstPath);
    if (!g.reflink) throw this.err(at, 'from', srcPath, `clone from ${describeValue(srcPath)}: the filesystem was made with reflink=0 (EOPNOTSUPP)`, EOPNOTSUPP);
    const bs = g.blockSize;
    this.checkBytes(at, 'srcOffset', srcOffset, 'srcOffset');
    this.checkBytes(at, 'dstOffset', dstOffset, 'dstOffset');
    this.checkBytes(at, 'length', length, 'length');
    if (srcOffset % bs) throw this.err(at, 'srcOffset', srcOffset, `srcOffset ${describeValue(srcOffset)}: must be a multiple of the block size (${bs}) (EINVAL)`);
    if (dstOffset % bs) throw this.err(at, 'dstOffset', dstOffset, `dstOffset ${describeValue(dstOffset)}: must be a multiple of the block size (${bs}) (EINVAL)`);
    let len = length;
    if (len === 0) {
      if (srcOffset === src.size) return;
      if (srcOffset > src.size) throw this.err(at, 'srcOffset', srcOffset, `srcOffset ${describeValue(srcOffset)}: beyond the end of ${srcPath} (${src.size} bytes) (EINVAL)`);
      len = src.size - srcOffset;
    }
    if (srcOffset >= src.size) throw this.err(at, 'srcOffset', srcOffset, `srcOffset ${describeValue(srcOffset)}: at or beyond the end of ${srcPath} (${src.size} bytes) (EINVAL)`);
    if (srcOffset + len > src.size)
      throw this.err(at, 'length', length, `length ${describeValue(length)}: the range ${srcOffset}..${srcOffset + len} runs past the end of ${srcPath} (${src.size} bytes) (EINVAL)`);
    const toEof = srcOffset + len === src.size;
    if (!toEof && len % bs) throw this.err(at, 'length', length, `length ${describeValue(length)}: must be a multiple of the block size (${bs}) unless the range ends at the source's EOF (EINVAL)`);
    const blen = toEof ? Math.ceil(src.size / bs) * bs - srcOffset : len;
    if (src === dst && dstOffset + blen > srcOffset && dstOffset < srcOffset + blen)
      throw this.err(at, 'dstOffset', dstOffset, `dstOffset ${describeValue(dstOffset)}: the source and destination ranges of the same file overlap (EINVAL)`);
    if (len % bs && dstOffset + len < dst.size)
      throw this.err(at, 'length', length, `length ${describeValue(length)}: the partial EOF block of the source would land inside ${dstPath}, before its EOF (EINVAL)`);
    if (dstOffset + len > MAX_FILE_BYTES) throw this.err(at, 'dstOffset', dstOffset, `dstOffset ${describeValue(dstOffset)}: beyond the largest file the model supports`, EFBIG);
    this.atomic(at, 'length', length, `clone ${srcPath} -> ${dstPath}`, () => this.remapRange(src, srcOffset, dst, dstOffset, len));
  }

  /**
   * xfs_reflink_remap_prep + xfs_reflink_remap_blocks +
   * xfs_reflink_update_dest: set the reflink flag on both inodes, then map
   * every extent of src's range into dst (xfs_reflink_remap_extent: unmap
   * what dst had there, add a reference and an rmap record of dst for each
   * written source extent; unwritten source extents and holes leave holes).
   */
  private remapRange(src: XfsInode, pos: number, dst: XfsInode, posOut: number, len: number): void {
    this.journal.set(src, 'reflinkFlag', true);
    this.journal.set(dst, 'reflinkFlag', true);
    let srcoff = this.bToFsbt(pos);
    let destoff = this.bToFsbt(posOut);
    let left = this.bToFsb(len);
    const newIsize = posOut + len;
    while (left > 0) {
      const imap = src.data.read(srcoff, left);
      // xfs_reflink_remap_extent(dest, imap at destoff)
      const smap = dst.data.read(destoff, imap.blockcount);
      const n = Math.min(imap.blockcount, smap.blockcount);
      const dWritten = imap.startblock !== HOLESTARTBLOCK && !imap.unwritten;
      const smapReal = smap.startblock !== HOLESTARTBLOCK;
      // same physical blocks (or both holes), or both unwritten: nothing to do
      const skip = imap.startblock === smap.startblock || (imap.unwritten && smapReal && smap.unwritten);
      if (!skip) {
        if (smapReal) this.dataUnmap(dst, destoff, n);
        if (dWritten) {
          this.refcountIncrease(imap.startblock, n);
          this.dataMap(dst, { startoff: destoff, startblock: imap.startblock, blockcount: n, unwritten: false });
        }
        const newlen = Math.min(this.fsbToB(destoff + n), newIsize);
        if (newlen > dst.size) this.journal.set(dst, 'size', newlen);
      }
      srcoff += n;
      destoff += n;
      left -= n;
    }
    if (newIsize > dst.size) this.journal.set(dst, 'size', newIsize);
  }

  /**
   * pwrite/store through DAX: `length` bytes at `offset` of the file.
   * Holes get blocks, unwritten extents are converted, shared blocks are
   * copied (CoW). On ENOSPC nothing changes and error is -ENOSPC. `pieces`
   * map the written range afterwards.
   */
  write(ino: number, offset: number, length: number): XfsIoResult {
    const ip = this.inodeOrThrow(ino, '');
    if (ip.type !== 'file') return { error: -EISDIR };
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) return { error: -EINVAL };
    if (offset + length > MAX_FILE_BYTES) return { error: -EFBIG };
    if (length === 0) return { error: 0, pieces: [] };
    try {
      this.journal.run(() => {
        this.iomapWrite(ip, offset, length, false);
        if (offset + length > ip.size) this.journal.set(ip, 'size', offset + length);
      });
    } catch (e) {
      if (e instanceof XfsNoSpace) return { error: -ENOSPC };
      throw e;
    }
    return { error: 0, pieces: this.mapFileRange(ino, offset, length) };
  }

  /**
   * xfs_direct_write_iomap_begin for one iteration of a DAX write or write
   * fault over [pos, pos + len): allocates, converts or copies on write as
   * the first mapping needs, and returns it (its length may be shorter than
   * len; call again for the rest). With `zero` (IOMAP_ZERO) holes and
   * unwritten extents are only reported. {error: -ENOSPC} changes nothing.
   * A CoW mapping must be finished with daxWriteIomapEnd.
   */
  directWriteIomapBegin(ino: number, pos: number, len: number, opts: { zero?: boolean } = {}): { error: number; iomap?: XfsIomap } {
    const ip = this.inodeOrThrow(ino, '');
    if (ip.type !== 'file') return { error: -EISDIR };
    if (!Number.isSafeInteger(pos) || pos < 0 || !Number.isSafeInteger(len) || len <= 0) return { error: -EINVAL };
    if (pos + len > MAX_FILE_BYTES) return { error: -EFBIG };
    try {
      return { error: 0, iomap: this.journal.run(() => this.writeBegin(ip, pos, len, !!opts.zero)) };
    } catch (e) {
      if (e instanceof XfsNoSpace) return { error: -ENOSPC };
      throw e;
    }
  }

  /**
   * xfs_dax_write_iomap_end: `written` bytes of `iomap` were stored. A CoW
   * mapping is remapped into the file (xfs_reflink_end_cow), or cancelled
   * when nothing was written. Does not change i_size (see setFileSize).
   */
  daxWriteIomapEnd(ino: number, iomap: XfsIomap, written: number): void {
    const ip = this.inodeOrThrow(ino, '');
    this.journal.run(() => this.writeEnd(ip, iomap, written));
  }

  /** i_size_write + xfs_setfilesize: the file's size after a write past EOF (no blocks change) */
  setFileSize(ino: number, size: number): void {
    const ip = this.inodeOrThrow(ino, '');
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_FILE_BYTES) throw this.err('', 'size', size, `size ${describeValue(size)}: not a valid file size`);
    this.journal.run(() => this.journal.set(ip, 'size', size));
  }

  /**
   * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) (xfs_free_file_space):
   * whole blocks inside the range are unmapped (their references dropped,
   * freed when no other file has them); partial blocks at the edges, inside
   * EOF, are zeroed through the write path, which copies them if shared.
   * Returns 0 or -ENOSPC (nothing changed).
   */
  punchHole(ino: number, offset: number, length: number): number {
    const ip = this.inodeOrThrow(ino, '');
    if (ip.type !== 'file') return -EISDIR;
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) return -EINVAL;
    if (length === 0) return 0;
    try {
      this.journal.run(() => {
        const start = this.bToFsb(offset);
        const end = this.bToFsbt(offset + length);
        if (end > start) this.dataUnmap(ip, start, end - start);
        if (offset >= ip.size) return;
        // xfs_zero_range over what is left inside EOF: the unmapped middle is
        // holes now, so only partial edge blocks are touched (copied if shared)
        const zend = Math.min(offset + length, ip.size);
        this.iomapWrite(ip, offset, zend - offset, true);
      });
    } catch (e) {
      if (e instanceof XfsNoSpace) return -ENOSPC;
      throw e;
    }
    return 0;
  }

  /**
   * fallocate(0): preallocate unwritten blocks for the holes of
   * [offset, offset + length) (xfs_alloc_file_space); the size grows unless
   * keepSize. Returns 0 or -ENOSPC (nothing changed).
   */
  fallocate(ino: number, offset: number, length: number, keepSize = false): number {
    const ip = this.inodeOrThrow(ino, '');
    if (ip.type !== 'file') return -EISDIR;
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length <= 0) return -EINVAL;
    try {
      this.journal.run(() => {
        let pos = this.bToFsbt(offset);
        const end = this.bToFsb(offset + length);
        while (pos < end) {
          const m = ip.data.read(pos, end - pos);
          if (m.startblock !== HOLESTARTBLOCK) {
            pos += m.blockcount;
            continue;
          }
          const target = this.bmapAdjacent(ip, ip.data, pos, m.blockcount);
          const { agno, r } = this.allocExtent(target, Math.min(m.blockcount, XFS_MAX_BMBT_EXTLEN), { userdata: true });
          this.takeBlocks(agno, r.agbno, r.len);
          this.dataMap(ip, { startoff: pos, startblock: this.agbToFsb(agno, r.agbno), blockcount: r.len, unwritten: true });
          pos += r.len;
        }
        if (!keepSize && offset + length > ip.size) this.journal.set(ip, 'size', offset + length);
        // xfs_update_prealloc_flags(XFS_PREALLOC_SET)
        this.journal.set(ip, 'preallocFlag', true);
      });
    } catch (e) {
      if (e instanceof XfsNoSpace) return -ENOSPC;
      throw e;
    }
    return 0;
  }

  /** truncate(2) (xfs_setattr_size -> xfs_itruncate_extents): blocks past the new EOF are unmapped */
  truncate(ino: number, size: number): number {
    const ip = this.inodeOrThrow(ino, '');
    if (ip.type !== 'file') return -EISDIR;
    if (!Number.isSafeInteger(size) || size < 0) return -EINVAL;
    if (size > MAX_FILE_BYTES) return -EFBIG;
    this.journal.run(() => this.truncateIp(ip, size));
    return 0;
  }

  private truncateIp(ip: XfsInode, size: number): void {
    if (size < ip.size) this.journal.set(ip, 'itruncated', true);
    this.itruncateExtents(ip, size);
    this.journal.set(ip, 'size', size);
  }

  /**
   * xfs_itruncate_extents_flags(ip, XFS_DATA_FORK, newSize): unmap the data
   * fork past newSize, cancel every CoW reservation past it, and drop the
   * reflink flag when nothing is left (xfs_itruncate_clear_reflink_flags).
   */
  private itruncateExtents(ip: XfsInode, newSize: number): void {
    const first = this.bToFsb(newSize);
    const last = ip.data.last();
    if (last && last.startoff + last.blockcount > first) this.dataUnmap(ip, first, last.startoff + last.blockcount - first);
    this.cancelCow(ip, first, Number.MAX_SAFE_INTEGER, true);
    if (ip.reflinkFlag && ip.data.nextents === 0 && ip.cow.nextents === 0) this.journal.set(ip, 'reflinkFlag', false);
  }

  /** blocks in the CoW fork (they count in i_delayed_blks until remapped) */
  private cowBlocks(ip: XfsInode): number {
    return ip.cow.blocks();
  }

  /** xfs_can_free_eofblocks: CoW blocks, or data blocks at or past EOF */
  private canFreeEofblocks(ip: XfsInode): boolean {
    if (ip.type !== 'file') return false;
    const delayed = this.cowBlocks(ip);
    if (ip.size === 0 && delayed === 0) return false;
    if (ip.preallocFlag && delayed === 0) return false;
    return delayed > 0 || !ip.data.isEof(this.bToFsb(ip.size));
  }

  /**
   * xfs_file_release for a file descriptor opened for writing: close(2),
   * or the last reference of a writable shared mapping going away. The
   * first such close that finds something to trim (xfs_can_free_eofblocks:
   * CoW staging blocks, or blocks past EOF) runs xfs_free_eofblocks, which
   * truncates at EOF: data blocks past it are freed and so are CoW
   * reservations past it, while those inside EOF stay. Then
   * XFS_EOFBLOCKS_RELEASED keeps later closes from trimming, until a
   * truncate down clears it. fallocate'd files (XFS_DIFLAG_PREALLOC) keep
   * their blocks. This is why a one-block CoW write to a 64 KiB file leaves
   * CoW staging blocks for the rest of the file only, not the whole 32-block
   * CoW extent size hint: a real 6.12 kernel does that (test fixture
   * oracle-6.12-probes.txt).
   */
  release(ino: number): void {
    const ip = this.inodeOrThrow(ino, '');
    this.journal.run(() => {
      if (ip.itruncated) {
        this.journal.set(ip, 'itruncated', false);
        this.journal.set(ip, 'eofblocksReleased', false);
      }
      if (ip.eofblocksReleased || !this.canFreeEofblocks(ip)) return;
      this.journal.set(ip, 'eofblocksReleased', true);
      // xfs_free_eofblocks: preallocated files only lose delalloc blocks (none here)
      if (ip.preallocFlag) return;
      this.itruncateExtents(ip, ip.size);
    });
  }

  /**
   * unlink(2) of the last name, then inactivation (xfs_remove, xfs_inactive):
   * blocks, CoW staging blocks and attr blocks are released and the inode
   * freed (its chunk too when it was the last one in use). Directories must
   * be empty.
   */
  unlink(path: string, at = ''): void {
    const ino = this.lookup(path);
    if (ino === undefined || ino === this.rootino) throw this.err(at, 'path', path, `path ${describeValue(path)}: no such file in the filesystem`, ENOENT);
    const ip = this.inodes.get(ino)!;
    if (ip.dir && ip.dir.entries.size) throw this.err(at, 'path', path, `path ${describeValue(path)}: directory not empty (ENOTEMPTY)`, 39);
    this.atomic(at, 'path', path, `unlink ${path}`, () => {
      const dp = this.inodes.get(ip.parent)!;
      this.dirRemoveName(dp, ip.name);
      this.truncateIp(ip, 0);
      if (ip.dir) for (const e of ip.data.toArray()) this.dataUnmap(ip, e.startoff, e.blockcount);
      this.attrRemove(ip);
      this.journal.mapDelete(this.inodes, ino);
      this.difree(ino);
    });
  }

  /**
   * Extended attributes stored out of line: give the inode's attribute fork
   * `count` more leaf blocks (xfs_attr3_leaf blocks, as setfattr with
   * values too large for the inode leaves them). Each is an rmap record of
   * the inode with XFS_RMAP_ATTR_FORK, which xfs_dax_failure_fn treats as
   * metadata.
   */
  addAttrBlocks(ino: number, count = 1): void {
    const ip = this.inodeOrThrow(ino, '');
    if (!Number.isSafeInteger(count) || count < 1) throw this.err('', 'count', count, 'count must be a positive number of blocks');
    this.atomic('', 'count', count, `attribute blocks for inode ${ino}`, () => {
      for (let i = 0; i < count; i++) {
        const last = ip.attrBlocks[ip.attrBlocks.length - 1];
        const target = last !== undefined ? last + 1 : this.inoToFsb(ip.ino);
        const { agno, r } = this.allocExtent(target, 1, { userdata: false });
        this.takeBlocks(agno, r.agbno, 1);
        const fsb = this.agbToFsb(agno, r.agbno);
        this.rmapMap(fsb, 1, { owner: ip.ino, offset: ip.attrBlocks.length, attrFork: true });
        this.journal.set(ip, 'attrBlocks', [...ip.attrBlocks, fsb]);
      }
    });
  }

  private attrRemove(ip: XfsInode): void {
    ip.attrBlocks.forEach((fsb, i) => {
      this.rmapUnmap(fsb, 1, { owner: ip.ino, offset: i, attrFork: true });
      this.freeBlocks(fsb, 1);
    });
    this.journal.set(ip, 'attrBlocks', []);
  }

  /**
   * Free the leftover CoW staging extents of one inode, or of all
   * (xfs_blockgc_free_space's cowblocks scan, or inode eviction /
   * unmount: xfs_reflink_cancel_cow_range(ip, 0, NULLFILEOFF, true)).
   * After a CoW write the kernel keeps them until then (a close trims only
   * those past EOF: see release).
   */
  reclaimCowBlocks(ino?: number): void {
    this.journal.run(() => {
      const list = ino === undefined ? [...this.inodes.values()] : [this.inodeOrThrow(ino, '')];
      for (const ip of list) if (ip.cow.nextents) this.cancelCow(ip, 0, Number.MAX_SAFE_INTEGER, true);
    });
  }

  // ---------------------------------------------------------------------
  // I/O mapping

  /**
   * The iomap of a file range, as the DAX read/fault code sees it
   * (xfs_read_iomap_begin, IOMAP_F_SHARED from xfs_reflink_trim_around_shared):
   * consecutive pieces covering [offset, offset + length): mapped (with the
   * device sector and byte offset of their first byte), unwritten, or hole;
   * a mapped piece never mixes shared and unshared blocks.
   */
  mapFileRange(ino: number, offset: number, length: number, maxPieces = Infinity): XfsMapPiece[] {
    const ip = this.inodeOrThrow(ino, '');
    const out: XfsMapPiece[] = [];
    if (length <= 0) return out;
    const bs = this.blockSize;
    const end = offset + length;
    let pos = offset;
    while (pos < end && out.length < maxPieces) {
      const fsbOff = Math.floor(pos / bs);
      const endFsb = Math.ceil(end / bs);
      const m = ip.data.read(fsbOff, endFsb - fsbOff);
      let pieceEndFsb = fsbOff + m.blockcount;
      const kind: XfsMapPiece['kind'] = m.startblock === HOLESTARTBLOCK ? 'hole' : m.unwritten ? 'unwritten' : 'mapped';
      let shared = false;
      if (kind === 'mapped' && this.geo.reflink) {
        const agno = this.fsbToAgno(m.startblock);
        const runs = this.pag(agno).refc.runs(this.fsbToAgbno(m.startblock), m.blockcount);
        const first = runs[0]!;
        shared = first.refcount > 1;
        pieceEndFsb = fsbOff + first.len;
      }
      const pieceEnd = Math.min(end, pieceEndFsb * bs);
      const piece: XfsMapPiece = { fileOffset: pos, length: pieceEnd - pos, kind, shared };
      if (kind !== 'hole') {
        const fsb = m.startblock;
        const devOff = this.fsbToDaddr(fsb) * BBSIZE + (pos - fsbOff * bs);
        piece.fsb = fsb;
        piece.deviceOffset = devOff;
        piece.daddr = Math.floor(devOff / BBSIZE);
      }
      out.push(piece);
      pos = pieceEnd;
    }
    return out;
  }

  // ---------------------------------------------------------------------
  // Snapshot

  /** everything the model holds, as plain data (for comparisons and debugging) */
  snapshot(): unknown {
    return {
      agirotor: this.rotor.agirotor,
      ags: this.ags.map((p) => ({
        agno: p.agno,
        free: p.free.extents(),
        busy: p.free.busy.toArray().map((e) => ({ start: e.start, len: e.len })),
        freeblks: p.free.freeblks,
        rmap: p.rmap.records(),
        refcount: p.refc.records(),
        agfl: [...p.agfl],
        newino: p.newino,
        icount: p.icount,
        ifree: p.ifree,
        chunks: p.chunks.map((c) => ({ startino: c.startino, holemask: c.holemask, freecount: c.freecount, state: [...c.state] })),
      })),
      inodes: [...this.inodes.values()]
        .sort((a, b) => a.ino - b.ino)
        .map((ip) => ({
          ino: ip.ino,
          type: ip.type,
          parent: ip.parent,
          name: ip.name,
          size: ip.size,
          fill: ip.fill,
          incore: ip.incore,
          reflink: ip.reflinkFlag,
          prealloc: ip.preallocFlag,
          eofblocksReleased: ip.eofblocksReleased,
          itruncated: ip.itruncated,
          data: ip.data.toArray(),
          cow: ip.cow.toArray(),
          bmbt: [...ip.bmbtBlocks],
          attr: [...ip.attrBlocks],
          dir: ip.dir
            ? {
                format: ip.dir.format,
                entries: [...ip.dir.entries.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
                nameBytes: ip.dir.nameBytes,
                entBytes: ip.dir.entBytes,
                i8count: ip.dir.i8count,
                dataBlocks: ip.dir.dataBlocks,
                lastBlockUsed: ip.dir.lastBlockUsed,
              }
            : undefined,
        })),
    };
  }
}

/** the bytes of a short-form directory (its i_size) */
function xfsDirSfBytes(d: XfsDirState): number {
  const inoSize = d.i8count ? 8 : 4;
  return 1 + 1 + inoSize + d.entries.size * (1 + 2 + 1 + inoSize) + d.nameBytes;
}

/** index of the first element >= v in a sorted array */
function lowerIndex(a: number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m]! < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function popcount16(v: number): number {
  let n = 0;
  for (let i = 0; i < 16; i++) if (v & (1 << i)) n++;
  return n;
}

/** "/a/b" or "a/b" -> ["a", "b"]; undefined for "." / ".." components or non-strings */
export function splitPath(path: string): string[] | undefined {
  if (typeof path !== 'string') return undefined;
  const parts = path.split('/').filter((p) => p.length > 0);
  if (parts.some((p) => p === '.' || p === '..' || p.includes('\0'))) return undefined;
  return parts;
}
