// Parsers for the files scripts/collect-machine.sh writes. Each takes the
// file's name (for errors) and its text, and returns what it says in
// numbers, or throws an ImportError at the line that is wrong. Pure: no I/O.
//
// Every line-based file must end with a newline: each of these tools prints
// one, so a last line without it means the file was cut (truncated). Words
// the tools print in English under LC_ALL=C are matched exactly; a file in
// another language is refused at its first line, naming what was expected.

import { ImportError, MAX_RECORDS, echo, intAt, linesOf } from './errors';
import { type JVal, arr, field, int, jsonEcho, objects, parseJson, str } from './json';

function endsWithNewline(file: string, text: string): void {
  if (text.length && !text.endsWith('\n')) {
    const n = linesOf(text).length;
    throw new ImportError(file, n, 'text', text.slice(text.lastIndexOf('\n') + 1), `the last line has no newline: the file is truncated (the command was interrupted, or the copy cut)`);
  }
}

function tooMany(file: string, line: number, count: number, what: string): void {
  if (count > MAX_RECORDS) throw new ImportError(file, line, what, count, `has more than ${MAX_RECORDS.toLocaleString('en-US')} ${what}: more than this importer builds a machine from`);
}

// ------------------------------------------------------------------ ndctl

export interface BadRange {
  /** 512-byte sectors from the start of the device, namespace data area or region */
  offset: number;
  length: number;
  line: number;
}

export interface NdNamespace {
  dev: string;
  mode: 'fsdax' | 'devdax' | 'raw' | 'sector' | string;
  /** usable size as ndctl prints it (fsdax/devdax: the data area) */
  size?: number;
  align?: number;
  blockdev?: string;
  chardev?: string;
  badblocks: BadRange[];
  line: number;
}

export interface NdRegion {
  dev: string;
  size: number;
  align?: number;
  type: string;
  badblocks: BadRange[];
  namespaces: NdNamespace[];
  line: number;
}

function badblocksOf(file: string, o: JVal): BadRange[] {
  return arr(file, o, 'badblocks').map((b) => ({ offset: int(file, b, 'offset') ?? missing(file, b, 'offset'), length: int(file, b, 'length') ?? missing(file, b, 'length'), line: b.line }));
}

function missing(file: string, o: JVal, k: string): never {
  throw new ImportError(file, o.line, k, undefined, `this object has no ${k} (every entry of its kind has one): not ndctl/daxctl/cxl list output, or a version this importer does not know`);
}

/** `ndctl list -BDRNM -vvv`: regions and their namespaces, wherever they nest (one bus or several) */
export function parseNdctl(file: string, text: string): NdRegion[] {
  const root = parseJson(file, text);
  const regions: NdRegion[] = [];
  for (const o of objects(root)) {
    const dev = field(o, 'dev');
    if (!dev || dev.t !== 'str' || !/^region\d+$/.test(dev.v)) continue;
    const namespaces: NdNamespace[] = [];
    for (const n of arr(file, o, 'namespaces')) {
      const nd = str(file, n, 'dev') ?? missing(file, n, 'dev');
      if (!/^namespace\d+\.\d+$/.test(nd)) throw new ImportError(file, n.line, 'dev', nd, `namespace dev ${echo(nd)} is not namespaceN.M`);
      const mode = str(file, n, 'mode') ?? missing(file, n, 'mode');
      let chardev: string | undefined;
      let align = int(file, n, 'align');
      const dr = field(n, 'daxregion');
      if (dr) {
        align ??= int(file, dr, 'align');
        for (const d of arr(file, dr, 'devices')) chardev ??= str(file, d, 'chardev');
      }
      const blockdev = str(file, n, 'blockdev');
      for (const [k, v] of [['blockdev', blockdev], ['chardev', chardev]] as const)
        if (v !== undefined && !/^(pmem\d+(\.\d+)?s?|dax\d+\.\d+)$/.test(v)) throw new ImportError(file, n.line, k, v, `${k} ${echo(v)} is not a pmem or dax device name`);
      namespaces.push({ dev: nd, mode, size: int(file, n, 'size'), align, blockdev, chardev, badblocks: badblocksOf(file, n), line: n.line });
    }
    regions.push({
      dev: dev.v,
      size: int(file, o, 'size') ?? missing(file, o, 'size'),
      align: int(file, o, 'align'),
      type: str(file, o, 'type') ?? 'pmem',
      badblocks: badblocksOf(file, o),
      namespaces,
      line: o.line,
    });
  }
  if (root.t !== 'obj' && root.t !== 'arr') throw new ImportError(file, root.line, 'json', jsonEcho(root), `is ${jsonEcho(root)}, not an ndctl listing`);
  return regions;
}

