// Laying out a scenario's CXL topology before anything is built: memdevs
// with their ram and pmem partitions, endpoint decoders with DPA base and
// skip, and regions with interleave ways, granularity and targets in position
// order. Pure: the scenario loader calls it and reports each problem at its
// field; the machine then trusts the result.
//
// Settled from v6.12 (docs/cxl.md): DPA is ram first, then pmem
// (cxl_mem_create_range_info); decoders on one device are allocated and
// committed in instance order (__cxl_dpa_reserve: hdm_end + 1); a decoder
// found programmed at boot has base = previous end + skip (init_hdm_decoder);
// one allocated for a region follows cxl_dpa_alloc, including its reservation
// of the skip from the first free ram byte; decoders are single-mode; ways
// and granularity must encode (ways_to_eiw, granularity_to_eig); HDM base,
// size and skip are in 256 MiB units.

import type { CxlDecoderSpec, CxlMemdevSpec, CxlRegionSpec, CxlSpec } from '../scenario/types';
import { CXL_CAPACITY_MULTIPLIER, SUPPORTED_WAYS, granularityToEig, waysToEiw } from './interleave';
import { formatSize, hex } from '../units';

export interface CxlInputMemdev {
  id: string;
  ram: number;
  pmem: number;
  host?: string;
  path: string;
  raw: { ram?: unknown; pmem?: unknown };
}
export interface CxlInputDecoder {
  id: string;
  memdev: string;
  size: number;
  skip?: number;
  dpa?: number;
  path: string;
  raw: { size?: unknown; skip?: unknown; dpa?: unknown };
}
export interface CxlInputRegion {
  id: string;
  mode: 'ram' | 'pmem';
  spa: number;
  size: number;
  ways?: number;
  granularity: number;
  targets: string[];
  path: string;
  raw: { spa?: unknown; size?: unknown; ways?: unknown; granularity?: unknown };
}
export interface CxlInput {
  memdevs: CxlInputMemdev[];
  decoders: CxlInputDecoder[];
  regions: CxlInputRegion[];
}
/** `what` follows the value in the message ("<value> <what>") */
export interface CxlProblem {
  pointer: string;
  value: unknown;
  what: string;
}

const M256 = CXL_CAPACITY_MULTIPLIER;
const MAX_PHYS = 2 ** 52;
const DECODER_ID = /^decoder(\d+)\.(\d+)$/;

interface MemdevState {
  spec: CxlMemdevSpec;
  decoders: CxlDecoderSpec[];
  /** the port id written in explicit decoder ids, once seen */
  port?: number;
}

