// drivers/md/dm.c and dm-table.c: a mapped device over a table of targets.
// Units: `sector` is a 512-byte sector of the dm device (what dmsetup tables
// count), `pgoff` a page of the dm device's own dax device; each target
// translates into its underlying device's sectors and pgoffs.
//
// What the stack does with poison under dm at v6.12, from the source:
// - open_table_device opens each underlying disk with a NULL holder and NULL
//   holder ops (fs_dax_get_by_bdev(bdev, &off, NULL, NULL)), so the pmem dax
//   device below has no holder: its pagemap's notify_failure gets
//   -EOPNOTSUPP and memory_failure falls back to page->mapping.
// - the dm device has a dax device of its own (alloc_dax(md, &dm_dax_ops));
//   a filesystem on dm holds that one, and no producer ever notifies it.
// - the underlying bdev is opened with NULL blk_holder_ops, so its
//   del_gendisk tells neither dm nor the filesystem on top.
// - DAX is offered only when every target has ->direct_access and every
//   underlying device has a dax device (dm_table_supports_dax).

import type { Kernel } from '../kernel';
import { mfFlagsName } from '../kernel';
import { DaxDevice, fsDaxGetByBdev, type DaxAccessMode, type DaxOperations } from '../dax/super';
import type { BlockDev } from '../fs/vfs';
import type { DmSpec } from '../scenario/types';
import { EIO, ENODEV, EOPNOTSUPP } from '../errno';
import { hex, PAGE_SECTORS, SECTOR_SIZE } from '../units';
import { linearDaxDirectAccess, linearDaxRecoveryWrite, linearDaxZeroPageRange, linearMap, linearMapSector, linearRmap } from './dm-linear';
import { stripeDaxDirectAccess, stripeDaxRecoveryWrite, stripeDaxZeroPageRange, stripeMap, stripeMapSector, stripeUnmapSector } from './dm-stripe';

/** struct dm_dev: an underlying device as the table opened it */
export interface DmDev {
  name: string;
  bdev: BlockDev;
  /** td->dm_dev.dax_dev: null when the device offers no DAX */
  dax: DaxDevice | null;
}

/** struct linear_c */
export interface LinearTarget {
  type: 'linear';
  /** ti->begin, ti->len: dm sectors */
  begin: number;
  len: number;
  dev: DmDev;
  /** lc->start: the first sector on the device */
  start: number;
}

/** struct stripe_c */
export interface StripeTarget {
  type: 'striped';
  begin: number;
  len: number;
  /** sc->chunk_size, sectors */
  chunk: number;
  stripes: { dev: DmDev; physicalStart: number }[];
}

export type DmTarget = LinearTarget | StripeTarget;

/** struct mapped_device with its live table */
export class MappedDevice {
  /** md->dax_dev, allocated for every bio-based device; offered to filesystems only when the table supports DAX */
  readonly dax: DaxDevice;
  /** the table supports DAX (BLK_FEAT_DAX) */
  daxCapable = false;
  /** the corrupted-range design: the dm bdev's holder's ->corrupted_range */
  holderCorruptedRange: ((k: Kernel, offset: number, len: number, mfFlags: number) => number) | null = null;
  readonly targets: DmTarget[] = [];

  constructor(readonly spec: DmSpec) {
    this.dax = new DaxDevice(spec.id, dmDaxOps, this);
  }
  get name(): string {
    return this.spec.id;
  }
  /** sectors the table maps */
  get sectors(): number {
    const last = this.targets[this.targets.length - 1];
    return last ? last.begin + last.len : 0;
  }
  /** the underlying devices, each once, in table order */
  devices(): DmDev[] {
    const out: DmDev[] = [];
    for (const t of this.targets) for (const d of t.type === 'linear' ? [t.dev] : t.stripes.map((s) => s.dev)) if (!out.includes(d)) out.push(d);
    return out;
  }
}

