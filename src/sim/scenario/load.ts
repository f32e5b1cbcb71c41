// Scenario loader: text (*.poison.yaml / *.poison.json) -> validated,
// normalized Scenario (types.ts), or ScenarioErrors with one positioned
// Diagnostic per problem.
//
// Three passes, each collecting every problem it can before giving up:
//   1. syntax: the yaml package parses both YAML and JSON (so every value has
//      a source range); JSON files are also run through JSON.parse, because
//      YAML accepts things JSON does not (trailing commas, unquoted keys, 0x..).
//   2. shape: ajv against schema/scenario.schema.json, the same schema the
//      editor uses; ajv's raw errors are turned into one message per problem.
//   3. meaning: numbers parsed, defaults applied, and every check that needs
//      no simulation (cross references, overlaps, alignment, ordering).
// Pass 3 only runs on a document that passed pass 2, so it can trust types.
//
// No Node API is used here: the loader also runs in the browser.

import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import schema from '../../../schema/scenario.schema.json';
import { Diagnostic, InputError, ScenarioErrors, boundMessage, describeValue } from '../errors';
import {
  KiB,
  MiB,
  PAGE_SIZE,
  SECTOR_SIZE,
  alignUp,
  formatSize,
  hex,
  isAligned,
  isPowerOfTwo,
  parseDuration,
  parseSize,
} from '../units';
import type {
  CloneSpec,
  Design,
  DmSpec,
  DmTarget,
  EventKind,
  EventSpec,
  Expectation,
  VerdictExpect,
  ExtentSpec,
  FileSpec,
  FilesystemSpec,
  KernelConfig,
  MapFlags,
  MappingSpec,
  NamespaceMode,
  NamespaceSpec,
  ProcessSpec,
  Prot,
  RegionSpec,
  Scenario,
  SignalCode,
  Target,
  CxlPoisonSource,
  CxlSpec,
} from './types';
import { layoutCxl } from '../cxl/layout';
import { versionRefusals } from './versions';
import { kernelVersion } from '../version';
import { buildExtentList, type PlacedAt, type RawExtent } from './extents';
import { checkLimits } from './limits';
import { lineStartsOf, linePosition, offsetInRun, originalOffset, parseCutting, type ExtentRun } from './fast_extents';
import { checkAliases } from './aliases';
import { textProblems } from './text';
import { CXL_POISON_LEN_MULT } from '../cxl/interleave';

// ---------------------------------------------------------------------------
// Public API

export interface SourcePosition {
  /** 1-based; 0 when unknown */
  line: number;
  /** 1-based; 0 when unknown */
  column: number;
}

export interface LoadOptions {
  /**
   * Reads a file a scenario names (an extentsFile), given its path resolved
   * against the scenario's directory; throws when it cannot (too large, not
   * UTF-8, missing). Without it such a file is refused as unreadable here.
   */
  readFile?: (path: string) => string;
}

/** Parse, validate and normalize a scenario. Throws ScenarioErrors. */
export function loadScenario(text: string, file: string, options: LoadOptions = {}): Scenario {
  const source = sourceFor(text, file);
  const syntax = syntaxDiagnostics(source);
  if (syntax.length) throw new ScenarioErrors(syntax);

  const data = aliasSafeToJS(source);
  const problems = new Problems(source);
  if (data === null || data === undefined) {
    problems.add('', data, 'the file is empty (expected a scenario: a mapping with version, platform, events, ...)');
    throw new ScenarioErrors(problems.sorted());
  }
  for (const t of textProblems(data)) problems.add(t.pointer, t.value, t.message, t.where);
  if (!validator()(data)) {
    reportSchemaErrors(validator().errors ?? [], problems);
    throw new ScenarioErrors(problems.sorted());
  }
  checkLimits(data as RawScenario, problems);
  if (problems.count) throw new ScenarioErrors(problems.sorted());
  const scenario = new Normalizer(problems, file, options).scenario(data as RawScenario);
  // what the scenario's kernel.version does not have (issue 15)
  for (const r of versionRefusals(scenario, kernelVersion(scenario.kernel))) problems.add(r.path, r.value, r.message);
  if (problems.count) throw new ScenarioErrors(problems.sorted());
  return scenario;
}

/**
 * Line and column of the value a JSON pointer names (of its key when the
 * value is empty, of the nearest enclosing node when it does not exist).
 */
export function positionOf(scenarioText: string, file: string, pointer: string): SourcePosition {
  return sourceFor(scenarioText, file).locate(pointer, 'value');
}

/**
 * Where a text stops being strict JSON (RFC 8259): 1-based line and column
 * and what is wrong there; undefined when it is JSON.
 */
export function jsonSyntaxError(text: string): (SourcePosition & { message: string }) | undefined {
  const problem = new JsonChecker(text).firstError();
  if (!problem) return undefined;
  const before = text.slice(0, problem.offset);
  const line = before.split('\n').length;
  return { line, column: problem.offset - (before.lastIndexOf('\n') + 1) + 1, message: problem.message };
}

/** A Diagnostic for a semantic error the simulator found, placed in the scenario text. */
export function diagnosticFromInputError(text: string, file: string, err: InputError): Diagnostic {
  if (err.location) return { ...err.location, path: err.path, field: err.field, value: err.value, message: err.message };
  const at = err.path ? positionOf(text, file, err.path) : { line: 0, column: 0 };
  return { file, line: at.line, column: at.column, path: err.path, field: err.field, value: err.value, message: err.message };
}

// ---------------------------------------------------------------------------
// Source text and positions

type Where = 'value' | 'key';

class SourceText {
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

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function pointerJoin(pointer: string, segment: string | number): string {
  return `${pointer}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

// The last few texts parsed, so that positionOf() called once per semantic
// error does not re-parse the file each time.
const sourceCache: SourceText[] = [];

function sourceFor(text: string, file: string): SourceText {
  const hit = sourceCache.find((s) => s.text === text && s.file === file);
  if (hit) return hit;
  const source = new SourceText(text, file);
  sourceCache.unshift(source);
  sourceCache.length = Math.min(sourceCache.length, 4);
  return source;
}

// ---------------------------------------------------------------------------
// Pass 1: syntax

function syntaxDiagnostics(source: SourceText): Diagnostic[] {
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
function aliasSafeToJS(source: SourceText): unknown {
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
class JsonChecker {
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

// ---------------------------------------------------------------------------
// Problem collection

class Problems {
  private readonly list: Diagnostic[] = [];

  constructor(private readonly source: SourceText) {}

  get count(): number {
    return this.list.length;
  }

  /** `message` is the text after the field label ("events[2].spa: ..."). */
  add(pointer: string, value: unknown, message: string, where: Where = 'value'): void {
    const at = this.source.locate(pointer, where);
    const segments = pointerSegments(pointer);
    this.list.push({
      file: this.source.file,
      line: at.line,
      column: at.column,
      path: pointer,
      field: segments[segments.length - 1] ?? '',
      value,
      message: boundMessage(`${fieldLabel(pointer)}: ${message}`),
    });
  }

  /** A problem written in another file (a line of an extents file), under the scenario's pointer that names it. */
  addPlaced(at: PlacedAt, pointer: string, value: unknown, message: string): void {
    const segments = pointerSegments(pointer);
    this.list.push({ ...at, path: pointer, field: segments[segments.length - 1] ?? '', value, message: `${fieldLabel(pointer)}: ${message}` });
  }

  /** "<value> <what>": the common shape of a bad-value message. */
  bad(pointer: string, value: unknown, what: string): void {
    this.add(pointer, value, `${describeValue(value)} ${what}`);
  }

  sorted(): Diagnostic[] {
    const seen = new Set<string>();
    return this.list
      .filter((d) => {
        const key = `${d.path}\n${d.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .sort((a, b) => a.line - b.line || a.column - b.column);
  }
}

/** "/events/2/spa" -> "events[2].spa", as a reader of the file would name it. */
function fieldLabel(pointer: string): string {
  const segments = pointerSegments(pointer);
  if (!segments.length) return 'scenario';
  return segments.reduce((label, s) => (/^\d+$/.test(s) ? `${label}[${s}]` : label ? `${label}.${s}` : s), '');
}

// ---------------------------------------------------------------------------
// Pass 2: shape (ajv)

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // strictRequired is off because the "exactly one of" forms (targets,
  // file|device) are written as `required` alone in oneOf branches.
  compiled ??= new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false }).compile(schema);
  return compiled;
}

interface SchemaNode {
  properties?: Record<string, unknown>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  type?: string | string[];
  oneOf?: { $ref?: string }[];
}

const definitions = (schema as { definitions: Record<string, SchemaNode> }).definitions;

function reportSchemaErrors(errors: ErrorObject[], problems: Problems): void {
  for (const e of relevantErrors(errors)) explainSchemaError(e, problems);
}

/**
 * ajv reports a failed anyOf/oneOf together with every branch's own failure.
 * Only the anyOf/oneOf itself is worth showing (it says what was expected);
 * the schema keeps $refs out of those branches so their errors share its
 * schemaPath prefix. A discriminator error for a missing tag repeats the
 * `required` error beside it.
 */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const insideAlternative = (e: ErrorObject): boolean =>
    alternatives.some(
      (alt) =>
        alt !== e &&
        e.schemaPath.startsWith(`${alt.schemaPath}/`) &&
        (e.instancePath === alt.instancePath || e.instancePath.startsWith(`${alt.instancePath}/`)),
    );
  return errors.filter((e) => {
    if (insideAlternative(e)) return false;
    if (e.keyword === 'discriminator' && isRecord(e.data) && !(String(e.params.tag) in e.data)) return false;
    return true;
  });
}

// Schema definition objects by identity: ajv (verbose) hands back the very
// object an error's keyword sits in, while its schemaPath is relative to
// whichever $ref ajv chose to compile separately.
const definitionNames = new Map<unknown, string>(Object.entries(definitions).map(([name, def]) => [def, name]));

/** The definition an error's keyword belongs to ("size", "target", "event-set", ...). */
function definitionOf(e: ErrorObject): string | undefined {
  return definitionNames.get(e.parentSchema) ?? /^#\/definitions\/([^/]+)/.exec(e.schemaPath)?.[1];
}

