// A collected machine folder (scripts/collect-machine.sh) → a scenario, as
// YAML text with comments saying where each part came from, and a report of
// what was approximated and what was missing and what that costs. Pure: the
// caller reads the folder into a map of relative path → bytes.
//
// Every file is parsed first (a bad one stops the import at its line); then
// the files are checked against each other (a mount that ndctl does not
// list, an fsmap of another device, a mapping of another inode: files from
// two machines); then the scenario is written and loaded with the project's
// own loader, and its machine built, so that what comes out always runs.

import { dpaOffsetToHpaOffset, hpaOffsetToDpaOffset } from '../sim/cxl/interleave';
import { ImportError, echo, intAt, textOf } from './errors';
import {
  type BadRange,
  type CollectError,
  type CxlListing,
  type FsmapRecord,
  type MapsLine,
  type NdRegion,
  parseBadblocks,
  parseCollectErrors,
  parseCxl,
  parseDaxctl,
  parseDmesg,
  parseDmTable,
  type DmTableLine,
  parseDumpe2fs,
  parseFilefrag,
  parseFindmnt,
  parseFsmap,
  parseIomem,
  parseManifest,
  parseMaps,
  parseNdctl,
  parseStat,
  parseSysctl,
  parseSysfsNd,
  parseUname,
  parseXfsInfo,
} from './parsers';

export interface ImportReport {
  /** the folder's name, as given */
  folder: string;
  /** what each part of the scenario was made from */
  sources: { part: string; from: string }[];
  /** what could not be placed exactly, and how it was placed instead */
  approximations: string[];
  /** collected pieces that are missing, and what their absence costs */
  missing: { file: string; why: string; cost: string }[];
  /** true when nothing the machine needs was missing */
  complete: boolean;
  /** the poison targets (region badblocks, CXL media errors) the what-if offers */
  targets: PoisonTarget[];
}

export interface PoisonTarget {
  /** a label, e.g. "region0 sectors 2048+8" */
  label: string;
  /** the event that made it in the scenario (its id) */
  event: string;
  /** a target address the what-if events use */
  spa?: number;
  region?: string;
  offset?: number;
  length: number;
}

