// fs/xfs/xfs_notify_failure.c as at v6.12: the dax holder operations XFS
// registers on its data (and log) device. A failed device byte range becomes
// daddrs, then AG blocks; the reverse map says who owns them; metadata means
// shutdown, an in-core DAX file means mf_dax_kill_procs on its page range.
// 6.1 (kernel.version 6.1) has the same walk without MF_MEM_PRE_REMOVE (no
// freeze, no forced unmount, no invalidation: an unbind is a failure of every
// block), translates the range inline (no xfs_dax_translate_range), and shuts
// down at once on any failure of an external log device
// (xfs_dax_notify_logdev_failure came later).

import { MF, mfFlagsName, type Kernel } from '../../kernel';
import type { DaxDevice, DaxHolderOperations } from '../../dax/super';
import { EFSCORRUPTED, EIO, ENXIO, EOPNOTSUPP, retName } from '../../errno';
import { BTOBB, hex, PAGE_SHIFT, PAGE_SIZE, U64_MAX } from '../../units';
import { daxKillIndex, mfDaxKillProcs } from '../../mm/memory-failure';
import { naiveIntervals } from '../../intervals';
import { alikeMembers, applyMembers, rebind, recordMember, shaped, type Member, type Recorded, type Shaped } from '../../mm/bulk';
import { AlikeStretch, type Args } from '../../trace';
import { invalidateInodePages2Range } from '../dax';
import type { XfsSuperBlock } from './xfs_super';
import type { RmapRec } from './xfs_model_adapter';
import { isNonInodeOwner, ownerName } from './xfs_model_adapter';
import { sinceVersion, sinceVersionOrBackport } from '../../version';

/** struct xfs_failure_info */
interface FailureInfo {
  startblock: number;
  blockcount: number;
  mfFlags: number;
  wantShutdown: boolean;
}

export const xfsDaxHolderOperations: DaxHolderOperations = {
  name: 'xfs_dax_holder_operations',
  notify_failure: (k, dax, offset, len, mfFlags) => xfsDaxNotifyFailure(k, dax, offset, len, mfFlags),
};

/** xfs_dax_notify_failure(dax_dev, offset, len, mf_flags) */
function xfsDaxNotifyFailure(k: Kernel, dax: DaxDevice, offset: number, len: number, mfFlags: number): number {
  const mp = dax.holderData as XfsSuperBlock;
  return k.tr.call('fs', 'xfs_dax_notify_failure', { dev: dax.name, offset: hex(offset), len: len === U64_MAX ? hex(len) : len, mf_flags: mfFlagsName(mfFlags) }, () => {
    if (!mp.born) {
      k.why.note({ kind: 'route-failed', symbol: 'xfs_dax_notify_failure', ret: '-EIO', why: 'XFS was not ready for notify_failure() (mount not finished), so it returned -EIO and nobody was reached.', span: k.why.span });
      k.log(`${mp.logPrefix}filesystem is not ready for notify_failure()!`);
      return -EIO;
    }
    // xfs_dax_translate_range and xfs_dax_notify_logdev_failure: "xfs: dont shut
    // down the filesystem for media failures beyond end of log" (f4ed93037966),
    // mainline 6.14, in 6.12.y by backport (6.12.117 has it; 6.1.192 does not)
    const v61 = !sinceVersionOrBackport(k.cfg, '6.14', ['6.12']);
    if (mp.logDax === dax && mp.logDax !== mp.ddevDax) {
      if (!v61) return xfsDaxNotifyLogdevFailure(k, mp, offset, len, mfFlags);
      // 6.1: any failure of the external log device, whatever the range
      k.log(`${mp.logPrefix}ondisk log corrupt, shutting down fs!`);
      mp.forceShutdown(k, 'SHUTDOWN_CORRUPT_ONDISK', 'xfs_dax_notify_failure', mp.lines.logdevShutdown);
      return -EFSCORRUPTED;
    }
    if (!mp.spec.rmapbt) {
      // xfs_debug: not in dmesg at the default log level
      k.why.note({ kind: 'holder-declined', symbol: 'xfs_dax_notify_failure', ret: '-EOPNOTSUPP', span: k.why.span });
      return -EOPNOTSUPP;
    }
    const t = v61 ? translateRange61(mp.bdev.size, offset, len) : xfsDaxTranslateRange(k, mp.bdev.size, offset, len);
    if (typeof t === 'number') return t;
    return xfsDaxNotifyDdevFailure(k, mp, t.daddr, t.bblen, mfFlags);
  });
}

