// Extents written compactly (a repeated pattern, an extents file) and the
// scenario size limits: the compact forms give the very report of the
// explicit list they stand for, every problem is placed where it was
// written (the pattern and its repetition, the extents file's line), and a
// scenario past a limit is refused with the field, the value and the limit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnosticFromInputError, loadScenario, type LoadOptions } from '../../src/sim/scenario/load';
import { Diagnostic, InputError, ScenarioErrors } from '../../src/sim/errors';
import { runScenario } from '../../src/sim/run';
import { LIMITS, checkLimits } from '../../src/sim/scenario/limits';
import { buildExtentList, resolveExtentsFile, type PlacedAt } from '../../src/sim/scenario/extents';
import { parseCutting } from '../../src/sim/scenario/fast_extents';
import { main, readTextFile, type CliIO } from '../../src/cli/main';

// AG 1 of a 1 GiB XFS (4 AGs of 65536 blocks) starts at fsb 0x10000; its
// headers and btree roots take its first blocks, 0x10100 on is free
const FREE = 0x10100;

const head = (files: string, extra = ''): string => `version: 1
name: fragmented
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 1GiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 } ]
filesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem } ]
files:
${files}processes:
  - { pid: 100, comm: db, mappings: [ { id: m0, file: /mnt/pmem/frag, populate: true }, { id: m1, file: /mnt/pmem/sparse, populate: true } ] }
events:
  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000005000 }
  - { do: load, process: 100, addr: 0x7f0000021000 }
  - { do: unbind, namespace: namespace0.0 }
${extra}`;

/** a file map of paths to texts, as readFile */
function reader(files: Record<string, string>): LoadOptions {
  return {
    readFile: (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return files[p]!;
    },
  };
}

function load(text: string, files: Record<string, string> = {}, file = 'dir/case.poison.yaml') {
  return loadScenario(text, file, reader(files));
}

function diagnosticsOf(text: string, files: Record<string, string> = {}, file = 'dir/case.poison.yaml'): Diagnostic[] {
  try {
    load(text, files, file);
  } catch (e) {
    if (e instanceof ScenarioErrors) return e.diagnostics;
    throw e;
  }
  assert.fail('expected the scenario to be rejected');
}

/** the one diagnostic of a refused scenario */
function oneDiagnostic(text: string, files: Record<string, string> = {}): Diagnostic {
  const ds = diagnosticsOf(text, files);
  assert.equal(ds.length, 1, ds.map((d) => `${d.file}:${d.line}:${d.column}: ${d.path}: ${d.message}`).join('\n'));
  return ds[0]!;
}

/** 1-based line and column of `needle` in `text` */
function where(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `test bug: ${needle} not in the text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** the diagnostic of a scenario the simulator refuses while building it */
function buildRefusal(text: string, files: Record<string, string> = {}): Diagnostic {
  const s = load(text, files);
  try {
    runScenario(s);
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return diagnosticFromInputError(text, 'dir/case.poison.yaml', e);
  }
  assert.fail('expected the simulator to refuse the scenario');
}

// the fragmented file: 64 extents of one block, every other block; the
// sparse one: 16 extents of 2 blocks, every fourth file block, packed on disk
const EXPLICIT_FRAG = Array.from({ length: 64 }, (_, i) => `      - { offset: ${i}, block: ${FREE + 2 * i}, length: 1 }\n`).join('');
const EXPLICIT_SPARSE = Array.from({ length: 16 }, (_, i) => `      - { offset: ${4 * i}, block: ${FREE + 200 + 2 * i}, length: 2 }\n`).join('');
const FRAG = (extents: string) => `  - path: /mnt/pmem/frag\n    size: 256KiB\n${extents}`;
const SPARSE = (extents: string) => `  - path: /mnt/pmem/sparse\n    size: 256KiB\n${extents}`;
const EXPLICIT = head(FRAG(`    extents:\n${EXPLICIT_FRAG}`) + SPARSE(`    extents:\n${EXPLICIT_SPARSE}`));

test('a repeated pattern gives the same extents and the same report as the explicit list it stands for', () => {
  const pattern = head(
    FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, count: 64, stride: 2 }\n`) +
      SPARSE(`    extents:\n      - { offset: 0, block: ${FREE + 200}, length: 2, count: 16, offsetStride: 4 }\n`),
  );
  const a = load(EXPLICIT);
  const b = load(pattern);
  assert.deepEqual(b.files.map((f) => f.extents), a.files.map((f) => f.extents));
  assert.equal(a.files[0]!.extents!.length, 64);
  const ra = runScenario(a);
  assert.ok(ra.signals.length > 0, 'the poison reaches the mapper');
  assert.deepEqual(runScenario(b), ra);
});