export function layoutCxl(input: CxlInput): { spec: CxlSpec; problems: CxlProblem[] } {
  const problems: CxlProblem[] = [];
  const bad = (pointer: string, value: unknown, what: string): void => {
    problems.push({ pointer, value, what });
  };
  const memdevs = new Map<string, MemdevState>();
  const decoders = new Map<string, CxlDecoderSpec>();

  // ---- memdevs: cxl_mem_create_range_info, ram then pmem
  input.memdevs.forEach((m, i) => {
    if (memdevs.has(m.id)) {
      bad(`${m.path}/id`, m.id, 'is already the id of another memdev');
      return;
    }
    for (const f of ['ram', 'pmem'] as const) {
      if (m[f] % M256) bad(`${m.path}/${f}`, m.raw[f], `is not a multiple of 256MiB (CXL capacities are in 256 MiB units, CXL_CAPACITY_MULTIPLIER)`);
    }
    if (m.ram + m.pmem === 0) bad(`${m.path}/pmem`, m.raw.pmem ?? 0, `leaves ${m.id} with no capacity (give ram or pmem)`);
    const host = m.host ?? `0000:${(0x0d + i).toString(16).padStart(2, '0')}:00.0`;
    memdevs.set(m.id, { spec: { id: m.id, ram: m.ram, pmem: m.pmem, host, port: i, path: m.path }, decoders: [] });
  });
  const total = (md: MemdevState): number => md.spec.ram + md.spec.pmem;
  const partitionOf = (md: MemdevState, base: number, size: number): 'ram' | 'pmem' | 'mixed' => {
    if (base + size <= md.spec.ram) return 'ram';
    if (base >= md.spec.ram) return 'pmem';
    return 'mixed';
  };
  const lastEnd = (md: MemdevState): number => {
    const d = md.decoders[md.decoders.length - 1];
    return d ? d.dpa + d.size : 0;
  };

  // ---- explicit decoders: found programmed at boot, base = previous end + skip
  for (const d of input.decoders) {
    const md = memdevs.get(d.memdev);
    if (!md) {
      bad(`${d.path}/memdev`, d.memdev, `is not a memdev (memdevs: ${[...memdevs.keys()].join(', ') || 'none'})`);
      continue;
    }
    if (decoders.has(d.id)) {
      bad(`${d.path}/id`, d.id, 'is already the id of another decoder');
      continue;
    }
    const idm = DECODER_ID.exec(d.id);
    const n = md.decoders.length;
    if (!idm) {
      bad(`${d.path}/id`, d.id, 'is not an endpoint decoder name (expected decoder<port>.<n>, like decoder0.0)');
      continue;
    }
    if (Number(idm[2]) !== n) {
      bad(`${d.path}/id`, d.id, `is out of order: ${d.memdev}'s decoders are used in instance order and the next one is decoder${md.port ?? idm[1]}.${n} (__cxl_dpa_reserve needs hdm_end + 1)`);
      continue;
    }
    if (md.port !== undefined && Number(idm[1]) !== md.port) {
      bad(`${d.path}/id`, d.id, `names port ${idm[1]}, but ${d.memdev}'s other decoders are on port ${md.port}`);
      continue;
    }
    if (d.size === 0 || d.size % M256) {
      bad(`${d.path}/size`, d.raw.size, 'is not a positive multiple of 256MiB (HDM decoder sizes are in 256 MiB units)');
      continue;
    }
    const prev = lastEnd(md);
    let skip = d.skip ?? 0;
    if (d.dpa !== undefined) {
      if (d.dpa < prev) {
        bad(`${d.path}/dpa`, d.raw.dpa, `is below the end of ${d.memdev}'s previous decoder (${hex(prev)}); decoders take DPA in order`);
        continue;
      }
      if (d.skip !== undefined && d.skip !== d.dpa - prev) {
        bad(`${d.path}/skip`, d.raw.skip, `does not agree with dpa ${hex(d.dpa)}: the previous decoder ends at ${hex(prev)}, so skip is ${hex(d.dpa - prev)}`);
        continue;
      }
      skip = d.dpa - prev;
    }
    if (skip % M256) {
      bad(`${d.path}/${d.dpa !== undefined ? 'dpa' : 'skip'}`, d.dpa !== undefined ? d.raw.dpa : d.raw.skip, 'gives a DPA skip that is not a multiple of 256MiB (the DPA Skip register is in 256 MiB units)');
      continue;
    }
    const base = prev + skip;
    if (base + d.size > total(md)) {
      bad(`${d.path}/size`, d.raw.size, `puts ${d.id} at DPA [${hex(base)}, ${hex(base + d.size)}), outside ${d.memdev} (DPA [0x0, ${hex(total(md))}))`);
      continue;
    }
    const mode = partitionOf(md, base, d.size);
    if (mode === 'mixed') {
      bad(`${d.path}/size`, d.raw.size, `makes ${d.id} [${hex(base)}, ${hex(base + d.size)}) span ${d.memdev}'s ram [0x0, ${hex(md.spec.ram)}) and pmem partitions (mixed-mode decoders are not supported)`);
      continue;
    }
    md.port = Number(idm[1]);
    const spec: CxlDecoderSpec = { id: d.id, memdev: d.memdev, dpa: base, skip, size: d.size, mode, explicit: true, path: d.path };
    md.decoders.push(spec);
    decoders.set(d.id, spec);
  }

  // ---- regions
  const regions: CxlRegionSpec[] = [];
  input.regions.forEach((r) => {
    const p = r.path;
    if (regions.some((o) => o.id === r.id)) {
      bad(`${p}/id`, r.id, 'is already the id of another CXL region');
      return;
    }
    let ok = true;
    const ways = r.ways ?? r.targets.length;
    if (waysToEiw(ways) === undefined) {
      bad(r.ways !== undefined ? `${p}/ways` : `${p}/targets`, r.ways ?? r.targets, `is not a supported interleave (ways_to_eiw accepts ${SUPPORTED_WAYS.join(', ')} ways)`);
      ok = false;
    } else if (r.targets.length !== ways) {
      bad(`${p}/targets`, r.targets, `has ${r.targets.length} targets for ${ways} interleave ways (one endpoint per position)`);
      ok = false;
    }
    if (granularityToEig(r.granularity) === undefined) {
      bad(`${p}/granularity`, r.raw.granularity, 'is not a supported interleave granularity (granularity_to_eig: a power of two from 256 to 16KiB)');
      ok = false;
    }
    if (r.spa % M256) {
      bad(`${p}/spa`, r.raw.spa, 'is not 256MiB aligned (HDM decoder bases are in 256 MiB units)');
      ok = false;
    }
    if (r.spa + r.size > MAX_PHYS) {
      bad(`${p}/size`, r.raw.size, `runs past the 52-bit physical address space (ends at ${hex(r.spa + r.size)})`);
      ok = false;
    }
    if (ok && (r.size === 0 || r.size % (ways * M256))) {
      bad(`${p}/size`, r.raw.size, `is not a positive multiple of ${ways} x 256MiB: the interleave does not divide it (each of the ${ways} endpoints decodes size/${ways}, a multiple of 256 MiB)`);
      ok = false;
    }
    const overlap = regions.find((o) => r.spa < o.spa + o.size && o.spa < r.spa + r.size);
    if (overlap) {
      bad(`${p}/spa`, r.raw.spa, `puts ${r.id} [${hex(r.spa)}, ${hex(r.spa + r.size)}) over CXL region ${overlap.id} [${hex(overlap.spa)}, ${hex(overlap.spa + overlap.size)})`);
      ok = false;
    }
    if (!ok) return;
    const perTarget = r.size / ways;
    // resolve every target before allocating any DPA, so a bad target changes nothing
    const seen = new Map<string, number>();
    const plan: ({ kind: 'decoder'; d: CxlDecoderSpec } | { kind: 'memdev'; md: MemdevState })[] = [];
    r.targets.forEach((t, pos) => {
      const ptr = `${p}/targets/${pos}`;
      const dec = decoders.get(t);
      const md = dec ? memdevs.get(dec.memdev)! : memdevs.get(t);
      if (!md) {
        bad(ptr, t, `is not a memdev or an endpoint decoder (memdevs: ${[...memdevs.keys()].join(', ') || 'none'}; decoders: ${[...decoders.keys()].join(', ') || 'none'})`);
        ok = false;
        return;
      }
      const earlier = seen.get(md.spec.id);
      if (earlier !== undefined) {
        bad(ptr, t, `puts ${md.spec.id} at positions ${earlier} and ${pos}; each position needs its own memdev`);
        ok = false;
        return;
      }
      seen.set(md.spec.id, pos);
      if (dec) {
        if (dec.region) {
          bad(ptr, t, `is already attached to ${dec.region} at position ${dec.position}`);
          ok = false;
        } else if (dec.mode !== r.mode) {
          bad(ptr, t, `decodes ${dec.mode} DPA; a ${r.mode} region needs ${r.mode} decoders`);
          ok = false;
        } else if (dec.size !== perTarget) {
          bad(ptr, t, `decodes ${formatSize(dec.size)}, but each position of ${r.id} decodes ${formatSize(perTarget)} (size / ways)`);
          ok = false;
        } else plan.push({ kind: 'decoder', d: dec });
      } else plan.push({ kind: 'memdev', md });
    });
    if (!ok) return;
    // allocate (cxl_dpa_alloc) and attach
    const attached: CxlDecoderSpec[] = [];
    for (let pos = 0; pos < plan.length; pos++) {
      const step = plan[pos]!;
      if (step.kind === 'decoder') {
        attached.push(step.d);
        continue;
      }
      const alloc = cxlDpaAlloc(step.md, r.mode, perTarget);
      if (typeof alloc === 'string') {
        bad(`${p}/targets/${pos}`, r.targets[pos], alloc);
        ok = false;
        break;
      }
      attached.push(alloc);
    }
    if (!ok) {
      // undo the allocations of this region
      for (const d of attached) if (!d.explicit && d.region === undefined) removeDecoder(memdevs.get(d.memdev)!, d);
      return;
    }
    attached.forEach((d, pos) => {
      d.region = r.id;
      d.position = pos;
      if (!d.explicit) decoders.set(d.id, d);
    });
    regions.push({
      id: r.id,
      mode: r.mode,
      spa: r.spa,
      size: r.size,
      ways,
      granularity: r.granularity,
      targets: attached.map((d) => d.id),
      path: p,
    });
  });

  // ---- commit order: a decoder in a region cannot follow an uncommitted one on the same device
  for (const md of memdevs.values()) {
    const firstIdle = md.decoders.findIndex((d) => d.region === undefined);
    if (firstIdle < 0) continue;
    const later = md.decoders.slice(firstIdle + 1).find((d) => d.region !== undefined);
    if (later) {
      const idle = md.decoders[firstIdle]!;
      bad(`${idle.path}/id`, idle.id, `is in no region but ${later.id} after it is in ${later.region}: decoders commit in order (cxl_decoder_commit needs commit_end + 1), so ${later.region} could not be committed`);
    }
  }

  const all: CxlDecoderSpec[] = [];
  for (const md of memdevs.values()) all.push(...md.decoders);
  return { spec: { memdevs: [...memdevs.values()].map((m) => m.spec), decoders: all, regions }, problems };
}

