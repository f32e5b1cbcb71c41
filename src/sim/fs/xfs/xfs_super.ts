// XFS as the kernel runs it on a pmem device: mount (the buftarg claims the
// dax device as its holder with xfs_dax_holder_operations), the DAX iomap
// operations over the on-disk model, copy-on-write of reflinked blocks, hole
// punching, and forced shutdown with its log lines.

import type { Kernel } from '../../kernel';
import { SuperBlock, type BlockDev, type Iomap, type OwnedSummary } from '../vfs';
import type { FileSpec, FilesystemSpec } from '../../scenario/types';
import { fsDaxGetByBdev, type DaxDevice } from '../../dax/super';
import { AddressSpace, type Inode } from '../../mm/types';
import { EIO, ENOSPC } from '../../errno';
import type { XfsIomap } from './xfs_mount';
import { hex, SECTOR_SIZE } from '../../units';
import { xfsDaxHolderOperations, xfsFsCorruptedRange } from './xfs_notify_failure';
import { createXfsModel, isNonInodeOwner, type XfsModelApi } from './xfs_model_adapter';
import { InputError } from '../../errors';
import { kernelVersion } from '../../version';

/** SHUTDOWN_* flags, fs/xfs/xfs_mount.h */
export const SHUTDOWN = {
  SHUTDOWN_META_IO_ERROR: 1 << 0,
  SHUTDOWN_LOG_IO_ERROR: 1 << 1,
  SHUTDOWN_FORCE_UMOUNT: 1 << 2,
  SHUTDOWN_CORRUPT_INCORE: 1 << 3,
  SHUTDOWN_CORRUPT_ONDISK: 1 << 4,
  SHUTDOWN_DEVICE_REMOVED: 1 << 5,
} as const;
export type ShutdownFlag = keyof typeof SHUTDOWN;

/**
 * Source lines of the xfs_force_shutdown call sites at 6.12.117, as the
 * shutdown log line prints them (checked against the tree by a test).
 */
export const XFS_SHUTDOWN_LINES = {
  logdevShutdown: 225,
  preRemoveShutdown: 316,
  corruptShutdown: 318,
  deviceRemoved: 1178,
};

/**
 * The shutdown line prints its caller with %pS (__return_address): the
 * return address after the call of xfs_do_force_shutdown, as symbol+offset/
 * size [module]. Offsets of Debian's 6.12.117 xfs.ko (objdump -dr), keyed by
 * source line; the two xfs_notify_failure.c:316/318 ones match what the
 * kernel printed (oracle meta rawDmesgByEvent). xfs_dax_notify_logdev_failure
 * is inlined into xfs_dax_notify_failure, the module's last text symbol,
 * whose size here is its ELF size (not checked against a kernel line).
 */
export const XFS_SHUTDOWN_CALLERS: Record<number, string> = {
  [XFS_SHUTDOWN_LINES.logdevShutdown]: 'xfs_dax_notify_failure+0x183/0x1bc [xfs]',
  [XFS_SHUTDOWN_LINES.preRemoveShutdown]: 'xfs_dax_notify_ddev_failure+0x289/0x430 [xfs]',
  [XFS_SHUTDOWN_LINES.corruptShutdown]: 'xfs_dax_notify_ddev_failure+0x39b/0x430 [xfs]',
  [XFS_SHUTDOWN_LINES.deviceRemoved]: 'xfs_fs_shutdown+0x26/0x30 [xfs]',
};

/**
 * The same call sites in 6.1.192 (issue 15): xfs_dax_notify_ddev_failure's
 * corruption shutdown (line 169) and xfs_dax_notify_failure's external-log
 * one (line 201). 6.1 has no pre-remove shutdown (MF_MEM_PRE_REMOVE came in
 * 6.7) and no device-removal one (sops->shutdown through the bdev holder ops came in
 * 6.5): 0.
 */
export const XFS_SHUTDOWN_LINES_6_1: typeof XFS_SHUTDOWN_LINES = {
  logdevShutdown: 201,
  preRemoveShutdown: 0,
  corruptShutdown: 169,
  deviceRemoved: 0,
};

/**
 * %pS of the 6.1 call sites in Debian's 6.1.0-57 xfs.ko: the static
 * xfs_dax_notify_ddev_failure is inlined into xfs_dax_notify_failure there,
 * so the line-169 shutdown prints that function, as the kernel printed it
 * (oracle/recorded-6.1/unbind-mounted-xfs meta). The line-201 one is in the
 * same function; its offset was not observed, so the name is printed alone.
 */
