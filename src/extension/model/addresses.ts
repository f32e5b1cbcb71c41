// An address in every unit the stack knows: system physical address, pfn,
// region and namespace offset, pmem device byte offset and sector, dax pgoff,
// XFS daddr / fsb / AG block, and who owns that block. Used by the hovers,
// the tree tooltips and the owners view. Pure.

import { mdCode, mdText } from './markdown';
import type { Machine } from '../../sim/machine';
import type { Namespace } from '../../sim/nvdimm/namespace';
import type { NdRegion } from '../../sim/platform/acpi-nfit';
import type { SuperBlock } from '../../sim/fs/vfs';
import { hex, PAGE_SIZE, SECTOR_SIZE, formatSize } from '../../sim/units';
import { daddrToAgb, fsmap, xfsModelOf, type FsmapRecord } from './xfsView';
import { dmUnmapSector } from '../../sim/md/dm';

/** Where an SPA sits in the stack. */
export interface SpaPlace {
  spa: number;
  pfn: number;
  region?: NdRegion;
  namespace?: Namespace;
  /** byte offset from the namespace's first byte */
  nsOffset?: number;
  /** the address lies in the namespace's info block / memmap area (before the data start) */
  inReserve?: boolean;
  /** byte offset on the block device (from the data start), sector and dax pgoff */
  devOffset?: number;
  sector?: number;
  pgoff?: number;
  sb?: SuperBlock;
  /** the device-mapper devices the filesystem's device is stacked through, bottom up, with the sector on each */
  dm?: { name: string; sector: number }[];
  /** byte offset on the filesystem's own device (differs from devOffset under dm) */
  fsOffset?: number;
  daddr?: number;
  fsb?: number;
  agno?: number;
  agbno?: number;
}

export function placeSpa(m: Machine, spa: number): SpaPlace {
  const p: SpaPlace = { spa, pfn: Math.floor(spa / PAGE_SIZE) };
  const region = m.k.platform.regionOf(spa);
  if (!region) return p;
  p.region = region;
  const ns = m.namespaces.find((n) => n.region === region && n.contains(spa));
  if (!ns) return p;
  p.namespace = ns;
  p.nsOffset = spa - ns.start;
  if (spa < ns.dataStart) {
    p.inReserve = true;
    return p;
  }
  p.devOffset = spa - ns.dataStart;
  p.sector = Math.floor(p.devOffset / SECTOR_SIZE);
  p.pgoff = Math.floor(p.devOffset / PAGE_SIZE);
  if (ns.devdax) return p;
  const pmem = ns.pmem;
  if (!pmem) return p;
  // up through any dm tables to the device a filesystem sits on
  let name = pmem.name;
  let byte = p.devOffset;
  const chain: { name: string; sector: number }[] = [];
  let sb = m.k.superblocks.find((s) => s.bdev.name === name);
  while (!sb) {
    const md = m.dmHolding(name);
    const up = md && dmUnmapSector(md, name, Math.floor(byte / SECTOR_SIZE));
    if (!md || up === undefined) break;
    byte = up * SECTOR_SIZE + (byte % SECTOR_SIZE);
    name = md.name;
    chain.push({ name, sector: up });
    sb = m.k.superblocks.find((s) => s.bdev.name === name);
  }
  if (chain.length) p.dm = chain;
  if (!sb) return p;
  p.sb = sb;
  p.fsOffset = byte;
  p.daddr = Math.floor(byte / SECTOR_SIZE);
  const x = xfsModelOf(sb);
  if (x) {
    try {
      const a = daddrToAgb(x, p.daddr);
      p.fsb = a.fsb;
      p.agno = a.agno;
      p.agbno = a.agbno;
    } catch {
      /* beyond the filesystem */
    }
  }
  return p;
}

/** the fsmap records that own the SPA's block (several when it is shared) */
export function ownersAt(m: Machine, p: SpaPlace, len = 1): FsmapRecord[] {
  if (!p.sb || p.daddr === undefined || p.fsOffset === undefined) return [];
  const bblen = Math.max(1, Math.ceil((p.fsOffset + len) / SECTOR_SIZE) - p.daddr);
  try {
    return fsmap(p.sb, p.daddr, bblen)?.records ?? [];
  } catch {
    return [];
  }
}

/** A short owner description: "inode 131 /mnt/pmem/testfile @ 0x1000", "static fs metadata". */
export function ownerSummary(r: FsmapRecord, spaDaddr?: number): string {
  if (r.metadata) return `${r.ownerText} (AG ${r.agno})`;
  let off = r.fileOffset;
  if (off !== undefined && spaDaddr !== undefined) off += (spaDaddr - r.daddr) * SECTOR_SIZE;
  return `${r.path ?? r.ownerText}${r.path ? ` (inode ${r.owner})` : ''}${off !== undefined ? ` @ file offset ${hex(off)}` : ''}${r.shared ? ', reflinked' : ''}`;
}