/** dm_table_find_target(t, sector): the target mapping a sector, by binary search over ti->begin */
export function dmTableFindTarget(md: MappedDevice, sector: number): DmTarget | undefined {
  const ts = md.targets;
  let lo = 0;
  let hi = ts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = ts[mid]!;
    if (sector < t.begin) hi = mid - 1;
    else if (sector >= t.begin + t.len) lo = mid + 1;
    else return t;
  }
  return undefined;
}

/**
 * max_io_len(ti, sector): sectors from `sector` to the end of the target, or
 * to the next boundary of ti->max_io_len (dm-stripe sets it to the chunk).
 */
export function maxIoLen(ti: DmTarget, sector: number): number {
  const offset = sector - ti.begin;
  const toEnd = ti.len - offset;
  if (ti.type === 'striped') return Math.min(toEnd, ti.chunk - (offset % ti.chunk));
  return toEnd;
}

/** where a dm sector lands: the underlying device and its sector */
export function dmMapSector(md: MappedDevice, sector: number): { ti: DmTarget; dev: DmDev; sector: number } | undefined {
  const ti = dmTableFindTarget(md, sector);
  if (!ti) return undefined;
  if (ti.type === 'linear') return { ti, dev: ti.dev, sector: linearMapSector(ti, sector) };
  const r = stripeMapSector(ti, sector);
  const s = ti.stripes[r.stripe]!;
  return { ti, dev: s.dev, sector: r.result + s.physicalStart };
}

/**
 * The table as the kernel builds it on `dmsetup create`: open_table_device
 * for each underlying disk (NULL holder), the targets' constructors, and
 * dm_table_supports_dax over the result.
 */
export function dmCreate(k: Kernel, spec: DmSpec, lookup: (name: string) => BlockDev | undefined): MappedDevice {
  const md = new MappedDevice(spec);
  const opened = new Map<string, DmDev>();
  const open = (name: string): DmDev => {
    let d = opened.get(name);
    if (d) return d;
    const bdev = lookup(name)!;
    const dax = k.tr.call('dm', 'open_table_device', { md: spec.id, dev: bdev.name }, () => (bdev.dax ? fsDaxGetByBdev(k, bdev.dax, bdev.name, null, null) : null), (r) => (r ? r.name : 'NULL'));
    d = { name, bdev, dax };
    opened.set(name, d);
    return d;
  };
  for (const line of spec.table) {
    if (line.target === 'linear') md.targets.push({ type: 'linear', begin: line.start, len: line.length, dev: open(line.device), start: line.offset });
    else md.targets.push({ type: 'striped', begin: line.start, len: line.length, chunk: line.chunk, stripes: line.devices.map((d, i) => ({ dev: open(d), physicalStart: line.offsets[i] ?? 0 })) });
  }
  md.daxCapable = k.tr.call('dm', 'dm_table_supports_dax', { md: spec.id }, () => md.devices().every((d) => d.dax !== null));
  return md;
}

/**
 * dm_submit_bio for one bio: split at target boundaries and at each
 * target's max_io_len (__split_and_process_bio), each clone mapped and
 * sent to its device; the bio fails with the first clone's error.
 */
export function dmSubmitBio(k: Kernel, md: MappedDevice, op: 'READ' | 'WRITE', sector: number, len: number): number {
  return k.tr.call('dm', 'dm_submit_bio', { disk: md.name, op, sector, len }, () => {
    let err = 0;
    let cur = sector;
    const end = sector + Math.ceil(len / SECTOR_SIZE);
    while (cur < end) {
      const ti = dmTableFindTarget(md, cur);
      if (!ti) return err || -EIO;
      const n = Math.min(end - cur, maxIoLen(ti, cur));
      const rc = ti.type === 'linear' ? linearMap(k, ti, op, cur, n) : stripeMap(k, ti, op, cur, n);
      if (rc < 0 && !err) err = rc;
      cur += n;
    }
    return err;
  });
}

function mdOf(dax: DaxDevice): MappedDevice {
  return dax.priv as MappedDevice;
}

/**
 * dm_dax_direct_access(dax_dev, pgoff, nr_pages, mode): the live target at
 * pgoff's sector, nr_pages clamped to max_io_len, then the target's
 * ->direct_access; no target is -EIO.
 */
