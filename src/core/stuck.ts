import type { Connection } from './model';

/**
 * A socket is stuck when it has stayed in CLOSE_WAIT for at least `stuckAfterSeconds`: the peer
 * closed long ago and the process still has not called close(). An observed lower bound counts
 * (it has been there at least that long); a socket of unknown age never does.
 */
export function isStuckCloseWait(c: Connection, stuckAfterSeconds: number): boolean {
  return c.state === 'CLOSE_WAIT' && c.ageSeconds !== undefined && c.ageSeconds >= stuckAfterSeconds;
}

/** How many sockets of a table are stuck, whoever holds them (owners not visible included). */
export function countStuck(connections: readonly Connection[], stuckAfterSeconds: number): number {
  let stuck = 0;
  for (let i = 0; i < connections.length; i++) if (isStuckCloseWait(connections[i], stuckAfterSeconds)) stuck++;
  return stuck;
}
