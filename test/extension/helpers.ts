// Shared by the extension-host suites: the activated extension's API, the
// built-in scenarios, a scratch folder, a local kernel tree if there is one.
import * as vscode from 'vscode';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaxPoisonLabApi } from '../../src/extension/extension';
import type { Outcome } from '../../src/extension/lab';

export const EXTENSION_ID = 'dax-poison-lab.dax-poison-lab';

export async function api(): Promise<DaxPoisonLabApi> {
  const ext = vscode.extensions.getExtension<DaxPoisonLabApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  return ext.isActive ? ext.exports : await ext.activate();
}

export function extensionRoot(): string {
  return vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri.fsPath;
}

export function builtin(name: string): vscode.Uri {
  return vscode.Uri.file(join(extensionRoot(), 'scenarios', name.endsWith('.yaml') ? name : `${name}.poison.yaml`));
}

export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'dpl-ext-'));
}

export async function exec(id: string, ...args: unknown[]): Promise<Outcome> {
  return (await vscode.commands.executeCommand(id, ...args)) as Outcome;
}

export async function waitFor<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A local v6.12 kernel tree: $KERNEL_TREE, /work/kernel/<top folder>, or the one scripts/setup-kernel-tree.sh unpacks. */
export function kernelTree(): string | undefined {
  const isTree = (p: string) => existsSync(join(p, 'Makefile')) && existsSync(join(p, 'mm', 'memory-failure.c')) && existsSync(join(p, 'drivers', 'nvdimm', 'pmem.c'));
  const cands: string[] = [];
  if (process.env.KERNEL_TREE) cands.push(process.env.KERNEL_TREE);
  try {
    for (const n of readdirSync('/work/kernel').sort()) cands.push(join('/work/kernel', n));
  } catch {
    /* none */
  }
  cands.push(join(extensionRoot(), '.cache', 'kernel', 'linux-source-6.12'), '/usr/src/linux-source-6.12');
  return cands.find(isTree);
}

export async function setConfig(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('daxPoisonLab').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Links go to the local kernel tree (kernelLinks auto); the test is skipped, saying why, when there is none. */
export async function useLocalKernelTree(t: Mocha.Context): Promise<string> {
  const tree = kernelTree();
  if (!tree) {
    console.log('      (skipped: no local kernel tree; run bash scripts/setup-kernel-tree.sh or set KERNEL_TREE)');
    t.skip();
  }
  await setConfig('kernelLinks', 'auto');
  await setConfig('kernelTree', tree);
  return tree!;
}
