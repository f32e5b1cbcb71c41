// RunReport.hwpoison: pfn by pfn for short runs (the contract's form), one
// "first..last" entry for a run longer than HWPOISON_LIST_MAX, and readers
// that understand both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HWPOISON_LIST_MAX, hwpoisonEntries, hwpoisonHas, hwpoisonPages, hwpoisonRanges } from '../../src/sim/report';

test('short runs are listed pfn by pfn, long ones as first..last', () => {
  assert.deepEqual(hwpoisonEntries([[0x240a01, 0x240a03]]), ['0x240a01', '0x240a02']);
  const n = HWPOISON_LIST_MAX;
  assert.equal(hwpoisonEntries([[0x100, 0x100 + n]]).length, n);
  assert.deepEqual(hwpoisonEntries([[0x100, 0x100 + n + 1]]), [`0x100..0x${(0x100 + n).toString(16)}`]);
  // a 1 GiB run is one entry, not 262,144
  assert.deepEqual(hwpoisonEntries([[0x240000, 0x240000 + 262144], [0x300000, 0x300001]]), ['0x240000..0x27ffff', '0x300000']);
});

test('readers: ranges, page count and membership over both forms', () => {
  const list = hwpoisonEntries([[0x10, 0x12], [0x40, 0x40 + 100], [0x200, 0x201]]);
  assert.deepEqual(hwpoisonRanges(list), [[0x10, 0x12], [0x40, 0x40 + 100], [0x200, 0x201]]);
  assert.equal(hwpoisonPages(list), 2 + 100 + 1);
  assert.ok(hwpoisonHas(list, 0x40 + 99));
  assert.ok(!hwpoisonHas(list, 0x40 + 100));
  assert.ok(hwpoisonHas(list, 0x11) && !hwpoisonHas(list, 0x12));
  assert.deepEqual(hwpoisonRanges(['0x5', '0x6', '0x7']), [[5, 8]]);
  assert.equal(hwpoisonPages([]), 0);
});
