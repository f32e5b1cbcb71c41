// Import Machine… (issue 16): a folder scripts/collect-machine.sh wrote →
// a scenario file beside it → a session; and the what-if actions on every
// bad range of the Devices tree, which run on a copy of the session and
// show who is told and who is not. The folder is read through
// vscode.workspace.fs (so the web extension host can import too); the
// import itself is src/import, pure.

import * as vscode from 'vscode';
import { ImportError, MAX_FOLDER_BYTES, MAX_FOLDER_FILES, formatImportReport, importAndCheck, type MachineFiles } from '../import';
import { outcomeReporters, type Lab, type Outcome } from './lab';
import type { LabDocuments } from './kernelSource';
import { SCHEME } from './kernelSource';
import type { DeviceNode } from './model/devices';
import { LabError } from './model/session';
import { WHAT_IF_QUESTION, whatIfMarkdown, type WhatIfAnswer, type WhatIfKind, type WhatIfTarget } from './model/whatif';

async function readFolder(root: vscode.Uri): Promise<MachineFiles> {
  const out: MachineFiles = new Map();
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    const dir = rel ? vscode.Uri.joinPath(root, rel) : root;
    for (const [name, type] of await vscode.workspace.fs.readDirectory(dir)) {
      const r = rel ? `${rel}/${name}` : name;
      // symbolic links are not followed: a collected folder has none
      if (type & vscode.FileType.SymbolicLink) continue;
      if (type === vscode.FileType.Directory) await walk(r);
      else if (type === vscode.FileType.File) {
        if (out.size >= MAX_FOLDER_FILES) throw new ImportError(root.path, 0, 'files', out.size, `holds more than ${MAX_FOLDER_FILES.toLocaleString('en-US')} files: not a collected machine`);
        const uri = vscode.Uri.joinPath(root, r);
        total += (await vscode.workspace.fs.stat(uri)).size;
        if (total > MAX_FOLDER_BYTES) throw new ImportError(root.path, 0, 'size', total, `holds more than ${MAX_FOLDER_BYTES / 1024 / 1024} MiB: not a collected machine`);
        out.set(r, await vscode.workspace.fs.readFile(uri));
      }
    }
  };
  await walk('');
  return out;
}