function dmDaxDirectAccess(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number, mode: DaxAccessMode): { ret: number; pfn: number } {
  const md = mdOf(dax);
  let pfn = -1;
  const ret = k.tr.call('dm', 'dm_dax_direct_access', { md: md.name, pgoff: hex(pgoff), nr_pages: nrPages, mode }, () => {
    const sector = pgoff * PAGE_SECTORS;
    const ti = dmTableFindTarget(md, sector);
    if (!ti) return -EIO;
    const len = Math.floor(maxIoLen(ti, sector) / PAGE_SECTORS);
    if (len < 1) return -EIO;
    const n = Math.min(len, nrPages);
    const r = ti.type === 'linear' ? linearDaxDirectAccess(k, ti, pgoff, n, mode) : stripeDaxDirectAccess(k, ti, pgoff, n, mode);
    pfn = r.pfn;
    return r.ret;
  });
  return { ret, pfn };
}

/** dm_dax_recovery_write: forwarded to the target, 0 (nothing written) without one */
function dmDaxRecoveryWrite(k: Kernel, dax: DaxDevice, pgoff: number, offInPage: number, bytes: number): number {
  const md = mdOf(dax);
  return k.tr.call('dm', 'dm_dax_recovery_write', { md: md.name, pgoff: hex(pgoff), bytes }, () => {
    const ti = dmTableFindTarget(md, pgoff * PAGE_SECTORS);
    if (!ti) return 0;
    return ti.type === 'linear' ? linearDaxRecoveryWrite(k, ti, pgoff, offInPage, bytes) : stripeDaxRecoveryWrite(k, ti, pgoff, offInPage, bytes);
  });
}

/** dm_dax_zero_page_range: forwarded to the target, -EIO without one */
function dmDaxZeroPageRange(k: Kernel, dax: DaxDevice, pgoff: number, nrPages: number): number {
  const md = mdOf(dax);
  return k.tr.call('dm', 'dm_dax_zero_page_range', { md: md.name, pgoff: hex(pgoff), nr_pages: nrPages }, () => {
    const ti = dmTableFindTarget(md, pgoff * PAGE_SECTORS);
    if (!ti) return -EIO;
    return ti.type === 'linear' ? linearDaxZeroPageRange(k, ti, pgoff, nrPages) : stripeDaxZeroPageRange(k, ti, pgoff, nrPages);
  });
}

export const dmDaxOps: DaxOperations = {
  direct_access: dmDaxDirectAccess,
  recovery_write: dmDaxRecoveryWrite,
  zero_page_range: dmDaxZeroPageRange,
};

/**
 * The corrupted-range proposal (v3 09/11, dm_blk_corrupted_range): the
 * first target that maps the underlying device at that sector and has
 * ->rmap (only dm-linear had one) turns it into a dm sector and hands the
 * range to the dm bdev's holder (bd_corrupted_range). No such target:
 * -ENODEV.
 */
export function dmBlkCorruptedRange(k: Kernel, md: MappedDevice, dev: BlockDev, offset: number, len: number, mfFlags: number): number {
  return k.tr.call('dm', 'dm_blk_corrupted_range', { md: md.name, dev: dev.name, offset: hex(offset), len, mf_flags: mfFlagsName(mfFlags) }, () => {
    const sect = Math.floor(offset / SECTOR_SIZE);
    for (const ti of md.targets) {
      if (ti.type !== 'linear') continue; // no ->rmap: skipped
      // iterate_devices → dm_blk_corrupted_hit
      if (ti.dev.bdev !== dev || sect < ti.start || sect >= ti.start + ti.len) continue;
      const dmSect = linearRmap(k, ti, sect);
      const dmOffset = dmSect * SECTOR_SIZE + (offset % SECTOR_SIZE);
      return k.tr.call('block', 'bd_corrupted_range', { bdev: md.name, offset: hex(dmOffset), len }, () => {
        if (md.holderCorruptedRange) return md.holderCorruptedRange(k, dmOffset, len, mfFlags);
        k.why.note({ kind: 'no-holder', dax: md.name, ret: '-EOPNOTSUPP', span: k.why.span });
        return -EOPNOTSUPP;
      });
    }
    k.why.note({
      kind: 'route-failed',
      symbol: 'dm_blk_corrupted_range',
      ret: '-ENODEV',
      why: `no target of ${md.name} that maps ${dev.name} at sector ${sect} has ->rmap (only dm-linear had one), so dm_blk_corrupted_range() gave -ENODEV and the failure went no further.`,
      span: k.why.span,
    });
    return -ENODEV;
  });
}

