// Theme colour arithmetic: parsing VS Code's colour values, compositing, and
// picking readable text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrast, mix, over, parseColor, readableOn, toCss } from '../../webview/timeline/core/colors';

test('parses the colour forms VS Code uses', () => {
  assert.deepEqual(parseColor('#1e1e1e'), { r: 30, g: 30, b: 30, a: 1 });
  assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(parseColor(' #ffffff80 '), { r: 255, g: 255, b: 255, a: 128 / 255 });
  assert.deepEqual(parseColor('rgba(0, 122, 204, 0.5)'), { r: 0, g: 122, b: 204, a: 0.5 });
  assert.deepEqual(parseColor('rgb(10 20 30 / 25%)'), { r: 10, g: 20, b: 30, a: 0.25 });
  assert.equal(parseColor('var(--x)'), null);
  assert.equal(parseColor('#12345'), null);
});

test('contrast and readable text', () => {
  const white = parseColor('#ffffff')!;
  const black = parseColor('#000000')!;
  assert.ok(Math.abs(contrast(white, black) - 21) < 1e-9);
  assert.equal(contrast(white, white), 1);
  // dark theme chart blue takes the dark background as text, a dark fill the light foreground
  assert.equal(readableOn(parseColor('#75beff')!, [parseColor('#cccccc')!, parseColor('#1e1e1e')!]), 1);
  assert.equal(readableOn(parseColor('#1a4d80')!, [parseColor('#cccccc')!, parseColor('#1e1e1e')!]), 0);
  assert.deepEqual(over({ r: 255, g: 255, b: 255, a: 0.5 }, black), { r: 127.5, g: 127.5, b: 127.5, a: 1 });
  assert.equal(toCss(mix(black, white, 0.5)), 'rgb(128, 128, 128)');
  assert.equal(toCss({ r: 1, g: 2, b: 3, a: 0.5 }), 'rgba(1, 2, 3, 0.5)');
});
