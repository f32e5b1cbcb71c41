// Kernel source links: the daxPoisonLab.kernelLinks setting (auto, elixir,
// github), the local tree (daxPoisonLab.kernelTree, or a workspace folder
// that is a kernel tree), opening a symbol at its definition, and the
// read-only documents the lab shows (an event's route, a comparison), whose
// span lines link to the kernel source.

import * as vscode from 'vscode';
import { KERNEL_VERSION, symbolTable } from '../kernel/links';
import { probeKernelTree, resolveLink, seriesOf, joinPath, type KernelTreeInfo, type LinkMode, type LinkTarget, type TreeFs } from './model/kernelLinks';

export const SCHEME = 'dax-poison-lab';

const decoder = new TextDecoder();

/** workspace.fs as the link code's file system; paths are URI strings */
export const workspaceTreeFs: TreeFs = {
  async readText(path: string): Promise<string | undefined> {
    try {
      return decoder.decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(path)));
    } catch {
      return undefined;
    }
  },
};

function folderUri(setting: string): vscode.Uri {
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(setting)) return vscode.Uri.parse(setting);
  return vscode.Uri.file(setting);
}

export class KernelSource implements vscode.Disposable {
  private treePromise: Promise<{ info: KernelTreeInfo; fs: TreeFs } | undefined> | undefined;
  /** the local trees of the other series (6.1), found the same way and kept apart */
  private readonly seriesTrees = new Map<string, Promise<{ info: KernelTreeInfo; fs: TreeFs } | undefined>>();
  /**
   * The kernel series links go to: the lab session's kernel.version (the
   * extension sets it; 6.12 without a session). A 6.1 session opens 6.1's
   * definitions: a local linux-source-6.1 tree when there is one, else the
   * web at v6.1.N.
   */
  series: () => string = () => '6.12';
  /** settings already warned about, so a bad one is said once */
  private readonly warned = new Set<string>();
  /** the warnings shown (for tests) */
  readonly warnings: string[] = [];
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly fs: TreeFs = workspaceTreeFs) {
    this.subs.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('daxPoisonLab.kernelTree') || e.affectsConfiguration('daxPoisonLab.kernelLinks')) {
          this.treePromise = undefined;
          this.seriesTrees.clear();
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.treePromise = undefined;
        this.seriesTrees.clear();
      }),
    );
  }

  get mode(): LinkMode {
    const m = vscode.workspace.getConfiguration('daxPoisonLab').get<string>('kernelLinks', 'auto');
    return m === 'elixir' || m === 'github' ? m : 'auto';
  }

  /** The local kernel tree links go to in auto mode, or undefined (web links); of `series` (default: the session's). */
  tree(series = this.series()): Promise<{ info: KernelTreeInfo; fs: TreeFs } | undefined> {
    if (series !== '6.12') {
      let p = this.seriesTrees.get(series);
      if (!p) {
        p = this.findSeriesTree(series);
        this.seriesTrees.set(series, p);
      }
      return p;
    }
    if (!this.treePromise) this.treePromise = this.findTree();
    return this.treePromise;
  }

  /**
   * A tree of another series (6.1): daxPoisonLab.kernelTree when it is one,
   * else linux-source-<series> beside it (scripts/setup-kernel-tree.sh 6.1
   * unpacks .cache/kernel/linux-source-6.1 next to linux-source-6.12), else
   * a workspace folder that is one or holds .cache/kernel/linux-source-<series>.
   * Only a tree of that series: 6.12's line numbers are not 6.1's.
   */
  private async findSeriesTree(series: string): Promise<{ info: KernelTreeInfo; fs: TreeFs } | undefined> {
    const candidates: string[] = [];
    const configured = vscode.workspace.getConfiguration('daxPoisonLab').get<string>('kernelTree', '').trim();
    if (configured) {
      const root = folderUri(configured).toString();
      candidates.push(root, joinPath(root.replace(/\/[^/]+\/?$/, ''), `linux-source-${series}`));
    }
    for (const f of vscode.workspace.workspaceFolders ?? []) candidates.push(f.uri.toString(), joinPath(f.uri.toString(), `.cache/kernel/linux-source-${series}`));
    for (const root of candidates) {
      const info = await probeKernelTree(this.fs, root);
      if (info && seriesOf(info.version) === series) return { info, fs: this.fs };
    }
    return undefined;
  }

  private async findTree(): Promise<{ info: KernelTreeInfo; fs: TreeFs } | undefined> {
    const configured = vscode.workspace.getConfiguration('daxPoisonLab').get<string>('kernelTree', '').trim();
    if (configured) {
      const root = folderUri(configured).toString();
      const info = await probeKernelTree(this.fs, root);
      if (info) return { info, fs: this.fs };
      if (!this.warned.has(configured)) {
        this.warned.add(configured);
        const msg = `DAX Poison Lab: daxPoisonLab.kernelTree is "${configured}", which is not a kernel tree (no Makefile with a version, mm/memory-failure.c and drivers/nvdimm/pmem.c there). Kernel links go to Elixir instead.`;
        this.warnings.push(msg);
        void vscode.window.showWarningMessage(msg);
      }
      return undefined;
    }
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const info = await probeKernelTree(this.fs, f.uri.toString());
      if (info) return { info, fs: this.fs };
    }
    return undefined;
  }

  /** Where a symbol's link goes under the current settings. */
  async resolve(symbol: string): Promise<LinkTarget> {
    const mode = this.mode;
    const series = this.series();
    return resolveLink(symbol, mode, mode === 'auto' ? await this.tree(series) : undefined, series);
  }

  /** answers the offer to set up a local tree (tests replace it); resolves to the chosen button's title */
  ask: (message: string, ...choices: string[]) => Thenable<string | undefined> = (message, ...choices) => vscode.window.showInformationMessage(message, ...choices);
  /** the offer is made once a session: after that, web links open directly */
  setupOffered = false;
  /** the offers made, and what came of them (for tests) */
  readonly setupLog: string[] = [];

  /** The workspace folder that holds scripts/setup-kernel-tree.sh (this repository), if one does. */
  private async setupFolder(): Promise<vscode.Uri | undefined> {
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      try {
        await vscode.workspace.fs.stat(vscode.Uri.joinPath(f.uri, 'scripts', 'setup-kernel-tree.sh'));
        return f.uri;
      } catch {
        /* not this one */
      }
    }
    return undefined;
  }

  /**
   * No local kernel tree in auto mode: offer to set one up (Debian's
   * linux-source-6.12 at the pinned release unpacked by scripts/setup-kernel-tree.sh into
   * .cache/kernel/linux-source-6.12, then daxPoisonLab.kernelTree set to it),
   * or copy the command, before the web link. Returns true when the web link
   * should still open now.
   */
  private async offerSetup(symbol: string, url: string): Promise<boolean> {
    this.setupOffered = true;
    // running a script from the workspace needs a trusted workspace
    const folder = vscode.workspace.isTrusted ? await this.setupFolder() : undefined;
    const SETUP = 'Set Up Local Kernel Source';
    const COPY = 'Copy Command';
    const WEB = 'Open Web Link';
    // the session's kernel series: 6.1 has its own tree (scripts/setup-kernel-tree.sh 6.1)
    const series = this.series();
    const release = series === '6.12' ? KERNEL_VERSION : symbolTable(series).version;
    const cmd = series === '6.12' ? 'bash scripts/setup-kernel-tree.sh' : `bash scripts/setup-kernel-tree.sh ${series}`;
    const src = `linux-source-${series}`;
    const msg = folder
      ? `DAX Poison Lab: no local kernel tree, so ${symbol} would open on the web (${url.replace(/^https:\/\/([^/]+).*/, '$1')}). "${cmd}" fetches Debian's ${src} at ${release} (the release of the symbol table and the oracle) and unpacks it into .cache/kernel/${src}; the lab then ${series === '6.12' ? 'sets daxPoisonLab.kernelTree to it and ' : ''}opens symbols at their definition locally.`
      : `DAX Poison Lab: no local kernel tree, so ${symbol} would open on the web (${url.replace(/^https:\/\/([^/]+).*/, '$1')}). In a checkout of the DAX Poison Lab repository, "${cmd}" unpacks Debian's ${src} at ${release} into .cache/kernel/${src}; ${series === '6.12' ? 'set daxPoisonLab.kernelTree to that folder' : 'keep it beside the tree daxPoisonLab.kernelTree names'} (or open it as a workspace folder) to open symbols locally.`;
    const choice = await this.ask(msg, ...(folder ? [SETUP, COPY, WEB] : [COPY, WEB]));
    this.setupLog.push(`offered for ${symbol}: ${choice ?? 'dismissed'}`);
    if (choice === COPY) {
      await vscode.env.clipboard.writeText(cmd);
      void vscode.window.showInformationMessage(`DAX Poison Lab: copied "${cmd}"; run it in the repository${series === '6.12' ? ', then set daxPoisonLab.kernelTree to .cache/kernel/linux-source-6.12 there' : ''}.`);
      return true;
    }
    if (choice === SETUP && folder) {
      this.runSetup(folder, cmd, series);
      return false;
    }
    return choice === WEB || choice === undefined;
  }

  /** Run the setup script in a terminal; when it succeeds, point daxPoisonLab.kernelTree at the tree it made. */
  private runSetup(folder: vscode.Uri, cmd: string, series = '6.12'): void {
    const tree = vscode.Uri.joinPath(folder, '.cache', 'kernel', `linux-source-${series}`);
    let term: vscode.Terminal;
    try {
      term = vscode.window.createTerminal({ name: 'DAX Poison Lab: kernel source', cwd: folder, shellPath: 'bash', shellArgs: ['scripts/setup-kernel-tree.sh', ...(series === '6.12' ? [] : [series])], isTransient: true });
    } catch (e) {
      void vscode.window.showErrorMessage(`DAX Poison Lab: cannot open a terminal to run "${cmd}" (${(e as Error).message}); run it in ${folder.fsPath} yourself.`);
      return;
    }
    term.show(true);
    this.setupLog.push(`running ${cmd} in ${folder.fsPath}`);
    const sub = vscode.window.onDidCloseTerminal(async (t) => {
      if (t !== term) return;
      sub.dispose();
      const code = t.exitStatus?.code;
      if (code !== 0) {
        this.setupLog.push(`${cmd} failed (exit ${code ?? 'unknown'})`);
        void vscode.window.showErrorMessage(`DAX Poison Lab: "${cmd}" failed (exit ${code ?? 'unknown'}); it needs apt-get download of linux-source-${series}. Kernel links stay on the web.`);
        return;
      }
      if (series !== '6.12') {
        // found where it was unpacked (the workspace's .cache/kernel); kernelTree stays 6.12's
        this.seriesTrees.delete(series);
        this.setupLog.push(`${tree.fsPath} unpacked`);
        void vscode.window.showInformationMessage(`DAX Poison Lab: local ${series} kernel source ready in ${tree.fsPath}.`);
        return;
      }
      const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await vscode.workspace.getConfiguration('daxPoisonLab').update('kernelTree', tree.fsPath, target);
      this.treePromise = undefined;
      this.setupLog.push(`kernelTree set to ${tree.fsPath}`);
      void vscode.window.showInformationMessage(`DAX Poison Lab: local kernel source ready; daxPoisonLab.kernelTree is ${tree.fsPath}.`);
    });
    this.subs.push(sub);
  }

  /** The link as a URI: a file URI with a #L fragment for a local tree, or the web link. */
  async uri(symbol: string): Promise<vscode.Uri> {
    const t = await this.resolve(symbol);
    if (t.kind === 'web') return vscode.Uri.parse(t.url);
    return vscode.Uri.parse(t.path).with({ fragment: `L${t.line}` });
  }

  /** Open a symbol's definition: the local file at its line, or the web page. */
  async open(symbol: string): Promise<LinkTarget> {
    const t = await this.resolve(symbol);
    if (t.kind === 'local') {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(t.path));
      const pos = new vscode.Position(t.line - 1, 0);
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
    } else {
      const configured = vscode.workspace.getConfiguration('daxPoisonLab').get<string>('kernelTree', '').trim();
      // auto mode with no tree at all (not a bad setting, which was said already): offer the local source first
      const web = this.mode === 'auto' && !configured && !this.setupOffered ? await this.offerSetup(symbol, t.url) : true;
      if (web) await vscode.env.openExternal(vscode.Uri.parse(t.url));
    }
    return t;
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
  }
}

