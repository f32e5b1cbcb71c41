// What every lab webview shares: the VS Code API (acquired once), the
// bootstrap state the extension wrote into the page, the protocol's
// messages in both directions, persisted view state, and theme changes
// (VS Code swaps the body's class between vscode-light, vscode-dark,
// vscode-high-contrast and vscode-high-contrast-light).

import { PROTOCOL_VERSION, isHostMessage, type Bootstrap, type HostMessage, type ViewKind, type WebviewMessage } from '../../src/protocol/messages';

interface VsCodeApi {
  postMessage(m: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;
declare global {
  interface Window {
    __DPL_BOOT__?: Bootstrap;
  }
}

const api: VsCodeApi = acquireVsCodeApi();

export function bootstrap(view: ViewKind): Bootstrap {
  const b = window.__DPL_BOOT__;
  if (!b || b.view !== view || b.protocol !== PROTOCOL_VERSION) throw new Error(`DAX Poison Lab: no ${view} bootstrap state in the page`);
  return b;
}

export function post(m: WebviewMessage): void {
  api.postMessage(m);
}

export function getState<T>(): Partial<T> {
  const s = api.getState();
  return s && typeof s === 'object' ? (s as Partial<T>) : {};
}

export function setState<T>(s: T): void {
  api.setState(s);
}

/** Listen to the extension, then say ready (nothing is sent before). */
export function connect(view: ViewKind, onMessage: (m: HostMessage) => void): void {
  window.addEventListener('message', (e: MessageEvent) => {
    if (isHostMessage(e.data)) onMessage(e.data);
  });
  post({ type: 'ready', view, protocol: PROTOCOL_VERSION });
}

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

export function onThemeChange(f: (k: ThemeKind) => void): void {
  let last = themeKind();
  new MutationObserver(() => {
    const k = themeKind();
    if (k !== last) {
      last = k;
      f(k);
    }
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

/** document.createElement with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number | undefined> = {}, ...children: (Node | string | null | undefined)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

export function codicon(name: string, label?: string): HTMLElement {
  const i = h('i', { class: `codicon codicon-${name}`, 'aria-hidden': label ? undefined : 'true', 'aria-label': label, role: label ? 'img' : undefined });
  return i;
}
