// Scenario loading, pass 1 (syntax) and source positions: the yaml package
// parses both YAML and JSON, so every value has a source range; JSON files are
// also checked as strict JSON (RFC 8259). SourceText turns JSON pointers into
// line and column. Used by load.ts.

import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { Diagnostic, ScenarioErrors } from '../errors';
import { type ExtentRun, linePosition, lineStartsOf, offsetInRun, originalOffset, parseCutting } from './fast_extents';
import { checkAliases } from './aliases';
import type { SourcePosition } from './load';

// ---------------------------------------------------------------------------
// Source text and positions

export type Where = 'value' | 'key';

export class SourceText {
  readonly lines: LineCounter;
  readonly doc: Document.Parsed;
  readonly isJson: boolean;
  /** long explicit extent lists read without the YAML parser (fast_extents.ts): node -> its run */
  private readonly runs: Map<unknown, ExtentRun> = new Map();
  private readonly cut: ExtentRun[] = [];
  private lineStarts: number[] | undefined;

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.isJson = /\.json$/i.test(file);
    if (this.isJson) {
      this.lines = new LineCounter();
      this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
      return;
    }
    ({ doc: this.doc, lines: this.lines, cut: this.cut, runs: this.runs } = parseCutting(text, { prettyErrors: false, uniqueKeys: true }));
  }

  position(offset: number): SourcePosition {
    if (this.cut.length) return this.originalPosition(originalOffset(this.cut, offset));
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  private originalPosition(offset: number): SourcePosition {
    this.lineStarts ??= lineStartsOf(this.text);
    return linePosition(this.lineStarts, offset);
  }

  /**
   * Where a pointer's problem should be shown. `value`: the value, or its key
   * when the value is empty (`spa:` with nothing after it); `key`: the key
   * (for an unknown field). A pointer that does not exist (a missing field)
   * lands on the nearest enclosing node that does.
   */
  locate(pointer: string, where: Where): SourcePosition {
    const found = this.walk(pointer);
    if (found.offset !== undefined) return this.originalPosition(found.offset);
    const node = chooseNode(found, where);
    const start = node?.range?.[0];
    return start === undefined ? { line: 0, column: 0 } : this.position(start);
  }

  private walk(pointer: string): WalkResult {
    let node: unknown = this.doc.contents;
    let key: YamlNode | undefined;
    const segments = pointerSegments(pointer);
    for (const [i, segment] of segments.entries()) {
      if (isAlias(node)) node = node.resolve(this.doc);
      const run = this.runs.get(node);
      if (run) return { node: node as YamlNode, key, exists: true, offset: offsetInRun(run, segments.slice(i)) };
      const next = childOf(node, segment);
      if (!next) return { node: node as YamlNode | undefined, key, exists: false };
      node = next.value;
      key = next.key;
    }
    return { node: node as YamlNode | undefined, key, exists: true };
  }
}

interface WalkResult {
  node: YamlNode | undefined;
  key: YamlNode | undefined;
  exists: boolean;
  /** inside an extent list read without the parser: the original offset the pointer names */
  offset?: number;
}

function chooseNode(found: WalkResult, where: Where): YamlNode | undefined {
  if (!found.exists) return found.node;
  if (where === 'key' && found.key) return found.key;
  const range = found.node?.range;
  const empty = !found.node || (range !== undefined && range !== null && range[0] === range[1]);
  return empty && found.key ? found.key : found.node;
}