export const XFS_SHUTDOWN_CALLERS_6_1: Record<number, string> = {
  [XFS_SHUTDOWN_LINES_6_1.corruptShutdown]: 'xfs_dax_notify_failure+0x3d7/0x430 [xfs]',
};

export class XfsSuperBlock extends SuperBlock {
  readonly model: XfsModelApi;
  /** SB_BORN: mount finished */
  born = false;
  /** the first shutdown's flags (xfs_set_shutdown makes later ones no-ops) */
  private shutdownFlags: ShutdownFlag | null = null;
  /** the data buftarg's dax device (bt_daxdev), held on every mount; daxDev is set only when files use DAX */
  ddevDax: DaxDevice | null = null;
  /** the external log device's dax device, when the log is external and DAX-capable */
  logDax: DaxDevice | null = null;
  logSize = 0;
  readonly lines: typeof XFS_SHUTDOWN_LINES;
  /** %pS of each call site, by line, in the modelled release's xfs.ko */
  private readonly callers: Record<number, string>;
  private nextMapping = 1;
  private byIno = new Map<number, Inode>();

  constructor(k: Kernel, spec: FilesystemSpec, bdev: BlockDev, readonly logBdev?: BlockDev) {
    super(spec, bdev);
    const v61 = kernelVersion(k.cfg) === '6.1';
    this.lines = v61 ? XFS_SHUTDOWN_LINES_6_1 : XFS_SHUTDOWN_LINES;
    this.callers = v61 ? XFS_SHUTDOWN_CALLERS_6_1 : XFS_SHUTDOWN_CALLERS;
    this.model = createXfsModel(spec, bdev.size, logBdev?.size);
    this.logSize = logBdev ? logBdev.size : 0;
    k.tr.call('fs', 'xfs_fs_fill_super', { dev: bdev.name, dax: spec.dax, rmapbt: spec.rmapbt, reflink: spec.reflink }, () => {
      // xfs_alloc_buftarg → fs_dax_get_by_bdev(bdev, &off, mp, &xfs_dax_holder_operations)
      // on every mount, whatever the dax= option: the buftarg holds the dax
      // device (and gets its failures) even when no file is accessed through DAX
      const dax = bdev.dax ? fsDaxGetByBdev(k, bdev.dax, bdev.name, this, xfsDaxHolderOperations) : null;
      this.ddevDax = dax;
      // the log buftarg claims its own dax device with the same holder and ops
      if (logBdev?.dax) this.logDax = fsDaxGetByBdev(k, logBdev.dax, logBdev.name, this, xfsDaxHolderOperations);
      if (spec.dax === 'always') {
        // xfs_setup_dax_always: files use DAX only with -o dax=always
        if (!dax) k.log(`${this.logPrefix}DAX unsupported by block device. Turning off DAX.`);
        this.daxDev = dax;
      }
      this.born = true;
      return 0;
    });
    bdev.onMarkDead((kk) => this.markDead(kk));
    logBdev?.onMarkDead((kk) => this.markDead(kk));
    // the corrupted-range proposal: the superblock holds the block device and implements s_op->corrupted_range
    if (this.daxDev) bdev.onCorruptedRange((kk, off, len, flags) => xfsFsCorruptedRange(kk, this, off, len, flags));
  }

  get logPrefix(): string {
    return `XFS (${this.bdev.name}): `;
  }

  shutdownState(): string | null {
    return this.shutdownFlags;
  }

  /**
   * xfs_force_shutdown → xfs_do_force_shutdown: the first shutdown wins and
   * logs why; later ones return at once.
   */
  forceShutdown(k: Kernel, flag: ShutdownFlag, caller: string, line: number): void {
    k.tr.call('fs', 'xfs_do_force_shutdown', { flags: `${flag} (${hex(SHUTDOWN[flag])})`, caller }, () => {
      if (this.shutdownFlags) return 'already shut down';
      this.shutdownFlags = flag;
      if (flag === 'SHUTDOWN_FORCE_UMOUNT') k.log(`${this.logPrefix}User initiated shutdown received.`);
      const why =
        flag === 'SHUTDOWN_LOG_IO_ERROR'
          ? 'Log I/O Error'
          : flag === 'SHUTDOWN_CORRUPT_INCORE'
            ? 'Corruption of in-memory data'
            : flag === 'SHUTDOWN_CORRUPT_ONDISK'
              ? 'Corruption of on-disk metadata'
              : flag === 'SHUTDOWN_DEVICE_REMOVED'
                ? 'Block device removal'
                : 'Metadata I/O Error';
      const file = caller.startsWith('xfs_dax') ? 'fs/xfs/xfs_notify_failure.c' : 'fs/xfs/xfs_super.c';
      const at = line ? `${file}:${line}` : file; // a proposal's function has no line in any release
      // %pS of the call site in the modelled release's build; a proposal's function has none
      const ps = line ? (this.callers[line] ?? caller) : caller;
      k.log(`${this.logPrefix}${why} (${hex(SHUTDOWN[flag])}) detected at ${ps} (${at}).  Shutting down filesystem.`);
      k.log(`${this.logPrefix}Please unmount the filesystem and rectify the problem(s)`);
      return 'shut down';
    });
  }

