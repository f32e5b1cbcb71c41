// A seeded generator of hostile and random scenarios, the kinds a
// hostile-input run throws at the lab (issue 13): built-in scenarios with
// fields broken (deleted, of the wrong type, huge, negative, NaN, infinite,
// strings with control characters or lone surrogates, long strings),
// aliases (within the bound, past it, nested, self-referencing, without an
// anchor), encodings (UTF-16, NUL bytes, invalid UTF-8, a file cut short),
// junk documents, and random event sequences under every design. The same
// seed gives the same case, byte for byte.

import { Document, parse as parseYaml, stringify as stringifyYaml, isMap, isSeq, visit } from 'yaml';
import { DESIGNS } from '../../src/sim/scenario/types';
import { mulberry32 } from '../../src/sim/prng';

/** mulberry32 (src/sim/prng.ts), with the draws the generator makes */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

export interface Builtin {
  name: string;
  text: string;
}

export type CaseKind = 'mutate' | 'alias' | 'encoding' | 'junk' | 'events';

export interface FuzzCase {
  seed: number;
  kind: CaseKind;
  /** what was done, for a failure message */
  what: string;
  /** the scenario file's name (its extension says YAML or JSON) */
  file: string;
  /** the file's bytes */
  bytes: Uint8Array;
  /** the command line after the script, the file last */
  argv: string[];
}

const enc = new TextEncoder();

/** values that break a field: wrong types, out of range, non-finite, hostile text */
function hostileValue(r: Rng): unknown {
  const pool: (() => unknown)[] = [
    () => -1,
    () => 0,
    () => -r.int(1 << 20),
    () => 2 ** 53,
    () => 2 ** 64,
    () => 1e308,
    () => -1e308,
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => 0.5,
    () => r.int(1 << 30),
    () => '0xffffffffffffffffffff',
    () => '0x' + r.int(1 << 30).toString(16),
    () => '-4KiB',
    () => '1.5MiB',
    () => '4KB',
    () => '16EiB',
    () => '99999999PiB',
    () => '',
    () => ' ',
    () => 'x'.repeat(1 + r.int(5000)),
    () => 'a\x1b]0;pwned\x07b',
    () => 'nul\x00byte',
    () => 'cr\rlf\n',
    () => 'lone\ud800surrogate',
    () => 'bidi\u202eevil',
    () => 'c1\u0085next',
    () => 'é😀中文',
    () => '../../etc/passwd',
    () => '/mnt/pmem/' + 'd/'.repeat(r.int(300)) + 'f',
    () => true,
    () => false,
    () => null,
    () => [],
    () => [1, 2, 3],
    () => Array.from({ length: r.int(2000) }, (_, i) => i),
    () => ({}),
    () => ({ unknownField: 1 }),
    () => ({ nested: { deeper: [{ x: 1 }] } }),
  ];
  return r.pick(pool)();
}

type Container = Record<string, unknown> | unknown[];

/** every container and key in the tree, for picking a place to break */
function places(root: unknown): { parent: Container; key: string | number }[] {
  const out: { parent: Container; key: string | number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        walk(x);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push({ parent: v as Record<string, unknown>, key: k });
        walk(x);
      }
    }
  };
  walk(root);
  return out;
}

function mutateOnce(r: Rng, data: unknown): string {
  const all = places(data);
  if (!all.length) return 'nothing to mutate';
  const { parent, key } = r.pick(all);
  const op = r.int(7);
  const get = (): unknown => (parent as Record<string | number, unknown>)[key];
  const set = (v: unknown): void => {
    (parent as Record<string | number, unknown>)[key] = v;
  };
  switch (op) {
    case 0:
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return `delete ${key}`;
    case 1:
    case 2:
    case 3: {
      const v = hostileValue(r);
      set(v);
      return `${key} = ${typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : Array.isArray(v) ? `[${v.length} items]` : String(JSON.stringify(v) ?? v)}`;
    }
    case 4:
      if (Array.isArray(parent)) {
        parent.splice(key as number, 0, structuredClone(get()));
        return `duplicate item ${key}`;
      }
      (parent as Record<string, unknown>)[`${key}_extra`] = get();
      return `unknown field ${key}_extra`;
    case 5: {
      const other = r.pick(all);
      const v = (other.parent as Record<string | number, unknown>)[other.key];
      set(structuredClone(v));
      return `${key} = the value of ${other.key}`;
    }
    default: {
      const v = get();
      if (typeof v === 'number') set(r.pick([v + 1, v - 1, v * 2 ** 20, -v, v + 4096, v + 0.5]));
      else if (typeof v === 'string') set(r.pick([v + 'x', v.slice(1), v.toUpperCase(), `${v}\u0000`, v.repeat(3)]));
      else set(hostileValue(r));
      return `nudge ${key}`;
    }
  }
}

