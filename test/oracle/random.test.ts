// The randomized differential's generator (oracle/src/random.ts), without
// QEMU: a seed gives one scenario, the committed ones are what their seeds
// give, every generated scenario is valid input the simulator runs to the
// end, and the oracle's plan runs every event of it (nothing refused, nothing
// listed as not run). Whether the simulator agrees with the kernel on them is
// test/oracle/compare.test.ts, over oracle/recorded/random/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { buildPlan } from '../../oracle/src/plan';
import { LAYOUT_NOTE, generateRandomScenario, prng, randomFileName } from '../../oracle/src/random';

function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json'))) d = path.dirname(d);
  return d;
}
const ROOT = repoRoot();
const RANDOM = path.join(ROOT, 'oracle', 'random');
const committed = fs.existsSync(RANDOM) ? fs.readdirSync(RANDOM).filter((f) => f.endsWith('.poison.yaml')).sort() : [];

test('the PRNG is a pure function of its seed', () => {
  const a = prng(7);
  const b = prng(7);
  const c = prng(8);
  const xa = Array.from({ length: 5 }, a);
  assert.deepEqual(xa, Array.from({ length: 5 }, b));
  assert.notDeepEqual(xa, Array.from({ length: 5 }, c));
  for (const x of xa) assert.ok(x >= 0 && x < 1);
});

test('a seed gives the same scenario every time, and different seeds different ones', () => {
  assert.equal(generateRandomScenario(3), generateRandomScenario(3));
  assert.notEqual(generateRandomScenario(3), generateRandomScenario(4));
  assert.equal(randomFileName(7), '0007.poison.yaml');
});

/** a file-page pfn comes from the simulator's layout when generated (LAYOUT_NOTE): compared without it */
const seedPart = (text: string) => text.replace(new RegExp(`pfn: 0x[0-9a-f]+ \\} ${LAYOUT_NOTE}`, 'g'), `pfn: (layout) } ${LAYOUT_NOTE}`);

test('each committed random scenario is what its seed generates', () => {
  for (const f of committed) {
    const seed = Number(f.replace(/\.poison\.yaml$/, ''));
    const text = fs.readFileSync(path.join(RANDOM, f), 'utf8');
    assert.equal(seedPart(text), seedPart(generateRandomScenario(seed)), `oracle/random/${f} is not what seed ${seed} generates (npm run oracle -- random ${seed}; then re-record it)`);
  }
});

test('each committed random scenario has its kernel recording', () => {
  for (const f of committed) {
    const stem = f.replace(/\.poison\.yaml$/, '');
    const meta = path.join(ROOT, 'oracle', 'recorded', 'random', `${stem}.meta.json`);
    assert.ok(fs.existsSync(meta), `oracle/random/${f} has no recording (npm run oracle -- oracle/random/${f})`);
    assert.equal(JSON.parse(fs.readFileSync(meta, 'utf8')).scenario, `oracle/random/${f}`);
  }
});

test('each 6.1 recording of the random set is of a committed random scenario, as it is now', () => {
  const dir = path.join(ROOT, 'oracle', 'recorded-6.1', 'random');
  const metas = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.meta.json')) : [];
  for (const m of metas) {
    const stem = m.replace(/\.meta\.json$/, '');
    assert.ok(committed.includes(`${stem}.poison.yaml`), `recorded-6.1/random/${m} has no oracle/random/${stem}.poison.yaml`);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, m), 'utf8'));
    assert.equal(meta.scenario, `oracle/random/${stem}.poison.yaml`);
    assert.match(meta.kernel, /^6\.1\./, `${m}: recorded on ${meta.kernel}`);
  }
});

test('generated scenarios cover the machines and events the differential is for', () => {
  const machines = new Set<string>();
  const events = new Set<string>();
  for (let seed = 1; seed <= 80; seed++) {
    const s = loadScenario(generateRandomScenario(seed), `random-${seed}.poison.yaml`);
    const fs0 = s.filesystems[0];
    machines.add(fs0 ? `${fs0.type}${fs0.type === 'xfs' ? (fs0.rmapbt ? '+rmapbt' : '-rmapbt') : ''}` : s.platform.namespaces[0]!.mode);
    for (const e of s.events) events.add(e.do);
    if (s.files.some((f) => f.reflink)) machines.add('reflink');
    for (const p of s.processes) machines.add(`mceKill ${p.mceKill}`);
  }
  for (const m of ['xfs+rmapbt', 'xfs-rmapbt', 'ext4', 'devdax', 'reflink', 'mceKill early', 'mceKill late', 'mceKill default']) assert.ok(machines.has(m), `no ${m}`);
  for (const d of ['madvise-hwpoison', 'madvise-soft-offline', 'corrupt-pfn', 'media-error', 'load', 'store', 'read', 'write', 'punch-hole', 'unbind', 'set', 'exit', 'munmap'])
    assert.ok(events.has(d), `no ${d} event in seeds 1-80`);
});

test('every generated scenario runs in the simulator, and the oracle would run all its events', () => {
  for (let seed = 1; seed <= 150; seed++) {
    const name = `random-${seed}.poison.yaml`;
    const s = loadScenario(generateRandomScenario(seed), name);
    const plan = buildPlan(s);
    assert.equal(plan.refused, null, `seed ${seed}: the oracle refuses it: ${plan.refused}`);
    assert.deepEqual(plan.notRunStatic, [], `seed ${seed}: events the oracle would not run`);
    const r = runScenario(s);
    assert.equal(r.events.length, s.events.length, `seed ${seed}: the simulator stopped early (${r.panic ?? ''})`);
    assert.equal(r.panic, undefined, `seed ${seed}: ${r.panic}`);
  }
});
