// Members of a stretch applied in bulk. Inside a quiet stretch (AlikeStretch,
// src/sim/trace.ts) the units after the first ones run with no spans of
// their own, one after another; most of them are members of a run that
// advances in step (the PMD entries of one extent, the extents of one file,
// the owners' pfns of a mass failure): the same file, the same mappers, the
// same state at every member, only the file index and the pfn moved on by a
// fixed step. One member is done for real and recorded (its calls, clock,
// decisions, log lines and the page state it changed); the others whose
// state before is that member's shifted by their step get the same done to
// them in bulk: the counts and the clock times n, the log lines as one run
// (Kernel.logRun), the decisions and the page state shifted, page-table
// entries, DAX entries and page owners cleared in one go where the members
// touch. A member whose state differs is left to the caller, which does it
// one by one.

import type { Kernel } from '../kernel';
import { instance, instances, mergeDecision, shiftable, shifted as shiftedDecision, type Decision, type Shiftable } from '../verdicts';
import type { MfStats } from './memory-failure';
import type { AddressSpace, DaxEntry, PageOwner, Pte, Vma } from './types';
import type { Range } from '../intervals';
import { PAGE_SIZE } from '../units';
import { logPieces, templateLine, type LineTemplate } from '../dmesg';

/** what a member is about: file pages [index, index + pages) of `mapping`, and pfns [pfn, pfn + pfns) */
export interface Member {
  mapping: AddressSpace;
  index: number;
  pages: number;
  pfn: number;
  pfns: number;
}

/** one member done for real, as the others are to be done */
export interface Recorded {
  m: Member;
  /** the member's state before, relative to its index and pfn (memberState; undefined: not made yet) */
  sig?: string;
  /** the same, as the structures held it */
  before: MemberPieces;
  decided: Decision[];
  /** decided merged as the event's list merges one member's (coalesced; made when first needed) */
  own?: Decision[];
  /** the lines it printed, each about one of its pfns (memberLog) */
  log: MemberLine[];
  trail: Map<string, number>;
  dur: number;
  stats: MfStats;
  /** pfns poisoned, relative to m.pfn */
  poison: [number, number][];
  /** page-table entries cleared, relative to the vma's page of m.index */
  zaps: { vma: Vma; lo: number; hi: number }[];
  /** the member's DAX entries removed */
  entriesCleared: boolean;
  /** the member's pfns lost their owner */
  ownerCleared: boolean;
  /** how many of the member's file pages had a DAX entry, and of its pfns an owner, before */
  entriesBefore: number;
  ownersBefore: number;
}

const mfPrefix = 'Memory failure: ';
const LINE = /^Memory failure: 0x([0-9a-f]+): /;

/** the first virtual page of a vma that maps file page `index` (possibly outside the vma) */
const vbase = (vma: Vma, index: number): number => vma.start / PAGE_SIZE + (index - vma.pgoff);

/** what memberState reads, as the structures hold it (absolute positions) */
interface MemberPieces {
  entries: Range<DaxEntry>[];
  owners: Range<PageOwner>[];
  poison: [number, number][];
  vmas: { vma: Vma; lo: number; hi: number; base: number; align: number; ptes: Range<Pte>[] }[];
}

function memberPieces(k: Kernel, m: Member): MemberPieces {
  const vmas: MemberPieces['vmas'] = [];
  for (const vma of m.mapping.i_mmap.query(m.index, m.index + m.pages - 1)) {
    const lo = Math.max(m.index, vma.pgoff);
    const hi = Math.min(m.index + m.pages, vma.pgoff + vma.pages);
    const base = vbase(vma, m.index);
    const ptes = vma.ptes.query(base + (lo - m.index), base + (hi - m.index));
    // where a huge entry maps it, its alignment there decides how much an unmap takes
    let align = 1;
    for (const p of ptes) align = Math.max(align, 2 ** (p.value.shift - 12));
    vmas.push({ vma, lo, hi, base, align, ptes });
  }
  return { entries: m.mapping.entries.query(m.index, m.index + m.pages), owners: k.pageOwner.query(m.pfn, m.pfn + m.pfns), poison: k.hwpoison.query(m.pfn, m.pfn + m.pfns), vmas };
}

