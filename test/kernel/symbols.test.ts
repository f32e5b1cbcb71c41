// The kernel symbol table (src/kernel/symbols.json) and the links built on it.
//
// With a kernel tree available (see kernel-tree.ts) every entry is checked against the source:
// the file exists and the recorded line holds the definition; and the committed JSON must be
// exactly what scripts/gen-symbols.mjs produces from that tree now. Without a tree those tests
// are skipped with the reason.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  DEFAULT_TAG,
  KERNEL_VERSION,
  SYMBOLS,
  allSymbols,
  elixirSourceUrl,
  elixirUrl,
  githubUrl,
  loreUrl,
  lookupSymbol,
  releaseTag,
  symbolUrl,
  isDefinitionLine,
  type SymbolEntry,
} from '../../src/kernel/links';
import { findKernelTree, findRepoRoot, type KernelTree } from './kernel-tree';

const KINDS = ['function', 'macro', 'struct', 'enum', 'enumerator', 'variable', 'op-member'];

interface ListEntry {
  name: string;
  file?: string;
  kind?: string;
}

const repo = findRepoRoot();
const listFile = join(repo, 'src', 'kernel', 'symbol-list.json');
const jsonFile = join(repo, 'src', 'kernel', 'symbols.json');
const generator = join(repo, 'scripts', 'gen-symbols.mjs');
const list = JSON.parse(readFileSync(listFile, 'utf8')) as { version: string; symbols: Array<string | ListEntry> };
const listed: ListEntry[] = list.symbols.map((e) => (typeof e === 'string' ? { name: e } : e));
const committed = JSON.parse(readFileSync(jsonFile, 'utf8')) as { version: string; symbols: Record<string, SymbolEntry> };
const found = findKernelTree();
const tree: KernelTree | null = 'path' in found ? found : null;
const noTree = 'missing' in found ? `no kernel tree: ${found.missing}` : '';

