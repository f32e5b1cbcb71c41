// One kernel release for the whole project: the symbol table (src/kernel/symbols.json), the
// tree it is generated from (scripts/setup-kernel-tree.sh), the web links (src/kernel/links.ts),
// the kernel the oracle boots (scripts/oracle-setup.sh, oracle/src/setup.ts) and the release every
// oracle recording says it ran on must agree, unless src/kernel/symbol-list.json declares the
// difference in "releaseDifferences". See the README's "Kernel release".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { DEFAULT_TAG, KERNEL_VERSION, elixirSourceUrl, elixirUrl, githubUrl, lookupSymbol, releaseTag, symbolUrl } from '../../src/kernel/links';
import { webLink } from '../../src/extension/model/kernelLinks';
import { KVER } from '../../oracle/src/setup';
import { findKernelTree, findRepoRoot } from './kernel-tree';

const repo = findRepoRoot();
const read = (rel: string): string => readFileSync(join(repo, rel), 'utf8');
const list = JSON.parse(read('src/kernel/symbol-list.json')) as {
  version: string;
  debianVersion: string;
  releaseDifferences?: Record<string, { release: string; why: string }>;
};
const table = JSON.parse(read('src/kernel/symbols.json')) as { version: string };
const pinned = list.version;
const declared = list.releaseDifferences ?? {};

/** "6.12.117+deb12-amd64" → "6.12.117" */
function releaseOf(kver: string): string {
  const m = /^(\d+\.\d+\.\d+)/.exec(kver);
  assert.ok(m, `not a kernel release: ${kver}`);
  return m[1]!;
}

type Declared = { release: string; why: string } | undefined;

/** Whether a place naming `release` is in order, given its declaration (if any); a problem, or undefined. */
export function judgePlace(place: string, release: string, d: Declared): string | undefined {
  if (release === pinned) return d ? `${place} is ${pinned} again: remove its releaseDifferences entry` : undefined;
  if (!d) return `${place} is ${release}, the project is pinned to ${pinned} (declare it in src/kernel/symbol-list.json releaseDifferences, with why)`;
  if (d.release !== release || !d.why?.trim()) return `${place}: declared ${d.release} (${d.why?.trim() || 'no why'}), is ${release}`;
  return undefined;
}

/** Every place and the release it names. */
function places(): Map<string, string> {
  const out = new Map<string, string>();
  const setup = /^KVER=(\S+)$/m.exec(read('scripts/oracle-setup.sh'));
  assert.ok(setup, 'scripts/oracle-setup.sh sets KVER=');
  out.set('oracle-setup', releaseOf(setup[1]!));
  out.set('oracle-guest', releaseOf(KVER));
  const dir = join(repo, 'oracle', 'recorded');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.meta.json')).sort()) {
    const meta = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { kernel?: string };
    assert.equal(typeof meta.kernel, 'string', `oracle/recorded/${f} records the kernel it ran on`);
    out.set(`oracle/recorded/${f}`, releaseOf(meta.kernel!));
  }
  return out;
}

test('the symbol table, its list and the links name the pinned release', () => {
  assert.match(pinned, /^\d+\.\d+\.\d+$/);
  assert.equal(table.version, pinned, 'src/kernel/symbols.json was generated from the pinned release');
  assert.equal(KERNEL_VERSION, pinned);
  assert.ok(list.debianVersion.startsWith(`${pinned}-`), `debianVersion ${list.debianVersion} is a Debian build of ${pinned}`);
  const tag = releaseTag(pinned);
  assert.equal(DEFAULT_TAG, tag);
  const mf = lookupSymbol('memory_failure')!;
  for (const url of [
    githubUrl(mf),
    elixirSourceUrl(mf),
    elixirUrl('memory_failure'),
    symbolUrl('memory_failure'),
    webLink('memory_failure', 'github'),
    webLink('memory_failure', 'elixir'),
    webLink('not_a_kernel_symbol', 'elixir'),
  ]) {
    assert.ok(url.includes(`/${tag}/`), `${url} names ${tag}`);
  }
  assert.ok(githubUrl(mf).startsWith('https://github.com/gregkh/linux/blob/'), 'GitHub links go to a mirror that has the stable tags');
});

