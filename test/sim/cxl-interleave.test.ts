// CXL interleave arithmetic (src/sim/cxl/interleave.ts) against a BigInt
// transliteration of v6.12's cxl_dpa_to_hpa (drivers/cxl/core/region.c),
// and the device decode as its inverse, for x1/x2/x4/x8/x16 and the
// modulo-decoded x3/x6/x12 at every granularity 6.12 accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SUPPORTED_WAYS,
  dpaOffsetToHpaOffset,
  eigToGranularity,
  eiwToWays,
  granularityToEig,
  hpaOffsetToDpaOffset,
  isHpaOffsetInChunk,
  waysToEiw,
} from '../../src/sim/cxl/interleave';

const GRANS = [256, 512, 1024, 2048, 4096, 8192, 16384];

/** cxl_dpa_to_hpa's offset arithmetic, with the kernel's u64 masks and shifts */
function kernelHpaOffset(dpaOffset: bigint, eiw: bigint, eig: bigint, pos: bigint): bigint {
  const genmask = (h: bigint, l: bigint): bigint => ((1n << (h - l + 1n)) - 1n) << l;
  const maskUpper = genmask(51n, eig + 8n);
  let hpaOffset: bigint;
  if (eiw < 8n) {
    hpaOffset = (dpaOffset & maskUpper) << eiw;
    hpaOffset |= pos << (eig + 8n);
  } else {
    let bitsUpper = (dpaOffset & maskUpper) >> (eig + 8n);
    bitsUpper = bitsUpper * 3n;
    hpaOffset = ((bitsUpper << (eiw - 8n)) + pos) << (eig + 8n);
  }
  hpaOffset |= dpaOffset & genmask(eig + 7n, 0n);
  return hpaOffset;
}

test('ways_to_eiw / eiw_to_ways: 1,2,4,8,16 and 3,6,12; everything else refused', () => {
  assert.deepEqual(
    SUPPORTED_WAYS.map((w) => waysToEiw(w)),
    [0, 1, 2, 3, 4, 8, 9, 10],
  );
  for (const w of SUPPORTED_WAYS) assert.equal(eiwToWays(waysToEiw(w)!), w);
  for (const w of [0, 5, 7, 9, 10, 11, 13, 14, 15, 17, 24, 32, 48]) assert.equal(waysToEiw(w), undefined, `ways ${w}`);
  for (const eiw of [5, 6, 7, 11, 12]) assert.equal(eiwToWays(eiw), undefined);
});

test('granularity_to_eig / eig_to_granularity: powers of two from 256 to 16KiB', () => {
  assert.deepEqual(GRANS.map(granularityToEig), [0, 1, 2, 3, 4, 5, 6]);
  for (const g of GRANS) assert.equal(eigToGranularity(granularityToEig(g)!), g);
  for (const g of [0, 64, 128, 255, 257, 768, 3072, 32768, 65536]) assert.equal(granularityToEig(g), undefined, `granularity ${g}`);
  assert.equal(eigToGranularity(7), undefined);
});

test('worked examples: x1 is the identity, x2/x4 place the position above the granularity, x3 multiplies by 3', () => {
  // x1: hpa offset == dpa offset
  assert.equal(dpaOffsetToHpaOffset(0x12345, 1, 4096, 0), 0x12345);
  // x2, 4KiB: DPA chunk 1 of position 1 -> HPA chunk 3
  assert.equal(dpaOffsetToHpaOffset(0x1040, 2, 4096, 1), 0x3040);
  assert.equal(dpaOffsetToHpaOffset(0x1040, 2, 4096, 0), 0x2040);
  // x4, 256B: chunk c of position p -> chunk 4c + p
  assert.equal(dpaOffsetToHpaOffset(0x117ac00, 4, 256, 1), 0x45eb100);
  // x3, 1KiB: chunk 0x8000 of position 2 -> chunk 0x8000 * 3 + 2
  assert.equal(dpaOffsetToHpaOffset(0x2000040, 3, 1024, 2), 0x6000840);
  // x6, 512B: upper * 3 << 1 + pos
  assert.equal(dpaOffsetToHpaOffset(512 * 7 + 5, 6, 512, 4), (7 * 6 + 4) * 512 + 5);
  // x12 at 16KiB
  assert.equal(dpaOffsetToHpaOffset(16384 * 3, 12, 16384, 11), (3 * 12 + 11) * 16384);
  assert.throws(() => dpaOffsetToHpaOffset(0, 5, 256, 0), RangeError);
  assert.throws(() => dpaOffsetToHpaOffset(0, 2, 100, 0), RangeError);
});

test('DPA -> HPA equals the kernel arithmetic for every supported ways and granularity', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...SUPPORTED_WAYS),
      fc.constantFrom(...GRANS),
      fc.nat({ max: 2 ** 40 }),
      fc.nat({ max: 15 }),
      (ways, gran, dpaOffset, p) => {
        const pos = p % ways;
        const ours = dpaOffsetToHpaOffset(dpaOffset, ways, gran, pos);
        const theirs = kernelHpaOffset(BigInt(dpaOffset), BigInt(waysToEiw(ways)!), BigInt(granularityToEig(gran)!), BigInt(pos));
        assert.equal(BigInt(ours), theirs);
        // cxl_is_hpa_in_chunk holds for every correct translation
        assert.ok(isHpaOffsetInChunk(ours, ways, gran, pos));
      },
    ),
    { numRuns: 2000 },
  );
});

test('HPA -> DPA -> HPA and DPA -> HPA -> DPA are identities (both directions)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...SUPPORTED_WAYS), fc.constantFrom(...GRANS), fc.nat({ max: 2 ** 44 }), (ways, gran, hpaOffset) => {
      const { pos, dpaOffset } = hpaOffsetToDpaOffset(hpaOffset, ways, gran);
      assert.ok(pos >= 0 && pos < ways);
      assert.equal(dpaOffsetToHpaOffset(dpaOffset, ways, gran, pos), hpaOffset);
      const back = hpaOffsetToDpaOffset(dpaOffsetToHpaOffset(dpaOffset, ways, gran, pos), ways, gran);
      assert.deepEqual(back, { pos, dpaOffset });
    }),
    { numRuns: 2000 },
  );
});

test('an interleave set of `ways` chunks visits each position once, in order', () => {
  for (const ways of SUPPORTED_WAYS) {
    for (const gran of GRANS) {
      const set = 3; // the fourth interleave set
      for (let i = 0; i < ways; i++) {
        const hpaOffset = (set * ways + i) * gran + 17;
        assert.deepEqual(hpaOffsetToDpaOffset(hpaOffset, ways, gran), { pos: i, dpaOffset: set * gran + 17 }, `x${ways} gran ${gran} chunk ${i}`);
        assert.ok(!isHpaOffsetInChunk(hpaOffset, ways, gran, (i + 1) % ways) || ways === 1);
      }
    }
  }
});
