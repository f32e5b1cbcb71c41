// Normalized scenario model: what the loader (load.ts) produces from a
// *.poison.yaml / *.poison.json file once it has been validated against
// schema/scenario.schema.json and every size, address and duration has been
// parsed into a number. The simulator only ever sees this shape.
//
// Units: every size/offset/address is a byte count (number; exact up to 2^53),
// sectors are 512-byte units, durations are simulated nanoseconds.
//
// `path` fields are JSON pointers into the source document ("/events/3/spa"),
// so that a semantic error found later (an address no device owns, a process
// that has exited) can still be reported at the right line and column.
import type { KernelVersion } from '../version';

export type Design = 'upstream' | 'page-mapping' | 'corrupted-range' | 'pagemap-failure';
export const DESIGNS: readonly Design[] = ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure'];

export interface KernelConfig {
  design: Design;
  /** vm.memory_failure_early_kill */
  earlyKill: boolean;
  /** vm.memory_failure_recovery: false panics on any memory failure */
  recovery: boolean;
  /** native = x86 machine check; firmware-first = APEI GHES */
  reporting: 'native' | 'firmware-first';
  /**
   * kernel.panic_on_oops: an oops panics ("Fatal exception") instead of
   * killing the context. Absent means 0, Debian's default
   * (CONFIG_PANIC_ON_OOPS is not set); absent rather than false so that
   * recorded scenarios keep their hashes.
   */
  panicOnOops?: boolean;
  /**
   * extension: the NFIT bus's hw_error_scrub attribute
   * (/sys/bus/nd/devices/ndbusN/nfit/hw_error_scrub): true
   * (HW_ERROR_SCRUB_ON) makes a machine check on persistent memory start an
   * address range scrub. Absent means 0, the default.
   */
  hwErrorScrub?: boolean;
  /**
   * extension (docs/hwpoison-filter.md): the hwpoison_inject module's
   * debugfs filter knobs (/sys/kernel/debug/hwpoison/corrupt-filter-*), read
   * by hwpoison_filter() and by hwpoison_inject(). Absent means the module's
   * defaults (filter off), so that recorded scenarios keep their hashes; a
   * `set` event changes the fields it names and keeps the others.
   */
  hwpoisonFilter?: HwpoisonFilterConfig;
  /**
   * the kernel release modelled (issue 15, src/sim/version.ts); absent
   * means 6.12, so that recorded scenarios keep their hashes
   */
  version?: KernelVersion;
}

/**
 * The debugfs knobs of mm/hwpoison-inject.c, each a field the kernel keeps
 * in mm/memory-failure.c. Every field absent means the kernel's initial value.
 */
export interface HwpoisonFilterConfig {
  /** corrupt-filter-enable (hwpoison_filter_enable, u32): nonzero turns the filter on; default off */
  enable?: boolean;
  /** corrupt-filter-dev-major (hwpoison_filter_dev_major, u32); default ~0U (any) */
  devMajor?: number;
  /** corrupt-filter-dev-minor (hwpoison_filter_dev_minor, u32); default ~0U (any) */
  devMinor?: number;
  /** corrupt-filter-flags-mask (hwpoison_filter_flags_mask, u64, /proc/kpageflags bits); default 0 (no flag test) */
  flagsMask?: number;
  /** corrupt-filter-flags-value (hwpoison_filter_flags_value, u64) */
  flagsValue?: number;
  /** corrupt-filter-memcg (hwpoison_filter_memcg, u64: a memory cgroup's inode number); default 0 (no test) */
  memcg?: number;
}

export interface RegionSpec {
  id: string;
  spa: number;
  size: number;
  ars: boolean;
  clearUnit: number;
  errorGranularity: number;
  path: string;
}

export type NamespaceMode = 'fsdax' | 'devdax' | 'raw';

export interface NamespaceSpec {
  id: string;
  region: string;
  /** offset within the region (resolved: packed in order when not given) */
  offset: number;
  size: number;
  mode: NamespaceMode;
  align: number;
  /** resolved: auto = alignUp(8KiB + 64 * size/4KiB, align) for fsdax/devdax, 0 for raw */
  dataOffset: number;
  /** block device name (fsdax, raw: pmem0) or dax device name (devdax: dax0.0) */
  device: string;
  path: string;
}

export type DmTarget =
  | { start: number; length: number; target: 'linear'; device: string; offset: number; path: string }
  | { start: number; length: number; target: 'striped'; chunk: number; devices: string[]; offsets: number[]; path: string };

