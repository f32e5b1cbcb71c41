// The extension's simulator worker (src/protocol/sim.ts, src/extension/sim/):
// the real dist/sim-worker.js in a worker thread, driven through SimHost as
// the extension drives it. A session opens, steps and answers questions
// about its machine; bad input is a LabError with positioned diagnostics and
// changes nothing; an internal error in a request is an InternalError after
// which the session is replayed and still steps; a worker that dies fails the
// request it held with an InternalError, says so once (onCrash), and the
// next request starts a new worker. Files a scenario names (extentsFile) are
// asked for and read through the host's reader; a bad line is placed in the
// extents file. Run to End stops between events when cancelled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SimHost, type FileReader } from '../../src/extension/sim/host';
import { SimEngine } from '../../src/extension/sim/engine';
import { LabError } from '../../src/extension/model/session';
import { InternalError } from '../../src/sim/errors';
import type { OwnersAnswer, SessionSnapshot, SimReply } from '../../src/protocol/sim';
import { ownersText } from '../../src/extension/model/owners';
import type { WhatIfAnswer } from '../../src/extension/model/whatif';
import type { Choice } from '../../src/extension/model/actions';

const ROOT = resolve(__dirname, '..', '..', '..');
const WORKER = join(ROOT, 'dist', 'sim-worker.js');
const scenario = (name: string) => {
  const file = join(ROOT, 'scenarios', `${name}.poison.yaml`);
  return { text: readFileSync(file, 'utf8'), file };
};
const noFiles: FileReader = async (paths) => Object.fromEntries(paths.map((p) => [p, { error: 'no such file' }]));

function host(read: FileReader = noFiles): SimHost {
  assert.ok(existsSync(WORKER), `${WORKER} is built (npm run build)`);
  return new SimHost(WORKER, read);
}

test('a session in the worker opens, steps, answers about its machine, and refuses bad input without changing', async () => {
  const h = host();
  try {
    const s = scenario('unbind-mounted-xfs');
    const open = await h.request({ op: 'open', ...s });
    const snap0 = open.snapshot!;
    assert.equal(snap0.cursor, 0);
    assert.ok(snap0.devices.length > 0, 'the Devices tree is built by the worker');
    assert.ok(snap0.scenario.events.length > 0);
    const step = await h.request({ op: 'step' });
    assert.equal(step.snapshot!.cursor, 1);
    assert.equal(step.steps![0]!.event.id, snap0.scenario.events[0]!.id);
    assert.equal(step.snapshot!.report.events.length, 1);
    const procs = await h.request<Choice[]>({ op: 'query', name: 'objectsFor', args: ['process'] });
    assert.ok(procs.value.length > 0 && procs.value.every((c) => /^\d+$/.test(c.id)));

    const end = await h.request({ op: 'runToEnd' });
    const n = end.snapshot!.cursor;
    assert.equal(n, snap0.scenario.events.length);
    // bad input: a LabError naming the field, and the session as it was
    await assert.rejects(
      h.request({ op: 'act', raw: { do: 'load', process: 999999, addr: 0x1000 } }),
      (e: unknown) => e instanceof LabError && /process/.test(e.message),
    );
    await assert.rejects(h.request({ op: 'open', text: 'version: 1\nname: x\nplatform: { regions: [ { id: r, spa: 1, size: 0 } ] }\n', file: 'bad.poison.yaml' }), (e: unknown) => e instanceof LabError && e.diagnostics.length > 0 && e.diagnostics[0]!.line > 0);
    const after = await h.request({ op: 'query', name: 'boundNamespaces', args: [] });
    assert.ok(Array.isArray(after.value));
    const again = await h.request({ op: 'stepBack' });
    assert.equal(again.snapshot!.cursor, n - 1, 'the refused requests left the session where it was');
    assert.equal(again.snapshot!.scenario.events.length, n, 'no event was added');
  } finally {
    h.dispose();
  }
});

