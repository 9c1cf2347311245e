import { hostname, endianness } from 'node:os';
import type {
  AddressFamily,
  Collector,
  CollectorCapabilities,
  Connection,
  CountsSample,
  HostInfo,
  Snapshot,
  SnapshotChanges,
  SnapshotOptions,
  StateCounts,
} from '../model';
import { CollectorError, emptyCounts, LOCAL_HOST_ID } from '../model';
import { TimeSlicer } from '../async';
import { ObservedAges } from '../observedAges';
import { RowIdentity } from '../sampling/rowIdentity';
import { AddressCache, countConnections, parseConnections, ParseWarnings } from './procNetTcp';
import { streamProcFile } from './procReader';
import { ProcessResolver } from './processes';
import { countSockDiagStates, goneInodes, loadSockDiag, readSockDiagConnections, RecordStash, type SockDiagAddon } from './sockDiag';

const TABLES: readonly { family: AddressFamily; file: string }[] = [
  { family: 'IPv4', file: 'net/tcp' },
  { family: 'IPv6', file: 'net/tcp6' },
];

export interface LocalCollectorOptions {
  /** Where procfs is mounted; tests point it at a fixture tree. */
  procRoot?: string;
  platform?: NodeJS.Platform;
  /**
   * The netlink sock_diag reader. Left out: dist/sockdiag.node is loaded when reading the host's
   * own /proc (a fixture procRoot is never bypassed); `false`: always parse /proc text.
   */
  sockDiag?: SockDiagAddon | false;
}

/**
 * Reads the local machine's TCP table over netlink sock_diag when the addon is built, else from
 * /proc, without starting a process per refresh. Every socket of a snapshot has an age: the
 * kernel's where it gives one, else observed across this collector's snapshots.
 */
export class LocalCollector implements Collector {
  readonly host: HostInfo;
  /** /proc and ss -K have it all. */
  readonly capabilities: CollectorCapabilities = {
    processAttribution: true,
    descriptorUsage: true,
    closeConnection: true,
    terminateProcess: true,
    workingDirectory: true,
  };
  private readonly procRoot: string;
  private readonly resolver: ProcessResolver;
  private readonly addresses = new AddressCache();
  private readonly littleEndian = endianness() === 'LE';
  /** Ages of the sockets the kernel does not date, across this collector's /proc snapshots. */
  private ages = new ObservedAges();
  /** One row object per socket across this collector's sock_diag snapshots. */
  private readonly diagRows = new RowIdentity<number>();
  /** The dump records of the sockets the last sock_diag look found new. */
  private readonly freshRecords = new RecordStash();
  /** When the last sock_diag snapshot was taken: what its successor's changes are relative to. */
  private lastDiagAt: Date | undefined;
  /** The sock_diag snapshot whose rows the resolver last attributed (its changes then suffice). */
  private lastAttributedAt: Date | undefined;
  private sockDiag: SockDiagAddon | undefined | 'not loaded yet';
  /** Why sock_diag was given up, told once in the next sample's warnings. */
  private sockDiagProblem: string | undefined;

  constructor(options: LocalCollectorOptions = {}) {
    const platform = options.platform ?? process.platform;
    this.procRoot = options.procRoot ?? '/proc';
    this.host = { id: LOCAL_HOST_ID, label: hostname(), platform };
    this.resolver = new ProcessResolver(this.procRoot);
    const ownProc = this.procRoot === '/proc' && platform === 'linux';
    this.sockDiag = options.sockDiag === false ? undefined : (options.sockDiag ?? (ownProc ? 'not loaded yet' : undefined));
  }

  async counts(signal?: AbortSignal): Promise<CountsSample> {
    this.checkPlatform();
    const counts = emptyCounts();
    const warnings: string[] = [];
    const viaDiag = await this.withSockDiag((addon) => countSockDiagStates(addon, counts, signal));
    this.takeSockDiagProblem(warnings);
    if (!viaDiag) {
      Object.assign(counts, emptyCounts());
      await this.countProcTables(counts, warnings, signal);
    }
    return { host: this.host, takenAt: new Date(), counts, warnings };
  }

