// The Design Comparison webview: one grid whose rows are what a run did and
// whose columns are the designs (row headers stick to the left, column
// headers to the top, differences from the baseline design marked in place
// with ≠), the verdict matrix (who was told, who was not, and why: a badge
// per design, the reason in the tooltip and, for the selected cell, in a
// detail strip with the deciding symbol linked to the kernel source), and
// wide bar charts on a log scale (calls per symbol, simulated cost).
// Identifiers are never broken: every token is a nowrap span and lines
// break only between tokens. Colours are the theme's, made readable by
// comparison/palette.ts.

import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ComparisonState, HostMessage } from '../src/protocol/messages';
import { checkComparisonView, designGroups, kernelLayout, MARKER_GLYPH, stackCells, stackVerdicts, type Cell, type ComparisonView, type DesignColumn, type DesignGroup, type KernelLayout, type StackedCell, type VerdictCell, type VerdictRow } from '../src/protocol/comparison';
import { bootstrap, codicon, connect, getState, h, onThemeChange, post, setState } from './common/host';
import { applyPalette } from './comparison/palette';
import { patternDefs, renderChart, swatch } from './comparison/chart';

interface Persisted {
  scrollY: number;
  /** the selected verdict cell: row id and design */
  verdict?: { row: string; design: string };
  onlyDiffering?: boolean;
  /** with kernels side by side: every kernel inside its design's column, or a column per design and kernel */
  kernelLayout?: KernelLayout;
}

const boot = bootstrap('comparison');
let state = boot.state as ComparisonState;
let persisted: Persisted = { scrollY: 0, ...getState<Persisted>() };
const root = document.getElementById('root')!;

function save(p: Partial<Persisted>): void {
  persisted = { ...persisted, ...p };
  setState<Persisted>(persisted);
}

/** Tokens as nowrap spans with spaces between them (the only places a line breaks). */
function toks(tokens: string[], cls = 'tok'): (Node | string)[] {
  const out: (Node | string)[] = [];
  tokens.forEach((t, i) => {
    if (i) out.push(' ');
    out.push(h('span', { class: cls }, t));
  });
  return out;
}

function columnHead(c: DesignColumn, v: ComparisonView): HTMLElement {
  const tags: string[] = [];
  if (c.current) tags.push('session');
  if (c.baseline && !c.current) tags.push('baseline');
  const th = h('th', { scope: 'col', class: c.current ? 'current-col' : undefined, title: c.error ? `${c.label}: ${c.error}` : `${c.label}${c.current ? ': the session\u2019s design' : ''}${c.baseline ? `; the others are compared with it (≠)` : ''}`, 'aria-label': `${c.label}${c.current ? ', the session\u2019s design' : ''}${c.baseline ? ', baseline' : ''}${c.error ? `, did not run: ${c.error}` : ''}` });
  // with kernels: the design and the kernel as two tokens, so a narrow column puts the kernel on its own line
  const name = c.kernel && v.kernels.length > 1 ? [h('span', { class: 'tok' }, c.design), ' ', h('span', { class: 'tok kernel' }, `· ${c.kernel}`)] : [h('span', { class: 'tok' }, c.label)];
  th.append(h('span', { class: `col-head${c.error ? ' error' : ''}` }, c.error ? codicon('warning') : swatch(c), ...name, tags.length ? h('span', { class: 'tag tok' }, `(${tags.join(', ')})`) : null));
  void v;
  return th;
}

/** what column i's ≠ compares with: the baseline, or, with kernels side by side, the same design under the session's kernel */
function comparedWith(v: ComparisonView, i: number): string {
  const col = v.columns[i]!;
  const k = v.columns.find((c) => c.baseline)?.kernel;
  return v.kernels.length > 1 && col.kernel && k ? `${col.design} · ${k}` : v.baseline;
}

