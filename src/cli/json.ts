// JSON.stringify(value, null, 2) written in pieces: a run report of millions
// of spans is larger than the longest string V8 can build, so `run --json`
// and `compare --json` hand each array element and object member to `write`
// as it is formatted, in bounded chunks. The bytes are exactly those of
// JSON.stringify(value, null, 2). The kernel log held as runs is written out
// line by line into the stream, never as one string or array.

import { isLogStore } from '../sim/dmesg';

const CHUNK = 1 << 16;

export function writeJson(value: unknown, write: (s: string) => void): void {
  let buf = '';
  const put = (s: string): void => {
    buf += s;
    if (buf.length >= CHUNK) {
      write(buf);
      buf = '';
    }
  };
  emit(value, '', put, 0);
  put('\n');
  if (buf) write(buf);
}

/** containers this shallow are walked member by member; deeper ones are small and stringified whole */
const WALK_DEPTH = 2;

/** an array longer than this is walked element by element at any depth (the spans of a report inside a comparison) */
const BIG_ARRAY = 1024;

/** a container deeper than WALK_DEPTH that is still walked: a log store, a big array, or an object holding one */
function big(v: object): boolean {
  if (isLogStore(v)) return true;
  if (Array.isArray(v)) return v.length > BIG_ARRAY;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const x of Object.values(v)) if (x !== null && typeof x === 'object' && (isLogStore(x) || (Array.isArray(x) && x.length > BIG_ARRAY))) return true;
  return false;
}

function emit(v: unknown, indent: string, put: (s: string) => void, depth: number): void {
  // the kernel log held as runs (src/sim/dmesg.ts): an array of its lines, written line by line
  if (isLogStore(v)) {
    if (!v.length) return put('[]');
    const inner = indent + '  ';
    let first = true;
    put('[');
    for (const line of v) {
      put((first ? '\n' : ',\n') + inner + JSON.stringify(line));
      first = false;
    }
    return put('\n' + indent + ']');
  }
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function' && (depth < WALK_DEPTH || big(v))) {
    const inner = indent + '  ';
    if (Array.isArray(v)) {
      if (!v.length) return put('[]');
      put('[');
      for (let i = 0; i < v.length; i++) {
        put(i ? ',\n' + inner : '\n' + inner);
        const x = v[i];
        // JSON.stringify writes null for undefined, functions and symbols in arrays
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') put('null');
        else emit(x, inner, put, depth + 1);
      }
      return put('\n' + indent + ']');
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && typeof x !== 'function' && typeof x !== 'symbol');
    if (!entries.length) return put('{}');
    put('{');
    entries.forEach(([k, x], i) => {
      put((i ? ',\n' : '\n') + inner + JSON.stringify(k) + ': ');
      emit(x, inner, put, depth + 1);
    });
    return put('\n' + indent + '}');
  }
  const s = JSON.stringify(v, null, 2);
  put(s === undefined ? 'null' : indent ? s.replace(/\n/g, '\n' + indent) : s);
}
