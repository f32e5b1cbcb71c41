// The scenario's events, each turned into what userspace or the platform
// does. Every event first resolves and checks all its inputs (an address no
// device owns, a process that has exited, an unbound device) and throws an
// InputError naming the field before any kernel code runs, so a rejected
// event leaves the machine as it was.

import type { Machine } from './machine';
import { exitTask, mmapInto, populate, unmapVma } from './machine';
import type { EventSpec, Target } from './scenario/types';
import { InputError, describeValue } from './errors';
import { KernelBlocked, KernelOops } from './kernel';
import { hex, PAGE_SIZE, SECTOR_SIZE, alignDown, alignUp } from './units';
import { arsInjectClear, arsInjectSet, acpiNfitArsRescan, type NdRegion } from './platform/acpi-nfit';
import { userAccess } from './mm/fault';
import { madviseInjectError } from './mm/madvise';
import { hwpoisonInject, hwpoisonUnpoison } from './mm/hwpoison-inject';
import { ghesMemoryError } from './acpi/ghes';
import { blockDevRw, fileRw, punchHole } from './fs/read_write';
import { pmemReleaseDisk } from './nvdimm/pmem';
import { machineCheckScrub, mceTaskWorkRun } from './arch/mce';
import { errnoName } from './errno';
import type { EventResult } from './report';
import type { Inode, Task, Vma } from './mm/types';
import type { SuperBlock } from './fs/vfs';
import type { Namespace } from './nvdimm/namespace';
import { pmemPagemapKill, unbindPreRemove } from './designs';
import { memoryFailureWorkFunc } from './mm/memory-failure';
import { killDevDax } from './dax/device';
import { nvdimmClearPoison } from './nvdimm/bus';
import { EINVAL } from './errno';
import { cxlBusNdIoctl, cxlRegionMediaError, runCxlEvent } from './cxl/events';

type Ev<K extends EventSpec['do']> = Extract<EventSpec, { do: K }>;

export function result(ret: number): EventResult {
  return ret < 0 ? { ret, errno: errnoName(-ret) } : { ret };
}

function liveTask(m: Machine, e: EventSpec, pid: number): Task {
  const t = m.k.task(pid);
  if (!t) throw new InputError(`${e.path}/process`, 'process', pid, `${e.id}: no process with pid ${pid}`);
  // a process an oops killed, or one asleep for good, does nothing more: the
  // event does not run (a run under another design may not oops, so the
  // scenario itself is not wrong)
  if (!t.alive && t.oopsedIn) throw new KernelOops(`${e.id}: process ${pid} (${t.comm}) was killed by the oops in ${t.oopsedIn}`, t.oopsedIn);
  if (!t.alive) throw new InputError(`${e.path}/process`, 'process', pid, `${e.id}: process ${pid} (${t.comm}) has exited`);
  if (t.blockedIn) throw new KernelBlocked(`${e.id}: process ${pid} (${t.comm}) sleeps for good in ${t.blockedIn}`, t.blockedIn);
  return t;
}

function liveNamespace(m: Machine, e: EventSpec, id: string, field = 'namespace'): Namespace {
  const ns = m.namespace(id);
  if (!ns) throw new InputError(`${e.path}/${field}`, field, id, `${e.id}: no namespace ${describeValue(id)} (namespaces: ${m.namespaces.map((n) => n.id).join(', ')})`);
  if (!ns.bound) throw new InputError(`${e.path}/${field}`, field, id, `${e.id}: namespace ${id} has been unbound`);
  return ns;
}

function vmaAt(m: Machine, e: EventSpec, t: Task, addr: number, len: number, field = 'addr'): Vma {
  const vma = t.mm!.findVma(addr);
  if (!vma) throw new InputError(`${e.path}/${field}`, field, hex(addr), `${e.id}: process ${t.pid} has no mapping at ${hex(addr)}`);
  if (addr + len > vma.end) {
    // the range may continue into the next vma; every byte must be mapped
    let a = vma.end;
    while (a < addr + len) {
      const next = t.mm!.findVma(a);
      if (!next) throw new InputError(`${e.path}/length`, 'length', len, `${e.id}: [${hex(addr)}, ${hex(addr + len)}) is not all mapped in process ${t.pid} (nothing at ${hex(a)})`);
      a = next.end;
    }
  }
  return vma;
}