function gridCell(c: Cell, design: string, baseline: string): HTMLElement {
  const td = h('td', { class: `${c.quiet ? 'quiet' : ''}${c.diff ? ' diff' : ''}`.trim() || undefined, title: c.diff ? `${c.title}\n(differs from ${baseline})` : c.title, 'data-design': design });
  if (c.diff) td.append(h('span', { class: 'diff-mark', 'aria-label': `differs from ${baseline}:` }, '≠'));
  td.append(...toks(c.tokens));
  return td;
}

function colgroup(n: number, first: string): HTMLElement {
  const cg = h('colgroup', {}, h('col', { class: 'c-head' }));
  cg.firstElementChild!.setAttribute('span', '1');
  const col = cg.firstElementChild as HTMLTableColElement;
  col.style.width = first;
  for (let i = 0; i < n; i++) cg.append(h('col', {}));
  return cg;
}

/**
 * Once laid out, widen the grid until no token is wider than its cell: the
 * fixed minimum holds the identifiers in the editor fonts tried, but a
 * marked cell ("≠" and its bar) or another monospace font needs more. The
 * page then scrolls sideways (the row headers stay), never clips.
 */
function fitTokens(table: HTMLElement, columns: number, headShare: number): void {
  requestAnimationFrame(() => {
    if (!table.isConnected) return;
    let need = 0;
    for (const t of table.querySelectorAll<HTMLElement>('td .tok')) {
      const td = t.closest('td');
      if (!td) continue;
      const over = t.getBoundingClientRect().right - td.getBoundingClientRect().right + 8;
      if (over > need) need = over;
    }
    if (need <= 0) return;
    const now = table.getBoundingClientRect().width;
    // each of the columns grows by `need`; the row-header column keeps its share of the table
    table.style.minWidth = `${Math.ceil(now + (need * columns) / (1 - headShare))}px`;
  });
}

/** The session's kernel, when kernels are compared (the column the ≠ marks compare with). */
function sessionKernel(v: ComparisonView): string | undefined {
  return state.kernels?.session ?? v.columns.find((c) => c.baseline)?.kernel;
}

function stackedHead(g: DesignGroup, v: ComparisonView): HTMLElement {
  const first = v.columns[g.columns[0]!]!;
  const errs = g.columns.map((i) => v.columns[i]!).filter((c) => c.error);
  const all = errs.length === g.columns.length;
  const tag = g.current ? 'session' : g.baseline ? 'baseline' : '';
  const kernels = g.kernels.join(' and ');
  const th = h('th', {
    scope: 'col',
    class: g.current ? 'current-col' : undefined,
    'data-design': g.design,
    title: `${g.design} under ${kernels}${g.current ? `: the session\u2019s design (on ${g.currentKernel ?? sessionKernel(v)})` : ''}; a value shown once is the same under every kernel${errs.length ? `\n${errs.map((c) => `${c.label}: ${c.error}`).join('\n')}` : ''}`,
    'aria-label': `${g.design} under ${kernels}${g.current ? ', the session\u2019s design' : ''}${errs.length ? `, did not run under ${errs.map((c) => c.kernel).join(' and ')}` : ''}`,
  });
  th.append(h('span', { class: `col-head${all ? ' error' : ''}` }, all ? codicon('warning') : swatch(first), h('span', { class: 'tok' }, g.design), tag ? h('span', { class: 'tag tok' }, `(${tag}${g.current && g.currentKernel ? ` on ${g.currentKernel}` : ''})`) : null));
  return th;
}

/**
 * A design's cell holding every kernel's value: once when they agree; a line
 * per kernel (its version first, ≠ on the value that differs from the
 * session's kernel) when they do not.
 */
