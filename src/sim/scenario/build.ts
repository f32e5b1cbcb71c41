// Scenario loading, pass 3: building the Scenario. Normalizer.scenario()
// runs the platform layout (layout.ts), then files, processes and mappings,
// events and expectations, and returns the normalized Scenario (types.ts).

import { formatSize, hex, isAligned, PAGE_SIZE, SECTOR_SIZE } from '../units';
import type {
  CloneSpec,
  EventSpec,
  Expectation,
  ExtentSpec,
  FileSpec,
  FilesystemSpec,
  KernelConfig,
  HwpoisonFilterConfig,
  MappingSpec,
  NamespaceSpec,
  ProcessSpec,
  Scenario,
  Target,
} from './types';
import { buildExtentList } from './extents';
import { fieldLabel } from './validate';
import {
  compact,
  DEFAULT_AT_STEP,
  describeList,
  deviceName,
  type EventBody,
  type EventState,
  type FileInfo,
  formatDuration,
  KERNEL_DEFAULTS,
  type Num,
  type RawEvent,
  type RawExpectation,
  type RawHwpoisonFilter,
  type RawFile,
  type RawMapping,
  type RawProcess,
  type RawScenario,
} from './normalize';
import { PlatformLayout } from './layout';

export class Normalizer extends PlatformLayout {
  scenario(raw: RawScenario): Scenario {
    const { hwpoisonFilter: rawFilter, ...rawKernel } = raw.kernel ?? {};
    const kernel: KernelConfig = { ...KERNEL_DEFAULTS, ...rawKernel };
    if (rawFilter) kernel.hwpoisonFilter = this.hwpoisonFilter(rawFilter, '/kernel/hwpoisonFilter');
    const regions = this.regionList(raw.platform.regions);
    const cxl = raw.platform.cxl ? this.cxlPlatform(raw.platform.cxl, regions) : undefined;
    if (!regions.length && !cxl?.memdevs.length) {
      this.problems.bad('/platform/regions', raw.platform.regions, 'has no region (expected at least one NFIT region, or CXL memdevs in platform.cxl)');
    }
    const namespaces = this.namespaceList(raw.platform.namespaces ?? []);
    const dm = (raw.platform.dm ?? []).map((d, i) => this.dmDevice(d, `/platform/dm/${i}`));
    const filesystems = this.filesystemList(raw.filesystems ?? []);
    const files = (raw.files ?? []).map((f, i) => this.file(f, `/files/${i}`));
    const processes = this.processList(raw.processes ?? []);
    this.eventIdList = this.assignEventIds(raw.events ?? []);
    const events = this.eventList(raw.events ?? []);
    const expect = (raw.expect ?? []).map((x, i) => this.expectation(x, `/expect/${i}`, undefined));
    return compact({
      version: 1 as const,
      name: raw.name ?? defaultName(this.source),
      description: raw.description,
      seed: raw.seed ?? 1,
      kernel,
      platform: cxl ? { regions, namespaces, dm, cxl } : { regions, namespaces, dm },
      filesystems,
      files,
      processes,
      events,
      expect,
      source: this.source,
    });
  }

  // ---- files ----

  protected file(raw: RawFile, pathPtr: string): FileSpec {
    const fs = this.filesystemOf(raw.path, pathPtr);
    const source = raw.reflink === undefined ? undefined : this.cloneSource(raw.reflink, `${pathPtr}/reflink`, fs, raw.path);
    const size = this.fileSize(raw, source, pathPtr);
    const spec: FileSpec = compact({
      path: raw.path,
      size,
      fill: this.optSize(raw.fill, `${pathPtr}/fill`) ?? 0,
      reflink: raw.reflink,
      clone: (raw.clone ?? []).map((c, k) => this.cloneRange(c, `${pathPtr}/clone/${k}`, fs, raw.path, size)),
      cached: raw.cached ?? true,
      pathPtr,
    });
    if (raw.extents || raw.extentsFile !== undefined) Object.assign(spec, this.extents(raw, size, fs, pathPtr));
    if (this.files.has(raw.path)) {
      this.problems.bad(`${pathPtr}/path`, raw.path, `is already listed at ${fieldLabel(this.files.get(raw.path)!.spec.pathPtr)}`);
    } else {
      this.files.set(raw.path, { spec, fs });
    }
    return spec;
  }