test('a list mixing plain entries and patterns expands in order, each entry where it is written', () => {
  const mixed = head(
    FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1 }\n      - { offset: 1, block: ${FREE + 2}, length: 1, count: 62, stride: 2 }\n      - { offset: 63, block: ${FREE + 126}, length: 1 }\n`) +
      SPARSE(`    extents:\n${EXPLICIT_SPARSE}`),
  );
  const s = load(mixed);
  assert.deepEqual(s.files[0]!.extents, load(EXPLICIT).files[0]!.extents);
  assert.deepEqual(
    s.files[0]!.extentOrigins!.map((o) => [o.first, o.count, o.pointer]),
    [
      [0, 1, '/files/0/extents/0'],
      [1, 62, '/files/0/extents/1'],
      [63, 1, '/files/0/extents/2'],
    ],
  );
  assert.deepEqual(runScenario(s), runScenario(load(EXPLICIT)));
});

test('an extents file gives the same report as the explicit list; comments, blank lines, tabs, CRLF and hex are read', () => {
  const lines = Array.from({ length: 64 }, (_, i) => (i % 7 === 3 ? `0x${i.toString(16)}\t0x${(FREE + 2 * i).toString(16)}  1\r` : `${i} ${FREE + 2 * i} 1  # extent ${i}`));
  const text = `# offset block length\n\n${lines.join('\n')}\n`;
  const scenario = head(FRAG(`    extentsFile: ./frag.extents\n`) + SPARSE(`    extents:\n${EXPLICIT_SPARSE}`));
  const s = load(scenario, { 'dir/frag.extents': text });
  assert.deepEqual(s.files[0]!.extents, load(EXPLICIT).files[0]!.extents);
  assert.deepEqual(runScenario(s), runScenario(load(EXPLICIT)));
});

test('an extents file is found next to the scenario, or where an absolute path says', () => {
  assert.equal(resolveExtentsFile('scenarios/a.poison.yaml', './big.extents'), 'scenarios/big.extents');
  assert.equal(resolveExtentsFile('scenarios/a.poison.yaml', 'sub/big.extents'), 'scenarios/sub/big.extents');
  assert.equal(resolveExtentsFile('a.poison.yaml', './big.extents'), 'big.extents');
  assert.equal(resolveExtentsFile('/x/a.poison.yaml', '/data/big.extents'), '/data/big.extents');
  assert.equal(resolveExtentsFile('C:\\x\\a.poison.yaml', 'big.extents'), 'C:\\x\\big.extents');
});

// ---- problems in a pattern ----

test('a pattern whose repetitions overlap on disk is refused at its stride', () => {
  const text = head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 2, count: 32, stride: 1, offsetStride: 2 }\n`) + SPARSE(''));
  const d = oneDiagnostic(text);
  assert.equal(d.path, '/files/0/extents/0/stride');
  assert.deepEqual({ line: d.line, column: d.column }, where(text, '1, offsetStride'));
  assert.match(d.message, /stride: 1 is less than the length \(2\): each repetition would overlap the blocks of the one before it on disk/);
});

test('a pattern whose repetitions overlap in the file, or run past its end, is refused at the field that says so', () => {
  const overlap = head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 2, count: 8, stride: 2, offsetStride: 1 }\n`) + SPARSE(''));
  const d = oneDiagnostic(overlap);
  assert.equal(d.path, '/files/0/extents/0/offsetStride');
  assert.match(d.message, /1 is less than the length \(2\): each repetition would overlap the one before it in the file/);

  const past = head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, count: 65, stride: 2 }\n`) + SPARSE(''));
  const p = oneDiagnostic(past);
  assert.equal(p.path, '/files/0/extents/0/count');
  assert.deepEqual({ line: p.line, column: p.column }, where(past, '65,'));
  assert.match(p.message, /65 repetitions run past the end of the file: the last covers file blocks 64\.\.64, the file has 64 blocks of 4KiB/);

  const zero = oneDiagnostic(head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, count: 0 }\n`) + SPARSE('')));
  assert.equal(zero.path, '/files/0/extents/0/count');
  assert.match(zero.message, /0 is not at least 1/);
});

