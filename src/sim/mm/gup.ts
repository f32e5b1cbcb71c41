// mm/gup.c for MAP_POPULATE: __mm_populate → populate_vma_page_range →
// __get_user_pages, which faults every page of the range in, one
// handle_mm_fault() each, and stops quietly at the first fault that fails.
//
// A populated mapping of a large file is hundreds of thousands of faults
// that all do the same thing page after page. The simulator takes the first
// fault of each such run for real (its call tree is the run's trace), checks
// that the rest of the run would decide exactly the same way (the same
// extent, contiguous on the device, no known-bad sector, no page-table or
// DAX entry already there, the same PMD or PTE decision), applies their
// effect to the page tables, the DAX entries and the struct pages as ranges,
// and records the run as the first fault's tree carrying the run's count
// (Tracer.replay): `calls` counts every fault exactly, and the cost is in
// proportion to the extents and windows touched, not to pages.

import type { Kernel } from '../kernel';
import { hex, PAGE_SIZE, PAGE_SHIFT, PMD_SIZE } from '../units';
import { naiveIntervals } from '../intervals';
import { faultIn, sbOfVma } from './fault';
import { daxBulkInsert, pmdFallsBackAtOnce } from '../fs/dax';
import { devDaxBulkFault, devDaxFaultRun } from '../dax/device';
import type { Inode, Task, Vma } from './types';
import type { SuperBlock } from '../fs/vfs';
import type { BadBlocks } from '../nvdimm/badblocks';


/**
 * Runs of one populate traced in full, each as its first fault's call tree
 * carrying the run's count; the runs after them that fault alike on clean
 * media are faulted quietly (every call counted and timed, no span) and
 * shown as one summary span per stretch. A mapping of a file in 10^5
 * extents is 10^5 runs: its trace stays a handful of trees.
 */
export const TRACED_RUNS = 4;

