// Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h) the
// simulated stack returns. Kernel functions return them negated, as the kernel
// does; the run report carries the negative value and the name.

export const EPERM = 1;
export const ENOENT = 2;
export const EIO = 5;
export const ENXIO = 6;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const EBUSY = 16;
export const EINVAL = 22;
export const ENOTTY = 25;
export const ENOSPC = 28;
export const ENODEV = 19;
export const ERANGE = 34;
export const ENODATA = 61;
export const EOPNOTSUPP = 95;
/** EFSCORRUPTED is XFS's name for EUCLEAN */
export const EUCLEAN = 117;
export const EFSCORRUPTED = EUCLEAN;
export const EHWPOISON = 133;

const NAMES: Record<number, string> = {
  [EPERM]: 'EPERM',
  [ENOENT]: 'ENOENT',
  [EIO]: 'EIO',
  [ENXIO]: 'ENXIO',
  [EBADF]: 'EBADF',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EINVAL]: 'EINVAL',
  [ENOTTY]: 'ENOTTY',
  [ENODEV]: 'ENODEV',
  [ENOSPC]: 'ENOSPC',
  [ERANGE]: 'ERANGE',
  [ENODATA]: 'ENODATA',
  [EOPNOTSUPP]: 'EOPNOTSUPP',
  [EUCLEAN]: 'EUCLEAN',
  [EHWPOISON]: 'EHWPOISON',
};

/** errno name of a positive errno value */
export function errnoName(e: number): string {
  return NAMES[Math.abs(e)] ?? `E${Math.abs(e)}`;
}

/** name of a negative kernel return, as a kernel developer writes it ("-EOPNOTSUPP"); "0" or the count otherwise */
export function retName(ret: number): string {
  if (ret < 0) {
    const n = NAMES[-ret];
    if (-ret === EUCLEAN) return '-EFSCORRUPTED';
    return n ? `-${n}` : String(ret);
  }
  return String(ret);
}

export function errnoByName(name: string): number | undefined {
  if (name === 'EFSCORRUPTED') return EUCLEAN;
  for (const [k, v] of Object.entries(NAMES)) if (v === name) return Number(k);
  return undefined;
}
