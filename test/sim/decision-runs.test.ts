// Repeated decisions (src/sim/verdicts.ts Repeat, src/sim/mm/bulk.ts
// noteMembers): members 1..n of a bulk run note their decisions once, and
// the verdict index answers with the instance that meets an owner's range,
// in the order noting them member by member would have decided them. Here:
// the instance arithmetic of every shiftable kind; mergeDecision against
// the list merge DecisionLog.note made before repeated decisions (written
// out below); and the main property, on a real machine's tasks, vmas and
// file: noting a member's decisions for members 1..n one by one (shifted
// copies through k.why.note, as applyMembers did before) and with
// noteMembers give the same verdicts from eventVerdicts for owners over the
// whole run, one member, from mid-member, across two members, before and
// after the run. Last, an upstream unbind of a populated file of many small
// records (runs longer than the list's 8-entry window) against the record
// by record run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/sim/scenario/load';
import { runScenarioFull, Session } from '../../src/sim/run';
import { setNaiveIntervals } from '../../src/sim/intervals';
import { setRecordRuns } from '../../src/sim/fs/xfs/xfs_notify_failure';
import { noteMembers } from '../../src/sim/mm/bulk';
import { eventVerdicts, instance, instances, mergeDecision, shiftable, shifted, type Decision, type Repeat } from '../../src/sim/verdicts';
import type { Kernel } from '../../src/sim/kernel';
import type { AddressSpace, Task, Vma } from '../../src/sim/mm/types';
import type { ReportVerdict } from '../../src/sim/report';
import { hex, PAGE_SIZE } from '../../src/sim/units';
import { alignedXfsHead, unbindState } from './helpers';
import { mulberry32 } from '../../src/sim/prng';

type Sig = Extract<Decision, { kind: 'signal' }>;

// ---------------------------------------------------------------------------
// the machine: one file of 128 pages in one extent (file page p on pfn
// pfn0 + p), mapped whole by eight processes, all populated but g; h maps
// file page 16 at a 2 MiB boundary

const PROCS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const MACHINE = `
${alignedXfsHead('decision runs', 'upstream', '64MiB')}
files:
  - { path: /mnt/pmem/f, size: 512KiB, fill: 0x61, extents: [ { offset: 0, block: 3000, length: 128 } ] }
processes:
${PROCS.map((c, i) => `  - { pid: ${100 + i}, comm: ${c}, mappings: [ { id: ${c}, file: /mnt/pmem/f, length: 512KiB, addr: 0x7f00${i}${c === 'h' ? '01f0000' : '0000000'}${c === 'g' ? '' : ', populate: true'} } ] }`).join('\n')}
events: []
`;

interface World {
  k: Kernel;
  task: Record<string, Task>;
  vma: Record<string, Vma>;
  mapping: AddressSpace;
  pfn0: number;
}

let world: World | undefined;
function machine(): World {
  if (world) return world;
  const s = new Session(loadScenario(MACHINE, 'decision-runs.poison.yaml'));
  const k = s.machine.k;
  const task: Record<string, Task> = {};
  const vma: Record<string, Vma> = {};
  PROCS.forEach((c, i) => {
    task[c] = k.task(100 + i)!;
    vma[c] = task[c].mm!.vmas[0]!;
  });
  const mapping = vma.a!.mapping;
  const sb = k.superblocks[0]!;
  const host = mapping.host!;
  const at = (pg: number): number => sb.bdev.spaRanges(sb.bmapQuiet(host, pg * PAGE_SIZE)!, 1)[0]![0] / PAGE_SIZE;
  const pfn0 = at(0);
  // one extent: the file's pages lie in order on the device
  assert.equal(at(127), pfn0 + 127);
  assert.equal(vma.a!.ptes.covered(vma.a!.start / PAGE_SIZE, vma.a!.end / PAGE_SIZE), 128);
  assert.equal(vma.g!.ptes.covered(vma.g!.start / PAGE_SIZE, vma.g!.end / PAGE_SIZE), 0);
  return (world = { k, task, vma, mapping, pfn0 });
}

/** the virtual page of vma that maps file page p */
const vpage = (v: Vma, p: number): number => v.start / PAGE_SIZE + (p - v.pgoff);

function sig(w: World, who: string, p: number, signo: 'SIGBUS' | 'SIGKILL', code: Sig['code'], queued = false, span = 900): Sig {
  const addr = w.vma[who]!.address(p);
  const verb = signo === 'SIGKILL' ? 'force_sig(SIGKILL)' : code === 'BUS_MCEERR_AR' ? 'force_sig_mceerr(BUS_MCEERR_AR)' : 'send_sig_mceerr(BUS_MCEERR_AO)';
  const d: Sig = { kind: 'signal', task: w.task[who]!, signo, code, queued, via: 'kill_proc', detail: `It was chosen (${queued ? 'queued' : 'pending'}): kill_proc() sent ${verb} at ${hex(addr)} with si_addr_lsb 12`, span, addr };
  if (signo === 'SIGBUS') d.lsb = 12;
  return d;
}
function col(w: World, who: string, p: number, result: 'late' | 'no-pte' | 'collected', span = 800): Decision {
  const why = result === 'late' ? 'PR_MCE_KILL_LATE' : '';
  return { kind: 'collect', result, vma: w.vma[who]!, pgoff: p, end: p + 1, why, preRemove: true, span, symbol: 'collect_procs_fsdax' };
}
function zap(w: World, who: string, p: number, len: number, symbol = 'unmap_mapping_range', span = 700): Decision {
  const v = w.vma[who]!;
  return { kind: 'zap', vma: v, vlo: vpage(v, p), vhi: vpage(v, p) + len, pages: len, span, symbol, within: 'mf_dax_kill_procs', by: symbol === 'unmap_mapping_pages' ? w.task.b! : null };
}
const noEntry = (w: World, p: number, len: number): Decision => ({ kind: 'no-entry', mapping: w.mapping, pgoff: p, end: p + len, span: 600 });
const failed = (w: World, p: number, len: number): Decision => ({ kind: 'failed', pfn: w.pfn0 + p, end: w.pfn0 + p + len });

