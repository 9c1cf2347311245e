/** What changed since a list was last ordered, when that was the refresh just before. */
export interface OrderHint<T> {
  /** Items of this list not there the previous time (known from a diff: no pass over the list to find them). */
  fresh: readonly T[];
  /** Items of this list's previous order that are not there any more. */
  gone: readonly T[];
}

/**
 * Keeps rows where they are across refreshes, so the row under the mouse (its hover, its context
 * menu) stays the one the user pointed at: rows still present keep their order, rows gone are
 * dropped, new rows go after them, ordered by `rank` among themselves. The first time a list is
 * seen it is ordered by `rank` alone. No vscode import: unit-tested on its own.
 */
export class StableOrder {
  /** Per list, the keys (or items) in their order. */
  private readonly lists = new Map<string, unknown[]>();

  /**
   * Orders `items` of the list `listKey`. `keyOf` must be unique within `items` and name an item
   * across calls; `rank` sorts new items (smaller first; ties keep the given order).
   */
  order<T, K>(listKey: string, items: readonly T[], keyOf: (item: T) => K, rank: (item: T) => number): T[] {
    const previous = (this.lists.get(listKey) ?? []) as K[];
    const byKey = new Map<K, T>();
    for (const item of items) byKey.set(keyOf(item), item);
    const kept: T[] = [];
    for (const key of previous) {
      const item = byKey.get(key);
      if (item === undefined) continue;
      kept.push(item);
      byKey.delete(key);
    }
    const result = appendRanked(kept, [...byKey.values()], rank);
    this.lists.set(listKey, result.map(keyOf));
    return result;
  }

  /**
   * {@link order} for items that are their own key (rows kept as one object while they live).
   * With a `hint` the work is one pass over the previous list, with no key table and no look at
   * `items`; a hint that does not add up to `items` is ignored.
   */
  orderObjects<T extends object>(listKey: string, items: readonly T[], rank: (item: T) => number, hint?: OrderHint<T>): T[] {
    const previous = (this.lists.get(listKey) ?? []) as T[];
    if (hint) {
      const kept = without(previous, hint.gone);
      if (kept.length + hint.fresh.length === items.length) {
        const result = appendRanked(kept, hint.fresh, rank);
        this.lists.set(listKey, result);
        return result;
      }
    }
    return this.order(listKey, items, (item) => item, rank);
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

/**
 * `list` less the items of `gone`, in order. A list none of whose rows closed is only copied; one
 * with closed rows is filtered in one pass (a look-up per row, not a search of the list per closed
 * row: TIME_WAIT at 100,000 sockets closes hundreds of rows a refresh in a list of 15,000).
 */
function without<T>(list: readonly T[], gone: readonly T[]): T[] {
  if (gone.length === 0) return list.slice();
  const goneSet = new Set(gone);
  return list.filter((item) => !goneSet.has(item));
}

/** `kept` followed by `fresh` sorted by rank (ties keep their order). */
function appendRanked<T>(kept: T[], fresh: readonly T[], rank: (item: T) => number): T[] {
  const ranked = fresh.map((item, i) => ({ item, i, r: rank(item) }));
  ranked.sort((a, b) => a.r - b.r || a.i - b.i);
  for (const f of ranked) kept.push(f.item);
  return kept;
}
