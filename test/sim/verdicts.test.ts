// Owner verdicts (src/sim/verdicts.ts): for every built-in scenario under
// every design, who was told, who was not, and which kernel function decided;
// and the reasons and spans behind the cases a kernel developer asks about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario, Session } from '../../src/sim/run';
import type { Design, Scenario } from '../../src/sim/scenario/types';
import type { ReportVerdict, RunReport } from '../../src/sim/report';
import { InputError } from '../../src/sim/errors';
import { fsdaxHead } from './helpers';

const ROOT = resolve(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'scenarios');
const DESIGNS: Design[] = ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure'];

function load(f: string): Scenario {
  return loadScenario(readFileSync(join(DIR, f), 'utf8'), f);
}

function row(v: ReportVerdict): string {
  const owner = 'file' in v.owner ? v.owner.file : `/dev/${v.owner.device}`;
  return `${v.event} ${v.pid ?? '-'}/${v.mapping ?? '-'} ${owner}[0x${v.owner.start.toString(16)},0x${v.owner.end.toString(16)}) ${v.outcome} ${v.symbol}`;
}

/** event pid/mapping owner[start,end) outcome symbol, as each built-in scenario gives them, per design */
const EXPECTED: Record<string, string[]> = {
  "cxl-inject-no-region upstream": [],
  "cxl-inject-no-region page-mapping": [],
  "cxl-inject-no-region corrupted-range": [],
  "cxl-inject-no-region pagemap-failure": [],
  "cxl-pmem-fsdax-consume upstream": [
    "e2 2001/m0 /mnt/cxl/data[0x3000,0x4000) AR kill_proc",
    "e2 2002/m0 /mnt/cxl/data[0x3000,0x4000) AO kill_proc",
  ],
  "cxl-pmem-fsdax-consume page-mapping": [
    "e2 2001/m0 /mnt/cxl/data[0x3000,0x4000) AR kill_proc",
    "e2 2002/m0 /mnt/cxl/data[0x3000,0x4000) AO kill_proc",
  ],
  "cxl-pmem-fsdax-consume corrupted-range": [
    "e2 2001/m0 /mnt/cxl/data[0x3000,0x4000) AR kill_proc",
    "e2 2002/m0 /mnt/cxl/data[0x3000,0x4000) AO kill_proc",
  ],
  "cxl-pmem-fsdax-consume pagemap-failure": [
    "e2 2001/m0 /mnt/cxl/data[0x3000,0x4000) AR kill_proc",
    "e2 2002/m0 /mnt/cxl/data[0x3000,0x4000) AO kill_proc",
  ],
  "cxl-ram-skip-poison-list upstream": [],
  "cxl-ram-skip-poison-list page-mapping": [],
  "cxl-ram-skip-poison-list corrupted-range": [],
  "cxl-ram-skip-poison-list pagemap-failure": [],
  "cxl-x2-interleave-poison-list upstream": [],
  "cxl-x2-interleave-poison-list page-mapping": [],
  "cxl-x2-interleave-poison-list corrupted-range": [],
  "cxl-x2-interleave-poison-list pagemap-failure": [],
  "cxl-x3-devdax-consume upstream": [
    "e2 3001/m0 /dev/dax0.0[0x2e00000,0x2e01000) AR kill_proc",
  ],
  "cxl-x3-devdax-consume page-mapping": [
    "e2 3001/m0 /dev/dax0.0[0x2e00000,0x2e01000) AR kill_proc",
  ],
  "cxl-x3-devdax-consume corrupted-range": [
    "e2 3001/m0 /dev/dax0.0[0x2e00000,0x2e01000) AR kill_proc",
  ],
  "cxl-x3-devdax-consume pagemap-failure": [
    "e2 3001/m0 /dev/dax0.0[0x2e00000,0x2e01000) AR kill_proc",
  ],
  "devdax-2m-generic-path upstream": [
    "e1 4100/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e1 4101/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e1 4102/m0 /dev/dax0.0[0x3000,0x4000) unmapped only task_early_kill",
    "e2 4100/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4101/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4102/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e3 4102/m0 /dev/dax0.0[0x200000,0x201000) SIGBUS do_sigbus",
  ],
  "devdax-2m-generic-path page-mapping": [
    "e1 4100/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e1 4101/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e1 4102/m0 /dev/dax0.0[0x3000,0x4000) unmapped only task_early_kill",
    "e2 4100/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4101/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4102/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e3 4102/m0 /dev/dax0.0[0x200000,0x201000) SIGBUS do_sigbus",
  ],
  "devdax-2m-generic-path corrupted-range": [
    "e1 4100/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e1 4101/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e1 4102/m0 /dev/dax0.0[0x3000,0x4000) unmapped only task_early_kill",
    "e2 4100/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4101/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4102/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e3 4102/m0 /dev/dax0.0[0x200000,0x201000) SIGBUS do_sigbus",
  ],
  "devdax-2m-generic-path pagemap-failure": [
    "e1 4100/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e1 4101/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e1 4102/m0 /dev/dax0.0[0x3000,0x4000) unmapped only task_early_kill",
    "e2 4100/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4101/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e2 4102/m0 /dev/dax0.0[0x0,0x400000) unmapped only kill_dev_dax",
    "e3 4102/m0 /dev/dax0.0[0x200000,0x201000) SIGBUS do_sigbus",
  ],
  "dax-shared-oops-mf-mutex upstream": [
    "e1 9100/m0 /mnt/pmem/a[0x0,0x1000) none dax_lock_folio",
    "e1 9101/m0 /mnt/pmem/b[0x0,0x1000) killed make_task_dead",
    "e2 9102/m0 /mnt/pmem/c[0x1000,0x2000) none memory_failure",
    "e2 9103/m0 /mnt/pmem/c[0x1000,0x2000) none memory_failure",
    "e4 9102/m0 /mnt/pmem/c[0x2000,0x3000) none memory_failure",
    "e4 9103/m0 /mnt/pmem/c[0x2000,0x3000) none memory_failure",
  ],
  "dax-shared-oops-mf-mutex page-mapping": [
    "e1 9100/m0 /mnt/pmem/a[0x0,0x1000) none mf_generic_kill_procs",
    "e1 9101/m0 /mnt/pmem/b[0x0,0x1000) AR kill_proc",
    "e2 9102/m0 /mnt/pmem/c[0x1000,0x2000) AR kill_proc",
    "e2 9103/m0 /mnt/pmem/c[0x1000,0x2000) unmapped only task_early_kill",
    "e4 9102/m0 /mnt/pmem/c[0x2000,0x3000) unmapped only task_early_kill",
    "e4 9103/m0 /mnt/pmem/c[0x2000,0x3000) AR kill_proc",
  ],
  "dax-shared-oops-mf-mutex corrupted-range": [
    "e1 9100/m0 /mnt/pmem/a[0x0,0x1000) none dax_lock_folio",
    "e1 9101/m0 /mnt/pmem/b[0x0,0x1000) killed make_task_dead",
    "e2 9102/m0 /mnt/pmem/c[0x1000,0x2000) none memory_failure",
    "e2 9103/m0 /mnt/pmem/c[0x1000,0x2000) none memory_failure",
    "e4 9102/m0 /mnt/pmem/c[0x2000,0x3000) none memory_failure",
    "e4 9103/m0 /mnt/pmem/c[0x2000,0x3000) none memory_failure",
  ],
  "dax-shared-oops-mf-mutex pagemap-failure": [
    "e1 9100/m0 /mnt/pmem/a[0x0,0x1000) none mf_generic_kill_procs",
    "e1 9101/m0 /mnt/pmem/b[0x0,0x1000) AR kill_proc",
    "e2 9102/m0 /mnt/pmem/c[0x1000,0x2000) AR kill_proc",
    "e2 9103/m0 /mnt/pmem/c[0x1000,0x2000) unmapped only task_early_kill",
    "e4 9102/m0 /mnt/pmem/c[0x2000,0x3000) unmapped only task_early_kill",
    "e4 9103/m0 /mnt/pmem/c[0x2000,0x3000) AR kill_proc",
  ],
  "dax-shared-oops-panic-on-oops upstream": [
    "e2 9101/m0 /mnt/pmem/b[0x0,0x1000) none dax_lock_folio",
  ],
  "dax-shared-oops-panic-on-oops page-mapping": [
    "e2 9101/m0 /mnt/pmem/b[0x0,0x1000) AR kill_proc",
  ],
  "dax-shared-oops-panic-on-oops corrupted-range": [
    "e2 9101/m0 /mnt/pmem/b[0x0,0x1000) none dax_lock_folio",
  ],
  "dax-shared-oops-panic-on-oops pagemap-failure": [
    "e2 9101/m0 /mnt/pmem/b[0x0,0x1000) AR kill_proc",
  ],
  "ghes-estatus-print upstream": [],
  "ghes-estatus-print page-mapping": [],
  "ghes-estatus-print corrupted-range": [],
  "ghes-estatus-print pagemap-failure": [],
  "dm-corrupted-range-forwarding upstream": [
    "e1 4301/m0 /mnt/dm/clone[0x1000,0x2000) none dax_lock_folio",
    "e1 4300/m0 /mnt/dm/linear[0x1000,0x2000) killed make_task_dead",
  ],
  "dm-corrupted-range-forwarding page-mapping": [
    "e1 4301/m0 /mnt/dm/clone[0x1000,0x2000) AO kill_proc",
    "e1 4300/m0 /mnt/dm/linear[0x1000,0x2000) none mf_generic_kill_procs",
    "e2 4300/m1 /mnt/dm/striped[0x2000,0x3000) AR kill_proc",
    "e2 4301/m1 /mnt/dm/striped[0x2000,0x3000) AO kill_proc",
  ],
  "dm-corrupted-range-forwarding corrupted-range": [
    "e1 4301/m0 /mnt/dm/clone[0x1000,0x2000) AO kill_proc",
    "e1 4300/m0 /mnt/dm/linear[0x1000,0x2000) AR kill_proc",
    "e2 4300/m1 /mnt/dm/striped[0x2000,0x3000) none dm_blk_corrupted_range",
    "e2 4301/m1 /mnt/dm/striped[0x2000,0x3000) none dm_blk_corrupted_range",
  ],
  "dm-corrupted-range-forwarding pagemap-failure": [
    "e1 4301/m0 /mnt/dm/clone[0x1000,0x2000) AO kill_proc",
    "e1 4300/m0 /mnt/dm/linear[0x1000,0x2000) none mf_generic_kill_procs",
    "e2 4300/m1 /mnt/dm/striped[0x2000,0x3000) AR kill_proc",
    "e2 4301/m1 /mnt/dm/striped[0x2000,0x3000) AO kill_proc",
  ],
  "dm-linear-xfs-not-told upstream": [
    "e1 4100/m0 /mnt/dm/data[0x1000,0x2000) AR kill_proc",
    "e1 4101/m0 /mnt/dm/data[0x1000,0x2000) AO kill_proc",
    "e1 4102/m0 /mnt/dm/data[0x1000,0x2000) unmapped only task_early_kill",
    "e5 4100/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
    "e5 4101/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
    "e5 4102/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
  ],
  "dm-linear-xfs-not-told page-mapping": [
    "e1 4100/m0 /mnt/dm/data[0x1000,0x2000) AR kill_proc",
    "e1 4101/m0 /mnt/dm/data[0x1000,0x2000) AO kill_proc",
    "e1 4102/m0 /mnt/dm/data[0x1000,0x2000) unmapped only task_early_kill",
    "e5 4100/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
    "e5 4101/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
    "e5 4102/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
  ],
  "dm-linear-xfs-not-told corrupted-range": [
    "e1 4100/m0 /mnt/dm/data[0x1000,0x2000) AR kill_proc",
    "e1 4101/m0 /mnt/dm/data[0x1000,0x2000) AO kill_proc",
    "e1 4102/m0 /mnt/dm/data[0x1000,0x2000) unmapped only task_early_kill",
    "e5 4100/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
    "e5 4101/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
    "e5 4102/m0 /mnt/dm/data[0x0,0x10000) none kill_dax",
  ],
  "dm-linear-xfs-not-told pagemap-failure": [
    "e1 4100/m0 /mnt/dm/data[0x1000,0x2000) AR kill_proc",
    "e1 4101/m0 /mnt/dm/data[0x1000,0x2000) AO kill_proc",
    "e1 4102/m0 /mnt/dm/data[0x1000,0x2000) unmapped only task_early_kill",
    "e5 4100/m0 /mnt/dm/data[0x0,0x10000) unmapped only task_early_kill",
    "e5 4101/m0 /mnt/dm/data[0x0,0x10000) AO kill_proc",
    "e5 4102/m0 /mnt/dm/data[0x0,0x10000) unmapped only task_early_kill",
  ],
  "dm-striped-mixed-recovery upstream": [
    "e6 4200/m0 /mnt/dm/data[0x22000,0x23000) AR kill_proc",
  ],
  "dm-striped-mixed-recovery page-mapping": [
    "e6 4200/m0 /mnt/dm/data[0x22000,0x23000) AR kill_proc",
  ],
  "dm-striped-mixed-recovery corrupted-range": [
    "e6 4200/m0 /mnt/dm/data[0x22000,0x23000) SIGBUS kill_me_now",
  ],
  "dm-striped-mixed-recovery pagemap-failure": [
    "e6 4200/m0 /mnt/dm/data[0x22000,0x23000) AR kill_proc",
  ],
  "ext4-dax-generic-path upstream": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "ext4-dax-generic-path page-mapping": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "ext4-dax-generic-path corrupted-range": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "ext4-dax-generic-path pagemap-failure": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) unmapped only task_early_kill",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) AO kill_proc",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) unmapped only task_early_kill",
    "e3 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "firmware-first-late-load upstream": [
    "e2 4100/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4101/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
    "e3 4100/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e3 4101/m0 /mnt/pmem/f[0x0,0x1000) none __add_to_kill",
  ],
  "firmware-first-late-load page-mapping": [
    "e2 4100/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4101/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
    "e3 4100/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e3 4101/m0 /mnt/pmem/f[0x0,0x1000) none __add_to_kill",
  ],
  "firmware-first-late-load corrupted-range": [
    "e2 4100/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4101/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
    "e3 4100/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e3 4101/m0 /mnt/pmem/f[0x0,0x1000) none __add_to_kill",
  ],
  "firmware-first-late-load pagemap-failure": [
    "e2 4100/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4101/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
    "e3 4100/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e3 4101/m0 /mnt/pmem/f[0x0,0x1000) none __add_to_kill",
  ],
  "firmware-first-no-badblocks upstream": [
    "e2 4000/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4001/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
  ],
  "firmware-first-no-badblocks page-mapping": [
    "e2 4000/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4001/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
  ],
  "firmware-first-no-badblocks corrupted-range": [
    "e2 4000/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4001/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
  ],
  "firmware-first-no-badblocks pagemap-failure": [
    "e2 4000/m0 /mnt/pmem/f[0x0,0x1000) unmapped only task_early_kill",
    "e2 4001/m0 /mnt/pmem/f[0x0,0x1000) AO kill_proc",
  ],
  "kill-me-now-si-kernel upstream": [
    "e3 7400/m0 /mnt/pmem/f[0x0,0x1000) SIGBUS kill_me_now",
  ],
  "kill-me-now-si-kernel page-mapping": [
    "e3 7400/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
  ],
  "kill-me-now-si-kernel corrupted-range": [
    "e3 7400/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
  ],
  "kill-me-now-si-kernel pagemap-failure": [
    "e3 7400/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
  ],
  "madvise-hwpoison-efault upstream": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) AO kill_proc",
  ],
  "madvise-hwpoison-efault page-mapping": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
    "e5 7300/m0 /mnt/pmem/f[0x2000,0x3000) none memory_failure",
  ],
  "madvise-hwpoison-efault corrupted-range": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
    "e5 7300/m0 /mnt/pmem/f[0x2000,0x3000) none memory_failure",
  ],
  "madvise-hwpoison-efault pagemap-failure": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) none task_early_kill",
    "e5 7300/m0 /mnt/pmem/f[0x2000,0x3000) none memory_failure",
  ],
  "mce-notify-ratelimit upstream": [
    "e4 7500/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e5 7500/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/f[0x2000,0x3000) AR kill_proc",
  ],
  "mce-notify-ratelimit page-mapping": [
    "e4 7500/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e5 7500/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/f[0x2000,0x3000) AR kill_proc",
  ],
  "mce-notify-ratelimit corrupted-range": [
    "e4 7500/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e5 7500/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/f[0x2000,0x3000) AR kill_proc",
  ],
  "mce-notify-ratelimit pagemap-failure": [
    "e4 7500/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e5 7500/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/f[0x2000,0x3000) AR kill_proc",
  ],
  "ndctl-dax-poison upstream": [
    "e1 7000/m0 /mnt/pmem/dax-poison[0x100000,0x101000) AR kill_proc",
  ],
  "ndctl-dax-poison page-mapping": [
    "e1 7000/m0 /mnt/pmem/dax-poison[0x100000,0x101000) AR kill_proc",
  ],
  "ndctl-dax-poison corrupted-range": [
    "e1 7000/m0 /mnt/pmem/dax-poison[0x100000,0x101000) AR kill_proc",
  ],
  "ndctl-dax-poison pagemap-failure": [
    "e1 7000/m0 /mnt/pmem/dax-poison[0x100000,0x101000) AR kill_proc",
  ],
  "ndctl-inject-error upstream": [],
  "ndctl-inject-error page-mapping": [],
  "ndctl-inject-error corrupted-range": [],
  "ndctl-inject-error pagemap-failure": [],
  "partial-write-over-poison upstream": [],
  "partial-write-over-poison page-mapping": [],
  "partial-write-over-poison corrupted-range": [],
  "partial-write-over-poison pagemap-failure": [],
  "raw-namespace-page-cache upstream": [],
  "raw-namespace-page-cache page-mapping": [],
  "raw-namespace-page-cache corrupted-range": [],
  "raw-namespace-page-cache pagemap-failure": [],
  "reflink-both-mapped upstream": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) none __add_to_kill",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) AO kill_proc",
  ],
  "reflink-both-mapped page-mapping": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) none __add_to_kill",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) none mf_generic_kill_procs",
  ],
  "reflink-both-mapped corrupted-range": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) none __add_to_kill",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) AO kill_proc",
  ],
  "reflink-both-mapped pagemap-failure": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) none __add_to_kill",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) none mf_generic_kill_procs",
  ],
  "reflink-cow-over-poison upstream": [
    "e2 7101/m0 /mnt/pmem/clone[0x0,0x1000) none task_early_kill",
    "e2 7100/m0 /mnt/pmem/orig[0x0,0x1000) AR kill_proc",
    "e5 7101/m0 /mnt/pmem/clone[0x0,0x1000) SIGBUS do_sigbus",
  ],
  "reflink-cow-over-poison page-mapping": [
    "e2 7101/m0 /mnt/pmem/clone[0x0,0x1000) none task_early_kill",
    "e2 7100/m0 /mnt/pmem/orig[0x0,0x1000) none mf_generic_kill_procs",
    "e5 7101/m0 /mnt/pmem/clone[0x0,0x1000) SIGBUS do_sigbus",
  ],
  "reflink-cow-over-poison corrupted-range": [
    "e2 7101/m0 /mnt/pmem/clone[0x0,0x1000) none task_early_kill",
    "e2 7100/m0 /mnt/pmem/orig[0x0,0x1000) AR kill_proc",
    "e5 7101/m0 /mnt/pmem/clone[0x0,0x1000) SIGBUS do_sigbus",
  ],
  "reflink-cow-over-poison pagemap-failure": [
    "e2 7101/m0 /mnt/pmem/clone[0x0,0x1000) none task_early_kill",
    "e2 7100/m0 /mnt/pmem/orig[0x0,0x1000) none mf_generic_kill_procs",
    "e5 7101/m0 /mnt/pmem/clone[0x0,0x1000) SIGBUS do_sigbus",
  ],
  "scrub-and-heal upstream": [
    "e4 6001/m0 /mnt/pmem/f[0x1000,0x2000) AR do_sigbus",
  ],
  "scrub-and-heal page-mapping": [
    "e4 6001/m0 /mnt/pmem/f[0x1000,0x2000) AR do_sigbus",
  ],
  "scrub-and-heal corrupted-range": [
    "e4 6001/m0 /mnt/pmem/f[0x1000,0x2000) AR do_sigbus",
  ],
  "scrub-and-heal pagemap-failure": [
    "e4 6001/m0 /mnt/pmem/f[0x1000,0x2000) AR do_sigbus",
  ],
  "unbind-mounted-xfs upstream": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) AO kill_proc",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) AO kill_proc",
    "e2 5000/m0 /mnt/pmem/a[0x1000,0x2000) SIGBUS do_sigbus",
  ],
  "unbind-mounted-xfs page-mapping": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) none kill_dax",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) none kill_dax",
  ],
  "unbind-mounted-xfs corrupted-range": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) none kill_dax",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) none kill_dax",
  ],
  "unbind-mounted-xfs pagemap-failure": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) none task_early_kill",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) AO kill_proc",
  ],
  "xfs-dax-never-holder upstream": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none xfs_dax_failure_fn",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) unmapped only xfs_dax_failure_fn",
  ],
  "xfs-dax-never-holder page-mapping": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none dax_lock_folio",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
  ],
  "xfs-dax-never-holder corrupted-range": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none dax_lock_folio",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
  ],
  "xfs-dax-never-holder pagemap-failure": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none dax_lock_folio",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) none filemap_fault",
  ],
  "xfs-external-log upstream": [],
  "xfs-external-log page-mapping": [],
  "xfs-external-log corrupted-range": [],
  "xfs-external-log pagemap-failure": [],
  "xfs-metadata-shutdown upstream": [],
  "xfs-metadata-shutdown page-mapping": [],
  "xfs-metadata-shutdown corrupted-range": [],
  "xfs-metadata-shutdown pagemap-failure": [],
  "badblocks-table-full upstream": [],
  "badblocks-table-full page-mapping": [],
  "badblocks-table-full corrupted-range": [],
  "badblocks-table-full pagemap-failure": [],
  "mce-hw-error-scrub upstream": [
    "e3 7900/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
  ],
  "mce-hw-error-scrub page-mapping": [
    "e3 7900/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
  ],
  "mce-hw-error-scrub corrupted-range": [
    "e3 7900/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
  ],
  "mce-hw-error-scrub pagemap-failure": [
    "e3 7900/m0 /mnt/pmem/f[0x1000,0x2000) AR kill_proc",
  ],
  "mce-unusable-address-kill-me-now upstream": [],
  "mce-unusable-address-kill-me-now page-mapping": [],
  "mce-unusable-address-kill-me-now corrupted-range": [],
  "mce-unusable-address-kill-me-now pagemap-failure": [],
  "patrol-scrub-action-optional upstream": [
    "e1 7600/m0 /mnt/pmem/f[0x2000,0x3000) AO kill_proc",
    "e1 7601/m0 /mnt/pmem/f[0x2000,0x3000) unmapped only task_early_kill",
    "e2 7601/m0 /mnt/pmem/f[0x2000,0x3000) AR do_sigbus",
    "e3 7600/m0 /mnt/pmem/f[0x5000,0x6000) AO kill_proc",
    "e3 7601/m0 /mnt/pmem/f[0x5000,0x6000) unmapped only task_early_kill",
  ],
  "patrol-scrub-action-optional page-mapping": [
    "e1 7600/m0 /mnt/pmem/f[0x2000,0x3000) AO kill_proc",
    "e1 7601/m0 /mnt/pmem/f[0x2000,0x3000) unmapped only task_early_kill",
    "e2 7601/m0 /mnt/pmem/f[0x2000,0x3000) AR do_sigbus",
    "e3 7600/m0 /mnt/pmem/f[0x5000,0x6000) AO kill_proc",
    "e3 7601/m0 /mnt/pmem/f[0x5000,0x6000) unmapped only task_early_kill",
  ],
  "patrol-scrub-action-optional corrupted-range": [
    "e1 7600/m0 /mnt/pmem/f[0x2000,0x3000) AO kill_proc",
    "e1 7601/m0 /mnt/pmem/f[0x2000,0x3000) unmapped only task_early_kill",
    "e2 7601/m0 /mnt/pmem/f[0x2000,0x3000) AR do_sigbus",
    "e3 7600/m0 /mnt/pmem/f[0x5000,0x6000) AO kill_proc",
    "e3 7601/m0 /mnt/pmem/f[0x5000,0x6000) unmapped only task_early_kill",
  ],
  "patrol-scrub-action-optional pagemap-failure": [
    "e1 7600/m0 /mnt/pmem/f[0x2000,0x3000) AO kill_proc",
    "e1 7601/m0 /mnt/pmem/f[0x2000,0x3000) unmapped only task_early_kill",
    "e2 7601/m0 /mnt/pmem/f[0x2000,0x3000) AR do_sigbus",
    "e3 7600/m0 /mnt/pmem/f[0x5000,0x6000) AO kill_proc",
    "e3 7601/m0 /mnt/pmem/f[0x5000,0x6000) unmapped only task_early_kill",
  ],
  "unpoison-soft-offline-zone-device upstream": [
    "e1 7800/m0 /mnt/pmem/f[0x0,0x1000) none task_early_kill",
  ],
  "unpoison-soft-offline-zone-device page-mapping": [
    "e1 7800/m0 /mnt/pmem/f[0x0,0x1000) none task_early_kill",
  ],
  "unpoison-soft-offline-zone-device corrupted-range": [
    "e1 7800/m0 /mnt/pmem/f[0x0,0x1000) none task_early_kill",
  ],
  "unpoison-soft-offline-zone-device pagemap-failure": [
    "e1 7800/m0 /mnt/pmem/f[0x0,0x1000) none task_early_kill",
  ],
  "write-from-poisoned-buffer upstream": [
    "e2 7500/m0 /mnt/pmem/src[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/src[0x2000,0x3000) AR kill_proc",
  ],
  "write-from-poisoned-buffer page-mapping": [
    "e2 7500/m0 /mnt/pmem/src[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/src[0x2000,0x3000) AR kill_proc",
  ],
  "write-from-poisoned-buffer corrupted-range": [
    "e2 7500/m0 /mnt/pmem/src[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/src[0x2000,0x3000) AR kill_proc",
  ],
  "write-from-poisoned-buffer pagemap-failure": [
    "e2 7500/m0 /mnt/pmem/src[0x1000,0x2000) AR kill_proc",
    "e6 7500/m0 /mnt/pmem/src[0x2000,0x3000) AR kill_proc",
  ],
  // the 6.1 scenarios (kernel.version 6.1, docs/kernel-notes.md §13)
  "ext4-dax-generic-path-6.1 upstream": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "ext4-dax-generic-path-6.1 page-mapping": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "ext4-dax-generic-path-6.1 corrupted-range": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) none kill_dax",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "ext4-dax-generic-path-6.1 pagemap-failure": [
    "e1 3100/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e1 3101/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e1 3102/m0 /mnt/pmem/data[0x1000,0x2000) unmapped only task_early_kill",
    "e2 3100/m0 /mnt/pmem/data[0x0,0x10000) unmapped only task_early_kill",
    "e2 3101/m0 /mnt/pmem/data[0x0,0x10000) AO kill_proc",
    "e2 3102/m0 /mnt/pmem/data[0x0,0x10000) unmapped only task_early_kill",
    "e3 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
    "e4 3102/m0 /mnt/pmem/data[0x3000,0x4000) SIGBUS do_sigbus",
  ],
  "madvise-hwpoison-efault-6.1 upstream": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) none task_early_kill",
  ],
  "madvise-hwpoison-efault-6.1 page-mapping": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
  ],
  "madvise-hwpoison-efault-6.1 corrupted-range": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
  ],
  "madvise-hwpoison-efault-6.1 pagemap-failure": [
    "e2 7300/m0 /mnt/pmem/f[0x0,0x1000) AR kill_proc",
    "e4 7300/m0 /mnt/pmem/f[0x0,0x10000) none task_early_kill",
  ],
  "reflink-both-mapped-6.1 upstream": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) AO kill_proc",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) AO kill_proc",
  ],
  "reflink-both-mapped-6.1 page-mapping": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) AO kill_proc",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) none mf_generic_kill_procs",
  ],
  "reflink-both-mapped-6.1 corrupted-range": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) AO kill_proc",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) AO kill_proc",
  ],
  "reflink-both-mapped-6.1 pagemap-failure": [
    "e1 1001/m0 /mnt/pmem/poisonfile[0x0,0x1000) AR kill_proc",
    "e1 1002/m0 /mnt/pmem/poisonfile[0x0,0x1000) AO kill_proc",
    "e1 1000/m0 /mnt/pmem/testfile[0x0,0x1000) none mf_generic_kill_procs",
  ],
  "unbind-mounted-xfs-6.1 upstream": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) none task_early_kill",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) AO kill_proc",
  ],
  "unbind-mounted-xfs-6.1 page-mapping": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) none kill_dax",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) none kill_dax",
  ],
  "unbind-mounted-xfs-6.1 corrupted-range": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) none kill_dax",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) none kill_dax",
  ],
  "unbind-mounted-xfs-6.1 pagemap-failure": [
    "e1 5000/m0 /mnt/pmem/a[0x0,0x4000) none task_early_kill",
    "e1 5001/m0 /mnt/pmem/b[0x0,0x2000) AO kill_proc",
  ],
  "xfs-dax-never-holder-6.1 upstream": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none mf_dax_kill_procs",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) none filemap_fault",
  ],
  "xfs-dax-never-holder-6.1 page-mapping": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none dax_lock_page",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
  ],
  "xfs-dax-never-holder-6.1 corrupted-range": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none dax_lock_page",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) none kill_dax",
  ],
  "xfs-dax-never-holder-6.1 pagemap-failure": [
    "e1 7200/m0 /mnt/pmem/f[0x0,0x1000) none dax_lock_page",
    "e3 7200/m0 /mnt/pmem/f[0x0,0x10000) none filemap_fault",
  ],
  "xfs-metadata-shutdown-6.1 upstream": [],
  "xfs-metadata-shutdown-6.1 page-mapping": [],
  "xfs-metadata-shutdown-6.1 corrupted-range": [],
  "xfs-metadata-shutdown-6.1 pagemap-failure": [],
  "dax-hole-zero-page upstream": [
    "e6 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3401/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e11 3400/m0 /mnt/pmem/data[0x0,0x2000) none __add_to_kill",
    "e11 3401/m0 /mnt/pmem/data[0x0,0x2000) none __add_to_kill",
    "e11 3400/m0 /mnt/pmem/data[0x3000,0x4000) none __add_to_kill",
    "e11 3401/m0 /mnt/pmem/data[0x3000,0x4000) none __add_to_kill",
  ],
  "dax-hole-zero-page page-mapping": [
    "e6 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3401/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e11 3400/m0 /mnt/pmem/data[0x0,0x2000) none kill_dax",
    "e11 3401/m0 /mnt/pmem/data[0x0,0x2000) none kill_dax",
    "e11 3400/m0 /mnt/pmem/data[0x3000,0x4000) none kill_dax",
    "e11 3401/m0 /mnt/pmem/data[0x3000,0x4000) none kill_dax",
  ],
  "dax-hole-zero-page corrupted-range": [
    "e6 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3401/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e11 3400/m0 /mnt/pmem/data[0x0,0x2000) none kill_dax",
    "e11 3401/m0 /mnt/pmem/data[0x0,0x2000) none kill_dax",
    "e11 3400/m0 /mnt/pmem/data[0x3000,0x4000) none kill_dax",
    "e11 3401/m0 /mnt/pmem/data[0x3000,0x4000) none kill_dax",
  ],
  "dax-hole-zero-page pagemap-failure": [
    "e6 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3400/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e9 3401/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e11 3400/m0 /mnt/pmem/data[0x0,0x2000) none task_early_kill",
    "e11 3401/m0 /mnt/pmem/data[0x0,0x2000) none __add_to_kill",
    "e11 3400/m0 /mnt/pmem/data[0x3000,0x4000) none task_early_kill",
    "e11 3401/m0 /mnt/pmem/data[0x3000,0x4000) none __add_to_kill",
  ],
  "hwpoison-filter-devdax upstream": [
    "e1 4200/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e1 4201/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e3 4200/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e3 4201/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e5 4200/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e5 4201/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e7 4200/m0 /dev/dax0.0[0x205000,0x206000) AR kill_proc",
    "e7 4201/m0 /dev/dax0.0[0x205000,0x206000) AO kill_proc",
  ],
  "hwpoison-filter-devdax page-mapping": [
    "e1 4200/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e1 4201/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e3 4200/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e3 4201/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e5 4200/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e5 4201/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e7 4200/m0 /dev/dax0.0[0x205000,0x206000) AR kill_proc",
    "e7 4201/m0 /dev/dax0.0[0x205000,0x206000) AO kill_proc",
  ],
  "hwpoison-filter-devdax corrupted-range": [
    "e1 4200/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e1 4201/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e3 4200/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e3 4201/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e5 4200/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e5 4201/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e7 4200/m0 /dev/dax0.0[0x205000,0x206000) AR kill_proc",
    "e7 4201/m0 /dev/dax0.0[0x205000,0x206000) AO kill_proc",
  ],
  "hwpoison-filter-devdax pagemap-failure": [
    "e1 4200/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e1 4201/m0 /dev/dax0.0[0x3000,0x4000) none hwpoison_filter",
    "e3 4200/m0 /dev/dax0.0[0x3000,0x4000) AR kill_proc",
    "e3 4201/m0 /dev/dax0.0[0x3000,0x4000) AO kill_proc",
    "e5 4200/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e5 4201/m0 /dev/dax0.0[0x205000,0x206000) none hwpoison_filter",
    "e7 4200/m0 /dev/dax0.0[0x205000,0x206000) AR kill_proc",
    "e7 4201/m0 /dev/dax0.0[0x205000,0x206000) AO kill_proc",
  ],
  "hwpoison-filter-ext4 upstream": [
    "e2 3200/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e2 3201/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e4 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e4 3201/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e6 3200/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e6 3201/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e8 3200/m0 /mnt/pmem/data[0x2000,0x3000) AR kill_proc",
    "e8 3201/m0 /mnt/pmem/data[0x2000,0x3000) AO kill_proc",
    "e10 3200/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e10 3201/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e11 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e11 3201/m0 /mnt/pmem/data[0x1000,0x2000) none __add_to_kill",
  ],
  "hwpoison-filter-ext4 page-mapping": [
    "e2 3200/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e2 3201/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e4 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e4 3201/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e6 3200/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e6 3201/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e8 3200/m0 /mnt/pmem/data[0x2000,0x3000) AR kill_proc",
    "e8 3201/m0 /mnt/pmem/data[0x2000,0x3000) AO kill_proc",
    "e10 3200/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e10 3201/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e11 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e11 3201/m0 /mnt/pmem/data[0x1000,0x2000) none __add_to_kill",
  ],
  "hwpoison-filter-ext4 corrupted-range": [
    "e2 3200/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e2 3201/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e4 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e4 3201/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e6 3200/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e6 3201/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e8 3200/m0 /mnt/pmem/data[0x2000,0x3000) AR kill_proc",
    "e8 3201/m0 /mnt/pmem/data[0x2000,0x3000) AO kill_proc",
    "e10 3200/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e10 3201/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e11 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e11 3201/m0 /mnt/pmem/data[0x1000,0x2000) none __add_to_kill",
  ],
  "hwpoison-filter-ext4 pagemap-failure": [
    "e2 3200/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e2 3201/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e4 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e4 3201/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
    "e6 3200/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e6 3201/m0 /mnt/pmem/data[0x2000,0x3000) none hwpoison_filter",
    "e8 3200/m0 /mnt/pmem/data[0x2000,0x3000) AR kill_proc",
    "e8 3201/m0 /mnt/pmem/data[0x2000,0x3000) AO kill_proc",
    "e10 3200/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e10 3201/m0 /mnt/pmem/data[0x3000,0x4000) none hwpoison_filter",
    "e11 3200/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e11 3201/m0 /mnt/pmem/data[0x1000,0x2000) none __add_to_kill",
  ],
  "hwpoison-filter-xfs-holder upstream": [
    "e2 3300/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e2 3301/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
  ],
  "hwpoison-filter-xfs-holder page-mapping": [
    "e2 3300/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e2 3301/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
  ],
  "hwpoison-filter-xfs-holder corrupted-range": [
    "e2 3300/m0 /mnt/pmem/data[0x1000,0x2000) AR kill_proc",
    "e2 3301/m0 /mnt/pmem/data[0x1000,0x2000) AO kill_proc",
  ],
  "hwpoison-filter-xfs-holder pagemap-failure": [
    "e2 3300/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
    "e2 3301/m0 /mnt/pmem/data[0x1000,0x2000) none hwpoison_filter",
  ],
};

