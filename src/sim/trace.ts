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

/** repeated trails held back at most before they are added (Tracer.pendingTrails) */
const PENDING_TRAILS = 1024;

/** note trail repeated n more times: with the last one held back when it is the same trail */
function pend(list: [ReadonlyMap<string, number>, number][], trail: ReadonlyMap<string, number>, n: number): void {
  const last = list[list.length - 1];
  if (last && last[0] === trail) last[1] += n;
  else list.push([trail, n]);
}

export class Tracer {
  readonly spans: Span[] = [];
  /** calls by symbol, without the repeated trails not added yet (calls) */
  private readonly counts = new Map<string, number>();
  /**
   * Trails repeated (repeatTrail) and not yet added to the counts, with how
   * many times: an unbind repeats one recorded trail for each of 10^4 files,
   * and adding it symbol by symbol each time cost more than the rest of the
   * file's bulk apply. Consecutive repeats of one trail are one entry; they
   * are added when the counts are read.
   */
  private readonly pendingTrails: [ReadonlyMap<string, number>, number][] = [];

  /** every call so far, by symbol */
  get calls(): Map<string, number> {
    if (this.pendingTrails.length) this.addTrails();
    return this.counts;
  }

  private addTrails(): void {
    const counts = this.counts;
    for (const [trail, n] of this.pendingTrails) trail.forEach((c, sym) => counts.set(sym, (counts.get(sym) ?? 0) + c * n));
    this.pendingTrails.length = 0;
  }

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
    this.counts.set(symbol, (this.counts.get(symbol) ?? 0) + count);
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
      this.counts.set(symbol, (this.counts.get(symbol) ?? 0) + count);
      this.quietTrail.set(symbol, (this.quietTrail.get(symbol) ?? 0) + count);
      this.now += this.cost(symbol) * count;
      this.quietFrames.push(symbol);
      try {
        return fn(QUIET_SPAN);
      } finally {
        this.quietFrames.pop();
      }
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
      this.counts.set(s.symbol, (this.counts.get(s.symbol) ?? 0) + c * extra);
      if (args && s.parent === first.parent) {
        const a = args(s);
        if (a) s.args = { ...s.args, ...a };
      }
    }
    this.now += (this.now - startNow) * extra;
  }

  private quietDepth = 0;
  /** calls made by the last quietly() step, by symbol (without pendingQuiet) */
  private readonly quietTrail = new Map<string, number>();
  /** trails repeated inside the quiet step, not yet added to its trail (as pendingTrails) */
  private readonly pendingQuiet: [ReadonlyMap<string, number>, number][] = [];

  private addQuiet(): void {
    const q = this.quietTrail;
    for (const [trail, n] of this.pendingQuiet) trail.forEach((c, sym) => q.set(sym, (q.get(sym) ?? 0) + c * n));
    this.pendingQuiet.length = 0;
  }

  /**
   * Run `fn` with its calls counted and timed exactly as if traced, but
   * recording no spans (the caller records one summary span for them). For
   * work whose every step is alike and already shown once, such as the runs
   * of a MAP_POPULATE after its first few.
   */
  quietly<T>(fn: () => T): T {
    if (!this.quietDepth) {
      this.quietTrail.clear();
      this.pendingQuiet.length = 0;
    }
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
    if (this.pendingQuiet.length) this.addQuiet();
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
    if (this.pendingQuiet.length) this.addQuiet();
    return new Map(this.quietTrail);
  }

  /**
   * calls `trail` made `n` more times, each taking `dur` of the clock (inside
   * quietly(), the quiet step's trail counts them too)
   */
  repeatTrail(trail: ReadonlyMap<string, number>, n: number, dur: number): void {
    this.now += dur * n;
    if (trail === this.quietTrail) {
      // the quiet step's own trail changes as it goes on: added now
      const counts = this.counts;
      trail.forEach((c, sym) => counts.set(sym, (counts.get(sym) ?? 0) + c * n));
      return;
    }
    // a recorded trail (never changed once made): added when the counts are read,
    // and to the quiet step's trail when that is read (a new quiet step clears it)
    if (this.pendingTrails.length >= PENDING_TRAILS) this.addTrails();
    pend(this.pendingTrails, trail, n);
    if (this.quietDepth > 0) {
      if (this.pendingQuiet.length >= PENDING_TRAILS) this.addQuiet();
      pend(this.pendingQuiet, trail, n);
    }
  }

  /** the symbols of the quiet calls open now, outermost first */
  private readonly quietFrames: string[] = [];
  /** the summary span that stands for the calls made quietly now, if the caller opened one */
  quietAs: Span | undefined;

  /** the span deciding now: the innermost open one, or inside quietly() the summary standing for it */
  get decidingId(): number | null {
    if (this.quietDepth && this.quietFrames.length) return this.quietAs?.id ?? this.current?.id ?? null;
    return this.current?.id ?? null;
  }

  /** the kernel function deciding now (inside quietly(), the innermost quiet call), and the one that called it */
  deciding(): { symbol: string | undefined; within: string | undefined } {
    const q = this.quietFrames;
    if (this.quietDepth && q.length) return { symbol: q[q.length - 1], within: q.length > 1 ? q[q.length - 2] : this.current?.symbol };
    const cur = this.current;
    const parent = cur && cur.parent !== null ? this.spans[cur.parent - 1] : undefined;
    return { symbol: cur?.symbol, within: parent?.symbol };
  }

  /** the span id of the innermost open call of `symbol` (a quiet one: the summary standing for it), or undefined */
  openCall(symbol: string): number | null | undefined {
    if (this.quietDepth && this.quietFrames.includes(symbol)) return this.quietAs?.id ?? null;
    for (let i = this.stack.length - 1; i >= 0; i--) if (this.stack[i]!.symbol === symbol) return this.stack[i]!.id;
    return undefined;
  }

  /** inside quietly(): calls record no span */
  get quiet(): boolean {
    return this.quietDepth > 0;
  }

  /** count calls of a symbol done inside a summarised run, without a span of their own */
  countOnly(symbol: string, n: number): void {
    if (n > 0) this.counts.set(symbol, (this.counts.get(symbol) ?? 0) + n);
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
    this.pendingTrails.length = 0;
    this.pendingQuiet.length = 0;
    this.counts.clear();
    for (const [k, v] of m.calls) this.counts.set(k, v);
    this.now = m.now;
    this.stack = [];
    this.quietDepth = 0;
    this.quietFrames.length = 0;
    this.quietAs = undefined;
  }
}