export interface DmSpec {
  id: string;
  /** dmsetup-style lines; start/length/offset/chunk in 512-byte sectors */
  table: DmTarget[];
  path: string;
}

export interface FilesystemSpec {
  device: string;
  type: 'xfs' | 'ext4';
  mount: string;
  dax: 'always' | 'never';
  rmapbt: boolean;
  reflink: boolean;
  agcount: number;
  blockSize: number;
  /** 'internal' or the device id of an external log */
  log: string;
  path: string;
}

export interface CloneSpec {
  from: string;
  srcOffset: number;
  dstOffset: number;
  length: number;
}

export interface ExtentSpec {
  /** file offset in filesystem blocks */
  offset: number;
  /** filesystem block number (XFS: fsblock, i.e. agno << agblklog | agbno, as xfs_db prints; ext4: physical block) */
  block: number;
  /** length in filesystem blocks */
  length: number;
}

/** extension: extents[first .. first+count) of a file, and where they were written */
export interface ExtentOrigin {
  first: number;
  count: number;
  /** JSON pointer of the list entry (a pattern or a plain extent) or of the file's extentsFile */
  pointer: string;
  /** a pattern: its numbers, defaults applied */
  pattern?: { offset: number; block: number; length: number; count: number; stride: number; offsetStride: number };
  /** an extents file: its path, and the 1-based line of each of its extents */
  file?: string;
  lines?: number[];
}

export interface FileSpec {
  path: string;
  /** bytes; for a whole-file reflink, the source's size */
  size: number;
  fill: number;
  reflink?: string;
  clone: CloneSpec[];
  extents?: ExtentSpec[];
  /** extension: where runs of `extents` were written, when a pattern or an extents file wrote them (scenario/extents.ts) */
  extentOrigins?: ExtentOrigin[];
  /** extension: whether the inode is in the inode cache (XFS_IGET_INCORE finds it); default true */
  cached: boolean;
  pathPtr: string;
}

export type Prot = 'r' | 'rw';
export type MapFlags = 'shared' | 'shared-sync' | 'private';

export interface MappingSpec {
  id: string;
  file?: string;
  device?: string;
  offset: number;
  length: number;
  /** undefined = assigned by the simulator */
  addr?: number;
  prot: Prot;
  flags: MapFlags;
  populate: boolean;
  path: string;
}

export interface ProcessSpec {
  pid: number;
  comm: string;
  mceKill: 'default' | 'early' | 'late';
  sigbus: 'handle' | 'default';
  mappings: MappingSpec[];
  path: string;
}

/** A target address, in exactly one of the forms the format allows. */
export type Target =
  | { kind: 'spa'; spa: number }
  | { kind: 'region'; region: string; offset: number }
  | { kind: 'namespace'; namespace: string; offset: number }
  | { kind: 'device'; device: string; sector: number }
  | { kind: 'file'; file: string; offset: number }
  | { kind: 'process'; process: number; addr: number };

interface EventBase {
  id: string;
  /** simulated ns */
  at: number;
  expect: Expectation[];
  path: string;
}

export type EventSpec = EventBase &
  (
    | { do: 'media-error'; target: Target; length?: number }
    | { do: 'inject-error'; namespace: string; block: number; count: number; notify: boolean }
    | { do: 'uninject-error'; namespace: string; block: number; count: number }
    | { do: 'scrub'; region?: string }
    | { do: 'clear-errors'; namespace: string }
    | { do: 'load' | 'store'; process: number; addr: number; length: number }
    | {
        do: 'read' | 'write';
        process: number;
        file?: string;
        device?: string;
        offset: number;
        length: number;
        direct: boolean;
        /** extension: the caller's buffer, an address in one of its mappings (write to a DAX file only) */
        buffer?: number;
      }
    | { do: 'punch-hole'; process: number; file: string; offset: number; length: number }
    | { do: 'madvise-hwpoison' | 'madvise-soft-offline'; process: number; addr: number; length: number }
    | { do: 'corrupt-pfn' | 'unpoison-pfn'; pfn: number }
    | { do: 'ghes'; target: Target; sync: boolean }
    // extension: a patrol scrub finds an uncorrected error nobody consumed
    | { do: 'patrol-scrub'; target: Target; length?: number; severity: 'action-optional' | 'deferred' }
    | { do: 'unbind'; namespace: string }
    | { do: 'mmap'; process: number; mapping: MappingSpec }
    | { do: 'munmap'; process: number; mapping: string }
    | { do: 'exit'; process: number }
    | { do: 'set'; kernel?: Partial<KernelConfig>; process?: number; mceKill?: 'default' | 'early' | 'late' }
    // extension (docs/cxl.md): CXL debugfs poison injection/clear and the memdev poison list
    | { do: 'cxl-inject-poison' | 'cxl-clear-poison'; memdev: string; dpa: number }
    | { do: 'cxl-poison-list'; memdev?: string; region?: string }
  );

