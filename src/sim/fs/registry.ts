// mkfs + mount for each filesystem type the scenario format names.

import type { Kernel } from '../kernel';
import type { FilesystemSpec } from '../scenario/types';
import type { BlockDev, SuperBlock } from './vfs';
import { XfsSuperBlock } from './xfs/xfs_super';
import { InputError } from '../errors';
import { Ext4SuperBlock } from './ext4/ext4_super';

export function createFilesystem(k: Kernel, spec: FilesystemSpec, bdev: BlockDev, lookupBdev: (id: string) => BlockDev | undefined): SuperBlock {
  if (spec.type === 'xfs') {
    let logBdev: BlockDev | undefined;
    if (spec.log !== 'internal') {
      logBdev = lookupBdev(spec.log) ?? lookupBdev(spec.log.replace(/^\/dev\//, ''));
      if (!logBdev) throw new InputError(`${spec.path}/log`, 'log', spec.log, `filesystem ${spec.mount}: external log device ${JSON.stringify(spec.log)} is not a block device`);
    }
    return new XfsSuperBlock(k, spec, bdev, logBdev);
  }
  return new Ext4SuperBlock(k, spec, bdev);
}