/** MAP_POPULATE of one mapping: every page faulted in, in order, until one fails */
export function mmPopulate(k: Kernel, t: Task, vma: Vma): void {
  const saved = k.current;
  k.current = t;
  // a stretch of runs faulted quietly, to be written as one summary span
  let stretch: { t: number; from: number; to: number; faults: number; runs: number } | undefined;
  // calls of known-shape runs, counted at the end of their stretch (the
  // clock moves at once; nothing reads the counts in between)
  const owed = new Map<ReadonlyMap<string, number>, number>();
  const payOwed = (): void => {
    for (const [trail, n] of owed) k.tr.repeatTrail(trail, n, 0);
    owed.clear();
  };
  const repeatKnown = (known: { trail: ReadonlyMap<string, number>; dur: number }, n: number): void => {
    owed.set(known.trail, (owed.get(known.trail) ?? 0) + n);
    k.tr.now += known.dur * n;
  };
  const endStretch = (): void => {
    payOwed();
    if (!stretch) return;
    k.tr.summary('mm', 'do_user_addr_fault', { pid: t.pid, vma: vma.id, from: hex(stretch.from), to: hex(stretch.to), runs: stretch.runs, write: false }, stretch.faults, stretch.t, 'VM_FAULT_NOPAGE');
    stretch = undefined;
  };
  /** a run of `faults` faults from `from`, begun at clock `t`, joins the quiet stretch */
  const addToStretch = (t0: number, from: number, faults: number): void => {
    stretch ??= { t: t0, from, to: from, faults: 0, runs: 0 };
    stretch.runs++;
    stretch.faults += faults;
  };
  try {
    const write = vma.flags === 'private' && vma.prot === 'rw';
    const bulk = !write && !naiveIntervals() ? bulkTarget(k, vma) : undefined;
    let runs = 0;
    // what one quiet PTE fault of each shape called, and its time
    const shapes = new Map<string, Shape>();
    const dd = !naiveIntervals() ? k.devdaxByMapping.get(vma.mapping) : undefined;
    // the file's holes and unwritten extents, looked up once the first unwritten page is met
    let holes: HoleMap | undefined;
    const holesOf = (): HoleMap => (holes ??= holeMap(bulk!, vma));
    // nothing mapped or entered from the quiet stage's start to the vma's
    // end: each fault puts its entries behind the address it leaves at, so it
    // stays so (checked once)
    let clearAhead: boolean | undefined;
    let a = vma.start;
    while (a < vma.end) {
      if (bulk && runs >= TRACED_RUNS && shapes.size) {
        clearAhead ??= !vma.ptes.firstIn(a / PAGE_SIZE, vma.end / PAGE_SIZE) && !vma.mapping.entries.firstIn(vma.pgoff + (a - vma.start) / PAGE_SIZE, vma.pgoff + vma.pages);
        // a run of a known shape, told without the look-ups below
        const run = clearAhead ? knownRun(bulk, vma, a, shapes) : undefined;
        if (run) {
          const before = k.tr.now;
          daxBulkInsert(k, vma, a, a + run.n * PAGE_SIZE, false, run.pfn, run.shared, true);
          repeatKnown(run.known, run.n);
          addToStretch(before, a, run.n);
          runs++;
          a += run.n * PAGE_SIZE;
          stretch!.to = a - PAGE_SIZE;
          continue;
        }
      }
      if (vma.ptes.get(a / PAGE_SIZE)) {
        a += PAGE_SIZE;
        continue;
      }
      // a hole or unwritten extent: dax_load_hole maps the zero page, page
      // after page alike until the piece, the 2 MiB window or the vma ends
      const hole = bulk ? holeRun(bulk, vma, a, holesOf) : undefined;
      if (hole) {
        const quietHole = runs >= TRACED_RUNS;
        if (!quietHole) endStretch();
        const before = k.tr.now;
        const known = quietHole && hole.key !== undefined ? shapes.get(hole.key) : undefined;
        if (known) {
          vma.ptes.set(a / PAGE_SIZE, a / PAGE_SIZE + hole.n, ZERO_PTE);
          repeatKnown(known, hole.n);
        } else {
          const mark = k.tr.spans.length;
          const ok = quietHole ? k.tr.quietly(() => faultIn(k, t, vma, a, false, false)) : faultIn(k, t, vma, a, false, false);
          if (!ok) break;
          const pte = vma.ptes.get(a / PAGE_SIZE)!;
          if (pte.pfn >= 0 || pte.shift !== PAGE_SHIFT) throw new Error(`mmPopulate: a hole at ${hex(a)} faulted as pfn ${pte.pfn}`);
          const dur = k.tr.now - before;
          if (hole.n > 1) vma.ptes.set(a / PAGE_SIZE + 1, a / PAGE_SIZE + hole.n, ZERO_PTE);
          if (quietHole) {
            if (hole.key !== undefined) shapes.set(hole.key, { trail: k.tr.lastQuietTrail(), dur });
            k.tr.repeatQuiet(hole.n - 1, dur);
          } else if (hole.n > 1) k.tr.replay(mark, hole.n, { addr: `${hex(a)}..${hex(a + (hole.n - 1) * PAGE_SIZE)}` });
        }
        runs++;
        if (quietHole) addToStretch(before, a, hole.n);
        a += hole.n * PAGE_SIZE;
        if (stretch) stretch.to = a - PAGE_SIZE;
        continue;
      }
      const quiet = !!bulk && runs >= TRACED_RUNS && cleanAhead(k, bulk, vma, a);
      if (!quiet) endStretch();
      // a PTE run like one already faulted quietly: its calls and time are
      // known, its effect is the run's entries as ranges
      const key = quiet ? pteShape(bulk!, vma, a) : undefined;
      const known = key !== undefined ? shapes.get(key) : undefined;
      if (known) {
        const n = sameRun(k, bulk!, vma, a, PAGE_SIZE, true);
        if (n > 0) {
          const before = k.tr.now;
          const pos = (vma.pgoff + (a - vma.start) / PAGE_SIZE) * PAGE_SIZE;
          const piece = mapQuiet(bulk!, vma.mapping.host!, pos, PAGE_SIZE)!;
          daxBulkInsert(k, vma, a, a + n * PAGE_SIZE, false, (bulk!.sb.bdev.linearSpa! + piece.devOffset) / PAGE_SIZE, piece.shared);
          repeatKnown(known, n);
          addToStretch(before, a, n);
          runs++;
          a += n * PAGE_SIZE;
          stretch!.to = a - PAGE_SIZE;
          continue;
        }
      }
      const mark = k.tr.spans.length;
      const before = k.tr.now;
      const pmdTries = k.tr.calls.get('dax_iomap_pmd_fault') ?? 0;
      // pages past the end of the file cannot be populated; populate stops quietly
      const ok = quiet ? k.tr.quietly(() => faultIn(k, t, vma, a, write, false)) : faultIn(k, t, vma, a, write, false);
      if (!ok) break;
      runs++;
      const pte = vma.ptes.get(a / PAGE_SIZE)!;
      const unit = pte.shift > PAGE_SHIFT ? 2 ** pte.shift : PAGE_SIZE;
      const next = a - (a % unit) + unit;
      // a page's PMD attempt that got as far as a span decides differently from
      // the pages after it (they find its PTE entry in the window and fall back
      // at once): the run starts at the next page
      const triedPmd = (k.tr.calls.get('dax_iomap_pmd_fault') ?? 0) > pmdTries;
      const faulted = quiet ? true : k.tr.spans[mark]?.symbol === 'do_user_addr_fault';
      const representative = !!bulk && pte.pfn >= 0 && faulted && (unit !== PAGE_SIZE || !triedPmd);
      if (dd && pte.pfn >= 0 && k.tr.spans[mark]?.symbol === 'do_user_addr_fault') {
        // device-dax: every later extent of the vma not mapped yet faults the same way
        const at = a - (a % unit);
        const n = devDaxFaultRun(dd, vma, at + unit, vma.end);
        if (n > 0) {
          const end = at + unit + n * unit;
          devDaxBulkFault(k, dd, vma, at + unit, end, write);
          k.tr.replay(mark, n + 1, { addr: `${hex(a)}..${hex(end - unit)}` });
          a = end;
          continue;
        }
      }
      const more = representative ? sameRun(k, bulk!, vma, a - (a % unit), unit) : 0;
      if (quiet && key !== undefined && unit === PAGE_SIZE && !triedPmd && faulted) shapes.set(key, { trail: k.tr.lastQuietTrail(), dur: k.tr.now - before });
      if (quiet) addToStretch(before, a, 1 + more);
      if (more > 0) {
        const at = a - (a % unit);
        const first = at + unit;
        const end = first + more * unit;
        const entry = vma.mapping.entries.get(vma.pgoff + (at - vma.start) / PAGE_SIZE)!;
        const pfnAt = vma.ptes.get(at / PAGE_SIZE)!.pfn;
        daxBulkInsert(k, vma, first, end, unit === PMD_SIZE, pfnAt + unit / PAGE_SIZE, entry.shared);
        if (quiet) k.tr.repeatQuiet(more, k.tr.now - before);
        else k.tr.replay(mark, more + 1, { addr: `${hex(a)}..${hex(end - unit)}` });
        a = end;
      } else a = next;
      if (stretch) stretch.to = a - PAGE_SIZE;
    }
  } finally {
    endStretch();
    k.current = saved;
  }
}

