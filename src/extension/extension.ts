// The VS Code side (a thin layer over the simulator core). This first cut
// runs the scenario in the active editor and shows the routing and the check
// results in an output channel; the lab views build on the same core.

import * as vscode from 'vscode';
import { loadScenario } from '../sim/scenario/load';
import { runScenario } from '../sim/run';
import { renderRouting, renderCheck } from '../sim/render';
import { ScenarioErrors, InputError, formatDiagnostic } from '../sim/errors';
import { diagnosticFromInputError } from '../sim/scenario/load';

export function activate(context: vscode.ExtensionContext): void {
  const out = vscode.window.createOutputChannel('DAX Poison Lab');
  const run = (check: boolean) => () => {
    const ed = vscode.window.activeTextEditor;
    if (!ed) {
      void vscode.window.showErrorMessage('DAX Poison Lab: open a *.poison.yaml or *.poison.json scenario first.');
      return;
    }
    const file = ed.document.fileName;
    const text = ed.document.getText();
    out.clear();
    try {
      const report = runScenario(loadScenario(text, file));
      out.append(check ? renderCheck([{ file, report }]) : renderRouting(report));
    } catch (e) {
      if (e instanceof ScenarioErrors) out.append(e.diagnostics.map(formatDiagnostic).join('\n') + '\n');
      else if (e instanceof InputError) out.append(formatDiagnostic(diagnosticFromInputError(text, file, e)) + '\n');
      else throw e;
    }
    out.show(true);
  };
  context.subscriptions.push(
    out,
    vscode.commands.registerCommand('daxPoisonLab.runScenario', run(false)),
    vscode.commands.registerCommand('daxPoisonLab.checkScenario', run(true)),
  );
}

export function deactivate(): void {}
