// Kernel source links against a local kernel tree: the definition line, a
// definition whose line moved (found by searching), the web modes, and a
// kernelTree setting that points nowhere (said once, web links used).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, kernelTree, scratch, setConfig, useLocalKernelTree } from './helpers';
import { allSymbols, lookupSymbol } from '../../src/kernel/links';

suite('kernel source links', () => {
  suiteTeardown(async () => {
    await setConfig('kernelTree', undefined);
    await setConfig('kernelLinks', undefined);
  });

  test('auto: a local tree opens the definition line of every routing hop', async function () {
    await useLocalKernelTree(this);
    const a = await api();
    for (const name of ['memory_failure', 'memory_failure_dev_pagemap', 'pmem_pagemap_memory_failure', 'dax_holder_notify_failure', 'xfs_dax_notify_failure', 'mf_dax_kill_procs', 'kill_proc']) {
      const t = await a.kernel.resolve(name);
      assert.equal(t.kind, 'local', `${name}: ${JSON.stringify(t)}`);
      if (t.kind !== 'local') continue;
      const text = readFileSync(vscode.Uri.parse(t.path).fsPath, 'utf8').split('\n');
      assert.match(text[t.line - 1]!, new RegExp(`${name}\\(`), `${name} at ${t.path}:${t.line}`);
    }
    // every symbol in the table resolves to a local definition
    let local = 0;
    for (const s of allSymbols()) if ((await a.kernel.resolve(s.name)).kind === 'local') local++;
    assert.equal(local, allSymbols().length);
  });

  test('auto: when lines have moved, the definition is found by searching', async function () {
    const tree = kernelTree();
    if (!tree) this.skip();
    const a = await api();
    const moved = scratch();
    for (const f of ['Makefile', 'drivers/nvdimm/pmem.c']) {
      mkdirSync(join(moved, f, '..'), { recursive: true });
      copyFileSync(join(tree!, f), join(moved, f));
    }
    mkdirSync(join(moved, 'mm'), { recursive: true });
    writeFileSync(join(moved, 'mm', 'memory-failure.c'), '/* three */\n/* new */\n/* lines */\n' + readFileSync(join(tree!, 'mm', 'memory-failure.c'), 'utf8'));
    await setConfig('kernelTree', moved);
    const t = await a.kernel.resolve('memory_failure');
    assert.equal(t.kind, 'local');
    if (t.kind === 'local') {
      assert.equal(t.moved, true);
      assert.equal(t.line, lookupSymbol('memory_failure')!.line + 3);
    }
  });

  test('elixir and github modes give pinned web links', async () => {
    const a = await api();
    await setConfig('kernelTree', undefined);
    await setConfig('kernelLinks', 'elixir');
    const e = await a.kernel.resolve('memory_failure');
    assert.equal(e.kind, 'web');
    if (e.kind === 'web') assert.match(e.url, /^https:\/\/elixir\.bootlin\.com\/linux\/v6\.12\.117\/source\/mm\/memory-failure\.c#L\d+$/);
    await setConfig('kernelLinks', 'github');
    const g = await a.kernel.resolve('memory_failure');
    if (g.kind === 'web') assert.match(g.url, /^https:\/\/github\.com\/gregkh\/linux\/blob\/v6\.12\.117\/mm\/memory-failure\.c#L\d+$/);
    else assert.fail('github link expected');
  });

  test('a kernelTree setting that points nowhere says so once and falls back to web links', async () => {
    const a = await api();
    await setConfig('kernelLinks', 'auto');
    const before = a.kernel.warnings.length;
    await setConfig('kernelTree', '/nonexistent/linux');
    const t1 = await a.kernel.resolve('memory_failure');
    const t2 = await a.kernel.resolve('kill_proc');
    // another bad folder is said once too; the first one is not said again
    await setConfig('kernelTree', '/nonexistent/other');
    await a.kernel.resolve('memory_failure');
    await a.kernel.resolve('kill_proc');
    await setConfig('kernelTree', '/nonexistent/linux');
    await a.kernel.resolve('memory_failure');
    assert.equal(t1.kind, 'web');
    assert.equal(t2.kind, 'web');
    assert.equal(a.kernel.warnings.length - before, 2, a.kernel.warnings.join('\n'));
    assert.match(a.kernel.warnings[before]!, /not a kernel tree/);
  });
});
