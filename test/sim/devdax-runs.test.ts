// Device-dax at scale: faults map whole extents of the device's alignment
// (PUD entries for 1 GiB, as __dev_dax_pud_fault inserts them), MAP_POPULATE
// faults a run of extents as one traced fault carrying its count, and
// madvise(MADV_HWPOISON) over a range takes one memory_failure() per
// compound page, summarised as one call tree for a run of alike pages,
// with `calls`, signals, the log and PageHWPoison exact per page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario, runScenarioFull } from '../../src/sim/run';
import { setNaiveIntervals } from '../../src/sim/intervals';
import { DESIGNS, type Design } from '../../src/sim/scenario/types';
import type { RunReport } from '../../src/sim/report';

const GiB = 2 ** 30;
const BASE = 0x7f0000000000;

const scenario = (size: string, align: string, len: string, events: string) => `
version: 1
name: device-dax runs
platform:
  regions: [ { id: region0, spa: 0x10000000000, size: ${size} } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: devdax, align: ${align}, device: dax0.0 } ]
processes:
  - { pid: 100, comm: db, mappings: [ { id: m0, device: /dev/dax0.0, length: ${len}, populate: true } ] }
  - { pid: 101, comm: backup, mceKill: early, mappings: [ { id: m0, device: /dev/dax0.0, length: ${len}, populate: true } ] }
  - { pid: 102, comm: late, mappings: [ { id: m0, device: /dev/dax0.0, offset: ${align}, length: ${align}, populate: true } ] }
events:
${events}
`;

test('device-dax with 1 GiB alignment: PUD entries, populate in runs, madvise over 7 GiB with exact calls, lsb 30 and whole-PUD unmaps', () => {
  const text = scenario('8GiB', '1GiB', '7GiB', `  - { do: madvise-hwpoison, process: 100, addr: ${BASE}, length: 7GiB }`);
  const { report: r, machine: m } = runScenarioFull(loadScenario(text, 'pud.poison.yaml'));
  // the data area starts 1 GiB in (the memmap of 8 GiB rounded up to the alignment)
  const data = (0x10000000000 + GiB) / 4096;
  // setup: one traced fault per process, carrying its count: 7 + 7 + 1 PUD faults
  const faults = r.spans.filter((s) => s.symbol === 'do_user_addr_fault');
  assert.deepEqual(faults.map((s) => s.count ?? 1), [7, 7, 1]);
  assert.equal(r.spans.filter((s) => s.symbol === '__dev_dax_pud_fault').reduce((n, s) => n + (s.count ?? 1), 0), 15);
  assert.equal(faults[0]!.args.addr, `0x${BASE.toString(16)}..0x${(BASE + 6 * GiB).toString(16)}`);

  assert.deepEqual(r.events[0]!.result, { ret: 0 });
  // one memory_failure() per 1 GiB compound page, each collecting the caller (AR) and the early-kill task (AO)
  assert.equal(r.calls.memory_failure, 7);
  assert.equal(r.calls.mf_generic_kill_procs, 7);
  assert.equal(r.calls.get_user_pages_fast, 7);
  assert.equal(r.calls.kill_proc, 14);
  assert.equal(r.calls.unmap_mapping_range, 7);
  assert.equal(r.calls.do_user_addr_fault, undefined, 'every page was present: get_user_pages_fast faulted nothing in');
  // the run: pages 2..6 are one call tree carrying its count (page 0 queues the signals, 1 is also mapped by the late task)
  const runs = r.spans.filter((s) => s.symbol === 'memory_failure');
  assert.deepEqual(runs.map((s) => s.count ?? 1), [1, 1, 5]);
  assert.equal(runs[2]!.args.pfn, `0x${(data + 2 * 262144).toString(16)}..0x${(data + 6 * 262144).toString(16)}`);
  // signals: the first of each task's stands, si_addr_lsb 30 (PUD_SHIFT)
  assert.deepEqual(
    r.signals.map((s) => [s.pid, s.code, s.addr, s.lsb]),
    [
      [100, 'BUS_MCEERR_AR', `0x${BASE.toString(16)}`, 30],
      [101, 'BUS_MCEERR_AO', `0x${BASE.toString(16)}`, 30],
    ],
  );
  // the log, page by page as the kernel prints it
  const inj = [...r.dmesg].filter((l) => l.startsWith('Injecting memory failure'));
  assert.deepEqual(
    inj,
    [0, 1, 2, 3, 4, 5, 6].map((j) => `Injecting memory failure for pfn 0x${(data + j * 262144).toString(16)} at process virtual address 0x${(BASE + j * GiB).toString(16)}`),
  );
  assert.equal([...r.dmesg].filter((l) => / Sending SIGBUS to db:100 /.test(l)).length, 7);
  assert.equal([...r.dmesg].filter((l) => / Sending SIGBUS to backup:101 /.test(l)).length, 7);
  assert.equal([...r.dmesg].filter((l) => l.endsWith('recovery action for dax page: Recovered')).length, 7);
  assert.equal([...r.dmesg].filter((l) => / Sending SIGBUS to late:102 /.test(l)).length, 0, 'the late-kill task is passed over');
  // PageHWPoison on each compound page's head
  assert.deepEqual(r.hwpoison, [0, 1, 2, 3, 4, 5, 6].map((j) => `0x${(data + j * 262144).toString(16)}`));
  // unmap_and_kill unmapped the whole PUD from every mapper, the late one too
  for (const t of m.k.tasks) for (const v of t.mm!.vmas) assert.equal(v.ptes.covered(v.start / 4096, v.end / 4096), 0, `${t.pid} ${v.id} still mapped`);
  // a verdict per compound page and mapper: AR, AO, and unmapped only for the late task
  const byPid = (pid: number) => r.verdicts.filter((v) => v.pid === pid);
  assert.equal(byPid(100).length, 7);
  assert.ok(byPid(100).every((v) => v.outcome === 'AR' && v.lsb === 30));
  assert.ok(byPid(101).every((v) => v.outcome === 'AO' && v.lsb === 30));
  assert.deepEqual(byPid(102).map((v) => v.outcome), ['unmapped only']);
  // pages after the first: the signal was already pending, at that page's own address
  assert.match(byPid(100)[3]!.reason, new RegExp(`at 0x${(BASE + 3 * GiB).toString(16)} with si_addr_lsb 30\\. A SIGBUS from this event was already pending`));
});

