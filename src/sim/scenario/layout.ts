// Scenario loading, pass 3: the platform's layout. Regions, CXL memdevs,
// namespaces (sizes, alignment, data offsets, device names), device-mapper
// tables and filesystems: addresses and geometry, with the overlap and
// alignment checks. Normalizer (build.ts) extends it.

import { formatSize, hex, isAligned, isPowerOfTwo, KiB, PAGE_SIZE, SECTOR_SIZE } from '../units';
import type { CxlSpec, DmSpec, DmTarget, FilesystemSpec, NamespaceMode, NamespaceSpec, RegionSpec } from './types';
import { layoutCxl } from '../cxl/layout';
import { CXL_POISON_LEN_MULT } from '../cxl/interleave';
import { fieldLabel } from './validate';
import {
  autoDataOffset,
  DEFAULT_ALIGN,
  describeList,
  type DeviceInfo,
  deviceName,
  MAX_PHYS,
  NormalizerBase,
  type Num,
  type RawCxl,
  type RawDm,
  type RawDmLine,
  type RawEvent,
  type RawFilesystem,
  type RawNamespace,
  type RawRegion,
} from './normalize';

export class PlatformLayout extends NormalizerBase {
  // ---- platform ----

  protected regionList(raws: RawRegion[]): RegionSpec[] {
    const specs = raws.map((r, i) => this.region(r, `/platform/regions/${i}`));
    this.unique(specs, (r) => r.id, (_, i) => `/platform/regions/${i}/id`);
    specs.forEach((spec, index) => {
      if (!this.regions.has(spec.id)) this.regions.set(spec.id, { spec, index });
    });
    this.checkRegionOverlaps(specs);
    return specs;
  }

  protected region(raw: RawRegion, path: string): RegionSpec {
    const spec: RegionSpec = {
      id: raw.id,
      spa: this.size(raw.spa, `${path}/spa`),
      size: this.size(raw.size, `${path}/size`),
      ars: raw.ars ?? true,
      clearUnit: this.optSize(raw.clearUnit, `${path}/clearUnit`) ?? 256,
      errorGranularity: this.optSize(raw.errorGranularity, `${path}/errorGranularity`) ?? 64,
      path,
    };
    this.pageAligned(raw.spa, spec.spa, `${path}/spa`);
    this.pageAligned(raw.size, spec.size, `${path}/size`);
    if (spec.size === 0) this.problems.bad(`${path}/size`, raw.size, 'is empty (a region needs at least one page)');
    if (spec.spa + spec.size > MAX_PHYS) this.problems.bad(`${path}/size`, raw.size, `runs past the 52-bit physical address space (region ends at ${hex(spec.spa + spec.size)})`);
    this.powerOfTwo(raw.clearUnit, spec.clearUnit, `${path}/clearUnit`);
    this.powerOfTwo(raw.errorGranularity, spec.errorGranularity, `${path}/errorGranularity`);
    return spec;
  }

  protected checkRegionOverlaps(specs: RegionSpec[]): void {
    specs.forEach((r, i) => {
      const other = specs.slice(0, i).find((o) => r.spa < o.spa + o.size && o.spa < r.spa + r.size);
      if (other) this.problems.bad(`${r.path}/spa`, r.spa, `puts ${r.id} [${hex(r.spa)}, ${hex(r.spa + r.size)}) over ${other.id} [${hex(other.spa)}, ${hex(other.spa + other.size)})`);
    });
  }

  // ---- CXL (extension, docs/cxl.md) ----

  protected cxlSpec: CxlSpec | undefined;

