// block/badblocks.c: a table of bad sectors. The kernel keeps at most
// BB_MAX_LEN (512) sectors per entry, so a long bad range shows up in sysfs as
// several lines; `show()` reproduces that split. The table has room for
// MAX_BADBLOCKS (512) entries; what does not fit is not recorded. Sectors here are relative to
// whatever the table belongs to (a pmem disk's data start, or a region start).

import { RangeSet } from '../intervals';

export const BB_MAX_LEN = 512;
/** MAX_BADBLOCKS: the table is one page of 8-byte entries (PAGE_SIZE / 8) */
export const MAX_BADBLOCKS = 512;

/** maximal bad runs (adjacent pieces joined) */
function runs(s: RangeSet): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of s.all()) {
    const last = out[out.length - 1];
    if (last && last[1] === a) last[1] = b;
    else out.push([a, b]);
  }
  return out;
}

/** table entries: each maximal run as entries of at most BB_MAX_LEN sectors */
function entriesOf(s: RangeSet): number {
  let n = 0;
  for (const [a, b] of runs(s)) n += Math.ceil((b - a) / BB_MAX_LEN);
  return n;
}

export class BadBlocks {
  private s = new RangeSet();

  /**
   * badblocks_set(bb, s, sectors, acknowledged): true when anything was
   * added or merged (6.12's _badblocks_set returns 0 then, 1 when nothing
   * was). The table holds MAX_BADBLOCKS entries: it is filled in address
   * order, each uncovered piece extending the run before it or starting
   * new entries while there is room, and what does not fit is dropped.
   */
  set(sector: number, sectors: number): boolean {
    if (sectors <= 0) return false;
    const end = sector + sectors;
    let added = this.s.overlaps(sector, end);
    let cur = sector;
    const gaps: [number, number][] = [];
    for (const [a, b] of this.s.query(sector, end)) {
      if (a > cur) gaps.push([cur, a]);
      cur = Math.max(cur, b);
    }
    if (cur < end) gaps.push([cur, end]);
    for (const [g0, g1] of gaps) {
      const whole = this.s.clone();
      whole.add(g0, g1);
      if (entriesOf(whole) <= MAX_BADBLOCKS) {
        this.s = whole;
        added = true;
        continue;
      }
      // the longest prefix that fits: it extends the run ending at g0, if any
      const room = MAX_BADBLOCKS - entriesOf(this.s);
      const left = runs(this.s).find(([, b]) => b === g0);
      const l = left ? left[1] - left[0] : 0;
      const k = Math.min(g1 - g0 - 1, (Math.ceil(l / BB_MAX_LEN) + room) * BB_MAX_LEN - l);
      if (k > 0) {
        this.s.add(g0, g0 + k);
        added = true;
      }
    }
    return added;
  }

  /** badblocks_full(): every entry of the table is in use */
  get full(): boolean {
    return entriesOf(this.s) >= MAX_BADBLOCKS;
  }

  /** badblocks_clear(bb, s, sectors) */
  clear(sector: number, sectors: number): void {
    if (sectors > 0) this.s.remove(sector, sector + sectors);
  }

  /**
   * badblocks_check(bb, s, sectors, &first_bad, &bad_sectors): 0 when the
   * range is clean, 1 (acknowledged) when it holds a bad sector, with the first
   * bad sector and the length of that bad run within the range.
   */
  check(sector: number, sectors: number): { rc: 0 } | { rc: 1; firstBad: number; badSectors: number } {
    const r = this.s.firstIn(sector, sector + sectors);
    if (!r) return { rc: 0 };
    return { rc: 1, firstBad: r[0], badSectors: r[1] - r[0] };
  }

  /** bb->count != 0 */
  get count(): number {
    return this.s.count;
  }

  /** the sysfs `badblocks` file: one [sector, count] per entry, entries at most BB_MAX_LEN long */
  show(): [number, number][] {
    const out: [number, number][] = [];
    for (const [a, b] of this.s.all()) {
      for (let x = a; x < b; x += BB_MAX_LEN) out.push([x, Math.min(BB_MAX_LEN, b - x)]);
    }
    return out;
  }

  ranges(): [number, number][] {
    return this.s.all();
  }

  clone(): BadBlocks {
    const b = new BadBlocks();
    b.s = this.s.clone();
    return b;
  }
}
