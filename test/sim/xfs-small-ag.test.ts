// Small allocation groups (16 to 128 MiB: agcount 8, 16 and 32 on 512 MiB and
// 1 GiB, and a few other sizes and options the lab accepts) against mkfs.xfs
// 6.1's own output (test/fixtures/xfs/small-ag/*.txt, made by
// make-small-ag-fixtures.sh): geometry, AG headers, AGFL, free space, the
// reverse map, the root inode chunk, fsmap of the fresh filesystem, what
// mkfs.xfs accepts only with --unsupported, and what it refuses outright.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XfsMount, type XfsMkfsOptions } from '../../src/sim/fs/xfs/xfs_model';
import { InputError } from '../../src/sim/errors';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenario } from '../../src/sim/run';
import { assertMkfsHeaders, assertMkfsRmap, fixtureDir, fsmapLine, readFixture, recs, type Fixture } from './xfs_fixtures';

const dir = path.join(fixtureDir(), 'small-ag');
const names = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.slice(0, -4))
  .sort();

/** "512M", "1G", "32M" as truncate -s reads them */
function sizeArg(v: string): number {
  const m = /^(\d+)([KMG])$/.exec(v);
  if (!m) throw new Error(`size ${v}`);
  return Number(m[1]) * 1024 ** ' KMG'.indexOf(m[2]!);
}

/** the mkfs options of a fixture, read from the commands at its top */
function optionsOf(fx: Fixture): XfsMkfsOptions {
  const logLine = fx.header.find((l) => /xfs-small-ag-log\.img$/.test(l) && l.startsWith('# truncate'));
  const cmd = fx.header.find((l) => /mkfs\.xfs -f/.test(l))!;
  const size = /truncate -s (\S+) /.exec(cmd)![1]!;
  const o: XfsMkfsOptions = { deviceBytes: sizeArg(size) };
  const b = /-b size=(\d+)/.exec(cmd);
  if (b) o.blockSize = Number(b[1]);
  const s = /-s size=(\d+)/.exec(cmd);
  if (s) o.sectorSize = Number(s[1]);
  const ag = /-d agcount=(\d+)/.exec(cmd);
  if (ag) o.agcount = Number(ag[1]);
  const mo = /-m rmapbt=(\d),reflink=(\d)/.exec(cmd);
  o.rmapbt = mo ? mo[1] === '1' : false;
  o.reflink = mo ? mo[2] === '1' : true;
  if (logLine) o.logDeviceBytes = sizeArg(/truncate -s (\S+) /.exec(logLine)![1]!);
  return o;
}

test('the small-AG fixtures are all there', () => {
  for (const size of ['512m', '1g'])
    for (const ag of [8, 16, 32])
      for (const sect of ['', '-s4k']) assert.ok(names.includes(`${size}-ag${ag}${sect}`), `${size}-ag${ag}${sect}`);
  assert.ok(names.length >= 20);
});

for (const name of names) {
  const fx = readFixture(`small-ag/${name}`);
  const opts = optionsOf(fx);
  const refused = fx.sections.get('refused');
  if (refused) {
    test(`mkfs refuses what mkfs.xfs 6.1 refuses: ${name}`, () => {
      const reason = refused.filter((l) => l.trim())[0]!;
      assert.throws(
        () => XfsMount.mkfs({ ...opts, path: '/filesystems/0' }),
        (e: unknown) => {
          assert.ok(e instanceof InputError, `an InputError, not ${String(e)}`);
          assert.ok(e.message.includes(reason), `"${e.message}" gives mkfs.xfs's reason "${reason}"`);
          assert.match(e.path, /^\/filesystems\/0\/\w+$/);
          assert.equal(e.path, `/filesystems/0/${e.field}`);
          return true;
        },
      );
    });
    continue;
  }
  test(`mkfs matches mkfs.xfs 6.1 with small AGs: ${name}`, () => {
    const m = XfsMount.mkfs(opts);
    assertMkfsHeaders(fx, m);
    if (opts.rmapbt) assertMkfsRmap(fx, m);
    // what mkfs.xfs says without --unsupported
    const supported = fx.sections.get('supported')!.filter((l) => l.trim());
    if (supported[0] === 'yes') assert.deepEqual(m.geo.unsupported, []);
    else assert.equal(m.geo.unsupported[0], supported[0]);
  });
  const fsmap = fx.sections.get('fsmap');
  if (fsmap) {
    test(`fsmap of the fresh filesystem lists what xfs_io -c "fsmap -d -v" does: ${name}`, () => {
      const m = XfsMount.mkfs(opts);
      const want = fsmap.filter((l) => /^\s*\d+: /.test(l)).map((l) => l.replace(/^\s*\d+: \S+ /, '').trim().split(/\s+/).join(' '));
      const bbPerBlock = m.geo.blockSize / 512;
      assert.deepEqual(
        m.fsmap().map((r) => fsmapLine(r, bbPerBlock)),
        want,
      );
    });
  }
}