// ---------------------------------------------------------------------------
// the reference: what applyMembers did before repeated decisions, a shifted
// copy of each of the member's decisions noted for every member in turn

/** d moved on by di file pages and dp pfns, as the makers of applyMembers made it */
function shiftRef(x: Decision, di: number, dp: number): Decision | undefined {
  switch (x.kind) {
    case 'collect':
    case 'no-entry':
      return { ...x, pgoff: x.pgoff + di, end: x.end + di };
    case 'zap':
      return { ...x, vlo: x.vlo + di, vhi: x.vhi + di };
    case 'signal': {
      const at = ` at ${hex(x.addr!)} `;
      const cut = x.detail.indexOf(at);
      const addr = x.addr! + di * PAGE_SIZE;
      return { ...x, addr, detail: cut < 0 ? x.detail : `${x.detail.slice(0, cut)} at ${hex(addr)} ${x.detail.slice(cut + at.length)}` };
    }
    case 'failed':
      return { kind: 'failed', pfn: x.pfn + dp, end: x.end + dp };
    case 'page-mapping':
      return x.end === undefined ? { ...x, pfn: x.pfn + dp } : { ...x, pfn: x.pfn + dp, end: x.end + dp };
    default:
      return undefined;
  }
}

function noteOneByOne(k: Kernel, decided: readonly Decision[], n: number, di: number, dp: number): void {
  for (let j = 1; j <= n; j++)
    for (const x of decided) {
      const d = shiftRef(x, j * di, j * dp);
      if (d) k.why.note(d);
    }
}

/**
 * The event's decisions: `before` (the owner's failed pfns and whatever came
 * earlier), member 0's decisions noted for real, then members 1..n, one by
 * one or with noteMembers.
 */
function decide(w: World, before: Decision[], decided: Decision[], n: number, di: number, dp: number, how: 'one-by-one' | 'noteMembers', after: Decision[] = []): Decision[] {
  const k = w.k;
  k.why.begin();
  for (const d of before) k.why.note({ ...d } as Decision);
  for (const d of decided) k.why.note({ ...d } as Decision);
  if (how === 'one-by-one') noteOneByOne(k, decided, n, di, dp);
  else noteMembers(k, decided, n, di, dp);
  for (const d of after) k.why.note({ ...d } as Decision);
  return k.why.take();
}

function verdicts(w: World, list: Decision[]): ReportVerdict[] {
  return eventVerdicts(w.k, 'e1', list, []);
}

interface RunShape {
  /** member 0's first file page, its length in pages, the file pages and pfns from one member to the next */
  m0: number;
  len: number;
  di: number;
  n: number;
}

/** file page ranges of the owners asked about, by name */
function owners(r: RunShape): Record<string, [number, number]> {
  const at = (j: number) => r.m0 + j * r.di;
  return {
    'whole run': [r.m0, at(r.n) + r.len],
    'member 0': [r.m0, r.m0 + r.len],
    'one member': [at(3), at(3) + r.len],
    'from mid-member': [at(3) + 1, at(5) + 2],
    'across two members': [at(3) + r.len - 1, at(4) + 2],
    'before the run': [0, r.m0],
    'after the run': [at(r.n + 1), at(r.n + 1) + r.len],
    'the run and the member after it': [at(r.n) + r.len - 1, at(r.n + 1) + 1],
  };
}

/**
 * For each owner range: the verdicts with members noted one by one and with
 * noteMembers are the same. Returns both lists of the whole run and the
 * verdicts per owner, for the caller's own checks.
 */
function sameVerdicts(w: World, r: RunShape, member: (m: number) => Decision[], extraBefore: Decision[] = []) {
  const decided = member(r.m0);
  // the member after the run, done by itself (noted as usual)
  const next = member(r.m0 + (r.n + 1) * r.di);
  const out: Record<string, ReportVerdict[]> = {};
  let lists: { ref: Decision[]; bulk: Decision[] } | undefined;
  for (const [name, [a, b]] of Object.entries(owners(r))) {
    assert.ok(b <= 128, `${name} inside the file`);
    const before = [failed(w, a, b - a), ...extraBefore];
    const ref = decide(w, before, decided, r.n, r.di, r.di, 'one-by-one', next);
    const bulk = decide(w, before, decided, r.n, r.di, r.di, 'noteMembers', next);
    const vr = verdicts(w, ref);
    const vb = verdicts(w, bulk);
    assert.deepEqual(vb, vr, `${name} [${hex(a)}, ${hex(b)}): verdicts with noteMembers`);
    assert.ok(vr.length > 0, `${name}: verdicts`);
    out[name] = vr;
    lists ??= { ref, bulk };
  }
  return { ...lists!, out };
}

