// The iomap side of the XFS model (fs/xfs/xfs_iomap.c): the mappings the DAX
// code asks for, for writes (xfs_direct_write_iomap_begin,
// xfs_dax_write_iomap_end) and reads (xfs_read_iomap_begin). Methods of
// XfsMount (xfs_mount.ts) delegate here.

import { EINVAL, ENOSPC } from '../../errno';
import { BBSIZE } from './xfs_format';
import { HOLESTARTBLOCK, type XfsInode } from './xfs_inode';
import { EFBIG, EISDIR, MAX_FILE_BYTES, type XfsIomap, type XfsMapPiece, type XfsMount, XfsNoSpace } from './xfs_mount';

/**
 * xfs_direct_write_iomap_begin (xfs_dax_write_iomap_ops) for the write
 * of [pos, pos + len): prepare the first mapping and say where its bytes
 * go. A reflink inode checks its CoW fork and the refcounts first: a
 * shared block (or one under an existing CoW staging extent) gets a
 * staging block, remapped into the file by daxWriteIomapEnd. Otherwise
 * holes are allocated and unwritten extents converted (IOMAP_F_NEW: the
 * blocks are zeroed), written blocks are used in place. `zeroing` is
 * IOMAP_ZERO (xfs_zero_range): holes and unwritten extents are reported,
 * not filled.
 */
export function xfsWriteBegin(mp: XfsMount, ip: XfsInode, pos: number, len: number, zeroing: boolean): XfsIomap {
  const bs = mp.blockSize;
  const offFsb = Math.floor(pos / bs);
  const endFsb = Math.ceil((pos + len) / bs);
  const imap = ip.data.read(offFsb, endFsb - offFsb);
  const piece = (blocks: number, kind: XfsIomap['kind'], fsb: number | undefined, shared: boolean, isNew: boolean, cow: boolean): XfsIomap => {
    const end = Math.min(pos + len, (offFsb + blocks) * bs);
    const m: XfsIomap = { fileOffset: pos, length: end - pos, kind, shared, isNew, cow };
    if (fsb !== undefined) {
      m.fsb = fsb;
      m.deviceOffset = mp.fsbToDaddr(fsb) * BBSIZE + (pos - offFsb * bs);
      m.daddr = Math.floor(m.deviceOffset / BBSIZE);
    }
    return m;
  };
  if (mp.isCowInode(ip) && !(zeroing && (imap.startblock === HOLESTARTBLOCK || imap.unwritten))) {
    const n = mp.reflinkAllocateCow(ip, imap);
    if (n > 0) return piece(n, 'mapped', ip.cow.read(offFsb, n).startblock, true, false, true);
  }
  if (imap.startblock === HOLESTARTBLOCK) {
    if (zeroing) return piece(imap.blockcount, 'hole', undefined, false, false, false);
    const got = mp.bmapiWriteData(ip, offFsb, imap.blockcount);
    return piece(got, 'mapped', ip.data.read(offFsb, got).startblock, false, true, false);
  }
  if (imap.unwritten) {
    if (zeroing) return piece(imap.blockcount, 'unwritten', imap.startblock, false, false, false);
    mp.dataConvert(ip, offFsb, imap.blockcount, false);
    return piece(imap.blockcount, 'mapped', imap.startblock, false, true, false);
  }
  return piece(imap.blockcount, 'mapped', imap.startblock, false, false, false);
}

/**
 * xfs_dax_write_iomap_end: after `written` bytes of a CoW mapping went to
 * the staging blocks, xfs_reflink_end_cow moves them into the data fork;
 * if nothing was written the staging blocks are cancelled
 * (xfs_reflink_cancel_cow_range).
 */
export function xfsWriteEnd(mp: XfsMount, ip: XfsInode, iomap: XfsIomap, written: number): void {
  if (!iomap.cow) return;
  const off = mp.bToFsbt(iomap.fileOffset);
  if (written <= 0) {
    mp.cancelCow(ip, off, mp.bToFsb(iomap.fileOffset + iomap.length), true);
    return;
  }
  mp.reflinkEndCow(ip, off, mp.bToFsb(iomap.fileOffset + written) - off);
}

