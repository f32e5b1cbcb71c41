// Saving a session back as a scenario file, so that an exploration becomes a
// regression case: the source scenario with the events added by hand, each
// carrying expectations that pin down what it did (its result, the signals
// it caused or their absence, the kernel's key log lines), the changed
// kernel knobs, and end-state expectations (filesystem shutdown, badblocks,
// poisoned pages). Expectations of the source that no longer hold after the
// exploration are removed, and named in a comment (YAML) and in the result.
// The text is checked before it is returned: it loads and every expectation
// in it holds. Pure.

import { isMap, isSeq, type Document, type Node as YamlNode } from 'yaml';
import { loadScenario } from '../../sim/scenario/load';
import { Session } from '../../sim/run';
import type { ExpectationResult, RunReport } from '../../sim/report';
import type { Expectation, Scenario } from '../../sim/scenario/types';
import { expectationAsWritten } from '../../sim/expect';
import { formatExpectation } from '../../sim/render';
import { hex } from '../../sim/units';
import { logPieces, memberLines, type DmesgLines } from '../../sim/dmesg';
import { LabError, createNode, documentText, toLabError, type LabSession } from './session';

export interface DroppedExpectation {
  /** JSON pointer of the expectation in the source */
  path: string;
  where: string;
  text: string;
  detail: string;
}

export interface SaveResult {
  text: string;
  /** expectations written for the hand events and the end state */
  generated: number;
  dropped: DroppedExpectation[];
  /** the check of the saved text */
  report: RunReport;
}

/** dmesg lines worth pinning in a regression case */
const KEY_DMESG = /recovery action for|Sending SIGBUS|Killing |Shutting down filesystem|Device is about to be removed|ondisk log corrupt|Memory error not recovered|kill_me_now|is about to be removed/;

/**
 * The first `max` distinct key lines of an event's log. A run of the log
 * store is read from its first members only: they say what its other
 * members say, for other pages.
 */
function keyLines(log: DmesgLines, max: number): string[] {
  const out = new Set<string>();
  for (const p of logPieces(log)) {
    const lines = p.kind === 'line' ? [p.line] : Array.from({ length: Math.min(p.count, max) }, (_, j) => memberLines(p, j)).flat();
    for (const l of lines) if (KEY_DMESG.test(l) && out.add(l).size >= max) return [...out];
  }
  return [...out];
}

interface FullRun {
  scenario: Scenario;
  report: RunReport;
  /** event id -> the dmesg lines it logged (a view of the log store) */
  dmesgOf: Map<string, DmesgLines>;
}

function runFull(text: string, file: string): FullRun {
  let scenario: Scenario;
  try {
    scenario = loadScenario(text, file);
  } catch (e) {
    throw toLabError(e, text, file);
  }
  const dmesgOf = new Map<string, DmesgLines>();
  let session: Session;
  try {
    session = new Session(scenario);
    for (const e of scenario.events) {
      if (session.report.panic) break;
      const before = session.machine.k.dmesg.length;
      session.step(e);
      dmesgOf.set(e.id, session.machine.k.dmesg.view(before));
    }
  } catch (e) {
    throw toLabError(e, text, file);
  }
  return { scenario, report: session.finish(), dmesgOf };
}

/** Pair each expectation of the scenario with its result in the report (skipping events that did not run). */
export function pairExpectations(s: Scenario, r: RunReport): { e: Expectation; x: ExpectationResult }[] {
  const out: { e: Expectation; x: ExpectationResult }[] = [];
  let i = 0;
  const ran = new Set(r.events.map((e) => e.id));
  for (const ev of s.events) {
    if (!ran.has(ev.id)) continue;
    for (const e of ev.expect) {
      const x = r.expectations[i++];
      if (x) out.push({ e, x });
    }
  }
  for (const e of s.expect) {
    const x = r.expectations[i++];
    if (x) out.push({ e, x });
  }
  return out;
}

/** The expectations that pin down what one event did. */
export function expectationsForEvent(run: FullRun, eventId: string, doKind: string): Record<string, unknown>[] {
  const ev = run.report.events.find((e) => e.id === eventId);
  if (!ev) return [];
  const out: Record<string, unknown>[] = [];
  const res = ev.result;
  if (res.ret < 0 && res.errno) out.push({ result: { event: eventId, errno: res.errno } });
  else if ((doKind === 'read' || doKind === 'write') && res.ret >= 0) out.push({ result: { event: eventId, bytes: res.ret } });
  else out.push({ result: { event: eventId, ret: res.ret } });
  const sigs = run.report.signals.filter((s) => s.event === eventId);
  for (const s of sigs) {
    const sig: Record<string, unknown> = { pid: s.pid, signo: s.signo, code: s.code };
    if (s.addr !== undefined) sig.addr = s.addr;
    if (s.lsb !== undefined) sig.lsb = s.lsb;
    out.push({ signal: sig });
  }
  const signalled = new Set(sigs.map((s) => s.pid));
  for (const p of run.scenario.processes) if (!signalled.has(p.pid)) out.push({ noSignal: { pid: p.pid } });
  for (const l of keyLines(run.dmesgOf.get(eventId) ?? [], 4)) out.push({ dmesg: { contains: l } });
  return out;
}

