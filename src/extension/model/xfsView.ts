// A read-only view of a mounted XFS for the lab's views: the geometry
// conversions and the reverse map, as `xfs_io -c 'fsmap -v'` lists them.
//
// Only the members of the simulator's XFS model that xfs_notify_failure.ts
// itself calls are used (blockSize, daddrToFsb, fsbToAgno, fsbToAgbno,
// agbToFsb, agLength, rmapQueryRange), reached by duck typing so that this
// module stays a reader and never depends on the model's private shape.
// Pure: no VS Code and no Node APIs.

import type { SuperBlock } from '../../sim/fs/vfs';
import { FSMAP_OWNER_TEXT, XFS_RMAP_NON_INODE_OWNER, rmapOwnerName, type RmapIrec } from '../../sim/fs/xfs/xfs_format';
import type { Inode } from '../../sim/mm/types';

const BBSIZE = 512;

/** The members of the XFS model this view reads. */
export interface XfsModelView {
  readonly blockSize: number;
  daddrToFsb(daddr: number): number;
  fsbToAgno(fsb: number): number;
  fsbToAgbno(fsb: number): number;
  agbToFsb(agno: number, agbno: number): number;
  agLength(agno: number): number;
  rmapQueryRange(agno: number, low: number, high: number, fn: (rec: RmapIrec) => number): number;
}

const VIEW_METHODS = ['daddrToFsb', 'fsbToAgno', 'fsbToAgbno', 'agbToFsb', 'agLength', 'rmapQueryRange'] as const;

/** The XFS model behind a superblock, or undefined when it is not XFS (or not readable). */
export function xfsModelOf(sb: SuperBlock): XfsModelView | undefined {
  const model = (sb as unknown as { model?: unknown }).model;
  if (!model || typeof model !== 'object') return undefined;
  const m = model as Record<string, unknown>;
  if (typeof m.blockSize !== 'number') return undefined;
  for (const name of VIEW_METHODS) if (typeof m[name] !== 'function') return undefined;
  return model as XfsModelView;
}

/** The model's own xfs_getfsmap, when it has one (records in device order, free space included). */
interface ModelFsmap {
  fsmap(opts?: { allOwners?: boolean }): {
    daddr: number;
    bblen: number;
    agno: number;
    agbno: number;
    blockcount: number;
    owner: number | 'free' | 'unknown';
    offset?: number;
    attrFork: boolean;
    bmbtBlock: boolean;
    unwritten: boolean;
    shared: boolean;
  }[];
}

/** Does the filesystem have a reverse map the kernel can query (rmapbt)? */
export function hasRmapbt(sb: SuperBlock): boolean {
  return sb.spec.rmapbt;
}

/** One reverse-map record placed on the device, with its owner resolved. */
export interface FsmapRecord {
  agno: number;
  /** AG block of the first block */
  agbno: number;
  blockcount: number;
  /** first 512-byte basic block on the data device, and how many */
  daddr: number;
  bblen: number;
  /** rm_owner: inode number, or a negative XFS_RMAP_OWN_* value */
  owner: number;
  /** XFS_RMAP_OWN_LOG, or "inode 131" */
  ownerName: string;
  /** what `xfs_io -c fsmap` prints in its owner column */
  ownerText: string;
  /** for an inode owner: file byte offset of the record's first block */
  fileOffset?: number;
  /** for an inode owner the scenario created: its path */
  path?: string;
  inode?: Inode;
  attrFork: boolean;
  bmbtBlock: boolean;
  unwritten: boolean;
  /** metadata: anything xfs_dax_failure_fn shuts the filesystem down for */
  metadata: boolean;
  /** another record (another owner) covers some of the same blocks (reflink) */
  shared: boolean;
}

/** A gap in the reverse map: free space. */
export interface FsmapFree {
  agno: number;
  agbno: number;
  blockcount: number;
  daddr: number;
  bblen: number;
}

export interface XfsGeometryView {
  blockSize: number;
  /** blocks in every AG but possibly the last */
  agblocks: number;
  agcount: number;
  /** basic blocks per filesystem block */
  bbPerBlock: number;
}

