// Unit tests per layer, on a bare machine (a region and a pmem namespace, no
// filesystem): badblocks arithmetic, pmem direct access and recovery-write
// alignment, the clear-error unit, block I/O, and the early-kill rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel, MF } from '../../src/sim/kernel';
import { NdRegion, Platform, acpiNfitArsRescan, nfitHandleMce } from '../../src/sim/platform/acpi-nfit';
import { Namespace } from '../../src/sim/nvdimm/namespace';
import { pmemAttachDisk, pmemDoRead, pmemDoWrite, pmemDaxOps } from '../../src/sim/nvdimm/pmem';
import { nvdimmClearPoison } from '../../src/sim/nvdimm/bus';
import { taskEarlyKill } from '../../src/sim/mm/memory-failure';
import { Task } from '../../src/sim/mm/types';
import { EHWPOISON, EIO, ENXIO } from '../../src/sim/errno';
import { MiB } from '../../src/sim/units';

const SPA = 0x240000000;

function bare(opts: { clearUnit?: number; gran?: number } = {}) {
  const k = new Kernel({ design: 'upstream', earlyKill: false, recovery: true, reporting: 'native' });
  const region = new NdRegion({ id: 'region0', spa: SPA, size: 1024 * MiB, ars: true, clearUnit: opts.clearUnit ?? 256, errorGranularity: opts.gran ?? 64, path: '/platform/regions/0' });
  k.platform = new Platform([region]);
  const ns = new Namespace({ id: 'namespace0.0', region: 'region0', offset: 0, size: 1024 * MiB, mode: 'fsdax', align: 2 * MiB, dataOffset: 18 * MiB, device: 'pmem0', path: '/platform/namespaces/0' }, region);
  region.namespaces.push(ns);
  pmemAttachDisk(k, ns.pmem!);
  return { k, region, pmem: ns.pmem!, dataStart: SPA + 18 * MiB };
}

test('a 64-byte media error found by ARS becomes one sector in namespace and region badblocks', () => {
  const { k, region, pmem, dataStart } = bare();
  k.platform.markMediaBad(region, dataStart + 4096 + 100, 1);
  acpiNfitArsRescan(k);
  assert.deepEqual(pmem.bb.show(), [[8, 1]]);
  assert.deepEqual(region.bb.show(), [[(18 * MiB) / 512 + 8, 1]]);
});

test('a bad range crossing a sector boundary rounds out to both sectors', () => {
  const { k, region, pmem, dataStart } = bare({ gran: 256 });
  k.platform.markMediaBad(region, dataStart + 512 - 256 + 1, 300); // granules [256,512) and [512,768)
  acpiNfitArsRescan(k);
  assert.deepEqual(pmem.bb.show(), [[0, 2]]);
});

test('nfit_handle_mce adds the error granule and revalidates, without memory_failure', () => {
  const { k, pmem, dataStart } = bare();
  nfitHandleMce(k, dataStart + 8192 + 64);
  assert.deepEqual(pmem.bb.show(), [[16, 1]]);
  assert.equal(k.tr.calls.get('memory_failure') ?? 0, 0);
});

test('__pmem_direct_access: -EHWPOISON for access, pages before the first bad one for recovery', () => {
  const { k, region, pmem, dataStart } = bare();
  k.platform.markMediaBad(region, dataStart + 2 * 4096, 64);
  acpiNfitArsRescan(k);
  assert.equal(pmemDaxOps.direct_access(k, pmem.dax, 0, 4, 'DAX_ACCESS').ret, -EHWPOISON);
  assert.equal(pmemDaxOps.direct_access(k, pmem.dax, 0, 4, 'DAX_RECOVERY_WRITE').ret, 2);
  assert.equal(pmemDaxOps.direct_access(k, pmem.dax, 2, 4, 'DAX_RECOVERY_WRITE').ret, 1);
  assert.equal(pmemDaxOps.direct_access(k, pmem.dax, 3, 1, 'DAX_ACCESS').ret, 1);
  assert.equal(pmemDaxOps.direct_access(k, pmem.dax, 0, 1, 'DAX_ACCESS').pfn, (dataStart) / 4096);
});

test('pmem_recovery_write clears poison only for whole page-aligned writes', () => {
  const { k, region, pmem, dataStart } = bare();
  k.platform.markMediaBad(region, dataStart + 4096, 64);
  acpiNfitArsRescan(k);
  assert.equal(pmemDaxOps.recovery_write!(k, pmem.dax, 1, 0, 512), 0, 'short');
  assert.equal(pmemDaxOps.recovery_write!(k, pmem.dax, 1, 512, 3584), 0, 'not from a page start');
  assert.deepEqual(pmem.bb.show(), [[8, 1]]);
  assert.equal(pmemDaxOps.recovery_write!(k, pmem.dax, 1, 0, 4096), 4096);
  assert.deepEqual(pmem.bb.show(), []);
  assert.deepEqual(region.bb.show(), []);
  assert.equal(k.platform.media.overlaps(dataStart, dataStart + 8192), false, 'media healed');
  assert.equal(k.platform.badrange.overlaps(dataStart, dataStart + 8192), false, 'badrange forgotten');
});

test('nvdimm_clear_poison refuses a range that is not in whole clear units', () => {
  const { k, region, dataStart } = bare({ clearUnit: 4096 });
  assert.equal(nvdimmClearPoison(k, region, dataStart + 512, 512), -ENXIO);
  assert.equal(nvdimmClearPoison(k, region, dataStart, 4096), 4096);
});

test('block I/O: a read of a known bad sector is EIO, a write over it clears it', () => {
  const { k, region, pmem, dataStart } = bare();
  k.platform.markMediaBad(region, dataStart + 4096, 64);
  acpiNfitArsRescan(k);
  assert.equal(pmemDoRead(k, pmem, 8, 512), -EIO);
  assert.equal(pmemDoRead(k, pmem, 9, 512), 0);
  assert.equal(pmemDoWrite(k, pmem, 8, 512), 0);
  assert.deepEqual(pmem.bb.show(), []);
  assert.equal(pmemDoRead(k, pmem, 8, 512), 0);
});

test('block read of poison nobody knew about is EIO and the machine check fills badblocks', () => {
  const { k, region, pmem, dataStart } = bare();
  k.platform.markMediaBad(region, dataStart + 4096, 64);
  assert.equal(pmemDoRead(k, pmem, 8, 512), -EIO);
  assert.deepEqual(pmem.bb.show(), [[8, 1]]);
});

test('task_early_kill: current when forced, PR_MCE_KILL early/late, then the sysctl', () => {
  const { k } = bare();
  const cur = new Task(1, 'cur', 'late', 'handle');
  const early = new Task(2, 'early', 'early', 'handle');
  const late = new Task(3, 'late', 'late', 'handle');
  const dflt = new Task(4, 'dflt', 'default', 'handle');
  k.current = cur;
  assert.equal(taskEarlyKill(k, cur, true), cur, 'forced: the current task even if it chose late');
  assert.equal(taskEarlyKill(k, cur, false), null);
  assert.equal(taskEarlyKill(k, early, true), early);
  assert.equal(taskEarlyKill(k, late, true), null);
  assert.equal(taskEarlyKill(k, dflt, true), null, 'sysctl off');
  k.cfg.earlyKill = true;
  assert.equal(taskEarlyKill(k, dflt, true), dflt, 'sysctl on');
  assert.equal(taskEarlyKill(k, late, true), null, 'prctl late beats the sysctl');
  dflt.mm = null;
  assert.equal(taskEarlyKill(k, dflt, true), null, 'no mm');
  assert.equal(MF.ACTION_REQUIRED, 2);
});
