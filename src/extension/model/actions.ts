// The hand actions of the lab as scenario events: what each quick-pick step
// offers (kinds of poison, target forms, the objects of the machine), how
// each answer is checked against the machine (an answer out of range is
// refused with the reason), and the event each flow appends. Pure.

import type { Machine } from '../../sim/machine';
import type { EventSpec, Target } from '../../sim/scenario/types';
import { resolveTarget } from '../../sim/events';
import { InputError } from '../../sim/errors';
import { hex, parseSize, PAGE_SIZE, SECTOR_SIZE, formatSize } from '../../sim/units';
import type { RawEvent } from './session';

export type PoisonKind = 'media-error' | 'inject-error' | 'madvise-hwpoison' | 'corrupt-pfn' | 'ghes';
export type TargetForm = 'spa' | 'namespace' | 'device' | 'file' | 'process';

export interface Choice<T extends string = string> {
  id: T;
  label: string;
  detail: string;
}

export const POISON_KINDS: readonly Choice<PoisonKind>[] = [
  { id: 'media-error', label: 'Media error', detail: 'the media goes bad; nothing is reported to the kernel yet (a later scrub or load finds it)' },
  { id: 'inject-error', label: 'ndctl inject-error', detail: 'ND_CMD_ARS_INJECT_SET on the namespace\'s blocks; with notify the platform asks the kernel to rescan' },
  { id: 'madvise-hwpoison', label: 'MADV_HWPOISON', detail: 'madvise(MADV_HWPOISON) on a process\'s mapping: memory_failure() on the pages, as the consumer' },
  { id: 'corrupt-pfn', label: 'corrupt-pfn', detail: 'debugfs hwpoison/corrupt-pfn: memory_failure() on one pfn with no consumer' },
  { id: 'ghes', label: 'Firmware-first report', detail: 'an APEI GHES CPER memory error for the address (asynchronous unless sync)' },
];

export const TARGET_FORMS: readonly Choice<TargetForm>[] = [
  { id: 'spa', label: 'Physical address', detail: 'a system physical address (spa)' },
  { id: 'namespace', label: 'Namespace offset', detail: 'namespace + byte offset from its first byte (the info block and memmap included)' },
  { id: 'device', label: 'Device sector', detail: 'pmem or dm device + sector (pmem: from the data start, as /sys/block/pmemX/badblocks counts)' },
  { id: 'file', label: 'File offset', detail: 'file + byte offset, through the filesystem\'s block map' },
  { id: 'process', label: 'Process address', detail: 'process + virtual address in one of its mappings' },
];

/** The target forms a kind of poison takes. */
export function formsFor(kind: PoisonKind): TargetForm[] {
  if (kind === 'madvise-hwpoison') return ['process'];
  return ['spa', 'namespace', 'device', 'file', 'process'];
}

/** A target as the flow collects it: the form, the object (namespace id, device, path, pid) and the value. */
export interface TargetAnswer {
  form: TargetForm;
  object?: string | number;
  value: number;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const no = <T>(reason: string): Checked<T> => ({ ok: false, reason });

/** namespace id -> the id of the event that unbound it (the namespaces that are gone, and since when) */
export type Unbound = ReadonlyMap<string, string>;

/** Which namespaces the events run so far unbound, and by which event. */
export function unboundBy(events: readonly EventSpec[], cursor: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events.slice(0, cursor)) if (e.do === 'unbind') out.set(e.namespace, e.id);
  return out;
}

/** "unbound by e3" (or "unbound" when no event of the session did it) */
function unboundText(m: Machine, ns: string, gone?: Unbound): string {
  const by = gone?.get(ns);
  const n = m.namespace(ns);
  return `${ns} was unbound${by ? ` by ${by}` : ''}${n?.pmem ? ` (/dev/${n.pmem.name} is gone)` : ''}`;
}

