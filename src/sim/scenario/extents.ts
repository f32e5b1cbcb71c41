// A file's explicit extents, in the three forms a scenario may write them
// (docs: README "Scenarios", schema `extent` and `extentsFile`):
//
//   extents: [ { offset, block, length } ]        the format's own list
//   extents: [ { offset, block, length, count, stride, offsetStride } ]
//                                                  a repeated pattern: repetition k
//                                                  (from 0) at offset + k*offsetStride,
//                                                  block + k*stride
//   extentsFile: ./big.extents                     one `offset block length` line per
//                                                  extent, relative to the scenario
//
// All three become one list of ExtentSpec, checked alike (empty, past the
// end of the file, overlapping in the file; the filesystem then checks the
// blocks), with each problem placed where it was written: the list entry,
// the pattern (and which repetition), or the extents file's line. The
// simulator's own refusals of an extent (metadata, another file, beyond the
// filesystem) are placed the same way by relocateExtentError, through the
// origins kept on the FileSpec.
//
// No Node API: the extents file is read through the loader's readFile.

import { InputError, describeValue } from '../errors';
import { parseSize } from '../units';
import type { ExtentOrigin, ExtentSpec } from './types';
import { LIMITS, formatCount } from './limits';

/** The most an extents file may hold, as the command line reads a scenario. */
export const MAX_EXTENTS_FILE_BYTES = 64 * 1024 * 1024;
/** problems reported per file before the rest are summarised */
const MAX_PROBLEMS_PER_FILE = 20;

export interface RawExtent {
  offset: number | string;
  block: number | string;
  length: number | string;
  count?: number | string;
  stride?: number | string;
  offsetStride?: number | string;
}

export interface PlacedAt {
  file: string;
  line: number;
  column: number;
}

export interface ExtentProblems {
  /** a problem at a JSON pointer of the scenario; `message` is the text after the field label */
  add(pointer: string, value: unknown, message: string): void;
  /** a problem in another file (an extents file), reported under the scenario's pointer */
  addPlaced(at: PlacedAt, pointer: string, value: unknown, message: string): void;
}

export interface ExtentContext {
  problems: ExtentProblems;
  /** the scenario's own path, to resolve an extents file against */
  scenarioFile: string;
  /** reads a text file (bounded); undefined where files cannot be read */
  readFile?: (path: string) => string;
  /** extents already taken by earlier files (LIMITS.extents is for the whole scenario) */
  budget: { used: number };
}

export interface ExtentListInput {
  /** JSON pointer of the file entry, e.g. /files/3 */
  pathPtr: string;
  extents?: RawExtent[];
  extentsFile?: string;
  /** the file's size in filesystem blocks */
  fileBlocks: number;
  /** for messages: "4KiB" */
  blockLabel: string;
}

export interface ExtentList {
  extents: ExtentSpec[];
  /** where each run of extents was written; undefined when extents[i] is the list's entry i */
  origins?: ExtentOrigin[];
}

/** The path of an extents file named in a scenario: relative to the scenario's directory unless absolute. */
export function resolveExtentsFile(scenarioFile: string, written: string): string {
  if (/^([\\/]|[A-Za-z]:[\\/])/.test(written)) return written;
  const cut = Math.max(scenarioFile.lastIndexOf('/'), scenarioFile.lastIndexOf('\\'));
  const rel = written.replace(/^(\.[\\/])+/, '');
  return cut < 0 ? rel : `${scenarioFile.slice(0, cut + 1)}${rel}`;
}

export function buildExtentList(input: ExtentListInput, ctx: ExtentContext): ExtentList {
  const builder = new Builder(input, ctx);
  if (input.extentsFile !== undefined) builder.fromFile(input.extentsFile);
  else builder.fromList(input.extents ?? []);
  builder.checkFileOverlaps();
  return builder.result();
}

class Builder {
  private readonly extents: ExtentSpec[] = [];
  private readonly origins: ExtentOrigin[] = [];
  /** a pattern or a file: origins must be kept */
  private compact = false;
  private problemCount = 0;
  private suppressed = 0;
  /** false once a limit was hit: nothing more is expanded */
  private open = true;

  constructor(
    private readonly input: ExtentListInput,
    private readonly ctx: ExtentContext,
  ) {}

  result(): ExtentList {
    if (this.suppressed) {
      this.ctx.problems.add(this.input.extentsFile !== undefined ? `${this.input.pathPtr}/extentsFile` : `${this.input.pathPtr}/extents`, undefined, `${formatCount(this.suppressed)} more problems in this file's extents, not listed`);
    }
    return this.compact ? { extents: this.extents, origins: this.origins } : { extents: this.extents };
  }