/** units of a stretch traced in full before alike ones are done quietly */
export const TRACED_UNITS = 2;

/**
 * A stretch of sibling calls that do the same thing for one record or run
 * after another (the reverse-map records of a removal, the runs of pfns of a
 * mass memory failure): the first units are traced in full; once
 * TRACED_UNITS in a row have had the same shape (the same `key`, the same
 * calls by symbol, the same clock time and side effect count), the later
 * units with that key are done quietly (Tracer.quietly: every call counted,
 * the clock exact, the state changed as traced) and recorded as one summary
 * span whose count is the calls it stands for and whose arguments run
 * first..last. A quiet unit that turns out shaped otherwise is counted in
 * the summary too, and ends it: the units after it are traced again.
 */
export class AlikeStretch {
  private key: string | undefined;
  /** the shape the last traced units had, and how many in a row had it */
  private shape: { trail: Map<string, number>; dur: number; side: number; ret: string } | undefined;
  private alike = 0;
  private sum: Span | undefined;
  private firstArgs: Args = {};
  private lastArgs: Args = {};
  private rets = new Set<string>();
  private count = 0;

  constructor(
    private readonly tr: Tracer,
    private readonly layer: Layer,
    private readonly symbol: string,
    /** a count of side effects that alike units share (log lines written, say) */
    private readonly side: () => number = () => 0,
  ) {}