  /**
   * Memdevs, decoders and regions laid out as 6.12 would (cxl/layout.ts);
   * each pmem region also becomes an nd_region named after it, so that
   * namespaces can use it as their region.
   */
  protected cxlPlatform(raw: RawCxl, nfit: RegionSpec[]): CxlSpec {
    const base = '/platform/cxl';
    const { spec, problems } = layoutCxl({
      memdevs: (raw.memdevs ?? []).map((m, i) => {
        const p = `${base}/memdevs/${i}`;
        return { id: m.id, ram: this.optSize(m.ram, `${p}/ram`) ?? 0, pmem: this.optSize(m.pmem, `${p}/pmem`) ?? 0, host: m.host, path: p, raw: { ram: m.ram, pmem: m.pmem } };
      }),
      decoders: (raw.decoders ?? []).map((d, i) => {
        const p = `${base}/decoders/${i}`;
        return { id: d.id, memdev: d.memdev, size: this.size(d.size, `${p}/size`), skip: this.optSize(d.skip, `${p}/skip`), dpa: this.optSize(d.dpa, `${p}/dpa`), path: p, raw: { size: d.size, skip: d.skip, dpa: d.dpa } };
      }),
      regions: (raw.regions ?? []).map((r, i) => {
        const p = `${base}/regions/${i}`;
        return {
          id: r.id,
          mode: r.mode ?? 'pmem',
          spa: this.size(r.spa, `${p}/spa`),
          size: this.size(r.size, `${p}/size`),
          ways: r.ways === undefined ? undefined : this.size(r.ways, `${p}/ways`),
          granularity: this.optSize(r.granularity, `${p}/granularity`) ?? 256,
          targets: r.targets,
          path: p,
          raw: { spa: r.spa, size: r.size, ways: r.ways, granularity: r.granularity },
        };
      }),
    });
    for (const x of problems) this.problems.bad(x.pointer, x.value, x.what);
    for (const r of spec.regions) {
      if (this.regions.has(r.id)) {
        this.problems.bad(`${r.path}/id`, r.id, `is already the id of ${fieldLabel(this.regions.get(r.id)!.spec.path)}; a pmem CXL region's nd_region is named after it`);
        continue;
      }
      const other = nfit.find((o) => r.spa < o.spa + o.size && o.spa < r.spa + r.size);
      if (other) this.problems.bad(`${r.path}/spa`, r.spa, `puts ${r.id} [${hex(r.spa)}, ${hex(r.spa + r.size)}) over ${other.id} [${hex(other.spa)}, ${hex(other.spa + other.size)})`);
      if (r.mode !== 'pmem') continue;
      const nd: RegionSpec = { id: r.id, spa: r.spa, size: r.size, ars: false, clearUnit: 0, errorGranularity: CXL_POISON_LEN_MULT, path: r.path };
      this.regions.set(r.id, { spec: nd, index: this.regions.size });
    }
    this.cxlSpec = spec;
    return spec;
  }

  /** cxl-inject-poison / cxl-clear-poison: a memdev and a 64-byte aligned DPA inside it (cxl_validate_poison_dpa) */
  protected cxlPoisonEvent(raw: RawEvent, path: string): { memdev: string; dpa: number } {
    const dpa = this.size(raw.dpa!, `${path}/dpa`);
    const md = this.requireCxlMemdev(raw.memdev!, `${path}/memdev`);
    if (md) {
      const total = md.ram + md.pmem;
      if (dpa >= total) this.problems.bad(`${path}/dpa`, raw.dpa, `is outside ${md.id} (DPA [0x0, ${hex(total)})); cxl_validate_poison_dpa refuses it with EINVAL`);
      else if (dpa % CXL_POISON_LEN_MULT) this.problems.bad(`${path}/dpa`, raw.dpa, 'is not 64-byte aligned; cxl_validate_poison_dpa refuses it with EINVAL');
    }
    return { memdev: raw.memdev!, dpa };
  }

  protected requireCxlMemdev(id: string, pointer: string): CxlSpec['memdevs'][number] | undefined {
    const md = this.cxlSpec?.memdevs.find((m) => m.id === id);
    if (!md) this.problems.bad(pointer, id, `is not a CXL memdev (memdevs: ${describeList((this.cxlSpec?.memdevs ?? []).map((m) => m.id))})`);
    return md;
  }

  protected cxlPoisonListEvent(raw: RawEvent, path: string): { memdev?: string; region?: string } {
    if (raw.memdev !== undefined) {
      this.requireCxlMemdev(raw.memdev, `${path}/memdev`);
      return { memdev: raw.memdev };
    }
    if (!this.cxlSpec?.regions.some((r) => r.id === raw.region)) {
      this.problems.bad(`${path}/region`, raw.region, `is not a CXL region (CXL regions: ${describeList((this.cxlSpec?.regions ?? []).map((r) => r.id))})`);
    }
    return { region: raw.region! };
  }

