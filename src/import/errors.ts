// Bad input in a collected machine folder: which file, which line, what was
// there and what was expected. An ImportError is an InputError (the CLI
// reports it with exit 2, the extension as a message), positioned in the
// collected file rather than in a scenario.

import { InputError, boundMessage, describeValue } from '../sim/errors';

export class ImportError extends InputError {
  constructor(
    readonly file: string,
    /** 1-based; 0 when the problem is the whole file (missing, too large) */
    readonly line: number,
    field: string,
    value: unknown,
    message: string,
    column = 1,
  ) {
    super('', field, value, boundMessage(`${line ? `${file}:${line}` : file}: ${message}`));
    this.name = 'ImportError';
    this.location = { file, line, column };
  }
}

/** "got X" for messages: the value as errors.ts echoes values */
export const echo = describeValue;

/** the largest single collected file read (a real fsmap of a big filesystem is a few MiB) */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;
/** the most records (lines, extents, mappings, ...) one file may give */
export const MAX_RECORDS = 200_000;
/** JSON nesting deeper than this is refused before parsing */
export const MAX_JSON_DEPTH = 64;

/**
 * A collected file's bytes as text: UTF-8, no NUL, no control character
 * other than tab and newline (a CR is dropped: a file copied through
 * Windows), at most MAX_FILE_BYTES.
 */
export function textOf(file: string, bytes: Uint8Array): string {
  if (bytes.length > MAX_FILE_BYTES)
    throw new ImportError(file, 0, 'size', bytes.length, `is ${bytes.length.toLocaleString('en-US')} bytes, more than the ${MAX_FILE_BYTES / 1024 / 1024} MiB a collected file may have (is it the right file?)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let line = 1;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) line++;
    throw new ImportError(file, 0, 'encoding', '', 'is not UTF-8 text (collect it again with LC_ALL=C, as scripts/collect-machine.sh does)');
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const m = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.exec(l.endsWith('\r') ? l.slice(0, -1) : l);
    if (m) {
      const c = m[0].charCodeAt(0);
      throw new ImportError(file, i + 1, 'text', l, `has a control character (U+${c.toString(16).toUpperCase().padStart(4, '0')}) at column ${m.index + 1}: not the output of the command it names`, m.index + 1);
    }
  }
  return text.replace(/\r\n/g, '\n');
}

/** lines with their 1-based numbers, the last one dropped when the file ends with a newline */
export function linesOf(text: string): { n: number; s: string }[] {
  const ls = text.split('\n');
  if (ls.length && ls[ls.length - 1] === '') ls.pop();
  return ls.map((s, i) => ({ n: i + 1, s }));
}

/** a decimal or 0x-hex integer that fits exactly in a double, or throws */
export function intAt(file: string, line: number, field: string, s: string, column = 1): number {
  const t = s.trim();
  let v: number;
  if (/^0x[0-9a-f]+$/i.test(t)) v = Number(BigInt(t));
  else if (/^[0-9]+$/.test(t)) v = Number(t);
  else if (/^[0-9]{1,3}([.,' ][0-9]{3})+$/.test(t) || /^[0-9]+,[0-9]+$/.test(t))
    throw new ImportError(file, line, field, s, `${field} ${echo(s)} has digit grouping or a decimal comma: collected in another locale? (run the collector with LC_ALL=C)`, column);
  else throw new ImportError(file, line, field, s, `${field} ${echo(s)} is not a number`, column);
  if (!Number.isSafeInteger(v)) throw new ImportError(file, line, field, s, `${field} ${echo(s)} is larger than 2^53: no real machine has it`, column);
  return v;
}
