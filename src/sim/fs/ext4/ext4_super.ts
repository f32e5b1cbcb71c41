// ext4 with DAX, as far as memory failure is concerned. ext4 asks for the
// dax device with no holder (fs_dax_get_by_bdev(bdev, &off, NULL, NULL)), so
// nothing tells it about poison: every poisoned page takes the generic
// page->mapping path (one owner per page: ext4 has no reflink), metadata
// poison is noticed only when a block read fails, and unbind sends no
// pre-remove notification. When the disk goes away, fs_bdev_mark_dead calls
// ext4_shutdown: the journal is aborted and file I/O fails with EIO, but user
// DAX mappings are left in place.
//
// The on-disk layout follows mke2fs's defaults for 4 KiB blocks (32768
// blocks per group, flex_bg 16, 256-byte inodes, one inode per 16 KiB, the
// reserved GDT blocks for 1024x growth, the journal size table), closely
// enough that metadata and data land where a real filesystem puts them; the
// journal's placement is approximate (the start of the middle group).

import type { Kernel } from '../../kernel';
import { SuperBlock, type BlockDev, type Iomap } from '../vfs';
import type { FileSpec, FilesystemSpec } from '../../scenario/types';
import { fsDaxGetByBdev } from '../../dax/super';
import { AddressSpace, type Inode } from '../../mm/types';
import { RangeMap, RangeSet } from '../../intervals';
import { EIO, ENOSPC } from '../../errno';
import { hex, SECTOR_SIZE } from '../../units';
import { InputError, describeValue } from '../../errors';

const BLOCKS_PER_GROUP = 32768;
const INODE_SIZE = 256;
const FLEX = 16;
const DESC_SIZE = 64;

/** ext2fs_default_journal_size, in blocks */
export function ext4JournalBlocks(blocks: number): number {
  if (blocks < 2048) return 0;
  if (blocks < 32768) return 1024;
  if (blocks < 256 * 1024) return 4096;
  if (blocks < 512 * 1024) return 8192;
  if (blocks < 4096 * 1024) return 16384;
  if (blocks < 8192 * 1024) return 32768;
  if (blocks < 16384 * 1024) return 65536;
  if (blocks < 32768 * 1024) return 131072;
  return 262144;
}

/** sparse_super: groups 0, 1 and powers of 3, 5 and 7 hold a superblock copy */
function hasSuper(g: number): boolean {
  if (g <= 1) return true;
  for (const b of [3, 5, 7]) {
    let p = b;
    while (p < g) p *= b;
    if (p === g) return true;
  }
  return false;
}

export interface Ext4Geometry {
  blockSize: number;
  blocks: number;
  groups: number;
  inodesPerGroup: number;
  inodeTableBlocks: number;
  gdtBlocks: number;
  reservedGdt: number;
  journalStart: number;
  journalBlocks: number;
}

export function ext4Geometry(deviceBytes: number, blockSize: number): Ext4Geometry {
  const blocks = Math.floor(deviceBytes / blockSize);
  const groups = Math.ceil(blocks / BLOCKS_PER_GROUP);
  const ratio = deviceBytes < 512 * 2 ** 20 ? 4096 : 16384;
  const perBlock = blockSize / INODE_SIZE;
  const inodesPerGroup = Math.min(BLOCKS_PER_GROUP, Math.ceil(Math.floor((blocks * blockSize) / ratio / groups) / perBlock) * perBlock);
  const gdpb = blockSize / DESC_SIZE;
  const gdtBlocks = Math.ceil(groups / gdpb);
  const rsvGroups = Math.ceil(Math.min(blocks * 1024, 2 ** 32) / BLOCKS_PER_GROUP);
  const reservedGdt = Math.min(1024, Math.max(0, Math.ceil(rsvGroups / gdpb) - gdtBlocks));
  const journalBlocks = ext4JournalBlocks(blocks);
  const mid = Math.floor(groups / 2);
  const journalStart = mid * BLOCKS_PER_GROUP + (hasSuper(mid) ? 1 + gdtBlocks + reservedGdt : 0);
  return { blockSize, blocks, groups, inodesPerGroup, inodeTableBlocks: (inodesPerGroup * INODE_SIZE) / blockSize, gdtBlocks, reservedGdt, journalStart, journalBlocks };
}

