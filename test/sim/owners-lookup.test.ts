// The owners of a large failure found file by file (SuperBlock.ownedQuiet:
// each file's reverse-map records at a glance, kept by its data fork) give
// exactly the verdicts the record-by-record walk of the reverse map gives:
// who was told, who not and why, and the deciding function. The walk stays
// here as the reference (ownerLookup 'records'), for every built-in scenario
// and for a machine with many files of several records each, reflinked and
// cloned extents, a file with a hole, a hole punched, a copy-on-write,
// unmapped and not-in-core files, a partly failed file, a mapping outside
// the failed range, and the whole device unbound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from '../../src/sim/scenario/load';
import { Session } from '../../src/sim/run';
import { DESIGNS, type Design, type Scenario } from '../../src/sim/scenario/types';
import type { ReportVerdict } from '../../src/sim/report';
import type { OwnerLookup } from '../../src/sim/verdicts';
import { XfsIfork } from '../../src/sim/fs/xfs/xfs_inode';
import { XfsJournal } from '../../src/sim/fs/xfs/xfs_journal';

const ROOT = resolve(__dirname, '..', '..', '..');
const DIR = join(ROOT, 'scenarios');

function verdicts(s: Scenario, design: Design, ownerLookup: OwnerLookup): ReportVerdict[] {
  const session = new Session(s, { design, ownerLookup });
  for (const e of session.scenario.events) {
    if (session.report.panic) break;
    session.step(e);
  }
  return session.report.verdicts;
}

test('every built-in scenario: the owners file by file give the verdicts of the reverse-map walk, under every design', () => {
  let compared = 0;
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.poison.yaml'))) {
    const s = loadScenario(readFileSync(join(DIR, f), 'utf8'), f);
    for (const design of DESIGNS) {
      const ref = verdicts(s, design, 'records');
      assert.deepEqual(verdicts(s, design, 'files'), ref, `${f} ${design}: files`);
      compared += ref.length;
    }
  }
  assert.ok(compared > 100, `${compared} verdicts compared`);
});

const S = 10;
/** small files of ten 4-block records each, a free block between records (one record each) */
const small = Array.from({ length: S }, (_, i) => `  - { path: /mnt/pmem/s${i}, size: 160KiB, fill: 0x6${i}, extents: [ { offset: 0, block: ${9000 + i * 100}, length: 4, count: 10, stride: 5 } ] }`).join('\n');
const map = (id: string, file: string, length: string, addr: string, extra = '') => `{ id: ${id}, file: /mnt/pmem/${file}, length: ${length}, addr: ${addr}, populate: true${extra} }`;

const MACHINE = (design: Design, events: string) => `
version: 1
name: many files of several records, the owners of large failures
kernel: { design: ${design} }
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 320MiB } ]
  namespaces: [ { id: namespace0.0, region: region0, mode: fsdax, device: pmem0, align: 2MiB } ]
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem, rmapbt: true, reflink: true, agcount: 2 }
files:
${small}
  - { path: /mnt/pmem/holey, size: 128KiB, fill: 0x68, extents: [ { offset: 0, block: 11000, length: 4 }, { offset: 24, block: 11010, length: 8 } ] }
  - { path: /mnt/pmem/r0, reflink: /mnt/pmem/s0 }
  - { path: /mnt/pmem/mixed, size: 96KiB, fill: 0x6d, clone: [ { from: /mnt/pmem/s1, srcOffset: 16KiB, dstOffset: 32KiB, length: 32KiB } ] }
  - { path: /mnt/pmem/cold, size: 64KiB, fill: 0x63, cached: false }
processes:
  - { pid: 100, comm: a, mceKill: early, mappings: [ ${map('s0', 's0', '160KiB', '0x7f0000000000')}, ${map('s1', 's1', '160KiB', '0x7f0100000000')}, ${map('holey', 'holey', '128KiB', '0x7f0200000000')}, ${map('r0', 'r0', '160KiB', '0x7f0300000000')} ] }
  - { pid: 101, comm: b, mappings: [ ${map('s2', 's2', '32KiB', '0x7f1000000000', ', offset: 16KiB')}, ${map('s3', 's3', '160KiB', '0x7f1100000000')}, ${map('mixed', 'mixed', '96KiB', '0x7f1200000000')}, { id: s4, file: /mnt/pmem/s4, length: 160KiB, addr: 0x7f1300000000, populate: false } ] }
  - { pid: 102, comm: c, mceKill: late, mappings: [ ${map('s5', 's5', '160KiB', '0x7f2000000000')}, ${map('s6', 's6', '160KiB', '0x7f2100000000')}, ${map('s0', 's0', '160KiB', '0x7f2200000000')} ] }
  - { pid: 103, comm: d, mappings: [ ${map('s0head', 's0', '32KiB', '0x7f3000000000')} ] }
events:
  # a copy-on-write of a shared page of r0 (its data fork is remapped), a hole punched in s3
  - { do: write, process: 100, file: /mnt/pmem/r0, offset: 0, length: 4096 }
  - { do: punch-hole, process: 101, file: /mnt/pmem/s3, offset: 48KiB, length: 16KiB }
${events}
`;

