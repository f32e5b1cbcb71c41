// One webview panel of the lab: a strict CSP with a nonce, resources only
// through asWebviewUri under dist/webview, the view's initial state in a
// nonce'd bootstrap script, a ready handshake before anything is posted,
// and every message from the webview checked by the protocol's validator
// (a malformed one is logged and ignored, never acted on).

import * as vscode from 'vscode';
import { PROTOCOL_VERSION, VIEW_TYPES, parseWebviewMessage, scriptJson, type Bootstrap, type HostMessage, type ViewKind, type ViewState, type WebviewMessage } from '../../protocol/messages';

const TITLES: Record<ViewKind, string> = {
  routing: 'Layer Routing',
  timeline: 'Timeline',
  comparison: 'Design Comparison',
};

export function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  // a CSP nonce must not be guessable: the platform's cryptographic generator (Node and web workers alike)
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  for (const b of bytes) s += chars.charAt(b % chars.length);
  return s;
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

/** The page of a view: CSP, stylesheets, the bootstrap state and the view's bundle. */
export function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, view: ViewKind, state: ViewState): string {
  const n = nonce();
  const res = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', ...p)).toString();
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `img-src ${webview.cspSource} data:`, `script-src 'nonce-${n}'`].join('; ');
  const boot: Bootstrap = { protocol: PROTOCOL_VERSION, view, state };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${res('codicons', 'codicon.css')}" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="${res('lab.css')}">
<title>DAX Poison Lab: ${TITLES[view]}</title>
</head>
<body data-view="${view}">
<main id="root" aria-label="DAX Poison Lab: ${TITLES[view]}"></main>
<script nonce="${n}">window.__DPL_BOOT__ = ${scriptJson(boot)};</script>
<script nonce="${n}" src="${res(`${view}.js`)}"></script>
</body>
</html>`;
}

export interface PanelHooks {
  /** the current state of the view */
  state(): ViewState;
  /** a checked message from the webview (not `ready`) */
  onMessage(m: WebviewMessage): void | Promise<void>;
}

/** A lab view in a webview panel, new or revived by the serializer. */
export class LabPanel implements vscode.Disposable {
  private ready = false;
  private readonly queue: HostMessage[] = [];
  private readonly subs: vscode.Disposable[] = [];
  /** messages refused by the validator (for tests and the log) */
  readonly refused: string[] = [];
  /** the last messages posted (for tests) */
  readonly posted: HostMessage[] = [];
  private disposedFlag = false;
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private readonly readyEmitter = new vscode.EventEmitter<void>();
  readonly onDidBecomeReady = this.readyEmitter.event;

  constructor(
    readonly view: ViewKind,
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly hooks: PanelHooks,
    private readonly log: vscode.LogOutputChannel,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'lab.svg');
    this.subs.push(
      panel.webview.onDidReceiveMessage((raw) => this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState((e) => {
        // a hidden webview is torn down (no retainContextWhenHidden): wait for its next ready
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
    this.render();
  }

  get isReady(): boolean {
    return this.ready;
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** (Re)load the page with the current state in its bootstrap script. */
  render(): void {
    this.ready = false;
    this.queue.length = 0;
    this.panel.webview.html = pageHtml(this.panel.webview, this.extensionUri, this.view, this.hooks.state());
  }

  /** Post a message once the webview is ready (only the newest state is kept while it is not). */
  post(m: HostMessage): void {
    if (this.disposedFlag) return;
    if (!this.ready) {
      if (m.type === 'state') {
        for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.type === 'state') this.queue.splice(i, 1);
      }
      this.queue.push(m);
      return;
    }
    this.posted.push(m);
    if (this.posted.length > 50) this.posted.shift();
    void this.panel.webview.postMessage(m);
  }

  private async receive(raw: unknown): Promise<void> {
    const p = parseWebviewMessage(raw);
    if (!p.ok) {
      const text = `${this.view} webview: ignored a malformed message (${p.error}): ${JSON.stringify(raw)?.slice(0, 200)}`;
      this.refused.push(p.error);
      this.log.warn(text);
      return;
    }
    const m = p.message;
    if (m.type === 'ready') {
      if (m.view !== this.view) {
        this.refused.push(`ready from a ${m.view} page in the ${this.view} panel`);
        this.log.warn(`${this.view} webview: ignored ready from a ${m.view} page`);
        return;
      }
      this.ready = true;
      // the page was built with the state of its render; bring it up to date
      const pending = this.queue.splice(0);
      this.post({ type: 'state', state: this.hooks.state() });
      for (const q of pending) if (q.type !== 'state') this.post(q);
      this.readyEmitter.fire();
      return;
    }
    if (!this.ready) {
      this.refused.push(`${m.type} before ready`);
      this.log.warn(`${this.view} webview: ignored ${m.type} before the ready handshake`);
      return;
    }
    try {
      await this.hooks.onMessage(m);
    } catch (e) {
      this.log.error(`${this.view} webview: ${m.type} failed: ${(e as Error).message}`);
    }
  }

  /** Test hook: deliver a message as if the webview had posted it. */
  simulateMessage(raw: unknown): Promise<void> {
    return this.receive(raw);
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const d of this.subs) d.dispose();
    this.disposed.fire();
    this.disposed.dispose();
    this.readyEmitter.dispose();
    this.panel.dispose();
  }
}

export function createPanel(view: ViewKind, column: vscode.ViewColumn = vscode.ViewColumn.Active): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(VIEW_TYPES[view], `DAX Poison Lab: ${TITLES[view]}`, { viewColumn: column, preserveFocus: false }, { enableScripts: true });
}
