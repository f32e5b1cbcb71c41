// The Devices tree as data: regions → namespaces → pmem/dax devices →
// device-mapper → filesystem → files, with what is bad marked at every level: latent media
// errors (the platform knows, the kernel does not yet), the bus badrange
// list, region and device badblocks, PageHWPoison pages, and files whose
// blocks are poisoned. Each node carries the codicon, theme colour, tooltip
// (addresses in every unit) and the context value the menus key on. Pure.

import { mdText } from './markdown';
import type { Machine } from '../../sim/machine';
import type { Namespace } from '../../sim/nvdimm/namespace';
import type { NdRegion } from '../../sim/platform/acpi-nfit';
import type { SuperBlock } from '../../sim/fs/vfs';
import type { Inode } from '../../sim/mm/types';
import { hex, PAGE_SIZE, SECTOR_SIZE } from '../../sim/units';
import { bytesText as formatSize, sectorsText } from './feedback';
import { unitRows, unitsMarkdown } from './addresses';
import { fsmap, xfsModelOf, type FsmapRecord } from './xfsView';
import { dmUnmapRanges, type MappedDevice } from '../../sim/md/dm';
import type { CxlMemdev } from '../../sim/cxl/cxl';

export type NodeKind =
  | 'region'
  | 'namespace'
  | 'pmem'
  | 'dax'
  | 'dm'
  | 'cxl'
  | 'fs'
  | 'file'
  | 'group'
  | 'badblock'
  | 'badrange'
  | 'media'
  | 'hwpoison'
  | 'info';

/** A device range a node stands for: what "inject here" and "reveal owners" act on. */
export interface NodeTarget {
  spa: number;
  len: number;
  title: string;
}

export interface DeviceNode {
  /** stable across rebuilds, so expansion and selection survive a step */
  id: string;
  kind: NodeKind;
  label: string;
  description?: string;
  /** markdown */
  tooltip: string;
  /** codicon id */
  icon: string;
  /** theme colour id */
  color?: string;
  /** what the context menus key on: daxRegion, daxNamespace, daxNamespaceUnbound, daxPmem, daxFs, daxFile, daxBad, ... */
  contextValue: string;
  expanded?: boolean;
  children: DeviceNode[];
  target?: NodeTarget;
  /** the object a command acts on */
  ref?: { region?: string; namespace?: string; device?: string; mount?: string; file?: string };
}

export const COLOR = {
  error: 'list.errorForeground',
  warning: 'list.warningForeground',
  disabled: 'disabledForeground',
  shared: 'charts.blue',
  ok: 'testing.iconPassed',
} as const;

/** the pages of [spa, spa+len) with PageHWPoison, as pfn ranges */
function hwpoisonIn(m: Machine, spa: number, len: number): [number, number][] {
  return m.k.hwpoison.query(Math.floor(spa / PAGE_SIZE), Math.ceil((spa + len) / PAGE_SIZE));
}

function rangeTooltip(m: Machine, title: string, spa: number, len: number, extra: string[] = []): string {
  return [`**${mdText(title)}**`, ...extra, '', unitsMarkdown(unitRows(m, spa, len))].join('\n\n');
}

/** Build the whole tree. */
export function buildDevicesTree(m: Machine, unbound?: ReadonlyMap<string, string>): DeviceNode[] {
  const cxl = m.k.cxl?.memdevs.length ? [cxlNode(m)] : [];
  return [...cxl, ...m.k.platform.regions.map((r) => regionNode(m, r, unbound)), ...m.dms.map((md) => dmNode(m, md))];
}

/** CXL type-3 memory devices: DPA partitions, endpoint decoders, and the device poison list (cxl list --media-errors) */
function cxlNode(m: Machine): DeviceNode {
  const st = m.k.cxl!;
  const total = st.memdevs.reduce((a, d) => a + d.poison.length, 0);
  return {
    id: 'cxl',
    kind: 'cxl',
    label: 'CXL memory devices',
    description: `${st.memdevs.length} memdev${st.memdevs.length === 1 ? '' : 's'} · ${st.regions.length} region${st.regions.length === 1 ? '' : 's'}${total ? ` · ${total} poison record${total === 1 ? '' : 's'}` : ''}`,
    tooltip: '**CXL** (docs/cxl.md): memdevs with device physical addresses (ram then pmem), endpoint decoders mapping DPA ranges into interleaved regions; the device keeps its own poison list, which cxl_poison trace records report with DPA and HPA. Consumed poison reaches memory_failure through the machine check like any memory; a pmem region is an nd_region with no ARS and no badblocks.',
    icon: 'server',
    color: total ? COLOR.warning : undefined,
    contextValue: 'daxCxl',
    expanded: true,
    children: st.memdevs.map((md) => cxlMemdevNode(m, md)),
  };
}

