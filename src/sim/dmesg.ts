// The kernel log as the lab holds it: lines, and runs of members whose lines
// differ only in numbers that advance in step (a pfn, an address, a pgoff,
// in hex or in decimal), each run kept as one pattern with its count. A
// machine that loses a populated device prints a line per page (264 M at a
// terabyte); held this way the log costs what its runs cost, while it still
// answers its length in lines, any line by index, slices and iteration in
// order exactly as the array of lines it stands for.
//
// Pure and self-contained: the readers that only need the types (the
// comparison view, bundled into the webviews) import them as types.

/** a number of a line that advances from member to member: member j prints base + step * j */
export interface LogField {
  base: number;
  step: number;
  /** printed as 0x<lowercase hex digits> (the 0x is in the text before), else in decimal */
  hex: boolean;
}

/** a line of a run's members: text, a field, text, ..., a field, text (parts.length = fields.length + 1) */
export interface LineTemplate {
  parts: readonly string[];
  fields: readonly LogField[];
}

/** a piece of the log as its readers walk it: a line, or a run of members of templates.length lines each */
export type LogPiece = { kind: 'line'; line: string } | LogRunPiece;

export interface LogRunPiece {
  kind: 'run';
  /** members; the run stands for count * templates.length lines, member after member */
  count: number;
  /** the lines of member 0, as templates (member j: each field at base + step * j) */
  templates: readonly LineTemplate[];
}

/**
 * The log as the run report holds it: what an array of lines answers
 * (a plain `readonly string[]` is one), and, for the log store, its pieces.
 */
export interface DmesgLines extends Iterable<string> {
  readonly length: number;
  at(index: number): string | undefined;
  /** the lines [start, end) as an array (for a bounded part of the log) */
  slice(start?: number, end?: number): string[];
  /** the lines [from, to) as lines and runs (a run cut to the range where it is cut) */
  pieces?(from?: number, to?: number): Iterable<LogPiece>;
}

/** the pieces of any log: a plain array is all lines */
export function logPieces(d: DmesgLines, from = 0, to = d.length): Iterable<LogPiece> {
  if (d.pieces) return d.pieces(from, to);
  return linePieces(d, from, to);
}

function* linePieces(d: DmesgLines, from: number, to: number): Generator<LogPiece> {
  for (let i = Math.max(0, from); i < Math.min(to, d.length); i++) yield { kind: 'line', line: d.at(i)! };
}

/** the text of a field for member j */
export function fieldText(f: LogField, j: number): string {
  const v = f.base + f.step * j;
  return f.hex ? v.toString(16) : String(v);
}

/** line of member j of a template */
export function templateLine(t: LineTemplate, j: number): string {
  let s = t.parts[0]!;
  for (let i = 0; i < t.fields.length; i++) s += fieldText(t.fields[i]!, j) + t.parts[i + 1]!;
  return s;
}

/** the lines of member j of a run */
export function memberLines(r: LogRunPiece, j: number): string[] {
  return r.templates.map((t) => templateLine(t, j));
}

/** the templates of a run from its member j on (member j becomes member 0) */
export function shiftTemplates(ts: readonly LineTemplate[], j: number): LineTemplate[] {
  return ts.map((t) => ({ parts: t.parts, fields: t.fields.map((f) => ({ base: f.base + f.step * j, step: f.step, hex: f.hex })) }));
}

/**
 * A run drawn as lines a reader takes in at a glance, one per line of a
 * member: each field as first..last, and the count after the first field
 * ("Memory failure: 0x1000..0x10ff (×256): recovery action for dax page:
 * Recovered"); a member of several lines says so on its first line.
 */
export function foldedRun(r: LogRunPiece): string[] {
  const n = r.count;
  const m = r.templates.length;
  const count = `(×${n.toLocaleString('en-US')}${m > 1 ? `, each with the next ${m === 2 ? 'line' : `${m - 1} lines`}` : ''})`;
  return r.templates.map((t, ti) => {
    let s = t.parts[0]!;
    for (let i = 0; i < t.fields.length; i++) {
      const f = t.fields[i]!;
      s += `${fieldText(f, 0)}..${f.hex ? '0x' : ''}${fieldText(f, n - 1)}`;
      if (i === 0 && ti === 0) s += ` ${count}`;
      s += t.parts[i + 1]!;
    }
    if (ti === 0 && !t.fields.length) s += ` ${count}`;
    return s;
  });
}

