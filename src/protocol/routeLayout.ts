// What the Layer Routing view draws of a route (RouteView), before any
// pixel: the rows after folding, the wires between them, the two designs'
// rows aligned call for call, and the zoom steps. Pure: no vscode, no DOM;
// unit tested in test/webview-unit/routing.test.ts.
//
// Folding, the way a sequence diagram boxes a loop: among the calls one span
// makes (siblings, so the same depth and the same caller),
//  - a run of consecutive calls of the same symbol whose subtrees have the
//    same shape folds into one row, "kill_proc ×37" (no callees) or
//    "mf_dax_kill_procs subtree ×512";
//  - a repeated group of calls (a loop body: dax_lock_mapping_entry,
//    collect_procs_fsdax, unmap_and_kill, dax_unlock_mapping_entry, once per
//    page) folds into one row, "dax_lock_mapping_entry … dax_unlock_mapping_entry ×4".
// The shape of a call is its symbol and the shapes of its callees, in order
// (the values may differ: the detail strip and the expanded fold show them).
// A fold expands in place; one holding the selected span is always open.

import { lcsPairs, type DiffMark, type RouteNode, type RouteView } from './routing';

export type FoldKind = 'run' | 'subtree' | 'group';

export interface Fold {
  /** stable while the route is the same: the kind and the first span it covers */
  id: string;
  kind: FoldKind;
  /** the symbol of the first call, and for a group of the last */
  symbol: string;
  last: string;
  /** repetitions */
  count: number;
  /** calls per repetition (1 for a run or a subtree) */
  period: number;
  /** "kill_proc ×37", "mf_dax_kill_procs subtree ×512", "dax_lock_mapping_entry … dax_unlock_mapping_entry ×4" */
  label: string;
  /** the first call (its lane, depth, caller) */
  head: RouteNode;
  /** every call the fold stands for, subtrees included, in call order */
  nodes: RouteNode[];
  /** the lanes its calls touch, in order */
  lanes: number[];
}

export type Row =
  | {
      kind: 'node';
      node: RouteNode;
      indent: number;
      /** the first call of an opened fold: what folds back */
      opened?: { id: string; label: string; count: number };
    }
  | { kind: 'fold'; fold: Fold; indent: number };

export interface FoldOptions {
  /** fold ids the user opened */
  expanded?: ReadonlySet<string>;
  /** a span to keep visible: the folds that hold it are open */
  reveal?: number | null;
  /** fewest repetitions that fold (default 3); a group of 2 folds when it hides at least minHidden calls */
  minRepeat?: number;
  minHidden?: number;
  /** longest loop body looked for (default 6 calls) */
  maxPeriod?: number;
  /** false: no folding at all */
  fold?: boolean;
}

/** Deepest in-lane indentation: the nesting of calls inside one layer, shown by a step to the right. */
export const MAX_INDENT = 3;

interface Tree {
  /** subtree end (exclusive) of each node, in call order */
  end: number[];
  /** children (indices) of each node, and of the route's top (key -1) */
  kids: Map<number, number[]>;
  /** shape id per node */
  shape: number[];
  /** in-lane nesting per node */
  indent: number[];
}

function buildTree(nodes: readonly RouteNode[]): Tree {
  const n = nodes.length;
  const end = new Array<number>(n).fill(n);
  const kids = new Map<number, number[]>([[-1, []]]);
  const parentIdx = new Array<number>(n).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = nodes[i]!.depth;
    while (stack.length && nodes[stack[stack.length - 1]!]!.depth >= d) end[stack.pop()!] = i;
    const p = stack.length ? stack[stack.length - 1]! : -1;
    parentIdx[i] = p;
    const list = kids.get(p) ?? [];
    list.push(i);
    kids.set(p, list);
    stack.push(i);
  }
  // shapes bottom-up (children come after their parent in call order)
  const intern = new Map<string, number>();
  const shape = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    const key = `${nodes[i]!.layer}:${nodes[i]!.symbol}(${(kids.get(i) ?? []).map((k) => shape[k]).join(',')})`;
    let id = intern.get(key);
    if (id === undefined) {
      id = intern.size;
      intern.set(key, id);
    }
    shape[i] = id;
  }
  const indent = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const p = parentIdx[i]!;
    indent[i] = p >= 0 && nodes[p]!.lane === nodes[i]!.lane ? Math.min(MAX_INDENT, indent[p]! + 1) : 0;
  }
  return { end, kids, shape, indent };
}