function cxlMemdevNode(m: Machine, md: CxlMemdev): DeviceNode {
  const decoders = md.decoders.map((d) => {
    const r = d.region;
    const hpa = r ? r.hpaOf(d, d.dpaStart) : undefined;
    const label = `${d.id} DPA [${hex(d.dpaStart)}, ${hex(d.dpaEnd)})`;
    const description = `${d.spec.mode}${d.spec.skip ? ` · skip ${formatSize(d.spec.skip)}` : ''}${r ? ` · ${r.id} position ${d.position} of ${r.spec.ways}` : ' · no region'}`;
    return hpa === undefined
      ? { id: `cxl/${md.id}/${d.id}`, kind: 'info' as const, label, description, tooltip: `${label}: ${description}`, icon: 'symbol-ruler', contextValue: 'daxInfo', children: [] }
      : leaf(m, `cxl/${md.id}/${d.id}`, 'info', label, description, 'symbol-ruler', undefined, 'daxInfo', hpa, Math.min(PAGE_SIZE, d.spec.size), `${d.id}: first DPA at HPA ${hex(hpa)}`);
  });
  const poison = md.poison.map((p) => {
    const d = md.decoderAt(p.dpa);
    const r = d?.region ?? null;
    const hpa = r && d ? r.hpaOf(d, p.dpa) : undefined;
    const label = `DPA ${hex(p.dpa)} +${formatSize(p.length)}`;
    const description = `${p.source}${r && hpa !== undefined ? ` · ${r.id} HPA ${hex(hpa)}` : ' · in no region (no HPA)'}`;
    return hpa === undefined
      ? { id: `cxl/${md.id}/poison/${p.dpa}`, kind: 'badblock' as const, label, description, tooltip: `${md.id} ${label}: ${description}`, icon: 'warning', color: COLOR.error, contextValue: 'daxInfo', children: [] }
      : leaf(m, `cxl/${md.id}/poison/${p.dpa}`, 'badblock', label, description, 'warning', COLOR.error, 'daxBad', hpa, p.length, `${md.id} poison at DPA ${hex(p.dpa)}`);
  });
  const children: DeviceNode[] = [];
  if (decoders.length) children.push(group(`cxl/${md.id}/decoders`, 'endpoint decoders', `${decoders.length}`, 'list-ordered', undefined, 'decoderX.Y: the DPA ranges the device decodes, and the region position each serves', decoders));
  if (poison.length) children.push(group(`cxl/${md.id}/poison`, 'poison list', `${poison.length} record${poison.length === 1 ? '' : 's'}`, 'warning', COLOR.error, `what cxl list -m ${md.id} --media-errors shows (Get Poison List), DPA order`, poison));
  return {
    id: `cxl/${md.id}`,
    kind: 'cxl',
    label: md.id,
    description: `${md.spec.host} · ram ${formatSize(md.spec.ram)} · pmem ${formatSize(md.spec.pmem)}${md.poison.length ? ` · ${md.poison.length} poisoned` : ''}`,
    tooltip: `**${md.id}** (${md.spec.host}, endpoint port ${md.spec.port}): DPA [0, ${hex(md.dpaSize)}) — ram [0, ${hex(md.spec.ram)}), pmem [${hex(md.spec.ram)}, ${hex(md.dpaSize)})`,
    icon: 'chip',
    color: md.poison.length ? COLOR.error : undefined,
    contextValue: 'daxCxlMemdev',
    expanded: true,
    children,
  };
}

/** a device-mapper device: its table, its own dax device (and holder), the filesystem on it */
function dmNode(m: Machine, md: MappedDevice): DeviceNode {
  const sb = m.k.superblocks.find((s) => s.bdev.name === md.name);
  const bdev = m.bdev(md.name)!;
  const lines = md.targets.map((t, i) => {
    const text = t.type === 'linear' ? `${t.begin} ${t.len} linear ${t.dev.name} ${t.start}` : `${t.begin} ${t.len} striped ${t.stripes.length} ${t.chunk} ${t.stripes.map((x) => `${x.dev.name} ${x.physicalStart}`).join(' ')}`;
    const spa = bdev.spaRanges(t.begin * SECTOR_SIZE, 1)[0]?.[0];
    const dead = (t.type === 'linear' ? [t.dev] : t.stripes.map((x) => x.dev)).filter((d) => !d.bdev.alive());
    const node = spa === undefined
      ? { id: `dm:${md.name}/table/${i}`, kind: 'info' as const, label: text, tooltip: text, icon: 'symbol-ruler', contextValue: 'daxInfo', children: [] }
      : leaf(m, `dm:${md.name}/table/${i}`, 'info', text, dead.length ? `${dead.map((d) => d.name).join(', ')} gone` : undefined, 'symbol-ruler', dead.length ? COLOR.disabled : undefined, 'daxInfo', spa, PAGE_SIZE, `${md.name} line ${i}: dm sector ${t.begin}`);
    return node;
  });
  const dax = md.dax;
  const holder = dax.holderOps ? `${dax.holderOps.name}${sb && dax.holderData === sb ? ` (${sb.mount})` : ''}` : 'none';
  const children: DeviceNode[] = [
    group(`dm:${md.name}/table`, 'table', `${md.targets.length} line${md.targets.length === 1 ? '' : 's'}`, 'list-ordered', undefined, `dmsetup table ${md.name} (512-byte sectors)`, lines),
  ];
  const daxChild: DeviceNode = {
    id: `dm:${md.name}/dax`,
    kind: 'dax',
    label: `dax ${md.name}`,
    description: md.daxCapable ? `holder ${holder}` : 'no DAX (a device below has none)',
    tooltip: [
      `**dax device ${md.name}**: device-mapper's own struct dax_device (dm_dax_ops)`,
      md.daxCapable ? `holder: ${mdText(holder)} — no producer ever calls dax_holder_notify_failure on it: poison below dm reaches the pmem dax devices, which dm opened with a NULL holder` : 'dm_table_supports_dax is false: not every device in the table has a dax device, so a filesystem on it gets no DAX',
    ].join('\n\n'),
    icon: 'chip',
    color: md.daxCapable ? undefined : COLOR.disabled,
    contextValue: 'daxDax',
    expanded: true,
    children: sb ? [fsNode(m, sb)] : [],
    ref: { device: md.name },
  };
  children.push(daxChild);
  const bad = poisonedDaddrsOf(m, md.name);
  const first = bdev.spaRanges(0, 1)[0]?.[0];
  return {
    id: `dm:${md.name}`,
    kind: 'dm',
    label: `/dev/${md.name}`,
    description: `device-mapper · ${sectorsText(md.sectors)}${bad.length ? ` · ${bad.length} poisoned range${bad.length === 1 ? '' : 's'}` : ''}`,
    tooltip: rangeTooltip(m, `/dev/${md.name}: device-mapper over ${md.devices().map((d) => d.name).join(', ')}`, first ?? 0, PAGE_SIZE, [
      `${formatSize(md.sectors * SECTOR_SIZE)}; open_table_device claimed each device with no holder`,
      'Units below are for its first page.',
    ]),
    icon: 'layers',
    color: bad.length ? COLOR.error : undefined,
    contextValue: 'daxDm',
    expanded: true,
    children,
    target: first !== undefined ? { spa: first, len: PAGE_SIZE, title: `/dev/${md.name}` } : undefined,
    ref: { device: md.name },
  };
}

