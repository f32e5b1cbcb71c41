// The terabyte-scale machine: a 1 TiB fsdax namespace (16 GiB data offset
// with 1 GiB alignment), XFS over it holding 10^4 files of 100 extents each
// (10^6 extents, each with its reverse-map record), and 10^4 mappings, one
// per file, by 100 processes. Built as a Scenario object (no YAML to parse).

import type { Scenario, FileSpec, ProcessSpec } from '../src/sim/scenario/types';
import { XfsMount } from '../src/sim/fs/xfs/xfs_mount';

export const TiB = 2 ** 40;
export const GiB = 2 ** 30;

export interface ScaleOptions {
  files: number;
  extentsPerFile: number;
  /** blocks per extent */
  extentBlocks: number;
  processes: number;
  /** device size */
  size: number;
  /** namespace alignment (dataOffset is rounded up to it) */
  align: number;
  dataOffset: number;
  populate: boolean;
}

export const TERABYTE: ScaleOptions = { files: 10_000, extentsPerFile: 100, extentBlocks: 4, processes: 100, size: TiB, align: GiB, dataOffset: 16 * GiB, populate: false };

/**
 * Explicit placement: every extent is followed by a free block, so no two
 * extents of a file touch and each stays its own bmap record and rmap record.
 */
function placeFiles(o: ScaleOptions): FileSpec[] {
  const probe = XfsMount.mkfs({ deviceBytes: o.size - o.dataOffset, blockSize: 4096, agcount: 4, rmapbt: true, reflink: true });
  const g = probe.geo;
  // the free space mkfs leaves, as (agno, start, len), skipping the first
  // 131072 blocks (or an eighth) of each AG so the allocator's own bmbt, inode and directory blocks have room
  const slots: { agno: number; start: number; len: number }[] = [];
  const skip = Math.min(131072, Math.floor(g.agblocks / 8));
  for (let agno = 0; agno < g.agcount; agno++) for (const f of probe.freeExtents(agno)) if (f.blockcount > skip) slots.push({ agno, start: f.startblock + skip, len: f.blockcount - skip });
  let si = 0;
  let cursor = slots[0]!.start;
  const next = (): number => {
    const need = o.extentBlocks + 1;
    while (cursor + need > slots[si]!.start + slots[si]!.len) {
      si++;
      if (si >= slots.length) throw new Error('scale scenario does not fit');
      cursor = slots[si]!.start;
    }
    const fsb = slots[si]!.agno * 2 ** g.agblklog + cursor;
    cursor += need;
    return fsb;
  };
  const files: FileSpec[] = [];
  for (let i = 0; i < o.files; i++) {
    const extents = [];
    for (let j = 0; j < o.extentsPerFile; j++) extents.push({ offset: j * o.extentBlocks, block: next(), length: o.extentBlocks });
    files.push({ path: `/mnt/pmem/f${i}`, size: o.extentsPerFile * o.extentBlocks * 4096, fill: 0, clone: [], extents, cached: true, pathPtr: `/files/${i}` });
  }
  return files;
}

export function scaleScenario(o: ScaleOptions, events: Scenario['events'] = []): Scenario {
  const files = placeFiles(o);
  const processes: ProcessSpec[] = [];
  const perProc = Math.ceil(o.files / o.processes);
  for (let p = 0; p < o.processes; p++) {
    const mappings = [];
    for (let i = p * perProc; i < Math.min(o.files, (p + 1) * perProc); i++) {
      mappings.push({ id: `m${i}`, file: files[i]!.path, offset: 0, length: files[i]!.size, prot: 'rw' as const, flags: 'shared' as const, populate: o.populate, path: `/processes/${p}/mappings/${i}` });
    }
    processes.push({ pid: 1000 + p, comm: `app${p}`, mceKill: 'default', sigbus: 'handle', mappings, path: `/processes/${p}` });
  }
  return {
    version: 1,
    name: `scale: ${o.size / GiB} GiB, ${o.files * o.extentsPerFile} extents, ${o.files} mappings`,
    seed: 1,
    kernel: { design: 'upstream', earlyKill: false, recovery: true, reporting: 'native' },
    platform: {
      regions: [{ id: 'region0', spa: 0x10000000000, size: o.size, ars: true, clearUnit: 256, errorGranularity: 64, path: '/platform/regions/0' }],
      namespaces: [{ id: 'namespace0.0', region: 'region0', offset: 0, size: o.size, mode: 'fsdax', align: o.align, dataOffset: o.dataOffset, device: 'pmem0', path: '/platform/namespaces/0' }],
      dm: [],
    },
    filesystems: [{ device: 'pmem0', type: 'xfs', mount: '/mnt/pmem', dax: 'always', rmapbt: true, reflink: true, agcount: 4, blockSize: 4096, log: 'internal', path: '/filesystems/0' }],
    files,
    processes,
    events,
    expect: [],
    source: 'bench',
  };
}
