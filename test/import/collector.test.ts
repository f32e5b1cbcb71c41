// scripts/collect-machine.sh: shellcheck clean (POSIX sh), and run for real
// on this machine (which has no persistent memory): the folder it writes
// parses, every failure is listed with its reason, and the importer says
// there is nothing to import, at the file that says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseCollectErrors, parseManifest } from '../../src/import/parsers';
import { ImportError, importMachine } from '../../src/import';
import { readMachineFolder } from '../../src/cli/import';

function root(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const SCRIPT = path.join(root(), 'scripts', 'collect-machine.sh');
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

test('collect-machine.sh passes shellcheck as POSIX sh', { skip: !hasShellcheck && 'shellcheck is not installed (apt-get install shellcheck; .ci/run installs it)' }, () => {
  const r = spawnSync('shellcheck', ['-s', 'sh', SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('collect-machine.sh on this machine: a folder the importer reads, failures listed with reasons', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dpl-collect-')), 'm');
  const r = spawnSync('sh', [SCRIPT, '-o', out, SCRIPT], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  const manifest = parseManifest('manifest.txt', fs.readFileSync(path.join(out, 'manifest.txt'), 'utf8'));
  assert.match(manifest.get('date')!, /^\d{4}-\d\d-\d\dT/);
  const errors = parseCollectErrors('collect-errors.txt', fs.readFileSync(path.join(out, 'collect-errors.txt'), 'utf8'));
  for (const e of errors) assert.ok(e.reason.length > 0 && e.command.length > 0, JSON.stringify(e));
  // the named file was collected: its path, inode and size
  assert.equal(fs.readFileSync(path.join(out, 'files', '1.path'), 'utf8'), SCRIPT + '\n');
  assert.match(fs.readFileSync(path.join(out, 'files', '1.stat.txt'), 'utf8'), /^\d+ \d+ regular file\n$/);
  // a second run into the same folder is refused rather than mixing two machines
  const again = spawnSync('sh', [SCRIPT, '-o', out], { encoding: 'utf8' });
  assert.equal(again.status, 2);
  assert.match(again.stderr, /exists and is not empty/);
  const hasPmem = fs.existsSync('/sys/bus/nd/devices') && fs.readdirSync('/sys/bus/nd/devices').some((d) => /^region\d/.test(d));
  if (!hasPmem)
    assert.throws(() => importMachine(readMachineFolder(out), 'm'), (e: unknown) => e instanceof ImportError && /no persistent-memory region and no CXL memory device/.test(e.message));
});

test('collect-machine.sh refuses a bad -n', () => {
  const r = spawnSync('sh', [SCRIPT, '-n', 'lots', '-o', path.join(os.tmpdir(), 'never')], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /-n needs a number/);
});
