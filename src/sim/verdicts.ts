// Owner verdicts: who was told about a failure, who was not, and why.
//
// The kernel functions that decide whether a mapper hears of a failure note
// each decision here as they make it (task_early_kill passing a late-kill
// task over, __add_to_kill dropping a vma with no page-table entry,
// xfs_iget(XFS_IGET_INCORE) giving -ENODATA, dax_lock_folio finding one
// page->mapping or none, dax_holder_notify_failure finding no holder,
// kill_dax with nobody holding the device, kill_proc and do_sigbus sending a
// signal, unmap_mapping_range zapping entries), with the span that decided.
// At the end of an event, every owner of the pfns that failed in it (files
// through their block maps, device-dax devices by their offsets) is paired
// with every mapping that maps it, and each pair gets an outcome and the
// decision that explains it. Nothing here changes the simulated state.

import { sinceVersion } from './version';
import type { Kernel } from './kernel';
import type { AddressSpace, Inode, Task, Vma } from './mm/types';
import type { ReportSignal, ReportVerdict, VerdictOutcome } from './report';
import type { SuperBlock } from './fs/vfs';
import type { DevDax } from './dax/device';
import { RangeSet } from './intervals';
import { hex, PAGE_SIZE } from './units';

type Code = ReportSignal['code'];

/**
 * Members 1..n of a run done in bulk (src/sim/mm/bulk.ts), noted once:
 * instance j (0 ≤ j < n) is the decision shifted by j·di file pages (and
 * virtual pages, and di pages of signal address) and j·dp pfns. `block`
 * is where the run's decisions start in the event's list and `q` this one's
 * place among the decisions each member notes: instance j comes after
 * every decision of instance j - 1, as noting them member by member would
 * have put them.
 */
export interface Repeat {
  n: number;
  di: number;
  dp: number;
  block: number;
  q: number;
}

/** What one kernel function decided, in the units it decided in. */
export type Decision =
  /** pfns [pfn, end) failed in this event (memory_failure, a removal, a poisoned fault) */
  | { kind: 'failed'; pfn: number; end: number; rep?: Repeat }
  /** collect_procs_*: a mapper of file pages [pgoff, end) was passed over, dropped or collected */
  | { kind: 'collect'; result: 'late' | 'no-pte' | 'collected'; vma: Vma; pgoff: number; end: number; why: string; preRemove: boolean; span: number | null; symbol: string; rep?: Repeat }
  /** a signal was sent (or was already pending) */
  | { kind: 'signal'; task: Task; signo: 'SIGBUS' | 'SIGKILL'; code: Code; addr?: number; lsb?: number; queued: boolean; via: string; detail: string; span: number | null; rep?: Repeat }
  /** page-table entries of a vma over virtual pages [vlo, vhi) were zapped (pages: how many were present) */
  | { kind: 'zap'; vma: Vma; vlo: number; vhi: number; pages: number; span: number | null; symbol: string; within: string; by: Task | null; rep?: Repeat }
  /** a task died at the end of the event; its mappings went with it */
  | { kind: 'exit'; task: Task; vmas: Vma[]; signo: string; span: number | null }
  /** mf_generic_kill_procs: what page->mapping said for pfn */
  | { kind: 'page-mapping'; pfn: number; /** a run of pfns [pfn, end) alike */ end?: number; owner: 'file' | 'shared' | 'none'; mapping: AddressSpace | null; span: number | null; rep?: Repeat }
  /** dax_holder_notify_failure: nobody holds the device (-EOPNOTSUPP), or it is dead (-ENXIO) */
  | { kind: 'no-holder'; dax: string; ret: string; span: number | null }
  /** the holder declined (-EOPNOTSUPP: no rmapbt), so the generic path ran */
  | { kind: 'holder-declined'; symbol: string; ret: string; span: number | null }
  /** the filesystem skipped an owner */
  | { kind: 'inode-skip'; sb: SuperBlock; ino: number; why: 'not-incore' | 'not-dax'; fileStart: number; fileEnd: number; span: number | null; symbol: string }
  /** kill_dax found no holder to tell before marking the device dead */
  | { kind: 'unheld-removal'; dax: string; held: boolean; span: number | null }
  /** mf_dax_kill_procs: file pages [pgoff, end) had no DAX entry (nobody had faulted them in) */
  | { kind: 'no-entry'; mapping: AddressSpace; pgoff: number; end: number; span: number | null; rep?: Repeat }
  /** a step of the route failed and ended it (an errno that stops the walk) */
  | { kind: 'route-failed'; symbol: string; ret: string; why: string; span: number | null }
  /** the kernel oopsed and the event stopped */
  | { kind: 'oops'; symbol: string; why: string; span: number | null };

/** the kinds of decision that are about a range, and can be shifted (and repeated) along a run */
export type Shiftable = Extract<Decision, { kind: 'failed' | 'collect' | 'signal' | 'zap' | 'page-mapping' | 'no-entry' }>;

export function shiftable(d: Decision): d is Shiftable {
  return d.kind === 'failed' || d.kind === 'collect' || d.kind === 'signal' || d.kind === 'zap' || d.kind === 'page-mapping' || d.kind === 'no-entry';
}

/**
 * d moved on by di file pages and dp pfns (its repeat, if any, kept). A
 * signal's address moves with the file page, and its detail names the new
 * address.
 */
export function shifted<D extends Shiftable>(d: D, di: number, dp: number): D {
  switch (d.kind) {
    case 'collect':
    case 'no-entry':
      return { ...d, pgoff: d.pgoff + di, end: d.end + di };
    case 'zap':
      return { ...d, vlo: d.vlo + di, vhi: d.vhi + di };
    case 'failed':
      return { ...d, pfn: d.pfn + dp, end: d.end + dp };
    case 'page-mapping':
      return d.end === undefined ? { ...d, pfn: d.pfn + dp } : { ...d, pfn: d.pfn + dp, end: d.end + dp };
    case 'signal': {
      if (d.addr === undefined) return { ...d };
      const addr = d.addr + di * PAGE_SIZE;
      return { ...d, addr, detail: signalDetailAt(d, addr) };
    }
  }
  return d;
}

