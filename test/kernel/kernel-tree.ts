// Find a Linux kernel source tree for the tests that check src/kernel/symbols.json against it.
//
// Order: $KERNEL_TREE; a top folder under /work/kernel (where the development machines extract
// Debian's linux-source-6.12); /usr/src/linux-source-6.12 (the folder Debian's tarball
// /usr/src/linux-source-6.12.tar.xz extracts to when unpacked in place).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface KernelTree {
  path: string;
  /** e.g. "6.12.117", from the tree's Makefile */
  version: string;
  /** how it was found, for messages */
  source: string;
}

export function isKernelTree(path: string): boolean {
  try {
    return statSync(join(path, 'Makefile')).isFile() && statSync(join(path, 'mm')).isDirectory()
      && existsSync(join(path, 'mm', 'memory-failure.c'));
  } catch {
    return false;
  }
}

export function treeVersion(path: string): string {
  const mk = readFileSync(join(path, 'Makefile'), 'utf8');
  const get = (k: string): string => (new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(mk) ?? [])[1] ?? '';
  return `${get('VERSION')}.${get('PATCHLEVEL')}.${get('SUBLEVEL')}${get('EXTRAVERSION')}`;
}

/** Candidate places, in order, with a description of each. */
export function candidateTrees(env: NodeJS.ProcessEnv = process.env): Array<{ path: string; source: string }> {
  const out: Array<{ path: string; source: string }> = [];
  if (env.KERNEL_TREE) out.push({ path: resolve(env.KERNEL_TREE), source: '$KERNEL_TREE' });
  const work = '/work/kernel';
  try {
    for (const name of readdirSync(work).sort()) out.push({ path: join(work, name), source: `${work}/<top folder>` });
  } catch {
    /* no /work/kernel */
  }
  // scripts/setup-kernel-tree.sh unpacks it here
  out.push({ path: resolve(__dirname, '..', '..', '..', '.cache', 'kernel', 'linux-source-6.12'), source: 'scripts/setup-kernel-tree.sh (.cache/kernel)' });
  out.push({ path: resolve(process.cwd(), '.cache', 'kernel', 'linux-source-6.12'), source: 'scripts/setup-kernel-tree.sh (.cache/kernel)' });
  out.push({ path: '/usr/src/linux-source-6.12', source: 'extracted /usr/src/linux-source-6.12.tar.xz' });
  return out;
}

/**
 * The first usable kernel tree, or a reason why there is none. An explicit $KERNEL_TREE that is
 * not a kernel tree is reported rather than silently skipped.
 */
export function findKernelTree(env: NodeJS.ProcessEnv = process.env): KernelTree | { missing: string } {
  const tried: string[] = [];
  for (const c of candidateTrees(env)) {
    if (isKernelTree(c.path)) return { path: c.path, version: treeVersion(c.path), source: c.source };
    if (c.source === '$KERNEL_TREE') return { missing: `$KERNEL_TREE=${c.path} is not a kernel tree` };
    tried.push(c.path);
  }
  return { missing: `none found (set KERNEL_TREE; looked at ${tried.join(', ')})` };
}

/** The repository root: the folder holding scripts/gen-symbols.mjs and src/kernel/. */
export function findRepoRoot(): string {
  const starts = [__dirname, process.cwd()];
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'scripts', 'gen-symbols.mjs')) && existsSync(join(dir, 'src', 'kernel', 'symbol-list.json'))) {
        return dir;
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`repository root not found from ${starts.join(' or ')}`);
}