/** s0's file bytes [32 KiB, 160 KiB) poisoned through pid 100's mapping: s0 and its reflink r0 partly failed, pid 103's mapping of s0's head outside */
const PARTIAL = '  - { do: madvise-hwpoison, process: 100, addr: 0x7f0000008000, length: 128KiB }';
const UNBIND = '  - { do: unbind, namespace: namespace0.0 }';

function owners(vs: ReportVerdict[], event: string, file: string): string[] {
  return vs.filter((v) => v.event === event && 'file' in v.owner && v.owner.file === file).map((v) => `${v.pid ?? '-'}/${v.mapping ?? '-'} [${v.owner.start / 1024}K,${v.owner.end / 1024}K)`);
}

for (const design of DESIGNS) {
  test(`a whole-device unbind of many files: the owners file by file give the verdicts of the reverse-map walk (${design})`, () => {
    const s = loadScenario(MACHINE(design, UNBIND), 'owners.poison.yaml');
    const ref = verdicts(s, design, 'records');
    assert.deepEqual(verdicts(s, design, 'files'), ref);
    assert.deepEqual(verdicts(s, design, 'auto'), ref);
    const e = s.events[s.events.length - 1]!.id;
    // every mapper of the device has its verdict: the mappers of s0..s6, holey, r0 and mixed
    const told = new Set(ref.filter((v) => v.event === e && v.pid !== null).map((v) => `${v.pid}/${v.mapping}`));
    for (const m of ['100/s0', '100/s1', '100/holey', '100/r0', '101/s2', '101/s3', '101/mixed', '101/s4', '102/s5', '102/s6', '102/s0', '103/s0head']) assert.ok(told.has(m), `${m} has a verdict: ${[...told].join(' ')}`);
    // a file with a hole between its extents owns two ranges, not one from its first byte to its last
    assert.deepEqual(owners(ref, e, '/mnt/pmem/holey'), ['100/holey [0K,16K)', '100/holey [96K,128K)']);
    // so does s3 once a hole is punched in it
    assert.deepEqual(owners(ref, e, '/mnt/pmem/s3'), ['101/s3 [0K,48K)', '101/s3 [64K,160K)']);
    // a file mapped in part: its mapper's verdict covers what it maps
    assert.deepEqual(owners(ref, e, '/mnt/pmem/s2'), ['101/s2 [16K,48K)']);
  });

  test(`a failure of part of a file: the owners file by file give the verdicts of the reverse-map walk (${design})`, () => {
    const s = loadScenario(MACHINE(design, PARTIAL), 'owners.poison.yaml');
    const ref = verdicts(s, design, 'records');
    assert.deepEqual(verdicts(s, design, 'files'), ref);
    assert.deepEqual(verdicts(s, design, 'auto'), ref);
    const e = s.events[s.events.length - 1]!.id;
    const s0 = owners(ref, e, '/mnt/pmem/s0');
    assert.ok(s0.length > 0, 'the failed part of s0 has verdicts');
    // only [32 KiB, 160 KiB) of s0 failed: no owner range starts before it, and the
    // mapping of s0's first 32 KiB (pid 103) lies outside the failed range
    assert.ok(s0.every((o) => !/\[(0|4|8|12|16|20|24|28)K,/.test(o)), s0.join(' '));
    assert.ok(!s0.some((o) => o.startsWith('103/')), s0.join(' '));
  });
}

test('two filesystems, one unbound: the other one has no owners, and the unbound one has the same as the reverse-map walk', () => {
  const two = (design: Design) => `
version: 1
name: two namespaces, one unbound
kernel: { design: ${design} }
platform:
  regions: [ { id: region0, spa: 0x240000000, size: 320MiB }, { id: region1, spa: 0x280000000, size: 320MiB } ]
  namespaces:
    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0, align: 2MiB }
    - { id: namespace1.0, region: region1, mode: fsdax, device: pmem1, align: 2MiB }
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/a, agcount: 2 }
  - { device: pmem1, type: xfs, mount: /mnt/b, agcount: 2 }
files:
  - { path: /mnt/a/f, size: 64KiB, fill: 0x61, extents: [ { offset: 0, block: 9000, length: 2, count: 8, stride: 3 } ] }
  - { path: /mnt/b/g, size: 64KiB, fill: 0x62, extents: [ { offset: 0, block: 9000, length: 2, count: 8, stride: 3 } ] }
processes:
  - { pid: 100, comm: a, mappings: [ { id: f, file: /mnt/a/f, length: 64KiB, populate: true }, { id: g, file: /mnt/b/g, length: 64KiB, populate: true } ] }
events:
  - { do: unbind, namespace: namespace1.0 }
`;
  for (const design of DESIGNS) {
    const s = loadScenario(two(design), 'two.poison.yaml');
    const ref = verdicts(s, design, 'records');
    assert.deepEqual(verdicts(s, design, 'files'), ref, design);
    assert.deepEqual(verdicts(s, design, 'auto'), ref, design);
    assert.ok(ref.every((v) => !('file' in v.owner) || v.owner.file === '/mnt/b/g'), `${design}: ${ref.map((v) => JSON.stringify(v.owner)).join(' ')}`);
  }
});

test("a data fork's summary follows its extents as they are added, removed, merged and undone", () => {
  const j = new XfsJournal();
  const agOf = (fsb: number) => Math.floor(fsb / 4096);
  const fork = new XfsIfork(j, agOf);
  assert.equal(fork.summary(), undefined);
  // deterministic pseudo-random adds and removes over 256 file blocks
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  let lowest = Infinity;
  let highest = -Infinity;
  for (let step = 0; step < 2000; step++) {
    const off = rnd(256);
    const len = 1 + rnd(8);
    if (rnd(3) === 0) fork.remove(off, len);
    else {
      const free = fork.toArray().every((x) => x.startoff + x.blockcount <= off || x.startoff >= off + len);
      if (free) {
        const startblock = 1000 + rnd(12000);
        // the bound is widened by every add, one undone too (it is a bound)
        lowest = Math.min(lowest, startblock);
        highest = Math.max(highest, startblock + len);
        // a failed operation's changes are undone, the summary's with them
        if (rnd(5) === 0) {
          assert.throws(() =>
            j.run(() => {
              fork.add({ startoff: off, startblock, blockcount: len, unwritten: rnd(2) === 0 });
              throw new Error('undo');
            }),
          );
        } else {
          fork.add({ startoff: off, startblock, blockcount: len, unwritten: rnd(2) === 0 });
        }
      }
    }
    const all = fork.toArray();
    const sum = fork.summary();
    if (!all.length) {
      assert.equal(sum, undefined);
      continue;
    }
    const blocks = all.reduce((n, x) => n + x.blockcount, 0);
    assert.equal(fork.blocks(), blocks, `step ${step}: blocks`);
    const first = all[0]!;
    const last = all[all.length - 1]!;
    assert.equal(sum!.startoff, first.startoff, `step ${step}: startoff`);
    assert.equal(sum!.endoff, last.startoff + last.blockcount, `step ${step}: endoff`);
    assert.equal(sum!.gapless, all.every((x, i) => i === 0 || all[i - 1]!.startoff + all[i - 1]!.blockcount === x.startoff), `step ${step}: gapless`);
    // the block bound holds every extent (and is no wider than every block ever added)
    for (const x of all) assert.ok(sum!.lowBlock <= x.startblock && x.startblock + x.blockcount <= sum!.highBlock, `step ${step}: bound`);
    assert.ok(sum!.lowBlock >= lowest && sum!.highBlock <= highest, `step ${step}: bound no wider than the blocks added`);
    const walked: number[][] = [];
    fork.forEachRaw((o, b, n) => walked.push([o, b, n]));
    assert.deepEqual(
      walked,
      all.map((x) => [x.startoff, x.startblock, x.blockcount]),
    );
  }
});
