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