/**
 * The state a member's handling depends on, with positions relative to the
 * member: its DAX entries, its pfns' owners and poison, and each mapper of
 * its file pages with that mapper's page-table entries over them.
 */
export function memberState(k: Kernel, m: Member, pieces = memberPieces(k, m)): string {
  return describe(m, pieces, false);
}

/**
 * The pieces of a member's state as text, positions relative to the
 * member. `byPlace`: the member's own file and its mappers named by their
 * place (M; v0, v1, ... in i_mmap order, with each mapper's protection,
 * flags and extent) instead of who they are (memberShape).
 */
function describe(m: Member, pieces: MemberPieces, byPlace: boolean): string {
  const out: string[] = byPlace ? [`i${m.mapping.host?.size ?? -1},${m.index},${m.pages},${m.pfns}`] : [];
  for (const r of pieces.entries) out.push(`e${r.start - m.index},${r.end - m.index},${r.value.pmd ? 1 : 0}${r.value.shared ? 's' : ''},${r.value.pfn - m.pfn}`);
  for (const r of pieces.owners) {
    const o = r.value;
    const file = o.kind === 'file' ? (byPlace && o.mapping === m.mapping ? 'M' : o.mapping.id) : undefined;
    out.push(`o${r.start - m.pfn},${r.end - m.pfn},${o.kind === 'file' ? `${file},${o.index - m.index}` : `s${o.share}`}`);
  }
  for (const [a, b] of pieces.poison) out.push(`h${a - m.pfn},${b - m.pfn}`);
  pieces.vmas.forEach(({ vma, lo, hi, base, align, ptes }, i) => {
    const who = byPlace ? `v${i}@${vma.mm.owner.pid},${vma.prot},${vma.flags},${vma.pgoff - m.index},${vma.pages}` : `v${vma.id}@${vma.mm.owner.pid}`;
    out.push(`${who},${lo - m.index},${hi - m.index},${((base % align) + align) % align}`);
    for (const p of ptes) out.push(`p${p.start - base},${p.end - base},${p.value.shift},${p.value.writable ? 1 : 0},${p.value.pfn < 0 ? p.value.pfn : p.value.pfn - m.pfn}`);
  });
  return out.join(' ');
}

function covered(vma: Vma, m: Member): number {
  const lo = Math.max(m.index, vma.pgoff);
  const hi = Math.min(m.index + m.pages, vma.pgoff + vma.pages);
  if (lo >= hi) return 0;
  const base = vbase(vma, m.index);
  return vma.ptes.covered(base + (lo - m.index), base + (hi - m.index));
}

/**
 * Do member `m` with `fn` (inside a quiet stretch: Tracer.quietly), and
 * record what it did, when that is something the members after it can have
 * done to them in bulk: calls and clock, decisions about its own pages,
 * log lines about its own pfns, signals already pending, and page state
 * that it only cleared or poisoned within its own range. Otherwise the
 * record is undefined (the member is done all the same).
 */
