// Expectations (../shared/docs/scenario-format.md, "expect"): each one is a
// claim about the run report as it stands at one moment, right after the event
// that carries it or after the last event for the top-level list. Pure: no
// Node APIs, no state; the runner (run.ts) calls evaluateExpectation with a
// snapshot of the report and stores the result in report.expectations.
//
// Semantics, as a kernel developer reads them:
// - signal: some signal matches every field written (pid; signo, default
//   SIGBUS; code; addr, compared as a number; lsb). A per-event expectation
//   looks only at the signals that event caused; the top-level list at all.
// - noSignal: no signal of any kind went to that pid (same scoping).
// - result: the event's result; errno by name (EFSCORRUPTED and EUCLEAN are the
//   same errno), bytes = a non-negative ret equal to it, ret = ret exactly.
// - badblocks: exactly this set of [sector, count] ranges for that device or
//   region, in any order (sysfs prints them sorted); a name with no entry has
//   none. Ranges are not merged: [42, 4] + [46, 4] is not [42, 8].
// - dmesg: contains / notContains are substring checks line by line (a needle
//   with a newline in it is looked for in the whole log); a run of the log
//   store is matched inside its pattern (src/sim/dmesg-match.ts), exactly.
// - fs: shutdown "none" means the filesystem is up; a SHUTDOWN_* name must be
//   one of the |-joined flags the filesystem was shut down with.
// - calls: exact count; a symbol never called has count 0.
// - hwpoison: whether the pfn has PageHWPoison set.
// - cxlPoison (extension, docs/cxl.md): some cxl_poison trace record matches
//   every field written (hpa "none" is ULLONG_MAX, region "" no region);
//   with count, exactly that many match. Scoped like signals.
// - verdict (extension, docs/verdicts.md): some owner verdict matches every
//   field written (pid, null for an owner nobody maps; mapping; file or
//   device; outcome; symbol; reason as a substring). Scoped like signals.
// The detail of a failure says what was expected and, concretely, what
// happened instead.

import type { Expectation } from './scenario/types';
import { hwpoisonHas, type ExpectationResult, type ReportCxlPoison, type ReportSignal, type RunReport } from './report';
import type { CxlPoisonExpect, VerdictExpect } from './scenario/types';
import type { ReportVerdict } from './report';
import { ULLONG_MAX_HEX } from './cxl/interleave';
import { errnoByName, retName } from './errno';
import { hex } from './units';
import { matchLog } from './dmesg-match';

/** The parts of the run report an expectation can look at, as of one moment. */
export type ReportSnapshot = Pick<
  RunReport,
  'events' | 'signals' | 'dmesg' | 'badblocks' | 'hwpoison' | 'filesystems' | 'calls' | 'cxlPoison'
> & { verdicts?: RunReport['verdicts'] };

/** `where` of the top-level expectation list */
export const END = 'end';

/** How many items a detail lists before saying "and N more". */
const LIST_LIMIT = 6;

/**
 * Check one expectation against a snapshot of the report. `where` is the id of
 * the event that carries the expectation, or "end" for the top-level list.
 */
export function evaluateExpectation(e: Expectation, snap: ReportSnapshot, where: string): ExpectationResult {
  const expect = expectationAsWritten(e);
  const detail = check(e, snap, where);
  return { where, expect, ok: detail === '', detail };
}

/**
 * The expectation without the loader's internal `path`, addresses and pfns
 * written in hex as the report writes them (the format accepts hex strings
 * anywhere a number is, so the result is still a valid expectation).
 */
export function expectationAsWritten(e: Expectation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'path') continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const body: Record<string, unknown> = {};
      for (const [fk, fv] of Object.entries(v as Record<string, unknown>)) {
        if (fv === undefined) continue;
        if (k === 'signal' && fk === 'addr' && typeof fv === 'number') body[fk] = hex(fv);
        else if (k === 'hwpoison' && fk === 'pfn' && typeof fv === 'number') body[fk] = hex(fv);
        else if (k === 'cxlPoison' && (fk === 'dpa' || fk === 'hpa') && typeof fv === 'number') body[fk] = hex(fv);
        else if (Array.isArray(fv)) body[fk] = fv.map((x) => (Array.isArray(x) ? [...x] : x));
        else body[fk] = fv;
      }
      out[k] = body;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** "" when the expectation holds, otherwise what was expected and what happened. */