/** a signal's detail as it reads for another address (its address named in it as " at 0x… ") */
function signalDetailAt(d: Extract<Decision, { kind: 'signal' }>, addr: number): string {
  if (d.addr === undefined) return d.detail;
  const at = ` at ${hex(d.addr)} `;
  const cut = d.detail.indexOf(at);
  return cut < 0 ? d.detail : `${d.detail.slice(0, cut)} at ${hex(addr)} ${d.detail.slice(cut + at.length)}`;
}

/** instance j of a repeated decision (itself when it is not repeated) */
export function instance<D extends Shiftable>(d: D, j: number): D {
  if (!d.rep) return d;
  // the repeat left out, not deleted after (a deleted key makes the object a slow dictionary)
  const { rep, ...bare } = d;
  return shifted(bare as unknown as D, j * rep.di, j * rep.dp);
}

/** how many decisions d stands for */
export function instances(d: Decision): number {
  return shiftable(d) && d.rep ? d.rep.n : 1;
}

/** The decisions of the running event. */
export class DecisionLog {
  private list: Decision[] = [];

  constructor(private readonly k: Kernel) {}

  /** the innermost open span, the one that is deciding */
  get span(): number | null {
    return this.k.tr.decidingId;
  }

  begin(): void {
    this.list = [];
  }

  take(): Decision[] {
    const l = this.list;
    this.list = [];
    return l;
  }

  private captured: Decision[] | null = null;

  /** run fn, and return the decisions noted while it ran (they are noted as usual too) */
  capture(fn: () => void): Decision[] {
    const outer = this.captured;
    const mine: Decision[] = [];
    this.captured = mine;
    try {
      fn();
    } finally {
      this.captured = outer;
      if (outer) for (const d of mine) outer.push(d);
    }
    return mine;
  }

  note(d: Decision): void {
    if (this.captured) this.captured.push({ ...d } as Decision);
    if (!mergeDecision(this.list, d)) this.list.push(d);
  }

  failed(pfn: number, end: number): void {
    if (end > pfn) this.note({ kind: 'failed', pfn, end });
  }

  /** where the next decision goes in the event's list (a Repeat's block) */
  get mark(): number {
    return this.list.length;
  }
}

/**
 * Merge d into the list's last entries when it continues one of them (a
 * page-by-page decision of one kind over one vma or mapping), as the
 * event's list keeps them; false: it is an entry of its own.
 */
export function mergeDecision(list: Decision[], d: Decision): boolean {
  if (shiftable(d) && d.rep) return false;
  // per-page decisions of one kind over one vma or mapping come in runs, interleaved
  // over a few vmas: keep one record per run
  for (let back = list.length - 1; back >= Math.max(0, list.length - 8); back--) {
    const x = list[back]!;
    if (shiftable(x) && x.rep) continue;
    if (d.kind === 'zap' && x.kind === 'zap' && x.vma === d.vma && x.symbol === d.symbol && x.span === d.span && d.vlo === x.vhi) {
      x.vhi = d.vhi;
      x.pages += d.pages;
      return true;
    }
    if (d.kind === 'collect' && x.kind === 'collect' && x.vma === d.vma && x.result === d.result && x.span === d.span && d.pgoff === x.end) {
      x.end = d.end;
      return true;
    }
  }
  const last = list[list.length - 1];
  if (last && last.kind === d.kind && !(shiftable(last) && last.rep)) {
    if (d.kind === 'failed' && last.kind === 'failed' && d.pfn === last.end) {
      last.end = d.end;
      return true;
    }
    if (d.kind === 'collect' && last.kind === 'collect' && last.vma === d.vma && last.result === d.result && last.span === d.span && d.pgoff === last.end) {
      last.end = d.end;
      return true;
    }
    if (d.kind === 'no-entry' && last.kind === 'no-entry' && last.mapping === d.mapping && d.pgoff === last.end) {
      last.end = d.end;
      return true;
    }
  }
  return false;
}

/** one owner of failed pfns: a file byte range, or a device-dax byte range */
interface Owner {
  mapping: AddressSpace;
  /** file (or device) byte range */
  start: number;
  end: number;
  file?: string;
  device?: string;
  sb: SuperBlock | null;
}

const OUTCOME_RANK: Record<VerdictOutcome, number> = { killed: 6, AR: 5, AO: 4, SIGBUS: 3, 'unmapped only': 2, none: 1 };

/**
 * The verdicts of one event, from its decisions and the machine as the event
 * left it. `devdax` lists the device-dax devices (their pages belong to the
 * device inode, not to a filesystem).
 */