const pick = (vs: ReportVerdict[], comm: string): ReportVerdict[] => vs.filter((v) => v.comm === comm);

// ---------------------------------------------------------------------------
// 1. instance arithmetic

test('shifted and instance move every shiftable kind by its step, a signal naming its new address', () => {
  const w = machine();
  const rep: Repeat = { n: 5, di: 6, dp: 10, block: 3, q: 1 };
  const c = { ...(col(w, 'd', 8, 'no-pte') as Extract<Decision, { kind: 'collect' }>), end: 12, rep };
  const { rep: _r, ...c0 } = c;
  assert.deepEqual(instance(c, 0), c0, 'instance 0: the decision without its repeat');
  const c3 = instance(c, 3);
  assert.equal(c3.pgoff, 8 + 18);
  assert.equal(c3.end, 12 + 18);
  assert.equal('rep' in c3, false, 'an instance is not repeated');
  assert.equal(c3.vma, w.vma.d, 'the same vma');
  assert.equal(c.pgoff, 8, 'the repeated decision itself unchanged');

  const ne = { ...(noEntry(w, 8, 4) as Extract<Decision, { kind: 'no-entry' }>), rep };
  assert.deepEqual([instance(ne, 4).pgoff, instance(ne, 4).end], [32, 36]);
  assert.equal(instance(ne, 4).mapping, w.mapping);

  const z = { ...(zap(w, 'f', 8, 4) as Extract<Decision, { kind: 'zap' }>), rep };
  const z2 = instance(z, 2);
  assert.deepEqual([z2.vlo - z.vlo, z2.vhi - z.vhi, z2.pages], [12, 12, 4]);

  const f = { ...(failed(w, 8, 4) as Extract<Decision, { kind: 'failed' }>), rep };
  const f2 = instance(f, 2);
  assert.deepEqual([f2.pfn, f2.end], [w.pfn0 + 28, w.pfn0 + 32], 'pfns move by dp, not di');

  const pm: Extract<Decision, { kind: 'page-mapping' }> = { kind: 'page-mapping', pfn: w.pfn0 + 9, owner: 'none', mapping: null, span: 5, rep };
  assert.equal(instance(pm, 3).pfn, w.pfn0 + 39);
  assert.equal('end' in instance(pm, 3), false, 'no end given, none made');
  const pmr = { ...pm, end: w.pfn0 + 12 };
  assert.deepEqual([instance(pmr, 3).pfn, instance(pmr, 3).end], [w.pfn0 + 39, w.pfn0 + 42]);

  const s = { ...sig(w, 'b', 9, 'SIGBUS', 'BUS_MCEERR_AO'), rep };
  const s4 = instance(s, 4);
  const addr = w.vma.b!.address(9 + 24);
  assert.equal(s4.addr, addr, 'the address moves by di pages');
  assert.equal(s4.detail, `It was chosen (pending): kill_proc() sent send_sig_mceerr(BUS_MCEERR_AO) at ${hex(addr)} with si_addr_lsb 12`);
  assert.equal(s4.lsb, 12);
  assert.equal(s4.task, w.task.b);
  // a detail that does not name the address stays as it is; no address, nothing moves
  const plain = { ...s, detail: 'sent a SIGBUS' };
  assert.equal(instance(plain, 2).detail, 'sent a SIGBUS');
  const noAddr: Sig = { kind: 'signal', task: w.task.a!, signo: 'SIGKILL', code: 'none', queued: true, via: 'kill_procs', detail: 'killed', span: 1, rep };
  assert.equal(instance(noAddr, 3).addr, undefined);
  assert.equal(instance(noAddr, 3).detail, 'killed');

  // shifted keeps the repeat; a decision that is not repeated is its own instance 0
  assert.deepEqual(shifted(c, 1, 2).rep, rep);
  assert.deepEqual([shifted(f, 1, 2).pfn, shifted(f, 1, 2).end], [w.pfn0 + 10, w.pfn0 + 14]);
  assert.deepEqual([shifted(c, 1, 2).pgoff, shifted(c, 1, 2).end], [9, 13]);
  const one = col(w, 'd', 8, 'no-pte') as Extract<Decision, { kind: 'collect' }>;
  assert.equal(instance(one, 0), one);
  assert.equal(instances(one), 1);
  assert.equal(instances(c), 5);
  assert.equal(instances({ kind: 'exit', task: w.task.a!, vmas: [], signo: 'SIGKILL', span: null }), 1);
  // instance j is shifted by j steps: the same as j single shifts
  let x: Decision = { ...s, rep: undefined };
  delete (x as Sig).rep;
  for (let j = 1; j <= 4; j++) x = shifted(x as Sig, 6, 10);
  assert.deepEqual(x, s4);
});

// ---------------------------------------------------------------------------
// 3. mergeDecision: the list merge of DecisionLog.note