function regionNode(m: Machine, r: NdRegion, unbound?: ReadonlyMap<string, string>): DeviceNode {
  const start = r.ndrStart;
  const end = start + r.ndrSize;
  const media = m.k.platform.media.query(start, end);
  const badrange = m.k.platform.badrange.query(start, end);
  const bb = r.bb.show();
  const children: DeviceNode[] = r.namespaces.map((ns) => namespaceNode(m, ns, unbound?.get(ns.id)));
  if (media.length)
    children.push(
      group(`${r.id}/media`, 'media errors', `${media.length} range${media.length === 1 ? '' : 's'} · ${formatSize(sum(media))}`, 'circle-large-outline', COLOR.warning,
        'What the media really holds bad (the platform knows; the kernel learns it only from a scrub, a consumed poison or an injection with notify)',
        media.map(([s, e]) => leaf(m, `${r.id}/media/${s}`, 'media', `${hex(s)} +${formatSize(e - s)}`, knownLabel(m, s, e), 'circle-large-outline', COLOR.warning, 'daxBad', s, e - s, `latent media error in ${r.id}`))),
    );
  if (badrange.length)
    children.push(
      group(`${r.id}/badrange`, 'bus badrange', `${badrange.length} range${badrange.length === 1 ? '' : 's'} · ${formatSize(sum(badrange))}`, 'list-unordered', COLOR.warning,
        'struct nvdimm_bus badrange list (SPA), filled by ARS and nfit_handle_mce',
        badrange.map(([s, e]) => leaf(m, `${r.id}/badrange/${s}`, 'badrange', `${hex(s)} +${formatSize(e - s)}`, undefined, 'warning', COLOR.warning, 'daxBad', s, e - s, `badrange entry in ${r.id}`))),
    );
  if (bb.length)
    children.push(
      group(`${r.id}/bb`, 'region badblocks', `${bb.length} range${bb.length === 1 ? '' : 's'} · ${sectorsText(bb.reduce((a, [, c]) => a + c, 0))}`, 'warning', COLOR.error,
        `/sys/bus/nd/devices/${r.id}/badblocks (512-byte sectors from the region start):\n\n\`\`\`\n${bb.map(([s, c]) => `${s} ${c}`).join('\n')}\n\`\`\``,
        bb.map(([s, c]) => leaf(m, `${r.id}/bb/${s}`, 'badblock', `badblock sector ${s} +${sectorsText(c)}`, `region byte ${hex(s * SECTOR_SIZE)}`, 'warning', COLOR.error, 'daxBad', start + s * SECTOR_SIZE, c * SECTOR_SIZE, `${r.id} badblocks ${s} ${c}`))),
    );
  const poisoned = hwpoisonIn(m, start, r.ndrSize);
  const bad = media.length || bb.length || poisoned.length;
  return {
    id: r.id,
    kind: 'region',
    label: r.id,
    description: `${hex(start)}–${hex(end - 1)} · ${formatSize(r.ndrSize)}${bad ? ` · ${describeBad(media.length, bb.length, sum(poisoned))}` : ''}`,
    tooltip: [
      `**${r.id}**: persistent-memory region`,
      `SPA \`[${hex(start)}, ${hex(end)})\` (${formatSize(r.ndrSize)}), pfns \`${hex(start / PAGE_SIZE)}–${hex(end / PAGE_SIZE - 1)}\``,
      r.cxl ? cxlRegionLine(m, r.cxl) : `ARS ${r.spec.ars ? 'supported' : 'not supported'} · clear unit ${r.spec.clearUnit} B · error granularity ${r.spec.errorGranularity} B`,
    ].join('\n\n'),
    icon: 'circuit-board',
    color: bad ? COLOR.warning : undefined,
    contextValue: 'daxRegion',
    expanded: true,
    children,
    target: { spa: start, len: r.ndrSize, title: r.id },
    ref: { region: r.id },
  };
}