// ---------------------------------------------------------------- daxctl

export interface DaxDevice {
  chardev: string;
  size: number;
  mode?: string;
  align?: number;
  line: number;
}

/** `daxctl list -DRM`: device-dax instances (those of an nd region are in ndctl's listing too; CXL ram regions only here) */
export function parseDaxctl(file: string, text: string): DaxDevice[] {
  const root = parseJson(file, text);
  const out: DaxDevice[] = [];
  for (const o of objects(root)) {
    const c = field(o, 'chardev');
    if (!c || c.t !== 'str') continue;
    if (!/^dax\d+\.\d+$/.test(c.v)) throw new ImportError(file, c.line, 'chardev', c.v, `chardev ${echo(c.v)} is not daxN.M`);
    out.push({ chardev: c.v, size: int(file, o, 'size') ?? missing(file, o, 'size'), mode: str(file, o, 'mode'), align: int(file, o, 'align'), line: o.line });
  }
  return out;
}

// ------------------------------------------------------------------- cxl

export interface CxlMemdev {
  memdev: string;
  ram: number;
  pmem: number;
  host?: string;
  line: number;
}

export interface CxlEndpointDecoder {
  decoder: string;
  port: number;
  dpa: number;
  size: number;
  mode: string;
  region?: string;
  memdev?: string;
  line: number;
}

export interface CxlRegion {
  region: string;
  resource: number;
  size: number;
  type: string;
  ways: number;
  granularity: number;
  /** position order: the endpoint decoder (and memdev) at each position */
  targets: { position: number; decoder?: string; memdev?: string }[];
  line: number;
}

/**
 * One media-error record of `cxl list --media-errors` (ndctl v80 and later,
 * also turned on by -vvv): cxl/json.c util_cxl_poison_list_to_json and
 * poison_event_to_json print, under a memdev, "offset" = the DPA; under a
 * region, "offset" = the HPA minus the region's resource (no memdev named);
 * "length" = the record's DPA length in bytes, "source" one of Unknown,
 * External, Internal, Injected, Vendor Specific, and "flags" ("More,",
 * "Scanning,", "Overflow,") and "overflow_t" only when set.
 */
export interface CxlMediaError {
  /** listed under this memdev: dpa is set */
  memdev?: string;
  dpa?: number;
  /** listed under this region: hpaOffset is set */
  region?: string;
  hpaOffset?: number;
  length: number;
  source?: string;
  /** the poison list overflowed: the device holds more records than it listed */
  overflow?: boolean;
  line: number;
}

export interface CxlListing {
  memdevs: CxlMemdev[];
  decoders: CxlEndpointDecoder[];
  regions: CxlRegion[];
  mediaErrors: CxlMediaError[];
}

const POISON_SOURCES = new Set(['Unknown', 'External', 'Internal', 'Injected', 'Reserved', 'Vendor Specific']);

/** an object's "media_errors" records (see CxlMediaError); ndctl leaves the field out when the list is empty */
function mediaErrorsOf(file: string, o: JVal): { offset: number; rest: { length: number; source?: string; overflow?: boolean; line: number } }[] {
  const me = field(o, 'media_errors');
  if (!me) return [];
  if (me.t !== 'arr') throw new ImportError(file, me.line, 'media_errors', jsonEcho(me), 'expected an array of media-error records (cxl list --media-errors of ndctl v80 or later)');
  return me.v.map((e) => {
    if (e.t !== 'obj') throw new ImportError(file, e.line, 'media_errors', jsonEcho(e), 'expected a media-error record object');
    if (!field(e, 'offset') && field(e, 'dpa'))
      throw new ImportError(file, e.line, 'dpa', 'dpa', 'a media-error record with "dpa" and no "offset": the shape of an unreleased cxl list patch, not of ndctl v80 or later ("offset", "length", "source")');
    const source = str(file, e, 'source');
    if (source !== undefined && !POISON_SOURCES.has(source)) throw new ImportError(file, field(e, 'source')!.line, 'source', source, `not a media-error source (Unknown, External, Internal, Injected, Vendor Specific)`);
    const flags = str(file, e, 'flags') ?? '';
    return { offset: int(file, e, 'offset') ?? missing(file, e, 'offset'), rest: { length: int(file, e, 'length') ?? missing(file, e, 'length'), source, ...(/Overflow/.test(flags) ? { overflow: true } : {}), line: e.line } };
  });
}

