// The kernel log held as runs (src/sim/dmesg.ts): a run of members whose
// lines differ only in numbers advancing in step is one pattern with its
// count, and the store answers exactly what the array of its lines answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KernelLog, foldedRun, logPieces, templateLine, type LogPiece } from '../../src/sim/dmesg';
import { Kernel } from '../../src/sim/kernel';

const hex = (n: number) => `0x${n.toString(16)}`;
const mf = (pfn: number, what = 'recovery action for dax page: Recovered') => `Memory failure: ${hex(pfn)}: ${what}`;

/** the store and the array of lines it stands for, appended to alike */
function both(): { log: KernelLog; lines: string[]; push(l: string): void; run(n: number, m: (j: number) => string | readonly string[]): void } {
  const log = new KernelLog();
  const lines: string[] = [];
  return {
    log,
    lines,
    push(l) {
      log.push(l);
      lines.push(l);
    },
    run(n, m) {
      log.pushRun(n, m);
      for (let j = 0; j < n; j++) {
        const x = m(j);
        lines.push(...(typeof x === 'string' ? [x] : x));
      }
    },
  };
}

function sameAsLines(log: KernelLog, lines: string[]): void {
  assert.equal(log.length, lines.length);
  assert.deepEqual([...log], lines);
  assert.deepEqual(log.slice(), lines);
  assert.deepEqual(JSON.parse(JSON.stringify(log)), lines);
  for (let i = -2; i <= lines.length + 1; i++) assert.equal(log.at(i), lines.at(i), `at(${i})`);
}

const runs = (log: { pieces(): Iterable<LogPiece> }) => [...log.pieces()].filter((p) => p.kind === 'run');

test('a run of a million per-pfn lines is one pattern, and reads as its lines', () => {
  const b = both();
  b.push('nd_pmem pfn0.0: DAX active at remove, trigger mass memory failure');
  b.log.pushRun(1 << 20, (j) => mf(0x1000000 + j));
  assert.equal(b.log.length, (1 << 20) + 1);
  assert.equal(b.log.entryCount, 2);
  assert.equal(b.log.at(1), mf(0x1000000));
  assert.equal(b.log.at(0x12345 + 1), mf(0x1012345));
  assert.equal(b.log.at(-1), mf(0x10fffff));
  assert.deepEqual(b.log.slice(0xfff0, 0x10003), Array.from({ length: 0x13 }, (_, i) => mf(0x1000000 + 0xfff0 + i - 1)));
  const [r] = runs(b.log);
  assert.ok(r && r.kind === 'run');
  assert.deepEqual(foldedRun(r), ['Memory failure: 0x1000000..0x10fffff (×1,048,576): recovery action for dax page: Recovered']);
});

test('members of several lines, numbers in hex and decimal advancing with different steps', () => {
  const b = both();
  const member = (j: number) => [`Memory failure: ${hex(0x2000 + 2 * j)}: Sending SIGBUS to db:${100 + j} at ${hex(0x7f0000000000 + 0x2000 * j)} pgoff ${512 + 2 * j}`, mf(0x2000 + 2 * j)];
  b.run(1000, member);
  sameAsLines(b.log, b.lines);
  assert.equal(b.log.entryCount, 1);
  const [r] = runs(b.log);
  assert.ok(r && r.kind === 'run');
  assert.equal(r.count, 1000);
  assert.deepEqual(foldedRun(r), [
    'Memory failure: 0x2000..0x27ce (×1,000, each with the next line): Sending SIGBUS to db:100..1099 at 0x7f0000000000..0x7f00007ce000 pgoff 512..2510',
    'Memory failure: 0x2000..0x27ce: recovery action for dax page: Recovered',
  ]);
});

test('a run that breaks its progression is kept as the lines it printed', () => {
  const b = both();
  // member 1 says another thing: no pattern
  b.run(5, (j) => (j === 1 ? mf(0x10 + j, 'recovery action for dax page: Failed') : mf(0x10 + j)));
  // the last member is off the progression
  b.run(5, (j) => mf(j === 4 ? 0x100 : 0x20 + j));
  // a middle member is off it (caught by the check of a middle member)
  b.run(9, (j) => mf(j === 4 ? 0x999 : 0x40 + j));
  // different numbers of lines
  b.run(4, (j) => (j === 3 ? [mf(j), mf(j)] : [mf(j)]));
  // a number that is printed with leading zeros
  b.run(4, (j) => `pgoff 000${j + 7}`);
  sameAsLines(b.log, b.lines);
  assert.equal(runs(b.log).length, 0);
});