/** a CXL region's interleave, for the region tooltip */
function cxlRegionLine(m: Machine, id: string): string {
  const r = m.k.cxl?.region(id);
  if (!r) return `CXL region ${id}`;
  return `CXL ${r.spec.mode} region: x${r.spec.ways} interleave, granularity ${formatSize(r.spec.granularity)}, targets ${r.targets.map((d) => `${d.memdev.id} (${d.id})`).join(', ')}; no ARS, no badblocks`;
}

function describeBad(media: number, bb: number, pages: number): string {
  const parts: string[] = [];
  if (media) parts.push(`${media} media error${media === 1 ? '' : 's'}`);
  if (bb) parts.push(`${bb} badblock range${bb === 1 ? '' : 's'}`);
  if (pages) parts.push(`${pages} poisoned page${pages === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** whether the kernel knows about a media error yet */
function knownLabel(m: Machine, s: number, e: number): string {
  // in a CXL region the device keeps the poison list; there is no badrange to learn it from
  if (m.k.cxl?.regionAt(s)) return 'on the device poison list (no ARS, no badblocks for CXL)';
  const known = m.k.platform.badrange.overlaps(s, e);
  return known ? 'known (badrange)' : 'latent: not yet known to the kernel';
}

function namespaceNode(m: Machine, ns: Namespace, unboundBy?: string): DeviceNode {
  const children: DeviceNode[] = [];
  const pmem = ns.pmem;
  if (pmem) children.push(pmemNode(m, ns));
  if (ns.devdax) children.push(devDaxNode(m, ns));
  const poisoned = hwpoisonIn(m, ns.start, ns.spec.size);
  if (poisoned.length)
    children.push(
      group(`${ns.id}/hwpoison`, 'poisoned pages', `${sum(poisoned)} page${sum(poisoned) === 1 ? '' : 's'} with PageHWPoison`, 'bug', COLOR.error,
        'pfns whose struct page has PG_hwpoison set (memory_failure ran on them)',
        hwpoisonLeaves(m, ns.id, poisoned)),
    );
  const unbound = !ns.bound;
  return {
    id: `${ns.region.id}/${ns.id}`,
    kind: 'namespace',
    label: ns.id,
    description: `${ns.spec.mode} · ${formatSize(ns.spec.size)}${unbound ? ` · unbound${unboundBy ? ` by ${unboundBy}` : ''}` : ''}`,
    tooltip: [
      `**${ns.id}** (${ns.spec.mode}) on ${ns.region.id}${unbound ? ` — **unbound** from its driver${unboundBy ? ` by ${unboundBy}` : ''}: not offered as a target any more` : ''}`,
      `SPA \`[${hex(ns.start)}, ${hex(ns.end)})\`, data start \`${hex(ns.dataStart)}\` (dataOffset ${formatSize(ns.spec.dataOffset)}: info block + memmap), align ${formatSize(ns.spec.align)}`,
    ].join('\n\n'),
    icon: unbound ? 'debug-disconnect' : 'symbol-namespace',
    color: unbound ? COLOR.disabled : poisoned.length ? COLOR.error : undefined,
    contextValue: unbound ? 'daxNamespaceUnbound' : 'daxNamespace',
    expanded: true,
    children,
    target: { spa: ns.dataStart, len: ns.end - ns.dataStart, title: ns.id },
    ref: { region: ns.region.id, namespace: ns.id, device: ns.spec.device },
  };
}

