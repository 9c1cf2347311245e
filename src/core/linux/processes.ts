import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { TimeSlicer } from '../async';
import type { Connection, SnapshotChanges } from '../model';
import { FdTables } from './fdTables';
import { InodeOwners } from './inodeOwners';

export interface ProcessInfo {
  pid: number;
  /** Short name from /proc/PID/comm. */
  name: string;
  /** Arguments joined by spaces, capped so huge command lines cannot bloat the UI. */
  commandLine: string;
}

const MAX_COMMAND_LINE = 1000;

/**
 * Maps socket inodes to the processes holding them, by walking /proc/PID/fd as `ss -p` does,
 * but remembering what it found. Given the table's changes since the last call (collectors that
 * keep row objects), only new rows are looked up, and a new socket is searched where it most
 * likely is: in processes never walked, then in the free descriptor numbers of processes whose
 * descriptors changed, then in their other descriptors, then by walking the processes known to
 * own sockets, and only then everything else. Without changes every row is looked up (with the
 * same search order).
 */
export class ProcessResolver extends InodeOwners {
  private readonly fds: FdTables;
  /** Rows with no owner found yet: tried again at every call while they live. */
  private readonly ownerless = new Set<Connection>();
  /** Rows of the table per owning process: where a new socket of the table most likely is. */
  private readonly rowsOf = new Map<number, number>();

  constructor(private readonly procRoot = '/proc') {
    super();
    this.fds = new FdTables(procRoot, (inode, pid) => this.ownerOfInode.set(inode, pid));
  }

  /**
   * Fills pid/process/owner of the rows that need it; returns warnings for the user. `changes`
   * must be those since the table of the previous call (then only they are looked at). `gone`
   * tells which of some socket inodes the kernel no longer has (closed since the table was read):
   * those are not searched for beyond the cheap places.
   */
  async attribute(
    connections: Connection[],
    signal?: AbortSignal,
    changes?: SnapshotChanges,
    gone?: (inodes: Iterable<number>) => number[],
  ): Promise<string[]> {
    // The dump's budget: a slice plus a collection of a large heap must stay under 50 ms.
    const slicer = new TimeSlicer(8, signal);
    const livePids = await this.listPids();
    const dead = this.forgetDead(livePids);
    for (const pid of dead) this.fds.forget(pid);
    const incremental = changes !== undefined && this.attributed;
    let rows: Connection[];
    if (incremental) {
      const stillThere = new Set<number>();
      for (const c of changes.added) if (c.inode !== 0) stillThere.add(c.inode);
      for (const c of changes.removed) {
        this.ownerless.delete(c);
        this.countRow(c.pid, -1);
        // A socket that changed state is a new row with the same inode: it stays where it is.
        if (c.inode === 0 || stillThere.has(c.inode)) continue;
        this.fds.socketGone(c.inode);
        this.ownerOfInode.delete(c.inode);
        this.notFound.delete(c.inode);
      }
      rows = [...changes.added, ...this.ownerless];
      if (dead.length > 0) for (const c of connections) if (c.pid !== undefined && !livePids.has(c.pid)) rows.push(c);
      // Rows looked up again are counted again below.
      for (const c of rows) this.countRow(c.pid, -1);
    } else {
      rows = connections;
      this.ownerless.clear();
      this.rowsOf.clear();
    }
    this.attributed = true;
    const wanted = new Set<number>();
    for (let i = 0; i < rows.length; i++) {
      if (rows[i].inode !== 0) wanted.add(rows[i].inode);
      if ((i & 4095) === 4095) await slicer.maybeYield();
    }
    // Every row is here: the sockets of the last call missing from it are gone.
    if (!incremental) this.fds.keepOnly(wanted);
    await this.search(wanted, livePids, slicer, gone);
    if (!incremental) {
      for (const inode of this.notFound) if (!wanted.has(inode)) this.notFound.delete(inode);
      this.pruneTo(wanted);
    }

    await this.markOwners(
      rows,
      (inode) => {
        const pid = this.ownerOfInode.get(inode);
        return pid === undefined ? undefined : this.info(pid);
      },
      () => slicer.maybeYield(),
    );
    let hidden = 0;
    for (let i = 0; i < rows.length; i++) {
      const c = rows[i];
      if (c.owner === 'hidden' || c.owner === 'unresolved') this.ownerless.add(c);
      else this.ownerless.delete(c);
      if (c.owner === 'known') this.fds.confirm(c.inode);
      this.countRow(c.pid, 1);
      if ((i & 4095) === 4095) await slicer.maybeYield();
    }
    for (const c of this.ownerless) if (c.owner === 'hidden') hidden++;
    if (hidden === 0) return [];
    return [
      `${hidden} socket(s) belong to processes this user cannot inspect (${this.unreadablePids.size} process(es) unreadable): owner not visible, run with more privileges (e.g. sudo) to see them.`,
    ];
  }

