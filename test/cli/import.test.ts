// `dax-poison-lab import <dir> [-o file]`: the scenario written, loadable and
// checkable; the report on stderr; bad input (a bad file, a usage error) is
// exit 2 with the file and line; and the same through dist/cli.js itself.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { main, readTextFile, type CliIO } from '../../src/cli/main';
import { loadScenario } from '../../src/sim/scenario/load';

function root(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const ROOT = root();
const M = path.join(ROOT, 'test', 'fixtures', 'machines');

function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (s) => void out.push(s), stderr: (s) => void err.push(s), readFile: (p) => readTextFile(p) };
  const code = main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-import-'));

test('import writes a scenario that loads and whose check passes; the report names sources, approximations and targets', () => {
  const out = path.join(tmp, 'two.poison.yaml');
  const r = run(['import', path.join(M, 'nvdimm-two-regions'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${out}\n`);
  assert.match(r.stderr, /platform\.regions, platform\.namespaces: from ndctl-list\.json, sysfs-nd\.txt, iomem\.txt/);
  assert.match(r.stderr, /approximations:\n/);
  assert.match(r.stderr, /poison targets: region0 sectors 37056\+8; region1 sectors 36872\+1/);
  const text = fs.readFileSync(out, 'utf8');
  const s = loadScenario(text, out);
  assert.equal(s.platform.regions.length, 2);
  const c = run(['check', out]);
  assert.equal(c.code, 0, c.stdout + c.stderr);
  assert.match(c.stdout, /3 passed, 0 failed/);
});

test('import of an incomplete folder says so on stderr and in the file', () => {
  const out = path.join(tmp, 'ext4.poison.yaml');
  const r = run(['import', path.join(M, 'ext4-filefrag'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\(INCOMPLETE\)\n/);
  assert.match(r.stderr, /missing:\n  cxl-list\.json \(cxl list -vvv: command not found\): no CXL memory devices are imported/);
  assert.match(fs.readFileSync(out, 'utf8'), /^# INCOMPLETE/m);
});

test('a bad file is exit 2 with the file and line, and nothing is written', () => {
  const dir = path.join(tmp, 'cut');
  fs.cpSync(path.join(M, 'nvdimm-two-regions'), dir, { recursive: true });
  const f = path.join(dir, 'fs1.fsmap.txt');
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').slice(0, 700));
  const out = path.join(tmp, 'cut.poison.yaml');
  const r = run(['import', dir, '-o', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/fs1\\.fsmap\\.txt:\\d+: .*truncated`));
  assert.ok(!fs.existsSync(out));
});

test('usage errors: no folder, not a folder, two folders, a wrong option, not a .poison.yaml', () => {
  assert.equal(run(['import']).code, 2);
  const nf = run(['import', path.join(tmp, 'nope')]);
  assert.equal(nf.code, 2);
  assert.match(nf.stderr, /not a folder \(run scripts\/collect-machine\.sh/);
  assert.match(run(['import', M, M]).stderr, /takes one folder/);
  assert.match(run(['import', M, '--design', 'x']).stderr, /unknown option "--design" for import/);
  assert.match(run(['import', path.join(M, 'cxl-interleave'), '-o', path.join(tmp, 'x.json')]).stderr, /must be a \*\.poison\.yaml file/);
  assert.match(run(['--help']).stdout, /import <dir> \[-o <scenario\.poison\.yaml>\]/);
});

test('dist/cli.js import: the built CLI, exit 0 and the file', { skip: !fs.existsSync(path.join(ROOT, 'dist', 'cli.js')) && 'npm run build first' }, () => {
  const out = path.join(tmp, 'cxl.poison.yaml');
  const p = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'import', path.join(M, 'cxl-interleave'), '-o', out], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.match(fs.readFileSync(out, 'utf8'), /targets: \[decoder2\.0, decoder3\.0\]/);
});
