// Scenario loading: problem collection (one positioned Diagnostic per
// problem) and pass 2 (shape): ajv against schema/scenario.schema.json, the
// same schema the editor uses, with ajv's raw errors turned into one message
// per problem. Used by load.ts; Problems also by the later passes.

import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import schema from '../../../schema/scenario.schema.json';
import { boundMessage, describeValue, Diagnostic } from '../errors';
import type { PlacedAt } from './extents';
import { pointerJoin, pointerSegments, type SourceText, type Where } from './parse';

// ---------------------------------------------------------------------------
// Problem collection

export class Problems {
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
export function fieldLabel(pointer: string): string {
  const segments = pointerSegments(pointer);
  if (!segments.length) return 'scenario';
  return segments.reduce((label, s) => (/^\d+$/.test(s) ? `${label}[${s}]` : label ? `${label}.${s}` : s), '');
}

// ---------------------------------------------------------------------------
// Pass 2: shape (ajv)

let compiled: ValidateFunction | undefined;

export function validator(): ValidateFunction {
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

export function reportSchemaErrors(errors: ErrorObject[], problems: Problems): void {
  let versionSaid = false;
  for (const e of relevantErrors(errors)) {
    // kernel.version written unquoted: YAML makes 6.1 (and 6.10) a number; one problem, saying so
    if (e.instancePath === '/kernel/version' && typeof e.data === 'number') {
      if (!versionSaid) problems.add(e.instancePath, e.data, `${e.data} is a number (YAML reads an unquoted version as one, and 6.10 as 6.1): write the kernel version as a string, "6.1" or "6.12"`);
      versionSaid = true;
      continue;
    }
    explainSchemaError(e, problems);
  }
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
      return problems.add(at, value, 'set changes nothing (expected design, earlyKill, recovery, reporting, panicOnOops, hwErrorScrub, hwpoisonFilter, or process + mceKill)');
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