const files = readdirSync(DIR).filter((f) => /\.poison\.(ya?ml|json)$/.test(f)).sort();

test('the verdict table covers every built-in scenario under every design', () => {
  const keys = files.flatMap((f) => DESIGNS.map((d) => `${f.replace(/\.poison\.(ya?ml|json)$/, '')} ${d}`));
  assert.deepEqual(Object.keys(EXPECTED).sort(), keys.sort());
});

for (const f of files) {
  for (const d of DESIGNS) {
    const key = `${f.replace(/\.poison\.(ya?ml|json)$/, '')} ${d}`;
    test(`verdicts: ${key}`, () => {
      const r = runScenario(load(f), { design: d });
      assert.deepEqual(r.verdicts.map(row), EXPECTED[key]);
      checkWellFormed(r);
    });
  }
}

/** every verdict names a real span of its own event, a sentence, and a signal only when one was sent */
function checkWellFormed(r: RunReport): void {
  const byId = new Map(r.spans.map((s) => [s.id, s]));
  for (const v of r.verdicts) {
    assert.ok(r.events.some((e) => e.id === v.event), `verdict for unknown event ${v.event}`);
    assert.match(v.reason, /^[A-Za-z_].*\.$/s, `reason is one sentence or more: ${v.reason}`);
    assert.match(v.symbol, /^[a-z_][a-z0-9_]*$/, v.symbol);
    if (v.span !== null) {
      const s = byId.get(v.span);
      assert.ok(s, `span ${v.span} exists`);
      assert.equal(s!.event, v.event, `span ${v.span} belongs to event ${v.event}`);
    }
    if (v.outcome === 'AR' || v.outcome === 'AO') {
      const sig = r.signals.find((s) => s.event === v.event && s.pid === v.pid && s.code === (v.outcome === 'AR' ? 'BUS_MCEERR_AR' : 'BUS_MCEERR_AO'));
      // a second SIGBUS of one event is not queued again: the verdict still says what kill_proc sent
      assert.ok(sig || /already pending/.test(v.reason), `${row(v)}: a matching signal was sent`);
      assert.equal(v.code, v.outcome === 'AR' ? 'BUS_MCEERR_AR' : 'BUS_MCEERR_AO');
      assert.ok(v.sigAddr && v.lsb !== undefined);
    }
    if (v.outcome === 'none' || v.outcome === 'unmapped only') {
      assert.ok(!r.signals.some((s) => s.event === v.event && s.pid === v.pid && s.addr !== undefined && v.addr && BigInt(s.addr) >= BigInt(v.addr[0]) && BigInt(s.addr) < BigInt(v.addr[1])), `${row(v)}: no signal at an address of this mapping`);
    }
  }
}

