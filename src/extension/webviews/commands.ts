// The commands of the webviews: Open Layer Routing, Open Timeline, Open
// Design Comparison and Export Perfetto Trace. Each returns an Outcome like
// the lab's other commands; a target argument answers the question the
// command would ask (tests, other extensions).

import * as vscode from 'vscode';
import { confineTarget, outcomeReporters, type Lab } from '../lab';
import type { LabWebviews } from './index';
import type { Selection } from '../../protocol/messages';

export function registerWebviewCommands(w: LabWebviews, lab: Lab, messages: string[]): vscode.Disposable[] {
  const { refuse, guard } = outcomeReporters(messages);
  /** an event id, or {event, span}, selects before the view opens */
  const preselect = (arg: unknown) => {
    if (typeof arg === 'string') w.select({ event: arg, span: null });
    // an Events view row (its inline action)
    else if (arg && typeof arg === 'object' && 'row' in arg && typeof (arg as { row?: { id?: unknown } }).row?.id === 'string') w.select({ event: (arg as { row: { id: string } }).row.id, span: null });
    else if (arg && typeof arg === 'object' && 'event' in arg) {
      const a = arg as Partial<Selection>;
      w.select({ event: typeof a.event === 'string' ? a.event : null, span: typeof a.span === 'number' ? a.span : null });
    }
  };
  return [
    vscode.commands.registerCommand(
      'daxPoisonLab.openRouting',
      guard((arg?: unknown, compareWith?: unknown) => {
        preselect(arg);
        if (typeof compareWith === 'string') w.setCompareWith(compareWith);
        w.open('routing');
        const s = lab.session;
        return { ok: true, message: s ? `${s.scenario.name}: routing of ${w.routingState().selection.event ?? 'no event yet'}` : 'no session' };
      }),
    ),
    vscode.commands.registerCommand(
      'daxPoisonLab.openTimeline',
      guard((arg?: unknown) => {
        preselect(arg);
        w.open('timeline');
        const s = lab.session;
        return { ok: true, message: s ? `${s.scenario.name}: ${s.report.spans.length} spans` : 'no session' };
      }),
    ),
    vscode.commands.registerCommand(
      'daxPoisonLab.openComparison',
      guard(async () => {
        lab.need();
        w.open('comparison');
        // the view shows how far the comparison is; the command answers when it is done
        const st = await w.comparisonFinished();
        return st.view ? { ok: true, message: `${st.view.scenario}: ${st.view.designs.join(', ')}` } : refuse(st.empty ?? 'nothing to compare');
      }),
    ),
    vscode.commands.registerCommand(
      'daxPoisonLab.compareKernelVersions',
      guard(async (arg?: unknown) => {
        lab.need();
        // the versions to compare (default: every modelled one); [] or one: the session's only
        const versions = Array.isArray(arg) ? arg.filter((v): v is string => typeof v === 'string') : typeof arg === 'string' ? arg.split(',') : ['6.1', '6.12'];
        w.setComparisonKernels(versions);
        w.open('comparison');
        const st = await w.comparisonFinished();
        return st.view ? { ok: true, message: `${st.view.scenario}: ${st.view.designs.join(', ')}` } : refuse(st.empty ?? 'nothing to compare');
      }),
    ),
    vscode.commands.registerCommand(
      'daxPoisonLab.exportPerfetto',
      guard(async (target?: unknown) => {
        let uri: vscode.Uri | undefined;
        if (target !== undefined && target !== '') {
          if (!(target instanceof vscode.Uri) && typeof target !== 'string') return refuse(`Export Perfetto Trace: the argument must be a file URI or a path, not ${JSON.stringify(target)}`);
          // a path given as an argument (not chosen in the dialog) stays inside the workspace folder
          const c = confineTarget(target, 'Export Perfetto Trace');
          if ('error' in c) return refuse(c.error);
          uri = c.uri;
        }
        const o = await w.exportTrace(uri);
        if (o.ok && o.message) {
          messages.push(`DAX Poison Lab: trace written to ${o.message}`);
          void vscode.window.showInformationMessage(`DAX Poison Lab: trace written to ${o.message}`);
        }
        return o;
      }),
    ),
  ];
}