/** The mapped device as the block layer and filesystems see it. */
export function dmBlockDev(md: MappedDevice): BlockDev {
  return {
    name: md.name,
    size: md.sectors * SECTOR_SIZE,
    // dm stays up when a device under it goes: its I/O fails below
    alive: () => true,
    submit: (k, op, sector, len) => dmSubmitBio(k, md, op, sector, len),
    dax: md.daxCapable ? md.dax : null,
    // nothing marks a dm disk dead here (no dmsetup remove): a filesystem's ->shutdown is never called
    onMarkDead: () => undefined,
    onCorruptedRange: (cb) => {
      md.holderCorruptedRange = cb;
    },
    spaRanges: (offset, len) => dmSpaRanges(md, offset, len),
  };
}

/** system physical ranges behind [offset, offset+len) of the dm device, split where the table splits it (no trace) */
export function dmSpaRanges(md: MappedDevice, offset: number, len: number): [number, number][] {
  const out: [number, number][] = [];
  let cur = offset;
  const end = Math.min(offset + len, md.sectors * SECTOR_SIZE);
  while (cur < end) {
    const sector = Math.floor(cur / SECTOR_SIZE);
    const at = dmMapSector(md, sector);
    if (!at) break;
    const n = Math.min(end - cur, maxIoLen(at.ti, sector) * SECTOR_SIZE - (cur % SECTOR_SIZE));
    for (const r of at.dev.bdev.spaRanges(at.sector * SECTOR_SIZE + (cur % SECTOR_SIZE), n)) {
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === r[0]) last[1] += r[1];
      else out.push([r[0], r[1]]);
    }
    cur += n;
  }
  return out;
}

/**
 * The dm sector that maps a sector of an underlying device, or undefined
 * when no line maps it (no trace: addresses shown to the user).
 */
export function dmUnmapSector(md: MappedDevice, devName: string, devSector: number): number | undefined {
  return dmUnmapRanges(md, devName, [[devSector, devSector + 1]])[0]?.[0];
}

/** [start, end) sector ranges of an underlying device, as the dm sector ranges that map them (no trace) */
export function dmUnmapRanges(md: MappedDevice, devName: string, ranges: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const ti of md.targets) {
    const pieces: { devStart: number; devEnd: number; toDm: (s: number) => number; step: number }[] =
      ti.type === 'linear'
        ? ti.dev.name === devName
          ? [{ devStart: ti.start, devEnd: ti.start + ti.len, toDm: (s) => s - ti.start + ti.begin, step: ti.len }]
          : []
        : ti.stripes.flatMap((st, i) => (st.dev.name === devName ? [{ devStart: st.physicalStart, devEnd: st.physicalStart + ti.len / ti.stripes.length, toDm: (s: number) => stripeUnmapSector(ti, i, s - st.physicalStart), step: ti.chunk }] : []));
    for (const p of pieces) {
      for (const [a, b] of ranges) {
        let s = Math.max(a, p.devStart);
        const e = Math.min(b, p.devEnd);
        // contiguous on the device is contiguous in dm only within a chunk
        while (s < e) {
          const n = Math.min(e - s, p.step - ((s - p.devStart) % p.step));
          const d = p.toDm(s);
          out.push([d, d + n]);
          s += n;
        }
      }
    }
  }
  return out.sort((x, y) => x[0] - y[0]);
}
