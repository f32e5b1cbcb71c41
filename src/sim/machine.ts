// Building the simulated machine from a scenario: regions and namespaces
// (with the pmem driver bound), filesystems made and mounted, files written,
// processes started with their mappings (MAP_POPULATE faults them in, in the
// order the scenario lists them). Every check happens before anything is
// built, with the field and value named.

import { Kernel } from './kernel';
import type { CostModel } from './trace';
import type { FilesystemSpec, MappingSpec, Scenario } from './scenario/types';
import { InputError, describeValue } from './errors';
import { NdRegion, Platform } from './platform/acpi-nfit';
import { Namespace } from './nvdimm/namespace';
import { pmemAttachDisk, pmemSubmitBio, type PmemDevice } from './nvdimm/pmem';
import type { BlockDev, SuperBlock } from './fs/vfs';
import { Task, Vma, type Inode } from './mm/types';
import { PAGE_SIZE, PMD_SIZE, alignUp, hex } from './units';
import { mmPopulate } from './mm/gup';
import { createFilesystem } from './fs/registry';
import { DevDax } from './dax/device';
import { cxlProbe } from './cxl/cxl';
import { dmBlkCorruptedRange, dmBlockDev, dmCreate, type MappedDevice } from './md/dm';
import { relocateExtentError } from './scenario/extents';

export const DEFAULT_MMAP_BASE = 0x7f0000000000;

export class Machine {
  readonly namespaces: Namespace[] = [];
  /** device-mapper devices, in the order the scenario lists them */
  readonly dms: MappedDevice[] = [];
  constructor(
    readonly k: Kernel,
    readonly scenario: Scenario,
  ) {}