function explainSchemaError(e: ErrorObject, problems: Problems): void {
  const at = e.instancePath;
  const value: unknown = e.data;
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  switch (e.keyword) {
    case 'anyOf':
    case 'oneOf':
      return explainAlternatives(e, problems);
    case 'required': {
      const missing = String(e.params.missingProperty);
      return problems.add(pointerJoin(at, missing), undefined, `missing${requiredContext(e, parent, missing)}`);
    }
    case 'additionalProperties': {
      const name = String(e.params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {}).filter((k) => k !== '$schema');
      const field = pointerJoin(at, name);
      const fieldValue = isRecord(value) ? value[name] : undefined;
      return problems.add(field, fieldValue, `unknown field "${name}"${kindContext(e)}${didYouMean(name, allowed)} (allowed: ${allowed.join(', ')})`, 'key');
    }
    case 'type':
      return problems.bad(at, value, `is not ${typeName(String(e.params.type))}${booleanHint(e, value)}`);
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      return problems.bad(at, value, `is not one of ${allowed.join(', ')}${didYouMean(String(value), allowed)}`);
    }
    case 'const':
      return problems.bad(at, value, `is not supported (expected ${describeValue(e.params.allowedValue)})`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return problems.bad(at, value, `is out of range (expected ${e.params.comparison} ${e.params.limit})`);
    case 'pattern':
      return problems.bad(at, value, patternExpectation(e));
    case 'minItems':
      return problems.bad(at, value, listSizeExpectation(at, Number(e.params.limit)));
    case 'maxItems':
    case 'additionalItems':
      return problems.bad(at, value, isRangePointer(at) ? 'is not a [sector, count] pair' : `has too many items (at most ${e.params.limit})`);
    case 'minProperties':
    case 'maxProperties':
      return problems.bad(at, value, propertyCountExpectation(e));
    case 'dependencies': {
      const property = String(e.params.property);
      return problems.add(pointerJoin(at, property), isRecord(value) ? value[property] : undefined, `needs "${e.params.missingProperty}" beside it`);
    }
    case 'discriminator':
      return explainDiscriminator(e, problems);
    default:
      return problems.bad(at, value, `is invalid: ${e.message ?? e.keyword}`);
  }
}

/** "... is required by do: inject-error (needs namespace, block, count)" */
function requiredContext(e: ErrorObject, parent: SchemaNode, missing: string): string {
  const required = (parent.required ?? []).filter((r) => r !== 'do' && r !== 'target');
  const kind = kindOf(e.data);
  if (kind) return ` (${kind} needs ${required.join(', ')})`;
  if (required.length > 1) return ` (required here: ${required.join(', ')})`;
  return ` (${missing} is required)`;
}

function kindContext(e: ErrorObject): string {
  const kind = kindOf(e.data);
  return kind ? ` for ${kind}` : '';
}

/** "do: load" or "target: striped", for messages inside a discriminated object. */
function kindOf(data: unknown): string | undefined {
  if (!isRecord(data)) return undefined;
  if (typeof data.do === 'string') return `do: ${data.do}`;
  if (typeof data.target === 'string') return `target: ${data.target}`;
  return undefined;
}

function typeName(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping of fields',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'a boolean (true or false)',
    null: 'null',
  };
  return type
    .split(',')
    .map((t) => names[t] ?? t)
    .join(' or ');
}

function booleanHint(e: ErrorObject, value: unknown): string {
  if (e.params.type !== 'boolean' || typeof value !== 'string') return '';
  return /^(yes|no|on|off|y|n)$/i.test(value) ? '; YAML 1.2 reads this as a string, write true or false' : '';
}

// What each value kind expects, in words. Keyed by schema definition name.
const VALUE_KINDS: Record<string, string> = {
  size: 'is not a size (expected a non-negative integer of bytes, a hex string like "0x1000", or an integer with a binary unit like "4KiB", "2MiB", "1GiB")',
  address: 'is not an address (expected an integer or a hex string like "0x240000000")',
  count: 'is not a non-negative integer (expected an integer or a hex string like "0x10")',
  byte: 'is not a byte value (expected 0 to 255, or a hex string like "0x61")',
  duration: 'is not a duration (expected an integer of nanoseconds or a number with a unit: "250ns", "250us", "1ms", "2s")',
  dataOffset: 'is not a data offset (expected "auto" or a size like "2MiB")',
};

const TARGET_FORMS: readonly (readonly string[])[] = [
  ['spa'],
  ['region', 'offset'],
  ['namespace', 'offset'],
  ['device', 'sector'],
  ['file', 'offset'],
  ['process', 'addr'],
];
const TARGET_FIELDS = [...new Set(TARGET_FORMS.flat())];

function explainAlternatives(e: ErrorObject, problems: Problems): void {
  const def = definitionOf(e);
  const at = e.instancePath;
  const value: unknown = e.data;
  const kindText = def ? VALUE_KINDS[def] : undefined;
  if (kindText) return problems.bad(at, value, `${kindText}${valueHint(def!, value)}`);
  const present = isRecord(value) ? Object.keys(value) : [];
  switch (def) {
    case 'target': {
      const found = present.filter((k) => TARGET_FIELDS.includes(k));
      const forms = TARGET_FORMS.map((f) => f.join(' + ')).join('; ');
      return problems.add(at, pick(value, found), `a target is exactly one of: ${forms} (found ${found.length ? found.join(', ') : 'none of these'})`);
    }
    case 'fileOrDevice': {
      const both = present.includes('file') && present.includes('device');
      return problems.add(at, pick(value, ['file', 'device']), `needs exactly one of file or device (found ${both ? 'both' : 'neither'})`);
    }
    case 'cxlMemdevOrRegion': {
      const both = present.includes('memdev') && present.includes('region');
      return problems.add(at, pick(value, ['memdev', 'region']), `needs exactly one of memdev or region (found ${both ? 'both' : 'neither'})`);
    }
    case 'event-set':
      return problems.add(at, value, 'set changes nothing (expected design, earlyKill, recovery, reporting, panicOnOops, or process + mceKill)');
    case 'resultExpectation':
      return problems.add(at, value, 'a result expectation needs errno, bytes, ret or stopped');
    default:
      return problems.bad(at, value, `matches none of the allowed forms`);
  }
}

/** A hint for the usual ways a size or duration is miswritten. */
function valueHint(kind: string, value: unknown): string {
  if (typeof value === 'number') {
    if (value < 0) return '; it must not be negative';
    if (!Number.isInteger(value)) return kind === 'duration' ? '; write fractions with a unit, like "1.5ms"' : '; it must be a whole number';
    return '';
  }
  if (typeof value !== 'string') return '';
  const s = value.trim();
  if (s.startsWith('-')) return '; it must not be negative';
  if (kind === 'duration') return /^\d+(\.\d+)?\s*[a-zµ]+$/i.test(s) ? '; units are ns, us, ms and s, with no space' : '';
  const decimalUnit = /^(\d+)\s*([kmgtp])i?b$/i.exec(s);
  if (decimalUnit && !/^\d+[KMGTP]iB$/.test(s)) return `; units are binary: write "${decimalUnit[1]}${decimalUnit[2]!.toUpperCase()}iB"`;
  if (/^\d*\.\d+/.test(s)) return '; fractions are not allowed, use a smaller unit';
  if (/^\d+\s+\S/.test(s)) return '; write the unit right after the number, with no space';
  return '';
}

function pick(value: unknown, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isRecord(value)) for (const k of keys) if (k in value) out[k] = value[k];
  return out;
}

function patternExpectation(e: ErrorObject): string {
  const def = definitionOf(e);
  const field = pointerSegments(e.instancePath).pop() ?? '';
  if (def === 'absPath') return 'is not an absolute path (expected a path starting with /)';
  if (def === 'id') return 'is not a valid id (expected letters, digits and _ . : + -, no spaces)';
  if (def === 'deviceName') return 'is not a device name (expected a name like pmem0, dax0.0 or dm-0)';
  if (def === 'deviceRef') return 'is not a device (expected a name like pmem0, dax0.0, dm-0, optionally after /dev/)';
  if (field === 'errno') return 'is not an errno name (expected a name like EIO or EHWPOISON)';
  if (field === 'symbol') return 'is not a kernel symbol name (expected a C identifier like memory_failure)';
  if (field === 'shutdown') return 'is not a shutdown state (expected none or a reason like SHUTDOWN_CORRUPT_ONDISK)';
  return `does not match the pattern ${String(e.params.pattern)}`;
}

function listSizeExpectation(pointer: string, limit: number): string {
  if (isRangePointer(pointer)) return 'is not a [sector, count] pair';
  return `has too few items (expected at least ${limit})`;
}

function isRangePointer(pointer: string): boolean {
  return /\/ranges\/\d+$/.test(pointer);
}

function propertyCountExpectation(e: ErrorObject): string {
  const field = pointerSegments(e.instancePath).pop() ?? '';
  if (field === 'dmesg') return 'needs contains or notContains';
  const kinds = Object.keys(definitions.expectation?.properties ?? {});
  const found = isRecord(e.data) ? Object.keys(e.data) : [];
  return `is not one expectation (expected exactly one of ${kinds.join(', ')}; found ${found.length ? found.join(', ') : 'none'})`;
}

function explainDiscriminator(e: ErrorObject, problems: Problems): void {
  const tagName = String(e.params.tag);
  const tag = isRecord(e.data) ? e.data[tagName] : undefined;
  const allowed = discriminatorValues(e.parentSchema as SchemaNode | undefined, tagName);
  const what = tagName === 'do' ? 'an event kind' : 'a dm target type';
  problems.bad(pointerJoin(e.instancePath, tagName), tag, `is not ${what} (expected one of ${allowed.join(', ')})${didYouMean(String(tag), allowed)}`);
}

/** The tag values of a discriminated oneOf, read from the schema so the list never drifts. */
function discriminatorValues(node: SchemaNode | undefined, tagName: string): string[] {
  return (node?.oneOf ?? []).map((branch) => {
    const name = branch.$ref?.replace('#/definitions/', '') ?? '';
    const tag = definitions[name]?.properties?.[tagName] as SchemaNode | undefined;
    return String(tag?.const ?? name);
  });
}

/** A close match among the allowed words, for typos like "namspace" or "earlykill". */
function didYouMean(word: string, allowed: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= limit && best !== word ? `; did you mean "${best}"?` : '';
}

