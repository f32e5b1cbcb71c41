// Every command of the lab, in one category ("DAX Poison Lab"). Each one can
// be driven by its quick-pick flow or, for the tree's actions, the CodeLenses
// and the tests, by an argument that answers the questions in advance. Each
// returns an Outcome; bad input is refused with the reason and changes
// nothing.

import * as vscode from 'vscode';
import { confineTarget, outcomeReporters, type Lab, type Outcome } from './lab';
import { LabError, type RawEvent } from './model/session';
import { TEMPLATES } from './model/templates';
import { machineQueries } from './sim/queries';
import {
  POISON_KINDS,
  TARGET_FORMS,
  describeRaw,
  formsFor,
  kindTakesLength,
  parseAmount,
  type PoisonKind,
  type PoisonRequest,
  type TargetAnswer,
  type TargetForm,
} from './model/actions';
import { PROPOSALS, proposalFor, proposalUrl, symbolPicks } from './model/kernelLinks';
import { routeLines } from './model/route';
import { eventOutcome, fsState, verdictCounts } from './model/feedback';
import type { DeviceNode } from './model/devices';
import type { Prompter, PickItem } from './prompter';
import { LabDocuments, SCHEME, type KernelSource } from './kernelSource';
import { fileNameOf, placeDiagnostics, toVsDiagnostic, type ScenarioDiagnostics } from './editor';
import { positionOf } from '../sim/scenario/load';
import type { RunDesignResult } from '../protocol/sim';
import { MAX_INPUT_BYTES, decodeText, tooLargeMessage } from '../sim/scenario/bytes';
import { renderCheck, renderCompare, type CompareRun } from '../sim/render';
import { DESIGNS, type Design } from '../sim/scenario/types';
import { MODELLED_DESIGNS } from '../sim/designs';
import { hex, PAGE_SIZE } from '../sim/units';
import { DEFAULT_KERNEL_VERSION, KERNEL_VERSIONS, type KernelVersion } from '../sim/version';
import { kernelRelease } from '../kernel/releases';

export const DEFAULT_SCENARIO = 'reflink-both-mapped.poison.yaml';

const DESIGN_ROLE: Record<Design, string> = {
  upstream: 'merged, v6.12: dax holders, notify_failure, rmap',
  'page-mapping': 'before dax holders: page->mapping/index only',
  'corrupted-range': 'proposal (2021): ->corrupted_range through the block layer',
  'pagemap-failure': 'proposal (2021): dev_pagemap_failure() on unbind',
};

/** what each kernel version is, in the Switch Kernel Version pick */
const KERNEL_ROLE: Record<KernelVersion, string> = {
  '6.1': "LTS, Debian 12's own kernel: no MF_MEM_PRE_REMOVE (6.7), no CXL poison interfaces (6.4); dax_lock_page",
  '6.12': 'LTS, Debian 12 backports: the release the lab was first held to',
};

const encoder = new TextEncoder();

export interface CommandContext {
  extensionUri: vscode.Uri;
  lab: Lab;
  kernel: KernelSource;
  docs: LabDocuments;
  diagnostics: ScenarioDiagnostics;
  expectations: vscode.DiagnosticCollection;
  prompter: () => Prompter;
  /** every message the commands showed, newest last (for tests) */
  messages: string[];
  ownersView?: vscode.TreeView<unknown>;
}