export function eventVerdicts(k: Kernel, event: string, decisions: Decision[], devdax: readonly DevDax[], lookup: OwnerLookup = 'auto'): ReportVerdict[] {
  const failed = new RangeSet();
  for (const d of decisions) {
    if (d.kind !== 'failed') continue;
    const r = d.rep;
    // already failed as a whole (an unbind notes its whole data area first): nothing to add
    const hi = r ? d.end + (r.n - 1) * r.dp : d.end;
    if (failed.covered(d.pfn, hi) === hi - d.pfn) continue;
    // one decision, or instances that touch or overlap: one range
    if (!r || r.dp <= d.end - d.pfn) failed.add(d.pfn, hi);
    else for (let j = 0; j < r.n; j++) failed.add(d.pfn + j * r.dp, d.end + j * r.dp);
  }
  if (!failed.count && !decisions.some((d) => d.kind === 'signal')) return [];
  const owners = ownersOf(k, failed, devdax, decisions, lookup);
  const ix = new Index(decisions);
  const out: ReportVerdict[] = [];
  // mappers: every vma of the owner's file, and those that went away in this event
  const gone = new Map<AddressSpace, Vma[]>();
  for (const d of decisions) if (d.kind === 'exit') for (const v of d.vmas) pushTo(gone, v.mapping, v);
  /**
   * mapper and file page already given a verdict → its index in out (the vma names the task,
   * and the file: an owner's vmas are its mapping's), without a key string per mapper
   */
  const seen = new Map<Vma, Map<number, number>>();
  const seenAt = (vma: Vma): Map<number, number> => {
    let m = seen.get(vma);
    if (!m) seen.set(vma, (m = new Map()));
    return m;
  };
  for (const o of owners) {
    const pgS = Math.floor(o.start / PAGE_SIZE);
    const pgE = Math.ceil(o.end / PAGE_SIZE);
    const went = gone.get(o.mapping);
    const vmas = went ? [...o.mapping.i_mmap.query(pgS, pgE - 1), ...went.filter((v) => !o.mapping.i_mmap.has(v))] : o.mapping.i_mmap.query(pgS, pgE - 1);
    let any = false;
    for (const vma of vmas) {
      const a = Math.max(pgS, vma.pgoff);
      const b = Math.min(pgE, vma.pgoff + vma.pages);
      if (a >= b) continue;
      any = true;
      const at = seenAt(vma);
      if (at.has(a)) continue;
      at.set(a, out.push(verdictFor(k, event, o, vma, a, b, ix)) - 1);
    }
    if (!any) {
      const skip = ix.skipFor(o);
      if (skip)
        out.push({
          event,
          owner: ownerOf(o),
          pid: null,
          comm: null,
          mapping: null,
          addr: null,
          outcome: 'none',
          reason: skipReason(skip),
          symbol: skip.symbol,
          span: skip.span,
        });
    }
  }
  // a signal whose address no failed owner explains (a fault on a dead device, kill_me_now)
  const told = new Set(out.filter((v) => v.outcome !== 'none' && v.outcome !== 'unmapped only').map((v) => v.pid));
  for (const x of decisions) {
    if (x.kind !== 'signal') continue;
    if (told.has(x.task.pid)) continue;
    for (let j = 0; j < instances(x); j++) {
      const d = instance(x, j);
      const vma = d.addr !== undefined ? (d.task.mm?.findVma(d.addr) ?? goneVma(decisions, d.task, d.addr)) : undefined;
      if (!vma) continue;
      const pg = vma.pgoff + Math.floor((d.addr! - vma.start) / PAGE_SIZE);
      const host = vma.mapping.host;
      const o: Owner = host?.chr
        ? { mapping: vma.mapping, start: pg * PAGE_SIZE, end: (pg + 1) * PAGE_SIZE, device: host.path.replace(/^\/dev\//, ''), sb: null }
        : { mapping: vma.mapping, start: pg * PAGE_SIZE, end: (pg + 1) * PAGE_SIZE, file: host?.path ?? `mapping ${vma.mapping.id}`, sb: null };
      const v = verdictFor(k, event, o, vma, pg, pg + 1, ix);
      const at = seenAt(vma);
      const i = at.get(pg);
      if (i === undefined) at.set(pg, out.push(v) - 1);
      else out[i] = v;
    }
  }
  // in localeCompare's order (the same collator, made once), each owner's key made once: an
  // unbind's verdicts are one per mapper of the device
  const keyed = out.map((v) => ({ v, key: ownerKey(v) }));
  const cmp = localeOrder(keyed.flatMap((x) => [x.key, x.v.mapping ?? '']));
  keyed.sort((x, y) => cmp(x.key, y.key) || x.v.owner.start - y.v.owner.start || (x.v.pid ?? -1) - (y.v.pid ?? -1) || cmp(x.v.mapping ?? '', y.v.mapping ?? ''));
  return keyed.map((x) => x.v);
}

/** String.prototype.localeCompare without locales or options compares as this collator does */
const COLLATOR = new Intl.Collator();

/** strings the collator orders as their UTF-16 code units: lower-case letters, digits and '/' (punctuation, then digits, then letters, one case) */
const CODE_UNIT_ORDER = /^[a-z0-9/]*$/;

/**
 * localeCompare's order for these strings: the plain comparison when every
 * one is of lower-case letters, digits and slashes (file paths such as
 * /mnt/pmem/f123, mapping ids such as m12), which the collator orders the
 * same way ten times faster; the collator otherwise.
 */
export function localeOrder(strings: readonly string[]): (a: string, b: string) => number {
  if (strings.every((x) => CODE_UNIT_ORDER.test(x))) return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return (a, b) => COLLATOR.compare(a, b);
}

function ownerKey(v: ReportVerdict): string {
  return 'file' in v.owner ? `f${v.owner.file}` : `d${v.owner.device}`;
}

function goneVma(decisions: Decision[], t: Task, addr: number): Vma | undefined {
  for (const d of decisions) if (d.kind === 'exit' && d.task === t) return d.vmas.find((v) => addr >= v.start && addr < v.end);
  return undefined;
}

function pushTo<K, V>(m: Map<K, V[]>, key: K, v: V): void {
  const l = m.get(key);
  if (l) l.push(v);
  else m.set(key, [v]);
}

function ownerOf(o: Owner): ReportVerdict['owner'] {
  return o.device !== undefined ? { device: o.device, start: o.start, end: o.end } : { file: o.file!, start: o.start, end: o.end };
}

/**
 * How the owners of a filesystem with a reverse map are found: 'records'
 * walks the reverse-map records of the failed ranges (cost grows with the
 * records there), 'files' asks each wanted file for its summary
 * (SuperBlock.ownedQuiet: cost grows with the files, and with the extents
 * of a file only partly failed); 'auto' takes the files when more pages
 * failed than the filesystem has files. All three give the same owners.
 */
export type OwnerLookup = 'auto' | 'records' | 'files';

/**
 * The owners of the failed pfns: for each filesystem, the files whose
 * extents lie on them (only files someone maps, or that a decision names:
 * the others cannot have a verdict), and the device-dax devices. A
 * filesystem with a reverse map on a linear device answers from it (record
 * by record, or file by file when much failed); the others are walked
 * file by file.
 */
function ownersOf(k: Kernel, failed: RangeSet, devdax: readonly DevDax[], decisions: Decision[], lookup: OwnerLookup): Owner[] {
  const out: Owner[] = [];
  if (!failed.count) return out;
  const named = new Set<number>();
  const involved = new Set<AddressSpace>();
  for (const d of decisions) {
    if (d.kind === 'inode-skip') named.add(d.ino);
    if (d.kind === 'exit') for (const v of d.vmas) involved.add(v.mapping);
  }
  const wanted = (i: Inode): boolean => i.mapping.i_mmap.size > 0 || involved.has(i.mapping) || named.has(i.ino);
  for (const sb of k.superblocks) {
    const byInode = new Map<Inode, RangeSet>();
    const add = (inode: Inode, s: number, e: number): void => {
      if (!wanted(inode)) return;
      let r = byInode.get(inode);
      if (!r) byInode.set(inode, (r = new RangeSet()));
      r.add(s, e);
    };
    const base = sb.bdev.linearSpa;
    const byFile =
      base !== undefined &&
      lookup !== 'records' &&
      (lookup === 'files' || failed.covered(Math.floor(base / PAGE_SIZE), Math.ceil((base + sb.bdev.size) / PAGE_SIZE)) > sb.files.size) &&
      ownersByFile(sb, base, failed, wanted, add);
    if (!byFile) byInode.clear();
    const fromRmap =
      base === undefined || byFile
        ? undefined
        : (() => {
            const all: { inode: Inode; fileOffset: number; length: number }[] = [];
            for (const [a, b] of failed.query(Math.floor(base / PAGE_SIZE), Math.ceil((base + sb.bdev.size) / PAGE_SIZE))) {
              const s = Math.max(a * PAGE_SIZE, base) - base;
              const e = Math.min(b * PAGE_SIZE, base + sb.bdev.size) - base;
              const got = sb.ownersQuiet(s, e - s);
              if (!got) return undefined;
              // a device's worth of reverse-map records (10^6 at terabyte scale): no spread into a call
              for (const o of got) all.push(o);
            }
            return all;
          })();
    // found file by file, byInode holds them already
    if (fromRmap) {
      for (const o of fromRmap) add(o.inode, o.fileOffset, o.fileOffset + o.length);
    } else if (!byFile) {
      for (const inode of sb.files.values()) {
        if (!wanted(inode)) continue;
        for (const ext of sb.extentsQuiet(inode)) {
          let fo = ext.fileOffset;
          for (const [spa, n] of sb.bdev.spaRanges(ext.devOffset, ext.length)) {
            addFailedPart(failed, inode, fo, spa, n, add);
            fo += n;
          }
        }
      }
    }
    const inodes = [...byInode.keys()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const inode of inodes)
      for (const [s, e] of byInode.get(inode)!.all()) out.push({ mapping: inode.mapping, start: s, end: Math.min(e, Math.max(inode.size, s + 1)), file: inode.path, sb });
  }
  for (const dd of devdax) {
    const p0 = dd.dataStart / PAGE_SIZE;
    const p1 = p0 + dd.size / PAGE_SIZE;
    for (const [a, b] of failed.query(p0, p1)) {
      const s = (Math.max(a, p0) - p0) * PAGE_SIZE;
      const e = (Math.min(b, p1) - p0) * PAGE_SIZE;
      out.push({ mapping: dd.inode.mapping, start: s, end: e, device: dd.name, sb: null });
    }
  }
  return out;
}

/**
 * The reverse map's owners of the failed pfns on one filesystem (on a
 * linear device at `base`), file by file from each wanted file's summary:
 * a file whose blocks lie wholly on failed pfns and map its file range
 * with no hole owns all of it, one whose blocks lie apart from them owns
 * nothing, and only a file in between is walked extent by extent. False
 * (nothing added) when the filesystem keeps no reverse map.
 */
function ownersByFile(sb: SuperBlock, base: number, failed: RangeSet, wanted: (i: Inode) => boolean, add: (inode: Inode, s: number, e: number) => void): boolean {
  for (const inode of sb.files.values()) {
    if (!wanted(inode)) continue;
    const sum = sb.ownedQuiet(inode);
    if (sum === undefined) return false;
    if (!sum) continue;
    const a = Math.floor((base + sum.devStart) / PAGE_SIZE);
    const b = Math.ceil((base + sum.devEnd) / PAGE_SIZE);
    if (!failed.overlaps(a, b)) continue;
    if (sum.gapless && failed.covered(a, b) === b - a) {
      add(inode, sum.fileStart, sum.fileEnd);
      continue;
    }
    sum.each((fo, dev, n) => addFailedPart(failed, inode, fo, base + dev, n, add));
  }
  return true;
}

/** the failed parts of one piece of a file (file offset fo, n bytes at physical address spa), added as the file's */
function addFailedPart(failed: RangeSet, inode: Inode, fo: number, spa: number, n: number, add: (inode: Inode, s: number, e: number) => void): void {
  for (const [a, b] of failed.query(Math.floor(spa / PAGE_SIZE), Math.ceil((spa + n) / PAGE_SIZE))) {
    const s = Math.max(a * PAGE_SIZE, spa);
    const e = Math.min(b * PAGE_SIZE, spa + n);
    if (s < e) add(inode, fo + (s - spa), fo + (e - spa));
  }
}

/**
 * A fixed list of ranged items, searched by overlap: an implicit balanced
 * tree over the items sorted by start, each node holding the largest end
 * below it. A query gives the items meeting [a, b) in list order, in
 * O(log n + hits), so an event with a decision per page and an owner per
 * page does not compare every owner with every decision.
 */
class Overlaps<T> {
  private readonly s: number[] = [];
  private readonly e: number[] = [];
  private readonly at: number[] = [];
  private readonly max: number[] = [];
  constructor(
    private readonly list: T[],
    range: (t: T) => [number, number],
  ) {
    const order = list.map((t, i) => ({ r: range(t), i })).sort((x, y) => x.r[0] - y.r[0] || x.i - y.i);
    for (const o of order) {
      this.s.push(o.r[0]);
      this.e.push(o.r[1]);
      this.at.push(o.i);
    }
    this.build(0, order.length);
  }
  private build(lo: number, hi: number): number {
    if (lo >= hi) return -Infinity;
    const mid = (lo + hi) >>> 1;
    const m = Math.max(this.e[mid]!, this.build(lo, mid), this.build(mid + 1, hi));
    this.max[mid] = m;
    return m;
  }
  /** the items whose range meets [a, b), in list order */
  query(a: number, b: number): T[] {
    return this.queryAt(a, b).map((i) => this.list[i]!);
  }
  /** their places in the list, in order */
  queryAt(a: number, b: number): number[] {
    const hits: number[] = [];
    const walk = (lo: number, hi: number): void => {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.max[mid]! <= a) return;
        walk(lo, mid);
        if (this.s[mid]! >= b) return;
        if (this.e[mid]! > a) hits.push(this.at[mid]!);
        lo = mid + 1;
      }
    };
    walk(0, this.s.length);
    return hits.sort((x, y) => x - y);
  }
}

