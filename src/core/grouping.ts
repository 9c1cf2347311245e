import { countStates, emptyCounts, type Connection, type StateCounts, type TcpStateName } from './model';
import { STATE_DISPLAY_ORDER } from './states';

export type GroupBy = 'state' | 'process' | 'localPort' | 'remoteHost';

export const GROUP_BY_LABELS: Record<GroupBy, string> = {
  state: 'State',
  process: 'Process',
  localPort: 'Local port',
  remoteHost: 'Remote host',
};

export interface ConnectionGroup {
  /** Stable key, e.g. `CLOSE_WAIT`, `pid:4242`, `port:8080`, `host:10.0.0.2`. */
  key: string;
  label: string;
  connections: Connection[];
  state?: TcpStateName;
  pid?: number;
  /** Set for process groups: a sample connection's command line. */
  commandLine?: string;
}

function keyOf(c: Connection, by: GroupBy): [string, string] {
  switch (by) {
    case 'state':
      return [c.state, c.state];
    case 'process':
      if (c.pid !== undefined) return [`pid:${c.pid}`, `${c.process ?? '?'} (${c.pid})`];
      return c.owner === 'kernel' ? ['kernel', 'No process (kernel: TIME_WAIT, SYN_RECV)'] : ['unknown', 'Owner not visible'];
    case 'localPort':
      return [`port:${c.localPort}`, `:${c.localPort}`];
    case 'remoteHost':
      return [`host:${c.remoteAddress}`, c.remoteAddress];
  }
}

/**
 * Groups connections in one pass. State groups come in {@link STATE_DISPLAY_ORDER} and always
 * include every state (empty ones are for the caller to hide); other groupings are sorted by
 * size, largest first, as that is where a problem shows.
 */
export function groupConnections(connections: readonly Connection[], by: GroupBy): ConnectionGroup[] {
  if (by === 'state') return groupStates(connections, countStates(connections), () => true);
  const groups = new Map<string, ConnectionGroup>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections[i];
    const [key, label] = keyOf(c, by);
    let g = groups.get(key);
    if (!g) {
      g = { key, label, connections: [] };
      if (by === 'process' && c.pid !== undefined) {
        g.pid = c.pid;
        g.commandLine = c.commandLine;
      }
      groups.set(key, g);
    }
    g.connections.push(c);
  }
  const list = [...groups.values()];
  list.sort((a, b) => b.connections.length - a.connections.length || a.label.localeCompare(b.label));
  return list;
}

/**
 * State groups (in {@link STATE_DISPLAY_ORDER}) of a table whose per-state `sizes` are known, with
 * the rows of the states `listed` asks for only: the others' lists stay empty. The tree lists the
 * groups it shows; at 100,000 sockets listing ESTABLISHED alone is a list of 75,000 every refresh.
 */
export function groupStates(
  connections: readonly Connection[],
  sizes: StateCounts,
  listed: (state: TcpStateName) => boolean,
): ConnectionGroup[] {
  // No key pair per row, and each list made at its size (grown by push, a list of tens of thousands
  // is a chain of ever larger copies, large objects that only a full GC frees). Fill positions are
  // kept in an object of one shape with every state, so a row costs a keyed increment.
  const lists = {} as Record<TcpStateName, Connection[]>;
  const filled = emptyCounts();
  let any = false;
  for (const s of STATE_DISPLAY_ORDER) {
    const wanted = listed(s) && sizes[s] > 0;
    lists[s] = wanted ? new Array<Connection>(sizes[s]) : [];
    any ||= wanted;
  }
  if (any)
    for (let i = 0; i < connections.length; i++) {
      const c = connections[i];
      const list = lists[c.state];
      if (list.length > 0) list[filled[c.state]++] = c;
    }
  return STATE_DISPLAY_ORDER.map((s) => ({ key: s, label: s, connections: lists[s], state: s }));
}