export interface ImportResult {
  yaml: string;
  report: ImportReport;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** relative path → bytes: the folder as the caller read it */
export type MachineFiles = Map<string, Uint8Array>;

interface Ctx {
  files: MachineFiles;
  folder: string;
  errors: CollectError[];
  report: ImportReport;
}

interface ResolvedMediaError {
  memdev: string;
  dpa: number;
  length: number;
  source?: string;
  overflow?: boolean;
  /** listed under a region: its name and the offset it printed */
  region?: string;
  hpaOffset?: number;
  file: string;
  line: number;
}

/**
 * The media errors as (memdev, DPA). `cxl list --media-errors` (ndctl v80
 * and later, and -vvv) prints each record under the memdev, "offset" being
 * the DPA, and again under each region that maps it, "offset" being the HPA
 * minus the region's resource and no memdev named (cxl/json.c,
 * poison_event_to_json). A region's record is decoded through the region's
 * interleave (position, then that position's endpoint decoder's DPA base)
 * and dropped when its memdev listed it too; the same record in
 * cxl-list.json and cxl-media-errors.json is one.
 */
function resolveMediaErrors(cxl: CxlListing, fileOf: Map<object, string>, F: (f: string) => string): ResolvedMediaError[] {
  const out: ResolvedMediaError[] = [];
  const seen = new Set<string>();
  const add = (e: ResolvedMediaError) => {
    const k = `${e.memdev} ${e.dpa} ${e.length}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push(e);
  };
  const byMemdev = cxl.mediaErrors.filter((e) => e.memdev !== undefined);
  const byRegion = cxl.mediaErrors.filter((e) => e.region !== undefined);
  for (const e of byMemdev) add({ memdev: e.memdev!, dpa: e.dpa!, length: e.length, source: e.source, overflow: e.overflow, file: fileOf.get(e) ?? 'cxl-list.json', line: e.line });
  for (const e of byRegion) {
    const file = fileOf.get(e) ?? 'cxl-list.json';
    const r = cxl.regions.find((x) => x.region === e.region)!;
    if (e.hpaOffset! + e.length > r.size)
      throw new ImportError(F(file), e.line, 'offset', hex(e.hpaOffset!), `a media error at offset ${hex(e.hpaOffset!)} +${e.length} of ${r.region}, which is ${size(r.size)}: past its end`);
    const { pos, dpaOffset } = hpaOffsetToDpaOffset(e.hpaOffset!, r.ways, r.granularity);
    const t = r.targets.find((x) => x.position === pos);
    const dec = t && cxl.decoders.find((d) => d.decoder === t.decoder);
    const memdev = t?.memdev ?? dec?.memdev;
    if (!t || !dec || !memdev)
      throw new ImportError(F(file), e.line, 'offset', hex(e.hpaOffset!), `a media error at offset ${hex(e.hpaOffset!)} of ${r.region} falls on interleave position ${pos}, whose endpoint decoder or memdev cxl list does not show (collect with cxl list -vvv)`);
    add({ memdev, dpa: dec.dpa + dpaOffset, length: e.length, source: e.source, overflow: e.overflow, region: r.region, hpaOffset: e.hpaOffset, file, line: e.line });
  }
  return out;
}

function has(c: Ctx, f: string): boolean {
  return c.files.has(f);
}

function text(c: Ctx, f: string): string {
  return textOf(`${c.folder}/${f}`, c.files.get(f)!);
}

function missingPiece(c: Ctx, f: string, cost: string): void {
  const e = c.errors.find((x) => x.file === f || f.startsWith(x.file + '/'));
  c.report.missing.push({ file: f, why: e ? `${e.command}: ${e.reason}` : 'not in the folder', cost });
}

const hex = (n: number) => '0x' + n.toString(16);
const q = (s: string) => JSON.stringify(s);

/** a size in the largest binary unit that divides it */
function size(n: number): string {
  for (const [u, v] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', MiB], ['KiB', KiB]] as const) if (n >= v && n % v === 0) return `${n / v}${u}`;
  return String(n);
}

/** maps' "103:00" (hex) → "259:0" */
function devOfMaps(d: string): string {
  const [a, b] = d.split(':');
  return `${parseInt(a!, 16)}:${parseInt(b!, 16)}`;
}

interface FileOut {
  path: string;
  size: number;
  ino: number;
  extents: { offset: number; block: number; length: number }[];
  clone: { from: string; srcOffset: number; dstOffset: number; length: number }[];
  from: string;
}

export function importMachine(files: MachineFiles, folder: string): ImportResult {
  const report: ImportReport = { folder, sources: [], approximations: [], missing: [], complete: true, targets: [] };
  const c: Ctx = { files, folder, errors: [], report };
  const F = (f: string) => `${folder}/${f}`;
  if (!has(c, 'manifest.txt')) throw new ImportError(F('manifest.txt'), 0, 'manifest', undefined, 'is missing: this folder was not written by scripts/collect-machine.sh (it writes manifest.txt first)');
  const manifest = parseManifest(F('manifest.txt'), text(c, 'manifest.txt'));
  if (has(c, 'collect-errors.txt')) c.errors = parseCollectErrors(F('collect-errors.txt'), text(c, 'collect-errors.txt'));
  const out: string[] = [];
  const header: string[] = [];

  // ---- kernel
  const kernel: string[] = ['design: upstream'];
  let release = 'unknown';
  if (has(c, 'uname-r.txt')) {
    const u = parseUname(F('uname-r.txt'), text(c, 'uname-r.txt'));
    release = u.release;
    const v = `${u.major}.${u.minor}`;
    if (v === '6.1') kernel.push("version: '6.1'");
    else if (v !== '6.12') {
      const to = u.major < 6 || (u.major === 6 && u.minor < 7) ? '6.1' : '6.12';
      if (to === '6.1') kernel.push("version: '6.1'");
      report.approximations.push(`kernel ${u.release}: the simulator models 6.1 and 6.12; modelled as ${to}`);
    }
    report.sources.push({ part: 'kernel.version', from: `uname-r.txt (${u.release})` });
  } else missingPiece(c, 'uname-r.txt', 'the kernel release is unknown: modelled as 6.12');
  if (has(c, 'sysctl-vm.txt')) {
    const s = parseSysctl(F('sysctl-vm.txt'), text(c, 'sysctl-vm.txt'));
    const ek = s.get('memory_failure_early_kill');
    const rec = s.get('memory_failure_recovery');
    if (ek) kernel.push(`earlyKill: ${ek.v !== 0}`);
    if (rec) kernel.push(`recovery: ${rec.v !== 0}`);
    report.sources.push({ part: 'kernel.earlyKill, kernel.recovery', from: 'sysctl-vm.txt' });
  } else missingPiece(c, 'sysctl-vm.txt', 'vm.memory_failure_early_kill and _recovery are unknown: the defaults (0, 1) are used');

  // ---- NVDIMM
  let regions: NdRegion[] = [];
  let ars = false;
  if (has(c, 'ndctl-list.json') && text(c, 'ndctl-list.json').trim() !== '') {
    const t = text(c, 'ndctl-list.json');
    regions = parseNdctl(F('ndctl-list.json'), t);
    ars = /"scrub_state"/.test(t);
  } else if (!has(c, 'ndctl-list.json')) missingPiece(c, 'ndctl-list.json', 'no NVDIMM regions or namespaces are imported');
  // what memory_failure() already did (dmesg): a badblock on a bus without ARS whose page it handled was born of a machine check
  const dmesg = has(c, 'dmesg-tail.txt') ? parseDmesg(F('dmesg-tail.txt'), text(c, 'dmesg-tail.txt')) : undefined;
  const mfPfns = new Set((dmesg?.failures ?? []).map((x) => x.pfn));
  const recreatedPfns = new Set<number>();
  const sysfs = has(c, 'sysfs-nd.txt') ? parseSysfsNd(F('sysfs-nd.txt'), text(c, 'sysfs-nd.txt')) : undefined;
  if (!sysfs && regions.length) missingPiece(c, 'sysfs-nd.txt', 'physical addresses and data offsets are not known exactly: regions are placed from /proc/iomem or packed from 0x240000000, data offsets computed');
  const sysAttr = (dev: string, a: string): { v: number; line: number } | undefined => {
    const e = sysfs?.devs.get(dev)?.get(a);
    if (!e || !/^(0x[0-9a-f]+|\d+)$/.test(e.v)) return undefined;
    return { v: Number(BigInt(e.v)), line: e.line };
  };
  const iomem = has(c, 'iomem.txt') ? parseIomem(F('iomem.txt'), text(c, 'iomem.txt')) : undefined;
  const pmemRanges = (iomem ?? []).filter((e) => /^Persistent Memory/.test(e.name));
  if (iomem && iomem.length && iomem.every((e) => e.start === 0 && e.end === 0)) report.approximations.push('/proc/iomem was read without root (every address 0): not used');

  // CXL
  let cxl: CxlListing = { memdevs: [], decoders: [], regions: [], mediaErrors: [] };
  const meFile = new Map<object, string>();
  if (has(c, 'cxl-list.json') && text(c, 'cxl-list.json').trim() !== '') {
    cxl = parseCxl(F('cxl-list.json'), text(c, 'cxl-list.json'));
    for (const e of cxl.mediaErrors) meFile.set(e, 'cxl-list.json');
  }
  else if (!has(c, 'cxl-list.json')) missingPiece(c, 'cxl-list.json', 'no CXL memory devices are imported');
  if (has(c, 'cxl-media-errors.json') && text(c, 'cxl-media-errors.json').trim() !== '') {
    const more = parseCxl(F('cxl-media-errors.json'), text(c, 'cxl-media-errors.json')).mediaErrors;
    for (const e of more) meFile.set(e, 'cxl-media-errors.json');
    cxl.mediaErrors.push(...more);
  } else if (cxl.memdevs.length && !cxl.mediaErrors.length)
    missingPiece(c, 'cxl-media-errors.json', "the CXL devices' media errors are unknown (cxl list --media-errors, ndctl v80 or later): no CXL poison is imported");
  if (has(c, 'daxctl-list.json') && text(c, 'daxctl-list.json').trim() !== '') {
    const dax = parseDaxctl(F('daxctl-list.json'), text(c, 'daxctl-list.json'));
    const known = new Set(regions.flatMap((r) => r.namespaces.map((n) => n.chardev)).filter(Boolean));
    for (const d of dax) if (!known.has(d.chardev)) report.approximations.push(`${d.chardev} (daxctl-list.json line ${d.line}) is not on an nd namespace (a CXL ram region or soft-reserved memory): not imported`);
  }

  if (!regions.length && !cxl.memdevs.length)
    throw new ImportError(F(has(c, 'ndctl-list.json') ? 'ndctl-list.json' : 'manifest.txt'), 1, 'regions', 0, 'lists no persistent-memory region and no CXL memory device: nothing to import (is this a machine with NVDIMM or CXL memory? was the collector run as root?)');
  const plat: string[] = [];
  const nsOut: string[] = [];
  const deviceOf = new Map<string, { ns: string; region: string; dataStart: number; nsStart: number; mode: string; dataSize: number }>();
  let nextSpa = 0x240000000;
  const regionSpa = new Map<string, number>();
  const platArs = new Map<string, { i: number }>();
  for (const r of regions) {
    if (r.type !== 'pmem') {
      report.approximations.push(`${r.dev} is a ${r.type} region (ndctl-list.json line ${r.line}): not imported`);
      continue;
    }
    const cxlR = cxl.regions.find((x) => x.region === r.dev);
    let spa = sysAttr(r.dev, 'resource')?.v ?? cxlR?.resource;
    if (spa === undefined) {
      const io = pmemRanges.find((e) => e.end - e.start + 1 === r.size && e.start !== 0 && ![...regionSpa.values()].includes(e.start));
      if (io) {
        spa = io.start;
        report.approximations.push(`${r.dev}: its physical address is taken from the /proc/iomem range of its size (iomem.txt line ${io.line})`);
      } else {
        spa = nextSpa;
        report.approximations.push(`${r.dev}: its physical address is unknown (no sysfs-nd.txt or iomem.txt entry): placed at ${hex(spa)}`);
      }
    } else if (iomem && pmemRanges.length && !cxlR && !pmemRanges.some((e) => e.start <= spa! && spa! + r.size - 1 <= e.end)) {
      throw new ImportError(F('iomem.txt'), pmemRanges[0]!.line, 'Persistent Memory', hex(spa), `no "Persistent Memory" range holds ${r.dev} at ${hex(spa)}..${hex(spa + r.size - 1)} (sysfs-nd.txt): the two files are from different machines or boots`);
    }
    regionSpa.set(r.dev, spa);
    nextSpa = Math.max(nextSpa, spa + r.size);
    if (!cxlR) {
      // ars: true, or turned on below when badblocks must be recreated by a scrub
      platArs.set(r.dev, { i: plat.length });
      plat.push(`    - { id: ${r.dev}, spa: ${hex(spa)}, size: ${size(r.size)}, ars: ${ars} }   # ndctl-list.json line ${r.line}`);
    }
    let packed = 0;
    for (const n of r.namespaces) {
      const nsRes = sysAttr(n.dev, 'resource');
      const nsSize = sysAttr(n.dev, 'size')?.v;
      if ((nsSize ?? n.size ?? 0) === 0 || !['fsdax', 'devdax', 'raw', 'sector'].includes(n.mode)) {
        if ((nsSize ?? n.size ?? 0) !== 0) report.approximations.push(`${n.dev}: mode ${n.mode} is not modelled: not imported`);
        continue;
      }
      let mode = n.mode;
      if (mode === 'sector') {
        mode = 'raw';
        report.approximations.push(`${n.dev} is in sector mode (BTT), which the simulator does not model: imported as raw`);
      }
      const offset = nsRes ? nsRes.v - spa : packed;
      if (!nsRes) report.approximations.push(`${n.dev}: its offset in ${r.dev} is unknown (no sysfs resource): packed at ${hex(offset)}`);
      const sizeNs = nsSize ?? n.size!;
      if (nsSize === undefined && mode !== 'raw') report.approximations.push(`${n.dev}: only its usable size is known (${n.size}); the namespace is taken to be that plus its computed data offset`);
      packed = offset + sizeNs;
      const align = n.align ?? 2 * MiB;
      // the pfn/dax device that claims it says where the data starts
      let dataOffset: number | undefined;
      if (mode !== 'raw' && sysfs) {
        for (const [dev, attrs] of sysfs.devs) {
          if (!/^(pfn|dax)\d+\.\d+$/.test(dev) || attrs.get('namespace')?.v !== n.dev) continue;
          const res = sysAttr(dev, 'resource');
          if (res && nsRes) dataOffset = res.v - nsRes.v;
        }
      }
      const dev = n.blockdev ?? n.chardev ?? (mode === 'devdax' ? `dax${r.dev.slice(6)}.0` : `pmem${r.dev.slice(6)}`);
      const fields = [`id: ${n.dev}`, `region: ${r.dev}`, `offset: ${hex(offset)}`, `size: ${size(sizeNs)}`, `mode: ${mode}`];
      if (mode !== 'raw') fields.push(`align: ${size(align)}`);
      if (dataOffset !== undefined) fields.push(`dataOffset: ${size(dataOffset)}`);
      else if (mode !== 'raw') report.approximations.push(`${n.dev}: its data offset is not known (no pfn/dax device in sysfs-nd.txt): the kernel's default is computed`);
      fields.push(`device: ${dev}`);
      nsOut.push(`    - { ${fields.join(', ')} }   # ndctl-list.json line ${n.line}${nsRes ? `, sysfs-nd.txt line ${nsRes.line}` : ''}`);
      const nsStart = spa + offset;
      deviceOf.set(dev, { ns: n.dev, region: r.dev, nsStart, dataStart: nsStart + (dataOffset ?? 0), mode, dataSize: n.size ?? sizeNs });
    }
  }
  if (regions.length) report.sources.push({ part: 'platform.regions, platform.namespaces', from: `ndctl-list.json${sysfs ? ', sysfs-nd.txt' : ''}${iomem ? ', iomem.txt' : ''}` });

