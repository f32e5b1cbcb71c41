// Links from the simulator to the kernel source it reproduces.
//
// Pure TypeScript (no Node APIs): usable from the extension host, the webview bundle and the
// CLI. The symbol table is generated from a real kernel tree by scripts/gen-symbols.mjs
// (see docs/kernel-notes.md); regenerate it with `node scripts/gen-symbols.mjs <tree>`.

import symbolTable612 from './symbols.json';
import symbolTable61 from './symbols-6.1.json';

/** Kinds of definition recorded by scripts/gen-symbols.mjs. */
export type SymbolKind = 'function' | 'macro' | 'struct' | 'enum' | 'enumerator' | 'variable' | 'op-member';

/** Where a kernel symbol is defined, in the tree the table was generated from. */
export interface SymbolEntry {
  /** Path relative to the top of the kernel tree, with forward slashes. */
  file: string;
  /** 1-based line of the definition. */
  line: number;
  kind: SymbolKind;
  /** For op-members (`TABLE.member`): the ops-table variable holding the initialiser. */
  table?: string;
  /** For op-members: the function (or value) the member is initialised with. */
  value?: string;
}

/** A symbol entry together with its name (the key in the table). */
export interface KernelSymbol extends SymbolEntry {
  name: string;
}

export interface SymbolTable {
  /** Kernel release the table was generated from, e.g. "6.12.117". */
  version: string;
  symbols: Record<string, SymbolEntry>;
}

export const SYMBOLS: SymbolTable = symbolTable612 as SymbolTable;

/** Release of the kernel tree the line numbers come from (e.g. "6.12.117"). */
export const KERNEL_VERSION: string = SYMBOLS.version;

/** The stable tag of a release: "6.12.117" → "v6.12.117" (and "6.13.0" → "v6.13"). */
export function releaseTag(version: string): string {
  const m = /^(\d+\.\d+)(?:\.(\d+))?/.exec(version);
  if (!m) throw new Error(`not a kernel release: ${JSON.stringify(version)}`);
  return m[2] && m[2] !== '0' ? `v${m[1]}.${m[2]}` : `v${m[1]}`;
}

/**
 * The tag every link is pinned to unless the caller asks for another: the stable tag of the
 * release the symbol table was generated from (v6.12.117), so a link's line number is the one
 * the table holds. The oracle boots the same release (test/kernel/release-pins.test.ts).
 */
export const DEFAULT_TAG: string = releaseTag(KERNEL_VERSION);

/**
 * GitHub repository the `github` links go to: Greg Kroah-Hartman's mirror of linux-stable, which
 * carries the stable tags (v6.12.117); torvalds/linux has mainline tags only.
 */
export const GITHUB_REPO = 'gregkh/linux';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The identifier Elixir can search for: an op-member `TABLE.member` is searched by its table. */
function identOf(symbol: string): string {
  const base = symbol.includes('.') ? symbol.slice(0, symbol.indexOf('.')) : symbol;
  if (!IDENT.test(base)) throw new Error(`not a C identifier: ${JSON.stringify(symbol)}`);
  return base;
}

/**
 * Elixir (bootlin) identifier search, e.g.
 * `https://elixir.bootlin.com/linux/v6.12.117/A/ident/memory_failure`.
 * Lists definitions and references; stays valid when code moves between releases.
 */
export function elixirUrl(symbol: string, tag: string = DEFAULT_TAG): string {
  return `https://elixir.bootlin.com/linux/${encodeURIComponent(tag)}/A/ident/${identOf(symbol)}`;
}

/** Elixir source view of a file at a line, e.g. `…/linux/v6.12.117/source/mm/memory-failure.c#L2254`. */
export function elixirSourceUrl(entry: Pick<SymbolEntry, 'file' | 'line'>, tag: string = DEFAULT_TAG): string {
  return `https://elixir.bootlin.com/linux/${encodeURIComponent(tag)}/source/${encodePath(entry.file)}#L${entry.line}`;
}

/**
 * GitHub link to the definition line on the linux-stable mirror, e.g.
 * `https://github.com/gregkh/linux/blob/v6.12.117/mm/memory-failure.c#L2254`: the same release
 * the table's line numbers come from (Debian's linux-source at that release; Debian's own
 * patches are not in the stable tag, see the README's "Kernel release").
 */
export function githubUrl(entry: Pick<SymbolEntry, 'file' | 'line'>, tag: string = DEFAULT_TAG): string {
  return `https://github.com/${GITHUB_REPO}/blob/${encodeURIComponent(tag)}/${encodePath(entry.file)}#L${entry.line}`;
}

/** lore.kernel.org redirector for a mailing-list Message-ID (with or without angle brackets). */
export function loreUrl(messageId: string): string {
  const id = messageId.trim().replace(/^<|>$/g, '').replace(/^mid:/i, '');
  if (!id || /\s/.test(id)) throw new Error(`not a Message-ID: ${JSON.stringify(messageId)}`);
  return `https://lore.kernel.org/r/${encodeURIComponent(id).replace(/%40/g, '@')}`;
}

