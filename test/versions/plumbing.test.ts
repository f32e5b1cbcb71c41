// Kernel versions (issue 15): the plumbing. The version a scenario or an
// override picks reaches the simulated kernel's config and the run report;
// what a version does not have is refused, positioned, with nothing run.
// (What 6.1 does differently is tested with its behaviour, not here.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario, diagnosticFromInputError } from '../../src/sim/scenario/load';
import { Session, runScenario, runScenarioFull } from '../../src/sim/run';
import { runMeasured } from '../../src/sim/compare';
import { InputError, ScenarioErrors } from '../../src/sim/errors';
import { versionRefusals, withoutExpectations, FEATURES } from '../../src/sim/scenario/versions';
import { kernelVersion } from '../../src/sim/version';
import { kernelRelease } from '../../src/kernel/releases';

const ROOT = resolve(__dirname, '..', '..', '..');
const scenarioText = (name: string) => readFileSync(join(ROOT, 'scenarios', `${name}.poison.yaml`), 'utf8');
const load = (name: string) => loadScenario(scenarioText(name), `${name}.poison.yaml`);

test('kernel.version, absent, is 6.12; the report says which kernel and release ran', () => {
  const s = load('reflink-both-mapped');
  assert.equal(s.kernel.version, undefined);
  const r = runScenarioFull(s);
  assert.equal(kernelVersion(r.machine.k.cfg), '6.12');
  assert.deepEqual(r.report.kernel, { version: '6.12', release: kernelRelease('6.12') });
  assert.match(r.report.kernel!.release, /^6\.12\.\d+$/);
});

test('an override (--kernel) reaches the kernel config and the report, and leaves the scenario alone', () => {
  const s = load('reflink-both-mapped');
  const r = runScenarioFull(s, { version: '6.1' });
  assert.equal(r.machine.k.cfg.version, '6.1');
  assert.equal(kernelVersion(r.machine.k.cfg), '6.1');
  assert.deepEqual(r.report.kernel, { version: '6.1', release: '6.1.192' });
  assert.equal(s.kernel.version, undefined, 'the loaded scenario is not changed');
  const m = runMeasured(s, 'upstream', undefined, '6.1');
  assert.equal(m.report.kernel?.version, '6.1');
});

test('kernel.version: 6.1 in the scenario runs as 6.1, and an override can set it back to 6.12', () => {
  const text = scenarioText('reflink-both-mapped').replace(/^kernel: \{ design: upstream \}$/m, 'kernel: { design: upstream, version: "6.1" }');
  assert.match(text, /version: "6\.1"/, 'the scenario has a kernel block to add the version to');
  const s = loadScenario(text, 'x.poison.yaml');
  assert.equal(s.kernel.version, '6.1');
  assert.equal(runScenario(s).kernel?.version, '6.1');
  assert.equal(runScenario(s, { version: '6.12' }).kernel?.version, '6.12');
});

test('a scenario with CXL poison events on 6.1 is refused by the loader at the event, naming 6.4', () => {
  const text = scenarioText('cxl-inject-no-region').replace(/^version: 1\n/m, 'version: 1\nkernel: { version: "6.1" }\n');
  assert.throws(
    () => loadScenario(text, 'cxl.poison.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioErrors);
      const d = e.diagnostics[0]!;
      assert.equal(d.path, '/events/0/do');
      assert.ok(d.line > 1 && d.column > 1, `positioned: ${d.line}:${d.column}`);
      assert.match(d.message, /^events\[0\]\.do: event e1 \(cxl-inject-poison\) needs CXL poison injection .* arrived in 6\.4; kernel\.version 6\.1 does not have it/);
      return true;
    },
  );
});

test('an override to 6.1 refuses a pre-remove expectation before building anything, positioned on the field', () => {
  const text = scenarioText('unbind-mounted-xfs');
  const s = loadScenario(text, 'unbind.poison.yaml');
  let err: unknown;
  try {
    new Session(s, { version: '6.1' });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof InputError, `refused with an InputError: ${String(err)}`);
  assert.equal(err.field, 'contains');
  assert.match(err.path, /^\/events\/0\/expect\/\d+\/dmesg\/contains$/);
  assert.match(err.message, /MF_MEM_PRE_REMOVE.*arrived in 6\.7; kernel\.version 6\.1 does not have it/);
  const d = diagnosticFromInputError(text, 'unbind.poison.yaml', err);
  assert.equal(text.split('\n')[d.line - 1]!.includes('Device is about to be removed'), true, 'the diagnostic points at the expectation line');
  // 6.12 runs it
  assert.equal(new Session(s, { version: '6.12' }).report.kernel?.version, '6.12');
});

test('versionRefusals lists every use: pre-remove lines, MF_MEM_PRE_REMOVE verdicts, SHUTDOWN_DEVICE_REMOVED, cxlPoison', () => {
  const s = load('unbind-mounted-xfs');
  const refusals = versionRefusals(s, '6.1');
  assert.deepEqual(
    refusals.map((r) => [r.field, r.feature.since]),
    [['contains', '6.7'], ['reason', '6.7'], ['reason', '6.7']],
  );
  assert.deepEqual(versionRefusals(s, '6.12'), []);
  const shut = { ...s, expect: [{ path: '/expect/0', fs: { mount: '/mnt/pmem', shutdown: 'SHUTDOWN_META_IO_ERROR|SHUTDOWN_DEVICE_REMOVED' } }] };
  assert.deepEqual(versionRefusals({ ...shut, events: [] }, '6.1').map((r) => r.feature), [FEATURES.deviceRemoved]);
  const list = load('cxl-x2-interleave-poison-list');
  const kinds = versionRefusals(list, '6.1').map((r) => r.field);
  assert.ok(kinds.includes('do') && kinds.includes('cxlPoison'), kinds.join(','));
});

test('a comparison of versions runs without the expectations: only what a version cannot run refuses it', () => {
  const s = load('unbind-mounted-xfs');
  const bare = withoutExpectations(s);
  assert.deepEqual(versionRefusals(bare, '6.1'), []);
  assert.equal(bare.events.length, s.events.length);
  assert.ok(s.events[0]!.expect.length > 0, 'the original keeps its expectations');
  assert.equal(runScenario(bare, { version: '6.1' }).kernel?.version, '6.1');
  const cxl = withoutExpectations(load('cxl-inject-no-region'));
  assert.throws(() => runScenario(cxl, { version: '6.1' }), /cxl-inject-poison\) needs CXL poison injection/);
});

test('kernel.version written unquoted (a YAML number) is one problem that says to quote it', () => {
  const text = scenarioText('reflink-both-mapped').replace(/^kernel: \{ design: upstream \}$/m, 'kernel: { design: upstream, version: 6.1 }');
  assert.throws(
    () => loadScenario(text, 'x.poison.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof ScenarioErrors);
      assert.equal(e.diagnostics.length, 1, e.message);
      assert.equal(e.diagnostics[0]!.path, '/kernel/version');
      assert.match(e.diagnostics[0]!.message, /^kernel\.version: 6\.1 is a number .*write the kernel version as a string, "6\.1" or "6\.12"$/);
      return true;
    },
  );
  assert.throws(() => loadScenario(text.replace('version: 6.1 }', 'version: "5.10" }'), 'x.poison.yaml'), /kernel\.version: "5\.10" is not one of/);
});
