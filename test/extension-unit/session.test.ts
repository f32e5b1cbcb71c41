// The lab session (src/extension/model/session.ts) and saving it back as a
// scenario (save.ts): stepping, stepping back by replay, hand events that
// are refused without changing anything, knobs, and a saved session that
// `check` passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LabError, LabSession } from '../../src/extension/model/session';
import { sessionToScenario } from '../../src/extension/model/save';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { TEMPLATES } from '../../src/extension/model/templates';

const ROOT = resolve(__dirname, '..', '..', '..');
const scenario = (name: string) => {
  const file = join(ROOT, 'scenarios', `${name}.poison.yaml`);
  return { text: readFileSync(file, 'utf8'), file };
};

function open(name: string): LabSession {
  const s = scenario(name);
  return LabSession.open(s.text, s.file);
}

test('a session steps through every event and ends with the report of a whole run', async () => {
  const s = open('unbind-mounted-xfs');
  assert.equal(s.cursor, 0);
  assert.equal(s.events.length, 3);
  const r1 = s.step()!;
  assert.equal(r1.event.id, 'e1');
  assert.equal(s.cursor, 1);
  const { ran, cancelled } = await s.runToEnd();
  assert.equal(ran, 2);
  assert.equal(cancelled, false);
  assert.ok(s.atEnd);
  assert.equal(s.step(), undefined);
  const whole = runScenario(loadScenario(s.text, s.file));
  assert.deepEqual(s.report.signals, whole.signals);
  assert.deepEqual([...s.report.dmesg], [...whole.dmesg]);
});

test('step back replays to the previous event, deterministically', () => {
  const s = open('reflink-both-mapped');
  s.step();
  const after = JSON.stringify({ sig: s.report.signals, dmesg: s.report.dmesg, hw: s.report.hwpoison });
  s.stepBack();
  assert.equal(s.cursor, 0);
  assert.deepEqual(s.report.signals, []);
  assert.deepEqual(s.report.hwpoison, []);
  s.step();
  assert.equal(JSON.stringify({ sig: s.report.signals, dmesg: s.report.dmesg, hw: s.report.hwpoison }), after);
});

test('runToEnd can be cancelled between events', async () => {
  const s = open('unbind-mounted-xfs');
  let n = 0;
  const r = await s.runToEnd({ isCancelled: () => n >= 1, onStep: () => n++ });
  assert.equal(r.cancelled, true);
  assert.equal(s.cursor, 1);
});

test('a hand event is appended and run; a bad one is refused with the reason and changes nothing', () => {
  const s = open('reflink-both-mapped');
  s.step();
  const before = JSON.stringify(s.report);
  // an address no mapping covers
  assert.throws(
    () => s.act({ do: 'load', process: 1000, addr: '0x10000', length: 8 }),
    (e: unknown) => e instanceof LabError && /no mapping at 0x10000/.test(e.message),
  );
  // a field of the wrong shape (schema)
  assert.throws(
    () => s.act({ do: 'load', process: 1000, addr: 'nowhere' }),
    (e: unknown) => e instanceof LabError && /addr/.test(e.message),
  );
  assert.equal(JSON.stringify(s.report), before);
  assert.equal(s.events.length, 1);
  const r = s.act({ do: 'load', process: 1000, addr: '0x7f0000000000', length: 8 });
  assert.equal(r.event.id, 'e2');
  assert.equal(s.events.length, 2);
  assert.equal(s.cursor, 2);
  assert.equal(s.handEvents.length, 1);
});

test('a hand action waits for pending events to be run or discarded', () => {
  const s = open('unbind-mounted-xfs');
  s.step();
  assert.throws(() => s.act({ do: 'scrub' }), /2 events have not run yet/);
  s.discardPending();
  assert.equal(s.events.length, 1);
  const r = s.act({ do: 'scrub' });
  assert.equal(r.event.id, 'e2');
  assert.match(s.composeText(), /do: scrub/);
  assert.doesNotMatch(s.composeText(), /do: read/);
});

