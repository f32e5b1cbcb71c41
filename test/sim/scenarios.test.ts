// Every built-in scenario under check; byte-identical reports on a second
// run; and property tests over random event sequences: no signal to a task
// that does not map the address, badblocks only where the media was made bad,
// and a rejected event changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario, Session } from '../../src/sim/run';
import type { Scenario } from '../../src/sim/scenario/types';
import { InputError, ScenarioErrors } from '../../src/sim/errors';
import { fsdaxHead, runPrefix } from './helpers';

const ROOT = resolve(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'scenarios');
const files = readdirSync(DIR).filter((f) => /\.poison\.(ya?ml|json)$/.test(f)).sort();

function load(f: string): Scenario {
  return loadScenario(readFileSync(join(DIR, f), 'utf8'), f);
}

test('there are built-in scenarios', () => {
  assert.ok(files.length >= 6, files.join(', '));
});

for (const f of files) {
  test(`built-in scenario ${f}: every expectation holds`, () => {
    const r = runScenario(load(f));
    assert.ok(r.expectations.length > 0, 'has expectations');
    const failed = r.expectations.filter((x) => !x.ok);
    assert.deepEqual(failed.map((x) => `${x.where}: ${JSON.stringify(x.expect)}: ${x.detail}`), []);
  });
  test(`built-in scenario ${f}: two runs give byte-identical reports`, () => {
    const a = JSON.stringify(runScenario(load(f)));
    const b = JSON.stringify(runScenario(load(f)));
    assert.equal(a, b);
  });
}

// ---- property tests over random event sequences ----------------------------

const BASE = `
${fsdaxHead({ name: 'property base' })}
files:
  - { path: /mnt/pmem/a, size: 64KiB }
  - { path: /mnt/pmem/b, reflink: /mnt/pmem/a }
  - { path: /mnt/pmem/c, size: 32KiB }
processes:
  - pid: 100
    mceKill: early
    mappings: [ { id: m0, file: /mnt/pmem/a, populate: true } ]
  - pid: 101
    mappings: [ { id: m0, file: /mnt/pmem/b, populate: true } ]
  - pid: 102
    sigbus: default
    mceKill: early
    mappings: [ { id: m0, file: /mnt/pmem/c, populate: true }, { id: m1, file: /mnt/pmem/a } ]
  - pid: 103
`;

const FILES: Record<string, number> = { '/mnt/pmem/a': 65536, '/mnt/pmem/b': 65536, '/mnt/pmem/c': 32768 };
// where each process maps what (addresses assigned from 0x7f0000000000, 2 MiB apart)
const MAPS: Record<number, { addr: number; len: number }[]> = {
  100: [{ addr: 0x7f0000000000, len: 65536 }],
  101: [{ addr: 0x7f0000000000, len: 65536 }],
  102: [{ addr: 0x7f0000000000, len: 32768 }, { addr: 0x7f0000200000, len: 65536 }],
  103: [],
};

const pid = fc.constantFrom(100, 101, 102, 103);
const file = fc.constantFrom(...Object.keys(FILES));
const page = fc.integer({ min: 0, max: 15 });

const eventArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ do: fc.constant('media-error'), file, offset: page.map((p) => p * 4096 + 64) }),
  fc.record({ do: fc.constant('inject-error'), namespace: fc.constant('namespace0.0'), block: fc.integer({ min: 0, max: 200000 }), count: fc.integer({ min: 1, max: 16 }), notify: fc.boolean() }),
  fc.record({ do: fc.constant('scrub') }),
  fc.record({ do: fc.constant('load'), process: pid, page }),
  fc.record({ do: fc.constantFrom('read', 'write'), process: pid, file, offset: page.map((p) => p * 4096), length: fc.constantFrom(512, 4096, 8192) }),
  fc.record({ do: fc.constant('madvise-hwpoison'), process: pid, page }),
  fc.record({ do: fc.constant('corrupt-pfn'), pfn: fc.integer({ min: 0x241200, max: 0x241200 + 3000 }) }),
  fc.record({ do: fc.constant('punch-hole'), process: pid, file, offset: page.map((p) => p * 4096), length: fc.constant(4096) }),
  fc.record({ do: fc.constant('clear-errors'), namespace: fc.constant('namespace0.0') }),
);

