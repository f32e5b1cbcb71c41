// Undo journal: every change the model makes to its structures is recorded
// with its inverse while an operation runs, so that an operation which fails
// half way (ENOSPC found only while allocating, say) leaves the filesystem
// exactly as it was. The kernel gets the same property from transactions
// (struct xfs_trans: a dirty transaction is cancelled by shutting down; here
// we simply roll back). Input is validated before any change is made; the
// journal is the safety net behind that.

export class XfsJournal {
  private undo: (() => void)[] | null = null;

  /** true while an operation is running */
  get active(): boolean {
    return this.undo !== null;
  }

  /** remember how to reverse a change just made */
  record(fn: () => void): void {
    if (this.undo) this.undo.push(fn);
  }

  /**
   * Run `fn` as one atomic operation: if it throws, every recorded change is
   * reversed (newest first) and the error is rethrown. Nested calls join the
   * outer operation.
   */
  run<T>(fn: () => T): T {
    if (this.undo) return fn();
    this.undo = [];
    try {
      const r = fn();
      this.undo = null;
      return r;
    } catch (e) {
      const u = this.undo ?? [];
      this.undo = null;
      for (let i = u.length - 1; i >= 0; i--) u[i]!();
      throw e;
    }
  }

  /** obj[key] = value, recorded */
  set<O extends object, K extends keyof O>(obj: O, key: K, value: O[K]): void {
    const old = obj[key];
    if (old === value) return;
    obj[key] = value;
    this.record(() => {
      obj[key] = old;
    });
  }

  /** arr.splice(start, deleteCount, ...items), recorded */
  splice<T>(arr: T[], start: number, deleteCount: number, ...items: T[]): T[] {
    const removed = arr.splice(start, deleteCount, ...items);
    this.record(() => {
      arr.splice(start, items.length, ...removed);
    });
    return removed;
  }

  /** map.set(k, v), recorded */
  mapSet<K, V>(map: Map<K, V>, k: K, v: V): void {
    const had = map.has(k);
    const old = map.get(k);
    map.set(k, v);
    this.record(() => {
      if (had) map.set(k, old as V);
      else map.delete(k);
    });
  }

  /** map.delete(k), recorded */
  mapDelete<K, V>(map: Map<K, V>, k: K): void {
    if (!map.has(k)) return;
    const old = map.get(k) as V;
    map.delete(k);
    this.record(() => {
      map.set(k, old);
    });
  }
}
