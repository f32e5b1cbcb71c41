// A namespace on a region: its mode decides which driver binds (nd_pmem for
// fsdax and raw, device_dax for devdax) and what device it exposes.

import type { Kernel } from '../kernel';
import type { NdRegion } from '../platform/acpi-nfit';
import type { NamespaceSpec } from '../scenario/types';
import { PmemDevice, ndPmemNotify } from './pmem';
import type { DevDax } from '../dax/device';

export class Namespace {
  /** bound to its driver; false after unbind */
  bound = true;
  readonly pmem: PmemDevice | null;
  /** device-dax: set up by the machine (dax_pmem probe) */
  devdax: DevDax | null = null;
  constructor(
    readonly spec: NamespaceSpec,
    readonly region: NdRegion,
  ) {
    this.pmem = spec.mode === 'devdax' ? null : new PmemDevice(spec.device, spec, region);
  }
  get id(): string {
    return this.spec.id;
  }
  /** first SPA byte of the namespace */
  get start(): number {
    return this.region.spec.spa + this.spec.offset;
  }
  get end(): number {
    return this.start + this.spec.size;
  }
  /** first SPA byte of the data area (sector 0 of the block device) */
  get dataStart(): number {
    return this.start + this.spec.dataOffset;
  }
  contains(spa: number): boolean {
    return spa >= this.start && spa < this.end;
  }
  /** the driver's ->notify (nd_pmem_notify for a bound pmem namespace) */
  notify(k: Kernel, _event: 'NVDIMM_REVALIDATE_POISON'): void {
    if (this.bound && this.pmem) ndPmemNotify(k, this.pmem);
  }
}