// ------------------------------------------------------------ the store

/** a stretch of lines kept as they are */
interface Chunk {
  start: number;
  lines: string[];
}

interface Run {
  start: number;
  count: number;
  templates: LineTemplate[];
}

type Entry = Chunk | Run;

const isRun = (e: Entry): e is Run => (e as Run).templates !== undefined;
const entryLines = (e: Entry): number => (isRun(e) ? e.count * e.templates.length : e.lines.length);

/** members a run must have before it is kept as a pattern (two lines always look like a progression) */
export const RUN_MIN = 3;

/**
 * The log store of a Kernel: appended to line by line (printk) and run by
 * run (Kernel.logRun); never changed otherwise. `view()` is the log as it
 * stands, for a report: later appends do not change it.
 */
export class KernelLog implements DmesgLines {
  private readonly entries: Entry[] = [];
  private total = 0;

  get length(): number {
    return this.total;
  }

  /** how many entries (lines kept as they are come in chunks) hold the log: what it costs */
  get entryCount(): number {
    return this.entries.length;
  }

  /** printk of one line: it extends the last run when it is that run's next member */
  push(line: string): void {
    const last = this.entries[this.entries.length - 1];
    if (last && isRun(last)) {
      if (last.templates.length === 1 && templateLine(last.templates[0]!, last.count) === line) {
        last.count++;
        this.total++;
        return;
      }
      this.entries.push({ start: this.total, lines: [line] });
    } else if (last) last.lines.push(line);
    else this.entries.push({ start: this.total, lines: [line] });
    this.total++;
  }

  /**
   * `count` members, each the lines `member(j)` returns, which the caller
   * promises differ only in numbers advancing in step. The pattern is taken
   * from members 0, 1 and count - 1 and checked against them and a middle
   * one; when they do not fit one, the members are appended line by line.
   */
  pushRun(count: number, member: (j: number) => string | readonly string[]): void {
    const lines = (j: number): readonly string[] => {
      const m = member(j);
      return typeof m === 'string' ? [m] : m;
    };
    if (count < RUN_MIN) {
      for (let j = 0; j < count; j++) for (const l of lines(j)) this.push(l);
      return;
    }
    const m0 = lines(0);
    const m1 = lines(1);
    const ml = lines(count - 1);
    const templates = derive(m0, m1, ml, count);
    const mid = Math.floor(count / 2);
    if (!templates || (mid > 1 && mid < count - 1 && !sameLines(lines(mid), templates, mid))) {
      for (const l of m0) this.push(l);
      for (const l of m1) this.push(l);
      for (let j = 2; j < count - 1; j++) for (const l of lines(j)) this.push(l);
      for (const l of ml) this.push(l);
      return;
    }
    if (!templates.length) return;
    this.addRun(count, templates);
  }

  /**
   * `count` members given by their templates (member j: each field at base +
   * step * j), for a caller that knows the pattern already: the same as
   * pushRun of the lines they print, without deriving it again.
   */
  pushTemplates(count: number, templates: LineTemplate[]): void {
    if (count <= 0 || !templates.length) return;
    if (count < RUN_MIN) {
      for (let j = 0; j < count; j++) for (const t of templates) this.push(templateLine(t, j));
      return;
    }
    this.addRun(count, templates);
  }

  private addRun(count: number, templates: LineTemplate[]): void {
    const m = templates.length;
    const last = this.entries[this.entries.length - 1];
    // the run continues the last one: one run
    if (last && isRun(last) && continues(last, templates)) {
      last.count += count;
      this.total += count * m;
      return;
    }
    // the member before the run's first was printed line by line (the first of a
    // run handled for real, the rest replayed): it becomes the run's member 0
    let start = this.total;
    if (last && !isRun(last) && last.lines.length >= m) {
      const before = shiftTemplates(templates, -1);
      const at = last.lines.length - m;
      if (before.every((t, i) => last.lines[at + i] === templateLine(t, 0))) {
        last.lines.length = at;
        if (!last.lines.length) this.entries.pop();
        start -= m;
        templates = before;
        count++;
        const prev = this.entries[this.entries.length - 1];
        if (prev && isRun(prev) && continues(prev, templates)) {
          prev.count += count;
          this.total = start + count * m;
          return;
        }
      }
    }
    this.entries.push({ start, count, templates });
    this.total = start + count * m;
  }

