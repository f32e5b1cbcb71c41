// On-disk format of the XFS model: constants, record shapes and the unit
// conversion macros, after fs/xfs/libxfs/xfs_format.h, xfs_types.h,
// xfs_rmap.h and xfs_fs.h of Linux v6.12. Reimplemented, not copied: every
// function names the kernel symbol whose behaviour it models.
//
// Units, as in the kernel:
//   daddr  a 512-byte basic block on the data device, linear
//          (daddr = (agno * agblocks + agbno) << (blocklog - 9))
//   fsb    a filesystem block number as xfs_db prints it: agno << agblklog | agbno.
//          NOT linear when agblocks is not a power of two.
//   agbno  a block inside one allocation group
//   ino    agno << (agblklog + inopblog) | agbno << inopblog | offset-in-block
//
// Numbers are JavaScript numbers (exact below 2^53); shifts that could pass
// 2^31 are written as multiplications.

/** BBSHIFT: a basic block is 512 bytes */
export const BBSHIFT = 9;
export const BBSIZE = 512;

// ---------------------------------------------------------------------------
// Reverse-map owners (xfs_format.h XFS_RMAP_OWN_*). The kernel stores them as
// (u64)-N; the model keeps the negative number, which is what xfs_db prints.

/** XFS_RMAP_OWN_NULL: no owner, for growfs */
export const XFS_RMAP_OWN_NULL = -1;
/** XFS_RMAP_OWN_UNKNOWN: unknown owner, for EFI recovery */
export const XFS_RMAP_OWN_UNKNOWN = -2;
/** XFS_RMAP_OWN_FS: static fs metadata (superblock, AGF, AGI, AGFL sectors) */
export const XFS_RMAP_OWN_FS = -3;
/** XFS_RMAP_OWN_LOG: the internal log */
export const XFS_RMAP_OWN_LOG = -4;
/** XFS_RMAP_OWN_AG: AG free-space btree blocks, rmapbt blocks, the AGFL */
export const XFS_RMAP_OWN_AG = -5;
/** XFS_RMAP_OWN_INOBT: inode btree blocks (inobt and finobt) */
export const XFS_RMAP_OWN_INOBT = -6;
/** XFS_RMAP_OWN_INODES: inode chunks */
export const XFS_RMAP_OWN_INODES = -7;
/** XFS_RMAP_OWN_REFC: refcount btree blocks */
export const XFS_RMAP_OWN_REFC = -8;
/** XFS_RMAP_OWN_COW: copy-on-write staging extents */
export const XFS_RMAP_OWN_COW = -9;

/** XFS_RMAP_NON_INODE_OWNER(owner): the top bit of the u64 owner is set */
export function XFS_RMAP_NON_INODE_OWNER(owner: number): boolean {
  return owner < 0;
}

const OWNER_NAMES: Record<number, string> = {
  [XFS_RMAP_OWN_NULL]: 'XFS_RMAP_OWN_NULL',
  [XFS_RMAP_OWN_UNKNOWN]: 'XFS_RMAP_OWN_UNKNOWN',
  [XFS_RMAP_OWN_FS]: 'XFS_RMAP_OWN_FS',
  [XFS_RMAP_OWN_LOG]: 'XFS_RMAP_OWN_LOG',
  [XFS_RMAP_OWN_AG]: 'XFS_RMAP_OWN_AG',
  [XFS_RMAP_OWN_INOBT]: 'XFS_RMAP_OWN_INOBT',
  [XFS_RMAP_OWN_INODES]: 'XFS_RMAP_OWN_INODES',
  [XFS_RMAP_OWN_REFC]: 'XFS_RMAP_OWN_REFC',
  [XFS_RMAP_OWN_COW]: 'XFS_RMAP_OWN_COW',
};

/** "XFS_RMAP_OWN_LOG" for a special owner, "inode 131" for a file */
export function rmapOwnerName(owner: number): string {
  return OWNER_NAMES[owner] ?? `inode ${owner}`;
}

/**
 * The owner column of `xfs_io -c 'fsmap -v'` (xfs_io/fsmap.c special owner
 * names, fed by the kernel's XFS_FMR_OWN_* mapping in fs/xfs/xfs_fsmap.c).
 */
export const FSMAP_OWNER_TEXT: Record<number, string> = {
  [XFS_RMAP_OWN_FS]: 'static fs metadata',
  [XFS_RMAP_OWN_LOG]: 'journalling log',
  [XFS_RMAP_OWN_AG]: 'per-AG metadata',
  [XFS_RMAP_OWN_INOBT]: 'inode btree',
  [XFS_RMAP_OWN_INODES]: 'inodes',
  [XFS_RMAP_OWN_REFC]: 'refcount btree',
  [XFS_RMAP_OWN_COW]: 'cow reservation',
  [XFS_RMAP_OWN_UNKNOWN]: 'unknown',
};