/** resolve a target to a system physical address, naming the field when nothing owns it */
export function resolveTarget(m: Machine, e: EventSpec, t: Target): number {
  const k = m.k;
  const owned = (spa: number, field: string, value: unknown): number => {
    if (!k.platform.regionOf(spa))
      throw new InputError(`${e.path}/${field}`, field, value, `${e.id}: ${field} ${describeValue(value)} is at SPA ${hex(spa)}, which no region owns (regions: ${k.platform.regions.map((r) => `${r.id} [${hex(r.ndrStart)}, ${hex(r.ndrStart + r.ndrSize)})`).join(', ')})`);
    return spa;
  };
  switch (t.kind) {
    case 'spa':
      return owned(t.spa, 'spa', hex(t.spa));
    case 'region': {
      const r = m.region(t.region);
      if (!r) throw new InputError(`${e.path}/region`, 'region', t.region, `${e.id}: no region ${describeValue(t.region)}`);
      if (t.offset >= r.ndrSize) throw new InputError(`${e.path}/offset`, 'offset', t.offset, `${e.id}: offset ${hex(t.offset)} is beyond region ${r.id} (size ${hex(r.ndrSize)})`);
      return r.ndrStart + t.offset;
    }
    case 'namespace': {
      const ns = m.namespace(t.namespace);
      if (!ns) throw new InputError(`${e.path}/namespace`, 'namespace', t.namespace, `${e.id}: no namespace ${describeValue(t.namespace)}`);
      if (t.offset >= ns.spec.size) throw new InputError(`${e.path}/offset`, 'offset', t.offset, `${e.id}: offset ${hex(t.offset)} is beyond namespace ${ns.id} (size ${hex(ns.spec.size)})`);
      return ns.start + t.offset;
    }
    case 'device': {
      const bdev = m.bdev(t.device);
      if (!bdev) throw new InputError(`${e.path}/device`, 'device', t.device, `${e.id}: no block device ${describeValue(t.device)}`);
      if (t.sector * SECTOR_SIZE >= bdev.size) throw new InputError(`${e.path}/sector`, 'sector', t.sector, `${e.id}: sector ${t.sector} is beyond ${bdev.name} (${bdev.size / SECTOR_SIZE} sectors)`);
      // a dm sector is followed through the table to the device under it
      return bdev.spaRanges(t.sector * SECTOR_SIZE, 1)[0]![0];
    }
    case 'file': {
      const f = m.lookup(t.file);
      if (!f) throw new InputError(`${e.path}/file`, 'file', t.file, `${e.id}: no file ${describeValue(t.file)}`);
      const spa = fileOffsetSpa(f.sb, f.inode, t.offset);
      if (spa === undefined) throw new InputError(`${e.path}/offset`, 'offset', t.offset, `${e.id}: offset ${hex(t.offset)} of ${t.file} is not backed by a device block (a hole, or beyond the end)`);
      return spa;
    }
    case 'process': {
      const task = liveTask(m, e, t.process);
      const vma = vmaAt(m, e, task, t.addr, 1);
      const pte = vma.ptes.get(Math.floor(t.addr / PAGE_SIZE));
      if (pte && pte.pfn >= 0) return pte.pfn * PAGE_SIZE + (t.addr % PAGE_SIZE);
      const f = m.lookup(vma.target);
      const off = (vma.pgoff * PAGE_SIZE) + (t.addr - vma.start);
      const spa = f && fileOffsetSpa(f.sb, f.inode, off);
      if (spa === undefined) throw new InputError(`${e.path}/addr`, 'addr', hex(t.addr), `${e.id}: ${hex(t.addr)} in process ${t.process} is not backed by device memory`);
      return spa;
    }
  }
}

