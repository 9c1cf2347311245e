/**
 * Keeps rows where they are across refreshes, so the row under the mouse (its hover, its context
 * menu) stays the one the user pointed at: rows still present keep their order, rows gone are
 * dropped, new rows go after them, ordered by `rank` among themselves. The first time a list is
 * seen it is ordered by `rank` alone. No vscode import: unit-tested on its own.
 */
export class StableOrder {
  private readonly lists = new Map<string, string[]>();

  /**
   * Orders `items` of the list `listKey`. `keyOf` must be unique within `items`; `rank` sorts
   * new items (smaller first; ties keep the given order).
   */
  order<T>(listKey: string, items: readonly T[], keyOf: (item: T) => string, rank: (item: T) => number): T[] {
    const byKey = new Map<string, T>();
    for (const item of items) byKey.set(keyOf(item), item);
    const previous = this.lists.get(listKey) ?? [];
    const ordered: T[] = [];
    for (const key of previous) {
      const item = byKey.get(key);
      if (item === undefined) continue;
      ordered.push(item);
      byKey.delete(key);
    }
    const fresh = [...byKey.values()].map((item, i) => ({ item, i, r: rank(item) }));
    fresh.sort((a, b) => a.r - b.r || a.i - b.i);
    for (const f of fresh) ordered.push(f.item);
    this.lists.set(listKey, ordered.map(keyOf));
    return ordered;
  }

  /** Forgets every list but these (groups that disappeared, another grouping). */
  retain(listKeys: Iterable<string>): void {
    const keep = new Set(listKeys);
    for (const key of this.lists.keys()) if (!keep.has(key)) this.lists.delete(key);
  }

  clear(): void {
    this.lists.clear();
  }
}