function check(e: Expectation, snap: ReportSnapshot, where: string): string {
  if ('signal' in e) return checkSignal(e.signal, snap, where);
  if ('noSignal' in e) return checkNoSignal(e.noSignal, snap, where);
  if ('result' in e) return checkResult(e.result, snap);
  if ('badblocks' in e) return checkBadblocks(e.badblocks, snap);
  if ('dmesg' in e) return checkDmesg(e.dmesg, snap);
  if ('fs' in e) return checkFs(e.fs, snap);
  if ('calls' in e) return checkCalls(e.calls, snap);
  if ('hwpoison' in e) return checkHwpoison(e.hwpoison, snap);
  if ('cxlPoison' in e) return checkCxlPoison(e.cxlPoison, snap, where);
  if ('verdict' in e) return checkVerdict(e.verdict, snap, where);
  const kinds = Object.keys(e).filter((k) => k !== 'path');
  return `unknown expectation ${kinds.map((k) => JSON.stringify(k)).join(', ') || '(empty)'}`;
}

// ---------------------------------------------------------------- signals

type SignalExpect = Extract<Expectation, { signal: unknown }>['signal'];

/** The signals an expectation at `where` may look at. */
function signalsInScope(snap: ReportSnapshot, where: string): ReportSignal[] {
  return where === END ? snap.signals : snap.signals.filter((s) => s.event === where);
}

function scopeWords(where: string): string {
  return where === END ? '' : ` in event ${where}`;
}

/** hex string or number to number; NaN when it is neither */
function addrValue(a: string | number | undefined): number {
  if (typeof a === 'number') return a;
  if (typeof a !== 'string') return NaN;
  const s = a.trim();
  if (/^-?0x[0-9a-f]+$/i.test(s)) return s.startsWith('-') ? -parseInt(s.slice(1), 16) : parseInt(s, 16);
  if (/^-?\d+$/.test(s)) return Number(s);
  return NaN;
}

/**
 * "SIGBUS BUS_MCEERR_AR at 0x7f0000001000 lsb 12", with " to pid N" after the
 * code when a pid is given.
 */
export function describeSignal(s: Pick<ReportSignal, 'signo' | 'code' | 'addr' | 'lsb'>, pid?: number): string {
  let out: string = s.signo;
  if (s.code === 'none') {
    if (s.signo !== 'SIGKILL') out += ' (no code)';
  } else if (s.code) {
    out += ` ${s.code}`;
  }
  if (pid !== undefined) out += ` to pid ${pid}`;
  if (s.addr !== undefined) out += ` at ${s.addr}`;
  if (s.lsb !== undefined) out += ` lsb ${s.lsb}`;
  return out;
}

/** "SIGBUS BUS_MCEERR_AR to pid 1001 at 0x7f0000001000 lsb 12" */
function describeSignalExpect(x: SignalExpect): string {
  let out: string = x.signo ?? 'SIGBUS';
  if (x.code === 'none') {
    if (out !== 'SIGKILL') out += ' (no code)';
  } else if (x.code) out += ` ${x.code}`;
  out += ` to pid ${x.pid}`;
  if (x.addr !== undefined) out += ` at ${hex(x.addr)}`;
  if (x.lsb !== undefined) out += ` lsb ${x.lsb}`;
  return out;
}

function signalMatches(s: ReportSignal, x: SignalExpect): boolean {
  if (s.pid !== x.pid) return false;
  if (s.signo !== (x.signo ?? 'SIGBUS')) return false;
  // `none` (the format's name for a SIGBUS with no code) and SI_KERNEL (what force_sig(SIGBUS) carries) are one
  const plain = (c: string | undefined) => (c === 'none' || c === 'SI_KERNEL' ? 'SI_KERNEL' : c);
  if (x.code !== undefined && (s.signo === 'SIGKILL' ? s.code !== x.code : plain(s.code) !== plain(x.code))) return false;
  if (x.addr !== undefined && addrValue(s.addr) !== x.addr) return false;
  if (x.lsb !== undefined && s.lsb !== x.lsb) return false;
  return true;
}

function listSignals(list: ReportSignal[], withPid: boolean): string {
  return limitList(
    list.map((s) => `${describeSignal(s, withPid ? s.pid : undefined)} (event ${s.event})`),
    '; ',
  );
}