/** the SPA of a file offset, through the filesystem's block map (no trace: a lookup for the user) */
function fileOffsetSpa(sb: SuperBlock, inode: Inode, off: number): number | undefined {
  if (off >= inode.size) return undefined;
  const bdevOff = sb.bmapQuiet(inode, off);
  if (bdevOff === undefined) return undefined;
  return sb.bdev.spaRanges(bdevOff, 1)[0]?.[0];
}

/** Validate, then run one event. Returns its result. */
export function runEvent(m: Machine, e: EventSpec): EventResult {
  const k = m.k;
  switch (e.do) {
    case 'media-error': {
      const spa = resolveTarget(m, e, e.target);
      const region = k.platform.regionOf(spa)!;
      const len = e.length ?? region.spec.errorGranularity;
      if (!region.contains(spa, len)) throw new InputError(`${e.path}/length`, 'length', len, `${e.id}: [${hex(spa)}, ${hex(spa + len)}) runs past the end of ${region.id}`);
      // extension (docs/cxl.md): in a CXL region the devices behind the HPAs list the poison
      if (region.cxl) {
        cxlRegionMediaError(k, region, spa, len);
        return { ret: 0 };
      }
      k.platform.markMediaBad(region, spa, len);
      return { ret: 0 };
    }
    case 'inject-error':
    case 'uninject-error': {
      const ns = liveNamespace(m, e, e.namespace);
      const dataSize = ns.spec.size - ns.spec.dataOffset;
      if (e.count <= 0) throw new InputError(`${e.path}/count`, 'count', e.count, `${e.id}: count must be at least 1`);
      if ((e.block + e.count) * SECTOR_SIZE > dataSize)
        throw new InputError(`${e.path}/block`, 'block', e.block, `${e.id}: blocks [${e.block}, ${e.block + e.count}) are beyond ${ns.id} (${dataSize / SECTOR_SIZE} blocks)`);
      const spa = ns.dataStart + e.block * SECTOR_SIZE;
      const len = e.count * SECTOR_SIZE;
      // extension (docs/cxl.md): the CXL nvdimm bus has no ARS error injection
      if (ns.region.cxl) return result(cxlBusNdIoctl(k, e.do === 'inject-error' ? 'ND_CMD_ARS_INJECT_SET' : 'ND_CMD_ARS_INJECT_CLEAR', ns.region));
      if (e.do === 'inject-error') return result(arsInjectSet(k, ns.region, spa, len, (e as Ev<'inject-error'>).notify));
      return result(arsInjectClear(k, spa, len));
    }
    case 'scrub': {
      let region: NdRegion | undefined;
      if (e.region !== undefined) {
        region = m.region(e.region);
        if (!region) throw new InputError(`${e.path}/region`, 'region', e.region, `${e.id}: no region ${describeValue(e.region)}`);
        // extension (docs/cxl.md): no ARS on the CXL nvdimm bus
        if (region.cxl) return result(cxlBusNdIoctl(k, 'ND_CMD_ARS_START', region));
      }
      return result(acpiNfitArsRescan(k, region));
    }
    case 'clear-errors': {
      const ns = liveNamespace(m, e, e.namespace);
      if (ns.devdax) {
        // device-dax has no block device: ndctl sends ND_CMD_CLEAR_ERROR for
        // the region's bad ranges inside the namespace (the ioctl path clears
        // the media, the badrange and the region badblocks, nothing else)
        const unit = Math.max(SECTOR_SIZE, ns.region.spec.clearUnit);
        for (const [s, e2] of ns.region.bb.ranges()) {
          const a = Math.max(ns.region.ndrStart + alignDown(s * SECTOR_SIZE, unit), ns.dataStart);
          const b = Math.min(ns.region.ndrStart + alignUp(e2 * SECTOR_SIZE, unit), ns.end);
          if (a >= b) continue;
          const rc = k.tr.call('syscall', 'nd_ioctl', { cmd: 'ND_CMD_CLEAR_ERROR', address: hex(a), length: b - a }, () => nvdimmClearPoison(k, ns.region, a, b - a));
          if (rc < 0) return result(rc);
        }
        return { ret: 0 };
      }
      const pmem = ns.pmem!;
      // ndctl clear-errors writes zeroes over each bad range through the block
      // device (O_DIRECT), widened to the platform's clear unit: pmem_do_write
      // clears the poison first
      const unit = Math.max(SECTOR_SIZE, ns.region.spec.clearUnit);
      const bdev = m.bdev(pmem.name)!;
      for (const [s, e2] of pmem.bb.ranges()) {
        const a = alignDown(s * SECTOR_SIZE, unit);
        const b = Math.min(alignUp(e2 * SECTOR_SIZE, unit), pmem.dataSize);
        const rc = blockDevRw(k, bdev, a, b - a, true, true);
        if (rc < 0) return result(rc);
      }
      return { ret: 0 };
    }
    case 'load':
    case 'store': {
      const t = liveTask(m, e, e.process);
      if (e.length <= 0) throw new InputError(`${e.path}/length`, 'length', e.length, `${e.id}: length must be positive`);
      const vma = vmaAt(m, e, t, e.addr, e.length);
      if (e.do === 'store' && vma.prot !== 'rw') throw new InputError(`${e.path}/addr`, 'addr', hex(e.addr), `${e.id}: mapping ${vma.id} of process ${t.pid} is read-only (a store would be SIGSEGV)`);
      const r = userAccess(k, t, e.addr, e.length, e.do === 'store');
      return r.errno ? { ret: r.ret, errno: r.errno } : { ret: r.ret };
    }
    case 'read':
    case 'write': {
      const t = liveTask(m, e, e.process);
      if (e.length < 0) throw new InputError(`${e.path}/length`, 'length', e.length, `${e.id}: length must not be negative`);
      const saved = k.current;
      k.current = t;
      try {
        if (e.file !== undefined) {
          const f = m.lookup(e.file);
          if (!f) throw new InputError(`${e.path}/file`, 'file', e.file, `${e.id}: no file ${describeValue(e.file)}`);
          if (e.buffer === undefined) return result(fileRw(k, f.sb, f.inode, e.offset, e.length, e.do === 'write', e.direct));
          // extension: a write from a buffer in one of the caller's mappings
          if (!f.sb.dax) throw new InputError(`${e.path}/buffer`, 'buffer', hex(e.buffer), `${e.id}: a buffer is modelled for writes to a DAX file only; ${e.file} is on ${f.sb.mount} mounted without DAX`);
          if (e.length > 0) vmaAt(m, e, t, e.buffer, e.length, 'buffer');
          const rc = fileRw(k, f.sb, f.inode, e.offset, e.length, true, e.direct, { task: t, addr: e.buffer });
          // on the way back to user space the task work a machine check queued runs
          mceTaskWorkRun(k, t);
          return result(rc);
        }
        if (e.buffer !== undefined) throw new InputError(`${e.path}/buffer`, 'buffer', hex(e.buffer), `${e.id}: a buffer is modelled for writes to a DAX file only, not for a device`);
        const name = (e.device ?? '').replace(/^\/dev\//, '');
        // a device-dax character device has no read/write file operations
        if (m.devdax(name)) return result(-EINVAL);
        const bdev = m.bdev(name);
        if (!bdev) throw new InputError(`${e.path}/device`, 'device', e.device, `${e.id}: no block device ${describeValue(e.device)}`);
        const ns = m.namespaces.find((n) => n.pmem !== null && n.pmem.name === name);
        if (ns && !ns.bound) throw new InputError(`${e.path}/device`, 'device', e.device, `${e.id}: ${name} is gone (namespace ${ns.id} was unbound)`);
        return result(blockDevRw(k, bdev, e.offset, e.length, e.do === 'write', e.direct));
      } finally {
        k.current = saved;
      }
    }
    case 'punch-hole': {
      const t = liveTask(m, e, e.process);
      const f = m.lookup(e.file);
      if (!f) throw new InputError(`${e.path}/file`, 'file', e.file, `${e.id}: no file ${describeValue(e.file)}`);
      if (e.length <= 0) throw new InputError(`${e.path}/length`, 'length', e.length, `${e.id}: length must be positive`);
      const saved = k.current;
      k.current = t;
      try {
        return result(punchHole(k, f.sb, f.inode, e.offset, e.length));
      } finally {
        k.current = saved;
      }
    }
    case 'madvise-hwpoison':
    case 'madvise-soft-offline': {
      const t = liveTask(m, e, e.process);
      if (e.addr % PAGE_SIZE) throw new InputError(`${e.path}/addr`, 'addr', hex(e.addr), `${e.id}: madvise needs a page-aligned address (EINVAL)`);
      const len = alignUp(Math.max(e.length, 1), PAGE_SIZE);
      vmaAt(m, e, t, e.addr, len);
      return result(madviseInjectError(k, t, e.do === 'madvise-hwpoison' ? 'MADV_HWPOISON' : 'MADV_SOFT_OFFLINE', e.addr, len));
    }
    case 'corrupt-pfn':
    case 'unpoison-pfn': {
      if (!k.platform.regionOf(e.pfn * PAGE_SIZE))
        throw new InputError(`${e.path}/pfn`, 'pfn', hex(e.pfn), `${e.id}: pfn ${hex(e.pfn)} (SPA ${hex(e.pfn * PAGE_SIZE)}) is in no region`);
      return result(e.do === 'corrupt-pfn' ? hwpoisonInject(k, e.pfn) : hwpoisonUnpoison(k, e.pfn));
    }
    case 'patrol-scrub': {
      const spa = resolveTarget(m, e, e.target);
      const region = k.platform.regionOf(spa)!;
      const len = e.length ?? region.spec.errorGranularity;
      if (!region.contains(spa, len)) throw new InputError(`${e.path}/length`, 'length', len, `${e.id}: [${hex(spa)}, ${hex(spa + len)}) runs past the end of ${region.id}`);
      if (region.cxl) throw new InputError(e.path, 'do', e.do, `${e.id}: the patrol scrub of a CXL region is reported by the memory device (cxl-inject-poison), not modelled as a machine check`);
      const [start, end] = k.platform.markMediaBad(region, spa, len);
      // one record per bad granule, in address order
      for (let g = start; g < end; g += region.spec.errorGranularity) {
        if (k.cfg.reporting === 'firmware-first') ghesMemoryError(k, g, false, null);
        else machineCheckScrub(k, g, e.severity === 'deferred' ? 'MCE_DEFERRED_SEVERITY' : 'MCE_AO_SEVERITY');
      }
      return { ret: 0 };
    }
    case 'ghes': {
      const spa = resolveTarget(m, e, e.target);
      const consumer = e.target.kind === 'process' ? liveTask(m, e, e.target.process) : null;
      ghesMemoryError(k, spa, e.sync, consumer);
      return { ret: 0 };
    }
    case 'unbind': {
      const ns = liveNamespace(m, e, e.namespace);
      // the whole data area of the namespace goes away: every owner on it is affected
      k.why.failed(Math.floor(ns.dataStart / PAGE_SIZE), Math.ceil(ns.end / PAGE_SIZE));
      if (ns.devdax) {
        const dd = ns.devdax;
        return result(
          k.tr.call('syscall', 'unbind_store', { driver: 'dax_pmem', device: ns.id.replace(/^namespace/, 'dax') }, () => {
            killDevDax(k, dd);
            ns.bound = false;
            return 0;
          }),
        );
      }
      return result(
        k.tr.call('syscall', 'unbind_store', { driver: 'nd_pmem', device: ns.spec.mode === 'fsdax' ? ns.id.replace(/^namespace/, 'pfn') : ns.id }, () => {
          const pmem = ns.pmem!;
          // kill_dax moves into the pagemap's ->kill in the pagemap-failure design
          if (k.cfg.design === 'pagemap-failure') {
            // dax_is_idle counts references to the dax device: a mounted
            // filesystem's, or a dm table's (open_table_device holds one too)
            const mounted = k.superblocks.some((sb) => sb.daxDev === pmem.dax && !sb.isShutdown()) || m.dms.some((md) => md.devices().some((d) => d.dax === pmem.dax));
            pmemReleaseDisk(k, pmem, () => undefined, () => pmemPagemapKill(k, pmem, mounted));
          } else pmemReleaseDisk(k, pmem, unbindPreRemove(k));
          ns.bound = false;
          return 0;
        }),
      );
    }
    case 'mmap': {
      const t = liveTask(m, e, e.process);
      const vma = mmapInto(m, t, e.mapping);
      if (e.mapping.populate) populate(m, t, vma.id);
      return { ret: vma.start };
    }
    case 'munmap': {
      const t = liveTask(m, e, e.process);
      const vma = t.mm!.vmas.find((v) => v.id === e.mapping);
      if (!vma) throw new InputError(`${e.path}/id`, 'id', e.mapping, `${e.id}: process ${t.pid} has no mapping ${describeValue(e.mapping)}`);
      k.tr.call('syscall', '__vm_munmap', { pid: t.pid, addr: hex(vma.start), len: vma.end - vma.start }, () => unmapVma(vma));
      return { ret: 0 };
    }
    case 'exit': {
      const t = liveTask(m, e, e.process);
      k.tr.call('process', 'do_exit', { pid: t.pid }, () => exitTask(t));
      return { ret: 0 };
    }
    case 'set': {
      if (e.process !== undefined) {
        const t = liveTask(m, e, e.process);
        if (e.mceKill) t.mceKill = e.mceKill;
      }
      if (e.kernel) {
        // each filter field is its own debugfs file: the others keep their values
        const filter = e.kernel.hwpoisonFilter ? { ...k.cfg.hwpoisonFilter, ...e.kernel.hwpoisonFilter } : k.cfg.hwpoisonFilter;
        k.cfg = { ...k.cfg, ...e.kernel };
        if (filter) k.cfg.hwpoisonFilter = filter;
      }
      return { ret: 0 };
    }
    case 'cxl-inject-poison':
    case 'cxl-clear-poison':
    case 'cxl-poison-list':
      return runCxlEvent(m, e);
  }
}

/**
 * The end of an event: pending signals are delivered. A SIGKILL, or a SIGBUS
 * the process does not handle, kills it (its mappings go with its mm); a
 * handled SIGBUS is recorded and the faulting access abandoned. Anything still
 * queued for the memory-failure worker runs first.
 */
export function finishEvent(m: Machine): void {
  try {
    memoryFailureWorkFunc(m.k, null);
  } finally {
    deliverPending(m);
  }
}

function deliverPending(m: Machine): void {
  for (const t of m.k.tasks) {
    if (!t.pending.length) continue;
    const fatal = t.pending.some((p) => p.signo === 'SIGKILL' || (p.signo === 'SIGBUS' && t.sigbus === 'default'));
    if (fatal)
      m.k.tr.call('process', 'do_exit', { pid: t.pid, reason: t.pending[0]!.signo }, (span) => {
        m.k.why.note({ kind: 'exit', task: t, vmas: [...(t.mm?.vmas ?? [])], signo: t.pending.some((p) => p.signo === 'SIGKILL') ? 'SIGKILL' : 'SIGBUS', span: span.id });
        exitTask(t);
      });
    t.pending = [];
  }
}
