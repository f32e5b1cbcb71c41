// Directories of the XFS model (fs/xfs/libxfs/xfs_dir2.c): adding and
// removing names with the directory's format and block count following
// (xfs_dir_createname, xfs_dir_removename), and path lookups and listings
// over the tree. Methods of XfsMount (xfs_mount.ts) delegate here.

import { type DirLayout, XFS_DIR2_DOTDOT_BYTES, type XfsDirState, type XfsInode, xfsDir2DataEntsize, xfsDirLayout } from './xfs_inode';
import { type XfsFileInfo, type XfsMount, splitPath } from './xfs_mount';

/** XFS_DIR3_DATA_HDR_SIZE, for the directory's data-block fill */
const DIR_DATA_HDR = 64;

/** inode -> path inside the filesystem ("/a/b"); "" for the realtime inodes */
export function xfsPathOf(mp: XfsMount, ino: number): string {
  const parts: string[] = [];
  let ip = mp.inodes.get(ino);
  if (!ip) return '';
  if (ino === mp.rootino) return '/';
  while (ip && ip.ino !== mp.rootino) {
    if (ip.parent < 0) return '';
    parts.push(ip.name);
    ip = mp.inodes.get(ip.parent);
  }
  return '/' + parts.reverse().join('/');
}

/** path -> inode number, or undefined */
export function xfsLookup(mp: XfsMount, path: string): number | undefined {
  const parts = splitPath(path);
  if (!parts) return undefined;
  let ino = mp.rootino;
  for (const name of parts) {
    const d = mp.inodes.get(ino);
    if (!d || !d.dir) return undefined;
    const next = d.dir.entries.get(name);
    if (next === undefined) return undefined;
    ino = next;
  }
  return ino;
}

/** every file and directory under the root, depth first, names sorted */
export function xfsListFiles(mp: XfsMount): XfsFileInfo[] {
  const out: XfsFileInfo[] = [];
  const walk = (dino: number, prefix: string): void => {
    const d = mp.inodes.get(dino)!;
    const names = [...d.dir!.entries.keys()].sort();
    for (const name of names) {
      const ino = d.dir!.entries.get(name)!;
      const ip = mp.inodes.get(ino)!;
      const path = `${prefix}/${name}`;
      out.push({ path, ino, type: ip.type, size: ip.size });
      if (ip.dir) walk(ino, path);
    }
  };
  walk(mp.rootino, '');
  return out;
}

/** xfs_dir_createname: add a name, converting the directory's format and growing its blocks as needed */
export function xfsDirAddName(mp: XfsMount, dp: XfsInode, name: string, ino: number): void {
  const d = dp.dir!;
  const entsize = xfsDir2DataEntsize(name.length);
  const was = d.format;
  mp.journal.mapSet(d.entries, name, ino);
  mp.journal.set(d, 'nameBytes', d.nameBytes + name.length);
  mp.journal.set(d, 'entBytes', d.entBytes + entsize);
  if (ino >= 2 ** 32) mp.journal.set(d, 'i8count', d.i8count + 1);
  const g = mp.geo;
  let lay = xfsDirLayout(d, 'add', mp.dirBlkSize, g.literalAreaBytes);
  if (lay.format === 'leaf' || lay.format === 'node') {
    let used = d.lastBlockUsed;
    let blocks = d.dataBlocks;
    if (was === 'local' || was === 'block') {
      // xfs_dir2_block_to_leaf: the block's entries stay in data block 0
      blocks = 1;
      used = DIR_DATA_HDR + XFS_DIR2_DOTDOT_BYTES + d.entBytes - entsize;
    }
    if (used + entsize <= mp.dirBlkSize) used += entsize;
    else {
      blocks++;
      used = DIR_DATA_HDR + entsize;
    }
    mp.journal.set(d, 'dataBlocks', blocks);
    mp.journal.set(d, 'lastBlockUsed', used);
    lay = xfsDirLayout(d, 'add', mp.dirBlkSize, g.literalAreaBytes);
  }
  mp.dirApplyLayout(dp, lay);
}

/** xfs_dir_removename */
export function xfsDirRemoveName(mp: XfsMount, dp: XfsInode, name: string): void {
  const d = dp.dir!;
  const ino = d.entries.get(name)!;
  mp.journal.mapDelete(d.entries, name);
  mp.journal.set(d, 'nameBytes', d.nameBytes - name.length);
  mp.journal.set(d, 'entBytes', d.entBytes - xfsDir2DataEntsize(name.length));
  if (ino >= 2 ** 32) mp.journal.set(d, 'i8count', d.i8count - 1);
  const g = mp.geo;
  const lay = xfsDirLayout(d, 'remove', mp.dirBlkSize, g.literalAreaBytes);
  mp.dirApplyLayout(dp, lay);
}

/**
 * Give the directory exactly the blocks its format needs: xfs_da_grow_inode
 * allocates one directory block (geo->fsbcount filesystem blocks) per
 * missing offset (metadata placement, near the directory's other blocks or
 * its inode; in pieces when no extent is long enough); a directory going
 * back to short form frees its block.
 */
export function xfsDirApplyLayout(mp: XfsMount, dp: XfsInode, lay: DirLayout): void {
  const d = dp.dir!;
  const parts: [keyof DirLayout & ('data' | 'leaf' | 'free'), number][] = [
    ['data', 0],
    ['leaf', mp.dirLeafOffset],
    ['free', mp.dirFreeOffset],
  ];
  const have = { ...d.have };
  for (const [k, base] of parts) {
    const n = mp.dirFsbCount;
    for (let i = have[k]; i < lay[k]; i++) for (let done = 0; done < n; ) done += mp.bmapiWriteData(dp, base + i * n + done, n - done, true);
    if (have[k] > lay[k]) mp.dataUnmap(dp, base + lay[k] * n, (have[k] - lay[k]) * n);
    have[k] = lay[k];
  }
  mp.journal.set(d, 'have', have);
  mp.journal.set(d, 'format', lay.format);
  mp.journal.set(dp, 'size', lay.format === 'local' ? xfsDirSfBytes(d) : lay.data * mp.dirBlkSize);
}

/** the bytes of a short-form directory (its i_size) */
function xfsDirSfBytes(d: XfsDirState): number {
  const inoSize = d.i8count ? 8 : 4;
  return 1 + 1 + inoSize + d.entries.size * (1 + 2 + 1 + inoSize) + d.nameBytes;
}

