// The file and block-device system calls a scenario can make: pread/pwrite
// (with or without O_DIRECT) and fallocate(PUNCH_HOLE). A DAX file goes
// through dax_iomap_rw; a non-DAX file or O_DIRECT on one goes through the
// block layer; so does the block device itself.

import type { Kernel } from '../kernel';
import { EINVAL, EIO } from '../errno';
import { hex, PAGE_SIZE, SECTOR_SIZE } from '../units';
import type { Inode } from '../mm/types';
import type { BlockDev, SuperBlock } from './vfs';
import { daxIomapRw, daxDeleteMappingRange, daxMem2blkErr } from './dax';
import { daxDirectAccess } from '../dax/super';
import type { UserBuf } from '../arch/usercopy';

/** pread/pwrite on a file; buf: the caller's buffer when the scenario names one (a DAX write) */
export function fileRw(k: Kernel, sb: SuperBlock, inode: Inode, pos: number, len: number, write: boolean, direct: boolean, buf?: UserBuf): number {
  const sym = write ? 'ksys_pwrite64' : 'ksys_pread64';
  return k.tr.call('syscall', sym, { file: inode.path, pos: hex(pos), count: len, direct }, () => {
    const fsSym = `${sb.spec.type}_file_${write ? 'write' : 'read'}_iter`;
    const rc = k.tr.call('fs', fsSym, { ino: inode.ino, pos: hex(pos), count: len }, () => {
      if (sb.isShutdown()) return -EIO;
      if (sb.dax) return daxIomapRw(k, sb, inode, pos, len, write, buf);
      if (direct && (pos % SECTOR_SIZE || len % SECTOR_SIZE)) return -EINVAL;
      return blockBackedRw(k, sb, inode, pos, len, write, direct);
    });
    if (write) sb.release(inode);
    return rc;
  });
}

/**
 * A non-DAX file: each mapped extent is read or written through the block
 * layer (iomap_dio_rw for O_DIRECT; the page cache's readahead and writeback
 * otherwise, modelled as immediate). Writes into holes allocate first.
 */
function blockBackedRw(k: Kernel, sb: SuperBlock, inode: Inode, pos: number, len: number, write: boolean, direct: boolean): number {
  let done = 0;
  let cur = pos;
  const end = write ? pos + len : Math.min(pos + len, inode.size);
  const cache = inode.mapping.pagecache;
  while (cur < end) {
    const iomap = write ? sb.iomapWrite(k, inode, cur, end - cur) : sb.iomapRead(k, inode, cur, end - cur);
    if (typeof iomap === 'number') return done || iomap;
    const segEnd = Math.min(end, iomap.offset + iomap.length);
    if (iomap.type === 'IOMAP_MAPPED') {
      // buffered I/O works in whole pages of the page cache; a read of a page
      // already cached needs no I/O at all
      const unit = direct ? SECTOR_SIZE : PAGE_SIZE;
      const first = Math.floor(cur / unit) * unit;
      const last = Math.ceil(segEnd / unit) * unit;
      for (let a = first; a < last; ) {
        const page = Math.floor(a / PAGE_SIZE);
        if (!write && !direct && cache.has(page)) {
          a = (page + 1) * PAGE_SIZE;
          continue;
        }
        // one bio for the run of uncached units
        let b = a + unit;
        while (b < last && (write || direct || !cache.has(Math.floor(b / PAGE_SIZE)))) b += unit;
        const off = iomap.addr + (a - iomap.offset);
        const rc = sb.bdev.submit(k, write ? 'WRITE' : 'READ', off / SECTOR_SIZE, b - a);
        if (rc < 0) return done + Math.max(0, a - cur) || rc;
        if (!direct) cache.add(Math.floor(a / PAGE_SIZE), Math.ceil(b / PAGE_SIZE));
        a = b;
      }
    }
    if (write) sb.iomapWriteEnd(k, inode, iomap, segEnd - cur);
    done += segEnd - cur;
    cur = segEnd;
  }
  return done;
}