/** a decision where the event noted it: its place in the list */
interface Placed<D> {
  d: D;
  pos: number;
}

/** one instance of a (possibly repeated) decision, with its place in the order the decisions were made */
interface Inst<D> {
  d: D;
  pos: number;
  j: number;
  q: number;
}

/** whether instance x was decided before instance y */
function earlier(x: Inst<unknown>, y: Inst<unknown>): number {
  return x.pos - y.pos || x.j - y.j || x.q - y.q;
}

/**
 * The first instance of placed decision p that meets [a, b), given the
 * range [lo, hi) of its instance 0 in the query's units and how far an
 * instance is from the one before in them. `exact`: an instance's own
 * range, where [lo, hi) moved on only holds it.
 */
function firstInstanceIn<D extends Shiftable>(p: Placed<D>, a: number, b: number, lo: number, hi: number, stride: number, exact?: (d: D) => [number, number]): Inst<D> | undefined {
  const r = p.d.rep;
  if (!r) return lo < b && hi > a ? { d: p.d, pos: p.pos, j: 0, q: 0 } : undefined;
  // instance j meets [a, b) when lo + j·stride < b and hi + j·stride > a
  const j0 = stride > 0 ? Math.max(0, Math.floor((a - hi) / stride) + 1) : 0;
  const j1 = stride > 0 ? Math.min(r.n - 1, Math.ceil((b - lo) / stride) - 1) : r.n - 1;
  for (let j = j0; j <= j1; j++) {
    if (lo + j * stride >= b || hi + j * stride <= a) continue;
    const d = instance(p.d, j);
    if (exact) {
      const [l, h] = exact(d);
      if (l >= b || h <= a) continue;
    }
    // a repeated decision stands for members 1..n of its run: after the block's position
    return { d, pos: r.block, j: j + 1, q: r.q };
  }
  return undefined;
}

