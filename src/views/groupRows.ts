import { connectionKey } from '../core/diff';
import { groupConnections, type ConnectionGroup, type GroupBy } from '../core/grouping';
import type { Connection } from '../core/model';
import { isStuckCloseWait } from '../core/stuck';
import type { StableOrder } from './stableOrder';

/** One row of a group: a live connection, or one gone since the last refresh (shown once, not counted). */
export interface RowEntry {
  connection: Connection;
  /** {@link connectionKey}: the row's identity across refreshes. */
  key: string;
  /** Unique within the group: the key, with `#n` for the n-th copy of a row the kernel listed twice. */
  id: string;
  closed: boolean;
}

/** A group as the tree shows it: its rows in a stable order, and counts of the live ones only. */
export interface GroupRows {
  group: ConnectionGroup;
  rows: RowEntry[];
  /** Live connections: what the kernel's table had at this refresh (closed rows excluded). */
  count: number;
  /** Live connections stuck in CLOSE_WAIT (see {@link isStuckCloseWait}). */
  stuck: number;
}

export interface GroupRowsOptions {
  groupBy: GroupBy;
  stuckAfterSeconds: number;
  /** Leave out groups with neither live nor closed rows. */
  hideEmpty: boolean;
}

/** Oldest first; rows of unknown age after those with an age. */
const byAge = (e: RowEntry) => (e.connection.ageSeconds === undefined ? 1 : -e.connection.ageSeconds);

function entries(connections: readonly Connection[], closed: boolean, seen: Map<string, number>): RowEntry[] {
  return connections.map((connection) => {
    const key = connectionKey(connection);
    // /proc/net/tcp is read in chunks while the kernel changes it, so a row can be listed
    // twice; tree item ids must stay unique or VS Code rejects the whole refresh.
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return { connection, key, id: n > 1 ? `${key}#${n}` : key, closed };
  });
}

/**
 * Groups the live connections and the ones closed since the last refresh. Counts are of live
 * rows only; closed rows stay where they were for this one refresh. Rows, and groups other than
 * states, keep their place across refreshes through `order` (new ones oldest first after them).
 */
export function groupRows(current: readonly Connection[], removed: readonly Connection[], options: GroupRowsOptions, order: StableOrder): GroupRows[] {
  const { groupBy } = options;
  const live = groupConnections(current, groupBy);
  const byKey = new Map(live.map((g) => [g.key, { group: g, closed: [] as Connection[] }]));
  for (const g of groupConnections(removed, groupBy)) {
    if (g.connections.length === 0) continue;
    const target = byKey.get(g.key);
    if (target) target.closed = g.connections;
    else byKey.set(g.key, { group: { ...g, connections: [] }, closed: g.connections });
  }
  const result: GroupRows[] = [];
  for (const { group, closed } of byKey.values()) {
    if (options.hideEmpty && group.connections.length === 0 && closed.length === 0) continue;
    const seen = new Map<string, number>();
    const all = [...entries(group.connections, false, seen), ...entries(closed, true, seen)];
    const rows = order.order(`${groupBy}|${group.key}`, all, (e) => e.id, byAge);
    let stuck = 0;
    for (const c of group.connections) if (isStuckCloseWait(c, options.stuckAfterSeconds)) stuck++;
    result.push({ group, rows, count: group.connections.length, stuck });
  }
  const groups = groupBy === 'state' ? result : order.order(`${groupBy}|`, result, (g) => g.group.key, (g) => -g.count);
  order.retain([`${groupBy}|`, ...groups.map((g) => `${groupBy}|${g.group.key}`)]);
  return groups;
}