/**
 * The rows of a route: its calls in call order, with runs and repeated
 * subtrees folded (unless expanded, or holding the span to reveal).
 */
export function foldRoute(nodes: readonly RouteNode[], opts: FoldOptions = {}): Row[] {
  const { expanded = new Set<string>(), reveal = null, minRepeat = 3, minHidden = 8, maxPeriod = 6, fold = true } = opts;
  const t = buildTree(nodes);
  const rows: Row[] = [];
  const size = (i: number) => t.end[i]! - i;
  const emit = (i: number) => {
    rows.push({ kind: 'node', node: nodes[i]!, indent: t.indent[i]! });
    walk(t.kids.get(i) ?? []);
  };
  const walk = (sibs: readonly number[]) => {
    let k = 0;
    while (k < sibs.length) {
      let best: { p: number; r: number; covered: number } | undefined;
      if (fold) {
        for (let p = 1; p <= maxPeriod && k + 2 * p <= sibs.length; p++) {
          let r = 1;
          for (;;) {
            const at = k + r * p;
            if (at + p > sibs.length) break;
            let same = true;
            for (let j = 0; j < p && same; j++) same = t.shape[sibs[k + j]!] === t.shape[sibs[at + j]!];
            if (!same) break;
            r++;
          }
          if (r < 2) continue;
          // a group whose body is itself one repeated call is a run (p = 1) already
          if (p > 1 && new Set(sibs.slice(k, k + p).map((s) => t.shape[s])).size === 1) continue;
          let covered = 0;
          for (let j = 0; j < r * p; j++) covered += size(sibs[k + j]!);
          const enough = r >= minRepeat || covered - size(sibs[k]!) >= minHidden;
          if (enough && (!best || covered > best.covered)) best = { p, r, covered };
        }
      }
      if (!best) {
        emit(sibs[k]!);
        k++;
        continue;
      }
      const first = sibs[k]!;
      const lastIdx = sibs[k + best.r * best.p - 1]!;
      const from = first;
      const to = t.end[lastIdx]!;
      const covers = nodes.slice(from, to);
      const head = nodes[first]!;
      const kind: FoldKind = best.p > 1 ? 'group' : size(first) > 1 ? 'subtree' : 'run';
      const lastSym = nodes[sibs[k + best.p - 1]!]!.symbol;
      const label = kind === 'group' ? `${head.symbol} … ${lastSym} ×${best.r}` : kind === 'subtree' ? `${head.symbol} subtree ×${best.r}` : `${head.symbol} ×${best.r}`;
      const id = `${kind}:${head.span}`;
      const open = expanded.has(id) || (reveal !== null && covers.some((c) => c.span === reveal));
      if (open) {
        const at = rows.length;
        for (let j = 0; j < best.r * best.p; j++) emit(sibs[k + j]!);
        const firstRow = rows[at];
        if (firstRow?.kind === 'node') firstRow.opened = { id, label, count: best.r };
      } else {
        const lanes = [...new Set(covers.map((c) => c.lane))].sort((a, b) => a - b);
        rows.push({ kind: 'fold', indent: t.indent[first]!, fold: { id, kind, symbol: head.symbol, last: lastSym, count: best.r, period: best.p, label, head, nodes: covers, lanes } });
      }
      k += best.r * best.p;
    }
  };
  walk(t.kids.get(-1) ?? []);
  return rows;
}

/** Every fold of a route as it would be drawn with nothing expanded (for "expand all" and tests). */
export function allFolds(nodes: readonly RouteNode[]): Fold[] {
  const out: Fold[] = [];
  const expanded = new Set<string>();
  // open the folds level by level to find the nested ones
  for (;;) {
    const folds = foldRoute(nodes, { expanded }).filter((r): r is Extract<Row, { kind: 'fold' }> => r.kind === 'fold').map((r) => r.fold);
    const fresh = folds.filter((f) => !expanded.has(f.id));
    if (!fresh.length) break;
    for (const f of fresh) {
      out.push(f);
      expanded.add(f.id);
    }
  }
  return out;
}

