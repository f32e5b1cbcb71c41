// Where a kernel symbol's definition is: a local kernel tree when one is
// configured or open (detected by its files; when lines have moved in that
// tree the definition is found by searching the file), else Elixir pinned to
// the version the symbol table was generated from, or GitHub at the pinned
// tag. Proposals that never merged link to their Message-ID on lore.
// Pure: the file system is passed in.

import { PROPOSALS as CORE_PROPOSALS } from '../../kernel/proposals';
import { DEFAULT_TAG, allSymbols, elixirSourceUrl, elixirUrl, githubUrl, isDefinitionLine, loreUrl, lookupSymbol, symbolStatus, symbolTable, tagFor, type KernelSymbol } from '../../kernel/links';

export { isDefinitionLine };

export type LinkMode = 'auto' | 'elixir' | 'github';

/** What the link code needs of a file system (VS Code's workspace.fs in the extension, node:fs in tests). */
export interface TreeFs {
  /** the file's text, or undefined when it does not exist */
  readText(path: string): Promise<string | undefined>;
}

export interface KernelTreeInfo {
  root: string;
  /** "6.12.117" from the tree's Makefile */
  version: string;
}

/** Files whose presence makes a folder a kernel tree this lab can link into. */
export const TREE_MARKERS = ['Makefile', 'mm/memory-failure.c', 'drivers/nvdimm/pmem.c'];

export function joinPath(root: string, rel: string): string {
  return `${root.replace(/[\\/]+$/, '')}/${rel}`;
}

/** VERSION.PATCHLEVEL.SUBLEVEL+EXTRAVERSION of a top-level Makefile, or undefined. */
export function parseKernelVersion(makefile: string): string | undefined {
  const get = (k: string): string | undefined => new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(makefile)?.[1];
  const v = get('VERSION');
  const p = get('PATCHLEVEL');
  if (!v || !p) return undefined;
  return `${v}.${p}.${get('SUBLEVEL') ?? '0'}${get('EXTRAVERSION') ?? ''}`;
}

/** Is `root` a kernel tree? Returns its version when it is. */
export async function probeKernelTree(fs: TreeFs, root: string): Promise<KernelTreeInfo | undefined> {
  const mk = await fs.readText(joinPath(root, 'Makefile'));
  if (mk === undefined) return undefined;
  const version = parseKernelVersion(mk);
  if (!version) return undefined;
  for (const f of TREE_MARKERS.slice(1)) if ((await fs.readText(joinPath(root, f))) === undefined) return undefined;
  return { root, version };
}



/**
 * The 1-based line of a definition in a file's text: the table's line when
 * it still holds the definition, else the matching line nearest to it (the
 * code moved), else undefined. For an op-member the search is limited to
 * lines after the ops table's own definition.
 */
