// The extension host's view of where a file write lands (symbolic links
// followed). Kept out of model/, which the webviews bundle too. The extension
// is also built for the web extension host, which has no file system of its
// own to follow links in: there the path stands as given.

type Realpath = (p: string) => string;

/** Node's fs.realpathSync.native, when this host has Node's fs */
function nodeRealpath(): Realpath | undefined {
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  // not a static import: the web build must not try to bundle 'fs'
  const get = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const fs = get?.('fs') as { realpathSync: { native: Realpath } } | undefined;
  return fs ? (p) => fs.realpathSync.native(p) : undefined;
}

/**
 * Where a write to `target` really lands, by the real path of its deepest
 * existing ancestor (symbolic links resolved) with the rest appended: a link
 * inside the workspace that points outside it is followed, as the write
 * would follow it.
 */
export function realTarget(target: string, realpath: Realpath | undefined = nodeRealpath()): string {
  if (!realpath) return target;
  const parts: string[] = [];
  let cur = target;
  for (;;) {
    try {
      const real = realpath(cur);
      return parts.length ? `${real.replace(/\/$/, '')}/${parts.reverse().join('/')}` : real;
    } catch {
      const slash = cur.lastIndexOf('/');
      if (slash <= 0) return target;
      parts.push(cur.slice(slash + 1));
      cur = cur.slice(0, slash);
    }
  }
}
