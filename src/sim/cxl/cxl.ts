// drivers/cxl at v6.12: type-3 memory devices (cxl_memdev) with their DPA
// space, endpoint decoders and regions, the device's poison list behind the
// Get/Inject/Clear Poison mailbox commands, the debugfs inject_poison and
// clear_poison files, the memdev's trigger_poison_list attribute, and the
// cxl_poison trace records they emit (drivers/cxl/core/{memdev,mbox,region}.c,
// trace.h). A pmem region becomes an nd_region (drivers/cxl/pmem.c
// cxl_pmem_region_probe -> nvdimm_pmem_region_create) on which the nvdimm
// stack builds namespaces as on NFIT pmem.
//
// The device's poison list (per DPA) is the truth for a memdev. Poison at a
// DPA that a region maps is also bad media at its HPA in the platform's
// media set, which is what a CPU load consumes (machine check, then
// memory_failure, exactly as for NFIT pmem). Nothing here feeds the nvdimm
// badrange list or badblocks, and nothing calls memory_failure(): 6.12 does
// neither for CXL (docs/cxl.md).

import type { Kernel } from '../kernel';
import { NdRegion } from '../platform/acpi-nfit';
import type { CxlDecoderSpec, CxlMemdevSpec, CxlPoisonSource, CxlRegionSpec, CxlSpec } from '../scenario/types';
import type { ReportCxlPoison } from '../report';
import { CXL_POISON_LEN_MULT, dpaOffsetToHpaOffset, hpaOffsetToDpaOffset, isHpaOffsetInChunk } from './interleave';
import { U64_MAX, alignDown, alignUp, hex } from '../units';

export interface PoisonRecord {
  dpa: number;
  length: number;
  source: CxlPoisonSource;
}

export class CxlDecoder {
  region: CxlRegion | null = null;
  constructor(
    readonly spec: CxlDecoderSpec,
    readonly memdev: CxlMemdev,
  ) {}
  get id(): string {
    return this.spec.id;
  }
  /** cxl_dpa_resource_start */
  get dpaStart(): number {
    return this.spec.dpa;
  }
  get dpaEnd(): number {
    return this.spec.dpa + this.spec.size;
  }
  get position(): number {
    return this.spec.position ?? -1;
  }
}

export class CxlMemdev {
  readonly decoders: CxlDecoder[] = [];
  /** the device's poison list, sorted by DPA, records never overlapping */
  readonly poison: PoisonRecord[] = [];
  constructor(readonly spec: CxlMemdevSpec) {}
  get id(): string {
    return this.spec.id;
  }
  /** cxlds->dpa_res: [0, ram + pmem) */
  get dpaSize(): number {
    return this.spec.ram + this.spec.pmem;
  }
  /** cxl_num_decoders_committed: decoders attached to a region are committed */
  get committed(): CxlDecoder[] {
    return this.decoders.filter((d) => d.region !== null);
  }
  /** the device marks [dpa, dpa + len) poisoned; bytes already on the list keep their record */
  addPoison(dpa: number, len: number, source: CxlPoisonSource): [number, number][] {
    let pieces: [number, number][] = [[dpa, dpa + len]];
    for (const r of this.poison) {
      pieces = pieces.flatMap(([a, b]): [number, number][] => {
        const s = Math.max(a, r.dpa);
        const e = Math.min(b, r.dpa + r.length);
        if (s >= e) return [[a, b]];
        const out: [number, number][] = [];
        if (a < s) out.push([a, s]);
        if (e < b) out.push([e, b]);
        return out;
      });
    }
    for (const [a, b] of pieces) this.poison.push({ dpa: a, length: b - a, source });
    this.poison.sort((x, y) => x.dpa - y.dpa);
    return pieces;
  }
  /** the device clears [dpa, dpa + len): records are trimmed or split */
  clearPoison(dpa: number, len: number): void {
    const keep: PoisonRecord[] = [];
    for (const r of this.poison) {
      const end = r.dpa + r.length;
      if (end <= dpa || r.dpa >= dpa + len) {
        keep.push(r);
        continue;
      }
      if (r.dpa < dpa) keep.push({ ...r, length: dpa - r.dpa });
      if (end > dpa + len) keep.push({ ...r, dpa: dpa + len, length: end - dpa - len });
    }
    this.poison.splice(0, this.poison.length, ...keep);
  }
  /** the decoder whose DPA range holds dpa */
  decoderAt(dpa: number): CxlDecoder | undefined {
    return this.decoders.find((d) => dpa >= d.dpaStart && dpa < d.dpaEnd);
  }
}