/** iomap_dax_rw / dax_zero_range: begin and end every mapping of [pos, pos + len) in turn */
export function xfsIomapWrite(mp: XfsMount, ip: XfsInode, pos: number, len: number, zeroing: boolean): void {
  const end = pos + len;
  while (pos < end) {
    const m = mp.writeBegin(ip, pos, end - pos, zeroing);
    mp.writeEnd(ip, m, m.length);
    pos += m.length;
  }
}

/**
 * xfs_direct_write_iomap_begin for one iteration of a DAX write or write
 * fault over [pos, pos + len): allocates, converts or copies on write as
 * the first mapping needs, and returns it (its length may be shorter than
 * len; call again for the rest). With `zero` (IOMAP_ZERO) holes and
 * unwritten extents are only reported. {error: -ENOSPC} changes nothing.
 * A CoW mapping must be finished with daxWriteIomapEnd.
 */
export function xfsDirectWriteIomapBegin(mp: XfsMount, ino: number, pos: number, len: number, opts: { zero?: boolean } = {}): { error: number; iomap?: XfsIomap } {
  const ip = mp.inodeOrThrow(ino, '');
  if (ip.type !== 'file') return { error: -EISDIR };
  if (!Number.isSafeInteger(pos) || pos < 0 || !Number.isSafeInteger(len) || len <= 0) return { error: -EINVAL };
  if (pos + len > MAX_FILE_BYTES) return { error: -EFBIG };
  try {
    return { error: 0, iomap: mp.journal.run(() => mp.writeBegin(ip, pos, len, !!opts.zero)) };
  } catch (e) {
    if (e instanceof XfsNoSpace) return { error: -ENOSPC };
    throw e;
  }
}

/**
 * xfs_dax_write_iomap_end: `written` bytes of `iomap` were stored. A CoW
 * mapping is remapped into the file (xfs_reflink_end_cow), or cancelled
 * when nothing was written. Does not change i_size (see setFileSize).
 */
export function xfsDaxWriteIomapEnd(mp: XfsMount, ino: number, iomap: XfsIomap, written: number): void {
  const ip = mp.inodeOrThrow(ino, '');
  mp.journal.run(() => mp.writeEnd(ip, iomap, written));
}

/**
 * The iomap of a file range, as the DAX read/fault code sees it
 * (xfs_read_iomap_begin, IOMAP_F_SHARED from xfs_reflink_trim_around_shared):
 * consecutive pieces covering [offset, offset + length): mapped (with the
 * device sector and byte offset of their first byte), unwritten, or hole;
 * a mapped piece never mixes shared and unshared blocks. `maxPieces`
 * stops after that many (a caller that wants the piece at `offset` only).
 */
export function xfsMapFileRange(mp: XfsMount, ino: number, offset: number, length: number, maxPieces = Infinity): XfsMapPiece[] {
  const ip = mp.inodeOrThrow(ino, '');
  const out: XfsMapPiece[] = [];
  if (length <= 0) return out;
  const bs = mp.blockSize;
  const end = offset + length;
  let pos = offset;
  while (pos < end && out.length < maxPieces) {
    const fsbOff = Math.floor(pos / bs);
    const endFsb = Math.ceil(end / bs);
    const m = ip.data.read(fsbOff, endFsb - fsbOff);
    let pieceEndFsb = fsbOff + m.blockcount;
    const kind: XfsMapPiece['kind'] = m.startblock === HOLESTARTBLOCK ? 'hole' : m.unwritten ? 'unwritten' : 'mapped';
    let shared = false;
    if (kind === 'mapped' && mp.geo.reflink) {
      const agno = mp.fsbToAgno(m.startblock);
      const runs = mp.pag(agno).refc.runs(mp.fsbToAgbno(m.startblock), m.blockcount);
      const first = runs[0]!;
      shared = first.refcount > 1;
      pieceEndFsb = fsbOff + first.len;
    }
    const pieceEnd = Math.min(end, pieceEndFsb * bs);
    const piece: XfsMapPiece = { fileOffset: pos, length: pieceEnd - pos, kind, shared };
    if (kind !== 'hole') {
      const fsb = m.startblock;
      const devOff = mp.fsbToDaddr(fsb) * BBSIZE + (pos - fsbOff * bs);
      piece.fsb = fsb;
      piece.deviceOffset = devOff;
      piece.daddr = Math.floor(devOff / BBSIZE);
    }
    out.push(piece);
    pos = pieceEnd;
  }
  return out;
}