test('the tree setup unpacks the pinned release', () => {
  const sh = read('scripts/setup-kernel-tree.sh');
  // the script takes both from the list, so it cannot name another release
  assert.match(sh, /symbol-list\.json"\)\.version/);
  assert.match(sh, /symbol-list\.json"\)\.debianVersion/);
  assert.match(sh, /releases\.json"\)\["6\.1"\]\.version/);
  assert.match(sh, /releases\.json"\)\["6\.1"\]\.debianVersion/);
  assert.match(sh, /pkg="linux-source-\$series=\$debver"/);
  const hard = [...sh.matchAll(/\b\d+\.\d+\.\d+\b/g)].map((m) => m[0]);
  assert.deepEqual(hard, [], 'no release hard-coded in scripts/setup-kernel-tree.sh');
});

test('the oracle boots the pinned release and every recording says so, or the difference is declared', () => {
  const all = places();
  const bad: string[] = [];
  for (const [place, release] of all) {
    const problem = judgePlace(place, release, declared[place]);
    if (problem) bad.push(problem);
  }
  for (const place of Object.keys(declared)) if (!all.has(place) && place !== 'tree-setup') bad.push(`releaseDifferences names ${place}, which is no place`);
  assert.deepEqual(bad, []);
  assert.ok(all.size > 2, 'recordings were found');
});

/** Files under `rel` (recursively) whose names match `re`. */
function filesUnder(rel: string, re: RegExp): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(repo, rel), { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(r, re));
    else if (re.test(e.name)) out.push(r);
  }
  return out.sort();
}

test('code and scripts name no other 6.12 release than the pinned one', () => {
  const files = [
    ...filesUnder('src', /\.(ts|tsx)$/),
    ...filesUnder('oracle/src', /\.ts$/),
    ...filesUnder('oracle/guest', /\.(c|sh)$|^init$/),
    ...filesUnder('scripts', /\.(sh|mjs)$/),
  ];
  const bad: string[] = [];
  for (const f of files) {
    read(f).split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/(?<![\d.])6\.12\.(\d+)/g)) if (m[0] !== pinned) bad.push(`${f}:${i + 1}: ${m[0]}`);
    });
  }
  assert.ok(files.includes('oracle/src/setup.ts') && files.includes('scripts/oracle-setup.sh'));
  assert.deepEqual(bad, []);
});

test('a declared difference is accepted, an undeclared or stale one is not', () => {
  assert.equal(judgePlace('oracle/recorded/x.meta.json', pinned, undefined), undefined);
  assert.match(judgePlace('oracle/recorded/x.meta.json', '6.12.999', undefined)!, /is 6\.12\.999, the project is pinned to .*declare it/);
  assert.equal(judgePlace('oracle-setup', '6.12.999', { release: '6.12.999', why: 'recorded before the pin moved' }), undefined);
  assert.match(judgePlace('oracle-setup', '6.12.999', { release: '6.12.998', why: 'x' })!, /declared 6\.12\.998 \(x\), is 6\.12\.999/);
  assert.match(judgePlace('oracle-setup', '6.12.999', { release: '6.12.999', why: ' ' })!, /no why/);
  assert.match(judgePlace('oracle-setup', pinned, { release: pinned, why: 'x' })!, /again: remove/);
});

test('the local kernel tree is the pinned release', (t) => {
  const found = findKernelTree();
  if ('missing' in found) {
    t.skip(`no kernel tree: ${found.missing}`);
    return;
  }
  if (found.version !== pinned) {
    // Not a failure of the project: the symbol-table tests then compare without line numbers.
    t.diagnostic(`${found.path} is ${found.version}, not the pinned ${pinned}: bash scripts/setup-kernel-tree.sh replaces it, and only then are the table's line numbers checked`);
    t.skip(`local tree is ${found.version}, pinned ${pinned}`);
    return;
  }
  assert.equal(found.version, pinned);
});
