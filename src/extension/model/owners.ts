// Who owns a device range, the way `xfs_io -c 'fsmap -v'` would list it
// (metadata by kind, inodes with their file offsets, reflink sharers), and
// under each file owner the processes and mappings that map it: address
// range, prot, MAP_SHARED/MAP_SYNC, early or late kill, and whether a
// page-table entry is present (collect_procs_fsdax only signals a task whose
// page table maps the page). Also what the struct pages say
// (page->mapping/index, PAGE_MAPPING_DAX_SHARED), which is all the
// page-mapping design looks at. Pure.

import type { Machine } from '../../sim/machine';
import type { SuperBlock } from '../../sim/fs/vfs';
import type { Task, Vma } from '../../sim/mm/types';
import { hex, PAGE_SIZE, SECTOR_SIZE, formatSize } from '../../sim/units';
import { VmaIntervalTree } from '../../sim/mm/interval-tree';
import { placeSpa, type SpaPlace } from './addresses';
import { fsmap, fsmapLine, xfsModelOf, type FsmapRecord } from './xfsView';
import type { KillMode, MapperEntry, OwnerItem, OwnerKind, OwnersAnswer, OwnersQuery } from '../../protocol/sim';

export type { OwnersQuery, KillMode, MapperEntry } from '../../protocol/sim';

export interface OwnerEntry {
  kind: OwnerKind;
  label: string;
  description: string;
  /** the fsmap line (xfs_io -c 'fsmap -v' form) */
  line: string;
  record?: FsmapRecord;
  /** file byte range of the query inside this owner (inode owners) */
  fileStart?: number;
  fileEnd?: number;
  mappers: MapperEntry[];
}

export interface OwnersResult {
  query: OwnersQuery;
  place: SpaPlace;
  entries: OwnerEntry[];
  /** one-line summary of why the list is what it is, when it is not a plain fsmap */
  note?: string;
}

/** The owners in their plain form (strings and numbers), which the worker sends and the Owners view shows. */
export function ownersAnswer(r: OwnersResult): OwnersAnswer {
  const entries = r.entries.map((e): OwnerItem => {
    const o: OwnerItem = { kind: e.kind, label: e.label, description: e.description, line: e.line, mappers: e.mappers.map((x) => ({ ...x })) };
    if (e.record?.path !== undefined) o.path = e.record.path;
    if (e.record?.shared) o.shared = true;
    if (e.fileStart !== undefined) o.fileStart = e.fileStart;
    if (e.fileEnd !== undefined) o.fileEnd = e.fileEnd;
    return o;
  });
  return { query: { spa: r.query.spa, len: r.query.len, title: r.query.title }, entries, ...(r.note !== undefined ? { note: r.note } : {}) };
}

/** tsk early kill, as task_early_kill() decides it without force_early */
export function killMode(m: Machine, t: Task): { kill: KillMode; why: string } {
  if (t.mceKill === 'early') return { kill: 'early', why: 'PR_MCE_KILL_EARLY' };
  if (t.mceKill === 'late') return { kill: 'late', why: 'PR_MCE_KILL_LATE' };
  const early = m.k.cfg.earlyKill;
  return { kill: early ? 'early' : 'late', why: `vm.memory_failure_early_kill=${early ? 1 : 0}` };
}

/** The mappings of an address space that map file pages [pgStart, pgEnd). */
export function mappersOf(m: Machine, vmas: readonly Vma[] | VmaIntervalTree, pgStart: number, pgEnd: number): MapperEntry[] {
  const out: MapperEntry[] = [];
  for (const vma of vmas instanceof VmaIntervalTree ? vmas.query(pgStart, pgEnd - 1) : vmas) {
    const a = Math.max(pgStart, vma.pgoff);
    const b = Math.min(pgEnd, vma.pgoff + vma.pages);
    if (a >= b) continue;
    const start = vma.address(a);
    const end = vma.address(b - 1) + PAGE_SIZE;
    const t = vma.mm.owner;
    const k = killMode(m, t);
    const vpn = start / PAGE_SIZE;
    const ptePages = vma.ptes.covered(vpn, vpn + (b - a));
    out.push({
      pid: t.pid,
      comm: t.comm,
      alive: t.alive,
      mapping: vma.id,
      start,
      end,
      prot: vma.prot,
      flags: vma.flags,
      kill: k.kill,
      killWhy: k.why,
      ptePages,
      pages: b - a,
    });
  }
  out.sort((x, y) => x.pid - y.pid || x.start - y.start);
  return out;
}

export function mapperLabel(x: MapperEntry): { label: string; description: string } {
  const pte = x.ptePages === x.pages ? 'mapped' : x.ptePages === 0 ? 'no PTE (not faulted in)' : `${x.ptePages}/${x.pages} pages mapped`;
  return {
    label: `${x.comm}:${x.pid}${x.alive ? '' : ' (exited)'}`,
    description: `${x.mapping} [${hex(x.start)}, ${hex(x.end)}) ${x.prot} ${x.flags} · ${x.kill} kill · ${pte}`,
  };
}

