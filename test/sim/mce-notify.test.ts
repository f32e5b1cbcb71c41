// mce_notify_irq's "Machine check events logged": once per logged machine
// check, at most twice in any 60 seconds (its ratelimit state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';

const ROOT = resolve(__dirname, '..', '..', '..');
const FILE = 'mce-notify-ratelimit.poison.yaml';
const LINE = 'mce: [Hardware Error]: Machine check events logged';

test('three machine checks within a second print the line twice', () => {
  const r = runScenario(loadScenario(readFileSync(join(ROOT, 'scenarios', FILE), 'utf8'), FILE));
  assert.equal(r.signals.filter((s) => s.code === 'BUS_MCEERR_AR').length, 3);
  assert.equal([...r.dmesg].filter((l) => l === LINE).length, 2);
});

test('a machine check a minute after the first two prints it again', () => {
  const text = readFileSync(join(ROOT, 'scenarios', FILE), 'utf8').replace(
    'expect:\n  - calls: { symbol: do_machine_check, count: 3 }',
    '  - { do: media-error, file: /mnt/pmem/f, offset: 12288 }\n  - { do: load, process: 7500, addr: 0x7f0000003000, at: 61s }\n',
  );
  const r = runScenario(loadScenario(text, FILE));
  assert.equal(r.signals.filter((s) => s.code === 'BUS_MCEERR_AR').length, 4);
  assert.equal([...r.dmesg].filter((l) => l === LINE).length, 3);
});
