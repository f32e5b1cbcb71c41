// The XFS on-disk model: geometry as mkfs.xfs makes it, the allocator, the
// reverse map, reference counts, inodes, reflink and copy on write. Pure
// TypeScript (no Node APIs). The memory-failure logic that uses it
// (xfs_dax_notify_failure) lives in xfs_notify_failure.ts.

export * from './xfs_format';
export { xfsMkfsGeometry, xfsLogCalcMinimumSize, type XfsGeometry, type XfsMkfsOptions } from './xfs_mkfs';
export {
  XfsMount,
  XfsOpError,
  splitPath,
  EEXIST,
  ENOTDIR,
  EISDIR,
  EFBIG,
  type XfsFileRef,
  type XfsFileSpec,
  type XfsMapPiece,
  type XfsIomap,
  type XfsFsmapRecord,
  type XfsFileInfo,
  type XfsInodeInfo,
  type XfsIoResult,
  type XfsInoChunk,
} from './xfs_mount';
export { xfsRmapCompare, cmpOwner } from './xfs_rmap';
export { xfsAllocComputeDiff, xfsAllocComputeAligned, xfsAllocFixLen } from './xfs_alloc';
export { xfsBmbtBlocksNeeded, xfsIforkMaxext, xfsDir2SfSize, xfsDir2DataEntsize, HOLESTARTBLOCK } from './xfs_inode';