test('a stride without count is refused: a lone extent has nothing to repeat', () => {
  const d = oneDiagnostic(head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, stride: 2 }\n`) + SPARSE('')));
  assert.equal(d.path, '/files/0/extents/0/stride');
  assert.match(d.message, /needs "count" beside it/);
});

test('a pattern overlapping another entry in the file names the repetition and the other entry', () => {
  const text = head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, count: 10, stride: 2 }\n      - { offset: 20, block: ${FREE + 100}, length: 1, count: 10, stride: 2, offsetStride: 1 }\n      - { offset: 25, block: ${FREE + 300}, length: 1 }\n`) + SPARSE(''));
  const d = oneDiagnostic(text);
  assert.equal(d.path, '/files/0/extents/2/offset');
  assert.match(d.message, /25 overlaps extents\[1\] repetition 6 of 10 \(offset 25, block 65902, length 1\) in the file/);
});

test('the filesystem\'s refusal of a repetition (metadata, past an AG) is placed on the pattern, naming the repetition', () => {
  // AG 0 of this filesystem has 64384 blocks (0xfb80): repetition 3 is past its end
  const past = head(FRAG(`    extents:\n      - { offset: 0, block: 0xfb7c, length: 1, count: 4, stride: 2 }\n`) + SPARSE(''));
  const d = buildRefusal(past);
  assert.equal(d.path, '/files/0/extents/0/block');
  assert.deepEqual({ line: d.line, column: d.column }, where(past, '0xfb7c'));
  assert.match(d.message, /^repetition 3 of 4 \(offset 2, block 64384, length 1\): block 64384: AG 0 block 64384 is beyond the end of AG 0 \(64384 blocks\)/);

  // repetition 1 is on AG 2's log
  const log = head(FRAG(`    extents:\n      - { offset: 0, block: 0x20100, length: 1, count: 4, stride: 2 }\n`) + SPARSE(''));
  const l = buildRefusal(log);
  assert.equal(l.path, '/files/0/extents/0/block');
  assert.match(l.message, /^repetition 1 of 4 \(offset 0, block 131328, length 1\): block 131328 \(0x20100\) \(AG 2 block 256, 1 blocks\) is not free: it holds .*log/);

  // repetition 3 of the second file's pattern is on the first file's blocks
  const other = head(FRAG(`    extents:\n${EXPLICIT_FRAG}`) + SPARSE(`    extents:\n      - { offset: 0, block: ${FREE - 4}, length: 2, count: 16, stride: 2, offsetStride: 4 }\n`));
  const o = buildRefusal(other);
  assert.equal(o.path, '/files/1/extents/0/block');
  assert.match(o.message, /^repetition 3 of 16 \(offset 8, block 65792, length 2\): block 65792 \(0x10100\) \(AG 1 block 256, 2 blocks\) is not free: it holds .*frag/);

  // two patterns whose blocks interleave badly: the later one is named, and the earlier by its repetition
  const cross = head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, count: 8, stride: 2 }\n      - { offset: 8, block: ${FREE + 4}, length: 1, count: 8, stride: 3 }\n`) + SPARSE(''));
  const c = buildRefusal(cross);
  assert.equal(c.path, '/files/0/extents/1/block');
  assert.match(c.message, /^repetition 1 of 8 \(offset 8, block 65796, length 1\): block 65796 \(0x10104\): overlaps the blocks of extents\[0\] repetition 3 of 8 \(offset 2, block 65796, length 1\)/);
});

// ---- problems in an extents file ----

const FILE_SCENARIO = head(FRAG(`    extentsFile: ./frag.extents\n`) + SPARSE(''));

test('a bad line of an extents file is refused at its line and column, in that file', () => {
  const text = `# offset block length\n0 ${FREE} 1\n1 ${FREE + 2} one\n2 ${FREE + 4}\n3 ${FREE + 6} 1 9\n4 -5 1\n5 ${FREE + 10} 0\n`;
  const ds = diagnosticsOf(FILE_SCENARIO, { 'dir/frag.extents': text });
  const brief = ds.map((d) => [d.file, d.line, d.column, d.path]);
  const col = (line: number, token: string): number => text.split('\n')[line - 1]!.lastIndexOf(token) + 1;
  assert.deepEqual(brief, [
    ['dir/frag.extents', 3, col(3, 'one'), '/files/0/extentsFile'],
    ['dir/frag.extents', 4, 1, '/files/0/extentsFile'],
    ['dir/frag.extents', 5, col(5, '9'), '/files/0/extentsFile'],
    ['dir/frag.extents', 6, col(6, '-5'), '/files/0/extentsFile'],
    ['dir/frag.extents', 7, col(7, '0'), '/files/0/extentsFile'],
  ]);
  assert.match(ds[0]!.message, /line 3: "one" is not a length \(expected a non-negative integer of filesystem blocks, decimal or 0x hex, below 2\^53\)/);
  assert.match(ds[1]!.message, /line 4: has 2 of the 3 fields \(expected `offset block length`/);
  assert.match(ds[2]!.message, /line 5: unexpected "9" after the length/);
  assert.match(ds[3]!.message, /line 6: "-5" is not a block/);
  assert.match(ds[4]!.message, /line 7: length 0 is empty/);
});