  private countRow(pid: number | undefined, delta: 1 | -1): void {
    if (pid === undefined) return;
    const n = (this.rowsOf.get(pid) ?? 0) + delta;
    if (n > 0) this.rowsOf.set(pid, n);
    else this.rowsOf.delete(pid);
  }

  /** Whether a first call (every row looked up) has been made. */
  private attributed = false;
  /** Inodes the last call could not find without walking whole processes. */
  private stillMissing = new Set<number>();

  /**
   * Looks for the owners of `wanted` inodes not known yet, cheapest places first: processes
   * never walked, then the descriptors that changed. A socket still missing then is often one
   * that closed since the table was read (a short connection); it is searched by walking whole
   * processes only if it is still in the table at the next call, so short connections never
   * cost a walk and a socket that stays is found one refresh later at worst.
   */
  private async search(
    wanted: Set<number>,
    livePids: Set<number>,
    slicer: TimeSlicer,
    gone?: (inodes: Iterable<number>) => number[],
  ): Promise<void> {
    const stillMissing = () => this.missingSliced(wanted, livePids, slicer);
    let missing = await stillMissing();
    if (missing.size === 0) {
      this.stillMissing.clear();
      return;
    }
    const walked = new Set<number>();
    const closed: number[] = [];
    const walk = async (pids: Iterable<number>) => {
      for (const pid of pids) {
        if (walked.has(pid)) continue;
        walked.add(pid);
        await this.walkPid(pid, slicer);
      }
      missing = await stillMissing();
    };
    await walk([...livePids].filter((pid) => !this.fds.has(pid)));
    if (missing.size > 0) {
      // Processes just walked are read already; those holding the table's sockets come first.
      const changed = this.fds.changed(livePids).filter((pid) => !walked.has(pid));
      const owners = changed.filter((pid) => this.rowsOf.has(pid));
      const others = changed.filter((pid) => !this.rowsOf.has(pid));
      const probe = async (pids: number[], deep: boolean) => {
        if (missing.size === 0) return;
        for (const pid of pids) await this.fds.probe(pid, slicer, deep);
        missing = await stillMissing();
      };
      // The free numbers first: most new sockets are there, and a look at them costs a few reads.
      await probe(owners, false);
      // What is still missing then is mostly short connections closed since the table was read:
      // no process holds them, and looking for them would read every descriptor of every changed
      // process. They are left for the next call, which walks for any that are still listed.
      if (missing.size > 0 && gone) {
        for (const inode of gone(missing)) {
          wanted.delete(inode);
          closed.push(inode);
        }
        missing = await stillMissing();
      }
      await probe(others, false);
      await probe(owners, true);
      await probe(others, true);
    }
    const stayed = [...missing].filter((inode) => this.stillMissing.has(inode));
    if (stayed.length > 0) {
      const found = () => stayed.every((inode) => !missing.has(inode));
      await walk([...this.rowsOf.keys()].filter((pid) => livePids.has(pid)));
      if (!found()) await walk(livePids);
      for (const inode of stayed) {
        if (missing.has(inode)) this.notFound.add(inode);
        missing.delete(inode);
      }
    }
    for (const inode of closed) missing.add(inode);
    this.stillMissing = missing;
  }

  /** {@link missing} with a turn of the event loop now and then: the first call has every socket to look at. */
  private async missingSliced(wanted: Set<number>, livePids: Set<number>, slicer: TimeSlicer): Promise<Set<number>> {
    const missing = new Set<number>();
    let i = 0;
    for (const inode of wanted) {
      if (this.isMissing(inode, livePids)) missing.add(inode);
      if ((++i & 4095) === 0) await slicer.maybeYield();
    }
    return missing;
  }

  private async listPids(): Promise<Set<number>> {
    const pids = new Set<number>();
    for (const name of await readdir(this.procRoot)) {
      const code = name.charCodeAt(0);
      if (code >= 0x30 && code <= 0x39) pids.add(Number(name));
    }
    return pids;
  }

  private async walkPid(pid: number, slicer: TimeSlicer): Promise<void> {
    this.scannedPids.add(pid);
    const result = await this.fds.walk(pid, slicer);
    if (result === 'denied') this.unreadablePids.add(pid);
    else this.unreadablePids.delete(pid);
  }

  private info(pid: number): ProcessInfo | undefined {
    let info = this.processes.get(pid);
    if (info) return info;
    try {
      const name = readFileSync(`${this.procRoot}/${pid}/comm`, 'utf8').trim();
      let commandLine = readFileSync(`${this.procRoot}/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
      if (commandLine.length > MAX_COMMAND_LINE) commandLine = `${commandLine.slice(0, MAX_COMMAND_LINE)}…`;
      info = { pid, name, commandLine: commandLine || `[${name}]` };
    } catch {
      return undefined; // exited
    }
    this.processes.set(pid, info);
    return info;
  }
}