function stackedCell(sc: StackedCell, g: DesignGroup, against: string): HTMLElement {
  const one = sc.parts.length === 1 ? sc.parts[0]!.cell : null;
  const td = h('td', { class: `${one?.quiet ? 'quiet' : ''}${sc.differs ? ' diff kdiff' : ''}`.trim() || undefined, title: sc.differs ? `${sc.title}\n(≠: differs from ${against})` : `${sc.title}\n(the same under ${g.kernels.join(' and ')})`, 'data-design': g.design });
  if (one) {
    td.append(...toks(one.tokens));
    return td;
  }
  for (const p of sc.parts) {
    const val = h('span', { class: `kval${p.cell.quiet ? ' quiet' : ''}` });
    if (p.cell.diff) val.append(h('span', { class: 'diff-mark', 'aria-label': `differs from ${against}:` }, '≠'));
    val.append(...toks(p.cell.tokens));
    td.append(h('div', { class: 'kpart', 'data-kernels': p.kernels.join(' ') }, h('span', { class: 'kver tok', 'aria-label': `kernel ${p.kernels.join(' and ')}:` }, p.kernels.join('+')), val));
  }
  return td;
}

function grid(v: ComparisonView): HTMLElement {
  if (kernelLayout(v, persisted.kernelLayout) === 'stacked') return stackedGrid(v);
  const sec = h('section', { class: 'cmp-section', id: 'grid', 'aria-label': 'what each design did' });
  sec.append(h('h2', {}, 'What each design did'));
  const table = h('table', { class: 'cmp-grid', 'aria-label': `what each design did: rows are results, signals, shutdowns, owners, dmesg, pages, cost and calls; columns are the designs` });
  table.append(colgroup(v.columns.length, v.columns.length > 4 ? '17%' : '26%'));
  if (v.columns.length > 4) table.classList.add('dense');
  // narrower than this, the page scrolls sideways (the row headers stay) rather than clip a token
  // eight columns (four designs under two kernels) keep a width that holds SHUTDOWN_DEVICE_REMOVED whole: the page scrolls sideways below it
  table.style.minWidth = `${260 + v.columns.length * 190}px`;
  fitTokens(table, v.columns.length, v.columns.length > 4 ? 0.17 : 0.26);
  const head = h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'tok' }, 'compared with'), ' ', h('span', { class: 'tok' }, v.baseline)));
  for (const c of v.columns) head.append(columnHead(c, v));
  table.append(h('thead', {}, head));
  for (const s of v.sections) {
    const tb = h('tbody', { 'aria-label': s.title });
    tb.append(h('tr', { class: 'section' }, h('th', { scope: 'rowgroup', colspan: String(v.columns.length + 1) }, h('span', { class: 'tok' }, s.title), s.note ? h('span', { class: 'note' }, ...toks(s.note.split(' '))) : null)));
    for (const r of s.rows) {
      const tr = h('tr', { 'data-row': r.id, class: r.differs ? 'differs' : undefined });
      const th = h('th', { scope: 'row', title: r.differs ? `${r.title}\n(the designs differ)` : r.title });
      if (r.differs) th.append(h('span', { class: 'row-diff', 'aria-label': 'the designs differ:' }, '≠'));
      th.append(...toks(r.label));
      tr.append(th);
      r.cells.forEach((c, i) => tr.append(gridCell(c, v.columns[i]!.label, comparedWith(v, i))));
      tb.append(tr);
    }
    table.append(tb);
  }
  sec.append(table);
  return sec;
}