export type EventKind = EventSpec['do'];

/** none: a SIGBUS with no code of its own, which the kernel sends as SI_KERNEL (the two match each other) */
export type SignalCode = 'BUS_MCEERR_AR' | 'BUS_MCEERR_AO' | 'BUS_ADRERR' | 'SI_KERNEL' | 'none';

export type Expectation = { path: string } & (
  | { signal: { pid: number; signo?: 'SIGBUS' | 'SIGKILL'; code?: SignalCode; addr?: number; lsb?: number } }
  | { noSignal: { pid: number } }
  | { result: { event: string; errno?: string; bytes?: number; ret?: number; stopped?: 'oops' | 'blocked' } }
  | { badblocks: { device: string; ranges: [number, number][] } }
  | { dmesg: { contains?: string; notContains?: string } }
  | { fs: { mount: string; shutdown: string } }
  | { calls: { symbol: string; count: number } }
  | { hwpoison: { pfn: number; set: boolean } }
  | { cxlPoison: CxlPoisonExpect }
  | { verdict: VerdictExpect }
);

/** extension (docs/verdicts.md): some owner verdict matches every field given */
export interface VerdictExpect {
  /** a pid, or null for an owner nobody maps */
  pid?: number | null;
  mapping?: string;
  file?: string;
  device?: string;
  outcome?: 'AR' | 'AO' | 'killed' | 'SIGBUS' | 'unmapped only' | 'none';
  symbol?: string;
  /** a substring of the reason */
  reason?: string;
}

/** extension (docs/cxl.md): some cxl_poison trace records match every field given */
export interface CxlPoisonExpect {
  memdev?: string;
  /** "" for a record with no region */
  region?: string;
  dpa?: number;
  /** a number, or 'none' for ULLONG_MAX (no region, no translation) */
  hpa?: number | 'none';
  length?: number;
  source?: CxlPoisonSource;
  traceType?: 'List' | 'Inject' | 'Clear';
  /** exact number of matching records; default: at least one */
  count?: number;
}

export type CxlPoisonSource = 'Unknown' | 'External' | 'Internal' | 'Injected' | 'Vendor';

/** extension (docs/cxl.md): a CXL type-3 memory device */
export interface CxlMemdevSpec {
  id: string;
  /** volatile capacity, bytes (DPA [0, ram)) */
  ram: number;
  /** persistent capacity, bytes (DPA [ram, ram + pmem)) */
  pmem: number;
  /** the PCI device it is (cxl_mbox->host), e.g. 0000:0d:00.0 */
  host: string;
  /** endpoint port id: its decoders are decoder<port>.<n> */
  port: number;
  path: string;
}

/** an endpoint decoder, resolved: DPA base and skip, size, partition, region position */
export interface CxlDecoderSpec {
  id: string;
  memdev: string;
  /** dpa_res->start */
  dpa: number;
  skip: number;
  size: number;
  mode: 'ram' | 'pmem';
  /** the region it is attached to, and its position there */
  region?: string;
  position?: number;
  /** written in cxl.decoders (else allocated by cxl_dpa_alloc for a region target) */
  explicit: boolean;
  path: string;
}

export interface CxlRegionSpec {
  id: string;
  mode: 'ram' | 'pmem';
  /** HPA base (an SPA: no root-decoder translation is modelled) */
  spa: number;
  size: number;
  ways: number;
  granularity: number;
  /** endpoint decoder ids in position order */
  targets: string[];
  path: string;
}

export interface CxlSpec {
  memdevs: CxlMemdevSpec[];
  decoders: CxlDecoderSpec[];
  regions: CxlRegionSpec[];
}

export interface Scenario {
  version: 1;
  name: string;
  description?: string;
  /** seed for anything the simulator picks (assigned addresses never depend on it) */
  seed: number;
  kernel: KernelConfig;
  platform: {
    regions: RegionSpec[];
    namespaces: NamespaceSpec[];
    dm: DmSpec[];
    /** extension (docs/cxl.md): CXL memory devices, decoders and regions */
    cxl?: CxlSpec;
  };
  filesystems: FilesystemSpec[];
  files: FileSpec[];
  processes: ProcessSpec[];
  events: EventSpec[];
  expect: Expectation[];
  /** name of the file it came from, for error messages */
  source: string;
}