  /** The filesystem whose mount point is the longest prefix of the path. */
  protected filesystemOf(path: string, pathPtr: string): FilesystemSpec | undefined {
    const under = (mount: string): boolean => (mount === '/' ? path !== '/' : path.startsWith(`${mount}/`));
    const fs = this.filesystems.filter((f) => under(f.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
    if (!fs) this.problems.bad(`${pathPtr}/path`, path, `is not under any mount point (mounts: ${describeList(this.filesystems.map((f) => f.mount))})`);
    return fs;
  }

  protected fileSize(raw: RawFile, source: FileInfo | undefined, pathPtr: string): number {
    if (raw.reflink !== undefined) {
      if (raw.size !== undefined) this.problems.bad(`${pathPtr}/size`, raw.size, 'cannot be given with reflink (a whole-file clone has its source\'s size)');
      return source?.spec.size ?? 0;
    }
    if (raw.size === undefined) {
      this.problems.add(`${pathPtr}/size`, undefined, 'missing (a file needs a size, or reflink to clone one)');
      return 0;
    }
    return this.size(raw.size, `${pathPtr}/size`);
  }

  /** A clone source: a file listed earlier, on the same filesystem, which must do reflink. */
  protected cloneSource(from: string, pointer: string, fs: FilesystemSpec | undefined, self: string): FileInfo | undefined {
    const source = this.files.get(from);
    if (!source) {
      const why = from === self ? 'a file cannot clone itself' : 'a clone source must be listed before the file that clones it';
      this.problems.bad(pointer, from, `is not a file listed before this one (${why})`);
      return undefined;
    }
    if (fs && source.fs && source.fs !== fs) {
      this.problems.bad(pointer, from, `is on the filesystem at ${source.fs.mount}, this file on ${fs.mount}; reflink cannot cross filesystems (EXDEV)`);
    } else if (fs && !fs.reflink) {
      const why = fs.type === 'ext4' ? 'ext4 has no reflink' : 'it was made with reflink: false';
      this.problems.bad(pointer, from, `cannot be cloned: the filesystem at ${fs.mount} does not share extents (${why}); FICLONE would fail with EOPNOTSUPP`);
    }
    return source;
  }

  protected cloneRange(raw: NonNullable<RawFile['clone']>[number], path: string, fs: FilesystemSpec | undefined, self: string, size: number): CloneSpec {
    const source = this.cloneSource(raw.from, `${path}/from`, fs, self);
    const spec: CloneSpec = {
      from: raw.from,
      srcOffset: this.optSize(raw.srcOffset, `${path}/srcOffset`) ?? 0,
      dstOffset: this.optSize(raw.dstOffset, `${path}/dstOffset`) ?? 0,
      length: this.size(raw.length, `${path}/length`),
    };
    if (spec.length === 0) this.problems.bad(`${path}/length`, raw.length, 'is empty');
    const block = fs?.blockSize ?? PAGE_SIZE;
    if (raw.srcOffset !== undefined && !isAligned(spec.srcOffset, block)) this.problems.bad(`${path}/srcOffset`, raw.srcOffset, `is not a multiple of the filesystem block size (${formatSize(block)})`);
    if (raw.dstOffset !== undefined && !isAligned(spec.dstOffset, block)) this.problems.bad(`${path}/dstOffset`, raw.dstOffset, `is not a multiple of the filesystem block size (${formatSize(block)})`);
    const srcSize = source?.spec.size;
    if (srcSize !== undefined && spec.srcOffset + spec.length > srcSize) {
      this.problems.bad(`${path}/length`, raw.length, `runs past the end of ${raw.from} (${formatSize(srcSize)} bytes from offset ${hex(spec.srcOffset)})`);
    } else if (!isAligned(spec.length, block) && spec.srcOffset + spec.length !== srcSize) {
      this.problems.bad(`${path}/length`, raw.length, `is not a multiple of the filesystem block size (${formatSize(block)}) and does not reach the end of the source`);
    }
    if (spec.dstOffset + spec.length > size) {
      this.problems.bad(`${path}/dstOffset`, raw.dstOffset ?? 0, `puts the clone past the end of ${self} (${formatSize(size)})`);
    }
    return spec;
  }

  /** Explicit extents: the list (with its patterns) or the extents file, expanded and checked (extents.ts). */
  protected readonly extentBudget = { used: 0 };

  protected extents(raw: RawFile, size: number, fs: FilesystemSpec | undefined, pathPtr: string): { extents: ExtentSpec[]; extentOrigins?: FileSpec['extentOrigins'] } {
    const field = raw.extents ? 'extents' : 'extentsFile';
    if (raw.reflink !== undefined) this.problems.bad(`${pathPtr}/${field}`, raw[field], 'cannot be given with reflink (a whole-file clone shares its source\'s blocks)');
    const block = fs?.blockSize ?? PAGE_SIZE;
    const list = buildExtentList(
      { pathPtr, extents: raw.extents, extentsFile: raw.extentsFile, fileBlocks: Math.ceil(size / block), blockLabel: formatSize(block) },
      { problems: this.problems, scenarioFile: this.source, readFile: this.options.readFile, budget: this.extentBudget },
    );
    return list.origins ? { extents: list.extents, extentOrigins: list.origins } : { extents: list.extents };
  }

  // ---- processes and mappings ----

  protected processList(raws: RawProcess[]): ProcessSpec[] {
    const specs = raws.map((raw, i) => this.process(raw, `/processes/${i}`));
    this.unique(specs, (p) => String(p.pid), (_, i) => `/processes/${i}/pid`);
    specs.forEach((p) => {
      if (!this.processes.has(p.pid)) this.processes.set(p.pid, p);
    });
    return specs;
  }

  protected process(raw: RawProcess, path: string): ProcessSpec {
    const pid = this.size(raw.pid, `${path}/pid`);
    if (pid === 0) this.problems.bad(`${path}/pid`, raw.pid, 'is not a user process id (expected 1 or more)');
    const mappings = (raw.mappings ?? []).map((m, k) => this.mapping(m, `${path}/mappings/${k}`, `m${k}`, true));
    this.unique(mappings, (m) => m.id, (_, k) => `${path}/mappings/${k}/id`);
    this.checkMappingOverlaps(mappings);
    return {
      pid,
      comm: raw.comm ?? `proc${pid}`,
      mceKill: raw.mceKill ?? 'default',
      sigbus: raw.sigbus ?? 'handle',
      mappings,
      path,
    };
  }

  /**
   * `atStart`: the mapping exists before the run, so whatever mmap() would
   * refuse is a scenario error; an mmap event's arguments are left to the
   * simulator, which answers them with an errno as the kernel would.
   */
  protected mapping(raw: RawMapping, path: string, defaultId: string, atStart: boolean): MappingSpec {
    const target = this.mappedObject(raw, path);
    const offset = this.optSize(raw.offset, `${path}/offset`) ?? 0;
    const spec: MappingSpec = compact({
      id: raw.id ?? defaultId,
      file: raw.file,
      device: raw.device === undefined ? undefined : deviceName(raw.device),
      offset,
      length: this.mappingLength(raw, offset, target?.bytes, path),
      addr: raw.addr === undefined ? undefined : this.size(raw.addr, `${path}/addr`),
      prot: raw.prot ?? 'rw',
      flags: raw.flags ?? 'shared',
      populate: raw.populate ?? false,
      path,
    });
    if (atStart) this.checkMappingArguments(raw, spec, target?.namespace);
    return spec;
  }

  /** The file or device a mapping (or read/write) names, with its size. */
  protected mappedObject(raw: { file?: string; device?: string }, path: string): { bytes: number; namespace?: NamespaceSpec } | undefined {
    if (raw.file !== undefined) {
      const file = this.requireFile(raw.file, `${path}/file`);
      return file && { bytes: file.spec.size };
    }
    if (raw.device !== undefined) {
      const device = this.requireDevice(raw.device, `${path}/device`);
      return device && { bytes: device.bytes, namespace: device.kind === 'dax' ? device.namespace : undefined };
    }
    return undefined;
  }

  protected mappingLength(raw: RawMapping, offset: number, available: number | undefined, path: string): number {
    if (raw.length !== undefined) {
      const length = this.size(raw.length, `${path}/length`);
      if (length === 0) this.problems.bad(`${path}/length`, raw.length, 'is empty (mmap of 0 bytes fails with EINVAL)');
      return length;
    }
    if (available === undefined) return 0; // the missing file or device is already reported
    if (offset >= available) {
      this.problems.add(`${path}/length`, undefined, `missing, and nothing is left to map after offset ${hex(offset)} (size ${formatSize(available)}); give a length`);
      return 0;
    }
    return available - offset;
  }

  protected checkMappingArguments(raw: RawMapping, m: MappingSpec, daxNs: NamespaceSpec | undefined): void {
    const p = m.path;
    this.pageAligned(raw.offset, m.offset, `${p}/offset`);
    this.pageAligned(raw.addr, m.addr ?? 0, `${p}/addr`);
    if (!daxNs) return;
    // device-dax check_vma(): shared mappings only, aligned to the device's align.
    const align = daxNs.align;
    if (m.flags === 'private') this.problems.bad(`${p}/flags`, raw.flags, `is refused by device-dax (${daxNs.device} allows only shared mappings; mmap fails with EINVAL)`);
    for (const field of ['offset', 'length', 'addr'] as const) {
      const written = raw[field];
      const v = m[field];
      if (written !== undefined && v !== undefined && !isAligned(v, align)) {
        this.problems.bad(`${p}/${field}`, written, `is not a multiple of ${formatSize(align)}, the align of ${daxNs.device} (device-dax mmap fails with EINVAL)`);
      }
    }
  }

  protected checkMappingOverlaps(mappings: MappingSpec[]): void {
    const placed = mappings.filter((m) => m.addr !== undefined);
    placed.forEach((m, k) => {
      const a = m.addr!;
      const other = placed.slice(0, k).find((o) => a < o.addr! + o.length && o.addr! < a + m.length);
      if (other) this.problems.bad(`${m.path}/addr`, a, `puts mapping ${m.id} [${hex(a)}, ${hex(a + m.length)}) over mapping ${other.id} [${hex(other.addr!)}, ${hex(other.addr! + other.length)})`);
    });
  }

  // ---- events ----

  /** e1, e2, ... by position unless given; mmap/munmap use `id` for the mapping. */
  protected assignEventIds(raws: RawEvent[]): string[] {
    const ids = raws.map((raw, i) => (raw.do === 'mmap' || raw.do === 'munmap' ? undefined : raw.id) ?? `e${i + 1}`);
    const index = this.eventIds;
    ids.forEach((id, i) => {
      const earlier = index.get(id);
      if (earlier === undefined) {
        index.set(id, i);
        return;
      }
      // Point at whichever of the two wrote the id explicitly.
      const explicitLater = raws[i]!.id === id && raws[i]!.do !== 'mmap' && raws[i]!.do !== 'munmap';
      const at = explicitLater ? i : earlier;
      const other = explicitLater ? earlier : i;
      const otherExplicit = raws[other]!.id === id;
      this.problems.bad(`/events/${at}/id`, id, otherExplicit ? `is already the id of events[${other}]` : `is also the default id of events[${other}] (ids default to e<position>); pick another`);
    });
    return ids;
  }

  protected eventList(raws: RawEvent[]): EventSpec[] {
    const state: EventState = {
      previousAt: 0,
      exited: new Map(),
      live: new Map([...this.processes.values()].map((p) => [p.pid, new Set(p.mappings.map((m) => m.id))])),
      created: new Map([...this.processes.values()].map((p) => [p.pid, p.mappings.length])),
    };
    return raws.map((raw, i) => this.event(raw, i, state));
  }

  protected event(raw: RawEvent, index: number, state: EventState): EventSpec {
    const path = `/events/${index}`;
    const id = this.eventIdList[index]!;
    const at = this.eventTime(raw, path, state);
    const body = this.eventBody(raw, path, state);
    const expect = (raw.expect ?? []).map((x, k) => this.expectation(x, `${path}/expect/${k}`, index));
    return compact({ id, ...body, at, expect, path } as EventSpec);
  }

  protected eventTime(raw: RawEvent, path: string, state: EventState): number {
    let at = state.previousAt + DEFAULT_AT_STEP;
    if (raw.at !== undefined) {
      at = this.duration(raw.at, `${path}/at`);
      if (at < state.previousAt) {
        this.problems.bad(`${path}/at`, raw.at, `goes backwards: the previous event runs at ${formatDuration(state.previousAt)} (events run in order, at non-decreasing times)`);
      }
    }
    state.previousAt = Math.max(at, state.previousAt);
    return at;
  }

  /** The kind-specific fields of an event, with defaults. */
  protected eventBody(raw: RawEvent, path: string, state: EventState): EventBody {
    const kind = raw.do;
    switch (kind) {
      case 'media-error':
        return { do: kind, target: this.target(raw, path, state), length: this.positiveSize(raw.length, `${path}/length`) };
      case 'ghes':
        return { do: kind, target: this.target(raw, path, state), sync: raw.sync ?? false };
      case 'patrol-scrub':
        return { do: kind, target: this.target(raw, path, state), length: this.positiveSize(raw.length, `${path}/length`), severity: raw.severity ?? 'action-optional' };
      case 'inject-error':
        return { do: kind, ...this.namespaceBlocks(raw, path), notify: raw.notify ?? true };
      case 'uninject-error':
        return { do: kind, ...this.namespaceBlocks(raw, path) };
      case 'scrub':
        if (raw.region !== undefined) this.requireRegion(raw.region, `${path}/region`);
        return { do: kind, region: raw.region };
      case 'clear-errors':
      case 'unbind':
        this.requireNamespace(raw.namespace!, `${path}/namespace`);
        return { do: kind, namespace: raw.namespace! };
      case 'load':
      case 'store':
        return { do: kind, ...this.access(raw, path, state, 8) };
      case 'madvise-hwpoison':
      case 'madvise-soft-offline':
        return { do: kind, ...this.access(raw, path, state, PAGE_SIZE) };
      case 'read':
      case 'write':
        return { do: kind, ...this.io(raw, path, state), direct: raw.direct ?? false, ...(raw.buffer === undefined ? {} : { buffer: this.size(raw.buffer, `${path}/buffer`) }) };
      case 'punch-hole': {
        const { process, file, offset, length } = this.io(raw, path, state);
        return { do: kind, process, file: file!, offset, length };
      }
      case 'corrupt-pfn':
      case 'unpoison-pfn':
        return { do: kind, pfn: this.size(raw.pfn!, `${path}/pfn`) };
      case 'mmap':
        return this.mmapEvent(raw, path, state);
      case 'munmap':
        return this.munmapEvent(raw, path, state);
      case 'exit': {
        const process = this.requireProcess(raw.process!, `${path}/process`, state);
        if (!state.exited.has(process)) state.exited.set(process, path);
        state.live.set(process, new Set());
        return { do: kind, process };
      }
      case 'set':
        return this.setEvent(raw, path, state);
      case 'cxl-inject-poison':
      case 'cxl-clear-poison':
        return { do: kind, ...this.cxlPoisonEvent(raw, path) };
      case 'cxl-poison-list':
        return { do: kind, ...this.cxlPoisonListEvent(raw, path) };
    }
  }

  protected positiveSize(v: Num | undefined, pointer: string): number | undefined {
    const n = this.optSize(v, pointer);
    if (n === 0) this.problems.bad(pointer, v, 'is empty (expected at least 1 byte)');
    return n;
  }

  protected target(raw: RawEvent, path: string, state: EventState): Target {
    const offset = (): number => this.size(raw.offset!, `${path}/offset`);
    const beyond = (what: string, size: number): void => this.problems.bad(`${path}/offset`, raw.offset, `is beyond the end of ${what} (${formatSize(size)})`);
    if (raw.spa !== undefined) return { kind: 'spa', spa: this.size(raw.spa, `${path}/spa`) };
    if (raw.region !== undefined) {
      const region = this.requireRegion(raw.region, `${path}/region`);
      const off = offset();
      if (region && off >= region.size) beyond(region.id, region.size);
      return { kind: 'region', region: raw.region, offset: off };
    }
    if (raw.namespace !== undefined) {
      const ns = this.requireNamespace(raw.namespace, `${path}/namespace`);
      const off = offset();
      if (ns && off >= ns.size) beyond(ns.id, ns.size);
      return { kind: 'namespace', namespace: raw.namespace, offset: off };
    }
    if (raw.device !== undefined) {
      const device = this.requireDevice(raw.device, `${path}/device`);
      const sector = this.size(raw.sector!, `${path}/sector`);
      const sectors = device ? Math.floor(device.bytes / SECTOR_SIZE) : Infinity;
      if (sector >= sectors) this.problems.bad(`${path}/sector`, raw.sector, `is beyond the end of ${device!.name} (${sectors} sectors)`);
      return { kind: 'device', device: deviceName(raw.device), sector };
    }
    if (raw.file !== undefined) {
      const file = this.requireFile(raw.file, `${path}/file`);
      const off = offset();
      if (file && off >= file.spec.size) beyond(raw.file, file.spec.size);
      return { kind: 'file', file: raw.file, offset: off };
    }
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    return { kind: 'process', process, addr: this.size(raw.addr!, `${path}/addr`) };
  }

  /** ndctl inject-error --block/--count: sectors from the namespace's data start. */
  protected namespaceBlocks(raw: RawEvent, path: string): { namespace: string; block: number; count: number } {
    const ns = this.requireNamespace(raw.namespace!, `${path}/namespace`);
    const block = this.size(raw.block!, `${path}/block`);
    const count = this.size(raw.count!, `${path}/count`);
    if (count === 0) this.problems.bad(`${path}/count`, raw.count, 'is not at least 1');
    if (ns) {
      const sectors = Math.floor((ns.size - ns.dataOffset) / SECTOR_SIZE);
      if (block + count > sectors) {
        this.problems.bad(`${path}/block`, raw.block, `with count ${count} runs past the end of ${ns.id}'s data area (${sectors} sectors)`);
      }
    }
    return { namespace: raw.namespace!, block, count };
  }

  protected access(raw: RawEvent, path: string, state: EventState, defaultLength: number): { process: number; addr: number; length: number } {
    return {
      process: this.requireProcess(raw.process!, `${path}/process`, state),
      addr: this.size(raw.addr!, `${path}/addr`),
      length: this.positiveSize(raw.length, `${path}/length`) ?? defaultLength,
    };
  }

  /** read/write/punch-hole: offset 0 and the rest of the file or device by default. */
  protected io(raw: RawEvent, path: string, state: EventState): { process: number; file?: string; device?: string; offset: number; length: number } {
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    const target = this.mappedObject(raw, path);
    const offset = this.optSize(raw.offset, `${path}/offset`) ?? 0;
    const length = this.optSize(raw.length, `${path}/length`) ?? Math.max(0, (target?.bytes ?? 0) - offset);
    return compact({ process, file: raw.file, device: raw.device === undefined ? undefined : deviceName(raw.device), offset, length });
  }

  protected mmapEvent(raw: RawEvent, path: string, state: EventState): EventBody {
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    const created = state.created.get(process) ?? 0;
    const mapping = this.mapping(raw, path, `m${created}`, false);
    state.created.set(process, created + 1);
    const live = state.live.get(process) ?? new Set<string>();
    if (live.has(mapping.id)) {
      this.problems.bad(raw.id === undefined ? `${path}/process` : `${path}/id`, mapping.id, `is already a live mapping of process ${process}; pick another id`);
    }
    live.add(mapping.id);
    state.live.set(process, live);
    return { do: 'mmap', process, mapping };
  }

  protected munmapEvent(raw: RawEvent, path: string, state: EventState): EventBody {
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    const id = raw.id!;
    const live = state.live.get(process);
    if (this.processes.has(process) && !state.exited.has(process) && !live?.has(id)) {
      this.problems.bad(`${path}/id`, id, `is not a live mapping of process ${process} (live: ${describeList(live ?? [])})`);
    }
    live?.delete(id);
    return { do: 'munmap', process, mapping: id };
  }

  protected setEvent(raw: RawEvent, path: string, state: EventState): EventBody {
    const kernel = compact<Partial<KernelConfig>>({ design: raw.design, earlyKill: raw.earlyKill, recovery: raw.recovery, reporting: raw.reporting, panicOnOops: raw.panicOnOops, hwErrorScrub: raw.hwErrorScrub, hwpoisonFilter: raw.hwpoisonFilter && this.hwpoisonFilter(raw.hwpoisonFilter, `${path}/hwpoisonFilter`) });
    const process = raw.process === undefined ? undefined : this.requireProcess(raw.process, `${path}/process`, state);
    return compact({ do: 'set' as const, kernel: Object.keys(kernel).length ? kernel : undefined, process, mceKill: raw.mceKill });
  }

  /**
   * The hwpoison filter knobs (docs/hwpoison-filter.md): the two device
   * numbers are u32 debugfs files (4294967295, ~0U, means any), the flags and
   * the memcg u64 ones, kept exactly up to 2^53.
   */
  protected hwpoisonFilter(raw: RawHwpoisonFilter, path: string): HwpoisonFilterConfig {
    const u32 = (field: 'devMajor' | 'devMinor'): number | undefined => {
      const v = raw[field];
      if (v === undefined) return undefined;
      const n = this.size(v, `${path}/${field}`);
      if (n > 0xffffffff) {
        this.problems.bad(`${path}/${field}`, v, `is too large for corrupt-filter-${field === 'devMajor' ? 'dev-major' : 'dev-minor'}, a u32 (at most 4294967295, which means any)`);
        return undefined;
      }
      return n;
    };
    const u64 = (field: 'flagsMask' | 'flagsValue' | 'memcg'): number | undefined => (raw[field] === undefined ? undefined : this.size(raw[field]!, `${path}/${field}`));
    return compact<HwpoisonFilterConfig>({ enable: raw.enable, devMajor: u32('devMajor'), devMinor: u32('devMinor'), flagsMask: u64('flagsMask'), flagsValue: u64('flagsValue'), memcg: u64('memcg') });
  }

  // ---- expectations ----

  /** `after`: index of the event carrying it; undefined for the top-level list. */
  protected expectation(raw: RawExpectation, path: string, after: number | undefined): Expectation {
    if (raw.signal) {
      const s = raw.signal;
      const p = `${path}/signal`;
      return {
        path,
        signal: compact({
          pid: this.knownPid(s.pid, `${p}/pid`),
          signo: s.signo,
          code: s.code,
          addr: s.addr === undefined ? undefined : this.size(s.addr, `${p}/addr`),
          lsb: s.lsb,
        }),
      };
    }
    if (raw.noSignal) return { path, noSignal: { pid: this.knownPid(raw.noSignal.pid, `${path}/noSignal/pid`) } };
    if (raw.result) return { path, result: this.resultExpectation(raw.result, `${path}/result`, after) };
    if (raw.badblocks) return { path, badblocks: this.badblocksExpectation(raw.badblocks, `${path}/badblocks`) };
    if (raw.dmesg) return { path, dmesg: compact({ contains: raw.dmesg.contains, notContains: raw.dmesg.notContains }) };
    if (raw.fs) {
      if (!this.filesystems.some((f) => f.mount === raw.fs!.mount)) {
        this.problems.bad(`${path}/fs/mount`, raw.fs.mount, `is not a mount point (mounts: ${describeList(this.filesystems.map((f) => f.mount))})`);
      }
      return { path, fs: { mount: raw.fs.mount, shutdown: raw.fs.shutdown } };
    }
    if (raw.calls) return { path, calls: { symbol: raw.calls.symbol, count: this.size(raw.calls.count, `${path}/calls/count`) } };
    if (raw.cxlPoison) {
      const c = raw.cxlPoison;
      const p = `${path}/cxlPoison`;
      if (c.memdev !== undefined) this.requireCxlMemdev(c.memdev, `${p}/memdev`);
      if (c.region !== undefined && c.region !== '' && !this.cxlSpec?.regions.some((r) => r.id === c.region)) {
        this.problems.bad(`${p}/region`, c.region, `is not a CXL region (CXL regions: ${describeList((this.cxlSpec?.regions ?? []).map((r) => r.id))}; "" means no region)`);
      }
      return {
        path,
        cxlPoison: compact({
          memdev: c.memdev,
          region: c.region,
          dpa: c.dpa === undefined ? undefined : this.size(c.dpa, `${p}/dpa`),
          hpa: c.hpa === undefined ? undefined : c.hpa === 'none' ? ('none' as const) : this.size(c.hpa, `${p}/hpa`),
          length: c.length === undefined ? undefined : this.size(c.length, `${p}/length`),
          source: c.source,
          traceType: c.traceType,
          count: c.count === undefined ? undefined : this.size(c.count, `${p}/count`),
        }),
      };
    }
    if (raw.verdict) {
      const v = raw.verdict;
      const p = `${path}/verdict`;
      return {
        path,
        verdict: compact({
          pid: v.pid === undefined || v.pid === null ? v.pid : this.knownPid(v.pid, `${p}/pid`),
          mapping: v.mapping,
          file: v.file,
          device: v.device,
          outcome: v.outcome,
          symbol: v.symbol,
          reason: v.reason,
        }),
      };
    }
    const h = raw.hwpoison!;
    return { path, hwpoison: { pfn: this.size(h.pfn, `${path}/hwpoison/pfn`), set: h.set ?? true } };
  }

  protected knownPid(raw: Num, pointer: string): number {
    const pid = this.size(raw, pointer);
    if (!this.processes.has(pid)) this.problems.bad(pointer, raw, `is not a process (pids: ${describeList([...this.processes.keys()].map(String))})`);
    return pid;
  }

  protected resultExpectation(raw: NonNullable<RawExpectation['result']>, path: string, after: number | undefined): { event: string; errno?: string; bytes?: number; ret?: number; stopped?: 'oops' | 'blocked' } {
    const index = this.eventIds.get(raw.event);
    if (index === undefined) {
      this.problems.bad(`${path}/event`, raw.event, `is not an event id (events: ${describeList(this.eventIds.keys())})`);
    } else if (after !== undefined && index > after) {
      this.problems.bad(`${path}/event`, raw.event, `has not run yet when this is checked (right after events[${after}]); move it to that event or to the top-level expect`);
    }
    return compact({ event: raw.event, errno: raw.errno, bytes: raw.bytes === undefined ? undefined : this.size(raw.bytes, `${path}/bytes`), ret: raw.ret, stopped: raw.stopped });
  }

  protected badblocksExpectation(raw: NonNullable<RawExpectation['badblocks']>, path: string): { device: string; ranges: [number, number][] } {
    const device = deviceName(raw.device);
    if (!this.devices.has(device) && !this.regions.has(device)) {
      this.problems.bad(`${path}/device`, raw.device, `is not a device or region (devices: ${describeList(this.devices.keys())}; regions: ${describeList(this.regions.keys())})`);
    }
    const ranges = raw.ranges.map(([sector, count], k): [number, number] => [this.size(sector, `${path}/ranges/${k}/0`), this.size(count, `${path}/ranges/${k}/1`)]);
    return { device, ranges };
  }
}

function defaultName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/(\.poison)?\.(ya?ml|json)$/i, '');
}