/**
 * struct xfs_rmap_irec: one reverse-map record. For inode owners `offset` is
 * the file block (rm_offset without the flag bits); for non-inode owners and
 * bmbt blocks it is 0. The flag bits of rm_offset are separate booleans.
 * Records handed out by the model are copies.
 */
export interface RmapIrec {
  /** rm_startblock: AG block */
  startblock: number;
  /** rm_blockcount */
  blockcount: number;
  /** rm_owner: an inode number, or an XFS_RMAP_OWN_* value (negative) */
  owner: number;
  /** rm_offset: file block of startblock (inode data/attr fork records) */
  offset: number;
  /** XFS_RMAP_ATTR_FORK */
  attrFork: boolean;
  /** XFS_RMAP_BMBT_BLOCK: a block of the owner's bmap btree */
  bmbtBlock: boolean;
  /** XFS_RMAP_UNWRITTEN */
  unwritten: boolean;
}

/** struct xfs_bmbt_irec: one mapping of a data or CoW fork */
export interface BmbtIrec {
  /** br_startoff: file block */
  startoff: number;
  /** br_startblock: fsb (agno << agblklog | agbno) */
  startblock: number;
  /** br_blockcount */
  blockcount: number;
  /** br_state == XFS_EXT_UNWRITTEN */
  unwritten: boolean;
}

/**
 * struct xfs_refcount_irec. `domain` is XFS_REFC_DOMAIN_SHARED (refcount >=
 * 2: blocks shared by reflink) or XFS_REFC_DOMAIN_COW (refcount 1: a CoW
 * staging extent; on disk its startblock carries XFS_REFC_COWFLAG, so these
 * sort after every shared record).
 */
export interface RefcountIrec {
  startblock: number;
  blockcount: number;
  refcount: number;
  domain: 'shared' | 'cow';
}

// ---------------------------------------------------------------------------
// Sizes of on-disk structures the model needs (xfs_format.h, xfs_da_format.h)

/** XFS_INODES_PER_CHUNK */
export const XFS_INODES_PER_CHUNK = 64;
/** XFS_INODES_PER_HOLEMASK_BIT (sparse inode chunks) */
export const XFS_INODES_PER_HOLEMASK_BIT = 4;
/** sizeof(struct xfs_dinode) for v3 inodes: the literal area starts after it */
export const XFS_DINODE_SIZE_V3 = 176;
/** sizeof(xfs_bmbt_rec_t) */
export const XFS_BMBT_REC_SIZE = 16;
/** sizeof(xfs_bmbt_key_t) + sizeof(xfs_bmbt_ptr_t) */
export const XFS_BMBT_KEYPTR_SIZE = 16;
/** XFS_BMBT_CRC_BLOCK_LEN: long-format btree block header with CRC */
export const XFS_BMBT_CRC_BLOCK_LEN = 72;
/** sizeof(struct xfs_bmdr_block): the btree root header inside the inode */
export const XFS_BMDR_BLOCK_LEN = 4;
/** XFS_BTREE_SBLOCK_CRC_LEN: short-format btree block header with CRC */
export const XFS_BTREE_SBLOCK_CRC_LEN = 56;
/** XFS_DEFAULT_COWEXTSZ_HINT (fs/xfs/xfs_inode.h) */
export const XFS_DEFAULT_COWEXTSZ_HINT = 32;
/** XFS_MAX_BMBT_EXTLEN: longest data-fork mapping (nrext64 off: 21 bits) */
export const XFS_MAX_BMBT_EXTLEN = 2 ** 21 - 1;
/** XFS_RMAP_LEN_MAX */
export const XFS_RMAP_LEN_MAX = 2 ** 32 - 1;
/** XFS_DIR2_LEAF_OFFSET in bytes: directory leaf blocks live at 32 GiB */
export const XFS_DIR2_LEAF_OFFSET_BYTES = 2 ** 35;
/** XFS_DIR2_FREE_OFFSET in bytes: directory free-index blocks live at 64 GiB */
export const XFS_DIR2_FREE_OFFSET_BYTES = 2 ** 36;
/** sizeof(struct xfs_dir3_data_hdr) */
export const XFS_DIR3_DATA_HDR_SIZE = 64;
/** sizeof(struct xfs_dir3_leaf_hdr) */
export const XFS_DIR3_LEAF_HDR_SIZE = 64;
/** sizeof(struct xfs_dir3_free_hdr) */
export const XFS_DIR3_FREE_HDR_SIZE = 64;
/** sizeof(struct xfs_da3_node_hdr) */
export const XFS_DA3_NODE_HDR_SIZE = 64;
/** sizeof(struct xfs_dir2_leaf_entry) */
export const XFS_DIR2_LEAF_ENTRY_SIZE = 8;
/** sizeof(struct xfs_dir2_block_tail) */
export const XFS_DIR2_BLOCK_TAIL_SIZE = 8;
/** XFS_AG_MIN_BYTES */
export const XFS_AG_MIN_BYTES = 16 * 1024 * 1024;
/** XFS_AG_MAX_BYTES */
export const XFS_AG_MAX_BYTES = 2 ** 40;
/** XFS_MIN_LOG_BLOCKS (xfs_fs.h) */
export const XFS_MIN_LOG_BLOCKS = 512;
/** XFS_MAX_LOG_BLOCKS (xfs_fs.h) */
export const XFS_MAX_LOG_BLOCKS = 1024 * 1024;
/** XFS_MIN_LOG_BYTES (xfs_fs.h) */
export const XFS_MIN_LOG_BYTES = 10 * 1024 * 1024;
/** XFS_MAX_LOG_BYTES (xfs_fs.h) */
export const XFS_MAX_LOG_BYTES = 2 * 1024 * 1024 * 1024 - XFS_MIN_LOG_BYTES;