  protected pageAligned(raw: Num | undefined, v: number, pointer: string): void {
    if (raw !== undefined && !isAligned(v, PAGE_SIZE)) this.problems.bad(pointer, raw, 'is not a multiple of 4KiB (PAGE_SIZE)');
  }

  protected powerOfTwo(raw: Num | undefined, v: number, pointer: string): void {
    if (raw !== undefined && !isPowerOfTwo(v)) this.problems.bad(pointer, raw, 'is not a power of two');
  }

  protected namespaceList(raws: RawNamespace[]): NamespaceSpec[] {
    const packedEnd = new Map<string, number>();
    const specs = raws.map((raw, i) => this.namespace(raw, `/platform/namespaces/${i}`, packedEnd));
    this.unique(specs, (n) => n.id, (_, i) => `/platform/namespaces/${i}/id`);
    this.checkNamespaceOverlaps(specs);
    this.assignDeviceNames(raws, specs);
    specs.forEach((spec) => {
      if (!this.namespaces.has(spec.id)) this.namespaces.set(spec.id, spec);
      this.registerDevice({
        name: spec.device,
        kind: spec.mode === 'devdax' ? 'dax' : 'pmem',
        bytes: Math.max(0, spec.size - spec.dataOffset),
        namespace: spec,
        pointer: `${spec.path}/device`,
      });
    });
    return specs;
  }

  protected namespace(raw: RawNamespace, path: string, packedEnd: Map<string, number>): NamespaceSpec {
    const region = this.regions.get(raw.region)?.spec;
    if (!region) this.problems.bad(`${path}/region`, raw.region, `is not a region (regions: ${describeList(this.regions.keys())})`);
    const regionSize = region?.size ?? 0;
    const offset = this.optSize(raw.offset, `${path}/offset`) ?? packedEnd.get(raw.region) ?? 0;
    let size = this.optSize(raw.size, `${path}/size`);
    if (size === undefined) {
      size = Math.max(0, regionSize - offset);
      if (region && size === 0) this.problems.add(`${path}/size`, undefined, `missing, and ${region.id} has no room left after offset ${hex(offset)}`);
    }
    packedEnd.set(raw.region, Math.max(packedEnd.get(raw.region) ?? 0, offset + size));
    const mode = raw.mode ?? 'fsdax';
    const align = this.optSize(raw.align, `${path}/align`) ?? DEFAULT_ALIGN;
    const spec: NamespaceSpec = {
      id: raw.id,
      region: raw.region,
      offset,
      size,
      mode,
      align,
      dataOffset: this.dataOffset(raw, mode, size, align, path),
      device: raw.device ?? '',
      path,
    };
    this.checkNamespaceGeometry(raw, spec, region);
    return spec;
  }

  /** auto: the pfn info block (8KiB) plus 64 bytes of struct page per 4KiB page, rounded up to align. */
  protected dataOffset(raw: RawNamespace, mode: NamespaceMode, size: number, align: number, path: string): number {
    if (raw.dataOffset === undefined || raw.dataOffset === 'auto') {
      return mode === 'raw' ? 0 : autoDataOffset(size, align);
    }
    return this.size(raw.dataOffset, `${path}/dataOffset`);
  }

  protected checkNamespaceGeometry(raw: RawNamespace, ns: NamespaceSpec, region: RegionSpec | undefined): void {
    const p = ns.path;
    this.pageAligned(raw.offset, ns.offset, `${p}/offset`);
    this.pageAligned(raw.size, ns.size, `${p}/size`);
    if (raw.size !== undefined && ns.size === 0) this.problems.bad(`${p}/size`, raw.size, 'is empty');
    if (raw.align !== undefined && (!isPowerOfTwo(ns.align) || ns.align < PAGE_SIZE)) {
      this.problems.bad(`${p}/align`, raw.align, 'is not a power of two of at least 4KiB (namespaces align to 4KiB, 2MiB or 1GiB)');
    }
    if (region && ns.offset + ns.size > region.size) {
      const where = raw.size !== undefined ? `${p}/size` : `${p}/offset`;
      this.problems.bad(where, raw.size ?? raw.offset, `runs past the end of ${region.id}: ${ns.id} ends at offset ${hex(ns.offset + ns.size)}, the region is ${formatSize(region.size)} (${hex(region.size)})`);
    }
    this.checkDataOffset(raw, ns);
  }