export function xfsGeometry(x: XfsModelView, deviceBytes: number): XfsGeometryView {
  const bbPerBlock = x.blockSize / BBSIZE;
  const agblocks = x.agLength(0);
  let agcount = 1;
  const lastDaddr = Math.max(0, Math.floor(deviceBytes / BBSIZE) - 1);
  const lastAg = x.fsbToAgno(x.daddrToFsb(lastDaddr));
  // the filesystem may stop short of the device's end; count the AGs that exist
  for (let agno = 1; agno <= lastAg; agno++) {
    let len = 0;
    try {
      len = x.agLength(agno);
    } catch {
      len = 0;
    }
    if (!(len > 0)) break;
    agcount = agno + 1;
  }
  return { blockSize: x.blockSize, agblocks, agcount, bbPerBlock };
}

/** XFS_AGB_TO_DADDR: daddr is linear in agno * agblocks + agbno */
export function agbToDaddr(g: XfsGeometryView, agno: number, agbno: number): number {
  return (agno * g.agblocks + agbno) * g.bbPerBlock;
}

/** AG and AG block of a daddr */
export function daddrToAgb(x: XfsModelView, daddr: number): { agno: number; agbno: number; fsb: number } {
  const fsb = x.daddrToFsb(daddr);
  return { fsb, agno: x.fsbToAgno(fsb), agbno: x.fsbToAgbno(fsb) };
}

/** inode number -> inode, for the files the scenario created on this filesystem */
export function inodesByIno(sb: SuperBlock): Map<number, Inode> {
  const out = new Map<number, Inode>();
  for (const inode of sb.files.values()) out.set(inode.ino, inode);
  return out;
}

/**
 * Every reverse-map record overlapping daddrs [daddr, daddr + bblen), in
 * device order (AG, block, then rmap key order), as fsmap lists them, with
 * the gaps as free space when `withFree`.
 */
export function fsmap(sb: SuperBlock, daddr = 0, bblen = Infinity, withFree = false): { records: FsmapRecord[]; free: FsmapFree[] } | undefined {
  const x = xfsModelOf(sb);
  if (!x) return undefined;
  const model: unknown = x;
  const g = xfsGeometry(x, sb.bdev.size);
  const fsEndDaddr = agbToDaddr(g, g.agcount - 1, 0) + x.agLength(g.agcount - 1) * g.bbPerBlock;
  const lo = Math.max(0, daddr);
  const hi = Math.min(fsEndDaddr, daddr + bblen); // exclusive
  const records: FsmapRecord[] = [];
  const free: FsmapFree[] = [];
  if (hi <= lo) return { records, free };
  const inodes = inodesByIno(sb);
  const whole = (model as Partial<ModelFsmap>).fsmap;
  if (typeof whole === 'function') {
    // the model's own xfs_getfsmap (shared from the refcount btree), with every owner even without rmapbt
    for (const r of whole.call(model, { allOwners: true })) {
      if (r.daddr + r.bblen <= lo || r.daddr >= hi) continue;
      if (r.owner === 'free') {
        if (withFree) free.push({ agno: r.agno, agbno: r.agbno, blockcount: r.blockcount, daddr: r.daddr, bblen: r.bblen });
        continue;
      }
      if (r.owner === 'unknown') continue;
      const rec = toRecord(g, r.agno, { startblock: r.agbno, blockcount: r.blockcount, owner: r.owner, offset: r.offset ?? 0, attrFork: r.attrFork, bmbtBlock: r.bmbtBlock, unwritten: r.unwritten }, inodes, x.blockSize);
      rec.shared = r.shared;
      records.push(rec);
    }
    return { records, free };
  }
  const first = daddrToAgb(x, lo);
  const last = daddrToAgb(x, hi - 1);
  for (let agno = first.agno; agno <= last.agno; agno++) {
    const low = agno === first.agno ? first.agbno : 0;
    const high = agno === last.agno ? last.agbno : x.agLength(agno) - 1;
    const recs: RmapIrec[] = [];
    x.rmapQueryRange(agno, low, high, (r) => {
      recs.push({ ...r });
      return 0;
    });
    recs.sort((a, b) => a.startblock - b.startblock || ownerOrder(a.owner) - ownerOrder(b.owner) || a.offset - b.offset);
    for (const r of recs) records.push(toRecord(g, agno, r, inodes, x.blockSize));
    if (withFree) {
      // gaps between the union of records inside [low, high]
      let cur = low;
      const byStart = [...recs].sort((a, b) => a.startblock - b.startblock);
      for (const r of byStart) {
        if (r.startblock > cur) free.push(freeExt(g, agno, cur, Math.min(r.startblock, high + 1) - cur));
        cur = Math.max(cur, r.startblock + r.blockcount);
        if (cur > high) break;
      }
      if (cur <= high) free.push(freeExt(g, agno, cur, high + 1 - cur));
    }
  }
  markShared(records);
  return { records, free };
}