/**
 * xfs_dax_translate_range(btp, offset, len, &daddr, &bblen): the dax device
 * byte range, clipped to the filesystem's device (0, U64_MAX meaning all of
 * it), in 512-byte basic blocks.
 */
function xfsDaxTranslateRange(k: Kernel, devLen: number, offset: number, len: number): { daddr: number; bblen: number } | number {
  return k.tr.call(
    'fs',
    'xfs_dax_translate_range',
    { offset: hex(offset), len: len === U64_MAX ? hex(len) : len },
    () => {
      const devStart = 0; // bt_dax_part_off: no partitions on pmem here
      const devEnd = devStart + devLen - 1;
      if (offset === 0 && len === U64_MAX) {
        offset = devStart;
        len = devLen;
      }
      if (offset + len - 1 < devStart) return -ENXIO;
      if (offset > devEnd) return -ENXIO;
      if (offset > devStart) offset -= devStart;
      else {
        len -= devStart - offset;
        offset = 0;
      }
      if (offset + len - 1 > devEnd) len = devEnd - offset + 1;
      return { daddr: BTOBB(offset), bblen: BTOBB(len) };
    },
    (r) => (typeof r === 'number' ? String(r) : `daddr ${hex(r.daddr)} bblen ${r.bblen}`),
  );
}

/**
 * 6.1's inline form of the translation in xfs_dax_notify_failure: the same
 * clipping to the data device, (0, U64_MAX) included, without a function
 * of its own.
 */
function translateRange61(devLen: number, offset: number, len: number): { daddr: number; bblen: number } | number {
  const devStart = 0; // bt_dax_part_off: no partitions on pmem here
  const devEnd = devStart + devLen - 1;
  if (offset + len - 1 < devStart) return -ENXIO;
  if (offset > devEnd) return -ENXIO;
  if (offset > devStart) offset -= devStart;
  else {
    len -= devStart - offset;
    offset = 0;
  }
  if (offset + len - 1 > devEnd) len = devEnd - offset + 1;
  return { daddr: BTOBB(offset), bblen: BTOBB(len) };
}

/** xfs_dax_notify_logdev_failure: the external log is all metadata */
function xfsDaxNotifyLogdevFailure(k: Kernel, mp: XfsSuperBlock, offset: number, len: number, mfFlags: number): number {
  return k.tr.call('fs', 'xfs_dax_notify_logdev_failure', { offset: hex(offset), len }, () => {
    const t = xfsDaxTranslateRange(k, mp.logSize, offset, len);
    if (typeof t === 'number') return t;
    if (mfFlags & MF.MEM_PRE_REMOVE) return 0;
    k.log(`${mp.logPrefix}ondisk log corrupt, shutting down fs!`);
    mp.forceShutdown(k, 'SHUTDOWN_CORRUPT_ONDISK', 'xfs_dax_notify_logdev_failure', mp.lines.logdevShutdown);
    return -EFSCORRUPTED;
  });
}

/**
 * xfs_dax_notify_ddev_failure(mp, daddr, bblen, mf_flags): one rmap query
 * per AG the range touches. Before a removal the filesystem is frozen first
 * and force-unmounted after; otherwise metadata owners, or an error, shut it
 * down as corrupt.
 */