/** DecisionLog.note's merge before repeated decisions (d1bb721^), as it was */
function oldNote(list: Decision[], d: Decision): void {
  for (let back = list.length - 1; back >= Math.max(0, list.length - 8); back--) {
    const x = list[back]!;
    if (d.kind === 'zap' && x.kind === 'zap' && x.vma === d.vma && x.symbol === d.symbol && x.span === d.span && d.vlo === x.vhi) {
      x.vhi = d.vhi;
      x.pages += d.pages;
      return;
    }
    if (d.kind === 'collect' && x.kind === 'collect' && x.vma === d.vma && x.result === d.result && x.span === d.span && d.pgoff === x.end) {
      x.end = d.end;
      return;
    }
  }
  const last = list[list.length - 1];
  if (last && last.kind === d.kind) {
    if (d.kind === 'failed' && last.kind === 'failed' && d.pfn === last.end) {
      last.end = d.end;
      return;
    }
    if (d.kind === 'collect' && last.kind === 'collect' && last.vma === d.vma && last.result === d.result && last.span === d.span && d.pgoff === last.end) {
      last.end = d.end;
      return;
    }
    if (d.kind === 'no-entry' && last.kind === 'no-entry' && last.mapping === d.mapping && d.pgoff === last.end) {
      last.end = d.end;
      return;
    }
  }
  list.push(d);
}

/** a small deterministic generator (the lab's mulberry32) */
const rng = mulberry32;

test('mergeDecision merges as DecisionLog.note did: 8 entries back for zaps and collections, the last entry for failed pfns, collections and no-entry ranges', () => {
  const w = machine();
  let merged = 0;
  // another file's mapping, compared by identity only
  const other = {} as AddressSpace;
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const int = (n: number) => Math.floor(r() * n);
    // file pages and pfns advancing from 0 in small steps, on 3 vmas, 2 spans, 2 mappings: many merge, many do not
    const pos = { col: [0, 0, 0], zap: [0, 0, 0], ne: 0, failed: 0 };
    const who = ['a', 'b', 'c'];
    const a: Decision[] = [];
    const b: Decision[] = [];
    for (let i = 0; i < 60; i++) {
      const kind = int(6);
      const v = int(3);
      let d: Decision;
      if (kind === 0) {
        const p = pos.col[v]! + (int(4) === 0 ? 1 : 0);
        d = { ...(col(w, who[v]!, p, (['late', 'no-pte', 'collected'] as const)[int(2) + (v === 0 ? 1 : 0)], 800 + int(2)) as Extract<Decision, { kind: 'collect' }>) };
        pos.col[v] = p + 1;
      } else if (kind === 1) {
        const p = pos.zap[v]! + (int(4) === 0 ? 2 : 0);
        const len = 1 + int(3);
        d = zap(w, who[v]!, p, len, int(5) === 0 ? 'unmap_mapping_pages' : 'unmap_mapping_range', 700 + int(2));
        pos.zap[v] = p + len;
      } else if (kind === 2) {
        const p = pos.ne + (int(4) === 0 ? 1 : 0);
        const len = 1 + int(2);
        d = int(6) === 0 ? { kind: 'no-entry', mapping: other, pgoff: p, end: p + len, span: 600 } : noEntry(w, p, len);
        pos.ne = p + len;
      } else if (kind === 3) {
        const p = pos.failed + (int(4) === 0 ? 3 : 0);
        const len = 1 + int(4);
        d = failed(w, p, len);
        pos.failed = p + len;
      } else if (kind === 4) {
        d = sig(w, who[v]!, int(100), 'SIGBUS', 'BUS_MCEERR_AO');
      } else {
        d = { kind: 'page-mapping', pfn: w.pfn0 + int(100), owner: 'none', mapping: null, span: 5 };
      }
      oldNote(a, { ...d } as Decision);
      if (mergeDecision(b, { ...d } as Decision)) merged++;
      else b.push({ ...d } as Decision);
      assert.deepEqual(b, a, `seed ${seed}, decision ${i}`);
    }
  }
  assert.ok(merged > 1000, `${merged} merges made`);

  // the window: a zap 8 entries back merges, 9 back does not; a failed range merges with the last entry only
  const fill = (n: number): Decision[] => Array.from({ length: n }, (_, i) => sig(w, 'a', i, 'SIGBUS', 'BUS_MCEERR_AO'));
  for (const [gap, merges] of [
    [7, true],
    [8, false],
  ] as const) {
    const list = [zap(w, 'f', 8, 4), ...fill(gap)];
    assert.equal(mergeDecision(list, zap(w, 'f', 12, 2)), merges, `a zap ${gap + 1} entries back`);
    const list2 = [col(w, 'd', 8, 'no-pte'), ...fill(gap)];
    assert.equal(mergeDecision(list2, col(w, 'd', 9, 'no-pte')), merges, `a collection ${gap + 1} entries back`);
  }
  const fl = [failed(w, 0, 4), sig(w, 'a', 0, 'SIGBUS', 'BUS_MCEERR_AO')];
  assert.equal(mergeDecision(fl, failed(w, 4, 4)), false, 'failed pfns merge with the last entry only');
  const nl = [noEntry(w, 0, 4), sig(w, 'a', 0, 'SIGBUS', 'BUS_MCEERR_AO')];
  assert.equal(mergeDecision(nl, noEntry(w, 4, 4)), false, 'a no-entry range merges with the last entry only');
  assert.equal(mergeDecision(nl, sig(w, 'a', 0, 'SIGBUS', 'BUS_MCEERR_AO')), false, 'a signal never merges');

  // repeated decisions: never merged into an entry, and no entry merges into one
  const rep: Repeat = { n: 3, di: 4, dp: 4, block: 0, q: 0 };
  const cases: [Decision, Decision][] = [
    [{ ...(failed(w, 0, 4) as Extract<Decision, { kind: 'failed' }>), rep }, failed(w, 16, 4)],
    [{ ...(noEntry(w, 0, 4) as Extract<Decision, { kind: 'no-entry' }>), rep }, noEntry(w, 16, 4)],
    [{ ...(col(w, 'd', 0, 'no-pte') as Extract<Decision, { kind: 'collect' }>), end: 4, rep }, col(w, 'd', 12, 'no-pte')],
    [{ ...(zap(w, 'f', 0, 4) as Extract<Decision, { kind: 'zap' }>), rep }, zap(w, 'f', 12, 4)],
  ];
  for (const [r, next] of cases) {
    // the repeated one's last instance ends where `next` starts: merging would be wrong, its range is instance 0's
    const list: Decision[] = [{ ...r } as Decision];
    assert.equal(mergeDecision(list, next), false, `${r.kind}: nothing merges into a repeated decision`);
    const plain = { ...r } as Decision;
    delete (plain as { rep?: Repeat }).rep;
    const start = shifted(plain as never, -4, -4) as Decision;
    const list2: Decision[] = [start];
    assert.equal(mergeDecision(list2, r), false, `${r.kind}: a repeated decision merges into nothing`);
    assert.equal(list2.length, 1);
    assert.deepEqual(list2[0], start, 'the entry unchanged');
    // behind a repeated entry, the window still reaches the one before it
    if (r.kind === 'zap' || r.kind === 'collect') {
      const list3: Decision[] = [start, { ...r } as Decision];
      assert.equal(mergeDecision(list3, plain), true, `${r.kind}: merged past the repeated entry`);
    }
  }
});