  /**
   * One unit: `fn` makes the call(s) of `calls` calls of the stretch's
   * symbol with arguments `args`; `key` is what must be equal for two units
   * to be alike before they run (undefined: never alike).
   */
  unit<T>(key: string | undefined, args: Args, calls: number, fn: () => T, fmt: (r: T) => string = defaultFmt): T {
    // inside a quiet stretch already (an outer one): nothing to trace or summarise
    if (this.tr.quiet) return fn();
    if (key !== this.key) {
      this.end();
      this.key = key;
      this.alike = 0;
      this.shape = undefined;
    }
    if (key !== undefined && this.alike >= TRACED_UNITS) return this.quiet(args, calls, fn, fmt);
    const before = new Map(this.tr.calls);
    const t = this.tr.now;
    const s0 = this.side();
    const r = fn();
    const trail = new Map<string, number>();
    for (const [sym, c] of this.tr.calls) {
      const d = c - (before.get(sym) ?? 0);
      if (d) trail.set(sym, d);
    }
    const shape = { trail, dur: this.tr.now - t, side: this.side() - s0, ret: fmt(r) };
    this.alike = this.shape && sameShape(this.shape, shape) ? this.alike + 1 : 1;
    this.shape = shape;
    return r;
  }

  private quiet<T>(args: Args, calls: number, fn: () => T, fmt: (r: T) => string): T {
    const tr = this.tr;
    if (!this.sum) {
      this.sum = tr.summary(this.layer, this.symbol, args, 0, tr.now, '');
      this.firstArgs = args;
      this.count = 0;
      this.rets.clear();
    }
    const t = tr.now;
    const s0 = this.side();
    const outer = tr.quietAs;
    tr.quietAs = this.sum;
    let r: T;
    try {
      r = tr.quietly(fn);
    } finally {
      tr.quietAs = outer;
    }
    this.count += calls;
    this.lastArgs = args;
    const ret = fmt(r);
    this.rets.add(ret);
    const shape = { trail: tr.lastQuietTrail(), dur: tr.now - t, side: this.side() - s0, ret };
    if (!sameShape(this.shape!, shape)) {
      this.end();
      this.alike = 0;
      this.shape = undefined;
    }
    return r;
  }

  /** the last unit was done quietly and alike: a summary is open that more members may join */
  get summarising(): boolean {
    return this.sum !== undefined;
  }

  /** the open summary's span id (the deciding span of what is done quietly in it) */
  get summaryId(): number | undefined {
    return this.sum?.id;
  }

  /**
   * Members alike to the last unit done quietly (summarising), done in bulk
   * by `fn` with `calls` calls of the stretch's symbol in all and `args` the
   * last one's arguments: they join the summary.
   */
  more(calls: number, args: Args, fn: () => void): void {
    const tr = this.tr;
    const outer = tr.quietAs;
    tr.quietAs = this.sum;
    try {
      tr.quietly(fn);
    } finally {
      tr.quietAs = outer;
    }
    this.count += calls;
    this.lastArgs = args;
  }

  /** close the summary span of the units done quietly, if any */
  end(): void {
    const s = this.sum;
    if (!s) return;
    this.sum = undefined;
    s.count = this.count;
    if (this.count === 1) delete s.count;
    s.dur = this.tr.now - s.t;
    s.ret = [...this.rets].join(' | ');
    const a: Args = {};
    for (const key of Object.keys(this.firstArgs)) {
      const x = this.firstArgs[key]!;
      const y = this.lastArgs[key];
      // arguments that are already runs (first..last) join end to end
      a[key] = y === undefined || y === x ? x : `${String(x).split('..')[0]}..${String(y).split('..').pop()}`;
    }
    s.args = a;
  }
}

function sameShape(a: { trail: ReadonlyMap<string, number>; dur: number; side: number; ret: string }, b: { trail: ReadonlyMap<string, number>; dur: number; side: number; ret: string }): boolean {
  if (a.dur !== b.dur || a.side !== b.side || a.ret !== b.ret || a.trail.size !== b.trail.size) return false;
  for (const [sym, c] of a.trail) if (b.trail.get(sym) !== c) return false;
  return true;
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