/** The grid with every kernel inside its design's column: four designs fit the width, the kernels' differences marked in place. */
function stackedGrid(v: ComparisonView): HTMLElement {
  const groups = designGroups(v);
  const k = sessionKernel(v) ?? '';
  const sec = h('section', { class: 'cmp-section', id: 'grid', 'aria-label': 'what each design did under each kernel' });
  sec.append(h('h2', {}, `What each design did under ${v.kernels.join(' and ')}`));
  const table = h('table', { class: 'cmp-grid stacked', 'aria-label': `what each design did: rows are results, signals, shutdowns, owners, dmesg, pages, cost and calls; columns are the designs, each cell every kernel's value (once when they agree)` });
  table.append(colgroup(groups.length, '24%'));
  table.style.minWidth = `${260 + groups.length * 215}px`;
  fitTokens(table, groups.length, 0.24);
  const head = h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'tok' }, 'compared with'), ' ', h('span', { class: 'tok' }, `each design under ${k}`)));
  for (const g of groups) head.append(stackedHead(g, v));
  table.append(h('thead', {}, head));
  for (const s of v.sections) {
    const tb = h('tbody', { 'aria-label': s.title });
    tb.append(h('tr', { class: 'section' }, h('th', { scope: 'rowgroup', colspan: String(groups.length + 1) }, h('span', { class: 'tok' }, s.title), s.note ? h('span', { class: 'note' }, ...toks(s.note.split(' '))) : null)));
    for (const r of s.rows) {
      const cells = groups.map((g) => stackCells(r.cells, g));
      const differs = cells.some((c) => c.differs);
      const tr = h('tr', { 'data-row': r.id, class: differs ? 'differs' : undefined });
      const th = h('th', { scope: 'row', title: differs ? `${r.title}\n(the kernels differ)` : r.title });
      if (differs) th.append(h('span', { class: 'row-diff', 'aria-label': 'the kernels differ:' }, '≠'));
      th.append(...toks(r.label));
      tr.append(th);
      cells.forEach((c, i) => tr.append(stackedCell(c, groups[i]!, `${groups[i]!.design} · ${k}`)));
      tb.append(tr);
    }
    table.append(tb);
  }
  sec.append(table);
  return sec;
}

// ------------------------------------------------------------ verdicts

const OUTCOME_CLASS: Record<string, string> = { AR: 'o-AR', AO: 'o-AO', killed: 'o-killed', SIGBUS: 'o-SIGBUS', 'unmapped only': 'o-unmapped', none: 'o-none' };

function badge(c: VerdictCell): HTMLElement {
  const cls = c.outcome ? OUTCOME_CLASS[c.outcome] : 'o-absent';
  return h('span', { class: `outcome ${cls}` }, c.badge);
}

function rowHeader(r: VerdictRow): HTMLElement {
  const th = h('th', { scope: 'row', title: `${r.event}: ${r.owner.join(' ')}; ${r.process.join(' ')}${r.mapping.length ? `; ${r.mapping.join(' ')}` : ''}` });
  th.append(h('span', { class: 'vrow-line' }, r.differs ? h('span', { class: 'row-diff', 'aria-label': 'the designs differ:' }, '≠') : null, h('span', { class: 'tok ev' }, r.event), ...toks(r.owner)));
  th.append(h('span', { class: 'vrow-line' }, ...toks(r.process), ...(r.mapping.length ? [' ', ...toks(r.mapping)] : [])));
  return th;
}

let selected: { row: number; col: number } | null = null;

/** A column of the verdict matrix: one run, or (kernels stacked) a design with each kernel's run. */
interface VCol {
  label: string;
  /** the view's column indices it shows */
  indices: number[];
  /** set when the kernels are stacked in the design's column */
  group?: DesignGroup;
}

function verdictCols(v: ComparisonView): VCol[] {
  if (kernelLayout(v, persisted.kernelLayout) === 'stacked') return designGroups(v).map((g) => ({ label: g.design, indices: g.columns, group: g }));
  return v.columns.map((c, i) => ({ label: c.label, indices: [i] }));
}

/** the parts of a verdict cell: each kernel's decision (once where they agree), or the run's own */
function verdictParts(r: VerdictRow, col: VCol): { kernels: string[]; cell: VerdictCell; columns: number[] }[] {
  return col.group ? stackVerdicts(r.cells, col.group).parts : [{ kernels: [], cell: r.cells[col.indices[0]!]!, columns: col.indices }];
}