function pmemNode(m: Machine, ns: Namespace): DeviceNode {
  const pmem = ns.pmem!;
  const bb = pmem.bb.show();
  const sb = m.k.superblocks.find((s) => s.bdev.name === pmem.name);
  const children: DeviceNode[] = [];
  if (bb.length)
    children.push(
      group(`${pmem.name}/bb`, 'badblocks', `${bb.length} range${bb.length === 1 ? '' : 's'} · ${sectorsText(bb.reduce((a, [, c]) => a + c, 0))}`, 'warning', COLOR.error,
        `/sys/block/${pmem.name}/badblocks (512-byte sectors from the data start):\n\n\`\`\`\n${bb.map(([s, c]) => `${s} ${c}`).join('\n')}\n\`\`\``,
        bb.map(([s, c]) => leaf(m, `${pmem.name}/bb/${s}`, 'badblock', `badblock sector ${s} +${sectorsText(c)}`, `data byte ${hex(s * SECTOR_SIZE)}`, 'warning', COLOR.error, 'daxBad', pmem.dataStart + s * SECTOR_SIZE, c * SECTOR_SIZE, `${pmem.name} badblocks ${s} ${c}`))),
    );
  if (pmem.hasPages) children.push(daxNode(m, ns, sb));
  else if (sb) children.push(fsNode(m, sb));
  const dead = !pmem.diskAlive;
  const heldBy = m.dmHolding(pmem.name);
  return {
    id: `${ns.id}/${pmem.name}`,
    kind: 'pmem',
    label: `/dev/${pmem.name}`,
    description: `${pmem.dataSize / SECTOR_SIZE} sectors (${formatSize(pmem.dataSize)})${bb.length ? ` · ${bb.length} badblock range${bb.length === 1 ? '' : 's'}` : ''}${heldBy ? ` · held by ${heldBy.name}` : ''}${dead ? ' · gone' : ''}`,
    tooltip: rangeTooltip(m, `/dev/${pmem.name}: pmem block device`, pmem.dataStart, PAGE_SIZE, [
      `data area \`[${hex(pmem.dataStart)}, ${hex(pmem.dataStart + pmem.dataSize)})\` (${formatSize(pmem.dataSize)}), ${pmem.hasPages ? 'struct pages in ZONE_DEVICE (fsdax)' : 'no struct pages (raw)'}`,
      'Units below are for its first page.',
    ]),
    icon: 'database',
    color: dead ? COLOR.disabled : bb.length ? COLOR.error : undefined,
    contextValue: dead ? 'daxPmemGone' : 'daxPmem',
    expanded: true,
    children,
    target: { spa: pmem.dataStart, len: pmem.dataSize, title: `/dev/${pmem.name}` },
    ref: { region: ns.region.id, namespace: ns.id, device: pmem.name },
  };
}

/** device-dax: /dev/daxX.Y, mapped directly; poison takes the generic page->mapping path */
function devDaxNode(m: Machine, ns: Namespace): DeviceNode {
  const dd = ns.devdax!;
  const mappers = dd.inode.mapping.i_mmap.all();
  return {
    id: `${ns.id}/${dd.name}`,
    kind: 'dax',
    label: `/dev/${dd.name}`,
    description: `device-dax · align ${formatSize(dd.align)} · ${dd.dax.alive ? 'alive' : 'dead (kill_dev_dax)'}${mappers.length ? ` · ${mappers.length} mapping${mappers.length === 1 ? '' : 's'}` : ''}`,
    tooltip: rangeTooltip(m, `/dev/${dd.name}: device-dax`, dd.dataStart, PAGE_SIZE, [
      `data \`[${hex(dd.dataStart)}, ${hex(dd.dataStart + dd.size)})\` (${formatSize(dd.size)}), pages are ${formatSize(dd.align)} compound pages in a MEMORY_DEVICE_GENERIC pagemap with no memory_failure op: poison takes mf_generic_kill_procs on the device inode`,
      mappers.length ? `mapped by ${mappers.map((v) => `${mdText(v.mm.owner.comm)}:${v.mm.owner.pid} ${v.id}`).join(', ')}` : 'not mapped',
      'Units below are for its first page.',
    ]),
    icon: 'chip',
    color: dd.dax.alive ? undefined : COLOR.disabled,
    contextValue: 'daxDevDax',
    expanded: true,
    children: [],
    target: { spa: dd.dataStart, len: dd.size, title: `/dev/${dd.name}` },
    ref: { region: ns.region.id, namespace: ns.id, device: dd.name },
  };
}

function daxNode(m: Machine, ns: Namespace, sb: SuperBlock | undefined): DeviceNode {
  const pmem = ns.pmem!;
  const dax = pmem.dax;
  const holder = dax.holderOps ? `${dax.holderOps.name}${sb && dax.holderData === sb ? ` (${sb.mount})` : ''}` : 'none';
  return {
    id: `${ns.id}/${pmem.name}/dax`,
    kind: 'dax',
    label: `dax ${dax.name}`,
    description: `${dax.alive ? 'alive' : 'dead (kill_dax)'} · holder ${holder}`,
    tooltip: [
      `**dax device ${dax.name}**: struct dax_device of the pmem disk`,
      `DAXDEV_ALIVE: ${dax.alive ? 'set' : 'cleared'}`,
      `holder: ${mdText(holder)}${dax.holderOps ? ' — its notify_failure is what dax_holder_notify_failure calls' : ' — dax_holder_notify_failure returns -EOPNOTSUPP, memory_failure falls back'}`,
      `dev_pagemap: pfns \`${hex(pmem.pgmap!.startPfn)}–${hex(pmem.pgmap!.endPfn - 1)}\`, first usable \`${hex(pmem.pgmap!.firstValidPfn)}\`${pmem.pgmap!.live ? '' : ' (memunmap_pages done)'}`,
    ].join('\n\n'),
    icon: 'chip',
    color: dax.alive ? undefined : COLOR.disabled,
    contextValue: 'daxDax',
    expanded: true,
    children: sb ? [fsNode(m, sb)] : [],
    target: { spa: pmem.dataStart, len: pmem.dataSize, title: `dax ${dax.name}` },
    ref: { region: ns.region.id, namespace: ns.id, device: pmem.name },
  };
}