/**
 * The folds to open so that `span` is drawn as a row of its own (outermost
 * first); empty when it is drawn already or is not in the route.
 */
export function foldsHolding(nodes: readonly RouteNode[], span: number, opts: FoldOptions = {}): string[] {
  if (!nodes.some((n) => n.span === span)) return [];
  const expanded = new Set(opts.expanded ?? []);
  const out: string[] = [];
  for (let guard = 0; guard < 64; guard++) {
    const rows = foldRoute(nodes, { ...opts, expanded, reveal: null });
    if (rows.some((r) => r.kind === 'node' && r.node.span === span)) return out;
    const f = rows.find((r): r is Extract<Row, { kind: 'fold' }> => r.kind === 'fold' && r.fold.nodes.some((n) => n.span === span));
    if (!f) return out;
    out.push(f.fold.id);
    expanded.add(f.fold.id);
  }
  return out;
}

export const rowSpan = (r: Row): number => (r.kind === 'node' ? r.node.span : r.fold.head.span);
export const rowNode = (r: Row): RouteNode => (r.kind === 'node' ? r.node : r.fold.head);
export const rowKey = (r: Row): string => (r.kind === 'node' ? `${r.node.layer}:${r.node.symbol}` : `fold:${r.fold.kind}:${r.fold.head.layer}:${r.fold.symbol}:${r.fold.last}`);

const nodeSame = (a: RouteNode, b: RouteNode) => a.symbol === b.symbol && a.ret === b.ret && a.count === b.count && a.values.join('\u0000') === b.values.join('\u0000');

/** Whether two rows the alignment paired are the same call with the same values (a fold: the same count and every call the same). */
export function rowsSame(a: Row, b: Row): boolean {
  if (a.kind === 'node' && b.kind === 'node') return nodeSame(a.node, b.node);
  if (a.kind === 'fold' && b.kind === 'fold') return a.fold.count === b.fold.count && a.fold.nodes.length === b.fold.nodes.length && a.fold.nodes.every((n, i) => nodeSame(n, b.fold.nodes[i]!));
  return false;
}

export interface AlignedRow {
  left: Row | null;
  right: Row | null;
  /** same: both designs make this call with the same values; changed: both make it, with other values, results or counts; only: one design makes it */
  mark: DiffMark;
}

/**
 * Two designs' rows aligned call for call (the longest common subsequence
 * of their calls, by layer and symbol): a pair per row, with a gap on the
 * side that does not make the call.
 */
export function alignRows(left: readonly Row[], right: readonly Row[]): AlignedRow[] {
  const pairs = lcsPairs(left.map(rowKey), right.map(rowKey));
  const out: AlignedRow[] = [];
  let i = 0;
  let j = 0;
  const flush = (ti: number, tj: number) => {
    // the calls only one side makes between two matches: the left's first, as a diff reads
    while (i < ti) out.push({ left: left[i++]!, right: null, mark: 'only' });
    while (j < tj) out.push({ left: null, right: right[j++]!, mark: 'only' });
  };
  for (const [a, b] of pairs) {
    flush(a, b);
    out.push({ left: left[a]!, right: right[b]!, mark: rowsSame(left[a]!, right[b]!) ? 'same' : 'changed' });
    i = a + 1;
    j = b + 1;
  }
  flush(left.length, right.length);
  return out;
}

export interface Wire {
  /** row indices (into the drawn rows) of the caller and the callee */
  from: number;
  to: number;
  fromLane: number;
  toLane: number;
  /** the caller's and the callee's in-lane indentation */
  fromIndent: number;
  toIndent: number;
  /** crosses into another lane */
  hop: boolean;
}

/**
 * The connectors between the drawn rows: from each row to the row of its
 * caller, when that is drawn. `rows` may hold gaps (null: a call the other
 * design makes), which are skipped.
 */
export function wiresOf(rows: readonly (Row | null)[]): Wire[] {
  const rowOfSpan = new Map<number, number>();
  rows.forEach((r, i) => {
    if (r) rowOfSpan.set(rowSpan(r), i);
  });
  const out: Wire[] = [];
  rows.forEach((r, i) => {
    if (!r) return;
    const n = rowNode(r);
    const p = n.parent !== null ? rowOfSpan.get(n.parent) : undefined;
    if (p === undefined) return;
    const pr = rows[p]!;
    const pn = rowNode(pr);
    out.push({ from: p, to: i, fromLane: pn.lane, toLane: n.lane, fromIndent: pr.indent, toIndent: r.indent, hop: pn.lane !== n.lane });
  });
  return out;
}