  protected checkDataOffset(raw: RawNamespace, ns: NamespaceSpec): void {
    const pointer = `${ns.path}/dataOffset`;
    const shown = raw.dataOffset ?? 'auto';
    if (ns.mode === 'raw') {
      if (ns.dataOffset !== 0) this.problems.bad(pointer, shown, 'must be 0 or auto for a raw namespace (it has no info block or memmap)');
      return;
    }
    if (raw.dataOffset !== undefined && raw.dataOffset !== 'auto' && !isAligned(ns.dataOffset, ns.align)) {
      this.problems.bad(pointer, shown, `is not a multiple of the namespace align (${formatSize(ns.align)})`);
    }
    if (ns.size > 0 && ns.dataOffset >= ns.size) {
      this.problems.bad(pointer, shown, `leaves no data area: ${hex(ns.dataOffset)} bytes of info block and memmap in a ${formatSize(ns.size)} namespace`);
    }
  }

  protected checkNamespaceOverlaps(specs: NamespaceSpec[]): void {
    specs.forEach((ns, i) => {
      const other = specs
        .slice(0, i)
        .find((o) => o.region === ns.region && ns.size > 0 && o.size > 0 && ns.offset < o.offset + o.size && o.offset < ns.offset + ns.size);
      if (other) {
        this.problems.bad(`${ns.path}/offset`, ns.offset, `puts ${ns.id} [${hex(ns.offset)}, ${hex(ns.offset + ns.size)}) over ${other.id} [${hex(other.offset)}, ${hex(other.offset + other.size)}) in ${ns.region}`);
      }
    });
  }

  /**
   * pmem0, pmem1, ... for fsdax/raw in listed order and dax<region index>.<n>
   * for devdax; a name written explicitly elsewhere is skipped, not reused.
   */
  protected assignDeviceNames(raws: RawNamespace[], specs: NamespaceSpec[]): void {
    const taken = new Set(raws.flatMap((r) => (r.device ? [r.device] : [])));
    let pmem = 0;
    const daxPerRegion = new Map<string, number>();
    const next = (make: () => string): string => {
      let name = make();
      while (taken.has(name)) name = make();
      taken.add(name);
      return name;
    };
    specs.forEach((spec, i) => {
      if (raws[i]!.device) return;
      if (spec.mode === 'devdax') {
        const regionIndex = this.regions.get(spec.region)?.index ?? 0;
        spec.device = next(() => {
          const n = daxPerRegion.get(spec.region) ?? 0;
          daxPerRegion.set(spec.region, n + 1);
          return `dax${regionIndex}.${n}`;
        });
      } else {
        spec.device = next(() => `pmem${pmem++}`);
      }
    });
  }

  protected registerDevice(info: DeviceInfo): void {
    const earlier = this.devices.get(info.name);
    if (earlier) {
      this.problems.bad(info.pointer, info.name, `is already the name of the device defined at ${fieldLabel(earlier.pointer)}`);
      return;
    }
    if (this.regions.has(info.name)) this.problems.bad(info.pointer, info.name, 'is also a region id (badblocks expectations could not tell them apart)');
    this.devices.set(info.name, info);
  }

  // ---- device-mapper ----

  protected dmDevice(raw: RawDm, path: string): DmSpec {
    let end = 0;
    const table = raw.table.map((line, j) => {
      const target = this.dmLine(line, `${path}/table/${j}`, raw.id);
      end = this.checkDmContiguous(line, target, end, `${path}/table/${j}`);
      return target;
    });
    this.registerDevice({ name: raw.id, kind: 'dm', bytes: end * SECTOR_SIZE, pointer: `${path}/id` });
    return { id: raw.id, table, path };
  }