export class CxlRegion {
  readonly targets: CxlDecoder[] = [];
  /** pmem mode: the nd_region cxl_pmem_region_probe creates */
  nd: NdRegion | null = null;
  constructor(readonly spec: CxlRegionSpec) {}
  get id(): string {
    return this.spec.id;
  }
  get start(): number {
    return this.spec.spa;
  }
  get end(): number {
    return this.spec.spa + this.spec.size;
  }
  contains(hpa: number): boolean {
    return hpa >= this.start && hpa < this.end;
  }
  /** the device decode of an HPA in this region: the endpoint decoder and DPA behind it */
  decode(hpa: number): { decoder: CxlDecoder; dpa: number } {
    const { pos, dpaOffset } = hpaOffsetToDpaOffset(hpa - this.start, this.spec.ways, this.spec.granularity);
    const decoder = this.targets[pos]!;
    return { decoder, dpa: decoder.dpaStart + dpaOffset };
  }
  /** the HPA a DPA of one of the targets is mapped at (the arithmetic of cxl_dpa_to_hpa, untraced) */
  hpaOf(decoder: CxlDecoder, dpa: number): number {
    return this.start + dpaOffsetToHpaOffset(dpa - decoder.dpaStart, this.spec.ways, this.spec.granularity, decoder.position);
  }
}

export class CxlState {
  readonly memdevs: CxlMemdev[] = [];
  readonly regions: CxlRegion[] = [];
  /** cxl_poison trace records, in order */
  readonly records: ReportCxlPoison[] = [];
  /** dev_warn_once call sites that have fired */
  readonly warnedOnce = new Set<string>();

  memdev(id: string): CxlMemdev | undefined {
    return this.memdevs.find((m) => m.id === id);
  }
  region(id: string): CxlRegion | undefined {
    return this.regions.find((r) => r.id === id);
  }
  regionAt(hpa: number): CxlRegion | undefined {
    return this.regions.find((r) => r.contains(hpa));
  }
}

/**
 * Boot: the memdevs probe, their endpoint decoders take their DPA
 * (init_hdm_decoder for decoders found programmed, cxl_dpa_alloc for the
 * ones a region needs), each region attaches its targets in position order
 * (cxl_region_attach) and a pmem region gets its nd_region.
 */
export function cxlProbe(k: Kernel, spec: CxlSpec): CxlState {
  const st = new CxlState();
  k.cxl = st;
  for (const ms of spec.memdevs) {
    const md = new CxlMemdev(ms);
    st.memdevs.push(md);
    k.tr.call('cxl', 'cxl_mem_probe', { memdev: md.id, host: ms.host, ram: hex(ms.ram), pmem: hex(ms.pmem) }, () => 0);
  }
  for (const ds of spec.decoders) {
    const md = st.memdev(ds.memdev)!;
    const d = new CxlDecoder(ds, md);
    md.decoders.push(d);
    const args = { decoder: d.id, memdev: md.id, dpa: hex(ds.dpa), size: hex(ds.size), skip: hex(ds.skip), mode: ds.mode };
    if (ds.explicit) k.tr.call('cxl', 'init_hdm_decoder', args, () => 0);
    else k.tr.call('cxl', 'cxl_dpa_alloc', args, () => 0);
  }
  for (const rs of spec.regions) {
    const r = new CxlRegion(rs);
    st.regions.push(r);
    rs.targets.forEach((id, pos) => {
      const d = spec.decoders.find((x) => x.id === id)!;
      const dec = st.memdev(d.memdev)!.decoders.find((x) => x.id === id)!;
      k.tr.call('cxl', 'cxl_region_attach', { region: r.id, decoder: dec.id, pos }, () => {
        dec.region = r;
        r.targets.push(dec);
        return 0;
      });
    });
    if (rs.mode === 'pmem') {
      k.tr.call('cxl', 'cxl_pmem_region_probe', { region: r.id, hpa: hex(rs.spa), size: hex(rs.size), mappings: rs.ways }, () =>
        k.tr.call('nvdimm', 'nvdimm_pmem_region_create', { region: r.id, start: hex(rs.spa), size: hex(rs.size), flags: 'ND_REGION_CXL|ND_REGION_PERSIST_MEMCTRL' }, () => {
          // no NFIT: no ARS, no clear-error unit; a media error is one 64-byte CXL poison granule
          r.nd = new NdRegion({ id: rs.id, spa: rs.spa, size: rs.size, ars: false, clearUnit: 0, errorGranularity: CXL_POISON_LEN_MULT, path: rs.path }, rs.id);
          k.platform.regions.push(r.nd);
          return 0;
        }),
      );
    }
  }
  return st;
}