function xfsDaxNotifyDdevFailure(k: Kernel, mp: XfsSuperBlock, daddr: number, bblen: number, mfFlags: number): number {
  const x = mp.model;
  return k.tr.call('fs', 'xfs_dax_notify_ddev_failure', { daddr: hex(daddr), bblen, mf_flags: mfFlagsName(mfFlags) }, () => {
    const notify: FailureInfo = { startblock: 0, blockcount: 0, mfFlags, wantShutdown: false };
    let error = 0;
    let kernelFrozen = false;
    let fsbno = x.daddrToFsb(daddr);
    let agno = x.fsbToAgno(fsbno);
    const endFsbno = x.daddrToFsb(daddr + bblen - 1);
    const endAgno = x.fsbToAgno(endFsbno);
    const preRemove = (mfFlags & MF.MEM_PRE_REMOVE) !== 0;
    if (preRemove) {
      k.log(`${mp.logPrefix}Device is about to be removed!`);
      kernelFrozen = k.tr.call('fs', 'freeze_super', { sb: mp.bdev.name, who: 'FREEZE_HOLDER_KERNEL' }, () => {
        if (mp.frozen) return -16;
        mp.frozen = true;
        return 0;
      }) === 0;
    }
    k.tr.call('fs', 'xfs_trans_alloc_empty', {}, () => 0);
    for (; agno <= endAgno; agno++) {
      const lowAgbno = x.fsbToAgbno(fsbno);
      const highAgbno = agno === endAgno ? x.fsbToAgbno(endFsbno) : 0xffffffff;
      const rangeAgend = Math.min(x.agLength(agno) - 1, highAgbno);
      // xfs_alloc_read_agf → xfs_trans_read_buf_map: a shut-down filesystem
      // reads no buffer, cached or not (-EIO), so the query never runs
      error = k.tr.call('fs', 'xfs_alloc_read_agf', { agno }, () => (mp.isShutdown() ? -EIO : 0), (r) => retName(r));
      if (error) break;
      notify.startblock = lowAgbno;
      notify.blockcount = rangeAgend + 1 - lowAgbno;
      error = k.tr.call('rmap', 'xfs_rmap_query_range', { agno, low: lowAgbno, high: highAgbno === 0xffffffff ? 'max' : highAgbno }, () => {
        // records handled alike one after another (the extents of files mapped
        // the same way) are traced for the first few, then summarised
        const stretch = naiveIntervals() ? undefined : new AlikeStretch(k.tr, 'rmap', 'xfs_dax_failure_fn', () => k.dmesg.length);
        // and the records of one file after one done quietly, advancing in step, in bulk
        const run = stretch ? new RecordRun(k, mp, agno, notify, stretch) : undefined;
        try {
          return x.rmapQueryRange(agno, lowAgbno, highAgbno, (rec) => (run ? run.record(rec) : xfsDaxFailureFn(k, mp, agno, rec, notify)), run?.peek);
        } finally {
          run?.flush();
          stretch?.end();
        }
      });
      if (error) break;
      fsbno = x.agbToFsb(agno + 1, 0);
    }
    if (preRemove) mp.forceShutdown(k, 'SHUTDOWN_FORCE_UMOUNT', 'xfs_dax_notify_ddev_failure', mp.lines.preRemoveShutdown);
    else if (error || notify.wantShutdown) {
      mp.forceShutdown(k, 'SHUTDOWN_CORRUPT_ONDISK', 'xfs_dax_notify_ddev_failure', mp.lines.corruptShutdown);
      if (!error) error = -EFSCORRUPTED;
    }
    if (preRemove) {
      // xfs_dax_notify_failure_thaw: our own kernel freeze, and any userspace freeze
      if (kernelFrozen) k.tr.call('fs', 'thaw_super', { sb: mp.bdev.name, who: 'FREEZE_HOLDER_KERNEL' }, () => (mp.frozen = false, 0));
      k.tr.call('fs', 'thaw_super', { sb: mp.bdev.name, who: 'FREEZE_HOLDER_USERSPACE' }, () => (mp.frozen = false, 0));
    }
    return error;
  });
}

/**
 * xfs_dax_failure_fn(cur, rec, data): the decision per reverse-map record.
 * Non-inode owners and bmbt/attr-fork blocks are metadata (a shutdown, but
 * the query goes on, so file owners in the same range are still reached);
 * an inode not in the cache cannot be mapped, so it is skipped.
 */