  /** dm requires the table's lines in order, the first at 0, each starting where the previous ended. */
  protected checkDmContiguous(raw: RawDmLine, line: DmTarget, expected: number, path: string): number {
    if (line.start > expected) {
      this.problems.bad(`${path}/start`, raw.start, `leaves a gap: sectors ${expected} to ${line.start - 1} are not mapped (expected start ${expected})`);
    } else if (line.start < expected) {
      this.problems.bad(`${path}/start`, raw.start, `overlaps the previous line, which maps up to sector ${expected - 1} (expected start ${expected})`);
    }
    if (line.length === 0) this.problems.bad(`${path}/length`, raw.length, 'is empty (a table line maps at least one sector)');
    return Math.max(expected, line.start + line.length);
  }

  protected dmLine(raw: RawDmLine, path: string, dmId: string): DmTarget {
    const start = this.size(raw.start, `${path}/start`);
    const length = this.size(raw.length, `${path}/length`);
    if (raw.target === 'linear') {
      const device = deviceName(raw.device!);
      const offset = this.optSize(raw.offset, `${path}/offset`) ?? 0;
      this.dmUnderlying(raw.device!, device, offset, length, `${path}/device`, dmId);
      return { start, length, target: 'linear', device, offset, path };
    }
    const devices = raw.devices!.map(deviceName);
    const chunk = this.size(raw.chunk!, `${path}/chunk`);
    const offsets = raw.offsets ? raw.offsets.map((o, k) => this.size(o, `${path}/offsets/${k}`)) : devices.map(() => 0);
    this.checkStripe(raw, chunk, length, devices, path);
    const perDevice = devices.length ? Math.floor(length / devices.length) : 0;
    devices.forEach((d, k) => this.dmUnderlying(raw.devices![k]!, d, offsets[k] ?? 0, perDevice, `${path}/devices/${k}`, dmId));
    return { start, length, target: 'striped', chunk, devices, offsets, path };
  }

  /** dm-stripe's own constructor checks (stripe_ctr), plus page-sized chunks for DAX. */
  protected checkStripe(raw: RawDmLine, chunk: number, length: number, devices: string[], path: string): void {
    if (chunk === 0 || chunk % (PAGE_SIZE / SECTOR_SIZE) !== 0) {
      this.problems.bad(`${path}/chunk`, raw.chunk, 'is not a positive multiple of 8 sectors (chunks must be whole 4KiB pages for DAX)');
    }
    if (raw.offsets && raw.offsets.length !== devices.length) {
      this.problems.bad(`${path}/offsets`, raw.offsets, `has ${raw.offsets.length} entries for ${devices.length} devices (expected one offset per device)`);
    }
    if (length % devices.length !== 0) {
      this.problems.bad(`${path}/length`, raw.length, `is not divisible by the number of stripes (${devices.length})`);
    } else if (chunk > 0 && (length / devices.length) % chunk !== 0) {
      this.problems.bad(`${path}/length`, raw.length, `is not a whole number of chunks per device (${devices.length} devices x chunk ${chunk})`);
    }
  }

  /** An underlying device must be an earlier block device with room for the mapped sectors. */
  protected dmUnderlying(written: string, name: string, offset: number, sectors: number, pointer: string, dmId: string): void {
    const info = this.devices.get(name);
    if (!info) {
      const hint = name === dmId ? ' (a dm device cannot map itself)' : '';
      this.problems.bad(pointer, written, `is not a block device listed before ${dmId}${hint} (block devices: ${describeList(this.blockDevices())})`);
      return;
    }
    if (info.kind === 'dax') {
      this.problems.bad(pointer, written, 'is a device-dax character device; device-mapper needs a block device (an fsdax or raw namespace, or a dm device)');
      return;
    }
    const available = Math.floor(info.bytes / SECTOR_SIZE);
    if (offset + sectors > available) {
      this.problems.bad(pointer, written, `has ${available} sectors, but this line maps sectors ${offset} to ${offset + sectors - 1} of it`);
    }
    if (!this.claimedBy.has(name)) this.claimedBy.set(name, pointer);
  }

  protected blockDevices(): string[] {
    return [...this.devices.values()].filter((d) => d.kind !== 'dax').map((d) => d.name);
  }

  // ---- filesystems ----