/** Edit distance counting a swap of neighbours as one edit ("laod" -> "load"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------
// Pass 3: meaning. Raw shapes: what the schema guarantees, numbers unparsed.

type Num = number | string;

interface RawScenario {
  version: 1;
  name?: string;
  description?: string;
  seed?: number;
  kernel?: Partial<KernelConfig>;
  platform: { regions: RawRegion[]; namespaces?: RawNamespace[]; dm?: RawDm[]; cxl?: RawCxl };
  filesystems?: RawFilesystem[];
  files?: RawFile[];
  processes?: RawProcess[];
  events?: RawEvent[];
  expect?: RawExpectation[];
}

interface RawRegion {
  id: string;
  spa: Num;
  size: Num;
  ars?: boolean;
  clearUnit?: Num;
  errorGranularity?: Num;
}

/** extension (docs/cxl.md) */
interface RawCxl {
  memdevs?: { id: string; ram?: Num; pmem?: Num; host?: string }[];
  decoders?: { id: string; memdev: string; size: Num; skip?: Num; dpa?: Num }[];
  regions?: { id: string; mode?: 'ram' | 'pmem'; spa: Num; size: Num; ways?: Num; granularity?: Num; targets: string[] }[];
}

interface RawNamespace {
  id: string;
  region: string;
  offset?: Num;
  size?: Num;
  mode?: NamespaceMode;
  align?: Num;
  dataOffset?: Num;
  device?: string;
}

interface RawDmLine {
  start: Num;
  length: Num;
  target: 'linear' | 'striped';
  device?: string;
  offset?: Num;
  chunk?: Num;
  devices?: string[];
  offsets?: Num[];
}

interface RawDm {
  id: string;
  table: RawDmLine[];
}

interface RawFilesystem {
  device: string;
  type: 'xfs' | 'ext4';
  mount: string;
  dax?: 'always' | 'never';
  rmapbt?: boolean;
  reflink?: boolean;
  agcount?: Num;
  blockSize?: Num;
  log?: string;
}

interface RawFile {
  path: string;
  size?: Num;
  fill?: Num;
  reflink?: string;
  clone?: { from: string; srcOffset?: Num; dstOffset?: Num; length: Num }[];
  extents?: RawExtent[];
  extentsFile?: string;
  cached?: boolean;
}

interface RawMapping {
  id?: string;
  file?: string;
  device?: string;
  offset?: Num;
  length?: Num;
  addr?: Num;
  prot?: Prot;
  flags?: MapFlags;
  populate?: boolean;
}

interface RawProcess {
  pid: Num;
  comm?: string;
  mceKill?: 'default' | 'early' | 'late';
  sigbus?: 'handle' | 'default';
  mappings?: RawMapping[];
}

/** Every field any event kind may have; the schema has checked which go together. */
interface RawEvent extends RawMapping {
  do: EventKind;
  at?: Num;
  expect?: RawExpectation[];
  spa?: Num;
  region?: string;
  namespace?: string;
  process?: Num;
  sector?: Num;
  block?: Num;
  count?: Num;
  notify?: boolean;
  direct?: boolean;
  pfn?: Num;
  sync?: boolean;
  design?: Design;
  earlyKill?: boolean;
  recovery?: boolean;
  reporting?: KernelConfig['reporting'];
  panicOnOops?: boolean;
  mceKill?: 'default' | 'early' | 'late';
  memdev?: string;
  dpa?: Num;
}

interface RawExpectation {
  signal?: { pid: Num; signo?: 'SIGBUS' | 'SIGKILL'; code?: SignalCode; addr?: Num; lsb?: number };
  noSignal?: { pid: Num };
  result?: { event: string; errno?: string; bytes?: Num; ret?: number; stopped?: 'oops' | 'blocked' };
  badblocks?: { device: string; ranges: [Num, Num][] };
  dmesg?: { contains?: string; notContains?: string };
  fs?: { mount: string; shutdown: string };
  calls?: { symbol: string; count: Num };
  hwpoison?: { pfn: Num; set?: boolean };
  cxlPoison?: { memdev?: string; region?: string; dpa?: Num; hpa?: Num; length?: Num; source?: CxlPoisonSource; traceType?: 'List' | 'Inject' | 'Clear'; count?: Num };
  verdict?: { pid?: Num | null; mapping?: string; file?: string; device?: string; outcome?: VerdictExpect['outcome']; symbol?: string; reason?: string };
}

const KERNEL_DEFAULTS: KernelConfig = { design: 'upstream', earlyKill: false, recovery: true, reporting: 'native' };
const DEFAULT_AT_STEP = 1_000_000; // 1ms between events whose `at` is not given
const DEFAULT_ALIGN = 2 * MiB;
const INFO_BLOCK = 8 * KiB; // pfn info block area before the memmap
const MEMMAP_PER_PAGE = 64; // sizeof(struct page)
const MAX_PHYS = 2 ** 52; // x86-64 physical address space

/** What a device name stands for. */
interface DeviceInfo {
  name: string;
  kind: 'pmem' | 'dax' | 'dm';
  /** usable bytes: the data area of a namespace, the mapped length of a dm device */
  bytes: number;
  namespace?: NamespaceSpec;
  /** where it was defined */
  pointer: string;
}

interface FileInfo {
  spec: FileSpec;
  fs: FilesystemSpec | undefined;
}

/** "/dev/pmem0" and "/dev/mapper/dm-0" name the same devices as "pmem0" and "dm-0". */
function deviceName(ref: string): string {
  return ref.replace(/^\/dev\/(mapper\/)?/, '');
}

function describeList(items: Iterable<string>): string {
  const list = [...items];
  return list.length ? list.join(', ') : 'none';
}

/** Drop keys whose value is undefined, so normalized objects compare and print cleanly. */
function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined) delete obj[key];
  return obj;
}

class Normalizer {
  private readonly regions = new Map<string, { spec: RegionSpec; index: number }>();
  private readonly namespaces = new Map<string, NamespaceSpec>();
  private readonly devices = new Map<string, DeviceInfo>();
  /** underlying device -> the dm table line that claims it (a claimed device cannot carry a filesystem) */
  private readonly claimedBy = new Map<string, string>();
  private readonly filesystems: FilesystemSpec[] = [];
  private readonly files = new Map<string, FileInfo>();
  private readonly processes = new Map<number, ProcessSpec>();
  /** event id -> index of the first event with it */
  private readonly eventIds = new Map<string, number>();
  /** id of each event, by position */
  private eventIdList: string[] = [];

  constructor(
    private readonly problems: Problems,
    private readonly source: string,
    private readonly options: LoadOptions = {},
  ) {}

  scenario(raw: RawScenario): Scenario {
    const kernel: KernelConfig = { ...KERNEL_DEFAULTS, ...(raw.kernel ?? {}) };
    const regions = this.regionList(raw.platform.regions);
    const cxl = raw.platform.cxl ? this.cxlPlatform(raw.platform.cxl, regions) : undefined;
    if (!regions.length && !cxl?.memdevs.length) {
      this.problems.bad('/platform/regions', raw.platform.regions, 'has no region (expected at least one NFIT region, or CXL memdevs in platform.cxl)');
    }
    const namespaces = this.namespaceList(raw.platform.namespaces ?? []);
    const dm = (raw.platform.dm ?? []).map((d, i) => this.dmDevice(d, `/platform/dm/${i}`));
    const filesystems = this.filesystemList(raw.filesystems ?? []);
    const files = (raw.files ?? []).map((f, i) => this.file(f, `/files/${i}`));
    const processes = this.processList(raw.processes ?? []);
    this.eventIdList = this.assignEventIds(raw.events ?? []);
    const events = this.eventList(raw.events ?? []);
    const expect = (raw.expect ?? []).map((x, i) => this.expectation(x, `/expect/${i}`, undefined));
    return compact({
      version: 1 as const,
      name: raw.name ?? defaultName(this.source),
      description: raw.description,
      seed: raw.seed ?? 1,
      kernel,
      platform: cxl ? { regions, namespaces, dm, cxl } : { regions, namespaces, dm },
      filesystems,
      files,
      processes,
      events,
      expect,
      source: this.source,
    });
  }

  // ---- numbers ----

  private number(v: Num, pointer: string, parse: (v: unknown) => number | undefined): number {
    const n = parse(v);
    if (n !== undefined) return n;
    this.problems.bad(pointer, v, 'is too large (beyond 2^53, the largest integer kept exactly)');
    return 0;
  }

  private size(v: Num, pointer: string): number {
    return this.number(v, pointer, parseSize);
  }

  private optSize(v: Num | undefined, pointer: string): number | undefined {
    return v === undefined ? undefined : this.size(v, pointer);
  }

  private duration(v: Num, pointer: string): number {
    return this.number(v, pointer, parseDuration);
  }

  // ---- uniqueness ----

