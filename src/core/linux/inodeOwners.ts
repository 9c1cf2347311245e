import type { Connection } from '../model';
import type { ProcessInfo } from './processes';

/**
 * What fd walks found out about which process holds which socket inode, kept between
 * refreshes. The local resolver (this host's /proc) and the remote one (a Linux host over SSH)
 * decide the same way from it which sockets still need a walk; they differ only in how they walk.
 */
export class InodeOwners {
  protected readonly ownerOfInode = new Map<number, number>();
  protected readonly processes = new Map<number, ProcessInfo>();
  protected readonly scannedPids = new Set<number>();
  /** Inodes a full walk could not find; not searched again while they live. */
  protected notFound = new Set<number>();
  protected readonly unreadablePids = new Set<number>();

  /** Forgets processes that exited (their pids may come back as other programs); returns them. */
  protected forgetDead(livePids: Set<number>): number[] {
    const dead: number[] = [];
    for (const pid of this.scannedPids) {
      if (livePids.has(pid)) continue;
      dead.push(pid);
      this.scannedPids.delete(pid);
      this.processes.delete(pid);
      this.unreadablePids.delete(pid);
    }
    return dead;
  }

  /** Socket inodes of the table with no live owner known and not given up on. */
  protected missing(wanted: Set<number>, livePids: Set<number>): Set<number> {
    const missing = new Set<number>();
    for (const inode of wanted) if (this.isMissing(inode, livePids)) missing.add(inode);
    return missing;
  }

  /** Whether a socket inode of the table has no live owner known and is not given up on. */
  protected isMissing(inode: number, livePids: Set<number>): boolean {
    if (this.notFound.has(inode)) return false;
    const pid = this.ownerOfInode.get(inode);
    return pid === undefined || !livePids.has(pid);
  }

  /** Live processes known to hold sockets: where a new socket most likely is. */
  protected owners(livePids: Set<number>): number[] {
    return [...new Set(this.ownerOfInode.values())].filter((pid) => livePids.has(pid));
  }

  /** Drops inodes no longer in the table so the cache stays the size of the table. */
  protected pruneTo(wanted: Set<number>): void {
    if (this.ownerOfInode.size <= wanted.size * 2 + 1024) return;
    for (const inode of this.ownerOfInode.keys()) if (!wanted.has(inode)) this.ownerOfInode.delete(inode);
  }

  /**
   * Sets owner, pid, process and command line of every row from `ownerOf`; a socket with no
   * owner found is `hidden` while some process could not be read, else `unresolved` (closed
   * meanwhile). Returns how many rows are hidden.
   */
  protected async markOwners(
    connections: Connection[],
    ownerOf: (inode: number) => OwnerLabel | undefined,
    maybeYield?: () => Promise<void>,
  ): Promise<number> {
    let hidden = 0;
    for (const c of connections) {
      if (c.inode === 0) {
        c.owner = 'kernel';
        continue;
      }
      const owner = ownerOf(c.inode);
      if (owner) {
        c.pid = owner.pid;
        c.process = owner.name;
        if (owner.commandLine !== undefined) c.commandLine = owner.commandLine;
        c.owner = 'known';
      } else if (this.unreadablePids.size > 0) {
        c.owner = 'hidden';
        hidden++;
      } else {
        c.owner = 'unresolved';
      }
      if (maybeYield) await maybeYield();
    }
    return hidden;
  }
}

/** Who holds a socket, as far as it is known (a remote process may exit before its name is read). */
export type OwnerLabel = Pick<ProcessInfo, 'pid' | 'name'> & { commandLine?: string };
