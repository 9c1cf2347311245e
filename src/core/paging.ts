/** One page of a long list, and how many items are left after it. */
export interface Page<T> {
  items: readonly T[];
  remaining: number;
}

/** The first `shown` items (at least one page); the tree adds a "Show N more…" node for the rest. */
export function firstItems<T>(all: readonly T[], shown: number): Page<T> {
  const n = Math.max(0, Math.min(all.length, shown));
  return { items: n === all.length ? all : all.slice(0, n), remaining: all.length - n };
}
