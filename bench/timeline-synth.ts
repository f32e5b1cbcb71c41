// A synthetic run report of a given size for the timeline benchmark and
// tests, shaped like the simulator's: events one after another, each a burst
// of call trees across the layers (page-fault bursts through fsdax/dax/pmem,
// poison routed through memory_failure, the dax holder, XFS and the rmap walk
// down to kill_proc, scrubs through acpi/nvdimm, unbinds with summarised
// per-pfn runs such as memory_failure ×264241152), nested up to ~9 deep,
// spans emitted in pre-order with times from one advancing clock. DOM-free,
// deterministic for a seed.

import type { Layer, ReportEvent, ReportSignal, RunReport, Span } from '../src/sim/report';
import { mulberry32 } from '../src/sim/prng';

const hex = (n: number) => `0x${n.toString(16)}`;

export interface SynthOptions {
  spans: number;
  seed?: number;
  processes?: number;
  devices?: number;
}

export function synthReport(opts: SynthOptions): RunReport {
  const rnd = mulberry32(opts.seed ?? 1);
  const nproc = opts.processes ?? 64;
  const ndev = opts.devices ?? 4;
  const spans: Span[] = [];
  const events: ReportEvent[] = [];
  const signals: ReportSignal[] = [];
  const stack: number[] = [];
  let clock = 0;
  let eventId = '';
  const target = opts.spans;
  const full = () => spans.length >= target;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

  function call(layer: Layer, symbol: string, args: Span['args'], ret: string, body?: () => void, count?: number, cost = 50): void {
    if (full()) return;
    const id = spans.length + 1;
    const s: Span = { id, parent: stack.length ? stack[stack.length - 1]! : null, t: clock, dur: 0, layer, symbol, args, ret, event: eventId };
    if (count !== undefined) s.count = count;
    spans.push(s);
    clock += cost;
    if (body) {
      stack.push(id);
      body();
      stack.pop();
    }
    clock += cost;
    s.dur = clock - s.t;
  }

  const dev = (k: number) => `pmem${k % ndev}`;
  const pidOf = (k: number) => 1000 + (k % nproc);

  function faultBurst(pid: number, disk: string, pages: number): void {
    const base = 0x7f0000000000 + int(0, 255) * 0x200000;
    for (let p = 0; p < pages && !full(); p++) {
      const addr = base + p * 4096;
      call('mm', 'do_user_addr_fault', { addr: hex(addr), write: false, pid }, 'VM_FAULT_NOPAGE', () => {
        call('mm', 'handle_mm_fault', { addr: hex(addr), write: false, vma: 'm0' }, 'VM_FAULT_NOPAGE', () => {
          call('fsdax', 'dax_iomap_pte_fault', { inode: 131, addr: hex(addr), pgoff: hex(p), write: false }, 'VM_FAULT_NOPAGE', () => {
            call('fs', 'xfs_read_iomap_begin', { ino: 131, pos: hex(p * 4096), len: 4096, dev: disk }, 'IOMAP_MAPPED');
            call('dax', 'dax_direct_access', { dax: disk, pgoff: hex(p), nr_pages: 1, mode: 'DAX_ACCESS' }, '1', () => {
              call('pmem', '__pmem_direct_access', { disk, pgoff: hex(p), nr_pages: 1 }, String(257512 - p));
            });
            call('fsdax', 'dax_insert_entry', { index: hex(p), pfn: hex(0x241200 + p), size: 'PTE', shared: true }, 'void', () => {
              call('mm', 'unmap_mapping_pages', { inode: 131, start: hex(p), nr: 1 }, 'void');
            });
          });
        });
      });
    }
  }

  function poison(pid: number, disk: string, owners: number): void {
    const pfn = 0x241200 + int(0, 1 << 20);
    call('syscall', 'madvise', { pid, start: hex(0x7f0000000000), len: 4096, behavior: 'MADV_HWPOISON' }, '0', () => {
      call('mm', 'madvise_inject_error', { start: hex(0x7f0000000000), end: hex(0x7f0000001000) }, '0', () => {
        call('mm', 'memory_failure', { pfn: hex(pfn), flags: 'MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED' }, '0', () => {
          call('dev_pagemap', 'memory_failure_dev_pagemap', { pfn: hex(pfn), type: 'MEMORY_DEVICE_FS_DAX' }, '0', () => {
            call('pmem', 'pmem_pagemap_memory_failure', { pfn: hex(pfn), disk }, '0', () => {
              call('dax', 'dax_holder_notify_failure', { dax: disk, off: hex(pfn * 4096), len: 4096 }, '0', () => {
                call('fs', 'xfs_dax_notify_failure', { dev: disk, offset: hex(pfn * 4096), mf_flags: 0 }, '0', () => {
                  call('rmap', 'xfs_rmap_query_range', { agno: int(0, 3), low: 24, high: 24 }, '0', () => {
                    for (let o = 0; o < owners && !full(); o++) {
                      call('fs', 'xfs_dax_failure_fn', { owner: 131 + o, offset: 0 }, '0', () => {
                        call('mm', 'mf_dax_kill_procs', { index: hex(o), count: 1, mf_flags: 0 }, '0', () => {
                          call('mm', 'collect_procs_fsdax', { index: hex(o) }, '1');
                          call('mm', 'unmap_mapping_range', { start: hex(o * 4096), len: 4096, even_cows: 1 }, 'void');
                          call('mm', 'kill_procs', { to_kill: 1, forcekill: true }, 'void', () => {
                            const victim = pidOf(pid + o + 1);
                            call('process', 'kill_proc', { pid: victim, comm: `task${victim}`, addr: hex(0x7f0000000000), lsb: 12, code: 'BUS_MCEERR_AO' }, '0');
                            signals.push({ event: eventId, pid: victim, comm: `task${victim}`, signo: 'SIGBUS', code: 'BUS_MCEERR_AO', addr: hex(0x7f0000000000), lsb: 12 });
                          });
                        });
                      });
                    }
                  });
                });
              });
            });
          });
          call('mm', 'action_result', { pfn: hex(pfn), type: 'dax page', result: 'MF_RECOVERED' }, 'void');
        });
      });
    });
  }

  function scrub(disk: string, records: number): void {
    call('syscall', 'ndctl_start_scrub', { device: disk }, '0', () => {
      call('acpi', 'acpi_nfit_ars_rescan', { regions: 'region0' }, '0', () => {
        for (let r = 0; r < records && !full(); r++) {
          const spa = 0x240000000 + int(0, 1 << 24) * 4096;
          call('acpi', 'ars_status_process_records', { spa: hex(spa), length: 4096 }, '0', () => {
            call('nvdimm', 'nvdimm_bus_add_badrange', { phys: hex(spa), length: 4096 }, '0');
            call('nvdimm', 'nvdimm_badblocks_populate', { region: 'region0', bb: disk }, 'void', () => {
              call('block', 'badblocks_set', { sector: int(0, 1 << 20), nr_sects: 8 }, '0');
            });
          });
        }
      });
    });
  }

  function unbind(disk: string, runs: number): void {
    call('syscall', 'unbind', { driver: 'nd_pmem', device: disk }, '0', () => {
      call('dax', 'kill_dax', { dax: disk }, 'void', () => {
        call('dax', 'dax_holder_notify_failure', { dax: disk, off: 0, len: hex(1 << 30), mf_flags: 'MF_MEM_PRE_REMOVE' }, '0', () => {
          call('fs', 'xfs_dax_notify_failure', { dev: disk, offset: 0, mf_flags: 'MF_MEM_PRE_REMOVE' }, '0', () => {
            // summarised per-pfn runs, then the big one
            for (let r = 0; r < runs && !full(); r++) call('mm', 'memory_failure', { pfn: hex(0x2412000 + r * 512), flags: 'MF_MEM_PRE_REMOVE' }, '0', undefined, int(2, 4096), 20);
            call('mm', 'memory_failure', { pfn: hex(0x2412000), flags: 'MF_MEM_PRE_REMOVE' }, '0', undefined, 264241152, 400);
          });
        });
      });
    });
  }

  let e = 0;
  while (!full()) {
    e++;
    eventId = `e${e}`;
    clock += 1_000_000; // events 1 ms apart
    const at = clock;
    const first = spans.length + 1;
    const pid = pidOf(e * 7);
    const disk = dev(e);
    const kind = rnd();
    let what: string;
    if (kind < 0.55) {
      what = 'load';
      faultBurst(pid, disk, int(8, 600));
    } else if (kind < 0.8) {
      what = 'madvise-hwpoison';
      const bursts = int(1, 40);
      for (let b = 0; b < bursts && !full(); b++) poison(pid, disk, int(1, 6));
    } else if (kind < 0.93) {
      what = 'scrub';
      scrub(disk, int(4, 400));
    } else {
      what = 'unbind';
      unbind(disk, int(1, 200));
    }
    events.push({ id: eventId, do: what, at, result: { ret: 0 }, span: spans.length >= first ? first : null });
  }
  return {
    version: 1,
    scenario: `synthetic-${target}`,
    design: 'upstream',
    verdicts: [],
    events,
    signals,
    dmesg: [],
    badblocks: {},
    hwpoison: [],
    filesystems: [],
    calls: {},
    expectations: [],
    spans,
  };
}