  /** xfs_fs_shutdown (super_operations.shutdown), from fs_bdev_mark_dead when the disk goes */
  markDead(k: Kernel): void {
    k.tr.call('fs', 'xfs_fs_shutdown', { dev: this.bdev.name }, () => {
      this.forceShutdown(k, 'SHUTDOWN_DEVICE_REMOVED', 'xfs_fs_shutdown', this.lines.deviceRemoved);
    });
  }

  /** the reverse map's file owners of [devOffset, devOffset + len), as xfs_io fsmap would list them (rmapbt only) */
  override ownersQuiet(devOffset: number, len: number): { inode: Inode; fileOffset: number; length: number }[] | undefined {
    if (!this.spec.rmapbt || len <= 0) return undefined;
    const x = this.model;
    const bs = x.blockSize;
    const end = Math.min(devOffset + len, this.bdev.size);
    if (devOffset >= end) return [];
    const first = x.daddrToFsb(Math.floor(devOffset / SECTOR_SIZE));
    const last = x.daddrToFsb(Math.floor((end - 1) / SECTOR_SIZE));
    const out: { inode: Inode; fileOffset: number; length: number }[] = [];
    for (let agno = x.fsbToAgno(first); agno <= x.fsbToAgno(last); agno++) {
      const lo = agno === x.fsbToAgno(first) ? x.fsbToAgbno(first) : 0;
      const hi = agno === x.fsbToAgno(last) ? x.fsbToAgbno(last) : x.agLength(agno) - 1;
      x.rmapQueryRange(agno, lo, hi, (rec) => {
        if (isNonInodeOwner(rec.owner) || rec.attrFork || rec.bmbtBlock) return 0;
        const inode = this.byIno.get(rec.owner);
        if (!inode) return 0;
        const a = Math.max(rec.startblock, lo);
        const b = Math.min(rec.startblock + rec.blockcount - 1, hi);
        const devA = x.agbToDaddr(agno, a) * SECTOR_SIZE;
        const devB = x.agbToDaddr(agno, b) * SECTOR_SIZE + bs;
        const s = Math.max(devA, devOffset);
        const e = Math.min(devB, end);
        if (s < e) out.push({ inode, fileOffset: (rec.offset + (a - rec.startblock)) * bs + (s - devA), length: e - s });
        return 0;
      });
    }
    return out;
  }

  /**
   * A file's reverse-map records at a glance, from its data fork (every
   * data-fork extent has its record: the same blocks and file offsets, past
   * EOF and unwritten ones too), in O(1): the fork keeps its mapped block
   * count and a bound on the blocks it holds as extents come and go (rmapbt only).
   */
  override ownedQuiet(inode: Inode): OwnedSummary | null | undefined {
    if (!this.spec.rmapbt) return undefined;
    const x = this.model;
    const ip = x.inodes.get(inode.ino);
    const sum = ip?.data.summary();
    if (!ip || !sum) return null;
    const bs = x.blockSize;
    const dev = (fsb: number): number => x.fsbToDaddr(fsb) * SECTOR_SIZE;
    return {
      devStart: dev(sum.lowBlock),
      devEnd: dev(sum.highBlock - 1) + bs,
      fileStart: sum.startoff * bs,
      fileEnd: sum.endoff * bs,
      gapless: sum.gapless,
      each: (fn) => ip.data.forEachRaw((off, fsb, len) => fn(off * bs, dev(fsb), len * bs)),
    };
  }

