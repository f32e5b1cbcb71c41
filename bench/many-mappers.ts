// Many mappers: the machines of issue 12's "many processes" figures.
//
//  - fsdax: one 1 MiB file reflinked (cp --reflink) on XFS, mapped with
//    MAP_POPULATE by N processes; then one page poisoned by MADV_HWPOISON
//    from the last mapper (the one whose entries are present), and the
//    namespace unbound.
//  - devdax: a 1 TiB device-dax namespace with 1 GiB alignment (PUD
//    entries), mapped whole and populated by two processes; then
//    MADV_HWPOISON over 512 GiB of the first one's mapping.
//
// The machine is loaded from a small YAML scenario with one process, whose
// process is then repeated N times (so YAML parsing of 10^4 processes is
// not what is measured).

import { loadScenario } from '../src/sim/scenario/load';
import type { Design, EventSpec, ProcessSpec, Scenario } from '../src/sim/scenario/types';

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** the address the first mapping of a process gets (DEFAULT_MMAP_BASE, PMD-aligned) */
export const MAP_BASE = 0x7f0000000000;

/** the reflinked-file machine with n processes mapping /mnt/pmem/b (1 MiB) */
export function manyMappersScenario(n: number, design: Design, fileBytes = MiB): Scenario {
  const s = loadScenario(
    `
version: 1
name: ${n} processes map one reflinked file
kernel: { design: ${design} }
platform:
  regions: [ { id: region0, spa: 0x10000000000, size: 1GiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 } ]
filesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem, rmapbt: true, reflink: true } ]
files:
  - { path: /mnt/pmem/a, size: ${fileBytes}, fill: 0x61 }
  - { path: /mnt/pmem/b, reflink: /mnt/pmem/a }
processes:
  - { pid: 1000, comm: mapper, mappings: [ { id: m0, file: /mnt/pmem/b, length: ${fileBytes}, prot: r, populate: true } ] }
events:
  - { id: poison, do: madvise-hwpoison, process: 1000, addr: ${MAP_BASE + 4096}, length: 4096 }
  - { id: unbind, do: unbind, namespace: namespace0.0 }
`,
    'many-mappers.poison.yaml',
  );
  return repeatProcess(s, n);
}

/** the scenario with its one process repeated n times (pids 1000…), its events aimed at the last one */
function repeatProcess(s: Scenario, n: number): Scenario {
  const p0 = s.processes[0]!;
  const processes: ProcessSpec[] = [];
  for (let i = 0; i < n; i++) {
    processes.push({ ...p0, pid: 1000 + i, comm: `${p0.comm}${i}`, path: `/processes/${i}`, mappings: p0.mappings.map((m, j) => ({ ...m, path: `/processes/${i}/mappings/${j}` })) });
  }
  const last = 1000 + n - 1;
  const events = s.events.map((e) => ('process' in e && e.process === 1000 ? ({ ...e, process: last } as EventSpec) : e));
  return { ...s, processes, events };
}

/**
 * The device-dax machine: `size` of namespace (1 GiB alignment), two
 * processes mapping the whole device, then MADV_HWPOISON over `madvise`
 * bytes of the first one's mapping.
 */
export function devdaxScenario(size: string, madvise: number, design: Design = 'upstream', align = '1GiB'): Scenario {
  const s = loadScenario(
    `
version: 1
name: ${size} device-dax, two processes, madvise over ${madvise / GiB} GiB
kernel: { design: ${design} }
platform:
  regions: [ { id: region0, spa: 0x10000000000, size: ${size} } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: devdax, align: ${align}, device: dax0.0 } ]
processes:
  - { pid: 100, comm: db, mappings: [ { id: m0, device: /dev/dax0.0, length: 1GiB, populate: true } ] }
  - { pid: 101, comm: backup, mceKill: early, mappings: [ { id: m0, device: /dev/dax0.0, length: 1GiB, populate: true } ] }
events:
  - { id: poison, do: madvise-hwpoison, process: 100, addr: ${MAP_BASE}, length: ${madvise} }
`,
    'devdax.poison.yaml',
  );
  // the whole device: its data area is the namespace less the data offset
  const ns = s.platform.namespaces[0]!;
  const data = ns.size - ns.dataOffset;
  return {
    ...s,
    processes: s.processes.map((p) => ({ ...p, mappings: p.mappings.map((m) => ({ ...m, length: data })) })),
  };
}
