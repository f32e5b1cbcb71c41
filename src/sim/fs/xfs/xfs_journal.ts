// Undo journal: every change the model makes to its structures is recorded
// with its inverse while an operation runs, so that an operation which fails
// half way (ENOSPC found only while allocating, say) leaves the filesystem
// exactly as it was. The kernel gets the same property from transactions
// (struct xfs_trans: a dirty transaction is cancelled by shutting down; here
// we simply roll back). Input is validated before any change is made; the
// journal is the safety net behind that.
//
// The log is a flat array of (opcode, operands) so that recording a change
// allocates nothing but the log slots: a single operation may make millions
// of changes (a file of a million extents).

/** a sorted container whose raw insert/remove the journal can replay */
export interface XfsJournalled<T> {
  rawInsert(t: T): void;
  rawRemove(t: T): void;
}

const OP_CALL = 0;
const OP_SET = 1;
const OP_SPLICE = 2;
const OP_INSERTED = 3;
const OP_REMOVED = 4;
const OP_MAPSET = 5;
const OP_MAPDEL = 6;

export class XfsJournal {
  private log: unknown[] | null = null;

  /** true while an operation is running */
  get active(): boolean {
    return this.log !== null;
  }

  /** remember how to reverse a change just made */
  record(fn: () => void): void {
    if (this.log) this.log.push(OP_CALL, fn, undefined, undefined);
  }

  /** an item was inserted into a journalled container */
  inserted<T>(c: XfsJournalled<T>, t: T): void {
    if (this.log) this.log.push(OP_INSERTED, c, t, undefined);
  }

  /** an item was removed from a journalled container */
  removed<T>(c: XfsJournalled<T>, t: T): void {
    if (this.log) this.log.push(OP_REMOVED, c, t, undefined);
  }

  /**
   * Run `fn` as one atomic operation: if it throws, every recorded change is
   * reversed (newest first) and the error is rethrown. Nested calls join the
   * outer operation.
   */
  run<T>(fn: () => T): T {
    if (this.log) return fn();
    this.log = [];
    try {
      const r = fn();
      this.log = null;
      return r;
    } catch (e) {
      const l = this.log ?? [];
      this.log = null;
      for (let i = l.length - 4; i >= 0; i -= 4) this.undo(l[i] as number, l[i + 1], l[i + 2], l[i + 3]);
      throw e;
    }
  }

  /**
   * Run `fn` inside an operation without recording its changes. The caller
   * must make them impossible to fail, or record (with `record`, before
   * calling this) one closure that reverses all of them: a bulk change of a
   * million extents then costs one log entry, not millions.
   */
  suspend<T>(fn: () => T): T {
    const l = this.log;
    this.log = null;
    try {
      return fn();
    } finally {
      this.log = l;
    }
  }

  private undo(op: number, a: unknown, b: unknown, c: unknown): void {
    switch (op) {
      case OP_CALL:
        (a as () => void)();
        break;
      case OP_SET:
        (a as Record<PropertyKey, unknown>)[b as PropertyKey] = c;
        break;
      case OP_SPLICE: {
        const [start, count] = b as [number, number];
        (a as unknown[]).splice(start, count, ...(c as unknown[]));
        break;
      }
      case OP_INSERTED:
        (a as XfsJournalled<unknown>).rawRemove(b);
        break;
      case OP_REMOVED:
        (a as XfsJournalled<unknown>).rawInsert(b);
        break;
      case OP_MAPSET: {
        const [had, old] = c as [boolean, unknown];
        if (had) (a as Map<unknown, unknown>).set(b, old);
        else (a as Map<unknown, unknown>).delete(b);
        break;
      }
      case OP_MAPDEL:
        (a as Map<unknown, unknown>).set(b, c);
        break;
    }
  }

  /** obj[key] = value, recorded */
  set<O extends object, K extends keyof O>(obj: O, key: K, value: O[K]): void {
    const old = obj[key];
    if (old === value) return;
    obj[key] = value;
    if (this.log) this.log.push(OP_SET, obj, key, old);
  }

  /** arr.splice(start, deleteCount, ...items), recorded */
  splice<T>(arr: T[], start: number, deleteCount: number, ...items: T[]): T[] {
    const removed = arr.splice(start, deleteCount, ...items);
    if (this.log) this.log.push(OP_SPLICE, arr, [start, items.length], removed);
    return removed;
  }

  /** map.set(k, v), recorded */
  mapSet<K, V>(map: Map<K, V>, k: K, v: V): void {
    const had = map.has(k);
    const old = map.get(k);
    map.set(k, v);
    if (this.log) this.log.push(OP_MAPSET, map, k, [had, old]);
  }

  /** map.delete(k), recorded */
  mapDelete<K, V>(map: Map<K, V>, k: K): void {
    if (!map.has(k)) return;
    const old = map.get(k) as V;
    map.delete(k);
    if (this.log) this.log.push(OP_MAPDEL, map, k, old);
  }
}