/** cxl_dpa_to_region(cxlmd, dpa): the region of the committed decoder that holds dpa, or NULL */
export function cxlDpaToRegion(k: Kernel, md: CxlMemdev, dpa: number): CxlRegion | null {
  let found: CxlRegion | null = null;
  k.tr.call('cxl', 'cxl_dpa_to_region', { memdev: md.id, dpa: hex(dpa) }, () => {
    if (!md.committed.length) return 'NULL';
    const d = md.decoderAt(dpa);
    found = d?.region ?? null;
    return found ? found.id : 'NULL';
  });
  return found;
}

/**
 * cxl_dpa_to_hpa(cxlr, cxlmd, dpa): the target's position placed into the
 * DPA offset (modulo decode, no root-decoder hpa_to_spa), then the result
 * checked to lie in the region and in that position's chunk; ULLONG_MAX
 * when the memdev is no target or a check fails.
 */
export function cxlDpaToHpa(k: Kernel, r: CxlRegion, md: CxlMemdev, dpa: number): number {
  return k.tr.call('cxl', 'cxl_dpa_to_hpa', { region: r.id, memdev: md.id, dpa: hex(dpa) }, () => {
    const d = r.targets.find((t) => t.memdev === md);
    if (!d) return U64_MAX;
    const hpaOffset = dpaOffsetToHpaOffset(dpa - d.dpaStart, r.spec.ways, r.spec.granularity, d.position);
    const hpa = r.start + hpaOffset;
    if (hpa < r.start || hpa >= r.end) return U64_MAX;
    if (!isHpaOffsetInChunk(hpaOffset, r.spec.ways, r.spec.granularity, d.position)) return U64_MAX;
    return hpa;
  }, hex);
}

/** trace_cxl_poison(cxlmd, cxlr, record, flags, overflow_ts, trace_type) */
function traceCxlPoison(k: Kernel, md: CxlMemdev, r: CxlRegion | null, rec: PoisonRecord, traceType: ReportCxlPoison['traceType']): void {
  const hpa = r ? cxlDpaToHpa(k, r, md, rec.dpa) : U64_MAX;
  k.cxl!.records.push({ event: k.event, memdev: md.id, host: md.spec.host, traceType, region: r ? r.id : '', hpa: hex(hpa), dpa: hex(rec.dpa), dpaLength: rec.length, source: rec.source });
}

/** the media behind a DPA range of a region's target, at its HPAs, one 64-byte granule at a time */
function forEachMappedGranule(md: CxlMemdev, dpa: number, len: number, fn: (hpa: number) => void): void {
  for (let a = alignDown(dpa, CXL_POISON_LEN_MULT); a < alignUp(dpa + len, CXL_POISON_LEN_MULT); a += CXL_POISON_LEN_MULT) {
    const d = md.decoderAt(a);
    if (d?.region) fn(d.region.hpaOf(d, a));
  }
}

/** cxl_validate_poison_dpa(cxlmd, dpa): 0 or -EINVAL; the event checks the same before anything runs */
export function cxlPoisonDpaProblem(md: CxlMemdev, dpa: number): string | null {
  if (!md.dpaSize) return `${md.id} has no DPA resource`;
  if (dpa < 0 || dpa >= md.dpaSize) return `DPA ${hex(dpa)} is outside ${md.id} (DPA [0x0, ${hex(md.dpaSize)}))`;
  if (dpa % CXL_POISON_LEN_MULT) return `DPA ${hex(dpa)} is not 64-byte aligned`;
  return null;
}

