// Functions of the routing designs that never reached mainline. A span that
// names one links to the patch on the mailing list by Message-ID, not to
// source (there is none in any release).

export interface Proposal {
  design: 'corrupted-range' | 'pagemap-failure';
  messageId: string;
  subject: string;
  /** what the function did in the proposal */
  role: string;
}

const CORRUPTED_RANGE_V3 = '20210208105530.3072869-1-ruansy.fnst@cn.fujitsu.com';
const DEV_PAGEMAP_FAILURE = '161604050314.1463742.14151665140035795571.stgit@dwillia2-desk3.amr.corp.intel.com';

const cr = (role: string): Proposal => ({ design: 'corrupted-range', messageId: CORRUPTED_RANGE_V3, subject: '[PATCH v3 00/11] fsdax: introduce fs query to support reflink', role });
const pf = (role: string): Proposal => ({ design: 'pagemap-failure', messageId: DEV_PAGEMAP_FAILURE, subject: '[PATCH 2/3] mm, dax, pmem: Introduce dev_pagemap_failure()', role });

export const PROPOSALS: Record<string, Proposal> = {
  pmem_pgmap_memory_failure: cr('pmem driver ->memory_failure(pgmap, pfn, flags): pfn to disk offset, then the gendisk'),
  pmem_corrupted_range: cr('gendisk->fops->corrupted_range: disk offset to the partition holding it'),
  bd_corrupted_range: cr('block_device: hand the range to the holder (a superblock, or a stacked md/dm device)'),
  // the cover letter calls it md_blk_corrupted_range; patch 09/11 names it dm_blk_corrupted_range
  dm_blk_corrupted_range: cr('device-mapper gendisk ->corrupted_range: the first target mapping the device with an ->rmap translates the range to the dm device and hands it to the dm bdev holder; -ENODEV when none can'),
  linear_rmap: cr('dm-linear ->rmap (patch 08/11, the only target given one): a device sector back to the dm sector'),
  xfs_fs_corrupted_range: cr('sb->s_op->corrupted_range: bytes on the bdev to daddrs, then an rmap query'),
  xfs_corrupt_helper: cr('rmap callback: metadata shuts the filesystem down and stops the query; file data kills its mappers'),
  mf_dax_mapping_kill_procs: cr('collect and kill the mappers of one file page'),
  pmem_pagemap_kill: pf('pgmap ->kill at remove: kill_dax, then a mass memory failure if a filesystem still holds the dax device'),
  dax_is_idle: pf('nobody but the driver holds the dax device (no mounted filesystem)'),
  dev_pagemap_failure: pf('memory_failure for every pfn of the device, with MF_MEM_REMOVE'),
};

export function lookupProposal(symbol: string): Proposal | undefined {
  return PROPOSALS[symbol];
}