/** what one quiet PTE fault of a shape called, and its time */
interface Shape {
  trail: Map<string, number>;
  dur: number;
}

/**
 * The run of read faults from `a` that the general loop of mmPopulate would
 * take as a known shape (holeRun finds a written page, cleanAhead passes,
 * pteShape names a shape already faulted, sameRun counts the pages), told
 * straight from the cached piece, for a vma with nothing mapped or entered
 * from `a` on (so pteShape finds no DAX entry and sameRun no page-table or
 * DAX entry in the way). Undefined where the general loop has to look.
 */
function knownRun(b: BulkTarget, vma: Vma, a: number, shapes: ReadonlyMap<string, Shape>): { n: number; known: Shape; pfn: number; shared: boolean } | undefined {
  const inode = vma.mapping.host;
  if (!inode) return undefined;
  const pos = (vma.pgoff + (a - vma.start) / PAGE_SIZE) * PAGE_SIZE;
  // cleanAhead: inside the file
  if (pos >= inode.size) return undefined;
  // holeRun: written here
  const p = pieceAt(b, inode, pos);
  if (!p) return undefined;
  // pteShape: the PMD attempt falls back at once, no DAX entry here
  if (!pmdFallsBackAtOnce(vma, inode, a, false)) return undefined;
  const known = shapes.get(p.shared ? 'shared/none' : 'own/none');
  if (!known) return undefined;
  // sameRun from `a`: to the end of the vma, the file or the 2 MiB window,
  // and a unit more than one page
  const fileEnd = Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE;
  const limit = Math.min(vma.end - a, fileEnd - pos, a - (a % PMD_SIZE) + PMD_SIZE - a);
  if (limit <= PAGE_SIZE) return undefined;
  // cleanAhead's window is that same limit: its piece, clipped, has no bad sector
  const plen = Math.min(limit, p.end - pos);
  const dev = p.devOffset + (pos - p.pos);
  if (b.bb.check(dev / 512, plen / 512).rc) return undefined;
  const len = Math.floor(plen / PAGE_SIZE) * PAGE_SIZE;
  if (len <= 0) return undefined;
  return { n: len / PAGE_SIZE, known, pfn: (b.sb.bdev.linearSpa! + dev) / PAGE_SIZE, shared: p.shared };
}