function xfsDaxFailureFn(k: Kernel, mp: XfsSuperBlock, agno: number, rec: RmapRec, notify: FailureInfo): number {
  return k.tr.call(
    'rmap',
    'xfs_dax_failure_fn',
    failureFnArgs(agno, rec),
    () => {
      if (isNonInodeOwner(rec.owner) || rec.attrFork || rec.bmbtBlock) {
        if (notify.mfFlags & MF.MEM_PRE_REMOVE) return 0;
        notify.wantShutdown = true;
        return 0;
      }
      let igetSpan: number | null = null;
      const ip = k.tr.call(
        'fs',
        'xfs_iget',
        { ino: rec.owner, flags: 'XFS_IGET_INCORE' },
        (span) => {
          igetSpan = span.id || k.tr.decidingId;
          return mp.igetIncore(rec.owner);
        },
        (r) => (r ? `inode ${rec.owner}` : '-ENODATA'),
      );
      const blockSize = mp.model.blockSize;
      const { pos, pgoff, pgcnt, startCross, endCross } = failedPages(mp, rec, notify);
      if (!ip) {
        // -ENODATA: not cached, nobody can have it mapped
        k.why.note({ kind: 'inode-skip', sb: mp, ino: rec.owner, why: 'not-incore', fileStart: pos, fileEnd: pos + (endCross - startCross) * blockSize, span: igetSpan, symbol: 'xfs_iget' });
        return 0;
      }
      let error = 0;
      // 6.1 asks mf_dax_kill_procs about any in-core file, DAX or not (the
      // dax_mapping() check came later): for a page-cache file its
      // dax_lock_mapping_entry finds no DAX mapping and the walk stops with
      // -EBUSY, which shuts the filesystem down as corrupt
      // the dax_mapping() check came with MF_MEM_PRE_REMOVE (6.7)
      const v61 = !sinceVersion(k.cfg, '6.7');
      if (!ip.mapping.dax && !v61) k.why.note({ kind: 'inode-skip', sb: mp, ino: rec.owner, why: 'not-dax', fileStart: pos, fileEnd: pos + (endCross - startCross) * blockSize, span: k.why.span, symbol: 'xfs_dax_failure_fn' });
      if (ip.mapping.dax || v61) error = mfDaxKillProcs(k, ip.mapping, pgoff, pgcnt, notify.mfFlags);
      if (notify.mfFlags & MF.MEM_PRE_REMOVE) invalidateInodePages2Range(k, ip.mapping, pgoff, pgoff + pgcnt - 1);
      return error;
    },
  );
}

/** tests: every record done by itself (quietly after the first few alike), the run's reference */
let recordRuns = true;
export function setRecordRuns(on: boolean): void {
  recordRuns = on;
}

/** tests: how many runs were based on a record done for real, and how many on a record of another file rebound */
export const recordRunCounts = { recorded: 0, rebound: 0 };

/** the largest record (in pages) a run is made of */
const RECORD_RUN_PAGES = 512;

/**
 * The reverse-map records of one DAX file that xfs_dax_failure_fn handles
 * alike, one after another: blocks and file offset advancing by the same
 * step from record to record (a file written extent after extent), the
 * pages of each in the state the first one's were in, shifted (the same
 * mappers, page-table entries, DAX entries and owners). The first one done
 * quietly is done for real and recorded (src/sim/mm/bulk.ts); each record
 * after it that is its member j is only checked as the query hands it over,
 * and all of them are done together (calls, clock, log run, decisions,
 * page state) when the run ends: at the first record that is not a member,
 * or at the end of the query. They join the stretch's summary span.
 */
class RecordRun {
  private base: { rec: RmapRec; member: Recorded; rebound: boolean } | undefined;
  /** blocks and file blocks from one member to the next (from the first member after the base) */
  private step: { blk: number; off: number; dIndex: number; dPfn: number; alike: number } | undefined;
  private n = 0;
  /** the run's last record (its arguments end the summary's first..last) */
  private lastRec: RmapRec | undefined;
  private outerQuiet = false;
  /**
   * The last base done for real, with the shape of its state before: the
   * first record of the next file, laid out, mapped and faulted in as its
   * file was, is rebound to it instead of being done (a file after file).
   */
  private last: { rec: RmapRec; shape: string; shaped: Shaped; quietAs: number | undefined; outerQuiet: boolean } | undefined;

