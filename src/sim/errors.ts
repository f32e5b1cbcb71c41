// Errors for bad input. Every one names the field (as a JSON pointer into the
// scenario, when it came from one), the value, and what was expected. The
// simulator throws them before changing any state, so a rejected event leaves
// the machine exactly as it was.

export interface Diagnostic {
  file: string;
  /** 1-based; 0 when unknown */
  line: number;
  /** 1-based; 0 when unknown */
  column: number;
  /** JSON pointer of the offending field, e.g. /events/2/spa */
  path: string;
  /** the field's name, e.g. "spa" */
  field: string;
  /** the offending value as written */
  value: unknown;
  message: string;
}

export class InputError extends Error {
  /** where the problem was written when that is not the scenario's own text (a line of an extents file) */
  location?: { file: string; line: number; column: number };

  constructor(
    /** JSON pointer of the field ("" when not from a scenario file) */
    readonly path: string,
    /** field name */
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** Thrown by the loader: one or more diagnostics, nothing runs. */
export class ScenarioErrors extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ScenarioErrors';
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line ? `${d.file}:${d.line}:${d.column}` : d.file;
  return `${where}: ${d.path || '/'}: ${d.message}`;
}

/**
 * JSON escapes C0 controls and lone surrogates; a message also escapes what
 * JSON leaves as is but a reader cannot see or that reorders the line: DEL,
 * C1 controls, line and paragraph separators, bidirectional controls.
 */
function escapeInvisible(s: string): string {
  return s.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function quote(s: string): string {
  return escapeInvisible(JSON.stringify(s));
}

/** the most characters of a value an error message echoes (then an ellipsis and the value's size) */
export const MAX_ECHO_CHARS = 120;
/** the most characters one error message may take (a longer one keeps its start and its end) */
export const MAX_MESSAGE_CHARS = 2000;

/**
 * A value as an error message echoes it: a string quoted, a large integer
 * with its hex, anything else as JSON; cut after MAX_ECHO_CHARS with an
 * ellipsis and the value's whole size, so that `name: [200000 ints]` is one
 * short line.
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') {
    if (v.length <= MAX_ECHO_CHARS) return quote(v);
    return `${quote(v.slice(0, MAX_ECHO_CHARS)).slice(0, -1)}…" (${v.length.toLocaleString('en-US')} characters)`;
  }
  if (typeof v === 'number') return Number.isInteger(v) && v > 0xffff ? `${v} (0x${v.toString(16)})` : String(v);
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  text = escapeInvisible(text);
  if (text.length <= MAX_ECHO_CHARS) return text;
  const size = Array.isArray(v)
    ? `a list of ${v.length.toLocaleString('en-US')} items, `
    : v !== null && typeof v === 'object'
      ? `a mapping of ${Object.keys(v).length.toLocaleString('en-US')} fields, `
      : '';
  return `${text.slice(0, MAX_ECHO_CHARS)}… (${size}${text.length.toLocaleString('en-US')} characters)`;
}

/**
 * A message cut to MAX_MESSAGE_CHARS: its start and its end (where the
 * expectation usually is), the middle replaced by an ellipsis and how much
 * was cut. Whatever echoed a value whole stays one readable line.
 */
export function boundMessage(message: string, max = MAX_MESSAGE_CHARS): string {
  if (message.length <= max) return message;
  const tail = Math.floor(max / 4);
  const head = max - tail;
  return `${message.slice(0, head)}… (${(message.length - head - tail).toLocaleString('en-US')} characters cut) …${message.slice(message.length - tail)}`;
}

/**
 * Not bad input: the lab itself failed (a bug in the simulator, or the
 * extension's simulator worker died). Reported as such, with what was done
 * about the session; never shown as a positioned diagnostic.
 */
export class InternalError extends Error {
  constructor(
    message: string,
    /** the stack of what failed, where there is one */
    readonly detail?: string,
    /** what became of the session (replayed, closed) */
    readonly recovery?: string,
  ) {
    super(message);
    this.name = 'InternalError';
  }
}