/** the range a placed decision's instances cover together, in its units */
function spread(p: Placed<Shiftable>, lo: number, hi: number, stride: number): [number, number] {
  const n = p.d.rep?.n ?? 1;
  return [Math.min(lo, lo + (n - 1) * stride), Math.max(hi, hi + (n - 1) * stride)];
}

type Sig = Extract<Decision, { kind: 'signal' }>;
type Col = Extract<Decision, { kind: 'collect' }>;
type Zap = Extract<Decision, { kind: 'zap' }>;
type NoEnt = Extract<Decision, { kind: 'no-entry' }>;
type PgMap = Extract<Decision, { kind: 'page-mapping' }>;

/** a signal's si_addr_lsb-wide page, in bytes (no address: every range) */
function signalRange(d: Sig): [number, number] {
  if (d.addr === undefined) return [-Infinity, Infinity];
  const span = d.lsb ? 2 ** d.lsb : PAGE_SIZE;
  const l = d.addr - (d.addr % span);
  return [l, l + span];
}

/**
 * Of a repeated signal, bytes that hold the si_addr_lsb-wide page of each
 * instance, moved on with it: the page itself does not move in step when
 * the instances are closer than it is wide (a huge page's, a few pages
 * apart), so each instance found there is checked against its own page.
 */
function signalReach(d: Sig): [number, number] {
  if (d.addr === undefined || !d.rep) return signalRange(d);
  const span = d.lsb ? 2 ** d.lsb : PAGE_SIZE;
  return [d.addr - span + 1, d.addr + span];
}

/**
 * Placed decisions of one key, searched by the range they are about: a
 * repeated decision is one item over the range all its instances cover,
 * and a query gives the instances that meet the range, in the order they
 * were decided.
 */
class Ranged<D extends Shiftable> {
  private tree: Overlaps<Placed<D>> | undefined;
  constructor(
    readonly list: Placed<D>[],
    private readonly range: (d: D) => [number, number],
    /** how far an instance is from the one before, in the range's units */
    private readonly stride: (r: Repeat) => number,
    /** an instance's own range, where `range` moved on only holds it */
    private readonly exact?: (d: D) => [number, number],
  ) {}
  /** of each decision, its first instance that meets [a, b), in the order they were decided */
  query(a: number, b: number): Inst<D>[] {
    this.tree ??= new Overlaps(this.list, (p) => {
      const [lo, hi] = this.range(p.d);
      return p.d.rep ? spread(p, lo, hi, this.stride(p.d.rep)) : [lo, hi];
    });
    const out: Inst<D>[] = [];
    for (const p of this.tree.query(a, b)) {
      const [lo, hi] = this.range(p.d);
      const x = firstInstanceIn(p, a, b, lo, hi, p.d.rep ? this.stride(p.d.rep) : 0, this.exact);
      if (x) out.push(x);
    }
    return out.sort(earlier);
  }
}

/** per key, the Ranged of its list, built when first asked for */
function rangedOf<K, D extends Shiftable>(cache: Map<K, Ranged<D>>, lists: Map<K, Placed<D>[]>, key: K, range: (d: D) => [number, number], stride: (r: Repeat) => number, exact?: (d: D) => [number, number]): Ranged<D> | undefined {
  let o = cache.get(key);
  if (!o) {
    const l = lists.get(key);
    if (!l) return undefined;
    cache.set(key, (o = new Ranged(l, range, stride, exact)));
  }
  return o;
}

const byPages = (r: Repeat): number => r.di;
const byPfns = (r: Repeat): number => r.dp;
const byAddr = (r: Repeat): number => r.di * PAGE_SIZE;