/** The namespace a device or namespace answer names, when it has been unbound. */
export function removedObject(m: Machine, form: TargetForm, object: string | number | undefined): string | undefined {
  if (object === undefined) return undefined;
  if (form === 'namespace') {
    const ns = m.namespace(String(object));
    return ns && !ns.bound ? ns.id : undefined;
  }
  if (form === 'device') {
    const ns = m.namespaces.find((n) => n.pmem?.name === String(object).replace(/^\/dev\//, ''));
    return ns && !ns.bound ? ns.id : undefined;
  }
  return undefined;
}

/** Parse a number as a scenario writes one: 4096, 0x1000, 4KiB. */
export function parseAmount(text: string, what: string): Checked<number> {
  const t = text.trim();
  if (!t) return no(`${what} is empty: write a number (4096, 0x1000 or 4KiB)`);
  const v = parseSize(t);
  if (v === undefined) return no(`${what} ${JSON.stringify(t)} is not a number: write a byte count, a hex value (0x…) or a size with a binary unit (4KiB)`);
  return ok(v);
}

/** The objects a form names, to pick from. */
export function objectsFor(m: Machine, form: TargetForm): Choice[] {
  switch (form) {
    case 'spa':
      return [];
    case 'namespace':
      // an unbound namespace has no driver: nothing can target it (see removedObjects)
      return m.namespaces.filter((n) => n.bound).map((n) => ({ id: n.id, label: n.id, detail: `${n.spec.mode}, [${hex(n.start)}, ${hex(n.end)}), ${formatSize(n.spec.size)}` }));
    case 'device':
      return m.namespaces
        .filter((n) => n.pmem && n.bound)
        .map((n) => ({ id: n.pmem!.name, label: n.pmem!.name, detail: `${n.pmem!.dataSize / SECTOR_SIZE} sectors (${formatSize(n.pmem!.dataSize)}) from ${hex(n.dataStart)}` }))
        .concat(m.dms.map((md) => ({ id: md.name, label: md.name, detail: `device-mapper, ${md.sectors} sectors over ${md.devices().map((d) => d.name).join(', ')}` })));
    case 'file':
      return m.k.superblocks.flatMap((sb) =>
        [...sb.files.values()].map((f) => ({ id: f.path, label: f.path, detail: `${formatSize(f.size)}, inode ${f.ino} on ${sb.bdev.name}` })),
      );
    case 'process':
      return m.k.tasks
        .filter((t) => t.alive && t.mm)
        .map((t) => ({
          id: String(t.pid),
          label: `${t.comm}:${t.pid}`,
          detail: t.mm!.vmas.length ? t.mm!.vmas.map((v) => `${v.id} [${hex(v.start)}, ${hex(v.end)}) ${v.target}`).join(', ') : 'no mappings',
        }));
  }
}

/** The objects of a form that are gone (an unbound namespace, its pmem device), with why: what a pick lists as not offered. */
export function removedObjects(m: Machine, form: TargetForm, gone?: Unbound): Choice[] {
  const dead = m.namespaces.filter((n) => !n.bound);
  if (form === 'namespace') return dead.map((n) => ({ id: n.id, label: n.id, detail: unboundText(m, n.id, gone) }));
  if (form === 'device') return dead.filter((n) => n.pmem).map((n) => ({ id: n.pmem!.name, label: n.pmem!.name, detail: unboundText(m, n.id, gone) }));
  return [];
}

/** What the value prompt asks for, and a suggestion. */
export function valuePrompt(m: Machine, form: TargetForm, object?: string | number): { prompt: string; placeholder: string } {
  switch (form) {
    case 'spa': {
      const r = m.k.platform.regions[0];
      return { prompt: `Physical address (regions: ${m.k.platform.regions.map((x) => `${x.id} [${hex(x.ndrStart)}, ${hex(x.ndrStart + x.ndrSize)})`).join(', ')})`, placeholder: r ? hex(r.ndrStart) : '0x0' };
    }
    case 'namespace': {
      const n = m.namespace(String(object));
      return { prompt: `Byte offset in ${object}${n ? ` (size ${hex(n.spec.size)}, data from ${hex(n.spec.dataOffset)})` : ''}`, placeholder: n ? hex(n.spec.dataOffset) : '0' };
    }
    case 'device': {
      const b = m.bdev(String(object));
      return { prompt: `Sector of ${object}${b ? ` (0 to ${b.size / SECTOR_SIZE - 1})` : ''}`, placeholder: '0' };
    }
    case 'file': {
      const f = m.lookup(String(object));
      return { prompt: `Byte offset in ${object}${f ? ` (size ${hex(f.inode.size)})` : ''}`, placeholder: '0' };
    }
    case 'process': {
      const t = m.k.task(Number(object));
      const v = t?.mm?.vmas[0];
      return { prompt: `Virtual address in process ${object}${t?.mm ? ` (${t.mm.vmas.map((x) => `${x.id} [${hex(x.start)}, ${hex(x.end)})`).join(', ') || 'no mappings'})` : ''}`, placeholder: v ? hex(v.start) : '0x7f0000000000' };
    }
  }
}

/** The scenario target of an answer. */
export function toTarget(a: TargetAnswer): Target {
  switch (a.form) {
    case 'spa':
      return { kind: 'spa', spa: a.value };
    case 'namespace':
      return { kind: 'namespace', namespace: String(a.object), offset: a.value };
    case 'device':
      return { kind: 'device', device: String(a.object), sector: a.value };
    case 'file':
      return { kind: 'file', file: String(a.object), offset: a.value };
    case 'process':
      return { kind: 'process', process: Number(a.object), addr: a.value };
  }
}

/** The target fields of a raw event, as a scenario writes them. */
export function targetFields(a: TargetAnswer): RawEvent {
  switch (a.form) {
    case 'spa':
      return { spa: hex(a.value) };
    case 'namespace':
      return { namespace: String(a.object), offset: hex(a.value) };
    case 'device':
      return { device: String(a.object), sector: a.value };
    case 'file':
      return { file: String(a.object), offset: a.value };
    case 'process':
      return { process: Number(a.object), addr: hex(a.value) };
  }
}

const PROBE = { id: 'target', path: '' } as unknown as EventSpec;

/** The system physical address of a target, or why there is none. */
export function resolveSpa(m: Machine, a: TargetAnswer): Checked<number> {
  try {
    return ok(resolveTarget(m, PROBE, toTarget(a)));
  } catch (e) {
    if (e instanceof InputError) return no(e.message.replace(/^target: /, ''));
    throw e;
  }
}

/** Check a target value typed for a form (the prompt's validateInput). */
export function checkValue(m: Machine, form: TargetForm, object: string | number | undefined, text: string, kind?: PoisonKind, gone?: Unbound): Checked<number> {
  const what = form === 'device' ? 'sector' : form === 'spa' || form === 'process' ? 'address' : 'offset';
  const removed = removedObject(m, form, object);
  if (removed !== undefined) return no(`${form} ${object}: ${unboundText(m, removed, gone)}; pick a bound ${form === 'device' ? 'device' : 'namespace'}`);
  const n = parseAmount(text, what);
  if (!n.ok) return n;
  if (form === 'process' && kind === 'madvise-hwpoison' && n.value % PAGE_SIZE)
    return no(`madvise needs a page-aligned address: ${hex(n.value)} is not a multiple of 0x1000 (EINVAL)`);
  const spa = resolveSpa(m, { form, object, value: n.value });
  if (!spa.ok) return no(spa.reason);
  const inGone = goneAt(m, form, spa.value, kind, gone);
  if (inGone) return no(`${what} ${text.trim()} (${hex(spa.value)}): ${inGone}`);
  return n;
}

/**
 * Why a resolved address cannot be targeted because its namespace is
 * unbound, or undefined. A media error at a physical address is still
 * possible (the media is there, whatever the kernel bound to it); every
 * other kind goes through the namespace's driver, which is gone.
 */
function goneAt(m: Machine, form: TargetForm, spa: number, kind: PoisonKind | undefined, gone?: Unbound): string | undefined {
  if (form === 'process') return undefined;
  if (form === 'spa' && (kind === undefined || kind === 'media-error')) return undefined;
  const ns = m.namespaces.find((x) => x.contains(spa));
  if (!ns || ns.bound) return undefined;
  return `in ${unboundText(m, ns.id, gone)}`;
}

/** Check a length for a kind of action at a target. */
export function checkLength(m: Machine, kind: PoisonKind, a: TargetAnswer, text: string): Checked<number> {
  const n = parseAmount(text, 'length');
  if (!n.ok) return n;
  if (n.value <= 0) return no('length must be at least 1 byte');
  const spa = resolveSpa(m, a);
  if (!spa.ok) return no(spa.reason);
  const region = m.k.platform.regionOf(spa.value);
  if (region && !region.contains(spa.value, n.value))
    return no(`[${hex(spa.value)}, ${hex(spa.value + n.value)}) runs past the end of ${region.id} (${hex(region.ndrStart + region.ndrSize)})`);
  if (kind === 'inject-error') {
    const ns = m.namespaces.find((x) => x.contains(spa.value));
    if (ns && spa.value + n.value > ns.end) return no(`[${hex(spa.value)}, ${hex(spa.value + n.value)}) runs past the end of ${ns.id} (${hex(ns.end)})`);
  }
  if (a.form === 'file') {
    const f = m.lookup(String(a.object));
    if (f && a.value + n.value > f.inode.size) return no(`[${hex(a.value)}, ${hex(a.value + n.value)}) runs past the end of ${a.object} (size ${hex(f.inode.size)})`);
  }
  if (a.form === 'process') {
    const t = m.k.task(Number(a.object));
    const vma = t?.mm?.findVma(a.value);
    if (vma) {
      let end = vma.end;
      while (end < a.value + n.value) {
        const next = t!.mm!.findVma(end);
        if (!next) return no(`[${hex(a.value)}, ${hex(a.value + n.value)}) is not all mapped in process ${a.object}: nothing at ${hex(end)}`);
        end = next.end;
      }
    }
  }
  return n;
}

/** The default length for a kind at a target: an error granule, a sector, a page. */
export function defaultLength(m: Machine, kind: PoisonKind, a: TargetAnswer): number {
  if (kind === 'madvise-hwpoison') return PAGE_SIZE;
  if (kind === 'inject-error') return SECTOR_SIZE;
  const spa = resolveSpa(m, a);
  const region = spa.ok ? m.k.platform.regionOf(spa.value) : undefined;
  return region?.spec.errorGranularity ?? 64;
}

/** Does a kind ask for a length? */
export function kindTakesLength(kind: PoisonKind): boolean {
  return kind === 'media-error' || kind === 'inject-error' || kind === 'madvise-hwpoison';
}

export interface PoisonRequest {
  kind: PoisonKind;
  target: TargetAnswer;
  length?: number;
  /** inject-error: ND_ARS_ERR_INJ_OPT_NOTIFY (default true) */
  notify?: boolean;
  /** ghes: synchronous report (default false) */
  sync?: boolean;
}

/** The event a poison request appends, or why it cannot be made. */
export function poisonEvent(m: Machine, r: PoisonRequest, gone?: Unbound): Checked<RawEvent> {
  const removed = removedObject(m, r.target.form, r.target.object);
  if (removed !== undefined) return no(`${r.target.form} ${r.target.object}: ${unboundText(m, removed, gone)}; pick a bound ${r.target.form === 'device' ? 'device' : 'namespace'}`);
  const spa = resolveSpa(m, r.target);
  if (!spa.ok) return no(spa.reason);
  const inGone = goneAt(m, r.target.form, spa.value, r.kind, gone);
  if (inGone) return no(`${r.kind} at ${hex(spa.value)}: ${inGone}`);
  switch (r.kind) {
    case 'media-error': {
      const len = r.length ?? defaultLength(m, r.kind, r.target);
      const c = checkLength(m, r.kind, r.target, String(len));
      if (!c.ok) return c;
      return ok({ do: 'media-error', ...targetFields(r.target), length: len });
    }
    case 'inject-error': {
      const len = r.length ?? SECTOR_SIZE;
      const c = checkLength(m, r.kind, r.target, String(len));
      if (!c.ok) return c;
      const ns = m.namespaces.find((x) => x.contains(spa.value));
      if (!ns) return no(`${hex(spa.value)} is in no namespace: ndctl inject-error names a namespace's blocks`);
      if (spa.value < ns.dataStart)
        return no(`${hex(spa.value)} is in ${ns.id}'s info block / memmap area (before the data start ${hex(ns.dataStart)}); ndctl inject-error counts blocks from the data start`);
      if (!ns.bound) return no(`ndctl inject-error: ${unboundText(m, ns.id)}`);
      const block = Math.floor((spa.value - ns.dataStart) / SECTOR_SIZE);
      const count = Math.ceil((spa.value + len - ns.dataStart) / SECTOR_SIZE) - block;
      return ok({ do: 'inject-error', namespace: ns.id, block, count, notify: r.notify ?? true });
    }
    case 'madvise-hwpoison': {
      if (r.target.form !== 'process') return no('MADV_HWPOISON takes a process address');
      if (r.target.value % PAGE_SIZE) return no(`madvise needs a page-aligned address: ${hex(r.target.value)} is not a multiple of 0x1000 (EINVAL)`);
      const len = r.length ?? PAGE_SIZE;
      const c = checkLength(m, r.kind, r.target, String(len));
      if (!c.ok) return c;
      return ok({ do: 'madvise-hwpoison', process: Number(r.target.object), addr: hex(r.target.value), length: len });
    }
    case 'corrupt-pfn':
      return ok({ do: 'corrupt-pfn', pfn: hex(Math.floor(spa.value / PAGE_SIZE)) });
    case 'ghes':
      return ok({ do: 'ghes', ...targetFields(r.target), sync: r.sync ?? false });
  }
}

// ---------------------------------------------------------------- other hand actions

export interface AccessRequest {
  do: 'load' | 'store';
  process: number;
  addr: number;
  length?: number;
}

export function checkProcess(m: Machine, pid: number): Checked<number> {
  const t = m.k.task(pid);
  if (!t) return no(`no process ${pid} (processes: ${m.k.tasks.map((x) => `${x.comm}:${x.pid}`).join(', ') || 'none'})`);
  if (!t.alive) return no(`process ${pid} (${t.comm}) has exited`);
  return ok(pid);
}

export function accessEvent(m: Machine, r: AccessRequest): Checked<RawEvent> {
  const p = checkProcess(m, r.process);
  if (!p.ok) return p;
  const t = m.k.task(r.process)!;
  const vma = t.mm?.findVma(r.addr);
  if (!vma) return no(`process ${r.process} has no mapping at ${hex(r.addr)} (mappings: ${t.mm?.vmas.map((v) => `${v.id} [${hex(v.start)}, ${hex(v.end)})`).join(', ') || 'none'})`);
  if (r.do === 'store' && vma.prot !== 'rw') return no(`mapping ${vma.id} of process ${r.process} is read-only (a store would be SIGSEGV)`);
  const length = r.length ?? 8;
  if (length <= 0) return no('length must be at least 1 byte');
  if (r.addr + length > vma.end && !t.mm!.findVma(vma.end)) return no(`[${hex(r.addr)}, ${hex(r.addr + length)}) runs past the end of mapping ${vma.id} (${hex(vma.end)})`);
  return ok({ do: r.do, process: r.process, addr: hex(r.addr), length });
}

export interface IoRequest {
  do: 'read' | 'write';
  process: number;
  file?: string;
  device?: string;
  offset: number;
  length: number;
  direct?: boolean;
}

export function ioEvent(m: Machine, r: IoRequest): Checked<RawEvent> {
  const p = checkProcess(m, r.process);
  if (!p.ok) return p;
  if (r.length < 0) return no('length must not be negative');
  const e: RawEvent = { do: r.do, process: r.process };
  if (r.file !== undefined) {
    const f = m.lookup(r.file);
    if (!f) return no(`no file ${r.file}`);
    e.file = r.file;
  } else if (r.device !== undefined) {
    const name = r.device.replace(/^\/dev\//, '');
    const bdev = m.bdev(name);
    if (!bdev) return no(`no block device ${r.device}`);
    if (r.offset + r.length > bdev.size) return no(`[${hex(r.offset)}, ${hex(r.offset + r.length)}) runs past the end of ${name} (${hex(bdev.size)})`);
    e.device = name;
  } else {
    return no('read and write name a file or a device');
  }
  e.offset = r.offset;
  e.length = r.length;
  if (r.direct) e.direct = true;
  return ok(e);
}

export function punchEvent(m: Machine, r: { process: number; file: string; offset: number; length: number }): Checked<RawEvent> {
  const p = checkProcess(m, r.process);
  if (!p.ok) return p;
  const f = m.lookup(r.file);
  if (!f) return no(`no file ${r.file}`);
  if (r.length <= 0) return no('length must be at least 1 byte');
  if (r.offset >= f.inode.size) return no(`offset ${hex(r.offset)} is at or past the end of ${r.file} (size ${hex(f.inode.size)})`);
  return ok({ do: 'punch-hole', process: r.process, file: r.file, offset: r.offset, length: r.length });
}

export function scrubEvent(m: Machine, region?: string): Checked<RawEvent> {
  if (region !== undefined && !m.region(region)) return no(`no region ${region} (regions: ${m.k.platform.regions.map((r) => r.id).join(', ')})`);
  return ok(region === undefined ? { do: 'scrub' } : { do: 'scrub', region });
}

export function namespaceEvent(m: Machine, kind: 'clear-errors' | 'unbind', namespace: string, gone?: Unbound): Checked<RawEvent> {
  const ns = m.namespace(namespace);
  if (!ns) return no(`no namespace ${namespace} (namespaces: ${m.namespaces.map((n) => n.id).join(', ')})`);
  if (!ns.bound) return no(`${kind} ${namespace}: ${unboundText(m, namespace, gone)}; nothing to ${kind === 'unbind' ? 'unbind' : 'clear'}`);
  return ok({ do: kind, namespace });
}

/** A short description of a raw event, for messages. */
export function describeRaw(e: RawEvent): string {
  return Object.entries(e)
    .map(([k, v]) => (k === 'do' ? String(v) : `${k}=${String(v)}`))
    .join(' ');
}
