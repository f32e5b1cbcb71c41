// The timeline's toolbar: layer and process filters (checkbox groups in
// disclosure widgets), a symbol filter (search field), zoom buttons and a
// polite live status. Plain DOM with native controls, so every control has
// its keyboard behaviour and its accessible name for free.

import type { TimelineModel } from './core/model';
import type { TimelineFilters } from './core/view';

export interface ToolbarCallbacks {
  filters(f: TimelineFilters): void;
  zoomIn(): void;
  zoomOut(): void;
  reset(): void;
  /** compress idle time on or off */
  compress(on: boolean): void;
}

export class Toolbar {
  readonly element: HTMLElement;
  private readonly layersBox: HTMLElement;
  private readonly layersSummary: HTMLElement;
  private readonly procsBox: HTMLElement;
  private readonly procsSummary: HTMLElement;
  private readonly procsDetails: HTMLDetailsElement;
  private readonly symbol: HTMLInputElement;
  private readonly status: HTMLElement;
  private readonly compressButton: HTMLButtonElement;
  private filters: TimelineFilters = { layers: [], processes: [], symbol: '' };
  private layerNames: string[] = [];
  private pids: number[] = [];
  private symbolTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(parent: HTMLElement, private readonly cb: ToolbarCallbacks) {
    const bar = document.createElement('div');
    bar.className = 'dax-tl-toolbar';
    bar.setAttribute('role', 'toolbar');
    bar.setAttribute('aria-label', 'Timeline filters and zoom');

    const mkDetails = (label: string) => {
      const d = document.createElement('details');
      d.className = 'dax-tl-menu';
      const s = document.createElement('summary');
      s.textContent = label;
      const box = document.createElement('fieldset');
      box.className = 'dax-tl-menu-box';
      const legend = document.createElement('legend');
      legend.textContent = `Show ${label.toLowerCase()}`;
      box.append(legend);
      d.append(s, box);
      return { d, s, box };
    };
    const layers = mkDetails('Layers');
    this.layersBox = layers.box;
    this.layersSummary = layers.s;
    const procs = mkDetails('Processes');
    this.procsBox = procs.box;
    this.procsSummary = procs.s;
    this.procsDetails = procs.d;

    const symLabel = document.createElement('label');
    symLabel.className = 'dax-tl-symbol';
    const symText = document.createElement('span');
    symText.textContent = 'Symbol';
    this.symbol = document.createElement('input');
    this.symbol.type = 'search';
    this.symbol.placeholder = 'filter by symbol';
    this.symbol.setAttribute('aria-label', 'Filter spans by symbol');
    this.symbol.spellcheck = false;
    symLabel.append(symText, this.symbol);
    this.symbol.addEventListener('input', () => {
      clearTimeout(this.symbolTimer);
      this.symbolTimer = setTimeout(() => this.emit({ ...this.filters, symbol: this.symbol.value }), 150);
    });
    this.symbol.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        clearTimeout(this.symbolTimer);
        this.emit({ ...this.filters, symbol: this.symbol.value });
      }
      e.stopPropagation();
    });

    const button = (text: string, label: string, fn: () => void) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'dax-tl-button';
      b.textContent = text;
      b.title = label;
      b.setAttribute('aria-label', label);
      b.addEventListener('click', fn);
      return b;
    };
    const zoom = document.createElement('div');
    zoom.className = 'dax-tl-zoom';
    zoom.setAttribute('role', 'group');
    zoom.setAttribute('aria-label', 'Zoom');
    zoom.append(button('+', 'Zoom in (+)', () => cb.zoomIn()), button('−', 'Zoom out (−)', () => cb.zoomOut()), button('⤢', 'Show the whole run (Home)', () => cb.reset()));

    // compressing idle time: a toggle button (Space/Enter toggle it; C on the canvas too)
    this.compressButton = button('Compress idle time', 'Compress idle time (C): idle gaps longer than 10 µs shrink to a marked cut, short bursts widen, the axis keeps real time', () => {
      const on = this.compressButton.getAttribute('aria-pressed') !== 'true';
      this.setCompressed(on);
      cb.compress(on);
    });
    this.compressButton.classList.add('dax-tl-toggle');
    this.compressButton.setAttribute('aria-pressed', 'true');
    zoom.append(this.compressButton);

    this.status = document.createElement('span');
    this.status.className = 'dax-tl-status';
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');

    bar.append(layers.d, procs.d, symLabel, zoom, this.status);
    parent.append(bar);
    this.element = bar;
  }

  private emit(f: TimelineFilters): void {
    this.filters = f;
    this.updateSummaries();
    this.cb.filters(f);
  }

  private checkbox(box: HTMLElement, label: string, checked: boolean, onChange: (on: boolean, input: HTMLInputElement) => void): HTMLInputElement {
    const l = document.createElement('label');
    l.className = 'dax-tl-check';
    const c = document.createElement('input');
    c.type = 'checkbox';
    c.checked = checked;
    c.addEventListener('change', () => onChange(c.checked, c));
    const t = document.createElement('span');
    t.textContent = label;
    l.append(c, t);
    box.append(l);
    return c;
  }

  /** rebuild the option lists for a model, showing `f` */
  setModel(m: TimelineModel, f: TimelineFilters): void {
    this.filters = f;
    const present = new Set<number>();
    for (const lane of m.lanes) if (lane.kind === 'layer') present.add(lane.layer);
    this.layerNames = [...present].map((l) => m.layers[l]!);
    // keep chosen layers the report no longer has, so a filter survives a report without them
    this.pids = m.processes.map((p) => p.pid);
    const legendL = this.layersBox.querySelector('legend')!;
    this.layersBox.replaceChildren(legendL);
    for (const name of this.layerNames) {
      this.checkbox(this.layersBox, name, !f.layers.length || f.layers.includes(name), (on, input) => {
        const cur = this.filters.layers.length ? this.filters.layers : this.layerNames;
        const next = on ? [...new Set([...cur, name])] : cur.filter((x) => x !== name);
        if (!next.length) {
          // at least one layer stays shown
          input.checked = true;
          return;
        }
        this.emit({ ...this.filters, layers: next.length === this.layerNames.length ? [] : next });
      });
    }
    const legendP = this.procsBox.querySelector('legend')!;
    this.procsBox.replaceChildren(legendP);
    for (const p of m.processes) {
      this.checkbox(this.procsBox, p.comm ? `${p.comm} (${p.pid})` : `pid ${p.pid}`, !f.processes.length || f.processes.includes(p.pid), (on, input) => {
        const cur = this.filters.processes.length ? this.filters.processes : this.pids;
        const next = on ? [...new Set([...cur, p.pid])] : cur.filter((x) => x !== p.pid);
        if (!next.length) {
          input.checked = true;
          return;
        }
        this.emit({ ...this.filters, processes: next.length === this.pids.length ? [] : next });
      });
    }
    this.procsDetails.hidden = m.processes.length === 0;
    if (this.symbol.value !== f.symbol) this.symbol.value = f.symbol;
    this.updateSummaries();
  }

  private updateSummaries(): void {
    const f = this.filters;
    this.layersSummary.textContent = f.layers.length ? `Layers (${f.layers.filter((l) => this.layerNames.includes(l)).length}/${this.layerNames.length})` : 'Layers (all)';
    this.procsSummary.textContent = f.processes.length ? `Processes (${f.processes.filter((p) => this.pids.includes(p)).length}/${this.pids.length})` : 'Processes (all)';
  }

  /** show the compression state (the button is a toggle: aria-pressed) */
  setCompressed(on: boolean): void {
    this.compressButton.setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  setStatus(text: string): void {
    if (this.status.textContent !== text) this.status.textContent = text;
  }

  dispose(): void {
    clearTimeout(this.symbolTimer);
    this.element.remove();
  }
}
