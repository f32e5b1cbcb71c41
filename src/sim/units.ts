// Units of the stack and their conversions. Numbers are byte counts unless a
// name says otherwise; all are exact integers below 2^53.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const SECTOR_SHIFT = 9;
export const SECTOR_SIZE = 512;
/** PAGE_SECTORS: 512-byte sectors in a page */
export const PAGE_SECTORS = PAGE_SIZE / SECTOR_SIZE;
export const CACHELINE = 64;
export const PMD_SHIFT = 21;
export const PMD_SIZE = 2 * 1024 * 1024;
export const PUD_SHIFT = 30;
export const PUD_SIZE = 1024 * 1024 * 1024;
/** 2^64, standing for U64_MAX (the "whole device" length of kill_dax's notify) */
export const U64_MAX = 2 ** 64;

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

export const PHYS_PFN = (addr: number): number => Math.floor(addr / PAGE_SIZE);
export const PFN_PHYS = (pfn: number): number => pfn * PAGE_SIZE;
export const alignDown = (v: number, a: number): number => v - (v % a);
export const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;
export const isAligned = (v: number, a: number): boolean => v % a === 0;
export const isPowerOfTwo = (v: number): boolean => v > 0 && Number.isInteger(Math.log2(v));
/** BTOBB: bytes to 512-byte basic blocks, rounding up */
export const BTOBB = (bytes: number): number => Math.ceil(bytes / SECTOR_SIZE);

export function hex(v: number): string {
  if (v >= 0 && v < 0x40000000) return '0x' + v.toString(16);
  if (v === U64_MAX) return '0xffffffffffffffff';
  if (v < 0) return '-0x' + (-v).toString(16);
  // a user address or a pfn past 2^30: toString(16) of a double is slow, of two small integers fast
  if (Number.isSafeInteger(v)) {
    const hi = Math.floor(v / 0x10000000);
    return '0x' + hi.toString(16) + (v - hi * 0x10000000).toString(16).padStart(7, '0');
  }
  return '0x' + v.toString(16);
}

const UNITS: Record<string, number> = {
  B: 1,
  KiB,
  MiB,
  GiB,
  TiB,
  PiB: 1024 * TiB,
  K: KiB,
  M: MiB,
  G: GiB,
  T: TiB,
};

/**
 * Parse a size/offset/address as the scenario format writes it: a
 * non-negative integer, a hex string, a decimal string, or a number with a
 * binary unit ("4KiB", "1.5GiB" is refused: sizes are whole bytes).
 * Returns undefined when the text is not one of those forms.
 */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) {
    const n = parseInt(s, 16);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const m = /^(\d+)\s*(B|KiB|MiB|GiB|TiB|PiB|K|M|G|T)?$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Durations: "1ms", "250us", "2s", "10ns" or an integer of nanoseconds. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?$/.exec(v.trim());
  if (!m) return undefined;
  const mult = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9 }[m[2] ?? 'ns']!;
  const n = Math.round(Number(m[1]) * mult);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** human size: 4096 -> "4KiB", 3000 -> "3000" */
export function formatSize(v: number): string {
  for (const [name, mult] of [
    ['TiB', TiB],
    ['GiB', GiB],
    ['MiB', MiB],
    ['KiB', KiB],
  ] as const) {
    if (v >= mult && v % mult === 0) return `${v / mult}${name}`;
  }
  return String(v);
}
