// The palette meets its contrast targets: slice text 4.5:1 on its fill,
// slice fills and lines 3:1 against the background, in VS Code's default
// Light Modern, Dark Modern and high-contrast themes (whose charts.orange is
// translucent: #EA5C0055 in both Modern themes) and for random themes with
// translucent colours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrast, ensureContrast, over, parseColor, sliceColours, type Rgba } from '../../webview/timeline/core/colors';
import { buildPalette, paletteContrasts, type ThemeKind } from '../../webview/timeline/core/palette';
import { rng } from './helpers';

// the colour registry's defaults and the theme files of VS Code 1.139
const THEMES: Record<string, { kind: ThemeKind; vars: Record<string, string> }> = {
  'Light Modern': {
    kind: 'light',
    vars: {
      '--vscode-editor-background': '#FFFFFF',
      '--vscode-editor-foreground': '#3B3B3B',
      '--vscode-foreground': '#3B3B3B',
      '--vscode-descriptionForeground': '#3B3B3B',
      '--vscode-focusBorder': '#005FB8',
      '--vscode-panel-border': '#E5E5E5',
      '--vscode-charts-foreground': '#3B3B3B',
      '--vscode-charts-blue': '#0063D3',
      '--vscode-charts-red': '#E51400',
      '--vscode-charts-yellow': '#BF8803',
      '--vscode-charts-orange': '#EA5C0055',
      '--vscode-charts-green': '#388A34',
      '--vscode-charts-purple': '#652D90',
      '--vscode-editorError-foreground': '#E51400',
      '--vscode-editorLineNumber-activeForeground': '#171184',
    },
  },
  'Dark Modern': {
    kind: 'dark',
    vars: {
      '--vscode-editor-background': '#1F1F1F',
      '--vscode-editor-foreground': '#CCCCCC',
      '--vscode-foreground': '#CCCCCC',
      '--vscode-descriptionForeground': '#9D9D9D',
      '--vscode-focusBorder': '#0078D4',
      '--vscode-panel-border': '#2B2B2B',
      '--vscode-charts-foreground': '#CCCCCC',
      '--vscode-charts-blue': '#59A4F9',
      '--vscode-charts-red': '#F14C4C',
      '--vscode-charts-yellow': '#CCA700',
      '--vscode-charts-orange': '#EA5C0055',
      '--vscode-charts-green': '#89D185',
      '--vscode-charts-purple': '#B180D7',
      '--vscode-editorError-foreground': '#F14C4C',
      '--vscode-editorLineNumber-activeForeground': '#CCCCCC',
    },
  },
  'Dark High Contrast': {
    kind: 'hc-dark',
    vars: {
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#FFFFFF',
      '--vscode-foreground': '#FFFFFF',
      '--vscode-descriptionForeground': '#FFFFFFB3',
      '--vscode-contrastBorder': '#6FC3DF',
      '--vscode-contrastActiveBorder': '#F38518',
      '--vscode-focusBorder': '#F38518',
      '--vscode-charts-foreground': '#FFFFFF',
      '--vscode-charts-blue': '#59A4F9',
      '--vscode-charts-red': '#F48771',
      '--vscode-charts-yellow': '#FFD370',
      '--vscode-charts-green': '#89D185',
      '--vscode-charts-purple': '#B180D7',
      '--vscode-editorError-foreground': '#F48771',
    },
  },
  'Light High Contrast': {
    kind: 'hc-light',
    vars: {
      '--vscode-editor-background': '#FFFFFF',
      '--vscode-editor-foreground': '#292929',
      '--vscode-foreground': '#292929',
      '--vscode-descriptionForeground': '#292929B3',
      '--vscode-contrastBorder': '#0F4A85',
      '--vscode-contrastActiveBorder': '#006BBD',
      '--vscode-focusBorder': '#006BBD',
      '--vscode-charts-foreground': '#292929',
      '--vscode-charts-blue': '#0063D3',
      '--vscode-charts-red': '#B5200D',
      '--vscode-charts-yellow': '#895503',
      '--vscode-charts-green': '#374E06',
      '--vscode-charts-purple': '#652D90',
      '--vscode-editorError-foreground': '#B5200D',
    },
  },
};

const reader = (vars: Record<string, string>) => (...names: string[]): Rgba | null => {
  for (const n of names) if (vars[n]) return parseColor(vars[n]!);
  return null;
};

for (const [name, { kind, vars }] of Object.entries(THEMES)) {
  test(`${name}: every promised contrast is met`, () => {
    const t = buildPalette(reader(vars), kind, 16, { family: 'sans-serif', size: 13 });
    const fails = paletteContrasts(t, parseColor).filter((c) => !(c.ratio >= c.min - 1e-9));
    assert.deepEqual(fails, [], fails.map((f) => `${f.name} ${f.ratio.toFixed(2)} < ${f.min}`).join('; '));
    for (const f of t.layerFill) assert.match(f, /^rgb\(/, 'fills are opaque');
  });
}

test('the translucent orange of the Modern themes is composited, then darkened (light) or lightened (dark) to 3:1', () => {
  const orange = parseColor('#EA5C0055')!;
  const white = parseColor('#ffffff')!;
  const dark = parseColor('#1f1f1f')!;
  assert.ok(contrast(over(orange, white), white) < 1.6, 'as the theme gives it, hardly visible on white');
  const onLight = sliceColours(orange, white, [parseColor('#3b3b3b')!, white]);
  assert.ok(contrast(onLight.fill, white) >= 3 && contrast(onLight.text, onLight.fill) >= 4.5);
  // still orange: red above green above blue
  assert.ok(onLight.fill.r > onLight.fill.g && onLight.fill.g > onLight.fill.b, JSON.stringify(onLight.fill));
  const onDark = sliceColours(orange, dark, [parseColor('#cccccc')!, dark]);
  assert.ok(contrast(onDark.fill, dark) >= 3 && contrast(onDark.text, onDark.fill) >= 4.5);
  // a colour that already meets the target is left alone
  const blue = parseColor('#0063d3')!;
  assert.deepEqual(ensureContrast(blue, white, 3), blue);
});

test('property: random themes with translucent colours still meet 4.5:1 and 3:1', () => {
  const r = rng(99);
  const rnd = (a = 1): Rgba => ({ r: Math.floor(r() * 256), g: Math.floor(r() * 256), b: Math.floor(r() * 256), a });
  for (let k = 0; k < 300; k++) {
    const bg = rnd();
    const fill = rnd(r() < 0.5 ? 0.1 + r() * 0.9 : 1);
    const texts = [rnd(), bg];
    const sc = sliceColours(fill, bg, texts);
    assert.ok(contrast(sc.fill, bg) >= 3 - 1e-9, `fill ${k}`);
    assert.ok(contrast(sc.text, sc.fill) >= 4.5 - 1e-9, `text ${k}`);
    assert.ok(contrast(ensureContrast(rnd(r()), bg, 4.5), bg) >= 4.5 - 1e-9);
  }
});
