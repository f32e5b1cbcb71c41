// What the lab tells a user after each action, and what the status bar
// counts: the outcome of an event (return value or errno, the signals it
// sent, the filesystems it shut down, its verdicts counted by outcome), the
// verdicts themselves as rows (the Events tree, the Owners view) and the
// bad memory the machine holds, each count with its unit. Pure.

import { mdText } from './markdown';
import type { Machine } from '../../sim/machine';
import type { ReportVerdict, RunReport, VerdictOutcome } from '../../sim/report';
import { formatResult } from '../../sim/render';
import { formatSize, hex, PAGE_SIZE, SECTOR_SIZE } from '../../sim/units';
import { signalText } from './route';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The order outcomes are counted and listed in: the loudest first. */
export const OUTCOME_ORDER: readonly VerdictOutcome[] = ['AR', 'AO', 'killed', 'SIGBUS', 'unmapped only', 'none'];

/** What each outcome means, for tooltips. */
export const OUTCOME_MEANING: Record<VerdictOutcome, string> = {
  AR: 'SIGBUS BUS_MCEERR_AR: the task touched the poison (action required)',
  AO: 'SIGBUS BUS_MCEERR_AO: the task was told early (action optional)',
  killed: 'SIGKILL: the task was killed (the page could not be unmapped, or the kill was forced)',
  SIGBUS: 'a plain SIGBUS (BUS_ADRERR), with no machine-check code',
  'unmapped only': 'the page was unmapped from the task, which got no signal (it faults later)',
  none: 'nothing: the task was not told',
};

/** "3 verdicts: 1 AR, 1 AO, 1 none", or "no verdicts". */
export function verdictCounts(verdicts: readonly ReportVerdict[]): string {
  if (!verdicts.length) return 'no verdicts';
  const by = new Map<VerdictOutcome, number>();
  for (const v of verdicts) by.set(v.outcome, (by.get(v.outcome) ?? 0) + 1);
  const parts = OUTCOME_ORDER.filter((o) => by.has(o)).map((o) => `${by.get(o)} ${o}`);
  return `${plural(verdicts.length, 'verdict')}: ${parts.join(', ')}`;
}

export function verdictsOf(report: RunReport, eventId: string): ReportVerdict[] {
  return (report.verdicts ?? []).filter((v) => v.event === eventId);
}

/** mount -> SHUTDOWN_* flags (or null), to tell which filesystems an event shut down */
export type FsState = Record<string, string | null>;

export function fsState(report: RunReport): FsState {
  return Object.fromEntries(report.filesystems.map((f) => [f.mount, f.shutdown]));
}

/** The filesystems that were up before and are shut down after. */
export function newShutdowns(before: FsState, after: FsState): string[] {
  return Object.entries(after)
    .filter(([mount, flag]) => flag && !before[mount])
    .map(([mount, flag]) => `${mount} shut down (${flag})`);
}

/**
 * One line that says what an event did: "h1 inject-error = 0 · SIGBUS
 * BUS_MCEERR_AO to reader:1000 … · /mnt/pmem shut down (…) · 3 verdicts: 1
 * AR, 1 AO, 1 none".
 */
export function eventOutcome(report: RunReport, eventId: string, opts: { what?: string; before?: FsState; hand?: boolean } = {}): string {
  const ev = report.events.find((e) => e.id === eventId);
  const head = `${eventId} ${opts.what ?? ev?.do ?? ''}`.trim();
  if (!ev) return `${head}: did not run`;
  const sigs = report.signals.filter((s) => s.event === eventId);
  const parts = [`${head}${opts.hand ? ' (by hand)' : ''} = ${formatResult(ev.result)}`];
  parts.push(sigs.length ? sigs.map(signalText).join('; ') : 'no signal sent');
  if (opts.before) parts.push(...newShutdowns(opts.before, fsState(report)));
  parts.push(verdictCounts(verdictsOf(report, eventId)));
  if (report.panic) parts.push(`PANIC: ${report.panic}`);
  return parts.join(' · ');
}

// ---------------------------------------------------------------- verdict rows

export interface VerdictRow {
  verdict: ReportVerdict;
  /** "AR  injector:1001 m0" */
  label: string;
  /** "/mnt/pmem/poisonfile [0x0, 0x1000) · __add_to_kill" */
  description: string;
  /** markdown: outcome, who, what range, the reason, the symbol */
  tooltip: string;
  icon: string;
  color?: string;
  /** an accessible name that says it all in words */
  aria: string;
}