/** Owners of [spa, spa + len). */
export function ownersOf(m: Machine, q: OwnersQuery): OwnersResult {
  const place = placeSpa(m, q.spa);
  const res: OwnersResult = { query: q, place, entries: [] };
  if (!place.region) {
    res.note = `${hex(q.spa)} is in no persistent-memory region`;
    return res;
  }
  if (!place.namespace) {
    res.note = `${hex(q.spa)} is in ${place.region.id} but in no namespace`;
    return res;
  }
  const ns = place.namespace;
  if (place.inReserve) {
    res.entries.push({
      kind: 'reserve',
      label: `${ns.id} info block and memmap`,
      description: `[${hex(ns.start)}, ${hex(ns.dataStart)}) before ${ns.spec.device}'s data start`,
      line: `namespace ${ns.id} + ${hex(place.nsOffset!)}: the pfn info block and the struct page array (altmap reserve)`,
      mappers: [],
    });
    return res;
  }
  const len = Math.max(1, q.len);
  if (ns.devdax) {
    const dd = ns.devdax;
    const pgS = Math.floor(place.devOffset! / PAGE_SIZE);
    const pgE = Math.ceil((place.devOffset! + len) / PAGE_SIZE);
    res.entries.push({
      kind: 'inode',
      label: `/dev/${dd.name}`,
      description: `device-dax · offset [${hex(place.devOffset!)}, ${hex(place.devOffset! + len)}) · align ${formatSize(dd.align)}`,
      line: `/dev/${dd.name} [${hex(place.devOffset!)}, ${hex(place.devOffset! + len)}): the device inode itself (no filesystem, no reverse map)`,
      fileStart: pgS * PAGE_SIZE,
      fileEnd: pgE * PAGE_SIZE,
      mappers: mappersOf(m, dd.inode.mapping.i_mmap, pgS, pgE),
    });
    res.entries.push(...pageEntries(m, q.spa, len));
    return res;
  }
  const sb = place.sb;
  if (sb && xfsModelOf(sb)) {
    const daddr = place.daddr!;
    const bblen = Math.max(1, Math.ceil((place.fsOffset! + len) / SECTOR_SIZE) - daddr);
    const map = fsmap(sb, daddr, bblen, true);
    if (map) {
      let n = 0;
      const rows: { daddr: number; entry: OwnerEntry }[] = [];
      for (const r of map.records) rows.push({ daddr: r.daddr, entry: recordEntry(m, r, daddr, bblen, n++) });
      for (const f of map.free)
        rows.push({
          daddr: f.daddr,
          entry: {
            kind: 'free',
            label: 'free space',
            description: `daddr [${f.daddr}..${f.daddr + f.bblen - 1}] AG ${f.agno} (${f.agbno}..${f.agbno + f.blockcount - 1})`,
            line: fsmapLine(0, { ...f, free: true }),
            mappers: [],
          },
        });
      rows.sort((a, b) => a.daddr - b.daddr);
      res.entries.push(...rows.map((r) => r.entry));
      renumber(res.entries);
    }
  } else if (sb) {
    // no reverse map to read (ext4): the files whose block map lands in the range
    res.note = `${sb.mount} (${sb.spec.type}) has no reverse map: file owners found through each file's block map; metadata is not shown`;
    res.entries.push(...bmapOwners(m, sb, place.fsOffset!, place.fsOffset! + len));
  } else {
    res.note = `no filesystem on ${ns.spec.device}`;
  }
  res.entries.push(...pageEntries(m, q.spa, len));
  return res;
}

function renumber(entries: OwnerEntry[]): void {
  let n = 0;
  for (const e of entries) {
    if (e.kind === 'free' || e.kind === 'metadata' || e.kind === 'inode') {
      e.line = e.line.replace(/^\s*\d+:/, `${String(n).padStart(4)}:`);
      n++;
    }
  }
}

