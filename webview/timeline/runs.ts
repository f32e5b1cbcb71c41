// The timeline's run strip: when the selected span is a summarised run (one
// span for N calls whose arguments advance in step), a line under the canvas
// names it as the CLI does (`memory_failure ×262144 (pfn=0x…..0x…) = 0`) with a
// button that expands it, on demand, into its first and last few members
// (src/protocol/runs.ts: computed from the first value and the step, never
// all of them). Hidden when the selection is not such a run.

import type { Span } from '../../src/sim/report';
import { runOf, runRows, runRowText, runSummary, type RunInfo } from '../../src/protocol/runs';

function argsText(args: Span['args']): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

export class RunStrip {
  readonly element: HTMLElement;
  private readonly head: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly list: HTMLOListElement;
  private span: Span | null = null;
  private run: RunInfo | null = null;
  /** span ids whose members are shown (the expansion survives a selection elsewhere and back) */
  private readonly open = new Set<number>();

  constructor(parent: HTMLElement) {
    const el = document.createElement('section');
    el.className = 'dax-tl-run';
    el.setAttribute('aria-label', 'summarised run');
    el.hidden = true;
    this.toggle = document.createElement('button');
    this.toggle.type = 'button';
    this.toggle.className = 'dax-tl-button dax-tl-run-toggle';
    this.toggle.addEventListener('click', () => this.flip());
    this.head = document.createElement('span');
    this.head.className = 'dax-tl-run-head';
    const line = document.createElement('div');
    line.className = 'dax-tl-run-line';
    line.append(this.toggle, this.head);
    this.list = document.createElement('ol');
    this.list.className = 'dax-tl-run-members';
    this.list.setAttribute('aria-label', 'members of the run');
    el.append(line, this.list);
    parent.append(el);
    this.element = el;
  }

  /** show the run strip for this span (null or a span that is not a run: hidden) */
  show(span: Span | null): void {
    this.span = span;
    this.run = span ? runOf(span) : null;
    this.render();
  }

  private flip(): void {
    if (!this.span || !this.run) return;
    if (this.open.has(this.span.id)) this.open.delete(this.span.id);
    else this.open.add(this.span.id);
    this.render();
  }

  private render(): void {
    const s = this.span;
    const run = this.run;
    this.element.hidden = !s || !run;
    if (!s || !run) {
      this.list.replaceChildren();
      return;
    }
    const open = this.open.has(s.id);
    this.head.textContent = `${s.symbol} ×${run.count} (${argsText(s.args)})${s.ret !== '' ? ` = ${s.ret}` : ''}`;
    this.head.title = runSummary(run);
    this.toggle.textContent = open ? '▾ members' : '▸ members';
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.title = open ? 'Fold the members back' : `Show the first and last members of the ${run.count} calls`;
    this.element.dataset.span = String(s.id);
    this.element.dataset.expanded = String(open);
    if (!open) {
      this.list.replaceChildren();
      this.list.hidden = true;
      return;
    }
    this.list.hidden = false;
    this.list.replaceChildren(
      ...runRows(run).map((r) => {
        const li = document.createElement('li');
        li.className = r.kind === 'more' ? 'dax-tl-run-more' : 'dax-tl-run-member';
        li.textContent = runRowText(run, r);
        return li;
      }),
    );
  }
}