export function recordMember<T>(k: Kernel, m: Member, fn: () => T): { r: T; rec: Recorded | undefined } {
  if (!k.tr.quiet || m.pages <= 0 || m.pfns <= 0) return { r: fn(), rec: undefined };
  const before = memberPieces(k, m);
  const sig = memberState(k, m, before);
  const vmas = before.vmas.map((v) => v.vma);
  const ptesBefore = vmas.map((v) => covered(v, m));
  const entriesBefore = m.mapping.entries.covered(m.index, m.index + m.pages);
  const ownersBefore = k.pageOwner.covered(m.pfn, m.pfn + m.pfns);
  const poisonBefore = k.hwpoison.covered(m.pfn, m.pfn + m.pfns);
  const trail0 = k.tr.lastQuietTrail();
  const t0 = k.tr.now;
  const logMark = k.dmesg.length;
  const stats0 = { ...k.mfStats };
  let r!: T;
  const decided = k.why.capture(() => {
    r = fn();
  });
  const rec = ((): Recorded | undefined => {
    const log = memberLog(k, logMark, m);
    if (!log) return undefined;
    const zapped = new Map<Vma, number>();
    for (const x of decided) {
      // a repeated decision: each instance within the member (its first and its last)
      for (const d of shiftable(x) && x.rep ? [instance(x, 0), instance(x, x.rep.n - 1)] : [x]) {
        switch (d.kind) {
          case 'collect':
          case 'no-entry':
            if (d.pgoff < m.index || d.end > m.index + m.pages) return undefined;
            break;
          case 'zap': {
            if (d.vma.mapping !== m.mapping) return undefined;
            const base = vbase(d.vma, m.index);
            if (d.vlo < base || d.vhi > base + m.pages) return undefined;
            break;
          }
          case 'signal':
            if (d.queued || d.addr === undefined) return undefined;
            break;
          case 'failed':
            if (d.pfn < m.pfn || d.end > m.pfn + m.pfns) return undefined;
            break;
          case 'page-mapping':
            if (d.pfn < m.pfn || (d.end ?? d.pfn + 1) > m.pfn + m.pfns) return undefined;
            break;
          default:
            return undefined;
        }
      }
      // the entries zapped, every instance's
      if (x.kind === 'zap') zapped.set(x.vma, (zapped.get(x.vma) ?? 0) + x.pages * instances(x));
    }
    // page-table entries: cleared only by the zaps noted, within the member
    const now = m.mapping.i_mmap.query(m.index, m.index + m.pages - 1);
    if (now.length !== vmas.length || now.some((v, i) => v !== vmas[i])) return undefined;
    for (let i = 0; i < vmas.length; i++) {
      const v = vmas[i]!;
      const after = covered(v, m);
      if (after !== 0 && after !== ptesBefore[i]) return undefined;
      if (ptesBefore[i]! - after !== (zapped.get(v) ?? 0)) return undefined;
    }
    const zaps: Recorded['zaps'] = [];
    for (const x of decided) {
      if (x.kind !== 'zap' || x.pages <= 0) continue;
      // a member is a few hundred pages at most: its own repeated zaps are few
      for (let j = 0; j < instances(x); j++) {
        const d = instance(x, j);
        const lo = d.vlo - vbase(d.vma, m.index);
        const hi = d.vhi - vbase(d.vma, m.index);
        // a page at a time (an unmap per index): one piece per vma where they touch
        const last = zaps.find((z) => z.vma === d.vma && z.hi === lo);
        if (last) last.hi = hi;
        else zaps.push({ vma: d.vma, lo, hi });
      }
    }
    const entriesAfter = m.mapping.entries.covered(m.index, m.index + m.pages);
    if (entriesAfter !== 0 && entriesAfter !== entriesBefore) return undefined;
    const ownersAfter = k.pageOwner.covered(m.pfn, m.pfn + m.pfns);
    if (ownersAfter !== 0 && ownersAfter !== ownersBefore) return undefined;
    // owners kept must be kept as they were (a share count going down is not a clearing)
    const entriesCleared = entriesAfter === 0 && entriesBefore > 0;
    const ownerCleared = ownersAfter === 0 && ownersBefore > 0;
    const poison: [number, number][] = [];
    if (k.hwpoison.covered(m.pfn, m.pfn + m.pfns) !== poisonBefore) {
      // what was poisoned before stays poisoned: the new pieces are the difference
      const add = (a: number, b: number): void => {
        if (b > a) poison.push([a - m.pfn, b - m.pfn]);
      };
      for (const [a, b] of k.hwpoison.query(m.pfn, m.pfn + m.pfns)) {
        let s = a;
        for (const [c, d] of before.poison) {
          if (d <= s || c >= b) continue;
          add(s, c);
          s = Math.max(s, d);
        }
        add(s, b);
      }
    }
    const trail1 = k.tr.lastQuietTrail();
    const trail = new Map<string, number>();
    for (const [sym, c] of trail1) {
      const dc = c - (trail0.get(sym) ?? 0);
      if (dc) trail.set(sym, dc);
    }
    const stats = { ...k.mfStats };
    for (const key of Object.keys(stats) as (keyof MfStats)[]) stats[key] -= stats0[key];
    return {
      m,
      sig,
      before,
      decided,
      log,
      trail,
      dur: k.tr.now - t0,
      stats,
      poison,
      zaps,
      entriesCleared,
      ownerCleared,
      entriesBefore,
      ownersBefore,
    };
  })();
  return { r, rec };
}

