// Text in a scenario: names, comms, paths, ids, device names and every other
// string (and every field name) must be printable text. A control character
// (C0, DEL, C1: an escape sequence, a NUL, a carriage return that rewrites
// the line), a lone UTF-16 surrogate (a YAML or JSON "\ud800" escape, not a
// character at all), a line or paragraph separator or a bidirectional
// override (text that reads differently from what it is) is refused where it
// is written, naming the character and where in the string it is. Only the
// free-text `description` may hold newlines and tabs.
//
// The file itself is UTF-8 by the time it is parsed (the CLI and the
// extension refuse anything else); these are the characters that escapes in
// YAML and JSON strings can still produce.
//
// No Node API is used here: the loader also runs in the browser.

import { describeValue } from '../errors';

/** One refused string: its JSON pointer, whether the key or the value is at fault, and why. */
export interface TextProblem {
  pointer: string;
  where: 'value' | 'key';
  value: string;
  message: string;
}

/** fields whose text may span lines */
const MULTI_LINE_FIELDS = new Set(['description']);

/** the most problems reported (a scenario full of them says so soon enough) */
const MAX_TEXT_PROBLEMS = 100;

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x07: 'BEL',
  0x08: 'backspace',
  0x09: 'tab',
  0x0a: 'newline',
  0x0b: 'vertical tab',
  0x0c: 'form feed',
  0x0d: 'carriage return',
  0x1b: 'ESC',
  0x7f: 'DEL',
  0x85: 'NEL',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
};

function codePoint(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * What is wrong with a string, or undefined when it is printable text:
 * the first refused character, named, with its 0-based index.
 */
export function textFault(s: string, multiLine = false): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const pair = c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
      if (pair) {
        i++;
        continue;
      }
      return `is not valid text: a lone UTF-16 surrogate ${codePoint(c)} at character ${i + 1} (not a character; write the character itself)`;
    }
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
    const format = c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    if (multiLine && (c === 0x09 || c === 0x0a || c === 0x0d)) continue;
    if (control || format) {
      const name = NAMES[c] ? ` ${NAMES[c]}` : '';
      const kind = control ? 'a control character' : 'a formatting character';
      return `has ${kind} (${codePoint(c)}${name}) at character ${i + 1}: names, comms, paths and ids must be printable text${multiLine ? '' : ' on one line'}`;
    }
  }
  return undefined;
}

function pointerJoin(pointer: string, segment: string | number): string {
  return `${pointer}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/**
 * Every string in the scenario data (as built from the file, before the
 * schema) and every field name that is not printable text, in document
 * order; at most MAX_TEXT_PROBLEMS.
 */
export function textProblems(data: unknown): TextProblem[] {
  const out: TextProblem[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, pointer: string, field: string): void => {
    if (out.length >= MAX_TEXT_PROBLEMS) return;
    if (typeof v === 'string') {
      const fault = textFault(v, MULTI_LINE_FIELDS.has(field));
      if (fault) out.push({ pointer, where: 'value', value: v, message: `${describeValue(v)} ${fault}` });
      return;
    }
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    // an aliased node is the same object each time: its text is checked once, where it is first reached
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, pointerJoin(pointer, i), field));
      return;
    }
    for (const [key, x] of Object.entries(v as Record<string, unknown>)) {
      const at = pointerJoin(pointer, key);
      const fault = textFault(key);
      if (fault && out.length < MAX_TEXT_PROBLEMS) out.push({ pointer: at, where: 'key', value: key, message: `the field name ${describeValue(key)} ${fault}` });
      walk(x, at, key);
    }
  };
  walk(data, '', '');
  return out;
}