/** The event's decisions, indexed by what they are about, so each owner/mapping pair looks up only its own. */
class Index {
  readonly signals = new Map<Task, Placed<Sig>[]>();
  readonly collects = new Map<Vma, Placed<Col>[]>();
  readonly zaps = new Map<Vma, Placed<Zap>[]>();
  readonly exits = new Map<Task, Extract<Decision, { kind: 'exit' }>>();
  readonly skips = new Map<string, Extract<Decision, { kind: 'inode-skip' }>>();
  readonly noEntries = new Map<AddressSpace, Placed<NoEnt>[]>();
  readonly pageMappings: Placed<PgMap>[] = [];
  readonly pfnsOf = new Map<Owner, RangeSet>();
  /** the same decisions, searched by the range they are about (built when first asked for) */
  private readonly signalsAt = new Map<Task, Ranged<Sig>>();
  private readonly zapsAt = new Map<Vma, Ranged<Zap>>();
  private readonly collectsAt = new Map<Vma, Ranged<Col>>();
  private readonly noEntriesAt = new Map<AddressSpace, Ranged<NoEnt>>();
  private pageMappingsAt: Ranged<PgMap> | undefined;

  /**
   * The signals to a task that may explain virtual bytes [lo, hi): those
   * whose si_addr_lsb-wide page meets it, and those with no address, in the
   * order they were sent (of a repeated one, its first instance there).
   */
  signalsFor(task: Task, lo: number, hi: number): Sig[] {
    return rangedOf(this.signalsAt, this.signals, task, signalReach, byAddr, signalRange)?.query(lo, hi).map((x) => x.d) ?? [];
  }

  /** the zaps of vma's virtual pages that meet [vlo, vhi), in order */
  zapsIn(vma: Vma, vlo: number, vhi: number): Zap[] {
    return rangedOf(this.zapsAt, this.zaps, vma, (d) => [d.vlo, d.vhi], byPages)?.query(vlo, vhi).map((x) => x.d) ?? [];
  }

  /** the collection decisions about vma's file pages [a, b), in order; none there: every one about vma (of a repeated one, its first) */
  collectsFor(vma: Vma, a: number, b: number): Col[] {
    const r = rangedOf(this.collectsAt, this.collects, vma, (d) => [d.pgoff, d.end], byPages);
    if (!r) return [];
    const hit = r.query(a, b);
    return hit.length ? hit.map((x) => x.d) : r.list.map((p) => instance(p.d, 0));
  }

  /** the first no-entry decision about the mapping's file pages [a, b) */
  noEntryIn(mapping: AddressSpace, a: number, b: number): NoEnt | undefined {
    return rangedOf(this.noEntriesAt, this.noEntries, mapping, (d) => [d.pgoff, d.end], byPages)?.query(a, b)[0]?.d;
  }

  /** the first page-mapping decision about a pfn of the set */
  firstPageMappingIn(pfns: RangeSet): PgMap | undefined {
    this.pageMappingsAt ??= new Ranged(this.pageMappings, (d) => [d.pfn, d.end ?? d.pfn + 1], byPfns);
    let best: Inst<PgMap> | undefined;
    for (const [a, b] of pfns.all()) {
      const x = this.pageMappingsAt.query(a, b)[0];
      if (x && (!best || earlier(x, best) < 0)) best = x;
    }
    if (!best) return undefined;
    const d = best.d;
    if (d.end === undefined) return d;
    // a run noted once: what it said for this owner's first pfn in it
    const hit = pfns.firstIn(d.pfn, d.end)!;
    return { ...d, pfn: Math.max(hit[0], d.pfn), end: undefined };
  }
  holderFallback: Extract<Decision, { kind: 'no-holder' | 'holder-declined' }> | undefined;
  noHolder: Extract<Decision, { kind: 'no-holder' }> | undefined;
  unheld: Extract<Decision, { kind: 'unheld-removal' }> | undefined;
  failedRoute: Extract<Decision, { kind: 'route-failed' | 'oops' }> | undefined;
  oops = false;

  constructor(decisions: Decision[]) {
    for (let pos = 0; pos < decisions.length; pos++) {
      const d = decisions[pos]!;
      switch (d.kind) {
        case 'signal':
          pushTo(this.signals, d.task, { d, pos });
          break;
        case 'collect':
          pushTo(this.collects, d.vma, { d, pos });
          break;
        case 'zap':
          pushTo(this.zaps, d.vma, { d, pos });
          break;
        case 'exit':
          if (!this.exits.has(d.task)) this.exits.set(d.task, d);
          break;
        case 'inode-skip': {
          const key = `${d.sb.mount}:${d.ino}`;
          if (!this.skips.has(key)) this.skips.set(key, d);
          break;
        }
        case 'no-entry':
          pushTo(this.noEntries, d.mapping, { d, pos });
          break;
        case 'page-mapping':
          this.pageMappings.push({ d, pos });
          break;
        case 'no-holder':
          this.noHolder ??= d;
          this.holderFallback ??= d;
          break;
        case 'holder-declined':
          this.holderFallback ??= d;
          break;
        case 'unheld-removal':
          this.unheld ??= d;
          break;
        case 'route-failed':
          this.failedRoute ??= d;
          break;
        case 'oops':
          this.oops = true;
          this.failedRoute ??= d;
          break;
        case 'failed':
          break;
      }
    }
  }

  skipFor(o: Owner): Extract<Decision, { kind: 'inode-skip' }> | undefined {
    if (!this.skips.size) return undefined;
    const host = o.mapping.host;
    if (!host) return undefined;
    const d = o.sb ? this.skips.get(`${o.sb.mount}:${host.ino}`) : undefined;
    return d && d.sb === o.sb ? d : undefined;
  }
}