/** `cxl list -vvv` (and `--media-errors`): memdevs, endpoint decoders, regions, and the media errors listed under memdevs (by DPA) and regions (by region offset) */
export function parseCxl(file: string, text: string): CxlListing {
  const root = parseJson(file, text);
  const out: CxlListing = { memdevs: [], decoders: [], regions: [], mediaErrors: [] };
  const seen = new Set<string>();
  for (const o of objects(root)) {
    const md = field(o, 'memdev');
    if (md && md.t === 'str' && (field(o, 'ram_size') || field(o, 'pmem_size') || field(o, 'serial'))) {
      if (!/^mem\d+$/.test(md.v)) throw new ImportError(file, md.line, 'memdev', md.v, `memdev ${echo(md.v)} is not memN`);
      if (!seen.has('m' + md.v)) {
        seen.add('m' + md.v);
        out.memdevs.push({ memdev: md.v, ram: int(file, o, 'ram_size') ?? 0, pmem: int(file, o, 'pmem_size') ?? 0, host: str(file, o, 'host'), line: o.line });
      }
      for (const e of mediaErrorsOf(file, o)) out.mediaErrors.push({ memdev: md.v, dpa: e.offset, ...e.rest });
    }
    const dec = field(o, 'decoder');
    if (dec && dec.t === 'str' && field(o, 'dpa_resource')) {
      const m = /^decoder(\d+)\.(\d+)$/.exec(dec.v);
      if (!m) throw new ImportError(file, dec.line, 'decoder', dec.v, `decoder ${echo(dec.v)} is not decoderP.N`);
      if (!seen.has('d' + dec.v)) {
        seen.add('d' + dec.v);
        out.decoders.push({ decoder: dec.v, port: Number(m[1]), dpa: int(file, o, 'dpa_resource')!, size: int(file, o, 'dpa_size') ?? int(file, o, 'size') ?? missing(file, o, 'dpa_size'), mode: str(file, o, 'mode') ?? 'none', region: str(file, o, 'region'), memdev: str(file, o, 'memdev'), line: o.line });
      }
    }
    const reg = field(o, 'region');
    if (reg && reg.t === 'str' && !field(o, 'decoder') && field(o, 'interleave_ways') && field(o, 'resource')) {
      if (!/^region\d+$/.test(reg.v)) throw new ImportError(file, reg.line, 'region', reg.v, `region ${echo(reg.v)} is not regionN`);
      if (seen.has('r' + reg.v)) continue;
      seen.add('r' + reg.v);
      for (const e of mediaErrorsOf(file, o)) out.mediaErrors.push({ region: reg.v, hpaOffset: e.offset, ...e.rest });
      const targets = arr(file, o, 'mappings').map((t) => ({ position: int(file, t, 'position') ?? missing(file, t, 'position'), decoder: str(file, t, 'decoder'), memdev: str(file, t, 'memdev') }));
      out.regions.push({
        region: reg.v,
        resource: int(file, o, 'resource')!,
        size: int(file, o, 'size') ?? missing(file, o, 'size'),
        type: str(file, o, 'type') ?? 'pmem',
        ways: int(file, o, 'interleave_ways')!,
        granularity: int(file, o, 'interleave_granularity') ?? 256,
        targets: targets.sort((a, b) => a.position - b.position),
        line: o.line,
      });
    }
  }
  return out;
}

// ------------------------------------------------------- sysfs, badblocks, iomem

export interface SysfsNd {
  /** device → attribute → { value, line } */
  devs: Map<string, Map<string, { v: string; line: number }>>;
}

/** the collector's `sysfs-nd.txt`: "<device> <attribute> <value>" per line */
export function parseSysfsNd(file: string, text: string): SysfsNd {
  endsWithNewline(file, text);
  const devs = new Map<string, Map<string, { v: string; line: number }>>();
  const ls = linesOf(text);
  tooMany(file, ls.length, ls.length, 'lines');
  for (const { n, s } of ls) {
    const m = /^([\w.:-]+) ([a-z_]+) (.*)$/.exec(s);
    if (!m) throw new ImportError(file, n, 'line', s, `expected "<device> <attribute> <value>", got ${echo(s)}`);
    if (!devs.has(m[1]!)) devs.set(m[1]!, new Map());
    devs.get(m[1]!)!.set(m[2]!, { v: m[3]!, line: n });
  }
  return { devs };
}

