// Long explicit extent lists in YAML, read without the YAML parser.
//
// The yaml package spends ~50 µs per `- { offset: 1, block: 2, length: 3 }`
// line (its CST parser is a chain of generators), so 10^5 explicit extents
// took ~10 s to parse. Such a list is almost always generated, one flow
// mapping of three plain integers per line. A run of those lines right under
// an `extents:` key is cut out of the text before the parse and read here
// (the same values the YAML core schema would give: decimal or 0x hex
// integers), then put back into the parsed document as one node; positions
// in the original text are kept for every extent and field, so problems are
// placed exactly as before.
//
// Only what is unambiguous is cut: the key alone on its line, every line of
// the run one strict flow mapping (or blank, or a comment), the line after
// the run not part of the list. Whatever else (a quoted key, an anchor, a
// size with a unit, a pattern's count) leaves the whole list to the YAML
// parser, and so does a run the parsed document does not confirm is the
// value of that `extents:` key (text inside a block scalar, say): the text is
// then parsed whole, as if nothing had been cut.

import { LineCounter, Scalar, isScalar, parseDocument, visit } from 'yaml';
import type { Document, DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';

/** lists shorter than this go through the YAML parser as they always did */
const MIN_RUN = 64;

const KEY_LINE = /^( *)(?:- +)?extents:[ \t]*(?:#.*)?$/;
const NUM = '(0x[0-9a-fA-F]+|[0-9]+)';
const FIELD = `(offset|block|length) *: *${NUM}`;
const ITEM_LINE = new RegExp(`^( *)- \\{ *${FIELD} *, *${FIELD} *, *${FIELD} *\\} *(?:#.*)?$`);
const BLANK_LINE = /^[ \t]*(?:#.*)?$/;

export interface ExtentRun {
  /** original text: offset of the `extents` key, and of the cut [start, end) */
  keyOffset: number;
  start: number;
  end: number;
  /** offset of the cut in the text given to the parser */
  cutAt: number;
  /** the extents, in order */
  items: { offset: number; block: number; length: number }[];
  /** original text: offset of each item's `{`, and of each of its fields' values */
  itemOffsets: number[];
  fieldOffsets: Record<'offset' | 'block' | 'length', number>[];
}

export interface CutText {
  /** what the YAML parser is given */
  text: string;
  runs: ExtentRun[];
}

/**
 * Cut the long runs of simple extent lines out of a YAML text (not those
 * whose key is at an offset in `skip`); `runs` empty when there are none.
 */
export function cutExtentRuns(text: string, skip: ReadonlySet<number> = new Set()): CutText {
  // a %YAML directive may ask for YAML 1.1, whose integers read differently (010 is octal)
  if (text.length < MIN_RUN * 30 || !text.includes('extents:') || /^%YAML/m.test(text)) return { text, runs: [] };
  const lines: { start: number; end: number }[] = [];
  for (let at = 0; at <= text.length; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    lines.push({ start: at, end: end > at && text.charCodeAt(end - 1) === 13 ? end - 1 : end });
    at = end + 1;
  }
  const runs: ExtentRun[] = [];
  for (let i = 0; i < lines.length; i++) {
    const key = lineText(text, lines[i]!);
    const k = KEY_LINE.exec(key);
    if (!k) continue;
    const keyIndent = key.indexOf('extents:');
    if (skip.has(lines[i]!.start + keyIndent)) continue;
    const run = readRun(text, lines, i + 1, keyIndent);
    if (!run) continue;
    runs.push({ ...run, keyOffset: lines[i]!.start + keyIndent, cutAt: 0 });
    i = run.lastLine;
  }
  if (!runs.length) return { text, runs };
  const parts: string[] = [];
  let at = 0;
  let removed = 0;
  for (const r of runs) {
    parts.push(text.slice(at, r.start));
    r.cutAt = r.start - removed;
    removed += r.end - r.start;
    at = r.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), runs };
}

function lineText(text: string, l: { start: number; end: number }): string {
  return text.slice(l.start, l.end);
}

/** The run of item lines from line `first`, or undefined when it is short or not plainly the key's whole list. */
function readRun(text: string, lines: { start: number; end: number }[], first: number, keyIndent: number): (Omit<ExtentRun, 'keyOffset' | 'cutAt'> & { lastLine: number }) | undefined {
  const items: ExtentRun['items'] = [];
  const itemOffsets: number[] = [];
  const fieldOffsets: ExtentRun['fieldOffsets'] = [];
  let indent = -1;
  let last = first - 1;
  let j = first;
  for (; j < lines.length; j++) {
    const l = lines[j]!;
    const s = lineText(text, l);
    const m = ITEM_LINE.exec(s);
    if (!m) {
      if (BLANK_LINE.test(s) && j < lines.length - 1) continue;
      break;
    }
    const ind = m[1]!.length;
    if (indent < 0) indent = ind;
    if (ind !== indent || ind < keyIndent) return undefined;
    const rec: Record<string, number> = {};
    const offs: Record<string, number> = {};
    let from = ind + 2;
    for (let f = 0; f < 3; f++) {
      const name = m[2 + 2 * f]!;
      const written = m[3 + 2 * f]!;
      if (name in rec) return undefined; // a key twice: the YAML parser says so
      rec[name] = Number(written);
      from = s.indexOf(name, from);
      offs[name] = l.start + s.indexOf(written, s.indexOf(':', from) + 1);
      from += name.length;
    }
    items.push(rec as ExtentRun['items'][number]);
    fieldOffsets.push(offs as ExtentRun['fieldOffsets'][number]);
    itemOffsets.push(l.start + s.indexOf('{'));
    last = j;
  }
  if (items.length < MIN_RUN) return undefined;
  // the line after the run must not belong to the list (another item, a continuation)
  if (j < lines.length) {
    const s = lineText(text, lines[j]!);
    const ind = s.length - s.trimStart().length;
    if (ind > keyIndent || (ind === indent && s.trimStart().startsWith('-'))) return undefined;
  }
  const start = lines[first]!.start;
  const end = last + 1 < lines.length ? lines[last + 1]!.start : text.length;
  return { start, end, items, itemOffsets, fieldOffsets, lastLine: last };
}

/** An offset in the parsed (cut) text, as an offset in the original. */
export function originalOffset(runs: ExtentRun[], offset: number): number {
  let add = 0;
  for (const r of runs) {
    if (offset < r.cutAt) break;
    add += r.end - r.start;
  }
  return offset + add;
}

/** 1-based line and column of an original offset, from a sorted list of line starts. */
export function linePosition(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
}

export function lineStartsOf(text: string): number[] {
  const out = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) out.push(at + 1);
  return out;
}

/** Where, in the original text, a pointer's remaining segments inside a run point: an item, or one of its fields. */
export function offsetInRun(run: ExtentRun, segments: string[]): number | undefined {
  if (!segments.length) return undefined;
  const index = Number(segments[0]);
  if (!Number.isInteger(index) || index < 0 || index >= run.items.length) return undefined;
  const field = segments[1] as 'offset' | 'block' | 'length' | undefined;
  if (field !== undefined && field in run.fieldOffsets[index]!) return run.fieldOffsets[index]![field];
  return run.itemOffsets[index];
}

/**
 * Parse a YAML text with its long extent lists cut out and put back. A run
 * the document does not confirm (its `extents:` is not a mapping key with
 * an empty value: text in a block scalar, say) is left in and the text
 * parsed again; `runs` is empty when nothing was cut.
 */
export function parseCutting(text: string, options: DocumentOptions & ParseOptions & SchemaOptions): { doc: Document.Parsed; lines: LineCounter; cut: ExtentRun[]; runs: Map<unknown, ExtentRun> } {
  const skip = new Set<number>();
  for (;;) {
    const cut = cutExtentRuns(text, skip);
    const lines = new LineCounter();
    const doc = parseDocument(cut.text, { ...options, lineCounter: lines });
    if (!cut.runs.length) return { doc, lines, cut: [], runs: new Map() };
    const placed = graftExtentRuns(doc, cut.runs);
    const missed = cut.runs.filter((r) => !placed.has(r.keyOffset));
    if (!missed.length) return { doc, lines, cut: cut.runs, runs: new Map([...placed.values()].map(({ node, run }) => [node, run])) };
    for (const r of missed) skip.add(r.keyOffset);
  }
}

/**
 * Put each run back into the parsed document as the value of its
 * `extents:` key (one Scalar node holding the list), when that key is a
 * mapping key with an empty value; by key offset, the runs placed.
 */
function graftExtentRuns(doc: Document.Parsed, runs: ExtentRun[]): Map<number, { node: Scalar; run: ExtentRun }> {
  const byKey = new Map<number, ExtentRun>(runs.map((r) => [r.keyOffset - (r.start - r.cutAt), r]));
  const placed = new Map<number, { node: Scalar; run: ExtentRun }>();
  visit(doc, {
    Pair(_k, pair) {
      const at = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      const run = at === undefined ? undefined : byKey.get(at);
      if (!run || !isScalar(pair.key) || pair.key.value !== 'extents') return;
      const empty = pair.value === null || (isScalar(pair.value) && pair.value.value === null && pair.value.source === '');
      if (!empty) return;
      const node = new Scalar(run.items);
      node.range = [run.cutAt, run.cutAt, run.cutAt];
      pair.value = node;
      placed.set(run.keyOffset, { node, run });
    },
  });
  return placed;
}