/** the file pages [a, b) of owner o, as mapping vma maps them: what happened, and why */
function verdictFor(k: Kernel, event: string, o: Owner, vma: Vma, a: number, b: number, ix: Index): ReportVerdict {
  const task = vma.mm.owner;
  const vlo = vma.start / PAGE_SIZE + (a - vma.pgoff);
  const vhi = vlo + (b - a);
  const owner = ownerOf({ ...o, start: Math.max(o.start, a * PAGE_SIZE), end: Math.min(o.end, b * PAGE_SIZE) });
  const addr: [string, string] = [hex(vlo * PAGE_SIZE), hex(vhi * PAGE_SIZE)];
  // one literal of the report's field order (a verdict per mapper of an unbound device: spreading
  // a base object into each and adding fields after it cost more than the rest of the verdict)
  const verdict = (outcome: VerdictOutcome, reason: string, symbol: string, span: number | null): ReportVerdict => ({ event, owner, pid: task.pid, comm: task.comm, mapping: vma.id, addr, outcome, reason, symbol, span });
  const died = ix.exits.get(task);
  const diedNote = died ? ` The process died of it (${died.signo}${died.signo === 'SIGBUS' ? ', default action' : ''}).` : '';

  // 1. a signal aimed at this part of the mapping
  let best: { d: Extract<Decision, { kind: 'signal' }>; outcome: VerdictOutcome } | null = null;
  for (const d of ix.signalsFor(task, vlo * PAGE_SIZE, vhi * PAGE_SIZE)) {
    if (d.addr !== undefined) {
      const span = d.lsb ? 2 ** d.lsb : PAGE_SIZE;
      const lo = d.addr - (d.addr % span);
      if (lo + span <= vlo * PAGE_SIZE || lo >= vhi * PAGE_SIZE) continue;
    } else if (d.signo !== 'SIGKILL' && d.via !== 'kill_me_now' && d.via !== 'ghes_do_proc') {
      continue;
    }
    const outcome: VerdictOutcome = d.signo === 'SIGKILL' ? 'killed' : d.code === 'BUS_MCEERR_AR' ? 'AR' : d.code === 'BUS_MCEERR_AO' ? 'AO' : 'SIGBUS';
    if (!best || OUTCOME_RANK[outcome] > OUTCOME_RANK[best.outcome]) best = { d, outcome };
  }
  if (best) {
    const d = best.d;
    const extra = d.queued ? '' : ' A SIGBUS from this event was already pending, so this one was not queued again.';
    const reason = `${d.detail}.${extra}${diedNote}`;
    if (d.signo === 'SIGBUS' && d.addr !== undefined && d.lsb !== undefined)
      return { event, owner, pid: task.pid, comm: task.comm, mapping: vma.id, addr, outcome: best.outcome, reason, symbol: d.via, span: d.span, code: d.code, sigAddr: hex(d.addr), lsb: d.lsb };
    const v = verdict(best.outcome, reason, d.via, d.span);
    if (d.signo === 'SIGBUS') {
      v.code = d.code;
      if (d.addr !== undefined) v.sigAddr = hex(d.addr);
      if (d.lsb !== undefined) v.lsb = d.lsb;
    }
    return v;
  }

  // 2. not signalled: the decision that explains it
  const zaps = ix.zapsIn(vma, vlo, vhi).filter((d) => d.pages > 0);
  // a fault on a shared extent (dax_insert_entry → unmap_mapping_pages) is not the failure's doing
  const zap = zaps.find((d) => d.symbol !== 'unmap_mapping_pages');
  const faultZap = zaps.find((d) => d.symbol === 'unmap_mapping_pages');
  const exited = died;
  const unmapped = !!zap;
  const outcome: VerdictOutcome = unmapped ? 'unmapped only' : 'none';
  const zapNote = zap ? ` ${zap.symbol}() still zapped its page-table entries (it unmaps every mapper of the file range), so its next access faults.` : '';
  const stillNote = !zap && vma.ptes.overlaps(vlo, vhi) ? ' Its page-table entries still map the range: nothing unmapped them.' : '';
  const say = (reason: string, symbol: string, span: number | null): ReportVerdict => verdict(outcome, reason + zapNote + stillNote, symbol, span);

  // collection decides per head page: a huge (PMD/PUD) page is collected at its head's index
  const collect = ix.collectsFor(vma, a, b);
  const dropped = collect.find((d) => d.result === 'no-pte');
  // 6.1 has one add_to_kill(); __add_to_kill is the name of its body since
  // "mm: memory-failure: refactor add_to_kill()" (4f775086a6ee): 6.4
  const addToKill = sinceVersion(k.cfg, '6.4') ? '__add_to_kill' : 'add_to_kill';
  // the first of this mapping's pages it dropped (a run noted as one decision may start before them)
  const droppedAt = dropped && dropped.pgoff < a && dropped.end > a ? a : (dropped?.pgoff ?? a);
  if (dropped)
    return say(
      `Collected but dropped: ${addToKill} found no page-table entry for file page ${hex(droppedAt)} at ${hex(vma.address(droppedAt))} in this mapping (dev_pagemap_mapping_shift is 0), so there was nothing to signal.` +
        (faultZap
          ? ` Its entry was zapped earlier in this event, when ${faultZap.by ? `${faultZap.by.comm}:${faultZap.by.pid}` : 'another task'} faulted in the shared (reflinked) page and dax_insert_entry() unmapped it from the file's other mappers.`
          : ''),
      addToKill,
      dropped.span,
    );
  const late = collect.find((d) => d.result === 'late');
  if (late)
    return say(
      `Not collected: task_early_kill() passes over a late-kill task that is not the current one (${late.why}), so ${late.symbol} did not add it to the kill list.`,
      'task_early_kill',
      late.span,
    );
  if (exited) return say(`No signal reached this mapping before the process exited (${exited.signo}).`, 'do_exit', exited.span);

  const skip = ix.skipFor(o);
  if (skip) return say(skipReason(skip), skip.symbol, skip.span);

  // the generic single-owner path looked at page->mapping
  const pm = pageMappingFor(k, ix, o);
  if (pm) {
    const via = ix.holderFallback;
    const why =
      via?.kind === 'no-holder'
        ? `dax_holder_notify_failure() found ${via.ret === '-ENXIO' ? 'the dax device dead' : 'no holder on the dax device (ext4 and device-mapper register none)'}, so memory_failure fell back to the generic page->mapping path. `
        : via?.kind === 'holder-declined'
          ? `${via.symbol} declined (${via.ret}: XFS needs rmapbt for notify_failure), so memory_failure fell back to the generic page->mapping path. `
          : k.cfg.design === 'page-mapping' || k.cfg.design === 'pagemap-failure'
            ? `The ${k.cfg.design} design goes straight to page->mapping. `
            : '';
    // before 6.2 the marker of a copied-on-write page is PAGE_MAPPING_DAX_COW;
    // dax_lock_page until 6.7 (dax_lock_folio)
    const v61 = !sinceVersion(k.cfg, '6.2');
    const lock = sinceVersion(k.cfg, '6.7') ? 'dax_lock_folio' : 'dax_lock_page';
    if (pm.owner === 'shared') {
      const oops = ix.oops;
      return say(
        `${why}Never reached: ${v61 ? 'a copy-on-write fault marked the page PAGE_MAPPING_DAX_COW' : 'the page is shared by reflinked files (PAGE_MAPPING_DAX_SHARED)'}, so page->mapping names no owner at all${oops ? `, and ${lock}() oopsed on it: the event stopped with nobody told` : ''}.`,
        lock,
        pm.span,
      );
    }
    if (pm.owner === 'none')
      return say(`${why}Never reached: page->mapping of pfn ${hex(pm.pfn)} is NULL (no DAX fault has set it), so ${lock}() locked nothing and the path gave up with -EBUSY.`, lock, pm.span);
    if (pm.mapping !== o.mapping) {
      const other = pm.mapping?.host;
      return say(
        `${why}Never reached: page->mapping of pfn ${hex(pm.pfn)} holds one owner, ${other ? `${other.path} (inode ${other.ino})` : 'another mapping'}, so collect_procs_file() walked that file's mappers only.`,
        'mf_generic_kill_procs',
        pm.span,
      );
    }
  }
  const noEntry = ix.noEntryIn(o.mapping, a, b);
  if (noEntry && !vma.ptes.overlaps(vlo, vhi))
    return say(
      `Nothing to tell: mf_dax_kill_procs() found no DAX entry for file pages [${hex(Math.max(a, noEntry.pgoff))}, ${hex(Math.min(b, noEntry.end))}) (nobody has faulted them in), and this mapping holds no page-table entry there.`,
      'dax_lock_mapping_entry',
      noEntry.span,
    );
  const unheld = ix.unheld;
  if (unheld) {
    const survives = vma.ptes.overlaps(vlo, vhi);
    const why = unheld.held
      ? `the ${k.cfg.design} design's kill_dax() tells the holder of ${unheld.dax} nothing on removal (no MF_MEM_PRE_REMOVE notify_failure)`
      : `kill_dax() found no holder on ${unheld.dax} (ext4 and device-mapper register none)`;
    return verdict(
      outcome,
      survives
        ? `The mapping survives the removed device: ${why}, so nobody was told and nobody unmapped it; its page-table entries still point at the gone device.`
        : `Nobody was told: ${why}; this mapping had no page-table entry there to survive.`,
      'kill_dax',
      unheld.span,
    );
  }
  const failedRoute = ix.failedRoute;
  if (failedRoute) return say(`Never reached: ${failedRoute.why}`, failedRoute.symbol, failedRoute.span);
  const holder = ix.noHolder;
  if (holder) return say(`Never reached: dax_holder_notify_failure() returned ${holder.ret} on ${holder.dax}, and the fallback did not name this file.`, 'dax_holder_notify_failure', holder.span);
  if (zap) {
    const how =
      zap.within === 'kill_dev_dax'
        ? `Device-dax removal: kill_dev_dax() unmapped every mapping of the device (${zap.symbol}) and sends no signal`
        : `No signal, but ${zap.within ? `${zap.within}() → ` : ''}${zap.symbol}() zapped its page-table entries for this range`;
    return verdict(outcome, `${how}: its next access faults and gets SIGBUS.`, zap.within === 'kill_dev_dax' ? 'kill_dev_dax' : zap.symbol, zap.span);
  }
  const ram = vma.ptes.query(vlo, vhi).some((p) => p.value.pfn < 0);
  if (ram)
    return say(
      'Not affected: this mapping maps page-cache copies in RAM (the file is not DAX), not the failed device page.',
      'filemap_fault',
      null,
    );
  return say('No kernel path in this event reached this mapping: no collection walked its file range and no signal was aimed at it.', 'memory_failure', null);
}

