import type { Connection } from './model';

/** Identity of a connection across refreshes: its 4-tuple and state. */
export function connectionKey(c: Connection): string {
  return `${c.state} ${c.localAddress} ${c.localPort} ${c.remoteAddress} ${c.remotePort}`;
}

export interface SnapshotDiff {
  /** Keys of connections that were not in the previous snapshot. */
  added: Set<string>;
  /** Connections of the previous snapshot that are gone now: shown as closed for one cycle. */
  removed: Connection[];
}

/** Compares two snapshots in one pass each. The first snapshot marks nothing as new. */
export function diffSnapshots(previous: readonly Connection[] | undefined, current: readonly Connection[]): SnapshotDiff {
  const added = new Set<string>();
  const removed: Connection[] = [];
  if (!previous) return { added, removed };
  const before = new Map<string, Connection>();
  for (const c of previous) before.set(connectionKey(c), c);
  for (const c of current) {
    const key = connectionKey(c);
    if (!before.delete(key)) added.add(key);
  }
  removed.push(...before.values());
  return { added, removed };
}