  at(index: number): string | undefined {
    if (index < 0) index += this.total;
    if (index < 0 || index >= this.total) return undefined;
    const e = this.entries[this.find(index)]!;
    const o = index - e.start;
    if (!isRun(e)) return e.lines[o];
    const m = e.templates.length;
    return templateLine(e.templates[o % m]!, Math.floor(o / m));
  }

  slice(start = 0, end = this.total): string[] {
    const [a, b] = clampRange(this.total, start, end);
    return [...this.lines(a, b)];
  }

  *lines(from = 0, to = this.total): Generator<string> {
    for (const p of this.pieces(from, to)) {
      if (p.kind === 'line') yield p.line;
      else for (let j = 0; j < p.count; j++) for (const t of p.templates) yield templateLine(t, j);
    }
  }

  [Symbol.iterator](): Iterator<string> {
    return this.lines();
  }

  *pieces(from = 0, to = this.total): Generator<LogPiece> {
    [from, to] = clampRange(this.total, from, to);
    if (from >= to) return;
    for (let k = this.find(from); k < this.entries.length; k++) {
      const e = this.entries[k]!;
      if (e.start >= to) return;
      const a = Math.max(from, e.start) - e.start;
      const b = Math.min(to, e.start + entryLines(e)) - e.start;
      if (!isRun(e)) {
        for (let i = a; i < b; i++) yield { kind: 'line', line: e.lines[i]! };
        continue;
      }
      // a run cut by the range: the lines of members it cuts, and the whole members as a run
      const m = e.templates.length;
      const j0 = Math.ceil(a / m);
      const j1 = Math.floor(b / m);
      if (j1 <= j0) {
        for (let i = a; i < b; i++) yield { kind: 'line', line: templateLine(e.templates[i % m]!, Math.floor(i / m)) };
        continue;
      }
      for (let i = a; i < j0 * m; i++) yield { kind: 'line', line: templateLine(e.templates[i % m]!, Math.floor(i / m)) };
      const n = j1 - j0;
      const ts = j0 ? shiftTemplates(e.templates, j0) : e.templates;
      if (n >= RUN_MIN) yield { kind: 'run', count: n, templates: ts };
      else for (let j = 0; j < n; j++) for (const t of ts) yield { kind: 'line', line: templateLine(t, j) };
      for (let i = j1 * m; i < b; i++) yield { kind: 'line', line: templateLine(e.templates[i % m]!, Math.floor(i / m)) };
    }
  }

  /** the log as it stands: a report's dmesg, unchanged by what is printed later */
  view(from = 0, to = this.total): LogView {
    return new LogView(this, ...clampRange(this.total, from, to));
  }

  toJSON(): string[] {
    return this.slice();
  }

