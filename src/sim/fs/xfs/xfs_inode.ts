// Inodes of the XFS model: the in-core inode (struct xfs_inode), its forks
// as sorted extent lists (struct xfs_ifork / xfs_iext_*), how many bmap
// btree blocks a data fork needs (xfs_bmap_extents_to_btree and btree
// splits), and the size of a directory in each of its formats
// (xfs_dir2_sf, block, leaf and node forms, libxfs/xfs_dir2_*.c).

import type { XfsJournal } from './xfs_journal';
import {
  XFS_BMBT_CRC_BLOCK_LEN,
  XFS_BMBT_KEYPTR_SIZE,
  XFS_BMBT_REC_SIZE,
  XFS_BMDR_BLOCK_LEN,
  XFS_DA3_NODE_HDR_SIZE,
  XFS_DIR2_BLOCK_TAIL_SIZE,
  XFS_DIR2_LEAF_ENTRY_SIZE,
  XFS_DIR3_DATA_HDR_SIZE,
  XFS_DIR3_FREE_HDR_SIZE,
  XFS_DIR3_LEAF_HDR_SIZE,
  XFS_MAX_BMBT_EXTLEN,
  XFS_RMAP_LEN_MAX,
  type BmbtIrec,
  type RmapIrec,
} from './xfs_format';
import { describeValue } from '../../errors';
import { EINVAL, ENOENT } from '../../errno';
import { EEXIST, EFBIG, EXTENT_FIELDS, MAX_FILE_BYTES, type XfsFileSpec, type XfsMount, XfsNoSpace, XfsOpError, splitPath } from './xfs_mount';

/** HOLESTARTBLOCK: br_startblock of a hole returned by xfs_bmapi_read */
export const HOLESTARTBLOCK = -1;

/** numbers per stored fork extent: startoff, startblock, blockcount, unwritten (0/1) */
const FW = 4;
const NO_EXTENTS = new Float64Array(0);

/**
 * struct xfs_ifork (extents format): mappings sorted by file offset,
 * non-overlapping; neighbours that are contiguous in file and disk, in the
 * same AG and the same state are merged (xfs_bmap_add_extent_hole_real).
 * Stored packed (FW numbers per extent in one Float64Array); extents handed
 * out are copies. Changes are journalled.
 */
export class XfsIfork {
  private a: Float64Array = NO_EXTENTS;
  private n = 0;
  /** blocks mapped (the sum of the extents' blockcounts), kept as extents come and go */
  private mappedBlocks = 0;
  /**
   * fsbs [lowBlock, highBlock) hold every extent: widened as extents are
   * added, not narrowed as they go (a bound, exact while nothing was removed)
   */
  private lowBlock = Infinity;
  private highBlock = -Infinity;

  constructor(
    private readonly journal: XfsJournal,
    /** fsb -> agno, to keep merged extents inside one AG */
    private readonly agnoOf: (fsb: number) => number,
  ) {}

  get nextents(): number {
    return this.n;
  }

  /** extent i (a copy), or undefined past the last */
  get(i: number): BmbtIrec | undefined {
    if (i < 0 || i >= this.n) return undefined;
    const a = this.a;
    const o = i * FW;
    return { startoff: a[o]!, startblock: a[o + 1]!, blockcount: a[o + 2]!, unwritten: a[o + 3] === 1 };
  }

  /** the last extent (a copy) */
  last(): BmbtIrec | undefined {
    return this.get(this.n - 1);
  }

  /** every extent, in file order (copies) */
  toArray(): BmbtIrec[] {
    const out: BmbtIrec[] = [];
    for (let i = 0; i < this.n; i++) out.push(this.get(i)!);
    return out;
  }

  /** blocks mapped */
  blocks(): number {
    return this.mappedBlocks;
  }