// The log AG of 512 MiB in 8 AGs keeps 5 free blocks that mkfs.xfs could not
// put on its AGFL (6 needed): xfs_alloc_fix_freelist's space check
// (xfs_alloc_space_available) refuses that AG to every allocation after, so
// the kernel puts neither inode chunks nor file blocks there.
test('the AG whose AGFL mkfs left empty is never allocated from (xfs_alloc_space_available)', () => {
  const m = XfsMount.mkfs({ deviceBytes: 512 * 1024 * 1024, sectorSize: 4096, agcount: 8 });
  const logAg = m.geo.logAgno;
  assert.equal(logAg, 4);
  assert.deepEqual(m.agfl(logAg), []);
  const free = m.freeExtents(logAg);
  const rmap = m.rmapRecords(logAg);
  assert.ok(free.length === 1 && free[0]!.blockcount === 5 && free[0]!.blockcount < m.geo.minFreelist);
  // directories go round the AGs (m_agirotor): the one for AG 4 gets its inode chunk in AG 5
  const dirs = Array.from({ length: 8 }, (_, i) => m.mkdir(`/d${i}`));
  assert.deepEqual(
    dirs.map((ino) => m.inoToAgno(ino)),
    [0, 1, 2, 3, 5, 5, 6, 7],
  );
  assert.deepEqual(m.inodeChunks(logAg), []);
  // small files, one per directory, then fill the filesystem: nothing lands in AG 4
  for (let i = 0; i < 8; i++) m.createFile({ path: `/d${i}/small`, size: 4096 });
  // the biggest file that still fits, halving on ENOSPC, down to one block
  let n = 0;
  for (let size = 64 * 1024 * 1024; size >= 4096; ) {
    try {
      m.createFile({ path: `/fill${n++}`, size });
    } catch (e) {
      assert.ok(e instanceof InputError && /ENOSPC/.test(e.message), String(e));
      size /= 2;
    }
  }
  for (let agno = 0; agno < m.geo.agcount; agno++) if (agno !== logAg) assert.deepEqual(m.freeExtents(agno), [], `AG ${agno} is full`);
  assert.deepEqual(m.freeExtents(logAg), free);
  assert.deepEqual(m.rmapRecords(logAg), rmap);
  // a 4 KiB file no longer fits anywhere, though AG 4 has 5 free blocks
  assert.throws(() => m.createFile({ path: '/one-more', size: 4096 }), (e: unknown) => e instanceof InputError && /ENOSPC/.test(e.message));
});

// The case end to end: the built-in reflink scenario on a 512 MiB and
// a 1 GiB region with agcount 8, 16 and 32 (the lab formats with 4096-byte
// sectors). 512 MiB in 32 AGs leaves AGs under 16 MiB once the namespace's
// own metadata is taken: refused as mkfs.xfs refuses it, at the field.
test('a scenario with agcount 8, 16 or 32 on 512 MiB or 1 GiB runs, or is refused at agcount as mkfs.xfs refuses it', () => {
  const file = 'reflink-both-mapped.poison.yaml';
  const base = fs.readFileSync(path.join(fixtureDir(), '../../../scenarios', file), 'utf8');
  for (const [size, agcount, runs] of [
    ['512MiB', 8, true],
    ['512MiB', 16, true],
    ['512MiB', 32, false],
    ['1GiB', 8, true],
    ['1GiB', 16, true],
    ['1GiB', 32, true],
  ] as const) {
    const text = base.replace(/size: 1GiB \}/, `size: ${size} }`).replace(/agcount: 4 \}/, `agcount: ${agcount} }`);
    assert.notEqual(text, base);
    const what = `${size} agcount ${agcount}`;
    if (runs) {
      const r = runScenario(loadScenario(text, file));
      assert.deepEqual(r.expectations.filter((x) => !x.ok).map((x) => x.detail), [], what);
    } else {
      assert.throws(
        () => runScenario(loadScenario(text, file)),
        (e: unknown) =>
          e instanceof InputError && e.path === '/filesystems/0/agcount' && e.value === agcount && /agsize \(\d+ blocks\) too small, need at least 4096 blocks/.test(e.message),
        what,
      );
    }
  }
});

// sb_dirblklog 2 with 1 KiB blocks: a directory block is 4 filesystem blocks,
// as a real kernel laid out the root directory (dir-1k.txt, make-dir-1k-fixture.sh)
test('with 1 KiB blocks directory blocks are 4 KiB, where a real kernel put them', () => {
  const fx = readFixture('dir-1k');
  const m = XfsMount.mkfs({ deviceBytes: 512 * 1024 * 1024, blockSize: 1024, agcount: 4, rmapbt: true, reflink: true });
  assert.equal(m.geo.dirblklog, 2);
  for (let i = 1; i <= 300; i++) m.createFile({ path: `/name${String(i).padStart(3, '0')}`, size: 0 });
  assert.equal(m.fileSize(m.rootino), Number(fx.sections.get('size')!.join('').trim()));
  assert.deepEqual(
    m.inode(m.rootino)!.extents.map((e) => [e.startoff, e.startblock, e.blockcount, e.unwritten ? 1 : 0]),
    recs(fx.sections.get('root bmx')!),
  );
});
