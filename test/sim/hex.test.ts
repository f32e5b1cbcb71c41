// hex(): the kernel's %#lx of a number, as every span argument, log line and
// verdict prints it. Its fast path for values past 2^30 (two small integers
// instead of a double's radix conversion) must print exactly what
// toString(16) prints, at the boundaries and across the safe integers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, U64_MAX } from '../../src/sim/units';
import { mulberry32 } from '../../src/sim/prng';

const reference = (v: number): string => (v === U64_MAX ? '0xffffffffffffffff' : v < 0 ? '-0x' + (-v).toString(16) : '0x' + v.toString(16));

test('hex prints what toString(16) prints, at the boundaries and for random values up to 2^53', () => {
  const edges = [0, 1, 0xf, 0x3fffffff, 0x40000000, 0xfffffff, 0x10000000, 0x10000001, 0xffffffff, 2 ** 32, 2 ** 40 - 1, 0x7f0000200000, 0x7fffffffffff, 2 ** 52, Number.MAX_SAFE_INTEGER, -1, -0x7f0000200000, U64_MAX, 2 ** 60, 0.5];
  for (const v of edges) assert.equal(hex(v), reference(v), String(v));
  const rand = mulberry32(12);
  for (let i = 0; i < 20000; i++) {
    const bits = 1 + Math.floor(rand() * 53);
    const v = Math.floor(rand() * 2 ** bits);
    assert.equal(hex(v), reference(v), String(v));
  }
});