test('lines of an extents file that overlap in the file, or run past its end, are refused at the later line', () => {
  const text = `0 ${FREE} 4\n10 ${FREE + 10} 2\n2 ${FREE + 20} 1\n63 ${FREE + 30} 2\n`;
  const ds = diagnosticsOf(FILE_SCENARIO, { 'dir/frag.extents': text });
  assert.deepEqual(ds.map((d) => [d.file, d.line, d.column]), [
    ['dir/frag.extents', 3, 1],
    ['dir/frag.extents', 4, 5 + String(FREE + 30).length],
  ]);
  assert.match(ds[0]!.message, /line 3: file blocks 2\.\.2 overlap line 1 of dir\/frag\.extents in the file/);
  assert.match(ds[1]!.message, /line 4: length 2 from offset 63 runs past the end of the file \(64 blocks of 4KiB\)/);
});

test('the filesystem\'s refusal of an extents-file line is placed on that line', () => {
  const text = `0 ${FREE} 1\n1 ${FREE + 2} 1\n# the next one is on AG 1's headers\n2 0x10001 1\n`;
  const d = buildRefusal(FILE_SCENARIO, { 'dir/frag.extents': text });
  assert.deepEqual([d.file, d.line, d.column, d.path], ['dir/frag.extents', 4, 1, '/files/0/extentsFile']);
  assert.match(d.message, /^line 4: block 65537 \(0x10001\) \(AG 1 block 1, 1 blocks\) is not free: it holds metadata/);

  const overlap = `0 ${FREE} 2\n1 ${FREE + 1} 1\n`;
  const o = buildRefusal(FILE_SCENARIO, { 'dir/frag.extents': overlap.replace(/^1 /m, '5 ') });
  assert.deepEqual([o.file, o.line], ['dir/frag.extents', 2]);
  assert.match(o.message, /overlaps the blocks of line 1 of dir\/frag\.extents/);
});

test('a missing extents file, one beside an extents list, and one where files cannot be read are refused at extentsFile', () => {
  const missing = oneDiagnostic(FILE_SCENARIO, {});
  assert.equal(missing.path, '/files/0/extentsFile');
  assert.deepEqual({ line: missing.line, column: missing.column }, where(FILE_SCENARIO, './frag.extents'));
  assert.match(missing.message, /"\.\/frag\.extents" cannot be read \(dir\/frag\.extents\): ENOENT/);

  const both = head(FRAG(`    extentsFile: ./frag.extents\n    extents:\n${EXPLICIT_FRAG}`) + SPARSE(''));
  const b = oneDiagnostic(both, { 'dir/frag.extents': `0 ${FREE} 1\n` });
  assert.equal(b.path, '/files/0/extentsFile');
  assert.match(b.message, /cannot be given with extents/);

  try {
    loadScenario(FILE_SCENARIO, 'dir/case.poison.yaml');
    assert.fail('expected a refusal');
  } catch (e) {
    assert.ok(e instanceof ScenarioErrors);
    assert.match(e.diagnostics[0]!.message, /cannot be read here/);
  }
});

