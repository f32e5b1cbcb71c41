// Scenario → guest plan. Decides what the real kernel under QEMU can run,
// writes the setup script (namespace, mkfs, mount) and the plan the guest
// program (oracle/guest/poisonlab.c) executes: files, processes, mappings,
// populate faults, then the events. An event the guest cannot run is listed
// with the reason; everything after it is not run either, because the
// machine's state would no longer be the scenario's.

import { kernelVersion } from '../../src/sim/version';
import type { EventSpec, HwpoisonFilterConfig, MappingSpec, ProcessSpec, Scenario, Target } from '../../src/sim/scenario/types';
import { xfsMkfsGeometry } from '../../src/sim/fs/xfs/xfs_mkfs';

export const GUEST_REGION_SIZE = 1024 * 1024 * 1024;
export const DEFAULT_MMAP_BASE = 0x7f0000000000;
const PMD_SIZE = 2 * 1024 * 1024;
const PAGE = 4096;
const SECTOR = 512;

/** Functions the guest counts with the function tracer (those it can trace are kept). */
export const TRACED_FUNCTIONS = [
  'memory_failure',
  'memory_failure_queue',
  'soft_offline_page',
  'madvise_inject_error',
  'hwpoison_inject',
  'pmem_pagemap_memory_failure',
  'dax_holder_notify_failure',
  'xfs_dax_notify_failure',
  'xfs_dax_notify_ddev_failure',
  'xfs_dax_failure_fn',
  'mf_dax_kill_procs',
  'dax_lock_folio',
  // 6.1's name of dax_lock_folio (fs/dax.c; renamed in 6.8)
  'dax_lock_page',
  'dax_lock_mapping_entry',
  'collect_procs',
  'unmap_and_kill',
  'kill_procs',
  'kill_proc',
  'action_result',
  'kill_dax',
  'kill_dev_dax',
  'xfs_do_force_shutdown',
  'kill_me_maybe',
  'kill_me_now',
  'nfit_handle_mce',
  'pmem_recovery_write',
  'dax_recovery_write',
  'pmem_clear_poison',
  'nvdimm_clear_poison',
  'do_sigbus',
];

export interface NotRun {
  id: string;
  do: string;
  reason: string;
}

export interface Plan {
  /** null when the whole scenario is out of the guest's reach */
  refused: string | null;
  setupSh: string;
  planTxt: string;
  /** the scenario's own mapping addresses: pid → mapping id → start */
  addresses: Map<number, Map<string, { addr: number; length: number; offset: number; file?: string }>>;
  /** events refused on the host, before boot */
  notRunStatic: NotRun[];
  /** needs a real machine check (one CPU, Intel model, QEMU monitor) */
  needsMce: boolean;
  /** the scenario's namespace data start and namespace start (SPA) */
  scenarioDataStart: number;
  scenarioNsStart: number;
  scenarioDevice: string;
  scenarioRegion: string;
  /** what was set up, in words, for the meta file */
  setupNotes: string[];
  /**
   * Files the scenario places with explicit extents. The guest cannot force a
   * block number; it places them with the same 2 MiB alignment (a 2 MiB
   * stripe unit and extent size hint) and their pages are translated by file
   * offset: each extent's file offset and scenario device offset, in bytes.
   */
  placed: { path: string; extents: { fileOff: number; length: number; devOff: number }[] }[];
  /**
   * The scenario's device-mapper device, when it has one: dm-linear lines over
   * the namespace's pmem device only (sectors, as in the table). The guest
   * creates it with dmsetup; the kernel names the first dm device dm-0.
   */
  dm: { id: string; kernelName: string; lines: { start: number; length: number; offset: number }[] } | null;
  /** the device the scenario's filesystem is on (the namespace's, or the dm device) */
  scenarioFsDevice: string;
}

/** the kernel name of the first (and only) device-mapper device the guest creates */
export const GUEST_DM_NAME = 'dm-0';
/** traced in addition when the scenario has a dm device (dm-mod's DAX hops) */
export const TRACED_DM_FUNCTIONS = ['dm_dax_direct_access', 'linear_dax_direct_access'];

