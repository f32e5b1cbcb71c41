// Filesystem geometry as mkfs.xfs (xfsprogs 6.1, the Debian bookworm
// version the oracle uses; defaults crc=1 finobt=1 sparse=1 inobtcount=1
// bigtime=1 nrext64=0, 512-byte inodes, metadir off) computes it for a
// device of a given size. The rules are reimplemented from the behaviour of
// mkfs and checked against its output (test/fixtures/xfs/*.txt):
//
// * AG geometry (calculate_initial_ag_geometry, calc_default_ag_geometry for
//   a single, unstriped device): with agcount given, agsize = ceil(dblocks /
//   agcount); without it 4 AGs from 128 MiB up to 4 TiB, fewer below
//   (2 under 64 MiB, 1 under 32 MiB), maximum-size AGs from 4 TiB.
//   agblklog = log2 rounded up of agsize.
// * AG headers: superblock, AGF, AGI, AGFL in sectors 0..3 of every AG; then
//   one root block each for the bnobt, cntbt, inobt, finobt, rmapbt (if
//   enabled) and refcountbt (if enabled) (XFS_BNO_BLOCK ...
//   xfs_prealloc_blocks).
// * Internal log (calculate_log_size): fs size / 2048, at least 64 MiB, but
//   the minimum size for filesystems under 300 MiB; never more than an AG's
//   usable space minus one block (minus 4 inode chunks in AG 0), 1M blocks
//   or 2 GiB - 10 MiB. It starts right after the AG headers of AG
//   agcount / 2. When the AG is smaller than the log mkfs wants (AGs of 64
//   MiB or less for a 64 MiB log: agcount 8 on 512 MiB, 16 on 1 GiB) the
//   cap leaves 5 blocks of the log's AG free. With rmapbt the AGFL needs 6:
//   mkfs then leaves that AGFL empty (xfs_alloc_fix_freelist, see
//   XfsMount). mkfs wants --unsupported for it, the log being under 64 MiB.
// * Directory blocks (-n size): 4 KiB, or the block size if larger.
// * The minimum log size (libxfs_log_calc_minimum_size, the largest
//   transaction reservation times its log count) depends on the whole
//   transaction-reservation machinery; it is reproduced here as a table
//   measured from mkfs.xfs 6.1 (`mkfs.xfs -N --unsupported`, every size from
//   16 MiB to 300 MiB, one AG, thresholds found by bisection on agblocks).
//   It only decides the log size of filesystems under 300 MiB.

import { InputError, describeValue } from '../../errors';
import {
  XFS_AG_MAX_BYTES,
  XFS_AG_MIN_BYTES,
  XFS_DEFAULT_COWEXTSZ_HINT,
  XFS_INODES_PER_CHUNK,
  XFS_MAX_LOG_BLOCKS,
  XFS_MAX_LOG_BYTES,
  XFS_MIN_LOG_BLOCKS,
  XFS_MIN_LOG_BYTES,
  log2Exact,
  log2Roundup,
  type XfsUnits,
} from './xfs_format';

export interface XfsMkfsOptions {
  /** size of the data device in bytes */
  deviceBytes: number;
  /** -b size= (1024, 2048 or 4096; default 4096) */
  blockSize?: number;
  /** -s size= (512, default, or 4096 with 4096-byte blocks) */
  sectorSize?: number;
  /** -d agcount= (default: as mkfs chooses for the size) */
  agcount?: number;
  /** -m rmapbt= (default true) */
  rmapbt?: boolean;
  /** -m reflink= (default true) */
  reflink?: boolean;
  /** size in bytes of an external log device (-l logdev=); absent means an internal log */
  logDeviceBytes?: number;
  /** the copy-on-write extent size hint in blocks (default XFS_DEFAULT_COWEXTSZ_HINT, 32) */
  cowExtSize?: number;
  /** JSON pointer of the filesystem in the scenario, for error reports */
  path?: string;
}

