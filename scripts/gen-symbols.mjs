#!/usr/bin/env node
// Generate src/kernel/symbols.json: where each kernel symbol the simulator names is defined
// in a real kernel tree (file relative to the tree, 1-based line, kind).
//
// Usage: node scripts/gen-symbols.mjs [KERNEL_TREE] [--release 6.1] [--list FILE] [--out FILE] [--check] [--any-release]
//   KERNEL_TREE defaults to the KERNEL_TREE environment variable.
//   --release S  the table of another modelled kernel series (issue 15): S is a key of
//           src/kernel/releases.json, whose "version" the tree must be, and the output is
//           src/kernel/symbols-S.json. The same list is looked up; a name the series does not
//           have is not an error but recorded under "absent" (with why), a name the series
//           spells differently is found under its old name (releases.json "renamed":
//           {"dax_lock_folio": "dax_lock_page"}, or {"name": ..., "file": ...} to pin a file:
//           the entry is keyed by the old name and "renamed" maps the list's name to it), and
//           releases.json "symbols" adds names
//           only that series has (list entries, in the list's format).
//   The tree must be the release the list pins ("version", e.g. 6.12.117: the release the oracle
//   boots and the web links name; scripts/setup-kernel-tree.sh unpacks exactly it); another
//   release is refused unless --any-release (used by the tests to measure drift) is given.
//   --list  symbol list (default: src/kernel/symbol-list.json next to this repo)
//   --out   output file (default: src/kernel/symbols.json); "-" writes to stdout
//   --check compare with the existing output file instead of writing it (exit 1 on change)
//
// Plain Node ESM, no dependencies. It only reads the kernel tree.
//
// Symbol list format (src/kernel/symbol-list.json):
//   { "version": "6.12.117",
//     "searchRoots": ["mm", "fs/xfs", ...],          // where unpinned symbols are looked for
//     "symbols": [ "memory_failure",                  // plain name: searched in searchRoots
//                  { "name": "kill_proc", "file": "mm/memory-failure.c" },   // pinned file
//                  { "name": "dax_device", "kind": "struct" },               // pinned kind
//                  "xfs_dax_holder_operations.notify_failure" ] }           // ops-table member
// A name "TABLE.member" is an op-member: the `.member =` initialiser inside the definition of
// the ops-table variable TABLE; the output records the table and the initialiser's value.
//
// Kinds: function | macro | struct | enum | enumerator | variable | op-member.
// A plain name found in more than one file is an error (pin a file); several definitions in one
// file (#ifdef variants) resolve to the first one.

