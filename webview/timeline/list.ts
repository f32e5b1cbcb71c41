// The spans of the timeline as a virtualised listbox, for keyboard and
// screen-reader users: the spans the canvas shows (after the filters) that
// intersect the visible time window, in start order, following the view as
// it pans and zooms ("N of M spans in view" above it), one option per span,
// only the visible options in the DOM. Up/Down past either end of the window
// step on to the neighbouring span of the whole list (the canvas pans to it).
// The listbox keeps focus and points at the active option with
// aria-activedescendant; each option carries aria-setsize/aria-posinset so
// a screen reader announces "span 12 of 1000000". Past a few million pixels
// the scroll position maps proportionally onto the rows (browsers cap the
// height of an element).

import { labelOf } from './core/model';
import type { TimelineView } from './core/view';
import { formatNs } from './core/viewport';
import { indexInView, positionAt, type InView } from './core/inview';

const MAX_SCROLL_H = 4_000_000;

export interface ListCallbacks {
  select(i: number): void;
  open(i: number): void;
}

/** the caption's text: how many of the (filtered) spans are in the window */
export function inViewText(inView: number, total: number): string {
  return `${inView} of ${total} ${total === 1 ? 'span' : 'spans'} in view`;
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
  /** the spans in the visible window; null: the whole list */
  private win: InView | null = null;
  private readonly caption: HTMLElement;
  private selected = -1;
  private rowH = 22;
  private readonly idPrefix: string;
  private raf = 0;

  constructor(parent: HTMLElement, private readonly cb: ListCallbacks) {
    this.idPrefix = `dax-tl-opt-${Math.random().toString(36).slice(2, 8)}-`;
    this.caption = document.createElement('div');
    this.caption.className = 'dax-tl-list-caption';
    this.caption.id = `${this.idPrefix}caption`;
    parent.append(this.caption);
    const el = document.createElement('div');
    el.className = 'dax-tl-list';
    el.setAttribute('aria-describedby', this.caption.id);
    el.tabIndex = 0;
    el.setAttribute('role', 'listbox');
    el.setAttribute('aria-label', 'Spans in the visible time window, in start order');
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
    if (!this.view) return 0;
    return this.win ? this.win.length : this.view.list.length;
  }

  /** the list position (in view.list) of row k */
  private posAt(k: number): number {
    return this.win ? positionAt(this.win, k) : k;
  }

  setView(view: TimelineView): void {
    this.view = view;
    this.win = null;
    this.layout();
    this.renderRows();
    this.updateCaption();
  }

  /** show only the spans in this window (null: all); keeps the selection in sight when it is in the window */
  setWindow(win: InView | null): void {
    const prev = this.win;
    this.win = win;
    if (prev && win && prev.from === win.from && prev.to === win.to && prev.pre.length === win.pre.length && prev.pre.every((p, k) => win.pre[k] === p)) {
      this.updateCaption();
      return;
    }
    this.layout();
    if (this.position() >= 0) this.reveal();
    else this.element.scrollTop = 0;
    this.renderRows();
    this.updateCaption();
  }

  private updateCaption(): void {
    const total = this.view ? this.view.list.length : 0;
    const text = inViewText(this.count, total);
    if (this.caption.textContent !== text) this.caption.textContent = text;
    this.element.dataset.inView = String(this.count);
    this.element.dataset.total = String(total);
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

  /** the row of the selected span, -1 when it is not in the window */
  private position(): number {
    if (!this.view || this.selected < 0) return -1;
    const p = this.view.listPos[this.selected] ?? -1;
    return this.win ? indexInView(this.win, p) : p;
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
      const i = view.list[this.posAt(p)]!;
      const s = m.spans[i]!;
      const opt = document.createElement('div');
      opt.className = 'dax-tl-opt';
      opt.setAttribute('role', 'option');
      opt.id = `${this.idPrefix}${i}`;
      opt.dataset.index = String(i);
      opt.dataset.t = String(s.t);
      opt.dataset.end = String(s.t + Math.max(0, s.dur));
      opt.setAttribute('aria-setsize', String(n));
      opt.setAttribute('aria-posinset', String(p + 1));
      opt.setAttribute('aria-selected', p === selPos ? 'true' : 'false');
      const time = document.createElement('span');
      time.className = 'dax-tl-opt-time';
      time.textContent = formatNs(s.t);
      const dur = document.createElement('span');
      dur.className = 'dax-tl-opt-dur';
      dur.textContent = formatNs(s.dur);
      const layer = document.createElement('span');
      layer.className = 'dax-tl-opt-layer';
      layer.textContent = s.layer;
      const call = document.createElement('span');
      call.className = 'dax-tl-opt-call';
      const args = argsText(s.args);
      call.textContent = `${labelOf(m, i)}(${args}) = ${s.ret}`;
      opt.append(time, dur, layer, call);
      opt.setAttribute('aria-label', `${s.layer} ${labelOf(m, i)}(${args}) returns ${s.ret}, at ${formatNs(s.t)}, for ${formatNs(s.dur)}`);
      rows.push(opt);
    }
    this.rowsEl.replaceChildren(...rows);
    if (selPos >= first && selPos < last) el.setAttribute('aria-activedescendant', `${this.idPrefix}${view.list[this.posAt(selPos)]}`);
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
    const whole = view.listPos[this.selected] ?? -1;
    if (absolute === undefined && this.win && cur >= 0 && (p < 0 || p >= n) && whole >= 0) {
      // past the window's end: the neighbouring span of the whole list (the view pans to it)
      const q = Math.max(0, Math.min(view.list.length - 1, whole + Math.sign(delta)));
      this.selected = view.list[q]!;
      this.renderRows();
      this.cb.select(this.selected);
      return;
    }
    p = Math.max(0, Math.min(n - 1, p));
    this.selected = view.list[this.posAt(p)]!;
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
    this.caption.remove();
  }
}