// ---------------------------------------------------------------------------
// Conversion macros. They take the few geometry fields they need, like the
// kernel's take `mp`.

/** the geometry fields the conversion macros read (a subset of struct xfs_sb) */
export interface XfsUnits {
  blocklog: number;
  agblocks: number;
  agblklog: number;
  inopblog: number;
}

/** 2^n for shifts past 31 bits, from a table (conversions are hot) */
const POW2: number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);
const pow2 = (n: number): number => POW2[n]!;

/** BTOBB(bytes): bytes to basic blocks, rounding up */
export const BTOBB = (bytes: number): number => Math.ceil(bytes / BBSIZE);
/** BTOBBT(bytes): bytes to basic blocks, rounding down */
export const BTOBBT = (bytes: number): number => Math.floor(bytes / BBSIZE);
/** BBTOB(bbs) */
export const BBTOB = (bbs: number): number => bbs * BBSIZE;

/** XFS_FSB_TO_B(mp, fsbno): a block count (or linear block) in bytes */
export const XFS_FSB_TO_B = (mp: XfsUnits, fsbno: number): number => fsbno * pow2(mp.blocklog);
/** XFS_B_TO_FSBT(mp, b): bytes to blocks, rounding down */
export const XFS_B_TO_FSBT = (mp: XfsUnits, b: number): number => Math.floor(b / pow2(mp.blocklog));
/** XFS_B_TO_FSB(mp, b): bytes to blocks, rounding up */
export const XFS_B_TO_FSB = (mp: XfsUnits, b: number): number => Math.ceil(b / pow2(mp.blocklog));
/** XFS_FSB_TO_BB(mp, fsbno): a block count in basic blocks */
export const XFS_FSB_TO_BB = (mp: XfsUnits, fsbno: number): number => fsbno * pow2(mp.blocklog - BBSHIFT);
/** XFS_BB_TO_FSBT(mp, bb): basic blocks to blocks, rounding down */
export const XFS_BB_TO_FSBT = (mp: XfsUnits, bb: number): number => Math.floor(bb / pow2(mp.blocklog - BBSHIFT));
/** XFS_BB_TO_FSB(mp, bb): basic blocks to blocks, rounding up */
export const XFS_BB_TO_FSB = (mp: XfsUnits, bb: number): number => Math.ceil(bb / pow2(mp.blocklog - BBSHIFT));

/** XFS_FSB_TO_AGNO(mp, fsbno) */
export const XFS_FSB_TO_AGNO = (mp: XfsUnits, fsbno: number): number => Math.floor(fsbno / pow2(mp.agblklog));
/** XFS_FSB_TO_AGBNO(mp, fsbno) */
export const XFS_FSB_TO_AGBNO = (mp: XfsUnits, fsbno: number): number => fsbno % pow2(mp.agblklog);
/** XFS_AGB_TO_FSB(mp, agno, agbno) */
export const XFS_AGB_TO_FSB = (mp: XfsUnits, agno: number, agbno: number): number => agno * pow2(mp.agblklog) + agbno;
/** XFS_AGB_TO_DADDR(mp, agno, agbno): daddr is linear in agno * agblocks */
export const XFS_AGB_TO_DADDR = (mp: XfsUnits, agno: number, agbno: number): number =>
  XFS_FSB_TO_BB(mp, agno * mp.agblocks + agbno);