  private add(pointer: string, value: unknown, message: string): void {
    if (this.problemCount++ >= MAX_PROBLEMS_PER_FILE) this.suppressed++;
    else this.ctx.problems.add(pointer, value, message);
  }

  private addPlaced(at: PlacedAt, value: unknown, message: string): void {
    if (this.problemCount++ >= MAX_PROBLEMS_PER_FILE) this.suppressed++;
    else this.ctx.problems.addPlaced(at, `${this.input.pathPtr}/extentsFile`, value, message);
  }

  /** Take n more extents from the scenario's budget; false (and reported) when it is spent. */
  private take(n: number, report: () => void): boolean {
    if (!this.open) return false;
    if (this.ctx.budget.used + n > LIMITS.extents) {
      report();
      this.open = false;
      return false;
    }
    this.ctx.budget.used += n;
    return true;
  }

  private limitText(): string {
    const before = this.ctx.budget.used;
    return `at most ${formatCount(LIMITS.extents)} extents in a scenario${before ? ` (${formatCount(before)} before this)` : ''}`;
  }

  // ---- the list, with patterns ----

  fromList(list: RawExtent[]): void {
    const base = `${this.input.pathPtr}/extents`;
    this.compact = list.some((e) => e.count !== undefined);
    for (let k = 0; k < list.length; k++) {
      const e = list[k]!;
      const p = `${base}/${k}`;
      const num = (field: keyof RawExtent): number | undefined => {
        const v = e[field];
        if (v === undefined) return undefined;
        const n = parseSize(v);
        if (n === undefined) this.add(`${p}/${field}`, v, `${describeValue(v)} is too large (beyond 2^53, the largest integer kept exactly)`);
        return n;
      };
      const offset = num('offset');
      const block = num('block');
      const length = num('length');
      const count = num('count') ?? (e.count === undefined ? 1 : undefined);
      const first = this.extents.length;
      if (offset === undefined || block === undefined || length === undefined || count === undefined) {
        if (this.compact) this.origins.push({ first, count: 0, pointer: p });
        else this.extents.push({ offset: offset ?? 0, block: block ?? 0, length: length ?? 0 }); // keep list index = entry index
        continue;
      }
      if (e.count === undefined) {
        if (!this.checkOne(p, e, offset, length)) {
          if (this.compact) this.origins.push({ first, count: 0, pointer: p });
          if (!this.compact) this.extents.push({ offset, block, length }); // keep list index = entry index
          continue;
        }
        if (!this.take(1, () => this.add(p, list.length, `is extent number ${formatCount(LIMITS.extents + 1)}: ${this.limitText()}`))) return;
        this.extents.push({ offset, block, length });
        if (this.compact) this.origins.push({ first, count: 1, pointer: p });
        continue;
      }
      const stride = num('stride') ?? length;
      const offsetStride = num('offsetStride') ?? length;
      const ok = this.checkPattern(p, e, { offset, block, length, count, stride, offsetStride });
      this.origins.push({ first, count: ok ? count : 0, pointer: p, pattern: { offset, block, length, count, stride, offsetStride } });
      if (!ok) continue;
      if (!this.take(count, () => this.add(`${p}/count`, e.count, `${describeValue(e.count)} extents are more than the lab holds: ${this.limitText()}`))) return;
      expandPattern(this.extents, offset, block, length, count, stride, offsetStride);
    }
  }

  /** One extent: not empty, inside the file. */
  private checkOne(p: string, e: RawExtent, offset: number, length: number): boolean {
    if (length === 0) {
      this.add(`${p}/length`, e.length, `${describeValue(e.length)} is empty (an extent has at least one block)`);
      return false;
    }
    if (offset + length > this.input.fileBlocks) {
      this.add(`${p}/length`, e.length, `${describeValue(e.length)} runs past the end of the file (${this.input.fileBlocks} blocks of ${this.input.blockLabel})`);
      return false;
    }
    return true;
  }