// ---------------------------------------------------------------------------
// 2. noted member by member, or with noteMembers: the same verdicts

/**
 * Many decisions a member (more than the 8-entry window): collections page
 * by page for four mappers (late, dropped, collected), zaps of every
 * populated mapper (f: one by a fault on a shared page first), signals of
 * three ranks (a: AO, AR, then SIGKILL; b: two AR; c: an AO queued, then
 * the same pending), and no DAX entry for the member's pages (g maps them
 * with no entry).
 */
function manyPerMember(w: World, len: number) {
  return (m: number): Decision[] => {
    const out: Decision[] = [];
    for (let p = m; p < m + len; p++) out.push(col(w, 'a', p, 'collected'), col(w, 'b', p, 'collected'), col(w, 'c', p, 'collected'), col(w, 'd', p, 'no-pte'), col(w, 'e', p, 'late'));
    out.push(zap(w, 'f', m, 1, 'unmap_mapping_pages', 701));
    for (const c of ['a', 'b', 'c', 'd', 'e', 'f']) out.push(zap(w, c, m, len));
    out.push(sig(w, 'a', m, 'SIGBUS', 'BUS_MCEERR_AO', false, 901), sig(w, 'a', m + 1, 'SIGBUS', 'BUS_MCEERR_AR', false, 902), sig(w, 'a', m + 2, 'SIGKILL', 'none', false, 903));
    out.push(sig(w, 'b', m + 1, 'SIGBUS', 'BUS_MCEERR_AR', false, 904), sig(w, 'b', m + 3, 'SIGBUS', 'BUS_MCEERR_AR', false, 905));
    out.push(sig(w, 'c', m, 'SIGBUS', 'BUS_MCEERR_AO', true, 906), sig(w, 'c', m, 'SIGBUS', 'BUS_MCEERR_AO', false, 907));
    out.push(noEntry(w, m, len));
    return out;
  };
}

for (const [shape, di] of [
  ['apart', 6],
  ['touching', 4],
] as const) {
  test(`a member of many decisions, members ${shape}: noted one by one and with noteMembers, the same verdicts for every owner range`, () => {
    const w = machine();
    const r: RunShape = { m0: 8, len: 4, di, n: 12 };
    const { ref, bulk, out } = sameVerdicts(w, r, manyPerMember(w, 4));
    // the repeated form was taken: fewer entries, some repeated, standing for as many
    assert.ok(bulk.length < ref.length / 4, `${bulk.length} entries, ${ref.length} one by one`);
    assert.ok(bulk.some((d) => shiftable(d) && d.rep && d.rep.n === 12));
    // the verdicts are the ones the decisions make: the order and rank of signals decide
    const across = out['across two members']!;
    const at = (who: string, p: number) => hex(w.vma[who]!.address(p));
    // a: SIGKILL outranks AR and AO wherever its page is in the range
    assert.deepEqual(pick(out['whole run']!, 'a').map((v) => v.outcome), ['killed']);
    assert.deepEqual(pick(across, 'a').map((v) => v.outcome), ['AR'], 'across members 3 and 4: the AR of member 4 at +1 (its SIGKILL at +2 is outside)');
    // b: two AR of one member, and the next member's: the first decided wins (member 3's at +3, before member 4's at +1)
    assert.equal(pick(across, 'b')[0]!.sigAddr, at('b', r.m0 + 3 * di + 3));
    // c: the queued AO comes first, at the same page as the pending one
    assert.ok(!pick(out['one member']!, 'c')[0]!.reason.includes('already pending'));
    // d: dropped, naming the first of its pages in the range; e: late; f: unmapped by the failure's zap; g: no entry
    assert.match(pick(out['from mid-member']!, 'd')[0]!.reason, new RegExp(`file page ${hex(r.m0 + 3 * di + 1)} at`));
    assert.equal(pick(across, 'e')[0]!.symbol, 'task_early_kill');
    assert.equal(pick(across, 'f')[0]!.outcome, 'unmapped only');
    assert.match(pick(across, 'f')[0]!.reason, /unmap_mapping_range\(\) zapped/);
    assert.equal(pick(across, 'g')[0]!.symbol, 'dax_lock_mapping_entry');
    // before the run: no owner range is met, the signals each explain their own page
    assert.equal(pick(out['before the run']!, 'b').filter((v) => v.outcome === 'AR').length, 2 * (r.n + 2), 'a verdict for each of b\'s signals');
    // after the run: the member after it, done by itself
    assert.equal(pick(out['after the run']!, 'b')[0]!.sigAddr, at('b', r.m0 + (r.n + 1) * di + 1));
  });
}