/**
 * The shape of a PTE fault at `a` that cleanAhead passed, when it can be
 * told without faulting: its PMD attempt falls back at once, and the page is
 * shared or not, with a DAX entry already there (another mapper's) or not.
 * Two faults of one shape make the same calls. Undefined when the PMD
 * attempt would look further.
 */
function pteShape(b: BulkTarget, vma: Vma, a: number): string | undefined {
  const inode = vma.mapping.host!;
  if (!pmdFallsBackAtOnce(vma, inode, a, false)) return undefined;
  const pgoff = vma.pgoff + (a - vma.start) / PAGE_SIZE;
  const piece = mapQuiet(b, inode, pgoff * PAGE_SIZE, PAGE_SIZE);
  if (!piece) return undefined;
  const e = vma.mapping.entries.get(pgoff);
  return `${piece.shared ? 'shared' : 'own'}/${e ? (e.pmd ? 'pmd' : e.shared ? 'entry-shared' : 'entry') : 'none'}`;
}

/**
 * Whether the fault at `a` may be taken quietly: the page lies in a mapped
 * piece of the file on a live disk with no known-bad sector in its 2 MiB
 * window, so it cannot fail or take a path the traced runs did not show.
 */
function cleanAhead(k: Kernel, b: BulkTarget, vma: Vma, a: number): boolean {
  const inode = vma.mapping.host;
  if (!inode) return false;
  const pos = (vma.pgoff + (a - vma.start) / PAGE_SIZE) * PAGE_SIZE;
  if (pos >= inode.size) return false;
  const window = Math.min(PMD_SIZE - (a % PMD_SIZE), vma.end - a, Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE - pos);
  const piece = mapQuiet(b, inode, pos, window);
  if (!piece) return false;
  return b.bb.check(piece.devOffset / 512, piece.length / 512).rc === 0;
}

/** the PTE dax_load_hole leaves: the shared zero page, read-only, not device memory */
const ZERO_PTE = { pfn: -1, shift: PAGE_SHIFT, writable: false, zero: true } as const;

/** the file's written-or-unwritten extents in file order (byte offsets), to find its holes by search */
interface HoleMap {
  starts: number[];
  ends: number[];
}

function holeMap(b: BulkTarget, vma: Vma): HoleMap {
  const ext = b.sb.extentsQuiet(vma.mapping.host!).slice().sort((x, y) => x.fileOffset - y.fileOffset);
  return { starts: ext.map((e) => e.fileOffset), ends: ext.map((e) => e.fileOffset + e.length) };
}