/** %XX-encode a plan token (no spaces or control characters survive) */
export function tok(s: string | number): string {
  return String(s).replace(/[^A-Za-z0-9/._+:,=@-]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

const hex = (n: number) => '0x' + n.toString(16);

/** The simulator's placement of mappings without addr (src/sim/machine.ts mmapInto). */
export function assignAddresses(s: Scenario): Plan['addresses'] {
  const all: Plan['addresses'] = new Map();
  for (const p of s.processes) {
    const m = new Map<string, { addr: number; length: number; offset: number; file?: string }>();
    all.set(p.pid, m);
    for (const ms of p.mappings) place(m, ms);
  }
  for (const e of s.events) if (e.do === 'mmap') place(all.get(e.process) ?? new Map(), e.mapping);
  return all;
}

function place(m: Map<string, { addr: number; length: number; offset: number; file?: string }>, ms: MappingSpec): void {
  const len = Math.ceil(ms.length / PAGE) * PAGE;
  let addr = ms.addr;
  if (addr === undefined) {
    const last = [...m.values()].reduce((a, v) => Math.max(a, v.addr + Math.ceil(v.length / PAGE) * PAGE), DEFAULT_MMAP_BASE);
    addr = Math.ceil(last / PMD_SIZE) * PMD_SIZE + (ms.offset % PMD_SIZE);
    if (addr < last) addr += PMD_SIZE;
  }
  m.set(ms.id, { addr, length: len, offset: ms.offset, file: ms.file });
}

export function buildPlan(s: Scenario): Plan {
  const notes: string[] = [];
  const addresses = assignAddresses(s);
  const plan: Plan = {
    refused: null,
    setupSh: '',
    planTxt: '',
    addresses,
    notRunStatic: [],
    needsMce: false,
    scenarioDataStart: 0,
    scenarioNsStart: 0,
    scenarioDevice: 'pmem0',
    scenarioRegion: 'region0',
    setupNotes: notes,
    placed: [],
    dm: null,
    scenarioFsDevice: 'pmem0',
  };
  const refuse = (why: string): Plan => {
    plan.refused = why;
    return plan;
  };

  // --- the machine
  if (s.kernel.design !== 'upstream') return refuse(`kernel.design is ${s.kernel.design}: the real ${kernelVersion(s.kernel)} kernel has the upstream design only`);
  if (s.kernel.hwErrorScrub) return refuse("kernel.hwErrorScrub: a machine check would start ACPI address range scrub, which QEMU's NVDIMM does not implement");
  if (s.platform.cxl) return refuse('the oracle guest has no CXL memory devices (QEMU pc machine, NVDIMM only)');
  if (s.platform.regions.length !== 1) return refuse(`the guest has one NVDIMM region; the scenario has ${s.platform.regions.length}`);
  const region = s.platform.regions[0]!;
  if (region.size !== GUEST_REGION_SIZE) return refuse(`the guest's region is 1 GiB; the scenario's is ${region.size} bytes`);
  if (s.platform.namespaces.length !== 1) return refuse(`the guest builds one namespace; the scenario has ${s.platform.namespaces.length}`);
  const ns = s.platform.namespaces[0]!;
  if (ns.offset !== 0 || ns.size !== region.size) return refuse('the guest namespace covers the whole region (offset 0, the region size)');
  if (ns.mode === 'raw') return refuse('namespace mode raw: the guest builds fsdax and devdax namespaces only');
  plan.scenarioNsStart = region.spa + ns.offset;
  plan.scenarioDataStart = region.spa + ns.offset + ns.dataOffset;
  plan.scenarioDevice = ns.device;
  plan.scenarioFsDevice = ns.device;
  plan.scenarioRegion = region.id;
  // device-mapper: one dm device, every line dm-linear over the namespace's pmem device
  if (s.platform.dm.length > 1) return refuse(`the guest builds at most one device-mapper device; the scenario has ${s.platform.dm.length}`);
  const dmSpec = s.platform.dm[0];
  if (dmSpec) {
    if (ns.mode !== 'fsdax') return refuse(`device-mapper over a ${ns.mode} namespace: the guest builds dm-linear over an fsdax namespace only`);
    const lines: { start: number; length: number; offset: number }[] = [];
    for (const [i, l] of dmSpec.table.entries()) {
      if (l.target !== 'linear') return refuse(`${dmSpec.id} line ${i} is ${l.target}: the guest builds dm-linear tables only (one namespace, so no stripes)`);
      if (l.device !== ns.device) return refuse(`${dmSpec.id} line ${i} maps ${l.device}: the guest's only block device is ${ns.device}`);
      lines.push({ start: l.start, length: l.length, offset: l.offset });
    }
    plan.dm = { id: dmSpec.id, kernelName: GUEST_DM_NAME, lines };
  }
  if (s.filesystems.length > 1) return refuse('the guest mounts at most one filesystem');
  const fs = s.filesystems[0];
  if (fs) {
    if (ns.mode !== 'fsdax') return refuse(`a filesystem on a ${ns.mode} namespace`);
    const fsDevs = plan.dm ? [ns.device, plan.dm.id] : [ns.device];
    if (!fsDevs.includes(fs.device)) return refuse(`filesystem on ${fs.device}, not on ${fsDevs.join(' or ')}`);
    if (fs.log !== 'internal') return refuse('an external XFS log is not built in the guest');
    plan.scenarioFsDevice = fs.device;
  }
  let aligned2m = false;
  for (const f of s.files) {
    if (!f.extents) continue;
    if (plan.dm) return refuse(`${f.path}: explicit extents are not placed on a device-mapper device`);
    if (!fs || fs.type !== 'xfs') return refuse(`${f.path}: explicit extents are placed by alignment on XFS only`);
    const g = xfsMkfsGeometry({ deviceBytes: ns.size - ns.dataOffset, blockSize: fs.blockSize, agcount: fs.agcount, rmapbt: fs.rmapbt, reflink: fs.reflink });
    const bs = fs.blockSize;
    const extents = f.extents.map((x) => {
      const agno = Math.floor(x.block / 2 ** g.agblklog);
      const agbno = x.block % 2 ** g.agblklog;
      return { fileOff: x.offset * bs, length: x.length * bs, devOff: (agno * g.agblocks + agbno) * bs };
    });
    for (const x of extents) if (x.devOff % PMD_SIZE === x.fileOff % PMD_SIZE && x.length >= PMD_SIZE) aligned2m = true;
    plan.placed.push({ path: f.path, extents });
  }
  if (plan.placed.length) {
    if (!aligned2m) return refuse('explicit extents without 2 MiB alignment cannot be reproduced: the guest only controls alignment');
    notes.push(`explicit extents (${plan.placed.map((p) => p.path).join(', ')}): placed by the guest with a 2 MiB stripe unit and extent size hint; their pages are translated by file offset`);
  }
  const devPath = `/dev/${ns.device}`;
  const badDev = (d: string) => ns.mode !== 'devdax' || d.replace(/^\/dev\//, '') !== ns.device;
  for (const p of s.processes) for (const m of p.mappings) if (m.device && badDev(m.device)) return refuse(`process ${p.pid} maps ${m.device}, which is not the guest's device-dax (${devPath})`);
  for (const e of s.events) if (e.do === 'mmap' && e.mapping.device && badDev(e.mapping.device)) return refuse(`${e.id} maps ${e.mapping.device}, which is not the guest's device-dax`);

  // --- setup script (busybox sh, sourced by /init; fail() powers off)
  const sh: string[] = [];
  const ndctl = `ndctl create-namespace -f -e namespace0.0 -m ${ns.mode} -a ${ns.align}`;
  sh.push(`${ndctl} > /tmp/ns.json 2>&1 || fail ndctl /tmp/ns.json`);
  sh.push('emit ndctl /tmp/ns.json');
  if (ns.mode === 'fsdax') {
    sh.push('pfn=$(basename $(readlink -f /sys/block/pmem0/device))');
    sh.push('ln -s /sys/block/pmem0/badblocks /run/bb-dev');
  } else {
    // the nd bus's dax device (its resource is the data start, like a pfn device's) and the char device
    sh.push('for d in /sys/bus/nd/devices/dax*; do [ -e $d/driver ] && pfn=$(basename $d); done');
    sh.push(`[ -e ${devPath} ] || fail "no ${devPath}"`);
  }
  sh.push('echo -n $pfn > /run/pfn-dev');
  // unbind the namespace's device from its driver (nd_pmem for fsdax, dax_pmem for devdax)
  sh.push('echo -n /sys/bus/nd/drivers/$(basename $(readlink -f /sys/bus/nd/devices/$pfn/driver))/unbind > /run/unbind-path');
  sh.push('ln -s /sys/bus/nd/devices/region0/badblocks /run/bb-region');
  sh.push('cp /sys/bus/nd/devices/$pfn/resource /run/data-start');
  sh.push('cp /sys/bus/nd/devices/namespace0.0/resource /run/ns-start');
  sh.push('cp /sys/bus/nd/devices/$pfn/size /run/data-size');
  sh.push('emit data-size /run/data-size');
  notes.push(ndctl);
  // the block device the filesystem goes on: pmem0, or the dm device over it
  let fsDev = '/dev/pmem0';
  if (plan.dm) {
    const name = plan.dm.id;
    const table = plan.dm.lines.map((l) => `${l.start} ${l.length} linear /dev/pmem0 ${l.offset}`);
    // no udev in the guest: libdevmapper makes /dev/mapper/<name> itself (devtmpfs makes /dev/dm-N)
    const cmd = `dmsetup create ${name}`;
    sh.push(`printf '%s\\n' ${table.map((t) => `'${t}'`).join(' ')} > /tmp/dm.table`);
    sh.push(`DM_DISABLE_UDEV=1 ${cmd} < /tmp/dm.table > /tmp/dm.out 2>&1 || fail dmsetup /tmp/dm.out`);
    // the scenario's names in the kernel's lines assume the kernel calls it dm-0
    sh.push(`[ "$(cat /sys/block/${plan.dm.kernelName}/dm/name 2>/dev/null)" = "${name}" ] || { ls -l /sys/block /dev/mapper > /tmp/dm.out 2>&1; fail "the kernel did not name the dm device ${name} ${plan.dm.kernelName}" /tmp/dm.out; }`);
    sh.push(`[ -b /dev/mapper/${name} ] || fail "no /dev/mapper/${name}"`);
    sh.push(`dmsetup table > /tmp/dm.table.out 2>&1; emit dm-table /tmp/dm.table.out`);
    fsDev = `/dev/mapper/${name}`;
    notes.push(`${cmd} (${table.join('; ')}): kernel name ${plan.dm.kernelName}; FIEMAP offsets are ${name}-relative and go through the table to ${ns.device} offsets`);
  }
  if (fs) {
    const mnt = fs.mount;
    if (fs.type === 'xfs') {
      const opts = [`-m rmapbt=${fs.rmapbt ? 1 : 0},reflink=${fs.reflink ? 1 : 0}`, `-b size=${fs.blockSize}`];
      const d: string[] = [];
      if (fs.agcount) d.push(`agcount=${fs.agcount}`);
      if (plan.placed.length) d.push('su=2m,sw=1');
      if (d.length) opts.push(`-d ${d.join(',')}`);
      const cmd = `mkfs.xfs -f ${opts.join(' ')} ${fsDev}`;
      sh.push(`${cmd} > /tmp/mkfs.out 2>&1 || fail mkfs /tmp/mkfs.out`);
      notes.push(cmd);
    } else {
      const cmd = `mkfs.ext4 -F -b ${fs.blockSize} ${fsDev}`;
      sh.push(`${cmd} > /tmp/mkfs.out 2>&1 || fail mkfs /tmp/mkfs.out`);
      notes.push(cmd);
    }
    sh.push('emit mkfs /tmp/mkfs.out');
    const mcmd = `mount -t ${fs.type} -o dax=${fs.dax} ${fsDev} ${mnt}`;
    sh.push(`mkdir -p ${mnt} && ${mcmd} 2>/tmp/mount.err || fail mount /tmp/mount.err`);
    notes.push(mcmd);
  }
  sh.push(`echo ${s.kernel.earlyKill ? 1 : 0} > /proc/sys/vm/memory_failure_early_kill`);
  sh.push(`echo ${s.kernel.recovery ? 1 : 0} > /proc/sys/vm/memory_failure_recovery`);
  if (s.kernel.panicOnOops !== undefined) sh.push(`echo ${s.kernel.panicOnOops ? 1 : 0} > /proc/sys/kernel/panic_on_oops`);
  for (const [path, value] of filterWrites(s.kernel.hwpoisonFilter)) sh.push(`echo ${value} > ${path} || fail hwpoison-filter /dev/null`);
  sh.push('dmesg > /tmp/dmesg.setup; emit setup-dmesg /tmp/dmesg.setup');
  plan.setupSh = sh.join('\n') + '\n';

  // --- plan
  const L: string[] = [];
  L.push('layout /run/data-start /run/ns-start');
  // the dm table in bytes (dm offset, length, offset in the namespace's data area): FIEMAP's physical offsets go through it
  if (plan.dm) for (const l of plan.dm.lines) L.push(`dmlinear ${l.start * SECTOR} ${l.length * SECTOR} ${l.offset * SECTOR}`);
  if (s.kernel.reporting === 'firmware-first') L.push('firmware-first');
  L.push(['trace', ...TRACED_FUNCTIONS, ...(plan.dm ? TRACED_DM_FUNCTIONS : [])].join(' '));
  // debugging aid: ORACLE_TRACE_STACKS=1 records every traced call with its call stack (records.json)
  if (process.env.ORACLE_TRACE_STACKS) L.push('traceraw');
  for (const f of s.files) {
    if (f.reflink) L.push(`reflink ${tok(f.path)} ${tok(f.reflink)}`);
    else L.push(`file ${tok(f.path)} ${f.size} ${f.fill}${f.extents ? ` ${PMD_SIZE}` : ''}`);
    for (const c of f.clone) L.push(`clone ${tok(f.path)} ${tok(c.from)} ${c.srcOffset} ${c.dstOffset} ${c.length}`);
  }
  if (s.files.some((f) => !f.cached)) {
    for (const f of s.files) if (f.cached) L.push(`holdopen ${tok(f.path)}`);
    L.push(`sysctl /proc/sys/vm/drop_caches 2`);
    notes.push('uncached files: the others are held open, then echo 2 > /proc/sys/vm/drop_caches');
  }
  for (const f of s.files) L.push(`extents ${tok(f.path)}`);
  // the kernel's own reverse map of the whole filesystem (GETFSMAP), for the layout comparison
  if (fs?.type === 'xfs') L.push(`run fsmap ${tok(`xfs_io -r -c "fsmap -d -v" ${fs.mount}`)}`);
  for (const p of s.processes) L.push(`proc ${p.pid} ${tok(p.comm.slice(0, 15))} ${p.mceKill} ${p.sigbus}`);
  for (const p of s.processes) for (const m of p.mappings) L.push(mapLine(p.pid, m, addresses));
  for (const p of s.processes)
    for (const m of p.mappings) if (m.populate) L.push(`populate ${p.pid} ${tok(m.id)} ${m.flags === 'private' && m.prot === 'rw' ? 1 : 0}`);
  L.push('pagemaps');
  L.push('begin');

  // --- events
  let stopped: string | null = null;
  const evs = s.events;
  for (let i = 0; i < evs.length; i++) {
    const e = evs[i]!;
    if (stopped) {
      plan.notRunStatic.push({ id: e.id, do: e.do, reason: `follows ${stopped}, which the kernel could not run` });
      continue;
    }
    const r =
      e.do === 'load' && s.kernel.reporting === 'firmware-first' && evs.slice(0, i).some((x) => x.do === 'media-error')
        ? { notRun: 'under firmware-first reporting the firmware also reports the consumed error through APEI GHES, which QEMU\'s x86 machine does not have (the load\'s own machine check alone: oracle/scenarios/late-load-after-async-failure)' }
        : eventLine(s, e, plan);
    if (typeof r === 'string') {
      L.push(`ev ${tok(e.id)} ${r}`);
    } else {
      plan.notRunStatic.push({ id: e.id, do: e.do, reason: r.notRun });
      stopped = e.id;
    }
  }
  L.push('end');
  plan.planTxt = L.join('\n') + '\n';
  // nothing observable would run before the first event the guest cannot run: do not boot
  const first = plan.notRunStatic[0];
  if (first) {
    const before = evs.slice(0, evs.findIndex((e) => e.id === first.id));
    if (before.every((e) => e.do === 'media-error')) return refuse(`${first.id} (${first.do}): ${first.reason}${before.length ? `; the events before it (${before.map((e) => e.id).join(', ')}) only arm media errors` : ''}`);
  }
  return plan;
}

const devicePath = (d: string) => (d.startsWith('/') ? d : `/dev/${d}`);

function mapLine(pid: number, m: MappingSpec, addresses: Plan['addresses']): string {
  const a = addresses.get(pid)!.get(m.id)!;
  return `map ${pid} ${tok(m.id)} ${tok(m.file ?? devicePath(m.device!))} ${m.offset} ${m.length} ${hex(a.addr)} ${m.prot} ${m.flags}`;
}

/** the plan line of one event, or why it cannot run */
function eventLine(s: Scenario, e: EventSpec, plan: Plan): string | { notRun: string } {
  switch (e.do) {
    case 'media-error': {
      if (s.kernel.reporting === 'firmware-first') {
        // arming is fine; the consuming load is refused in the guest
      }
      plan.needsMce = true;
      const len = e.length ?? s.platform.regions[0]!.errorGranularity;
      const t = targetSpec(e.target, plan, s);
      if ('notRun' in t) return t;
      return `media ${t.spec} ${len}`;
    }
    case 'patrol-scrub': {
      if (e.severity === 'deferred')
        return { notRun: "a deferred (UCNA) error is found by machine_check_poll from CMCI or the poll timer; QEMU's mce command raises a machine check for every uncorrected status and has no CMCI" };
      if (s.kernel.reporting === 'firmware-first') return { notRun: "under firmware-first reporting the scrub error arrives through APEI GHES, which QEMU's x86 machine does not have" };
      plan.needsMce = true;
      const len = e.length ?? s.platform.regions[0]!.errorGranularity;
      if (len > s.platform.regions[0]!.errorGranularity) return { notRun: 'the guest raises one machine check per patrol-scrub event (one error granule)' };
      const t = targetSpec(e.target, plan, s);
      if ('notRun' in t) return t;
      return `scrub-mce ${t.spec} ${len}`;
    }
    case 'madvise-hwpoison':
    case 'madvise-soft-offline':
      return `madvise ${e.process} ${hex(e.addr)} ${e.length} ${e.do === 'madvise-hwpoison' ? 100 : 101}`;
    case 'corrupt-pfn':
    case 'unpoison-pfn': {
      const inFile = placedFileAt(plan, e.pfn * PAGE - plan.scenarioDataStart);
      const verb = e.do === 'corrupt-pfn' ? 'corrupt' : 'unpoison';
      return inFile ? `${verb}-file ${tok(inFile.path)} ${inFile.offset}` : `${verb} ${e.pfn * PAGE - plan.scenarioDataStart}`;
    }
    case 'load':
    case 'store':
      return `${e.do} ${e.process} ${hex(e.addr)} ${e.length}`;
    case 'read':
    case 'write': {
      if (e.device !== undefined) return { notRun: 'reads and writes of the block device are not run in the guest yet' };
      const f = s.files.find((x) => x.path === e.file);
      const fill = f ? f.fill : 0;
      return `rw ${e.process} ${e.do} ${tok(e.file!)} ${e.offset} ${e.length} ${e.direct ? 1 : 0} ${fill} ${e.buffer === undefined ? 0 : hex(e.buffer)}`;
    }
    case 'punch-hole':
      return `punch ${e.process} ${tok(e.file)} ${e.offset} ${e.length}`;
    case 'unbind':
      return 'unbind';
    case 'mmap': {
      const m = e.mapping;
      const a = plan.addresses.get(e.process)!.get(m.id)!;
      return `mmap ${e.process} ${tok(m.id)} ${tok(m.file ?? devicePath(m.device!))} ${m.offset} ${m.length} ${hex(a.addr)} ${m.prot} ${m.flags} ${m.populate ? 1 : 0} ${m.flags === 'private' && m.prot === 'rw' ? 1 : 0}`;
    }
    case 'munmap':
      return `munmap ${e.process} ${tok(e.mapping)}`;
    case 'exit':
      return `exit ${e.process}`;
    case 'set': {
      const parts: string[] = [];
      if (e.process !== undefined && e.mceKill) return `mcekill ${e.process} ${e.mceKill}`;
      if (e.kernel) {
        if (e.kernel.design && e.kernel.design !== 'upstream') return { notRun: `design ${e.kernel.design} does not exist in the real kernel` };
        if (e.kernel.reporting && e.kernel.reporting !== s.kernel.reporting) return { notRun: 'changing the reporting mode mid-run is not possible in the guest' };
        if (e.kernel.earlyKill !== undefined) parts.push(`sysctl /proc/sys/vm/memory_failure_early_kill ${e.kernel.earlyKill ? 1 : 0}`);
        if (e.kernel.recovery !== undefined) parts.push(`sysctl /proc/sys/vm/memory_failure_recovery ${e.kernel.recovery ? 1 : 0}`);
        if (e.kernel.hwErrorScrub !== undefined) return { notRun: "hw_error_scrub starts ACPI address range scrub after a machine check, which QEMU's NVDIMM does not implement" };
        if (e.kernel.panicOnOops !== undefined) parts.push(`sysctl /proc/sys/kernel/panic_on_oops ${e.kernel.panicOnOops ? 1 : 0}`);
        // the filter knobs of one set are written in one step, in the order the kernel's debugfs files are listed
        const filter = filterWrites(e.kernel.hwpoisonFilter);
        if (filter.length) parts.push(`sysctl ${filter.map(([p, v]) => `${p} ${v}`).join(' ')}`);
      }
      if (parts.length > 1) return { notRun: 'set with more than one knob at once is not split in the guest yet' };
      return parts[0] ?? 'sysctl /proc/sys/vm/memory_failure_early_kill ' + (s.kernel.earlyKill ? 1 : 0);
    }
    case 'inject-error':
    case 'uninject-error':
      return { notRun: "ndctl inject-error needs the ACPI error-injection DSMs, which QEMU's NVDIMM does not implement (error injection not supported)" };
    case 'scrub':
      return { notRun: "address range scrub needs ACPI ARS, which QEMU's NVDIMM does not implement" };
    case 'clear-errors':
      return { notRun: "ndctl clear-errors needs ARS and ND_CMD_CLEAR_ERROR, which QEMU's NVDIMM does not implement" };
    case 'ghes':
      return { notRun: "QEMU's x86 pc machine has no APEI GHES error source" };
    case 'cxl-inject-poison':
    case 'cxl-clear-poison':
    case 'cxl-poison-list':
      return { notRun: 'the oracle guest has no CXL memory devices (QEMU pc machine, NVDIMM only)' };
  }
}

/** a media-error target, in the guest's terms: a file offset or a process address (resolved in the guest), else a data-area offset */
function targetSpec(t: Target, plan: Plan, s: Scenario): { spec: string } | { notRun: string } {
  switch (t.kind) {
    case 'file':
      return { spec: `file ${tok(t.file)} ${t.offset}` };
    case 'process':
      return { spec: `proc ${t.process} ${hex(t.addr)}` };
    case 'spa':
      return dataSpec(plan, t.spa - plan.scenarioDataStart);
    case 'region':
      return dataSpec(plan, s.platform.regions[0]!.spa + t.offset - plan.scenarioDataStart);
    case 'namespace':
      return dataSpec(plan, plan.scenarioNsStart + t.offset - plan.scenarioDataStart);
    case 'device': {
      if (plan.dm && t.device === plan.dm.id) {
        const l = plan.dm.lines.find((x) => t.sector >= x.start && t.sector < x.start + x.length);
        if (!l) return { notRun: `sector ${t.sector} is beyond ${plan.dm.id}'s table` };
        return dataSpec(plan, (l.offset + (t.sector - l.start)) * SECTOR);
      }
      return dataSpec(plan, t.sector * SECTOR);
    }
  }
}

function dataSpec(plan: Plan, devOff: number): { spec: string } {
  const f = placedFileAt(plan, devOff);
  return f ? { spec: `file ${tok(f.path)} ${f.offset}` } : { spec: `data ${devOff}` };
}

/** the placed file and file offset behind a scenario device offset */
export function placedFileAt(plan: Plan, devOff: number): { path: string; offset: number } | undefined {
  for (const f of plan.placed)
    for (const x of f.extents) if (devOff >= x.devOff && devOff < x.devOff + x.length) return { path: f.path, offset: x.fileOff + (devOff - x.devOff) };
  return undefined;
}

export function processOf(s: Scenario, pid: number): ProcessSpec | undefined {
  return s.processes.find((p) => p.pid === pid);
}

/** debugfs files of the hwpoison filter (mm/hwpoison-inject.c), and the value each field writes */
const FILTER_FILES: [keyof HwpoisonFilterConfig, string][] = [
  ['devMajor', 'corrupt-filter-dev-major'],
  ['devMinor', 'corrupt-filter-dev-minor'],
  ['flagsMask', 'corrupt-filter-flags-mask'],
  ['flagsValue', 'corrupt-filter-flags-value'],
  ['memcg', 'corrupt-filter-memcg'],
  ['enable', 'corrupt-filter-enable'],
];

/** the writes that set these filter knobs: the values first, enable last */
export function filterWrites(f: HwpoisonFilterConfig | undefined): [string, string][] {
  const out: [string, string][] = [];
  if (!f) return out;
  for (const [field, file] of FILTER_FILES) {
    const v = f[field];
    if (v === undefined) continue;
    out.push([`/sys/kernel/debug/hwpoison/${file}`, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]);
  }
  return out;
}
