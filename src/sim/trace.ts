// The trace of spans is the product: every modelled kernel function records
// one, with its symbol, its layer, its arguments in that layer's own units and
// its return value, nested as the calls nest. Time is simulated: each call
// costs what the cost model says, so the same scenario gives the same trace.

import type { Layer, Span } from './report';
import { retName } from './errno';

export type Args = Record<string, string | number | boolean>;

/** simulated cost of one call of a symbol, ns, not counting its callees */
export type CostModel = (symbol: string) => number;

/**
 * Default costs. They set the scale of the timeline, not a claim about any
 * machine: a syscall or fault entry ~100ns, a device-level lookup ~50ns, an
 * rmap query ~1us, a signal ~500ns, a firmware command (ARS, clear error) tens
 * of microseconds, a filesystem freeze or shutdown ~10us.
 */
export const DEFAULT_COSTS: Record<string, number> = {
  do_machine_check: 2000,
  kill_me_maybe: 200,
  memory_failure: 300,
  xfs_rmap_query_range: 1000,
  xfs_force_shutdown: 10000,
  freeze_super: 10000,
  thaw_super: 5000,
  kill_proc: 500,
  unmap_mapping_range: 300,
  acpi_nfit_ars_rescan: 50000,
  ars_status_process_records: 20000,
  nvdimm_clear_poison: 30000,
  set_mce_nospec: 400,
  clear_mce_nospec: 400,
};
export const DEFAULT_COST = 50;

export function defaultCostModel(symbol: string): number {
  return DEFAULT_COSTS[symbol] ?? DEFAULT_COST;
}

export class Tracer {
  readonly spans: Span[] = [];
  readonly calls = new Map<string, number>();
  /** simulated clock, ns */
  now = 0;
  private stack: Span[] = [];
  /** id of the event spans are being recorded for */
  event: string | undefined;

  constructor(private readonly cost: CostModel = defaultCostModel) {}

  private open(layer: Layer, symbol: string, args: Args, count = 1): Span {
    const parent = this.stack[this.stack.length - 1];
    const span: Span = {
      id: this.spans.length + 1,
      parent: parent ? parent.id : null,
      t: this.now,
      dur: 0,
      layer,
      symbol,
      args,
      ret: '',
    };
    if (count !== 1) span.count = count;
    if (this.event !== undefined) span.event = this.event;
    this.spans.push(span);
    this.calls.set(symbol, (this.calls.get(symbol) ?? 0) + count);
    this.now += this.cost(symbol) * count;
    return span;
  }

  /**
   * Record a call of a kernel function: `fn` runs inside the span, and its
   * result becomes the span's `ret` (negative numbers as errno names).
   */
  call<T>(layer: Layer, symbol: string, args: Args, fn: (span: Span) => T, fmt: (r: T) => string = defaultFmt): T {
    return this.run(layer, symbol, args, 1, fn, fmt);
  }

  /**
   * Record `count` identical calls of a symbol as one span carrying its
   * count (a per-pfn run). `calls` counts every one of them; the clock
   * advances by count times the symbol's cost plus what `fn` adds.
   */
  run<T>(layer: Layer, symbol: string, args: Args, count: number, fn: (span: Span) => T, fmt: (r: T) => string = defaultFmt): T {
    if (count <= 0) return fn(undefined as unknown as Span);
    if (this.quietDepth) {
      // counted and timed as if traced, with no span of its own
      this.calls.set(symbol, (this.calls.get(symbol) ?? 0) + count);
      this.quietTrail.set(symbol, (this.quietTrail.get(symbol) ?? 0) + count);
      this.now += this.cost(symbol) * count;
      return fn(QUIET_SPAN);
    }
    const span = this.open(layer, symbol, args, count);
    this.stack.push(span);
    try {
      const r = fn(span);
      span.ret = fmt(r);
      return r;
    } finally {
      this.stack.pop();
      span.dur = this.now - span.t;
    }
  }

  /**
   * The call tree recorded from span index `from` on was the first of `n`
   * calls that do the same thing for consecutive pages (the same symbols,
   * the same decisions, arguments that advance in step): keep that one tree
   * as the summarised run, every span of it carrying the run's count, count
   * every call exactly, and advance the clock by the other n - 1. `rootArgs`
   * replaces the root's arguments with the run's first..last values.
   */
  replay(from: number, n: number, rootArgs?: Args): void {
    const root = this.spans[from];
    if (!root || n <= 1) return;
    this.replayRun(from, n, this.now - root.dur, (s) => (s === root ? rootArgs : undefined));
    root.dur *= n;
  }