test('an extents file larger than 64 MiB is refused without being read on, through the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-extents-'));
  writeFileSync(join(dir, 'case.poison.yaml'), FILE_SCENARIO);
  const big = join(dir, 'frag.extents');
  writeFileSync(big, '');
  truncateSync(big, 64 * 1024 * 1024 + 1);
  const err: string[] = [];
  const io: CliIO = { stdout: () => {}, stderr: (s) => void err.push(s), readFile: (p) => readTextFile(p) };
  const code = main(['check', join(dir, 'case.poison.yaml')], io);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 2);
  const at = where(FILE_SCENARIO, './frag.extents');
  assert.match(err.join(''), new RegExp(`case\\.poison\\.yaml:${at.line}:${at.column}: /files/0/extentsFile: "\\./frag\\.extents" cannot be read \\(.*frag\\.extents\\): larger than 64 MiB`));
});

test('the command line reads an extents file next to the scenario and places a bad line in it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dpl-extents-'));
  writeFileSync(join(dir, 'case.poison.yaml'), FILE_SCENARIO);
  writeFileSync(join(dir, 'frag.extents'), `0 ${FREE} 1\n1 ${FREE + 2} x\n`);
  const err: string[] = [];
  const io: CliIO = { stdout: () => {}, stderr: (s) => void err.push(s), readFile: (p) => readTextFile(p) };
  const code = main(['run', join(dir, 'case.poison.yaml')], io);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 2);
  assert.equal(err.join('').trim(), `${join(dir, 'frag.extents')}:2:${4 + String(FREE + 2).length}: /files/0/extentsFile: line 2: "x" is not a length (expected a non-negative integer of filesystem blocks, decimal or 0x hex, below 2^53)`);
});

// ---- limits ----

