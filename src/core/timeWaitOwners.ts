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
 * the same 4-tuple until it left the table, else the listener on the same local port (the server
 * closed first). Results are marked as inferred. Works on what changed: the rows gone since the
 * last sample say who owned which 4-tuple, and only new TIME_WAIT rows are named (a row keeps its
 * cause while it lives).
 */
export class TimeWaitAttributor {
  private readonly owners = new Map<string, Owner>();

  /**
   * `fresh`: rows new since the last sample (every row at the first); `gone`: rows that left the
   * table since; `all`: the whole table (its listeners).
   */
  annotate(fresh: readonly Connection[], gone: readonly Connection[], all: readonly Connection[], now = Date.now()): void {
    for (const c of gone) {
      if (c.owner === 'known' && c.pid !== undefined && c.state !== 'LISTEN') {
        this.owners.set(tupleKey(c), { pid: c.pid, process: c.process ?? '?', seenAt: now });
      }
    }
    let listeners: Map<number, Connection> | undefined;
    for (const c of fresh) {
      if (c.state !== 'TIME_WAIT') continue;
      const before = this.owners.get(tupleKey(c));
      if (before) {
        c.inferredOwner = {
          pid: before.pid,
          process: before.process,
          reason: `was ${before.process} (${before.pid}) until it closed first`,
        };
        continue;
      }
      listeners ??= listenersByPort(all);
      const listener = listeners.get(c.localPort);
      if (listener) {
        c.inferredOwner = {
          pid: listener.pid,
          process: listener.process,
          reason: `from :${c.localPort} — server closed first`,
          listenerPort: c.localPort,
        };
      }
    }
    if (gone.length > 0 || this.owners.size > 0) {
      for (const [key, owner] of this.owners) if (now - owner.seenAt > REMEMBER_MS) this.owners.delete(key);
    }
  }
}

function listenersByPort(all: readonly Connection[]): Map<number, Connection> {
  const listeners = new Map<number, Connection>();
  for (let i = 0; i < all.length; i++) {
    const c = all[i];
    if (c.state === 'LISTEN' && c.owner === 'known' && c.pid !== undefined) listeners.set(c.localPort, c);
  }
  return listeners;
}