/** A poisoned sector range of a block device: a badblocks entry, or the sectors of PageHWPoison pages. */
interface PoisonedRange {
  kind: 'badblock' | 'hwpoison';
  /** [start, end) in 512-byte sectors of the device */
  s: number;
  e: number;
}

/** the poisoned device ranges of a superblock's device, as daddr ranges: badblocks and PageHWPoison pages */
function poisonedDaddrs(m: Machine, sb: SuperBlock): PoisonedRange[] {
  return poisonedDaddrsOf(m, sb.bdev.name);
}

/** a block device's poisoned sector ranges, each with what marks it; through a dm table, those of the devices below, mapped back */
function poisonedDaddrsOf(m: Machine, name: string): PoisonedRange[] {
  const md = m.dm(name);
  if (md)
    return md.devices().flatMap((d) => {
      const below = poisonedDaddrsOf(m, d.name);
      return (['badblock', 'hwpoison'] as const).flatMap((kind) =>
        dmUnmapRanges(md, d.name, below.filter((r) => r.kind === kind).map((r) => [r.s, r.e] as [number, number])).map(([s, e]) => ({ kind, s, e })),
      );
    });
  const pmem = m.pmem(name);
  if (!pmem) return [];
  const out: PoisonedRange[] = pmem.bb.ranges().map(([s, e]) => ({ kind: 'badblock', s, e }));
  for (const [s, e] of hwpoisonIn(m, pmem.dataStart, pmem.dataSize)) {
    const a = Math.max(0, Math.floor((s * PAGE_SIZE - pmem.dataStart) / SECTOR_SIZE));
    const b = Math.ceil((e * PAGE_SIZE - pmem.dataStart) / SECTOR_SIZE);
    out.push({ kind: 'hwpoison', s: a, e: b });
  }
  return out;
}

function fsNode(m: Machine, sb: SuperBlock): DeviceNode {
  const shut = sb.shutdownState();
  const xfs = xfsModelOf(sb) !== undefined;
  let all: FsmapRecord[] = [];
  try {
    all = fsmap(sb)?.records ?? (xfs ? [] : bmapRecords(m, sb));
  } catch {
    all = [];
  }
  // which owners are hit by a poisoned range
  const hit = new Map<number, PoisonedRange[]>(); // owner -> poisoned daddr ranges that touch it
  for (const p of poisonedDaddrs(m, sb)) {
    for (const r of all) {
      const s = Math.max(p.s, r.daddr);
      const e = Math.min(p.e, r.daddr + r.bblen);
      if (s < e) {
        if (!hit.has(r.owner)) hit.set(r.owner, []);
        hit.get(r.owner)!.push(p);
      }
    }
  }
  const metaHit = all.filter((r) => r.metadata && hit.has(r.owner));
  const files = [...sb.files.values()].sort((a, b) => a.path.localeCompare(b.path)).map((inode) => fileNode(m, sb, inode, all.filter((r) => r.owner === inode.ino && !r.metadata), hit.get(inode.ino) ?? []));
  const children = [...files];
  if (metaHit.length)
    children.unshift(
      group(`${sb.mount}/meta`, 'poisoned metadata', [...new Set(metaHit.map((r) => r.ownerText))].join(', '), 'error', COLOR.error,
        'Metadata blocks under a badblock or a poisoned page: xfs_dax_failure_fn shuts the filesystem down (SHUTDOWN_CORRUPT_ONDISK) when they are reported',
        metaHit.map((r) => {
          const spa = sb.bdev.spaRanges(r.daddr * SECTOR_SIZE, 1)[0]?.[0] ?? 0;
          return leaf(m, `${sb.mount}/meta/${r.owner}/${r.daddr}`, 'info', r.ownerText, `daddr ${r.daddr} +${sectorsText(r.bblen)} · AG ${r.agno}`, 'error', COLOR.error, 'daxBad', spa, r.bblen * SECTOR_SIZE, `${r.ownerText} in ${sb.mount}`);
        })),
    );
  const flags = [sb.spec.type, sb.dax ? 'dax=always' : 'no DAX', sb.spec.rmapbt ? 'rmapbt' : 'no rmapbt', sb.spec.reflink ? 'reflink' : ''].filter(Boolean).join(', ');
  return {
    id: `fs:${sb.mount}`,
    kind: 'fs',
    label: sb.mount,
    description: `${sb.spec.type} on ${sb.bdev.name}${shut ? ` · shut down (${shut})` : ''}${sb.frozen ? ' · frozen' : ''}`,
    tooltip: [
      `**${mdText(sb.mount)}**: ${flags}`,
      shut ? `**shut down**: ${shut} — I/O returns EIO` : 'up',
      xfs ? `${all.length} reverse-map record${all.length === 1 ? '' : 's'}` : `no reverse map (${sb.spec.type}): file blocks found through each file's block map`,
    ].join('\n\n'),
    icon: shut ? 'error' : 'file-submodule',
    color: shut ? COLOR.error : metaHit.length ? COLOR.warning : undefined,
    contextValue: 'daxFs',
    expanded: true,
    children,
    ref: { mount: sb.mount, device: sb.bdev.name },
  };
}