  /**
   * The fork at a glance, without walking its extents: the fsbs
   * [lowBlock, highBlock) that hold all of them (a bound, not narrowed by
   * removals), the file blocks [startoff, endoff) from the first extent's
   * start to the last one's end, and whether the extents cover those file
   * blocks with no hole between. Undefined for an empty fork.
   */
  summary(): { lowBlock: number; highBlock: number; startoff: number; endoff: number; gapless: boolean } | undefined {
    if (!this.n) return undefined;
    const a = this.a;
    const startoff = a[0]!;
    const lo = (this.n - 1) * FW;
    const endoff = a[lo]! + a[lo + 2]!;
    return { lowBlock: this.lowBlock, highBlock: this.highBlock, startoff, endoff, gapless: endoff - startoff === this.mappedBlocks };
  }

  /** every extent, in file order, without copying: fn(startoff, startblock, blockcount) */
  forEachRaw(fn: (startoff: number, startblock: number, blockcount: number) => void): void {
    const a = this.a;
    for (let i = 0, o = 0; i < this.n; i++, o += FW) fn(a[o]!, a[o + 1]!, a[o + 2]!);
  }

  /** an extent came: count its blocks and widen the bound */
  private took(startblock: number, blockcount: number): void {
    this.mappedBlocks += blockcount;
    if (startblock < this.lowBlock) this.lowBlock = startblock;
    if (startblock + blockcount > this.highBlock) this.highBlock = startblock + blockcount;
  }

