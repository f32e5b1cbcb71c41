// Every symbol a span can name resolves: to a definition in the v6.12 symbol
// table (src/kernel/symbols.json, generated from the kernel tree and checked
// against it by symbols.test.ts), or to a proposal's patch by Message-ID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { DESIGNS } from '../../src/sim/scenario/types';
import symbols from '../../src/kernel/symbols.json';
import { PROPOSALS } from '../../src/kernel/proposals';

const ROOT = resolve(__dirname, '..', '..', '..');
const table = (symbols as { symbols: Record<string, unknown> }).symbols;
const known = (s: string) => s in table || s in PROPOSALS;

/**
 * Names the simulator gives spans only under kernel.version 6.1, where 6.1
 * calls the function otherwise (docs/kernel-notes.md §13), with the file
 * that defines each in linux-source-6.1 (checked below when that tree is
 * present). Until a 6.1 symbol table exists, these stand for it.
 */
const ONLY_6_1: Record<string, string> = {
  dax_lock_page: 'fs/dax.c',
  dax_unlock_page: 'fs/dax.c',
};
const knownIn = (s: string, version: string | undefined) => known(s) || (version === '6.1' && s in ONLY_6_1);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every symbol literal the simulator traces is a v6.12 definition or a proposal', () => {
  const missing: string[] = [];
  // tr.call('layer', 'symbol' / tr.run(... / countOnly('symbol'
  const re = /(?:tr\.(?:call|run)\(\s*'[a-z_]+',\s*'([A-Za-z0-9_]+)'|countOnly\('([A-Za-z0-9_]+)')/g;
  for (const f of sources(join(ROOT, 'src', 'sim'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(re)) {
      const s = m[1] ?? m[2]!;
      if (!known(s)) missing.push(`${s} (${f.slice(ROOT.length + 1)})`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every span of every built-in scenario, under every design, names a known symbol', () => {
  const dir = join(ROOT, 'scenarios');
  const missing = new Set<string>();
  let spans = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.poison.yaml'))) {
    const s = loadScenario(readFileSync(join(dir, f), 'utf8'), f);
    for (const d of DESIGNS) {
      const r = runScenario(s, { design: d });
      for (const sp of r.spans) {
        spans++;
        if (!knownIn(sp.symbol, s.kernel.version)) missing.add(`${sp.symbol} (${f} under ${d})`);
      }
    }
  }
  assert.ok(spans > 1000, `only ${spans} spans`);
  assert.deepEqual([...missing], []);
});

test('the 6.1-only span names are 6.1 definitions, and not 6.12 ones', (t) => {
  for (const name of Object.keys(ONLY_6_1)) assert.ok(!(name in table), `${name} is in the 6.12 table: it is not 6.1-only`);
  const tree = process.env.KERNEL_TREE_6_1 ?? join(ROOT, '.cache', 'kernel', 'linux-source-6.1');
  let text: (f: string) => string;
  try {
    statSync(join(tree, 'fs', 'dax.c'));
    text = (f) => readFileSync(join(tree, f), 'utf8');
  } catch {
    t.skip(`no linux-source-6.1 tree at ${tree} (bash scripts/setup-kernel-tree.sh 6.1)`);
    return;
  }
  for (const [name, file] of Object.entries(ONLY_6_1)) {
    // a column-0 definition: the return type, then the name and its parameters
    assert.match(text(file), new RegExp(`^[a-z_][a-z0-9_ *]*\\b${name}\\(`, 'm'), `${name} is not defined in ${file} of ${tree}`);
  }
});

test('proposal symbols are not in the release table, and link by Message-ID', () => {
  for (const [s, p] of Object.entries(PROPOSALS)) {
    assert.equal(s in table, false, `${s} is in v6.12: it is not a proposal`);
    assert.match(p.messageId, /^[^<>\s]+@[^<>\s]+$/);
  }
});
