// Scenario loading, pass 3 (meaning), the common part: the raw shapes the
// schema guarantees (numbers unparsed), defaults, and NormalizerBase with the
// state every check shares, number parsing, uniqueness and cross-reference
// checks. layout.ts (platform: addresses, geometry) and build.ts (files,
// processes, events, expectations: the Scenario itself) extend it.

import { alignUp, KiB, MiB, PAGE_SIZE, parseDuration, parseSize } from '../units';
import type {
  CxlPoisonSource,
  Design,
  EventKind,
  EventSpec,
  FileSpec,
  FilesystemSpec,
  KernelConfig,
  MapFlags,
  NamespaceMode,
  NamespaceSpec,
  ProcessSpec,
  Prot,
  RegionSpec,
  SignalCode,
  VerdictExpect,
} from './types';
import type { RawExtent } from './extents';
import { fieldLabel, type Problems } from './validate';
import type { LoadOptions } from './load';

// ---------------------------------------------------------------------------
// Pass 3: meaning. Raw shapes: what the schema guarantees, numbers unparsed.

export type Num = number | string;

export interface RawScenario {
  version: 1;
  name?: string;
  description?: string;
  seed?: number;
  kernel?: Partial<Omit<KernelConfig, 'hwpoisonFilter'>> & { hwpoisonFilter?: RawHwpoisonFilter };
  platform: { regions: RawRegion[]; namespaces?: RawNamespace[]; dm?: RawDm[]; cxl?: RawCxl };
  filesystems?: RawFilesystem[];
  files?: RawFile[];
  processes?: RawProcess[];
  events?: RawEvent[];
  expect?: RawExpectation[];
}

export interface RawRegion {
  id: string;
  spa: Num;
  size: Num;
  ars?: boolean;
  clearUnit?: Num;
  errorGranularity?: Num;
}

/** extension (docs/cxl.md) */
export interface RawCxl {
  memdevs?: { id: string; ram?: Num; pmem?: Num; host?: string }[];
  decoders?: { id: string; memdev: string; size: Num; skip?: Num; dpa?: Num }[];
  regions?: { id: string; mode?: 'ram' | 'pmem'; spa: Num; size: Num; ways?: Num; granularity?: Num; targets: string[] }[];
}

export interface RawNamespace {
  id: string;
  region: string;
  offset?: Num;
  size?: Num;
  mode?: NamespaceMode;
  align?: Num;
  dataOffset?: Num;
  device?: string;
}

export interface RawDmLine {
  start: Num;
  length: Num;
  target: 'linear' | 'striped';
  device?: string;
  offset?: Num;
  chunk?: Num;
  devices?: string[];
  offsets?: Num[];
}

export interface RawDm {
  id: string;
  table: RawDmLine[];
}

export interface RawFilesystem {
  device: string;
  type: 'xfs' | 'ext4';
  mount: string;
  dax?: 'always' | 'never';
  rmapbt?: boolean;
  reflink?: boolean;
  agcount?: Num;
  blockSize?: Num;
  log?: string;
}

export interface RawFile {
  path: string;
  size?: Num;
  fill?: Num;
  reflink?: string;
  clone?: { from: string; srcOffset?: Num; dstOffset?: Num; length: Num }[];
  extents?: RawExtent[];
  extentsFile?: string;
  cached?: boolean;
}

export interface RawMapping {
  id?: string;
  file?: string;
  device?: string;
  offset?: Num;
  length?: Num;
  addr?: Num;
  prot?: Prot;
  flags?: MapFlags;
  populate?: boolean;
}

export interface RawProcess {
  pid: Num;
  comm?: string;
  mceKill?: 'default' | 'early' | 'late';
  sigbus?: 'handle' | 'default';
  mappings?: RawMapping[];
}

