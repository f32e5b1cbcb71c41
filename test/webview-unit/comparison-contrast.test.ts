import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustToTarget, composite, contrastRatio, formatHex, parseColor, relativeLuminance, type Rgba } from '../../webview/comparison/contrast-use';

const c = (s: string): Rgba => {
  const v = parseColor(s);
  assert.ok(v, `${s} parses`);
  return v!;
};

test('parseColor reads the forms VS Code and getComputedStyle write', () => {
  assert.deepEqual(c('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(c('#0008'), { r: 0, g: 0, b: 0, a: 0x88 / 255 });
  assert.deepEqual(c('#1F1F1F'), { r: 31, g: 31, b: 31, a: 1 });
  assert.deepEqual(c('#d18616b3'), { r: 0xd1, g: 0x86, b: 0x16, a: 0xb3 / 255 });
  assert.deepEqual(c('rgb(1, 2, 3)'), { r: 1, g: 2, b: 3, a: 1 });
  assert.deepEqual(c('rgba(10, 20, 30, 0.5)'), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.deepEqual(c('rgb(10 20 30 / 25%)'), { r: 10, g: 20, b: 30, a: 0.25 });
  assert.deepEqual(c(' transparent '), { r: 0, g: 0, b: 0, a: 0 });
  for (const bad of ['', 'red', '#12', '#12345', 'rgb(1,2)', 'rgb(a,b,c)', 'hsl(0 0% 0%)', '#gggggg']) assert.equal(parseColor(bad), undefined, bad);
});

test('relative luminance and contrast ratio follow WCAG 2.x', () => {
  assert.equal(relativeLuminance(c('#000')), 0);
  assert.equal(relativeLuminance(c('#fff')), 1);
  assert.equal(contrastRatio(c('#000'), c('#fff')), 21);
  assert.equal(contrastRatio(c('#fff'), c('#fff')), 1);
  // the well-known pairs: #767676 on white is just over 4.5, #777 just under
  assert.ok(contrastRatio(c('#767676'), c('#fff')) >= 4.5);
  assert.ok(contrastRatio(c('#777777'), c('#fff')) < 4.5);
  // symmetric
  assert.equal(contrastRatio(c('#3794ff'), c('#1f1f1f')), contrastRatio(c('#1f1f1f'), c('#3794ff')));
});

test('composite: a translucent colour over the background, and the ratio is taken after it', () => {
  const half = composite(c('rgba(0, 0, 0, 0.5)'), c('#ffffff'));
  assert.deepEqual([Math.round(half.r), Math.round(half.g), Math.round(half.b), half.a], [128, 128, 128, 1]);
  assert.deepEqual(composite(c('#ff0000'), c('#00ff00')), { r: 255, g: 0, b: 0, a: 1 });
  assert.deepEqual(composite(c('transparent'), c('#123456')), c('#123456'));
  // an orange at 70 % alpha over the dark editor is less contrasting than the opaque one
  const orange = c('#d18616b3');
  const dark = c('#1f1f1f');
  assert.ok(contrastRatio(orange, dark) < contrastRatio({ ...orange, a: 1 }, dark));
  assert.equal(contrastRatio(orange, dark), contrastRatio(composite(orange, dark), dark));
});

test('adjustToTarget: untouched when it meets the target, else the least change that does', () => {
  const dark = c('#1f1f1f');
  const light = c('#ffffff');
  // already fine: returned as it is (opaque)
  assert.equal(formatHex(adjustToTarget(c('#ffffff'), dark, 4.5)), '#ffffff');
  // the translucent orange of the Modern themes: made opaque and readable on both backgrounds
  for (const bg of [dark, light, c('#000000')]) {
    for (const [fg, target] of [[c('#d18616b3'), 3], [c('#d18616b3'), 4.5], [c('#cca700'), 4.5], [c('#89d185'), 3], [c('#3794ff'), 4.5], [c('#b180d7'), 4.5]] as const) {
      const out = adjustToTarget(fg, bg, target);
      assert.equal(out.a, 1);
      const r = contrastRatio(out, bg);
      assert.ok(r >= target, `${formatHex(fg)} on ${formatHex(bg)}: ${r.toFixed(2)} < ${target}`);
      // the least change: a little less toward black/white would not reach it (unless it was fine already)
      const before = contrastRatio(fg, bg);
      if (before < target) assert.ok(r < target + 0.6, `${formatHex(fg)} on ${formatHex(bg)} moved too far: ${r.toFixed(2)}`);
    }
  }
  // a yellow on white goes darker, a dark blue on black goes lighter
  assert.ok(relativeLuminance(adjustToTarget(c('#cca700'), light, 4.5)) < relativeLuminance(c('#cca700')));
  assert.ok(relativeLuminance(adjustToTarget(c('#000080'), c('#000000'), 4.5)) > relativeLuminance(c('#000080')));
  // on a mid grey nothing reaches 21: the better of black and white
  assert.deepEqual(adjustToTarget(c('#808080'), c('#767676'), 21), { r: 0, g: 0, b: 0, a: 1 });
});

test('formatHex writes #rrggbb, with alpha only when translucent', () => {
  assert.equal(formatHex(c('#0a0b0c')), '#0a0b0c');
  assert.equal(formatHex(c('rgba(255, 0, 0, 0.5)')), '#ff000080');
});
