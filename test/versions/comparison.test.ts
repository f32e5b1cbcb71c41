// The comparison view with kernel versions as columns, together with the
// designs (issue 15): column labels and kernels, ≠ against the same design
// under the session's kernel, the webview's check and its message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runMeasured } from '../../src/sim/compare';
import { withoutExpectations } from '../../src/sim/scenario/versions';
import { checkComparisonView, comparisonView, designGroups, kernelLayout, stackCells, stackVerdicts, type DesignRunLike } from '../../src/protocol/comparison';
import { parseWebviewMessage } from '../../src/protocol/messages';
import { InputError } from '../../src/sim/errors';

const ROOT = resolve(__dirname, '..', '..', '..');
const scenario = (name: string) => withoutExpectations(loadScenario(readFileSync(join(ROOT, 'scenarios', `${name}.poison.yaml`), 'utf8'), `${name}.poison.yaml`));

function runs(name: string, designs: ('upstream' | 'page-mapping')[], kernels: ('6.1' | '6.12')[]): DesignRunLike[] {
  const s = scenario(name);
  const out: DesignRunLike[] = [];
  for (const d of designs)
    for (const k of kernels) {
      try {
        out.push({ design: d, kernel: k, ...runMeasured(s, d, undefined, k) });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        out.push({ design: d, kernel: k, error: e.message });
      }
    }
  return out;
}

test('versions as columns with the designs: labels, kernels, the session\'s column the baseline, a valid view', () => {
  const v = comparisonView('unbind', 'upstream', runs('unbind-mounted-xfs', ['upstream', 'page-mapping'], ['6.1', '6.12']), '6.12');
  assert.deepEqual(v.designs, ['upstream · 6.1', 'upstream · 6.12', 'page-mapping · 6.1', 'page-mapping · 6.12']);
  assert.deepEqual(v.kernels, ['6.1', '6.12']);
  assert.deepEqual(v.columns.map((c) => [c.design, c.kernel, c.current, c.baseline]), [
    ['upstream', '6.1', false, false],
    ['upstream', '6.12', true, true],
    ['page-mapping', '6.1', false, false],
    ['page-mapping', '6.12', false, false],
  ]);
  assert.equal(v.baseline, 'upstream · 6.12');
  // a design's columns share its colour and marker; the kernel is told by the pattern
  assert.equal(v.columns[0]!.series, v.columns[1]!.series);
  assert.notEqual(v.columns[0]!.series, v.columns[2]!.series);
  assert.notEqual(v.columns[0]!.pattern, v.columns[1]!.pattern);
  assert.equal(checkComparisonView(v), undefined);
  for (const ch of v.charts) for (const g of ch.groups) assert.deepEqual(g.bars.map((b) => b.design), v.designs);
});

test('≠ marks a cell against the same design under the session\'s kernel, not against another design', () => {
  const list = runs('unbind-mounted-xfs', ['upstream', 'page-mapping'], ['6.1', '6.12']);
  // until 6.1's behaviour lands 6.1 runs as 6.12: make 6.1's upstream run print one more line
  const up61 = list[0]!;
  up61.report = { ...up61.report!, dmesg: [...up61.report!.dmesg, 'a line only 6.1 prints'] };
  const v = comparisonView('unbind', 'upstream', list, '6.12');
  const dmesg = v.sections.find((s) => s.id === 'dmesg')!;
  const only = dmesg.rows.find((r) => r.label.join(' ') === 'a line only 6.1 prints')!;
  assert.deepEqual(only.cells.map((c) => c.diff), [true, false, false, false]);
  assert.equal(only.differs, true);
  // the 6.12 columns are each their design's baseline: never marked
  for (const sec of v.sections) for (const r of sec.rows) assert.deepEqual([r.cells[1]!.diff, r.cells[3]!.diff], [false, false], r.id);
  const designsOnly = comparisonView('unbind', 'upstream', list.filter((r) => r.kernel === '6.12').map(({ kernel: _k, ...r }) => r));
  assert.ok(designsOnly.sections.find((s) => s.id === 'signals')!.rows.some((r) => r.cells.some((c) => c.diff)), 'between designs the signals differ');
});

test('a kernel that cannot run the scenario is that column\'s error', () => {
  const v = comparisonView('cxl', 'upstream', runs('cxl-inject-no-region', ['upstream'], ['6.1', '6.12']), '6.12');
  assert.match(v.columns[0]!.error ?? '', /needs CXL poison injection .*6\.4/);
  assert.equal(v.columns[1]!.error, undefined);
  assert.equal(checkComparisonView(v), undefined);
});