interface Ext4File {
  ino: number;
  /** file block → physical block (linear) */
  map: RangeMap<number>;
}

export type Ext4Shutdown = 'EXT4_GOING_FLAGS_DEFAULT' | 'EXT4_GOING_FLAGS_LOGFLUSH' | 'EXT4_GOING_FLAGS_NOLOGFLUSH';

export class Ext4SuperBlock extends SuperBlock {
  readonly geo: Ext4Geometry;
  /** what each metadata block is, for owners views */
  readonly metadata = new RangeMap<string>();
  readonly free = new RangeSet();
  private readonly byIno = new Map<number, Ext4File & { inode: Inode }>();
  private nextIno = 12;
  private nextMapping = 1;
  private shutdownFlag: Ext4Shutdown | null = null;

  constructor(k: Kernel, spec: FilesystemSpec, bdev: BlockDev) {
    super(spec, bdev);
    const g = (this.geo = ext4Geometry(bdev.size, spec.blockSize));
    this.free.add(0, g.blocks);
    const meta = (a: number, n: number, what: string) => {
      if (n <= 0) return;
      this.metadata.set(a, a + n, what);
      this.free.remove(a, a + n);
    };
    for (let grp = 0; grp < g.groups; grp++) {
      const base = grp * BLOCKS_PER_GROUP;
      if (hasSuper(grp)) {
        meta(base, 1, grp ? 'backup superblock' : 'superblock');
        meta(base + 1, g.gdtBlocks, 'group descriptors');
        meta(base + 1 + g.gdtBlocks, g.reservedGdt, 'reserved GDT blocks');
      }
      if (grp % FLEX === 0) {
        // flex_bg: the bitmaps and inode tables of the next 16 groups, packed
        const n = Math.min(FLEX, g.groups - grp);
        let at = base + (hasSuper(grp) ? 1 + g.gdtBlocks + g.reservedGdt : 0);
        meta(at, n, 'block bitmaps');
        at += n;
        meta(at, n, 'inode bitmaps');
        at += n;
        meta(at, n * g.inodeTableBlocks, 'inode tables');
        if (grp === 0) meta(at + n * g.inodeTableBlocks, 6, 'directory blocks (/ and lost+found)');
      }
    }
    meta(g.journalStart, g.journalBlocks, 'journal');
    k.tr.call('fs', 'ext4_fill_super', { dev: bdev.name, dax: spec.dax }, () => {
      if (spec.dax === 'always') {
        // ext4_alloc_sbi: fs_dax_get_by_bdev(sb->s_bdev, &sbi->s_dax_part_off, NULL, NULL): no holder
        const dax = bdev.dax ? fsDaxGetByBdev(k, bdev.dax, bdev.name, null, null) : null;
        if (!dax) k.log(`${this.logPrefix}DAX unsupported by block device.`);
        this.daxDev = dax;
      }
      return 0;
    });
    bdev.onMarkDead((kk) => this.markDead(kk));
  }

  get logPrefix(): string {
    return `EXT4-fs (${this.bdev.name}): `;
  }

  shutdownState(): string | null {
    return this.shutdownFlag;
  }

  /** ext4_shutdown (super_operations.shutdown) from fs_bdev_mark_dead: EXT4_GOING_FLAGS_NOLOGFLUSH */
  markDead(k: Kernel): void {
    k.tr.call('fs', 'ext4_shutdown', { dev: this.bdev.name }, () => {
      k.tr.call('fs', 'ext4_force_shutdown', { flags: 'EXT4_GOING_FLAGS_NOLOGFLUSH (2)' }, () => {
        if (this.shutdownFlag) return 0;
        this.shutdownFlag = 'EXT4_GOING_FLAGS_NOLOGFLUSH';
        k.log(`${this.logPrefix}shut down requested (2)`);
        k.tr.call('fs', 'jbd2_journal_abort', { journal: `${this.bdev.name}-8` }, () => {
          k.log(`Aborting journal on device ${this.bdev.name}-8.`);
        });
        return 0;
      });
    });
  }