function emit(r: Rng, data: unknown, name: string): { file: string; text: string } {
  const json = r.chance(0.3) && !JSON.stringify(data, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? 'NONFINITE' : v)).includes('NONFINITE');
  if (json) return { file: name.replace(/\.yaml$/, '.json'), text: JSON.stringify(data, null, r.chance(0.5) ? 2 : undefined) };
  return { file: name, text: stringifyYaml(data, { lineWidth: 0 }) };
}

function mutateCase(r: Rng, b: Builtin): { file: string; text: string; what: string } {
  const data = parseYaml(b.text) as unknown;
  const n = 1 + r.int(3);
  const what: string[] = [];
  for (let i = 0; i < n; i++) what.push(mutateOnce(r, data));
  const out = emit(r, data, b.name);
  return { ...out, what: `${b.name}: ${what.join('; ')}` };
}

function aliasCase(r: Rng, b: Builtin): { file: string; text: string; what: string } {
  const form = r.int(6);
  if (form === 0) {
    // one anchored list aliased many times (the amplification of issue 13), sometimes within the bound
    const n = r.pick([10, 100, 1000, 10_000]);
    const times = r.pick([1, 3, 50, 999]);
    const head = b.text.split('\nevents:\n')[0] ?? b.text;
    const list = Array.from({ length: n }, () => '{calls: {symbol: memory_failure, count: 1}}').join(', ');
    let text = `${head}\nx-list: &L [${list}]\nevents:\n  - {do: scrub, expect: *L}\n`;
    for (let i = 1; i < times; i++) text += '  - {do: scrub, expect: *L}\n';
    return { file: b.name, text, what: `anchored list of ${n} aliased ${times} times` };
  }
  if (form === 1) {
    // billion laughs
    const depth = 3 + r.int(8);
    let text = 'version: 1\nname: laughs\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let i = 1; i <= depth; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    return { file: b.name, text, what: `nested aliases ${depth} deep` };
  }
  if (form === 2) return { file: b.name, text: b.text.replace(/^name: .*$/m, r.pick(['name: &n [1, *n]', 'name: *nope', 'name: &n {a: *n}'])), what: 'alias in itself or without anchor' };
  // anchor a random node of the document and alias it somewhere else
  const doc = new Document(parseYaml(b.text));
  const nodes: unknown[] = [];
  visit(doc, {
    Node(_k, n) {
      nodes.push(n);
    },
  });
  const cols = nodes.filter((n) => isMap(n) || isSeq(n)) as (ReturnType<Document['createNode']> & { items: unknown[] })[];
  if (cols.length < 2) return { file: b.name, text: b.text, what: 'unchanged' };
  const src = r.pick(cols);
  const dst = r.pick(cols);
  const alias = doc.createAlias(src as never, 'x' + r.int(100));
  if (dst.items.length) {
    const i = r.int(dst.items.length);
    const item = dst.items[i] as { value?: unknown } | unknown;
    if (isMap(dst)) (item as { value: unknown }).value = alias;
    else dst.items[i] = alias;
  }
  // an alias written before its anchor is a case too (refused: no anchor before it)
  return { file: b.name, text: doc.toString({ lineWidth: 0, verifyAliasOrder: false }), what: 'a node aliased elsewhere' };
}

function encodingCase(r: Rng, b: Builtin): { file: string; bytes: Uint8Array; what: string } {
  const base = enc.encode(b.text);
  const at = r.int(base.length);
  switch (r.int(6)) {
    case 0: {
      const out = new Uint8Array(2 + b.text.length * 2);
      out[0] = 0xff;
      out[1] = 0xfe;
      for (let i = 0; i < b.text.length; i++) {
        const c = b.text.charCodeAt(i);
        out[2 + 2 * i] = c & 0xff;
        out[3 + 2 * i] = c >> 8;
      }
      return { file: b.name, bytes: out, what: 'UTF-16LE with a BOM' };
    }
    case 1:
      return { file: b.name, bytes: Uint8Array.from([...base.subarray(0, at), 0, ...base.subarray(at)]), what: `NUL at ${at}` };
    case 2:
      return { file: b.name, bytes: Uint8Array.from([...base.subarray(0, at), r.pick([0x80, 0xc3, 0xff, 0xed]), ...base.subarray(at)]), what: `invalid UTF-8 at ${at}` };
    case 3:
      return { file: b.name, bytes: base.subarray(0, at), what: `cut at ${at}` };
    case 4: {
      const out = Uint8Array.from(base);
      for (let i = 0; i < 1 + r.int(8); i++) out[r.int(out.length)] = 0x20 + r.int(0x5f);
      return { file: b.name, bytes: out, what: 'bytes replaced' };
    }
    default:
      return { file: b.name, bytes: Uint8Array.from([0xef, 0xbb, 0xbf, ...base]), what: 'UTF-8 BOM' };
  }
}