/** Without a reverse map: each file's mapped pages, as records (one per page run), from its block map. */
function bmapRecords(m: Machine, sb: SuperBlock): FsmapRecord[] {
  const out: FsmapRecord[] = [];
  for (const inode of sb.files.values()) {
    const pages = Math.min(1 << 16, Math.ceil(inode.size / PAGE_SIZE));
    let cur: FsmapRecord | undefined;
    for (let i = 0; i < pages; i++) {
      const d = sb.bmapQuiet(inode, i * PAGE_SIZE);
      if (d === undefined) {
        cur = undefined;
        continue;
      }
      const daddr = d / SECTOR_SIZE;
      if (cur && cur.daddr + cur.bblen === daddr) {
        cur.bblen += PAGE_SIZE / SECTOR_SIZE;
        cur.blockcount++;
        continue;
      }
      cur = { agno: 0, agbno: 0, blockcount: 1, daddr, bblen: PAGE_SIZE / SECTOR_SIZE, owner: inode.ino, ownerName: `inode ${inode.ino}`, ownerText: `inode ${inode.ino}`, fileOffset: i * PAGE_SIZE, path: inode.path, inode, attrFork: false, bmbtBlock: false, unwritten: false, metadata: false, shared: false };
      out.push(cur);
    }
  }
  void m;
  return out;
}

function fileNode(m: Machine, sb: SuperBlock, inode: Inode, recs: FsmapRecord[], hitDaddrs: PoisonedRange[]): DeviceNode {
  /** the SPA of a daddr of the filesystem's device, through any dm table */
  const spaOf = (daddr: number): number | undefined => sb.bdev.spaRanges(daddr * SECTOR_SIZE, 1)[0]?.[0];
  const shared = recs.some((r) => r.shared);
  const extents = recs
    .slice()
    .sort((a, b) => (a.fileOffset ?? 0) - (b.fileOffset ?? 0))
    .map((r) => `file \`[${hex(r.fileOffset!)}, ${hex(r.fileOffset! + r.bblen * SECTOR_SIZE)})\` → daddr ${r.daddr} +${sectorsText(r.bblen)}${xfsModelOf(sb) ? ` (AG ${r.agno} block ${r.agbno})` : ''}${r.shared ? ' shared' : ''}${r.unwritten ? ' unwritten' : ''}`);
  const children: DeviceNode[] = [];
  const onPmem = m.pmem(sb.bdev.name) !== undefined;
  const seen = new Set<string>();
  // badblock rows first, then the PageHWPoison rows, each in file order
  for (const p of [...hitDaddrs].sort((x, y) => (x.kind === y.kind ? x.s - y.s : x.kind === 'badblock' ? -1 : 1))) {
    for (const r of recs) {
      const s = Math.max(p.s, r.daddr);
      const e = Math.min(p.e, r.daddr + r.bblen);
      const spa = spaOf(s);
      if (s >= e || spa === undefined) continue;
      const id = `${inode.path}/${p.kind}/${s}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const fileOff = r.fileOffset! + (s - r.daddr) * SECTOR_SIZE;
      const len = (e - s) * SECTOR_SIZE;
      if (p.kind === 'badblock') {
        const label = `badblock ${onPmem ? 'sector' : `daddr`} ${s} +${sectorsText(e - s)}`;
        children.push({
          ...leaf(m, id, 'badblock', label, `file offset ${hex(fileOff)}`, 'warning', COLOR.error, 'daxBad', spa, len, `${inode.path}: badblock at file offset ${hex(fileOff)}`),
          tooltip: rangeTooltip(m, `${inode.path}: badblock`, spa, len, [
            `${sb.bdev.name} ${onPmem ? 'sectors' : 'daddr'} \`[${s}, ${e})\` (${sectorsText(e - s)}) are in the badblocks list: I/O there fails with EIO; a DAX load still reaches the media`,
            `file bytes \`[${hex(fileOff)}, ${hex(fileOff + len)})\``,
          ]),
        });
      } else {
        const pfn = Math.floor(spa / PAGE_SIZE);
        const pages = Math.max(1, Math.ceil(len / PAGE_SIZE));
        const label = `PageHWPoison pfn ${hex(pfn)}${pages > 1 ? ` +${pages} pages` : ''} (${formatSize(len)})`;
        children.push({
          ...leaf(m, id, 'badblock', label, `file offset ${hex(fileOff)}`, 'bug', COLOR.error, 'daxBad', spa, len, `${inode.path}: PageHWPoison at file offset ${hex(fileOff)}`),
          tooltip: rangeTooltip(m, `${inode.path}: PageHWPoison`, spa, len, [
            `the struct page of pfn \`${hex(pfn)}\`${pages > 1 ? ` and ${pages - 1} more` : ''} has PG_hwpoison set: memory_failure() ran on it`,
            `file bytes \`[${hex(fileOff)}, ${hex(fileOff + len)})\` (${formatSize(len)})`,
          ]),
        });
      }
    }
  }
  const first = recs.slice().sort((a, b) => (a.fileOffset ?? 0) - (b.fileOffset ?? 0))[0];
  const mappers = inode.mapping.i_mmap.size;
  return {
    id: `file:${inode.path}`,
    kind: 'file',
    label: inode.path.slice(sb.mount.length).replace(/^\//, '') || inode.path,
    description: `${formatSize(inode.size)} · inode ${inode.ino}${shared ? ' · reflinked' : ''}${mappers ? ` · ${mappers} mapping${mappers === 1 ? '' : 's'}` : ''}${children.length ? ' · poisoned' : ''}`,
    tooltip: [
      `**${mdText(inode.path)}** inode ${inode.ino}, ${formatSize(inode.size)}${inode.mapping.dax ? ', DAX' : ''}`,
      extents.length ? extents.join('\n\n') : 'no blocks (a hole, or the reverse map is not readable)',
      mappers ? `mapped by ${inode.mapping.i_mmap.all().map((v) => `${mdText(v.mm.owner.comm)}:${v.mm.owner.pid} ${v.id}`).join(', ')}` : 'not mapped',
    ].join('\n\n'),
    icon: 'file',
    color: children.length ? COLOR.error : shared ? COLOR.shared : undefined,
    contextValue: 'daxFile',
    expanded: children.length > 0,
    children,
    target: first && spaOf(first.daddr) !== undefined ? { spa: spaOf(first.daddr)!, len: Math.min(inode.size || PAGE_SIZE, first.bblen * SECTOR_SIZE), title: inode.path } : undefined,
    ref: { mount: sb.mount, file: inode.path, device: sb.bdev.name },
  };
}

