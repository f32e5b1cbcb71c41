// struct xfs_mount of the model: one XFS filesystem on a DAX data device,
// from mkfs to file operations, with the on-disk structures a memory-failure
// notification needs: AG headers, per-AG free space, reverse map and
// reference counts, inode chunks, inodes with data, CoW and attr forks, and a
// directory tree.
//
// What the model does, and the kernel functions it follows (v6.12):
//   mkfs                xfsMkfsGeometry (xfs_mkfs.ts), xfs_ag_init_headers,
//                       xfs_alloc_fix_freelist (AGFL, when
//                       xfs_alloc_space_available lets it), root/rbm/rsum inodes
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
// space reservations, so every free block can be allocated (except in an AG
// whose AGFL mkfs could not fill: xfs_alloc_space_available refuses it, as
// the kernel does); the
// directory's block count is derived from entry sizes rather than laid out
// byte by byte; the bmbt's block count from full leaves.
//
// Every operation is atomic: input is validated before anything changes,
// and the undo journal (xfs_journal.ts) reverses a half-done operation
// that runs out of space.
//
// This file holds struct xfs_mount (the XfsMount class: geometry,
// conversions, header views, the input checks and the public API as a
// facade). The work is in files named after the kernel's, as functions that
// take the mount first; each XfsMount method delegates to one of them:
//   xfs_alloc.ts        free space, the allocator, AGFL (xfs_alloc.c)
//   xfs_extent_busy.ts  busy extents and log forces
//   xfs_rmap.ts         reverse-map updates; xfs_refcount.ts reference counts
//   xfs_bmap.ts         data/CoW fork mapping, bmbt size, xfs_bmapi_write
//   xfs_bmap_util.ts    punch hole, fallocate, xfs_can_free_eofblocks
//   xfs_reflink.ts      CoW staging, remap (FICLONE/FICLONERANGE)
//   xfs_iomap.ts        iomap_begin/end for DAX writes, read mappings
//   xfs_ialloc.ts       inode chunks: xfs_dialloc, xfs_difree
//   xfs_icache.ts       xfs_iget, in-core inodes, CoW blockgc
//   xfs_dir2.ts         directory entries, path lookup, listings
//   xfs_inode.ts        xfs_create, xfs_remove/xfs_inactive, truncation
//   xfs_file.ts         write, truncate(2), close (xfs_file.c, xfs_iops.c)
//   xfs_attr.ts         attr fork blocks
//   xfs_fsmap.ts        xfs_getfsmap, block owners

