// The spans of the timeline as a virtualised listbox, for keyboard and
// screen-reader users: the same spans the canvas shows (after the filters),
// in start order, one option per span, only the visible options in the DOM.
// The listbox keeps focus and points at the active option with
// aria-activedescendant; each option carries aria-setsize/aria-posinset so
// a screen reader announces "span 12 of 1000000". Past a few million pixels
// the scroll position maps proportionally onto the rows (browsers cap the
// height of an element).

import { labelOf } from './core/model';
import type { TimelineView } from './core/view';
import { formatNs } from './core/viewport';

const MAX_SCROLL_H = 4_000_000;

export interface ListCallbacks {
  select(i: number): void;
  open(i: number): void;
}

function argsText(args: Record<string, string | number | boolean>): string {
  const parts: string[] = [];
  for (const k in args) parts.push(`${k}=${args[k]}`);
  return parts.join(', ');
}

export class SpanList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private view: TimelineView | null = null;
  private selected = -1;
  private rowH = 22;
  private readonly idPrefix: string;
  private raf = 0;

  constructor(parent: HTMLElement, private readonly cb: ListCallbacks) {
    this.idPrefix = `dax-tl-opt-${Math.random().toString(36).slice(2, 8)}-`;
    const el = document.createElement('div');
    el.className = 'dax-tl-list';
    el.tabIndex = 0;
    el.setAttribute('role', 'listbox');
    el.setAttribute('aria-label', 'Spans of the run, in start order');
    this.spacer = document.createElement('div');
    this.spacer.className = 'dax-tl-list-spacer';
    this.spacer.setAttribute('role', 'none');
    this.rowsEl = document.createElement('div');
    this.rowsEl.className = 'dax-tl-list-rows';
    this.rowsEl.setAttribute('role', 'none');
    el.append(this.spacer, this.rowsEl);
    parent.append(el);
    this.element = el;
    el.addEventListener('scroll', this.onScroll, { passive: true });
    el.addEventListener('keydown', this.onKey);
    el.addEventListener('click', this.onClick);
    el.addEventListener('dblclick', this.onDblClick);
  }

  private get count(): number {
    return this.view ? this.view.list.length : 0;
  }

  setView(view: TimelineView): void {
    this.view = view;
    this.layout();
    this.renderRows();
  }

  /** select span index i (-1: none); reveal scrolls its option into view */
  setSelected(i: number, reveal: boolean): void {
    this.selected = i;
    if (reveal) this.reveal();
    this.renderRows();
  }

  private layout(): void {
    const probe = this.rowsEl.firstElementChild as HTMLElement | null;
    if (probe && probe.offsetHeight > 0) this.rowH = probe.offsetHeight;
    this.spacer.style.height = `${Math.min(MAX_SCROLL_H, this.count * this.rowH)}px`;
  }

  /** rows' virtual scroll offset for the element's scrollTop, and back */
  private ratio(): number {
    const view = this.element.clientHeight;
    const total = this.count * this.rowH;
    const spacer = Math.min(MAX_SCROLL_H, total);
    if (total <= spacer || spacer <= view) return 1;
    return (total - view) / (spacer - view);
  }

  private reveal(): void {
    const pos = this.position();
    if (pos < 0) return;
    const r = this.ratio();
    const vt = this.element.scrollTop * r;
    const h = this.element.clientHeight;
    const top = pos * this.rowH;
    if (top < vt) this.element.scrollTop = top / r;
    else if (top + this.rowH > vt + h) this.element.scrollTop = (top + this.rowH - h) / r;
  }

  private position(): number {
    if (!this.view || this.selected < 0) return -1;
    return this.view.listPos[this.selected] ?? -1;
  }

  private onScroll = (): void => {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.renderRows();
    });
  };

  renderRows(): void {
    const view = this.view;
    const n = this.count;
    const el = this.element;
    el.setAttribute('aria-setsize', String(n));
    if (!view || n === 0) {
      this.rowsEl.replaceChildren();
      el.removeAttribute('aria-activedescendant');
      return;
    }
    const m = view.model;
    const r = this.ratio();
    const vt = el.scrollTop * r;
    const first = Math.max(0, Math.min(n - 1, Math.floor(vt / this.rowH)));
    const visible = Math.ceil(el.clientHeight / this.rowH) + 2;
    const last = Math.min(n, first + visible);
    const offset = vt - first * this.rowH;
    this.rowsEl.style.transform = `translateY(${el.scrollTop - offset}px)`;
    const rows: HTMLElement[] = [];
    const selPos = this.position();
    for (let p = first; p < last; p++) {
      const i = view.list[p]!;
      const s = m.spans[i]!;
      const opt = document.createElement('div');
      opt.className = 'dax-tl-opt';
      opt.setAttribute('role', 'option');
      opt.id = `${this.idPrefix}${i}`;
      opt.dataset.index = String(i);
      opt.setAttribute('aria-setsize', String(n));
      opt.setAttribute('aria-posinset', String(p + 1));
      opt.setAttribute('aria-selected', p === selPos ? 'true' : 'false');
      const time = document.createElement('span');
      time.className = 'dax-tl-opt-time';
      time.textContent = formatNs(s.t);
      const layer = document.createElement('span');
      layer.className = 'dax-tl-opt-layer';
      layer.textContent = s.layer;
      const call = document.createElement('span');
      call.className = 'dax-tl-opt-call';
      const args = argsText(s.args);
      call.textContent = `${labelOf(m, i)}(${args}) = ${s.ret}`;
      opt.append(time, layer, call);
      opt.setAttribute('aria-label', `${s.layer} ${labelOf(m, i)}(${args}) returns ${s.ret}, at ${formatNs(s.t)}, for ${formatNs(s.dur)}`);
      rows.push(opt);
    }
    this.rowsEl.replaceChildren(...rows);
    if (selPos >= first && selPos < last) el.setAttribute('aria-activedescendant', `${this.idPrefix}${view.list[selPos]}`);
    else el.removeAttribute('aria-activedescendant');
    // the first real row tells the row height (font and density come from VS Code)
    const h = rows[0]?.offsetHeight ?? 0;
    if (h > 0 && Math.abs(h - this.rowH) > 0.5) {
      this.rowH = h;
      this.spacer.style.height = `${Math.min(MAX_SCROLL_H, n * this.rowH)}px`;
    }
  }

  private move(delta: number, absolute?: number): void {
    const view = this.view;
    const n = this.count;
    if (!view || n === 0) return;
    const cur = this.position();
    let p = absolute ?? (cur < 0 ? (delta > 0 ? 0 : n - 1) : cur + delta);
    p = Math.max(0, Math.min(n - 1, p));
    this.selected = view.list[p]!;
    this.reveal();
    this.renderRows();
    this.cb.select(this.selected);
  }

  private onKey = (e: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor(this.element.clientHeight / this.rowH) - 1);
    switch (e.key) {
      case 'ArrowDown':
        this.move(1);
        break;
      case 'ArrowUp':
        this.move(-1);
        break;
      case 'PageDown':
        this.move(page);
        break;
      case 'PageUp':
        this.move(-page);
        break;
      case 'Home':
        this.move(0, 0);
        break;
      case 'End':
        this.move(0, this.count - 1);
        break;
      case 'Enter':
        if (this.selected >= 0) this.cb.open(this.selected);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  };

  private optionIndex(e: Event): number {
    const t = (e.target as HTMLElement | null)?.closest?.('.dax-tl-opt') as HTMLElement | null;
    return t?.dataset.index !== undefined ? Number(t.dataset.index) : -1;
  }

  private onClick = (e: MouseEvent): void => {
    const i = this.optionIndex(e);
    if (i < 0) return;
    this.selected = i;
    this.renderRows();
    this.cb.select(i);
  };

  private onDblClick = (e: MouseEvent): void => {
    const i = this.optionIndex(e);
    if (i >= 0) this.cb.open(i);
  };

  dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.element.removeEventListener('scroll', this.onScroll);
    this.element.removeEventListener('keydown', this.onKey);
    this.element.removeEventListener('click', this.onClick);
    this.element.removeEventListener('dblclick', this.onDblClick);
    this.element.remove();
  }
}