function group(id: string, label: string, description: string, icon: string, color: string | undefined, tooltip: string, children: DeviceNode[]): DeviceNode {
  return { id, kind: 'group', label, description, tooltip, icon, color, contextValue: 'daxGroup', expanded: true, children };
}

function leaf(m: Machine, id: string, kind: NodeKind, label: string, description: string | undefined, icon: string, color: string | undefined, contextValue: string, spa: number, len: number, title: string): DeviceNode {
  return {
    id,
    kind,
    label,
    description,
    tooltip: rangeTooltip(m, title, spa, len),
    icon,
    color,
    contextValue,
    children: [],
    target: { spa, len, title },
  };
}

/** ranges of PageHWPoison pages shown before the rest are counted in one row */
export const MAX_HWPOISON_ROWS = 64;

/**
 * The PageHWPoison pages of a namespace, one row per run of consecutive pfns
 * (a single page reads "pfn 0x241218"; a run "pfn 0x10400200–0x1fffffff"
 * with its page count): a device that lost every page is one row, not one
 * per page. Past MAX_HWPOISON_ROWS runs, one row counts the others.
 */
function hwpoisonLeaves(m: Machine, nsId: string, poisoned: [number, number][]): DeviceNode[] {
  const out = poisoned.slice(0, MAX_HWPOISON_ROWS).map(([s, e]) => {
    const n = e - s;
    const label = n === 1 ? `pfn ${hex(s)}` : `pfn ${hex(s)}–${hex(e - 1)}`;
    const title = n === 1 ? `PageHWPoison pfn ${hex(s)}` : `PageHWPoison pfns ${hex(s)}–${hex(e - 1)} (${n} pages)`;
    const node = leaf(m, `${nsId}/hwpoison/${s}`, 'hwpoison', label, n === 1 ? undefined : `${n} pages · ${formatSize(n * PAGE_SIZE)}`, 'bug', COLOR.error, 'daxPage', s * PAGE_SIZE, n * PAGE_SIZE, title);
    return node;
  });
  const rest = poisoned.slice(MAX_HWPOISON_ROWS);
  if (rest.length) {
    out.push({
      id: `${nsId}/hwpoison/more`,
      kind: 'group',
      label: `… ${rest.length} more range${rest.length === 1 ? '' : 's'}`,
      description: `${sum(rest)} page${sum(rest) === 1 ? '' : 's'}, from pfn ${hex(rest[0]![0])}`,
      tooltip: `${rest.length} more runs of PageHWPoison pages, not listed one by one`,
      icon: 'ellipsis',
      color: COLOR.error,
      contextValue: 'daxGroup',
      children: [],
    });
  }
  return out;
}

function sum(ranges: [number, number][]): number {
  return ranges.reduce((a, [s, e]) => a + (e - s), 0);
}

/** Find a node by id (depth first). */
export function findNode(nodes: readonly DeviceNode[], id: string): DeviceNode | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    const c = findNode(n.children, id);
    if (c) return c;
  }
  return undefined;
}

/** The tree as indented text (for tests and for copying). */
export function devicesText(nodes: readonly DeviceNode[], depth = 0): string {
  const out: string[] = [];
  for (const n of nodes) {
    out.push(`${'  '.repeat(depth)}${n.label}${n.description ? `  — ${n.description}` : ''}  [${n.contextValue}${n.color ? ` ${n.color}` : ''}]`);
    if (n.children.length) out.push(devicesText(n.children, depth + 1));
  }
  return out.join('\n');
}
