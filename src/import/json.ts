// JSON with line numbers, for ndctl, daxctl, cxl and findmnt output: every
// value keeps the line it starts on, so that a wrong value is reported where
// it was written. A file that ends inside a value is called truncated; more
// than MAX_JSON_DEPTH levels of nesting or MAX_RECORDS values are refused.

import { ImportError, MAX_JSON_DEPTH, MAX_RECORDS, echo } from './errors';

export type JVal =
  | { t: 'obj'; line: number; v: Map<string, JVal> }
  | { t: 'arr'; line: number; v: JVal[] }
  | { t: 'str'; line: number; v: string }
  | { t: 'num'; line: number; v: number; raw: string }
  | { t: 'bool'; line: number; v: boolean }
  | { t: 'null'; line: number };

export function parseJson(file: string, text: string): JVal {
  let i = 0;
  let line = 1;
  let count = 0;
  const n = text.length;
  const err = (msg: string): never => {
    throw new ImportError(file, line, 'json', text.slice(i, i + 20), msg);
  };
  const truncated = (): never => err(`ends in the middle of a JSON value: the file is truncated (was the command interrupted, or the copy cut?)`);
  const ws = () => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13) break;
    }
  };
  const value = (depth: number): JVal => {
    if (depth > MAX_JSON_DEPTH) err(`nests JSON more than ${MAX_JSON_DEPTH} levels deep: not a listing`);
    if (++count > MAX_RECORDS) err(`has more than ${MAX_RECORDS.toLocaleString('en-US')} JSON values: not a listing this importer reads`);
    ws();
    if (i >= n) truncated();
    const c = text[i]!;
    const at = line;
    if (c === '{') {
      i++;
      const m = new Map<string, JVal>();
      ws();
      if (text[i] === '}') {
        i++;
        return { t: 'obj', line: at, v: m };
      }
      for (;;) {
        ws();
        if (i >= n) truncated();
        if (text[i] !== '"') err(`expected a quoted key, got ${echo(text.slice(i, i + 10))}`);
        const k = str();
        ws();
        if (i >= n) truncated();
        if (text[i] !== ':') err(`expected ':' after key ${echo(k)}`);
        i++;
        const v = value(depth + 1);
        if (m.has(k)) err(`key ${echo(k)} appears twice in one object`);
        m.set(k, v);
        ws();
        if (i >= n) truncated();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'obj', line: at, v: m };
        }
        err(`expected ',' or '}', got ${echo(text[i])}`);
      }
    }
    if (c === '[') {
      i++;
      const a: JVal[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { t: 'arr', line: at, v: a };
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (i >= n) truncated();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { t: 'arr', line: at, v: a };
        }
        err(`expected ',' or ']', got ${echo(text[i])}`);
      }
    }
    if (c === '"') return { t: 'str', line: at, v: str() };
    const lit = /^(true|false|null|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(text.slice(i, i + 40));
    if (!lit) err(`expected a JSON value, got ${echo(text.slice(i, i + 20))}`);
    i += lit![0].length;
    if (lit![0] === 'true' || lit![0] === 'false') return { t: 'bool', line: at, v: lit![0] === 'true' };
    if (lit![0] === 'null') return { t: 'null', line: at };
    return { t: 'num', line: at, v: Number(lit![0]), raw: lit![0] };
  };
  const str = (): string => {
    i++;
    let out = '';
    for (;;) {
      if (i >= n) truncated();
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\n') err('a string runs past the end of its line');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === undefined) truncated();
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e! in simple) {
          out += simple[e!];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else err(`a bad escape ${echo(text.slice(i, i + 6))} in a string`);
        continue;
      }
      out += c;
      i++;
    }
  };
  ws();
  if (i >= n) throw new ImportError(file, 1, 'json', '', 'is empty (the command printed nothing: no such devices?)');
  const v = value(0);
  ws();
  if (i < n) err(`has more after the JSON value ends: ${echo(text.slice(i, i + 20))} (two outputs in one file?)`);
  return v;
}

/** the object's field, or undefined */
export function field(o: JVal, k: string): JVal | undefined {
  return o.t === 'obj' ? o.v.get(k) : undefined;
}

export function str(file: string, o: JVal, k: string): string | undefined {
  const v = field(o, k);
  if (v === undefined) return undefined;
  if (v.t !== 'str') throw new ImportError(file, v.line, k, jsonEcho(v), `${k} is ${jsonEcho(v)}, expected a string`);
  return v.v;
}

/** an integer field: a JSON number, or a string holding a decimal or 0x number (ndctl prints addresses as hex strings) */
export function int(file: string, o: JVal, k: string): number | undefined {
  const v = field(o, k);
  if (v === undefined) return undefined;
  let x: number;
  if (v.t === 'num') {
    if (!/^-?[0-9]+$/.test(v.raw)) throw new ImportError(file, v.line, k, v.raw, `${k} is ${v.raw}, expected an integer`);
    x = v.v;
  } else if (v.t === 'str' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v.v)) {
    x = Number(BigInt(v.v));
  } else if (v.t === 'str' && /^[0-9.]+ [KMGT]i?B/.test(v.v))
    throw new ImportError(file, v.line, k, v.v, `${k} is ${echo(v.v)}, a size rounded for people (ndctl/daxctl/cxl list -u): collect again without -u, as scripts/collect-machine.sh does`);
  else throw new ImportError(file, v.line, k, jsonEcho(v), `${k} is ${jsonEcho(v)}, expected an integer`);
  if (!Number.isSafeInteger(x) || x < 0) throw new ImportError(file, v.line, k, jsonEcho(v), `${k} is ${jsonEcho(v)}, expected a non-negative integer below 2^53`);
  return x;
}

export function arr(file: string, o: JVal, k: string): JVal[] {
  const v = field(o, k);
  if (v === undefined) return [];
  if (v.t !== 'arr') throw new ImportError(file, v.line, k, jsonEcho(v), `${k} is ${jsonEcho(v)}, expected a list`);
  return v.v;
}

export function jsonEcho(v: JVal): string {
  switch (v.t) {
    case 'obj':
      return 'an object';
    case 'arr':
      return `a list of ${v.v.length}`;
    case 'str':
      return echo(v.v);
    case 'num':
      return v.raw;
    case 'bool':
      return String(v.v);
    case 'null':
      return 'null';
  }
}

/** every object in the tree (depth first, in order) */
export function objects(v: JVal, out: JVal[] = []): JVal[] {
  if (v.t === 'obj') {
    out.push(v);
    for (const c of v.v.values()) objects(c, out);
  } else if (v.t === 'arr') for (const c of v.v) objects(c, out);
  return out;
}