  /** A pattern, without expanding it: its repetitions must not overlap each other, and the last must end inside the file. */
  private checkPattern(p: string, e: RawExtent, x: Required<{ [K in keyof RawExtent]: number }>): boolean {
    if (x.length === 0) {
      this.add(`${p}/length`, e.length, `${describeValue(e.length)} is empty (an extent has at least one block)`);
      return false;
    }
    if (x.count === 0) {
      this.add(`${p}/count`, e.count, `${describeValue(e.count)} is not at least 1 (the number of times the extent is repeated)`);
      return false;
    }
    let ok = true;
    if (x.count > 1 && x.stride < x.length) {
      this.add(`${p}/stride`, e.stride ?? x.stride, `${describeValue(e.stride ?? x.stride)} is less than the length (${x.length}): each repetition would overlap the blocks of the one before it on disk (expected a stride of at least ${x.length})`);
      ok = false;
    }
    if (x.count > 1 && x.offsetStride < x.length) {
      this.add(`${p}/offsetStride`, e.offsetStride ?? x.offsetStride, `${describeValue(e.offsetStride ?? x.offsetStride)} is less than the length (${x.length}): each repetition would overlap the one before it in the file (expected at least ${x.length})`);
      ok = false;
    }
    const end = x.offset + (x.count - 1) * x.offsetStride + x.length;
    const lastBlock = x.block + (x.count - 1) * x.stride + x.length;
    if (!Number.isSafeInteger(end) || !Number.isSafeInteger(lastBlock)) {
      this.add(`${p}/count`, e.count, `${describeValue(e.count)} repetitions go past 2^53 (the largest integer kept exactly)`);
      return false;
    }
    if (end > this.input.fileBlocks) {
      const last = x.offset + (x.count - 1) * x.offsetStride;
      this.add(`${p}/count`, e.count, `${describeValue(e.count)} repetitions run past the end of the file: the last covers file blocks ${last}..${end - 1}, the file has ${this.input.fileBlocks} blocks of ${this.input.blockLabel}`);
      ok = false;
    }
    return ok;
  }

  // ---- an extents file ----

  fromFile(written: string): void {
    this.compact = true;
    const pointer = `${this.input.pathPtr}/extentsFile`;
    if (this.input.extents !== undefined) {
      this.add(pointer, written, `${describeValue(written)} cannot be given with extents (write the extents in one place: the list or the file)`);
      return;
    }
    const path = resolveExtentsFile(this.ctx.scenarioFile, written);
    const read = this.ctx.readFile;
    if (!read) {
      this.add(pointer, written, `${describeValue(written)} cannot be read here (extents files are read by the command line; this loader was given no file reader)`);
      return;
    }
    let text: string;
    try {
      text = read(path);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.add(pointer, written, `${describeValue(written)} cannot be read (${path}): ${why}`);
      return;
    }
    if (text.length > MAX_EXTENTS_FILE_BYTES) {
      this.add(pointer, written, `${describeValue(written)} is larger than ${MAX_EXTENTS_FILE_BYTES / 2 ** 20} MiB (${path}); not read`);
      return;
    }
    const lines: number[] = [];
    const origin: ExtentOrigin = { first: 0, count: 0, pointer, file: path, lines: [] };
    this.origins.push(origin);
    // the checks of one line's extent; `written` as the line wrote its fields
    const accept = (line: number, offset: number, block: number, length: number, at: (i: number) => PlacedAt, w: () => readonly string[]): boolean => {
      if (length === 0) {
        this.addPlaced(at(2), w()[2], `line ${line}: length ${w()[2]} is empty (an extent has at least one block)`);
        return true;
      }
      if (offset + length > this.input.fileBlocks) {
        this.addPlaced(at(2), w()[2], `line ${line}: length ${w()[2]} from offset ${w()[0]} runs past the end of the file (${this.input.fileBlocks} blocks of ${this.input.blockLabel})`);
        return true;
      }
      if (!this.take(1, () => this.addPlaced(at(0), this.extents.length + 1, `line ${line}: extent number ${formatCount(this.extents.length + 1)} of this file is more than the lab holds: ${this.limitText()}`))) return false;
      this.extents.push({ offset, block, length });
      lines.push(line);
      return true;
    };
    parseExtentLines(
      text,
      (line, offset, block, length) => accept(line, offset, block, length, (i) => ({ file: path, line, column: columnOf(text, line, i) }), () => [String(offset), String(block), String(length)]),
      (line, cols, values) => {
        const at = (i: number): PlacedAt => ({ file: path, line, column: cols[i]! });
        if (values.length !== 3) {
          const extra = values.length > 3;
          this.addPlaced(at(extra ? 3 : 0), values.join(' '), `line ${line}: ${extra ? `unexpected ${describeValue(values[3])} after the length` : `has ${values.length} of the 3 fields`} (expected \`offset block length\`, in filesystem blocks)`);
          return true;
        }
        const nums: number[] = [];
        for (let i = 0; i < 3; i++) {
          const n = parseBlockNumber(values[i]!);
          if (n === undefined) {
            this.addPlaced(at(i), values[i], `line ${line}: ${describeValue(values[i])} is not a ${EXTENT_FIELDS[i]} (expected a non-negative integer of filesystem blocks, decimal or 0x hex, below 2^53)`);
            return true;
          }
          nums.push(n);
        }
        return accept(line, nums[0]!, nums[1]!, nums[2]!, at, () => values);
      },
    );
    origin.count = this.extents.length;
    origin.lines = lines;
  }

