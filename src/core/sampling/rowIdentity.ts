import type { Connection, TableChanges } from '../model';
import { KNOWN_GAP_MS } from '../observedAges';

interface Entry<K> {
  key: K;
  row: Connection;
  /** The look that last saw it; {@link GONE} once dropped. */
  look: number;
  /** Its place in the order of the look that last saw it. */
  place: number;
  /** When it was first seen in its state (ms), for the observed age. */
  since: number;
  lowerBound: boolean;
}

const GONE = -1;

/**
 * Keeps one row object per socket across looks at a table, so everything computed about a row
 * (its process, its inferred TIME_WAIT cause, its place in the tree) stays with it and each
 * refresh works only on what changed. A look calls {@link row} once per socket with a key that
 * names the socket in its state (a changed state is a new row), then {@link finish}.
 * Work per look: a table listed in the order of the last look (the kernel walks its socket hash
 * the same way each time) costs one comparison per socket; a map lookup finds the others. Plus a
 * sweep over the rows when some are gone.
 */
export class RowIdentity<K> {
  private readonly entries = new Map<K, Entry<K>>();
  /**
   * The entries in the order the last look listed them, and this look's so far. The arrays are
   * reused (no garbage per look), so each has its own length.
   */
  private lastOrder: Entry<K>[] = [];
  private lastLength = 0;
  private order: Entry<K>[] = [];
  private length = 0;
  /** Where in `lastOrder` the next socket is expected. */
  private expected = 0;
  private looks = 0;
  private lookAt = 0;
  /** Time since the previous look, in seconds (0 at the first). */
  sinceLastLook = 0;
  /** Whether the row {@link row} returned last was created by it. */
  lastWasNew = false;
  private lowerBound = true;
  private seen = 0;
  private added: Connection[] = [];
  private addedEntries: Entry<K>[] = [];
  /** A look began and has not finished (it was cancelled): its new rows were never reported. */
  private open = false;
  /** Rows whose name another socket took in this look: gone. */
  private displaced: Connection[] = [];
  /** The entry of the row {@link row} returned last. */
  private current: Entry<K> | undefined;

  begin(now: number): void {
    // Rows a cancelled look created are new to whoever reads the next one.
    if (this.open) for (const entry of this.addedEntries) this.drop(entry);
    else [this.lastOrder, this.lastLength, this.order] = [this.order, this.length, this.lastOrder];
    // After a cancelled look the last whole look's order stays; the places it moved cost map lookups.
    this.length = 0;
    this.expected = 0;
    this.open = true;
    this.addedEntries = [];
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
    const guess = this.expected < this.lastLength ? this.lastOrder[this.expected] : undefined;
    let entry = guess !== undefined && guess.key === key && guess.look !== GONE ? guess : this.entries.get(key);
    // A name given again to another socket (an inode reused after a wrap): that one is new.
    if (entry !== undefined && matches !== undefined && entry.look !== this.looks && !matches(entry.row)) {
      this.drop(entry);
      this.displaced.push(entry.row);
      entry = undefined;
    }
    if (entry !== undefined && entry.look !== this.looks) {
      entry.look = this.looks;
      this.expected = entry.place + 1;
      this.place(entry);
      this.seen++;
      this.current = entry;
      this.lastWasNew = false;
      return entry.row;
    }
    const row = create();
    this.lastWasNew = true;
    this.current = undefined;
    if (entry === undefined) {
      this.current = { key, row, look: this.looks, place: 0, since: this.lookAt, lowerBound: this.lowerBound };
      this.place(this.current);
      this.entries.set(key, this.current);
      this.addedEntries.push(this.current);
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
    // Every row alive before this look is in the last look's order.
    if (this.entries.size > this.seen) {
      for (let i = 0; i < this.lastLength; i++) {
        const entry = this.lastOrder[i];
        if (entry.look === this.looks || entry.look === GONE) continue;
        removed.push(entry.row);
        this.drop(entry);
      }
    }
    // Slots past the end hold rows of earlier looks; a table that shrank lets them go.
    if (this.order.length > 2 * this.length) this.order.length = this.length;
    const added = this.added;
    this.added = [];
    this.addedEntries = [];
    return { added, removed };
  }

  clear(): void {
    for (const entry of [...this.entries.values()]) this.drop(entry);
    this.lastOrder = [];
    this.order = [];
    this.lastLength = this.length = 0;
    this.looks = 0;
  }

  private place(entry: Entry<K>): void {
    entry.place = this.length;
    this.order[this.length++] = entry;
  }

  /** Forgets a row; the orders may still hold its entry, so it is marked. */
  private drop(entry: Entry<K>): void {
    entry.look = GONE;
    this.entries.delete(entry.key);
  }

  get size(): number {
    return this.entries.size;
  }
}