/** End-state expectations: each filesystem's shutdown state, each pmem device's badblocks, the poisoned pfns. */
export function endStateExpectations(run: FullRun): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const f of run.report.filesystems) out.push({ fs: { mount: f.mount, shutdown: f.shutdown ? f.shutdown.split('|')[0] : 'none' } });
  const devices = run.scenario.platform.namespaces.filter((n) => n.mode !== 'devdax').map((n) => n.device);
  for (const d of devices) out.push({ badblocks: { device: d, ranges: (run.report.badblocks[d] ?? []).map(([s, c]) => [s, c]) } });
  for (const pfn of run.report.hwpoison.slice(0, 16)) out.push({ hwpoison: { pfn: pfn.split('..')[0]!, set: true } });
  return out;
}

function flowItems(doc: Document, items: Record<string, unknown>[]): YamlNode[] {
  return items.map((x) => {
    const node = createNode(doc, x) as YamlNode;
    if (isMap(node)) for (const p of node.items) if (isMap(p.value)) p.value.flow = true;
    return node;
  });
}

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'number' && Number.isInteger(v) && v > 0xffff ? hex(v) : v));
}

/**
 * The session as a scenario file for `targetFile` (YAML or JSON by its
 * name). Throws LabError when the session's scenario does not run (an
 * event that is invalid at run time).
 */
export function sessionToScenario(session: LabSession, targetFile: string): SaveResult {
  const doc = session.composeDocument();
  const first = runFull(documentText(doc, 'session.poison.yaml'), targetFile.replace(/\.json$/i, '.yaml'));

  // 1. expectations of the source that no longer hold
  const dropped: DroppedExpectation[] = [];
  for (const { e, x } of pairExpectations(first.scenario, first.report)) {
    if (x.ok) continue;
    dropped.push({ path: e.path, where: x.where, text: formatExpectation(x.expect), detail: x.detail });
  }
  // remove from the deepest index up so the pointers stay valid
  const byPointer = [...dropped].sort((a, b) => b.path.localeCompare(a.path, 'en', { numeric: true }));
  for (const d of byPointer) {
    const seg = d.path.split('/').slice(1);
    const idx = Number(seg.pop());
    const seq = doc.getIn(seg, true);
    if (isSeq(seq)) {
      seq.items.splice(idx, 1);
      if (!seq.items.length) doc.deleteIn(seg);
    }
  }

  // 2. expectations for the hand events
  let generated = 0;
  const events = doc.get('events', true);
  const src = session.sourceEventCount;
  if (isSeq(events)) {
    for (let i = src; i < first.scenario.events.length; i++) {
      const ev = first.scenario.events[i]!;
      const node = events.items[i];
      if (!isMap(node)) continue;
      const exps = expectationsForEvent(first, ev.id, ev.do);
      if (!exps.length) continue;
      node.flow = false;
      node.set('expect', doc.createNode(flowItems(doc, exps)));
      generated += exps.length;
    }
  }

  // 3. end-state expectations, when the session added anything
  if (session.handEvents.length) {
    const existing = new Set(first.scenario.expect.map((e) => canonical(expectationAsWritten(e))));
    const fresh = endStateExpectations(first).filter((x) => !existing.has(canonical(x)));
    if (fresh.length) {
      let top = doc.get('expect', true);
      if (!isSeq(top)) {
        doc.set('expect', doc.createNode([]));
        top = doc.get('expect', true);
      }
      if (isSeq(top)) for (const n of flowItems(doc, fresh)) top.items.push(n);
      generated += fresh.length;
    }
  }

  // 4. say what changed
  const notes: string[] = [];
  const hand = session.handEvents.length;
  if (hand || Object.keys(session.kernelOverrides).length || dropped.length) {
    notes.push(` Saved from a DAX Poison Lab session on ${session.file.replace(/^.*[\\/]/, '')}:`);
    if (hand) notes.push(`  ${hand} event${hand === 1 ? '' : 's'} added by hand (the last ${hand}), with expectations of what ${hand === 1 ? 'it' : 'they'} did.`);
    const ko = Object.entries(session.kernelOverrides).filter(([, v]) => v !== undefined);
    if (ko.length) notes.push(`  kernel knobs changed: ${ko.map(([k, v]) => `${k}=${String(v)}`).join(', ')}.`);
    if (dropped.length) {
      notes.push(`  expectations of the source that no longer hold were removed:`);
      for (const d of dropped) notes.push(`    ${d.where}: ${d.text} (${d.detail})`);
    }
  }
  if (notes.length) doc.commentBefore = [doc.commentBefore, notes.join('\n')].filter(Boolean).join('\n');

  const text = documentText(doc, targetFile);
  // 5. the saved text must load and pass its own expectations
  const check = runFull(text, targetFile);
  const failing = check.report.expectations.filter((x) => !x.ok);
  if (failing.length) {
    throw new LabError(`the saved scenario would fail ${failing.length} of its own expectations: ${failing.map((x) => `${x.where}: ${formatExpectation(x.expect)} (${x.detail})`).join('; ')}`);
  }
  return { text, generated, dropped, report: check.report };
}