function junkValue(r: Rng, depth: number): unknown {
  if (depth > 4 || r.chance(0.3)) return hostileValue(r);
  if (r.chance(0.5)) return Array.from({ length: r.int(5) }, () => junkValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  const keys = ['version', 'name', 'platform', 'events', 'expect', 'kernel', 'files', 'processes', 'filesystems', 'regions', 'x', '\u0007', ''];
  for (let i = 0; i < r.int(6); i++) o[r.pick(keys)] = junkValue(r, depth + 1);
  return o;
}

// ---------------------------------------------------------------- random event sequences

interface Facts {
  pids: number[];
  namespaces: string[];
  regions: string[];
  devices: string[];
  files: string[];
  addrs: number[];
  spas: number[];
}

function facts(data: Record<string, any>): Facts {
  const platform = data.platform ?? {};
  const regions = (platform.regions ?? []) as { id: string; spa?: unknown; size?: unknown }[];
  const namespaces = (platform.namespaces ?? []) as { id: string; device?: string }[];
  const processes = (data.processes ?? []) as { pid: number; mappings?: { addr?: unknown }[] }[];
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : undefined);
  const addrs = processes.flatMap((p) => (p.mappings ?? []).map((m) => num(m.addr))).filter((x): x is number => x !== undefined);
  return {
    pids: processes.map((p) => p.pid),
    namespaces: namespaces.map((n) => n.id),
    regions: regions.map((x) => x.id),
    devices: namespaces.map((n) => n.device).filter((d): d is string => !!d),
    files: ((data.files ?? []) as { path: string }[]).map((f) => f.path),
    addrs: addrs.length ? addrs : [0x7f0000000000],
    spas: regions.map((x) => num(x.spa)).filter((x): x is number => x !== undefined),
  };
}

function near(r: Rng, base: number, span = 64 * 1024): string | number {
  const v = base + r.pick([0, 0, 4096, 8192, r.int(span), span * 16, -4096]) + (r.chance(0.1) ? 1 : 0);
  return r.chance(0.5) ? `0x${Math.max(0, v).toString(16)}` : Math.max(0, v);
}

function randomEvent(r: Rng, f: Facts): Record<string, unknown> {
  const pid = () => (r.chance(0.95) && f.pids.length ? r.pick(f.pids) : 4242);
  const ns = () => (f.namespaces.length && r.chance(0.95) ? r.pick(f.namespaces) : 'namespace9.9');
  const target = (): Record<string, unknown> => {
    const t = r.int(4);
    if (t === 0 && f.spas.length) return { spa: near(r, r.pick(f.spas), 1 << 20) };
    if (t === 1 && f.namespaces.length) return { namespace: ns(), offset: near(r, 0, 1 << 20) };
    if (t === 2 && f.files.length) return { file: r.pick(f.files), offset: near(r, 0, 64 * 1024) };
    return { process: pid(), addr: near(r, r.pick(f.addrs)) };
  };
  switch (r.int(16)) {
    case 0:
      return { do: 'media-error', ...target(), ...(r.chance(0.3) ? { length: r.pick([256, 4096, 512]) } : {}) };
    case 1:
      return { do: 'inject-error', namespace: ns(), block: r.int(4096), count: 1 + r.int(16), ...(r.chance(0.3) ? { notify: false } : {}) };
    case 2:
      return { do: 'uninject-error', namespace: ns(), block: r.int(4096), count: 1 + r.int(16) };
    case 3:
      return { do: 'scrub', ...(r.chance(0.5) && f.regions.length ? { region: r.pick(f.regions) } : {}) };
    case 4:
      return { do: 'clear-errors', namespace: ns() };
    case 5:
    case 6:
      return { do: r.pick(['load', 'store']), process: pid(), addr: near(r, r.pick(f.addrs)), ...(r.chance(0.3) ? { length: r.pick([1, 8, 64, 4096]) } : {}) };
    case 7:
      if (f.files.length) return { do: r.pick(['read', 'write']), process: pid(), file: r.pick(f.files), offset: r.int(16) * 4096, length: r.pick([512, 4096, 8192]), ...(r.chance(0.3) ? { direct: true } : {}) };
      return { do: 'scrub' };
    case 8:
      if (f.files.length) return { do: 'punch-hole', process: pid(), file: r.pick(f.files), offset: r.int(16) * 4096, length: 4096 * (1 + r.int(4)) };
      return { do: 'scrub' };
    case 9:
    case 10:
      return { do: r.pick(['madvise-hwpoison', 'madvise-soft-offline']), process: pid(), addr: near(r, r.pick(f.addrs)), length: r.pick([4096, 8192, 4095]) };
    case 11:
      return f.spas.length ? { do: 'corrupt-pfn', pfn: Math.floor(r.pick(f.spas) / 4096) + r.int(64) } : { do: 'scrub' };
    case 12:
      return { do: 'ghes', ...target(), ...(r.chance(0.5) ? { sync: true } : {}) };
    case 13:
      return { do: 'unbind', namespace: ns() };
    case 14:
      return { do: r.pick(['exit', 'munmap']), process: pid(), ...(r.chance(0.5) ? { mapping: 'm0' } : {}) };
    default:
      return r.chance(0.5) ? { do: 'set', process: pid(), mceKill: r.pick(['default', 'early', 'late']) } : { do: 'set', kernel: { design: r.pick(DESIGNS) } };
  }
}