export interface UnitRow {
  unit: string;
  value: string;
}

/** Every unit of an SPA (and its owners), as rows. */
export function unitRows(m: Machine, spa: number, len = 1): UnitRow[] {
  const p = placeSpa(m, spa);
  const rows: UnitRow[] = [
    { unit: 'SPA', value: len > 1 ? `${hex(spa)} – ${hex(spa + len - 1)} (${formatSize(len)})` : hex(spa) },
    { unit: 'pfn', value: len > PAGE_SIZE ? `${hex(p.pfn)} – ${hex(Math.floor((spa + len - 1) / PAGE_SIZE))}` : hex(p.pfn) },
  ];
  if (!p.region) {
    rows.push({ unit: 'region', value: 'none: no region owns this address' });
    return rows;
  }
  rows.push({ unit: 'region', value: `${p.region.id} + ${hex(spa - p.region.ndrStart)} (sector ${Math.floor((spa - p.region.ndrStart) / SECTOR_SIZE)} of the region's badblocks)` });
  if (!p.namespace) {
    rows.push({ unit: 'namespace', value: 'none: not in any namespace' });
    return rows;
  }
  rows.push({ unit: 'namespace', value: `${p.namespace.id} + ${hex(p.nsOffset!)}${p.namespace.bound ? '' : ' (unbound)'}` });
  if (p.inReserve) {
    rows.push({ unit: 'device', value: `before the data start (${hex(p.namespace.dataStart)}): the info block and the memmap (struct pages) of ${p.namespace.spec.device}` });
    return rows;
  }
  const dev = p.namespace.spec.device;
  if (p.namespace.devdax) {
    rows.push({ unit: 'device', value: `/dev/${dev} offset ${hex(p.devOffset!)} (device-dax)` });
    rows.push({ unit: 'dax pgoff', value: `${hex(p.pgoff!)} (page offset on the dax device)` });
    rows.push({ unit: 'owner', value: `the device inode /dev/${dev} (page->mapping), index ${hex(p.pgoff!)}` });
    const hwd = m.k.hwpoison.has(p.pfn);
    if (hwd) rows.push({ unit: 'state', value: 'PageHWPoison set' });
    return rows;
  }
  rows.push({ unit: 'device', value: `${dev} byte ${hex(p.devOffset!)}` });
  rows.push({ unit: 'sector', value: `${dev} sector ${p.sector}${p.devOffset! % SECTOR_SIZE ? ` + ${p.devOffset! % SECTOR_SIZE}` : ''}` });
  rows.push({ unit: 'dax pgoff', value: `${hex(p.pgoff!)} (page offset on the dax device)` });
  for (const d of p.dm ?? []) rows.push({ unit: 'dm sector', value: `${d.name} sector ${d.sector} (through its table)` });
  if (p.sb) {
    rows.push({ unit: 'daddr', value: `${p.daddr} (${p.sb.mount})` });
    if (p.agno !== undefined) rows.push({ unit: 'fsb', value: `${p.fsb} = AG ${p.agno} block ${p.agbno}` });
    const owners = ownersAt(m, p, len);
    if (owners.length) for (const o of owners) rows.push({ unit: 'owner', value: ownerSummary(o, p.daddr) });
    else if (xfsModelOf(p.sb)) rows.push({ unit: 'owner', value: 'free space' });
  } else {
    rows.push({ unit: 'owner', value: `no filesystem on ${p.dm?.length ? p.dm[p.dm.length - 1]!.name : dev}` });
  }
  const hw = m.k.hwpoison.has(p.pfn);
  const bad = m.k.platform.media.overlaps(spa, spa + Math.max(1, len));
  if (hw || bad) rows.push({ unit: 'state', value: [hw ? 'PageHWPoison set' : '', bad ? 'media is bad here' : ''].filter(Boolean).join(', ') });
  return rows;
}

/** Markdown table of unitRows. */
export function unitsMarkdown(rows: UnitRow[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return ['| unit | value |', '|---|---|', ...rows.map((r) => `| ${esc(mdText(r.unit))} | ${mdCode(esc(r.value))} |`)].join('\n');
}

/** Plain text, one row per line. */
export function unitsText(rows: UnitRow[]): string {
  const w = Math.max(...rows.map((r) => r.unit.length));
  return rows.map((r) => `${r.unit.padEnd(w)}  ${r.value}`).join('\n');
}