  /** the entry holding line `index` (0 <= index < length) */
  private find(index: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.entries[mid]!.start <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** lines [from, to) of a log store (which is only ever appended to) */
export class LogView implements DmesgLines {
  constructor(
    private readonly log: KernelLog,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get length(): number {
    return this.to - this.from;
  }

  at(index: number): string | undefined {
    if (index < 0) index += this.length;
    if (index < 0 || index >= this.length) return undefined;
    return this.log.at(this.from + index);
  }

  slice(start = 0, end = this.length): string[] {
    const [a, b] = clampRange(this.length, start, end);
    return [...this.log.lines(this.from + a, this.from + b)];
  }

  pieces(from = 0, to = this.length): Iterable<LogPiece> {
    const [a, b] = clampRange(this.length, from, to);
    return this.log.pieces(this.from + a, this.from + b);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.log.lines(this.from, this.to);
  }

  toJSON(): string[] {
    return this.slice();
  }
}

/** is this a log that is not a plain array (a store or a view), whose lines a writer streams */
export function isLogStore(v: unknown): v is KernelLog | LogView {
  return v instanceof KernelLog || v instanceof LogView;
}

/** Array.prototype.slice's reading of start and end */
function clampRange(length: number, start: number, end: number): [number, number] {
  const a = start < 0 ? Math.max(0, length + start) : Math.min(start, length);
  const b = end < 0 ? Math.max(0, length + end) : Math.min(end, length);
  return [a, Math.max(a, b)];
}

// ------------------------------------------------------------ patterns

/** a number in a line: 0x and lowercase hex digits, or decimal digits */
const NUMBER = /0x[0-9a-f]+|[0-9]+/g;

interface Tokens {
  /** text between the numbers (length numbers.length + 1) */
  text: string[];
  /** the numbers' digits (without 0x) */
  digits: string[];
  hex: boolean[];
}

function tokenize(line: string): Tokens {
  const text: string[] = [];
  const digits: string[] = [];
  const hex: boolean[] = [];
  let at = 0;
  NUMBER.lastIndex = 0;
  for (let m = NUMBER.exec(line); m; m = NUMBER.exec(line)) {
    const h = m[0].startsWith('0x');
    text.push(line.slice(at, m.index + (h ? 2 : 0)));
    digits.push(h ? m[0].slice(2) : m[0]);
    hex.push(h);
    at = m.index + m[0].length;
  }
  text.push(line.slice(at));
  return { text, digits, hex };
}

/**
 * The templates of a run whose members 0, 1 and count - 1 print these
 * lines, or null when they are not one pattern: the same text around the
 * numbers, and each number either the same in all three or advancing by the
 * same step from member to member (printed without leading zeros, as the
 * pattern would print it).
 */
function derive(m0: readonly string[], m1: readonly string[], ml: readonly string[], count: number): LineTemplate[] | null {
  if (m1.length !== m0.length || ml.length !== m0.length) return null;
  const out: LineTemplate[] = [];
  for (let i = 0; i < m0.length; i++) {
    const t = deriveLine(m0[i]!, m1[i]!, ml[i]!, count);
    if (!t) return null;
    out.push(t);
  }
  return out;
}

function deriveLine(l0: string, l1: string, ll: string, count: number): LineTemplate | null {
  if (l0 === l1 && l0 === ll) return { parts: [l0], fields: [] };
  const a = tokenize(l0);
  const b = tokenize(l1);
  const c = tokenize(ll);
  const n = a.digits.length;
  if (b.digits.length !== n || c.digits.length !== n) return null;
  const parts: string[] = [];
  const fields: LogField[] = [];
  let text = a.text[0]!;
  for (let i = 0; i <= n; i++) {
    if (a.text[i] !== b.text[i] || a.text[i] !== c.text[i]) return null;
    if (i === n) break;
    const da = a.digits[i]!;
    if (da === b.digits[i] && da === c.digits[i]) {
      text += da + a.text[i + 1]!;
      continue;
    }
    const h = a.hex[i]!;
    if (b.hex[i] !== h || c.hex[i] !== h) return null;
    const va = parseInt(da, h ? 16 : 10);
    const vb = parseInt(b.digits[i]!, h ? 16 : 10);
    const vc = parseInt(c.digits[i]!, h ? 16 : 10);
    const f: LogField = { base: va, step: vb - va, hex: h };
    if (!Number.isSafeInteger(va) || !Number.isSafeInteger(vb) || !Number.isSafeInteger(vc) || !Number.isSafeInteger(va + f.step * (count - 1))) return null;
    if (va + f.step * (count - 1) !== vc) return null;
    if (fieldText(f, 0) !== da || fieldText(f, 1) !== b.digits[i] || fieldText(f, count - 1) !== c.digits[i]) return null;
    parts.push(text);
    fields.push(f);
    text = a.text[i + 1]!;
  }
  parts.push(text);
  if (!fields.length) return null;
  return { parts, fields };
}

function sameLines(lines: readonly string[], ts: readonly LineTemplate[], j: number): boolean {
  return lines.length === ts.length && ts.every((t, i) => templateLine(t, j) === lines[i]);
}

/** does a run of these templates follow `last` member for member */
function continues(last: Run, ts: readonly LineTemplate[]): boolean {
  if (last.templates.length !== ts.length) return false;
  return ts.every((t, i) => {
    const u = last.templates[i]!;
    if (t.parts.length !== u.parts.length || t.parts.some((p, k) => p !== u.parts[k])) return false;
    return t.fields.every((f, k) => {
      const g = u.fields[k]!;
      return f.hex === g.hex && f.step === g.step && f.base === g.base + g.step * last.count;
    });
  });
}
