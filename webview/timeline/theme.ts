// The timeline's colours, every one from a --vscode-* variable read off the
// root element (VS Code sets them on <html> and updates them on a theme
// change; the webview's body carries vscode-light / vscode-dark /
// vscode-high-contrast / vscode-high-contrast-light). The contrast work
// (compositing translucent colours, meeting 4.5:1 and 3:1) is core/palette.ts.

import { parseColor, type Rgba } from './core/colors';
import { buildPalette, type Theme } from './core/palette';

export type { Theme } from './core/palette';

function themeKind(): Theme['kind'] {
  const c = typeof document !== 'undefined' && document.body ? document.body.classList : null;
  if (c?.contains('vscode-high-contrast-light')) return 'hc-light';
  if (c?.contains('vscode-high-contrast')) return 'hc-dark';
  if (c?.contains('vscode-light')) return 'light';
  return 'dark';
}

/** normalise any CSS colour to rgb()/rgba() through a canvas, then parse it */
function makeResolver(): (css: string) => Rgba | null {
  const probe = document.createElement('canvas').getContext('2d');
  return (css: string) => {
    const direct = parseColor(css);
    if (direct || !probe) return direct;
    probe.fillStyle = '#000001';
    probe.fillStyle = css;
    const a = String(probe.fillStyle);
    return a === '#000001' ? null : parseColor(a);
  };
}

export function readTheme(root: HTMLElement, layerCount: number): Theme {
  const cs = getComputedStyle(root);
  const resolve = makeResolver();
  const v = (...names: string[]): Rgba | null => {
    for (const n of names) {
      const raw = cs.getPropertyValue(n).trim();
      if (!raw) continue;
      const c = resolve(raw);
      if (c) return c;
    }
    return null;
  };
  const family = cs.getPropertyValue('--vscode-font-family').trim() || cs.getPropertyValue('--vscode-editor-font-family').trim() || 'sans-serif';
  const size = parseFloat(cs.getPropertyValue('--vscode-font-size')) || 13;
  return buildPalette(v, themeKind(), layerCount, { family, size });
}