test('device-dax PUD: a load after the madvise faults the PUD back in and consumes nothing; unbind unmaps every PUD', () => {
  const text = scenario(
    '8GiB',
    '1GiB',
    '7GiB',
    `  - { do: madvise-hwpoison, process: 100, addr: ${BASE + 2 * GiB}, length: 4GiB }
  - { do: load, process: 101, addr: ${BASE + 3 * GiB + 4096}, length: 8 }
  - { do: unbind, namespace: namespace0.0 }`,
  );
  const { report: r, machine: m } = runScenarioFull(loadScenario(text, 'pud.poison.yaml'));
  assert.equal(r.calls.memory_failure, 4);
  // the load faulted the poisoned-by-software PUD back in: the media is good, nothing consumed
  assert.equal(r.events[1]!.result.ret, 0);
  const pud = r.spans.filter((s) => s.event === 'e2' && s.symbol === '__dev_dax_pud_fault');
  assert.equal(pud.length, 1);
  for (const t of m.k.tasks) for (const v of t.mm!.vmas) assert.equal(v.ptes.covered(v.start / 4096, v.end / 4096), 0);
  assert.ok(r.spans.some((s) => s.event === 'e3' && s.symbol === 'kill_dev_dax'));
});

function canonical(r: RunReport) {
  return {
    events: r.events.map((e) => ({ id: e.id, do: e.do, at: e.at, result: e.result })),
    signals: r.signals,
    dmesg: [...r.dmesg],
    hwpoison: r.hwpoison,
    calls: r.calls,
    verdicts: r.verdicts.map((v) => ({ ...v, span: undefined })),
  };
}

function run(text: string, design: Design, naive: boolean) {
  setNaiveIntervals(naive);
  try {
    return runScenario(loadScenario(text, 'pmd.poison.yaml'), { design });
  } finally {
    setNaiveIntervals(false);
  }
}

test('device-dax with 2 MiB alignment: populate and madvise runs give the page-by-page report, under every design', () => {
  const text = scenario(
    '256MiB',
    '2MiB',
    '64MiB',
    `  - { do: madvise-hwpoison, process: 100, addr: ${BASE}, length: 48MiB }
  - { do: madvise-hwpoison, process: 101, addr: ${BASE + 40 * 2 ** 20 + 4096}, length: 20MiB }
  - { do: load, process: 102, addr: ${BASE + 4096}, length: 8 }
  - { do: unbind, namespace: namespace0.0 }`,
  );
  for (const design of DESIGNS) {
    const a = run(text, design, false);
    const b = run(text, design, true);
    assert.deepEqual(canonical(a), canonical(b), design);
    // and the range-based run did summarise: far fewer spans
    assert.ok(a.spans.length * 3 < b.spans.length, `${design}: ${a.spans.length} spans vs ${b.spans.length}`);
    // one memory_failure() per 2 MiB page of the first madvise, counted through the runs
    assert.equal(a.spans.filter((s) => s.event === 'e1' && s.symbol === 'memory_failure').reduce((n, s) => n + (s.count ?? 1), 0), 24);
  }
});
