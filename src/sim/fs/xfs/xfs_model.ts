// The XFS on-disk model: geometry as mkfs.xfs makes it, the allocator, the
// reverse map, reference counts, inodes, directories, reflink and copy on
// write. Pure TypeScript (no Node APIs), usable in a browser. The
// memory-failure logic that uses it (xfs_dax_notify_failure) lives in
// xfs_notify_failure.ts, on top of this API.
//
// Entry point: XfsMount.mkfs({ deviceBytes, agcount?, blockSize?, rmapbt?,
// reflink?, logDeviceBytes?, sectorSize?, cowExtSize?, path? }).
//
// What a notification handler needs (all on XfsMount):
//   geo                              struct xfs_sb: agblocks, agblklog, agcount, dblocks, blocklog,
//                                    inopblog, logstart/logblocks, rmapbt, reflink, ...
//   blockSize, agLength(agno)
//   daddrToFsb, fsbToDaddr, fsbToAgno, fsbToAgbno, agbToFsb, agbToDaddr,
//   daddrToAgno, daddrToAgbno, fsbToB, bToFsbt, bToFsb, inoToAgno, inoToFsb ...
//                                    the kernel's unit macros (also exported as
//                                    XFS_DADDR_TO_FSB(geo, d) etc.)
//   rmapQueryRange(agno, lo, hi, fn) xfs_rmap_query_range over AG blocks [lo, hi]; fn(rec) gets
//                                    RmapIrec {startblock, blockcount, owner, offset, attrFork,
//                                    bmbtBlock, unwritten} in key order; non-zero return stops
//   XFS_RMAP_NON_INODE_OWNER(owner), rmapOwnerName(owner), XFS_RMAP_OWN_* (negative numbers)
//   iget(ino, {incore}) / igetIncore(ino) / setIncore(ino, b)
//                                    xfs_iget with XFS_IGET_INCORE (-ENODATA when not cached)
//   pathOf(ino), lookup(path), listFiles(), fileSize(ino), inode(ino)
//
// File operations (sizes and offsets in bytes; paths are inside the
// filesystem, "/dir/name"; a file may also be named by inode number):
//   createFile({path, size?, fill?, extents?}, ptr?)   files entry (explicit extents: fsb numbers)
//   mkdir(path), reflinkFile(src, dst), cloneRange(src, srcOff, dst, dstOff, len)
//   write(ino, off, len) -> {error, pieces}             DAX write: allocation, conversion, CoW
//   directWriteIomapBegin(ino, pos, len, {zero?}) / daxWriteIomapEnd(ino, iomap, written)
//                                                       the same, one iomap iteration at a time
//   release(ino)                                        close of a writable fd: trims CoW staging past EOF
//   logForce()                                          fsync/sync/unmount/30 s: freed blocks stop being busy
//   punchHole(ino, off, len), fallocate(ino, off, len), truncate(ino, size), unlink(path),
//   setFileSize(ino, size), addAttrBlocks(ino, n), reclaimCowBlocks(ino?)
//   mapFileRange(ino, off, len, maxPieces?) -> XfsMapPiece[]  iomap for reads and faults
// Views: sb(), agf(agno), agi(agno), agfl(agno), freeExtents(agno), inodeChunks(agno),
//   rmapRecords(agno), refcountRecords(agno), refcountOf(agno, agbno), ownersOf(fsb), busyExtents(agno),
//   fsmap({allOwners?}), snapshot().
//
// Bad input (setup-time operations) throws XfsOpError, an InputError that
// also carries the errno, before anything changes; runtime operations
// return a negative errno (-ENOSPC ...) and leave the filesystem as it was.

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
