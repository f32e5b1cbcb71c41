// Reading the mkfs.xfs ground truth (test/fixtures/xfs/*.txt and
// test/fixtures/xfs/small-ag/*.txt: one "### <what>" section per xfs_db or
// xfs_io command) and comparing a model filesystem with it. Shared by
// xfs.test.ts and xfs-small-ag.test.ts.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RmapIrec, XfsMount } from '../../src/sim/fs/xfs/xfs_model';

export function fixtureDir(): string {
  const candidates = [path.resolve(process.cwd(), 'test/fixtures/xfs')];
  let d = __dirname;
  for (let i = 0; i < 6; i++) {
    candidates.push(path.join(d, 'test/fixtures/xfs'), path.join(d, 'fixtures/xfs'));
    d = path.dirname(d);
  }
  for (const c of candidates) if (fs.existsSync(path.join(c, '1g-ag4.txt'))) return c;
  throw new Error('test/fixtures/xfs not found; run the tests from the repository root');
}

export interface Fixture {
  header: string[];
  sections: Map<string, string[]>;
}

/** a fixture by name, relative to test/fixtures/xfs ("1g-ag4", "small-ag/512m-ag8-s4k") */
export function readFixture(name: string): Fixture {
  const text = fs.readFileSync(path.join(fixtureDir(), `${name}.txt`), 'utf8');
  const header: string[] = [];
  const sections = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of text.split('\n')) {
    const m = /^### (.*)$/.exec(line);
    if (m) {
      cur = [];
      sections.set(m[1]!.trim(), cur);
    } else if (cur) cur.push(line);
    else header.push(line);
  }
  return { header, sections };
}

/** "key = value" lines */
export function fields(lines: string[]): Record<string, string> {
  const r: Record<string, string> = {};
  for (const l of lines) {
    const m = /^([a-z_0-9[\]-]+) = (.*)$/.exec(l.trim());
    if (m) r[m[1]!] = m[2]!;
  }
  return r;
}

/** "n:[a,b,c,...]" record lines of xfs_db */
export function recs(lines: string[]): number[][] {
  const out: number[][] = [];
  for (const l of lines) for (const m of l.matchAll(/\d+:\[([^\]]*)\]/g)) out.push(m[1]!.split(',').map((x) => Number(x)));
  return out;
}

export function num(v: string | undefined): number {
  if (v === undefined) throw new Error('missing field');
  if (v === 'null') return -1;
  return Number(v);
}

/** the rmapbt records as xfs_db prints them: [startblock,blockcount,owner,offset,extentflag,attrfork,bmbtblock] */
export function rmapAsDb(r: RmapIrec): number[] {
  return [r.startblock, r.blockcount, r.owner, r.offset, r.unwritten ? 1 : 0, r.attrFork ? 1 : 0, r.bmbtBlock ? 1 : 0];
}

/** an fsmap record in xfs_io -c "fsmap -d -v" columns */
export function fsmapLine(r: ReturnType<XfsMount['fsmap']>[number], bbPerBlock: number): string {
  const end = r.daddr + r.bblen - 1;
  const off = r.offset !== undefined ? `${r.offset * bbPerBlock}..${r.offset * bbPerBlock + r.bblen - 1}` : r.bmbtBlock ? 'extent map' : '';
  const agoff = `(${r.agbno * bbPerBlock}..${r.agbno * bbPerBlock + r.bblen - 1})`;
  const flags = r.shared ? '0100000' : r.unwritten ? '0010000' : r.attrFork ? '01000000' : '';
  return [`[${r.daddr}..${end}]:`, r.ownerText, off, String(r.agno), agoff, String(r.bblen), flags].filter((x) => x !== '').join(' ');
}

/** the superblock fields compared with `xfs_db -c 'sb 0' -c p` */
export const SB_FIELDS = [
  'blocksize', 'dblocks', 'logstart', 'rootino', 'rbmino', 'rsumino', 'agblocks', 'agcount', 'logblocks', 'versionnum',
  'sectsize', 'inodesize', 'inopblock', 'blocklog', 'sectlog', 'inodelog', 'inopblog', 'agblklog', 'imax_pct', 'icount',
  'ifree', 'fdblocks', 'inoalignmt', 'dirblklog', 'logsectlog', 'logsectsize', 'logsunit', 'features2',
  'features_ro_compat', 'features_incompat', 'spino_align',
];

/** superblock, and per AG the AGF, AGI, AGFL and by-block free-space records, as mkfs.xfs wrote them */
export function assertMkfsHeaders(fx: Fixture, m: XfsMount): void {
  const sbFx = fields(fx.sections.get('sb 0')!);
  const sb = m.sb();
  for (const f of SB_FIELDS) assert.equal(String(sb[f]), sbFx[f], `sb ${f}`);
  for (let agno = 0; agno < m.geo.agcount; agno++) {
    const agfFx = fields(fx.sections.get(`agf ${agno}`)!);
    const agf = m.agf(agno);
    for (const [k, v] of Object.entries(agf)) if (k in agfFx) assert.equal(v, num(agfFx[k]), `agf ${agno} ${k}`);
    for (const k of ['length', 'bnoroot', 'cntroot', 'flfirst', 'fllast', 'flcount', 'freeblks', 'longest']) assert.ok(k in agf, k);
    const agiFx = fields(fx.sections.get(`agi ${agno}`)!);
    const agi = m.agi(agno);
    for (const [k, v] of Object.entries(agi)) if (k in agiFx) assert.equal(v, num(agiFx[k]), `agi ${agno} ${k}`);
    const agflFx = fx.sections
      .get(`agfl ${agno}`)!
      .join(' ')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((t) => Number(t.split(':')[1]));
    assert.deepEqual(m.agfl(agno), agflFx, `agfl ${agno}`);
    const bno = recs(fx.sections.get(`bnobt ${agno}`)!);
    assert.deepEqual(
      m.freeExtents(agno).map((e) => [e.startblock, e.blockcount]),
      bno,
      `bnobt ${agno}`,
    );
  }
}

/** every AG's rmapbt records, and the root inode chunk, as mkfs.xfs wrote them */
export function assertMkfsRmap(fx: Fixture, m: XfsMount): void {
  for (let agno = 0; agno < m.geo.agcount; agno++) {
    const want = recs(fx.sections.get(`rmapbt ${agno}`)!);
    assert.deepEqual(m.rmapRecords(agno).map(rmapAsDb), want, `rmapbt ${agno}`);
  }
  const inobt = recs(fx.sections.get('inobt 0')!);
  const chunks = m.inodeChunks(0);
  assert.equal(chunks.length, inobt.length);
  assert.equal(chunks[0]!.startino, inobt[0]![0]);
  assert.equal(chunks[0]!.freecount, inobt[0]![3]);
}