function recordEntry(m: Machine, r: FsmapRecord, qDaddr: number, qBblen: number, n: number): OwnerEntry {
  const line = fsmapLine(n, r);
  const where = `daddr [${r.daddr}..${r.daddr + r.bblen - 1}] AG ${r.agno} (${r.agbno}..${r.agbno + r.blockcount - 1})`;
  if (r.metadata) {
    const flags = [r.attrFork ? 'attr fork' : '', r.bmbtBlock ? 'bmap btree block' : ''].filter(Boolean).join(', ');
    return {
      kind: 'metadata',
      label: r.bmbtBlock || r.attrFork ? `${r.path ?? `inode ${r.owner}`} ${flags}` : r.ownerText,
      description: `${r.ownerName} · ${where}`,
      line,
      record: r,
      mappers: [],
    };
  }
  // the part of the record the query covers, in file bytes
  const a = Math.max(r.daddr, qDaddr);
  const b = Math.min(r.daddr + r.bblen, qDaddr + qBblen);
  const fileStart = r.fileOffset! + (a - r.daddr) * SECTOR_SIZE;
  const fileEnd = r.fileOffset! + (b - r.daddr) * SECTOR_SIZE;
  const mappers = r.inode ? mappersOf(m, r.inode.mapping.i_mmap, Math.floor(fileStart / PAGE_SIZE), Math.ceil(fileEnd / PAGE_SIZE)) : [];
  return {
    kind: 'inode',
    label: `${r.path ?? `inode ${r.owner}`}`,
    description: `inode ${r.owner} · file [${hex(fileStart)}, ${hex(fileEnd)})${r.shared ? ' · reflinked' : ''}${r.unwritten ? ' · unwritten' : ''} · ${where}`,
    line,
    record: r,
    fileStart,
    fileEnd,
    mappers,
  };
}

/** Files of a filesystem whose blocks are in device bytes [a, b), by walking each file's block map a page at a time. */
export function bmapOwners(m: Machine, sb: SuperBlock, a: number, b: number, maxPages = 1 << 16): OwnerEntry[] {
  const out: OwnerEntry[] = [];
  for (const inode of [...sb.files.values()].sort((x, y) => x.path.localeCompare(y.path))) {
    let runStart = -1;
    let runEnd = -1;
    const flush = () => {
      if (runStart < 0) return;
      const mappers = mappersOf(m, inode.mapping.i_mmap, Math.floor(runStart / PAGE_SIZE), Math.ceil(runEnd / PAGE_SIZE));
      out.push({
        kind: 'inode',
        label: inode.path,
        description: `inode ${inode.ino} · file [${hex(runStart)}, ${hex(runEnd)})`,
        line: `${inode.path} (inode ${inode.ino}) file [${hex(runStart)}, ${hex(runEnd)})`,
        fileStart: runStart,
        fileEnd: runEnd,
        mappers,
      });
      runStart = runEnd = -1;
    };
    const pages = Math.min(maxPages, Math.ceil(inode.size / PAGE_SIZE));
    for (let i = 0; i < pages; i++) {
      const off = i * PAGE_SIZE;
      const d = sb.bmapQuiet(inode, off);
      const hit = d !== undefined && d + PAGE_SIZE > a && d < b;
      if (hit && runEnd === off) runEnd = off + PAGE_SIZE;
      else {
        flush();
        if (hit) {
          runStart = off;
          runEnd = off + PAGE_SIZE;
        }
      }
    }
    flush();
  }
  return out;
}

/** What the struct pages of the range say (page->mapping, page->index, page->share). */
function pageEntries(m: Machine, spa: number, len: number): OwnerEntry[] {
  const out: OwnerEntry[] = [];
  const pfnS = Math.floor(spa / PAGE_SIZE);
  const pfnE = Math.ceil((spa + len) / PAGE_SIZE);
  for (const r of m.k.pageOwner.query(pfnS, pfnE)) {
    const s = Math.max(r.start, pfnS);
    const e = Math.min(r.end, pfnE);
    const v = r.value;
    const span = e - s === 1 ? `pfn ${hex(s)}` : `pfns ${hex(s)}–${hex(e - 1)}`;
    if (v.kind === 'file') {
      const index = v.index + (s - r.start);
      const host = v.mapping.host;
      out.push({
        kind: 'page',
        label: `struct page: ${host?.path ?? `mapping ${v.mapping.id}`}`,
        description: `${span} · page->mapping = ${host ? `inode ${host.ino}` : `mapping ${v.mapping.id}`}, page->index = ${hex(index)}`,
        line: `${span}: page->mapping ${host ? `inode ${host.ino} (${host.path})` : v.mapping.id} index ${hex(index)} (${formatSize((e - s) * PAGE_SIZE)})`,
        mappers: mappersOf(m, v.mapping.i_mmap, index, index + (e - s)),
      });
    } else {
      out.push({
        kind: 'page',
        label: 'struct page: PAGE_MAPPING_DAX_SHARED',
        description: `${span} · shared by ${v.share} file mappings (page->share); page->mapping names no single owner`,
        line: `${span}: page->mapping PAGE_MAPPING_DAX_SHARED, page->share ${v.share}`,
        mappers: [],
      });
    }
  }
  return out;
}

/** The whole result as text (for copying, and for the tests). */
export function ownersText(r: OwnersResult | OwnersAnswer): string {
  const out = [`owners of ${r.query.title}`];
  if (r.note) out.push(`  ${r.note}`);
  for (const e of r.entries) {
    out.push(`  ${e.line}`);
    for (const x of e.mappers) {
      const l = mapperLabel(x);
      out.push(`      ${l.label} ${l.description}`);
    }
  }
  return out.join('\n');
}
