// The range-based simulator against the naive reference, which keeps one
// entry per unit in every interval structure and really iterates page by page
// (every index of mf_dax_kill_procs, one memory_failure() per pfn in
// dev_pagemap_failure). On devices up to 1 GiB the two give the same report:
// the same events, results, signals, badblocks, poison, filesystem state,
// calls and expectations, and the same log once the range-based run's
// abbreviated runs of identical lines are written out in full. Spans are
// compared by what they count (calls): a summarised run is one span carrying
// its count where the naive run has one span per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { expandDmesg, fsdaxHead } from './helpers';
import { setNaiveIntervals } from '../../src/sim/intervals';
import { InputError } from '../../src/sim/errors';
import type { RunReport } from '../../src/sim/report';
import { DESIGNS } from '../../src/sim/scenario/types';

const BASE = `
${fsdaxHead({ name: 'differential', size: '64MiB', options: 'agcount: 2' })}
files:
  - { path: /mnt/pmem/a, size: 64KiB }
  - { path: /mnt/pmem/b, reflink: /mnt/pmem/a }
  - { path: /mnt/pmem/c, size: 2MiB }
processes:
  - pid: 100
    mceKill: early
    mappings: [ { id: m0, file: /mnt/pmem/a, populate: true } ]
  - pid: 101
    mappings: [ { id: m0, file: /mnt/pmem/b, populate: true } ]
  - pid: 102
    sigbus: default
    mappings: [ { id: m0, file: /mnt/pmem/c, populate: true } ]
`;

const page = fc.integer({ min: 0, max: 15 });
const ev = fc.oneof(
  fc.record({ do: fc.constant('media-error'), file: fc.constantFrom('/mnt/pmem/a', '/mnt/pmem/c'), offset: page.map((p) => p * 4096 + 128) }),
  fc.record({ do: fc.constant('inject-error'), namespace: fc.constant('namespace0.0'), block: fc.integer({ min: 0, max: 120000 }), count: fc.integer({ min: 1, max: 16 }), notify: fc.boolean() }),
  fc.record({ do: fc.constant('scrub') }),
  fc.record({ do: fc.constant('load'), process: fc.constantFrom(100, 101, 102), addr: page.map((p) => 0x7f0000000000 + p * 4096) }),
  fc.record({ do: fc.constantFrom('read', 'write'), process: fc.constant(100), file: fc.constantFrom('/mnt/pmem/a', '/mnt/pmem/c'), offset: page.map((p) => p * 4096), length: fc.constantFrom(512, 4096) }),
  fc.record({ do: fc.constant('madvise-hwpoison'), process: fc.constantFrom(100, 101), addr: page.map((p) => 0x7f0000000000 + p * 4096), length: fc.constant(4096) }),
  fc.record({ do: fc.constant('corrupt-pfn'), pfn: fc.integer({ min: 0x240200, max: 0x240200 + 400 }) }),
  fc.record({ do: fc.constant('clear-errors'), namespace: fc.constant('namespace0.0') }),
);

function yaml(e: Record<string, unknown>): string {
  return `{ ${Object.entries(e).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`).join(', ')} }`;
}

function canonical(r: RunReport) {
  return {
    events: r.events.map((e) => ({ id: e.id, do: e.do, at: e.at, result: e.result })),
    signals: r.signals,
    dmesg: expandDmesg(r.dmesg),
    badblocks: r.badblocks,
    hwpoison: r.hwpoison,
    filesystems: r.filesystems,
    calls: r.calls,
    expectations: r.expectations,
    panic: r.panic ?? null,
  };
}

function run(text: string, design: (typeof DESIGNS)[number], naive: boolean) {
  setNaiveIntervals(naive);
  try {
    return canonical(runScenario(loadScenario(text, 'differential.poison.yaml'), { design }));
  } catch (e) {
    if (e instanceof InputError) return { rejected: e.message };
    throw e;
  } finally {
    setNaiveIntervals(false);
  }
}

test('differential: range-based and naive page-by-page runs give the same report', () => {
  fc.assert(
    fc.property(fc.array(ev, { maxLength: 8 }), fc.constantFrom(...DESIGNS), fc.boolean(), (evs, design, unbind) => {
      const lines = evs.map(yaml);
      if (unbind) lines.push('{ do: unbind, namespace: namespace0.0 }');
      const text = BASE + (lines.length ? `events:\n${lines.map((l) => `  - ${l}`).join('\n')}\n` : '');
      assert.deepEqual(run(text, design, false), run(text, design, true));
    }),
    { numRuns: 24 },
  );
});

test('differential: unbind under pagemap-failure counts one memory_failure per data pfn either way', () => {
  const text = BASE + 'events:\n  - { do: unbind, namespace: namespace0.0 }\n';
  const a = run(text, 'pagemap-failure', false) as ReturnType<typeof canonical>;
  const b = run(text, 'pagemap-failure', true) as ReturnType<typeof canonical>;
  // 64 MiB with a 2 MiB data offset: 62 MiB of data pages
  assert.equal(a.calls.memory_failure, (62 * 2 ** 20) / 4096);
  assert.deepEqual(a, b);
  // and the naive run really went page by page: one span per memory_failure() call
  const spans = (naive: boolean) => {
    setNaiveIntervals(naive);
    try {
      const r = runScenario(loadScenario(text, 'differential.poison.yaml'), { design: 'pagemap-failure' });
      return r.spans.filter((s) => s.symbol === 'memory_failure').length;
    } finally {
      setNaiveIntervals(false);
    }
  };
  assert.equal(spans(true), (62 * 2 ** 20) / 4096);
  assert.ok(spans(false) * 10 < spans(true), 'the range-based run summarises the unowned runs');
});