function verdictCell(v: ComparisonView, r: VerdictRow, col: VCol): HTMLElement {
  const parts = verdictParts(r, col);
  const ci = col.indices[0]!;
  const against = comparedWith(v, ci);
  const diff = parts.some((p) => p.cell.diff);
  const title = col.group && parts.length > 1 ? col.indices.map((i, k) => `${col.group!.kernels[k]}: ${r.cells[i]!.title}`).join('\n') : parts[0]!.cell.title;
  const td = h('td', { role: 'gridcell', tabindex: '-1', 'aria-selected': 'false', class: diff ? 'diff' : undefined, title: diff ? `${title}\n(differs from ${against})` : title, 'data-design': col.label, 'aria-label': `${col.label}: ${title.replace(/\n/g, '; ')}${diff ? ` (differs from ${against})` : ''}` });
  const sig = (c: VerdictCell) => (c.signal.length || c.range ? h('span', { class: 'vsig' }, ...toks([...c.signal, ...(c.range ? [c.range] : [])])) : null);
  if (parts.length === 1) {
    if (diff) td.append(h('span', { class: 'diff-mark', 'aria-hidden': 'true' }, '≠'));
    td.append(badge(parts[0]!.cell));
    const s = sig(parts[0]!.cell);
    if (s) td.append(s);
    return td;
  }
  // kernels that decide differently: a line per decision, its kernels first, ≠ on the one that differs from the session's kernel
  for (const p of parts) {
    const val = h('span', { class: 'kval' });
    if (p.cell.diff) val.append(h('span', { class: 'diff-mark', 'aria-hidden': 'true' }, '≠'));
    val.append(badge(p.cell));
    const s = sig(p.cell);
    if (s) val.append(s);
    td.append(h('div', { class: 'kpart', 'data-kernels': p.kernels.join(' ') }, h('span', { class: 'kver tok' }, p.kernels.join('+')), val));
  }
  return td;
}

