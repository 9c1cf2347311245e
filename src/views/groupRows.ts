import { connectionKey, type SnapshotDiff } from '../core/diff';
import { groupConnections, groupStates, type ConnectionGroup, type GroupBy } from '../core/grouping';
import { countStates, type Connection } from '../core/model';
import { countStuck } from '../core/stuck';
import { StableOrder, type OrderHint } from './stableOrder';

/** One row of a group as the tree lists it: a live connection, or one gone since the last refresh. */
export interface RowEntry {
  connection: Connection;
  /** {@link connectionKey}: the row's name across refreshes (and in its tree item id). */
  key: string;
  /** Unique within the group: the key, with `#n` for the n-th copy of a row the kernel listed twice. */
  id: string;
  closed: boolean;
}

/** A group as the tree shows it: its rows in a stable order, and counts of the live ones only. */
export interface GroupRows {
  group: ConnectionGroup;
  /**
   * Live rows and rows closed since the last refresh (in `closed`), in their stable order; of a
   * group not shown (see {@link GroupRowsOptions.shows}), its live rows in the table's order.
   */
  rows: Connection[];
  /** Of a group not shown: its rows closed since the last refresh (a shown group has them in `rows`). */
  closedRows: Connection[];
  /**
   * False for a state group not shown: its live rows are not listed (`rows` is empty, `count`
   * says how many), {@link liveRowsOf} finds them when it opens.
   */
  listed: boolean;
  /** Rows gone since the last refresh (of every group): shown once, not counted. */
  closed: ReadonlySet<Connection>;
  /** Live connections: what the kernel's table had at this refresh (closed rows excluded). */
  count: number;
  /** Live connections stuck in CLOSE_WAIT (see isStuckCloseWait in src/core/stuck.ts). */
  stuck: number;
}

export interface GroupRowsOptions {
  groupBy: GroupBy;
  stuckAfterSeconds: number;
  /** Leave out groups with neither live nor closed rows. */
  hideEmpty: boolean;
  /**
   * Whether a group's rows are shown (its node is expanded): only those are put in their stable
   * order, the others keep the table's order until {@link TreeRows.orderGroup} is asked. Omitted: all.
   */
  shows?: (groupKey: string) => boolean;
}

/** Oldest first; rows of unknown age after those with an age. */
const byAge = (c: Connection) => (c.ageSeconds === undefined ? 1 : -c.ageSeconds);

const NONE: ReadonlySet<Connection> = new Set();

/** A few rows (what a diff added or removed) by state. */
function byState(rows: Iterable<Connection>): Map<string, Connection[]> {
  const result = new Map<string, Connection[]>();
  for (const c of rows) {
    const list = result.get(c.state);
    if (list) list.push(c);
    else result.set(c.state, [c]);
  }
  return result;
}

/**
 * The tree's rows across refreshes: groups of the live connections and of those closed since the
 * last refresh, each group's rows and (for groupings other than states) the groups themselves
 * kept in place. Rows are one object while they live (see the sampler), so a refresh right after
 * the previous one orders each state group in one pass, without a key per row.
 */
export class TreeRows {
  private readonly order = new StableOrder();
  /** The sample the rows were last grouped from, and the rows it closed. */
  private lastSequence: number | undefined;
  private lastClosed: ReadonlySet<Connection> = NONE;

  group(
    current: readonly Connection[],
    diff: SnapshotDiff | undefined,
    sequence: number | undefined,
    options: GroupRowsOptions,
  ): GroupRows[] {
    const closed: ReadonlySet<Connection> = diff && diff.removed.length > 0 ? new Set(diff.removed) : NONE;
    // A row changes state as a new object; other groupings can move a row between groups.
    const follows =
      options.groupBy === 'state' && diff !== undefined && sequence !== undefined && sequence === (this.lastSequence ?? -2) + 1;
    const previouslyClosed = this.lastClosed;
    let hint: ((group: ConnectionGroup) => OrderHint<Connection>) | undefined;
    if (follows) {
      const fresh = byState(diff.added);
      // Rows closed at the last refresh were shown there, in their state's group, for that once.
      const gone = byState(previouslyClosed);
      hint = (group) => ({ fresh: fresh.get(group.key) ?? [], gone: gone.get(group.key) ?? [] });
    }
    this.lastSequence = sequence;
    this.lastClosed = closed;
    return groupRows(current, diff?.removed ?? [], options, this.order, hint, closed);
  }

  /**
   * The rows of a group that was not shown at the last {@link group} (its live rows and those closed
   * since), in order now that it opens (oldest first).
   */
  orderGroup(groupBy: GroupBy, groupKey: string, rows: readonly Connection[], closedRows: readonly Connection[]): Connection[] {
    return orderedRows(this.order, groupBy, groupKey, rows, closedRows);
  }

