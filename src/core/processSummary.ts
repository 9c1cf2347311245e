import { emptyCounts, TCP_STATE_NAMES, type Connection, type StateCounts, type TcpStateName } from './model';
import { isStuckCloseWait } from './stuck';

/** What one snapshot says about one process: its sockets by state and its CLOSE_WAIT verdict. */
export interface ProcessSummary {
  pid: number;
  process: string;
  commandLine: string;
  /** Sockets per state (states it has none in are absent). */
  byState: Partial<Record<TcpStateName, number>>;
  total: number;
  closeWait: number;
  /** CLOSE_WAIT sockets older than the stuck threshold. */
  stuck: number;
  /** Oldest CLOSE_WAIT age in seconds, when any CLOSE_WAIT socket's age is known. */
  oldestCloseWaitSeconds?: number;
  oldestIsLowerBound: boolean;
  /** Local ports of its CLOSE_WAIT sockets, and of the stuck ones. */
  closeWaitPorts: Set<number>;
  stuckPorts: Set<number>;
}

/**
 * Groups the sockets of a snapshot by owning process in one pass. The one place that counts
 * CLOSE_WAIT (and stuck sockets) per process: the alerts, the lenses and the exporter read it.
 */
export function summarizeProcesses(connections: readonly Connection[], stuckAfterSeconds: number): Map<number, ProcessSummary> {
  // Counted in objects of one shape with every state (a row's count is then one keyed increment);
  // the absent states are left out once per process at the end.
  const tallies = new Map<number, { p: ProcessSummary; n: StateCounts }>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections[i];
    if (c.pid === undefined) continue;
    let t = tallies.get(c.pid);
    if (!t) {
      const p: ProcessSummary = {
        pid: c.pid,
        process: c.process ?? '?',
        commandLine: c.commandLine ?? '',
        byState: {},
        total: 0,
        closeWait: 0,
        stuck: 0,
        oldestIsLowerBound: false,
        closeWaitPorts: new Set(),
        stuckPorts: new Set(),
      };
      tallies.set(c.pid, (t = { p, n: emptyCounts() }));
    }
    const p = t.p;
    p.total++;
    t.n[c.state]++;
    if (c.state !== 'CLOSE_WAIT') continue;
    p.closeWait++;
    p.closeWaitPorts.add(c.localPort);
    if (c.ageSeconds !== undefined && c.ageSeconds > (p.oldestCloseWaitSeconds ?? -1)) {
      p.oldestCloseWaitSeconds = c.ageSeconds;
      p.oldestIsLowerBound = c.ageIsLowerBound === true;
    }
    if (isStuckCloseWait(c, stuckAfterSeconds)) {
      p.stuck++;
      p.stuckPorts.add(c.localPort);
    }
  }
  const byPid = new Map<number, ProcessSummary>();
  for (const [pid, { p, n }] of tallies) {
    for (const s of TCP_STATE_NAMES) if (n[s] > 0) p.byState[s] = n[s];
    byPid.set(pid, p);
  }
  return byPid;
}