  constructor(
    private readonly k: Kernel,
    private readonly mp: XfsSuperBlock,
    private readonly agno: number,
    private readonly notify: FailureInfo,
    private readonly stretch: AlikeStretch,
  ) {}

  /** the query's callback: one record, joined to the run or handled */
  record(rec: RmapRec): number {
    if (this.joins(rec)) return 0;
    this.flush();
    const { k, mp, agno, notify } = this;
    const m = this.member(rec);
    if (m && this.rebinds(rec, m)) return 0;
    const outerQuiet = k.tr.quiet;
    let recorded: Recorded | undefined;
    const shape = recordShape(mp, rec, notify);
    const r = this.stretch.unit(shape, failureFnArgs(agno, rec), 1, () => {
      if (!m) return xfsDaxFailureFn(k, mp, agno, rec, notify);
      const out = recordMember(k, m, () => xfsDaxFailureFn(k, mp, agno, rec, notify));
      recorded = out.rec;
      return out.r;
    });
    this.last = undefined;
    // done quietly (inside the stretch's summary, or an outer quiet stretch), and done cleanly
    if (recordRuns && recorded && r === 0 && (outerQuiet || this.stretch.summarising)) {
      this.base = { rec, member: recorded, rebound: false };
      recordRunCounts.recorded++;
      this.outerQuiet = outerQuiet;
      this.last = { rec, shape, shaped: shaped(recorded), quietAs: this.quietAs(outerQuiet), outerQuiet };
    }
    return r;
  }

  /** the span what is done quietly now is noted against */
  private quietAs(outerQuiet: boolean): number | undefined {
    return outerQuiet ? this.k.tr.quietAs?.id : this.stretch.summaryId;
  }

  /**
   * rec is the first record of a file like the last one done for real: the
   * same record at the same file offset of a file of the same size, its
   * pages in the same state with its own mappers (the same tasks) and pfns
   * in place of the other's. It becomes the base of a run, to be done with
   * its members when the run ends.
   */
  private rebinds(rec: RmapRec, m: Member): boolean {
    const l = this.last;
    if (!l || !recordRuns) return false;
    const r0 = l.rec;
    if (rec.owner === r0.owner || rec.offset !== r0.offset || rec.blockcount !== r0.blockcount || rec.attrFork !== r0.attrFork || rec.bmbtBlock !== r0.bmbtBlock || rec.unwritten !== r0.unwritten) return false;
    // the same quiet summary (its span is the decisions' deciding span)
    const outerQuiet = this.k.tr.quiet;
    if (outerQuiet !== l.outerQuiet || (!outerQuiet && !this.stretch.summarising) || this.quietAs(outerQuiet) !== l.quietAs) return false;
    if (recordShape(this.mp, rec, this.notify) !== l.shape) return false;
    const member = rebind(this.k, l.shaped, m);
    if (!member) return false;
    this.base = { rec, member, rebound: true };
    recordRunCounts.rebound++;
    this.outerQuiet = outerQuiet;
    this.lastRec = rec;
    return true;
  }

  /** the file pages and pfns a record's handling is about, when it is a DAX file's with its pages' entries in place */
  private member(rec: RmapRec): Member | undefined {
    if (isNonInodeOwner(rec.owner) || rec.attrFork || rec.bmbtBlock) return undefined;
    const ip = this.mp.igetIncore(rec.owner);
    if (!ip || !ip.mapping.dax) return undefined;
    const { pgoff, pgcnt } = failedPages(this.mp, rec, this.notify);
    const e = ip.mapping.entries.rangeAt(pgoff);
    // a record of more than a PMD's pages (a database's extents) is its own run of PMD
    // entries inside mf_dax_kill_procs: recording its state would cost as much as it
    if (!e || pgcnt <= 0 || pgcnt > RECORD_RUN_PAGES) return undefined;
    return { mapping: ip.mapping, index: pgoff, pages: pgcnt, pfn: e.value.pfn + (pgoff - e.start), pfns: pgcnt };
  }

