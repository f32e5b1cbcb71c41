// Kernel versions in the extension's pure models (issue 15): a lab session
// switched to another kernel replays under it or refuses, unchanged; links
// go to the session's version (its own table, tag and local tree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LabSession, LabError } from '../../src/extension/model/session';
import { resolveLink, seriesOf, webLink, type TreeFs } from '../../src/extension/model/kernelLinks';
import { symbolStatus, symbolUrlIn, tagFor, lookupSymbolIn, symbolTable } from '../../src/kernel/links';
import { statusText, badMemory } from '../../src/extension/model/feedback';

const ROOT = resolve(__dirname, '..', '..', '..');
const text = (name: string) => readFileSync(join(ROOT, 'scenarios', `${name}.poison.yaml`), 'utf8');

test('a session switched to 6.1 replays to where it was under 6.1; the status says so', () => {
  const s = LabSession.open(text('reflink-both-mapped'), 'reflink-both-mapped.poison.yaml');
  s.step();
  assert.equal(s.kernelVersion, '6.12');
  s.setKernel({ version: '6.1' });
  assert.equal(s.kernelVersion, '6.1');
  assert.equal(s.cursor, 1);
  assert.equal(s.machine.k.cfg.version, '6.1');
  assert.deepEqual(s.report.kernel, { version: '6.1', release: '6.1.192' });
  assert.match(s.composeText(), /version: "6\.1"/, 'the scenario text carries the switch');
  assert.match(statusText(s.design, badMemory(s.machine, s.report), s.kernelVersion), /^upstream on 6\.1 · /);
});

test('switching a scenario that expects pre-remove to 6.1 is refused at the expectation, and the session is unchanged', () => {
  const s = LabSession.open(text('unbind-mounted-xfs'), 'unbind-mounted-xfs.poison.yaml');
  s.step();
  const before = s.report;
  assert.throws(
    () => s.setKernel({ version: '6.1' }),
    (e: unknown) => {
      assert.ok(e instanceof LabError);
      assert.match(e.message, /^unbind-mounted-xfs\.poison\.yaml:\d+:\d+: \/events\/0\/expect\/\d+\/dmesg\/contains: .*arrived in 6\.7; kernel\.version 6\.1 does not have it/);
      assert.equal(e.diagnostics[0]!.path.startsWith('/events/0/expect/'), true);
      return true;
    },
  );
  assert.equal(s.kernelVersion, '6.12');
  assert.equal(s.report, before, 'the same run, not a replay');
  assert.equal(s.cursor, 1);
});

test('the 6.1 table: pinned release, renamed functions, absent ones, its own tag', () => {
  const t = symbolTable('6.1');
  assert.equal(t.version, '6.1.192');
  assert.equal(tagFor('6.1'), 'v6.1.192');
  const lock = symbolStatus('dax_lock_folio', '6.1');
  assert.equal(lock.status, 'present');
  assert.equal(lock.status === 'present' && lock.symbol.name, 'dax_lock_page');
  assert.equal(lock.status === 'present' && lock.symbol.file, 'fs/dax.c');
  assert.equal(symbolStatus('MF_MEM_PRE_REMOVE', '6.1').status, 'absent');
  assert.equal(symbolStatus('MF_MEM_PRE_REMOVE', '6.12').status, 'present');
  assert.equal(lookupSymbolIn('memory_failure', '6.1')?.file, 'mm/memory-failure.c');
  assert.notEqual(lookupSymbolIn('memory_failure', '6.1')?.line, lookupSymbolIn('memory_failure', '6.12')?.line, '6.1 has its own line numbers');
  assert.match(symbolUrlIn('dax_lock_folio', '6.1'), /^https:\/\/github\.com\/gregkh\/linux\/blob\/v6\.1\.192\/fs\/dax\.c#L\d+$/);
  assert.match(webLink('memory_failure', 'elixir', '6.1'), /^https:\/\/elixir\.bootlin\.com\/linux\/v6\.1\.192\/source\/mm\/memory-failure\.c#L\d+$/);
  assert.equal(seriesOf('6.1.192'), '6.1');
});

test('links in a 6.1 session: a local 6.1 tree at 6.1\'s line, a rename to its 6.1 name, an absent symbol to 6.12 with a note', async () => {
  const root = 'file:///src/linux-source-6.1';
  const mf = lookupSymbolIn('memory_failure', '6.1')!;
  const lock = lookupSymbolIn('dax_lock_folio', '6.1')!;
  const files: Record<string, string> = {
    [`${root}/${mf.file}`]: Array.from({ length: mf.line + 5 }, (_, i) => (i === mf.line - 1 ? 'int memory_failure(unsigned long pfn, int flags)' : '')).join('\n'),
  };
  const lines = Array.from({ length: lock.line + 5 }, (_, i) => (i === lock.line - 1 ? 'dax_entry_t dax_lock_page(struct page *page)' : ''));
  files[`${root}/${lock.file}`] = lines.join('\n');
  const fs: TreeFs = { readText: async (p) => files[p] };
  const tree = { info: { root, version: '6.1.192' }, fs };
  const a = await resolveLink('memory_failure', 'auto', tree, '6.1');
  assert.deepEqual(a, { kind: 'local', path: `${root}/mm/memory-failure.c`, line: mf.line, moved: false, symbol: 'memory_failure' });
  const b = await resolveLink('dax_lock_folio', 'auto', tree, '6.1');
  assert.equal(b.kind === 'local' && b.line, lock.line);
  const c = await resolveLink('MF_MEM_PRE_REMOVE', 'auto', tree, '6.1');
  assert.equal(c.kind, 'web');
  assert.match(c.kind === 'web' ? c.url : '', /v6\.12\.\d+/);
  assert.match(c.kind === 'web' ? c.note ?? '' : '', /MF_MEM_PRE_REMOVE is not in 6\.1\.192/);
  const d = await resolveLink('dax_lock_folio', 'github', undefined, '6.1');
  assert.equal(d.kind === 'web' && d.note, 'dax_lock_folio is dax_lock_page in 6.1.192');
});