/**
 * The state a member's handling depends on, as memberState reads it, with
 * the member's own file and its mappers named by their place (M; v0, v1,
 * ... in i_mmap order) instead of who they are: the same for a member of
 * two files laid out, mapped and faulted in alike by the same tasks.
 */
export function memberShape(m: Member, pieces: MemberPieces): string {
  return describe(m, pieces, true);
}

/** a member's handling recorded, with the shape of its state before (for rebind) */
export interface Shaped {
  rec: Recorded;
  shape: string;
}

export function shaped(rec: Recorded): Shaped {
  return { rec, shape: memberShape(rec.m, rec.before) };
}

/**
 * The record of member m2 of another file, if its state is s's member's
 * shifted and rebound (memberShape): its own file, mappers and pfns in
 * place of the recorded member's, the decisions, log lines and page-state
 * changes moved over to them. `s` may instead look the recorded member up
 * by m2's shape (one of several recorded). Undefined when the shapes differ, or when
 * something recorded names the recorded member's file in a way that
 * cannot be moved (a decision about another mapper, a signal's text naming
 * the file).
 */
export function rebind(k: Kernel, s: Shaped | ((shape: string) => Shaped | undefined), m2: Member): Recorded | undefined {
  if (typeof s !== 'function' && (m2.mapping === s.rec.m.mapping || m2.pages !== s.rec.m.pages || m2.pfns !== s.rec.m.pfns)) return undefined;
  const before = memberPieces(k, m2);
  const shape = memberShape(m2, before);
  const found = typeof s === 'function' ? s(shape) : shape === s.shape ? s : undefined;
  if (!found) return undefined;
  const rec = found.rec;
  const m = rec.m;
  // the shape names the member's extent (index, pages, pfns): only the file can differ
  if (m2.mapping === m.mapping) return undefined;
  const vmas = new Map<Vma, Vma>();
  /** virtual pages each recorded mapper moves by */
  const dv = new Map<Vma, number>();
  rec.before.vmas.forEach((v, i) => {
    const w = before.vmas[i]!.vma;
    vmas.set(v.vma, w);
    dv.set(v.vma, vbase(w, m2.index) - vbase(v.vma, m.index));
  });
  const dI = m2.index - m.index;
  const dP = m2.pfn - m.pfn;
  const path = m.mapping.host?.path;
  const decided: Decision[] = [];
  // the decisions as one member's merge (coalesced): what merges is about one vma, mapping or
  // pfn range, and each moves by one step, so the rebound ones are the rebound merge
  for (const d of (rec.own ??= coalesced(rec.decided))) {
    switch (d.kind) {
      case 'collect': {
        const w = vmas.get(d.vma);
        if (!w) return undefined;
        decided.push({ ...shiftedDecision(d, dI, 0), vma: w });
        break;
      }
      case 'zap': {
        const w = vmas.get(d.vma);
        if (!w) return undefined;
        decided.push({ ...shiftedDecision(d, dv.get(d.vma)!, 0), vma: w });
        break;
      }
      case 'no-entry':
        if (d.mapping !== m.mapping) return undefined;
        decided.push({ ...shiftedDecision(d, dI, 0), mapping: m2.mapping });
        break;
      case 'signal': {
        if (d.addr === undefined || (path !== undefined && d.detail.includes(path))) return undefined;
        const v = rec.before.vmas.find((x) => d.addr! >= x.vma.start && d.addr! < x.vma.end);
        if (!v) return undefined;
        decided.push(shiftedDecision(d, dv.get(v.vma)!, 0));
        break;
      }
      case 'failed':
        decided.push(shiftedDecision(d, 0, dP));
        break;
      case 'page-mapping':
        decided.push({ ...shiftedDecision(d, 0, dP), mapping: d.mapping === m.mapping ? m2.mapping : d.mapping });
        break;
      default:
        return undefined;
    }
  }
  const zaps = rec.zaps.map((z) => ({ ...z, vma: vmas.get(z.vma)! }));
  // its lines, relative to its pfns, are rec's: they move with m
  return { ...rec, m: m2, sig: undefined, before, decided, own: decided, zaps };
}

