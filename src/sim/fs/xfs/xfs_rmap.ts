// The reverse-mapping btree of one AG, after fs/xfs/libxfs/xfs_rmap.c and
// xfs_rmap_btree.c of v6.12: records in key order (startblock, owner,
// offset with its attr-fork and bmbt flag bits; the unwritten bit is not
// part of the key), one record per owner of a block, so a block shared by
// reflink has one record per sharing inode. Adding a mapping merges it with
// the owner's neighbouring record when blocks (and, for file data, file
// offsets) are contiguous and the flags match, as xfs_rmap_map does;
// removing part of a record trims or splits it, as xfs_rmap_unmap does.

import { ExtList, type ExtCodec } from './xfs_extlist';
import type { XfsJournal } from './xfs_journal';
import { XFS_RMAP_LEN_MAX, XFS_RMAP_NON_INODE_OWNER, type RmapIrec } from './xfs_format';
import type { XfsMount } from './xfs_mount';

/** rm_owner compared as the kernel's u64: special owners (-N) sort after every inode */
export function cmpOwner(a: number, b: number): number {
  if (a === b) return 0;
  const an = a < 0;
  const bn = b < 0;
  if (an !== bn) return an ? 1 : -1;
  return a < b ? -1 : 1;
}

/** the key offset of a record: XFS_RMAP_OFF_ATTR_FORK (bit 63) and XFS_RMAP_OFF_BMBT_BLOCK (bit 62) above the offset */
function keyFlags(r: RmapIrec): number {
  return (r.attrFork ? 2 : 0) + (r.bmbtBlock ? 1 : 0);
}

/** xfs_rmapbt_diff_two_keys / xfs_rmap_compare: rmapbt key order */
export function xfsRmapCompare(a: RmapIrec, b: RmapIrec): number {
  if (a.startblock !== b.startblock) return a.startblock - b.startblock;
  const o = cmpOwner(a.owner, b.owner);
  if (o) return o;
  const fa = keyFlags(a);
  const fb = keyFlags(b);
  if (fa !== fb) return fa - fb;
  return a.offset - b.offset;
}

// A record is stored packed as [startblock, blockcount, owner, offset,
// flags], flags = attrFork << 2 | bmbtBlock << 1 | unwritten (so flags >> 1
// is keyFlags).
const R_OWNER = 2;
const R_OFFSET = 3;
const R_FLAGS = 4;

function rmapFlags(attrFork: boolean, bmbtBlock: boolean, unwritten: boolean): number {
  return (attrFork ? 4 : 0) | (bmbtBlock ? 2 : 0) | (unwritten ? 1 : 0);
}

/**
 * A look at a record's fields as they are stored, before the record is
 * copied for the query's callback: true when it has been handled from them
 * (the callback is not called for it, as if it had returned 0).
 */
export type RmapPeek = (startblock: number, blockcount: number, owner: number, offset: number, attrFork: boolean, bmbtBlock: boolean, unwritten: boolean) => boolean;

/** a copy of the stored record at a[o] */
function readRmap(a: Float64Array, o: number): RmapIrec {
  const f = a[o + R_FLAGS]!;
  return {
    startblock: a[o]!,
    blockcount: a[o + 1]!,
    owner: a[o + R_OWNER]!,
    offset: a[o + R_OFFSET]!,
    attrFork: (f & 4) !== 0,
    bmbtBlock: (f & 2) !== 0,
    unwritten: (f & 1) !== 0,
  };
}

const RMAP_CODEC: ExtCodec<RmapIrec> = {
  width: 5,
  write(r, a, o) {
    a[o] = r.startblock;
    a[o + 1] = r.blockcount;
    a[o + R_OWNER] = r.owner;
    a[o + R_OFFSET] = r.offset;
    a[o + R_FLAGS] = rmapFlags(r.attrFork, r.bmbtBlock, r.unwritten);
  },
  read: readRmap,
  /** xfsRmapCompare on stored records */
  cmp(a, o, b, p) {
    const d = a[o]! - b[p]!;
    if (d) return d;
    const ao = a[o + R_OWNER]!;
    const bo = b[p + R_OWNER]!;
    if (ao !== bo) return cmpOwner(ao, bo);
    const fa = a[o + R_FLAGS]! >> 1;
    const fb = b[p + R_FLAGS]! >> 1;
    if (fa !== fb) return fa - fb;
    return a[o + R_OFFSET]! - b[p + R_OFFSET]!;
  },
};