function checkSignal(x: SignalExpect, snap: ReportSnapshot, where: string): string {
  const scoped = signalsInScope(snap, where);
  if (scoped.some((s) => signalMatches(s, x))) return '';
  const expected = `expected ${describeSignalExpect(x)}${scopeWords(where)}`;
  const toPid = scoped.filter((s) => s.pid === x.pid);
  let happened: string;
  if (toPid.length) {
    happened = `pid ${x.pid} got: ${listSignals(toPid, false)}`;
  } else {
    happened = `no signal to pid ${x.pid}${scopeWords(where)}`;
    const elsewhere = snap.signals.filter((s) => s.pid === x.pid && !scoped.includes(s));
    if (elsewhere.length) happened += `; in other events it got: ${listSignals(elsewhere, false)}`;
    const others = scoped.filter((s) => s.pid !== x.pid);
    if (others.length) happened += `; signals sent${scopeWords(where)}: ${listSignals(others, true)}`;
  }
  return `${expected}; ${happened}`;
}

function checkNoSignal(x: { pid: number }, snap: ReportSnapshot, where: string): string {
  const toPid = signalsInScope(snap, where).filter((s) => s.pid === x.pid);
  if (!toPid.length) return '';
  return `expected no signal to pid ${x.pid}${scopeWords(where)}; pid ${x.pid} got: ${listSignals(toPid, false)}`;
}

// ---------------------------------------------------------------- results

function sameErrno(a: string, b: string): boolean {
  if (a === b) return true;
  const na = errnoByName(a);
  const nb = errnoByName(b);
  return na !== undefined && na === nb;
}

function checkResult(
  x: { event: string; errno?: string; bytes?: number; ret?: number; stopped?: 'oops' | 'blocked' },
  snap: ReportSnapshot,
): string {
  const ev = snap.events.find((v) => v.id === x.event);
  const wanted: string[] = [];
  if (x.errno !== undefined) wanted.push(`fail with ${x.errno}`);
  if (x.bytes !== undefined) wanted.push(`return ${x.bytes} bytes`);
  if (x.ret !== undefined) wanted.push(`return ${x.ret}`);
  if (x.stopped !== undefined) wanted.push(x.stopped === 'oops' ? 'be stopped by an oops' : 'block for good');
  const expected = `expected ${x.event} to ${wanted.join(' and ') || 'have run'}`;
  if (!ev) {
    const ran = snap.events.map((v) => v.id);
    return `${expected}; ${x.event} has not run (events so far: ${ran.length ? limitList(ran, ', ') : 'none'})`;
  }
  const { ret, stopped } = ev.result;
  const errno = ev.result.errno ?? (ret < 0 ? retName(ret).replace(/^-/, '') : undefined);
  if (stopped) {
    // an event that never completed has no return value to compare
    if (x.stopped === stopped.reason && x.errno === undefined && x.bytes === undefined && x.ret === undefined) return '';
    return `${expected}; ${x.event} (${ev.do}) never completed: ${stopped.reason === 'oops' ? 'an oops in' : 'it blocked in'} ${stopped.in}`;
  }
  if (x.stopped !== undefined) {
    const happened = ret < 0 ? `failed with ${errno} (${ret})` : `returned ${ret}`;
    return `${expected}; ${x.event} (${ev.do}) completed and ${happened}`;
  }
  let ok = true;
  if (x.errno !== undefined && !(ret < 0 && errno !== undefined && sameErrno(errno, x.errno))) ok = false;
  if (x.bytes !== undefined && !(ret >= 0 && ret === x.bytes)) ok = false;
  if (x.ret !== undefined && ret !== x.ret) ok = false;
  if (ok) return '';
  const happened = ret < 0 ? `failed with ${errno} (${ret})` : `returned ${ret}`;
  return `${expected}; ${x.event} (${ev.do}) ${happened}`;
}

// ---------------------------------------------------------------- badblocks

function formatRanges(r: [number, number][]): string {
  if (!r.length) return 'none';
  return limitList(
    r.map(([s, c]) => `[${s}, ${c}]`),
    ', ',
  );
}