function removeDecoder(md: MemdevState, d: CxlDecoderSpec): void {
  const i = md.decoders.indexOf(d);
  if (i >= 0) md.decoders.splice(i, 1);
}

/**
 * cxl_dpa_alloc(cxled, size) at 6.12 for a decoder of `mode`: the next free
 * byte of the partition; for pmem, the skip reserved from the first free ram
 * byte up to it (unless a pmem allocation already handled the skip). A
 * reservation that collides with an allocated decoder is -EBUSY, a size
 * beyond the free capacity -ENOSPC. Returns the new decoder, appended, or
 * the reason it failed.
 */
function cxlDpaAlloc(md: MemdevState, mode: 'ram' | 'pmem', size: number): CxlDecoderSpec | string {
  const m = md.spec;
  const n = md.decoders.length;
  const port = md.port ?? m.port;
  const id = `decoder${port}.${n}`;
  const inRam = md.decoders.filter((d) => d.mode === 'ram');
  const inPmem = md.decoders.filter((d) => d.mode === 'pmem');
  const freeRamStart = inRam.length ? inRam[inRam.length - 1]!.dpa + inRam[inRam.length - 1]!.size : 0;
  const freePmemStart = inPmem.length ? inPmem[inPmem.length - 1]!.dpa + inPmem[inPmem.length - 1]!.size : m.ram;
  let start: number;
  let avail: number;
  let skip = 0;
  if (mode === 'ram') {
    start = freeRamStart;
    avail = m.ram - start;
  } else {
    start = freePmemStart;
    avail = m.ram + m.pmem - start;
    const skipStart = freeRamStart;
    const skipEnd = inPmem.length && skipStart === inPmem[0]!.dpa ? skipStart - 1 : start - 1;
    skip = skipEnd - skipStart + 1;
  }
  if (size > avail) return `has ${formatSize(Math.max(0, avail))} of free ${mode} capacity from DPA ${hex(start)}, but ${formatSize(size)} is needed per position (cxl_dpa_alloc fails with -ENOSPC)`;
  // a decoder must start after the last one allocated on the device (hdm_end order)
  const last = md.decoders[n - 1];
  if (last && start < last.dpa + last.size) return `would need a ${mode} decoder at DPA ${hex(start)}, below ${last.id}'s end ${hex(last.dpa + last.size)}; decoders take DPA in instance order (__cxl_dpa_reserve fails with -EBUSY)`;
  if (skip > 0) {
    const clash = md.decoders.find((d) => d.dpa < start && d.dpa + d.size > start - skip);
    if (clash) return `would reserve the DPA skip [${hex(start - skip)}, ${hex(start)}) over ${clash.id} (cxl_dpa_alloc at 6.12 skips from the first free ram byte; __cxl_dpa_reserve fails with -EBUSY)`;
  }
  const d: CxlDecoderSpec = { id, memdev: m.id, dpa: start, skip, size, mode, explicit: false, path: m.path };
  md.decoders.push(d);
  return d;
}