  namespace(id: string): Namespace | undefined {
    return this.namespaces.find((n) => n.id === id);
  }
  /** a pmem disk by its device name */
  pmem(name: string): PmemDevice | undefined {
    return this.namespaces.find((n) => n.pmem?.name === name)?.pmem ?? undefined;
  }
  region(id: string): NdRegion | undefined {
    return this.k.platform.regions.find((r) => r.id === id);
  }
  /** the filesystem a path lives on, and the inode */
  lookup(path: string): { sb: SuperBlock; inode: Inode } | undefined {
    for (const sb of this.k.superblocks) {
      const inode = sb.files.get(path);
      if (inode) return { sb, inode };
    }
    return undefined;
  }
  /** a device-dax device by name (with or without /dev/) */
  devdax(name: string): DevDax | undefined {
    const n = name.replace(/^\/dev\//, '');
    return this.namespaces.find((ns) => ns.devdax?.name === n)?.devdax ?? undefined;
  }
  /** a device-mapper device by name (with or without /dev/ or /dev/mapper/) */
  dm(name: string): MappedDevice | undefined {
    const n = name.replace(/^\/dev\/(mapper\/)?/, '');
    return this.dms.find((d) => d.name === n);
  }
  /** the block device with this name (pmem disk or dm device), or undefined */
  bdev(name: string): BlockDev | undefined {
    const pmem = this.pmem(name.replace(/^\/dev\//, ''));
    if (pmem) return pmemBlockDev(pmem);
    const md = this.dm(name);
    return md ? dmBlockDev(md) : undefined;
  }
  /** the dm device whose table holds a block device (dm claimed it), if any */
  dmHolding(name: string): MappedDevice | undefined {
    return this.dms.find((md) => md.devices().some((d) => d.name === name));
  }
}

/** the pmem disk as the block layer sees it */
export function pmemBlockDev(pmem: PmemDevice): BlockDev {
  return {
    name: pmem.name,
    size: pmem.dataSize,
    alive: () => pmem.diskAlive,
    submit: (k, op, sector, len) => pmemSubmitBio(k, pmem, op, sector, len),
    dax: pmem.hasPages ? pmem.dax : null,
    onMarkDead: (cb) => {
      pmem.onMarkDead = cb;
    },
    onCorruptedRange: (cb) => {
      pmem.holderCorruptedRange = cb;
    },
    spaRanges: (offset, len) => {
      const n = Math.min(len, pmem.dataSize - offset);
      return n > 0 ? [[pmem.dataStart + offset, n]] : [];
    },
    linearSpa: pmem.dataStart,
  };
}

export function buildMachine(s: Scenario, cost?: CostModel): Machine {
  const k = new Kernel({ ...s.kernel }, cost);
  const m = new Machine(k, s);
  k.event = '';
  k.platform = new Platform(s.platform.regions.map((r) => new NdRegion(r)));
  // extension (docs/cxl.md): CXL memdevs, decoders and regions; a pmem region adds its nd_region
  if (s.platform.cxl) cxlProbe(k, s.platform.cxl);
  for (const spec of s.platform.namespaces) {
    const region = m.region(spec.region);
    if (!region) throw new InputError(`${spec.path}/region`, 'region', spec.region, `namespace ${spec.id}: region ${describeValue(spec.region)} does not exist`);
    const ns = new Namespace(spec, region);
    region.namespaces.push(ns);
    m.namespaces.push(ns);
    if (ns.pmem) pmemAttachDisk(k, ns.pmem);
    else {
      // dax_pmem → devm_create_dev_dax → dev_dax_probe: a generic pagemap in compound pages
      const dd = new DevDax(spec, region, k.newMappingId());
      ns.devdax = dd;
      k.tr.call('dax', 'dev_dax_probe', { dev: spec.device, align: hex(spec.align) }, () => {
        k.pgmaps.push(dd.pgmap);
        k.devdaxByMapping.set(dd.inode.mapping, dd);
        return 0;
      });
    }
  }
  for (const spec of s.platform.dm) {
    // the loader checked every underlying device exists, is listed before and has room
    const md = dmCreate(k, spec, (name) => m.bdev(name));
    // the corrupted-range proposal: the disk's ->corrupted_range reaches dm, its holder
    for (const d of md.devices()) d.bdev.onCorruptedRange((kk, off, len, flags) => dmBlkCorruptedRange(kk, md, d.bdev, off, len, flags));
    m.dms.push(md);
  }
  for (const fs of s.filesystems) mountFilesystem(m, fs);
  for (const f of s.files) {
    const sb = k.superblocks.find((x) => f.path.startsWith(x.mount.endsWith('/') ? x.mount : x.mount + '/'));
    if (!sb) throw new InputError(`${f.pathPtr}/path`, 'path', f.path, `file ${describeValue(f.path)} is not under any mounted filesystem`);
    createFileOn(m, sb, f);
  }
  for (const p of s.processes) {
    const t = new Task(p.pid, p.comm, p.mceKill, p.sigbus);
    k.tasks.push(t);
  }
  // mappings are set up after every process exists, then populated in order
  for (const p of s.processes) {
    const t = k.task(p.pid)!;
    for (const ms of p.mappings) mmapInto(m, t, ms);
  }
  for (const p of s.processes) {
    const t = k.task(p.pid)!;
    for (const ms of p.mappings) if (ms.populate) populate(m, t, ms.id);
  }
  // setup is not part of any event: its calls do not count
  k.tr.calls.clear();
  return m;
}

function mountFilesystem(m: Machine, spec: FilesystemSpec): void {
  const bdev = m.bdev(spec.device);
  if (!bdev) throw new InputError(`${spec.path}/device`, 'device', spec.device, `filesystem on ${describeValue(spec.device)}: no such block device (the fsdax or raw namespaces provide ${m.namespaces.map((n) => n.pmem?.name).filter(Boolean).join(', ') || 'none'})`);
  const sb = createFilesystem(m.k, spec, bdev, (id) => m.bdev(id));
  m.k.superblocks.push(sb);
}

function createFileOn(m: Machine, sb: SuperBlock, f: Scenario['files'][number]): void {
  let inode: Inode;
  try {
    inode = sb.createFile(m.k, f, (p) => m.lookup(p)?.inode);
  } catch (e) {
    // an extent written as a pattern or an extents-file line: say where
    throw e instanceof InputError ? relocateExtentError(e, f) : e;
  }
  sb.files.set(f.path, inode);
}

/** mmap(): a vma over a file, placed where the scenario says or after the task's last one */
export function mmapInto(m: Machine, t: Task, ms: MappingSpec): Vma {
  const k = m.k;
  if (!t.mm) throw new InputError(ms.path, 'process', t.pid, `process ${t.pid} has exited`);
  if (ms.device !== undefined) return mmapDevDax(m, t, ms);
  const found = ms.file !== undefined ? m.lookup(ms.file) : undefined;
  if (!found) throw new InputError(`${ms.path}/file`, 'file', ms.file, `mapping ${ms.id}: no file ${describeValue(ms.file)}`);
  if (ms.offset % PAGE_SIZE) throw new InputError(`${ms.path}/offset`, 'offset', ms.offset, `mapping ${ms.id}: offset ${ms.offset} is not a multiple of PAGE_SIZE (4096)`);
  if (ms.length <= 0) throw new InputError(`${ms.path}/length`, 'length', ms.length, `mapping ${ms.id}: length must be positive`);
  if (ms.flags === 'shared-sync' && !found.sb.dax)
    throw new InputError(`${ms.path}/flags`, 'flags', ms.flags, `mapping ${ms.id}: MAP_SYNC needs a DAX file; ${found.sb.mount} is not mounted with DAX (mmap returns EOPNOTSUPP)`);
  if (t.mm.vmas.some((v) => v.id === ms.id)) throw new InputError(`${ms.path}/id`, 'id', ms.id, `process ${t.pid} already has a mapping ${ms.id}`);
  const len = alignUp(ms.length, PAGE_SIZE);
  let addr = ms.addr;
  if (addr === undefined) {
    const last = t.mm.vmas.reduce((a, v) => Math.max(a, v.end), DEFAULT_MMAP_BASE);
    // thp_get_unmapped_area: DAX files get PMD-aligned addresses, congruent with the file offset
    addr = alignUp(last, PMD_SIZE) + (ms.offset % PMD_SIZE);
    if (addr < last) addr += PMD_SIZE;
  } else {
    if (addr % PAGE_SIZE) throw new InputError(`${ms.path}/addr`, 'addr', hex(addr), `mapping ${ms.id}: addr ${hex(addr)} is not page aligned`);
    const clash = t.mm.vmas.find((v) => addr! < v.end && addr! + len > v.start);
    if (clash) throw new InputError(`${ms.path}/addr`, 'addr', hex(addr), `mapping ${ms.id} at ${hex(addr)} overlaps mapping ${clash.id} [${hex(clash.start)}, ${hex(clash.end)})`);
  }
  const vma = new Vma(ms.id, t.mm, addr, addr + len, ms.offset / PAGE_SIZE, found.inode.mapping, ms.prot, ms.flags, found.inode.path);
  k.tr.call('mm', 'do_mmap', { pid: t.pid, file: found.inode.path, addr: hex(addr), len, pgoff: hex(vma.pgoff), prot: ms.prot, flags: ms.flags }, () => {
    t.mm!.vmas.push(vma);
    found.inode.mapping.linkVma(vma);
    return hex(addr!);
  });
  return vma;
}

/** mmap of /dev/daxX.Y: offset, length and address in whole device-alignment units */
function mmapDevDax(m: Machine, t: Task, ms: MappingSpec): Vma {
  const dd = m.devdax(ms.device!);
  if (!dd) throw new InputError(`${ms.path}/device`, 'device', ms.device, `mapping ${ms.id}: no device-dax device ${describeValue(ms.device)}`);
  const a = dd.align;
  if (ms.offset % a) throw new InputError(`${ms.path}/offset`, 'offset', ms.offset, `mapping ${ms.id}: offset ${hex(ms.offset)} is not a multiple of ${dd.name}'s alignment ${hex(a)} (mmap returns EINVAL)`);
  if (ms.length <= 0 || ms.length % a) throw new InputError(`${ms.path}/length`, 'length', ms.length, `mapping ${ms.id}: length ${hex(ms.length)} is not a positive multiple of ${dd.name}'s alignment ${hex(a)}`);
  if (ms.flags === 'private') throw new InputError(`${ms.path}/flags`, 'flags', ms.flags, `mapping ${ms.id}: device-dax mappings must be shared (check_vma: EINVAL)`);
  if (ms.offset + ms.length > dd.size) throw new InputError(`${ms.path}/length`, 'length', ms.length, `mapping ${ms.id}: [${hex(ms.offset)}, ${hex(ms.offset + ms.length)}) runs past ${dd.name} (${hex(dd.size)})`);
  let addr = ms.addr;
  const last = t.mm!.vmas.reduce((x, v) => Math.max(x, v.end), DEFAULT_MMAP_BASE);
  if (addr === undefined) addr = alignUp(last, Math.max(a, PMD_SIZE));
  else {
    if (addr % a) throw new InputError(`${ms.path}/addr`, 'addr', hex(addr), `mapping ${ms.id}: addr ${hex(addr)} is not aligned to ${hex(a)}`);
    const clash = t.mm!.vmas.find((v) => addr! < v.end && addr! + ms.length > v.start);
    if (clash) throw new InputError(`${ms.path}/addr`, 'addr', hex(addr), `mapping ${ms.id} at ${hex(addr)} overlaps mapping ${clash.id}`);
  }
  if (t.mm!.vmas.some((v) => v.id === ms.id)) throw new InputError(`${ms.path}/id`, 'id', ms.id, `process ${t.pid} already has a mapping ${ms.id}`);
  const vma = new Vma(ms.id, t.mm!, addr, addr + ms.length, ms.offset / PAGE_SIZE, dd.inode.mapping, ms.prot, ms.flags, dd.inode.path);
  m.k.tr.call('mm', 'do_mmap', { pid: t.pid, file: dd.inode.path, addr: hex(addr), len: ms.length, pgoff: hex(vma.pgoff), prot: ms.prot, flags: ms.flags }, () => {
    t.mm!.vmas.push(vma);
    dd.inode.mapping.linkVma(vma);
    return hex(addr!);
  });
  return vma;
}

/** MAP_POPULATE: read-fault every page of a shared mapping, in order */
export function populate(m: Machine, t: Task, id: string): void {
  const vma = t.mm?.vmas.find((v) => v.id === id);
  if (!vma) return;
  mmPopulate(m.k, t, vma);
}

/** munmap / exit_mmap: the vma leaves the task and the file's i_mmap */
export function unmapVma(vma: Vma): void {
  vma.ptes.clear(vma.start / PAGE_SIZE, vma.end / PAGE_SIZE);
  vma.mapping.unlinkVma(vma);
  const j = vma.mm.vmas.indexOf(vma);
  if (j >= 0) vma.mm.vmas.splice(j, 1);
}

/** do_exit: the mm goes, and with it every mapping */
export function exitTask(t: Task): void {
  if (t.mm) for (const v of [...t.mm.vmas]) unmapVma(v);
  t.mm = null;
  t.alive = false;
  t.pending = [];
}