function isNode(x: unknown): x is DeviceNode {
  return !!x && typeof x === 'object' && 'contextValue' in x && 'children' in x && 'label' in x;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { lab } = ctx;
  const say = (msg: string): void => {
    ctx.messages.push(msg);
    void vscode.window.showInformationMessage(msg);
  };
  const { refuse, guard } = outcomeReporters(ctx.messages);
  /** what an action did: a notification, a line in the results channel, and the Outcome */
  const done = (msg: string, warn = false): Outcome => {
    const m = `DAX Poison Lab: ${msg}`;
    ctx.messages.push(m);
    if (warn) void vscode.window.showWarningMessage(m);
    else void vscode.window.showInformationMessage(m);
    return { ok: true, message: msg };
  };
  const cancelled: Outcome = { ok: false, error: 'cancelled' };
  /** the questions the prompts ask about the session's machine, answered by the simulator */
  const q = machineQueries(lab);
  const p = () => ctx.prompter();

  // ---------------------------------------------------------- opening

  /**
   * A scenario's text: from its editor when it is open (as edited), else
   * the file read as the CLI reads it: at most MAX_INPUT_BYTES (its size is
   * checked before reading), UTF-8 only (UTF-16, a NUL byte, invalid UTF-8
   * refused with the offset).
   */
  async function readUri(uri: vscode.Uri): Promise<string> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) {
      const text = open.getText();
      if (text.length > MAX_INPUT_BYTES) throw new Error(tooLargeMessage());
      return text;
    }
    if ((await vscode.workspace.fs.stat(uri)).size > MAX_INPUT_BYTES) throw new Error(tooLargeMessage());
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (bytes.length > MAX_INPUT_BYTES) throw new Error(tooLargeMessage());
    return decodeText(bytes);
  }

  async function builtins(): Promise<vscode.Uri[]> {
    const dir = vscode.Uri.joinPath(ctx.extensionUri, 'scenarios');
    try {
      const entries = await vscode.workspace.fs.readDirectory(dir);
      return entries
        .filter(([n, t]) => t === vscode.FileType.File && /\.poison\.(ya?ml|json)$/.test(n))
        .map(([n]) => vscode.Uri.joinPath(dir, n))
        .sort((a, b) => a.path.localeCompare(b.path));
    } catch {
      return [];
    }
  }

  async function openUri(uri: vscode.Uri, show: boolean): Promise<Outcome> {
    let text: string;
    try {
      text = await readUri(uri);
    } catch (e) {
      return refuse(`cannot read ${uri.fsPath || uri.toString()}: ${(e as Error).message}`);
    }
    try {
      await lab.open(text, uri);
    } catch (e) {
      if (e instanceof LabError) {
        // the session stays as it was; the editor shows where the problems are
        if (show) {
          const doc = await vscode.workspace.openTextDocument(uri);
          await vscode.window.showTextDocument(doc, { preview: false });
          ctx.diagnostics.collection.set(doc.uri, await placeDiagnostics(ctx.diagnostics.collection, doc, e.diagnostics));
        }
        return refuse(`${uri.path.replace(/^.*\//, '')} does not load, the session is unchanged: ${e.message}`);
      }
      throw e;
    }
    await vscode.commands.executeCommand('setContext', 'daxPoisonLab.hasSession', true);
    const s = lab.need();
    return { ok: true, message: `${s.scenario.name}: ${s.events.length} events, design ${s.design}` };
  }

  const openScenario = guard(async (arg?: vscode.Uri | string): Promise<Outcome> => {
    if (arg instanceof vscode.Uri) return openUri(arg, true);
    if (typeof arg === 'string') {
      const b = (await builtins()).find((u) => u.path.endsWith(`/${arg}`) || u.path.endsWith(`/${arg}.poison.yaml`));
      if (b) return openUri(b, false);
      return openUri(vscode.Uri.file(arg), true);
    }
    type Src = { kind: 'uri'; uri: vscode.Uri } | { kind: 'browse' } | { kind: 'template' };
    const items: PickItem<Src>[] = [];
    const active = vscode.window.activeTextEditor?.document;
    if (active && /\.poison\.(ya?ml|json)$/.test(active.uri.path)) items.push({ label: `$(file) ${active.uri.path.replace(/^.*\//, '')}`, description: 'the active editor', value: { kind: 'uri', uri: active.uri } });
    for (const u of await builtins()) items.push({ label: `$(beaker) ${u.path.replace(/^.*\//, '')}`, description: 'built-in', value: { kind: 'uri', uri: u } });
    try {
      for (const u of await vscode.workspace.findFiles('**/*.poison.{yaml,yml,json}', '**/node_modules/**', 50)) items.push({ label: `$(file) ${vscode.workspace.asRelativePath(u)}`, description: 'workspace', value: { kind: 'uri', uri: u } });
    } catch {
      /* no workspace */
    }
    items.push({ label: '$(folder-opened) Browse…', value: { kind: 'browse' } }, { label: '$(new-file) New from a template…', value: { kind: 'template' } });
    const pick = await p().pick('Open a scenario in the lab', items, 'a scenario file, a built-in one, or a template');
    if (!pick) return cancelled;
    if (pick.kind === 'template') return newScenario();
    if (pick.kind === 'uri') return openUri(pick.uri, true);
    const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'DAX Poison Lab scenarios': ['yaml', 'yml', 'json'] }, title: 'Open a scenario' });
    return chosen?.[0] ? openUri(chosen[0], true) : cancelled;
  });

  const newScenario = guard(async (arg?: string): Promise<Outcome> => {
    const t = arg !== undefined ? TEMPLATES.find((x) => x.id === arg) : await p().pick('New scenario from a template', TEMPLATES.map((x) => ({ label: x.label, detail: x.detail, value: x })));
    if (!t) return arg !== undefined ? refuse(`no template ${JSON.stringify(arg)} (templates: ${TEMPLATES.map((x) => x.id).join(', ')})`) : cancelled;
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: t.text });
    await vscode.window.showTextDocument(doc, { preview: false });
    await lab.open(t.text, doc.uri);
    return { ok: true, message: `new scenario from ${t.id}` };
  });

  const saveScenario = guard(async (arg?: vscode.Uri | string): Promise<Outcome> => {
    lab.need();
    let target: vscode.Uri | undefined;
    if (arg !== undefined && arg !== '') {
      if (!(arg instanceof vscode.Uri) && typeof arg !== 'string') return refuse(`Save Session as Scenario: the argument must be a file URI or a path, not ${JSON.stringify(arg)}`);
      const c = confineTarget(arg, 'Save Session as Scenario');
      if ('error' in c) return refuse(c.error);
      target = c.uri;
    }
    if (!target) {
      const src = lab.source;
      const base = src?.path.replace(/^.*\//, '').replace(/\.poison\.(ya?ml|json)$/, '') || 'session';
      const dir = src?.scheme === 'file' && !src.path.startsWith(ctx.extensionUri.path) ? vscode.Uri.joinPath(src, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
      const ext = /\.json$/.test(src?.path ?? '') ? 'json' : 'yaml';
      target = await vscode.window.showSaveDialog({
        defaultUri: dir ? vscode.Uri.joinPath(dir, `${base}-session.poison.${ext}`) : undefined,
        filters: { 'DAX Poison Lab scenario': ['yaml', 'json'] },
        title: 'Save the session as a scenario',
      });
      if (!target) return cancelled;
    }
    const name = target.path;
    const out = await lab.save(/\.poison\.(ya?ml|json)$/.test(name) ? name : `${name}`);
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(target, '..'));
    await vscode.workspace.fs.writeFile(target, encoder.encode(out.text));
    const msg = `DAX Poison Lab: saved ${target.path.replace(/^.*\//, '')}: ${out.generated} expectation${out.generated === 1 ? '' : 's'} written${out.dropped.length ? `, ${out.dropped.length} that no longer held removed` : ''}; all ${out.report.expectations.length} hold.`;
    say(msg);
    return { ok: true, message: msg };
  });

  // ---------------------------------------------------------- stepping

  /** Step and Run to End at the end: say so, do nothing else */
  const atEndNotice = (): Outcome => {
    const s = lab.need();
    const msg = s.report.panic
      ? `the kernel has panicked (${s.report.panic}) after ${s.cursor} of ${s.events.length} events; Step Back or Reset`
      : `all ${s.events.length} events have run; Reset or add an event`;
    ctx.messages.push(`DAX Poison Lab: ${msg}`);
    void vscode.window.showInformationMessage(`DAX Poison Lab: ${msg}`);
    return { ok: false, error: msg };
  };

  const step = guard(async (): Promise<Outcome> => {
    if (lab.need().atEnd) return atEndNotice();
    const before = fsState(lab.need().report);
    const r = await lab.step();
    if (!r) return atEndNotice();
    const s = lab.need();
    return done(`${eventOutcome(s.report, r.event.id, { before })} (${s.cursor} of ${s.events.length} run)`, !!s.report.panic);
  });

  const stepBack = guard(async (): Promise<Outcome> => {
    const s0 = lab.need();
    if (s0.cursor === 0) {
      const msg = `at the start: no event has run${s0.events[0] ? `; Step runs ${s0.events[0].id} ${s0.events[0].do}` : ''}`;
      ctx.messages.push(`DAX Poison Lab: ${msg}`);
      void vscode.window.showInformationMessage(`DAX Poison Lab: ${msg}`);
      return { ok: false, error: msg };
    }
    const undone = s0.events[s0.cursor - 1]!;
    await lab.stepBack();
    const s = lab.need();
    return done(`stepped back over ${undone.id} ${undone.do}: ${s.cursor} of ${s.events.length} events run (replayed)`);
  });

  const reset = guard(async (): Promise<Outcome> => {
    const s = lab.need();
    // the source changed in its editor: reload it (a bad edit leaves the session as it was)
    const src = lab.source;
    const doc = src && vscode.workspace.textDocuments.find((d) => d.uri.toString() === src.toString());
    if (doc && doc.getText() !== s.text) {
      const knobs = s.kernelOverrides;
      try {
        await lab.open(doc.getText(), doc.uri);
      } catch (e) {
        if (e instanceof LabError) return refuse(`the edited scenario does not load, the session is unchanged: ${e.message}`);
        throw e;
      }
      if (Object.keys(knobs).length) await lab.setKernel(knobs);
      return { ok: true, message: 'reloaded from the editor' };
    }
    await lab.reset();
    return { ok: true, message: 'reset' };
  });

  const runToEnd = guard(async (): Promise<Outcome> => {
    const s = lab.need();
    if (s.atEnd) return atEndNotice();
    const from = s.cursor;
    const before = fsState(s.report);
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `DAX Poison Lab: running ${s.scenario.name}`, cancellable: true },
      (progress, token) => {
        let last = s.cursor;
        return lab.runToEnd(
          (done, total) => {
            progress.report({ increment: ((done - last) / Math.max(1, total)) * 100, message: `${done} of ${total} events` });
            last = done;
          },
          () => token.isCancellationRequested,
        );
      },
    );
    const after = lab.need();
    const ran = after.events.slice(from, after.cursor);
    const ids = new Set(ran.map((e) => e.id));
    const sigs = after.report.signals.filter((x) => ids.has(x.event)).length;
    const verdicts = (after.report.verdicts ?? []).filter((v) => ids.has(v.event));
    const shut = Object.entries(fsState(after.report)).filter(([m, f]) => f && !before[m]).map(([m, f]) => `${m} shut down (${f})`);
    const head = r.cancelled ? `cancelled after ${r.ran} event${r.ran === 1 ? '' : 's'}` : `ran ${r.ran} event${r.ran === 1 ? '' : 's'}`;
    const range = ran.length ? ` (${ran[0]!.id}${ran.length > 1 ? `–${ran[ran.length - 1]!.id}` : ''})` : '';
    return done([`${head}${range}: ${after.cursor} of ${after.events.length} run`, `${sigs} signal${sigs === 1 ? '' : 's'}`, ...shut, verdictCounts(verdicts), ...(after.report.panic ? [`PANIC: ${after.report.panic}`] : [])].join(' · '), !!after.report.panic);
  });

  const runTo = guard(async (uri?: vscode.Uri, count?: number): Promise<Outcome> => {
    if (uri && lab.source?.toString() !== uri.toString()) {
      const o = await openUri(uri, true);
      if (!o.ok) return o;
    } else if (uri) {
      const o = await reset();
      if (!o.ok) return o;
    }
    await lab.goTo(count ?? 0);
    const s = lab.need();
    if (s.stoppedBy) return refuse(s.stoppedBy.message);
    return { ok: true, message: `${s.cursor} event(s) run` };
  });

  // ---------------------------------------------------------- hand actions

  /** pending events: discard them or run them first, then add */
  async function readyToAct(opt?: 'discard' | 'run'): Promise<boolean> {
    const s = lab.need();
    if (!s.pending) return true;
    const choice =
      opt ??
      (await p().pick(`${s.pending} event(s) have not run yet`, [
        { label: 'Run them first', detail: 'run to the end, then add the event after the last one', value: 'run' as const },
        { label: 'Discard them', detail: `drop the events after ${s.events[s.cursor - 1]?.id ?? 'the start'} and add the event there`, value: 'discard' as const },
      ]));
    if (!choice) return false;
    if (choice === 'run') await lab.runToEnd();
    else await lab.discardPending();
    return true;
  }

  async function act(raw: RawEvent | undefined, pending?: 'discard' | 'run'): Promise<Outcome> {
    if (!raw) return cancelled;
    if (!(await readyToAct(pending))) return cancelled;
    const before = fsState(lab.need().report);
    const r = await lab.act(raw);
    const s = lab.need();
    return done(eventOutcome(s.report, r.event.id, { what: describeRaw(raw), before, hand: true }), !!s.report.panic || newlyShut(before));
  }

  /** did the last event shut a filesystem down (worth a warning, not an info) */
  function newlyShut(before: Record<string, string | null>): boolean {
    return Object.entries(fsState(lab.need().report)).some(([m, f]) => f && !before[m]);
  }

  type PoisonArg = Partial<PoisonRequest> & { pending?: 'discard' | 'run' };

  async function askTarget(kind: PoisonKind, preset?: TargetAnswer): Promise<TargetAnswer | undefined> {
    if (preset) return preset;
    const forms = formsFor(kind);
    const form =
      forms.length === 1
        ? forms[0]!
        : await p().pick<TargetForm>('Target', TARGET_FORMS.filter((f) => forms.includes(f.id)).map((f) => ({ label: f.label, detail: f.detail, value: f.id })));
    if (!form) return undefined;
    let object: string | number | undefined;
    if (form !== 'spa') {
      const objs = await q.objectsFor(form);
      const removed = await q.removedObjects(form);
      if (!objs.length) {
        refuse(`nothing to target by ${form}: ${removed.length ? `${removed.map((x) => x.detail).join('; ')}` : 'the machine has none'}`);
        return undefined;
      }
      // the unbound ones are not offered; the pick says which and why
      const o = await p().pick(
        `Which ${form}${removed.length ? ` (not offered: ${removed.map((x) => `${x.label}, ${x.detail.replace(/^\S+ was /, '')}`).join('; ')})` : ''}`,
        objs.map((x) => ({ label: x.label, detail: x.detail, value: x.id })),
      );
      if (o === undefined) return undefined;
      object = form === 'process' ? Number(o) : o;
    }
    const vp = await q.valuePrompt(form, object);
    const text = await p().input(TARGET_FORMS.find((f) => f.id === form)!.label, { prompt: vp.prompt, value: vp.placeholder, validate: async (t) => { const c = await q.checkValue(form, object, t, kind); return c.ok ? undefined : c.reason; } });
    if (text === undefined) return undefined;
    const v = await q.checkValue(form, object, text, kind);
    if (!v.ok) {
      refuse(v.reason);
      return undefined;
    }
    return { form, object, value: v.value };
  }

  const injectPoison = guard(async (arg?: DeviceNode | PoisonArg): Promise<Outcome> => {
    lab.need();
    const a: PoisonArg = isNode(arg) ? (arg.target ? { target: { form: 'spa', value: arg.target.spa } } : {}) : (arg ?? {});
    const interactive = !a.kind;
    const kind = a.kind ?? (await p().pick<PoisonKind>('Inject poison: kind', POISON_KINDS.map((k) => ({ label: k.label, detail: k.detail, value: k.id }))));
    if (!kind) return cancelled;
    let preset = a.target;
    if (preset && kind === 'madvise-hwpoison' && preset.form !== 'process') {
      if (!interactive) return refuse('MADV_HWPOISON takes a process address, not a device range');
      preset = undefined;
    }
    const target = await askTarget(kind, preset);
    if (!target) return cancelled;
    let length = a.length;
    if (length === undefined && kindTakesLength(kind) && interactive) {
      const text = await p().input('Length', {
        prompt: `Bytes to ${kind === 'madvise-hwpoison' ? 'poison (rounded up to pages)' : 'mark bad'}`,
        value: String(await q.defaultLength(kind, target)),
        validate: async (t) => { const c = await q.checkLength(kind, target, t); return c.ok ? undefined : c.reason; },
      });
      if (text === undefined) return cancelled;
      const c = await q.checkLength(kind, target, text);
      if (!c.ok) return refuse(c.reason);
      length = c.value;
    }
    let notify = a.notify;
    if (kind === 'inject-error' && notify === undefined && interactive) {
      notify = await p().pick('Notify', [
        { label: 'With notify', detail: 'the platform signals the kernel, which rescans (ARS) and fills badblocks', value: true },
        { label: 'Without notify (--no-notify)', detail: 'the media goes bad silently', value: false },
      ]);
      if (notify === undefined) return cancelled;
    }
    let sync = a.sync;
    if (kind === 'ghes' && sync === undefined && interactive) {
      sync = await p().pick('GHES report', [
        { label: 'Asynchronous', detail: 'memory_failure_queue: the work runs in a kworker (x86)', value: false },
        { label: 'Synchronous', detail: 'memory_failure() in the reporting context', value: true },
      ]);
      if (sync === undefined) return cancelled;
    }
    const ev = await q.poisonEvent({ kind, target, length, notify, sync });
    if (!ev.ok) return refuse(ev.reason);
    return act(ev.value, a.pending);
  });

  const consume = guard(async (arg?: { do?: 'load' | 'store'; process?: number; addr?: number | string; length?: number; pending?: 'discard' | 'run' }): Promise<Outcome> => {
    lab.need();
    const a = arg ?? {};
    let pid = a.process;
    if (pid === undefined) {
      const o = await p().pick('Consume: which process', (await q.objectsFor('process')).map((x) => ({ label: x.label, detail: x.detail, value: Number(x.id) })));
      if (o === undefined) return cancelled;
      pid = o;
    }
    let addr = typeof a.addr === 'string' ? parseAmount(a.addr, 'address') : a.addr !== undefined ? { ok: true as const, value: a.addr } : undefined;
    if (addr && !addr.ok) return refuse(addr.reason);
    let op = a.do;
    if (op === undefined) {
      op = await p().pick('Consume: access', [
        { label: 'load', detail: 'the CPU reads: poison here raises a machine check', value: 'load' as const },
        { label: 'store', detail: 'the CPU writes: stores never consume poison', value: 'store' as const },
      ]);
      if (!op) return cancelled;
    }
    if (!addr) {
      const vp = await q.valuePrompt('process', pid);
      const kindOp = op;
      const text = await p().input('Address', { prompt: vp.prompt, value: vp.placeholder, validate: async (t) => { const c = parseAmount(t, 'address'); if (!c.ok) return c.reason; const e = await q.accessEvent({ do: kindOp, process: pid!, addr: c.value }); return e.ok ? undefined : e.reason; } });
      if (text === undefined) return cancelled;
      addr = parseAmount(text, 'address');
      if (!addr.ok) return refuse(addr.reason);
    }
    const ev = await q.accessEvent({ do: op, process: pid, addr: addr.value, length: a.length });
    if (!ev.ok) return refuse(ev.reason);
    return act(ev.value, a.pending);
  });

  const readWrite = guard(async (arg?: { do?: 'read' | 'write'; process?: number; file?: string; device?: string; offset?: number; length?: number; direct?: boolean; pending?: 'discard' | 'run' }): Promise<Outcome> => {
    lab.need();
    const a = arg ?? {};
    const op = a.do ?? (await p().pick('Read or write', [{ label: 'read', detail: 'pread()', value: 'read' as const }, { label: 'write', detail: 'pwrite()', value: 'write' as const }]));
    if (!op) return cancelled;
    const pid = a.process ?? (await p().pick(`${op}: which process`, (await q.objectsFor('process')).map((x) => ({ label: x.label, detail: x.detail, value: Number(x.id) }))));
    if (pid === undefined) return cancelled;
    let file = a.file;
    let device = a.device;
    if (file === undefined && device === undefined) {
      const t = await p().pick(`${op}: which file or device`, [
        ...(await q.objectsFor('file')).map((x) => ({ label: x.label, detail: x.detail, value: { file: x.id } as { file?: string; device?: string } })),
        ...(await q.objectsFor('device')).map((x) => ({ label: `/dev/${x.label}`, detail: x.detail, value: { device: x.id } as { file?: string; device?: string } })),
      ]);
      if (!t) return cancelled;
      file = t.file;
      device = t.device;
    }
    const ask = async (what: string, def: string, check: (v: number) => string | undefined): Promise<number | undefined> => {
      const text = await p().input(what, { prompt: `${what} in bytes`, value: def, validate: (t) => { const c = parseAmount(t, what); return c.ok ? check(c.value) : c.reason; } });
      if (text === undefined) return undefined;
      const c = parseAmount(text, what);
      return c.ok ? c.value : undefined;
    };
    const size = file !== undefined ? await lab.query<number | undefined>('fileSize', file) : await lab.query<number | undefined>('deviceSize', String(device));
    const offset = a.offset ?? (await ask('Offset', '0', (v) => (size !== undefined && op === 'read' && v > size ? `offset ${hex(v)} is past the end (${hex(size)})` : undefined)));
    if (offset === undefined) return cancelled;
    const length = a.length ?? (await ask('Length', String(PAGE_SIZE), () => undefined));
    if (length === undefined) return cancelled;
    let direct = a.direct;
    if (direct === undefined) {
      if (arg?.do !== undefined) direct = false;
      else {
        direct = await p().pick('I/O', [{ label: 'buffered (DAX: straight to the device)', value: false }, { label: 'O_DIRECT', value: true }]);
        if (direct === undefined) return cancelled;
      }
    }
    const ev = await q.ioEvent({ do: op, process: pid, file, device, offset, length, direct });
    if (!ev.ok) return refuse(ev.reason);
    return act(ev.value, a.pending);
  });

  const punchHole = guard(async (arg?: { process?: number; file?: string; offset?: number; length?: number; pending?: 'discard' | 'run' }): Promise<Outcome> => {
    lab.need();
    const a = arg ?? {};
    const pid = a.process ?? (await p().pick('Punch hole: which process', (await q.objectsFor('process')).map((x) => ({ label: x.label, detail: x.detail, value: Number(x.id) }))));
    if (pid === undefined) return cancelled;
    const file = a.file ?? (await p().pick('Punch hole: which file', (await q.objectsFor('file')).map((x) => ({ label: x.label, detail: x.detail, value: x.id }))));
    if (file === undefined) return cancelled;
    const size = (await lab.query<number | undefined>('fileSize', file)) ?? 0;
    const num = async (what: string, def: string, check: (v: number) => string | undefined) => {
      const t = await p().input(what, { prompt: `${what} in bytes (file size ${hex(size)})`, value: def, validate: (x) => { const c = parseAmount(x, what); return c.ok ? check(c.value) : c.reason; } });
      if (t === undefined) return undefined;
      const c = parseAmount(t, what);
      return c.ok ? c.value : undefined;
    };
    const offset = a.offset ?? (await num('Offset', '0', (v) => (v >= size ? `offset ${hex(v)} is at or past the end of ${file} (size ${hex(size)})` : undefined)));
    if (offset === undefined) return cancelled;
    const length = a.length ?? (await num('Length', String(PAGE_SIZE), (v) => (v <= 0 ? 'length must be at least 1 byte' : undefined)));
    if (length === undefined) return cancelled;
    const ev = await q.punchEvent({ process: pid, file, offset, length });
    if (!ev.ok) return refuse(ev.reason);
    return act(ev.value, a.pending);
  });

  const scrub = guard(async (arg?: DeviceNode | { region?: string; all?: boolean; pending?: 'discard' | 'run' }): Promise<Outcome> => {
    lab.need();
    let region: string | undefined;
    let pending: 'discard' | 'run' | undefined;
    if (isNode(arg)) region = arg.ref?.region;
    else if (arg) {
      // { region } scrubs one region, { all: true } (or no region) every region
      region = arg.all ? undefined : arg.region;
      pending = arg.pending;
    } else {
      const regions = await lab.query<{ id: string; start: number; size: number }[]>('regions');
      const r = await p().pick('Scrub (ARS)', [
        { label: 'All regions', detail: 'ndctl start-scrub && ndctl wait-scrub', value: '' },
        ...regions.map((x) => ({ label: x.id, detail: `[${hex(x.start)}, ${hex(x.start + x.size)})`, value: x.id })),
      ]);
      if (r === undefined) return cancelled;
      region = r || undefined;
    }
    const ev = await q.scrubEvent(region);
    if (!ev.ok) return refuse(ev.reason);
    return act(ev.value, pending);
  });

  const nsAction = (kind: 'clear-errors' | 'unbind') =>
    guard(async (arg?: DeviceNode | { namespace?: string; pending?: 'discard' | 'run' }): Promise<Outcome> => {
      lab.need();
      let ns: string | undefined;
      let pending: 'discard' | 'run' | undefined;
      if (isNode(arg)) ns = arg.ref?.namespace;
      else if (arg) {
        ns = arg.namespace;
        pending = arg.pending;
      }
      if (ns === undefined) {
        const items = (await lab.query<{ id: string; detail: string }[]>('boundNamespaces')).map((n) => ({ label: n.id, detail: n.detail, value: n.id }));
        const removed = await q.removedObjects('namespace');
        if (!items.length) return refuse(`every namespace has been unbound: ${removed.map((x) => x.detail).join('; ')}`);
        ns = await p().pick(`${kind === 'unbind' ? 'Unbind which namespace' : 'Clear the errors of which namespace'}${removed.length ? ` (not offered: ${removed.map((x) => `${x.label}, ${x.detail.replace(/^\S+ was /, '')}`).join('; ')})` : ''}`, items);
        if (ns === undefined) return cancelled;
      }
      const ev = await q.namespaceEvent(kind, ns);
      if (!ev.ok) return refuse(ev.reason);
      return act(ev.value, pending);
    });

  // ---------------------------------------------------------- designs and knobs

  const switchDesign = guard(async (arg?: string | { design?: string }): Promise<Outcome> => {
    const s = lab.need();
    let design = typeof arg === 'string' ? arg : arg?.design;
    if (design === undefined) {
      design = await p().pick(
        `Routing design (now ${s.design})`,
        DESIGNS.map((d) => {
          const prop = proposalFor(d);
          return {
            label: `${d === s.design ? '$(check) ' : ''}${d}`,
            description: `${DESIGN_ROLE[d]}${MODELLED_DESIGNS.includes(d) ? '' : ' — not modelled in this build'}`,
            detail: prop ? `${prop.title} — ${prop.author}, ${prop.date}, <${prop.messageId}>` : undefined,
            value: d as string,
          };
        }),
      );
      if (design === undefined) return cancelled;
    }
    if (!(DESIGNS as readonly string[]).includes(design)) return refuse(`no design ${JSON.stringify(design)} (designs: ${DESIGNS.join(', ')})`);
    await lab.setKernel({ design: design as Design });
    return done(knobOutcome(`design ${design}`));
  });

  /**
   * Switch Kernel Version: replay the session under another kernel release
   * (kernel.version). A scenario that uses something that release does not
   * have is refused, the field and the release that added it named, and the
   * session stays as it was.
   */
  const switchKernelVersion = guard(async (arg?: string | { version?: string }): Promise<Outcome> => {
    const s = lab.need();
    const now = s.kernelVersion;
    let version = typeof arg === 'string' ? arg : arg?.version;
    if (version === undefined) {
      version = await p().pick(
        `Kernel version (now ${now})`,
        KERNEL_VERSIONS.map((v) => ({
          label: `${v === now ? '$(check) ' : ''}${v}`,
          description: `${kernelRelease(v)}${v === DEFAULT_KERNEL_VERSION ? ' — the default' : ''}`,
          detail: KERNEL_ROLE[v],
          value: v as string,
        })),
      );
      if (version === undefined) return cancelled;
    }
    if (!(KERNEL_VERSIONS as readonly string[]).includes(version)) return refuse(`no kernel version ${JSON.stringify(version)} (versions: ${KERNEL_VERSIONS.join(', ')})`);
    await lab.setKernel({ version: version as KernelVersion });
    return done(knobOutcome(`kernel ${version} (${kernelRelease(version)})`));
  });

  /** after a knob changed: the replay, and what the events run so far now give */
  function knobOutcome(what: string): string {
    const s = lab.need();
    const ids = new Set(s.report.events.map((e) => e.id));
    const sigs = s.report.signals.length;
    const shut = s.report.filesystems.filter((f) => f.shutdown).map((f) => `${f.mount} shut down (${f.shutdown})`);
    const verdicts = (s.report.verdicts ?? []).filter((v) => ids.has(v.event));
    return [`${what}: replayed ${s.cursor} of ${s.events.length} event${s.events.length === 1 ? '' : 's'}`, `${sigs} signal${sigs === 1 ? '' : 's'} in all`, ...shut, verdictCounts(verdicts), ...(s.stoppedBy ? [`stopped: ${s.stoppedBy.message}`] : []), ...(s.report.panic ? [`PANIC: ${s.report.panic}`] : [])].join(' · ');
  }

  const setKernelKnob = guard(async (arg?: { knob?: string; value?: unknown }): Promise<Outcome> => {
    const s = lab.need();
    const k = s.kernel;
    const knobs = [
      { label: 'earlyKill', detail: `vm.memory_failure_early_kill (now ${k.earlyKill ? 1 : 0})`, value: 'earlyKill' },
      { label: 'recovery', detail: `vm.memory_failure_recovery (now ${k.recovery ? 1 : 0}); off panics on any memory failure`, value: 'recovery' },
      { label: 'reporting', detail: `how a consumed poison reaches the kernel (now ${k.reporting})`, value: 'reporting' },
      { label: 'design', detail: `routing design (now ${k.design})`, value: 'design' },
      { label: 'version', detail: `kernel version (now ${s.kernelVersion}, ${kernelRelease(s.kernelVersion)}): Switch Kernel Version`, value: 'version' },
    ];
    const knob = arg?.knob ?? (await p().pick('Kernel knob', knobs));
    if (!knob) return cancelled;
    let value = arg?.value;
    // the kernel version is a knob too: the same replay, and the same refusal leaving the session unchanged
    if (knob === 'version') return switchKernelVersion(value === undefined ? undefined : String(value));
    if (value === undefined) {
      if (knob === 'design') return switchDesign();
      const options: PickItem<unknown>[] =
        knob === 'reporting'
          ? [{ label: 'native', detail: 'x86 machine check', value: 'native' }, { label: 'firmware-first', detail: 'APEI GHES', value: 'firmware-first' }]
          : [{ label: '1', value: true }, { label: '0', value: false }];
      value = await p().pick(knob, options);
      if (value === undefined) return cancelled;
    }
    if (!['earlyKill', 'recovery', 'reporting', 'design'].includes(knob)) return refuse(`no kernel knob ${JSON.stringify(knob)} (knobs: earlyKill, recovery, reporting, design, version)`);
    await lab.setKernel({ [knob]: value });
    return done(knobOutcome(`${knob} = ${String(value)}`));
  });

  // ---------------------------------------------------------- whole-scenario runs

  async function scenarioText(uri?: vscode.Uri): Promise<{ text: string; file: string; name: string }> {
    if (uri) {
      const text = await readUri(uri);
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      return { text, file: open ? fileNameOf(open) : uri.scheme === 'file' ? uri.fsPath : uri.path, name: uri.path.replace(/^.*\//, '') };
    }
    const s = lab.need();
    return { text: s.composeText(), file: s.file, name: s.file.replace(/^.*[\\/]/, '') };
  }

  const compareDesigns = guard(async (uri?: vscode.Uri): Promise<Outcome> => {
    const src = await scenarioText(uri);
    const runs: CompareRun[] = [];
    let name = src.name;
    // each design runs in the scratch simulator (off the extension host's event loop); Cancel stops before the next design
    let failed: string | undefined;
    const runOf = async (x: typeof src, design?: string): Promise<RunDesignResult> => {
      try {
        return (await lab.scratch.request<RunDesignResult>({ op: 'runDesign', text: x.text, file: x.file, design })).value;
      } catch (e) {
        if (e instanceof LabError) failed = `${x.name} does not load: ${e.message}`;
        throw e;
      }
    };
    const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `DAX Poison Lab: comparing designs on ${src.name}`, cancellable: true }, async (progress, token) => {
      for (const design of DESIGNS) {
        if (token.isCancellationRequested) return false;
        progress.report({ message: design, increment: 100 / DESIGNS.length });
        const r = await runOf(src, design);
        name = r.name;
        runs.push(r.report ? { design, report: r.report } : { design, error: r.error ?? 'no report' });
      }
      return true;
    }).then(
      (v) => v,
      (e) => {
        if (failed) return undefined;
        throw e;
      },
    );
    if (done === undefined) return refuse(failed!);
    if (!done) return cancelled;
    const text = renderCompare(name, runs);
    const uriDoc = vscode.Uri.from({ scheme: SCHEME, path: `/compare/${src.name.replace(/\.poison\.(ya?ml|json)$/, '')}.txt` });
    ctx.docs.set(uriDoc, text.split('\n').map((t) => ({ text: t })));
    const doc = await vscode.workspace.openTextDocument(uriDoc);
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
    return { ok: true, message: text };
  });

  const runScenarioCmd = guard(async (uri?: vscode.Uri): Promise<Outcome> => {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (target && lab.source?.toString() !== target.toString()) {
      const o = await openUri(target, true);
      if (!o.ok) return o;
    } else if (target) {
      const o = await reset();
      if (!o.ok) return o;
    } else if (!lab.session) {
      return refuse('open a *.poison.yaml or *.poison.json scenario first');
    }
    const r = await runToEnd();
    if (!r.ok) return r;
    lab.results.show(true);
    const s = lab.need();
    if (s.stoppedBy) return refuse(s.stoppedBy.message);
    return { ok: true, message: `${s.scenario.name}: ${s.cursor} event(s) run` };
  });

  const checkScenario = guard(async (uri?: vscode.Uri): Promise<Outcome> => {
    const target = uri ?? (lab.session ? undefined : vscode.window.activeTextEditor?.document.uri);
    const src = await scenarioText(target);
    // loaded and run by the scratch simulator (a LabError names where it does not load)
    let run: RunDesignResult;
    try {
      run = (await lab.scratch.request<RunDesignResult>({ op: 'runDesign', text: src.text, file: src.file })).value;
    } catch (e) {
      if (e instanceof LabError) return refuse(`${src.name} does not load: ${e.message}`);
      throw e;
    }
    if (run.error || !run.report) return refuse(`${src.name}: ${run.error ?? 'no report'}`);
    const report = run.report;
    const text = renderCheck([{ file: src.name, report }]);
    lab.results.append(text);
    lab.results.show(true);
    // failed expectations as warnings where they are written
    if (target) {
      const doc = await vscode.workspace.openTextDocument(target);
      const paths = run.expectPaths;
      const warn: vscode.Diagnostic[] = [];
      report.expectations.forEach((x, i) => {
        if (x.ok) return;
        const path = paths[i] ?? '';
        const at = positionOf(src.text, src.file, path);
        warn.push(toVsDiagnostic(doc, { file: src.file, line: at.line, column: at.column, path, field: Object.keys(x.expect as object)[0] ?? '', value: x.expect, message: `expectation failed at ${x.where}: ${x.detail}` }, vscode.DiagnosticSeverity.Warning));
      });
      ctx.expectations.set(doc.uri, warn);
    }
    const failed = report.expectations.filter((x) => !x.ok).length;
    const msg = `${report.scenario}: ${report.expectations.length - failed} passed, ${failed} failed`;
    if (failed) refuse(msg);
    else say(`DAX Poison Lab: ${msg}`);
    return { ok: failed === 0, message: msg, error: failed ? msg : undefined };
  });

  // ---------------------------------------------------------- views and source

  const revealOwners = guard(async (arg?: DeviceNode | { spa: number; len?: number; title?: string }): Promise<Outcome> => {
    lab.need();
    const q = isNode(arg) ? arg.target : arg ? { spa: arg.spa, len: arg.len ?? PAGE_SIZE, title: arg.title ?? hex(arg.spa) } : undefined;
    if (!q) return refuse('pick a device, range or page in the Devices view');
    lab.showOwners(q);
    // the owners come from the simulator: the command is done when the view has them
    await lab.ownersReady();
    await vscode.commands.executeCommand('daxPoisonLab.owners.focus');
    return { ok: true, message: q.title };
  });

  const showRoute = guard(async (eventId?: string): Promise<Outcome> => {
    const s = lab.need();
    const id = eventId ?? s.events[Math.max(0, s.cursor - 1)]?.id;
    if (!id) return refuse('no event has run yet');
    const ev = s.events.find((e) => e.id === id);
    if (!ev) return refuse(`no event ${id}`);
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/route/${id}.txt` });
    ctx.docs.set(uri, routeLines(s.report, ev, id));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true });
    return { ok: true, message: id };
  });

  const goToKernelSymbol = guard(async (arg?: string): Promise<Outcome> => {
    let name = arg;
    if (name === undefined) {
      type Pick = { symbol: string } | { lore: string };
      const items: PickItem<Pick>[] = [
        ...symbolPicks().map((s) => ({ label: s.name, description: s.description, detail: s.detail, value: { symbol: s.name } as Pick })),
        ...PROPOSALS.map((pr) => ({ label: `$(mail) ${pr.design}`, description: `${pr.author}, ${pr.date}`, detail: `proposal: ${pr.title} <${pr.messageId}>`, value: { lore: proposalUrl(pr) } as Pick })),
      ];
      const pick = await p().pick(`Go to kernel symbol (links: ${ctx.kernel.mode})`, items, 'a kernel symbol the simulator names, with its file and role');
      if (!pick) return cancelled;
      if ('lore' in pick) {
        await vscode.env.openExternal(vscode.Uri.parse(pick.lore));
        return { ok: true, message: pick.lore };
      }
      name = pick.symbol;
    }
    const t = await ctx.kernel.open(name);
    return { ok: true, message: t.kind === 'local' ? `${t.path}:${t.line}${t.moved ? ' (found by searching: the line moved)' : ''}` : t.url };
  });

  const reg = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown);
  return [
    reg('daxPoisonLab.openScenario', openScenario),
    reg('daxPoisonLab.newScenario', newScenario),
    reg('daxPoisonLab.saveScenario', saveScenario),
    reg('daxPoisonLab.reset', reset),
    reg('daxPoisonLab.step', step),
    reg('daxPoisonLab.stepBack', stepBack),
    reg('daxPoisonLab.runToEnd', runToEnd),
    reg('daxPoisonLab.runTo', runTo),
    reg('daxPoisonLab.injectPoison', injectPoison),
    reg('daxPoisonLab.injectHere', injectPoison),
    reg('daxPoisonLab.consume', consume),
    reg('daxPoisonLab.readWrite', readWrite),
    reg('daxPoisonLab.punchHole', punchHole),
    reg('daxPoisonLab.scrub', scrub),
    reg('daxPoisonLab.clearErrors', nsAction('clear-errors')),
    reg('daxPoisonLab.unbind', nsAction('unbind')),
    reg('daxPoisonLab.switchDesign', switchDesign),
    reg('daxPoisonLab.switchKernelVersion', switchKernelVersion),
    reg('daxPoisonLab.setKernelKnob', setKernelKnob),
    reg('daxPoisonLab.compareDesigns', compareDesigns),
    reg('daxPoisonLab.runScenario', runScenarioCmd),
    reg('daxPoisonLab.checkScenario', checkScenario),
    reg('daxPoisonLab.revealOwners', revealOwners),
    reg('daxPoisonLab.showRoute', showRoute),
    reg('daxPoisonLab.goToKernelSymbol', goToKernelSymbol),
  ];
}
