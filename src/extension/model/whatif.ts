// What-if on a bad range (issue 16): "what happens if this is consumed?",
// "...scrubbed?", "...if the device is removed?". The event runs on a copy
// of the session, at the session's current point (its events up to the
// cursor, then the what-if event), and the answer is that event's verdicts:
// who is told and who is not, and why. The session itself is not touched,
// so an imported machine stays as it was imported. Pure.

import { isSeq } from 'yaml';
import { formatSize, hex, PAGE_SIZE } from '../../sim/units';
import type { ReportSignal, ReportVerdict } from '../../sim/report';
import { LabError, LabSession, documentText, type RawEvent } from './session';
import { ownersOf, type MapperEntry } from './owners';
import { placeSpa } from './addresses';
import { OUTCOME_MEANING, eventOutcome, fsState, newShutdowns, ownerText, verdictsOf } from './feedback';
import { mdCode, mdText } from './markdown';
import { signalText } from './route';
import { foldDmesg } from './dmesg';

export type WhatIfKind = 'consumed' | 'scrubbed' | 'removed';

export const WHAT_IF_QUESTION: Record<WhatIfKind, string> = {
  consumed: 'What happens if this is consumed?',
  scrubbed: 'What happens if this is scrubbed?',
  removed: 'What happens if the device is removed?',
};

export interface WhatIfTarget {
  spa: number;
  len: number;
  title: string;
}

export interface WhatIfAnswer {
  kind: WhatIfKind;
  question: string;
  target: WhatIfTarget;
  /** the event as a scenario writes it, and why that one */
  event: RawEvent;
  why: string;
  /** after which of the session's events it ran */
  after: number;
  /** eventOutcome's one line, or the refusal */
  outcome: string;
  refused?: string;
  told: ReportVerdict[];
  notTold: ReportVerdict[];
  signals: ReportSignal[];
  shutdowns: string[];
  /** the event's kernel lines, runs folded (src/extension/model/dmesg.ts) */
  dmesg: string[];
  panic?: string;
}

export const WHAT_IF_ID = 'what-if';

/** the event that stands for the question, on this machine, and why that one */
export function whatIfEvent(session: LabSession, t: WhatIfTarget, kind: WhatIfKind): { event: RawEvent; why: string } {
  const m = session.machine;
  const place = placeSpa(m, t.spa);
  if (kind === 'consumed') {
    const owners = ownersOf(m, { spa: t.spa, len: t.len, title: t.title });
    const mappers: (MapperEntry & { owner: string })[] = owners.entries.flatMap((e) => e.mappers.filter((x) => x.alive).map((x) => ({ ...x, owner: e.label })));
    const first = mappers.sort((a, b) => a.pid - b.pid)[0];
    if (first)
      return {
        event: { id: WHAT_IF_ID, do: 'load', process: first.pid, addr: hex(first.start), length: 8 },
        why: `${first.comm}:${first.pid} loads 8 bytes at ${hex(first.start)} through ${first.mapping} (it maps ${first.owner}; the first of ${mappers.length} mapper${mappers.length === 1 ? '' : 's'} by pid): a machine check on a user access`,
      };
    return {
      event: { id: WHAT_IF_ID, do: 'corrupt-pfn', pfn: hex(Math.floor(t.spa / PAGE_SIZE)) },
      why: `no process maps ${hex(t.spa)}: the kernel is told of pfn ${hex(Math.floor(t.spa / PAGE_SIZE))} with no task to blame (memory_failure(pfn, 0), as a consumption in another context or a platform report would)`,
    };
  }
  if (kind === 'scrubbed') {
    if (!place.region) throw new LabError(`${hex(t.spa)} is in no persistent-memory region: nothing to scrub`);
    return { event: { id: WHAT_IF_ID, do: 'scrub', region: place.region.id }, why: `ndctl start-scrub ${place.region.id} && ndctl wait-scrub: Address Range Scrub of the region` };
  }
  if (!place.namespace) throw new LabError(`${hex(t.spa)} is in no namespace: no device to remove`);
  return {
    event: { id: WHAT_IF_ID, do: 'unbind', namespace: place.namespace.id },
    why: `${place.namespace.id} (${place.namespace.spec.device}) is unbound from its driver under whatever uses it`,
  };
}

/**
 * Ask the question on a copy: the session's scenario with its events after
 * the cursor left out and the what-if event appended, replayed to the end.
 */
