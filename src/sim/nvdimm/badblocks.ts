// block/badblocks.c: a table of bad sectors. The kernel keeps at most
// BB_MAX_LEN (512) sectors per entry, so a long bad range shows up in sysfs as
// several lines; `show()` reproduces that split. Sectors here are relative to
// whatever the table belongs to (a pmem disk's data start, or a region start).

import { RangeSet } from '../intervals';

export const BB_MAX_LEN = 512;

export class BadBlocks {
  private s = new RangeSet();

  /** badblocks_set(bb, s, sectors, acknowledged): true on success, as at 6.12 */
  set(sector: number, sectors: number): boolean {
    if (sectors <= 0) return false;
    this.s.add(sector, sector + sectors);
    return true;
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