test('mixed lines and runs; a line that is the next member extends the run; runs that continue each other join', () => {
  const b = both();
  b.push('first line');
  b.run(10, (j) => mf(0x100 + j));
  b.push(mf(0x10a)); // the next member
  b.push(mf(0x10b)); // and the next
  b.run(20, (j) => mf(0x10c + j)); // continues
  assert.equal(b.log.entryCount, 2);
  b.push(mf(0x200)); // not the next one
  b.push('XFS (pmem0): Please unmount the filesystem and rectify the problem(s)');
  // a member printed for real, then the others replayed as a run: one run
  b.push(mf(0x300));
  b.run(50, (j) => mf(0x301 + j));
  b.run(2, (j) => mf(0x400 + j)); // too short to be a run
  b.run(3, (j) => `identical ${j >= 0 ? 'line' : ''}`); // the same line three times: a run too
  sameAsLines(b.log, b.lines);
  const rs = runs(b.log);
  assert.deepEqual(rs.map((r) => r.kind === 'run' && r.count), [32, 51, 3]);
});

test('slicing and pieces across runs: a cut member is lines, whole members a run', () => {
  const b = both();
  b.push('a');
  b.run(10, (j) => [`x ${j}`, `y ${hex(j * 16)}`]);
  b.push('b');
  b.run(7, (j) => mf(j));
  sameAsLines(b.log, b.lines);
  for (let from = 0; from <= b.lines.length; from++) {
    for (let to = from; to <= b.lines.length; to++) {
      assert.deepEqual(b.log.slice(from, to), b.lines.slice(from, to));
      const v = b.log.view(from, to);
      assert.deepEqual([...v], b.lines.slice(from, to));
      // pieces write out to the same lines
      const out: string[] = [];
      for (const p of logPieces(v)) {
        if (p.kind === 'line') out.push(p.line);
        else for (let j = 0; j < p.count; j++) for (const t of p.templates) out.push(templateLine(t, j));
      }
      assert.deepEqual(out, b.lines.slice(from, to), `pieces ${from}..${to}`);
    }
  }
  // negative indices read as Array.prototype.slice reads them
  assert.deepEqual(b.log.slice(-3), b.lines.slice(-3));
  assert.deepEqual(b.log.slice(-30, -2), b.lines.slice(-30, -2));
});

test('a view is the log as it stood: later lines do not change it', () => {
  const log = new KernelLog();
  log.pushRun(5, (j) => mf(j));
  const v = log.view();
  log.push(mf(5)); // extends the run the view holds
  log.push('later');
  assert.equal(v.length, 5);
  assert.deepEqual([...v], [0, 1, 2, 3, 4].map((j) => mf(j)));
  assert.equal(log.length, 7);
});

test('any sequence of lines and runs reads back as the lines appended', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('line' as const), pfn: fc.integer({ min: 0, max: 40 }), what: fc.constantFrom('a', 'b') }),
    fc.record({ kind: fc.constant('run' as const), n: fc.integer({ min: 0, max: 12 }), pfn: fc.integer({ min: 0, max: 40 }), step: fc.integer({ min: -3, max: 3 }), m: fc.integer({ min: 1, max: 3 }), what: fc.constantFrom('a', 'b') }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      const b = both();
      for (const o of ops) {
        if (o.kind === 'line') b.push(mf(o.pfn, o.what));
        else b.run(o.n, (j) => Array.from({ length: o.m }, (_, i) => `${i}: ${mf(Math.abs(o.pfn + o.step * j), o.what)}`));
      }
      assert.equal(b.log.length, b.lines.length);
      assert.deepEqual([...b.log], b.lines);
      for (let i = 0; i < b.lines.length; i++) assert.equal(b.log.at(i), b.lines[i]);
      const a = Math.floor(b.lines.length / 3);
      assert.deepEqual(b.log.slice(a, b.lines.length - a), b.lines.slice(a, b.lines.length - a));
    }),
    { numRuns: 300 },
  );
});

test('Kernel.logRun keeps printk order: an open record is finalized by the run\'s first line', () => {
  const k = new Kernel({ design: 'upstream', recovery: true } as never);
  k.logUnterminated('mce: Memory error not recovered');
  k.logRun(4, (j) => mf(0x40 + j));
  k.log('after');
  assert.deepEqual([...k.dmesg], ['mce: Memory error not recovered', mf(0x40), mf(0x41), mf(0x42), mf(0x43), 'after']);
  assert.equal(runs(k.dmesg).length, 1);
  // an open record with nothing after it stays unseen
  k.logUnterminated('open');
  k.logRun(0, () => 'never');
  assert.equal(k.dmesg.length, 6);
});