export function locateDefinition(text: string, sym: Pick<KernelSymbol, 'name' | 'kind' | 'line' | 'value' | 'table'>): { line: number; moved: boolean } | undefined {
  const lines = text.split('\n');
  const at = lines[sym.line - 1];
  if (at !== undefined && isDefinitionLine(sym.name, sym, at)) return { line: sym.line, moved: false };
  let from = 0;
  if (sym.kind === 'op-member' && sym.table) {
    const t = lines.findIndex((l) => isDefinitionLine(sym.table!, { kind: 'variable' }, l) && /=\s*\{?\s*$|=\s*\{/.test(l));
    if (t >= 0) from = t;
  }
  let best: number | undefined;
  for (let i = from; i < lines.length; i++) {
    if (!isDefinitionLine(sym.name, sym, lines[i]!)) continue;
    if (best === undefined || Math.abs(i + 1 - sym.line) < Math.abs(best - sym.line)) best = i + 1;
  }
  return best === undefined ? undefined : { line: best, moved: true };
}

/** The Elixir tag for the table's kernel version: "v6.12.117" (the tag every web link uses). */
export function elixirTag(): string {
  return DEFAULT_TAG;
}

/**
 * A web link for a symbol: the definition line when the table knows it, else Elixir's
 * identifier search; in `series`' table at its tag (6.12 when not given). A name the series
 * spells differently links to its own definition (6.1's dax_lock_page for dax_lock_folio).
 */
export function webLink(name: string, mode: 'elixir' | 'github', series = '6.12'): string {
  const st = symbolStatus(name, series);
  const tag = series === '6.12' ? DEFAULT_TAG : tagFor(series);
  if (st.status !== 'present') return elixirUrl(name, tag);
  return mode === 'elixir' ? elixirSourceUrl(st.symbol, tag) : githubUrl(st.symbol, tag);
}

/** The kernel series of a tree's release ("6.1.192" → "6.1"), as the lab names its versions. */
export function seriesOf(release: string): string {
  return /^(\d+\.\d+)/.exec(release)?.[1] ?? release;
}

/** A note for a link in a series other than 6.12: a rename or a symbol the series does not have. */
function seriesNote(name: string, series: string): string | undefined {
  if (series === '6.12') return undefined;
  const st = symbolStatus(name, series);
  if (st.status === 'present' && st.renamedFrom) return `${name} is ${st.symbol.name} in ${symbolTable(series).version}`;
  if (st.status === 'absent') return `${name} is not in ${symbolTable(series).version} (${st.why}): its ${symbolTable().version} definition`;
  return undefined;
}

export type LinkTarget =
  | { kind: 'local'; path: string; line: number; moved: boolean; symbol: string }
  | { kind: 'web'; url: string; symbol: string; note?: string };

/**
 * Where a symbol's link goes. `tree` is the local tree to use in auto mode
 * (undefined: none found, web links are used, Elixir first).
 */
export async function resolveLink(name: string, mode: LinkMode, tree?: { info: KernelTreeInfo; fs: TreeFs }, series = '6.12'): Promise<LinkTarget> {
  const proposal = lookupSymbol(name) ? undefined : proposalOfSymbol(name);
  if (proposal) return { kind: 'web', url: proposalUrl(proposal), symbol: name, note: `${name} comes from a proposal that was not merged: ${proposal.title} <${proposal.messageId}>` };
  if (series !== '6.12') {
    // another series: its own table and tag; a name it does not have goes to 6.12's definition, said so
    const st = symbolStatus(name, series);
    const note = seriesNote(name, series);
    const s = st.status === 'absent' ? '6.12' : series;
    if (mode !== 'auto' || !tree || st.status !== 'present') {
      const url = webLink(name, mode === 'github' ? 'github' : 'elixir', s);
      return note ? { kind: 'web', url, symbol: name, note } : { kind: 'web', url, symbol: name };
    }
    const path = joinPath(tree.info.root, st.symbol.file);
    const text = await tree.fs.readText(path);
    const found = text === undefined ? undefined : locateDefinition(text, st.symbol);
    if (!found) return { kind: 'web', url: webLink(name, 'elixir', series), symbol: name, note: `no definition of ${st.symbol.name} in ${path}` };
    return { kind: 'local', path, line: found.line, moved: found.moved, symbol: name };
  }
  if (mode !== 'auto' || !tree) return { kind: 'web', url: webLink(name, mode === 'github' ? 'github' : 'elixir'), symbol: name };
  const sym = lookupSymbol(name);
  if (!sym) return { kind: 'web', url: webLink(name, 'elixir'), symbol: name, note: `${name} is not in the symbol table: Elixir's identifier search` };
  const path = joinPath(tree.info.root, sym.file);
  const text = await tree.fs.readText(path);
  if (text === undefined) return { kind: 'web', url: webLink(name, 'elixir'), symbol: name, note: `${sym.file} is not in ${tree.info.root}` };
  const found = locateDefinition(text, sym);
  if (!found) return { kind: 'web', url: webLink(name, 'elixir'), symbol: name, note: `no definition of ${name} in ${path}` };
  return { kind: 'local', path, line: found.line, moved: found.moved, symbol: name };
}

/** The subsystem a kernel file belongs to, as the lab names its layers. */
export function layerOfFile(file: string): string {
  const rules: [RegExp, string][] = [
    [/^mm\/memory-failure\.c$|^mm\/hwpoison/, 'mm (memory failure)'],
    [/^mm\//, 'mm'],
    [/^fs\/xfs\//, 'xfs'],
    [/^fs\/dax\.c$/, 'fs/dax'],
    [/^fs\/ext4\//, 'ext4'],
    [/^fs\/iomap\//, 'iomap'],
    [/^fs\//, 'vfs'],
    [/^drivers\/nvdimm\/pmem/, 'pmem'],
    [/^drivers\/nvdimm\//, 'nvdimm'],
    [/^drivers\/dax\//, 'dax'],
    [/^drivers\/acpi\/nfit\//, 'acpi nfit'],
    [/^drivers\/acpi\/apei\//, 'ghes'],
    [/^drivers\/md\//, 'device-mapper'],
    [/^drivers\/cxl\//, 'cxl'],
    [/^arch\/x86\/kernel\/cpu\/mce\//, 'mce'],
    [/^arch\/x86\//, 'x86'],
    [/^block\//, 'block'],
    [/^include\/uapi\//, 'uapi'],
    [/^include\//, 'headers'],
    [/^kernel\//, 'kernel'],
  ];
  for (const [re, name] of rules) if (re.test(file)) return name;
  return file.split('/')[0] ?? file;
}

/** "function · mm (memory failure)", "op-member of xfs_dax_holder_operations = xfs_dax_notify_failure · xfs" */
export function symbolRole(s: KernelSymbol): string {
  const kind = s.kind === 'op-member' ? `op-member of ${s.table}${s.value ? ` = ${s.value}` : ''}` : s.kind;
  return `${kind} · ${layerOfFile(s.file)}`;
}

export interface SymbolPick {
  name: string;
  description: string;
  detail: string;
}

export function symbolPicks(): SymbolPick[] {
  return allSymbols().map((s) => ({ name: s.name, description: `${s.file}:${s.line}`, detail: symbolRole(s) }));
}

/** Routing designs that were proposals on the mailing list, with the message that proposed them. */
export interface Proposal {
  design: string;
  title: string;
  author: string;
  date: string;
  messageId: string;
  summary: string;
  /** functions the proposal adds (not in v6.12): their links go to the proposal */
  symbols: readonly string[];
}

/** the proposal's functions, from the core's table (src/kernel/proposals.ts) */
function proposalSymbols(design: string): string[] {
  return Object.entries(CORE_PROPOSALS)
    .filter(([, p]) => p.design === design)
    .map(([sym]) => sym);
}

export const PROPOSALS: readonly Proposal[] = [
  {
    design: 'corrupted-range',
    title: '[PATCH v3 00/11] fsdax: introduce fs query to support reflink',
    author: 'Shiyang Ruan',
    date: '2021-02-08',
    messageId: '20210208105530.3072869-1-ruansy.fnst@cn.fujitsu.com',
    summary: 'per-pfn pgmap->ops->memory_failure → block_device_operations->corrupted_range → sb->s_op->corrupted_range → rmap',
    symbols: proposalSymbols('corrupted-range'),
  },
  {
    design: 'pagemap-failure',
    title: '[PATCH 2/3] mm, dax, pmem: Introduce dev_pagemap_failure()',
    author: 'Dan Williams',
    date: '2021-03-18',
    messageId: '161604050314.1463742.14151665140035795571.stgit@dwillia2-desk3.amr.corp.intel.com',
    summary: 'unbind with live DAX users calls memory_failure() for every pfn of the device',
    symbols: proposalSymbols('pagemap-failure'),
  },
];

export function proposalFor(design: string): Proposal | undefined {
  return PROPOSALS.find((p) => p.design === design);
}

/** The proposal that adds a function v6.12 does not have. */
export function proposalOfSymbol(symbol: string): Proposal | undefined {
  return PROPOSALS.find((p) => p.symbols.includes(symbol));
}

export function proposalUrl(p: Proposal): string {
  return loreUrl(p.messageId);
}
