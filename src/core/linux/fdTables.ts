import { readlinkSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { TimeSlicer } from '../async';
import { openCountOf } from './processLimits';

/** What one walk of /proc/PID/fd found, kept to look again at only what can have changed. */
interface FdTable {
  /** fd number → socket inode, 0 for a descriptor that is not a socket. */
  inodes: Map<number, number>;
  /**
   * The descriptors that are not sockets (inode 0 above), which a deep look reads again: kept
   * apart so that look does not go through every socket of a process holding thousands.
   */
  files: Set<number>;
  /** Open descriptors at the last look, per the kernel (st_size of /proc/PID/fd); -1 where it does not say. */
  count: number;
  /** That count was the number of entries the walk listed: a count unlike the descriptors known means some are new. */
  countsEntries: boolean;
  highest: number;
  /**
   * Numbers below the highest that are free as far as we know (a socket of it left the table, or
   * nothing was open there at the last read): the kernel hands these out first.
   */
  holes: Set<number>;
  /**
   * The holes a socket of the table left since they were last read: with them, a process can
   * have a new socket while its open count stayed the same (one closed, one opened).
   */
  freed: Set<number>;
  /**
   * Descriptors holding a socket no row of the table has claimed (see {@link FdTables.confirm}):
   * a short connection read during a walk closes without ever being listed, and its number is
   * free again without anyone saying so.
   */
  unclaimed: Set<number>;
}

/** fd numbers probed past the highest known one, beyond what the count says is new. */
const PROBE_SLACK = 8;

function socketInode(link: string): number {
  // "socket:[12345]"
  if (!link.startsWith('socket:[')) return 0;
  const inode = Number(link.slice(8, -1));
  return Number.isSafeInteger(inode) ? inode : 0;
}

/**
 * The descriptor tables of processes, walked as `ss -p` does (readlink of every /proc/PID/fd
 * entry) the first time, then looked at again cheaply: the kernel gives a new descriptor the
 * lowest free number, so a new socket is found by reading the links of the free numbers below
 * its highest one (those its sockets freed, or found free), of its descriptors that are not
 * sockets or hold sockets not in the table, and of the few numbers past its highest one.
 * `st_size` of /proc/PID/fd (the open count, Linux ≥ 6.2) tells which processes changed at all.
 */
export class FdTables {
  private readonly tables = new Map<number, FdTable>();
  /** socket inode → [pid, fd] where it was found. */
  private readonly places = new Map<number, { pid: number; fd: number }>();
  /** Sockets a row of the table was found to be (see {@link confirm}). */
  private readonly claimed = new Set<number>();
  /** Some process had a nonzero /proc/PID/fd size: this kernel gives open counts there. */
  private sizesAreCounts = false;

  constructor(
    private readonly procRoot: string,
    /** Called for every socket found, with the process holding it. */
    private readonly found: (inode: number, pid: number) => void,
  ) {}

  has(pid: number): boolean {
    return this.tables.has(pid);
  }

  forget(pid: number): void {
    const table = this.tables.get(pid);
    if (!table) return;
    for (const inode of table.inodes.values()) if (inode !== 0) this.places.delete(inode);
    this.tables.delete(pid);
  }

  /** A socket left the table: its descriptor number is free (and the next one its process opens). */
  socketGone(inode: number): void {
    this.claimed.delete(inode);
    const place = this.places.get(inode);
    if (!place) return;
    this.places.delete(inode);
    const table = this.tables.get(place.pid);
    if (!table) return;
    table.inodes.delete(place.fd);
    table.holes.add(place.fd);
    table.freed.add(place.fd);
  }

  /** A row of the table is this socket: its descriptor is known for as long as the socket lives. */
  confirm(inode: number): void {
    this.claimed.add(inode);
    const place = this.places.get(inode);
    if (place) this.tables.get(place.pid)?.unclaimed.delete(place.fd);
  }

  /** Every socket found that is not in `inodes` any more left the table (see {@link socketGone}). */
  keepOnly(inodes: ReadonlySet<number>): void {
    for (const inode of [...this.places.keys()]) if (!inodes.has(inode)) this.socketGone(inode);
  }

  /**
   * Processes that may hold sockets not seen yet: their open count changed or differs from the
   * descriptors known, or sockets of the table left their descriptors. Not those with only old
   * gaps in their numbers or sockets of other tables (most processes of a machine): a socket
   * opened where one of those closed, with the count unchanged, is found by the walk a socket that
   * stays missing gets.
   */
  changed(pids: Iterable<number>): number[] {
    const result: number[] = [];
    for (const pid of pids) {
      const table = this.tables.get(pid);
      if (!table) continue;
      const count = this.openCount(pid);
      const unknown = table.countsEntries && count !== table.inodes.size;
      if (table.freed.size > 0 || table.count < 0 || count !== table.count || unknown) result.push(pid);
    }
    return result;
  }

  /**
   * Reads every link of the process's descriptors. Returns false when its fd directory cannot be
   * read (EACCES: not ours to inspect; ENOENT: it exited).
   */
  async walk(pid: number, slicer: TimeSlicer): Promise<'ok' | 'denied' | 'gone'> {
    const dir = `${this.procRoot}/${pid}/fd`;
    let names: string[];
    try {
      // On the thread pool: listing a process with 15,000 descriptors is tens of ms in the kernel.
      names = await readdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'gone';
    }
    this.forget(pid);
    const count = this.openCount(pid);
    const table: FdTable = {
      inodes: new Map(),
      files: new Set(),
      count,
      countsEntries: count === names.length,
      highest: -1,
      holes: new Set(),
      freed: new Set(),
      unclaimed: new Set(),
    };
    this.tables.set(pid, table);
    for (const name of names) {
      const fd = Number(name);
      this.read(pid, table, fd);
      await slicer.maybeYield();
    }
    for (let fd = 0; fd < table.highest; fd++) if (!table.inodes.has(fd)) table.holes.add(fd);
    return 'ok';
  }

  /**
   * Reads only the descriptor numbers a new socket can have taken since the last look. Shallow:
   * the lowest numbers known free and the few past the highest, where the kernel puts a new
   * descriptor unless the process closed another one since. Deep: every number known free, and
   * every descriptor that is not a socket of the table (files, pipes, other sockets: a browser or
   * an editor holds hundreds and replaces them all the time), one of which may have closed and
   * left its number to a new socket. Only a deep look settles the open count (until then the
   * process stays {@link changed}).
   */
  async probe(pid: number, slicer: TimeSlicer, deep: boolean): Promise<void> {
    const table = this.tables.get(pid);
    if (!table) return;
    const count = this.openCount(pid);
    const candidates = deep || count < 0 ? new Set(table.holes) : this.lowestHoles(table, count);
    if (deep) {
      for (const fd of table.unclaimed) candidates.add(fd);
      for (const fd of table.files) candidates.add(fd);
    }
    // The kernel gives a new descriptor the lowest free number, so new ones go past the highest once
    // the holes are filled, and a few numbers past it are always read: a hole can also be younger
    // than the socket above it (a process opens a connection, then closes an older one), which no
    // count tells. Without those reads such a socket stayed missing until a walk of every process
    // holding the table's sockets (some 16,000 links at 50,000 sockets).
    const beyond = count >= 0 ? Math.max(0, count - table.inodes.size - table.holes.size) : 0;
    for (let fd = table.highest + 1; fd <= table.highest + beyond + PROBE_SLACK; fd++) candidates.add(fd);
    for (const fd of candidates) {
      this.read(pid, table, fd);
      await slicer.maybeYield();
    }
    if (deep) table.count = count;
  }

  /**
   * The free numbers a shallow look reads: those a socket of the table left, and of the others only
   * the lowest, as many as the count says are new (and a few): the kernel gives a new descriptor the
   * lowest free number. A browser or an editor leaves hundreds of holes and opens and closes files
   * all the time; reading every hole at every refresh was most of the links read. A new socket
   * further up (the process also closed files) is for the deep look, which reads every hole.
   */
  private lowestHoles(table: FdTable, count: number): Set<number> {
    const wanted = Math.max(0, count - table.inodes.size) + PROBE_SLACK;
    const candidates = new Set(table.freed);
    if (table.holes.size <= wanted) {
      for (const fd of table.holes) candidates.add(fd);
      return candidates;
    }
    const sorted = [...table.holes].sort((a, b) => a - b);
    for (let i = 0; i < wanted; i++) candidates.add(sorted[i]!);
    return candidates;
  }

  private read(pid: number, table: FdTable, fd: number): void {
    table.freed.delete(fd);
    let link: string;
    try {
      link = readlinkSync(`${this.procRoot}/${pid}/fd/${fd}`);
    } catch {
      table.inodes.delete(fd); // not open (or closed while we looked)
      table.files.delete(fd);
      table.unclaimed.delete(fd);
      if (fd < table.highest) table.holes.add(fd);
      return;
    }
    table.holes.delete(fd);
    const inode = socketInode(link);
    const before = table.inodes.get(fd);
    if (before !== undefined && before !== 0 && before !== inode) this.places.delete(before);
    table.inodes.set(fd, inode);
    if (fd > table.highest) table.highest = fd;
    if (inode === 0) {
      table.files.add(fd);
      table.unclaimed.delete(fd);
      return;
    }
    table.files.delete(fd);
    if (this.claimed.has(inode)) table.unclaimed.delete(fd);
    else table.unclaimed.add(fd);
    this.places.set(inode, { pid, fd });
    this.found(inode, pid);
  }

  /** Open descriptors per the kernel; -1 where /proc/PID/fd has no size (Linux < 6.2) or is gone. */
  private openCount(pid: number): number {
    try {
      const size = statSync(`${this.procRoot}/${pid}/fd`).size;
      if (size > 0) this.sizesAreCounts = true;
      // Size 0 is "not known" before Linux 6.2 and "none open" after: kernel threads, dozens of them.
      return openCountOf(size) ?? (this.sizesAreCounts ? 0 : -1);
    } catch {
      return -1;
    }
  }
}