  async snapshot(signal?: AbortSignal, options: SnapshotOptions = {}): Promise<Snapshot> {
    this.checkPlatform();
    const connections: Connection[] = [];
    const warnings: string[] = [];
    const counts = emptyCounts();
    const viaDiag = await this.withSockDiag((addon) =>
      readSockDiagConnections(addon, this.addresses, connections, this.diagRows, counts, signal, this.freshRecords),
    );
    this.takeSockDiagProblem(warnings);
    const takenAt = new Date();
    let changes: SnapshotChanges | undefined;
    if (viaDiag) {
      changes = { since: this.lastDiagAt, ...this.diagRows.finish() };
      this.lastDiagAt = takenAt;
    } else {
      connections.length = 0;
      await this.parseProcTables(connections, warnings, signal);
      await this.ages.annotate(connections, takenAt, new TimeSlicer(15, signal));
    }
    if (options.processes) {
      const sinceAttributed = changes !== undefined && changes.since !== undefined && changes.since === this.lastAttributedAt;
      this.lastAttributedAt = undefined;
      const addon = viaDiag ? this.sockDiag : undefined;
      // A new socket not found where new descriptors go is asked about before processes are
      // searched deeper: most are short connections already closed, which no search can find.
      const gone =
        addon && addon !== 'not loaded yet' ? (inodes: Iterable<number>) => goneInodes(addon, this.freshRecords, inodes) : undefined;
      warnings.push(...(await this.resolver.attribute(connections, signal, sinceAttributed ? changes : undefined, gone)));
      if (changes) this.lastAttributedAt = takenAt;
    }
    return { host: this.host, takenAt, connections, warnings, changes, counts: viaDiag ? counts : undefined };
  }

  private async countProcTables(counts: StateCounts, warnings: string[], signal?: AbortSignal): Promise<void> {
    for (const table of TABLES) {
      const problems = new ParseWarnings();
      await this.read(table.file, (buf, end, final) => countConnections(buf, end, counts, problems, final, table.family), signal);
      warnings.push(...problems.toMessages(`${this.procRoot}/${table.file}`));
    }
  }

  private async parseProcTables(connections: Connection[], warnings: string[], signal?: AbortSignal): Promise<void> {
    for (const table of TABLES) {
      const problems = new ParseWarnings();
      const opts = { family: table.family, littleEndian: this.littleEndian };
      await this.read(
        table.file,
        (buf, end, final) => parseConnections(buf, end, opts, connections, this.addresses, problems, final),
        signal,
      );
      warnings.push(...problems.toMessages(`${this.procRoot}/${table.file}`));
    }
  }

  dispose(): void {
    // Nothing is held open between refreshes.
  }

  /**
   * Runs a sock_diag read; false when there is no reader or it failed, and then the caller
   * parses /proc. A failure is remembered: later samples go straight to /proc.
   */
  private async withSockDiag(read: (addon: SockDiagAddon) => Promise<void>): Promise<boolean> {
    if (this.sockDiag === 'not loaded yet') {
      this.sockDiag = loadSockDiag(undefined, (why) => (this.sockDiagProblem = why));
    }
    const addon = this.sockDiag;
    if (addon === undefined) return false;
    try {
      await read(addon);
      return true;
    } catch (err) {
      if (err instanceof CollectorError) throw err; // cancelled: not the reader's fault
      this.sockDiag = undefined;
      this.diagRows.clear();
      this.lastDiagAt = undefined;
      this.lastAttributedAt = undefined;
      this.sockDiagProblem = `netlink sock_diag failed (${(err as Error).message})`;
      // The kernel dated CLOSE_WAIT until now; from /proc text they are observed, from a first look.
      this.ages = new ObservedAges();
      return false;
    }
  }

  private takeSockDiagProblem(warnings: string[]): void {
    if (this.sockDiagProblem === undefined) return;
    warnings.push(`${this.sockDiagProblem}; reading ${this.procRoot}/net/tcp instead from now on.`);
    this.sockDiagProblem = undefined;
  }

  private checkPlatform(): void {
    if (this.host.platform !== 'linux') {
      throw new CollectorError(
        'unsupported-platform',
        `Reading the local TCP table is not supported yet on ${this.host.platform}.`,
        'Select a Linux host over SSH instead (TCP Lens: Select Host…).',
      );
    }
  }

  private async read(file: string, consume: Parameters<typeof streamProcFile>[1], signal?: AbortSignal): Promise<void> {
    const path = `${this.procRoot}/${file}`;
    try {
      const found = await streamProcFile(path, consume, signal);
      if (!found && file === 'net/tcp') {
        throw new CollectorError('unreadable', `${path} does not exist: is /proc mounted?`);
      }
    } catch (err) {
      if (err instanceof CollectorError) throw err;
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EACCES' || e.code === 'EPERM') {
        throw new CollectorError('permission-denied', `Permission denied reading ${path}.`, 'Run with more privileges.');
      }
      throw new CollectorError('unreadable', `Cannot read ${path}: ${e.message}`);
    }
  }
}
