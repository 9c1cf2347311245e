import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { TimeSlicer } from '../async';
import type { Connection } from '../model';
import { InodeOwners } from './inodeOwners';

export interface ProcessInfo {
  pid: number;
  /** Short name from /proc/PID/comm. */
  name: string;
  /** Arguments joined by spaces, capped so huge command lines cannot bloat the UI. */
  commandLine: string;
}

const MAX_COMMAND_LINE = 1000;

function parseSocketInode(link: string): number {
  // "socket:[12345]"
  if (!link.startsWith('socket:[')) return 0;
  const inode = Number(link.slice(8, -1));
  return Number.isSafeInteger(inode) ? inode : 0;
}

/**
 * Maps socket inodes to the processes holding them, by walking /proc/PID/fd as `ss -p` does,
 * but remembering what it found: a refresh where no socket is new costs no fd walk at all, and
 * one with new sockets walks new processes first, then the processes already known to own
 * sockets, and only then everything else.
 */
export class ProcessResolver extends InodeOwners {
  constructor(private readonly procRoot = '/proc') {
    super();
  }

  /** Fills pid/process/owner of every connection; returns warnings for the user. */
  async attribute(connections: Connection[], signal?: AbortSignal): Promise<string[]> {
    const slicer = new TimeSlicer(15, signal);
    const livePids = await this.listPids();
    const wanted = new Set<number>();
    for (const c of connections) if (c.inode !== 0) wanted.add(c.inode);

    this.forgetDead(livePids);
    let missing = this.missing(wanted, livePids);
    if (missing.size > 0) {
      const stages = [
        [...livePids].filter((pid) => !this.scannedPids.has(pid)),
        this.owners(livePids),
        [...livePids],
      ];
      const walked = new Set<number>();
      for (const stage of stages) {
        for (const pid of stage) {
          if (walked.has(pid)) continue;
          walked.add(pid);
          await this.scanPid(pid, slicer);
        }
        missing = this.missing(wanted, livePids);
        if (missing.size === 0) break;
      }
      this.notFound = missing;
    } else {
      for (const inode of this.notFound) if (!wanted.has(inode)) this.notFound.delete(inode);
    }
    this.pruneTo(wanted);

    const hidden = await this.markOwners(
      connections,
      (inode) => {
        const pid = this.ownerOfInode.get(inode);
        return pid === undefined ? undefined : this.info(pid);
      },
      () => slicer.maybeYield(),
    );
    if (hidden === 0) return [];
    return [
      `${hidden} socket(s) belong to processes this user cannot inspect (${this.unreadablePids.size} process(es) unreadable): owner not visible, run with more privileges (e.g. sudo) to see them.`,
    ];
  }

  private async listPids(): Promise<Set<number>> {
    const pids = new Set<number>();
    for (const name of await readdir(this.procRoot)) {
      const code = name.charCodeAt(0);
      if (code >= 0x30 && code <= 0x39) pids.add(Number(name));
    }
    return pids;
  }

  /** Yields inside the walk too: one process may hold tens of thousands of sockets. */
  private async scanPid(pid: number, slicer: TimeSlicer): Promise<void> {
    this.scannedPids.add(pid);
    const dir = `${this.procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') this.unreadablePids.add(pid);
      return;
    }
    this.unreadablePids.delete(pid);
    for (const fd of fds) {
      let inode: number;
      try {
        inode = parseSocketInode(readlinkSync(`${dir}/${fd}`));
      } catch {
        continue; // the fd was closed while we looked
      }
      if (inode !== 0) this.ownerOfInode.set(inode, pid);
      await slicer.maybeYield();
    }
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