function childOf(node: unknown, segment: string): { value: unknown; key: YamlNode | undefined } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => keyText(p.key) === segment);
    if (!pair) return undefined;
    return { value: pair.value ?? undefined, key: (pair.key as YamlNode | null) ?? undefined };
  }
  if (isSeq(node)) {
    const index = Number(segment);
    if (!Number.isInteger(index) || index < 0 || index >= node.items.length) return undefined;
    return { value: node.items[index], key: undefined };
  }
  return undefined;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointerJoin(pointer: string, segment: string | number): string {
  return `${pointer}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

// The last few texts parsed, so that positionOf() called once per semantic
// error does not re-parse the file each time.
const sourceCache: SourceText[] = [];

export function sourceFor(text: string, file: string): SourceText {
  const hit = sourceCache.find((s) => s.text === text && s.file === file);
  if (hit) return hit;
  const source = new SourceText(text, file);
  sourceCache.unshift(source);
  sourceCache.length = Math.min(sourceCache.length, 4);
  return source;
}

// ---------------------------------------------------------------------------
// Pass 1: syntax

export function syntaxDiagnostics(source: SourceText): Diagnostic[] {
  const out = source.doc.errors.map((err) => {
    const at = source.position(err.pos[0]);
    const kind = source.isJson ? 'JSON' : 'YAML';
    // the yaml package turns a stack overflow on very deep nesting into a parse error
    if (/Maximum call stack size exceeded/.test(err.message)) return syntaxDiagnostic(source.file, at, `${kind}: nested too deeply to parse (lists and mappings nested hundreds of levels deep); a scenario needs a few levels`);
    return syntaxDiagnostic(source.file, at, `${kind} syntax error: ${firstLine(err.message)}`);
  });
  if (out.length || !source.isJson) return out;
  const strict = strictJsonError(source);
  return strict ? [strict] : [];
}

/**
 * The document as plain data. An alias whose anchor is not set before it,
 * or aliases that expand past the limit, are refused at the alias, not
 * thrown as an internal error.
 */
export function aliasSafeToJS(source: SourceText): unknown {
  const bad = checkAliases(source.doc).map((r) => syntaxDiagnostic(source.file, source.position(r.offset), r.message));
  if (bad.length) throw new ScenarioErrors(bad);
  try {
    return source.doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    if (e instanceof ReferenceError || (e instanceof Error && /alias/i.test(e.message))) {
      throw new ScenarioErrors([syntaxDiagnostic(source.file, { line: 0, column: 0 }, `YAML aliases: ${firstLine(e.message)}`)]);
    }
    throw e;
  }
}

/** YAML accepts a superset of JSON; a .json file must be JSON. */
function strictJsonError(source: SourceText): Diagnostic | undefined {
  const problem = new JsonChecker(source.text).firstError();
  if (!problem) return undefined;
  return syntaxDiagnostic(source.file, source.position(problem.offset), `JSON syntax error: ${problem.message}`);
}

/**
 * A strict RFC 8259 recognizer that only finds where a text stops being
 * JSON. JSON.parse would do, but not every engine says where it failed.
 */
export class JsonChecker {
  private at = 0;

  constructor(private readonly text: string) {}

  firstError(): { offset: number; message: string } | undefined {
    try {
      this.value();
      this.space();
      if (this.at < this.text.length) this.fail('unexpected text after the end of the document');
      return undefined;
    } catch (e) {
      if (e instanceof JsonSyntaxError) return { offset: e.offset, message: e.message };
      throw e;
    }
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(this.at, message);
  }

  /** Consume a sticky regex's match at the current offset. */
  private match(re: RegExp): boolean {
    re.lastIndex = this.at;
    const m = re.exec(this.text);
    if (m) this.at += m[0].length;
    return m !== null;
  }

  private peek(): string | undefined {
    return this.text[this.at];
  }

  private space(): void {
    while (/[ \t\r\n]/.test(this.peek() ?? '')) this.at++;
  }

  private expect(ch: string, what: string): void {
    this.space();
    if (this.peek() !== ch) this.fail(`expected ${what}, found ${this.found()}`);
    this.at++;
  }

  private found(): string {
    const ch = this.peek();
    return ch === undefined ? 'the end of the file' : JSON.stringify(ch);
  }

  private value(): void {
    this.space();
    const ch = this.peek();
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return;
      }
    }
    this.fail(`expected a value, found ${this.found()}${ch === "'" ? ' (JSON strings use double quotes)' : ''}`);
  }

  private object(): void {
    this.at++;
    this.space();
    if (this.peek() === '}') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.peek() !== '"') this.fail(this.peek() === '}' ? 'trailing comma before }' : `expected a "quoted" field name, found ${this.found()}`);
      this.string();
      this.expect(':', '":" after the field name');
      this.value();
      this.space();
      if (this.peek() === ',') {
        this.at++;
        continue;
      }
      this.expect('}', '"," or "}"');
      return;
    }
  }

  private array(): void {
    this.at++;
    this.space();
    if (this.peek() === ']') {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.peek() === ']') this.fail('trailing comma before ]');
      this.value();
      this.space();
      if (this.peek() === ',') {
        this.at++;
        continue;
      }
      this.expect(']', '"," or "]"');
      return;
    }
  }

  private string(): void {
    if (!this.match(JSON_STRING)) this.fail('unterminated or malformed string');
  }

  private number(): void {
    if (!this.match(JSON_NUMBER)) this.fail('malformed number');
    if (/[0-9a-zA-Z_.]/.test(this.peek() ?? '')) this.fail(`malformed number (hex and units must be written as strings, like "0x1000" or "4KiB")`);
  }
}

const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function syntaxDiagnostic(file: string, at: SourcePosition, message: string): Diagnostic {
  return { file, line: at.line, column: at.column, path: '', field: '', value: undefined, message };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
