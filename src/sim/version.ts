/**
 * Kernel releases the lab models (issue 15). A scenario's `kernel.version`
 * picks one; absent means 6.12, the release the lab was first held to.
 *
 * Behaviour that differs between releases asks `sinceVersion(k.cfg, '6.7')`
 * (true when the modelled kernel has what that mainline release added)
 * or compares `kernelVersion(k.cfg)` directly; every difference is written
 * down in docs/kernel-notes.md with both releases' file and function.
 */
export type KernelVersion = '6.1' | '6.12';

export const KERNEL_VERSIONS: readonly KernelVersion[] = ['6.1', '6.12'];

export const DEFAULT_KERNEL_VERSION: KernelVersion = '6.12';

/** the modelled release of a kernel config (absent = the default) */
export function kernelVersion(cfg: { version?: KernelVersion }): KernelVersion {
  return cfg.version ?? DEFAULT_KERNEL_VERSION;
}

const parsedVersions = new Map<string, [number, number]>();

/** "6.12" → [6, 12] (asked on every gated decision, so each string is parsed once) */
export function versionParts(v: string): [number, number] {
  const known = parsedVersions.get(v);
  if (known) return known;
  const m = /^(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new Error(`not a kernel version: ${v}`);
  const parts: [number, number] = [Number(m[1]), Number(m[2])];
  parsedVersions.set(v, parts);
  return parts;
}

/** a is the same release as b or a later one */
export function versionAtLeast(a: string, b: string): boolean {
  const [am, an] = versionParts(a);
  const [bm, bn] = versionParts(b);
  return am > bm || (am === bm && an >= bn);
}

/** the modelled kernel has what mainline release `since` added (e.g. MF_MEM_PRE_REMOVE: '6.7') */
export function sinceVersion(cfg: { version?: KernelVersion }, since: string): boolean {
  return versionAtLeast(kernelVersion(cfg), since);
}

/**
 * A change mainline release `since` made that reached some earlier series by
 * a stable backport: true from that mainline release on, and for the series
 * in `backportedTo`, whose pinned release (src/kernel/releases.ts) has it
 * (e.g. xfs_dax_notify_logdev_failure: mainline 6.14, in 6.12.y).
 */
export function sinceVersionOrBackport(cfg: { version?: KernelVersion }, since: string, backportedTo: readonly KernelVersion[]): boolean {
  return sinceVersion(cfg, since) || backportedTo.includes(kernelVersion(cfg));
}
