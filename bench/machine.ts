// The machine users run, faulted in: the terabyte machine of scale.ts (1 TiB
// fsdax namespace, XFS with 10^4 files of 100 extents, 10^6 extents in all,
// 10^4 small mappings by 100 processes) with every small mapping populated,
// plus a database: one 900 GiB file mapped with MAP_POPULATE by 4 processes,
// placed PMD-aligned so the faults take 2 MiB entries.

import type { ExtentSpec, Scenario } from '../src/sim/scenario/types';
import type { XfsMount } from '../src/sim/fs/xfs/xfs_mount';
import { Session } from '../src/sim/run';
import { scaleScenario, TERABYTE, GiB, type ScaleOptions } from './scale';

export const MiB = 2 ** 20;
export const DB_BYTES = 900 * GiB;
export const DB_PROCS = 4;
/** where the database processes map the file (PMD- and PUD-aligned) */
export const DB_ADDR = 0x7e0000000000;

export function usedMachine(o: ScaleOptions = { ...TERABYTE, populate: true }, dbBytes = DB_BYTES): Scenario {
  const s = scaleScenario(o);
  s.name = `used: ${o.size / GiB} GiB, ${o.files * o.extentsPerFile} extents, ${o.files} small mappings populated by ${o.processes} processes, a ${dbBytes / GiB} GiB file populated by ${DB_PROCS}`;
  s.files.push({ path: '/mnt/pmem/db', size: dbBytes, fill: 0, clone: [], extents: dbExtents(o, dbBytes), cached: true, pathPtr: `/files/${s.files.length}` });
  for (let i = 0; i < DB_PROCS; i++) {
    s.processes.push({
      pid: 2000 + i,
      comm: `db${i}`,
      mceKill: i === 0 ? 'early' : 'default',
      sigbus: 'handle',
      mappings: [{ id: 'db', file: '/mnt/pmem/db', offset: 0, length: dbBytes, addr: DB_ADDR, prot: 'rw', flags: 'shared', populate: true, path: `/processes/${s.processes.length}/mappings/0` }],
      path: `/processes/${s.processes.length}`,
    });
  }
  return s;
}

/** blocks of a 2 MiB PMD */
const PMD_BLOCKS = 512;
/** the longest extent a bmbt record holds (XFS_MAX_BMBT_EXTLEN), kept PMD-sized */
const MAX_EXT = Math.floor((2 ** 21 - 1) / PMD_BLOCKS) * PMD_BLOCKS;

/**
 * The database file placed as a DAX database's would be with a 2 MiB extent
 * size hint (xfs_io -c "extsize 2m"): extents of up to 8 GiB starting on
 * 2 MiB boundaries, in the free space the small files leave (found by
 * building the filesystem with them first, untimed).
 */
function dbExtents(o: ScaleOptions, dbBytes: number): ExtentSpec[] {
  const probe = new Session(scaleScenario({ ...o, populate: false, processes: 1 }));
  const sb = probe.machine.k.superblocks[0] as unknown as { model: XfsMount };
  const model = sb.model;
  const g = model.geo;
  let need = dbBytes / 4096;
  const out: ExtentSpec[] = [];
  let offset = 0;
  // from the last AG down, so the first AG's own metadata keeps its room
  for (let agno = g.agcount - 1; agno >= 0 && need > 0; agno--) {
    for (const f of model.freeExtents(agno)) {
      let start = Math.ceil(f.startblock / PMD_BLOCKS) * PMD_BLOCKS;
      const end = f.startblock + f.blockcount;
      while (need > 0 && start + PMD_BLOCKS <= end) {
        const len = Math.min(need, MAX_EXT, Math.floor((end - start) / PMD_BLOCKS) * PMD_BLOCKS);
        out.push({ offset, block: agno * 2 ** g.agblklog + start, length: len });
        offset += len;
        need -= len;
        start += len;
      }
    }
  }
  if (need > 0) throw new Error('the database file does not fit');
  return out;
}