  /** rec is the next member of the run, in the base's state shifted: noted, to be done at flush */
  private joins(rec: RmapRec): boolean {
    const b = this.base;
    if (!b) return false;
    const r0 = b.rec;
    if (rec.owner !== r0.owner || rec.blockcount !== r0.blockcount || rec.attrFork !== r0.attrFork || rec.bmbtBlock !== r0.bmbtBlock || rec.unwritten !== r0.unwritten) return this.stop();
    const j = this.n + 1;
    if (!this.step) {
      const blk = rec.startblock - r0.startblock;
      const off = rec.offset - r0.offset;
      const bs = this.mp.model.blockSize;
      // whole pages a step, the members apart in the file and on the device
      if (blk <= 0 || off <= 0 || (blk * bs) % PAGE_SIZE !== 0 || (off * bs) % PAGE_SIZE !== 0) return this.stop();
      const dIndex = (off * bs) / PAGE_SIZE;
      const dPfn = (blk * bs) / PAGE_SIZE;
      // how many members to come are in the base's state, shifted: nothing changes until the
      // run is flushed, so what they hold now is what they hold when the query reaches them
      const m = b.member.m;
      const size = Math.ceil((m.mapping.host?.size ?? 0) / PAGE_SIZE);
      const most = Math.max(0, Math.floor((size - m.index - m.pages) / dIndex));
      this.step = { blk, off, dIndex, dPfn, alike: alikeMembers(this.k, b.member, dIndex, dPfn, most) };
    }
    const st = this.step;
    if (rec.startblock !== r0.startblock + j * st.blk || rec.offset !== r0.offset + j * st.off) return this.stop();
    // the whole record in the failed range, as the base's was
    const m = b.member.m;
    const { pgoff, pgcnt } = failedPages(this.mp, rec, this.notify);
    if (pgoff !== m.index + j * st.dIndex || pgcnt !== m.pages) return this.stop();
    if (j > st.alike) return this.stop();
    this.n = j;
    this.lastRec = rec;
    this.aim();
    return true;
  }

  /**
   * joins() on a record's stored fields, before it is copied (an unbind's
   * 10^6 records are nearly all members of runs): true when it is the next
   * member, noted as joins() notes it; false leaves everything to record().
   */
  readonly peek = (startblock: number, blockcount: number, owner: number, offset: number, attrFork: boolean, bmbtBlock: boolean, unwritten: boolean): boolean => {
    if (startblock !== this.nextStart || offset !== this.nextOffset) return false;
    const st = this.step!;
    const r0 = this.base!.rec;
    if (this.n >= st.alike || owner !== r0.owner || blockcount !== r0.blockcount || attrFork !== r0.attrFork || bmbtBlock !== r0.bmbtBlock || unwritten !== r0.unwritten) return false;
    // the whole record in the failed range, as the base's was: its file pages are the base's
    // moved on by j steps (failedPages; a record the range cuts is left to joins)
    if (!this.inside || startblock + blockcount > this.notify.startblock + this.notify.blockcount) return false;
    this.n++;
    this.nextStart += st.blk;
    this.nextOffset += st.off;
    this.lastRec = undefined;
    return true;
  };

  /** where the run's next member is to start (blocks and file offset), for peek; -1: no run with its step known */
  private nextStart = -1;
  private nextOffset = -1;
  /** the base's record lies wholly in the failed range */
  private inside = false;

  /** the next member's place, once the run's step is known (after joins took a member, or at its end) */
  private aim(): void {
    const b = this.base;
    const st = this.step;
    if (!b || !st) {
      this.nextStart = this.nextOffset = -1;
      return;
    }
    const r0 = b.rec;
    this.nextStart = r0.startblock + (this.n + 1) * st.blk;
    this.nextOffset = r0.offset + (this.n + 1) * st.off;
    this.inside = r0.startblock >= this.notify.startblock && r0.startblock + r0.blockcount <= this.notify.startblock + this.notify.blockcount;
  }