/**
 * The run of read faults from `a` that each find a hole or an unwritten
 * extent (dax_iomap_pte_fault → dax_load_hole, a zero-page PTE, no DAX entry
 * and no device access in this model) and decide alike: the whole page in
 * one hole (between two extents, or after the last up to the end of the
 * file) or in one unwritten extent, inside the vma and the file, before the
 * next page-table entry, and inside one 2 MiB window (each page first tries
 * a PMD fault, which looks at its window). `key` names the shape of the
 * fault, when two such runs make the same calls: an unwritten extent or a
 * hole, and whether the PMD attempt falls back at once or looks at a window
 * lying wholly in that piece. Undefined when `a` is not in a hole.
 */
function holeRun(b: BulkTarget, vma: Vma, a: number, holes: () => HoleMap): { n: number; key: string | undefined } | undefined {
  const inode = vma.mapping.host;
  if (!inode) return undefined;
  const pos = (vma.pgoff + (a - vma.start) / PAGE_SIZE) * PAGE_SIZE;
  const fileEnd = Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE;
  if (pos >= fileEnd) return undefined;
  // a written page is no hole (mapQuiet knows written pieces only)
  if (mapQuiet(b, inode, pos, PAGE_SIZE)) return undefined;
  const h = holes();
  // the last extent starting at or before pos
  let lo = 0;
  let hi = h.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (h.starts[mid]! <= pos) lo = mid + 1;
    else hi = mid;
  }
  const i = lo - 1;
  let start: number;
  let end: number;
  let kind: string;
  if (i >= 0 && pos < h.ends[i]!) {
    // inside an extent, not written: unwritten
    [start, end, kind] = [h.starts[i]!, h.ends[i]!, 'unwritten'];
  } else {
    [start, end, kind] = [i >= 0 ? h.ends[i]! : 0, i + 1 < h.starts.length ? h.starts[i + 1]! : Infinity, 'hole'];
  }
  // the piece past the end of the file reads as a hole too, up to the page holding EOF
  end = Math.min(end, fileEnd);
  // a page only partly in the piece (blocks smaller than a page) is not alike
  if (start > pos || end < pos + PAGE_SIZE) return undefined;
  const winEnd = a - (a % PMD_SIZE) + PMD_SIZE;
  let len = Math.min(end - pos, vma.end - a, winEnd - a);
  len -= len % PAGE_SIZE;
  const vpn = a / PAGE_SIZE;
  const next = vma.ptes.firstIn(vpn, vpn + len / PAGE_SIZE);
  if (next) len = (next.start - vpn) * PAGE_SIZE;
  if (len <= 0) return undefined;
  let key: string | undefined;
  if (pmdFallsBackAtOnce(vma, inode, a, false)) key = `${kind}/pte`;
  else {
    const wpos = pos - (a % PMD_SIZE);
    if (wpos >= start && wpos + PMD_SIZE <= end) key = `${kind}/pmd`;
  }
  return { n: len / PAGE_SIZE, key };
}

interface BulkTarget {
  sb: SuperBlock;
  bb: BadBlocks;
  /** the written piece mapQuiet last found, whole (read faults leave the block map as it is) */
  piece?: { pos: number; end: number; devOffset: number; shared: boolean };
  /** where the vma's file range ends (bytes) */
  until: number;
}

/**
 * sb.mapQuiet(inode, pos, len) for the populated vma's file, asking the
 * filesystem once per written piece: the piece is looked up to the end of
 * the vma and later look-ups inside it are answered from it. Populate's
 * read faults leave the block map as it is.
 */
function mapQuiet(b: BulkTarget, inode: Inode, pos: number, len: number): { devOffset: number; length: number; shared: boolean } | undefined {
  const p = pieceAt(b, inode, pos);
  if (!p) return undefined;
  return { devOffset: p.devOffset + (pos - p.pos), length: Math.min(len, p.end - pos), shared: p.shared };
}

/** the whole written piece holding `pos` (to the vma's end at most), or undefined */
function pieceAt(b: BulkTarget, inode: Inode, pos: number): BulkTarget['piece'] {
  const p = b.piece;
  if (p && pos >= p.pos && pos < p.end) return p;
  const m = b.sb.mapQuiet(inode, pos, Math.max(PAGE_SIZE, b.until - pos));
  if (!m) return undefined;
  return (b.piece = { pos, end: pos + m.length, devOffset: m.devOffset, shared: m.shared });
}

