// mm/interval_tree.c: vma_interval_tree, the i_mmap tree of an address
// space. Each VMA is an interval of file page indices [vm_pgoff,
// vm_pgoff + pages - 1], kept in a balanced search tree ordered by its first
// index and augmented with the largest last index of each subtree, so a
// query for the VMAs that map a file range costs O(log n + hits), not a walk
// over every mapper of the file.
//
// The kernel's tree (INTERVAL_TREE_DEFINE) inserts a node whose start equals
// an existing one's to its right, so an in-order walk (what
// vma_interval_tree_foreach gives) is by first index, then by insertion
// order. This tree keeps exactly that order: nodes are keyed by (first
// index, insertion sequence). It is a treap; the priorities come from a fixed
// generator, so the shape, and everything else, is deterministic (the walk
// order does not depend on the shape anyway).

import type { Vma } from './types';

interface Node {
  vma: Vma;
  /** vma_start_pgoff */
  start: number;
  /** vma_last_pgoff (inclusive) */
  last: number;
  /** insertion order, breaking ties between equal starts */
  seq: number;
  prio: number;
  left: Node | null;
  right: Node | null;
  /** the largest `last` in this subtree (the augmented rb_subtree_last) */
  maxLast: number;
}

function before(a: Node, start: number, seq: number): boolean {
  return a.start < start || (a.start === start && a.seq < seq);
}

function update(n: Node): void {
  let m = n.last;
  if (n.left && n.left.maxLast > m) m = n.left.maxLast;
  if (n.right && n.right.maxLast > m) m = n.right.maxLast;
  n.maxLast = m;
}

export class VmaIntervalTree implements Iterable<Vma> {
  private root: Node | null = null;
  private readonly nodes = new Map<Vma, Node>();
  private nextSeq = 0;
  /** xorshift32 state for the treap priorities */
  private rnd = 0x9e3779b9;

  get size(): number {
    return this.nodes.size;
  }

  has(vma: Vma): boolean {
    return this.nodes.has(vma);
  }

  /**
   * vma_interval_tree_insert: after every node with the same start. `seq`
   * places it as if it had been inserted at that point of another tree's
   * history (a tree that holds a subset of another in the same order).
   */
  insert(vma: Vma, seq?: number): number {
    if (this.nodes.has(vma)) return this.nodes.get(vma)!.seq;
    const s = seq ?? this.nextSeq;
    this.nextSeq = Math.max(this.nextSeq, s + 1);
    this.rnd ^= this.rnd << 13;
    this.rnd ^= this.rnd >>> 17;
    this.rnd ^= this.rnd << 5;
    const last = vma.pgoff + vma.pages - 1;
    const node: Node = { vma, start: vma.pgoff, last, seq: s, prio: this.rnd >>> 0, left: null, right: null, maxLast: last };
    this.nodes.set(vma, node);
    this.root = this.insertAt(this.root, node);
    return s;
  }

  private insertAt(t: Node | null, n: Node): Node {
    if (!t) return n;
    if (before(n, t.start, t.seq)) {
      t.left = this.insertAt(t.left, n);
      if (t.left.prio > t.prio) t = rotateRight(t);
    } else {
      t.right = this.insertAt(t.right, n);
      if (t.right.prio > t.prio) t = rotateLeft(t);
    }
    update(t);
    return t;
  }

  /** vma_interval_tree_remove */
  remove(vma: Vma): boolean {
    const n = this.nodes.get(vma);
    if (!n) return false;
    this.nodes.delete(vma);
    this.root = this.removeAt(this.root, n);
    return true;
  }

  private removeAt(t: Node | null, n: Node): Node | null {
    if (!t) return null;
    if (t === n) return merge(t.left, t.right);
    if (before(n, t.start, t.seq)) t.left = this.removeAt(t.left, n);
    else t.right = this.removeAt(t.right, n);
    update(t);
    return t;
  }

  /**
   * vma_interval_tree_foreach(vma, root, first, last): the VMAs whose file
   * range meets [first, last] (inclusive, as the kernel's), in tree order.
   */
  query(first: number, last: number): Vma[] {
    const out: Vma[] = [];
    const walk = (t: Node | null): void => {
      while (t && t.maxLast >= first) {
        walk(t.left);
        if (t.start > last) return;
        if (t.last >= first) out.push(t.vma);
        t = t.right;
      }
    };
    walk(this.root);
    return out;
  }

  /** every VMA, in tree order */
  all(): Vma[] {
    const out: Vma[] = [];
    const walk = (t: Node | null): void => {
      while (t) {
        walk(t.left);
        out.push(t.vma);
        t = t.right;
      }
    };
    walk(this.root);
    return out;
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.all()[Symbol.iterator]();
  }
}

function rotateRight(t: Node): Node {
  const l = t.left!;
  t.left = l.right;
  l.right = t;
  update(t);
  update(l);
  return l;
}

function rotateLeft(t: Node): Node {
  const r = t.right!;
  t.right = r.left;
  r.left = t;
  update(t);
  update(r);
  return r;
}

/** join two treaps, every key of a before every key of b */
function merge(a: Node | null, b: Node | null): Node | null {
  if (!a) return b;
  if (!b) return a;
  if (a.prio > b.prio) {
    a.right = merge(a.right, b);
    update(a);
    return a;
  }
  b.left = merge(a, b.left);
  update(b);
  return b;
}