  // CXL devices, decoders and regions
  const cxlOut: string[] = [];
  if (cxl.memdevs.length) {
    cxlOut.push('  cxl:', '    memdevs:');
    for (const m of cxl.memdevs) cxlOut.push(`      - { id: ${m.memdev}, ram: ${size(m.ram)}, pmem: ${size(m.pmem)}${m.host ? `, host: ${q(m.host)}` : ''} }   # cxl-list.json line ${m.line}`);
    const decs = cxl.decoders.filter((d) => d.size > 0 && (d.mode === 'pmem' || d.mode === 'ram'));
    const memdevOfDecoder = (d: (typeof decs)[number]): string | undefined => d.memdev ?? cxl.regions.flatMap((r) => r.targets).find((t) => t.decoder === d.decoder)?.memdev;
    if (decs.length) {
      cxlOut.push('    decoders:');
      for (const d of decs) {
        const md = memdevOfDecoder(d);
        if (!md) throw new ImportError(F('cxl-list.json'), d.line, 'decoder', d.decoder, `endpoint decoder ${d.decoder} names no memdev and no region maps it: cannot place it`);
        cxlOut.push(`      - { id: ${d.decoder}, memdev: ${md}, dpa: ${hex(d.dpa)}, size: ${size(d.size)} }   # cxl-list.json line ${d.line}`);
      }
    }
    if (cxl.regions.length) {
      cxlOut.push('    regions:');
      for (const r of cxl.regions) {
        const targets = r.targets.map((t) => t.decoder ?? t.memdev);
        if (targets.some((t) => t === undefined) || targets.length !== r.ways)
          throw new ImportError(F('cxl-list.json'), r.line, 'mappings', r.targets.length, `${r.region} interleaves ${r.ways} ways but lists ${r.targets.length} mappings with a decoder or memdev: truncated, or cxl list without -vvv`);
        cxlOut.push(`      - { id: ${r.region}, mode: ${r.type === 'ram' ? 'ram' : 'pmem'}, spa: ${hex(r.resource)}, size: ${size(r.size)}, ways: ${r.ways}, granularity: ${size(r.granularity)}, targets: [${targets.join(', ')}] }   # cxl-list.json line ${r.line}`);
        regionSpa.set(r.region, r.resource);
      }
    }
    report.sources.push({ part: 'platform.cxl', from: 'cxl-list.json' });
  }

