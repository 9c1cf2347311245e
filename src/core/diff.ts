import type { Connection, TableChanges } from './model';

/** Identity of a connection across refreshes: its 4-tuple and state. */
export function connectionKey(c: Connection): string {
  return `${c.state} ${c.localAddress} ${c.localPort} ${c.remoteAddress} ${c.remotePort}`;
}

export interface SnapshotDiff {
  /** Rows that were not in the previous snapshot. */
  added: ReadonlySet<Connection>;
  /** Rows of the previous snapshot that are gone now: shown as closed for one cycle. */
  removed: readonly Connection[];
}

/** The diff of a first snapshot: nothing is new, nothing closed. */
export const NO_DIFF: SnapshotDiff = { added: new Set(), removed: [] };

/** What a row says that can change while it lives (its 4-tuple and state cannot). */
function refresh(row: Connection, fresh: Connection): void {
  row.sendQueue = fresh.sendQueue;
  row.receiveQueue = fresh.receiveQueue;
  row.uid = fresh.uid;
  row.inode = fresh.inode;
  row.owner = fresh.owner;
  row.pid = fresh.pid;
  row.process = fresh.process;
  row.commandLine = fresh.commandLine;
  row.ageSeconds = fresh.ageSeconds;
  row.ageSource = fresh.ageSource;
  row.ageIsLowerBound = fresh.ageIsLowerBound;
}

/**
 * For tables whose collector builds new row objects every time (/proc text, SSH hosts, netstat):
 * puts the previous snapshot's object back in place of every row that is still there (with the
 * fresh values), so a row is one object while it lives, as with collectors that keep them.
 * Returns the new rows and the gone ones. One pass over each table, keyed by 4-tuple and state.
 */
export function reconcileRows(previous: readonly Connection[], current: Connection[]): TableChanges {
  const before = new Map<string, Connection>();
  for (const c of previous) before.set(connectionKey(c), c);
  const added: Connection[] = [];
  for (let i = 0; i < current.length; i++) {
    const key = connectionKey(current[i]);
    const row = before.get(key);
    if (row === undefined) {
      added.push(current[i]);
      continue;
    }
    before.delete(key);
    if (row !== current[i]) {
      refresh(row, current[i]);
      current[i] = row;
    }
  }
  return { added, removed: [...before.values()] };
}