/** a line a member printed: `Memory failure: 0x<its pfn + off>` and `rest` */
interface MemberLine {
  off: number;
  rest: string;
}

/**
 * The lines member m printed since log line `from`, each about one of its
 * own pfns, read from the log's pieces (a run of lines whose only number is
 * the pfn is taken from its template, not printed); undefined when a line
 * is about something else.
 */
function memberLog(k: Kernel, from: number, m: Member): MemberLine[] | undefined {
  const out: MemberLine[] = [];
  const line = (l: string): boolean => {
    const x = LINE.exec(l);
    if (!x) return false;
    const p = parseInt(x[1]!, 16);
    if (p < m.pfn || p >= m.pfn + m.pfns) return false;
    out.push({ off: p - m.pfn, rest: `: ${l.slice(x[0].length)}` });
    return true;
  };
  const pfnOnly = (t: LineTemplate): boolean => t.fields.length === 1 && t.fields[0]!.hex && t.parts[0] === `${mfPrefix}0x` && t.parts[1]!.startsWith(': ');
  for (const piece of logPieces(k.dmesg, from)) {
    if (piece.kind === 'line') {
      if (!line(piece.line)) return undefined;
      continue;
    }
    const c = piece.count;
    for (const t of piece.templates) {
      if (!pfnOnly(t)) {
        // printed out, as the line-by-line check reads them
        for (let j = 0; j < c; j++) for (const u of piece.templates) if (!line(templateLine(u, j))) return undefined;
        break;
      }
      const f = t.fields[0]!;
      for (const p of [f.base, f.base + f.step * (c - 1)]) if (!Number.isSafeInteger(p) || p < m.pfn || p >= m.pfn + m.pfns) return undefined;
    }
    if (!piece.templates.every(pfnOnly)) continue;
    for (let j = 0; j < c; j++) for (const t of piece.templates) out.push({ off: t.fields[0]!.base + t.fields[0]!.step * j - m.pfn, rest: t.parts[1]! });
  }
  return out;
}

/** member j of a run whose member 0 is rec's, the index and pfn moving on by dIndex and dPfn */
function shifted(rec: Recorded, j: number, dIndex: number, dPfn: number): Member {
  const m = rec.m;
  return { mapping: m.mapping, index: m.index + j * dIndex, pages: m.pages, pfn: m.pfn + j * dPfn, pfns: m.pfns };
}

/**
 * How many of members 1, 2, ..., max (each dIndex file pages and dPfn pfns
 * after the one before) are in the state rec's member was in, shifted: the
 * ones that can be done in bulk, from the first on.
 */
export function alikeMembers(k: Kernel, rec: Recorded, dIndex: number, dPfn: number, max: number): number {
  if (dIndex < rec.m.pages || dPfn < rec.m.pfns) return 0;
  const n = alikeByRanges(k, rec, dIndex, dPfn, max);
  if (n !== undefined) return n;
  let j = 0;
  const sig = (rec.sig ??= memberState(k, rec.m, rec.before));
  while (j < max && memberState(k, shifted(rec, j + 1, dIndex, dPfn)) === sig) j++;
  return j;
}

/**
 * alikeMembers by range arithmetic: each structure memberState reads,
 * compared over members 1..max at once (RangeMap.repeats), the member's
 * mappers by their file ranges. Undefined for the shapes it does not take
 * (a mapper covering only part of the member, huge entries whose
 * alignment moves from member to member): those are compared one by one.
 */