/** Every field any event kind may have; the schema has checked which go together. */
export interface RawEvent extends RawMapping {
  do: EventKind;
  at?: Num;
  expect?: RawExpectation[];
  spa?: Num;
  region?: string;
  namespace?: string;
  process?: Num;
  sector?: Num;
  block?: Num;
  count?: Num;
  notify?: boolean;
  direct?: boolean;
  buffer?: Num;
  pfn?: Num;
  sync?: boolean;
  severity?: 'action-optional' | 'deferred';
  design?: Design;
  earlyKill?: boolean;
  recovery?: boolean;
  reporting?: KernelConfig['reporting'];
  panicOnOops?: boolean;
  hwErrorScrub?: boolean;
  hwpoisonFilter?: RawHwpoisonFilter;
  mceKill?: 'default' | 'early' | 'late';
  memdev?: string;
  dpa?: Num;
}

/** kernel.hwpoisonFilter and set's hwpoisonFilter, numbers unparsed */
export interface RawHwpoisonFilter {
  enable?: boolean;
  devMajor?: Num;
  devMinor?: Num;
  flagsMask?: Num;
  flagsValue?: Num;
  memcg?: Num;
}

export interface RawExpectation {
  signal?: { pid: Num; signo?: 'SIGBUS' | 'SIGKILL'; code?: SignalCode; addr?: Num; lsb?: number };
  noSignal?: { pid: Num };
  result?: { event: string; errno?: string; bytes?: Num; ret?: number; stopped?: 'oops' | 'blocked' };
  badblocks?: { device: string; ranges: [Num, Num][] };
  dmesg?: { contains?: string; notContains?: string };
  fs?: { mount: string; shutdown: string };
  calls?: { symbol: string; count: Num };
  hwpoison?: { pfn: Num; set?: boolean };
  cxlPoison?: { memdev?: string; region?: string; dpa?: Num; hpa?: Num; length?: Num; source?: CxlPoisonSource; traceType?: 'List' | 'Inject' | 'Clear'; count?: Num };
  verdict?: { pid?: Num | null; mapping?: string; file?: string; device?: string; outcome?: VerdictExpect['outcome']; symbol?: string; reason?: string };
}

export const KERNEL_DEFAULTS: KernelConfig = { design: 'upstream', earlyKill: false, recovery: true, reporting: 'native' };
export const DEFAULT_AT_STEP = 1_000_000; // 1ms between events whose `at` is not given
export const DEFAULT_ALIGN = 2 * MiB;
const INFO_BLOCK = 8 * KiB; // pfn info block area before the memmap
const MEMMAP_PER_PAGE = 64; // sizeof(struct page)
export const MAX_PHYS = 2 ** 52; // x86-64 physical address space

/** What a device name stands for. */
export interface DeviceInfo {
  name: string;
  kind: 'pmem' | 'dax' | 'dm';
  /** usable bytes: the data area of a namespace, the mapped length of a dm device */
  bytes: number;
  namespace?: NamespaceSpec;
  /** where it was defined */
  pointer: string;
}

export interface FileInfo {
  spec: FileSpec;
  fs: FilesystemSpec | undefined;
}

/** "/dev/pmem0" and "/dev/mapper/dm-0" name the same devices as "pmem0" and "dm-0". */
export function deviceName(ref: string): string {
  return ref.replace(/^\/dev\/(mapper\/)?/, '');
}

export function describeList(items: Iterable<string>): string {
  const list = [...items];
  return list.length ? list.join(', ') : 'none';
}

/** Drop keys whose value is undefined, so normalized objects compare and print cleanly. */
export function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}

export class NormalizerBase {
  protected readonly regions = new Map<string, { spec: RegionSpec; index: number }>();
  protected readonly namespaces = new Map<string, NamespaceSpec>();
  protected readonly devices = new Map<string, DeviceInfo>();
  /** underlying device -> the dm table line that claims it (a claimed device cannot carry a filesystem) */
  protected readonly claimedBy = new Map<string, string>();
  protected readonly filesystems: FilesystemSpec[] = [];
  protected readonly files = new Map<string, FileInfo>();
  protected readonly processes = new Map<number, ProcessSpec>();
  /** event id -> index of the first event with it */
  protected readonly eventIds = new Map<string, number>();
  /** id of each event, by position */
  protected eventIdList: string[] = [];