/**
 * How many lanes each row's box may take (1..maxSpan): a call's box widens
 * over the lanes to its right while no connector runs down through them at
 * that row (a hop's drop into its callee's lane, a caller's spine), so that
 * its text wraps less and no box hides a wire. A fold's box spans the lanes
 * its calls touch instead (it is given 1 here); a gap gets 1.
 */
export function boxSpans(rows: readonly (Row | null)[], lanes: number, maxSpan = 2): number[] {
  // busy[r] = lanes whose column a connector runs down through at row r
  const busy: Set<number>[] = rows.map(() => new Set<number>());
  for (const w of wiresOf(rows)) {
    // a hop drops down its callee's gutter from the caller's row on (out of the caller's bottom when the caller's box covers that gutter)
    if (w.hop) for (let r = w.from + 1; r < w.to; r++) busy[r]!.add(w.toLane);
    else for (let r = w.from + 1; r < w.to; r++) busy[r]!.add(w.fromLane);
  }
  return rows.map((row, r) => {
    if (!row || row.kind === 'fold') return 1;
    const lane = row.node.lane;
    let k = 1;
    while (k < maxSpan && lane + k < lanes && !busy[r]!.has(lane + k)) k++;
    return k;
  });
}

/** Which fold (of the other side) sits in the same aligned row as `foldId`, so that both open together. */
export function partnerFold(aligned: readonly AlignedRow[], side: 'left' | 'right', foldId: string): string | undefined {
  for (const a of aligned) {
    const mine = a[side];
    const other = a[side === 'left' ? 'right' : 'left'];
    if (mine?.kind === 'fold' && mine.fold.id === foldId) return other?.kind === 'fold' ? other.fold.id : undefined;
  }
  return undefined;
}

// ------------------------------------------------------------ zoom

/** Narrowest lane at 100%: 11 lanes and their gutters fit 1,600 px at fit with a verdict panel beside. */
export const LANE_MIN = 112;
export const ZOOM_MIN = 0.25;
export const ZOOM_MAX = 3;
const STEPS = [0.25, 0.33, 0.5, 0.67, 0.75, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3];

/**
 * The relative widths of the lanes: the processes lane, the last and the
 * end of every story (who is signalled: the address, lsb, pid and comm), is
 * half as wide again as the others, which it cannot borrow from.
 */
export function laneWeights(lanes: readonly { id: string }[]): number[] {
  return lanes.map((l) => (l.id === 'process' ? 1.5 : 1));
}

/** The scale at which `lanes` lanes (and `extra` px beside them) fill `width` px (never above 1: fit does not enlarge). */
export function fitZoom(lanes: number, width: number, extra = 0): number {
  const natural = Math.max(1, lanes) * LANE_MIN + extra;
  return Math.max(ZOOM_MIN, Math.min(1, width / natural));
}

/** The next zoom step in (dir 1) or out (dir -1) from `z`. */
export function stepZoom(z: number, dir: 1 | -1): number {
  if (dir > 0) return STEPS.find((s) => s > z + 1e-6) ?? ZOOM_MAX;
  return [...STEPS].reverse().find((s) => s < z - 1e-6) ?? ZOOM_MIN;
}

/** The stage's width in its own px at zoom `z`: the lanes' natural width, or the view's when that is wider (the lanes stretch). */
export function stageWidth(lanes: number, viewWidth: number, z: number, extra = 0): number {
  return Math.max(Math.max(1, lanes) * LANE_MIN + extra, Math.floor(viewWidth / z));
}

/** The nodes to draw: all, or the span `subtreeOf` and what it called. */
export function subtreeNodes(v: RouteView, subtreeOf: number | null): RouteNode[] {
  if (subtreeOf === null) return v.nodes;
  const i = v.nodes.findIndex((n) => n.span === subtreeOf);
  if (i < 0) return v.nodes;
  const d = v.nodes[i]!.depth;
  let j = i + 1;
  while (j < v.nodes.length && v.nodes[j]!.depth > d) j++;
  return v.nodes.slice(i, j);
}