const baseName = (u: vscode.Uri) => u.path.replace(/\/+$/, '').replace(/^.*\//, '');

function isNode(x: unknown): x is DeviceNode {
  return !!x && typeof x === 'object' && 'contextValue' in x && 'children' in x;
}

export function registerImportCommands(lab: Lab, docs: LabDocuments, messages: string[]): vscode.Disposable[] {
  const { refuse, guard } = outcomeReporters(messages);
  const channel = vscode.window.createOutputChannel('DAX Poison Lab: import');

  /** folder: a Uri or a path; target: where to write the scenario (default: beside the folder, <name>.poison.yaml) */
  const importMachine = guard(async (folderArg?: vscode.Uri | string, targetArg?: vscode.Uri | string): Promise<Outcome> => {
    let folder = typeof folderArg === 'string' ? vscode.Uri.file(folderArg) : folderArg;
    if (!folder) {
      const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, title: 'Import Machine: the folder scripts/collect-machine.sh wrote', openLabel: 'Import' });
      if (!picked?.[0]) return { ok: false, error: 'cancelled' };
      folder = picked[0];
    }
    let files: MachineFiles;
    try {
      if ((await vscode.workspace.fs.stat(folder)).type !== vscode.FileType.Directory) return refuse(`${folder.fsPath || folder.path} is not a folder (run scripts/collect-machine.sh -o <folder> on the machine)`);
      files = await readFolder(folder);
    } catch (e) {
      if (e instanceof ImportError) return refuse(e.message);
      return refuse(`cannot read ${folder.fsPath || folder.path}: ${(e as Error).message}`);
    }
    const name = baseName(folder);
    let target = typeof targetArg === 'string' ? vscode.Uri.file(targetArg) : targetArg;
    if (!target) {
      const suggested = vscode.Uri.joinPath(folder, '..', `${name}.poison.yaml`);
      if (folderArg === undefined) {
        target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { 'DAX Poison Lab scenarios': ['yaml'] }, title: 'Save the imported scenario' });
        if (!target) return { ok: false, error: 'cancelled' };
      } else target = suggested;
    }
    if (!/\.poison\.ya?ml$/.test(target.path)) return refuse(`${baseName(target)}: the scenario must be a *.poison.yaml file`);
    let r;
    try {
      r = importAndCheck(files, name, baseName(target));
    } catch (e) {
      if (e instanceof ImportError) return refuse(`import of ${name} refused, nothing written: ${e.message}`);
      throw e;
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(r.yaml));
    const report = formatImportReport(r.report, baseName(target));
    channel.appendLine(report);
    const doc = await vscode.workspace.openTextDocument(target);
    await vscode.window.showTextDocument(doc, { preview: false });
    const opened = (await vscode.commands.executeCommand('daxPoisonLab.openScenario', target)) as Outcome | undefined;
    if (opened && !opened.ok) return opened;
    const summary = `imported ${name}${r.report.complete ? '' : ' (INCOMPLETE: ' + r.report.missing.map((m) => m.file).join(', ') + ' missing)'}: ${r.report.targets.length} poison target${r.report.targets.length === 1 ? '' : 's'}, ${r.report.approximations.length} approximation${r.report.approximations.length === 1 ? '' : 's'} (listed at the top of ${baseName(target)} and in the output channel "DAX Poison Lab: import")`;
    const m = `DAX Poison Lab: ${summary}`;
    messages.push(m);
    if (r.report.complete) void vscode.window.showInformationMessage(m);
    else void vscode.window.showWarningMessage(m);
    return { ok: true, message: report };
  });

  const ask = (kind: WhatIfKind) =>
    guard(async (arg?: DeviceNode | WhatIfTarget): Promise<Outcome> => {
      const s = lab.need();
      const t: WhatIfTarget | undefined = isNode(arg) ? arg.target : arg && typeof arg === 'object' && 'spa' in arg ? arg : undefined;
      if (!t) return refuse(`${WHAT_IF_QUESTION[kind]} needs a bad range: use it on a badblock, media error or poison record in the Devices view`);
      let a: WhatIfAnswer;
      try {
        // the simulator asks it on a copy of the session (src/extension/model/whatif.ts): the session is not changed
        a = await lab.query<WhatIfAnswer>('whatIf', { spa: t.spa, len: t.len, title: t.title }, kind);
      } catch (e) {
        if (e instanceof LabError) return refuse(e.message);
        throw e;
      }
      const md = whatIfMarkdown(a, lab.source ? baseName(lab.source) : s.scenario.name, s.events.length);
      const slug = `${kind}-${t.title.replace(/[^\w.+-]+/g, '-')}`.slice(0, 80);
      const uri = vscode.Uri.from({ scheme: SCHEME, path: `/what-if/${slug}.md` });
      docs.set(
        uri,
        md.replace(/\n$/, '').split('\n').map((text) => {
          const sym = /Decided by `([\w.]+)`$/.exec(text);
          return sym ? { text, symbol: sym[1], symbolAt: text.length - sym[1]!.length - 1 } : { text };
        }),
      );
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
      // rendered beside the scenario (the source stays a tab behind it, its symbols linked to the kernel source)
      await Promise.resolve(vscode.commands.executeCommand('markdown.showPreview', uri)).catch(() => undefined);
      const msg = `${a.question} ${t.title}: ${a.outcome}`;
      messages.push(`DAX Poison Lab: ${msg}`);
      return { ok: true, message: md };
    });

  return [
    channel,
    vscode.commands.registerCommand('daxPoisonLab.importMachine', importMachine),
    vscode.commands.registerCommand('daxPoisonLab.whatIfConsumed', ask('consumed')),
    vscode.commands.registerCommand('daxPoisonLab.whatIfScrubbed', ask('scrubbed')),
    vscode.commands.registerCommand('daxPoisonLab.whatIfRemoved', ask('removed')),
  ];
}