test('an internal error in a request is an InternalError; the session is replayed and still steps', async () => {
  const h = host();
  try {
    const s = scenario('unbind-mounted-xfs');
    await h.request({ op: 'open', ...s });
    await h.request({ op: 'step' });
    let snap: SessionSnapshot | null | undefined;
    await assert.rejects(h.request({ op: 'fail', how: 'throw' }), (e: unknown) => {
      snap = (e as { snapshot?: SessionSnapshot | null }).snapshot;
      return e instanceof InternalError && /fail: throw/.test(e.message) && /replayed to 1 event run/.test(e.recovery ?? '') && !!e.detail;
    });
    assert.equal(snap!.cursor, 1);
    const next = await h.request({ op: 'step' });
    assert.equal(next.snapshot!.cursor, 2);
  } finally {
    h.dispose();
  }
});

test('a worker that dies fails the request it held with an InternalError, once; the next request starts a new one', async () => {
  const h = host();
  const crashes: InternalError[] = [];
  h.onCrash = (e) => crashes.push(e);
  try {
    const s = scenario('unbind-mounted-xfs');
    await h.request({ op: 'open', ...s });
    await assert.rejects(h.request({ op: 'fail', how: 'exit' }), (e: unknown) => e instanceof InternalError && /worker stopped: the thread exited with code 70/.test(e.message));
    assert.equal(crashes.length, 1);
    // the session was in the worker that died: the new worker has none, and says so as bad input (not a hang)
    await assert.rejects(h.request({ op: 'step' }), (e: unknown) => e instanceof LabError && /no lab session/.test(e.message));
    const reopened = await h.request({ op: 'open', ...s });
    assert.equal(reopened.snapshot!.cursor, 0);
    assert.equal(crashes.length, 1);
  } finally {
    h.dispose();
  }
});

const FREE = 0x10100;
const EXTENTS_SCENARIO = `version: 1
name: fragmented
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 1GiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 } ]
filesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem } ]
files:
  - path: /mnt/pmem/frag
    size: 256KiB
    extentsFile: ./frag.extents
processes:
  - { pid: 100, comm: db, mappings: [ { id: m0, file: /mnt/pmem/frag, populate: true } ] }
events:
  - { do: unbind, namespace: namespace0.0 }
`;

test('extentsFile: the worker asks for the file, the host reads it; a bad line is placed in the extents file', async () => {
  const asked: string[][] = [];
  let text = Array.from({ length: 64 }, (_, i) => `${i} ${FREE + 2 * i} 1`).join('\n') + '\n';
  const h = host(async (paths) => {
    asked.push(paths);
    return Object.fromEntries(paths.map((p) => [p, p === '/lab/dir/frag.extents' ? { text } : { error: 'no such file' }]));
  });
  try {
    const open = await h.request({ op: 'open', text: EXTENTS_SCENARIO, file: '/lab/dir/case.poison.yaml' });
    assert.deepEqual(asked, [['/lab/dir/frag.extents']]);
    assert.equal(open.snapshot!.scenario.files[0]!.extents!.length, 64);
    const step = await h.request({ op: 'step' });
    assert.equal(step.snapshot!.cursor, 1);

    text = `0 ${FREE} 1\n1 ${FREE + 2} one\n`;
    await assert.rejects(h.request({ op: 'open', text: EXTENTS_SCENARIO, file: '/lab/dir/case.poison.yaml' }), (e: unknown) => {
      const d = (e as LabError).diagnostics?.[0];
      return e instanceof LabError && !!d && d.file === '/lab/dir/frag.extents' && d.line === 2 && d.path === '/files/0/extentsFile' && /"one" is not a length/.test(d.message);
    });
    // a file that cannot be read: refused at extentsFile, in the scenario
    await assert.rejects(h.request({ op: 'open', text: EXTENTS_SCENARIO.replace('./frag.extents', './gone.extents'), file: '/lab/dir/case.poison.yaml' }), (e: unknown) => {
      const d = (e as LabError).diagnostics?.[0];
      return e instanceof LabError && !!d && d.file === '/lab/dir/case.poison.yaml' && d.path === '/files/0/extentsFile' && /cannot be read \(\/lab\/dir\/gone\.extents\): no such file/.test(d.message);
    });
  } finally {
    h.dispose();
  }
});