function alikeByRanges(k: Kernel, rec: Recorded, dIndex: number, dPfn: number, max: number): number | undefined {
  const m = rec.m;
  const was = rec.before;
  // member 0 has been done: what it held before is in rec.before
  let n = max;
  n = Math.min(n, m.mapping.entries.repeats(m.index, m.pages, dIndex, n, (a, b, j) => a.pmd === b.pmd && a.shared === b.shared && b.pfn - a.pfn === j * dPfn, was.entries));
  if (!n) return 0;
  const owner = (a: PageOwner, b: PageOwner, j: number): boolean =>
    a.kind === 'file' ? b.kind === 'file' && a.mapping === b.mapping && b.index - a.index === j * dIndex : b.kind === 'shared' && a.share === b.share;
  n = Math.min(n, k.pageOwner.repeats(m.pfn, m.pfns, dPfn, n, owner, was.owners));
  if (!n) return 0;
  n = Math.min(n, k.hwpoison.repeats(m.pfn, m.pfns, dPfn, n, was.poison));
  if (!n) return 0;
  const first = m.index + m.pages; // the end of member 0's pages
  for (const { vma, lo, hi } of was.vmas) {
    // a mapper of all of member 0's pages: of member j's as long as the vma goes on
    if (lo !== m.index || hi !== first) return undefined;
    n = Math.min(n, Math.floor((vma.pgoff + vma.pages - first) / dIndex));
  }
  if (!n) return 0;
  // a mapper that member 0 does not have: the members before it
  for (const vma of m.mapping.i_mmap.query(first, m.index + n * dIndex + m.pages - 1)) {
    if (was.vmas.some((v) => v.vma === vma)) continue;
    n = Math.min(n, Math.floor((Math.max(vma.pgoff, first) - first) / dIndex));
  }
  if (!n) return 0;
  const pte = (a: Pte, b: Pte, j: number): boolean => a.shift === b.shift && a.writable === b.writable && (a.pfn < 0 ? b.pfn === a.pfn : b.pfn - a.pfn === j * dPfn);
  for (const { vma, base, align, ptes } of was.vmas) {
    if (dIndex % align) return undefined;
    n = Math.min(n, vma.ptes.repeats(base, m.pages, dIndex, n, pte, ptes));
    if (!n) return 0;
  }
  return n;
}

/** the decisions one member noted, merged as the event's list merges them (DecisionLog.note) */
function coalesced(decided: readonly Decision[]): Decision[] {
  const out: Decision[] = [];
  for (const d of decided) if (!mergeDecision(out, d)) out.push({ ...d } as Decision);
  return out;
}

/**
 * The decisions of members from..n of a run (from 1, or 0 when the
 * recorded member itself is one of them), each the recorded member's
 * shifted by j·dIndex file pages and j·dPfn pfns, noted as noting them
 * member by member would leave them, in a number of notes that does not
 * grow with n: a range that joins up with the next member's (a
 * collection or an unmap over file pages one member long) as the one
 * range they merge into, every other one (a signal per member, pfns
 * apart) as one repeated decision (Repeat).
 */
export function noteMembers(k: Kernel, decided: readonly Decision[], n: number, dIndex: number, dPfn: number, from: 0 | 1 = 1, merged?: readonly Decision[]): void {
  if (n < from) return;
  const own = merged ?? coalesced(decided);
  const count = n - from + 1;
  const block = k.why.mark;
  let q = 0;
  // a range the list merges only with the entry just before (no-entry, failed) joins up
  // when every other one merges within the last 8 entries: from member 2 on the list
  // then grows by nothing but it, so its range is the last entry each time
  const windowJoins = (y: Decision): boolean => !shiftable(y) || (!y.rep && (y.kind === 'collect' || y.kind === 'zap') && joinsUp(y, own.length, from, n, dIndex, dPfn, false) !== undefined);
  const apart = own.filter((y) => !windowJoins(y)).length;
  for (const x of own) {
    if (!shiftable(x)) continue;
    if (x.rep || count === 1) {
      // a run inside each member: one repeated decision per member (or one member alone)
      for (let j = from; j <= n; j++) {
        const y = shiftedDecision(x, j * dIndex, j * dPfn);
        k.why.note(y.rep ? { ...y, rep: { ...y.rep, block: k.why.mark } } : y);
      }
      continue;
    }
    const joined = joinsUp(x, own.length, from, n, dIndex, dPfn, apart === 1);
    if (joined) k.why.note(joined);
    else k.why.note({ ...shiftedDecision(x, from * dIndex, from * dPfn), rep: { n: count, di: dIndex, dp: dPfn, block, q: q++ } });
  }
}