export function whatIf(session: LabSession, t: WhatIfTarget, kind: WhatIfKind): WhatIfAnswer {
  const { event, why } = whatIfEvent(session, t, kind);
  const after = session.cursor;
  const doc = session.composeDocument();
  let seq = doc.get('events', true);
  if (!isSeq(seq)) {
    doc.set('events', doc.createNode([]));
    seq = doc.get('events', true);
  }
  if (isSeq(seq)) {
    seq.items.splice(after);
    if (seq.items.some((n) => (n as { get?: (k: string) => unknown }).get?.('id') === WHAT_IF_ID)) throw new LabError(`the scenario already has an event with id ${WHAT_IF_ID}`);
    const node = doc.createNode(event);
    (node as { flow?: boolean }).flow = true;
    seq.items.push(node);
  }
  const answer: WhatIfAnswer = { kind, question: WHAT_IF_QUESTION[kind], target: t, event, why, after, outcome: '', told: [], notTold: [], signals: [], shutdowns: [], dmesg: [] };
  const copy = LabSession.open(documentText(doc, session.file), session.file, session.options);
  while (copy.cursor < after && !copy.atEnd) copy.step();
  const before = fsState(copy.report);
  const dmesgFrom = copy.report.dmesg.length;
  try {
    copy.step();
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    answer.refused = e.message;
    answer.outcome = `refused: ${e.message}`;
    return answer;
  }
  const r = copy.report;
  const vs = verdictsOf(r, WHAT_IF_ID);
  answer.told = vs.filter((v) => v.outcome !== 'none');
  answer.notTold = vs.filter((v) => v.outcome === 'none');
  answer.signals = r.signals.filter((s) => s.event === WHAT_IF_ID);
  answer.shutdowns = newShutdowns(before, fsState(r));
  // the event's lines, runs folded: the answer does not grow with pages
  answer.dmesg = foldDmesg(r.dmesg, dmesgFrom);
  answer.outcome = eventOutcome(r, WHAT_IF_ID, { what: String(event.do), before });
  if (r.panic) answer.panic = r.panic;
  return answer;
}

/** the event as a scenario's flow mapping writes it: { id: what-if, do: load, … } */
export function eventText(e: RawEvent): string {
  return `{ ${Object.entries(e).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')} }`;
}

/**
 * One verdict as a list item: outcome, who, through which mapping, of what;
 * then why, and the kernel function that decided it (the line ends with it,
 * so the source document links it to the kernel tree). A list, not a wide
 * table: the answer opens beside the scenario, in half the editor's width.
 */
function verdictList(vs: readonly ReportVerdict[]): string[] {
  const L: string[] = [];
  for (const v of vs) {
    const who = v.pid !== null ? `${v.comm ?? '?'}:${v.pid}` : 'nobody maps it';
    const via = v.mapping ? ` through ${v.mapping}${v.addr ? ` [${v.addr[0]}, ${v.addr[1]})` : ''}` : '';
    L.push(`- **${v.outcome}** ${mdText(who)}${mdText(via)}, owner ${mdText(ownerText(v))}  `);
    L.push(`  ${mdText(v.reason.replace(/\.?$/, '.'))} Decided by \`${v.symbol}\``);
  }
  return L;
}

/** The answer as a markdown document (the extension opens it beside the scenario). */
export function whatIfMarkdown(a: WhatIfAnswer, sessionName: string, eventCount: number): string {
  const L = [`# ${a.question}`, '', `**${mdText(a.target.title)}** · SPA ${hex(a.target.spa)} +${formatSize(a.target.len).replace(/\d$/, '$&B')} · ${mdText(sessionName)}`, ''];
  // the answer first, then how it was asked
  if (!a.refused) L.push(`**Result:** ${mdText(a.outcome)}`, '');
  L.push(`**Event:** ${mdCode(eventText(a.event))} — ${mdText(a.why)}.`, '');
  L.push(`Run on a copy of the session after ${a.after} of its ${eventCount} event${eventCount === 1 ? '' : 's'}; the session itself is unchanged.`, '');
  if (a.refused) {
    L.push(`**Refused by the simulator:** ${mdText(a.refused)}`);
    return L.join('\n') + '\n';
  }
  if (a.panic) L.push(`**The kernel panics:** ${mdText(a.panic)}`, '');
  L.push(`## Who is told (${a.told.length})`, '');
  if (a.told.length) L.push(...verdictList(a.told));
  else L.push('Nobody: no process receives a signal or loses a mapping.');
  L.push('', `## Who is not told (${a.notTold.length})`, '');
  if (a.notTold.length) L.push(...verdictList(a.notTold));
  else L.push(a.told.length ? 'Every owner\'s mapper is told.' : 'No owner is involved: the event reaches no mapping.');
  L.push('', '## Signals', '');
  L.push(...(a.signals.length ? a.signals.map((s) => `- ${mdText(signalText(s))}`) : ['- none']));
  L.push('', '## Filesystems', '');
  L.push(...(a.shutdowns.length ? a.shutdowns.map((s) => `- ${mdText(s)}`) : ['- no filesystem shuts down']));
  L.push('', '## Kernel log', '', '```', ...(a.dmesg.length ? a.dmesg : ['(nothing)']), '```', '');
  L.push('Outcomes: ' + Object.entries(OUTCOME_MEANING).map(([k, v]) => `**${k}** ${mdText(v)}`).join('; ') + '.');
  return L.join('\n') + '\n';
}