  /**
   * ext4_inode_to_goal_block: with flex_bg, regular files aim at the second
   * group of their flex group (the first is kept for directories), at that
   * group's first block. mballoc then lands the data on a buddy-aligned
   * boundary: for the small files here, the first 512-block (2 MiB) boundary
   * of the group past its superblock backup, as a 6.12 kernel placed them.
   */
  private goal(): number {
    const grp = Math.min(1, this.geo.groups - 1);
    const start = grp * BLOCKS_PER_GROUP;
    const used = hasSuper(grp) ? 1 + this.geo.gdtBlocks + this.geo.reservedGdt : 0;
    return start + Math.ceil(used / 512) * 512;
  }

  /** the locality group's preallocation (one: the guest and the lab write files from one task on one CPU) */
  private lgPa: { next: number; end: number } | null = null;
  /** s_mb_last_group: where the last stream allocation landed */
  private lastStreamGroup = 0;

  /**
   * ext4_mb_new_blocks for a data request of `blocks` blocks when the file
   * (its i_size or the request's logical end, whichever is larger) is
   * `fileBlocks` long. ext4_mb_group_or_file: up to s_mb_stream_request (16)
   * blocks the request takes the locality group's preallocation
   * (ext4_mb_normalize_group_request: s_mb_group_prealloc, 512 blocks, used
   * front to back by every small file: ext4_mb_use_group_pa); a larger one is
   * a stream allocation, normalized to the size table of
   * ext4_mb_normalize_request (its remainder stays the inode's
   * preallocation), searched from s_mb_last_group. Both are powers of two, so
   * ext4_mb_regular_allocator looks for a buddy-aligned free chunk
   * (CR_POWER2_ALIGNED), and ext4_mb_good_group skips the first group of each
   * flex group for data. Seen on 6.12.117 (oracle/recorded/random/0008): a
   * 64 KiB file at block 33280 (the first 512-aligned free chunk of group 1),
   * then two 128 KiB files at 32896 and 32928. Anything else (no aligned chunk
   * free, a request over 1 MiB) falls back to allocate().
   */
  private mbAllocate(blocks: number, fileBlocks: number, at: string): [number, number][] {
    const bs = this.geo.blockSize;
    if (Math.max(blocks, fileBlocks) <= 16) {
      if (!this.lgPa || this.lgPa.end - this.lgPa.next < blocks) {
        const a = this.alignedFreeChunk(512, Math.min(1, this.geo.groups - 1));
        if (a === undefined) return this.allocate(blocks, at);
        this.free.remove(a, a + 512);
        this.lgPa = { next: a, end: a + 512 };
      }
      const a = this.lgPa.next;
      this.lgPa.next += blocks;
      return [[a, a + blocks]];
    }
    const bytes = Math.max(blocks, fileBlocks) * bs;
    const table = [16, 32, 64, 128, 256, 512, 1024].map((x) => x * 1024);
    const norm = table.find((x) => bytes <= x);
    if (norm === undefined || norm / bs < blocks) return this.allocate(blocks, at);
    const chunk = norm / bs;
    const a = this.alignedFreeChunk(chunk, this.lastStreamGroup);
    if (a === undefined) return this.allocate(blocks, at);
    this.free.remove(a, a + chunk);
    this.lastStreamGroup = Math.floor(a / BLOCKS_PER_GROUP);
    return [[a, a + blocks]];
  }

  /** the first free, chunk-aligned run of `chunk` blocks in a group from `start` on (wrapping), skipping flex-group leaders */
  private alignedFreeChunk(chunk: number, start: number): number | undefined {
    const groups = this.geo.groups;
    for (let i = 0; i < groups; i++) {
      const grp = (start + i) % groups;
      if (grp % FLEX === 0) continue;
      const base = grp * BLOCKS_PER_GROUP;
      const end = Math.min(base + BLOCKS_PER_GROUP, this.geo.blocks);
      for (let a = base; a + chunk <= end; a += chunk) if (this.free.covered(a, a + chunk) === chunk) return a;
    }
    return undefined;
  }