test('changing the design replays the session under it; an unknown design is refused and nothing changes', () => {
  const s = open('reflink-both-mapped');
  s.step();
  assert.equal(s.report.signals.length, 2);
  s.setKernel({ design: 'page-mapping' });
  assert.equal(s.design, 'page-mapping');
  assert.equal(s.cursor, 1);
  assert.notEqual(s.report.signals.length, 2);
  assert.throws(() => s.setKernel({ design: 'bogus' as never }), (e: unknown) => e instanceof LabError && /design/.test(e.message) && /bogus/.test(e.message));
  assert.equal(s.design, 'page-mapping');
  s.setKernel({ design: 'upstream', earlyKill: true });
  assert.equal(s.kernel.earlyKill, true);
  assert.equal(s.report.signals.length, 2);
});

test('a malformed scenario does not open; the diagnostics carry line and column', () => {
  const { text, file } = scenario('reflink-both-mapped');
  const bad = text.replace('size: 1GiB', 'size: lots');
  assert.throws(
    () => LabSession.open(bad, file),
    (e: unknown) => e instanceof LabError && e.diagnostics.length > 0 && e.diagnostics[0]!.line > 0 && /size/.test(e.message),
  );
});

test('a saved session loads and passes check, with expectations for the hand events', () => {
  const s = open('reflink-both-mapped');
  s.step();
  s.act({ do: 'load', process: 1000, addr: '0x7f0000001000', length: 8 });
  s.act({ do: 'scrub' });
  s.setKernel({ earlyKill: true });
  const out = sessionToScenario(s, 'saved.poison.yaml');
  assert.ok(out.generated >= 3, `generated ${out.generated}`);
  const sc = loadScenario(out.text, 'saved.poison.yaml');
  assert.equal(sc.events.length, 3);
  assert.ok(sc.events[1]!.expect.length >= 2);
  assert.equal(sc.kernel.earlyKill, true);
  const rep = runScenario(sc);
  assert.deepEqual(rep.expectations.filter((x) => !x.ok), []);
  assert.match(out.text, /Saved from a DAX Poison Lab session/);

  // and the command-line checker agrees
  const dir = mkdtempSync(join(tmpdir(), 'dpl-save-'));
  try {
    const f = join(dir, 'saved.poison.yaml');
    writeFileSync(f, out.text);
    const stdout = execFileSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'check', f], { encoding: 'utf8' });
    assert.match(stdout, / 0 failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saving drops the expectations an exploration broke and says which', () => {
  const s = open('reflink-both-mapped');
  s.step();
  // a second memory_failure breaks `calls: memory_failure count 1`
  s.act({ do: 'madvise-hwpoison', process: 1000, addr: '0x7f0000002000', length: 4096 });
  const out = sessionToScenario(s, 'x.poison.yaml');
  assert.ok(out.dropped.some((d) => /memory_failure/.test(d.text)), JSON.stringify(out.dropped));
  assert.match(out.text, /no longer hold/);
  const rep = runScenario(loadScenario(out.text, 'x.poison.yaml'));
  assert.deepEqual(rep.expectations.filter((x) => !x.ok), []);
});

test('a JSON scenario saves as JSON', async () => {
  const { text } = scenario('scrub-and-heal');
  const json = JSON.stringify(loadScenarioRaw(text));
  const s = LabSession.open(json, 'x.poison.json');
  await s.runToEnd();
  s.act({ do: 'scrub' });
  const out = sessionToScenario(s, 'y.poison.json');
  const parsed = JSON.parse(out.text);
  assert.equal(parsed.events.at(-1).do, 'scrub');
  assert.ok(Array.isArray(parsed.events.at(-1).expect));
});

test('every template loads and runs to the end', async () => {
  for (const t of TEMPLATES) {
    const s = LabSession.open(t.text, `${t.id}.poison.yaml`);
    await s.runToEnd();
    assert.ok(s.atEnd, t.id);
  }
});

// the raw document of a YAML scenario, as plain data
function loadScenarioRaw(text: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof import('yaml');
  return parse(text);
}
