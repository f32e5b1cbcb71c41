// MAP_POPULATE as runs (src/sim/mm/gup.ts) against the page-by-page
// reference: the same calls, clock, signals, log and verdicts, and the same
// page tables, DAX entries and struct-page owners, for PTE and PMD runs,
// reflinked extents, a known-bad sector in the middle, misaligned mappings,
// and files in several extents; and far fewer spans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenarioFull } from '../../src/sim/run';
import { alignedXfsHead, expandDmesg, flat, reportState } from './helpers';
import { setNaiveIntervals } from '../../src/sim/intervals';
import type { Design } from '../../src/sim/scenario/types';

const SCENARIO = (design: Design, events: string) => `
${alignedXfsHead('populate as runs', design)}
files:
  - { path: /mnt/pmem/big, size: 4MiB, fill: 0x61 }
  - { path: /mnt/pmem/clone, reflink: /mnt/pmem/big }
  - { path: /mnt/pmem/frag, size: 640KiB, fill: 0x62, extents: [ { offset: 0, block: 9000, length: 40 }, { offset: 40, block: 12000, length: 60 }, { offset: 100, block: 15001, length: 60 } ] }
  - { path: /mnt/pmem/tail, size: 5000, fill: 0x63 }
processes:
  - { pid: 100, comm: a, mceKill: early }
  - { pid: 101, comm: b }
  - { pid: 102, comm: c, mceKill: early }
events:
${events}
`;

const EVENTS = `
  - { do: inject-error, namespace: namespace0.0, block: 4500, count: 1 }
  - { do: mmap, process: 100, id: m0, file: /mnt/pmem/big, length: 4MiB, populate: true }
  - { do: mmap, process: 101, id: m0, file: /mnt/pmem/clone, length: 4MiB, populate: true }
  - { do: mmap, process: 102, id: m0, file: /mnt/pmem/big, offset: 4096, length: 3MiB, addr: 0x7f1000001000, populate: true }
  - { do: mmap, process: 102, id: m1, file: /mnt/pmem/frag, length: 640KiB, populate: true }
  - { do: mmap, process: 101, id: m1, file: /mnt/pmem/tail, length: 8KiB, populate: true }
  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000203000, length: 4096 }
`;

function run(design: Design, naive: boolean) {
  setNaiveIntervals(naive);
  try {
    const { machine, report } = runScenarioFull(loadScenario(SCENARIO(design, EVENTS), 'populate.poison.yaml'));
    const k = machine.k;
    return {
      spans: report.spans.filter((x) => x.event && report.events.find((e) => e.id === x.event)?.do === 'mmap').length,
      state: {
        events: report.events.map((e) => ({ id: e.id, at: e.at, result: e.result })),
        signals: report.signals,
        dmesg: expandDmesg(report.dmesg),
        calls: report.calls,
        badblocks: report.badblocks,
        hwpoison: report.hwpoison,
        verdicts: report.verdicts.map(({ span: _s, ...v }) => v),
        now: k.tr.now,
        ptes: k.tasks.flatMap((t) => (t.mm ? t.mm.vmas.map((v) => ({ pid: t.pid, id: v.id, ptes: flat(v.ptes) })) : [])),
        entries: machine.k.superblocks.flatMap((sb) => [...sb.files.values()].map((i) => ({ path: i.path, entries: flat(i.mapping.entries) }))),
        owners: flat(k.pageOwner),
      },
    };
  } finally {
    setNaiveIntervals(false);
  }
}

for (const design of ['upstream', 'page-mapping', 'pagemap-failure'] as Design[]) {
  test(`populate as runs equals page by page (${design})`, () => {
    const bulk = run(design, false);
    const naive = run(design, true);
    assert.deepEqual(bulk.state, naive.state);
    assert.ok(bulk.spans * 4 < naive.spans, `far fewer spans: ${bulk.spans} vs ${naive.spans}`);
  });
}

test('a populated run is one tree whose spans carry the run count, and calls count every fault', () => {
  setNaiveIntervals(false);
  const text = SCENARIO('upstream', '  - { do: mmap, process: 100, id: m0, file: /mnt/pmem/big, length: 4MiB, populate: true }');
  const { report } = runScenarioFull(loadScenario(text, 'p.poison.yaml'));
  const faults = report.spans.filter((s) => s.symbol === 'do_user_addr_fault');
  const counted = faults.reduce((n, s) => n + (s.count ?? 1), 0);
  assert.equal(report.calls.do_user_addr_fault, counted);
  // 12 MiB in 2 MiB PMD faults where the extent allows
  assert.ok(faults.length < 8, `${faults.length} fault spans`);
  const run = faults.find((s) => (s.count ?? 1) > 1)!;
  assert.match(String(run.args.addr), /^0x[0-9a-f]+\.\.0x[0-9a-f]+$/);
  for (const s of report.spans.filter((x) => x.parent === run.id)) assert.equal(s.count, run.count);
});

// pages of a file nobody shares, poisoned where its extents start: a run of
// pages alike never begins with a poisoned page and goes on into clean ones
const POISONED_FIRST = `  - { do: mmap, process: 100, id: m2, file: /mnt/pmem/frag, length: 640KiB, addr: 0x7f2000000000, populate: true }
  - { do: madvise-hwpoison, process: 100, addr: 0x7f2000000000, length: 24KiB }
  - { do: madvise-hwpoison, process: 100, addr: 0x7f2000028000, length: 8KiB }
`;