/** A line of a lab document that names a kernel symbol. */
export interface LinkedLine {
  text: string;
  symbol?: string;
  symbolAt?: number;
}

/**
 * The lab's read-only documents (dax-poison-lab:/route/e1.txt,
 * dax-poison-lab:/compare/name.txt), with their span lines linked to the
 * kernel source.
 */
export class LabDocuments implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider, vscode.Disposable {
  private readonly docs = new Map<string, LinkedLine[]>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly kernel: KernelSource) {}

  set(uri: vscode.Uri, lines: LinkedLine[]): void {
    this.docs.set(uri.toString(), lines);
    this.changed.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return (this.docs.get(uri.toString()) ?? [{ text: 'This lab document is gone: reopen it from the lab.' }]).map((l) => l.text).join('\n') + '\n';
  }

  async provideDocumentLinks(doc: vscode.TextDocument): Promise<vscode.DocumentLink[]> {
    const lines = this.docs.get(doc.uri.toString());
    if (!lines) return [];
    const out: vscode.DocumentLink[] = [];
    const cache = new Map<string, vscode.Uri>();
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (!l.symbol || l.symbolAt === undefined) continue;
      let target = cache.get(l.symbol);
      if (!target) {
        target = await this.kernel.uri(l.symbol);
        cache.set(l.symbol, target);
      }
      const link = new vscode.DocumentLink(new vscode.Range(i, l.symbolAt, i, l.symbolAt + l.symbol.length), target);
      link.tooltip = `${l.symbol}: open the kernel source (${this.kernel.mode})`;
      out.push(link);
    }
    return out;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
