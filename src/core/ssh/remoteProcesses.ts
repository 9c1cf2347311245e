import type { Connection } from '../model';
import { InodeOwners } from '../linux/inodeOwners';
import type { RequestKind, Sections } from './sshSession';

/** Sends one request line to the remote script and returns its sections. */
export type RemoteRequest = (line: RequestKind) => Promise<Sections>;

const MAX_COMMAND_LINE = 1000;
/** Keeps one request line (and the remote `ls` argument list) far below any ARG_MAX. */
const PIDS_PER_REQUEST = 2000;

/** What attributing one snapshot cost: how many fd walks of each kind went over the wire. */
export interface AttributionCost {
  /** Processes whose fds were listed one by one (`s` requests). */
  pidsWalked: number;
  /** Whole-host fd walks (`F` requests). */
  fullWalks: number;
  /** Processes whose name and command line were fetched (`i` requests). */
  infosFetched: number;
}

/** "/proc/1 /proc/42 ..." from the `f` request's PIDS section. */
export function parseLivePids(sections: Sections): Set<number> {
  const pids = new Set<number>();
  for (const word of sections.get('PIDS')?.toString('utf8').split(/\s+/) ?? []) {
    if (/^\/proc\/\d+$/.test(word)) pids.add(Number(word.slice(6)));
  }
  return pids;
}

/** Control characters in a command line would break rows and terminals; spaces keep its words apart. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ').trimEnd();
}

/**
 * The remote twin of ProcessResolver: maps socket inodes to the host's processes, remembering
 * what earlier walks found, so a refresh in which no socket is new sends no fd listing at all.
 * New sockets are searched for in processes started since the last walk, then in the processes
 * already known to own sockets, and only then in every process. Names and command lines are
 * fetched once per process. A socket found in none of those waits one refresh before every
 * process is walked for it (see `deferred`). One instance belongs to one session: pids mean nothing after a
 * reconnect (the host may have rebooted).
 */
export class RemoteProcessCache extends InodeOwners {
  /**
   * Inodes neither new nor owning processes hold. Most are short-lived connections already
   * closed when the fds were listed; only those still there one refresh later are worth a walk
   * of every process (an old process that opened its first socket), so churn does not cost a
   * full walk per refresh. Until then such a row says its owner is unresolved.
   */
  private deferred = new Set<number>();
  lastCost: AttributionCost = { pidsWalked: 0, fullWalks: 0, infosFetched: 0 };

  /** Fills pid/process/commandLine/owner of every connection; returns warnings for the user. */
  async attribute(connections: Connection[], livePids: Set<number>, request: RemoteRequest, host: string): Promise<string[]> {
    const cost: AttributionCost = { pidsWalked: 0, fullWalks: 0, infosFetched: 0 };
    this.lastCost = cost;
    const wanted = new Set<number>();
    for (const c of connections) if (c.inode !== 0) wanted.add(c.inode);
    this.forgetDead(livePids);

    let missing = this.missing(wanted, livePids);
    if (missing.size > 0) {
      if (this.scannedPids.size === 0) {
        await this.fullWalk(request, livePids, cost);
      } else {
        const stages = [[...livePids].filter((pid) => !this.scannedPids.has(pid)), this.owners(livePids)];
        for (const pids of stages) {
          if (pids.length === 0) continue;
          await this.walk(request, pids, cost);
          missing = this.missing(wanted, livePids);
          if (missing.size === 0) break;
        }
        if ([...missing].some((inode) => this.deferred.has(inode))) await this.fullWalk(request, livePids, cost);
      }
      missing = this.missing(wanted, livePids);
      if (cost.fullWalks > 0) {
        this.notFound = missing;
        this.deferred = new Set();
      } else {
        this.deferred = missing;
      }
    } else {
      this.deferred.clear();
      for (const inode of this.notFound) if (!wanted.has(inode)) this.notFound.delete(inode);
    }
    this.pruneTo(wanted);
    await this.fetchInfo(connections, request, cost);
    return this.apply(connections, livePids, host);
  }

  private async walk(request: RemoteRequest, pids: number[], cost: AttributionCost): Promise<void> {
    for (let i = 0; i < pids.length; i += PIDS_PER_REQUEST) {
      const batch = pids.slice(i, i + PIDS_PER_REQUEST);
      for (const pid of batch) this.scannedPids.add(pid);
      this.readFdWalk(await request(`s ${batch.join(' ')}`));
      cost.pidsWalked += batch.length;
    }
  }

  private async fullWalk(request: RemoteRequest, livePids: Set<number>, cost: AttributionCost): Promise<void> {
    for (const pid of livePids) this.scannedPids.add(pid);
    this.readFdWalk(await request('F'));
    cost.fullWalks++;
  }

  /** `P pid` starts a process, the lines after it are its socket inodes, `D pid` is unreadable. */
  private readFdWalk(sections: Sections): void {
    let pid = 0;
    for (const line of sections.get('FD')?.toString('utf8').split('\n') ?? []) {
      if (line.startsWith('P ')) {
        pid = Number(line.slice(2));
        this.unreadablePids.delete(pid);
      } else if (line.startsWith('D ')) {
        this.unreadablePids.add(Number(line.slice(2)));
      } else if (/^\d{1,15}$/.test(line) && pid > 0) {
        // At most 15 digits: an inode past 2^53 would lose precision and name another socket.
        this.ownerOfInode.set(Number(line), pid);
      }
    }
  }

  /** Name and command line, once per owning process: they cost two forks each on the host. */
  private async fetchInfo(connections: Connection[], request: RemoteRequest, cost: AttributionCost): Promise<void> {
    const need = new Set<number>();
    for (const c of connections) {
      const pid = c.inode === 0 ? undefined : this.ownerOfInode.get(c.inode);
      if (pid !== undefined && !this.processes.has(pid)) need.add(pid);
    }
    const pids = [...need];
    for (let i = 0; i < pids.length; i += PIDS_PER_REQUEST) {
      const batch = pids.slice(i, i + PIDS_PER_REQUEST);
      const names = new Map<number, string>();
      for (const line of (await request(`i ${batch.join(' ')}`)).get('INFO')?.toString('utf8').split('\n') ?? []) {
        const match = /^([CA]) (\d+) ?(.*)$/.exec(line);
        if (!match) continue;
        const pid = Number(match[2]);
        if (match[1] === 'C') {
          names.set(pid, printable(match[3]));
          continue;
        }
        const name = names.get(pid);
        if (name === undefined) continue;
        let commandLine = printable(match[3]);
        if (commandLine.length >= MAX_COMMAND_LINE) commandLine = `${commandLine.slice(0, MAX_COMMAND_LINE)}…`;
        this.processes.set(pid, { pid, name, commandLine: commandLine || `[${name}]` });
      }
      cost.infosFetched += batch.length;
    }
  }

  private async apply(connections: Connection[], livePids: Set<number>, host: string): Promise<string[]> {
    const hidden = await this.markOwners(connections, (inode) => {
      const pid = this.ownerOfInode.get(inode);
      if (pid === undefined || !livePids.has(pid)) return undefined;
      // A process that exited between the walk and the info request keeps its pid.
      return this.processes.get(pid) ?? { pid, name: `pid ${pid}` };
    });
    if (hidden === 0) return [];
    return [
      `${host}: ${hidden} socket(s) belong to processes the SSH user cannot inspect (${this.unreadablePids.size} process(es) unreadable): owner not visible, log in as a user with more privileges to see them.`,
    ];
  }
}
