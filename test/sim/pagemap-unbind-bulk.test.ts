// The pagemap-failure design's unbind (dev_pagemap_failure: memory_failure()
// for every pfn) in bulk, against the page-by-page reference, on the shapes
// its bulk paths take: small files whose extents lie apart (a member poisons
// fewer pfns than the step to the next, so the members' poison goes in as one
// strided run, RangeSet.addEvery), and a PMD-mapped file with a poisoned page
// in its seventh entry, so its entries are recorded again after it (a member
// prints a line per pfn: its log is read from the log's runs, memberLog in
// src/sim/mm/bulk.ts, and the rest of its run is handed to the log as a
// pattern, Kernel.logRunOf). Calls, clock, signals, dmesg, hwpoison, page
// tables, owners and verdicts must equal the reference; the log keeps runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenarioFull } from '../../src/sim/run';
import { setNaiveIntervals } from '../../src/sim/intervals';
import type { KernelVersion } from '../../src/sim/version';
import { alignedXfsHead, unbindState } from './helpers';

const SMALL = 8;
// extents of 1 to 3 blocks, 2 to 4 blocks apart
const smallFiles = Array.from(
  { length: SMALL },
  (_, i) => `  - { path: /mnt/pmem/s${i}, size: ${32 * (1 + (i % 3))}KiB, fill: 0x6${i}, extents: [ { offset: 0, block: ${9000 + i * 100}, length: ${1 + (i % 3)}, count: 8, stride: ${3 + (i % 3)} } ] }`,
).join('\n');
const map = (i: number) => `{ id: s${i}, file: /mnt/pmem/s${i}, length: ${32 * (1 + (i % 3))}KiB, addr: 0x7f00${i.toString(16).padStart(2, '0')}000000, populate: true }`;

const SCENARIO = (version: KernelVersion) => `
${alignedXfsHead('pagemap-failure unbind in bulk', 'pagemap-failure', '128MiB').replace('design: pagemap-failure', `design: pagemap-failure, version: "${version}"`)}
files:
${smallFiles}
  - { path: /mnt/pmem/db, size: 16MiB, fill: 0x64, extents: [ { offset: 0, block: 20480, length: 4096 } ] }
processes:
  - { pid: 100, comm: a, mappings: [ ${[0, 1, 2, 3].map(map).join(', ')} ] }
  - { pid: 101, comm: b, mceKill: early, mappings: [ ${[4, 5, 6, 7].map(map).join(', ')} ] }
  - { pid: 200, comm: db0, mceKill: early, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
  - { pid: 201, comm: db1, mappings: [ { id: db, file: /mnt/pmem/db, length: 16MiB, addr: 0x7e0000000000, populate: true } ] }
events:
  - { do: madvise-hwpoison, process: 200, addr: 0x7e0000c05000, length: 4096 }
  - { do: unbind, namespace: namespace0.0 }
`;

function run(version: KernelVersion, naive: boolean) {
  setNaiveIntervals(naive);
  try {
    const { machine, report } = runScenarioFull(loadScenario(SCENARIO(version), 'pagemap-unbind.poison.yaml'));
    const e = report.events[report.events.length - 1]!;
    return { spans: report.spans.filter((s) => s.event === e.id), state: unbindState(report, machine.k), entries: machine.k.dmesg.entryCount, lines: machine.k.dmesg.length };
  } finally {
    setNaiveIntervals(false);
  }
}

for (const version of ['6.12', '6.1'] as const) {
  test(`pagemap-failure unbind of small files apart and a poisoned PMD file, in bulk, equals page by page (${version})`, () => {
    const bulk = run(version, false);
    const naive = run(version, true);
    assert.equal(bulk.state.events.length, 2);
    assert.ok(bulk.state.hwpoison.length > SMALL * 8, `${bulk.state.hwpoison.length} hwpoison entries`);
    assert.deepEqual(bulk.state, naive.state);
    // every pfn failed, once
    assert.equal(bulk.state.calls.memory_failure, naive.state.calls.memory_failure);
    assert.ok(bulk.spans.length * 10 < naive.spans.length, `summarised: ${bulk.spans.length} spans vs ${naive.spans.length}`);
    // the PMD entries' lines (one per pfn) kept as runs, not line by line
    assert.ok(bulk.lines > 2048, `${bulk.lines} dmesg lines`);
    assert.ok(bulk.entries * 20 < bulk.lines, `${bulk.entries} log entries for ${bulk.lines} lines`);
  });
}
