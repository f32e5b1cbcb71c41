// The CXL events (docs/cxl.md): what a root shell does with
// /sys/kernel/debug/cxl/memX/{inject,clear}_poison and
// /sys/bus/cxl/devices/memX/trigger_poison_list (`cxl list --media-errors`).
// Every input is checked before any kernel code runs; a rejected event
// changes nothing.

import type { Machine } from '../machine';
import type { EventSpec } from '../scenario/types';
import type { EventResult } from '../report';
import { InputError, describeValue } from '../errors';
import type { Kernel } from '../kernel';
import type { NdRegion } from '../platform/acpi-nfit';
import { ENOTTY } from '../errno';
import { hex } from '../units';
import { cxlClearPoison, cxlInjectPoison, cxlMediaError, cxlPoisonDpaProblem, cxlTriggerPoisonList, type CxlMemdev, type CxlState } from './cxl';

type CxlEvent = Extract<EventSpec, { do: 'cxl-inject-poison' | 'cxl-clear-poison' | 'cxl-poison-list' }>;

function cxlOf(m: Machine, e: EventSpec): CxlState {
  if (!m.k.cxl) throw new InputError(`${e.path}/do`, 'do', e.do, `${e.id}: the platform has no CXL devices (platform.cxl)`);
  return m.k.cxl;
}

function memdevOf(m: Machine, e: EventSpec, id: string): CxlMemdev {
  const st = cxlOf(m, e);
  const md = st.memdev(id);
  if (!md) throw new InputError(`${e.path}/memdev`, 'memdev', id, `${e.id}: no CXL memdev ${describeValue(id)} (memdevs: ${st.memdevs.map((x) => x.id).join(', ') || 'none'})`);
  return md;
}

/** Validate, then run one CXL event. */
export function runCxlEvent(m: Machine, e: CxlEvent): EventResult {
  const k = m.k;
  if (e.do === 'cxl-poison-list') {
    if (e.memdev !== undefined) return { ret: cxlTriggerPoisonList(k, memdevOf(m, e, e.memdev)) };
    const st = cxlOf(m, e);
    const r = st.region(e.region ?? '');
    if (!r) throw new InputError(`${e.path}/region`, 'region', e.region, `${e.id}: no CXL region ${describeValue(e.region)} (CXL regions: ${st.regions.map((x) => x.id).join(', ') || 'none'})`);
    // cxl list -r <region> --media-errors triggers each memdev of the region, in position order
    for (const d of r.targets) {
      const rc = cxlTriggerPoisonList(k, d.memdev);
      if (rc < 0) return { ret: rc };
    }
    return { ret: 0 };
  }
  const md = memdevOf(m, e, e.memdev);
  const problem = cxlPoisonDpaProblem(md, e.dpa);
  if (problem) throw new InputError(`${e.path}/dpa`, 'dpa', hex(e.dpa), `${e.id}: ${problem} (cxl_validate_poison_dpa: the debugfs write fails with EINVAL)`);
  return { ret: e.do === 'cxl-inject-poison' ? cxlInjectPoison(k, md, e.dpa) : cxlClearPoison(k, md, e.dpa) };
}

/** media-error inside a CXL nd_region: the devices behind it list the poison */
export function cxlRegionMediaError(k: Kernel, nd: NdRegion, spa: number, len: number): void {
  cxlMediaError(k, k.cxl!.region(nd.cxl!)!, spa, len);
}

/**
 * An ndctl bus command (ARS start, error injection) on the CXL nvdimm bus:
 * the bridge's bus descriptor advertises no bus commands, so the ioctl is
 * refused with ENOTTY before cxl_pmem_ctl is reached.
 */
export function cxlBusNdIoctl(k: Kernel, cmd: string, nd: NdRegion): number {
  return k.tr.call('syscall', 'nd_ioctl', { bus: 'cxl', cmd, region: nd.id }, () => -ENOTTY);
}
