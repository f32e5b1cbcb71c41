// YAML alias expansion, bounded before any object is built. An alias
// (`*name`) stands for a copy of the node its anchor (`&name`) is on; a small
// file can make an anchored list of 10^4 expectations stand 999 times for
// itself, and a plain parse would then build (and check, and run) 10^7 of
// them. Here every alias is counted as the nodes it stands for, aliases
// inside the anchored node included, memoized per node so that nested
// aliases ("billion laughs") are counted in time linear in the file; the
// alias whose count crosses the bound is refused where it is written. An
// alias inside the node it refers to (`&a [*a]`, which the yaml package
// builds into a cyclic object) is refused too, and so is an alias with no
// anchor before it.
//
// No Node API is used here: the loader also runs in the browser.

import { isAlias, isMap, isPair, isSeq } from 'yaml';
import type { Alias, Document, Node as YamlNode } from 'yaml';

/**
 * The most nodes aliases may stand for in one scenario, in all: each alias
 * counts the nodes of its anchored node (every mapping, list, key and
 * scalar, with the aliases inside it expanded in turn).
 */
export const MAX_ALIAS_NODES = 100_000;

export interface AliasRefusal {
  /** offset of the alias in the text */
  offset: number;
  message: string;
}

/**
 * What each alias stands for: the last node before it carrying its anchor,
 * in document order (as the yaml package resolves it), found in one walk
 * (Alias.resolve walks the whole document for each alias).
 */
function resolveAliases(doc: Document.Parsed): Map<Alias, YamlNode | undefined> {
  const anchors = new Map<string, YamlNode>();
  const out = new Map<Alias, YamlNode | undefined>();
  const walk = (node: unknown): void => {
    if (node === null || node === undefined) return;
    if (isAlias(node)) {
      out.set(node, anchors.get(node.source));
      return;
    }
    if (isPair(node)) {
      walk(node.key);
      walk(node.value);
      return;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) anchors.set(anchor, node as YamlNode);
    if (isMap(node) || isSeq(node)) for (const item of node.items as unknown[]) walk(item);
  };
  walk(doc.contents);
  return out;
}

/**
 * The aliases a scenario may not have: every alias with no anchor before
 * it; else the first alias that makes the document stand for more than
 * `limit` repeated nodes, or that refers to a node containing it. Empty
 * when the aliases are within bounds.
 */
export function checkAliases(doc: Document.Parsed, limit = MAX_ALIAS_NODES): AliasRefusal[] {
  const targets = resolveAliases(doc);
  const unanchored = [...targets].filter(([, target]) => !target).map(([alias]) => ({
    offset: alias.range?.[0] ?? 0,
    message: `YAML alias *${alias.source} has no anchor &${alias.source} before it`,
  }));
  if (unanchored.length) return unanchored;

  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  let repeated = 0;
  let refusal: AliasRefusal | undefined;

  const refuse = (alias: Alias, message: string): never => {
    refusal = { offset: alias.range?.[0] ?? 0, message };
    throw refusal;
  };

  /** nodes in `node` once its aliases are expanded; `top`: counting the document itself, not an anchored copy */
  const size = (node: unknown, top: boolean): number => {
    if (node === null || node === undefined) return 0;
    if (isAlias(node)) {
      const target = targets.get(node);
      if (!target) return 1;
      if (open.has(target)) refuse(node, `YAML alias *${node.source} is inside the node it refers to (&${node.source}): its value would be endless`);
      const n = sizeOf(target);
      if (top) {
        repeated += n;
        if (repeated > limit) {
          refuse(
            node,
            `YAML alias *${node.source} makes the aliases stand for ${repeated.toLocaleString('en-US')} nodes (more than ${limit.toLocaleString('en-US')}, the most a scenario's aliases may repeat); write the repeated part out, or repeat less`,
          );
        }
      }
      return n;
    }
    if (isPair(node)) return size(node.key, top) + size(node.value, top);
    if (isMap(node) || isSeq(node)) {
      open.add(node);
      let n = 1;
      for (const item of node.items as unknown[]) {
        n += size(item, top);
        if (!top && n > limit) break; // already too many to repeat even once
      }
      open.delete(node);
      return n;
    }
    return 1;
  };

  const sizeOf = (node: unknown): number => {
    const known = sizes.get(node);
    if (known !== undefined) return known;
    const n = size(node, false);
    sizes.set(node, n);
    return n;
  };

  try {
    size(doc.contents, true);
  } catch (e) {
    if (refusal && e === refusal) return [refusal];
    throw e;
  }
  return [];
}