import { readFileSync, writeFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const KINDS = ['function', 'macro', 'struct', 'enum', 'enumerator', 'variable', 'op-member'];

// ---------------------------------------------------------------------------------------------
// Lexing: blank out comments, string and character literals (keeping offsets and newlines), so
// that parentheses and braces in them do not disturb the scan.

export function cleanSource(text) {
  const out = text.split('');
  const n = text.length;
  let i = 0;
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    if (c === '/' && d === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && d === '/') {
      let end = text.indexOf('\n', i);
      if (end < 0) end = n;
      blank(i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') {
        if (text[j] === '\\') j++;
        j++;
      }
      blank(i + 1, Math.min(j, n));
      i = j + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

function lineOf(starts, offset) {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function matchClose(text, open) {
  const o = text[open];
  const c = o === '(' ? ')' : o === '{' ? '}' : ']';
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === o) depth++;
    else if (text[i] === c) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function skipSpace(text, i) {
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

function identAt(text, i) {
  IDENT.lastIndex = i;
  const m = IDENT.exec(text);
  return m ? m[0] : null;
}

// After the closing parenthesis of a parameter list: skip attribute macros such as
// `__releases(x)`, `__must_hold(y)`, `__acquires(z)` and return the next significant character.
function charAfterParams(text, close) {
  let i = skipSpace(text, close + 1);
  for (let guard = 0; guard < 8; guard++) {
    const id = identAt(text, i);
    if (!id) break;
    i = skipSpace(text, i + id.length);
    if (text[i] === '(') {
      const end = matchClose(text, i);
      if (end < 0) return '';
      i = skipSpace(text, end + 1);
    }
  }
  return text[i] ?? '';
}

const NOT_FUNCTIONS = new Set([
  'if', 'for', 'while', 'switch', 'return', 'sizeof', 'typeof', 'defined', '__attribute__',
  'EXPORT_SYMBOL', 'EXPORT_SYMBOL_GPL', 'EXPORT_SYMBOL_NS_GPL', 'MODULE_LICENSE',
]);
const DECL_STARTERS = new Set(['extern', 'typedef', 'return', 'goto', 'case', 'default', 'else']);

// ---------------------------------------------------------------------------------------------
// Scanning one file: every definition found, as { name, kind, line, ...extra }.

export function scanDefinitions(rawText) {
  const text = cleanSource(rawText);
  const starts = lineStarts(text);
  const defs = [];
  const add = (name, kind, offset, extra) => defs.push({ name, kind, line: lineOf(starts, offset), ...extra });

  for (let li = 0; li < starts.length; li++) {
    const s = starts[li];
    const e = li + 1 < starts.length ? starts[li + 1] - 1 : text.length;
    const line = text.slice(s, e);

    // #define NAME
    const mdef = /^\s*#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
    if (mdef) {
      add(mdef[1], 'macro', s);
      continue;
    }
    if (/^\s*#/.test(line)) continue;

    // struct/union NAME {   and   enum [NAME] {   (possibly with the brace on the next line)
    const mtag = /^(?:typedef\s+)?(struct|union|enum)\s+([A-Za-z_][A-Za-z0-9_]*)?\s*(\{|$)/.exec(line);
    if (mtag && (mtag[2] || mtag[1] === 'enum')) {
      const brace = skipSpace(text, s + mtag[0].length - (mtag[3] === '{' ? 1 : 0));
      if (text[brace] === '{') {
        if (mtag[2]) add(mtag[2], mtag[1] === 'enum' ? 'enum' : 'struct', s);
        if (mtag[1] === 'enum') scanEnumerators(text, brace, (name, off) => add(name, 'enumerator', off));
        continue;
      }
    }

    // Only column-0 statements are top-level definitions in kernel style.
    if (!/^[A-Za-z_]/.test(line)) continue;
    const first = identAt(line, 0);
    if (DECL_STARTERS.has(first)) continue;

    // DEFINE_*(...) / LIST_HEAD(...) variables
    const mmac = /^(?:static\s+)?(DEFINE_[A-Z0-9_]+|LIST_HEAD)\s*\(/.exec(line);
    if (mmac) {
      const open = s + mmac[0].length - 1;
      const close = matchClose(text, open);
      if (close > 0) {
        const args = text.slice(open + 1, close).split(',').map((a) => a.trim());
        const arg = mmac[1].startsWith('DEFINE_PER_CPU') ? args[args.length - 1] : args[0];
        const id = arg && /^[A-Za-z_][A-Za-z0-9_]*$/.test(arg) ? arg : null;
        if (id) add(id, 'variable', s);
      }
      continue;
    }

    const paren = line.indexOf('(');
    const eq = line.indexOf('=');
    const semi = line.indexOf(';');
    const brace = line.indexOf('{');
    const firstStop = [eq, semi, brace].filter((x) => x >= 0).reduce((a, b) => Math.min(a, b), Infinity);

    if (paren >= 0 && paren < firstStop) {
      // Possible function definition: the identifier right before the first '('.
      const before = line.slice(0, paren).replace(/\s+$/, '');
      const m = /([A-Za-z_][A-Za-z0-9_]*)$/.exec(before);
      if (!m || NOT_FUNCTIONS.has(m[1])) continue;
      const close = matchClose(text, s + paren);
      if (close < 0) continue;
      if (charAfterParams(text, close) === '{') add(m[1], 'function', s);
      continue;
    }

    // Variable definition: `type name [attrs] = ...;` or `type name[...]...` or `type name;`
    if (firstStop === Infinity && line.indexOf('[') < 0) continue;
    let declEnd = Math.min(firstStop, line.indexOf('[') >= 0 ? line.indexOf('[') : Infinity);
    const decl = line.slice(0, declEnd);
    if (/[()]/.test(decl)) continue;
    const toks = decl.replace(/\*/g, ' ').trim().split(/\s+/).filter((t) => !/^__[a-z_]+$/.test(t));
    if (toks.length < 2) continue;
    const name = toks[toks.length - 1];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    // `init` tells a definition with an initialiser from a tentative one (`static T x;`,
    // often a forward declaration of an ops table defined further down).
    add(name, 'variable', s, { init: eq >= 0 && eq === firstStop });
  }
  return { defs, text, starts };
}

function scanEnumerators(text, open, emit) {
  const close = matchClose(text, open);
  if (close < 0) return;
  let depth = 0;
  let itemStart = open + 1;
  const flush = (end) => {
    const seg = text.slice(itemStart, end);
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(seg);
    if (m) emit(m[1], itemStart + seg.indexOf(m[1]));
  };
  for (let i = open + 1; i < close; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '{' || ch === '[') depth++;
    else if (ch === ')' || ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      flush(i);
      itemStart = i + 1;
    }
  }
  flush(close);
}

// Find `.member = value` inside the initialiser of the variable defined at `varLine`.
export function findOpMember(scan, varLine, member) {
  const { text, starts } = scan;
  const from = starts[varLine - 1];
  const open = text.indexOf('{', from);
  if (open < 0) return null;
  const semi = text.indexOf(';', from);
  if (semi >= 0 && semi < open) return null;
  const close = matchClose(text, open);
  if (close < 0) return null;
  const body = text.slice(open, close);
  const re = new RegExp(`\\.\\s*${member}\\s*=\\s*&?\\s*([A-Za-z_][A-Za-z0-9_]*)?`);
  const m = re.exec(body);
  if (!m) return null;
  return { line: lineOf(starts, open + m.index), value: m[1] ?? null };
}

// ---------------------------------------------------------------------------------------------

function listFiles(root, rel, out) {
  const dir = join(root, rel);
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const ent of entries) {
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) listFiles(root, r, out);
    else if (ent.isFile() && /\.[ch]$/.test(ent.name)) out.push(r);
  }
}

export function kernelVersion(tree) {
  const mk = readFileSync(join(tree, 'Makefile'), 'utf8');
  const get = (k) => (new RegExp(`^${k}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(mk) || [])[1] ?? '';
  const extra = get('EXTRAVERSION');
  return `${get('VERSION')}.${get('PATCHLEVEL')}.${get('SUBLEVEL')}${extra}`;
}

function normaliseEntry(entry) {
  if (typeof entry === 'string') return { name: entry };
  if (!entry || typeof entry.name !== 'string') throw new Error(`bad symbol-list entry: ${JSON.stringify(entry)}`);
  if (entry.kind && !KINDS.includes(entry.kind)) throw new Error(`bad kind for ${entry.name}: ${entry.kind}`);
  return entry;
}

/**
 * generate() for another series (--release): names missing from the tree are "absent" rather
 * than problems, a renamed one is looked up under the series' own name, and the series' extra
 * names are added. Problems are left only for the series' own names (renamed targets, extras).
 */
export function generateRelease(tree, list, rel) {
  // "old": "new", or "old": {"name": "new", "file": "..."} where the new name needs a pinned file
  const renamedTo = rel.renamed ?? {};
  const renamed = Object.fromEntries(Object.entries(renamedTo).map(([k, v]) => [k, typeof v === 'string' ? v : v.name]));
  const renamedFile = (k) => (typeof renamedTo[k] === 'string' ? undefined : renamedTo[k].file);
  // the series' name (several of the list's may map to one: 6.12's __add_to_kill,
  // add_to_kill_fsdax and add_to_kill_anon_file are 6.1's add_to_kill); a pinned kind applies
  const entries = [];
  const names = new Set();
  const push = (e) => {
    if (names.has(e.name)) return;
    names.add(e.name);
    entries.push(e);
  };
  for (const e of list.symbols.map(normaliseEntry)) push(renamed[e.name] ? { ...e, name: renamed[e.name], file: renamedFile(e.name) } : e);
  const extraEntries = (rel.symbols ?? []).map(normaliseEntry);
  for (const e of extraEntries) push(e);
  const own = new Set([...Object.values(renamed), ...extraEntries.map((e) => e.name)]);
  // a pinned file that moved between releases: look in the search roots instead
  const first = generate(tree, { ...list, symbols: entries });
  const unpinned = entries.map((e) => (e.file && first.problems.some((p) => p.startsWith(`${e.name}:`)) ? { ...e, file: undefined } : e));
  const { result, problems } = generate(tree, { ...list, symbols: unpinned });
  const absent = {};
  const left = [];
  for (const p of problems) {
    const name = p.slice(0, p.indexOf(':'));
    if (own.has(name)) left.push(p);
    else absent[name] = p.slice(name.length + 2);
  }
  const sortedAbsent = {};
  for (const k of Object.keys(absent).sort()) sortedAbsent[k] = absent[k];
  const sortedRenamed = {};
  for (const k of Object.keys(renamed).sort()) sortedRenamed[k] = renamed[k];
  return { result: { version: result.version, renamed: sortedRenamed, absent: sortedAbsent, symbols: result.symbols }, problems: left };
}

export function generate(tree, list) {
  const cache = new Map();
  const scanFile = (rel) => {
    if (!cache.has(rel)) {
      const p = join(tree, rel);
      cache.set(rel, existsSync(p) ? scanDefinitions(readFileSync(p, 'utf8')) : null);
    }
    return cache.get(rel);
  };

  const entries = list.symbols.map(normaliseEntry);
  const seen = new Set();
  for (const e of entries) {
    if (seen.has(e.name)) throw new Error(`duplicate symbol in list: ${e.name}`);
    seen.add(e.name);
  }

  // Index the search roots once, for the unpinned plain names.
  const wanted = new Set(entries.filter((e) => !e.file).map((e) => (e.name.includes('.') ? e.name.split('.')[0] : e.name)));
  const index = new Map(); // name -> [{file, def}]
  if (wanted.size) {
    const files = [];
    for (const root of list.searchRoots ?? []) {
      const full = join(tree, root);
      if (!existsSync(full)) continue;
      if (statSync(full).isFile()) files.push(root);
      else listFiles(tree, root, files);
    }
    files.sort();
    for (const rel of files) {
      const scan = scanFile(rel);
      for (const def of scan.defs) {
        if (!wanted.has(def.name)) continue;
        if (!index.has(def.name)) index.set(def.name, []);
        index.get(def.name).push({ file: rel, def });
      }
    }
  }

  const symbols = {};
  const problems = [];
  const locate = (name, kind, file) => {
    let cands;
    if (file) {
      const scan = scanFile(file);
      if (!scan) return { error: `pinned file ${file} does not exist` };
      cands = scan.defs.filter((d) => d.name === name).map((def) => ({ file, def }));
    } else {
      cands = index.get(name) ?? [];
    }
    if (kind) cands = cands.filter((c) => c.def.kind === kind);
    if (!cands.length) return { error: file ? `no definition in ${file}` : 'no definition in the search roots' };
    const files = [...new Set(cands.map((c) => c.file))];
    if (files.length > 1) return { error: `defined in several files (pin one): ${files.join(', ')}` };
    const kinds = [...new Set(cands.map((c) => c.def.kind))];
    if (kinds.length > 1 && !kind) {
      // Prefer the strongest kind when a name is e.g. both a struct and a variable in one file.
      const order = ['function', 'struct', 'enum', 'enumerator', 'macro', 'variable'];
      cands.sort((a, b) => order.indexOf(a.def.kind) - order.indexOf(b.def.kind) || a.def.line - b.def.line);
    } else {
      // First definition in the file; for variables the first one with an initialiser.
      const rank = (c) => (c.def.kind === 'variable' && !c.def.init ? 1 : 0);
      cands.sort((a, b) => rank(a) - rank(b) || a.def.line - b.def.line);
    }
    return { hit: cands[0] };
  };

  for (const e of entries) {
    if (e.name.includes('.')) {
      const [table, member] = e.name.split('.');
      const r = locate(table, 'variable', e.file);
      if (r.error) {
        problems.push(`${e.name}: table ${table}: ${r.error}`);
        continue;
      }
      const scan = scanFile(r.hit.file);
      const m = findOpMember(scan, r.hit.def.line, member);
      if (!m) {
        problems.push(`${e.name}: no .${member} initialiser in ${table} (${r.hit.file}:${r.hit.def.line})`);
        continue;
      }
      symbols[e.name] = { file: r.hit.file, line: m.line, kind: 'op-member', table, ...(m.value ? { value: m.value } : {}) };
      continue;
    }
    const r = locate(e.name, e.kind, e.file);
    if (r.error) {
      problems.push(`${e.name}: ${r.error}`);
      continue;
    }
    symbols[e.name] = { file: r.hit.file, line: r.hit.def.line, kind: r.hit.def.kind };
  }

  const sorted = {};
  for (const k of Object.keys(symbols).sort()) sorted[k] = symbols[k];
  return { result: { version: kernelVersion(tree), symbols: sorted }, problems };
}

export function render(result) {
  return `${JSON.stringify(result, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------

function main(argv) {
  const here = dirname(fileURLToPath(import.meta.url));
  const repo = resolve(here, '..');
  let tree = null;
  let listPath = join(repo, 'src', 'kernel', 'symbol-list.json');
  let outPath = join(repo, 'src', 'kernel', 'symbols.json');
  let check = false;
  let anyRelease = false;
  let release = null;
  let outGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--list') listPath = resolve(argv[++i]);
    else if (a === '--out') {
      outPath = argv[++i] === '-' ? '-' : resolve(argv[i]);
      outGiven = true;
    } else if (a === '--release') release = argv[++i];
    else if (a === '--check') check = true;
    else if (a === '--any-release') anyRelease = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node scripts/gen-symbols.mjs [KERNEL_TREE] [--release 6.1] [--list FILE] [--out FILE|-] [--check] [--any-release]');
      return 0;
    } else if (a.startsWith('--')) {
      console.error(`gen-symbols: unknown option ${a}`);
      return 2;
    } else tree = a;
  }
  tree = tree ?? process.env.KERNEL_TREE;
  if (!tree) {
    console.error('gen-symbols: no kernel tree: pass its path or set KERNEL_TREE');
    return 2;
  }
  tree = resolve(tree);
  if (!existsSync(join(tree, 'Makefile')) || !existsSync(join(tree, 'mm'))) {
    console.error(`gen-symbols: ${tree} does not look like a kernel tree (no Makefile or mm/)`);
    return 2;
  }
  const list = JSON.parse(readFileSync(listPath, 'utf8'));
  let rel = null;
  if (release !== null) {
    const releases = JSON.parse(readFileSync(join(repo, 'src', 'kernel', 'releases.json'), 'utf8'));
    rel = releases[release];
    if (!rel || typeof rel !== 'object' || release.startsWith('$')) {
      console.error(`gen-symbols: --release ${release}: not a series of src/kernel/releases.json (series: ${Object.keys(releases).filter((k) => !k.startsWith('$')).join(', ')})`);
      return 2;
    }
    if (!outGiven) outPath = join(repo, 'src', 'kernel', `symbols-${release}.json`);
    list.version = rel.version;
  }
  const { result, problems } = rel ? generateRelease(tree, list, rel) : generate(tree, list);
  if (list.version && list.version !== result.version) {
    if (!anyRelease) {
      console.error(`gen-symbols: ${tree} is ${result.version}, but the project is pinned to ${list.version} (the release the oracle boots and the links name): unpack that one with bash scripts/setup-kernel-tree.sh, or move every pin together (see "release" in ${relative(process.cwd(), listPath) || listPath})`);
      return 1;
    }
    console.error(`gen-symbols: warning: tree is ${result.version}, the list is pinned to ${list.version}`);
  }
  if (problems.length) {
    console.error(`gen-symbols: FAILED: ${problems.length} symbol(s) not found in ${tree}:`);
    for (const p of problems) console.error(`  - ${p}`);
    return 1;
  }
  const text = render(result);
  if (check) {
    const old = existsSync(outPath) ? readFileSync(outPath, 'utf8') : '';
    if (old !== text) {
      console.error(`gen-symbols: ${relative(process.cwd(), outPath) || outPath} is out of date; run: node scripts/gen-symbols.mjs ${tree}`);
      return 1;
    }
    console.log(`gen-symbols: ${Object.keys(result.symbols).length} symbols up to date (${result.version})`);
    return 0;
  }
  if (outPath === '-') process.stdout.write(text);
  else {
    writeFileSync(outPath, text);
    console.error(`gen-symbols: wrote ${Object.keys(result.symbols).length} symbols (${result.version}) to ${outPath.split(sep).slice(-3).join('/')}`);
  }
  return 0;
}

const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) process.exitCode = main(process.argv.slice(2));