function verdicts(v: ComparisonView): HTMLElement {
  const sec = h('section', { class: 'cmp-section', id: 'verdicts', 'aria-label': 'verdicts: who was told, who was not, and why' });
  sec.append(h('h2', {}, 'Who was told, and why'));
  const cols = verdictCols(v);
  const stacked = cols.some((c) => c.group);
  sec.append(h('p', { class: 'note' }, ...toks(`one row per event, owner of the failed range and process mapping; a cell is what that design did${stacked ? `, under ${v.kernels.join(' and ')} (once where they agree)` : ''}. Arrows move, Enter opens the deciding symbol.`.split(' '))));
  if (!v.verdicts.rows.length) {
    sec.append(h('p', { class: 'empty', role: 'status' }, v.verdicts.empty ?? 'No verdicts.'));
    return sec;
  }
  const n = cols.length;
  const table = h('table', { class: `vgrid${stacked ? ' stacked' : ''}`, role: 'grid', 'aria-label': `verdicts: rows are event, owner, process and mapping; columns are the designs${stacked ? ', each cell every kernel\u2019s verdict' : ''}`, 'aria-rowcount': String(v.verdicts.rows.length + 1) });
  table.append(colgroup(n, n > 4 ? '16%' : '30%'));
  if (n > 4) table.classList.add('dense');
  table.style.minWidth = `${300 + n * (n > 4 ? 135 : 170)}px`;
  const head = h('tr', { role: 'row' }, h('th', { scope: 'col', role: 'columnheader' }, ...toks(['event,', 'owner,', 'process,', 'mapping'])));
  for (const c of cols) head.append(c.group ? stackedHead(c.group, v) : columnHead(v.columns[c.indices[0]!]!, v));
  table.append(h('thead', {}, head));
  const tb = h('tbody', {});
  const cells: HTMLElement[][] = [];
  v.verdicts.rows.forEach((r, ri) => {
    const tr = h('tr', { role: 'row', 'data-row': r.id, class: r.differs ? 'differs' : undefined });
    tr.append(rowHeader(r));
    const line: HTMLElement[] = [];
    cols.forEach((col, ci) => {
      const td = verdictCell(v, r, col);
      td.addEventListener('click', () => select(ri, ci, true));
      line.push(td);
      tr.append(td);
    });
    cells.push(line);
    tb.append(tr);
  });
  table.append(tb);
  table.addEventListener('keydown', (e) => {
    if (!selected) return;
    let { row, col } = selected;
    switch (e.key) {
      case 'ArrowDown': row++; break;
      case 'ArrowUp': row--; break;
      case 'ArrowRight': col++; break;
      case 'ArrowLeft': col--; break;
      case 'Home': col = 0; if (e.ctrlKey) row = 0; break;
      case 'End': col = n - 1; if (e.ctrlKey) row = cells.length - 1; break;
      case 'Enter': {
        const r = v.verdicts.rows[row];
        const sym = r && cols[col] ? verdictParts(r, cols[col]!).find((p) => p.cell.symbol)?.cell.symbol : undefined;
        if (sym) post({ type: 'openSymbol', symbol: sym });
        e.preventDefault();
        return;
      }
      default: return;
    }
    e.preventDefault();
    select(Math.max(0, Math.min(cells.length - 1, row)), Math.max(0, Math.min(n - 1, col)), true);
  });
  sec.append(table);
  const strip = h('div', { class: 'detail', id: 'verdict-detail', role: 'region', 'aria-live': 'polite', 'aria-label': 'the selected verdict' });
  sec.append(strip);

  const select = (ri: number, ci: number, focus: boolean) => {
    if (selected) {
      const old = cells[selected.row]?.[selected.col];
      old?.setAttribute('aria-selected', 'false');
      old?.setAttribute('tabindex', '-1');
    }
    selected = { row: ri, col: ci };
    const td = cells[ri]![ci]!;
    td.setAttribute('aria-selected', 'true');
    td.setAttribute('tabindex', '0');
    save({ verdict: { row: v.verdicts.rows[ri]!.id, design: cols[ci]!.label } });
    detail(strip, v, v.verdicts.rows[ri]!, cols[ci]!, cols);
    // the strip sticks to the bottom and the column headers to the top: keep the cell clear of both
    document.documentElement.style.scrollPaddingBottom = `${strip.offsetHeight + 8}px`;
    document.documentElement.style.scrollPaddingTop = `${(table.tHead?.offsetHeight ?? 0) + 4}px`;
    if (focus) {
      td.focus({ preventScroll: true });
      td.scrollIntoView({ block: 'nearest' });
    }
  };
  // the persisted selection, else the first cell that differs, else the first
  let ri = persisted.verdict ? v.verdicts.rows.findIndex((r) => r.id === persisted.verdict!.row) : -1;
  let ci = ri >= 0 ? cols.findIndex((c) => c.label === persisted.verdict!.design) : -1;
  if (ri < 0 || ci < 0) {
    ri = Math.max(0, v.verdicts.rows.findIndex((r) => r.differs));
    const row = v.verdicts.rows[ri]!;
    ci = cols.findIndex((c) => verdictParts(row, c).some((p) => p.cell.diff));
    if (ci < 0) ci = Math.max(0, cols.findIndex((c) => c.indices.some((i) => v.columns[i]!.baseline)));
  }
  select(ri, ci, false);
  return sec;
}

function symbolLink(sym: string): HTMLElement {
  const b = h('button', { class: 'sym-link', type: 'button', title: `open ${sym} in the kernel source`, 'aria-label': `open ${sym} in the kernel source` }, `${sym}()`);
  b.addEventListener('click', () => post({ type: 'openSymbol', symbol: sym }));
  return b;
}