test('Run to End stops between two events when cancelled, with progress before each event', () => {
  let progress = 0;
  const seen: SimReply[] = [];
  const engine = new SimEngine({
    progress: () => {
      progress++;
    },
    cancelled: () => progress >= 2,
    exit: () => assert.fail('no exit'),
  });
  const s = scenario('unbind-mounted-xfs');
  seen.push(engine.handle({ id: 1, op: 'open', ...s }));
  const r = engine.handle({ id: 2, op: 'runToEnd' });
  assert.ok(r.type === 'reply' && r.ok);
  if (r.type === 'reply' && r.ok) {
    assert.equal(r.cancelled, true);
    assert.equal(r.steps!.length, 2);
    assert.equal(r.snapshot!.cursor, 2);
    assert.ok(r.snapshot!.scenario.events.length > 2);
  }
});

test('the owners of a range come back from the worker in their plain form: files, mappers, reflink sharing, the path the verdicts name', async () => {
  const h = host();
  try {
    await h.request({ op: 'open', ...scenario('reflink-both-mapped') });
    await h.request({ op: 'runToEnd' });
    // the first data page of /mnt/pmem (both reflinked files own it)
    const r = await h.request<OwnersAnswer>({ op: 'query', name: 'ownersOf', args: [{ spa: 0x241218000, len: 4096, title: 'first page' }] });
    const o = r.value;
    assert.equal(o.query.title, 'first page');
    const files = o.entries.filter((e) => e.kind === 'inode');
    assert.deepEqual(files.map((e) => [e.label, e.path, e.shared]), [
      ['/mnt/pmem/testfile', '/mnt/pmem/testfile', true],
      ['/mnt/pmem/poisonfile', '/mnt/pmem/poisonfile', true],
    ]);
    assert.deepEqual(files[1]!.mappers.map((m) => `${m.comm}:${m.pid} ${m.mapping} ${m.kill}`), ['injector:1001 m0 early', 'watcher:1002 m0 early']);
    assert.equal(files[1]!.fileEnd, 4096);
    // strings, numbers and booleans only: nothing of the machine crossed
    assert.deepEqual(JSON.parse(JSON.stringify(o)), o);
    assert.match(ownersText(o), /owners of first page\n/);
  } finally {
    h.dispose();
  }
});

test('a what-if asked of the worker runs on a copy: the session steps on exactly as without it', async () => {
  const run = async (ask: boolean) => {
    const h = host();
    try {
      await h.request({ op: 'open', ...scenario('reflink-both-mapped') });
      await h.request({ op: 'step' });
      let answer: WhatIfAnswer | undefined;
      if (ask) answer = (await h.request<WhatIfAnswer>({ op: 'query', name: 'whatIf', args: [{ spa: 0x241218000, len: 4096, title: 'first page' }, 'consumed'] })).value;
      const end = await h.request({ op: 'runToEnd' });
      return { answer, report: end.snapshot!.report, cursor: end.snapshot!.cursor, events: end.snapshot!.scenario.events.length };
    } finally {
      h.dispose();
    }
  };
  const plain = await run(false);
  const asked = await run(true);
  const a = asked.answer!;
  assert.equal(a.event.do, 'load');
  assert.equal(a.after, 1);
  // the first mapper by pid loads it (nothing is poisoned yet after one event: the load is quiet)
  assert.equal(a.event.process, 1000);
  assert.match(a.outcome, /^what-if load/);
  assert.deepEqual({ report: asked.report, cursor: asked.cursor, events: asked.events }, { report: plain.report, cursor: plain.cursor, events: plain.events });
});