/** struct xfs_sb as mkfs writes it, plus derived per-mount constants */
export interface XfsGeometry extends XfsUnits {
  blockSize: number;
  sectSize: number;
  sectlog: number;
  inodeSize: number;
  inodelog: number;
  inopblock: number;
  /** sb_dblocks */
  dblocks: number;
  /** sb_agcount */
  agcount: number;
  /** blocks of the last AG (shorter when dblocks is not a multiple of agblocks) */
  lastAgBlocks: number;
  logInternal: boolean;
  /** sb_logstart: fsb of the internal log, 0 for an external one */
  logstart: number;
  /** sb_logblocks */
  logblocks: number;
  /** AG holding the internal log, -1 for an external log */
  logAgno: number;
  /** sb_logsectsize (0 means 512, as mkfs writes it) */
  logSectSize: number;
  rmapbt: boolean;
  reflink: boolean;
  finobt: true;
  sparseInodes: true;
  crc: true;
  inobtcount: true;
  bigtime: true;
  /** sb_imax_pct */
  imaxpct: number;
  /** sb_inoalignmt: inode chunk alignment in blocks */
  inoalignmt: number;
  /** sb_spino_align: sparse inode chunk alignment in blocks */
  spinoAlign: number;
  /** M_IGEO(mp)->ialloc_blks: blocks per full inode chunk */
  iallocBlocks: number;
  /** M_IGEO(mp)->ialloc_min_blks: blocks of a sparse inode chunk */
  iallocMinBlocks: number;
  /** XFS_AGFL_BLOCK(mp): the block holding the AGFL sector; the OWN_FS headers are blocks [0, agflBlock] */
  agflBlock: number;
  /** XFS_BNO_BLOCK(mp) */
  bnoBlock: number;
  /** XFS_CNT_BLOCK(mp) */
  cntBlock: number;
  /** XFS_IBT_BLOCK(mp) */
  ibtBlock: number;
  /** XFS_FIBT_BLOCK(mp) */
  fibtBlock: number;
  /** XFS_RMAP_BLOCK(mp), -1 without rmapbt */
  rmapBlock: number;
  /** xfs_refc_block(mp), -1 without reflink */
  refcBlock: number;
  /** xfs_prealloc_blocks(mp): first block after the AG headers and btree roots */
  preallocBlocks: number;
  /** xfs_agfl_size(mp): slots in the AGFL */
  agflSize: number;
  /** xfs_alloc_min_freelist for empty btrees: blocks mkfs puts on each AGFL */
  minFreelist: number;
  /** xfs_alloc_ag_max_usable(mp) */
  agMaxUsable: number;
  /** libxfs_log_calc_minimum_size as mkfs 6.1 uses it (see the table) */
  minLogBlocks: number;
  /** sb_versionnum, sb_features2, sb_features_ro_compat, sb_features_incompat as xfs_db prints them */
  versionnum: number;
  features2: number;
  featuresRoCompat: number;
  featuresIncompat: number;
  /** sb_dirblklog */
  dirblklog: number;
  /** the inode's literal area: bytes for the data fork (no attr fork) */
  literalAreaBytes: number;
  /** CoW extent size hint the model applies (blocks) */
  cowExtSize: number;
  /**
   * Why mkfs.xfs 6.1 would refuse this geometry unless given --unsupported
   * (the model accepts it, as mkfs does with that option).
   */
  unsupported: string[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

/**
 * libxfs_log_calc_minimum_size for mkfs.xfs 6.1 defaults, 512-byte inodes:
 * [blockSize, sectorSize, rmapbt, reflink] -> [[largest agblocks, log
 * blocks], ...], the last entry open-ended. Measured with mkfs.xfs 6.1.0
 * (see the header). The steps are where a btree's maximum height grows.
 */
const MIN_LOG_TABLE: Record<string, [number, number][]> = {
  '4096/512/1/1': [[42336, 3075], [Infinity, 3273]],
  '4096/512/0/1': [[42336, 1368], [Infinity, 1566]],
  '4096/512/0/0': [[Infinity, 857]],
  '4096/512/1/0': [[Infinity, 878]],
  '4096/4096/1/1': [[42336, 2928], [Infinity, 3126]],
  '4096/4096/0/1': [[42336, 1221], [Infinity, 1419]],
  '4096/4096/0/0': [[Infinity, 1605]],
  '4096/4096/1/0': [[Infinity, 1605]],
  '2048/512/1/1': [[10292, 3606], [20584, 3810], [Infinity, 4266]],
  '2048/512/0/1': [[10292, 1872], [20584, 2076], [Infinity, 2484]],
  '2048/512/0/0': [[Infinity, 1447]],
  '2048/512/1/0': [[20584, 1447], [65536, 1496], [Infinity, 1506]],
  '1024/512/1/1': [[144000, 5363], [192000, 5579], [Infinity, 6011]],
  '1024/512/0/1': [[144000, 3527], [192000, 3743], [Infinity, 4175]],
  '1024/512/0/0': [[Infinity, 2577]],
  '1024/512/1/0': [[32768, 2577], [192000, 2604], [292820, 2645], [Infinity, 2666]],
};

/** libxfs_log_calc_minimum_size (table form, see MIN_LOG_TABLE) */
export function xfsLogCalcMinimumSize(blockSize: number, sectorSize: number, rmapbt: boolean, reflink: boolean, agblocks: number): number {
  const t = MIN_LOG_TABLE[`${blockSize}/${sectorSize}/${rmapbt ? 1 : 0}/${reflink ? 1 : 0}`];
  if (!t) throw new Error(`no minimum log size for ${blockSize}-byte blocks, ${sectorSize}-byte sectors`);
  for (const [max, blocks] of t) if (agblocks <= max) return blocks;
  return t[t.length - 1]![1];
}

/** calc_default_ag_geometry for a single unstriped device: AG size in blocks */
function calcDefaultAgGeometry(blocklog: number, dblocks: number): number {
  const blocks = (bytes: number): number => Math.floor(bytes / 2 ** blocklog);
  const agMax = Math.floor((XFS_AG_MAX_BYTES - 1) / 2 ** blocklog);
  if (dblocks >= blocks(32 * TiB) || dblocks >= blocks(4 * TiB)) return agMax;
  let shift: number;
  if (dblocks >= blocks(128 * MiB)) shift = 2;
  else {
    shift = 5;
    if (dblocks < blocks(512 * GiB)) shift--;
    if (dblocks < blocks(8 * GiB)) shift--;
    if (dblocks < blocks(128 * MiB)) shift--;
    if (dblocks < blocks(64 * MiB)) shift--;
    if (dblocks < blocks(32 * MiB)) shift--;
  }
  let agsize = Math.floor(dblocks / 2 ** shift);
  if (dblocks % 2 ** shift !== 0 && agsize < agMax) agsize++;
  return agsize;
}

/**
 * mkfs.xfs: the geometry of a new filesystem on a device of
 * `deviceBytes`. Throws InputError for anything mkfs would reject.
 */
export function xfsMkfsGeometry(o: XfsMkfsOptions): XfsGeometry {
  const at = o.path ?? '';
  const bad = (field: string, value: unknown, msg: string): never => {
    throw new InputError(`${at}/${field}`, field, value, `${field} ${describeValue(value)}: ${msg}`);
  };
  const blockSize = o.blockSize ?? 4096;
  if (![1024, 2048, 4096].includes(blockSize))
    bad('blockSize', blockSize, 'XFS (crc=1) block size must be 1024, 2048 or 4096 bytes on a 4 KiB-page machine');
  const sectSize = o.sectorSize ?? 512;
  if (sectSize !== 512 && sectSize !== 4096) bad('sectorSize', sectSize, 'sector size must be 512 or 4096 bytes');
  // mkfs.xfs names the block size: with 4096-byte sectors (the lab's, pmem's physical block size) it is the block size that is wrong
  if (sectSize > blockSize) bad('blockSize', blockSize, `block size ${blockSize} cannot be smaller than sector size ${sectSize}`);
  const rmapbt = o.rmapbt ?? true;
  const reflink = o.reflink ?? true;
  const blocklog = log2Exact(blockSize);
  const sectlog = log2Exact(sectSize);
  if (!Number.isSafeInteger(o.deviceBytes) || o.deviceBytes <= 0) bad('device', o.deviceBytes, 'device size must be a positive byte count');
  let dblocks = Math.floor(o.deviceBytes / blockSize);
  const agMin = Math.floor(XFS_AG_MIN_BYTES / blockSize);
  const agMax = Math.floor((XFS_AG_MAX_BYTES - 1) / blockSize);

  // calculate_initial_ag_geometry
  let agsize: number;
  if (o.agcount !== undefined) {
    if (!Number.isSafeInteger(o.agcount) || o.agcount < 1) bad('agcount', o.agcount, 'agcount must be a positive integer');
    agsize = Math.ceil(dblocks / o.agcount);
  } else agsize = calcDefaultAgGeometry(blocklog, dblocks);
  if (agsize < agMin)
    bad(o.agcount !== undefined ? 'agcount' : 'device', o.agcount ?? o.deviceBytes, `agsize (${agsize} blocks) too small, need at least ${agMin} blocks (16 MiB)`);
  if (agsize > agMax)
    bad(o.agcount !== undefined ? 'agcount' : 'device', o.agcount ?? o.deviceBytes, `agsize (${agsize} blocks) too big, maximum is ${agMax} blocks`);
  let agcount = Math.ceil(dblocks / agsize);
  // a last AG too small to hold its metadata is dropped, with its blocks
  if (dblocks % agsize !== 0 && dblocks % agsize < agMin) {
    dblocks = (agcount - 1) * agsize;
    agcount--;
  }
  const agblklog = log2Roundup(agsize);
  const lastAgBlocks = dblocks - (agcount - 1) * agsize;

  const inodeSize = 512;
  const inodelog = 9;
  const inopblock = blockSize / inodeSize;
  const inopblog = blocklog - inodelog;

  // AG header and btree root placement (xfs_format.h, xfs_alloc.c)
  const sectorsPerBlockLog = blocklog - sectlog;
  /** XFS_HDR_BLOCK(mp, daddr) for the daddrs of the four header sectors */
  const hdrBlock = (sector: number): number => Math.floor(sector / 2 ** sectorsPerBlockLog);
  const agflBlock = hdrBlock(3);
  const bnoBlock = agflBlock + 1;
  const cntBlock = bnoBlock + 1;
  const ibtBlock = cntBlock + 1;
  const fibtBlock = ibtBlock + 1;
  const rmapBlock = rmapbt ? fibtBlock + 1 : -1;
  const refcBlock = reflink ? (rmapbt ? rmapBlock + 1 : fibtBlock + 1) : -1;
  const preallocBlocks = reflink ? refcBlock + 1 : rmapbt ? rmapBlock + 1 : fibtBlock + 1;
  /** xfs_agfl_size: the AGFL sector minus its CRC header (36 bytes), 4 bytes a slot */
  const agflSize = Math.floor((sectSize - 36) / 4);
  const minFreelist = 2 + 2 + (rmapbt ? 2 : 0);
  /** xfs_alloc_ag_max_usable */
  const agMaxUsable = agsize - (Math.ceil((4 * sectSize) / blockSize) + 4 + 3 + 1 + (rmapbt ? 1 : 0) + (reflink ? 1 : 0));

  // inode geometry (xfs_ialloc_setup_geometry, mkfs sb_set_features)
  const iallocBlocks = (XFS_INODES_PER_CHUNK * inodeSize) / blockSize;
  const clusterBytes = Math.min(8192 * (inodeSize / 256), XFS_INODES_PER_CHUNK * inodeSize);
  const spinoAlign = Math.max(1, clusterBytes / blockSize);
  const inoalignmt = iallocBlocks;

  // calculate_log_size
  let minLog = Math.max(XFS_MIN_LOG_BLOCKS, xfsLogCalcMinimumSize(blockSize, sectSize, rmapbt, reflink, agsize));
  if (dblocks >= Math.floor(GiB / blockSize)) minLog = Math.max(minLog, Math.floor(XFS_MIN_LOG_BYTES / blockSize));
  const unsupported: string[] = [];
  let logInternal = true;
  let logblocks: number;
  let logstart = 0;
  let logAgno = -1;
  if (o.logDeviceBytes !== undefined) {
    logInternal = false;
    if (!Number.isSafeInteger(o.logDeviceBytes) || o.logDeviceBytes <= 0) bad('log', o.logDeviceBytes, 'log device size must be a positive byte count');
    logblocks = Math.floor(o.logDeviceBytes / blockSize);
    if (logblocks < minLog) bad('log', o.logDeviceBytes, `external log device size ${logblocks} blocks too small, must be at least ${minLog} blocks`);
    if (logblocks > XFS_MAX_LOG_BLOCKS || logblocks * blockSize > XFS_MAX_LOG_BYTES)
      bad('log', o.logDeviceBytes, `log size ${logblocks} blocks too large, maximum size is ${Math.floor(XFS_MAX_LOG_BYTES / blockSize)} blocks (mkfs needs -l size= for a bigger device)`);
  } else {
    let maxLog = agMaxUsable - 1;
    if (maxLog < minLog) bad('device', o.deviceBytes, `max log size ${maxLog} smaller than min log size ${minLog}, filesystem is too small`);
    logblocks = Math.floor(Math.floor((dblocks * blockSize) / 2048) / blockSize);
    logblocks = Math.max(logblocks, Math.floor((64 * MiB) / blockSize));
    if (dblocks < Math.floor((300 * MiB) / blockSize)) logblocks = minLog;
    logblocks = Math.max(minLog, logblocks);
    logblocks = Math.min(logblocks, maxLog);
    logblocks = Math.min(logblocks, XFS_MAX_LOG_BLOCKS);
    if (logblocks * blockSize > XFS_MAX_LOG_BYTES) logblocks = Math.floor(XFS_MAX_LOG_BYTES / blockSize);
    if (logblocks > agsize - preallocBlocks) bad('device', o.deviceBytes, `internal log size ${logblocks} too large, must fit in allocation group`);
    logAgno = Math.floor(agcount / 2);
    if (logAgno === 0) {
      // adjust_ag0_internal_logblocks: leave room for the root inode chunk
      maxLog -= 4 * iallocBlocks;
      logblocks = Math.min(logblocks, maxLog);
    }
    if (logblocks < minLog) bad('device', o.deviceBytes, `log size ${logblocks} blocks too small, minimum size is ${minLog} blocks`);
    logstart = logAgno * 2 ** agblklog + preallocBlocks;
  }

  // validate_supported: what mkfs refuses without --unsupported
  if (agcount < 2) unsupported.push('Filesystem must have at least 2 superblocks for redundancy!');
  if (dblocks < Math.floor((300 * MiB) / blockSize)) unsupported.push('Filesystem must be larger than 300MB.');
  if (logblocks < Math.floor((64 * MiB) / blockSize)) unsupported.push('Log size must be at least 64MB.');

  const imaxpct = dblocks < Math.floor(TiB / blockSize) ? 25 : dblocks < Math.floor((50 * TiB) / blockSize) ? 5 : 1;
  const cowExtSize = o.cowExtSize ?? XFS_DEFAULT_COWEXTSZ_HINT;
  if (!Number.isSafeInteger(cowExtSize) || cowExtSize < 1) bad('cowExtSize', cowExtSize, 'the CoW extent size hint must be a positive block count');

  return {
    blocklog,
    agblocks: agsize,
    agblklog,
    inopblog,
    blockSize,
    sectSize,
    sectlog,
    inodeSize,
    inodelog,
    inopblock,
    dblocks,
    agcount,
    lastAgBlocks,
    logInternal,
    logstart,
    logblocks,
    logAgno,
    logSectSize: sectSize === 512 ? 0 : sectSize,
    rmapbt,
    reflink,
    finobt: true,
    sparseInodes: true,
    crc: true,
    inobtcount: true,
    bigtime: true,
    imaxpct,
    inoalignmt,
    spinoAlign,
    iallocBlocks,
    iallocMinBlocks: spinoAlign,
    agflBlock,
    bnoBlock,
    cntBlock,
    ibtBlock,
    fibtBlock,
    rmapBlock,
    refcBlock,
    preallocBlocks,
    agflSize,
    minFreelist,
    agMaxUsable,
    minLogBlocks: minLog,
    versionnum: 0xb4a5 | (sectSize !== 512 ? 0x800 : 0),
    features2: 0x18a,
    featuresRoCompat: 0x1 | (rmapbt ? 0x2 : 0) | (reflink ? 0x4 : 0) | 0x8,
    featuresIncompat: 0x1 | 0x2 | 0x8,
    // -n size: the directory block size is 4 KiB or the block size, if larger
    dirblklog: Math.max(12, blocklog) - blocklog,
    literalAreaBytes: inodeSize - 176,
    cowExtSize,
    unsupported,
  };
}