  constructor(
    protected readonly problems: Problems,
    protected readonly source: string,
    protected readonly options: LoadOptions = {},
  ) {}

  // ---- numbers ----

  protected number(v: Num, pointer: string, parse: (v: unknown) => number | undefined): number {
    const n = parse(v);
    if (n !== undefined) return n;
    this.problems.bad(pointer, v, 'is too large (beyond 2^53, the largest integer kept exactly)');
    return 0;
  }

  protected size(v: Num, pointer: string): number {
    return this.number(v, pointer, parseSize);
  }

  protected optSize(v: Num | undefined, pointer: string): number | undefined {
    return v === undefined ? undefined : this.size(v, pointer);
  }

  protected duration(v: Num, pointer: string): number {
    return this.number(v, pointer, parseDuration);
  }

  // ---- uniqueness ----

  /** Report every item whose key an earlier item already used. */
  protected unique<T>(items: T[], key: (t: T) => string, pointer: (t: T, i: number) => string): void {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const earlier = first.get(k);
      if (earlier === undefined) first.set(k, i);
      else this.problems.bad(pointer(item, i), k, `is already used by ${fieldLabel(pointer(items[earlier]!, earlier))}`);
    });
  }

  // ---- references ----

  protected requireFile(path: string, pointer: string): FileInfo | undefined {
    const file = this.files.get(path);
    if (!file) this.problems.bad(pointer, path, `is not one of the files (files: ${describeList(this.files.keys())})`);
    return file;
  }

  protected requireDevice(written: string, pointer: string): DeviceInfo | undefined {
    const device = this.devices.get(deviceName(written));
    if (!device) this.problems.bad(pointer, written, `is not a device (devices: ${describeList(this.devices.keys())})`);
    return device;
  }

  protected requireNamespace(id: string, pointer: string): NamespaceSpec | undefined {
    const ns = this.namespaces.get(id);
    if (!ns) this.problems.bad(pointer, id, `is not a namespace (namespaces: ${describeList(this.namespaces.keys())})`);
    return ns;
  }

  protected requireRegion(id: string, pointer: string): RegionSpec | undefined {
    const region = this.regions.get(id)?.spec;
    if (!region) this.problems.bad(pointer, id, `is not a region (regions: ${describeList(this.regions.keys())})`);
    return region;
  }

  protected requireProcess(raw: Num, pointer: string, state?: EventState): number {
    const pid = this.size(raw, pointer);
    if (!this.processes.has(pid)) {
      this.problems.bad(pointer, raw, `is not a process (pids: ${describeList([...this.processes.keys()].map(String))})`);
    } else if (state?.exited.has(pid)) {
      this.problems.bad(pointer, raw, `names a process that has exited (at ${fieldLabel(state.exited.get(pid)!)})`);
    }
    return pid;
  }

}

/** What the event loop tracks to reject events that cannot happen. */
export interface EventState {
  previousAt: number;
  /** pid -> pointer of the exit event */
  exited: Map<number, string>;
  /** pid -> ids of its mappings at this point of the event list */
  live: Map<number, Set<string>>;
  /** pid -> mappings created so far (for default ids m<n>) */
  created: Map<number, number>;
}

/** EventSpec without the fields every event has. */
export type EventBody = EventSpec extends infer E ? (E extends EventSpec ? Omit<E, 'id' | 'at' | 'expect' | 'path'> : never) : never;

export function autoDataOffset(size: number, align: number): number {
  return alignUp(INFO_BLOCK + MEMMAP_PER_PAGE * Math.floor(size / PAGE_SIZE), align);
}

export function formatDuration(ns: number): string {
  for (const [unit, mult] of [
    ['s', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ] as const) {
    if (ns >= mult && ns % mult === 0) return `${ns / mult}${unit}`;
  }
  return `${ns}ns`;
}
