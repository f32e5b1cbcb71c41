// `oracle-ci.sh` boots the real kernel and checks the live run against the
// recording (`diff --live --against-recorded`): what counts as drift.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driftBetween } from '../../oracle/src/diff-main';
import type { KernelReport } from '../../oracle/src/compare';

function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const recorded = (stem: string): KernelReport => JSON.parse(fs.readFileSync(path.join(repoRoot(), 'oracle', 'recorded', `${stem}.report.json`), 'utf8')) as KernelReport;

test('a live run equal to its recording is no drift; a changed line, signal or result is', () => {
  const rec = recorded('reflink-both-mapped');
  assert.deepEqual(driftBetween(rec, structuredClone(rec)), []);
  const line = structuredClone(rec);
  line.dmesgByEvent.e1 = [...line.dmesgByEvent.e1!.slice(0, -1), 'Memory failure: 0x241218: recovery action for dax page: Failed'];
  assert.deepEqual(driftBetween(rec, line).map((d) => d.split(':')[0]), ['dmesg']);
  const sig = structuredClone(rec);
  sig.signals = sig.signals.slice(1);
  assert.deepEqual(driftBetween(rec, sig).map((d) => d.split(':')[0]), ['signals']);
});

test("a recording made before setup's log was recorded is compared without the live run's setup entry", () => {
  const rec = recorded('reflink-both-mapped');
  assert.equal('setup' in rec.dmesgByEvent, false, 'the fixture is an old recording, without setup');
  // CI's live run of 427a1b9 had an empty setup entry and was reported as drift
  assert.deepEqual(driftBetween(rec, { ...rec, dmesgByEvent: { ...rec.dmesgByEvent, setup: [] } }), []);
  assert.deepEqual(driftBetween(rec, { ...rec, dmesgByEvent: { ...rec.dmesgByEvent, setup: ['WARNING: CPU: 0 PID: 1 at mm/memory.c:1 f+0x0/0x10'] } }), []);
  // a recording with setup compares it
  const withSetup: KernelReport = { ...rec, dmesgByEvent: { ...rec.dmesgByEvent, setup: [] } };
  assert.deepEqual(driftBetween(withSetup, { ...withSetup }), []);
  assert.deepEqual(
    driftBetween(withSetup, { ...rec, dmesgByEvent: { ...rec.dmesgByEvent, setup: ['WARNING: CPU: 0 PID: 1 at mm/memory.c:1 f+0x0/0x10'] } }).map((d) => d.split(':')[0]),
    ['dmesg'],
  );
});