  /** the record does not continue the run: the members so far are done, and the run ends */
  private stop(): false {
    this.flush();
    return false;
  }

  /** do the members joined so far (and a rebound base), and end the run */
  flush(): void {
    const b = this.base;
    const n = this.n;
    const st = this.step;
    const last = this.lastRec;
    this.base = undefined;
    this.step = undefined;
    this.lastRec = undefined;
    this.n = 0;
    this.aim();
    if (!b) return;
    if (!b.rebound && (!st || n === 0)) return;
    const from = b.rebound ? 0 : 1;
    const bulk = (): void => applyMembers(this.k, b.member, n, st?.dIndex ?? 0, st?.dPfn ?? 0, from);
    if (this.outerQuiet) bulk();
    else {
      // the last member taken by peek: the base's record moved on by n steps
      const r0 = b.rec;
      const lastRec = last ?? (st && n > 0 ? { ...r0, startblock: r0.startblock + n * st.blk, offset: r0.offset + n * st.off } : r0);
      this.stretch.more(n + 1 - from, failureFnArgs(this.agno, lastRec), bulk);
    }
  }
}

function failureFnArgs(agno: number, rec: RmapRec): Args {
  return { agno, startblock: rec.startblock, blockcount: rec.blockcount, owner: ownerName(rec.owner), offset: rec.offset, flags: rmapFlags(rec) };
}

/** the file pages of a record that the failed range covers, as xfs_dax_failure_fn works them out */
function failedPages(mp: XfsSuperBlock, rec: RmapRec, notify: FailureInfo): { pos: number; pgoff: number; pgcnt: number; startCross: number; endCross: number } {
  const blockSize = mp.model.blockSize;
  let pos = rec.offset * blockSize;
  if (notify.startblock > rec.startblock) pos += (notify.startblock - rec.startblock) * blockSize;
  const pgoff = Math.floor(pos / 2 ** PAGE_SHIFT);
  const startCross = Math.max(rec.startblock, notify.startblock);
  const endCross = Math.min(rec.startblock + rec.blockcount, notify.startblock + notify.blockcount);
  const pgcnt = Math.floor(((endCross - startCross) * blockSize) / 2 ** PAGE_SHIFT);
  return { pos, pgoff, pgcnt, startCross, endCross };
}

/**
 * What xfs_dax_failure_fn will do with a record, as far as can be told
 * before doing it: metadata, an inode not in the cache, a file without DAX,
 * or a DAX file's pages, with how many there are, how many vmas map them,
 * and whether their first entry is a PMD (and where they start in it). Two records
 * of a stretch with the same shape are expected to be handled alike (the
 * stretch checks that they were).
 */
function recordShape(mp: XfsSuperBlock, rec: RmapRec, notify: FailureInfo): string {
  // metadata of one owner only: a summary of OWN_INOBT..OWN_INODES would hide which
  // metadata was hit, where a run of one owner's records says it all
  if (isNonInodeOwner(rec.owner) || rec.attrFork || rec.bmbtBlock) return `meta ${rec.owner} ${rmapFlags(rec)}`;
  const ip = mp.igetIncore(rec.owner);
  if (!ip) return 'not-incore';
  const { pgoff, pgcnt } = failedPages(mp, rec, notify);
  if (!ip.mapping.dax) return `not-dax ${pgcnt}`;
  const m = ip.mapping;
  const e = m.entries.rangeAt(pgoff);
  return `dax ${pgcnt} ${m.i_mmap.query(pgoff, pgoff + Math.max(pgcnt, 1) - 1).length} ${e ? (e.value.pmd ? `pmd ${pgoff % 512}` : 'pte') : 'none'}`;
}

function rmapFlags(rec: RmapRec): string {
  const f: string[] = [];
  if (rec.attrFork) f.push('XFS_RMAP_ATTR_FORK');
  if (rec.bmbtBlock) f.push('XFS_RMAP_BMBT_BLOCK');
  if (rec.unwritten) f.push('XFS_RMAP_UNWRITTEN');
  return f.join('|') || '0';
}