test('the reflinked watcher: nothing, because __add_to_kill found no page-table entry (the span is the collection)', () => {
  const r = runScenario(load('reflink-both-mapped.poison.yaml'));
  const w = r.verdicts.find((v) => v.pid === 1002)!;
  assert.equal(w.outcome, 'none');
  assert.equal(w.symbol, '__add_to_kill');
  assert.match(w.reason, /no page-table entry/);
  assert.match(w.reason, /dax_insert_entry/);
  assert.equal(r.spans.find((s) => s.id === w.span)!.symbol, 'collect_procs_fsdax');
  assert.deepEqual(w.owner, { file: '/mnt/pmem/poisonfile', start: 0, end: 4096 });
  assert.deepEqual(w.addr, ['0x7f0000000000', '0x7f0000001000']);
  const reader = r.verdicts.find((v) => v.pid === 1000)!;
  assert.equal(reader.outcome, 'AO');
  assert.equal(r.spans.find((s) => s.id === reader.span)!.symbol, 'kill_proc');
  assert.equal(reader.lsb, 12);
});

test('a late-kill task is not collected (task_early_kill), and unmap_and_kill still unmaps it', () => {
  const r = runScenario(load('ext4-dax-generic-path.poison.yaml'));
  const late = r.verdicts.find((v) => v.event === 'e1' && v.pid === 3102)!;
  assert.equal(late.outcome, 'unmapped only');
  assert.equal(late.symbol, 'task_early_kill');
  assert.match(late.reason, /late-kill/);
  assert.match(late.reason, /still zapped/);
  assert.equal(r.spans.find((s) => s.id === late.span)!.symbol, 'collect_procs_file');
});