  /** one piece of the file's block map, from the model's extent lookup (the same one ->iomap_begin reads) */
  override mapQuiet(inode: Inode, pos: number, len: number): { devOffset: number; length: number; shared: boolean } | undefined {
    const p = this.model.mapFileRange(inode.ino, pos, Math.max(1, len), 1)[0];
    if (!p || p.kind !== 'mapped' || p.deviceOffset === undefined || p.fileOffset > pos) return undefined;
    return { devOffset: p.deviceOffset + (pos - p.fileOffset), length: Math.min(len, p.fileOffset + p.length - pos), shared: !!p.shared };
  }

  /** xfs_iget(..., XFS_IGET_INCORE): the in-core inode, or null (-ENODATA) */
  igetIncore(ino: number): Inode | null {
    const inode = this.byIno.get(ino);
    // what xfs_iget(XFS_IGET_INCORE) answers, without copying the inode's extent lists
    return inode && this.model.inodes.get(ino)?.incore ? inode : null;
  }

  /** xfs_iget without XFS_IGET_INCORE: any inode of this filesystem (read in if need be) */
  igetAny(ino: number): Inode | null {
    return this.byIno.get(ino) ?? null;
  }

  /** the path inside the filesystem the model uses ("/dir/name") */
  private rel(path: string): string {
    const m = this.mount.replace(/\/+$/, '');
    return path.startsWith(m + '/') ? path.slice(m.length) : path;
  }

  createFile(k: Kernel, f: FileSpec, lookup: (path: string) => Inode | undefined): Inode {
    let ino: number;
    if (f.reflink !== undefined) {
      const src = lookup(f.reflink);
      if (!src || !this.byIno.has(src.ino))
        throw new InputError(`${f.pathPtr}/reflink`, 'reflink', f.reflink, `file ${f.path}: reflink source ${JSON.stringify(f.reflink)} is not an earlier file on ${this.mount}`);
      ino = this.model.reflinkFile(src.ino, this.rel(f.path), f.pathPtr);
    } else {
      ino = this.model.createFile({ path: this.rel(f.path), size: f.size, fill: f.fill, extents: f.extents }, f.pathPtr);
    }
    for (const [i, c] of f.clone.entries()) {
      const src = lookup(c.from);
      if (!src || !this.byIno.has(src.ino))
        throw new InputError(`${f.pathPtr}/clone/${i}/from`, 'from', c.from, `file ${f.path}: clone source ${JSON.stringify(c.from)} is not an earlier file on ${this.mount}`);
      this.model.cloneRange(src.ino, c.srcOffset, ino, c.dstOffset, c.length, `${f.pathPtr}/clone/${i}`);
    }
    if (!f.cached) this.model.setIncore(ino, false);
    const mapping = new AddressSpace(this.nextMapping++, null, this.dax);
    const inode: Inode = { ino, path: f.path, size: this.model.fileSize(ino), mapping, chr: false, sbDev: this.bdev.name };
    mapping.host = inode;
    this.byIno.set(ino, inode);
    void k;
    return inode;
  }

  private toIomap(ino: number, pos: number, len: number): Iomap {
    const p = this.model.mapFileRange(ino, pos, Math.max(1, len), 1)[0]!;
    return {
      offset: p.fileOffset,
      length: p.length,
      type: iomapType(p.kind),
      addr: p.kind === 'hole' ? 0 : p.deviceOffset!,
      shared: p.shared,
      isNew: false,
    };
  }

  /** xfs_read_iomap_begin (IOMAP_DAX): reports IOMAP_F_SHARED for reflinked blocks, reads included */
  iomapRead(k: Kernel, inode: Inode, pos: number, len: number): Iomap | number {
    return k.tr.call(
      'fs',
      'xfs_read_iomap_begin',
      { ino: inode.ino, pos: hex(pos), len },
      () => {
        if (this.isShutdown()) return -EIO;
        return this.toIomap(inode.ino, pos, len);
      },
      iomapFmt,
    );
  }