test('a member of a few decisions, members touching: collections and zaps a member long noted as one range, signals repeated, the same verdicts', () => {
  const w = machine();
  const r: RunShape = { m0: 8, len: 4, di: 4, n: 20 };
  const member = (m: number): Decision[] => {
    const out: Decision[] = [];
    for (let p = m; p < m + 4; p++) out.push(col(w, 'd', p, 'no-pte'), col(w, 'e', p, 'late'));
    out.push(zap(w, 'f', m, 4), sig(w, 'b', m + 1, 'SIGBUS', 'BUS_MCEERR_AR'), sig(w, 'b', m + 3, 'SIGBUS', 'BUS_MCEERR_AO'));
    return out;
  };
  const { bulk, out } = sameVerdicts(w, r, member);
  // one entry each for the collections and the zap, two repeated signals (then the member after the run: its collections and zap merged, its two signals)
  const after = bulk.slice(1);
  assert.deepEqual(
    after.map((d) => `${d.kind}${shiftable(d) && d.rep ? `×${d.rep.n}` : ''}`),
    ['collect', 'collect', 'zap', 'signal', 'signal', 'signal×20', 'signal×20', 'signal', 'signal'],
  );
  const dcol = after[0] as Extract<Decision, { kind: 'collect' }>;
  assert.deepEqual([dcol.pgoff, dcol.end], [8, 8 + 22 * 4]);
  const z = after[2] as Extract<Decision, { kind: 'zap' }>;
  assert.equal(z.pages, 22 * 4);
  assert.equal(pick(out['across two members']!, 'b')[0]!.outcome, 'AR');
  assert.equal(pick(out['one member']!, 'd')[0]!.outcome, 'none');
});

test('no-entry ranges: one a member joined into one range, after a zap that joins up too, and beside others: the same verdicts', () => {
  const w = machine();
  for (const di of [4, 6]) {
    const r: RunShape = { m0: 8, len: 4, di, n: 12 };
    // alone: the list merges each member's into the one before
    sameVerdicts(w, r, (m) => [noEntry(w, m, 2), noEntry(w, m + 2, 2)]);
    // after a zap of g's range that merges 8 back: the no-entry range is then the last entry again
    sameVerdicts(w, r, (m) => [zap(w, 'g', m, 4), noEntry(w, m, 4)]);
    // before it: the zap comes between, no merge
    sameVerdicts(w, r, (m) => [noEntry(w, m, 4), zap(w, 'g', m, 4)]);
    // part of the member
    sameVerdicts(w, r, (m) => [noEntry(w, m + 1, 2), sig(w, 'a', m, 'SIGBUS', 'BUS_MCEERR_AO')]);
  }
});

test('page->mapping decisions, with and without a run of pfns: the first decided for an owner across two members is the earlier member\'s', () => {
  const w = machine();
  for (const di of [4, 6]) {
    const r: RunShape = { m0: 8, len: 4, di, n: 12 };
    const member = (m: number): Decision[] => [
      { kind: 'page-mapping', pfn: w.pfn0 + m + 1, owner: 'shared', mapping: null, span: 501 },
      { kind: 'page-mapping', pfn: w.pfn0 + m + 2, end: w.pfn0 + m + 4, owner: 'none', mapping: null, span: 502 },
      sig(w, 'a', m, 'SIGBUS', 'BUS_MCEERR_AO'),
    ];
    const { out } = sameVerdicts(w, r, member);
    // across members 3 and 4: member 3's run of pfns (+2..+4, its +3 in the range) before member 4's +1
    const b = pick(out['across two members']!, 'b')[0]!;
    assert.equal(b.span, 502);
    assert.match(b.reason, new RegExp(`pfn ${hex(w.pfn0 + r.m0 + 3 * di + 3)} is NULL`));
    // one member: its first decided, the shared page
    assert.equal(pick(out['one member']!, 'b')[0]!.span, 501);
  }
});