function cxlMailbox(k: Kernel, md: CxlMemdev, opcode: string, args: Record<string, string | number>, fn: () => number): number {
  return k.tr.call('cxl', 'cxl_internal_send_cmd', { memdev: md.id, opcode, ...args }, fn);
}

/**
 * debugfs inject_poison -> cxl_inject_poison(cxlmd, dpa): the Inject Poison
 * mailbox command (the device lists 64 bytes at dpa as Injected; if a
 * region maps them, the media at their HPA is bad from now on), then
 * cxl_dpa_to_region, the dev_warn_once when mapped, and one Inject trace
 * record.
 */
export function cxlInjectPoison(k: Kernel, md: CxlMemdev, dpa: number): number {
  return k.tr.call('cxl', 'cxl_debugfs_poison_inject', { memdev: md.id, dpa: hex(dpa) }, () =>
    k.tr.call('cxl', 'cxl_inject_poison', { memdev: md.id, dpa: hex(dpa) }, () => {
      k.tr.call('cxl', 'cxl_validate_poison_dpa', { memdev: md.id, dpa: hex(dpa) }, () => 0);
      cxlMailbox(k, md, 'CXL_MBOX_OP_INJECT_POISON', { address: hex(dpa) }, () => {
        md.addPoison(dpa, CXL_POISON_LEN_MULT, 'Injected');
        forEachMappedGranule(md, dpa, CXL_POISON_LEN_MULT, (hpa) => k.platform.media.add(hpa, hpa + CXL_POISON_LEN_MULT));
        return 0;
      });
      const r = cxlDpaToRegion(k, md, dpa);
      if (r) warnOnce(k, 'inject', `cxl_pci ${md.spec.host}: poison inject dpa:${hex(dpa)} region: ${r.id}`);
      traceCxlPoison(k, md, r, { dpa, length: CXL_POISON_LEN_MULT, source: 'Injected' }, 'Inject');
      return 0;
    }),
  );
}

/**
 * debugfs clear_poison -> cxl_clear_poison(cxlmd, dpa): the Clear Poison
 * mailbox command writes 64 bytes of zeroes at dpa, which clears it from
 * the device's list and heals the media behind its HPA. PageHWPoison and
 * any badblocks are not touched.
 */
export function cxlClearPoison(k: Kernel, md: CxlMemdev, dpa: number): number {
  return k.tr.call('cxl', 'cxl_debugfs_poison_clear', { memdev: md.id, dpa: hex(dpa) }, () =>
    k.tr.call('cxl', 'cxl_clear_poison', { memdev: md.id, dpa: hex(dpa) }, () => {
      k.tr.call('cxl', 'cxl_validate_poison_dpa', { memdev: md.id, dpa: hex(dpa) }, () => 0);
      cxlMailbox(k, md, 'CXL_MBOX_OP_CLEAR_POISON', { address: hex(dpa) }, () => {
        md.clearPoison(dpa, CXL_POISON_LEN_MULT);
        forEachMappedGranule(md, dpa, CXL_POISON_LEN_MULT, (hpa) => k.platform.media.remove(hpa, hpa + CXL_POISON_LEN_MULT));
        return 0;
      });
      const r = cxlDpaToRegion(k, md, dpa);
      if (r) warnOnce(k, 'clear', `cxl_pci ${md.spec.host}: poison clear dpa:${hex(dpa)} region: ${r.id}`);
      traceCxlPoison(k, md, r, { dpa, length: CXL_POISON_LEN_MULT, source: 'Injected' }, 'Clear');
      return 0;
    }),
  );
}

function warnOnce(k: Kernel, site: string, line: string): void {
  if (k.cxl!.warnedOnce.has(site)) return;
  k.cxl!.warnedOnce.add(site);
  k.log(line);
}

/**
 * cxl_mem_get_poison(cxlmd, offset, len, cxlr): Get Poison List for the DPA
 * range; one List trace record per returned record (every record that
 * overlaps the range), with the region given by the caller.
 */