/**
 * The corrupted-range proposal's sb->s_op->corrupted_range for XFS (v3,
 * 2021): the bdev range becomes daddrs and AG blocks, and one rmap query per
 * AG calls xfs_corrupt_helper. As in the first merged notify_failure, a
 * metadata owner shuts the filesystem down at once and stops the query
 * (-EFSCORRUPTED), so file owners later in the range are not reached; inodes
 * are looked up whether cached or not.
 */
export function xfsFsCorruptedRange(k: Kernel, mp: XfsSuperBlock, offset: number, len: number, mfFlags: number): number {
  const x = mp.model;
  return k.tr.call('fs', 'xfs_fs_corrupted_range', { dev: mp.bdev.name, offset: hex(offset), len, mf_flags: mfFlagsName(mfFlags) }, () => {
    if (!mp.spec.rmapbt) {
      k.why.note({ kind: 'holder-declined', symbol: 'xfs_fs_corrupted_range', ret: '-EOPNOTSUPP', span: k.why.span });
      return -EOPNOTSUPP;
    }
    const daddr = Math.floor(offset / 512);
    const bblen = BTOBB(len);
    let fsbno = x.daddrToFsb(daddr);
    const endFsbno = x.daddrToFsb(daddr + bblen - 1);
    let error = 0;
    for (let agno = x.fsbToAgno(fsbno); agno <= x.fsbToAgno(endFsbno) && !error; agno++) {
      const low = x.fsbToAgbno(fsbno);
      const high = agno === x.fsbToAgno(endFsbno) ? x.fsbToAgbno(endFsbno) : x.agLength(agno) - 1;
      error = k.tr.call('rmap', 'xfs_rmap_query_range', { agno, low, high }, () =>
        x.rmapQueryRange(agno, low, high, (rec) => xfsCorruptHelper(k, mp, agno, rec, low, high, mfFlags)),
      );
      fsbno = x.agbToFsb(agno + 1, 0);
    }
    return error;
  });
}

function xfsCorruptHelper(k: Kernel, mp: XfsSuperBlock, agno: number, rec: RmapRec, low: number, high: number, mfFlags: number): number {
  return k.tr.call('rmap', 'xfs_corrupt_helper', { agno, startblock: rec.startblock, blockcount: rec.blockcount, owner: ownerName(rec.owner), offset: rec.offset, flags: rmapFlags(rec) }, () => {
    if (isNonInodeOwner(rec.owner) || rec.attrFork || rec.bmbtBlock) {
      mp.forceShutdown(k, 'SHUTDOWN_CORRUPT_ONDISK', 'xfs_corrupt_helper', 0);
      return -EFSCORRUPTED;
    }
    const ip = k.tr.call('fs', 'xfs_iget', { ino: rec.owner, flags: '0' }, () => mp.igetAny(rec.owner), (r) => (r ? `inode ${rec.owner}` : '-ENOENT'));
    if (!ip || !ip.mapping.dax) return 0;
    const bs = mp.model.blockSize;
    const first = Math.max(rec.startblock, low);
    const last = Math.min(rec.startblock + rec.blockcount - 1, high);
    for (let b = first; b <= last; b++) {
      const index = Math.floor(((rec.offset + (b - rec.startblock)) * bs) / 2 ** PAGE_SHIFT);
      const per = Math.max(1, bs / 2 ** PAGE_SHIFT);
      for (let i = 0; i < per; i++) mfDaxMappingKillProcs(k, ip.mapping, index + i, mfFlags);
    }
    return 0;
  });
}

/** the proposal's per-page mf_dax_mapping_kill_procs: the same collection and kill as mf_dax_kill_procs for one index */
function mfDaxMappingKillProcs(k: Kernel, mapping: Parameters<typeof mfDaxKillProcs>[1], index: number, mfFlags: number): number {
  return k.tr.call('mm', 'mf_dax_mapping_kill_procs', { inode: mapping.host?.ino ?? 0, index: hex(index), mf_flags: mfFlagsName(mfFlags) }, () => {
    daxKillIndex(k, mapping, index, mfFlags | MF.ACTION_REQUIRED | MF.MUST_KILL, false);
    return 0;
  });
}