test('ext4 unbind: the mapping survives the removed device, decided by kill_dax', () => {
  const r = runScenario(load('ext4-dax-generic-path.poison.yaml'));
  const e2 = r.verdicts.filter((v) => v.event === 'e2');
  assert.equal(e2.length, 3);
  for (const v of e2) {
    assert.equal(v.outcome, 'none');
    assert.equal(v.symbol, 'kill_dax');
    assert.match(v.reason, /survives the removed device/);
    assert.equal(r.spans.find((s) => s.id === v.span)!.symbol, 'kill_dax');
  }
});

test('page->mapping holds one owner: the page-mapping design never reaches the other reflinked file', () => {
  const r = runScenario(load('reflink-both-mapped.poison.yaml'), { design: 'page-mapping' });
  const reader = r.verdicts.find((v) => v.pid === 1000)!;
  assert.equal(reader.outcome, 'none');
  assert.match(reader.reason, /page->mapping .* holds one owner, \/mnt\/pmem\/poisonfile/);
});

test('no ->rmap under dm-striped: the corrupted-range design stops at dm_blk_corrupted_range', () => {
  const r = runScenario(load('dm-corrupted-range-forwarding.poison.yaml'), { design: 'corrupted-range' });
  const e2 = r.verdicts.filter((v) => v.event === 'e2');
  assert.ok(e2.length >= 2);
  for (const v of e2) {
    assert.equal(v.symbol, 'dm_blk_corrupted_range');
    assert.match(v.reason, /->rmap/);
  }
});