/** pread/pwrite on a block device node: straight to the disk (blkdev_read_iter / blkdev_write_iter) */
export function blockDevRw(k: Kernel, bdev: BlockDev, pos: number, len: number, write: boolean, direct: boolean): number {
  const sym = write ? 'ksys_pwrite64' : 'ksys_pread64';
  return k.tr.call('syscall', sym, { file: `/dev/${bdev.name}`, pos: hex(pos), count: len, direct }, () =>
    k.tr.call('block', write ? 'blkdev_write_iter' : 'blkdev_read_iter', { disk: bdev.name, pos: hex(pos), count: len }, () => {
      if (!bdev.alive()) return -EIO;
      if (direct && (pos % SECTOR_SIZE || len % SECTOR_SIZE)) return -EINVAL;
      const end = Math.min(pos + len, bdev.size);
      if (pos >= end) return 0;
      // buffered I/O reads and writes whole pages of the bdev's page cache
      const unit = direct ? SECTOR_SIZE : PAGE_SIZE;
      const first = Math.floor(pos / unit) * unit;
      const last = Math.ceil(end / unit) * unit;
      const rc = bdev.submit(k, write ? 'WRITE' : 'READ', first / SECTOR_SIZE, last - first);
      return rc < 0 ? rc : end - pos;
    }),
  );
}

/**
 * fallocate(FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE): the DAX entries and
 * mappings of the whole pages go first (truncate_pagecache_range), then the
 * filesystem frees the blocks.
 */
export function punchHole(k: Kernel, sb: SuperBlock, inode: Inode, off: number, len: number): number {
  return k.tr.call('syscall', 'vfs_fallocate', { file: inode.path, mode: 'FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE', offset: hex(off), len }, () =>
    k.tr.call('fs', sb.spec.type === 'xfs' ? 'xfs_file_fallocate' : 'ext4_fallocate', { ino: inode.ino, offset: hex(off), len }, () => {
      if (sb.isShutdown()) return -EIO;
      const first = Math.ceil(off / PAGE_SIZE);
      const end = Math.floor((off + len) / PAGE_SIZE);
      if (end > first) {
        k.tr.call('mm', 'truncate_pagecache_range', { inode: inode.ino, start: hex(first * PAGE_SIZE), end: hex(end * PAGE_SIZE - 1) }, () => {
          daxDeleteMappingRange(k, inode.mapping, first, end);
          inode.mapping.pagecache.remove(first, end);
        });
      }
      const rc = sb.punchHole(k, inode, off, len);
      const z = rc < 0 || !sb.dax ? rc : zeroPartialEdges(k, sb, inode, off, len);
      sb.release(inode);
      return z;
    }),
  );
}

/**
 * After the whole blocks are gone, the filesystem zeroes the partial pages at
 * the edges of the range, inside EOF (xfs_free_file_space → xfs_zero_range →
 * dax_zero_range → dax_zero_iter): a whole page through dax_zero_page_range
 * (which clears poison), a partial one through dax_memzero, which needs
 * direct access and so fails with EIO on a known-bad page.
 */
function zeroPartialEdges(k: Kernel, sb: SuperBlock, inode: Inode, off: number, len: number): number {
  const end = Math.min(off + len, inode.size);
  if (off >= end) return 0;
  const edges: [number, number][] = [];
  const headEnd = Math.min(end, Math.ceil(off / PAGE_SIZE) * PAGE_SIZE);
  if (off % PAGE_SIZE && headEnd > off) edges.push([off, headEnd]);
  const tailStart = Math.max(headEnd, Math.floor(end / PAGE_SIZE) * PAGE_SIZE);
  if (end % PAGE_SIZE && end > tailStart) edges.push([tailStart, end]);
  if (!edges.length) return 0;
  return k.tr.call('fs', sb.spec.type === 'xfs' ? 'xfs_zero_range' : 'ext4_zero_range', { ino: inode.ino, pos: hex(off), len: end - off }, () =>
    k.tr.call('fsdax', 'dax_zero_range', { pos: hex(off), len: end - off }, () => {
      for (const [a, b] of edges) {
        const iomap = sb.iomapRead(k, inode, a, b - a);
        if (typeof iomap === 'number') return iomap;
        if (iomap.type !== 'IOMAP_MAPPED') continue; // holes are skipped
        const pgoff = Math.floor((iomap.addr + (a - iomap.offset)) / PAGE_SIZE);
        const rc = k.tr.call('fsdax', 'dax_memzero', { pos: hex(a), size: b - a }, () => {
          const da = daxDirectAccess(k, sb.daxDev!, pgoff, 1, 'DAX_ACCESS');
          return da.ret < 0 ? daxMem2blkErr(da.ret) : 0;
        });
        if (rc < 0) return rc;
      }
      return 0;
    }),
  );
}
