// The timeline's styles: every colour a --vscode-* variable, so the four
// themes (light, dark, high contrast dark and light) style it without code.

export const STYLES = `
.dax-tl { display: flex; flex-direction: column; height: 100%; min-height: 0; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); background: var(--vscode-editor-background); }
.dax-tl-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 4px 6px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); }
.dax-tl-menu { position: relative; }
.dax-tl-menu > summary { cursor: pointer; padding: 2px 6px; border: 1px solid var(--vscode-button-border, var(--vscode-contrastBorder, transparent)); border-radius: 2px; background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); list-style-position: inside; }
.dax-tl-menu > summary:hover { background: var(--vscode-button-secondaryHoverBackground); }
.dax-tl-menu > summary:focus-visible, .dax-tl-button:focus-visible, .dax-tl-canvas:focus-visible, .dax-tl-list:focus-visible, .dax-tl input:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.dax-tl-menu-box { position: absolute; z-index: 10; top: 100%; left: 0; margin: 2px 0 0; padding: 4px 8px; max-height: 320px; overflow: auto; min-width: 160px; background: var(--vscode-menu-background, var(--vscode-editorWidget-background)); color: var(--vscode-menu-foreground, var(--vscode-foreground)); border: 1px solid var(--vscode-menu-border, var(--vscode-widget-border, var(--vscode-contrastBorder, transparent))); box-shadow: 0 2px 8px var(--vscode-widget-shadow, transparent); }
.dax-tl-menu-box > legend { padding: 0 2px; color: var(--vscode-descriptionForeground); }
.dax-tl-check { display: flex; align-items: center; gap: 6px; padding: 1px 0; white-space: nowrap; }
.dax-tl-check input { accent-color: var(--vscode-checkbox-background); }
.dax-tl-symbol { display: flex; align-items: center; gap: 4px; }
.dax-tl-symbol input { background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, var(--vscode-contrastBorder, transparent)); padding: 2px 4px; font: inherit; width: 14em; }
.dax-tl-symbol input::placeholder { color: var(--vscode-input-placeholderForeground); }
.dax-tl-zoom { display: flex; gap: 2px; }
.dax-tl-button { min-width: 24px; padding: 1px 6px; font: inherit; cursor: pointer; background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: 1px solid var(--vscode-button-border, var(--vscode-contrastBorder, transparent)); border-radius: 2px; }
.dax-tl-button:hover { background: var(--vscode-button-secondaryHoverBackground); }
.dax-tl-button[aria-pressed="true"] { background: var(--vscode-button-background); color: var(--vscode-button-foreground); box-shadow: inset 0 -2px 0 var(--vscode-contrastActiveBorder, var(--vscode-button-foreground)); }
.dax-tl-button[aria-pressed="true"]:hover { background: var(--vscode-button-hoverBackground); }
.dax-tl-toggle { padding: 1px 8px; }
.dax-tl-status { margin-left: auto; color: var(--vscode-descriptionForeground); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 50%; }
.dax-tl-body { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
.dax-tl-canvas-wrap { position: relative; flex: 1 1 65%; min-height: 120px; overflow: hidden; }
.dax-tl-canvas { position: absolute; left: 0; top: 0; display: block; cursor: grab; touch-action: none; }
.dax-tl-canvas:active { cursor: grabbing; }
.dax-tl-list-caption { flex: 0 0 auto; padding: 2px 6px; border-top: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); color: var(--vscode-descriptionForeground); font-size: var(--vscode-font-size); }
.dax-tl-run { flex: 0 0 auto; max-height: 40%; overflow: auto; padding: 2px 6px; border-top: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px); }
.dax-tl-run-line { display: flex; align-items: baseline; gap: 8px; }
.dax-tl-run-head { overflow-wrap: anywhere; }
.dax-tl-run-toggle { flex: 0 0 auto; font-family: var(--vscode-font-family); }
.dax-tl-run-members { margin: 2px 0 2px 2em; padding: 0; list-style: none; }
.dax-tl-run-member, .dax-tl-run-more { overflow-wrap: anywhere; }
.dax-tl-run-more { color: var(--vscode-descriptionForeground); }
.dax-tl-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.dax-tl-list { position: relative; flex: 0 0 35%; min-height: 96px; overflow-y: auto; overflow-x: hidden; border-top: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 12px); }
.dax-tl-list-spacer { width: 1px; }
.dax-tl-list-rows { position: absolute; left: 0; right: 0; top: 0; will-change: transform; }
.dax-tl-opt { display: flex; gap: 12px; height: 22px; line-height: 22px; padding: 0 6px; white-space: nowrap; overflow: hidden; cursor: default; border: 1px solid transparent; box-sizing: border-box; }
.dax-tl-opt:hover { background: var(--vscode-list-hoverBackground); color: var(--vscode-list-hoverForeground, inherit); }
.dax-tl-opt[aria-selected="true"] { background: var(--vscode-list-inactiveSelectionBackground); color: var(--vscode-list-inactiveSelectionForeground, inherit); border-color: var(--vscode-contrastActiveBorder, transparent); }
.dax-tl-list:focus .dax-tl-opt[aria-selected="true"] { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground, inherit); outline: 1px solid var(--vscode-list-focusOutline, var(--vscode-focusBorder)); outline-offset: -1px; }
.dax-tl-opt-time { flex: 0 0 8em; text-align: right; color: var(--vscode-descriptionForeground); }
.dax-tl-list:focus .dax-tl-opt[aria-selected="true"] .dax-tl-opt-time { color: inherit; }
.dax-tl-opt-dur { flex: 0 0 7em; text-align: right; color: var(--vscode-descriptionForeground); }
.dax-tl-list:focus .dax-tl-opt[aria-selected="true"] .dax-tl-opt-dur { color: inherit; }
.dax-tl-opt-layer { flex: 0 0 7em; color: var(--vscode-symbolIcon-functionForeground, var(--vscode-foreground)); }
.dax-tl-opt-call { flex: 1 1 auto; overflow: hidden; text-overflow: ellipsis; }
`;