  /**
   * Like replay, for a run whose first member is several sibling calls (the
   * spans from index `from` on, started at clock `startNow`): every span
   * carries the run's count, `calls` counts every call, the clock advances by
   * the other n - 1 members' time; `args` rewrites the sibling roots'
   * arguments (to first..last values).
   */
  replayRun(from: number, n: number, startNow: number, args?: (root: Span) => Args | undefined): void {
    const first = this.spans[from];
    if (!first || n <= 1) return;
    const extra = n - 1;
    for (let i = from; i < this.spans.length; i++) {
      const s = this.spans[i]!;
      const c = s.count ?? 1;
      s.count = c * n;
      this.calls.set(s.symbol, (this.calls.get(s.symbol) ?? 0) + c * extra);
      if (args && s.parent === first.parent) {
        const a = args(s);
        if (a) s.args = { ...s.args, ...a };
      }
    }
    this.now += (this.now - startNow) * extra;
  }

  private quietDepth = 0;
  /** calls made by the last quietly() step, by symbol */
  private readonly quietTrail = new Map<string, number>();

  /**
   * Run `fn` with its calls counted and timed exactly as if traced, but
   * recording no spans (the caller records one summary span for them). For
   * work whose every step is alike and already shown once, such as the runs
   * of a MAP_POPULATE after its first few.
   */
  quietly<T>(fn: () => T): T {
    if (!this.quietDepth) this.quietTrail.clear();
    this.quietDepth++;
    try {
      return fn();
    } finally {
      this.quietDepth--;
    }
  }

  /**
   * The calls of the last quiet step made `n` more times (a run of pages
   * alike after its first, faulted quietly): every call counted, the clock
   * advanced by n times `dur`.
   */
  repeatQuiet(n: number, dur: number): void {
    this.repeatTrail(this.quietTrail, n, dur);
  }

  /**
   * One span standing for `count` calls made quietly from clock `t` to now
   * (no cost of its own: the quiet calls advanced the clock), at the
   * current depth.
   */
  summary(layer: Layer, symbol: string, args: Args, count: number, t: number, ret: string): Span {
    const parent = this.stack[this.stack.length - 1];
    const span: Span = { id: this.spans.length + 1, parent: parent ? parent.id : null, t, dur: this.now - t, layer, symbol, args, ret };
    if (count !== 1) span.count = count;
    if (this.event !== undefined) span.event = this.event;
    this.spans.push(span);
    return span;
  }

  /** what the last quietly() step called, by symbol (a copy) */
  lastQuietTrail(): Map<string, number> {
    return new Map(this.quietTrail);
  }

  /** calls `trail` made `n` more times, each taking `dur` of the clock */
  repeatTrail(trail: ReadonlyMap<string, number>, n: number, dur: number): void {
    for (const [sym, c] of trail) this.calls.set(sym, (this.calls.get(sym) ?? 0) + c * n);
    this.now += dur * n;
  }

  /** inside quietly(): calls record no span */
  get quiet(): boolean {
    return this.quietDepth > 0;
  }

  /** count calls of a symbol done inside a summarised run, without a span of their own */
  countOnly(symbol: string, n: number): void {
    if (n > 0) this.calls.set(symbol, (this.calls.get(symbol) ?? 0) + n);
    if (n > 0 && this.quietDepth) this.quietTrail.set(symbol, (this.quietTrail.get(symbol) ?? 0) + n);
    this.now += this.cost(symbol) * n;
  }

  /** the innermost open span */
  get current(): Span | undefined {
    return this.stack[this.stack.length - 1];
  }

  get depth(): number {
    return this.stack.length;
  }

  /** state to roll back to when an event is rejected */
  mark(): { spans: number; calls: Map<string, number>; now: number } {
    return { spans: this.spans.length, calls: new Map(this.calls), now: this.now };
  }

  rollback(m: { spans: number; calls: Map<string, number>; now: number }): void {
    this.spans.length = m.spans;
    this.calls.clear();
    for (const [k, v] of m.calls) this.calls.set(k, v);
    this.now = m.now;
    this.stack = [];
    this.quietDepth = 0;
  }
}

/** the span a call made quietly gets: not in the trace (id 0, no parent) */
const QUIET_SPAN: Span = { id: 0, parent: null, t: 0, dur: 0, layer: 'mm', symbol: '', args: {}, ret: '' };

function defaultFmt(r: unknown): string {
  if (typeof r === 'number') return retName(r);
  if (typeof r === 'boolean') return r ? 'true' : 'false';
  if (r === undefined || r === null) return 'void';
  if (typeof r === 'string') return r;
  return JSON.stringify(r);
}