function ownerOrder(owner: number): number {
  // the kernel compares rm_owner as u64: special owners (-N) sort after every inode
  return owner < 0 ? Number.MAX_SAFE_INTEGER + owner : owner;
}

function freeExt(g: XfsGeometryView, agno: number, agbno: number, blockcount: number): FsmapFree {
  return { agno, agbno, blockcount, daddr: agbToDaddr(g, agno, agbno), bblen: blockcount * g.bbPerBlock };
}

function toRecord(g: XfsGeometryView, agno: number, r: RmapIrec, inodes: Map<number, Inode>, blockSize: number): FsmapRecord {
  const special = XFS_RMAP_NON_INODE_OWNER(r.owner);
  const inode = special ? undefined : inodes.get(r.owner);
  const rec: FsmapRecord = {
    agno,
    agbno: r.startblock,
    blockcount: r.blockcount,
    daddr: agbToDaddr(g, agno, r.startblock),
    bblen: r.blockcount * g.bbPerBlock,
    owner: r.owner,
    ownerName: rmapOwnerName(r.owner),
    ownerText: special ? (FSMAP_OWNER_TEXT[r.owner] ?? rmapOwnerName(r.owner)) : `inode ${r.owner}${r.attrFork ? ' attr' : ''}${r.bmbtBlock ? ' bmbt' : ''}`,
    attrFork: !!r.attrFork,
    bmbtBlock: !!r.bmbtBlock,
    unwritten: !!r.unwritten,
    metadata: special || !!r.attrFork || !!r.bmbtBlock,
    shared: false,
  };
  if (!special && !r.bmbtBlock) rec.fileOffset = r.offset * blockSize;
  if (inode) {
    rec.inode = inode;
    rec.path = inode.path;
  }
  return rec;
}

/** a data block owned by more than one inode is shared (reflink) */
function markShared(records: FsmapRecord[]): void {
  const data = records.filter((r) => !r.metadata);
  for (let i = 0; i < data.length; i++) {
    for (let j = i + 1; j < data.length; j++) {
      const a = data[i]!;
      const b = data[j]!;
      if (a.owner === b.owner) continue;
      if (a.daddr < b.daddr + b.bblen && b.daddr < a.daddr + a.bblen) a.shared = b.shared = true;
    }
  }
}

/**
 * One line of `xfs_io -c 'fsmap -v'` (512-byte units):
 * `   3: [96..223]:  inode 131  [0..127]  0  (96..223)  128`.
 */
export function fsmapLine(n: number, r: FsmapRecord | (FsmapFree & { free: true })): string {
  const range = `[${r.daddr}..${r.daddr + r.bblen - 1}]`;
  if ('free' in r) return `${String(n).padStart(4)}: ${range}: free space  AG ${r.agno} (${r.agbno}..${r.agbno + r.blockcount - 1})  ${r.bblen}`;
  const off = r.fileOffset !== undefined ? `  [${r.fileOffset / BBSIZE}..${r.fileOffset / BBSIZE + r.bblen - 1}]` : '';
  return `${String(n).padStart(4)}: ${range}: ${r.ownerText}${off}  AG ${r.agno} (${r.agbno}..${r.agbno + r.blockcount - 1})  ${r.bblen}`;
}