  // ---- the extents against each other in the file ----

  /** Extents overlapping in the file, each reported where the later-written one is. */
  checkFileOverlaps(): void {
    const exts = this.extents;
    const n = exts.length;
    if (n < 2) return;
    let order: number[] | undefined;
    for (let i = 1; i < n; i++) {
      if (exts[i]!.offset < exts[i - 1]!.offset) {
        order = Array.from({ length: n }, (_, k) => k).sort((a, b) => exts[a]!.offset - exts[b]!.offset || a - b);
        break;
      }
    }
    let reach = -1;
    let reacher = -1;
    for (let j = 0; j < n; j++) {
      const i = order ? order[j]! : j;
      const e = exts[i]!;
      if (e.offset < reach) {
        const [early, late] = reacher < i ? [reacher, i] : [i, reacher];
        this.reportOverlap(early, late);
      }
      if (e.offset + e.length > reach) {
        reach = e.offset + e.length;
        reacher = i;
      }
    }
  }

  private reportOverlap(early: number, late: number): void {
    const o = this.origins.length ? originOf(this.origins, late) : undefined;
    const e = this.extents[late]!;
    const what = `file blocks ${e.offset}..${e.offset + e.length - 1} overlap ${describeExtent(this.origins, early, this.input.pathPtr)} in the file`;
    if (o?.file) {
      this.addPlaced({ file: o.file, line: o.lines![late - o.first]!, column: 1 }, e.offset, `line ${o.lines![late - o.first]}: ${what}`);
    } else if (o?.pattern) {
      this.add(`${o.pointer}/offset`, e.offset, `${repetitionText(o, late)}: ${what}`);
    } else {
      this.add(`${o?.pointer ?? `${this.input.pathPtr}/extents/${late}`}/offset`, e.offset, `${e.offset} overlaps ${describeExtent(this.origins, early, this.input.pathPtr)} in the file (file blocks ${e.offset}..${e.offset + e.length - 1})`);
    }
  }
}

const EXTENT_FIELDS = ['offset', 'block', 'length'] as const;

/** The repetitions of a checked pattern, appended to `out`. */
function expandPattern(out: ExtentSpec[], offset: number, block: number, length: number, count: number, stride: number, offsetStride: number): void {
  let o = offset;
  let b = block;
  for (let r = 0; r < count; r++) {
    out.push({ offset: o, block: b, length });
    o += offsetStride;
    b += stride;
  }
}

/**
 * The lines of an extents file: `extent(line, offset, block, length)` for
 * a line of three decimal numbers (the common case, read without making
 * strings), `other(line, columns, values)` for any other line that is not
 * blank or a # comment (hex numbers, or something wrong), its fields split.
 * Either returns false to stop. Lines and columns are 1-based.
 */
export function parseExtentLines(
  text: string,
  extent: (line: number, offset: number, block: number, length: number) => boolean,
  other: (line: number, columns: number[], values: string[]) => boolean,
): void {
  let line = 0;
  let at = 0;
  const len = text.length;
  const nums = [0, 0, 0];
  while (at < len) {
    line++;
    let end = text.indexOf('\n', at);
    if (end < 0) end = len;
    // the fast path: [ws] digits ws digits ws digits [ws] [# ...]
    let i = at;
    let k = 0;
    let fast = true;
    for (;;) {
      while (i < end && isSpace(text.charCodeAt(i))) i++;
      if (i >= end || text.charCodeAt(i) === 35) break;
      if (k === 3) {
        fast = false;
        break;
      }
      const start = i;
      let n = 0;
      let c = text.charCodeAt(i);
      while (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
        c = text.charCodeAt(++i);
      }
      // up to 15 digits are exact; a number must end at a space, a comment or the line's end
      if (i === start || i - start > 15 || (i < end && !isSpace(c) && c !== 35)) {
        fast = false;
        break;
      }
      nums[k++] = n;
    }
    if (fast && k === 3) {
      if (!extent(line, nums[0]!, nums[1]!, nums[2]!)) return;
    } else if (!fast || k > 0) {
      const cols: number[] = [];
      const values: string[] = [];
      i = at;
      while (i < end) {
        const c = text.charCodeAt(i);
        if (isSpace(c)) {
          i++;
          continue;
        }
        if (c === 35) break; // '#': a comment to the end of the line
        const start = i;
        while (i < end) {
          const d = text.charCodeAt(i);
          if (isSpace(d) || d === 35) break;
          i++;
        }
        cols.push(start - at + 1);
        values.push(text.slice(start, i));
      }
      if (values.length && !other(line, cols, values)) return;
    }
    at = end + 1;
  }
}

