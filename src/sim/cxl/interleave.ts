// CXL interleave arithmetic at v6.12: the encodings of interleave ways and
// granularity (drivers/cxl/cxl.h: ways_to_eiw, eiw_to_ways,
// granularity_to_eig, eig_to_granularity), the DPA -> HPA translation of
// drivers/cxl/core/region.c cxl_dpa_to_hpa (with its cxl_is_hpa_in_chunk
// check), and its inverse, the device decode of CXL 3.0 8.2.4.19.13 that
// the endpoint's HDM decoder applies (the kernel has no cxl_hpa_to_dpa at
// 6.12; the inverse is what the hardware does with a host access).
//
// Pure, no kernel state. Addresses go up to 2^52, beyond JavaScript's 32-bit
// bit operators, so the kernel's shifts and masks are written as the
// multiplications, divisions and remainders they are.

/** CXL_DECODER_MIN_GRANULARITY */
export const CXL_DECODER_MIN_GRANULARITY = 256;
/** granularity_to_eig's upper bound (SZ_16K) */
export const CXL_DECODER_MAX_GRANULARITY = 16 * 1024;
/** CXL_DECODER_MAX_INTERLEAVE */
export const CXL_DECODER_MAX_INTERLEAVE = 16;
/** HDM decoder base, size and DPA skip are in 256 MiB units (CXL_CAPACITY_MULTIPLIER, SZ_256M) */
export const CXL_CAPACITY_MULTIPLIER = 256 * 1024 * 1024;
/** CXL poison granule: the Get Poison List length unit and inject/clear size (CXL_POISON_LEN_MULT) */
export const CXL_POISON_LEN_MULT = 64;
/** ULLONG_MAX: what cxl_dpa_to_hpa returns on failure and the trace records for "no region" */
export const ULLONG_MAX_HEX = '0xffffffffffffffff';

/** every interleave-ways value ways_to_eiw accepts */
export const SUPPORTED_WAYS: readonly number[] = [1, 2, 4, 8, 16, 3, 6, 12];

const isPow2 = (v: number): boolean => Number.isInteger(v) && v > 0 && (v & (v - 1)) === 0;

/** ways_to_eiw: 1,2,4,8,16 -> 0..4; 3,6,12 -> 8..10; anything else -EINVAL (undefined) */
export function waysToEiw(ways: number): number | undefined {
  if (!Number.isInteger(ways) || ways < 1 || ways > 16) return undefined;
  if (isPow2(ways)) return Math.log2(ways);
  if (ways % 3) return undefined;
  const w = ways / 3;
  if (!isPow2(w)) return undefined;
  return Math.log2(w) + 8;
}

/** eiw_to_ways */
export function eiwToWays(eiw: number): number | undefined {
  if (eiw >= 0 && eiw <= 4) return 2 ** eiw;
  if (eiw >= 8 && eiw <= 10) return 3 * 2 ** (eiw - 8);
  return undefined;
}

/** granularity_to_eig: a power of two from 256 to 16K -> ilog2 - 8 */
export function granularityToEig(gran: number): number | undefined {
  if (gran > CXL_DECODER_MAX_GRANULARITY || gran < CXL_DECODER_MIN_GRANULARITY || !isPow2(gran)) return undefined;
  return Math.log2(gran) - 8;
}

/** eig_to_granularity (CXL_DECODER_MAX_ENCODED_IG = 6) */
export function eigToGranularity(eig: number): number | undefined {
  if (!Number.isInteger(eig) || eig < 0 || eig > 6) return undefined;
  return CXL_DECODER_MIN_GRANULARITY * 2 ** eig;
}

/**
 * The hpa_offset of cxl_dpa_to_hpa for a dpa_offset (DPA minus the endpoint
 * decoder's DPA base) of the device at position `pos`. Power-of-two ways:
 * the upper DPA bits move up by eiw bits and `pos` fills the gap; 3/6/12
 * ways: the upper DPA bits are multiplied by 3 << (eiw - 8) and `pos` added,
 * both above the granularity bits. The low eig+8 bits stay.
 */
export function dpaOffsetToHpaOffset(dpaOffset: number, ways: number, gran: number, pos: number): number {
  const eiw = waysToEiw(ways);
  const eig = granularityToEig(gran);
  if (eiw === undefined || eig === undefined) throw new RangeError(`invalid interleave ${ways} ways / ${gran} granularity`);
  const g = 2 ** (eig + 8); // 1 << (eig + 8) = gran
  const upper = Math.floor(dpaOffset / g); // (dpa_offset & mask_upper) >> (eig + 8)
  const lower = dpaOffset % g; // dpa_offset & GENMASK(eig + 7, 0)
  let chunk: number;
  if (eiw < 8) chunk = upper * 2 ** eiw + pos; // ((dpa_offset & mask_upper) << eiw) | pos << (eig + 8)
  else chunk = upper * 3 * 2 ** (eiw - 8) + pos; // ((bits_upper * 3) << (eiw - 8)) + pos
  return chunk * g + lower;
}

/** cxl_is_hpa_in_chunk: the offset within one interleave set lies in `pos`'s chunk */
export function isHpaOffsetInChunk(hpaOffset: number, ways: number, gran: number, pos: number): boolean {
  const within = hpaOffset % (gran * ways);
  return within >= pos * gran && within < (pos + 1) * gran;
}

/**
 * The device decode (CXL 3.0 8.2.4.19.13, the inverse of cxl_dpa_to_hpa):
 * which position an HPA offset of the region belongs to, and the offset
 * into that position's DPA range. Modulo arithmetic covers 3/6/12 ways.
 */
export function hpaOffsetToDpaOffset(hpaOffset: number, ways: number, gran: number): { pos: number; dpaOffset: number } {
  if (waysToEiw(ways) === undefined || granularityToEig(gran) === undefined) throw new RangeError(`invalid interleave ${ways} ways / ${gran} granularity`);
  const chunk = Math.floor(hpaOffset / gran);
  return { pos: chunk % ways, dpaOffset: Math.floor(chunk / ways) * gran + (hpaOffset % gran) };
}