/** /sys/block/<dev>/badblocks: "<first sector> <count>" per line */
export function parseBadblocks(file: string, text: string): BadRange[] {
  endsWithNewline(file, text);
  const out: BadRange[] = [];
  const ls = linesOf(text);
  tooMany(file, ls.length, ls.length, 'badblock ranges');
  for (const { n, s } of ls) {
    const m = /^(\S+) (\S+)$/.exec(s);
    if (!m) throw new ImportError(file, n, 'line', s, `expected "<sector> <count>", got ${echo(s)}`);
    const offset = intAt(file, n, 'sector', m[1]!);
    const length = intAt(file, n, 'count', m[2]!, m[1]!.length + 2);
    if (length === 0) throw new ImportError(file, n, 'count', 0, 'a badblock range of 0 sectors');
    out.push({ offset, length, line: n });
  }
  return out;
}

export interface IomemEntry {
  start: number;
  end: number;
  name: string;
  depth: number;
  line: number;
}

/** /proc/iomem lines: "<indent><start>-<end> : <name>" */
export function parseIomem(file: string, text: string): IomemEntry[] {
  endsWithNewline(file, text);
  const out: IomemEntry[] = [];
  const ls = linesOf(text);
  tooMany(file, ls.length, ls.length, 'lines');
  for (const { n, s } of ls) {
    const m = /^( *)([0-9a-f]+)-([0-9a-f]+) : (.+)$/.exec(s);
    if (!m) throw new ImportError(file, n, 'line', s, `expected "<start>-<end> : <name>" (hex), got ${echo(s)}`);
    const start = intAt(file, n, 'start', '0x' + m[2]!, m[1]!.length + 1);
    const end = intAt(file, n, 'end', '0x' + m[3]!, m[1]!.length + m[2]!.length + 2);
    if (end < start) throw new ImportError(file, n, 'end', m[3], `range ${m[2]}-${m[3]} ends before it starts`);
    out.push({ start, end, name: m[4]!, depth: m[1]!.length / 2, line: n });
  }
  return out;
}

// ------------------------------------------------------------- mounts and filesystems

export interface Mount {
  target: string;
  source: string;
  fstype: string;
  options: string;
  majmin?: string;
  line: number;
}

/** `findmnt -J -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN`: the tree, flattened */
export function parseFindmnt(file: string, text: string): Mount[] {
  const root = parseJson(file, text);
  const fss = field(root, 'filesystems');
  if (!fss) throw new ImportError(file, root.line, 'filesystems', jsonEcho(root), `has no "filesystems" list: not findmnt -J output`);
  const out: Mount[] = [];
  const walk = (list: JVal[]) => {
    for (const f of list) {
      const target = str(file, f, 'target') ?? missing(file, f, 'target');
      out.push({ target, source: str(file, f, 'source') ?? '', fstype: str(file, f, 'fstype') ?? '', options: str(file, f, 'options') ?? '', majmin: str(file, f, 'maj:min'), line: f.line });
      walk(arr(file, f, 'children'));
    }
  };
  walk(arr(file, root, 'filesystems'));
  return out;
}

export interface XfsInfo {
  device: string;
  isize: number;
  agcount: number;
  agsize: number;
  sectsz: number;
  crc: boolean;
  rmapbt: boolean;
  reflink: boolean;
  bsize: number;
  blocks: number;
  log: 'internal' | 'external';
  logBlocks: number;
}

