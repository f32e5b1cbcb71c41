// The verdicts are sorted in localeCompare's order. localeOrder() gives a
// plain comparison when every string is of lower-case letters, digits and
// '/' (an unbind's 10^4 file paths and mapping ids): it must order them
// exactly as the collator does, and hand anything else to the collator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localeOrder } from '../../src/sim/verdicts';
import { mulberry32 } from '../../src/sim/prng';

const collator = new Intl.Collator();
const sign = (x: number): number => Math.sign(x);

function strings(alphabet: string, n: number, seed: number): string[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: Math.floor(rand() * 10) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
}

test('localeOrder of lower-case letters, digits and slashes orders as the collator', () => {
  const xs = [...strings('abcmpz0129/', 3000, 1), '/mnt/pmem/f10', '/mnt/pmem/f2', '/mnt/pmem/f', 'm10', 'm9', '', 'db'];
  const cmp = localeOrder(xs);
  for (let i = 0; i < xs.length; i++) for (const j of [i + 1, (i * 7919) % xs.length]) if (xs[j] !== undefined) assert.equal(sign(cmp(xs[i]!, xs[j]!)), sign(collator.compare(xs[i]!, xs[j]!)), `${xs[i]} vs ${xs[j]}`);
  assert.deepEqual([...xs].sort(cmp), [...xs].sort((a, b) => collator.compare(a, b)));
});

test('localeOrder hands strings of other characters to the collator', () => {
  // upper case, '_', '.', '-': the collator's order is not the code units'
  for (const odd of ['B', 'a_b', 'a.b', 'a-b', 'é']) {
    const xs = [...strings('abAB_.-/0', 500, 2), odd];
    const cmp = localeOrder(xs);
    assert.deepEqual([...xs].sort(cmp), [...xs].sort((a, b) => collator.compare(a, b)), odd);
  }
  // a plain comparison would put 'B' before 'a'; the collator does not
  const cmp = localeOrder(['a', 'B']);
  assert.ok(cmp('a', 'B') < 0);
});
