// The stable release each modelled kernel series is pinned to (issue 15):
// 6.12's in src/kernel/symbol-list.json (the project's first pin), the others
// in src/kernel/releases.json. Pure: usable by the simulator, the CLI, the
// extension and the webviews.

import list from './symbol-list.json';
import releases from './releases.json';

export interface SeriesPin {
  /** the stable release, e.g. "6.1.192" */
  version: string;
  /** Debian's package version of linux-source-<series> */
  debianVersion: string;
}

/** the pins of a modelled series ('6.1', '6.12'), or undefined for one the lab does not model */
export function seriesPin(series: string): SeriesPin | undefined {
  if (series === '6.12') return { version: list.version, debianVersion: list.debianVersion };
  if (series.startsWith('$')) return undefined;
  const r = (releases as Record<string, unknown>)[series] as SeriesPin | undefined;
  return r && typeof r === 'object' ? { version: r.version, debianVersion: r.debianVersion } : undefined;
}

/** the stable release a series is pinned to: '6.12' → '6.12.117', '6.1' → '6.1.192' */
export function kernelRelease(series: string): string {
  const p = seriesPin(series);
  if (!p) throw new Error(`no pinned release for kernel series ${JSON.stringify(series)}`);
  return p.version;
}

/**
 * The name a series' pinned release has for a function of the lab's (6.12)
 * list: releases.json's `renamed` entry, or the name itself. For a rename
 * that came with a stable backport rather than a mainline release
 * (`copy_user_flushcache`: mainline 809b997a5ce9, after 7.0, in 6.12.y but
 * not in 6.1.192), the pinned release is the only thing that decides.
 */
export function seriesSymbol(series: string, name: string): string {
  if (series === '6.12') return name;
  const r = (releases as Record<string, unknown>)[series] as { renamed?: Record<string, string | { name: string }> } | undefined;
  const to = r && typeof r === 'object' && r.renamed && Object.prototype.hasOwnProperty.call(r.renamed, name) ? r.renamed[name] : undefined;
  return to === undefined ? name : typeof to === 'string' ? to : to.name;
}