test('failed pfns a member long (touching) and shorter (apart), alone or beside other decisions: the same owners and verdicts', () => {
  const w = machine();
  for (const [len, di] of [
    [4, 4],
    [2, 6],
    [4, 6],
  ] as const) {
    const r = { m0: 8, len, di, n: 12 };
    for (const member of [
      (m: number): Decision[] => [failed(w, m, len)],
      (m: number): Decision[] => [failed(w, m, len), col(w, 'd', m, 'no-pte'), sig(w, 'b', m, 'SIGBUS', 'BUS_MCEERR_AO')],
      (m: number): Decision[] => [zap(w, 'f', m, len), failed(w, m, len)],
    ]) {
      const decided = member(r.m0);
      const ref = decide(w, [], decided, r.n, r.di, r.di, 'one-by-one');
      const bulk = decide(w, [], decided, r.n, r.di, r.di, 'noteMembers');
      const vr = verdicts(w, ref);
      assert.deepEqual(verdicts(w, bulk), vr, `${len} pfns every ${di}, ${decided.map((d) => d.kind).join(', ')}`);
      // an owner per member when they are apart, one for the run when they touch, for each of the 7 mappers
      assert.equal(vr.filter((v) => v.comm === 'a').length, len === di ? 1 : r.n + 1);
      const own = vr.filter((v) => v.comm === 'a').map((v) => [v.owner.start / PAGE_SIZE, v.owner.end / PAGE_SIZE]);
      assert.deepEqual(own[own.length - 1], [r.m0 + (len === di ? 0 : r.n * di), r.m0 + r.n * di + len]);
    }
  }
});

test('the notes of a run do not grow with its members', () => {
  const w = machine();
  const sizes = [2, 12, 200].map((n) => decide(w, [failed(w, 0, 128)], manyPerMember(w, 4)(8), n, 6, 6, 'noteMembers').length);
  assert.equal(sizes[0], sizes[1]);
  assert.equal(sizes[1], sizes[2]);
});

test('members of random decisions, noted one by one and with noteMembers: the same verdicts for every owner range', () => {
  const w = machine();
  const who = PROCS;
  let repeated = 0;
  let joined = 0;
  for (let seed = 1; seed <= 150; seed++) {
    const r0 = rng(seed * 7919);
    const int = (n: number) => Math.floor(r0() * n);
    const len = 1 + int(4);
    const di = len + (int(2) ? 0 : int(3));
    const n = 2 + int(11);
    const shape: RunShape = { m0: 4 + int(4), len, di, n };
    if (owners(shape)['after the run']![1] > 128) continue;
    // the member's decisions, made once at member 0's pages and moved for the others
    const count = 1 + int(10);
    const spec: ((m: number) => Decision)[] = [];
    for (let i = 0; i < count; i++) {
      const v = who[int(who.length)]!;
      const lo = int(len);
      const hi = lo + 1 + int(len - lo);
      const kind = int(7);
      if (kind === 0) {
        const res = (['late', 'no-pte', 'collected'] as const)[int(3)];
        const whole = int(2) === 0;
        for (let p = whole ? 0 : lo; p < (whole ? len : hi); p++) spec.push((m) => col(w, v, m + p, res));
      } else if (kind === 1) spec.push((m) => zap(w, v, m + lo, hi - lo, int(4) ? 'unmap_mapping_range' : 'unmap_mapping_pages'));
      else if (kind === 2) {
        const [signo, code] = ([['SIGKILL', 'none'], ['SIGBUS', 'BUS_MCEERR_AR'], ['SIGBUS', 'BUS_MCEERR_AO']] as const)[int(3)];
        const queued = int(2) === 0;
        // a huge page's signal: its si_addr_lsb-wide page wider than the step
        const huge = signo === 'SIGBUS' && int(3) === 0;
        spec.push((m) => ({ ...sig(w, v, m + lo, signo, code, queued, 900 + i), ...(huge ? { lsb: 21 } : {}) }));
      } else if (kind === 3) {
        const whole = int(2) === 0;
        spec.push((m) => noEntry(w, m + (whole ? 0 : lo), whole ? len : hi - lo));
      } else if (kind === 4) spec.push((m) => failed(w, m + lo, hi - lo));
      else if (kind === 5) {
        const ranged = int(2) === 0;
        const owner = (['none', 'shared', 'file'] as const)[int(3)];
        spec.push((m) => ({ kind: 'page-mapping', pfn: w.pfn0 + m + lo, ...(ranged ? { end: w.pfn0 + m + hi } : {}), owner, mapping: owner === 'file' ? w.mapping : null, span: 500 + i }));
      } else spec.push((m) => col(w, v, m + lo, 'no-pte', 801));
    }
    const member = (m: number): Decision[] => spec.map((f) => f(m));
    try {
      const { bulk } = sameVerdicts(w, shape, member);
      for (const d of bulk) if (shiftable(d) && d.rep) repeated++;
      if (bulk.length < 3 + spec.length) joined++;
    } catch (e) {
      throw new Error(`seed ${seed}: ${len} pages every ${di}, ${n} members, ${member(shape.m0).map((d) => d.kind).join(' ')}\n${(e as Error).message}`);
    }
  }
  assert.ok(repeated > 100 && joined > 10, `${repeated} repeated decisions, ${joined} runs noted shorter than a member`);
});

