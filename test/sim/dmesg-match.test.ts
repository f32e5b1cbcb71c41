// dmesg: contains / notContains matched inside the log store's runs
// (src/sim/dmesg-match.ts) exactly as on the lines written out: a needle
// that lands on the advancing numbers matches a member iff one has it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KernelLog, templateLine, type LineTemplate } from '../../src/sim/dmesg';
import { matchLog, matchTemplate } from '../../src/sim/dmesg-match';
import { evaluateExpectation, type ReportSnapshot } from '../../src/sim/expect';
import type { Expectation } from '../../src/sim/scenario/types';

const field = fc.record({
  base: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 2 ** 40 })),
  step: fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constantFrom(4096, -4096, 0x200000, 7, 99)).filter((s) => s !== 0),
  hex: fc.boolean(),
});
const text = fc.constantFrom('', ' ', ': ', 'Memory failure: 0x', ' pgoff ', ' at 0x', 'db:', 'x', 'a1', '0', ' 9 ');

/** a template of 1..3 fields whose members [0, count) keep every number non-negative */
const run = fc
  .record({ fields: fc.array(field, { minLength: 1, maxLength: 3 }), texts: fc.array(text, { minLength: 4, maxLength: 4 }), count: fc.integer({ min: 1, max: 400 }) })
  .map(({ fields, texts, count }) => {
    const fs = fields.map((f) => ({ ...f, base: f.step < 0 ? f.base + -f.step * (count - 1) : f.base }));
    const t: LineTemplate = { parts: texts.slice(0, fs.length + 1), fields: fs };
    return { t, count };
  });

function expanded(t: LineTemplate, count: number): string[] {
  return Array.from({ length: count }, (_, j) => templateLine(t, j));
}

test('a needle on a run: the members whose line has it, how many and the first, as on the lines written out', () => {
  fc.assert(
    fc.property(run, fc.nat(), fc.nat(), fc.nat(), fc.oneof(fc.constant(''), fc.constantFrom('0', '1', 'f', '00', '10', '4096', '1000')), (r, pick, a, len, extra) => {
      const lines = expanded(r.t, r.count);
      // needles cut from a member's line (so they land on its numbers), and short digit strings
      const line = lines[pick % lines.length]!;
      const from = a % (line.length + 1);
      const cut = line.slice(from, from + 1 + (len % 12));
      for (const needle of [cut, extra, cut + extra]) {
        const want = lines.map((l, j) => (l.includes(needle) ? j : -1)).filter((j) => j >= 0);
        const got = matchTemplate(r.t, r.count, needle);
        assert.equal(got.count, want.length, `${JSON.stringify(needle)} in ${JSON.stringify(lines.slice(0, 3))}…`);
        assert.equal(got.first, want[0], JSON.stringify(needle));
      }
    }),
    { numRuns: 3000 },
  );
});

test('a needle on a long run is found by arithmetic, not by printing members', () => {
  const t: LineTemplate = { parts: ['Memory failure: 0x', ': recovery action for dax page: Recovered at 0x', ''], fields: [{ base: 0x1000000, step: 1, hex: true }, { base: 0x7f0000000000, step: 4096, hex: true }] };
  const n = 264_000_000;
  assert.deepEqual(matchTemplate(t, n, 'Memory failure: 0x1234567: rec'), { count: 1, first: 0x1234567 - 0x1000000 });
  // pfns 0x10xxxxx, and every pfn from 0x10000000 on
  assert.deepEqual(matchTemplate(t, n, 'Memory failure: 0x10'), { count: 0x100000 + (0x1000000 + n - 0x10000000), first: 0 });
  // pfns 0x12345xx (the addresses start 0x7f)
  assert.deepEqual(matchTemplate(t, n, '0x12345'), { count: 0x100, first: 0x1234500 - 0x1000000 });
  // inside the numbers: pfns 0x...abc.. and addresses whose page number has abc; the same count as member by member over a prefix
  const m = 1_000_000;
  const want = Array.from({ length: m }, (_, j) => templateLine(t, j)).filter((l) => l.includes('abc')).length;
  assert.equal(matchTemplate(t, m, 'abc').count, want);
  assert.equal(matchTemplate(t, n, 'Memory failure: 0x1fffffff').count, 0);
  assert.equal(matchTemplate(t, n, 'recovery action').count, n);
});

test('a log of lines and runs: count and first line as over its lines; the expectation details are the same', () => {
  const log = new KernelLog();
  log.push('nd_pmem pfn0.0: DAX active at remove, trigger mass memory failure');
  log.pushRun(5000, (j) => [`Memory failure: 0x${(0x240a00 + j).toString(16)}: Sending SIGBUS to reader:1001 due to hardware memory corruption`, `Memory failure: 0x${(0x240a00 + j).toString(16)}: recovery action for dax page: Recovered`]);
  log.push('XFS (pmem0): Please unmount the filesystem and rectify the problem(s)');
  log.pushRun(300, (j) => `pmem0: page ${j * 8} of ${100 + j}`);
  const lines = [...log];
  const needles = ['Recovered', '0x240b00', '0x240b00: Sending', 'reader:1001', 'rectify', 'page 80 of 110', 'page 8', 'of 3', '24', 'nothing like it', 'Recovered\nMemory failure: 0x240a01: Sending', 'problem(s)\npmem0: page 0 of 100', 'of 399\n'];
  const snap = (d: ReportSnapshot['dmesg']): ReportSnapshot => ({ events: [], signals: [], dmesg: d, badblocks: {}, hwpoison: [], filesystems: [], calls: {} });
  for (const needle of needles) {
    const want = lines.filter((l) => l.includes(needle));
    const got = matchLog(log.view(), needle);
    if (!needle.includes('\n')) {
      assert.equal(got.count, want.length, needle);
      assert.equal(got.first, want[0], needle);
    }
    for (const x of [{ dmesg: { contains: needle } }, { dmesg: { notContains: needle } }] as Expectation[]) {
      const a = evaluateExpectation(x, snap(log.view()), 'end');
      const b = evaluateExpectation(x, snap(lines), 'end');
      assert.equal(a.ok, b.ok, needle);
      assert.equal(a.ok, 'contains' in (x as { dmesg: object }).dmesg ? lines.join('\n').includes(needle) : !lines.join('\n').includes(needle), needle);
      assert.equal(a.detail, b.detail, needle);
    }
  }
});
