// How big a scenario the lab holds. A scenario past one of these is refused
// by the loader before anything is built, naming the field, the value and
// the limit, rather than running out of memory (or stack) part way through
// the build. The figures sit well above the terabyte bench machine (1 TiB
// namespace, 10^6 extents, 10^4 files, 10^4 mappings over 100 processes;
// scripts/bench.mjs) and below what a default Node heap holds; README
// "Limits" lists them.

import { describeValue } from '../errors';
import { parseSize } from '../units';

export const LIMITS = {
  /** explicit extents in a scenario, all files together, after patterns and extents files are expanded */
  extents: 4_000_000,
  /** entries of files */
  files: 100_000,
  /** entries of processes */
  processes: 100_000,
  /** mappings at the start, all processes together */
  mappings: 100_000,
  /** entries of events */
  events: 100_000,
  /** XFS allocation groups of one filesystem (each is built: its headers, btrees and free space) */
  agcount: 16_384,
} as const;

/** "4,000,000" */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** What checkLimits reads: the raw scenario, after the schema passed. */
export interface LimitsInput {
  filesystems?: { agcount?: number | string }[];
  files?: { extents?: { count?: number | string }[] }[];
  processes?: { mappings?: unknown[] }[];
  events?: unknown[];
}

export interface LimitReporter {
  /** `message` is the text after the field label */
  add(pointer: string, value: unknown, message: string): void;
}

/**
 * Refuse what the lab cannot hold. Extents stated in the scenario (list
 * entries and pattern counts) are counted here; the lines of an extents
 * file are counted as it is read (ExtentListBuilder), against the same limit.
 */
export function checkLimits(raw: LimitsInput, out: LimitReporter): void {
  const list = (items: unknown[] | undefined, pointer: string, what: string, plural: string, limit: number): void => {
    if (items && items.length > limit) {
      out.add(`${pointer}/${limit}`, items.length, `is ${what} number ${formatCount(limit + 1)} of ${formatCount(items.length)}; the lab holds at most ${formatCount(limit)} ${plural} in a scenario`);
    }
  };
  list(raw.files, '/files', 'file', 'files', LIMITS.files);
  list(raw.processes, '/processes', 'process', 'processes', LIMITS.processes);
  list(raw.events, '/events', 'event', 'events', LIMITS.events);

  (raw.filesystems ?? []).forEach((fs, i) => {
    const n = fs.agcount === undefined ? undefined : parseSize(fs.agcount) ?? Infinity;
    if (n !== undefined && n > LIMITS.agcount) {
      out.add(`/filesystems/${i}/agcount`, fs.agcount, `${describeValue(fs.agcount)} allocation groups are more than the lab builds (at most ${formatCount(LIMITS.agcount)} per filesystem)`);
    }
  });

  let mappings = 0;
  for (const [p, proc] of (raw.processes ?? []).entries()) {
    const n = proc.mappings?.length ?? 0;
    if (mappings + n > LIMITS.mappings) {
      const k = LIMITS.mappings - mappings;
      out.add(`/processes/${p}/mappings/${k}`, mappings + n, `is mapping number ${formatCount(LIMITS.mappings + 1)} of the scenario; the lab holds at most ${formatCount(LIMITS.mappings)} mappings at the start`);
      break;
    }
    mappings += n;
  }

  let extents = 0;
  for (const [f, file] of (raw.files ?? []).entries()) {
    for (const [k, e] of (file.extents ?? []).entries()) {
      const n = e.count === undefined ? 1 : parseSize(e.count) ?? Infinity;
      if (extents + n > LIMITS.extents) {
        const pointer = e.count === undefined ? `/files/${f}/extents/${k}` : `/files/${f}/extents/${k}/count`;
        const before = extents ? ` (${formatCount(extents)} before this entry)` : '';
        out.add(pointer, e.count ?? file.extents!.length, `${e.count === undefined ? `is extent number ${formatCount(LIMITS.extents + 1)}` : `${describeValue(e.count)} extents are more than the lab holds`}: at most ${formatCount(LIMITS.extents)} extents in a scenario${before}`);
        return;
      }
      extents += n;
    }
  }
}