  clear(): void {
    this.order.clear();
    this.lastSequence = undefined;
  }
}

/**
 * Groups the live connections and the ones closed since the last refresh. Counts are of live
 * rows only; closed rows stay where they were for this one refresh. Rows, and groups other than
 * states, keep their place across refreshes through `order` (new ones oldest first after them).
 */
export function groupRows(
  current: readonly Connection[],
  removed: readonly Connection[],
  options: GroupRowsOptions,
  order: StableOrder,
  /** What changed in a group's list since it was last ordered (the refresh just before). */
  hint?: (group: ConnectionGroup) => OrderHint<Connection>,
  closed: ReadonlySet<Connection> = new Set(removed),
): GroupRows[] {
  const { groupBy, shows } = options;
  const sizes = groupBy === 'state' ? countStates(current) : undefined;
  const live = sizes ? groupStates(current, sizes, shows ?? (() => true)) : groupConnections(current, groupBy);
  const byKey = new Map(live.map((g) => [g.key, { group: g, closed: [] as Connection[] }]));
  for (const g of groupConnections(removed, groupBy)) {
    if (g.connections.length === 0) continue;
    const target = byKey.get(g.key);
    if (target) target.closed = g.connections;
    else byKey.set(g.key, { group: { ...g, connections: [] }, closed: g.connections });
  }
  const result: GroupRows[] = [];
  for (const { group, closed: closedHere } of byKey.values()) {
    const count = sizes && group.state ? sizes[group.state] : group.connections.length;
    if (options.hideEmpty && count === 0 && closedHere.length === 0) continue;
    // A collapsed group's rows are never looked at: at 100,000 sockets ordering ESTABLISHED costs
    // copies of a list of 75,000 every refresh. It lists its live rows, ordered when it opens.
    const shown = shows?.(group.key) ?? true;
    const rows = shown ? orderedRows(order, groupBy, group.key, group.connections, closedHere, hint?.(group)) : group.connections;
    const closedRows = shown ? [] : closedHere;
    const listed = group.connections.length === count;
    // Of the state groups only CLOSE_WAIT has stuck rows: counted in the whole table when not listed.
    const stuckIn = group.state === undefined || group.state === 'CLOSE_WAIT' ? (listed ? group.connections : current) : [];
    result.push({ group, rows, closedRows, closed, count, stuck: countStuck(stuckIn, options.stuckAfterSeconds), listed });
  }
  const groups =
    groupBy === 'state'
      ? result
      : order.order(
          `${groupBy}|`,
          result,
          (g) => g.group.key,
          (g) => -g.count,
        );
  const shownKeys = groups.filter((g) => options.shows?.(g.group.key) ?? true).map((g) => rowListKey(groupBy, g.group.key));
  order.retain([`${groupBy}|`, ...shownKeys]);
  return groups;
}

/** The live rows of a state group that were not listed (see {@link GroupRows.listed}), in the table's order. */
export function liveRowsOf(current: readonly Connection[], state: string): Connection[] {
  return current.filter((c) => c.state === state);
}

/** Rows a group holds, live and closed: none makes it a leaf; many keep a state group closed. */
export function rowTotal(g: Pick<GroupRows, 'rows' | 'closedRows' | 'count' | 'listed'>): number {
  return (g.listed ? g.rows.length : g.count) + g.closedRows.length;
}

/** Where `order` keeps a group's row order. */
const rowListKey = (groupBy: GroupBy, groupKey: string) => `${groupBy}|${groupKey}`;

/** A group's live rows and those closed since the last refresh, in their stable order (new ones oldest first). */
function orderedRows(
  order: StableOrder,
  groupBy: GroupBy,
  groupKey: string,
  live: readonly Connection[],
  closed: readonly Connection[],
  hint?: OrderHint<Connection>,
): Connection[] {
  const all = closed.length > 0 ? [...live, ...closed] : live;
  return order.orderObjects(rowListKey(groupBy, groupKey), all, byAge, hint);
}

/** Tree entries of some rows of a group: keys, and ids unique among them. */
export function rowEntries(rows: readonly Connection[], closed: ReadonlySet<Connection>): RowEntry[] {
  const seen = new Map<string, number>();
  return rows.map((connection) => {
    const key = connectionKey(connection);
    // /proc/net/tcp is read in chunks while the kernel changes it, so a row can be listed
    // twice; tree item ids must stay unique or VS Code rejects the whole refresh.
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return { connection, key, id: n > 1 ? `${key}#${n}` : key, closed: closed.has(connection) };
  });
}