/** `xfs_info <mount>` (the same text mkfs.xfs prints) */
export function parseXfsInfo(file: string, text: string): XfsInfo {
  endsWithNewline(file, text);
  const ls = linesOf(text);
  if (!ls.length || !/^meta-data=/.test(ls[0]!.s))
    throw new ImportError(file, 1, 'meta-data', ls[0]?.s ?? '', `expected xfs_info output, whose first line starts with "meta-data=", got ${echo(ls[0]?.s ?? '')} (another language? collect with LC_ALL=C)`);
  let section = '';
  const kv = new Map<string, { v: string; line: number }>();
  for (const { n, s } of ls) {
    const m = /^([a-z-]+)?\s*=(.*)$/.exec(s);
    if (!m) {
      if (s.trim() === '') continue;
      throw new ImportError(file, n, 'line', s, `expected "<section> = key=value ...", got ${echo(s)}`);
    }
    if (m[1]) section = m[1];
    let rest = m[2]!;
    if (m[1]) {
      // the section's own value: meta-data=/dev/pmem0, log =internal log, naming =version 2
      const first = /^(\S+(?: log)?)\s*/.exec(rest);
      if (first && !first[1]!.includes('=')) {
        kv.set(`${section}.`, { v: first[1]!, line: n });
        rest = rest.slice(first[0].length);
      }
    }
    for (const t of rest.matchAll(/([a-z0-9_-]+)=([^\s,]+)/g)) {
      const key = `${section}.${t[1]}`;
      if (!kv.has(key)) kv.set(key, { v: t[2]!, line: n });
    }
  }
  const need = (k: string): number => {
    const e = kv.get(k);
    if (!e) throw new ImportError(file, ls.length, k, undefined, `has no ${k.replace('.', ' ')}=: truncated, or not xfs_info output`);
    return intAt(file, e.line, k, e.v);
  };
  const flag = (k: string): boolean => (kv.has(k) ? need(k) === 1 : false);
  for (const s of ['meta-data', 'data', 'log'])
    if (![...kv.keys()].some((k) => k.startsWith(s + '.'))) throw new ImportError(file, ls.length, s, undefined, `has no ${s} section: truncated`);
  const logv = kv.get('log.')?.v ?? '';
  return {
    device: kv.get('meta-data.')?.v ?? '',
    isize: need('meta-data.isize'),
    agcount: need('meta-data.agcount'),
    agsize: need('meta-data.agsize'),
    sectsz: need('meta-data.sectsz'),
    crc: flag('meta-data.crc'),
    rmapbt: flag('meta-data.rmapbt'),
    reflink: flag('meta-data.reflink'),
    bsize: need('data.bsize'),
    blocks: need('data.blocks'),
    log: logv === 'internal log' || logv === 'internal' ? 'internal' : 'external',
    logBlocks: need('log.blocks'),
  };
}

export interface FsmapRecord {
  /** major:minor */
  dev: string;
  /** 512-byte units on the device */
  start: number;
  end: number;
  /** an inode number, or the metadata kind as printed ("static fs metadata", "free space", ...) */
  owner: number | string;
  /** 512-byte units in the file, for an inode's data */
  fileStart?: number;
  fileEnd?: number;
  ag: number;
  flags: number;
  line: number;
}

/** `xfs_io -c 'fsmap -d -v'`: the reverse map, one record per line */
export function parseFsmap(file: string, text: string): FsmapRecord[] {
  endsWithNewline(file, text);
  const ls = linesOf(text);
  if (!ls.length || !/^\s*EXT: DEV\s+BLOCK-RANGE\s+OWNER\s+FILE-OFFSET\s+AG\s+AG-OFFSET\s+TOTAL/.test(ls[0]!.s))
    throw new ImportError(file, 1, 'header', ls[0]?.s ?? '', `expected the header of xfs_io -c 'fsmap -d -v' (" EXT: DEV  BLOCK-RANGE  OWNER  FILE-OFFSET  AG AG-OFFSET  TOTAL FLAGS"), got ${echo(ls[0]?.s ?? '')}`);
  tooMany(file, ls.length, ls.length, 'lines');
  const out: FsmapRecord[] = [];
  let legend = false;
  for (const { n, s } of ls.slice(1)) {
    if (legend || /^\s*FLAG Values:/.test(s)) {
      legend = true;
      continue;
    }
    const m = /^\s*(\d+): (\d+:\d+) \[(\d+)\.\.(\d+)\]:\s+(.+?)\s{2,}(?:(\d+)\.\.(\d+)\s+)?(\d+)\s+\((\d+)\.\.(\d+)\)\s+(\d+)(?:\s+([0-7]+))?\s*$/.exec(s);
    if (!m) throw new ImportError(file, n, 'line', s, `expected an fsmap record ("N: MAJ:MIN [a..b]: owner [file-offset] ag (ag-offset) total [flags]"), got ${echo(s)}`);
    const idx = Number(m[1]);
    if (idx !== out.length) throw new ImportError(file, n, 'EXT', idx, `record ${idx} follows record ${out.length - 1}: records are missing (cut from the middle?)`);
    const start = intAt(file, n, 'block range', m[3]!);
    const end = intAt(file, n, 'block range', m[4]!);
    if (end < start) throw new ImportError(file, n, 'block range', `${start}..${end}`, `block range ${start}..${end} ends before it starts`);
    const ownerText = m[5]!.trim();
    const owner = /^\d+$/.test(ownerText) ? intAt(file, n, 'owner', ownerText) : ownerText;
    const rec: FsmapRecord = { dev: m[2]!, start, end, owner, ag: Number(m[8]), flags: m[12] ? parseInt(m[12], 8) : 0, line: n };
    if (m[6] !== undefined) {
      rec.fileStart = intAt(file, n, 'file offset', m[6]);
      rec.fileEnd = intAt(file, n, 'file offset', m[7]!);
      if (rec.fileEnd - rec.fileStart !== end - start) throw new ImportError(file, n, 'file offset', `${m[6]}..${m[7]}`, `file offset ${m[6]}..${m[7]} is not as long as block range ${start}..${end}`);
    }
    if (out.length && out[0]!.dev !== rec.dev) throw new ImportError(file, n, 'DEV', rec.dev, `device ${rec.dev} differs from the first record's ${out[0]!.dev}: two filesystems in one fsmap`);
    out.push(rec);
  }
  if (!out.length) throw new ImportError(file, ls.length, 'records', 0, 'has a header and no records: truncated');
  return out;
}

