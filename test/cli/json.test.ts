// writeJson streams exactly the bytes of JSON.stringify(value, null, 2) + "\n".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { writeJson } from '../../src/cli/json';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';

function streamed(v: unknown): { text: string; chunks: number; longest: number } {
  const parts: string[] = [];
  writeJson(v, (s) => parts.push(s));
  return { text: parts.join(''), chunks: parts.length, longest: Math.max(0, ...parts.map((p) => p.length)) };
}

test('writeJson: the same bytes as JSON.stringify(v, null, 2) for any JSON value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      assert.equal(streamed(v).text, JSON.stringify(v, null, 2) + '\n');
    }),
    { numRuns: 500 },
  );
  const odd = { a: undefined, b: [undefined, 1, { c: undefined, d: [] }], e: {}, f: null, g: 'x\ny' };
  assert.equal(streamed(odd).text, JSON.stringify(odd, null, 2) + '\n');
});

test('writeJson: every built-in scenario\'s run report, byte for byte, in bounded chunks', () => {
  const dir = resolve(__dirname, '..', '..', '..', 'scenarios');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.poison.yaml'))) {
    const r = runScenario(loadScenario(readFileSync(join(dir, f), 'utf8'), f));
    const s = streamed(r);
    assert.equal(s.text, JSON.stringify(r, null, 2) + '\n', f);
    assert.ok(s.longest < (1 << 16) * 2, `${f}: a chunk of ${s.longest} characters`);
  }
});

test('writeJson: the kernel log held as runs is written line by line, in bounded chunks, as the array of its lines', async () => {
  const { KernelLog } = await import('../../src/sim/dmesg');
  const log = new KernelLog();
  log.push('nd_pmem pfn0.0: DAX active at remove, "trigger" mass memory failure');
  log.pushRun(200_000, (j) => [`Memory failure: 0x${(0x1000000 + j).toString(16)}: Sending SIGBUS to db:100 due to hardware memory corruption`, `Memory failure: 0x${(0x1000000 + j).toString(16)}: recovery action for dax page: Recovered`]);
  log.push('last\tline');
  assert.equal(log.entryCount, 3);
  const lines = [...log];
  // as a run report has it, and deeper, as compare --json has it (designs -> report -> dmesg)
  const report = { version: 1, dmesg: log.view(), spans: [], empty: new KernelLog().view() };
  const s = streamed(report);
  assert.equal(s.text, JSON.stringify({ ...report, dmesg: lines, empty: [] }, null, 2) + '\n');
  assert.ok(s.longest < (1 << 16) * 2, `a chunk of ${s.longest} characters`);
  const deep = { designs: { upstream: report, other: { ...report, dmesg: log.view(1, 11) } }, metrics: {} };
  const d = streamed(deep);
  assert.equal(d.text, JSON.stringify({ designs: { upstream: { ...report, dmesg: lines, empty: [] }, other: { ...report, dmesg: lines.slice(1, 11), empty: [] } }, metrics: {} }, null, 2) + '\n');
  assert.ok(d.longest < (1 << 16) * 2, `a chunk of ${d.longest} characters`);
});
