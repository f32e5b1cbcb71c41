// Running one scenario under every design and measuring what each reaches,
// misses and costs. For each event the "affected range" is what the kernel
// was told had failed or gone: the pfns memory_failure() was called for, or,
// for an unbind, the whole device. Its owners are the files holding those
// pages that some process maps when the event starts; an owner is notified
// when the kernel collected the mappers of that file for it (the fsdax, file
// or proposal collection paths), and missed otherwise.

import type { Design, Scenario } from './scenario/types';
import { DESIGNS } from './scenario/types';
import { Session } from './run';
import type { RunReport, Span } from './report';
import type { Machine } from './machine';
import { InputError, describeValue } from './errors';
import { textFault } from './scenario/text';
import { DEFAULT_COST, DEFAULT_COSTS, type CostModel } from './trace';
import { PAGE_SIZE } from './units';
import type { KernelVersion } from './version';

/** a cost model as a user writes it: ns per call, by symbol, and a default */
export interface CostTable {
  default: number;
  symbols: Record<string, number>;
}

export const DEFAULT_COST_TABLE: CostTable = { default: DEFAULT_COST, symbols: { ...DEFAULT_COSTS } };

/**
 * Check a user's cost table (parsed JSON): `default` and every symbol's cost
 * must be a non-negative finite number of nanoseconds. Names the field and
 * the value when not.
 */
/** the most a cost file may charge for one call: 1 s (so that a total over 10^9 calls is still a finite number of seconds) */
export const MAX_COST_NS = 1e9;