const INCORE = `
${fsdaxHead({ name: 'an owner whose inode is not in core', kernel: 'design: upstream', options: 'rmapbt: true, reflink: true, agcount: 4' })}
files:
  - { path: /mnt/pmem/hot, size: 16KiB, fill: 0x61 }
  - { path: /mnt/pmem/cold, size: 16KiB, fill: 0x62, cached: false }
processes:
  - pid: 100
    comm: app
    mappings: [ { id: m0, file: /mnt/pmem/hot, length: 16KiB, populate: true } ]
events:
  - { do: ghes, file: /mnt/pmem/cold, offset: 0x1000 }
`;

test('an owner not in core gets a verdict with no mapper: xfs_iget(XFS_IGET_INCORE) gave -ENODATA', () => {
  const r = runScenario(loadScenario(INCORE, 'incore.poison.yaml'));
  assert.equal(r.verdicts.length, 1, JSON.stringify(r.verdicts));
  const v = r.verdicts[0]!;
  assert.deepEqual(v.owner, { file: '/mnt/pmem/cold', start: 0x1000, end: 0x2000 });
  assert.equal(v.pid, null);
  assert.equal(v.mapping, null);
  assert.equal(v.outcome, 'none');
  assert.equal(v.symbol, 'xfs_iget');
  assert.match(v.reason, /-ENODATA/);
  assert.equal(r.spans.find((s) => s.id === v.span)!.symbol, 'xfs_iget');
});