  private allocate(blocks: number, at: string): [number, number][] {
    const out: [number, number][] = [];
    let need = blocks;
    const goal = this.goal();
    const free = this.free.all();
    // from the goal to the end, then from the start of the device
    const ordered = [...free.filter(([, b]) => b > goal).map(([a, b]): [number, number] => [Math.max(a, goal), b]), ...free.map(([a, b]): [number, number] => [a, Math.min(b, goal)]).filter(([a, b]) => b > a)];
    for (const [a, b] of ordered) {
      if (need <= 0) break;
      const n = Math.min(need, b - a);
      out.push([a, a + n]);
      need -= n;
    }
    if (need > 0) throw new InputError(at, 'size', blocks, `${this.mount}: no space left for ${blocks} blocks (ENOSPC)`);
    for (const [a, b] of out) this.free.remove(a, b);
    return out;
  }

  createFile(k: Kernel, f: FileSpec, _lookup: (path: string) => Inode | undefined): Inode {
    if (f.reflink !== undefined || f.clone.length)
      throw new InputError(`${f.pathPtr}/${f.reflink !== undefined ? 'reflink' : 'clone'}`, f.reflink !== undefined ? 'reflink' : 'clone', f.reflink ?? f.clone, `file ${f.path}: ext4 has no reflink (FICLONE is EOPNOTSUPP)`);
    const bs = this.geo.blockSize;
    const map = new RangeMap<number>({ split: (v, d) => v + d });
    if (f.extents) {
      for (const [i, e] of f.extents.entries()) {
        const at = `${f.pathPtr}/extents/${i}`;
        if (e.block + e.length > this.geo.blocks) throw new InputError(`${at}/block`, 'block', e.block, `file ${f.path}: blocks ${e.block}..${e.block + e.length - 1} are beyond the filesystem (${this.geo.blocks} blocks)`);
        const used = this.free.covered(e.block, e.block + e.length) !== e.length;
        if (used) {
          const what = this.metadata.firstIn(e.block, e.block + e.length);
          throw new InputError(`${at}/block`, 'block', e.block, `file ${f.path}: block ${describeValue(e.block)} is not free${what ? ` (${what.value})` : ' (another file)'}`);
        }
        map.set(e.offset, e.offset + e.length, e.block);
      }
      for (const e of f.extents) this.free.remove(e.block, e.block + e.length);
    } else {
      let off = 0;
      // the guest writes the file in one pwrite: one request for all of it (i_size is still 0)
      for (const [a, b] of this.mbAllocate(Math.ceil(f.size / bs), 0, f.pathPtr)) {
        map.set(off, off + (b - a), a);
        off += b - a;
      }
    }
    const ino = this.nextIno++;
    const mapping = new AddressSpace(this.nextMapping++, null, this.dax);
    const inode: Inode = { ino, path: f.path, size: f.size, mapping, chr: false, sbDev: this.bdev.name };
    mapping.host = inode;
    this.byIno.set(ino, { ino, map, inode });
    void k;
    return inode;
  }

  private file(inode: Inode): Ext4File {
    return this.byIno.get(inode.ino)!;
  }

  /** the extent (or hole) at pos, clipped to [pos, pos+len) */
  private extentAt(inode: Inode, pos: number, len: number): Iomap {
    const bs = this.geo.blockSize;
    const fb = Math.floor(pos / bs);
    const endFb = Math.ceil((pos + Math.max(1, len)) / bs);
    const f = this.file(inode);
    const r = f.map.firstIn(fb, endFb);
    if (r && r.start === fb) {
      return { offset: fb * bs, length: (r.end - fb) * bs, type: 'IOMAP_MAPPED', addr: r.value * bs, shared: false, isNew: false };
    }
    const holeEnd = r ? r.start : endFb;
    return { offset: fb * bs, length: (holeEnd - fb) * bs, type: 'IOMAP_HOLE', addr: 0, shared: false, isNew: false };
  }