/** The 1-based column of field i (from 0) on a line of the text: found again only when a problem is reported there. */
function columnOf(text: string, line: number, field: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) at = text.indexOf('\n', at) + 1;
  let col = 0;
  let k = -1;
  for (let i = at; i < text.length && text[i] !== '\n'; i++) {
    const space = isSpace(text.charCodeAt(i));
    if (!space && (i === at || isSpace(text.charCodeAt(i - 1))) && ++k === field) return i - at + 1;
    if (!space) col = i - at + 1;
  }
  return col || 1;
}

/** space, tab, or the CR of a CRLF line end */
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** A decimal (leading zeros allowed) or 0x hex block number below 2^53. */
function parseBlockNumber(s: string): number | undefined {
  if (!/^([0-9]+|0[xX][0-9a-fA-F]+)$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The origin an extent index came from (origins are in index order). */
function originOf(origins: ExtentOrigin[], index: number): ExtentOrigin | undefined {
  let lo = 0;
  let hi = origins.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const o = origins[mid]!;
    if (index < o.first) hi = mid - 1;
    else if (index >= o.first + o.count) lo = mid + 1;
    else return o;
  }
  return undefined;
}

function repetitionText(o: ExtentOrigin, index: number): string {
  const r = index - o.first;
  const p = o.pattern!;
  return `repetition ${formatCount(r + 1)} of ${formatCount(p.count)} (offset ${p.offset + r * p.offsetStride}, block ${p.block + r * p.stride}, length ${p.length})`;
}

/** How a message names extent `index` of a file: "extents[3]", "extents[3] repetition 5 of 10 (...)", "line 12 of big.extents". */
function describeExtent(origins: ExtentOrigin[] | undefined, index: number, pathPtr: string): string {
  const o = origins?.length ? originOf(origins, index) : undefined;
  const label = (pointer: string): string => pointer.slice(pathPtr.length + 1).replace(/\/(\d+)/g, '[$1]');
  if (!o) return `extents[${index}]`;
  if (o.file) return `line ${o.lines![index - o.first]} of ${o.file}`;
  if (o.pattern) return `${label(o.pointer)} ${repetitionText(o, index)}`;
  return label(o.pointer);
}

/**
 * A refusal of the simulator (XFS or ext4 placing the extents) that names
 * extent i of a file written as a pattern or an extents file, placed where
 * that extent was written. The original is kept as `original`.
 */
export class PlacedExtentError extends InputError {
  constructor(
    path: string,
    field: string,
    value: unknown,
    message: string,
    readonly original: InputError,
    location?: PlacedAt,
  ) {
    super(path, field, value, message);
    this.name = original.name;
    if (location) this.location = location;
  }
}

/** `err` placed on the pattern or extents-file line it came from; `err` itself when it is not about one of them. */
export function relocateExtentError(err: InputError, file: { pathPtr: string; extentOrigins?: ExtentOrigin[] }): InputError {
  const origins = file.extentOrigins;
  if (!origins || !err.path.startsWith(`${file.pathPtr}/extents/`)) return err;
  const rest = err.path.slice(file.pathPtr.length + '/extents/'.length).split('/');
  const index = Number(rest[0]);
  const field = rest[1];
  const o = Number.isInteger(index) ? originOf(origins, index) : undefined;
  if (!o) return err;
  const message = err.message.replace(/\bextents\/(\d+)/g, (_, i: string) => describeExtent(origins, Number(i), file.pathPtr));
  if (o.file) {
    const line = o.lines![index - o.first]!;
    return new PlacedExtentError(o.pointer, 'extentsFile', err.value, `line ${line}: ${message}`, err, { file: o.file, line, column: 1 });
  }
  if (o.pattern) {
    return new PlacedExtentError(field ? `${o.pointer}/${field}` : o.pointer, err.field, err.value, `${repetitionText(o, index)}: ${message}`, err);
  }
  return new PlacedExtentError(field ? `${o.pointer}/${field}` : o.pointer, err.field, err.value, message, err);
}
