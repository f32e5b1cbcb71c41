// Reading a scenario's text for the editor: which address the cursor is on
// (and in which unit, from the field and its neighbours), where a
// diagnostic's token ends, where each event starts. Pure.

import { parseDocument, isMap, isPair, isScalar, isSeq, type Node as YamlNode, type Pair } from 'yaml';
import type { Machine } from '../../sim/machine';
import { parseSize, hex, PAGE_SIZE, SECTOR_SIZE } from '../../sim/units';
import { resolveSpa, type TargetAnswer } from './actions';

export const SCENARIO_FILE = /\.poison\.(ya?ml|json)$/i;

export function isScenarioFile(name: string): boolean {
  return SCENARIO_FILE.test(name);
}

interface Found {
  key: string;
  value: unknown;
  /** start and end offsets of the value in the text */
  range: [number, number];
  /** the map holding the pair, as plain data */
  parent: Record<string, unknown>;
  /** the maps above it, innermost first, as plain data */
  ancestors: Record<string, unknown>[];
  /** JSON pointer of the value */
  pointer: string;
}

/** The key/value pair whose scalar value is at `offset`, with its neighbours. */
export function pairAt(text: string, offset: number): Found | undefined {
  const doc = parseDocument(text, { uniqueKeys: false });
  let found: Found | undefined;
  const walk = (node: unknown, ancestors: Record<string, unknown>[], pointer: string): void => {
    if (found) return;
    if (isMap(node)) {
      const plain = (node.toJSON() ?? {}) as Record<string, unknown>;
      for (const p of node.items as Pair<unknown, unknown>[]) {
        const key = isScalar(p.key) ? String(p.key.value) : String(p.key);
        const v = p.value as YamlNode | null;
        if (isScalar(v) && v.range && offset >= v.range[0] && offset <= v.range[1]) {
          found = { key, value: v.value, range: [v.range[0], v.range[1]], parent: plain, ancestors, pointer: `${pointer}/${key}` };
          return;
        }
        if (v && (isMap(v) || isSeq(v))) walk(v, [plain, ...ancestors], `${pointer}/${key}`);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (isMap(item) || isSeq(item)) walk(item, ancestors, `${pointer}/${i}`);
        else if (isPair(item)) walk(item.value, ancestors, `${pointer}/${i}`);
      });
    }
  };
  walk(doc.contents, [], '');
  return found;
}

export interface HoverAddress {
  /** the field and what it was read as */
  what: string;
  spa?: number;
  len?: number;
  /** why the value does not resolve */
  error?: string;
  range: [number, number];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? (Number.isSafeInteger(v) && v >= 0 ? v : undefined) : parseSize(v));

/** The address a hover at `offset` stands for, read in the units its field implies. */
export function hoverAddress(m: Machine, text: string, offset: number): HoverAddress | undefined {
  const f = pairAt(text, offset);
  if (!f) return undefined;
  const v = num(f.value);
  if (v === undefined) return undefined;
  const p = f.parent;
  const fromTarget = (what: string, a: TargetAnswer): HoverAddress => {
    const r = resolveSpa(m, a);
    return r.ok ? { what, spa: r.value, range: f.range } : { what, error: r.reason, range: f.range };
  };
  const pidAbove = (): number | undefined => {
    for (const a of f.ancestors) if (typeof a.pid === 'number') return a.pid;
    return undefined;
  };
  switch (f.key) {
    case 'spa':
      if (typeof p.id === 'string' && p.size !== undefined) return { what: `region ${p.id} start`, spa: v, range: f.range };
      return fromTarget(`spa ${hex(v)}`, { form: 'spa', value: v });
    case 'pfn':
      return { what: `pfn ${hex(v)}`, spa: v * PAGE_SIZE, len: PAGE_SIZE, range: f.range };
    case 'sector':
      if (typeof p.device === 'string') return fromTarget(`${p.device} sector ${v}`, { form: 'device', object: p.device, value: v });
      return undefined;
    case 'block':
      if (typeof p.namespace === 'string') {
        const ns = m.namespace(p.namespace);
        if (!ns) return { what: `${p.namespace} block ${v}`, error: `no namespace ${p.namespace}`, range: f.range };
        const count = num(p.count) ?? 1;
        return { what: `${p.namespace} block ${v} (from the data start)`, spa: ns.dataStart + v * SECTOR_SIZE, len: count * SECTOR_SIZE, range: f.range };
      }
      return undefined;
    case 'offset':
    case 'srcOffset':
    case 'dstOffset':
      if (typeof p.namespace === 'string') return fromTarget(`${p.namespace} offset ${hex(v)}`, { form: 'namespace', object: p.namespace, value: v });
      if (typeof p.region === 'string' && p.id === undefined) {
        const r = m.region(p.region);
        return r ? { what: `${p.region} offset ${hex(v)}`, spa: r.ndrStart + v, range: f.range } : { what: `${p.region} offset`, error: `no region ${p.region}`, range: f.range };
      }
      if (typeof p.file === 'string') return fromTarget(`${p.file} offset ${hex(v)}`, { form: 'file', object: p.file, value: v });
      if (typeof p.from === 'string' && f.key === 'srcOffset') return fromTarget(`${p.from} offset ${hex(v)}`, { form: 'file', object: p.from, value: v });
      if (typeof p.device === 'string') {
        const bdev = m.bdev(String(p.device));
        const spa = bdev?.spaRanges(v, 1)[0]?.[0];
        if (bdev && spa !== undefined) return { what: `${bdev.name} byte ${hex(v)}`, spa, range: f.range };
      }
      return undefined;
    case 'addr': {
      const pid = typeof p.process === 'number' ? p.process : typeof p.pid === 'number' ? p.pid : pidAbove();
      if (pid === undefined) return undefined;
      return fromTarget(`process ${pid} address ${hex(v)}`, { form: 'process', object: pid, value: v });
    }
    default:
      return undefined;
  }
}

/** The end column (1-based, exclusive) of the token starting at a 1-based column of a line. */
export function tokenEnd(line: string, column: number): number {
  const rest = line.slice(Math.max(0, column - 1));
  const m = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,{}[\]]+)/.exec(rest);
  return column + Math.max(1, m ? m[0].length : 1);
}

/** The 0-based line of each event item in the text (for CodeLenses and reveal), by index. */
export function eventLines(text: string): number[] {
  const doc = parseDocument(text, { uniqueKeys: false });
  const seq = doc.get('events', true);
  if (!isSeq(seq)) return [];
  const lineOf = (off: number): number => {
    let n = 0;
    for (let i = 0; i < off && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
    return n;
  };
  return seq.items.map((it) => {
    const r = (it as YamlNode).range;
    return r ? lineOf(r[0]) : 0;
  });
}
