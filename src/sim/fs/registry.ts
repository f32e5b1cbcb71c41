// mkfs + mount for each filesystem type the scenario format names.

import type { Kernel } from '../kernel';
import type { FilesystemSpec } from '../scenario/types';
import type { BlockDev, SuperBlock } from './vfs';
import { XfsSuperBlock } from './xfs/xfs_super';
import { InputError } from '../errors';
import { Ext4SuperBlock } from './ext4/ext4_super';

export function createFilesystem(k: Kernel, spec: FilesystemSpec, bdev: BlockDev, _lookupBdev: (id: string) => BlockDev | undefined): SuperBlock {
  if (spec.type === 'xfs') {
    if (spec.log !== 'internal') throw new InputError(`${spec.path}/log`, 'log', spec.log, `filesystem ${spec.mount}: an external XFS log is not modelled yet; use log: internal`);
    return new XfsSuperBlock(k, spec, bdev);
  }
  return new Ext4SuperBlock(k, spec, bdev);
}