export function cxlMemGetPoison(k: Kernel, md: CxlMemdev, offset: number, len: number, r: CxlRegion | null): number {
  return k.tr.call('cxl', 'cxl_mem_get_poison', { memdev: md.id, offset: hex(offset), len: hex(len), region: r ? r.id : 'NULL' }, () => {
    const out: PoisonRecord[] = [];
    cxlMailbox(k, md, 'CXL_MBOX_OP_GET_POISON', { offset: hex(offset), length: len / CXL_POISON_LEN_MULT }, () => {
      for (const rec of md.poison) if (rec.dpa < offset + len && rec.dpa + rec.length > offset) out.push({ ...rec });
      return 0;
    });
    for (const rec of out) traceCxlPoison(k, md, r, rec, 'List');
    return 0;
  });
}

/**
 * trigger_poison_list_store -> cxl_trigger_poison_list(cxlmd): with no
 * committed decoder, the whole pmem then ram partition
 * (cxl_get_poison_by_memdev); otherwise by endpoint decoder up to the last
 * committed one (poison_by_decoder: its skip with no region, then its DPA
 * with its region), then what is left unmapped (cxl_get_poison_unmapped).
 */
export function cxlTriggerPoisonList(k: Kernel, md: CxlMemdev): number {
  return k.tr.call('cxl', 'trigger_poison_list_store', { memdev: md.id }, () =>
    k.tr.call('cxl', 'cxl_trigger_poison_list', { memdev: md.id }, () => {
      const ram = md.spec.ram;
      const pmem = md.spec.pmem;
      if (!md.committed.length) {
        return k.tr.call('cxl', 'cxl_get_poison_by_memdev', { memdev: md.id }, () => {
          if (pmem) cxlMemGetPoison(k, md, ram, pmem, null);
          if (ram) cxlMemGetPoison(k, md, 0, ram, null);
          return 0;
        });
      }
      return k.tr.call('cxl', 'cxl_get_poison_by_endpoint', { memdev: md.id }, () => {
        const commitEnd = md.committed[md.committed.length - 1]!;
        let ctx: { offset: number; mode: 'ram' | 'pmem' } | null = null;
        for (const d of md.decoders) {
          const stop = k.tr.call('cxl', 'poison_by_decoder', { decoder: d.id }, () => {
            if (d.spec.skip) cxlMemGetPoison(k, md, d.dpaStart - d.spec.skip, d.spec.skip, null);
            cxlMemGetPoison(k, md, d.dpaStart, d.spec.size, d.region);
            if (d === commitEnd) {
              ctx = { offset: d.dpaEnd, mode: d.spec.mode };
              return 1;
            }
            return 0;
          });
          if (stop) break;
        }
        const c = ctx as { offset: number; mode: 'ram' | 'pmem' } | null;
        if (!c) return 0;
        return k.tr.call('cxl', 'cxl_get_poison_unmapped', { memdev: md.id, offset: hex(c.offset), mode: c.mode }, () => {
          if (c.mode === 'ram') {
            // length = resource_size(ram_res) - offset, as 6.12 computes it
            cxlMemGetPoison(k, md, c.offset, ram - c.offset, null);
            if (pmem) cxlMemGetPoison(k, md, ram, pmem, null);
            return 0;
          }
          const length = ram + pmem - c.offset;
          if (!length) return 0;
          return cxlMemGetPoison(k, md, c.offset, length, null);
        });
      });
    }),
  );
}

/**
 * A media error in a CXL region (the `media-error` event at an HPA): each
 * 64-byte granule goes bad on the device behind it, which lists it as
 * Internal, and at its HPA.
 */
export function cxlMediaError(k: Kernel, r: CxlRegion, hpa: number, len: number): void {
  for (let a = alignDown(hpa, CXL_POISON_LEN_MULT); a < alignUp(hpa + len, CXL_POISON_LEN_MULT); a += CXL_POISON_LEN_MULT) {
    const { decoder, dpa } = r.decode(a);
    decoder.memdev.addPoison(dpa, CXL_POISON_LEN_MULT, 'Internal');
    k.platform.media.add(a, a + CXL_POISON_LEN_MULT);
  }
}