export function parseCostTable(v: unknown, where = 'costs'): CostTable {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError('', where, v, `${where}: expected an object {"default": ns, "symbols": {"<symbol>": ns, ...}}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'default' && k !== 'symbols') throw new InputError(`/${k}`, k, o[k], `${where}.${k}: unknown field (expected "default" and "symbols")`);
  const num = (x: unknown, field: string): number => {
    if (x === undefined || x === null) throw new InputError(`/${field.replace(/\./g, '/')}`, field, x, `${where}.${field}: missing cost (expected a number of nanoseconds per call)`);
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InputError(`/${field.replace(/\./g, '/')}`, field, x, `${where}.${field}: ${describeValue(x)} is not a number of nanoseconds`);
    if (x < 0) throw new InputError(`/${field.replace(/\./g, '/')}`, field, x, `${where}.${field}: ${x} is negative (costs are nanoseconds per call, 0 or more)`);
    if (x > MAX_COST_NS) throw new InputError(`/${field.replace(/\./g, '/')}`, field, x, `${where}.${field}: ${x} is too large (at most ${MAX_COST_NS} ns, 1 s, per call, so that every total stays a finite number)`);
    return x;
  };
  const def = num(o.default, 'default');
  const symbols: Record<string, number> = {};
  const syms = o.symbols ?? {};
  if (typeof syms !== 'object' || syms === null || Array.isArray(syms)) throw new InputError('/symbols', 'symbols', syms, `${where}.symbols: expected an object of symbol → ns`);
  for (const [s, c] of Object.entries(syms as Record<string, unknown>)) {
    const fault = textFault(s);
    if (fault) throw new InputError(`/symbols/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`, s, s, `${where}.symbols: the symbol ${describeValue(s)} ${fault}`);
    symbols[s] = num(c, `symbols.${s}`);
  }
  return { default: def, symbols };
}

export function costModelOf(t: CostTable): CostModel {
  return (sym) => t.symbols[sym] ?? t.default;
}

export interface OwnerRef {
  event: string;
  /** the file, as the scenario names it */
  file: string;
}

export interface DesignMetrics {
  /** calls by symbol, as the report counts them */
  calls: Record<string, number>;
  /** owners of an affected range that map it and whose mappers the kernel collected */
  ownersNotified: OwnerRef[];
  /** owners of an affected range that some process maps, never collected */
  ownersMissed: OwnerRef[];
  /** pid code [event] of every signal */
  signalled: string[];
  /** page-table entries still mapping media that is really bad, at the end */
  pagesMappedToBadMedia: number;
  /** page-table entries still mapping a device that has been unbound, at the end */
  pagesMappedToRemovedDevice: number;
  /** SHUTDOWN_* per mount, or "none" */
  shutdown: Record<string, string>;
  /** simulated cost of the events: sum over symbols of calls × cost per call, ns */
  cost: number;
}

export interface DesignRun {
  design: Design;
  report?: RunReport;
  metrics?: DesignMetrics;
  error?: string;
}

/** Run the scenario under each design. InputError of one design is kept as that design's error. */
export function compareDesigns(s: Scenario, costs: CostTable = DEFAULT_COST_TABLE, designs: readonly Design[] = DESIGNS): DesignRun[] {
  return designs.map((design) => {
    try {
      return { design, ...runMeasured(s, design, costs) };
    } catch (e) {
      if (e instanceof InputError) return { design, error: e.message };
      throw e;
    }
  });
}

export function runMeasured(s: Scenario, design: Design, costs: CostTable = DEFAULT_COST_TABLE, version?: KernelVersion): { report: RunReport; metrics: DesignMetrics } {
  const model = costModelOf(costs);
  const session = new Session(s, version ? { design, cost: model, version } : { design, cost: model });
  const notified: OwnerRef[] = [];
  const missed: OwnerRef[] = [];
  for (const e of session.scenario.events) {
    if (session.report.panic) break;
    const before = mappedFiles(session.machine);
    const unbound = e.do === 'unbind' ? session.machine.namespace(e.namespace)?.pmem : undefined;
    const firstSpan = session.machine.k.tr.spans.length;
    session.step(e);
    const spans = session.machine.k.tr.spans.slice(firstSpan);
    const affected = affectedPfns(spans);
    if (unbound && unbound.pgmap) affected.push([unbound.pgmap.firstValidPfn, unbound.pgmap.endPfn]);
    const collected = collectedInodes(spans);
    for (const f of before) {
      if (!f.pfns.some(([a, b]) => affected.some(([c, d]) => a < d && c < b))) continue;
      (collected.has(f.ino) ? notified : missed).push({ event: e.id, file: f.path });
    }
  }
  const report = session.finish();
  const calls = report.calls;
  let cost = 0;
  for (const [sym, n] of Object.entries(calls)) cost += n * model(sym);
  const m = session.machine;
  return {
    report,
    metrics: {
      calls,
      ownersNotified: notified,
      ownersMissed: missed,
      signalled: report.signals.map((x) => `pid ${x.pid} ${x.signo}${x.code !== 'none' ? ' ' + x.code : ''} [${x.event}]`),
      pagesMappedToBadMedia: countMapped(m, m.k.platform.media.all().map(([a, b]) => [Math.floor(a / PAGE_SIZE), Math.ceil(b / PAGE_SIZE)])),
      pagesMappedToRemovedDevice: countMapped(m, m.namespaces.filter((ns) => !ns.bound).map((ns) => [ns.start / PAGE_SIZE, ns.end / PAGE_SIZE])),
      shutdown: Object.fromEntries(report.filesystems.map((f) => [f.mount, f.shutdown ?? 'none'])),
      cost,
    },
  };
}

interface MappedFile {
  ino: number;
  path: string;
  /** pfn ranges of the file's blocks */
  pfns: [number, number][];
}

/** files some live task maps, with the pfns their blocks live at */
function mappedFiles(m: Machine): MappedFile[] {
  const out: MappedFile[] = [];
  for (const sb of m.k.superblocks) {
    for (const inode of sb.files.values()) {
      if (!inode.mapping.i_mmap.all().some((v) => v.mm.owner.alive)) continue;
      const pfns: [number, number][] = [];
      for (const x of sb.extentsQuiet(inode)) {
        // through any dm table: a striped extent lives in several places
        for (const [spa, len] of sb.bdev.spaRanges(x.devOffset, x.length)) {
          const a = Math.floor(spa / PAGE_SIZE);
          pfns.push([a, a + Math.ceil(len / PAGE_SIZE)]);
        }
      }
      out.push({ ino: inode.ino, path: inode.path, pfns });
    }
  }
  return out;
}

/** pfns memory_failure() was called for, from the event's spans (a summarised run names its range) */
function affectedPfns(spans: Span[]): [number, number][] {
  const out: [number, number][] = [];
  for (const sp of spans) {
    if (sp.symbol !== 'memory_failure') continue;
    const arg = String(sp.args.pfn ?? '');
    const m = /^(0x[0-9a-f]+)(?:\.\.(0x[0-9a-f]+))?$/.exec(arg);
    if (!m) continue;
    const a = parseInt(m[1]!, 16);
    const b = m[2] ? parseInt(m[2], 16) + 1 : a + 1;
    out.push([a, b]);
  }
  return out;
}

/** inodes whose mappers were collected in these spans */
function collectedInodes(spans: Span[]): Set<number> {
  const out = new Set<number>();
  for (const sp of spans) {
    if (sp.symbol === 'collect_procs_fsdax' || sp.symbol === 'collect_procs_file') out.add(Number(sp.args.inode));
  }
  return out;
}

/** present page-table entries whose pfn falls in one of the ranges (pfns) */
function countMapped(m: Machine, ranges: [number, number][]): number {
  let n = 0;
  for (const t of m.k.tasks) {
    if (!t.mm) continue;
    for (const v of t.mm.vmas) {
      for (const p of v.ptes.all()) {
        if (p.value.pfn < 0) continue;
        const a = p.value.pfn;
        const b = a + (p.end - p.start);
        for (const [c, d] of ranges) n += Math.max(0, Math.min(b, d) - Math.max(a, c));
      }
    }
  }
  return n;
}