export interface Ext4Info {
  blockSize: number;
  blockCount: number;
  features: string[];
}

/** `dumpe2fs -h <dev>` */
export function parseDumpe2fs(file: string, text: string): Ext4Info {
  endsWithNewline(file, text);
  const kv = new Map<string, { v: string; line: number }>();
  for (const { n, s } of linesOf(text)) {
    const m = /^([A-Za-z][A-Za-z /#-]*):\s+(.*)$/.exec(s);
    if (m) kv.set(m[1]!, { v: m[2]!, line: n });
  }
  const need = (k: string) => {
    const e = kv.get(k);
    if (!e) throw new ImportError(file, 1, k, undefined, `has no "${k}:" line: not dumpe2fs -h output in the C locale, or truncated`);
    return e;
  };
  const bs = need('Block size');
  const bc = need('Block count');
  return { blockSize: intAt(file, bs.line, 'Block size', bs.v), blockCount: intAt(file, bc.line, 'Block count', bc.v), features: (kv.get('Filesystem features')?.v ?? '').split(/\s+/).filter(Boolean) };
}

// ----------------------------------------------------------------- files

export interface FileExtent {
  /** filesystem blocks */
  logical: number;
  physical: number;
  length: number;
  flags: string[];
  line: number;
}

export interface Filefrag {
  path: string;
  size: number;
  blockSize: number;
  fsType: number;
  extents: FileExtent[];
}

/** `filefrag -v <file>` */
export function parseFilefrag(file: string, text: string): Filefrag {
  endsWithNewline(file, text);
  const ls = linesOf(text);
  const l1 = /^Filesystem type is: ([0-9a-f]+)$/.exec(ls[0]?.s ?? '');
  if (!l1) throw new ImportError(file, 1, 'header', ls[0]?.s ?? '', `expected "Filesystem type is: <hex>" (filefrag -v in the C locale), got ${echo(ls[0]?.s ?? '')}`);
  const l2 = /^File size of (.+) is (\d+) \((\d+) blocks? of (\d+) bytes\)$/.exec(ls[1]?.s ?? '');
  if (!l2) throw new ImportError(file, 2, 'header', ls[1]?.s ?? '', `expected "File size of <path> is <bytes> (<n> blocks of <size> bytes)", got ${echo(ls[1]?.s ?? '')}`);
  const path = l2[1]!;
  const extents: FileExtent[] = [];
  let found: number | undefined;
  for (const { n, s } of ls.slice(2)) {
    if (/^\s*ext:\s+logical_offset:/.test(s)) continue;
    const e = /^\s*(\d+):\s+(\d+)\.\.\s*(\d+):\s+(\d+)\.\.\s*(\d+):\s+(\d+):\s*(?:\d+:)?\s*(\S*)\s*$/.exec(s);
    if (e) {
      if (found !== undefined) throw new ImportError(file, n, 'line', s, 'an extent after the "extents found" line');
      const idx = Number(e[1]);
      if (idx !== extents.length) throw new ImportError(file, n, 'ext', idx, `extent ${idx} follows extent ${extents.length - 1}: extents are missing`);
      const logical = intAt(file, n, 'logical_offset', e[2]!);
      const physical = intAt(file, n, 'physical_offset', e[4]!);
      const length = intAt(file, n, 'length', e[6]!);
      if (intAt(file, n, 'logical_offset', e[3]!) - logical + 1 !== length || intAt(file, n, 'physical_offset', e[5]!) - physical + 1 !== length)
        throw new ImportError(file, n, 'length', length, `extent ${idx}: the offsets' ranges are not ${length} blocks long`);
      extents.push({ logical, physical, length, flags: e[7] ? e[7].split(',') : [], line: n });
      tooMany(file, n, extents.length, 'extents');
      continue;
    }
    const t = /^(.+): (\d+) extents? found$/.exec(s);
    if (t && t[1] === path) {
      found = Number(t[2]);
      if (found !== extents.length) throw new ImportError(file, n, 'extents found', found, `says ${found} extents found, but lists ${extents.length}: cut in the middle`);
      continue;
    }
    throw new ImportError(file, n, 'line', s, `expected an extent line or "${path}: N extents found", got ${echo(s)}`);
  }
  if (found === undefined) throw new ImportError(file, ls.length, 'extents found', undefined, `has no "${path}: N extents found" line: truncated`);
  return { path, size: intAt(file, 2, 'size', l2[2]!), blockSize: intAt(file, 2, 'block size', l2[4]!), fsType: parseInt(l1[1]!, 16), extents };
}

export interface StatLine {
  ino: number;
  size: number;
  type: string;
}

/** the collector's `stat -c '%i %s %F'` */
export function parseStat(file: string, text: string): StatLine {
  endsWithNewline(file, text);
  const ls = linesOf(text);
  const m = /^(\d+) (\d+) (.+)$/.exec(ls[0]?.s ?? '');
  if (!m || ls.length !== 1) throw new ImportError(file, 1, 'line', ls[0]?.s ?? '', `expected "<inode> <size> <type>" (stat -c '%i %s %F'), got ${echo(ls[0]?.s ?? '')}`);
  return { ino: intAt(file, 1, 'inode', m[1]!), size: intAt(file, 1, 'size', m[2]!), type: m[3]! };
}

// ------------------------------------------------------------- processes

export interface MapsLine {
  start: number;
  end: number;
  perms: string;
  offset: number;
  dev: string;
  inode: number;
  path: string;
  line: number;
}

/** /proc/<pid>/maps */
export function parseMaps(file: string, text: string): MapsLine[] {
  endsWithNewline(file, text);
  const out: MapsLine[] = [];
  const ls = linesOf(text);
  tooMany(file, ls.length, ls.length, 'mappings');
  for (const { n, s } of ls) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][sp]) ([0-9a-f]+) ([0-9a-f]+:[0-9a-f]+) (\d+)\s*(.*)$/.exec(s);
    if (!m) throw new ImportError(file, n, 'line', s, `expected a /proc/<pid>/maps line ("start-end perms offset dev inode path"), got ${echo(s)}`);
    const start = intAt(file, n, 'start', '0x' + m[1]);
    const end = intAt(file, n, 'end', '0x' + m[2]);
    if (end <= start || start % 4096 || end % 4096) throw new ImportError(file, n, 'range', `${m[1]}-${m[2]}`, `${m[1]}-${m[2]} is not a page-aligned, non-empty range`);
    out.push({ start, end, perms: m[3]!, offset: intAt(file, n, 'offset', '0x' + m[4]), dev: m[5]!, inode: intAt(file, n, 'inode', m[6]!), path: m[7]!, line: n });
  }
  return out;
}