for (const [design, extra] of [['upstream', ''], ['pagemap-failure', ''], ['upstream', POISONED_FIRST], ['pagemap-failure', POISONED_FIRST], ['page-mapping', POISONED_FIRST], ['corrupted-range', POISONED_FIRST]] as [Design, string][])
test(`unbind over populated mappings: runs killed alike equal page by page (${design}${extra ? ', pages already poisoned where runs start' : ''})`, () => {
  const events = `${EVENTS}${extra}  - { do: unbind, namespace: namespace0.0 }\n`;
  const go = (naive: boolean) => {
    setNaiveIntervals(naive);
    try {
      const { report } = runScenarioFull(loadScenario(SCENARIO(design, events), 'u.poison.yaml'));
      const e = report.events[report.events.length - 1]!;
      return {
        spans: report.spans.filter((s) => s.event === e.id).length,
        state: reportState(report),
      };
    } finally {
      setNaiveIntervals(false);
    }
  };
  const bulk = go(false);
  const naive = go(true);
  assert.deepEqual(bulk.state, naive.state);
  // page-mapping and corrupted-range tell nobody on unbind: nothing to summarise
  if (design === 'upstream' || design === 'pagemap-failure') {
    assert.ok(bulk.spans * 10 < naive.spans, `the unbind is summarised: ${bulk.spans} spans vs ${naive.spans}`);
    assert.ok(bulk.state.calls.kill_proc! > 500, `${bulk.state.calls.kill_proc} kill_proc calls, each counted`);
  }
});

// A file in 48 small extents: after its first TRACED_RUNS runs a populate
// faults quietly (one summary span per stretch), and runs shaped like one
// already faulted take no fault at all. Calls, clock, state and log must
// still equal page-by-page faulting: a reflinked copy, a second mapper over
// entries already there, a known-bad sector in the middle, a misaligned
// mapping and a private writable one.
const EXTENTS = Array.from({ length: 48 }, (_, i) => `{ offset: ${i * 2}, block: ${20000 + i * 3}, length: 2 }`).join(', ');
const MANY = (design: Design) => `
${alignedXfsHead('quiet populate', design)}
files:
  - { path: /mnt/pmem/many, size: 384KiB, fill: 0x61, extents: [ ${EXTENTS} ] }
  - { path: /mnt/pmem/copy, reflink: /mnt/pmem/many }
processes:
  - { pid: 100, comm: a, mceKill: early }
  - { pid: 101, comm: b }
  - { pid: 102, comm: c }
events:
  - { do: inject-error, namespace: namespace0.0, block: 20061, count: 1 }
  - { do: mmap, process: 100, id: m0, file: /mnt/pmem/many, length: 384KiB, populate: true }
  - { do: mmap, process: 101, id: m0, file: /mnt/pmem/copy, length: 384KiB, populate: true }
  - { do: mmap, process: 102, id: m0, file: /mnt/pmem/many, length: 384KiB, populate: true }
  - { do: mmap, process: 102, id: m1, file: /mnt/pmem/many, offset: 8192, length: 360KiB, addr: 0x7f3000003000, populate: true }
  - { do: mmap, process: 101, id: m1, file: /mnt/pmem/many, length: 384KiB, prot: rw, flags: private, populate: true }
  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000030000, length: 4096 }
  - { do: unbind, namespace: namespace0.0 }
`;

for (const design of ['upstream', 'page-mapping', 'corrupted-range', 'pagemap-failure'] as Design[])
  test(`populate in many small extents, quiet after the first runs, equals page by page (${design})`, () => {
    const go = (naive: boolean) => {
      setNaiveIntervals(naive);
      try {
        const { machine, report } = runScenarioFull(loadScenario(MANY(design), 'many.poison.yaml'));
        const k = machine.k;
        return {
          spans: report.spans.length,
          summaries: report.spans.filter((s) => s.symbol === 'do_user_addr_fault' && s.args.runs !== undefined),
          state: {
            events: report.events.map((e) => ({ id: e.id, at: e.at, result: e.result })),
            signals: report.signals,
            dmesg: expandDmesg(report.dmesg),
            calls: report.calls,
            hwpoison: report.hwpoison,
            verdicts: report.verdicts.map(({ span: _s, ...v }) => v),
            now: k.tr.now,
            ptes: k.tasks.flatMap((t) => (t.mm ? t.mm.vmas.map((v) => ({ pid: t.pid, id: v.id, ptes: flat(v.ptes) })) : [])),
            owners: flat(k.pageOwner),
          },
        };
      } finally {
        setNaiveIntervals(false);
      }
    };
    const bulk = go(false);
    const naive = go(true);
    assert.deepEqual(bulk.state, naive.state);
    assert.ok(bulk.summaries.length > 0, 'quiet stretches are summarised');
    for (const s of bulk.summaries) assert.ok((s.count ?? 1) >= Number(s.args.runs), `a summary counts every fault: ${JSON.stringify(s)}`);
    assert.ok(bulk.spans * 2 < naive.spans, `${bulk.spans} spans vs ${naive.spans}`);
  });
