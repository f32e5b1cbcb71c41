import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AA_GRAPHIC, AA_TEXT, composite, contrastRatio, ensureContrast, flatten, luminance, mix, parseColor, pickContrasting, toCss, type Rgba } from '../../webview/common/contrast';

const c = (s: string): Rgba => {
  const p = parseColor(s);
  assert.ok(p, `${s} parses`);
  return p!;
};
const near = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) <= eps, `${a} ≈ ${b}`);

test('parseColor: hex in all four lengths, rgb()/rgba() in comma and space syntax, transparent', () => {
  assert.deepEqual(c('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(c('#0f08'), { r: 0, g: 255, b: 0, a: 0x88 / 255 });
  assert.deepEqual(c('#1F1F1F'), { r: 31, g: 31, b: 31, a: 1 });
  assert.deepEqual(c('#d1863480'), { r: 0xd1, g: 0x86, b: 0x34, a: 0x80 / 255 });
  assert.deepEqual(c('rgb(1, 2, 3)'), { r: 1, g: 2, b: 3, a: 1 });
  assert.deepEqual(c('rgba(209, 134, 52, 0.5)'), { r: 209, g: 134, b: 52, a: 0.5 });
  assert.deepEqual(c('rgb(10 20 30 / 25%)'), { r: 10, g: 20, b: 30, a: 0.25 });
  assert.deepEqual(c('rgb(100%, 0%, 50%)'), { r: 255, g: 0, b: 127.5, a: 1 });
  assert.deepEqual(c('  transparent '), { r: 0, g: 0, b: 0, a: 0 });
  for (const bad of ['', '#12', '#12345', 'rgb(1,2)', 'rgb(a,b,c)', 'hsl(0 0% 0%)', 'orange', 'rgba(1,2,3,x)']) assert.equal(parseColor(bad), undefined, bad);
});

test('luminance and contrast ratio follow WCAG 2 (black on white is 21, equal colours 1)', () => {
  near(luminance(c('#000')), 0);
  near(luminance(c('#fff')), 1);
  near(contrastRatio(c('#000'), c('#fff')), 21);
  near(contrastRatio(c('#fff'), c('#000')), 21);
  near(contrastRatio(c('#777'), c('#777')), 1);
  // the well-known pair: #767676 on white is just above 4.5
  assert.ok(contrastRatio(c('#767676'), c('#fff')) >= 4.5);
  assert.ok(contrastRatio(c('#777777'), c('#fff')) < 4.5);
});

test('composite: a translucent colour over its background (source-over)', () => {
  const half = composite(c('rgba(255, 0, 0, 0.5)'), c('#000'));
  assert.deepEqual(half, { r: 127.5, g: 0, b: 0, a: 1 });
  assert.deepEqual(composite(c('transparent'), c('#123456')), c('#123456'));
  assert.deepEqual(composite(c('#abcdef'), c('#000')), c('#abcdef'));
  // contrastRatio composites a translucent foreground first: 50% white over black is mid grey, not white
  const r = contrastRatio(c('rgba(255,255,255,0.5)'), c('#000'));
  near(r, contrastRatio(c('rgb(127.5,127.5,127.5)'), c('#000')));
  assert.ok(r < 21 / 2);
  const stack = flatten([c('rgba(0,0,0,0.5)'), c('rgba(0,0,0,0.5)')], c('#fff'));
  near(stack.r, 63.75);
});

test('ensureContrast: the translucent chart orange of the Modern themes is made readable, an already readable colour is kept', () => {
  // VS Code's charts.orange is #d18616; a 50% version over the Dark Modern editor is what users saw
  const dark = c('#1f1f1f');
  const light = c('#ffffff');
  const orange = c('#d1861680');
  assert.ok(contrastRatio(orange, dark) < AA_TEXT);
  const fixed = ensureContrast(orange, dark, AA_TEXT);
  assert.equal(fixed.a, 1);
  assert.ok(contrastRatio(fixed, dark) >= AA_TEXT, String(contrastRatio(fixed, dark)));
  assert.ok(fixed.r > fixed.b, 'still orange: red over blue');
  const onLight = ensureContrast(c('#d18616'), light, AA_TEXT);
  assert.ok(contrastRatio(onLight, light) >= AA_TEXT);
  assert.ok(onLight.r < 0xd1, 'darkened on a light background');
  // a colour that passes comes back unchanged (made opaque)
  assert.deepEqual(ensureContrast(c('#000'), light, AA_TEXT), c('#000'));
  // against two backgrounds at once (the lane and its tinted neighbour), for lines
  const tint = mix(dark, c('#fff'), 0.06);
  const line = ensureContrast(c('#3794ff66'), [dark, tint], AA_GRAPHIC);
  assert.ok(contrastRatio(line, dark) >= AA_GRAPHIC && contrastRatio(line, tint) >= AA_GRAPHIC);
  // a mid-grey background: black or white must do, whichever is better
  const grey = c('#777');
  const g = ensureContrast(c('#888'), grey, 4.5);
  assert.ok(contrastRatio(g, grey) >= 4.5);
  // an impossible target gives the best pole
  const best = ensureContrast(c('#808080'), grey, 30);
  assert.deepEqual(best, c('#000'));
});

test('pickContrasting and toCss', () => {
  const bg = c('#ffffff');
  assert.deepEqual(pickContrasting([c('#ffff00'), c('#005fb8'), c('#000')], bg, AA_TEXT), c('#005fb8'));
  assert.deepEqual(pickContrasting([c('#ffff00'), c('#dddddd')], bg, AA_TEXT), c('#dddddd'), 'none reaches 4.5: the one with the most contrast');
  assert.equal(pickContrasting([], bg, AA_TEXT), undefined);
  assert.equal(toCss(c('#0a0b0c')), 'rgb(10, 11, 12)');
  assert.equal(toCss({ r: 1.4, g: 2.6, b: 3, a: 0.5 }), 'rgba(1, 3, 3, 0.5)');
});