// ------------------------------------------------------------------ small ones

/** `uname -r` → the release and the version the simulator models */
export function parseUname(file: string, text: string): { release: string; major: number; minor: number } {
  endsWithNewline(file, text);
  const ls = linesOf(text);
  const m = /^(\d+)\.(\d+)(\.\d+)?\S*$/.exec(ls[0]?.s ?? '');
  if (!m || ls.length !== 1) throw new ImportError(file, 1, 'release', ls[0]?.s ?? '', `expected one kernel release like "6.12.117+deb12-amd64", got ${echo(text.slice(0, 80))}`);
  return { release: ls[0]!.s, major: Number(m[1]), minor: Number(m[2]) };
}

/** the collector's sysctl-vm.txt: "vm.<name> = <value>" */
export function parseSysctl(file: string, text: string): Map<string, { v: number; line: number }> {
  endsWithNewline(file, text);
  const out = new Map<string, { v: number; line: number }>();
  for (const { n, s } of linesOf(text)) {
    const m = /^vm\.([a-z_]+) = (\S+)$/.exec(s);
    if (!m) throw new ImportError(file, n, 'line', s, `expected "vm.<name> = <value>", got ${echo(s)}`);
    out.set(m[1]!, { v: intAt(file, n, m[1]!, m[2]!, s.indexOf('=') + 3), line: n });
  }
  return out;
}

