import type { TimeSlicer } from './async';
import { connectionKey } from './diff';
import type { Connection, TcpStateName } from './model';
import { TCP_STATE_NAMES } from './model';

/**
 * A socket first seen this long after the previous look may have been in its state for the
 * whole gap: its age is then only a lower bound (a host that did not answer for a while, a
 * view that was hidden).
 */
export const KNOWN_GAP_MS = 10_000;

const STATE_INDEX = Object.fromEntries(TCP_STATE_NAMES.map((s, i) => [s, i])) as Record<TcpStateName, number>;

interface Seen {
  /** When the socket was first seen in this state (ms). */
  since: number;
  /** The look that last saw it; older entries are swept. */
  look: number;
  lowerBound: boolean;
}

/**
 * Ages for sockets the kernel does not date (the /proc text fallback, SSH hosts, BSD and Windows
 * netstat, ESTABLISHED and LISTEN everywhere): the time since TCP Lens first saw each socket in
 * its current state, across refreshes. A socket already there at the first look (or first seen
 * after a long gap between looks) gets `ageIsLowerBound`: it is at least that old.
 *
 * Sockets with an inode are keyed by inode and state (a number), others (TIME_WAIT, netstat
 * output) by 4-tuple and state; the work per refresh is one map lookup per socket, and entries
 * of sockets that are gone are swept only when some are.
 */
export class ObservedAges {
  private readonly byInode = new Map<number, Seen>();
  private readonly byTuple = new Map<string, Seen>();
  private looks = 0;
  private lastLookAt: number | undefined;

  /**
   * Sets `ageSeconds`, `ageSource: 'observed'` and `ageIsLowerBound` on rows without a kernel age.
   * With `slicer`, gives the event loop a turn when a slice of work has taken long enough.
   */
  async annotate(connections: readonly Connection[], at: Date, slicer?: TimeSlicer): Promise<void> {
    const now = at.getTime();
    const look = ++this.looks;
    const lowerBound = this.lastLookAt === undefined || now - this.lastLookAt > KNOWN_GAP_MS;
    this.lastLookAt = now;
    let inodeRows = 0;
    let tupleRows = 0;
    for (let i = 0; i < connections.length; i++) {
      const c = connections[i];
      if (slicer && (i & 4095) === 4095) await slicer.maybeYield();
      if (c.ageSource === 'kernel') continue;
      let seen: Seen | undefined;
      if (c.inode !== 0) {
        // An inode is below 2^32: inode × 16 + state stays an exact integer.
        const key = c.inode * 16 + STATE_INDEX[c.state];
        seen = this.byInode.get(key);
        if (seen === undefined) this.byInode.set(key, (seen = { since: now, look: 0, lowerBound }));
        if (seen.look !== look) inodeRows++;
      } else {
        const key = connectionKey(c);
        seen = this.byTuple.get(key);
        if (seen === undefined) this.byTuple.set(key, (seen = { since: now, look: 0, lowerBound }));
        if (seen.look !== look) tupleRows++;
      }
      seen.look = look;
      c.ageSeconds = (now - seen.since) / 1000;
      c.ageSource = 'observed';
      c.ageIsLowerBound = seen.lowerBound;
    }
    if (this.byInode.size > inodeRows) sweep(this.byInode, look);
    if (this.byTuple.size > tupleRows) sweep(this.byTuple, look);
  }

  /** Sockets remembered (for tests and the benchmark). */
  get size(): number {
    return this.byInode.size + this.byTuple.size;
  }
}

function sweep<K>(map: Map<K, Seen>, look: number): void {
  for (const [key, seen] of map) if (seen.look !== look) map.delete(key);
}
