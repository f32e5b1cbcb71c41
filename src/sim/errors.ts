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

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) && v > 0xffff ? `${v} (0x${v.toString(16)})` : String(v);
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