  protected filesystemList(raws: RawFilesystem[]): FilesystemSpec[] {
    const specs = raws.map((raw, i) => this.filesystem(raw, `/filesystems/${i}`));
    this.unique(specs, (f) => f.device, (_, i) => `/filesystems/${i}/device`);
    this.unique(specs, (f) => f.mount, (_, i) => `/filesystems/${i}/mount`);
    specs.forEach((fs, i) => this.checkExternalLog(raws[i]!, fs, specs));
    this.filesystems.push(...specs);
    return specs;
  }

  protected filesystem(raw: RawFilesystem, path: string): FilesystemSpec {
    const device = deviceName(raw.device);
    this.checkFilesystemDevice(raw.device, device, `${path}/device`);
    const xfs = raw.type === 'xfs';
    const spec: FilesystemSpec = {
      device,
      type: raw.type,
      mount: raw.mount,
      dax: raw.dax ?? 'always',
      // ext4 has neither btree; the defaults of the format are XFS's.
      rmapbt: raw.rmapbt ?? xfs,
      reflink: raw.reflink ?? xfs,
      agcount: this.optSize(raw.agcount, `${path}/agcount`) ?? 4,
      blockSize: this.optSize(raw.blockSize, `${path}/blockSize`) ?? 4 * KiB,
      log: raw.log === undefined || raw.log === 'internal' ? 'internal' : deviceName(raw.log),
      path,
    };
    this.checkFilesystemOptions(raw, spec);
    return spec;
  }

  protected checkFilesystemDevice(written: string, device: string, pointer: string): void {
    const info = this.devices.get(device);
    if (!info) {
      this.problems.bad(pointer, written, `is not a block device (block devices: ${describeList(this.blockDevices())})`);
    } else if (info.kind === 'dax') {
      this.problems.bad(pointer, written, 'is a device-dax character device; a filesystem needs a block device (an fsdax or raw namespace, or a dm device)');
    } else if (this.claimedBy.has(device)) {
      this.problems.bad(pointer, written, `is held by device-mapper (${fieldLabel(this.claimedBy.get(device)!)}); mkfs would get EBUSY`);
    }
  }

  protected checkFilesystemOptions(raw: RawFilesystem, fs: FilesystemSpec): void {
    const p = fs.path;
    if (fs.type === 'ext4') {
      for (const field of ['rmapbt', 'reflink'] as const) {
        if (raw[field] === true) this.problems.bad(`${p}/${field}`, true, `is not available on ext4 (${field} is an XFS feature)`);
      }
      if (raw.agcount !== undefined) this.problems.bad(`${p}/agcount`, raw.agcount, 'is an XFS option; ext4 has block groups, not allocation groups');
    }
    if (raw.agcount !== undefined && fs.agcount === 0) this.problems.bad(`${p}/agcount`, raw.agcount, 'is not at least 1');
    const minBlock = fs.type === 'ext4' ? KiB : 512;
    if (raw.blockSize !== undefined && (!isPowerOfTwo(fs.blockSize) || fs.blockSize < minBlock || fs.blockSize > 64 * KiB)) {
      this.problems.bad(`${p}/blockSize`, raw.blockSize, `is not a power of two from ${formatSize(minBlock)} to 64KiB (${fs.type} block sizes)`);
    }
  }

  protected checkExternalLog(raw: RawFilesystem, fs: FilesystemSpec, all: FilesystemSpec[]): void {
    if (fs.log === 'internal') return;
    const pointer = `${fs.path}/log`;
    const info = this.devices.get(fs.log);
    if (!info || info.kind === 'dax') {
      this.problems.bad(pointer, raw.log, `is not "internal" or a block device (block devices: ${describeList(this.blockDevices())})`);
    } else if (this.claimedBy.has(fs.log)) {
      this.problems.bad(pointer, raw.log, `is held by device-mapper (${fieldLabel(this.claimedBy.get(fs.log)!)}); mkfs would get EBUSY`);
    } else if (fs.log === fs.device) {
      this.problems.bad(pointer, raw.log, 'is the filesystem\'s own device; write "internal" for an internal log');
    } else {
      const user = all.find((o) => o !== fs && (o.device === fs.log || o.log === fs.log));
      if (user) this.problems.bad(pointer, raw.log, `is already used by the filesystem at ${user.mount}`);
    }
  }

}