  /** ext4_iomap_begin for a read */
  iomapRead(k: Kernel, inode: Inode, pos: number, len: number): Iomap | number {
    return k.tr.call('fs', 'ext4_iomap_begin', { ino: inode.ino, pos: hex(pos), len, flags: 'IOMAP_DAX' }, () => (this.isShutdown() ? -EIO : this.extentAt(inode, pos, len)), fmt);
  }

  /** ext4_iomap_begin for a write: holes are allocated with EXT4_GET_BLOCKS_ZERO (zeroed through the block layer) */
  iomapWrite(k: Kernel, inode: Inode, pos: number, len: number): Iomap | number {
    return k.tr.call(
      'fs',
      'ext4_iomap_begin',
      { ino: inode.ino, pos: hex(pos), len, flags: 'IOMAP_DAX|IOMAP_WRITE' },
      () => {
        if (this.isShutdown()) return -EIO;
        const cur = this.extentAt(inode, pos, len);
        if (cur.type === 'IOMAP_MAPPED') return cur;
        const bs = this.geo.blockSize;
        const fb = cur.offset / bs;
        const n = cur.length / bs;
        let got: [number, number][];
        try {
          got = this.mbAllocate(n, Math.max(fb + n, Math.ceil(inode.size / bs)), '');
        } catch {
          return -ENOSPC;
        }
        const [a, b] = got[0]!;
        // only the first piece is used now; the rest goes back
        for (const [c, d] of got.slice(1)) this.free.add(c, d);
        this.file(inode).map.set(fb, fb + (b - a), a);
        const rc = k.tr.call('fs', 'ext4_issue_zeroout', { pblk: a, len: b - a }, () =>
          k.tr.call('block', 'blkdev_issue_zeroout', { disk: this.bdev.name, sector: (a * bs) / SECTOR_SIZE, nr_sects: ((b - a) * bs) / SECTOR_SIZE }, () => this.bdev.submit(k, 'WRITE', (a * bs) / SECTOR_SIZE, (b - a) * bs)),
        );
        if (rc < 0) return rc;
        return { offset: fb * bs, length: (b - a) * bs, type: 'IOMAP_MAPPED', addr: a * bs, shared: false, isNew: true } as Iomap;
      },
      fmt,
    );
  }

  iomapWriteEnd(k: Kernel, inode: Inode, iomap: Iomap, written: number): void {
    const end = iomap.offset + Math.min(written, iomap.length);
    if (written > 0 && end > inode.size) inode.size = end;
    void k;
  }

  /** ext4_punch_hole: whole blocks are unmapped and freed */
  punchHole(k: Kernel, inode: Inode, off: number, len: number): number {
    return k.tr.call('fs', 'ext4_punch_hole', { ino: inode.ino, offset: hex(off), len }, () => {
      const bs = this.geo.blockSize;
      const a = Math.ceil(off / bs);
      const b = Math.floor((off + len) / bs);
      const f = this.file(inode);
      for (const r of f.map.query(a, b)) this.free.add(r.value, r.value + (r.end - r.start));
      f.map.clear(a, b);
      return 0;
    });
  }

  extentsQuiet(inode: Inode): { fileOffset: number; length: number; devOffset: number }[] {
    const bs = this.geo.blockSize;
    return this.file(inode).map.all().map((r) => ({ fileOffset: r.start * bs, length: (r.end - r.start) * bs, devOffset: r.value * bs }));
  }

  bmapQuiet(inode: Inode, off: number): number | undefined {
    const bs = this.geo.blockSize;
    const pb = this.file(inode).map.get(Math.floor(off / bs));
    return pb === undefined ? undefined : pb * bs + (off % bs);
  }
}

function fmt(r: Iomap | number): string {
  if (typeof r === 'number') return r < 0 ? (r === -EIO ? '-EIO' : r === -ENOSPC ? '-ENOSPC' : String(r)) : String(r);
  return `${r.type}${r.isNew ? '|IOMAP_F_NEW' : ''} off ${hex(r.offset)} len ${r.length}${r.type === 'IOMAP_MAPPED' ? ` addr ${hex(r.addr)}` : ''}`;
}