test('a rejected event adds no verdict, and verdicts are the same on a second run', () => {
  const s = load('reflink-both-mapped.poison.yaml');
  const session = new Session(s);
  const bad = { ...s.events[0]!, id: 'bad', process: 4242 } as typeof s.events[0];
  assert.throws(() => session.step(bad), InputError);
  assert.equal(session.report.verdicts.length, 0);
  session.step(s.events[0]!);
  assert.equal(session.report.verdicts.length, 3);
  assert.equal(JSON.stringify(runScenario(s).verdicts), JSON.stringify(runScenario(load('reflink-both-mapped.poison.yaml')).verdicts));
});

test('the verdict expectation: matches by field, says what was there when it fails, refuses an unknown pid', async () => {
  const base = readFileSync(join(DIR, 'reflink-both-mapped.poison.yaml'), 'utf8');
  const ok = runScenario(loadScenario(base.replace(/\nexpect:\n/, '\nexpect:\n  - verdict: { pid: 1002, outcome: none, reason: "no page-table entry" }\n'), 'a.poison.yaml'));
  assert.ok(ok.expectations.every((x) => x.ok));
  const bad = runScenario(loadScenario(base.replace(/\nexpect:\n/, '\nexpect:\n  - verdict: { pid: 1002, outcome: AO }\n'), 'b.poison.yaml'));
  const failed = bad.expectations.filter((x) => !x.ok);
  assert.equal(failed.length, 1);
  assert.match(failed[0]!.detail, /expected a verdict with pid 1002, outcome "AO"; verdicts: .*none for watcher:1002 m0 of \/mnt\/pmem\/poisonfile/);
  const { ScenarioErrors } = await import('../../src/sim/errors');
  assert.throws(
    () => loadScenario(base.replace(/\nexpect:\n/, '\nexpect:\n  - verdict: { pid: 4242 }\n'), 'c.poison.yaml'),
    (e: unknown) => e instanceof ScenarioErrors && /\/expect\/0\/verdict\/pid/.test(e.message),
  );
});