/** the flags of an owner (struct xfs_owner_info): which fork, bmbt block or not */
export interface XfsOwnerInfo {
  owner: number;
  /** file block of the first block (data/attr fork), 0 otherwise */
  offset: number;
  attrFork?: boolean;
  bmbtBlock?: boolean;
}

export class XfsRmapBtree {
  readonly list: ExtList<RmapIrec>;

  constructor(
    readonly agno: number,
    private readonly journal: XfsJournal,
  ) {
    this.list = new ExtList<RmapIrec>(RMAP_CODEC, journal);
  }

  get count(): number {
    return this.list.size;
  }

  /**
   * xfs_rmap_map / xfs_rmap_map_shared: record that [bno, bno + len) now
   * belongs to `oinfo`, merging with the owner's left and right neighbours.
   */
  map(bno: number, len: number, oinfo: XfsOwnerInfo, unwritten = false): void {
    const owner = oinfo.owner;
    const attrFork = !!oinfo.attrFork;
    const bmbtBlock = !!oinfo.bmbtBlock;
    const ignoreOff = XFS_RMAP_NON_INODE_OWNER(owner) || bmbtBlock;
    const offset = ignoreOff ? 0 : oinfo.offset;
    // xfs_rmap_is_mergeable: same owner and same flags
    const flags = rmapFlags(attrFork, bmbtBlock, unwritten);
    let left: RmapIrec | undefined;
    let right: RmapIrec | undefined;
    const list = this.list;
    if (bno > 0) {
      list.overlappingRaw(bno - 1, bno - 1, (a, o) => {
        const rc = a[o + 1]!;
        if (a[o]! + rc === bno && a[o + R_OWNER] === owner && a[o + R_FLAGS] === flags && (ignoreOff || a[o + R_OFFSET]! + rc === offset)) {
          left = readRmap(a, o);
          return 1;
        }
        return 0;
      });
    }
    const end = bno + len;
    for (let p = list.lowerBound((a, o) => a[o]! - end); list.field(p, 0) === end; p = list.next(p)) {
      if (list.field(p, R_OWNER) === owner && list.field(p, R_FLAGS) === flags && (ignoreOff || offset + len === list.field(p, R_OFFSET))) {
        right = list.at(p);
        break;
      }
    }
    let nstart = bno;
    let ncount = len;
    let noff = offset;
    if (left && left.blockcount + len <= XFS_RMAP_LEN_MAX) {
      nstart = left.startblock;
      ncount += left.blockcount;
      noff = left.offset;
      this.list.remove(left);
      if (right && ncount + right.blockcount <= XFS_RMAP_LEN_MAX) {
        ncount += right.blockcount;
        this.list.remove(right);
      }
    } else if (right && right.blockcount + len <= XFS_RMAP_LEN_MAX) {
      ncount += right.blockcount;
      this.list.remove(right);
    }
    this.list.insert({ startblock: nstart, blockcount: ncount, owner, offset: noff, attrFork, bmbtBlock, unwritten });
  }

  /**
   * Insert a record as it is, without looking for neighbours to merge with:
   * for a bulk build where the caller merged already and the owner has no
   * other record next to it (a new inode's data fork).
   */
  insertRecord(rec: RmapIrec): void {
    // the list stores a packed copy; the journal (when one runs) keeps the object
    this.list.insert(this.journal.active ? { ...rec } : rec);
  }

  /**
   * The record of `oinfo` that holds all of [bno, bno + len) (and, for file
   * data, maps it at oinfo.offset).
   */
  findOwned(bno: number, len: number, oinfo: XfsOwnerInfo): RmapIrec | undefined {
    const ignoreOff = XFS_RMAP_NON_INODE_OWNER(oinfo.owner) || !!oinfo.bmbtBlock;
    const owner = oinfo.owner;
    const flagsNoUnwritten = rmapFlags(!!oinfo.attrFork, !!oinfo.bmbtBlock, false);
    let found: RmapIrec | undefined;
    this.list.overlappingRaw(bno, bno, (a, o) => {
      const s = a[o]!;
      if (
        a[o + R_OWNER] === owner &&
        (a[o + R_FLAGS]! & 6) === flagsNoUnwritten &&
        s <= bno &&
        s + a[o + 1]! >= bno + len &&
        (ignoreOff || a[o + R_OFFSET]! + (bno - s) === oinfo.offset)
      ) {
        found = readRmap(a, o);
        return 1;
      }
      return 0;
    });
    return found;
  }

