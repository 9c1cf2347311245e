import type { Connection, TableChanges } from '../model';
import { KNOWN_GAP_MS } from '../observedAges';

interface Entry {
  row: Connection;
  /** The look that last saw it. */
  look: number;
  /** When it was first seen in its state (ms), for the observed age. */
  since: number;
  lowerBound: boolean;
}

/**
 * Keeps one row object per socket across looks at a table, so everything computed about a row
 * (its process, its inferred TIME_WAIT cause, its place in the tree) stays with it and each
 * refresh works only on what changed. A look calls {@link row} once per socket with a key that
 * names the socket in its state (a changed state is a new row), then {@link finish}.
 * Work per look: one map lookup per socket, plus a sweep over the rows when some are gone.
 */
export class RowIdentity<K> {
  private readonly entries = new Map<K, Entry>();
  private looks = 0;
  private lookAt = 0;
  /** Time since the previous look, in seconds (0 at the first). */
  sinceLastLook = 0;
  /** Whether the row {@link row} returned last was created by it. */
  lastWasNew = false;
  private lowerBound = true;
  private seen = 0;
  private added: Connection[] = [];
  private addedKeys: K[] = [];
  /** A look began and has not finished (it was cancelled): its new rows were never reported. */
  private open = false;
  /** Rows whose name another socket took in this look: gone. */
  private displaced: Connection[] = [];
  /** The entry of the row {@link row} returned last. */
  private current: Entry | undefined;

  begin(now: number): void {
    // Rows a cancelled look created are new to whoever reads the next one.
    if (this.open) for (const key of this.addedKeys) this.entries.delete(key);
    this.open = true;
    this.addedKeys = [];
    this.displaced = [];
    this.lowerBound = this.looks === 0 || now - this.lookAt > KNOWN_GAP_MS;
    this.sinceLastLook = this.looks === 0 ? 0 : (now - this.lookAt) / 1000;
    this.looks++;
    this.lookAt = now;
    this.seen = 0;
    this.added = [];
  }

  /**
   * The row of the socket `key`: the one from earlier looks, or `create()`'s, which is then new.
   * A key listed twice in one look (a table read while it changed) gets a second row.
   */
  row(key: K, create: () => Connection, matches?: (row: Connection) => boolean): Connection {
    let entry = this.entries.get(key);
    // A name given again to another socket (an inode reused after a wrap): that one is new.
    if (entry !== undefined && matches !== undefined && entry.look !== this.looks && !matches(entry.row)) {
      this.entries.delete(key);
      this.displaced.push(entry.row);
      entry = undefined;
    }
    if (entry !== undefined && entry.look !== this.looks) {
      entry.look = this.looks;
      this.seen++;
      this.current = entry;
      this.lastWasNew = false;
      return entry.row;
    }
    const row = create();
    this.lastWasNew = true;
    this.current = undefined;
    if (entry === undefined) {
      this.current = { row, look: this.looks, since: this.lookAt, lowerBound: this.lowerBound };
      this.entries.set(key, this.current);
      this.addedKeys.push(key);
      this.seen++;
    }
    this.added.push(row);
    return row;
  }

  /**
   * Sets the observed age (time since first seen in this state) on the row {@link row} just
   * returned, for sockets the kernel does not date.
   */
  observeAge(row: Connection): void {
    const entry = this.current;
    if (entry === undefined || entry.row !== row) return;
    row.ageSeconds = (this.lookAt - entry.since) / 1000;
    row.ageSource = 'observed';
    row.ageIsLowerBound = entry.lowerBound;
  }

  /** Ends a look: the rows created in it, and those of earlier looks it did not list. */
  finish(): TableChanges {
    this.open = false;
    const removed = this.displaced;
    this.displaced = [];
    if (this.entries.size > this.seen) {
      for (const [key, entry] of this.entries) {
        if (entry.look === this.looks) continue;
        removed.push(entry.row);
        this.entries.delete(key);
      }
    }
    const added = this.added;
    this.added = [];
    this.addedKeys = [];
    return { added, removed };
  }

  clear(): void {
    this.entries.clear();
    this.looks = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