// ---------------------------------------------------------------------------
// 4. a whole unbind: one file of many small records, runs far longer than the
// list's 8-entry window (unbind-records.test.ts has files of 8 records)

const RECORDS = 96;
const LONG = (version: string) => `
${alignedXfsHead('one file of many small records, unbound', 'upstream', '96MiB').replace('design: upstream', `design: upstream${version ? `, version: "${version}"` : ''}`)}
files:
  - { path: /mnt/pmem/many, size: ${RECORDS * 16}KiB, fill: 0x6d, extents: [ { offset: 0, block: 3000, length: 4, count: ${RECORDS}, stride: 5 } ] }
  - { path: /mnt/pmem/apart, size: ${RECORDS * 16}KiB, fill: 0x6e, extents: [ { offset: 0, block: 4000, length: 2, count: ${RECORDS}, stride: 5, offsetStride: 4 } ] }
processes:
  - { pid: 100, comm: early, mceKill: early, mappings: [ { id: m, file: /mnt/pmem/many, length: ${RECORDS * 16}KiB, addr: 0x7f0000000000, populate: true }, { id: p, file: /mnt/pmem/apart, length: ${RECORDS * 16}KiB, addr: 0x7f0100000000, populate: true } ] }
  - { pid: 101, comm: default, mappings: [ { id: m, file: /mnt/pmem/many, length: ${RECORDS * 16}KiB, addr: 0x7f0000000000, populate: true } ] }
  - { pid: 102, comm: late, mceKill: late, mappings: [ { id: m, file: /mnt/pmem/many, length: ${RECORDS * 16}KiB, addr: 0x7f0000000000, populate: true }, { id: p, file: /mnt/pmem/apart, length: ${RECORDS * 16}KiB, addr: 0x7f0100000000 } ] }
  - { pid: 103, comm: cold, mappings: [ { id: m, file: /mnt/pmem/many, length: ${RECORDS * 16}KiB, addr: 0x7f0000000000 } ] }
events:
  - { do: unbind, namespace: namespace0.0 }
`;

function unbind(version: string, mode: 'runs' | 'one-by-one' | 'naive') {
  setNaiveIntervals(mode === 'naive');
  setRecordRuns(mode === 'runs');
  try {
    const { machine, report } = runScenarioFull(loadScenario(LONG(version), 'many-records.poison.yaml'));
    const e = report.events[report.events.length - 1]!;
    return { spans: report.spans.filter((s) => s.event === e.id), logEntries: machine.k.dmesg.entryCount, state: unbindState(report, machine.k) };
  } finally {
    setNaiveIntervals(false);
    setRecordRuns(true);
  }
}

for (const version of ['', '6.1']) {
  test(`upstream unbind of a file of ${RECORDS} small records: the runs' verdicts and report equal record by record and page by page (${version || '6.12'})`, () => {
    const runs = unbind(version, 'runs');
    const single = unbind(version, 'one-by-one');
    assert.deepEqual(runs.state.verdicts, single.state.verdicts);
    assert.deepEqual(runs.state, single.state);
    assert.deepEqual(runs.spans, single.spans);
    assert.deepEqual(runs.state, unbind(version, 'naive').state);
    // runs were taken, and every mapper has its verdict
    assert.ok(runs.logEntries < single.logEntries / 4, `log entries ${runs.logEntries} with runs, ${single.logEntries} record by record`);
    const rows = (c: string, m: string) => [...new Set(runs.state.verdicts.filter((v) => v.comm === c && v.mapping === m).map((v) => `${v.outcome} ${v.symbol}`))];
    const count = (c: string, m: string) => runs.state.verdicts.filter((v) => v.comm === c && v.mapping === m).length;
    // the file of touching records: one owner; the one of records apart in the file: one a record
    assert.deepEqual([count('early', 'm'), count('early', 'p'), count('late', 'p')], [1, RECORDS, RECORDS]);
    assert.deepEqual(rows('early', 'm'), ['AO kill_proc']);
    assert.deepEqual(rows('early', 'p'), ['AO kill_proc']);
    if (version === '') {
      assert.deepEqual([rows('default', 'm'), rows('late', 'm')], [['AO kill_proc'], ['AO kill_proc']]);
      assert.deepEqual([rows('cold', 'm'), rows('late', 'p')], [['none __add_to_kill'], ['none __add_to_kill']]);
    } else {
      assert.deepEqual([rows('default', 'm'), rows('late', 'm'), rows('cold', 'm')], [['unmapped only task_early_kill'], ['unmapped only task_early_kill'], ['none task_early_kill']]);
    }
  });
}

test('signals of a huge page (si_addr_lsb 21) repeated a few pages apart: the same verdicts', () => {
  const w = machine();
  for (const di of [1, 4]) {
    const r: RunShape = { m0: 8, len: di, di, n: 20 };
    const member = (m: number): Decision[] => {
      const a = sig(w, 'a', m, 'SIGBUS', 'BUS_MCEERR_AO');
      const h = sig(w, 'h', m, 'SIGBUS', 'BUS_MCEERR_AR');
      return [{ ...a, lsb: 21 }, { ...h, lsb: 21 }, sig(w, 'h', m, 'SIGBUS', 'BUS_MCEERR_AO')];
    };
    sameVerdicts(w, r, member);
  }
});