function eventsCase(r: Rng, b: Builtin): { file: string; text: string; what: string; design: string } {
  const data = parseYaml(b.text) as Record<string, any>;
  const f = facts(data);
  const n = 1 + r.int(8);
  data.events = Array.from({ length: n }, () => randomEvent(r, f));
  delete data.expect;
  const design = r.pick(DESIGNS);
  const out = emit(r, data, b.name);
  return { ...out, what: `${b.name}: ${n} random events (${(data.events as { do: string }[]).map((e) => e.do).join(', ')})`, design };
}

/** the case for one seed, from the built-in scenarios */
export function generateCase(seed: number, builtins: readonly Builtin[]): FuzzCase {
  const r = new Rng(seed);
  const b = r.pick(builtins);
  const kind: CaseKind = r.pick(['mutate', 'mutate', 'mutate', 'alias', 'encoding', 'junk', 'events', 'events', 'events']);
  const command = (): string[] => {
    const c = r.int(5);
    if (c === 0) return ['compare', ...(r.chance(0.3) ? ['--json'] : [])];
    if (c === 1) return ['check'];
    return ['run', ...(r.chance(0.3) ? ['--json'] : []), ...(r.chance(0.5) ? ['--design', r.pick(DESIGNS)] : [])];
  };
  switch (kind) {
    case 'mutate': {
      const m = mutateCase(r, b);
      return { seed, kind, what: m.what, file: m.file, bytes: enc.encode(m.text), argv: [...command(), m.file] };
    }
    case 'alias': {
      const m = aliasCase(r, b);
      return { seed, kind, what: m.what, file: m.file, bytes: enc.encode(m.text), argv: [...command(), m.file] };
    }
    case 'encoding': {
      const m = encodingCase(r, b);
      return { seed, kind, what: m.what, file: m.file, bytes: m.bytes, argv: [...command(), m.file] };
    }
    case 'junk': {
      if (r.chance(0.15)) {
        // nesting deep enough to exhaust the parser's stack, or nearly
        const d = r.pick([50, 400, 2000, 20_000]);
        const open = r.chance(0.5) ? ['[', ']'] : ['{a: ', '}'];
        const text = `version: 1\nname: ${open[0]!.repeat(d)}1${open[1]!.repeat(d)}\n`;
        return { seed, kind, what: `nested ${d} deep`, file: 'deep.poison.yaml', bytes: enc.encode(text), argv: [...command(), 'deep.poison.yaml'] };
      }
      const data = junkValue(r, 0);
      const out = emit(r, data, 'junk.poison.yaml');
      return { seed, kind, what: 'a junk document', file: out.file, bytes: enc.encode(out.text), argv: [...command(), out.file] };
    }
    case 'events': {
      const m = eventsCase(r, b);
      const argv = r.chance(0.4) ? ['compare', m.file] : ['run', '--design', m.design, m.file];
      return { seed, kind, what: `${m.what} under ${argv[0] === 'compare' ? 'every design' : m.design}`, file: m.file, bytes: enc.encode(m.text), argv };
    }
  }
}
