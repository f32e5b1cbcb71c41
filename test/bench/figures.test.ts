// The bench's pure helpers (bench/figures.ts, bench/naive.ts,
// bench/cli-json.ts): the linear extrapolation and its growth check, the
// speed-up, the pages a page-by-page run handles, the parsing of
// /usr/bin/time's line, and the summary table. No timing here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extrapolate, speedup, duration, formatSummary, parseRecords, clip, FIGURES, WHAT_WIDTH, type FigureRecord } from '../../bench/figures';
import { pagesHandled, USED_MAPPED_PAGES, USED_DATA_PFNS } from '../../bench/naive';
import { parseTime } from '../../bench/cli-json';

test('extrapolate: the cost per unit of the largest point, carried to the target; linear growth is 1', () => {
  const x = extrapolate([{ units: 1000, ms: 50 }, { units: 4000, ms: 200 }], 1e9);
  assert.equal(x.perUnit, 0.05);
  assert.equal(x.ms, 5e7);
  assert.equal(x.growth, 1);
  assert.equal(x.linear, true);
  // the points in any order
  assert.deepEqual(extrapolate([{ units: 4000, ms: 200 }, { units: 1000, ms: 50 }], 1e9), x);
});

test('extrapolate: a cost growing with the square is not linear, and carries the largest point\'s cost per unit', () => {
  const x = extrapolate([{ units: 1000, ms: 10 }, { units: 4000, ms: 160 }], 8000);
  assert.equal(x.growth, 4);
  assert.equal(x.linear, false);
  assert.equal(x.ms, 320);
  // within the tolerance either way
  assert.equal(extrapolate([{ units: 100, ms: 100 }, { units: 200, ms: 260 }], 1).linear, true);
  assert.equal(extrapolate([{ units: 100, ms: 100 }, { units: 200, ms: 280 }], 1).linear, false);
  assert.equal(extrapolate([{ units: 100, ms: 100 }, { units: 200, ms: 140 }], 1).linear, false);
});

test('extrapolate: no points, or a point of no units, is refused', () => {
  assert.throws(() => extrapolate([], 10), /no measured points/);
  assert.throws(() => extrapolate([{ units: 0, ms: 5 }], 10), /units > 0/);
  assert.throws(() => extrapolate([{ units: 10, ms: Number.NaN }], 10), /ms ≥ 0/);
});

test('speedup: slow over fast, a 0 ms fast run counted as 1 µs', () => {
  assert.equal(speedup(3_600_000, 1200), 3000);
  assert.equal(speedup(5, 0), 5000);
});

test('pages handled: mapped pages, plus each data pfn under pagemap-failure; the used machine\'s counts', () => {
  assert.equal(pagesHandled('upstream', 100, 50), 100);
  assert.equal(pagesHandled('pagemap-failure', 100, 50), 150);
  // 4 × 900 GiB and 10^4 files of 1.6 MiB, in 4 KiB pages; 1 TiB less 16 GiB
  assert.equal(USED_MAPPED_PAGES, 4 * 235_929_600 + 10_000 * 400);
  assert.equal(USED_DATA_PFNS, 264_241_152);
});

test('duration: ms, then s, then h', () => {
  assert.equal(duration(2.25), '2.3 ms');
  assert.equal(duration(1234), '1,234 ms');
  assert.equal(duration(12_345), '12.3 s');
  assert.equal(duration(123_456), '123 s');
  assert.equal(duration(9_000_000), '2.5 h');
});

test('parseTime: /usr/bin/time -f "%e %U %S %M" as its last stderr line', () => {
  assert.deepEqual(parseTime('a warning\n2.50 1.20 0.30 204800\n'), { wall: 2500, cpu: 1500, rssMB: (204800 * 1024) / 1e6 });
  assert.equal(parseTime('Command terminated by signal 9'), undefined);
  assert.equal(parseTime(''), undefined);
});

test('formatSummary: the figures in the issue\'s order, extrapolated ones marked, unmeasured ones named, misses counted', () => {
  const recs: FigureRecord[] = [
    { fig: 'naive', what: 'range-based speed-up at the used machine (upstream)', value: '574x', target: '≥ 1000x', ok: false, extrapolated: true },
    { fig: 'load', what: 'used machine: load (upstream)', value: '5200 ms', target: '≤ 5000 ms', ok: false },
    { fig: 'load', what: 'resident memory added', value: '120 MB', target: '≤ 500 MB', ok: true },
    { fig: 'json', what: 'run --json (upstream)', value: '1240 ms', target: '≤ 3000 ms', ok: true },
  ];
  const text = formatSummary(recs, '2 cores, node v20');
  const lines = text.split('\n');
  assert.equal(lines[0], 'summary (issue 12, benchmarks that match use), on 2 cores, node v20');
  assert.match(lines[1]!, /^figure +measured +value +target$/);
  const body = lines.slice(3, -1);
  // load first (its two rows, the figure named once), route and unbind not measured, then json, then naive
  assert.ok(body[0]!.startsWith(FIGURES.load));
  assert.match(body[0]!, /used machine: load \(upstream\) +5200 ms +≤ 5000 ms +MISS$/);
  assert.match(body[1]!, /^ +resident memory added +120 MB +≤ 500 MB +ok$/);
  assert.match(body[2]!, /^one poison routed .* not measured in this run +-$/);
  assert.match(body[3]!, /^unbind of the namespace .* not measured in this run +-$/);
  assert.ok(body[4]!.startsWith(FIGURES.json));
  assert.match(body[5]!, /\(upstream\) \(extrapolated\) +574x +≥ 1000x +MISS$/);
  assert.equal(lines[lines.length - 1], '4 figures measured: 2 ok, 2 MISS; 1 extrapolated from a smaller machine (marked)');
  // the value column is right-aligned: every value ends in the same column
  const ends = ([[body[0]!, '5200 ms'], [body[1]!, '120 MB'], [body[5]!, '574x']] as const).map(([l, v]) => l.lastIndexOf(v) + v.length);
  assert.equal(new Set(ends).size, 1);
});

test('parseRecords: one record a line, a torn last line skipped', () => {
  const a: FigureRecord = { fig: 'json', what: 'x', value: '1 ms', target: '-', ok: true };
  assert.deepEqual(parseRecords(`${JSON.stringify(a)}\n${JSON.stringify(a)}\n{"fig":"js`), [a, a]);
});

test('formatSummary: a long line name is clipped to the column, the ellipsis marking the cut', () => {
  assert.equal(clip('abcdef', 4), 'abc…');
  assert.equal(clip('abc', 4), 'abc');
  const long = `unbind (page-mapping): ${'21 memory_failure, '.repeat(10)}`;
  const text = formatSummary([{ fig: 'unbind', what: long, value: '12267 ms', target: '≤ 1000 ms', ok: false }], 'm');
  const row = text.split('\n').find((l) => l.includes('unbind (page-mapping)'))!;
  assert.ok(row.includes(`${long.slice(0, WHAT_WIDTH - 1)}…`));
  assert.ok(!row.includes(long.trim()));
});