  /**
   * xfs_rmap_unmap / xfs_rmap_unmap_shared: [bno, bno + len) no longer
   * belongs to `oinfo`; the record holding it is deleted, trimmed or split.
   * Returns the removed record's unwritten state.
   */
  unmap(bno: number, len: number, oinfo: XfsOwnerInfo): boolean {
    const r = this.findOwned(bno, len, oinfo);
    if (!r) {
      throw new Error(
        `xfs_rmap_unmap: AG ${this.agno} has no record of owner ${oinfo.owner} for blocks ${bno}+${len} (offset ${oinfo.offset})`,
      );
    }
    this.list.remove(r);
    const ignoreOff = XFS_RMAP_NON_INODE_OWNER(r.owner) || r.bmbtBlock;
    if (bno > r.startblock) this.list.insert({ ...r, blockcount: bno - r.startblock });
    const end = bno + len;
    const rend = r.startblock + r.blockcount;
    if (end < rend) {
      this.list.insert({
        ...r,
        startblock: end,
        blockcount: rend - end,
        offset: ignoreOff ? 0 : r.offset + (end - r.startblock),
      });
    }
    return r.unwritten;
  }

  /** xfs_rmap_convert(_shared): flip the unwritten state of part of a record, merging as needed */
  convert(bno: number, len: number, oinfo: XfsOwnerInfo, unwritten: boolean): void {
    this.unmap(bno, len, oinfo);
    this.map(bno, len, oinfo, unwritten);
  }

  /**
   * xfs_rmap_query_range with full keys: every record whose key range
   * [(startblock, owner, offset), (startblock + blockcount - 1, owner,
   * offset + blockcount - 1)] overlaps [low, high], in key order; stops at
   * the first non-zero return of fn and returns it. fn receives a copy.
   */
  queryRangeKeys(low: RmapIrec, high: RmapIrec, fn: (rec: RmapIrec) => number): number {
    return this.list.overlapping(low.startblock, high.startblock, (r) => {
      const hiKey: RmapIrec = {
        ...r,
        startblock: r.startblock + r.blockcount - 1,
        offset: XFS_RMAP_NON_INODE_OWNER(r.owner) || r.bmbtBlock ? r.offset : r.offset + r.blockcount - 1,
      };
      if (xfsRmapCompare(r, high) > 0) return 0;
      if (xfsRmapCompare(hiKey, low) < 0) return 0;
      return fn(r);
    });
  }

  /**
   * xfs_rmap_query_range as xfs_dax_notify_ddev_failure calls it: low key
   * {startblock: low} (owner, offset and flags 0), high key {startblock:
   * high} with everything else all ones. That is every record overlapping
   * blocks [low, high].
   */
  queryRange(low: number, high: number, fn: (rec: RmapIrec) => number, peek?: RmapPeek): number {
    if (!peek) return this.list.overlapping(low, high, fn);
    // the records peek takes as they are stored are never copied
    return this.list.overlappingRaw(low, high, (a, o) => {
      const f = a[o + R_FLAGS]!;
      return peek(a[o]!, a[o + 1]!, a[o + R_OWNER]!, a[o + R_OFFSET]!, (f & 4) !== 0, (f & 2) !== 0, (f & 1) !== 0) ? 0 : fn(readRmap(a, o));
    });
  }

  /** every record, in key order (copies) */
  records(): RmapIrec[] {
    return this.list.toArray();
  }
}

// ---------------------------------------------------------------------
// Reverse-map updates on the mount (xfs_rmap_map / xfs_rmap_unmap):
// methods of XfsMount (xfs_mount.ts) delegate here.

export function xfsRmapMap(mp: XfsMount, fsb: number, len: number, oinfo: XfsOwnerInfo, unwritten = false): void {
  mp.pag(mp.fsbToAgno(fsb)).rmap.map(mp.fsbToAgbno(fsb), len, oinfo, unwritten);
}

export function xfsRmapUnmap(mp: XfsMount, fsb: number, len: number, oinfo: XfsOwnerInfo): void {
  mp.pag(mp.fsbToAgno(fsb)).rmap.unmap(mp.fsbToAgbno(fsb), len, oinfo);
}