test('a pattern stating more extents than the lab holds is refused at its count, with the limit, before anything is expanded', () => {
  const text = head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, count: 1000000000, stride: 2 }\n`) + SPARSE(''));
  const d = oneDiagnostic(text);
  assert.equal(d.path, '/files/0/extents/0/count');
  assert.equal(d.value, 1_000_000_000);
  assert.deepEqual({ line: d.line, column: d.column }, where(text, '1000000000'));
  assert.match(d.message, /1000000000 \(0x3b9aca00\) extents are more than the lab holds: at most 4,000,000 extents in a scenario/);

  // the limit is for the scenario: two files' patterns together
  const two = head(FRAG(`    extents:\n      - { offset: 0, block: ${FREE}, length: 1, count: 3000000, stride: 2 }\n`) + SPARSE(`    extents:\n      - { offset: 0, block: 0x20100, length: 1, count: 1000001 }\n`));
  const t = oneDiagnostic(two);
  assert.equal(t.path, '/files/1/extents/0/count');
  assert.match(t.message, /at most 4,000,000 extents in a scenario \(3,000,000 before this entry\)/);
});

test('an extents file past the limit is refused at the first line past it (the limit is for the whole scenario)', () => {
  // the scenario's earlier files took all but two of the extents the lab holds
  const problems: { at?: PlacedAt; pointer: string; message: string }[] = [];
  const budget = { used: LIMITS.extents - 2 };
  buildExtentList(
    { pathPtr: '/files/7', extentsFile: 'big.extents', fileBlocks: 100, blockLabel: '4KiB' },
    {
      problems: { add: (pointer, _v, message) => void problems.push({ pointer, message }), addPlaced: (at, pointer, _v, message) => void problems.push({ at, pointer, message }) },
      scenarioFile: 'dir/s.poison.yaml',
      readFile: () => '0 100 1\n1 102 1\n# a third\n2 104 1\n3 106 1\n',
      budget,
    },
  );
  assert.deepEqual(problems, [
    { at: { file: 'dir/big.extents', line: 4, column: 1 }, pointer: '/files/7/extentsFile', message: 'line 4: extent number 3 of this file is more than the lab holds: at most 4,000,000 extents in a scenario (4,000,000 before this)' },
  ]);
  assert.equal(budget.used, LIMITS.extents);
});

/** n raw items, as the schema would have passed them */
const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

test('files, processes, mappings and events past their limits are refused at the first one past, naming the limit', () => {
  const refused = (raw: Parameters<typeof checkLimits>[0]): [string, unknown, string][] => {
    const out: [string, unknown, string][] = [];
    checkLimits(raw, { add: (pointer, value, message) => void out.push([pointer, value, message]) });
    return out;
  };
  const at = { files: many(LIMITS.files, () => ({})), processes: many(LIMITS.processes, () => ({ mappings: [] })), events: many(LIMITS.events, () => ({})) };
  assert.deepEqual(refused(at), [], 'at the limits everything is held');
  assert.deepEqual(refused({ files: many(LIMITS.files + 1, () => ({})) }), [['/files/100000', 100_001, 'is file number 100,001 of 100,001; the lab holds at most 100,000 files in a scenario']]);
  assert.deepEqual(refused({ processes: many(LIMITS.processes + 1, () => ({})) }), [['/processes/100000', 100_001, 'is process number 100,001 of 100,001; the lab holds at most 100,000 processes in a scenario']]);
  assert.deepEqual(refused({ events: many(LIMITS.events + 1, () => ({})) }), [['/events/100000', 100_001, 'is event number 100,001 of 100,001; the lab holds at most 100,000 events in a scenario']]);
  // mappings count over all processes: 100 processes of 1,000, then one more
  const procs = many(100, () => ({ mappings: many(1000, () => ({})) }));
  assert.deepEqual(refused({ processes: procs }), []);
  assert.deepEqual(refused({ processes: [...procs, { mappings: [{}, {}] }] }), [['/processes/100/mappings/0', 100_002, 'is mapping number 100,001 of the scenario; the lab holds at most 100,000 mappings at the start']]);
  // explicit extents and pattern counts together
  assert.deepEqual(refused({ files: [{ extents: [{ count: '0x3d0900' }, {}, {}] }] }), [['/files/0/extents/1', 3, 'is extent number 4,000,001: at most 4,000,000 extents in a scenario (4,000,000 before this entry)']]);
});

test('a generated scenario past a limit is refused by the loader, placed on the first item past it', () => {
  const text = `version: 1\nplatform:\n  regions: [ { id: region0, spa: 0x240000000, size: 1GiB } ]\nevents:\n${'  - { do: scrub }\n'.repeat(LIMITS.events + 1)}`;
  const ds = diagnosticsOf(text, {}, 'gen.poison.yaml');
  assert.equal(ds.length, 1);
  assert.deepEqual([ds[0]!.path, ds[0]!.line, ds[0]!.column], ['/events/100000', 5 + LIMITS.events, 5]);
  assert.match(ds[0]!.message, /events\[100000\]: is event number 100,001 of 100,001; the lab holds at most 100,000 events in a scenario/);
});

test('an allocation group count, a size past 2^53 and a region past the physical address space are refused with the limit', () => {
  const fs = (agcount: string) => `version: 1
platform:
  regions: [ { id: region0, spa: 0x10000000000, size: 1TiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 } ]
filesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem, agcount: ${agcount} } ]
`;
  const ag = oneDiagnostic(fs('65536'));
  assert.equal(ag.path, '/filesystems/0/agcount');
  assert.match(ag.message, /65536 \(0x10000\) allocation groups are more than the lab builds \(at most 16,384 per filesystem\)/);
  assert.doesNotThrow(() => load(fs('16384')));

  const size = diagnosticsOf(head(`  - { path: /mnt/pmem/frag, size: 0x40000000000000 }\n`)).find((d) => d.path === '/files/0/size')!;
  assert.equal(size.path, '/files/0/size');
  assert.match(size.message, /18014398509481984 \(0x40000000000000\) is too large \(beyond 2\^53, the largest integer kept exactly\)/);

  const region = diagnosticsOf(`version: 1\nplatform:\n  regions: [ { id: region0, spa: 0x10000000000, size: 4096TiB } ]\n`);
  assert.equal(region[0]!.path, '/platform/regions/0/size');
  assert.match(region[0]!.message, /runs past the 52-bit physical address space/);
});

// ---- long explicit lists read without the YAML parser (fast_extents.ts) ----

/** 100 explicit extents under one key, as a generator writes them, and the same list the YAML parser must read (one key quoted) */
const LONG = Array.from({ length: 100 }, (_, i) => `      - { offset: ${i}, block: ${FREE + 2 * i}, length: 1 }\n`).join('');
const LONG_SLOW = LONG.replace('{ offset: 0,', '{ "offset": 0,');
const long = (extents: string, tail = '') =>
  `version: 1\nname: long\ndescription: |\n  extents:\n${'    - { offset: 0, block: 1, length: 1 }\n'.repeat(70)}platform:\n  regions: [ { id: region0, spa: 0x240000000, size: 1GiB } ]\n  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 } ]\nfilesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem } ]\nfiles:\n  - path: /mnt/pmem/frag\n    size: 400KiB\n    extents:\n${extents}\n    cached: true\n${tail}`;

test('a long explicit list read without the YAML parser gives the scenario the parser gives, block scalars untouched', () => {
  // the list is cut out (the lookalike in the description is not), the one with a quoted key is not
  const cut = parseCutting(long(LONG), {});
  assert.deepEqual(cut.cut.map((r) => r.items.length), [100]);
  assert.equal(cut.doc.errors.length, 0);
  assert.equal(parseCutting(long(LONG_SLOW), {}).cut.length, 0);
  const fast = loadScenario(long(LONG), 'l.poison.yaml');
  const slow = loadScenario(long(LONG_SLOW), 'l.poison.yaml');
  assert.deepEqual(fast, slow);
  assert.equal(fast.files[0]!.extents!.length, 100);
  assert.match(fast.description!, /^extents:\n {2}- \{ offset: 0, block: 1, length: 1 \}\n/, 'the block scalar is the text as written');
  assert.equal(fast.files[0]!.cached, true);
});

test('problems inside and after a long list read without the parser are placed as the parser would place them', () => {
  // extent 70 overlaps extent 69 in the file; a process after the list names a missing file
  const bad = (extents: string) => long(extents.replace('{ offset: 70,', '{ offset: 69,').replace('{ "offset": 70,', '{ "offset": 69,'), 'processes:\n  - { pid: 1, mappings: [ { file: /mnt/pmem/nope } ] }\n');
  const fast = diagnosticsOf(bad(LONG), {}, 'l.poison.yaml');
  const slow = diagnosticsOf(bad(LONG_SLOW), {}, 'l.poison.yaml');
  assert.deepEqual(fast, slow);
  assert.deepEqual(fast.map((d) => d.path), ['/files/0/extents/70/offset', '/processes/0/mappings/0/file']);
  assert.deepEqual({ line: fast[0]!.line, column: fast[0]!.column }, where(bad(LONG), '69, block: 65932'));
  assert.deepEqual({ line: fast[1]!.line, column: fast[1]!.column }, where(bad(LONG), '/mnt/pmem/nope'));
  // and the simulator's refusal of one extent (on AG 2's log)
  const onLog = long(LONG.replace(`block: ${FREE + 80},`, 'block: 0x20100,'));
  const d = buildRefusalOf(onLog);
  assert.equal(d.path, '/files/0/extents/40/block');
  assert.deepEqual({ line: d.line, column: d.column }, where(onLog, '0x20100'));
});

function buildRefusalOf(text: string): Diagnostic {
  try {
    runScenario(loadScenario(text, 'l.poison.yaml'));
  } catch (e) {
    assert.ok(e instanceof InputError);
    return diagnosticFromInputError(text, 'l.poison.yaml', e);
  }
  assert.fail('expected a refusal');
}

test('on ext4 a pattern expands the same, and ext4\'s refusal of a repetition is placed on the pattern', () => {
  const ext4 = (block: number) => `version: 1
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 1GiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 } ]
filesystems: [ { device: pmem0, type: ext4, mount: /mnt/pmem } ]
files:
  - path: /mnt/pmem/frag
    size: 32KiB
    extents:
      - { offset: 0, block: ${block}, length: 1, count: 8, stride: 2 }
`;
  const explicit = ext4(40000).replace(/ {6}- \{ offset: 0, block: 40000, length: 1, count: 8, stride: 2 \}\n/, Array.from({ length: 8 }, (_, i) => `      - { offset: ${i}, block: ${40000 + 2 * i}, length: 1 }\n`).join(''));
  assert.deepEqual(runScenario(load(ext4(40000))), runScenario(load(explicit)));
  const d = buildRefusal(ext4(0));
  assert.equal(d.path, '/files/0/extents/0/block');
  assert.match(d.message, /^repetition 1 of 8 \(offset 0, block 0, length 1\): file \/mnt\/pmem\/frag: block 0 is not free \(superblock\)/);
});

test('a YAML 1.1 document keeps its lists for the parser (its integers read differently)', () => {
  assert.equal(parseCutting(`%YAML 1.1\n---\n${long(LONG)}`, {}).cut.length, 0);
});
