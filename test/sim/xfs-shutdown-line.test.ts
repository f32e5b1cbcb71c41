// xfs_do_force_shutdown's line prints its caller with %pS: symbol+offset/size
// [xfs] of the 6.12.117 build, then the source file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';

const ROOT = resolve(__dirname, '..', '..', '..');
const run = (f: string) => runScenario(loadScenario(readFileSync(join(ROOT, 'scenarios', f), 'utf8'), f));

test('a metadata shutdown names xfs_dax_notify_ddev_failure+0x39b/0x430 [xfs], as the kernel printed it', () => {
  const r = run('xfs-metadata-shutdown.poison.yaml');
  assert.ok(
    [...r.dmesg].includes('XFS (pmem0): Corruption of on-disk metadata (0x10) detected at xfs_dax_notify_ddev_failure+0x39b/0x430 [xfs] (fs/xfs/xfs_notify_failure.c:318).  Shutting down filesystem.'),
    [...r.dmesg].join('\n'),
  );
});

test('a pre-remove shutdown names xfs_dax_notify_ddev_failure+0x289/0x430 [xfs]', () => {
  const r = run('unbind-mounted-xfs.poison.yaml');
  assert.ok(
    [...r.dmesg].includes('XFS (pmem0): Metadata I/O Error (0x4) detected at xfs_dax_notify_ddev_failure+0x289/0x430 [xfs] (fs/xfs/xfs_notify_failure.c:316).  Shutting down filesystem.'),
    [...r.dmesg].join('\n'),
  );
});

test('a proposal design has no build to take offsets from: the bare name', () => {
  const r = runScenario(loadScenario(readFileSync(join(ROOT, 'scenarios', 'xfs-metadata-shutdown.poison.yaml'), 'utf8'), 'x.poison.yaml'), { design: 'corrupted-range' });
  const line = [...r.dmesg].find((l) => l.includes('detected at'));
  assert.ok(line && /detected at xfs_corrupt_helper \(fs\/xfs\/[a-z_]+\.c\)/.test(line), String(line));
});