/** turn a generated event into scenario YAML, or null when it cannot be written (no mapping) */
function toYaml(e: Record<string, unknown>): string | null {
  const p = e.process as number | undefined;
  if (e.do === 'load' || e.do === 'madvise-hwpoison') {
    const m = MAPS[p!]![0];
    if (!m) return null;
    const addr = m.addr + Math.min(e.page as number, m.len / 4096 - 1) * 4096;
    return `{ do: ${e.do}, process: ${p}, addr: ${addr}${e.do === 'load' ? '' : ', length: 4096'} }`;
  }
  // keep file offsets inside the file
  if (typeof e.file === 'string' && typeof e.offset === 'number') {
    const size = FILES[e.file]!;
    const len = typeof e.length === 'number' ? e.length : 1;
    e = { ...e, offset: Math.min(e.offset, Math.max(0, size - Math.max(len, 64))) };
  }
  const fields = Object.entries(e).map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`);
  return `{ ${fields.join(', ')} }`;
}

function scenarioWith(events: string[]): Scenario {
  const text = BASE + (events.length ? `events:\n${events.map((e) => `  - ${e}`).join('\n')}\n` : '');
  return loadScenario(text, 'property.poison.yaml');
}

test('property: signals only go to tasks that map the address', () => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 12 }), (evs) => {
      const ys = evs.map(toYaml).filter((y): y is string => y !== null);
      const { session } = runPrefix(scenarioWith(ys));
      for (const s of session.report.signals) {
        if (s.signo !== 'SIGBUS' || s.code === 'none') continue;
        const addr = Number(s.addr);
        const maps = MAPS[s.pid] ?? [];
        assert.ok(maps.some((m) => addr >= m.addr && addr < m.addr + m.len), `signal to ${s.pid} at ${s.addr} outside its mappings`);
      }
    }),
    { numRuns: 60 },
  );
});

test('property: namespace badblocks only where media errors or injected errors were', () => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 12 }), (evs) => {
      const ys = evs.map(toYaml).filter((y): y is string => y !== null);
      const { session } = runPrefix(scenarioWith(ys));
      const k = session.machine.k;
      const pmem = session.machine.pmem('pmem0')!;
      // every sector the media was ever made bad in, by any event
      const bad: [number, number][] = [];
      for (const e of session.done) {
        if (e.do === 'inject-error') bad.push([e.block, e.block + e.count]);
      }
      const mediaSectors = (sector: number) => {
        const spa = pmem.dataStart + sector * 512;
        return k.platform.media.overlaps(spa, spa + 512) || k.platform.injected.overlaps(spa, spa + 512);
      };
      for (const [s, n] of pmem.bb.show()) {
        for (let x = s; x < s + n; x++) {
          const injected = bad.some(([a, b]) => x >= a && x < b);
          // a sector healed by a write is gone from both; one still listed must be bad or injected
          assert.ok(injected || mediaSectors(x), `badblock sector ${x} has no media error behind it`);
        }
      }
    }),
    { numRuns: 60 },
  );
});

test('property: a rejected event leaves state and report unchanged', () => {
  const invalid = fc.oneof(
    fc.constant('{ do: media-error, spa: 0x100000000 }'),
    fc.constant('{ do: load, process: 103, addr: 0x7f0000000000 }'),
    fc.constant('{ do: read, process: 100, file: /mnt/pmem/a, offset: 0, length: 4096 }'),
  );
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 8 }), invalid, (evs, bad) => {
      const ys = evs.map(toYaml).filter((y): y is string => y !== null);
      const base = runPrefix(scenarioWith(ys));
      const reportBefore = JSON.stringify(base.session.report);
      let withBad: Scenario;
      try {
        withBad = scenarioWith([...ys, bad]);
      } catch (err) {
        // refused when the file is loaded: nothing ran at all
        if (err instanceof ScenarioErrors) return;
        throw err;
      }
      const s2 = new Session(withBad);
      let rejected = false;
      for (const e of withBad.events) {
        try {
          s2.step(e);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          rejected = true;
          break;
        }
        if (s2.report.panic) break;
      }
      s2.finish();
      // the read is valid: only the two truly invalid kinds must be rejected
      if (!bad.includes('read')) assert.ok(rejected || base.rejected !== null || base.session.report.panic, 'invalid event was accepted');
      if (rejected && base.rejected === null) assert.equal(JSON.stringify(s2.report), reportBefore);
    }),
    { numRuns: 40 },
  );
});