function detail(strip: HTMLElement, v: ComparisonView, r: VerdictRow, sel: VCol, cols: VCol[]): void {
  const parts = verdictParts(r, sel);
  const col = v.columns[sel.indices[0]!]!;
  // with kernels stacked, each decision says which kernels made it
  const kernelTag = (p: { kernels: string[] }) => (sel.group ? [h('span', { class: 'tok kver' }, `${p.kernels.join(' and ')}:`)] : []);
  strip.replaceChildren();
  const head = h('div', { class: 'd-head' }, h('span', { class: 'col-head' }, swatch(col), h('span', { class: 'tok' }, sel.label)));
  for (const p of parts) head.append(...kernelTag(p), badge(p.cell), ...toks(p.cell.signal, 'tok mono'));
  head.append(h('span', { class: 'tok' }, '·'), h('span', { class: 'tok ev' }, r.event), ...toks(r.owner, 'tok mono'), h('span', { class: 'tok' }, '·'), ...toks(r.process, 'tok mono'), ...toks(r.mapping, 'tok mono'));
  strip.append(head);
  for (const p of parts) {
    const c = p.cell;
    strip.append(h('p', { class: 'd-reason' }, ...kernelTag(p), sel.group ? ' ' : '', c.reason));
    if (!c.symbol) continue;
    const runCol = v.columns[p.columns[0]!]!;
    const why = h('p', { class: 'd-reason' });
    why.append('Decided in ', symbolLink(c.symbol));
    if (c.span !== null) why.append(` (span #${c.span} of the ${runCol.label} run)`);
    // the session's own run: its span can be selected in the other views
    const cur = p.columns.find((i) => v.columns[i]!.current);
    const span = cur !== undefined ? r.cells[cur]!.span : null;
    if (span !== null) {
      const show = h('button', { class: 'sym-link', type: 'button', title: 'select this span in Layer Routing, Timeline and the Events view' }, 'select in the other views');
      show.addEventListener('click', () => post({ type: 'select', selection: { event: r.event, span } }));
      why.append(' — ', show);
    }
    strip.append(why);
  }
  const others = h('ul', { class: 'd-others', 'aria-label': 'the other designs' });
  for (const o of cols) {
    if (o === sel) continue;
    const c0 = v.columns[o.indices[0]!]!;
    for (const p of verdictParts(r, o)) {
      const label = o.group && p.kernels.length < o.indices.length ? `${o.label} · ${p.kernels.join(' and ')}` : o.label;
      others.append(h('li', {}, h('span', { class: 'col-head' }, h('span', { class: `tok ser-text-${c0.series}`, 'aria-hidden': 'true' }, MARKER_GLYPH[c0.marker]), h('span', { class: 'tok' }, label)), badge(p.cell), h('span', {}, p.cell.reason, ...(p.cell.symbol ? [' — ', symbolLink(p.cell.symbol)] : []))));
    }
  }
  strip.append(others);
}

// ------------------------------------------------------------ charts

let chartHost: HTMLElement | null = null;
let chartWidth = 0;

function charts(v: ComparisonView): void {
  if (!chartHost) return;
  const width = Math.floor(chartHost.clientWidth);
  chartWidth = width;
  chartHost.replaceChildren();
  const open = (symbol: string) => post({ type: 'openSymbol', symbol });
  for (const c of v.charts) {
    let shown = c;
    let tools: HTMLElement | null = null;
    if (c.id === 'calls') {
      const only = persisted.onlyDiffering === true;
      const differing = c.groups.filter((g) => g.differs).length;
      if (only) shown = { ...c, groups: c.groups.filter((g) => g.differs) };
      const box = h('input', { type: 'checkbox', id: 'only-differing' }) as HTMLInputElement;
      box.checked = only;
      box.addEventListener('change', () => {
        save({ onlyDiffering: box.checked });
        charts(v);
        document.getElementById('only-differing')?.focus();
      });
      tools = h('div', { class: 'chart-tools' }, h('label', { for: 'only-differing' }, box, `only the ${differing} symbols whose counts differ`), h('span', {}, `${c.groups.length} symbols; click a symbol to open it`));
    }
    chartHost.append(renderChart(shown, v.columns, width, { openSymbol: open }, tools));
  }
}

// ------------------------------------------------------------ page