import { InputError, describeValue } from '../../errors';
import { EINVAL, ENOENT, ENOSPC } from '../../errno';
import {
  type AllocResult,
  xfsAllocExtent,
  xfsFixFreelist,
  xfsFreeBlocks,
  XfsFreeSpace,
  xfsLongestFreeExtent,
  xfsSpaceAvailable,
  xfsTakeBlocks,
  xfsTakePlaced,
} from './xfs_alloc';
import { xfsAddAttrBlocks, xfsAttrRemove } from './xfs_attr';
import {
  xfsBmapAdjacent,
  xfsBmapiWriteCow,
  xfsBmapiWriteData,
  xfsDataConvert,
  xfsDataMap,
  xfsDataUnmap,
  xfsExtsizeAlign,
  xfsSyncBmbt,
} from './xfs_bmap';
import { xfsCanFreeEofblocks, xfsCowBlocks, xfsFallocate, xfsPunchHole } from './xfs_bmap_util';
import { xfsDirAddName, xfsDirApplyLayout, xfsDirRemoveName, xfsListFiles, xfsLookup, xfsPathOf } from './xfs_dir2';
import { xfsBusyExtents, xfsForceLog, xfsLogForce } from './xfs_extent_busy';
import { xfsRelease, xfsSetFileSize, xfsTruncate, xfsWrite } from './xfs_file';
import {
  XFS_AGB_TO_AGINO,
  XFS_AGB_TO_DADDR,
  XFS_AGB_TO_FSB,
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
  XFS_INO_TO_AGNO,
  XFS_INO_TO_FSB,
  XFS_INO_TO_OFFSET,
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
import { xfsFsmap, xfsOwnersOf } from './xfs_fsmap';
import { xfsDialloc, xfsDiallocAg, xfsDifree, xfsIallocAgAlloc } from './xfs_ialloc';
import { xfsIget, xfsIgetIncore, xfsNewInode, xfsReclaimCowBlocks, xfsSetIncore } from './xfs_icache';
import {
  type DirLayout,
  xfsCreate,
  xfsCreateFile,
  xfsCreatePlaced,
  type XfsDirState,
  XfsIfork,
  type XfsInode,
  xfsItruncateExtents,
  xfsMkdir,
  xfsTruncateIp,
  xfsUnlink,
} from './xfs_inode';
import { xfsDaxWriteIomapEnd, xfsDirectWriteIomapBegin, xfsIomapWrite, xfsMapFileRange, xfsWriteBegin, xfsWriteEnd } from './xfs_iomap';
import { XfsJournal } from './xfs_journal';
import { xfsMkfsGeometry, type XfsGeometry, type XfsMkfsOptions } from './xfs_mkfs';
import {
  XfsRefcountBtree,
  xfsRefcountDecrease,
  xfsRefcountIncrease,
} from './xfs_refcount';
import { xfsCancelCow, xfsCloneRange, xfsIsCowInode, xfsReflinkAllocateCow, xfsReflinkEndCow, xfsReflinkFile, xfsRemapRange } from './xfs_reflink';
import {
  type RmapPeek,
  type XfsOwnerInfo,
  XfsRmapBtree,
  xfsRmapMap,
  xfsRmapUnmap,
} from './xfs_rmap';

/** errno values this file needs that src/sim/errno.ts does not define (include/uapi/asm-generic/errno-base.h) */
export const EEXIST = 17;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EFBIG = 27;

/** the largest file offset the model allows (XFS_MAX_FILEOFF is 2^54 blocks; stay exact in doubles) */
export const MAX_FILE_BYTES = 2 ** 52;

/** the fields of an explicit extent (createFile) */
export const EXTENT_FIELDS = ['offset', 'block', 'length'] as const;

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
export class XfsNoSpace extends Error {
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
 * Members are not private: the functions in the kernel-named files next to
 * this one (see the file header) work on the mount as the kernel's do on
 * struct xfs_mount; callers outside fs/xfs use the documented methods.
 */
export class XfsMount {
  readonly geo: XfsGeometry;
  readonly journal = new XfsJournal();
  readonly ags: XfsPerag[] = [];
  readonly inodes = new Map<number, XfsInode>();
  /** sb_rootino, sb_rbmino, sb_rsumino */
  readonly rootino: number;
  readonly rbmino: number;
  readonly rsumino: number;
  /** m_agirotor: AG of the next directory */
  readonly rotor = { agirotor: 0 };
  /** XFS_DIR2_LEAF_OFFSET and XFS_DIR2_FREE_OFFSET in directory blocks */
  readonly dirLeafOffset: number;
  readonly dirFreeOffset: number;
  /** geo->blksize and geo->fsbcount: a directory block is 2^sb_dirblklog filesystem blocks (4 KiB at least) */
  readonly dirBlkSize: number;
  readonly dirFsbCount: number;
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
    this.dirFsbCount = 2 ** geo.dirblklog;
    this.dirBlkSize = geo.blockSize * this.dirFsbCount;
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

  pag(agno: number): XfsPerag {
    const p = this.ags[agno];
    if (!p) throw new RangeError(`AG ${agno} does not exist (agcount ${this.geo.agcount})`);
    return p;
  }

  // ---------------------------------------------------------------------
  // Reverse map and reference counts (updates: xfs_rmap.ts, xfs_refcount.ts;
  // owners and fsmap: xfs_fsmap.ts)

  /**
   * xfs_rmap_query_range(cur, {startblock: lowAgbno}, {startblock:
   * highAgbno, rest all ones}, fn): call fn for every rmap record of AG
   * agno overlapping blocks [lowAgbno, highAgbno], in rmapbt key order
   * (startblock, owner, offset). Stops at the first non-zero return of fn
   * and returns it; 0 when all were visited. fn gets copies; a record that
   * `peek` handles from its stored fields (returning true) is not copied.
   */
  rmapQueryRange(agno: number, lowAgbno: number, highAgbno: number, fn: (rec: RmapIrec) => number, peek?: RmapPeek): number {
    return this.pag(agno).rmap.queryRange(lowAgbno, highAgbno, fn, peek);
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
    return xfsOwnersOf(this, fsb);
  }

  /**
   * xfs_getfsmap for the data device, as `xfs_io -c 'fsmap -v'` lists it:
   * every rmap record in key order with the free space between them. Without
   * rmapbt the kernel reports from the free-space btree (used space as
   * "unknown"); `allOwners` reports the model's owners anyway.
   */
  fsmap(opts: { allOwners?: boolean } = {}): XfsFsmapRecord[] {
    return xfsFsmap(this, opts);
  }

  // ---------------------------------------------------------------------
  // Inodes (iget and the inode cache: xfs_icache.ts; paths: xfs_dir2.ts)

  /**
   * xfs_iget(mp, tp, ino, flags): the inode, or a negative errno. With
   * `incore` (XFS_IGET_INCORE) an inode that is not in the inode cache gives
   * -ENODATA. An inode number outside the filesystem gives -EINVAL, a free
   * one -ENOENT (-ENODATA with XFS_IGET_INCORE).
   */
  iget(ino: number, flags: { incore?: boolean } = {}): { error: number; ip?: XfsInodeInfo } {
    return xfsIget(this, ino, flags);
  }

  /** xfs_iget(XFS_IGET_INCORE) as xfs_dax_failure_fn calls it: the inode if it is cached, else undefined */
  igetIncore(ino: number): XfsInodeInfo | undefined {
    return xfsIgetIncore(this, ino);
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
    xfsSetIncore(this, ino, incore);
  }

  /** i_size of a file, bytes */
  fileSize(ino: number): number {
    return this.inodeOrThrow(ino, '').size;
  }

  /** inode -> path inside the filesystem ("/a/b"); "" for the realtime inodes */
  pathOf(ino: number): string {
    return xfsPathOf(this, ino);
  }

  /** path -> inode number, or undefined */
  lookup(path: string): number | undefined {
    return xfsLookup(this, path);
  }

  /** every file and directory under the root, depth first, names sorted */
  listFiles(): XfsFileInfo[] {
    return xfsListFiles(this);
  }

  /** a copy of what the model knows about an inode */
  inode(ino: number): XfsInodeInfo | undefined {
    const ip = this.inodes.get(ino);
    return ip ? this.info(ip) : undefined;
  }

  info(ip: XfsInode): XfsInodeInfo {
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

  inodeOrThrow(ino: number, at: string): XfsInode {
    const ip = this.inodes.get(ino);
    if (!ip) throw new XfsOpError(at, 'ino', ino, `inode ${describeValue(ino)} does not exist`, ENOENT);
    return ip;
  }

  /** fsb -> agno for the inode forks (one closure for all of them) */
  readonly agnoOf = (fsb: number): number => this.fsbToAgno(fsb);

  newInode(ino: number, type: 'file' | 'dir', parent: number, name: string): XfsInode {
    return xfsNewInode(this, ino, type, parent, name);
  }

  // ---------------------------------------------------------------------
  // Block allocation (xfs_alloc.ts, busy extents: xfs_extent_busy.ts,
  // targets: xfs_bmap.ts)

  longestFreeExtent(pag: XfsPerag): number {
    return xfsLongestFreeExtent(this, pag);
  }

  spaceAvailable(pag: XfsPerag, allocLen: number): boolean {
    return xfsSpaceAvailable(this, pag, allocLen);
  }

  fixFreelist(pag: XfsPerag): void {
    xfsFixFreelist(this, pag);
  }

  allocExtent(target: number, len: number, opts: { userdata: boolean; minlen?: number; prod?: number; mod?: number; alignment?: number }): { agno: number; r: AllocResult } {
    return xfsAllocExtent(this, target, len, opts);
  }

  forceLog(): void {
    xfsForceLog(this);
  }

  /**
   * A log force (fsync, sync, unmount, freeze, or the periodic
   * xfs_log_worker every 30 s): blocks freed before it (by a punch hole,
   * a truncate, a CoW remap...) become allocatable again. Until then XFS
   * keeps them busy and allocates elsewhere.
   */
  logForce(): void {
    xfsLogForce(this);
  }

  /** the busy extents of AG agno (freed since the last log force) */
  busyExtents(agno: number): { startblock: number; blockcount: number }[] {
    return xfsBusyExtents(this, agno);
  }

  bmapAdjacent(ip: XfsInode, fork: XfsIfork, off: number, len: number): number {
    return xfsBmapAdjacent(this, ip, fork, off, len);
  }

  takeBlocks(agno: number, agbno: number, len: number): void {
    xfsTakeBlocks(this, agno, agbno, len);
  }

  takePlaced(exts: { block: number; length: number }[]): void {
    xfsTakePlaced(this, exts);
  }

  freeBlocks(fsb: number, len: number, busy = true): void {
    xfsFreeBlocks(this, fsb, len, busy);
  }

  refcountIncrease(fsb: number, len: number): void {
    xfsRefcountIncrease(this, fsb, len);
  }

  refcountDecrease(fsb: number, len: number): void {
    xfsRefcountDecrease(this, fsb, len);
  }

  rmapMap(fsb: number, len: number, oinfo: XfsOwnerInfo, unwritten = false): void {
    xfsRmapMap(this, fsb, len, oinfo, unwritten);
  }

  rmapUnmap(fsb: number, len: number, oinfo: XfsOwnerInfo): void {
    xfsRmapUnmap(this, fsb, len, oinfo);
  }

  // ---------------------------------------------------------------------
  // Data fork mapping (xfs_bmap_map_extent / xfs_bmap_unmap_extent: fork + rmap;
  // xfs_rmap.ts, xfs_refcount.ts, xfs_bmap.ts)

  dataMap(ip: XfsInode, irec: BmbtIrec): void {
    xfsDataMap(this, ip, irec);
  }

  dataUnmap(ip: XfsInode, off: number, len: number): BmbtIrec[] {
    return xfsDataUnmap(this, ip, off, len);
  }

  dataConvert(ip: XfsInode, off: number, len: number, unwritten: boolean): void {
    xfsDataConvert(this, ip, off, len, unwritten);
  }

  syncBmbt(ip: XfsInode): void {
    xfsSyncBmbt(this, ip);
  }

  bmapiWriteData(ip: XfsInode, off: number, len: number, metadata = false): number {
    return xfsBmapiWriteData(this, ip, off, len, metadata);
  }

  // ---------------------------------------------------------------------
  // Copy on write (fs/xfs/xfs_reflink.c: xfs_reflink.ts; CoW-fork bmapi:
  // xfs_bmap.ts; iomap: xfs_iomap.ts)

  isCowInode(ip: XfsInode): boolean {
    return xfsIsCowInode(this, ip);
  }

  extsizeAlign(prev: BmbtIrec | undefined, next: BmbtIrec | undefined, extsz: number, off: number, len: number): { off: number; len: number } {
    return xfsExtsizeAlign(this, prev, next, extsz, off, len);
  }

  bmapiWriteCow(ip: XfsInode, off: number, len: number): BmbtIrec {
    return xfsBmapiWriteCow(this, ip, off, len);
  }

  reflinkAllocateCow(ip: XfsInode, imap: BmbtIrec): number {
    return xfsReflinkAllocateCow(this, ip, imap);
  }

  reflinkEndCow(ip: XfsInode, off: number, len: number): void {
    xfsReflinkEndCow(this, ip, off, len);
  }

  cancelCow(ip: XfsInode, off: number, end: number, cancelReal: boolean): void {
    xfsCancelCow(this, ip, off, end, cancelReal);
  }

  writeBegin(ip: XfsInode, pos: number, len: number, zeroing: boolean): XfsIomap {
    return xfsWriteBegin(this, ip, pos, len, zeroing);
  }

  writeEnd(ip: XfsInode, iomap: XfsIomap, written: number): void {
    xfsWriteEnd(this, ip, iomap, written);
  }

  iomapWrite(ip: XfsInode, pos: number, len: number, zeroing: boolean): void {
    xfsIomapWrite(this, ip, pos, len, zeroing);
  }

  // ---------------------------------------------------------------------
  // Inode allocation (libxfs/xfs_ialloc.c: xfs_ialloc.ts)

  dialloc(parent: number, isDir: boolean): number {
    return xfsDialloc(this, parent, isDir);
  }

  diallocAg(pag: XfsPerag, parent: number): number {
    return xfsDiallocAg(this, pag, parent);
  }

  iallocAgAlloc(pag: XfsPerag): boolean {
    return xfsIallocAgAlloc(this, pag);
  }

  difree(ino: number): void {
    xfsDifree(this, ino);
  }

  // ---------------------------------------------------------------------
  // Directories (xfs_dir2.ts)

  dirAddName(dp: XfsInode, name: string, ino: number): void {
    xfsDirAddName(this, dp, name, ino);
  }

  dirRemoveName(dp: XfsInode, name: string): void {
    xfsDirRemoveName(this, dp, name);
  }

  dirApplyLayout(dp: XfsInode, lay: DirLayout): void {
    xfsDirApplyLayout(this, dp, lay);
  }

  // ---------------------------------------------------------------------
  // Input checks

  err(at: string, field: string, value: unknown, msg: string, errno = EINVAL): XfsOpError {
    return new XfsOpError(at ? `${at}/${field}` : '', field, value, msg, errno);
  }

  checkBytes(at: string, field: string, v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw this.err(at, field, v, `${field} ${describeValue(v)}: ${what} must be a non-negative byte count`);
    if (v > MAX_FILE_BYTES) throw this.err(at, field, v, `${field} ${describeValue(v)}: beyond the largest file the model supports (2^52 bytes)`, EFBIG);
    return v;
  }

  /** who holds a block, in words, for error messages */
  describeOwner(agno: number, agbno: number, len: number): string {
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

  checkNewPath(at: string, path: string): { parts: string[] } {
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

  fileByPath(at: string, field: string, ref: XfsFileRef): XfsInode {
    const path = ref;
    const ino = typeof ref === 'number' ? (this.inodes.has(ref) ? ref : undefined) : this.lookup(ref);
    if (ino === undefined) throw this.err(at, field, path, `${field} ${describeValue(path)}: no such file in the filesystem`, ENOENT);
    const ip = this.inodes.get(ino)!;
    if (ip.type !== 'file') throw this.err(at, field, path, `${field} ${describeValue(path)}: is a directory`, EISDIR);
    return ip;
  }

  /** run an operation atomically, turning a mid-way ENOSPC into an XfsOpError */
  atomic<T>(at: string, field: string, value: unknown, what: string, fn: () => T): T {
    try {
      return this.journal.run(fn);
    } catch (e) {
      if (e instanceof XfsNoSpace) throw this.err(at, field, value, `${what}: ENOSPC, the filesystem is full (${e.message})`, ENOSPC);
      throw e;
    }
  }

  // ---------------------------------------------------------------------
  // File operations (create, unlink, truncate: xfs_inode.ts; reflink:
  // xfs_reflink.ts; write, truncate(2), close: xfs_file.ts; iomap:
  // xfs_iomap.ts; punch, fallocate: xfs_bmap_util.ts; attrs: xfs_attr.ts;
  // CoW reclaim: xfs_icache.ts)

  create(parts: string[], type: 'file' | 'dir'): XfsInode {
    return xfsCreate(this, parts, type);
  }

  /** mkdir -p inside the filesystem; returns the directory's inode */
  mkdir(path: string, at = ''): number {
    return xfsMkdir(this, path, at);
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
    return xfsCreateFile(this, spec, at);
  }

  createPlaced(parts: string[], exts: { offset: number; block: number; length: number }[], fill: number | undefined, fsize: number): number {
    return xfsCreatePlaced(this, parts, exts, fill, fsize);
  }

  /**
   * `cp --reflink=always src dst`: create dst (or truncate an existing one)
   * and clone all of src into it (FICLONE: the whole file, to its EOF).
   * Returns dst's inode number.
   */
  reflinkFile(srcPath: XfsFileRef, dstPath: string, at = ''): number {
    return xfsReflinkFile(this, srcPath, dstPath, at);
  }

  /**
   * FICLONERANGE: share `length` bytes of src at srcOffset into dst at
   * dstOffset (length 0 means to src's EOF). Offsets must be block
   * aligned; the length too, unless the range ends at src's EOF
   * (generic_remap_checks, generic_remap_check_len). What dst had there is
   * unmapped first; dst grows to cover the range.
   */
  cloneRange(srcPath: XfsFileRef, srcOffset: number, dstPath: XfsFileRef, dstOffset: number, length: number, at = ''): void {
    xfsCloneRange(this, srcPath, srcOffset, dstPath, dstOffset, length, at);
  }

  remapRange(src: XfsInode, pos: number, dst: XfsInode, posOut: number, len: number): void {
    xfsRemapRange(this, src, pos, dst, posOut, len);
  }

  /**
   * pwrite/store through DAX: `length` bytes at `offset` of the file.
   * Holes get blocks, unwritten extents are converted, shared blocks are
   * copied (CoW). On ENOSPC nothing changes and error is -ENOSPC. `pieces`
   * map the written range afterwards.
   */
  write(ino: number, offset: number, length: number): XfsIoResult {
    return xfsWrite(this, ino, offset, length);
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
    return xfsDirectWriteIomapBegin(this, ino, pos, len, opts);
  }

  /**
   * xfs_dax_write_iomap_end: `written` bytes of `iomap` were stored. A CoW
   * mapping is remapped into the file (xfs_reflink_end_cow), or cancelled
   * when nothing was written. Does not change i_size (see setFileSize).
   */
  daxWriteIomapEnd(ino: number, iomap: XfsIomap, written: number): void {
    xfsDaxWriteIomapEnd(this, ino, iomap, written);
  }

  /** i_size_write + xfs_setfilesize: the file's size after a write past EOF (no blocks change) */
  setFileSize(ino: number, size: number): void {
    xfsSetFileSize(this, ino, size);
  }

  /**
   * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) (xfs_free_file_space):
   * whole blocks inside the range are unmapped (their references dropped,
   * freed when no other file has them); partial blocks at the edges, inside
   * EOF, are zeroed through the write path, which copies them if shared.
   * Returns 0 or -ENOSPC (nothing changed).
   */
  punchHole(ino: number, offset: number, length: number): number {
    return xfsPunchHole(this, ino, offset, length);
  }

  /**
   * fallocate(0): preallocate unwritten blocks for the holes of
   * [offset, offset + length) (xfs_alloc_file_space); the size grows unless
   * keepSize. Returns 0 or -ENOSPC (nothing changed).
   */
  fallocate(ino: number, offset: number, length: number, keepSize = false): number {
    return xfsFallocate(this, ino, offset, length, keepSize);
  }

  /** truncate(2) (xfs_setattr_size -> xfs_itruncate_extents): blocks past the new EOF are unmapped */
  truncate(ino: number, size: number): number {
    return xfsTruncate(this, ino, size);
  }

  truncateIp(ip: XfsInode, size: number): void {
    xfsTruncateIp(this, ip, size);
  }

  itruncateExtents(ip: XfsInode, newSize: number): void {
    xfsItruncateExtents(this, ip, newSize);
  }

  cowBlocks(ip: XfsInode): number {
    return xfsCowBlocks(this, ip);
  }

  canFreeEofblocks(ip: XfsInode): boolean {
    return xfsCanFreeEofblocks(this, ip);
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
    xfsRelease(this, ino);
  }

  /**
   * unlink(2) of the last name, then inactivation (xfs_remove, xfs_inactive):
   * blocks, CoW staging blocks and attr blocks are released and the inode
   * freed (its chunk too when it was the last one in use). Directories must
   * be empty.
   */
  unlink(path: string, at = ''): void {
    xfsUnlink(this, path, at);
  }

  /**
   * Extended attributes stored out of line: give the inode's attribute fork
   * `count` more leaf blocks (xfs_attr3_leaf blocks, as setfattr with
   * values too large for the inode leaves them). Each is an rmap record of
   * the inode with XFS_RMAP_ATTR_FORK, which xfs_dax_failure_fn treats as
   * metadata.
   */
  addAttrBlocks(ino: number, count = 1): void {
    xfsAddAttrBlocks(this, ino, count);
  }

  attrRemove(ip: XfsInode): void {
    xfsAttrRemove(this, ip);
  }

  /**
   * Free the leftover CoW staging extents of one inode, or of all
   * (xfs_blockgc_free_space's cowblocks scan, or inode eviction /
   * unmount: xfs_reflink_cancel_cow_range(ip, 0, NULLFILEOFF, true)).
   * After a CoW write the kernel keeps them until then (a close trims only
   * those past EOF: see release).
   */
  reclaimCowBlocks(ino?: number): void {
    xfsReclaimCowBlocks(this, ino);
  }

  // ---------------------------------------------------------------------
  // I/O mapping (xfs_iomap.ts)

  /**
   * The iomap of a file range, as the DAX read/fault code sees it
   * (xfs_read_iomap_begin, IOMAP_F_SHARED from xfs_reflink_trim_around_shared):
   * consecutive pieces covering [offset, offset + length): mapped (with the
   * device sector and byte offset of their first byte), unwritten, or hole;
   * a mapped piece never mixes shared and unshared blocks. `maxPieces`
   * stops after that many (a caller that wants the piece at `offset` only).
   */
  mapFileRange(ino: number, offset: number, length: number, maxPieces = Infinity): XfsMapPiece[] {
    return xfsMapFileRange(this, ino, offset, length, maxPieces);
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
