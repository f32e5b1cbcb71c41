// The simulator's worker in a real VS Code (src/protocol/sim.ts): an
// internal error in a request is reported as one (never silently, never as
// a diagnostic) and the session is replayed and stays usable; a worker that
// dies is reported, the session is closed cleanly (no session, the views
// empty), and the next scenario opens in a new worker. A long step shows
// progress while the extension host stays responsive.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { api, exec, waitFor } from './helpers';

suite('simulator worker', () => {
  test('an internal error is reported and the session is replayed; a worker crash is reported and the session closed', async function () {
    this.timeout(120_000);
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'unbind-mounted-xfs')).ok);
    assert.ok((await exec('daxPoisonLab.step')).ok);
    const n = a.lab.internalErrors.length;
    const events = a.lab.session!.events.length;

    // a bug in a request: an internal error, the session replayed to where it was
    await assert.rejects(a.lab.failForTest('throw'), (e: unknown) => (e as Error).name === 'InternalError');
    assert.equal(a.lab.internalErrors.length, n + 1);
    assert.match(a.lab.internalErrors.at(-1)!, /^DAX Poison Lab: internal error: a failure the tests asked for \(fail: throw\) \(the session was replayed to 1 event run\)$/);
    assert.equal(a.lab.session!.cursor, 1);
    const step = await exec('daxPoisonLab.step');
    assert.ok(step.ok, step.error);
    assert.equal(a.lab.session!.cursor, 2);
    assert.equal(a.lab.session!.events.length, events);

    // the worker dies: reported once, the session closed cleanly
    await assert.rejects(a.lab.failForTest('exit'), (e: unknown) => (e as Error).name === 'InternalError');
    assert.equal(a.lab.internalErrors.length, n + 2);
    assert.match(a.lab.internalErrors.at(-1)!, /internal error: the simulator worker stopped: the thread exited with code 70 \(the session it held is lost; the session was closed; open the scenario again\)/);
    assert.equal(a.lab.session, undefined);
    assert.equal(a.devices.nodes.length, 0);
    const refused = await exec('daxPoisonLab.step');
    assert.equal(refused.ok, false);
    assert.match(refused.error ?? '', /no lab session/);

    // a new worker for the next session
    assert.ok((await exec('daxPoisonLab.openScenario', 'unbind-mounted-xfs')).ok);
    assert.ok((await exec('daxPoisonLab.step')).ok);
    assert.equal(a.lab.session!.cursor, 1);
    assert.ok(a.devices.nodes.length > 0);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Run to End reports progress and can be cancelled between events; the Owners view is answered by the worker', async function () {
    this.timeout(120_000);
    const a = await api();
    assert.ok((await exec('daxPoisonLab.openScenario', 'unbind-mounted-xfs')).ok);
    const seen: [number, number][] = [];
    const r = await a.lab.runToEnd((done, total) => seen.push([done, total]), () => false);
    assert.equal(r.cancelled, false);
    assert.equal(r.ran, a.lab.session!.events.length);
    await waitFor('progress before each event', () => seen.length === r.ran || undefined);
    assert.deepEqual(seen.map(([d]) => d), Array.from({ length: r.ran }, (_, i) => i));
    // cancelled as it starts (Cancel pressed while the run is being started: the host keeps
    // that cancel for the run it sends next, and the worker reads it before the first event):
    // no event runs. Cancelling just after the request was posted would race the worker.
    await exec('daxPoisonLab.reset');
    a.lab.sim.cancel();
    const c = await a.lab.runToEnd(undefined, () => true);
    assert.deepEqual(c, { ran: 0, cancelled: true });
    assert.equal(a.lab.session!.cursor, 0);

    // the owners of a range, answered by the worker
    await exec('daxPoisonLab.step');
    a.lab.showOwners({ spa: 0x240000000, len: 1 << 30, title: 'the region' });
    await a.owners.settled;
    assert.ok(a.owners.result, 'owners answered');
  });

  test('extentsFile: read through the workspace file system beside the scenario; a bad line is placed in the extents file', async function () {
    this.timeout(120_000);
    const a = await api();
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const FREE = 0x10100;
    const scenario = `version: 1
name: fragmented through an extents file
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 1GiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 } ]
filesystems: [ { device: pmem0, type: xfs, mount: /mnt/pmem } ]
files:
  - path: /mnt/pmem/frag
    size: 256KiB
    extentsFile: ./worker-frag.extents
processes:
  - { pid: 100, comm: db, mappings: [ { id: m0, file: /mnt/pmem/frag, populate: true } ] }
events:
  - { do: unbind, namespace: namespace0.0 }
`;
    const file = join(folder, 'worker-extents.poison.yaml');
    const extents = join(folder, 'worker-frag.extents');
    writeFileSync(file, scenario);
    writeFileSync(extents, Array.from({ length: 64 }, (_, i) => `${i} ${FREE + 2 * i} 1`).join('\n') + '\n');
    const ok = await exec('daxPoisonLab.openScenario', vscode.Uri.file(file));
    assert.ok(ok.ok, ok.error);
    assert.equal(a.lab.session!.scenario.files[0]!.extents!.length, 64);
    assert.ok((await exec('daxPoisonLab.step')).ok);

    writeFileSync(extents, `0 ${FREE} 1\n1 ${FREE + 2} one\n`);
    const bad = await exec('daxPoisonLab.openScenario', vscode.Uri.file(file));
    assert.equal(bad.ok, false);
    assert.match(bad.error ?? '', /worker-frag\.extents:2:\d+: \/files\/0\/extentsFile: .*line 2: "one" is not a length/);
    assert.equal(a.lab.session!.cursor, 1, 'the session is unchanged');
    const inExtents = await waitFor('the diagnostic in the extents file', () => {
      const ds = a.diagnostics.collection.get(vscode.Uri.file(extents)) ?? [];
      return ds.length ? ds : undefined;
    });
    assert.equal(inExtents[0]!.range.start.line, 1);
    assert.match(inExtents[0]!.message, /line 2: "one" is not a length/);
    const inScenario = a.diagnostics.collection.get(vscode.Uri.file(file)) ?? [];
    assert.ok(inScenario.some((d) => d.range.start.line === 9 && /worker-frag\.extents:2:/.test(d.message)), inScenario.map((d) => `${d.range.start.line}: ${d.message}`).join('\n'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