  /**
   * xfs_direct_write_iomap_begin for a DAX write or write fault: holes are
   * allocated and, for DAX, zeroed with XFS_BMAPI_ZERO (xfs_zero_extent →
   * blkdev_issue_zeroout, block writes that clear known poison); shared
   * blocks get CoW staging blocks that iomap_end remaps into the file.
   */
  iomapWrite(k: Kernel, inode: Inode, pos: number, len: number): Iomap | number {
    return k.tr.call(
      'fs',
      'xfs_direct_write_iomap_begin',
      { ino: inode.ino, pos: hex(pos), len },
      () => {
        if (this.isShutdown()) return -EIO;
        // the data fork's mapping of pos, before any CoW staging is set up: a CoW's srcmap
        const data = this.model.mapFileRange(inode.ino, pos, Math.max(1, len))[0];
        const r = this.model.directWriteIomapBegin(inode.ino, pos, len);
        if (r.error || !r.iomap) return r.error || -EIO;
        const m = r.iomap;
        const iomap: Iomap = {
          offset: m.fileOffset,
          length: m.length,
          type: iomapType(m.kind),
          addr: m.deviceOffset ?? 0,
          shared: m.shared || m.cow,
          isNew: m.isNew,
          priv: m,
        };
        // out_found_cow: a data fork extent that is not a hole becomes srcmap (xfs_bmbt_to_iomap, no flags)
        if (m.cow && data && data.kind !== 'hole' && data.deviceOffset !== undefined)
          iomap.srcmap = { offset: data.fileOffset, length: data.length, type: iomapType(data.kind), addr: data.deviceOffset, shared: false, isNew: false };
        if (m.isNew && !m.cow && m.deviceOffset !== undefined) {
          const sector = m.deviceOffset / SECTOR_SIZE;
          const rc = k.tr.call('fs', 'xfs_zero_extent', { daddr: hex(sector), len: m.length }, () =>
            k.tr.call('block', 'blkdev_issue_zeroout', { disk: this.bdev.name, sector, nr_sects: Math.ceil(m.length / SECTOR_SIZE) }, () => this.bdev.submit(k, 'WRITE', sector, m.length)),
          );
          if (rc < 0) return rc;
        }
        return iomap;
      },
      iomapFmt,
    );
  }

  /** xfs_dax_write_iomap_end: a CoW mapping is remapped into the file (or cancelled); i_size grows */
  iomapWriteEnd(k: Kernel, inode: Inode, iomap: Iomap, written: number): void {
    const m = iomap.priv as XfsIomap | undefined;
    if (m && m.cow) {
      k.tr.call('fs', written > 0 ? 'xfs_reflink_end_cow' : 'xfs_reflink_cancel_cow_range', { ino: inode.ino, offset: hex(m.fileOffset), count: written }, () =>
        this.model.daxWriteIomapEnd(inode.ino, m, written),
      );
    } else if (m) this.model.daxWriteIomapEnd(inode.ino, m, written);
    const end = iomap.offset + Math.min(written, iomap.length);
    if (written > 0 && end > inode.size) {
      inode.size = end;
      this.model.setFileSize(inode.ino, end);
    }
  }

  punchHole(k: Kernel, inode: Inode, off: number, len: number): number {
    return k.tr.call('fs', 'xfs_free_file_space', { ino: inode.ino, offset: hex(off), len }, () => this.model.punchHole(inode.ino, off, len));
  }

  /** xfs_release: the first writable close trims CoW staging blocks past EOF */
  override release(inode: Inode): void {
    this.model.release(inode.ino);
  }

  extentsQuiet(inode: Inode): { fileOffset: number; length: number; devOffset: number }[] {
    if (inode.size <= 0) return [];
    return this.model
      .mapFileRange(inode.ino, 0, inode.size)
      .filter((p) => p.kind !== 'hole')
      .map((p) => ({ fileOffset: p.fileOffset, length: p.length, devOffset: p.deviceOffset! }));
  }

  bmapQuiet(inode: Inode, off: number): number | undefined {
    const p = this.model.mapFileRange(inode.ino, off, 1, 1)[0];
    return p && p.kind === 'mapped' ? p.deviceOffset! : undefined;
  }
}

/** the model's extent kind as struct iomap's type */
function iomapType(kind: 'mapped' | 'hole' | 'unwritten'): Iomap['type'] {
  return kind === 'mapped' ? 'IOMAP_MAPPED' : kind === 'hole' ? 'IOMAP_HOLE' : 'IOMAP_UNWRITTEN';
}

function iomapFmt(r: Iomap | number): string {
  if (typeof r === 'number') return r < 0 ? `-${r === -EIO ? 'EIO' : r === -ENOSPC ? 'ENOSPC' : -r}` : String(r);
  return `${r.type}${r.shared ? '|IOMAP_F_SHARED' : ''}${r.isNew ? '|IOMAP_F_NEW' : ''} off ${hex(r.offset)} len ${r.length}${r.type === 'IOMAP_MAPPED' ? ` addr ${hex(r.addr)}` : ''}`;
}
