// Where the lab may write when a command is given a path: inside the
// workspace folder, and nowhere else (a path argument comes from a CodeLens,
// a test or another extension, not from a dialog the user answered). Pure,
// POSIX paths as in URIs (no Node path module: the web build has none).

/** "/a/b/../c/./d" -> "/a/c/d"; a relative path stays relative */
export function normalizePath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(part);
  }
  return (abs ? '/' : '') + out.join('/');
}

/** Is `path` the folder `root` or inside it (after normalising both)? */
export function isInside(path: string, root: string): boolean {
  const p = normalizePath(path);
  const r = normalizePath(root).replace(/\/$/, '');
  return p === r || p.startsWith(`${r}/`);
}

export type Confined = { ok: true; path: string } | { ok: false; reason: string };

/**
 * A path argument resolved against the workspace folder and confined to it:
 * a relative path is taken from the folder; an absolute one must be inside.
 */
export function confineToWorkspace(arg: string, root: string | undefined, what: string): Confined {
  if (!root) return { ok: false, reason: `${what}: no workspace folder is open, so a path argument (${JSON.stringify(arg)}) cannot be checked; open a folder or use the save dialog` };
  const path = normalizePath(arg.startsWith('/') ? arg : `${root}/${arg}`);
  if (!isInside(path, root)) return { ok: false, reason: `${what}: ${JSON.stringify(arg)} is outside the workspace folder ${root}; a path given as an argument must be inside it` };
  if (path === normalizePath(root)) return { ok: false, reason: `${what}: ${JSON.stringify(arg)} is the workspace folder itself, not a file` };
  return { ok: true, path };
}

/** The default file the Perfetto export writes: .cache/artifacts/<scenario>.perfetto.json */
export function perfettoDefault(scenarioFile: string): string {
  const base = scenarioFile.replace(/^.*[\\/]/, '').replace(/\.poison\.(ya?ml|json)$/, '').replace(/\.(ya?ml|json)$/, '') || 'session';
  return `.cache/artifacts/${base}.perfetto.json`;
}