/** a read-faulted DAX file on a live pmem disk whose badblocks the driver checks */
function bulkTarget(k: Kernel, vma: Vma): BulkTarget | undefined {
  if (k.devdaxByMapping.has(vma.mapping)) return undefined;
  const sb = sbOfVma(k, vma);
  if (!sb || !sb.dax || !sb.daxDev || !sb.daxDev.alive || sb.isShutdown() || sb.bdev.linearSpa === undefined) return undefined;
  const bb = (sb.daxDev.priv as { bb?: BadBlocks } | null)?.bb;
  return bb ? { sb, bb, until: (vma.pgoff + (vma.end - vma.start) / PAGE_SIZE) * PAGE_SIZE } : undefined;
}

/**
 * How many units after the one just faulted at `at` (a page, or a 2 MiB PMD
 * window) would fault the same way: the same extent piece, contiguous on the
 * device with the same sharing, inside the vma and the file, with no entry in
 * the page tables or the file's DAX xarray yet, no known-bad sector under
 * them, and, for pages, inside the same 2 MiB window (the PMD attempt each
 * page makes first looks at that window, and decides the same for all of it).
 */
function sameRun(k: Kernel, b: BulkTarget, vma: Vma, at: number, unit: number, fromAt = false): number {
  const inode = vma.mapping.host;
  if (!inode) return 0;
  const pgoff = vma.pgoff + (at - vma.start) / PAGE_SIZE;
  // fromAt: the unit at `at` is not faulted yet; count it with the rest
  const entry = fromAt ? undefined : vma.mapping.entries.get(pgoff);
  if (!fromAt && (!entry || (unit === PMD_SIZE && !entry.pmd))) return 0;
  const pos = pgoff * PAGE_SIZE;
  const fileEnd = Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE;
  let limit = Math.min(vma.end - at, fileEnd - pos);
  if (unit === PAGE_SIZE) limit = Math.min(limit, at - (at % PMD_SIZE) + PMD_SIZE - at);
  if (limit <= unit) return 0;
  const piece = mapQuiet(b, inode, pos, limit);
  if (!piece || (entry && piece.shared !== entry.shared)) return 0;
  // the piece starts at the unit just faulted
  let len = Math.floor(Math.min(limit, piece.length) / unit) * unit;
  if (len <= (fromAt ? 0 : unit)) return 0;
  // nothing mapped or entered yet after the first unit
  const skip = fromAt ? 0 : unit;
  const vpn = at / PAGE_SIZE;
  const firstPte = vma.ptes.firstIn(vpn + skip / PAGE_SIZE, vpn + len / PAGE_SIZE);
  if (firstPte) len = Math.min(len, (firstPte.start - vpn) * PAGE_SIZE);
  // the DAX entries after the first unit: none at all, or (another mapper's)
  // entries over the whole run, for these very pfns, as one kind (PTE or PMD)
  const p1 = pgoff + skip / PAGE_SIZE;
  const there = vma.mapping.entries.query(p1, pgoff + len / PAGE_SIZE);
  if (there.length) {
    const e0 = there[0]!;
    if (e0.start > p1) len = Math.min(len, (e0.start - pgoff) * PAGE_SIZE);
    else {
      let end = e0.start;
      // the pfn of file index i in this piece: the pmem data area starts at linearSpa
      const pfnOf = (i: number): number => (b.sb.bdev.linearSpa! + piece.devOffset) / PAGE_SIZE + (i - pgoff);
      for (const r of there) {
        if (r.start !== end || r.value.pmd !== e0.value.pmd || r.value.shared !== e0.value.shared || r.value.pfn !== pfnOf(r.start)) break;
        end = r.end;
      }
      len = Math.min(len, (end - pgoff) * PAGE_SIZE);
    }
  }
  // the sectors under the run: direct_access says -EHWPOISON at the first bad one
  const devStart = piece.devOffset;
  const sect = devStart / 512;
  const c = b.bb.check(sect, len / 512);
  if (c.rc) len = Math.min(len, Math.floor(((c.firstBad - sect) * 512) / unit) * unit);
  len = Math.floor(len / unit) * unit;
  return Math.max(0, len / unit - (fromAt ? 0 : 1));
}