export function ownerText(v: ReportVerdict): string {
  const o = v.owner;
  const what = 'file' in o ? o.file : `/dev/${o.device.replace(/^\/dev\//, '')}`;
  return `${what} [${hex(o.start)}, ${hex(o.end)})`;
}

export function verdictIcon(o: VerdictOutcome): { icon: string; color?: string } {
  switch (o) {
    case 'AR':
      return { icon: 'zap', color: 'list.errorForeground' };
    case 'AO':
      return { icon: 'zap', color: 'list.warningForeground' };
    case 'killed':
      return { icon: 'error', color: 'list.errorForeground' };
    case 'SIGBUS':
      return { icon: 'zap', color: 'list.errorForeground' };
    case 'unmapped only':
      return { icon: 'debug-disconnect', color: 'list.warningForeground' };
    case 'none':
      return { icon: 'circle-slash', color: 'disabledForeground' };
  }
}

export function verdictRow(v: ReportVerdict, spanSymbol?: string): VerdictRow {
  const who = v.pid !== null ? `${v.comm ?? '?'}:${v.pid}${v.mapping ? ` ${v.mapping}` : ''}` : 'no mapper';
  const sig = v.sigAddr ? ` (si_addr ${v.sigAddr}${v.lsb !== undefined ? `, si_addr_lsb ${v.lsb}` : ''})` : '';
  const { icon, color } = verdictIcon(v.outcome);
  return {
    verdict: v,
    label: `${v.outcome}  ${who}`,
    description: `${ownerText(v)} · ${v.symbol}`,
    tooltip: [
      `**${v.outcome}** — ${OUTCOME_MEANING[v.outcome]}${sig}`,
      `${mdText(who)}${v.addr ? ` at \`[${v.addr[0]}, ${v.addr[1]})\`` : ''} maps ${mdText(ownerText(v))}`,
      mdText(v.reason),
      `decided by \`${v.symbol}\`${v.span !== null ? `, in span ${v.span}${spanSymbol && spanSymbol !== v.symbol ? ` (\`${spanSymbol}\`)` : ''}` : ''}. Click to open its kernel source${v.span !== null ? ' and select the span in Layer Routing' : ''}.`,
    ].join('\n\n'),
    icon,
    color,
    aria: `verdict ${v.outcome} for ${who}: ${v.reason}`,
  };
}

/** The verdicts of an event as rows, loudest outcome first, then by pid. */
export function verdictRows(report: RunReport, eventId: string): VerdictRow[] {
  return verdictsOf(report, eventId)
    .slice()
    .sort((a, b) => OUTCOME_ORDER.indexOf(a.outcome) - OUTCOME_ORDER.indexOf(b.outcome) || (a.pid ?? -1) - (b.pid ?? -1))
    .map((v) => verdictRow(v, v.span !== null ? report.spans.find((x) => x.id === v.span)?.symbol : undefined));
}

/**
 * The verdict an event gave one mapping of one process, for the Owners view.
 * With the owner's file and the byte range shown, only a verdict about that
 * file and a range that overlaps it counts (another event's page is not this one).
 */
export function verdictForMapping(report: RunReport, eventId: string, pid: number, mapping: string, file?: string, range?: [number, number]): ReportVerdict | undefined {
  const mine = verdictsOf(report, eventId).filter((v) => v.pid === pid && v.mapping === mapping);
  if (file === undefined) return mine[0];
  return mine.find((v) => 'file' in v.owner && v.owner.file === file && (!range || (v.owner.start < range[1] && range[0] < v.owner.end)));
}

// ---------------------------------------------------------------- status bar

export interface BadMemorySummary {
  media: { ranges: number; bytes: number };
  badblocks: { devices: number; ranges: number; sectors: number };
  hwpoison: { pages: number };
  /** "1 media error (64 B) · 8 badblock sectors (4 KiB) · 1 PageHWPoison page" */
  text: string;
  /** markdown, one paragraph per count, saying what it is and where it comes from */
  tooltip: string[];
}