function regenerate(kernel: KernelTree): { text: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ksym-'));
  const out = join(dir, 'symbols.json');
  try {
    let stderr = '';
    try {
      execFileSync(process.execPath, [generator, kernel.path, '--list', listFile, '--out', out, '--any-release'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      stderr = e.stderr ?? e.message;
      throw new Error(`gen-symbols failed on ${kernel.path}:\n${stderr}`);
    }
    return { text: readFileSync(out, 'utf8'), stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Always: the table itself and the links.

test('symbols.json lists every symbol of symbol-list.json, sorted, with valid entries', () => {
  assert.equal(committed.version, KERNEL_VERSION);
  assert.match(committed.version, /^6\.12\.\d+/);
  const names = Object.keys(committed.symbols);
  assert.deepEqual(names, [...names].sort(), 'keys are sorted');
  assert.deepEqual(new Set(names), new Set(listed.map((e) => e.name)), 'same names as the list');
  for (const e of listed) {
    const got = committed.symbols[e.name];
    assert.ok(KINDS.includes(got.kind), `${e.name}: kind ${got.kind}`);
    assert.ok(Number.isInteger(got.line) && got.line > 0, `${e.name}: line ${got.line}`);
    assert.ok(/^[A-Za-z0-9_.\-/]+\.[ch]$/.test(got.file) && !got.file.startsWith('/'), `${e.name}: file ${got.file}`);
    if (e.file) assert.equal(got.file, e.file, `${e.name}: pinned file`);
    if (e.kind) assert.equal(got.kind, e.kind, `${e.name}: pinned kind`);
    if (e.name.includes('.')) {
      assert.equal(got.kind, 'op-member', `${e.name}: TABLE.member is an op-member`);
      assert.equal(got.table, e.name.split('.')[0]);
    }
  }
});

test('the routing chain and the 6.12 names are in the table', () => {
  for (const [name, file] of [
    ['memory_failure', 'mm/memory-failure.c'],
    ['memory_failure_dev_pagemap', 'mm/memory-failure.c'],
    ['mf_generic_kill_procs', 'mm/memory-failure.c'],
    ['mf_dax_kill_procs', 'mm/memory-failure.c'],
    ['kill_proc', 'mm/memory-failure.c'],
    ['dax_lock_folio', 'fs/dax.c'],
    ['pmem_pagemap_memory_failure', 'drivers/nvdimm/pmem.c'],
    ['dax_holder_notify_failure', 'drivers/dax/super.c'],
    ['xfs_dax_notify_failure', 'fs/xfs/xfs_notify_failure.c'],
    ['xfs_dax_notify_ddev_failure', 'fs/xfs/xfs_notify_failure.c'],
    ['do_sigbus', 'arch/x86/mm/fault.c'],
    ['kill_me_maybe', 'arch/x86/kernel/cpu/mce/core.c'],
    ['nfit_handle_mce', 'drivers/acpi/nfit/mce.c'],
    ['__pmem_direct_access', 'drivers/nvdimm/pmem.c'],
  ] as const) {
    assert.equal(lookupSymbol(name)?.file, file, name);
  }
  const op = lookupSymbol('xfs_dax_holder_operations.notify_failure');
  assert.equal(op?.kind, 'op-member');
  assert.equal(op?.table, 'xfs_dax_holder_operations');
  assert.equal(op?.value, 'xfs_dax_notify_failure');
  // The newer name does not exist in 6.12.
  assert.equal(lookupSymbol('xfs_dax_notify_dev_failure'), undefined);
});

test('links', () => {
  // Every link names the release the table was generated from, so its line numbers hold.
  assert.equal(DEFAULT_TAG, `v${committed.version}`);
  assert.equal(releaseTag('6.12.117'), 'v6.12.117');
  assert.equal(releaseTag('6.13.0'), 'v6.13');
  assert.equal(releaseTag('6.13'), 'v6.13');
  assert.throws(() => releaseTag('linux'));
  const tag = DEFAULT_TAG;
  assert.equal(elixirUrl('memory_failure'), `https://elixir.bootlin.com/linux/${tag}/A/ident/memory_failure`);
  assert.equal(elixirUrl('kill_proc', 'v6.13'), 'https://elixir.bootlin.com/linux/v6.13/A/ident/kill_proc');
  assert.equal(elixirUrl('xfs_dax_holder_operations.notify_failure'),
    `https://elixir.bootlin.com/linux/${tag}/A/ident/xfs_dax_holder_operations`);
  assert.throws(() => elixirUrl('../etc/passwd'));
  assert.equal(githubUrl({ file: 'mm/memory-failure.c', line: 42 }),
    `https://github.com/gregkh/linux/blob/${tag}/mm/memory-failure.c#L42`);
  assert.equal(elixirSourceUrl({ file: 'fs/dax.c', line: 7 }, 'v6.12.10'),
    'https://elixir.bootlin.com/linux/v6.12.10/source/fs/dax.c#L7');
  const mf = lookupSymbol('memory_failure');
  assert.ok(mf);
  assert.equal(githubUrl(mf), `https://github.com/gregkh/linux/blob/${tag}/mm/memory-failure.c#L${mf.line}`);
  assert.equal(symbolUrl('memory_failure'), githubUrl(mf));
  assert.equal(symbolUrl('not_in_the_table'), `https://elixir.bootlin.com/linux/${tag}/A/ident/not_in_the_table`);
  assert.equal(loreUrl('<20210320014648.GD349301@dread.disaster.area>'),
    'https://lore.kernel.org/r/20210320014648.GD349301@dread.disaster.area');
  assert.equal(loreUrl('20210108095500.GA5647@lst.de'), 'https://lore.kernel.org/r/20210108095500.GA5647@lst.de');
  assert.throws(() => loreUrl('  '));
  assert.equal(lookupSymbol('toString'), undefined);
  assert.equal(lookupSymbol('constructor'), undefined);
  assert.equal(allSymbols().length, Object.keys(SYMBOLS.symbols).length);
});

// ---------------------------------------------------------------------------------------------
// With a kernel tree.

test('every entry points at its definition in the kernel tree', (t) => {
  if (!tree) {
    t.skip(noTree);
    return;
  }
  t.diagnostic(`kernel tree ${tree.path} (${tree.version}, ${tree.source})`);
  // Line numbers are only meaningful for the release the table was made from; on another release
  // check the freshly generated table instead (the comparison test reports the drift).
  const table = tree.version === committed.version ? committed : JSON.parse(regenerate(tree).text);
  const files = new Map<string, string[]>();
  const bad: string[] = [];
  for (const [name, entry] of Object.entries(table.symbols as Record<string, SymbolEntry>)) {
    const path = join(tree.path, entry.file);
    if (!files.has(entry.file)) {
      if (!existsSync(path)) {
        bad.push(`${name}: ${entry.file} does not exist`);
        continue;
      }
      files.set(entry.file, readFileSync(path, 'utf8').split('\n'));
    }
    const lines = files.get(entry.file);
    if (!lines) continue;
    const text = lines[entry.line - 1] ?? '';
    if (!isDefinitionLine(name, entry, text)) bad.push(`${name}: ${entry.file}:${entry.line} is not a ${entry.kind} definition: ${text.trim()}`);
  }
  assert.deepEqual(bad, []);
});

test('symbols.json is what scripts/gen-symbols.mjs generates from the tree', (t) => {
  if (!tree) {
    t.skip(noTree);
    return;
  }
  const fresh = regenerate(tree);
  if (tree.version === committed.version) {
    assert.equal(fresh.text, readFileSync(jsonFile, 'utf8'),
      `src/kernel/symbols.json is stale: run node scripts/gen-symbols.mjs ${tree.path}`);
    return;
  }
  // A different release (e.g. a newer Debian 6.12.y): the same symbols must still resolve to the
  // same files and kinds; only line numbers may move.
  t.diagnostic(`tree is ${tree.version}, symbols.json was generated from ${committed.version}: comparing without lines`);
  const parsed = JSON.parse(fresh.text) as { symbols: Record<string, SymbolEntry> };
  const strip = (s: Record<string, SymbolEntry>) =>
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, { ...v, line: 0 }]));
  assert.deepEqual(strip(parsed.symbols), strip(committed.symbols));
});