  // ---- badblocks and media errors: recreated by events
  const events: string[] = [];
  let eventNo = 0;
  const nsOfDevice = (dev: string) => deviceOf.get(dev);
  const bbDevs = [...files.keys()].filter((f) => f.startsWith('badblocks/')).sort();
  const regionBad = new Map<string, BadRange[]>();
  const deviceBad = new Map<string, BadRange[]>();
  for (const f of bbDevs) {
    const name = f.slice('badblocks/'.length);
    if (!/^[\w.-]+$/.test(name)) throw new ImportError(F(f), 0, 'name', name, `${echo(name)} is not a device name`);
    const ranges = parseBadblocks(F(f), text(c, f));
    if (/^region\d+$/.test(name)) {
      if (!regionSpa.has(name)) {
        if (ranges.length) throw new ImportError(F(f), ranges[0]!.line, 'region', name, `badblocks of ${name}, which ndctl-list.json and cxl-list.json do not list: from another machine?`);
        continue;
      }
      regionBad.set(name, ranges);
    } else if (nsOfDevice(name)) deviceBad.set(name, ranges);
    else if (ranges.length && /^pmem\d/.test(name)) throw new ImportError(F(f), ranges[0]!.line, 'device', name, `badblocks of ${name}, which ndctl-list.json does not list: from another machine?`);
  }
  if (!bbDevs.length && regions.length) missingPiece(c, 'badblocks', 'the kernel\'s badblocks are unknown: no known poison is imported (ndctl\'s media errors are used where listed)');
  for (const r of regions) if (!regionBad.has(r.dev) && r.badblocks.length) regionBad.set(r.dev, r.badblocks);
  let anyBad = false;
  const scrubbed = new Set<string>();
  /**
   * A badblock range on a bus without ARS, one sector per 64-byte granule at
   * most, whose page memory_failure() handled (dmesg): the NFIT machine-check
   * notifier recorded it (nfit_handle_mce), as a consumed or patrol-scrubbed
   * error does. Recreated as that machine check (patrol-scrub: the badblock,
   * and memory_failure(pfn, 0) leaving the page PageHWPoison and unmapped);
   * any other range as a media error that a scrub finds.
   */
  const bornOfMce = (region: string, spa: number, b: BadRange) => !ars && b.length <= 64 && mfPfns.has(Math.floor(spa / 4096));
  const recreate = (region: string, spa: number, b: BadRange, target: (sector: number) => string, media: string, from: string): string => {
    const id = `imported-${++eventNo}`;
    if (bornOfMce(region, spa, b)) {
      for (let i = 0; i < b.length; i++)
        events.push(`  - { id: ${i ? `imported-${++eventNo}` : id}, do: patrol-scrub, ${target(b.offset + i)}, length: 64 }   # ${from}: sectors ${b.offset}+${b.length}, a machine check (dmesg-tail.txt: memory_failure of pfn ${hex(Math.floor(spa / 4096))})`);
      recreatedPfns.add(Math.floor(spa / 4096));
    } else {
      events.push(`  - { id: ${id}, do: media-error, ${media} }   # ${from}: sectors ${b.offset}+${b.length}`);
      scrubbed.add(region);
    }
    return id;
  };
  for (const [region, ranges] of regionBad) {
    for (const b of ranges) {
      const spa = regionSpa.get(region)! + b.offset * 512;
      const id = recreate(region, spa, b, (sec) => `region: ${region}, offset: ${hex(sec * 512)}`, `region: ${region}, offset: ${hex(b.offset * 512)}, length: ${b.offset >= 0 ? b.length * 512 : 0}`, `badblocks/${region} line ${b.line}`);
      report.targets.push({ label: `${region} sectors ${b.offset}+${b.length}`, event: id, region, offset: b.offset * 512, spa, length: b.length * 512 });
      anyBad = true;
    }
  }
  // a device's badblocks no region range covers (the region list was not collected)
  for (const [dev, ranges] of deviceBad) {
    const d = nsOfDevice(dev)!;
    for (const b of ranges) {
      const spa = d.dataStart + b.offset * 512;
      const rb = regionBad.get(d.region) ?? [];
      const rs = regionSpa.get(d.region)!;
      if (rb.some((x) => rs + x.offset * 512 <= spa && spa + b.length * 512 <= rs + (x.offset + x.length) * 512)) continue;
      const id = recreate(d.region, spa, b, (sec) => `device: ${dev}, sector: ${sec}`, `device: ${dev}, sector: ${b.offset}, length: ${b.length * 512}`, `badblocks/${dev} line ${b.line}`);
      report.targets.push({ label: `${dev} sectors ${b.offset}+${b.length}`, event: id, spa, length: b.length * 512 });
      anyBad = true;
    }
  }
  // the regions whose badblocks a scrub recreates need ARS
  for (const [dev, a] of platArs)
    if (!ars && scrubbed.has(dev)) {
      plat[a.i] = plat[a.i]!.replace(/ars: false/, 'ars: true');
      report.approximations.push(`${dev}: the bus reports no scrub (no ARS), but the region has badblocks that no machine check in dmesg-tail.txt accounts for: ARS is turned on so that a scrub can recreate them`);
    }
  if (recreatedPfns.size)
    report.approximations.push(`badblocks of ${recreatedPfns.size} page(s) a machine check recorded (${[...recreatedPfns].map(hex).join(', ')}): recreated as a patrol-scrub machine check; the processes it signals now are not necessarily the ones the original consumption signalled`);
  for (const e of resolveMediaErrors(cxl, meFile, F)) {
    const granules = Math.max(1, Math.ceil(e.length / 64));
    const ef = e.file;
    if (granules > 4096) throw new ImportError(F(ef), e.line, 'length', e.length, `a media error of ${e.length} bytes on ${e.memdev}: more than 4096 64-byte granules, which the importer will not recreate one by one`);
    const first = eventNo + 1;
    const where = e.region ? `${e.region} offset ${hex(e.hpaOffset!)} → ${e.memdev} DPA ${hex(e.dpa)}` : `${e.memdev} DPA ${hex(e.dpa)}`;
    for (let g = 0; g < granules; g++) events.push(`  - { id: imported-${++eventNo}, do: cxl-inject-poison, memdev: ${e.memdev}, dpa: ${hex(e.dpa + g * 64)} }   # ${ef} line ${e.line}: ${where}${e.source ? `, source ${e.source}` : ''}`);
    // its host physical address, when a region decodes it
    let spa: number | undefined;
    for (const r of cxl.regions) {
      const pos = r.targets.findIndex((t) => t.memdev === e.memdev || cxl.decoders.find((d) => d.decoder === t.decoder)?.memdev === e.memdev);
      const dec = cxl.decoders.find((d) => d.decoder === r.targets[pos]?.decoder);
      if (pos >= 0 && dec && dec.dpa <= e.dpa && e.dpa < dec.dpa + dec.size) spa = r.resource + dpaOffsetToHpaOffset(e.dpa - dec.dpa, r.ways, r.granularity, r.targets[pos]!.position);
    }
    report.targets.push({ label: `${e.memdev} DPA ${hex(e.dpa)}+${e.length}`, event: `imported-${first}`, length: e.length, ...(spa !== undefined ? { spa } : {}) });
    report.approximations.push(`${e.memdev} media error at DPA ${hex(e.dpa)}: recreated through the debugfs poison injection (listed with source Injected${e.source && e.source !== 'Injected' ? `, not ${e.source}` : ''})`);
    if (e.overflow) report.approximations.push(`${e.memdev}: its poison list overflowed (${ef} line ${e.line}, flags Overflow): the device holds more media errors than it listed; only the listed ones are imported`);
  }
  if (anyBad) {
    const exp: string[] = [];
    for (const [region, ranges] of regionBad) if (ranges.length) exp.push(`      - badblocks: { device: ${region}, ranges: [${ranges.map((b) => `[${b.offset}, ${b.length}]`).join(', ')}] }`);
    for (const [dev, ranges] of deviceBad) exp.push(`      - badblocks: { device: ${dev}, ranges: [${ranges.map((b) => `[${b.offset}, ${b.length}]`).join(', ')}] }`);
    if (scrubbed.size)
      events.push(`  - id: imported-scrub   # the kernel learnt of them: ARS found them (ndctl start-scrub)`, `    do: scrub`, ...(exp.length ? ['    expect:   # the badblocks the machine had', ...exp] : []));
    else if (exp.length) {
      // every range was a machine check's: the last one carries the expectations
      let i = events.length - 1;
      while (i >= 0 && !/do: patrol-scrub/.test(events[i]!)) i--;
      const m = /^ {2}- \{ (.*) \}( {3}# .*)$/.exec(events[i]!)!;
      events.splice(i, 1, `  - ${m[1]!.replace(/, /g, '\n    ')}${m[2]}`, '    expect:   # the badblocks the machine had', ...exp);
    }
  }

  // ---- device-mapper: dm-linear and dm-striped over imported pmem devices (src/sim/md)
  const dmOut: string[] = [];
  const dmSize = new Map<string, number>();
  const dmOfName = new Map<string, string>();
  if (has(c, 'dmsetup-table.txt') || has(c, 'dm-sysfs.txt')) {
    if (!has(c, 'dm-sysfs.txt')) missingPiece(c, 'dm-sysfs.txt', 'the device-mapper devices cannot be named (dm-N) nor their devices resolved: none is imported');
    else if (!has(c, 'dmsetup-table.txt')) missingPiece(c, 'dmsetup-table.txt', 'the device-mapper tables are unknown: no dm device is imported, nor a filesystem on one');
    else {
      const ds = parseSysfsNd(F('dm-sysfs.txt'), text(c, 'dm-sysfs.txt'));
      const table = parseDmTable(F('dmsetup-table.txt'), text(c, 'dmsetup-table.txt'));
      const byMajMin = new Map<string, string>();
      for (const [dev, attrs] of ds.devs) {
        const mm = attrs.get('dev');
        if (mm) byMajMin.set(mm.v.trim(), dev);
        const nm = attrs.get('name');
        if (nm) dmOfName.set(nm.v.trim(), dev);
      }
      const names = [...new Set(table.map((t) => t.name))];
      for (const name of names) {
        const lines = table.filter((t) => t.name === name);
        const dmDev = dmOfName.get(name);
        if (!dmDev) throw new ImportError(F('dmsetup-table.txt'), lines[0]!.line, 'name', name, `dm device ${echo(name)} is not in dm-sysfs.txt (no /sys/block/dm-*/dm/name says it): the two were collected at different times`);
        // a table device: major:minor (dmsetup's default) or a /dev path, which must be an imported pmem device
        const devOf = (l: DmTableLine, a: string | undefined): string | { skip: string } => {
          const d = a === undefined ? undefined : /^\d+:\d+$/.test(a) ? byMajMin.get(a) : a.replace(/^\/dev\//, '');
          if (!d) return { skip: `its device ${a ?? '(none)'} (dmsetup-table.txt line ${l.line}) is not in dm-sysfs.txt` };
          const ns = deviceOf.get(d);
          if (!ns || !/^pmem/.test(d)) return { skip: `it sits on ${d} (dmsetup-table.txt line ${l.line}), not on an imported pmem device` };
          if (ns.mode !== 'fsdax' && ns.mode !== 'raw') return { skip: `it sits on ${d}, a ${ns.mode} namespace` };
          return d;
        };
        const rows: string[] = [];
        let skip: string | undefined;
        let end = 0;
        for (const l of lines) {
          if (l.start !== end) {
            skip = `its table has a hole or overlap at sector ${l.start} (dmsetup-table.txt line ${l.line})`;
            break;
          }
          end = l.start + l.length;
          if (l.target === 'linear') {
            if (l.args.length !== 2) throw new ImportError(F('dmsetup-table.txt'), l.line, 'linear', l.args.join(' '), 'a linear line takes "<device> <offset>"');
            const d = devOf(l, l.args[0]);
            if (typeof d !== 'string') { skip = d.skip; break; }
            const off = intAt(F('dmsetup-table.txt'), l.line, 'offset', l.args[1]!);
            rows.push(`        - { start: ${l.start}, length: ${l.length}, target: linear, device: ${d}, offset: ${off} }   # dmsetup-table.txt line ${l.line}`);
          } else if (l.target === 'striped') {
            const n = intAt(F('dmsetup-table.txt'), l.line, 'stripes', l.args[0] ?? '');
            const chunk = intAt(F('dmsetup-table.txt'), l.line, 'chunk', l.args[1] ?? '');
            if (n < 1 || l.args.length !== 2 + 2 * n) throw new ImportError(F('dmsetup-table.txt'), l.line, 'striped', l.args.join(' '), `a striped line of ${n} stripes takes "<stripes> <chunk>" and ${n} "<device> <offset>" pairs`);
            const devs: string[] = [];
            const offs: number[] = [];
            for (let i = 0; i < n && !skip; i++) {
              const d = devOf(l, l.args[2 + 2 * i]);
              if (typeof d !== 'string') skip = d.skip;
              else {
                devs.push(d);
                offs.push(intAt(F('dmsetup-table.txt'), l.line, 'offset', l.args[3 + 2 * i]!));
              }
            }
            if (skip) break;
            rows.push(`        - { start: ${l.start}, length: ${l.length}, target: striped, chunk: ${chunk}, devices: [${devs.join(', ')}]${offs.some((o) => o) ? `, offsets: [${offs.join(', ')}]` : ''} }   # dmsetup-table.txt line ${l.line}`);
          } else {
            skip = `its target ${l.target} (dmsetup-table.txt line ${l.line}) is not modelled (the lab has dm-linear and dm-striped)`;
            break;
          }
        }
        if (skip) {
          report.approximations.push(`${dmDev} (${name}) is not imported, nor a filesystem on it: ${skip}`);
          continue;
        }
        dmOut.push(`    - id: ${dmDev}   # ${name}; dmsetup-table.txt, dm-sysfs.txt`, '      table:', ...rows);
        dmSize.set(dmDev, end * 512);
      }
      if (dmOut.length) report.sources.push({ part: 'platform.dm', from: 'dmsetup-table.txt, dm-sysfs.txt' });
    }
  }

  // ---- filesystems
  const fsOut: string[] = [];
  const filesOut: FileOut[] = [];
  const mounts = has(c, 'findmnt.json') ? parseFindmnt(F('findmnt.json'), text(c, 'findmnt.json')) : undefined;
  if (!mounts) missingPiece(c, 'findmnt.json', 'no filesystems are imported (nor files, nor the processes that map them)');
  const fsList = has(c, 'filesystems.txt')
    ? text(c, 'filesystems.txt')
        .split('\n')
        .filter(Boolean)
        .map((l, i) => {
          const m = /^(fs\d+) (xfs|ext4) (\/\S*)$/.exec(l);
          if (!m) throw new ImportError(F('filesystems.txt'), i + 1, 'line', l, `expected "fsN xfs|ext4 <mount>", got ${echo(l)}`);
          return { key: m[1]!, type: m[2] as 'xfs' | 'ext4', mount: m[3]!, line: i + 1 };
        })
    : [];
  // the collected files: path, inode, size, extents
  const collected: { n: string; path: string; ino?: number; size?: number; frag?: ReturnType<typeof parseFilefrag> }[] = [];
  for (const f of [...files.keys()].filter((k) => /^files\/\d+\.path$/.test(k)).sort((a, b) => parseInt(a.slice(6)) - parseInt(b.slice(6)))) {
    const n = f.slice(6, -5);
    const path = text(c, f).replace(/\n$/, '');
    const st = has(c, `files/${n}.stat.txt`) ? parseStat(F(`files/${n}.stat.txt`), text(c, `files/${n}.stat.txt`)) : undefined;
    const frag = has(c, `files/${n}.filefrag.txt`) ? parseFilefrag(F(`files/${n}.filefrag.txt`), text(c, `files/${n}.filefrag.txt`)) : undefined;
    if (frag && frag.path !== path) throw new ImportError(F(`files/${n}.filefrag.txt`), 2, 'path', frag.path, `is filefrag of ${echo(frag.path)}, but files/${n}.path names ${echo(path)}`);
    if (!frag) missingPiece(c, `files/${n}.filefrag.txt`, `${path}'s extents come from the fsmap alone (or, with none, it is not imported)`);
    if (!st) missingPiece(c, `files/${n}.stat.txt`, `${path}'s inode number is unknown: it cannot be matched to the fsmap or to its mappers`);
    collected.push({ n, path, ino: st?.ino, size: st?.size ?? frag?.size, frag });
  }
  const fsDevOfMount = new Map<string, string>();
  for (const fsEntry of fsList) {
    const m = mounts?.find((x) => x.target === fsEntry.mount);
    if (!m) throw new ImportError(F('filesystems.txt'), fsEntry.line, 'mount', fsEntry.mount, `${fsEntry.mount} is not in findmnt.json: the two were collected at different times or on different machines`);
    const src0 = /^\/dev\/(pmem\d+(?:\.\d+)?|dm-\d+|mapper\/(\S+))$/.exec(m.source);
    const dev = src0 ? (src0[2] !== undefined ? dmOfName.get(src0[2]) ?? `mapper/${src0[2]}` : src0[1]!) : undefined;
    if (!src0 || !dev || (/^(dm-|mapper\/)/.test(dev) && !dmSize.has(dev))) {
      report.approximations.push(`${m.target} is on ${m.source} (findmnt.json line ${m.line}): only filesystems on a pmem device or on an imported dm-linear/dm-striped stack of them are imported`);
      continue;
    }
    const d = deviceOf.get(dev) ?? (dmSize.has(dev) ? { dataSize: dmSize.get(dev)! } : undefined);
    if (!d) throw new ImportError(F('findmnt.json'), m.line, 'source', m.source, `${m.target} is mounted from ${m.source}, which ndctl-list.json does not list: the files are from different machines`);
    const opts = m.options.split(',');
    let dax: 'always' | 'never' = 'never';
    if (opts.includes('dax') || opts.includes('dax=always')) dax = 'always';
    else if (opts.includes('dax=inode')) report.approximations.push(`${m.target} is mounted dax=inode (per-file DAX): imported as dax=never`);
    if (m.majmin) fsDevOfMount.set(m.target, m.majmin);
    const fields = [`device: ${dev}`, `type: ${fsEntry.type}`, `mount: ${q(m.target)}`, `dax: ${dax}`];
    const src = [`findmnt.json line ${m.line}`];
    let bsize = 4096;
    let toBlock = (lin: number) => lin;
    let fsmap: FsmapRecord[] | undefined;
    if (fsEntry.type === 'xfs') {
      const fi = `${fsEntry.key}.xfs_info.txt`;
      if (has(c, fi)) {
        const x = parseXfsInfo(F(fi), text(c, fi));
        if (x.device && x.device !== m.source && x.device !== m.target) throw new ImportError(F(fi), 1, 'meta-data', x.device, `is xfs_info of ${x.device}, but ${m.target} is mounted from ${m.source}`);
        if (x.blocks * x.bsize > d.dataSize) throw new ImportError(F(fi), 5, 'blocks', x.blocks, `says ${x.blocks} blocks of ${x.bsize} bytes (${x.blocks * x.bsize} bytes), more than ${dev} holds (${d.dataSize} bytes, ndctl-list.json): from another machine?`);
        bsize = x.bsize;
        fields.push(`rmapbt: ${x.rmapbt}`, `reflink: ${x.reflink}`, `agcount: ${x.agcount}`, `blockSize: ${size(x.bsize)}`);
        if (x.log === 'external') report.approximations.push(`${m.target} has an external log, on a device not collected: modelled with an internal log`);
        const agblklog = Math.ceil(Math.log2(x.agsize));
        toBlock = (lin) => Math.floor(lin / x.agsize) * 2 ** agblklog + (lin % x.agsize);
        src.push(fi);
        const simAg = Math.floor(Math.floor(d.dataSize / x.bsize) / x.agcount);
        if (x.blocks !== Math.floor(d.dataSize / x.bsize) || x.agsize !== simAg)
          report.approximations.push(`${m.target}: xfs_info says ${x.blocks} blocks in AGs of ${x.agsize}; the simulator makes the filesystem fill ${dev} (${Math.floor(d.dataSize / x.bsize)} blocks, AGs of about ${simAg}): blocks past the first AG may sit elsewhere`);
      } else missingPiece(c, fi, `${m.target}'s geometry is unknown: the simulator's mkfs.xfs defaults are used`);
      const fm = `${fsEntry.key}.fsmap.txt`;
      if (has(c, fm)) {
        fsmap = parseFsmap(F(fm), text(c, fm));
        if (m.majmin && fsmap[0]!.dev !== m.majmin) throw new ImportError(F(fm), fsmap[0]!.line, 'DEV', fsmap[0]!.dev, `is the reverse map of device ${fsmap[0]!.dev}, but ${m.target} is ${m.majmin} (findmnt.json line ${m.line}): from another machine or boot`);
        src.push(fm);
      } else missingPiece(c, fm, `${m.target}'s reverse map is unknown: only the named files are placed (from filefrag), other files' blocks are free space in the model`);
      report.approximations.push(`${m.target}: the metadata (AG headers, btree roots, inode chunks, log) is laid out by the simulator's mkfs.xfs, not read from the fsmap`);
    } else {
      const fi = `${fsEntry.key}.dumpe2fs.txt`;
      if (has(c, fi)) {
        const x = parseDumpe2fs(F(fi), text(c, fi));
        bsize = x.blockSize;
        fields.push(`blockSize: ${size(x.blockSize)}`);
        src.push(fi);
      } else missingPiece(c, fi, `${m.target}'s block size is unknown: 4 KiB`);
    }
    fsOut.push(`  - { ${fields.join(', ')} }   # ${src.join(', ')}`);
    report.sources.push({ part: `filesystem ${m.target}`, from: src.join(', ') });

    // files on this filesystem: by inode from the fsmap, else from filefrag
    const here = collected.filter((x) => x.path.startsWith(m.target.replace(/\/$/, '') + '/'));
    const byIno = new Map<number, { path?: string; size?: number; exts: { logical: number; physical: number; length: number; line: string }[] }>();
    const bs512 = bsize / 512;
    if (fsmap) {
      for (const r of fsmap) {
        if (typeof r.owner !== 'number' || r.fileStart === undefined || r.flags & 0o1000000) continue;
        if (r.start % bs512 || (r.end + 1) % bs512 || r.fileStart % bs512)
          throw new ImportError(F(`${fsEntry.key}.fsmap.txt`), r.line, 'block range', `${r.start}..${r.end}`, `is not in whole ${bsize}-byte blocks (xfs_info says bsize=${bsize}): from another filesystem?`);
        if (!byIno.has(r.owner)) byIno.set(r.owner, { exts: [] });
        if (r.flags & 0o10000) report.approximations.push(`inode ${r.owner}: an unwritten extent (fsmap line ${r.line}) is imported as written data`);
        byIno.get(r.owner)!.exts.push({ logical: r.fileStart / bs512, physical: r.start / bs512, length: (r.end - r.start + 1) / bs512, line: `${fsEntry.key}.fsmap.txt line ${r.line}` });
      }
    }
    for (const x of here) {
      if (fsmap && x.ino !== undefined) {
        const e = byIno.get(x.ino);
        if (!e) {
          if (x.frag?.extents.length) throw new ImportError(F(`files/${x.n}.stat.txt`), 1, 'inode', x.ino, `${x.path} is inode ${x.ino}, which owns no data in ${fsEntry.key}.fsmap.txt, but filefrag lists ${x.frag.extents.length} extents: from different machines or times`);
          byIno.set(x.ino, { path: x.path, size: x.size, exts: [] });
          continue;
        }
        e.path = x.path;
        e.size = x.size;
        // filefrag and fsmap must agree on where the data is
        for (const fe of x.frag?.extents ?? []) {
          const ok = e.exts.some((g) => g.physical <= fe.physical && fe.physical + fe.length <= g.physical + g.length);
          if (!ok) throw new ImportError(F(`files/${x.n}.filefrag.txt`), fe.line, 'physical_offset', fe.physical, `${x.path} block ${fe.physical}+${fe.length} is not where ${fsEntry.key}.fsmap.txt puts inode ${x.ino}'s data: the two were collected from different machines or times`);
        }
      } else if (x.frag) {
        const key = x.ino ?? -1 - collected.indexOf(x);
        byIno.set(key, { path: x.path, size: x.size, exts: x.frag.extents.map((fe) => ({ logical: fe.logical, physical: fe.physical, length: fe.length, line: `files/${x.n}.filefrag.txt line ${fe.line}` })) });
        if (x.ino === undefined) report.approximations.push(`${x.path}: its inode number was not collected`);
      } else report.approximations.push(`${x.path}: neither filefrag nor an fsmap says where its data is: not imported`);
    }
    // shared blocks: the first owner (by inode number) places them, the others clone from it
    const placed: { start: number; len: number; path: string; logical: number }[] = [];
    for (const [ino, e] of [...byIno.entries()].sort((a, b) => a[0] - b[0])) {
      if (!e.path) {
        e.path = `${m.target.replace(/\/$/, '')}/.inode-${ino}`;
        report.approximations.push(`inode ${ino} on ${m.target} owns data (fsmap) but its path was not collected: imported as ${e.path}`);
      }
      const lastEnd = Math.max(0, ...e.exts.map((x) => (x.logical + x.length) * bsize));
      const fo: FileOut = { path: e.path, size: e.size ?? lastEnd, ino, extents: [], clone: [], from: [...new Set(e.exts.map((x) => x.line.replace(/ line \d+$/, '')))].join(', ') || 'stat' };
      if (e.size === undefined && e.exts.length) report.approximations.push(`${e.path}: its size was not collected: taken as the end of its last block (${lastEnd})`);
      for (const x of e.exts.sort((a, b) => a.logical - b.logical)) {
        // split [physical, +length) into the parts already placed (cloned) and the rest (placed here)
        let p = x.physical;
        const end = x.physical + x.length;
        while (p < end) {
          const hit = placed.find((h) => h.start <= p && p < h.start + h.len);
          if (hit) {
            const n = Math.min(end, hit.start + hit.len) - p;
            fo.clone.push({ from: hit.path, srcOffset: (hit.logical + (p - hit.start)) * bsize, dstOffset: (x.logical + (p - x.physical)) * bsize, length: n * bsize });
            p += n;
          } else {
            const nextHit = Math.min(end, ...placed.filter((h) => h.start > p).map((h) => h.start));
            const n = nextHit - p;
            fo.extents.push({ offset: x.logical + (p - x.physical), block: toBlock(p), length: n });
            placed.push({ start: p, len: n, path: e.path, logical: x.logical + (p - x.physical) });
            p += n;
          }
        }
      }
      if (fo.size < lastEnd) fo.size = lastEnd;
      filesOut.push(fo);
    }
  }
  if (collected.length && !filesOut.length && fsList.length) report.approximations.push('no collected file lies on an imported filesystem');
  if (filesOut.length) report.approximations.push('file contents are not collected: every file is filled with 0x00');

  // ---- processes
  const procOut: string[] = [];
  const pids = [...new Set([...files.keys()].filter((k) => k.startsWith('proc/')).map((k) => k.split('/')[1]!))].sort((a, b) => Number(a) - Number(b));
  const fileByPath = new Map(filesOut.map((f) => [f.path, f]));
  const daxDevs = new Set([...deviceOf.entries()].filter(([, d]) => d.mode === 'devdax').map(([k]) => k));
  let mappings = 0;
  for (const pid of pids) {
    if (!/^\d{1,7}$/.test(pid) || Number(pid) < 1) throw new ImportError(F(`proc/${pid}`), 0, 'pid', pid, `${echo(pid)} is not a process id`);
    if (!has(c, `proc/${pid}/maps`)) {
      missingPiece(c, `proc/${pid}/maps`, `process ${pid}'s mappings are unknown: not imported`);
      continue;
    }
    const maps = parseMaps(F(`proc/${pid}/maps`), text(c, `proc/${pid}/maps`));
    const comm = has(c, `proc/${pid}/comm`) ? text(c, `proc/${pid}/comm`).replace(/\n$/, '') : `proc${pid}`;
    if (comm.includes('\n') || comm.length > 64) throw new ImportError(F(`proc/${pid}/comm`), 1, 'comm', comm, `${echo(comm)} is not a task's comm (one line of at most 15 characters)`);
    const ms: string[] = [];
    const use = (l: MapsLine): string | undefined => {
      const f = fileByPath.get(l.path);
      if (f) {
        const fsMount = [...fsDevOfMount.keys()].find((mt) => l.path.startsWith(mt.replace(/\/$/, '') + '/'));
        const want = fsMount ? fsDevOfMount.get(fsMount) : undefined;
        if (want && devOfMaps(l.dev) !== want) throw new ImportError(F(`proc/${pid}/maps`), l.line, 'dev', l.dev, `maps ${l.path} on device ${devOfMaps(l.dev)}, but ${fsMount} is ${want} (findmnt.json): from another machine or boot`);
        if (f.ino > 0 && l.inode !== f.ino) throw new ImportError(F(`proc/${pid}/maps`), l.line, 'inode', l.inode, `maps ${l.path} as inode ${l.inode}, but the collected file is inode ${f.ino}: the file was replaced, or the files are from different machines`);
        return `file: ${q(l.path)}`;
      }
      const dx = /^\/dev\/(dax\d+\.\d+)$/.exec(l.path);
      if (dx && daxDevs.has(dx[1]!)) return `device: /dev/${dx[1]}`;
      if (/ \(deleted\)$/.test(l.path) && fileByPath.has(l.path.replace(/ \(deleted\)$/, ''))) report.approximations.push(`process ${pid} maps a deleted ${l.path}: not imported`);
      return undefined;
    };
    for (const l of maps) {
      const what = use(l);
      if (!what) continue;
      ms.push(`      - { id: m${ms.length}, ${what}, offset: ${hex(l.offset)}, length: ${size(l.end - l.start)}, addr: ${hex(l.start)}, prot: ${l.perms[1] === 'w' ? 'rw' : 'r'}, flags: ${l.perms[3] === 's' ? 'shared' : 'private'}, populate: true }   # proc/${pid}/maps line ${l.line}`);
    }
    if (!ms.length) continue;
    mappings += ms.length;
    procOut.push(`  - pid: ${pid}`, `    comm: ${q(comm.slice(0, 15))}`, '    mappings:', ...ms);
  }
  if (mappings) {
    report.sources.push({ part: 'processes', from: 'proc/<pid>/maps, proc/<pid>/comm' });
    report.approximations.push('every mapping is populated at start, in pid order (which pages have page-table entries is not collected); MAP_SYNC is not visible in /proc/<pid>/maps: shared mappings are imported as shared; each process keeps the kernel\'s default early/late kill (PR_MCE_KILL is not visible) and handles SIGBUS');
  }

  // ---- what already happened
  if (dmesg) {
    const pfns = [...mfPfns].filter((p) => !recreatedPfns.has(p));
    if (pfns.length) report.approximations.push(`dmesg-tail.txt: memory_failure() already ran for ${pfns.length} pfn(s) (${pfns.slice(0, 8).map(hex).join(', ')}${pfns.length > 8 ? ', …' : ''}): PageHWPoison and the signals it sent are history, not recreated`);
  } else missingPiece(c, 'dmesg-tail.txt', 'earlier memory failures are unknown');


  // ---- the YAML
  report.complete = report.missing.length === 0;
  const name = `machine ${release} collected ${manifest.get('date') ?? ''}`.trim();
  header.push(
    `# Imported by \`node dist/cli.js import\` from ${folder}`,
    `# (scripts/collect-machine.sh, ${manifest.get('date') ?? 'undated'}${manifest.get('boot_id') ? `, boot ${manifest.get('boot_id')}` : ''}).`,
    '# Where each part came from is written beside it.',
  );
  if (!report.complete) {
    header.push('#', '# INCOMPLETE: pieces the collector could not read, and what that costs:');
    for (const m of report.missing) header.push(`#   - ${m.file} (${m.why}): ${m.cost}`);
  }
  if (report.approximations.length) {
    header.push('#', '# Approximations:');
    for (const a of report.approximations) header.push(`#   - ${a}`);
  }
  out.push(...header, 'version: 1', `name: ${q(name)}`);
  out.push(`description: ${q(`A machine imported from ${folder}${report.complete ? '' : ' (INCOMPLETE: ' + report.missing.map((m) => m.file).join(', ') + ' missing)'}. ${report.approximations.length} approximation(s), listed at the top of the file.`)}`);
  out.push(`kernel: { ${kernel.join(', ')} }   # ${['uname-r.txt', 'sysctl-vm.txt'].filter((f) => has(c, f)).join(', ') || 'defaults'}`);
  out.push('platform:', ...(plat.length ? ['  regions:', ...plat] : ['  regions: []']));
  out.push(...(nsOut.length ? ['  namespaces:', ...nsOut] : []));
  if (dmOut.length) out.push('  dm:', ...dmOut);
  out.push(...cxlOut);
  if (fsOut.length) out.push('filesystems:', ...fsOut);
  if (filesOut.length) {
    out.push('files:');
    for (const f of filesOut) {
      out.push(`  - path: ${q(f.path)}   # inode ${f.ino > 0 ? f.ino : '?'}; ${f.from}`, `    size: ${f.size}`);
      if (f.extents.length) out.push('    extents:', ...f.extents.map((e) => `      - { offset: ${e.offset}, block: ${e.block}, length: ${e.length} }`));
      if (f.clone.length) out.push('    clone:   # blocks it shares with a file above (fsmap lists both owners)', ...f.clone.map((x) => `      - { from: ${q(x.from)}, srcOffset: ${x.srcOffset}, dstOffset: ${x.dstOffset}, length: ${x.length} }`));
    }
  }
  if (procOut.length) out.push('processes:', ...procOut);
  out.push(...(events.length ? ['events:   # the machine\'s current poison, recreated', ...events] : ['events: []']));
  return { yaml: out.join('\n') + '\n', report };
}

/** The report as text: what came from where, what was approximated, what was missing. */
export function formatImportReport(r: ImportReport, scenarioFile: string): string {
  const L = [`imported ${r.folder} into ${scenarioFile}${r.complete ? '' : ' (INCOMPLETE)'}`];
  for (const s of r.sources) L.push(`  ${s.part}: from ${s.from}`);
  if (r.missing.length) {
    L.push('missing:');
    for (const m of r.missing) L.push(`  ${m.file} (${m.why}): ${m.cost}`);
  }
  if (r.approximations.length) {
    L.push('approximations:');
    for (const a of r.approximations) L.push(`  ${a}`);
  }
  L.push(r.targets.length ? `poison targets: ${r.targets.map((t) => t.label).join('; ')}` : 'poison targets: none (the machine has no badblocks or media errors)');
  return L.join('\n');
}