/**
 * Members from..n's copies of decision x as the one range noting them one
 * by one merges into, when they do: ranges a member long, that the list
 * merges within its last 8 entries (a member of at most 8 decisions) or
 * with the entry just before (`last`: it is the last entry each time).
 */
function joinsUp(x: Shiftable, perMember: number, from: number, n: number, dIndex: number, dPfn: number, last: boolean): Decision | undefined {
  const di = from * dIndex;
  const dp = from * dPfn;
  switch (x.kind) {
    case 'collect':
      return x.end - x.pgoff === dIndex && perMember <= 8 ? { ...x, pgoff: x.pgoff + di, end: x.end + n * dIndex } : undefined;
    case 'zap':
      return x.vhi - x.vlo === dIndex && perMember <= 8 ? { ...x, vlo: x.vlo + di, vhi: x.vhi + n * dIndex, pages: x.pages * (n - from + 1) } : undefined;
    case 'no-entry':
      return x.end - x.pgoff === dIndex && last ? { ...x, pgoff: x.pgoff + di, end: x.end + n * dIndex } : undefined;
    case 'failed':
      return x.end - x.pfn === dPfn && last ? { ...x, pfn: x.pfn + dp, end: x.end + n * dPfn } : undefined;
    default:
      return undefined;
  }
}

/**
 * Members 1..n of rec's run (found alike by alikeMembers) done as rec's
 * member was: every call counted and the clock advanced n times over, the
 * log lines printed as one run, the decisions noted and the page state
 * changed for each, shifted by its step. From 0: rec's member is done too
 * (a member recorded in another file, rebound to this one: rebind).
 */
export function applyMembers(k: Kernel, rec: Recorded, n: number, dIndex: number, dPfn: number, from: 0 | 1 = 1): void {
  if (n < from) return;
  const m = rec.m;
  /** how many members are done: from..n */
  const count = n - from + 1;
  // page state: in one go where the members' ranges touch
  const each = (len: number, step: number, first: number, fn: (a: number, b: number) => void): void => {
    if (len >= step) fn(first + from * step, first + n * step + len);
    else for (let j = from; j <= n; j++) fn(first + j * step, first + j * step + len);
  };
  for (const [a, b] of rec.poison) {
    if (b - a >= dPfn) k.hwpoison.add(m.pfn + a + from * dPfn, m.pfn + a + n * dPfn + (b - a));
    else k.hwpoison.addEvery(m.pfn + a + from * dPfn, b - a, dPfn, count);
  }
  for (const z of rec.zaps) {
    const base = vbase(z.vma, m.index);
    each(z.hi - z.lo, dIndex, base + z.lo, (x, y) => z.vma.ptes.clear(x, y));
  }
  // members apart (a gap between one's pages and the next's) cleared in one go too when
  // nothing in the gaps is there to clear: all that is in the span is the members'
  const whole = (len: number, step: number, first: number, had: number, map: { covered(a: number, b: number): number; clear(a: number, b: number): void }): void => {
    const lo = first + from * step;
    const hi = first + n * step + len;
    if (len < step && map.covered(lo, hi) === had * count) map.clear(lo, hi);
    else each(len, step, first, (a, b) => map.clear(a, b));
  };
  if (rec.entriesCleared) whole(m.pages, dIndex, m.index, rec.entriesBefore, m.mapping.entries);
  if (rec.ownerCleared) whole(m.pfns, dPfn, m.pfn, rec.ownersBefore, k.pageOwner);
  for (const key of Object.keys(rec.stats) as (keyof MfStats)[]) k.mfStats[key] += rec.stats[key] * count;
  noteMembers(k, rec.decided, n, dIndex, dPfn, from, (rec.own ??= coalesced(rec.decided)));
  // the member's lines as one run of members of several lines, each line's pfn advancing by dPfn
  if (rec.log.length) k.logTemplates(count, rec.log.map((l) => ({ parts: [`${mfPrefix}0x`, l.rest], fields: [{ base: m.pfn + l.off + from * dPfn, step: dPfn, hex: true }] })));
  k.tr.repeatTrail(rec.trail, count, rec.dur);
}