/** a byte count with its unit, as the tree writes sizes: 64KiB, 512B, 0B */
export function bytesText(n: number): string {
  const s = formatSize(n);
  return /[KMGT]iB$/.test(s) ? s : `${n}B`;
}

/** "8 sectors (4KiB)" */
export function sectorsText(n: number): string {
  return `${plural(n, 'sector')} (${bytesText(n * SECTOR_SIZE)})`;
}


/** The bad memory of a machine, counted with units. */
/** past this many PageHWPoison pages the tooltip also gives their size and runs */
const PAGE_RUNS_SHOWN = 8;

function hwpoisonRuns(m: Machine): number {
  let n = 0;
  for (const _ of m.k.hwpoison.all()) n++;
  return n;
}

export function badMemory(m: Machine, report: RunReport): BadMemorySummary {
  // every bad range of the platform's media, by SPA: NVDIMM regions and CXL memory alike (a CXL RAM
  // region or a memdev's poison is media too, though no NVDIMM region holds it)
  let mediaRanges = 0;
  let mediaBytes = 0;
  for (const [s, e] of m.k.platform.media.query(0, Number.MAX_SAFE_INTEGER)) {
    mediaRanges++;
    mediaBytes += e - s;
  }
  // the block devices' badblocks (pmem, from the data start), not the region's copy of the same sectors
  const devs = Object.entries(report.badblocks).filter(([d, rs]) => rs.length && !/^region/.test(d));
  const bbRanges = devs.reduce((a, [, rs]) => a + rs.length, 0);
  const bbSectors = devs.reduce((a, [, rs]) => a + rs.reduce((x, [, c]) => x + c, 0), 0);
  // counted from the machine's PageHWPoison ranges (a removed 1 TiB device has 2^28)
  let pages = 0;
  for (const [s, e] of m.k.hwpoison.all()) pages += e - s;
  const text = [
    `${plural(mediaRanges, 'media error')}${mediaRanges ? ` (${bytesText(mediaBytes)})` : ''}`,
    `${plural(bbSectors, 'badblock sector')}${bbSectors ? ` (${bytesText(bbSectors * SECTOR_SIZE)})` : ''}`,
    plural(pages, 'PageHWPoison page'),
  ].join(' · ');
  const tooltip = [
    `**media errors**: ${plural(mediaRanges, 'range')}, ${bytesText(mediaBytes)} — what the media really holds bad; the kernel learns of it only by a scrub (ARS), a consumed poison or an injection with notify`,
    `**badblocks**: ${plural(bbSectors, 'sector')} of ${SECTOR_SIZE} B (${bytesText(bbSectors * SECTOR_SIZE)}) in ${plural(bbRanges, 'range')}${devs.length ? ` on ${devs.map(([d, rs]) => `${d} (${rs.map(([s, c]) => `${s} ${c}`).join(', ')})`).join(', ')}` : ''} — /sys/block/<dev>/badblocks, sectors from the data start; I/O to them fails with EIO`,
    `**PageHWPoison pages**: ${plural(pages, 'page')} of ${bytesText(PAGE_SIZE)}${pages ? ` (pfn ${report.hwpoison.slice(0, 8).join(', ')}${report.hwpoison.length > 8 ? ', …' : ''}${pages > PAGE_RUNS_SHOWN ? `; ${bytesText(pages * PAGE_SIZE)} in ${plural(hwpoisonRuns(m), 'run')} of consecutive pfns` : ''})` : ''} — struct pages with PG_hwpoison set: memory_failure() ran on them`,
  ];
  return { media: { ranges: mediaRanges, bytes: mediaBytes }, badblocks: { devices: devs.length, ranges: bbRanges, sectors: bbSectors }, hwpoison: { pages }, text, tooltip };
}

/**
 * The status item's short text: design (and kernel version) and the three
 * counts, each with a unit. The media count says what it is: the bytes of
 * bad media ("bad media 64B"), or "no bad media" (a bare "media 0B" read as
 * the size of the media).
 */
export function statusText(design: string, b: BadMemorySummary, kernel?: string): string {
  return `${design}${kernel ? ` on ${kernel}` : ''} · ${b.media.bytes ? `bad media ${bytesText(b.media.bytes)}` : 'no bad media'} · ${plural(b.badblocks.sectors, 'badblock sector')} · ${plural(b.hwpoison.pages, 'poisoned page')}`;
}