export interface MemoryFailureLine {
  pfn: number;
  text: string;
  line: number;
}

/** the dmesg tail: the pfns memory_failure() already handled ("Memory failure: 0x...: ...") */
export function parseDmesg(file: string, text: string): { lines: number; failures: MemoryFailureLine[] } {
  endsWithNewline(file, text);
  const ls = linesOf(text);
  tooMany(file, ls.length, ls.length, 'lines');
  const failures: MemoryFailureLine[] = [];
  for (const { n, s } of ls) {
    const m = /Memory failure: (0x[0-9a-f]+): (.*)$/.exec(s);
    if (m) failures.push({ pfn: intAt(file, n, 'pfn', m[1]!), text: s.replace(/^\[[\s\d.]+\]\s*/, ''), line: n });
  }
  return { lines: ls.length, failures };
}

export interface CollectError {
  file: string;
  command: string;
  reason: string;
  line: number;
}

/** the collector's collect-errors.txt: "<file>\t<command>\t<reason>" */
export function parseCollectErrors(file: string, text: string): CollectError[] {
  endsWithNewline(file, text);
  return linesOf(text).map(({ n, s }) => {
    const p = s.split('\t');
    if (p.length !== 3) throw new ImportError(file, n, 'line', s, `expected "<file><TAB><command><TAB><reason>", got ${echo(s)}`);
    return { file: p[0]!, command: p[1]!, reason: p[2]!, line: n };
  });
}

/** manifest.txt: "key: value" lines; the collector's name on the first */
export function parseManifest(file: string, text: string): Map<string, string> {
  endsWithNewline(file, text);
  const ls = linesOf(text);
  if (!/^collector: dax-poison-lab collect-machine \d+$/.test(ls[0]?.s ?? ''))
    throw new ImportError(file, 1, 'collector', ls[0]?.s ?? '', `expected "collector: dax-poison-lab collect-machine <version>": is this a folder scripts/collect-machine.sh wrote?`);
  const out = new Map<string, string>();
  for (const { s } of ls) {
    const m = /^([a-z_]+): ?(.*)$/.exec(s);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

// ------------------------------------------------------- device-mapper

export interface DmTableLine {
  name: string;
  start: number;
  length: number;
  target: string;
  args: string[];
  line: number;
}

/** `dmsetup table`: "<name>: <start> <length> <target> <args…>" per line (sectors); "No devices found" when there is none */
export function parseDmTable(file: string, text: string): DmTableLine[] {
  endsWithNewline(file, text);
  const out: DmTableLine[] = [];
  const ls = linesOf(text);
  tooMany(file, ls.length, ls.length, 'table lines');
  for (const { n, s } of ls) {
    if (s === 'No devices found') continue;
    const m = /^(\S+): (\S+) (\S+) ([a-z][\w-]*)(?: (.*))?$/.exec(s);
    if (!m) throw new ImportError(file, n, 'line', s, `expected "<name>: <start> <length> <target> <args>", got ${echo(s)}`);
    const start = intAt(file, n, 'start', m[2]!);
    const length = intAt(file, n, 'length', m[3]!);
    if (length === 0) throw new ImportError(file, n, 'length', 0, 'a table line of 0 sectors');
    out.push({ name: m[1]!, start, length, target: m[4]!, args: (m[5] ?? '').split(' ').filter(Boolean), line: n });
  }
  return out;
}
