import type { Connection } from './model';

const REMEMBER_MS = 120_000; // TIME_WAIT lasts 60 s on Linux; keep owners a little longer.

interface Owner {
  pid: number;
  process: string;
  seenAt: number;
}

const tupleKey = (c: Connection) => `${c.localAddress}|${c.localPort}|${c.remoteAddress}|${c.remotePort}`;

/**
 * Names a probable cause for TIME_WAIT sockets, which no process holds: the process that owned
 * the same 4-tuple in an earlier snapshot, else the listener on the same local port (the server
 * closed first). Results are marked as inferred.
 */
export class TimeWaitAttributor {
  private readonly owners = new Map<string, Owner>();

  annotate(connections: readonly Connection[], now = Date.now()): void {
    const listeners = new Map<number, Connection>();
    for (const c of connections) {
      if (c.owner === 'known' && c.pid !== undefined) {
        this.owners.set(tupleKey(c), { pid: c.pid, process: c.process ?? '?', seenAt: now });
        if (c.state === 'LISTEN') listeners.set(c.localPort, c);
      }
    }
    for (const c of connections) {
      if (c.state !== 'TIME_WAIT') continue;
      const before = this.owners.get(tupleKey(c));
      if (before) {
        c.inferredOwner = { pid: before.pid, process: before.process, reason: `was ${before.process} (${before.pid}) until it closed first` };
        continue;
      }
      const listener = listeners.get(c.localPort);
      if (listener) {
        c.inferredOwner = { pid: listener.pid, process: listener.process, reason: `from :${c.localPort} — server closed first`, listenerPort: c.localPort };
      }
    }
    for (const [key, owner] of this.owners) if (now - owner.seenAt > REMEMBER_MS) this.owners.delete(key);
  }
}
