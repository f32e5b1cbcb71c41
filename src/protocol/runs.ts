// Summarised runs, member by member, on demand. The trace records a run of N
// calls of one kernel function for consecutive pages as ONE span: its
// `count`, and the arguments that advance in step written `first..last`
// (`pfn=0x10400218..0x10440217`, `index=0x0..0x3ffff`,
// `addr=0x7f0000000000..0x7f003ffff000`); the other arguments are the same
// for every member. A view draws the run as one node and, when asked,
// expands it into its first and last few members, each computed from the
// first value and the step ((last - first) / (N - 1)) without materialising
// the others. The wording follows the CLI (src/sim/render.ts):
// `memory_failure ×262144 (pfn=0x10400218..0x10440217, flags=MF_MEM_REMOVE) = 0`
// for the run, `memory_failure(pfn=0x10400218, flags=MF_MEM_REMOVE) = 0` for a
// member, and `… 262138 more calls` for the members in between.
// Pure: no vscode, no DOM (the extension and the webviews both use it).

type Args = Record<string, string | number | boolean>;

/** what a run is computed from: a span, a route node or a timeline span */
export interface RunSource {
  symbol: string;
  args: Args;
  count?: number;
  ret?: string;
}

/** an argument that advances in step across the run */
export interface SteppedArg {
  key: string;
  first: bigint;
  step: bigint;
  /** written in hex (0x…) like the trace writes it, else decimal */
  hex: boolean;
}

export interface RunInfo {
  symbol: string;
  count: number;
  ret: string;
  /** the arguments every member has (the stepped ones hold their first..last text) */
  args: Args;
  stepped: SteppedArg[];
}

/** the first and last members shown when a run is expanded, by default */
export const RUN_HEAD = 3;
export const RUN_TAIL = 3;

const RANGE = /^(0x[0-9a-f]+|\d+)\.\.(0x[0-9a-f]+|\d+)$/i;

/**
 * The run a span stands for, when it is a summarised run whose members can
 * be told apart: a count above 1 and at least one argument written
 * first..last with a whole step. Null otherwise (a single call, a run of
 * identical calls, or a range that is not an arithmetic progression over
 * the count).
 */
export function runOf(s: RunSource): RunInfo | null {
  const n = s.count;
  if (n === undefined || !Number.isSafeInteger(n) || n < 2) return null;
  const stepped: SteppedArg[] = [];
  for (const key in s.args) {
    const v = s.args[key];
    if (typeof v !== 'string') continue;
    const m = RANGE.exec(v);
    if (!m) continue;
    const isHex = /^0x/i.test(m[1]!);
    if (isHex !== /^0x/i.test(m[2]!)) continue;
    const first = BigInt(m[1]!);
    const last = BigInt(m[2]!);
    const span = last - first;
    if (span % BigInt(n - 1) !== 0n) return null;
    stepped.push({ key, first, step: span / BigInt(n - 1), hex: isHex });
  }
  if (!stepped.length) return null;
  return { symbol: s.symbol, count: n, ret: s.ret ?? '', args: s.args, stepped };
}

/** member i (0-based) of a run: its arguments, the stepped ones at their value for i */
export function memberArgs(run: RunInfo, i: number): Args {
  const out: Args = {};
  for (const key in run.args) out[key] = run.args[key]!;
  for (const a of run.stepped) {
    const v = a.first + a.step * BigInt(i);
    out[a.key] = a.hex ? `0x${v.toString(16)}` : v.toString();
  }
  return out;
}

export type RunRow =
  /** member `index` (0-based) of the run, with its arguments */
  | { kind: 'member'; index: number; args: Args }
  /** `count` members not shown, between the first and the last few */
  | { kind: 'more'; count: number };

/**
 * The rows an expanded run shows: its first `head` and last `tail` members
 * with "… N more calls" between them (every member when there are no more
 * than head + tail). At most head + tail + 1 rows, whatever the count.
 */
export function runRows(run: RunInfo, head = RUN_HEAD, tail = RUN_TAIL): RunRow[] {
  const n = run.count;
  const out: RunRow[] = [];
  if (n <= head + tail) {
    for (let i = 0; i < n; i++) out.push({ kind: 'member', index: i, args: memberArgs(run, i) });
    return out;
  }
  for (let i = 0; i < head; i++) out.push({ kind: 'member', index: i, args: memberArgs(run, i) });
  out.push({ kind: 'more', count: n - head - tail });
  for (let i = n - tail; i < n; i++) out.push({ kind: 'member', index: i, args: memberArgs(run, i) });
  return out;
}

function argsText(args: Args): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

/** one member as the CLI writes a call: "memory_failure(pfn=0x10400219, flags=MF_MEM_REMOVE) = 0" */
export function memberCall(run: RunInfo, args: Args): string {
  return `${run.symbol}(${argsText(args)})${run.ret !== '' ? ` = ${run.ret}` : ''}`;
}

/** the text of a row: "#2  memory_failure(pfn=…) = 0", or "… 262138 more calls" */
export function runRowText(run: RunInfo, r: RunRow): string {
  if (r.kind === 'more') return moreText(r.count);
  return `#${r.index + 1}  ${memberCall(run, r.args)}`;
}

/** "… 1 more call", "… 262138 more calls" (the CLI's wording for calls not printed) */
export function moreText(n: number): string {
  return `… ${n} more call${n === 1 ? '' : 's'}`;
}

/** what a run covers, in a line: "262144 calls, pfn 0x10400218..0x10440217 step 0x1" */
export function runSummary(run: RunInfo): string {
  const steps = run.stepped.map((a) => {
    const last = a.first + a.step * BigInt(run.count - 1);
    const w = (v: bigint) => (a.hex ? `0x${v.toString(16)}` : v.toString());
    return `${a.key} ${w(a.first)}..${w(last)} step ${w(a.step)}`;
  });
  return `${run.count} calls, ${steps.join(', ')}`;
}
