// Unbind under upstream of a machine with many small files of several
// reverse-map records each (the used machine's small files, bench/scale.ts):
// the records of one file whose blocks and offsets advance in step are done
// as a run (xfs_notify_failure.ts RecordRun: the first done quietly for real,
// the others checked as the query hands them over and done in bulk), and the
// first record of a file laid out, mapped and faulted in as the file before
// it by the same task is that file's first record rebound (bulk.ts rebind),
// not done again. The
// report must equal the page-by-page reference (calls, clock, log, signals,
// page tables, owners, poison, verdicts), and the spans must equal those of
// the same run with every record done by itself; the runs must be broken
// where the records or their pages stop being alike: a file mapped by one
// process only in part, a file populated only in its first half, a file
// whose extents change stride and length half way, a file whose records
// leave holes in the file that its later records fill (members apart in
// the file: their DAX entries cleared one by one), a file not in the inode
// cache, two mappers of one file, and a file mapped read-only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordRunCounts, setRecordRuns } from '../../src/sim/fs/xfs/xfs_notify_failure';
import { runUnbind } from './helpers';

const FILES = 10;
// 8 records of 4 blocks each, one free block between them (the bench's layout)
const small = Array.from({ length: FILES }, (_, i) => `  - { path: /mnt/pmem/s${i}, size: 128KiB, fill: 0x6${i}, extents: [ { offset: 0, block: ${3000 + i * 60}, length: 4, count: 8, stride: 5 } ] }`).join('\n');
// four more files laid out like the small ones, mapped by one task one after another: from the
// third on, a file's first record is the first record of the file before it, rebound
const TWINS = 4;
const twins = Array.from({ length: TWINS }, (_, i) => `  - { path: /mnt/pmem/t${i}, size: 128KiB, fill: 0x5${i}, extents: [ { offset: 0, block: ${5000 + i * 60}, length: 4, count: 8, stride: 5 } ] }`).join('\n');
const twinMaps = Array.from({ length: TWINS }, (_, i) => `{ id: t${i}, file: /mnt/pmem/t${i}, length: 128KiB, addr: 0x7f20${i.toString(16).padStart(2, '0')}000000, populate: true }`).join(', ');
const map = (i: number, extra = '') => `{ id: s${i}, file: /mnt/pmem/s${i}, length: 128KiB, addr: 0x7f00${i.toString(16).padStart(2, '0')}000000, populate: true${extra} }`;

const SCENARIO = (version: string) => `
version: 1
name: small files of several records each, unbound
kernel: { design: upstream${version ? `, version: "${version}"` : ''} }
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 96MiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0, align: 2MiB } ]
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem, rmapbt: true, reflink: true, agcount: 2 }
files:
${small}
  - { path: /mnt/pmem/stride, size: 128KiB, fill: 0x70, extents: [ { offset: 0, block: 4000, length: 4, count: 4, stride: 5 }, { offset: 16, block: 4030, length: 4, count: 2, stride: 7 }, { offset: 24, block: 4050, length: 8 } ] }
  - { path: /mnt/pmem/holes, size: 256KiB, fill: 0x72, extents: [ { offset: 0, block: 4200, length: 4, count: 8, stride: 5, offsetStride: 8 }, { offset: 4, block: 4300, length: 4, count: 8, stride: 5, offsetStride: 8 } ] }
${twins}
  - { path: /mnt/pmem/cold, size: 128KiB, fill: 0x71, cached: false, extents: [ { offset: 0, block: 4100, length: 4, count: 8, stride: 5 } ] }
processes:
  - { pid: 100, comm: a, mceKill: early, mappings: [ ${[0, 1, 2, 3].map((i) => map(i)).join(', ')}, ${twinMaps} ] }
  - { pid: 101, comm: b, mappings: [ ${[4, 5, 6, 7].map((i) => map(i)).join(', ')}, { id: half, file: /mnt/pmem/s8, length: 64KiB, addr: 0x7f0008000000, populate: true }, { id: stride, file: /mnt/pmem/stride, length: 128KiB, addr: 0x7f0010000000, populate: true }, { id: holes, file: /mnt/pmem/holes, length: 256KiB, addr: 0x7f0011000000, populate: true } ] }
  - { pid: 102, comm: c, mceKill: late, mappings: [ ${map(2)}, { id: part, file: /mnt/pmem/s9, offset: 24KiB, length: 40KiB, addr: 0x7f0009000000, populate: true }, ${map(6, ', prot: r')} ] }
events:
  - { do: unbind, namespace: namespace0.0 }
`;

function run(version: string, mode: 'runs' | 'one-by-one' | 'naive') {
  recordRunCounts.recorded = recordRunCounts.rebound = 0;
  const r = runUnbind(SCENARIO(version), 'records.poison.yaml', mode === 'naive', setRecordRuns, mode === 'runs');
  return { ...r, counts: { ...recordRunCounts } };
}

for (const version of ['', '6.1']) {
  test(`upstream unbind: a small file's records done as one run equal record by record and page by page (${version || '6.12'})`, () => {
    const runs = run(version, 'runs');
    const single = run(version, 'one-by-one');
    const naive = run(version, 'naive');
    // the report, page by page
    assert.deepEqual(runs.state, naive.state);
    // the trace, record by record: the same spans (summaries, counts, first..last arguments)
    assert.deepEqual(runs.spans, single.spans);
    assert.deepEqual(runs.state, single.state);
    // the runs were taken: fewer log entries (a run of members is one), and every record counted
    assert.ok(runs.logEntries < single.logEntries, `log entries ${runs.logEntries} with runs, ${single.logEntries} record by record`);
    const records = runs.spans.filter((s) => s.symbol === 'xfs_dax_failure_fn').reduce((n, s) => n + (s.count ?? 1), 0);
    assert.equal(records, runs.state.calls.xfs_dax_failure_fn);
    assert.ok(runs.state.calls.kill_proc! > 100, `${runs.state.calls.kill_proc} kill_proc`);
    // t2 and t3 are t1's first record rebound (t0 comes after files of another shape: its first
    // records are traced; t1's is the first done quietly), not done again
    assert.ok(runs.counts.rebound >= 2, JSON.stringify(runs.counts));
    assert.deepEqual(single.counts, { recorded: 0, rebound: 0 });
  });
}