/** Look a symbol up in the generated table; `undefined` when the simulator does not know it. */
export function lookupSymbol(name: string): KernelSymbol | undefined {
  if (!Object.prototype.hasOwnProperty.call(SYMBOLS.symbols, name)) return undefined;
  return { name, ...SYMBOLS.symbols[name] };
}

/** All symbols of the table, sorted by name. */
export function allSymbols(): KernelSymbol[] {
  return Object.keys(SYMBOLS.symbols)
    .sort()
    .map((name) => ({ name, ...SYMBOLS.symbols[name] }));
}

/** Best link for a symbol: the exact line when the table knows it, else the Elixir search. */
export function symbolUrl(name: string, tag: string = DEFAULT_TAG): string {
  const entry = lookupSymbol(name);
  return entry ? githubUrl(entry, tag) : elixirUrl(name, tag);
}

// ------------------------------------------------------------ per kernel series (issue 15)

/**
 * The table of another modelled series (scripts/gen-symbols.mjs --release): keyed by that
 * series' own names; `renamed` maps a name of the 6.12 list to the name the series has
 * (dax_lock_folio → dax_lock_page), `absent` lists the names it does not have, with why.
 */
export interface SeriesTable extends SymbolTable {
  renamed?: Record<string, string>;
  absent?: Record<string, string>;
}

/** the modelled series and their tables: 6.12 (the first pin) and 6.1 */
const TABLES: Record<string, SeriesTable> = { '6.12': SYMBOLS, '6.1': symbolTable61 as SeriesTable };

/** series the lab has a table for */
export const TABLE_SERIES: readonly string[] = Object.keys(TABLES);

/** The symbol table of a kernel series ('6.12' when not given); throws for one the lab has none for. */
export function symbolTable(series = '6.12'): SeriesTable {
  const t = TABLES[series];
  if (!t) throw new Error(`no symbol table for kernel ${JSON.stringify(series)} (tables: ${TABLE_SERIES.join(', ')})`);
  return t;
}

/** The stable tag a series' links are pinned to: '6.12' → v6.12.117, '6.1' → v6.1.192. */
export function tagFor(series = '6.12'): string {
  return releaseTag(symbolTable(series).version);
}

/** What a series has under a name of the lab's (6.12) list: present (maybe renamed), absent (with why), or unknown. */
export type SymbolStatus =
  | { status: 'present'; symbol: KernelSymbol; renamedFrom?: string }
  | { status: 'absent'; why: string }
  | { status: 'unknown' };

export function symbolStatus(name: string, series = '6.12'): SymbolStatus {
  const t = symbolTable(series);
  const own = (n: string) => (Object.prototype.hasOwnProperty.call(t.symbols, n) ? { name: n, ...t.symbols[n]! } : undefined);
  const direct = own(name);
  if (direct) return { status: 'present', symbol: direct };
  const to = t.renamed && Object.prototype.hasOwnProperty.call(t.renamed, name) ? t.renamed[name] : undefined;
  const renamed = to ? own(to) : undefined;
  if (renamed) return { status: 'present', symbol: renamed, renamedFrom: name };
  if (t.absent && Object.prototype.hasOwnProperty.call(t.absent, name)) return { status: 'absent', why: t.absent[name]! };
  return { status: 'unknown' };
}

/** A symbol's definition in a series (through a rename), or undefined when the series does not have it. */
export function lookupSymbolIn(name: string, series = '6.12'): KernelSymbol | undefined {
  const st = symbolStatus(name, series);
  return st.status === 'present' ? st.symbol : undefined;
}

/** Best link for a symbol in a series: its definition line at that series' tag, else the Elixir search there. */
export function symbolUrlIn(name: string, series = '6.12'): string {
  const entry = lookupSymbolIn(name, series);
  const tag = tagFor(series);
  return entry ? githubUrl(entry, tag) : elixirUrl(name, tag);
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Does one source line hold the definition of `name` of this kind? (The same test the symbol table is checked with.) */
export function isDefinitionLine(name: string, entry: Pick<SymbolEntry, 'kind' | 'value'>, text: string): boolean {
  const n = escapeRe(name);
  switch (entry.kind) {
    case 'function':
      return /^[A-Za-z_]/.test(text) && new RegExp(`(^|[^A-Za-z0-9_])${n}\\s*\\(`).test(text) && !/;\s*$/.test(text);
    case 'macro':
      return new RegExp(`^\\s*#\\s*define\\s+${n}\\b`).test(text);
    case 'struct':
      return new RegExp(`^(typedef\\s+)?(struct|union)\\s+${n}\\b`).test(text);
    case 'enum':
      return new RegExp(`^(typedef\\s+)?enum\\s+${n}\\b`).test(text);
    case 'enumerator':
      return new RegExp(`^\\s*${n}\\b\\s*(=|,|$|/\\*)`).test(text);
    case 'variable':
      return /^[A-Za-z_]/.test(text) && !/^extern\b/.test(text) && new RegExp(`\\b${n}\\b`).test(text);
    case 'op-member': {
      const member = name.slice(name.indexOf('.') + 1);
      return new RegExp(`^\\s*\\.${escapeRe(member)}\\s*=`).test(text) && (!entry.value || new RegExp(`\\b${escapeRe(entry.value)}\\b`).test(text));
    }
    default:
      return false;
  }
}
