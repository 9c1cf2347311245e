import { hostname, endianness } from 'node:os';
import type { AddressFamily, Collector, Connection, CountsSample, HostInfo, Snapshot, SnapshotOptions } from '../model';
import { CollectorError, emptyCounts } from '../model';
import { AddressCache, countConnections, parseConnections, ParseWarnings } from './procNetTcp';
import { streamProcFile } from './procReader';
import { ProcessResolver } from './processes';

const TABLES: readonly { family: AddressFamily; file: string }[] = [
  { family: 'IPv4', file: 'net/tcp' },
  { family: 'IPv6', file: 'net/tcp6' },
];

export interface LocalCollectorOptions {
  /** Where procfs is mounted; tests point it at a fixture tree. */
  procRoot?: string;
  platform?: NodeJS.Platform;
}

/** Reads the local machine's TCP table from /proc, without starting a process per refresh. */
export class LocalCollector implements Collector {
  readonly host: HostInfo;
  private readonly procRoot: string;
  private readonly resolver: ProcessResolver;
  private readonly addresses = new AddressCache();
  private readonly littleEndian = endianness() === 'LE';

  constructor(options: LocalCollectorOptions = {}) {
    const platform = options.platform ?? process.platform;
    this.procRoot = options.procRoot ?? '/proc';
    this.host = { id: 'local', label: hostname(), platform };
    this.resolver = new ProcessResolver(this.procRoot);
  }

  async counts(signal?: AbortSignal): Promise<CountsSample> {
    this.checkPlatform();
    const counts = emptyCounts();
    const warnings: string[] = [];
    for (const table of TABLES) {
      const problems = new ParseWarnings();
      await this.read(table.file, (buf, end, final) => countConnections(buf, end, counts, problems, final), signal);
      warnings.push(...problems.toMessages(`${this.procRoot}/${table.file}`));
    }
    return { host: this.host, takenAt: new Date(), counts, warnings };
  }

  async snapshot(signal?: AbortSignal, options: SnapshotOptions = {}): Promise<Snapshot> {
    this.checkPlatform();
    const connections: Connection[] = [];
    const warnings: string[] = [];
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
    if (options.processes) warnings.push(...(await this.resolver.attribute(connections, signal)));
    return { host: this.host, takenAt: new Date(), connections, warnings };
  }

  dispose(): void {
    // Nothing is held open between refreshes.
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