/** XFS_AG_DADDR(mp, agno, d): daddr d inside AG agno */
export const XFS_AG_DADDR = (mp: XfsUnits, agno: number, d: number): number => XFS_AGB_TO_DADDR(mp, agno, 0) + d;
/** XFS_FSB_TO_DADDR(mp, fsbno) */
export const XFS_FSB_TO_DADDR = (mp: XfsUnits, fsbno: number): number =>
  XFS_AGB_TO_DADDR(mp, XFS_FSB_TO_AGNO(mp, fsbno), XFS_FSB_TO_AGBNO(mp, fsbno));
/** xfs_daddr_to_agno(mp, d) */
export const xfs_daddr_to_agno = (mp: XfsUnits, d: number): number => Math.floor(XFS_BB_TO_FSBT(mp, d) / mp.agblocks);
/** xfs_daddr_to_agbno(mp, d) */
export const xfs_daddr_to_agbno = (mp: XfsUnits, d: number): number => XFS_BB_TO_FSBT(mp, d) % mp.agblocks;
/** XFS_DADDR_TO_FSB(mp, d) */
export const XFS_DADDR_TO_FSB = (mp: XfsUnits, d: number): number =>
  XFS_AGB_TO_FSB(mp, xfs_daddr_to_agno(mp, d), xfs_daddr_to_agbno(mp, d));

/** XFS_INO_AGINO_BITS(mp) = agblklog + inopblog */
export const XFS_INO_AGINO_BITS = (mp: XfsUnits): number => mp.agblklog + mp.inopblog;
/** XFS_INO_TO_AGNO(mp, ino) */
export const XFS_INO_TO_AGNO = (mp: XfsUnits, ino: number): number => Math.floor(ino / pow2(XFS_INO_AGINO_BITS(mp)));
/** XFS_INO_TO_AGINO(mp, ino) */
export const XFS_INO_TO_AGINO = (mp: XfsUnits, ino: number): number => ino % pow2(XFS_INO_AGINO_BITS(mp));
/** XFS_INO_TO_AGBNO(mp, ino) */
export const XFS_INO_TO_AGBNO = (mp: XfsUnits, ino: number): number =>
  Math.floor(XFS_INO_TO_AGINO(mp, ino) / pow2(mp.inopblog));
/** XFS_INO_TO_OFFSET(mp, ino): the inode's slot in its block */
export const XFS_INO_TO_OFFSET = (mp: XfsUnits, ino: number): number => ino % pow2(mp.inopblog);
/** XFS_INO_TO_FSB(mp, ino) */
export const XFS_INO_TO_FSB = (mp: XfsUnits, ino: number): number =>
  XFS_AGB_TO_FSB(mp, XFS_INO_TO_AGNO(mp, ino), XFS_INO_TO_AGBNO(mp, ino));
/** XFS_AGINO_TO_INO(mp, agno, agino) */
export const XFS_AGINO_TO_INO = (mp: XfsUnits, agno: number, agino: number): number =>
  agno * pow2(XFS_INO_AGINO_BITS(mp)) + agino;
/** XFS_AGINO_TO_AGBNO(mp, agino) */
export const XFS_AGINO_TO_AGBNO = (mp: XfsUnits, agino: number): number => Math.floor(agino / pow2(mp.inopblog));
/** XFS_AGB_TO_AGINO(mp, agbno) */
export const XFS_AGB_TO_AGINO = (mp: XfsUnits, agbno: number): number => agbno * pow2(mp.inopblog);
/** XFS_OFFBNO_TO_AGINO(mp, agbno, offset) */
export const XFS_OFFBNO_TO_AGINO = (mp: XfsUnits, agbno: number, offset: number): number =>
  agbno * pow2(mp.inopblog) + offset;

/** log2 of a power of two (throws on anything else) */
export function log2Exact(v: number): number {
  const l = Math.log2(v);
  if (!Number.isInteger(l)) throw new Error(`${v} is not a power of two`);
  return l;
}

/** log2_roundup(i): the smallest r with 2^r >= i (mkfs's sb_agblklog) */
export function log2Roundup(i: number): number {
  let r = 0;
  while (2 ** r < i) r++;
  return r;
}