function skipReason(d: Extract<Decision, { kind: 'inode-skip' }>): string {
  return d.why === 'not-incore'
    ? `Owner skipped: xfs_iget(XFS_IGET_INCORE) gave -ENODATA for inode ${d.ino}, which is not in core, so nobody can have it mapped and nothing is unmapped or signalled.`
    : `Owner skipped: inode ${d.ino} is not a DAX file (its mapping is in the page cache), so xfs_dax_failure_fn() does not call mf_dax_kill_procs() for it.`;
}

/** what page->mapping said for a pfn of this owner's range, if the generic path looked */
function pageMappingFor(k: Kernel, ix: Index, o: Owner): Extract<Decision, { kind: 'page-mapping' }> | undefined {
  if (!ix.pageMappings.length) return undefined;
  let pfns = ix.pfnsOf.get(o);
  if (!pfns) ix.pfnsOf.set(o, (pfns = ownerPfns(k, o, Math.floor(o.start / PAGE_SIZE), Math.ceil(o.end / PAGE_SIZE))));
  return ix.firstPageMappingIn(pfns);
}

function ownerPfns(k: Kernel, o: Owner, a: number, b: number): RangeSet {
  const set = new RangeSet();
  const host: Inode | null = o.mapping.host;
  if (!host) return set;
  if (host.chr) {
    const dd = [...k.devdaxByMapping.entries()].find(([mp]) => mp === o.mapping)?.[1];
    if (dd) set.add(dd.dataStart / PAGE_SIZE + a, dd.dataStart / PAGE_SIZE + b);
    return set;
  }
  if (!o.sb) return set;
  for (let pg = a; pg < b && pg < a + 4096; pg++) {
    const off = o.sb.bmapQuiet(host, pg * PAGE_SIZE);
    if (off === undefined) continue;
    const r = o.sb.bdev.spaRanges(off, 1)[0];
    if (r) set.add(Math.floor(r[0] / PAGE_SIZE), Math.floor(r[0] / PAGE_SIZE) + 1);
  }
  return set;
}