function render(): void {
  selected = null;
  root.replaceChildren();
  const kernels = state.kernels;
  const byKernel = (state.view?.kernels.length ?? kernels?.compared.length ?? 1) > 1;
  root.append(h('h1', { class: 'title' }, codicon('split-horizontal'), ` ${byKernel ? 'Design and kernel comparison' : 'Design comparison'}${state.view ? ` — ${state.view.scenario}` : ''}`));
  const refresh = document.createElement('vscode-button');
  refresh.id = 'refresh';
  refresh.setAttribute('icon', 'refresh');
  refresh.textContent = 'Run again';
  refresh.addEventListener('click', () => post({ type: 'refresh' }));
  const toolbar = h('div', { class: 'toolbar' }, refresh);
  if (kernels && kernels.available.length > 1) {
    // issue 15: every modelled kernel as columns, together with the designs (what an upgrade changes)
    const box = h('input', { type: 'checkbox', id: 'all-kernels' }) as HTMLInputElement;
    box.checked = kernels.compared.length > 1;
    box.addEventListener('change', () => post({ type: 'compareKernels', versions: box.checked ? kernels.available : [] }));
    toolbar.append(h('label', { for: 'all-kernels', class: 'kernel-toggle', title: `each design under ${kernels.available.join(' and ')}; a cell marked ≠ differs from the same design under ${kernels.session} (the session\u2019s kernel)` }, box, ` Kernels side by side (${kernels.available.join(', ')})`));
    if (box.checked) {
      // how the kernels are laid out: inside each design's column (fits the width) or a column each
      const cols = h('input', { type: 'checkbox', id: 'kernel-columns' }) as HTMLInputElement;
      cols.checked = state.view ? kernelLayout(state.view, persisted.kernelLayout) === 'columns' : persisted.kernelLayout === 'columns';
      cols.addEventListener('change', () => {
        save({ kernelLayout: cols.checked ? 'columns' : 'stacked' });
        const y = window.scrollY;
        render();
        window.scrollTo(0, y);
        document.getElementById('kernel-columns')?.focus();
      });
      toolbar.append(h('label', { for: 'kernel-columns', class: 'kernel-toggle', title: 'a column per design and kernel (wider than the view with four designs: the grid scrolls sideways); unchecked, every kernel inside its design\u2019s column' }, cols, ' a column per kernel'));
    }
    toolbar.append(h('span', { class: 'note', id: 'kernel-note' }, `session: kernel ${kernels.session}`));
  }
  root.append(toolbar);
  const v = state.view;
  if (!v) {
    root.append(h('p', { class: 'empty', role: 'status' }, state.empty ?? 'Nothing to compare.'));
    return;
  }
  const bad = checkComparisonView(v);
  if (bad) {
    root.append(h('p', { class: 'warning', role: 'alert' }, codicon('warning'), ` The comparison the extension sent is malformed (${bad}); nothing is shown.`));
    return;
  }
  root.append(patternDefs());
  const stacked = kernelLayout(v, persisted.kernelLayout) === 'stacked';
  root.append(h('p', { class: 'cmp-key' }, h('span', {}, h('span', { class: 'diff-mark' }, '≠'), byKernel ? ` differs from the same design under kernel ${kernels?.session ?? v.kernels[v.kernels.length - 1]}` : ` differs from ${v.baseline}${v.columns.find((c) => c.baseline)?.current ? ' (the session\u2019s design)' : ''}`), stacked ? h('span', { id: 'stacked-key' }, `a value shown once is the same under ${v.kernels.join(' and ')}; where the kernels differ, a line per kernel`) : null, h('span', {}, 'times are simulated (ns, µs, ms)'), h('span', {}, 'hover a cell for its full value')));
  root.append(grid(v));
  root.append(verdicts(v));
  chartHost = h('div', { class: 'charts-host' });
  root.append(chartHost);
  charts(v);
}

applyPalette();
render();
window.scrollTo(0, persisted.scrollY ?? 0);
window.addEventListener('scroll', () => save({ scrollY: window.scrollY }), { passive: true });
onThemeChange(() => {
  applyPalette();
  const y = window.scrollY;
  render();
  window.scrollTo(0, y);
});
new ResizeObserver(() => {
  if (chartHost && state.view && Math.floor(chartHost.clientWidth) !== chartWidth) charts(state.view);
}).observe(root);
connect('comparison', (m: HostMessage) => {
  if (m.type === 'state' && m.state.kind === 'comparison') {
    state = m.state;
    const y = window.scrollY;
    render();
    window.scrollTo(0, y);
  }
});