test('the webview\'s compareKernels message is checked', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'compareKernels', versions: ['6.1', '6.12'] }), { ok: true, message: { type: 'compareKernels', versions: ['6.1', '6.12'] } });
  assert.deepEqual(parseWebviewMessage({ type: 'compareKernels', versions: [] }), { ok: true, message: { type: 'compareKernels', versions: [] } });
  assert.equal(parseWebviewMessage({ type: 'compareKernels', versions: ['6.1; rm'] }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'compareKernels', versions: '6.1' }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'compareKernels', versions: [], x: 1 }).ok, false);
});

test('kernels inside each design\'s column: a group per design in kernel order, agreeing values once, differing ones a part per kernel with ≠ on the one that differs from the session\'s kernel', () => {
  // page-mapping's runs in the other order: its group follows the view's kernel order
  const list = runs('unbind-mounted-xfs', ['upstream', 'page-mapping'], ['6.1', '6.12']);
  [list[2], list[3]] = [list[3]!, list[2]!];
  const v = comparisonView('unbind', 'upstream', list, '6.12');
  assert.deepEqual(v.kernels, ['6.1', '6.12']);
  assert.equal(kernelLayout(v), 'stacked');
  assert.equal(kernelLayout(v, 'columns'), 'columns');
  const groups = designGroups(v);
  assert.deepEqual(groups.map((g) => [g.design, g.columns, g.kernels, g.current, g.currentKernel]), [
    ['upstream', [0, 1], ['6.1', '6.12'], true, '6.12'],
    ['page-mapping', [3, 2], ['6.1', '6.12'], false, undefined],
  ]);
  const row = (id: string) => v.sections.flatMap((s) => s.rows).find((r) => r.id === id)!;
  // 6.1's unbind under mounted XFS is a media failure of every block: a corrupt shutdown, 6.12 a forced unmount
  const shut = stackCells(row('shutdown:/mnt/pmem').cells, groups[0]!);
  assert.equal(shut.differs, true);
  assert.deepEqual(shut.parts.map((p) => [p.kernels, p.cell.tokens, p.cell.diff]), [
    [['6.1'], ['SHUTDOWN_CORRUPT_ONDISK'], true],
    [['6.12'], ['SHUTDOWN_FORCE_UMOUNT'], false],
  ]);
  assert.equal(shut.title, '6.1: /mnt/pmem: SHUTDOWN_CORRUPT_ONDISK\n6.12: /mnt/pmem: SHUTDOWN_FORCE_UMOUNT');
  // the same under both kernels: one part naming both, not marked
  const reached = stackCells(row('owners:reached').cells, groups[0]!);
  assert.equal(reached.differs, false);
  assert.deepEqual(reached.parts.map((p) => [p.kernels, p.cell.tokens, p.cell.diff]), [[['6.1', '6.12'], ['2 owners'], false]]);
  // the verdicts too: 6.1 does not tell the late mapper of /mnt/pmem/a (no pre-remove), 6.12 sends it SIGBUS AO; the early mapper of b is told alike
  const late = v.verdicts.rows.find((r) => r.event === 'e1' && r.owner[0] === '/mnt/pmem/a' && r.pid === 5000)!;
  const lv = stackVerdicts(late.cells, groups[0]!);
  assert.equal(lv.differs, true);
  assert.deepEqual(lv.parts.map((p) => [p.kernels, p.cell.outcome, p.cell.diff, p.columns]), [
    [['6.1'], 'none', true, [0]],
    [['6.12'], 'AO', false, [1]],
  ]);
  const early = v.verdicts.rows.find((r) => r.event === 'e1' && r.owner[0] === '/mnt/pmem/b' && r.pid === 5001)!;
  const ev = stackVerdicts(early.cells, groups[0]!);
  assert.deepEqual(ev.parts.map((p) => [p.kernels, p.cell.outcome, p.cell.diff, p.columns]), [[['6.1', '6.12'], 'AO', false, [0, 1]]]);
  // every row: the parts hold each kernel exactly once, and a row differs in a group exactly when one of its cells is marked
  for (const r of v.sections.flatMap((s) => s.rows))
    for (const g of groups) {
      const sc = stackCells(r.cells, g);
      assert.deepEqual(sc.parts.flatMap((p) => p.kernels).sort(), ['6.1', '6.12']);
      assert.equal(sc.differs, g.columns.some((i) => r.cells[i]!.diff), `${r.id} under ${g.design}`);
    }
});

test('the per-kernel columns stay where they read best: one design under two kernels, or one kernel', () => {
  const one = comparisonView('unbind', 'upstream', runs('unbind-mounted-xfs', ['upstream'], ['6.1', '6.12']), '6.12');
  assert.equal(kernelLayout(one), 'columns');
  assert.equal(kernelLayout(one, 'stacked'), 'stacked');
  const plain = comparisonView('unbind', 'upstream', runs('unbind-mounted-xfs', ['upstream', 'page-mapping'], ['6.12']).map(({ kernel: _k, ...r }) => r));
  assert.equal(kernelLayout(plain), 'columns');
  assert.equal(kernelLayout(plain, 'stacked'), 'columns');
});