function sortRanges(r: [number, number][]): [number, number][] {
  return [...r].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

function checkBadblocks(x: { device: string; ranges: [number, number][] }, snap: ReportSnapshot): string {
  const has = snap.badblocks[x.device] ?? [];
  const a = sortRanges(x.ranges);
  const b = sortRanges(has);
  if (a.length === b.length && a.every((r, i) => r[0] === b[i]![0] && r[1] === b[i]![1])) return '';
  let happened = `it has ${formatRanges(b)}`;
  if (!(x.device in snap.badblocks)) {
    const known = Object.keys(snap.badblocks).filter((k) => snap.badblocks[k]!.length);
    happened = `${x.device} has none`;
    if (known.length) happened += ` (badblocks recorded on: ${limitList(known, ', ')})`;
  }
  return `expected badblocks of ${x.device} to be ${a.length ? formatRanges(a) : 'empty'}; ${happened}`;
}

// ---------------------------------------------------------------- dmesg

function quote(s: string): string {
  return JSON.stringify(s);
}

function checkDmesg(x: { contains?: string; notContains?: string }, snap: ReportSnapshot): string {
  const lines = snap.dmesg;
  const fails: string[] = [];
  if (x.contains !== undefined && !matchLog(lines, x.contains).count) {
    const n = lines.length;
    const log = n
      ? `dmesg (${n} line${n === 1 ? '' : 's'}): ${limitList(lines.slice(0, LIST_LIMIT + 1).map(quote), ' | ', n)}`
      : 'dmesg is empty';
    fails.push(`expected a dmesg line containing ${quote(x.contains)}; no line does; ${log}`);
  }
  if (x.notContains !== undefined) {
    const hits = matchLog(lines, x.notContains);
    if (hits.count) {
      fails.push(
        `expected no dmesg line containing ${quote(x.notContains)}; found ${hits.count === 1 ? 'it in' : `${hits.count} lines, first`}: ${quote(hits.first!)}`,
      );
    }
  }
  return fails.join('; and ');
}

// ---------------------------------------------------------------- fs

function normMount(m: string): string {
  return m.length > 1 ? m.replace(/\/+$/, '') : m;
}

function checkFs(x: { mount: string; shutdown: string }, snap: ReportSnapshot): string {
  const want = x.shutdown;
  const expected =
    want === 'none' ? `expected ${x.mount} to be up (shutdown: none)` : `expected ${x.mount} to be shut down with ${want}`;
  const fs = snap.filesystems.find((f) => normMount(f.mount) === normMount(x.mount));
  if (!fs) {
    const mounts = snap.filesystems.map((f) => f.mount);
    return `${expected}; no filesystem is mounted at ${x.mount} (mounts: ${mounts.length ? limitList(mounts, ', ') : 'none'})`;
  }
  if (want === 'none') {
    return fs.shutdown === null ? '' : `${expected}; it was shut down with ${fs.shutdown}`;
  }
  if (fs.shutdown === null) return `${expected}; it is up (shutdown: none)`;
  const flags = fs.shutdown.split('|').map((f) => f.trim());
  return flags.includes(want) ? '' : `${expected}; it was shut down with ${fs.shutdown}`;
}

// ---------------------------------------------------------------- calls

function times(n: number): string {
  return n === 1 ? 'once' : `${n} times`;
}

function checkCalls(x: { symbol: string; count: number }, snap: ReportSnapshot): string {
  const n = snap.calls[x.symbol] ?? 0;
  if (n === x.count) return '';
  const expected = x.count === 0 ? `expected ${x.symbol} not to be called` : `expected ${x.symbol} to be called ${times(x.count)}`;
  return `${expected}; it was ${n === 0 ? 'not called' : `called ${times(n)}`}`;
}

// ---------------------------------------------------------------- hwpoison

function checkHwpoison(x: { pfn: number; set: boolean }, snap: ReportSnapshot): string {
  const isSet = hwpoisonHas(snap.hwpoison, x.pfn);
  if (isSet === x.set) return '';
  const pfn = hex(x.pfn);
  if (x.set) {
    const list = snap.hwpoison.length ? `pfns with PageHWPoison: ${limitList(snap.hwpoison, ', ')}` : 'no pfn has it';
    return `expected PageHWPoison set on pfn ${pfn}; it is clear (${list})`;
  }
  return `expected PageHWPoison clear on pfn ${pfn}; it is set`;
}

// ---------------------------------------------------------------- cxlPoison (extension, docs/cxl.md)

function cxlRecordMatches(r: ReportCxlPoison, x: CxlPoisonExpect): boolean {
  if (x.memdev !== undefined && r.memdev !== x.memdev) return false;
  if (x.region !== undefined && r.region !== x.region) return false;
  if (x.dpa !== undefined && addrValue(r.dpa) !== x.dpa) return false;
  if (x.hpa !== undefined && (x.hpa === 'none' ? r.hpa !== ULLONG_MAX_HEX : r.hpa === ULLONG_MAX_HEX || addrValue(r.hpa) !== x.hpa)) return false;
  if (x.length !== undefined && r.dpaLength !== x.length) return false;
  if (x.source !== undefined && r.source !== x.source) return false;
  if (x.traceType !== undefined && r.traceType !== x.traceType) return false;
  return true;
}

function describeCxlRecord(r: ReportCxlPoison): string {
  return `${r.traceType} ${r.memdev} dpa ${r.dpa} length ${r.dpaLength} region ${r.region || '(none)'} hpa ${r.hpa} source ${r.source} (event ${r.event})`;
}

function describeCxlExpect(x: CxlPoisonExpect): string {
  const parts: string[] = [];
  if (x.traceType !== undefined) parts.push(x.traceType);
  if (x.memdev !== undefined) parts.push(x.memdev);
  if (x.dpa !== undefined) parts.push(`dpa ${hex(x.dpa)}`);
  if (x.length !== undefined) parts.push(`length ${x.length}`);
  if (x.region !== undefined) parts.push(`region ${x.region || '(none)'}`);
  if (x.hpa !== undefined) parts.push(`hpa ${x.hpa === 'none' ? ULLONG_MAX_HEX : hex(x.hpa)}`);
  if (x.source !== undefined) parts.push(`source ${x.source}`);
  return parts.join(' ') || 'any record';
}

function checkCxlPoison(x: CxlPoisonExpect, snap: ReportSnapshot, where: string): string {
  const all = snap.cxlPoison ?? [];
  const scoped = where === END ? all : all.filter((r) => r.event === where);
  const hits = scoped.filter((r) => cxlRecordMatches(r, x));
  if (x.count === undefined ? hits.length > 0 : hits.length === x.count) return '';
  const wanted = x.count === undefined ? 'a cxl_poison record' : x.count === 0 ? 'no cxl_poison record' : `exactly ${x.count} cxl_poison record${x.count === 1 ? '' : 's'}`;
  const expected = `expected ${wanted} matching ${describeCxlExpect(x)}${scopeWords(where)}`;
  if (x.count !== undefined && hits.length) return `${expected}; ${hits.length} match: ${limitList(hits.map(describeCxlRecord), '; ')}`;
  return `${expected}; ${scoped.length ? `records${scopeWords(where)}: ${limitList(scoped.map(describeCxlRecord), '; ')}` : `no cxl_poison record${scopeWords(where)}`}`;
}

// ---------------------------------------------------------------- verdict (extension, docs/verdicts.md)

function verdictMatches(v: ReportVerdict, x: VerdictExpect): boolean {
  if (x.pid !== undefined && v.pid !== x.pid) return false;
  if (x.mapping !== undefined && v.mapping !== x.mapping) return false;
  if (x.file !== undefined && !('file' in v.owner && v.owner.file === x.file)) return false;
  if (x.device !== undefined && !('device' in v.owner && v.owner.device === x.device.replace(/^\/dev\//, ''))) return false;
  if (x.outcome !== undefined && v.outcome !== x.outcome) return false;
  if (x.symbol !== undefined && v.symbol !== x.symbol) return false;
  if (x.reason !== undefined && !v.reason.includes(x.reason)) return false;
  return true;
}

function describeVerdict(v: ReportVerdict): string {
  const owner = 'file' in v.owner ? v.owner.file : `/dev/${v.owner.device}`;
  return `${v.outcome} for ${v.pid === null ? 'no mapper' : `${v.comm}:${v.pid} ${v.mapping}`} of ${owner} [${hex(v.owner.start)}, ${hex(v.owner.end)}) by ${v.symbol} (event ${v.event})`;
}

function checkVerdict(x: VerdictExpect, snap: ReportSnapshot, where: string): string {
  const all = snap.verdicts ?? [];
  const scoped = where === END ? all : all.filter((v) => v.event === where);
  if (scoped.some((v) => verdictMatches(v, x))) return '';
  const want = Object.entries(x)
    .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
    .join(', ');
  return `expected a verdict with ${want || 'any fields'}${scopeWords(where)}; ${scoped.length ? `verdicts${scopeWords(where)}: ${limitList(scoped.map(describeVerdict), '; ')}` : `no verdict${scopeWords(where)}`}`;
}

// ---------------------------------------------------------------- helpers

function limitList(items: string[], sep: string, total = items.length): string {
  if (total <= LIST_LIMIT) return items.join(sep);
  return items.slice(0, LIST_LIMIT).join(sep) + `${sep}and ${total - LIST_LIMIT} more`;
}