  /** xfs_iext_lookup_extent: index of the first extent ending after off */
  search(off: number): number {
    const a = this.a;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = mid * FW;
      if (a[o]! + a[o + 2]! > off) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** the extent containing off */
  lookup(off: number): BmbtIrec | undefined {
    const i = this.search(off);
    return i < this.n && this.a[i * FW]! <= off ? this.get(i) : undefined;
  }

  /**
   * xfs_bmapi_read for one mapping: what lies at `off`, trimmed to
   * [off, off + len): an extent piece, or a hole (startblock HOLESTARTBLOCK)
   * running to the next extent.
   */
  read(off: number, len: number): BmbtIrec {
    const i = this.search(off);
    if (i >= this.n) return { startoff: off, startblock: HOLESTARTBLOCK, blockcount: len, unwritten: false };
    const a = this.a;
    const o = i * FW;
    const xoff = a[o]!;
    if (xoff >= off + len) return { startoff: off, startblock: HOLESTARTBLOCK, blockcount: len, unwritten: false };
    if (xoff > off) return { startoff: off, startblock: HOLESTARTBLOCK, blockcount: xoff - off, unwritten: false };
    const d = off - xoff;
    return { startoff: off, startblock: a[o + 1]! + d, blockcount: Math.min(a[o + 2]! - d, len), unwritten: a[o + 3] === 1 };
  }

  /** the extent before off (ending at or before it), the next one after off (starting after it) */
  neighbours(off: number): { prev?: BmbtIrec; next?: BmbtIrec } {
    const i = this.search(off);
    let next: BmbtIrec | undefined;
    if (i < this.n) next = this.a[i * FW]! > off ? this.get(i) : this.get(i + 1);
    const prev = i > 0 ? this.get(i - 1) : undefined;
    return { prev, next };
  }

  /** is nothing mapped at or after off (the allocation is at EOF of the fork) */
  isEof(off: number): boolean {
    const n = this.n;
    return n === 0 || this.a[(n - 1) * FW]! + this.a[(n - 1) * FW + 2]! <= off;
  }

  private contiguous(a: BmbtIrec, b: BmbtIrec): boolean {
    return (
      a.startoff + a.blockcount === b.startoff &&
      a.startblock + a.blockcount === b.startblock &&
      a.unwritten === b.unwritten &&
      this.agnoOf(a.startblock) === this.agnoOf(b.startblock) &&
      a.blockcount + b.blockcount <= XFS_MAX_BMBT_EXTLEN
    );
  }

  /** replace `del` extents at `at` with `items`, without journalling */
  private rawSplice(at: number, del: number, items: BmbtIrec[]): void {
    const n = this.n + items.length - del;
    if (n * FW > this.a.length) {
      const na = new Float64Array(Math.max(n, 2 * (this.a.length / FW), 4) * FW);
      na.set(this.a.subarray(0, this.n * FW));
      this.a = na;
    }
    const a = this.a;
    for (let k = 0; k < del; k++) this.mappedBlocks -= a[(at + k) * FW + 2]!;
    if (items.length !== del) a.copyWithin((at + items.length) * FW, (at + del) * FW, this.n * FW);
    let o = at * FW;
    for (const x of items) {
      a[o] = x.startoff;
      a[o + 1] = x.startblock;
      a[o + 2] = x.blockcount;
      a[o + 3] = x.unwritten ? 1 : 0;
      this.took(x.startblock, x.blockcount);
      o += FW;
    }
    this.n = n;
  }

  /** replace `del` extents at `at` with `items`, journalled */
  private splice(at: number, del: number, items: BmbtIrec[]): void {
    const removed: BmbtIrec[] = [];
    for (let k = 0; k < del; k++) removed.push(this.get(at + k)!);
    this.rawSplice(at, del, items);
    if (this.journal.active) this.journal.record(() => this.rawSplice(at, items.length, removed));
  }

  /**
   * Bulk build of a new fork (no journal: the caller records how to undo
   * it): room for `count` more extents.
   */
  reserve(count: number): void {
    const need = (this.n + count) * FW;
    if (need <= this.a.length) return;
    const na = new Float64Array(need);
    na.set(this.a.subarray(0, this.n * FW));
    this.a = na;
  }

  /** bulk build: append an extent after every other one (the caller merged and checked it); not journalled */
  appendRaw(startoff: number, startblock: number, blockcount: number, unwritten: boolean): void {
    if ((this.n + 1) * FW > this.a.length) this.reserve(Math.max(this.n, 4));
    const o = this.n * FW;
    const a = this.a;
    a[o] = startoff;
    a[o + 1] = startblock;
    a[o + 2] = blockcount;
    a[o + 3] = unwritten ? 1 : 0;
    this.took(startblock, blockcount);
    this.n++;
  }

  /** drop every extent, not journalled (undoing a bulk build) */
  clearRaw(): void {
    this.a = NO_EXTENTS;
    this.n = 0;
    this.mappedBlocks = 0;
    this.lowBlock = Infinity;
    this.highBlock = -Infinity;
  }

  /** xfs_bmap_add_extent_hole_real: map `irec` into a hole, merging with contiguous neighbours */
  add(irec: BmbtIrec): void {
    const i = this.search(irec.startoff);
    const right = this.get(i);
    if (right && right.startoff < irec.startoff + irec.blockcount) throw new Error(`xfs_bmap: file block ${irec.startoff} is already mapped`);
    const left = i > 0 ? this.get(i - 1) : undefined;
    let n: BmbtIrec = { ...irec };
    let at = i;
    let del = 0;
    if (left && this.contiguous(left, n)) {
      n = { ...left, blockcount: left.blockcount + n.blockcount };
      at = i - 1;
      del++;
    }
    if (right && this.contiguous(n, right)) {
      n = { ...n, blockcount: n.blockcount + right.blockcount };
      del++;
    }
    this.splice(at, del, [n]);
  }

  /**
   * xfs_bmap_del_extent_real (fork side): unmap [off, off + len), which may
   * span extents and holes. Returns the pieces that were mapped.
   */
  remove(off: number, len: number): BmbtIrec[] {
    const out: BmbtIrec[] = [];
    const end = off + len;
    let i = this.search(off);
    while (i < this.n) {
      const x = this.get(i)!;
      if (x.startoff >= end) break;
      const xend = x.startoff + x.blockcount;
      const s = Math.max(off, x.startoff);
      const e = Math.min(end, xend);
      out.push({ startoff: s, startblock: x.startblock + (s - x.startoff), blockcount: e - s, unwritten: x.unwritten });
      const repl: BmbtIrec[] = [];
      if (x.startoff < s) repl.push({ ...x, blockcount: s - x.startoff });
      if (e < xend) repl.push({ startoff: e, startblock: x.startblock + (e - x.startoff), blockcount: xend - e, unwritten: x.unwritten });
      this.splice(i, 1, repl);
      i += repl.length;
    }
    return out;
  }

  /** xfs_bmap_add_extent_unwritten_real: set the state of the mapped range [off, off + len) */
  setState(off: number, len: number, unwritten: boolean): void {
    for (const p of this.remove(off, len)) this.add({ ...p, unwritten });
  }
}

/** the directory of the model: names in insertion order, and what its format needs */
export interface XfsDirState {
  /** name -> inode number */
  entries: Map<string, number>;
  /** sum of name lengths (for the short-form size) */
  nameBytes: number;
  /** sum of the data-block entry sizes (xfs_dir2_data_entsize) */
  entBytes: number;
  /** entries whose inode number needs 8 bytes (i8count) */
  i8count: number;
  /** data blocks in use once the directory left the block form */
  dataBlocks: number;
  /** bytes used in the last data block */
  lastBlockUsed: number;
  format: 'local' | 'block' | 'leaf' | 'node';
  /** blocks the directory has: data blocks from offset 0, blocks from the leaf offset, free-index blocks */
  have: { data: number; leaf: number; free: number };
}

/** struct xfs_inode, as far as the model needs it */
export interface XfsInode {
  ino: number;
  type: 'file' | 'dir';
  /** directory holding the inode's name (the root is its own parent; -1 for the realtime inodes) */
  parent: number;
  name: string;
  /** i_disk_size in bytes */
  size: number;
  /** byte every written block of the file holds (the scenario's fill), if any */
  fill: number | undefined;
  /** in the inode cache: xfs_iget(XFS_IGET_INCORE) finds it */
  incore: boolean;
  /** XFS_DIFLAG2_REFLINK: has shared blocks (or had); writes go through the CoW checks */
  reflinkFlag: boolean;
  /** XFS_DIFLAG_PREALLOC: fallocate'd; close does not trim blocks past EOF */
  preallocFlag: boolean;
  /** XFS_EOFBLOCKS_RELEASED (in core): a close already trimmed past EOF */
  eofblocksReleased: boolean;
  /** XFS_ITRUNCATED (in core): truncated down since the last close */
  itruncated: boolean;
  /** data fork */
  data: XfsIfork;
  /** CoW fork (in core only, never on disk; no rmap records of its own: its blocks are OWN_COW) */
  cow: XfsIfork;
  /** blocks of the data fork's bmap btree (fsbs), when it has more extents than the inode holds */
  bmbtBlocks: number[];
  /** attribute fork blocks (fsbs), file block i of the attr fork at index i */
  attrBlocks: number[];
  dir: XfsDirState | undefined;
}

/** XFS_IFORK_MAXEXT: extents that fit in the inode's literal area */
export function xfsIforkMaxext(literalAreaBytes: number): number {
  return Math.floor(literalAreaBytes / XFS_BMBT_REC_SIZE);
}

/**
 * How many bmap btree blocks a data fork of `nextents` needs: none while
 * the extents fit in the inode (XFS_IFORK_MAXEXT, 21 with 512-byte inodes);
 * then full leaves of (blocksize - 72) / 16 records under a root in the
 * inode holding (literal area - 4) / 16 pointers, adding node levels when
 * the root overflows. The real btree splits blocks half-full; appending
 * refills them (xfs_btree_lshift), so full leaves are the usual shape.
 */
export function xfsBmbtBlocksNeeded(nextents: number, blockSize: number, literalAreaBytes: number): number {
  if (nextents <= xfsIforkMaxext(literalAreaBytes)) return 0;
  const leafMax = Math.floor((blockSize - XFS_BMBT_CRC_BLOCK_LEN) / XFS_BMBT_REC_SIZE);
  const nodeMax = Math.floor((blockSize - XFS_BMBT_CRC_BLOCK_LEN) / XFS_BMBT_KEYPTR_SIZE);
  const rootMax = Math.floor((literalAreaBytes - XFS_BMDR_BLOCK_LEN) / XFS_BMBT_KEYPTR_SIZE);
  let level = Math.ceil(nextents / leafMax);
  let total = level;
  while (level > rootMax) {
    level = Math.ceil(level / nodeMax);
    total += level;
  }
  return total;
}

/** xfs_dir2_data_entsize: a data-block entry (inumber, namelen, name, ftype, tag), 8-byte aligned */
export function xfsDir2DataEntsize(namelen: number): number {
  return Math.ceil((8 + 1 + namelen + 1 + 2) / 8) * 8;
}

/** xfs_dir2_sf_hdr_size + entries: the short-form directory size (xfs_dir2_sf_entsize with ftype) */
export function xfsDir2SfSize(count: number, nameBytes: number, i8count: number): number {
  const inoSize = i8count ? 8 : 4;
  const hdr = 1 + 1 + inoSize;
  return hdr + count * (1 + 2 + 1 + inoSize) + nameBytes;
}

export function newDirState(): XfsDirState {
  return { entries: new Map(), nameBytes: 0, entBytes: 0, i8count: 0, dataBlocks: 0, lastBlockUsed: 0, format: 'local', have: { data: 0, leaf: 0, free: 0 } };
}

/**
 * The blocks a directory format needs: `data` blocks at file blocks
 * 0..data-1, `leaf` blocks from XFS_DIR2_LEAF_OFFSET, `free` blocks from
 * XFS_DIR2_FREE_OFFSET.
 */
export interface DirLayout {
  format: XfsDirState['format'];
  data: number;
  leaf: number;
  free: number;
}

/** xfs_dir2_data_entsize of "." and "..", which only the first data block holds */
export const XFS_DIR2_DOTDOT_BYTES = xfsDir2DataEntsize(1) + xfsDir2DataEntsize(2);

/**
 * The format a directory takes after a name was added or removed, and the
 * blocks it then needs, as file block offsets of its data fork: none in
 * short form; one block (data + leaf + tail) in block form; data blocks
 * 0..n-1 plus one leaf block at XFS_DIR2_LEAF_OFFSET in leaf form; in node
 * form a da-btree node at XFS_DIR2_LEAF_OFFSET with the leaf blocks after
 * it, and free-index blocks at XFS_DIR2_FREE_OFFSET. Growing converts
 * short form -> block -> leaf -> node (xfs_dir2_sf_to_block,
 * xfs_dir2_block_to_leaf, xfs_dir2_leaf_to_node); removing a name only
 * converts a block directory back to short form (xfs_dir2_block_to_sf), the
 * larger forms keep their blocks. `d.dataBlocks` is the data block count of
 * the leaf and node forms, kept by the caller.
 */
export function xfsDirLayout(d: XfsDirState, op: 'add' | 'remove', blockSize: number, literalAreaBytes: number): DirLayout {
  const n = d.entries.size;
  const sfFits = xfsDir2SfSize(n, d.nameBytes, d.i8count) <= literalAreaBytes;
  const blockFits =
    XFS_DIR3_DATA_HDR_SIZE + XFS_DIR2_DOTDOT_BYTES + d.entBytes + XFS_DIR2_LEAF_ENTRY_SIZE * (n + 2) + XFS_DIR2_BLOCK_TAIL_SIZE <= blockSize;
  let format = d.format;
  if (format === 'local' && !sfFits) format = blockFits ? 'block' : 'leaf';
  else if (format === 'block') {
    if (op === 'remove' && sfFits) format = 'local';
    else if (!blockFits) format = 'leaf';
  }
  if (format === 'local') return { format, data: 0, leaf: 0, free: 0 };
  if (format === 'block') return { format, data: 1, leaf: 0, free: 0 };
  const data = Math.max(1, d.dataBlocks);
  const leafEnts = n + 2;
  const leaf1Bytes = XFS_DIR3_LEAF_HDR_SIZE + XFS_DIR2_LEAF_ENTRY_SIZE * leafEnts + 2 * data + 4;
  if (format === 'leaf' && leaf1Bytes <= blockSize) return { format, data, leaf: 1, free: 0 };
  const perLeafn = Math.floor((blockSize - XFS_DIR3_LEAF_HDR_SIZE) / XFS_DIR2_LEAF_ENTRY_SIZE);
  const leafn = Math.max(1, Math.ceil(leafEnts / perLeafn));
  const perFree = Math.floor((blockSize - XFS_DIR3_FREE_HDR_SIZE) / 2);
  const frees = Math.max(1, Math.ceil(data / perFree));
  const perNode = Math.floor((blockSize - XFS_DA3_NODE_HDR_SIZE) / 8);
  // the root node stays at the leaf offset once the leaves split; leaves
  // follow it, and the node tree grows a level when a node fills
  let nodes = 0;
  let level = leafn;
  while (level > 1) {
    level = Math.ceil(level / perNode);
    nodes += level;
  }
  return { format: 'node', data, leaf: nodes + leafn, free: frees };
}

// ---------------------------------------------------------------------
// Inode operations on the mount (fs/xfs/xfs_inode.c: xfs_create,
// xfs_remove, xfs_inactive, xfs_itruncate_extents; and the scenario's file
// creation with explicit extents): methods of XfsMount (xfs_mount.ts)
// delegate here.

/** xfs_create: a new inode named by parts under its (possibly new) parent directories */
export function xfsCreate(mp: XfsMount, parts: string[], type: 'file' | 'dir'): XfsInode {
  let dino = mp.rootino;
  for (let i = 0; i < parts.length - 1; i++) {
    const d = mp.inodes.get(dino)!;
    const next = d.dir!.entries.get(parts[i]!);
    if (next !== undefined) {
      dino = next;
      continue;
    }
    dino = mp.create(parts.slice(0, i + 1), 'dir').ino;
  }
  const dp = mp.inodes.get(dino)!;
  const name = parts[parts.length - 1]!;
  const ino = mp.dialloc(dino, type === 'dir');
  const ip = mp.newInode(ino, type, dino, name);
  mp.journal.mapSet(mp.inodes, ino, ip);
  mp.dirAddName(dp, name, ino);
  return ip;
}

/** mkdir -p inside the filesystem; returns the directory's inode */
export function xfsMkdir(mp: XfsMount, path: string, at = ''): number {
  const parts = splitPath(path);
  if (!parts) throw mp.err(at, 'path', path, `path ${describeValue(path)}: expected a directory path inside the filesystem`);
  const existing = mp.lookup(path);
  if (existing !== undefined) {
    if (mp.inodes.get(existing)!.dir) return existing;
    throw mp.err(at, 'path', path, `path ${describeValue(path)}: exists and is not a directory`, EEXIST);
  }
  mp.checkNewPath(at, path);
  return mp.atomic(at, 'path', path, `mkdir ${path}`, () => mp.create(parts, 'dir').ino);
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
export function xfsCreateFile(mp: XfsMount, spec: XfsFileSpec, at = ''): number {
  const g = mp.geo;
  if (typeof spec.path !== 'string') throw mp.err(at, 'path', spec.path, 'path must be a string');
  const { parts } = mp.checkNewPath(at, spec.path);
  if (spec.fill !== undefined && (!Number.isInteger(spec.fill) || spec.fill < 0 || spec.fill > 255))
    throw mp.err(at, 'fill', spec.fill, `fill ${describeValue(spec.fill)}: expected a byte value 0..255`);
  let size = spec.size === undefined ? undefined : mp.checkBytes(at, 'size', spec.size, 'size');
  const exts = spec.extents;
  if (exts !== undefined) {
    if (!Array.isArray(exts)) throw mp.err(at, 'extents', exts, 'extents must be a list of {offset, block, length}');
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
      const agno = mp.fsbToAgno(e.block);
      const agbno = mp.fsbToAgbno(e.block);
      if (agno >= g.agcount)
        throw new XfsOpError(ptr(i, 'block'), 'block', e.block, `block ${describeValue(e.block)}: beyond the filesystem (fsb = agno << ${g.agblklog} | agbno gives AG ${agno}; the filesystem has ${g.agcount} AGs)`, EINVAL);
      if (agbno >= mp.agLength(agno))
        throw new XfsOpError(ptr(i, 'block'), 'block', e.block, `block ${describeValue(e.block)}: AG ${agno} block ${agbno} is beyond the end of AG ${agno} (${mp.agLength(agno)} blocks)`, EINVAL);
      if (agbno + e.length > mp.agLength(agno))
        throw new XfsOpError(ptr(i, 'length'), 'length', e.length, `length ${e.length}: blocks ${agbno}..${agbno + e.length - 1} of AG ${agno} run past its end (${mp.agLength(agno)} blocks); an extent cannot cross an AG`, EINVAL);
      if ((e.offset + e.length) * g.blockSize > MAX_FILE_BYTES) throw new XfsOpError(ptr(i, 'offset'), 'offset', e.offset, `offset ${e.offset}: beyond the largest file the model supports`, EFBIG);
      if (!mp.pag(agno).free.isFree(agbno, e.length))
        throw new XfsOpError(ptr(i, 'block'), 'block', e.block, `block ${describeValue(e.block)} (AG ${agno} block ${agbno}, ${e.length} blocks) is not free: it holds ${mp.describeOwner(agno, agbno, e.length)}`, EINVAL);
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
    const physOf = (i: number): number => mp.fsbToAgno(exts[i]!.block) * g.agblocks + mp.fsbToAgbno(exts[i]!.block);
    const physKeys = dense ? exts.map((_, i) => physOf(i)) : undefined;
    const phys = physKeys ? (i: number): number => physKeys[i]! : physOf;
    pair(byKey(phys), phys, 'block', 'overlaps the blocks of');
    const offsetOf = (i: number): number => exts[i]!.offset;
    pair(byKey(offsetOf), offsetOf, 'offset', 'file blocks overlap');
    if (size === undefined) size = exts.reduce((m, e) => Math.max(m, (e.offset + e.length) * g.blockSize), 0);
  }
  const fsize = size ?? 0;
  return mp.atomic(at, 'size', fsize, `creating ${spec.path}`, () => {
    if (exts === undefined || exts.length === 0) {
      const ip = mp.create(parts, 'file');
      mp.journal.set(ip, 'fill', spec.fill);
      if (fsize > 0) mp.iomapWrite(ip, 0, fsize, false);
      mp.journal.set(ip, 'size', fsize);
      return ip.ino;
    }
    return mp.createPlaced(parts, exts, spec.fill, fsize);
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
export function xfsCreatePlaced(mp: XfsMount, parts: string[], exts: { offset: number; block: number; length: number }[], fill: number | undefined, fsize: number): number {
  let inOrder = true;
  for (let i = 1; i < exts.length && inOrder; i++) if (exts[i]!.offset < exts[i - 1]!.offset) inOrder = false;
  const sorted = inOrder ? exts : [...exts].sort((a, b) => a.offset - b.offset);
  mp.journal.suspend(() => mp.takePlaced(sorted));
  mp.journal.record(() => {
    for (const e of sorted) mp.freeBlocks(e.block, e.length, false);
  });
  const ip = mp.create(parts, 'file');
  mp.journal.set(ip, 'fill', fill);
  // the data fork, merged as xfs_bmap_add_extent_hole_real would: an
  // extent joins the previous one when it continues it in the file and on
  // disk, in the same AG, within XFS_MAX_BMBT_EXTLEN
  const joins = (prevOff: number, prevBlock: number, prevLen: number, e: { offset: number; block: number; length: number }): boolean =>
    prevOff + prevLen === e.offset &&
    prevBlock + prevLen === e.block &&
    mp.fsbToAgno(prevBlock) === mp.fsbToAgno(e.block) &&
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
  for (const pag of mp.ags) free += pag.free.freeblks;
  const bmbt = xfsBmbtBlocksNeeded(forkLen, mp.geo.blockSize, mp.geo.literalAreaBytes);
  if (free < bmbt) throw new XfsNoSpace(`${bmbt} bmap btree blocks`);
  mp.journal.record(() => {
    // reverse the bulk build: the inode's rmap records, its bmbt blocks, its fork
    for (const e of ip.data.toArray()) mp.pag(mp.fsbToAgno(e.startblock)).rmap.unmap(mp.fsbToAgbno(e.startblock), e.blockcount, { owner: ip.ino, offset: e.startoff });
    for (const b of ip.bmbtBlocks) {
      mp.rmapUnmap(b, 1, { owner: ip.ino, offset: 0, bmbtBlock: true });
      mp.freeBlocks(b, 1, false);
    }
    ip.bmbtBlocks = [];
    ip.data.clearRaw();
  });
  mp.journal.suspend(() => {
    const fork = ip.data;
    fork.reserve(forkLen);
    // rmap records: the fork extents, merged further only where the fork
    // had to split at XFS_MAX_BMBT_EXTLEN (xfs_rmap_map's merge rule). With
    // the journal suspended the rmap keeps no reference to `rec`, so one
    // object serves every record.
    const rec: RmapIrec = { startblock: 0, blockcount: 0, owner: ip.ino, offset: 0, attrFork: false, bmbtBlock: false, unwritten: false };
    let recAg = -1;
    const flush = (): void => {
      if (recAg >= 0) mp.pag(recAg).rmap.insertRecord(rec);
      recAg = -1;
    };
    const addRmap = (startblock: number, startoff: number, blockcount: number): void => {
      const agno = mp.fsbToAgno(startblock);
      const agbno = mp.fsbToAgbno(startblock);
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
    mp.syncBmbt(ip);
  });
  mp.journal.set(ip, 'size', fsize);
  return ip.ino;
}

export function xfsTruncateIp(mp: XfsMount, ip: XfsInode, size: number): void {
  if (size < ip.size) mp.journal.set(ip, 'itruncated', true);
  mp.itruncateExtents(ip, size);
  mp.journal.set(ip, 'size', size);
}

/**
 * xfs_itruncate_extents_flags(ip, XFS_DATA_FORK, newSize): unmap the data
 * fork past newSize, cancel every CoW reservation past it, and drop the
 * reflink flag when nothing is left (xfs_itruncate_clear_reflink_flags).
 */
export function xfsItruncateExtents(mp: XfsMount, ip: XfsInode, newSize: number): void {
  const first = mp.bToFsb(newSize);
  const last = ip.data.last();
  if (last && last.startoff + last.blockcount > first) mp.dataUnmap(ip, first, last.startoff + last.blockcount - first);
  mp.cancelCow(ip, first, Number.MAX_SAFE_INTEGER, true);
  if (ip.reflinkFlag && ip.data.nextents === 0 && ip.cow.nextents === 0) mp.journal.set(ip, 'reflinkFlag', false);
}

/**
 * unlink(2) of the last name, then inactivation (xfs_remove, xfs_inactive):
 * blocks, CoW staging blocks and attr blocks are released and the inode
 * freed (its chunk too when it was the last one in use). Directories must
 * be empty.
 */
export function xfsUnlink(mp: XfsMount, path: string, at = ''): void {
  const ino = mp.lookup(path);
  if (ino === undefined || ino === mp.rootino) throw mp.err(at, 'path', path, `path ${describeValue(path)}: no such file in the filesystem`, ENOENT);
  const ip = mp.inodes.get(ino)!;
  if (ip.dir && ip.dir.entries.size) throw mp.err(at, 'path', path, `path ${describeValue(path)}: directory not empty (ENOTEMPTY)`, 39);
  mp.atomic(at, 'path', path, `unlink ${path}`, () => {
    const dp = mp.inodes.get(ip.parent)!;
    mp.dirRemoveName(dp, ip.name);
    mp.truncateIp(ip, 0);
    if (ip.dir) for (const e of ip.data.toArray()) mp.dataUnmap(ip, e.startoff, e.blockcount);
    mp.attrRemove(ip);
    mp.journal.mapDelete(mp.inodes, ino);
    mp.difree(ino);
  });
}