  /** Report every item whose key an earlier item already used. */
  private unique<T>(items: T[], key: (t: T) => string, pointer: (t: T, i: number) => string): void {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      const earlier = first.get(k);
      if (earlier === undefined) first.set(k, i);
      else this.problems.bad(pointer(item, i), k, `is already used by ${fieldLabel(pointer(items[earlier]!, earlier))}`);
    });
  }

  // ---- platform ----

  private regionList(raws: RawRegion[]): RegionSpec[] {
    const specs = raws.map((r, i) => this.region(r, `/platform/regions/${i}`));
    this.unique(specs, (r) => r.id, (_, i) => `/platform/regions/${i}/id`);
    specs.forEach((spec, index) => {
      if (!this.regions.has(spec.id)) this.regions.set(spec.id, { spec, index });
    });
    this.checkRegionOverlaps(specs);
    return specs;
  }

  private region(raw: RawRegion, path: string): RegionSpec {
    const spec: RegionSpec = {
      id: raw.id,
      spa: this.size(raw.spa, `${path}/spa`),
      size: this.size(raw.size, `${path}/size`),
      ars: raw.ars ?? true,
      clearUnit: this.optSize(raw.clearUnit, `${path}/clearUnit`) ?? 256,
      errorGranularity: this.optSize(raw.errorGranularity, `${path}/errorGranularity`) ?? 64,
      path,
    };
    this.pageAligned(raw.spa, spec.spa, `${path}/spa`);
    this.pageAligned(raw.size, spec.size, `${path}/size`);
    if (spec.size === 0) this.problems.bad(`${path}/size`, raw.size, 'is empty (a region needs at least one page)');
    if (spec.spa + spec.size > MAX_PHYS) this.problems.bad(`${path}/size`, raw.size, `runs past the 52-bit physical address space (region ends at ${hex(spec.spa + spec.size)})`);
    this.powerOfTwo(raw.clearUnit, spec.clearUnit, `${path}/clearUnit`);
    this.powerOfTwo(raw.errorGranularity, spec.errorGranularity, `${path}/errorGranularity`);
    return spec;
  }

  private checkRegionOverlaps(specs: RegionSpec[]): void {
    specs.forEach((r, i) => {
      const other = specs.slice(0, i).find((o) => r.spa < o.spa + o.size && o.spa < r.spa + r.size);
      if (other) this.problems.bad(`${r.path}/spa`, r.spa, `puts ${r.id} [${hex(r.spa)}, ${hex(r.spa + r.size)}) over ${other.id} [${hex(other.spa)}, ${hex(other.spa + other.size)})`);
    });
  }

  // ---- CXL (extension, docs/cxl.md) ----

  private cxlSpec: CxlSpec | undefined;

  /**
   * Memdevs, decoders and regions laid out as 6.12 would (cxl/layout.ts);
   * each pmem region also becomes an nd_region named after it, so that
   * namespaces can use it as their region.
   */
  private cxlPlatform(raw: RawCxl, nfit: RegionSpec[]): CxlSpec {
    const base = '/platform/cxl';
    const { spec, problems } = layoutCxl({
      memdevs: (raw.memdevs ?? []).map((m, i) => {
        const p = `${base}/memdevs/${i}`;
        return { id: m.id, ram: this.optSize(m.ram, `${p}/ram`) ?? 0, pmem: this.optSize(m.pmem, `${p}/pmem`) ?? 0, host: m.host, path: p, raw: { ram: m.ram, pmem: m.pmem } };
      }),
      decoders: (raw.decoders ?? []).map((d, i) => {
        const p = `${base}/decoders/${i}`;
        return { id: d.id, memdev: d.memdev, size: this.size(d.size, `${p}/size`), skip: this.optSize(d.skip, `${p}/skip`), dpa: this.optSize(d.dpa, `${p}/dpa`), path: p, raw: { size: d.size, skip: d.skip, dpa: d.dpa } };
      }),
      regions: (raw.regions ?? []).map((r, i) => {
        const p = `${base}/regions/${i}`;
        return {
          id: r.id,
          mode: r.mode ?? 'pmem',
          spa: this.size(r.spa, `${p}/spa`),
          size: this.size(r.size, `${p}/size`),
          ways: r.ways === undefined ? undefined : this.size(r.ways, `${p}/ways`),
          granularity: this.optSize(r.granularity, `${p}/granularity`) ?? 256,
          targets: r.targets,
          path: p,
          raw: { spa: r.spa, size: r.size, ways: r.ways, granularity: r.granularity },
        };
      }),
    });
    for (const x of problems) this.problems.bad(x.pointer, x.value, x.what);
    for (const r of spec.regions) {
      if (this.regions.has(r.id)) {
        this.problems.bad(`${r.path}/id`, r.id, `is already the id of ${fieldLabel(this.regions.get(r.id)!.spec.path)}; a pmem CXL region's nd_region is named after it`);
        continue;
      }
      const other = nfit.find((o) => r.spa < o.spa + o.size && o.spa < r.spa + r.size);
      if (other) this.problems.bad(`${r.path}/spa`, r.spa, `puts ${r.id} [${hex(r.spa)}, ${hex(r.spa + r.size)}) over ${other.id} [${hex(other.spa)}, ${hex(other.spa + other.size)})`);
      if (r.mode !== 'pmem') continue;
      const nd: RegionSpec = { id: r.id, spa: r.spa, size: r.size, ars: false, clearUnit: 0, errorGranularity: CXL_POISON_LEN_MULT, path: r.path };
      this.regions.set(r.id, { spec: nd, index: this.regions.size });
    }
    this.cxlSpec = spec;
    return spec;
  }

  /** cxl-inject-poison / cxl-clear-poison: a memdev and a 64-byte aligned DPA inside it (cxl_validate_poison_dpa) */
  private cxlPoisonEvent(raw: RawEvent, path: string): { memdev: string; dpa: number } {
    const dpa = this.size(raw.dpa!, `${path}/dpa`);
    const md = this.requireCxlMemdev(raw.memdev!, `${path}/memdev`);
    if (md) {
      const total = md.ram + md.pmem;
      if (dpa >= total) this.problems.bad(`${path}/dpa`, raw.dpa, `is outside ${md.id} (DPA [0x0, ${hex(total)})); cxl_validate_poison_dpa refuses it with EINVAL`);
      else if (dpa % CXL_POISON_LEN_MULT) this.problems.bad(`${path}/dpa`, raw.dpa, 'is not 64-byte aligned; cxl_validate_poison_dpa refuses it with EINVAL');
    }
    return { memdev: raw.memdev!, dpa };
  }

  private requireCxlMemdev(id: string, pointer: string): CxlSpec['memdevs'][number] | undefined {
    const md = this.cxlSpec?.memdevs.find((m) => m.id === id);
    if (!md) this.problems.bad(pointer, id, `is not a CXL memdev (memdevs: ${describeList((this.cxlSpec?.memdevs ?? []).map((m) => m.id))})`);
    return md;
  }

  private cxlPoisonListEvent(raw: RawEvent, path: string): { memdev?: string; region?: string } {
    if (raw.memdev !== undefined) {
      this.requireCxlMemdev(raw.memdev, `${path}/memdev`);
      return { memdev: raw.memdev };
    }
    if (!this.cxlSpec?.regions.some((r) => r.id === raw.region)) {
      this.problems.bad(`${path}/region`, raw.region, `is not a CXL region (CXL regions: ${describeList((this.cxlSpec?.regions ?? []).map((r) => r.id))})`);
    }
    return { region: raw.region! };
  }

  private pageAligned(raw: Num | undefined, v: number, pointer: string): void {
    if (raw !== undefined && !isAligned(v, PAGE_SIZE)) this.problems.bad(pointer, raw, 'is not a multiple of 4KiB (PAGE_SIZE)');
  }

  private powerOfTwo(raw: Num | undefined, v: number, pointer: string): void {
    if (raw !== undefined && !isPowerOfTwo(v)) this.problems.bad(pointer, raw, 'is not a power of two');
  }

  private namespaceList(raws: RawNamespace[]): NamespaceSpec[] {
    const packedEnd = new Map<string, number>();
    const specs = raws.map((raw, i) => this.namespace(raw, `/platform/namespaces/${i}`, packedEnd));
    this.unique(specs, (n) => n.id, (_, i) => `/platform/namespaces/${i}/id`);
    this.checkNamespaceOverlaps(specs);
    this.assignDeviceNames(raws, specs);
    specs.forEach((spec) => {
      if (!this.namespaces.has(spec.id)) this.namespaces.set(spec.id, spec);
      this.registerDevice({
        name: spec.device,
        kind: spec.mode === 'devdax' ? 'dax' : 'pmem',
        bytes: Math.max(0, spec.size - spec.dataOffset),
        namespace: spec,
        pointer: `${spec.path}/device`,
      });
    });
    return specs;
  }

  private namespace(raw: RawNamespace, path: string, packedEnd: Map<string, number>): NamespaceSpec {
    const region = this.regions.get(raw.region)?.spec;
    if (!region) this.problems.bad(`${path}/region`, raw.region, `is not a region (regions: ${describeList(this.regions.keys())})`);
    const regionSize = region?.size ?? 0;
    const offset = this.optSize(raw.offset, `${path}/offset`) ?? packedEnd.get(raw.region) ?? 0;
    let size = this.optSize(raw.size, `${path}/size`);
    if (size === undefined) {
      size = Math.max(0, regionSize - offset);
      if (region && size === 0) this.problems.add(`${path}/size`, undefined, `missing, and ${region.id} has no room left after offset ${hex(offset)}`);
    }
    packedEnd.set(raw.region, Math.max(packedEnd.get(raw.region) ?? 0, offset + size));
    const mode = raw.mode ?? 'fsdax';
    const align = this.optSize(raw.align, `${path}/align`) ?? DEFAULT_ALIGN;
    const spec: NamespaceSpec = {
      id: raw.id,
      region: raw.region,
      offset,
      size,
      mode,
      align,
      dataOffset: this.dataOffset(raw, mode, size, align, path),
      device: raw.device ?? '',
      path,
    };
    this.checkNamespaceGeometry(raw, spec, region);
    return spec;
  }

  /** auto: the pfn info block (8KiB) plus 64 bytes of struct page per 4KiB page, rounded up to align. */
  private dataOffset(raw: RawNamespace, mode: NamespaceMode, size: number, align: number, path: string): number {
    if (raw.dataOffset === undefined || raw.dataOffset === 'auto') {
      return mode === 'raw' ? 0 : autoDataOffset(size, align);
    }
    return this.size(raw.dataOffset, `${path}/dataOffset`);
  }

  private checkNamespaceGeometry(raw: RawNamespace, ns: NamespaceSpec, region: RegionSpec | undefined): void {
    const p = ns.path;
    this.pageAligned(raw.offset, ns.offset, `${p}/offset`);
    this.pageAligned(raw.size, ns.size, `${p}/size`);
    if (raw.size !== undefined && ns.size === 0) this.problems.bad(`${p}/size`, raw.size, 'is empty');
    if (raw.align !== undefined && (!isPowerOfTwo(ns.align) || ns.align < PAGE_SIZE)) {
      this.problems.bad(`${p}/align`, raw.align, 'is not a power of two of at least 4KiB (namespaces align to 4KiB, 2MiB or 1GiB)');
    }
    if (region && ns.offset + ns.size > region.size) {
      const where = raw.size !== undefined ? `${p}/size` : `${p}/offset`;
      this.problems.bad(where, raw.size ?? raw.offset, `runs past the end of ${region.id}: ${ns.id} ends at offset ${hex(ns.offset + ns.size)}, the region is ${formatSize(region.size)} (${hex(region.size)})`);
    }
    this.checkDataOffset(raw, ns);
  }

  private checkDataOffset(raw: RawNamespace, ns: NamespaceSpec): void {
    const pointer = `${ns.path}/dataOffset`;
    const shown = raw.dataOffset ?? 'auto';
    if (ns.mode === 'raw') {
      if (ns.dataOffset !== 0) this.problems.bad(pointer, shown, 'must be 0 or auto for a raw namespace (it has no info block or memmap)');
      return;
    }
    if (raw.dataOffset !== undefined && raw.dataOffset !== 'auto' && !isAligned(ns.dataOffset, ns.align)) {
      this.problems.bad(pointer, shown, `is not a multiple of the namespace align (${formatSize(ns.align)})`);
    }
    if (ns.size > 0 && ns.dataOffset >= ns.size) {
      this.problems.bad(pointer, shown, `leaves no data area: ${hex(ns.dataOffset)} bytes of info block and memmap in a ${formatSize(ns.size)} namespace`);
    }
  }

  private checkNamespaceOverlaps(specs: NamespaceSpec[]): void {
    specs.forEach((ns, i) => {
      const other = specs
        .slice(0, i)
        .find((o) => o.region === ns.region && ns.size > 0 && o.size > 0 && ns.offset < o.offset + o.size && o.offset < ns.offset + ns.size);
      if (other) {
        this.problems.bad(`${ns.path}/offset`, ns.offset, `puts ${ns.id} [${hex(ns.offset)}, ${hex(ns.offset + ns.size)}) over ${other.id} [${hex(other.offset)}, ${hex(other.offset + other.size)}) in ${ns.region}`);
      }
    });
  }

  /**
   * pmem0, pmem1, ... for fsdax/raw in listed order and dax<region index>.<n>
   * for devdax; a name written explicitly elsewhere is skipped, not reused.
   */
  private assignDeviceNames(raws: RawNamespace[], specs: NamespaceSpec[]): void {
    const taken = new Set(raws.flatMap((r) => (r.device ? [r.device] : [])));
    let pmem = 0;
    const daxPerRegion = new Map<string, number>();
    const next = (make: () => string): string => {
      let name = make();
      while (taken.has(name)) name = make();
      taken.add(name);
      return name;
    };
    specs.forEach((spec, i) => {
      if (raws[i]!.device) return;
      if (spec.mode === 'devdax') {
        const regionIndex = this.regions.get(spec.region)?.index ?? 0;
        spec.device = next(() => {
          const n = daxPerRegion.get(spec.region) ?? 0;
          daxPerRegion.set(spec.region, n + 1);
          return `dax${regionIndex}.${n}`;
        });
      } else {
        spec.device = next(() => `pmem${pmem++}`);
      }
    });
  }

  private registerDevice(info: DeviceInfo): void {
    const earlier = this.devices.get(info.name);
    if (earlier) {
      this.problems.bad(info.pointer, info.name, `is already the name of the device defined at ${fieldLabel(earlier.pointer)}`);
      return;
    }
    if (this.regions.has(info.name)) this.problems.bad(info.pointer, info.name, 'is also a region id (badblocks expectations could not tell them apart)');
    this.devices.set(info.name, info);
  }

  // ---- device-mapper ----

  private dmDevice(raw: RawDm, path: string): DmSpec {
    let end = 0;
    const table = raw.table.map((line, j) => {
      const target = this.dmLine(line, `${path}/table/${j}`, raw.id);
      end = this.checkDmContiguous(line, target, end, `${path}/table/${j}`);
      return target;
    });
    this.registerDevice({ name: raw.id, kind: 'dm', bytes: end * SECTOR_SIZE, pointer: `${path}/id` });
    return { id: raw.id, table, path };
  }

  /** dm requires the table's lines in order, the first at 0, each starting where the previous ended. */
  private checkDmContiguous(raw: RawDmLine, line: DmTarget, expected: number, path: string): number {
    if (line.start > expected) {
      this.problems.bad(`${path}/start`, raw.start, `leaves a gap: sectors ${expected} to ${line.start - 1} are not mapped (expected start ${expected})`);
    } else if (line.start < expected) {
      this.problems.bad(`${path}/start`, raw.start, `overlaps the previous line, which maps up to sector ${expected - 1} (expected start ${expected})`);
    }
    if (line.length === 0) this.problems.bad(`${path}/length`, raw.length, 'is empty (a table line maps at least one sector)');
    return Math.max(expected, line.start + line.length);
  }

  private dmLine(raw: RawDmLine, path: string, dmId: string): DmTarget {
    const start = this.size(raw.start, `${path}/start`);
    const length = this.size(raw.length, `${path}/length`);
    if (raw.target === 'linear') {
      const device = deviceName(raw.device!);
      const offset = this.optSize(raw.offset, `${path}/offset`) ?? 0;
      this.dmUnderlying(raw.device!, device, offset, length, `${path}/device`, dmId);
      return { start, length, target: 'linear', device, offset, path };
    }
    const devices = raw.devices!.map(deviceName);
    const chunk = this.size(raw.chunk!, `${path}/chunk`);
    const offsets = raw.offsets ? raw.offsets.map((o, k) => this.size(o, `${path}/offsets/${k}`)) : devices.map(() => 0);
    this.checkStripe(raw, chunk, length, devices, path);
    const perDevice = devices.length ? Math.floor(length / devices.length) : 0;
    devices.forEach((d, k) => this.dmUnderlying(raw.devices![k]!, d, offsets[k] ?? 0, perDevice, `${path}/devices/${k}`, dmId));
    return { start, length, target: 'striped', chunk, devices, offsets, path };
  }

  /** dm-stripe's own constructor checks (stripe_ctr), plus page-sized chunks for DAX. */
  private checkStripe(raw: RawDmLine, chunk: number, length: number, devices: string[], path: string): void {
    if (chunk === 0 || chunk % (PAGE_SIZE / SECTOR_SIZE) !== 0) {
      this.problems.bad(`${path}/chunk`, raw.chunk, 'is not a positive multiple of 8 sectors (chunks must be whole 4KiB pages for DAX)');
    }
    if (raw.offsets && raw.offsets.length !== devices.length) {
      this.problems.bad(`${path}/offsets`, raw.offsets, `has ${raw.offsets.length} entries for ${devices.length} devices (expected one offset per device)`);
    }
    if (length % devices.length !== 0) {
      this.problems.bad(`${path}/length`, raw.length, `is not divisible by the number of stripes (${devices.length})`);
    } else if (chunk > 0 && (length / devices.length) % chunk !== 0) {
      this.problems.bad(`${path}/length`, raw.length, `is not a whole number of chunks per device (${devices.length} devices x chunk ${chunk})`);
    }
  }

  /** An underlying device must be an earlier block device with room for the mapped sectors. */
  private dmUnderlying(written: string, name: string, offset: number, sectors: number, pointer: string, dmId: string): void {
    const info = this.devices.get(name);
    if (!info) {
      const hint = name === dmId ? ' (a dm device cannot map itself)' : '';
      this.problems.bad(pointer, written, `is not a block device listed before ${dmId}${hint} (block devices: ${describeList(this.blockDevices())})`);
      return;
    }
    if (info.kind === 'dax') {
      this.problems.bad(pointer, written, 'is a device-dax character device; device-mapper needs a block device (an fsdax or raw namespace, or a dm device)');
      return;
    }
    const available = Math.floor(info.bytes / SECTOR_SIZE);
    if (offset + sectors > available) {
      this.problems.bad(pointer, written, `has ${available} sectors, but this line maps sectors ${offset} to ${offset + sectors - 1} of it`);
    }
    if (!this.claimedBy.has(name)) this.claimedBy.set(name, pointer);
  }

  private blockDevices(): string[] {
    return [...this.devices.values()].filter((d) => d.kind !== 'dax').map((d) => d.name);
  }

  // ---- filesystems ----

  private filesystemList(raws: RawFilesystem[]): FilesystemSpec[] {
    const specs = raws.map((raw, i) => this.filesystem(raw, `/filesystems/${i}`));
    this.unique(specs, (f) => f.device, (_, i) => `/filesystems/${i}/device`);
    this.unique(specs, (f) => f.mount, (_, i) => `/filesystems/${i}/mount`);
    specs.forEach((fs, i) => this.checkExternalLog(raws[i]!, fs, specs));
    this.filesystems.push(...specs);
    return specs;
  }

  private filesystem(raw: RawFilesystem, path: string): FilesystemSpec {
    const device = deviceName(raw.device);
    this.checkFilesystemDevice(raw.device, device, `${path}/device`);
    const xfs = raw.type === 'xfs';
    const spec: FilesystemSpec = {
      device,
      type: raw.type,
      mount: raw.mount,
      dax: raw.dax ?? 'always',
      // ext4 has neither btree; the defaults of the format are XFS's.
      rmapbt: raw.rmapbt ?? xfs,
      reflink: raw.reflink ?? xfs,
      agcount: this.optSize(raw.agcount, `${path}/agcount`) ?? 4,
      blockSize: this.optSize(raw.blockSize, `${path}/blockSize`) ?? 4 * KiB,
      log: raw.log === undefined || raw.log === 'internal' ? 'internal' : deviceName(raw.log),
      path,
    };
    this.checkFilesystemOptions(raw, spec);
    return spec;
  }

  private checkFilesystemDevice(written: string, device: string, pointer: string): void {
    const info = this.devices.get(device);
    if (!info) {
      this.problems.bad(pointer, written, `is not a block device (block devices: ${describeList(this.blockDevices())})`);
    } else if (info.kind === 'dax') {
      this.problems.bad(pointer, written, 'is a device-dax character device; a filesystem needs a block device (an fsdax or raw namespace, or a dm device)');
    } else if (this.claimedBy.has(device)) {
      this.problems.bad(pointer, written, `is held by device-mapper (${fieldLabel(this.claimedBy.get(device)!)}); mkfs would get EBUSY`);
    }
  }

  private checkFilesystemOptions(raw: RawFilesystem, fs: FilesystemSpec): void {
    const p = fs.path;
    if (fs.type === 'ext4') {
      for (const field of ['rmapbt', 'reflink'] as const) {
        if (raw[field] === true) this.problems.bad(`${p}/${field}`, true, `is not available on ext4 (${field} is an XFS feature)`);
      }
      if (raw.agcount !== undefined) this.problems.bad(`${p}/agcount`, raw.agcount, 'is an XFS option; ext4 has block groups, not allocation groups');
    }
    if (raw.agcount !== undefined && fs.agcount === 0) this.problems.bad(`${p}/agcount`, raw.agcount, 'is not at least 1');
    const minBlock = fs.type === 'ext4' ? KiB : 512;
    if (raw.blockSize !== undefined && (!isPowerOfTwo(fs.blockSize) || fs.blockSize < minBlock || fs.blockSize > 64 * KiB)) {
      this.problems.bad(`${p}/blockSize`, raw.blockSize, `is not a power of two from ${formatSize(minBlock)} to 64KiB (${fs.type} block sizes)`);
    }
  }

  private checkExternalLog(raw: RawFilesystem, fs: FilesystemSpec, all: FilesystemSpec[]): void {
    if (fs.log === 'internal') return;
    const pointer = `${fs.path}/log`;
    const info = this.devices.get(fs.log);
    if (!info || info.kind === 'dax') {
      this.problems.bad(pointer, raw.log, `is not "internal" or a block device (block devices: ${describeList(this.blockDevices())})`);
    } else if (this.claimedBy.has(fs.log)) {
      this.problems.bad(pointer, raw.log, `is held by device-mapper (${fieldLabel(this.claimedBy.get(fs.log)!)}); mkfs would get EBUSY`);
    } else if (fs.log === fs.device) {
      this.problems.bad(pointer, raw.log, 'is the filesystem\'s own device; write "internal" for an internal log');
    } else {
      const user = all.find((o) => o !== fs && (o.device === fs.log || o.log === fs.log));
      if (user) this.problems.bad(pointer, raw.log, `is already used by the filesystem at ${user.mount}`);
    }
  }

  // ---- files ----

  private file(raw: RawFile, pathPtr: string): FileSpec {
    const fs = this.filesystemOf(raw.path, pathPtr);
    const source = raw.reflink === undefined ? undefined : this.cloneSource(raw.reflink, `${pathPtr}/reflink`, fs, raw.path);
    const size = this.fileSize(raw, source, pathPtr);
    const spec: FileSpec = compact({
      path: raw.path,
      size,
      fill: this.optSize(raw.fill, `${pathPtr}/fill`) ?? 0,
      reflink: raw.reflink,
      clone: (raw.clone ?? []).map((c, k) => this.cloneRange(c, `${pathPtr}/clone/${k}`, fs, raw.path, size)),
      cached: raw.cached ?? true,
      pathPtr,
    });
    if (raw.extents || raw.extentsFile !== undefined) Object.assign(spec, this.extents(raw, size, fs, pathPtr));
    if (this.files.has(raw.path)) {
      this.problems.bad(`${pathPtr}/path`, raw.path, `is already listed at ${fieldLabel(this.files.get(raw.path)!.spec.pathPtr)}`);
    } else {
      this.files.set(raw.path, { spec, fs });
    }
    return spec;
  }

  /** The filesystem whose mount point is the longest prefix of the path. */
  private filesystemOf(path: string, pathPtr: string): FilesystemSpec | undefined {
    const under = (mount: string): boolean => (mount === '/' ? path !== '/' : path.startsWith(`${mount}/`));
    const fs = this.filesystems.filter((f) => under(f.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
    if (!fs) this.problems.bad(`${pathPtr}/path`, path, `is not under any mount point (mounts: ${describeList(this.filesystems.map((f) => f.mount))})`);
    return fs;
  }

  private fileSize(raw: RawFile, source: FileInfo | undefined, pathPtr: string): number {
    if (raw.reflink !== undefined) {
      if (raw.size !== undefined) this.problems.bad(`${pathPtr}/size`, raw.size, 'cannot be given with reflink (a whole-file clone has its source\'s size)');
      return source?.spec.size ?? 0;
    }
    if (raw.size === undefined) {
      this.problems.add(`${pathPtr}/size`, undefined, 'missing (a file needs a size, or reflink to clone one)');
      return 0;
    }
    return this.size(raw.size, `${pathPtr}/size`);
  }

  /** A clone source: a file listed earlier, on the same filesystem, which must do reflink. */
  private cloneSource(from: string, pointer: string, fs: FilesystemSpec | undefined, self: string): FileInfo | undefined {
    const source = this.files.get(from);
    if (!source) {
      const why = from === self ? 'a file cannot clone itself' : 'a clone source must be listed before the file that clones it';
      this.problems.bad(pointer, from, `is not a file listed before this one (${why})`);
      return undefined;
    }
    if (fs && source.fs && source.fs !== fs) {
      this.problems.bad(pointer, from, `is on the filesystem at ${source.fs.mount}, this file on ${fs.mount}; reflink cannot cross filesystems (EXDEV)`);
    } else if (fs && !fs.reflink) {
      const why = fs.type === 'ext4' ? 'ext4 has no reflink' : 'it was made with reflink: false';
      this.problems.bad(pointer, from, `cannot be cloned: the filesystem at ${fs.mount} does not share extents (${why}); FICLONE would fail with EOPNOTSUPP`);
    }
    return source;
  }

  private cloneRange(raw: NonNullable<RawFile['clone']>[number], path: string, fs: FilesystemSpec | undefined, self: string, size: number): CloneSpec {
    const source = this.cloneSource(raw.from, `${path}/from`, fs, self);
    const spec: CloneSpec = {
      from: raw.from,
      srcOffset: this.optSize(raw.srcOffset, `${path}/srcOffset`) ?? 0,
      dstOffset: this.optSize(raw.dstOffset, `${path}/dstOffset`) ?? 0,
      length: this.size(raw.length, `${path}/length`),
    };
    if (spec.length === 0) this.problems.bad(`${path}/length`, raw.length, 'is empty');
    const block = fs?.blockSize ?? PAGE_SIZE;
    if (raw.srcOffset !== undefined && !isAligned(spec.srcOffset, block)) this.problems.bad(`${path}/srcOffset`, raw.srcOffset, `is not a multiple of the filesystem block size (${formatSize(block)})`);
    if (raw.dstOffset !== undefined && !isAligned(spec.dstOffset, block)) this.problems.bad(`${path}/dstOffset`, raw.dstOffset, `is not a multiple of the filesystem block size (${formatSize(block)})`);
    const srcSize = source?.spec.size;
    if (srcSize !== undefined && spec.srcOffset + spec.length > srcSize) {
      this.problems.bad(`${path}/length`, raw.length, `runs past the end of ${raw.from} (${formatSize(srcSize)} bytes from offset ${hex(spec.srcOffset)})`);
    } else if (!isAligned(spec.length, block) && spec.srcOffset + spec.length !== srcSize) {
      this.problems.bad(`${path}/length`, raw.length, `is not a multiple of the filesystem block size (${formatSize(block)}) and does not reach the end of the source`);
    }
    if (spec.dstOffset + spec.length > size) {
      this.problems.bad(`${path}/dstOffset`, raw.dstOffset ?? 0, `puts the clone past the end of ${self} (${formatSize(size)})`);
    }
    return spec;
  }

  /** Explicit extents: the list (with its patterns) or the extents file, expanded and checked (extents.ts). */
  private readonly extentBudget = { used: 0 };

  private extents(raw: RawFile, size: number, fs: FilesystemSpec | undefined, pathPtr: string): { extents: ExtentSpec[]; extentOrigins?: FileSpec['extentOrigins'] } {
    const field = raw.extents ? 'extents' : 'extentsFile';
    if (raw.reflink !== undefined) this.problems.bad(`${pathPtr}/${field}`, raw[field], 'cannot be given with reflink (a whole-file clone shares its source\'s blocks)');
    const block = fs?.blockSize ?? PAGE_SIZE;
    const list = buildExtentList(
      { pathPtr, extents: raw.extents, extentsFile: raw.extentsFile, fileBlocks: Math.ceil(size / block), blockLabel: formatSize(block) },
      { problems: this.problems, scenarioFile: this.source, readFile: this.options.readFile, budget: this.extentBudget },
    );
    return list.origins ? { extents: list.extents, extentOrigins: list.origins } : { extents: list.extents };
  }

  // ---- processes and mappings ----

  private processList(raws: RawProcess[]): ProcessSpec[] {
    const specs = raws.map((raw, i) => this.process(raw, `/processes/${i}`));
    this.unique(specs, (p) => String(p.pid), (_, i) => `/processes/${i}/pid`);
    specs.forEach((p) => {
      if (!this.processes.has(p.pid)) this.processes.set(p.pid, p);
    });
    return specs;
  }

  private process(raw: RawProcess, path: string): ProcessSpec {
    const pid = this.size(raw.pid, `${path}/pid`);
    if (pid === 0) this.problems.bad(`${path}/pid`, raw.pid, 'is not a user process id (expected 1 or more)');
    const mappings = (raw.mappings ?? []).map((m, k) => this.mapping(m, `${path}/mappings/${k}`, `m${k}`, true));
    this.unique(mappings, (m) => m.id, (_, k) => `${path}/mappings/${k}/id`);
    this.checkMappingOverlaps(mappings);
    return {
      pid,
      comm: raw.comm ?? `proc${pid}`,
      mceKill: raw.mceKill ?? 'default',
      sigbus: raw.sigbus ?? 'handle',
      mappings,
      path,
    };
  }

  /**
   * `atStart`: the mapping exists before the run, so whatever mmap() would
   * refuse is a scenario error; an mmap event's arguments are left to the
   * simulator, which answers them with an errno as the kernel would.
   */
  private mapping(raw: RawMapping, path: string, defaultId: string, atStart: boolean): MappingSpec {
    const target = this.mappedObject(raw, path);
    const offset = this.optSize(raw.offset, `${path}/offset`) ?? 0;
    const spec: MappingSpec = compact({
      id: raw.id ?? defaultId,
      file: raw.file,
      device: raw.device === undefined ? undefined : deviceName(raw.device),
      offset,
      length: this.mappingLength(raw, offset, target?.bytes, path),
      addr: raw.addr === undefined ? undefined : this.size(raw.addr, `${path}/addr`),
      prot: raw.prot ?? 'rw',
      flags: raw.flags ?? 'shared',
      populate: raw.populate ?? false,
      path,
    });
    if (atStart) this.checkMappingArguments(raw, spec, target?.namespace);
    return spec;
  }

  /** The file or device a mapping (or read/write) names, with its size. */
  private mappedObject(raw: { file?: string; device?: string }, path: string): { bytes: number; namespace?: NamespaceSpec } | undefined {
    if (raw.file !== undefined) {
      const file = this.requireFile(raw.file, `${path}/file`);
      return file && { bytes: file.spec.size };
    }
    if (raw.device !== undefined) {
      const device = this.requireDevice(raw.device, `${path}/device`);
      return device && { bytes: device.bytes, namespace: device.kind === 'dax' ? device.namespace : undefined };
    }
    return undefined;
  }

  private mappingLength(raw: RawMapping, offset: number, available: number | undefined, path: string): number {
    if (raw.length !== undefined) {
      const length = this.size(raw.length, `${path}/length`);
      if (length === 0) this.problems.bad(`${path}/length`, raw.length, 'is empty (mmap of 0 bytes fails with EINVAL)');
      return length;
    }
    if (available === undefined) return 0; // the missing file or device is already reported
    if (offset >= available) {
      this.problems.add(`${path}/length`, undefined, `missing, and nothing is left to map after offset ${hex(offset)} (size ${formatSize(available)}); give a length`);
      return 0;
    }
    return available - offset;
  }

  private checkMappingArguments(raw: RawMapping, m: MappingSpec, daxNs: NamespaceSpec | undefined): void {
    const p = m.path;
    this.pageAligned(raw.offset, m.offset, `${p}/offset`);
    this.pageAligned(raw.addr, m.addr ?? 0, `${p}/addr`);
    if (!daxNs) return;
    // device-dax check_vma(): shared mappings only, aligned to the device's align.
    const align = daxNs.align;
    if (m.flags === 'private') this.problems.bad(`${p}/flags`, raw.flags, `is refused by device-dax (${daxNs.device} allows only shared mappings; mmap fails with EINVAL)`);
    for (const field of ['offset', 'length', 'addr'] as const) {
      const written = raw[field];
      const v = m[field];
      if (written !== undefined && v !== undefined && !isAligned(v, align)) {
        this.problems.bad(`${p}/${field}`, written, `is not a multiple of ${formatSize(align)}, the align of ${daxNs.device} (device-dax mmap fails with EINVAL)`);
      }
    }
  }

  private checkMappingOverlaps(mappings: MappingSpec[]): void {
    const placed = mappings.filter((m) => m.addr !== undefined);
    placed.forEach((m, k) => {
      const a = m.addr!;
      const other = placed.slice(0, k).find((o) => a < o.addr! + o.length && o.addr! < a + m.length);
      if (other) this.problems.bad(`${m.path}/addr`, a, `puts mapping ${m.id} [${hex(a)}, ${hex(a + m.length)}) over mapping ${other.id} [${hex(other.addr!)}, ${hex(other.addr! + other.length)})`);
    });
  }

  // ---- references ----

  private requireFile(path: string, pointer: string): FileInfo | undefined {
    const file = this.files.get(path);
    if (!file) this.problems.bad(pointer, path, `is not one of the files (files: ${describeList(this.files.keys())})`);
    return file;
  }

  private requireDevice(written: string, pointer: string): DeviceInfo | undefined {
    const device = this.devices.get(deviceName(written));
    if (!device) this.problems.bad(pointer, written, `is not a device (devices: ${describeList(this.devices.keys())})`);
    return device;
  }

  private requireNamespace(id: string, pointer: string): NamespaceSpec | undefined {
    const ns = this.namespaces.get(id);
    if (!ns) this.problems.bad(pointer, id, `is not a namespace (namespaces: ${describeList(this.namespaces.keys())})`);
    return ns;
  }

  private requireRegion(id: string, pointer: string): RegionSpec | undefined {
    const region = this.regions.get(id)?.spec;
    if (!region) this.problems.bad(pointer, id, `is not a region (regions: ${describeList(this.regions.keys())})`);
    return region;
  }

  private requireProcess(raw: Num, pointer: string, state?: EventState): number {
    const pid = this.size(raw, pointer);
    if (!this.processes.has(pid)) {
      this.problems.bad(pointer, raw, `is not a process (pids: ${describeList([...this.processes.keys()].map(String))})`);
    } else if (state?.exited.has(pid)) {
      this.problems.bad(pointer, raw, `names a process that has exited (at ${fieldLabel(state.exited.get(pid)!)})`);
    }
    return pid;
  }

  // ---- events ----

  /** e1, e2, ... by position unless given; mmap/munmap use `id` for the mapping. */
  private assignEventIds(raws: RawEvent[]): string[] {
    const ids = raws.map((raw, i) => (raw.do === 'mmap' || raw.do === 'munmap' ? undefined : raw.id) ?? `e${i + 1}`);
    const index = this.eventIds;
    ids.forEach((id, i) => {
      const earlier = index.get(id);
      if (earlier === undefined) {
        index.set(id, i);
        return;
      }
      // Point at whichever of the two wrote the id explicitly.
      const explicitLater = raws[i]!.id === id && raws[i]!.do !== 'mmap' && raws[i]!.do !== 'munmap';
      const at = explicitLater ? i : earlier;
      const other = explicitLater ? earlier : i;
      const otherExplicit = raws[other]!.id === id;
      this.problems.bad(`/events/${at}/id`, id, otherExplicit ? `is already the id of events[${other}]` : `is also the default id of events[${other}] (ids default to e<position>); pick another`);
    });
    return ids;
  }

  private eventList(raws: RawEvent[]): EventSpec[] {
    const state: EventState = {
      previousAt: 0,
      exited: new Map(),
      live: new Map([...this.processes.values()].map((p) => [p.pid, new Set(p.mappings.map((m) => m.id))])),
      created: new Map([...this.processes.values()].map((p) => [p.pid, p.mappings.length])),
    };
    return raws.map((raw, i) => this.event(raw, i, state));
  }

  private event(raw: RawEvent, index: number, state: EventState): EventSpec {
    const path = `/events/${index}`;
    const id = this.eventIdList[index]!;
    const at = this.eventTime(raw, path, state);
    const body = this.eventBody(raw, path, state);
    const expect = (raw.expect ?? []).map((x, k) => this.expectation(x, `${path}/expect/${k}`, index));
    return compact({ id, ...body, at, expect, path } as EventSpec);
  }

  private eventTime(raw: RawEvent, path: string, state: EventState): number {
    let at = state.previousAt + DEFAULT_AT_STEP;
    if (raw.at !== undefined) {
      at = this.duration(raw.at, `${path}/at`);
      if (at < state.previousAt) {
        this.problems.bad(`${path}/at`, raw.at, `goes backwards: the previous event runs at ${formatDuration(state.previousAt)} (events run in order, at non-decreasing times)`);
      }
    }
    state.previousAt = Math.max(at, state.previousAt);
    return at;
  }

  /** The kind-specific fields of an event, with defaults. */
  private eventBody(raw: RawEvent, path: string, state: EventState): EventBody {
    const kind = raw.do;
    switch (kind) {
      case 'media-error':
        return { do: kind, target: this.target(raw, path, state), length: this.positiveSize(raw.length, `${path}/length`) };
      case 'ghes':
        return { do: kind, target: this.target(raw, path, state), sync: raw.sync ?? false };
      case 'inject-error':
        return { do: kind, ...this.namespaceBlocks(raw, path), notify: raw.notify ?? true };
      case 'uninject-error':
        return { do: kind, ...this.namespaceBlocks(raw, path) };
      case 'scrub':
        if (raw.region !== undefined) this.requireRegion(raw.region, `${path}/region`);
        return { do: kind, region: raw.region };
      case 'clear-errors':
      case 'unbind':
        this.requireNamespace(raw.namespace!, `${path}/namespace`);
        return { do: kind, namespace: raw.namespace! };
      case 'load':
      case 'store':
        return { do: kind, ...this.access(raw, path, state, 8) };
      case 'madvise-hwpoison':
      case 'madvise-soft-offline':
        return { do: kind, ...this.access(raw, path, state, PAGE_SIZE) };
      case 'read':
      case 'write':
        return { do: kind, ...this.io(raw, path, state), direct: raw.direct ?? false };
      case 'punch-hole': {
        const { process, file, offset, length } = this.io(raw, path, state);
        return { do: kind, process, file: file!, offset, length };
      }
      case 'corrupt-pfn':
        return { do: kind, pfn: this.size(raw.pfn!, `${path}/pfn`) };
      case 'mmap':
        return this.mmapEvent(raw, path, state);
      case 'munmap':
        return this.munmapEvent(raw, path, state);
      case 'exit': {
        const process = this.requireProcess(raw.process!, `${path}/process`, state);
        if (!state.exited.has(process)) state.exited.set(process, path);
        state.live.set(process, new Set());
        return { do: kind, process };
      }
      case 'set':
        return this.setEvent(raw, path, state);
      case 'cxl-inject-poison':
      case 'cxl-clear-poison':
        return { do: kind, ...this.cxlPoisonEvent(raw, path) };
      case 'cxl-poison-list':
        return { do: kind, ...this.cxlPoisonListEvent(raw, path) };
    }
  }

  private positiveSize(v: Num | undefined, pointer: string): number | undefined {
    const n = this.optSize(v, pointer);
    if (n === 0) this.problems.bad(pointer, v, 'is empty (expected at least 1 byte)');
    return n;
  }

  private target(raw: RawEvent, path: string, state: EventState): Target {
    const offset = (): number => this.size(raw.offset!, `${path}/offset`);
    const beyond = (what: string, size: number): void => this.problems.bad(`${path}/offset`, raw.offset, `is beyond the end of ${what} (${formatSize(size)})`);
    if (raw.spa !== undefined) return { kind: 'spa', spa: this.size(raw.spa, `${path}/spa`) };
    if (raw.region !== undefined) {
      const region = this.requireRegion(raw.region, `${path}/region`);
      const off = offset();
      if (region && off >= region.size) beyond(region.id, region.size);
      return { kind: 'region', region: raw.region, offset: off };
    }
    if (raw.namespace !== undefined) {
      const ns = this.requireNamespace(raw.namespace, `${path}/namespace`);
      const off = offset();
      if (ns && off >= ns.size) beyond(ns.id, ns.size);
      return { kind: 'namespace', namespace: raw.namespace, offset: off };
    }
    if (raw.device !== undefined) {
      const device = this.requireDevice(raw.device, `${path}/device`);
      const sector = this.size(raw.sector!, `${path}/sector`);
      const sectors = device ? Math.floor(device.bytes / SECTOR_SIZE) : Infinity;
      if (sector >= sectors) this.problems.bad(`${path}/sector`, raw.sector, `is beyond the end of ${device!.name} (${sectors} sectors)`);
      return { kind: 'device', device: deviceName(raw.device), sector };
    }
    if (raw.file !== undefined) {
      const file = this.requireFile(raw.file, `${path}/file`);
      const off = offset();
      if (file && off >= file.spec.size) beyond(raw.file, file.spec.size);
      return { kind: 'file', file: raw.file, offset: off };
    }
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    return { kind: 'process', process, addr: this.size(raw.addr!, `${path}/addr`) };
  }

  /** ndctl inject-error --block/--count: sectors from the namespace's data start. */
  private namespaceBlocks(raw: RawEvent, path: string): { namespace: string; block: number; count: number } {
    const ns = this.requireNamespace(raw.namespace!, `${path}/namespace`);
    const block = this.size(raw.block!, `${path}/block`);
    const count = this.size(raw.count!, `${path}/count`);
    if (count === 0) this.problems.bad(`${path}/count`, raw.count, 'is not at least 1');
    if (ns) {
      const sectors = Math.floor((ns.size - ns.dataOffset) / SECTOR_SIZE);
      if (block + count > sectors) {
        this.problems.bad(`${path}/block`, raw.block, `with count ${count} runs past the end of ${ns.id}'s data area (${sectors} sectors)`);
      }
    }
    return { namespace: raw.namespace!, block, count };
  }

  private access(raw: RawEvent, path: string, state: EventState, defaultLength: number): { process: number; addr: number; length: number } {
    return {
      process: this.requireProcess(raw.process!, `${path}/process`, state),
      addr: this.size(raw.addr!, `${path}/addr`),
      length: this.positiveSize(raw.length, `${path}/length`) ?? defaultLength,
    };
  }

  /** read/write/punch-hole: offset 0 and the rest of the file or device by default. */
  private io(raw: RawEvent, path: string, state: EventState): { process: number; file?: string; device?: string; offset: number; length: number } {
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    const target = this.mappedObject(raw, path);
    const offset = this.optSize(raw.offset, `${path}/offset`) ?? 0;
    const length = this.optSize(raw.length, `${path}/length`) ?? Math.max(0, (target?.bytes ?? 0) - offset);
    return compact({ process, file: raw.file, device: raw.device === undefined ? undefined : deviceName(raw.device), offset, length });
  }

  private mmapEvent(raw: RawEvent, path: string, state: EventState): EventBody {
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    const created = state.created.get(process) ?? 0;
    const mapping = this.mapping(raw, path, `m${created}`, false);
    state.created.set(process, created + 1);
    const live = state.live.get(process) ?? new Set<string>();
    if (live.has(mapping.id)) {
      this.problems.bad(raw.id === undefined ? `${path}/process` : `${path}/id`, mapping.id, `is already a live mapping of process ${process}; pick another id`);
    }
    live.add(mapping.id);
    state.live.set(process, live);
    return { do: 'mmap', process, mapping };
  }

  private munmapEvent(raw: RawEvent, path: string, state: EventState): EventBody {
    const process = this.requireProcess(raw.process!, `${path}/process`, state);
    const id = raw.id!;
    const live = state.live.get(process);
    if (this.processes.has(process) && !state.exited.has(process) && !live?.has(id)) {
      this.problems.bad(`${path}/id`, id, `is not a live mapping of process ${process} (live: ${describeList(live ?? [])})`);
    }
    live?.delete(id);
    return { do: 'munmap', process, mapping: id };
  }

  private setEvent(raw: RawEvent, path: string, state: EventState): EventBody {
    const kernel = compact<Partial<KernelConfig>>({ design: raw.design, earlyKill: raw.earlyKill, recovery: raw.recovery, reporting: raw.reporting, panicOnOops: raw.panicOnOops });
    const process = raw.process === undefined ? undefined : this.requireProcess(raw.process, `${path}/process`, state);
    return compact({ do: 'set' as const, kernel: Object.keys(kernel).length ? kernel : undefined, process, mceKill: raw.mceKill });
  }

  // ---- expectations ----

  /** `after`: index of the event carrying it; undefined for the top-level list. */
  private expectation(raw: RawExpectation, path: string, after: number | undefined): Expectation {
    if (raw.signal) {
      const s = raw.signal;
      const p = `${path}/signal`;
      return {
        path,
        signal: compact({
          pid: this.knownPid(s.pid, `${p}/pid`),
          signo: s.signo,
          code: s.code,
          addr: s.addr === undefined ? undefined : this.size(s.addr, `${p}/addr`),
          lsb: s.lsb,
        }),
      };
    }
    if (raw.noSignal) return { path, noSignal: { pid: this.knownPid(raw.noSignal.pid, `${path}/noSignal/pid`) } };
    if (raw.result) return { path, result: this.resultExpectation(raw.result, `${path}/result`, after) };
    if (raw.badblocks) return { path, badblocks: this.badblocksExpectation(raw.badblocks, `${path}/badblocks`) };
    if (raw.dmesg) return { path, dmesg: compact({ contains: raw.dmesg.contains, notContains: raw.dmesg.notContains }) };
    if (raw.fs) {
      if (!this.filesystems.some((f) => f.mount === raw.fs!.mount)) {
        this.problems.bad(`${path}/fs/mount`, raw.fs.mount, `is not a mount point (mounts: ${describeList(this.filesystems.map((f) => f.mount))})`);
      }
      return { path, fs: { mount: raw.fs.mount, shutdown: raw.fs.shutdown } };
    }
    if (raw.calls) return { path, calls: { symbol: raw.calls.symbol, count: this.size(raw.calls.count, `${path}/calls/count`) } };
    if (raw.cxlPoison) {
      const c = raw.cxlPoison;
      const p = `${path}/cxlPoison`;
      if (c.memdev !== undefined) this.requireCxlMemdev(c.memdev, `${p}/memdev`);
      if (c.region !== undefined && c.region !== '' && !this.cxlSpec?.regions.some((r) => r.id === c.region)) {
        this.problems.bad(`${p}/region`, c.region, `is not a CXL region (CXL regions: ${describeList((this.cxlSpec?.regions ?? []).map((r) => r.id))}; "" means no region)`);
      }
      return {
        path,
        cxlPoison: compact({
          memdev: c.memdev,
          region: c.region,
          dpa: c.dpa === undefined ? undefined : this.size(c.dpa, `${p}/dpa`),
          hpa: c.hpa === undefined ? undefined : c.hpa === 'none' ? ('none' as const) : this.size(c.hpa, `${p}/hpa`),
          length: c.length === undefined ? undefined : this.size(c.length, `${p}/length`),
          source: c.source,
          traceType: c.traceType,
          count: c.count === undefined ? undefined : this.size(c.count, `${p}/count`),
        }),
      };
    }
    if (raw.verdict) {
      const v = raw.verdict;
      const p = `${path}/verdict`;
      return {
        path,
        verdict: compact({
          pid: v.pid === undefined || v.pid === null ? v.pid : this.knownPid(v.pid, `${p}/pid`),
          mapping: v.mapping,
          file: v.file,
          device: v.device,
          outcome: v.outcome,
          symbol: v.symbol,
          reason: v.reason,
        }),
      };
    }
    const h = raw.hwpoison!;
    return { path, hwpoison: { pfn: this.size(h.pfn, `${path}/hwpoison/pfn`), set: h.set ?? true } };
  }

  private knownPid(raw: Num, pointer: string): number {
    const pid = this.size(raw, pointer);
    if (!this.processes.has(pid)) this.problems.bad(pointer, raw, `is not a process (pids: ${describeList([...this.processes.keys()].map(String))})`);
    return pid;
  }

  private resultExpectation(raw: NonNullable<RawExpectation['result']>, path: string, after: number | undefined): { event: string; errno?: string; bytes?: number; ret?: number; stopped?: 'oops' | 'blocked' } {
    const index = this.eventIds.get(raw.event);
    if (index === undefined) {
      this.problems.bad(`${path}/event`, raw.event, `is not an event id (events: ${describeList(this.eventIds.keys())})`);
    } else if (after !== undefined && index > after) {
      this.problems.bad(`${path}/event`, raw.event, `has not run yet when this is checked (right after events[${after}]); move it to that event or to the top-level expect`);
    }
    return compact({ event: raw.event, errno: raw.errno, bytes: raw.bytes === undefined ? undefined : this.size(raw.bytes, `${path}/bytes`), ret: raw.ret, stopped: raw.stopped });
  }

  private badblocksExpectation(raw: NonNullable<RawExpectation['badblocks']>, path: string): { device: string; ranges: [number, number][] } {
    const device = deviceName(raw.device);
    if (!this.devices.has(device) && !this.regions.has(device)) {
      this.problems.bad(`${path}/device`, raw.device, `is not a device or region (devices: ${describeList(this.devices.keys())}; regions: ${describeList(this.regions.keys())})`);
    }
    const ranges = raw.ranges.map(([sector, count], k): [number, number] => [this.size(sector, `${path}/ranges/${k}/0`), this.size(count, `${path}/ranges/${k}/1`)]);
    return { device, ranges };
  }
}

/** What the event loop tracks to reject events that cannot happen. */
interface EventState {
  previousAt: number;
  /** pid -> pointer of the exit event */
  exited: Map<number, string>;
  /** pid -> ids of its mappings at this point of the event list */
  live: Map<number, Set<string>>;
  /** pid -> mappings created so far (for default ids m<n>) */
  created: Map<number, number>;
}

/** EventSpec without the fields every event has. */
type EventBody = EventSpec extends infer E ? (E extends EventSpec ? Omit<E, 'id' | 'at' | 'expect' | 'path'> : never) : never;

export function autoDataOffset(size: number, align: number): number {
  return alignUp(INFO_BLOCK + MEMMAP_PER_PAGE * Math.floor(size / PAGE_SIZE), align);
}

function defaultName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/(\.poison)?\.(ya?ml|json)$/i, '');
}

function formatDuration(ns: number): string {
  for (const [unit, mult] of [
    ['s', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ] as const) {
    if (ns >= mult && ns % mult === 0) return `${ns / mult}${unit}`;
  }
  return `${ns}ns`;
}
