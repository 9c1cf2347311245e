import type { Collector, CollectorCapabilities, Connection, CountsSample, HostInfo, Snapshot, SnapshotOptions } from '../model';
import { CollectorError, countStates, TABLE_ONLY } from '../model';
import { AddressCache } from '../linux/procNetTcp';
import { ObservedAges } from '../observedAges';
import { dropOwners, parseBsdNetstat, type NetstatParse } from '../platforms/bsdNetstat';
import { parseWindowsNetstat } from '../platforms/windowsNetstat';
import type { SshTarget } from './hostString';
import { remoteLinuxConnections, remoteLinuxCounts } from './remoteLinux';
import { parseLivePids, RemoteProcessCache, type AttributionCost } from './remoteProcesses';
import { isSupportedOs } from './remoteScript';
import type { SshOptions } from './sshCommand';
import { lacksPosixShell, unsupportedOs } from './sshErrors';
import { SshSession, type RequestKind, type Sections } from './sshSession';
import { WindowsExec, type ExecResult } from './windowsExec';

const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Platforms (`host.platform` once connected) whose snapshots name the owning process. */
const OWNERS_OVER_SSH: ReadonlySet<string> = new Set(['linux', 'darwin', 'windows']);

/** Figures the benchmark and the UI read: what the last refresh cost. */
export interface RefreshCost {
  /** From writing the request to parsing the answer, in ms. */
  latencyMs: number;
  /** Bytes the remote side sent for it. */
  bytes: number;
}

/**
 * Reads a remote host's TCP table over one persistent ssh session. A dropped session is
 * reopened on the next refresh, with a growing pause between failed attempts (1 s to 30 s), so
 * a host that is down costs one ssh start per pause, not one per refresh.
 */
export class SshCollector implements Collector {
  readonly host: HostInfo;
  /** Every byte read from the remote side over all sessions. */
  bytesReceived = 0;
  lastRefresh: RefreshCost | undefined;
  private bytesBefore = 0;
  /** How many sessions were opened (1 + reconnects). */
  sessionsOpened = 0;
  private session: SshSession | undefined;
  private opening: Promise<SshSession> | undefined;
  private retryAt = 0;
  private backoffMs = 0;
  private lastFailure: CollectorError | undefined;
  /** Why the last live session ended, until a new one opens: reconnect failures are reported as that drop. */
  private dropped: CollectorError | undefined;
  private readonly addresses = new AddressCache();
  /** Ages across this host's snapshots (TIME_WAIT on Linux hosts carries the kernel's). */
  private readonly ages = new ObservedAges();
  /** Process attribution remembered for the current session only. */
  private processCache: { session: SshSession; cache: RemoteProcessCache } | undefined;
  private disposed = false;
  /** Set once the host turned out to have no sh but answers `netstat -ano`: per-refresh exec mode. */
  private windows: WindowsExec | undefined;

  constructor(
    readonly target: SshTarget,
    private readonly options: SshOptions = {},
  ) {
    this.host = { id: target.id, label: target.id, platform: 'unknown' };
  }

  /**
   * Owners where the host names them (Linux /proc, macOS `netstat -v`, Windows pids); no action
   * on the host's sockets or processes: the session only reads.
   */
  get capabilities(): CollectorCapabilities {
    return { ...TABLE_ONLY, processAttribution: OWNERS_OVER_SSH.has(this.host.platform) };
  }

  /** Opens the session now (the first refresh would otherwise); rejects like a refresh would. */
  async connect(signal?: AbortSignal): Promise<void> {
    await this.transport(signal);
  }

  async counts(signal?: AbortSignal): Promise<CountsSample> {
    const windows = await this.transport(signal);
    if (windows instanceof WindowsExec) {
      const { connections, warnings } = await this.windowsNetstat(windows, signal);
      return { host: this.host, takenAt: new Date(), counts: countStates(connections), warnings };
    }
    const { sections, session } = await this.request('c', signal);
    const hello = session.hello!;
    const takenAt = new Date();
    if (hello.os === 'Linux') {
      const { counts, warnings } = remoteLinuxCounts(sections, this.target.id);
      return { host: this.host, takenAt, counts, warnings };
    }
    const { connections, warnings } = this.parseNetstat(sections);
    return { host: this.host, takenAt, counts: countStates(connections), warnings };
  }

  async snapshot(signal?: AbortSignal, options: SnapshotOptions = {}): Promise<Snapshot> {
    const snapshot = await this.readSnapshot(signal, options);
    await this.ages.annotate(snapshot.connections, snapshot.takenAt);
    return snapshot;
  }

  private async readSnapshot(signal: AbortSignal | undefined, options: SnapshotOptions): Promise<Snapshot> {
    const windows = await this.transport(signal);
    if (windows instanceof WindowsExec) {
      const { connections, warnings } = await this.windowsNetstat(windows, signal);
      if (!options.processes) dropOwners(connections);
      return { host: this.host, takenAt: new Date(), connections, warnings };
    }
    const { sections, session } = await this.request(options.processes ? 'f' : 't', signal);
    const hello = session.hello!;
    const takenAt = new Date();
    if (hello.os !== 'Linux') {
      const parsed = this.parseNetstat(sections);
      if (!options.processes) dropOwners(parsed.connections);
      return { host: this.host, takenAt, connections: parsed.connections, warnings: parsed.warnings };
    }
    const { connections, warnings } = remoteLinuxConnections(sections, hello, this.target.id, this.addresses);
    if (options.processes) {
      const started = performance.now();
      const cost = this.lastRefresh!;
      const more = (line: RequestKind) => this.sessionRequest(session, line, signal);
      warnings.push(...(await this.cacheFor(session).attribute(connections, parseLivePids(sections), more, this.target.id)));
      // The refresh includes the fd walks and info requests it needed.
      this.lastRefresh = { latencyMs: cost.latencyMs + performance.now() - started, bytes: this.bytesReceived - this.bytesBefore };
    }
    return { host: this.host, takenAt, connections, warnings };
  }

  /** What the last snapshot's process attribution asked the host for (Linux hosts). */
  get lastAttribution(): AttributionCost | undefined {
    return this.processCache?.cache.lastCost;
  }

  /** The remote shell loop's pid on its host, for measuring what it costs there. */
  get remoteShellPid(): number | undefined {
    return this.session?.hello?.shellPid || undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.session?.close();
    this.session = undefined;
    this.windows?.dispose();
  }

  /** The sh session, or for a host without sh that answers netstat -ano, the exec mode. */
  private async transport(signal?: AbortSignal): Promise<SshSession | WindowsExec> {
    if (this.windows) return this.windows;
    try {
      return await this.ensureSession(signal);
    } catch (err) {
      if (!(err instanceof CollectorError) || !lacksPosixShell(err)) throw err;
      const windows = new WindowsExec(this.target, this.options);
      try {
        const { connections } = await this.windowsNetstat(windows, signal);
        if (connections.length === 0) throw err; // no TCP row at all: not netstat -ano's output
      } catch (probeErr) {
        windows.dispose();
        throw probeErr === err || !(probeErr instanceof CollectorError) ? err : probeErr;
      }
      this.windows = windows;
      this.sessionsOpened++;
      this.host.platform = 'windows';
      this.lastFailure = undefined;
      this.retryAt = 0;
      return windows;
    }
  }

  private async windowsNetstat(windows: WindowsExec, signal?: AbortSignal): Promise<NetstatParse> {
    // Each refresh dials anew (over the shared connection while it lasts): back off like a session.
    if (this.windows) this.throwWhileBackingOff();
    let result: ExecResult;
    try {
      result = await windows.netstat(signal);
    } catch (err) {
      if (this.windows && err instanceof CollectorError && err.kind !== 'cancelled') this.noteFailure(err);
      throw err;
    }
    this.backoffMs = 0;
    this.lastFailure = undefined;
    this.lastRefresh = { latencyMs: result.latencyMs, bytes: result.bytes };
    this.bytesReceived += result.bytes;
    const parsed = parseWindowsNetstat(result.stdout);
    parsed.warnings.push(
      `${this.target.id}: Windows host, read with one netstat -ano per refresh (slower than the session other hosts keep); processes are shown by pid only.`,
    );
    return parsed;
  }

  private parseNetstat(sections: Sections): { connections: Connection[]; warnings: string[] } {
    const text = (sections.get('NETSTAT_V') ?? sections.get('NETSTAT'))?.toString('utf8');
    if (text === undefined) throw new CollectorError('protocol', `"${this.target.id}" sent no netstat output.`);
    const parsed = parseBsdNetstat(text);
    if (!sections.has('NETSTAT_V')) parsed.warnings.push(`${this.target.id}: process owners are not available on this OS over SSH.`);
    return parsed;
  }

  private async request(kind: RequestKind, signal?: AbortSignal): Promise<{ sections: Sections; session: SshSession }> {
    const session = await this.ensureSession(signal);
    this.bytesBefore = this.bytesReceived;
    const started = performance.now();
    const sections = await this.sessionRequest(session, kind, signal);
    this.lastRefresh = { latencyMs: performance.now() - started, bytes: this.bytesReceived - this.bytesBefore };
    return { sections, session };
  }

  private async sessionRequest(session: SshSession, kind: RequestKind, signal?: AbortSignal): Promise<Sections> {
    const before = session.bytesReceived;
    try {
      const sections = await session.request(kind, signal);
      const error = sections.get('ERROR');
      if (error) throw new CollectorError('protocol', `"${this.target.id}": ${error.toString('utf8').trim()}`);
      return sections;
    } finally {
      this.bytesReceived += session.bytesReceived - before;
    }
  }

  private cacheFor(session: SshSession): RemoteProcessCache {
    if (this.processCache?.session !== session) this.processCache = { session, cache: new RemoteProcessCache() };
    return this.processCache.cache;
  }

  private async ensureSession(signal?: AbortSignal): Promise<SshSession> {
    if (this.disposed) throw new CollectorError('cancelled', 'The host was closed.');
    if (this.session?.alive) return this.session;
    if (this.opening) return this.opening;
    this.throwWhileBackingOff();
    this.opening = this.open(signal);
    try {
      return await this.opening;
    } finally {
      this.opening = undefined;
    }
  }

  /** Between failed attempts, a refresh fails at once with the last cause instead of dialling again. */
  private throwWhileBackingOff(): void {
    if (Date.now() >= this.retryAt || !this.lastFailure) return;
    const seconds = Math.ceil((this.retryAt - Date.now()) / 1000);
    throw new CollectorError(this.lastFailure.kind, `${this.lastFailure.message} Retrying in ${seconds} s.`, this.lastFailure.hint);
  }

  private async open(signal?: AbortSignal): Promise<SshSession> {
    let session: SshSession;
    try {
      session = await SshSession.open(this.target, this.options, signal);
    } catch (err) {
      const failure = this.asReconnectFailure(err instanceof CollectorError ? err : new CollectorError('disconnected', String(err)));
      if (failure.kind !== 'cancelled') this.noteFailure(failure);
      throw failure;
    }
    this.sessionsOpened++;
    // Bytes of the hello count too: they are part of what the session cost.
    this.bytesReceived += session.bytesReceived;
    const os = session.hello!.os;
    if (!isSupportedOs(os)) {
      session.close();
      const failure = unsupportedOs(this.target.id, os ? `uname -s says "${os}"` : 'uname -s printed nothing');
      this.noteFailure(failure);
      throw failure;
    }
    if (this.disposed) {
      session.close();
      throw new CollectorError('cancelled', 'The host was closed.');
    }
    this.host.platform = os.toLowerCase();
    this.backoffMs = 0;
    this.lastFailure = undefined;
    this.dropped = undefined;
    this.session = session;
    session.onClose((err) => {
      if (err.kind === 'cancelled') return;
      this.dropped = err;
      // A host that broke the protocol (a flood, a desync) will likely do it again: the next
      // session waits like a failed dial. One that dropped or stalled is redialled at once.
      this.noteFailure(err, err.kind !== 'protocol');
    });
    return session;
  }

  /**
   * Whether the drop or the first reconnect attempt is seen first is a race (sshd going down
   * closes the session and refuses the next dial within milliseconds): either way the user is
   * told the same thing, "lost, reconnecting", with the dial's own cause beside it. Failures that
   * need the user (keys, host name) keep their kind.
   */
  private asReconnectFailure(failure: CollectorError): CollectorError {
    const transient = failure.kind === 'connection-refused' || failure.kind === 'timeout' || failure.kind === 'disconnected';
    if (!this.dropped || !transient || failure === this.dropped) return failure;
    const lost = this.dropped.message.replace(/\.$/, '');
    return new CollectorError(
      'disconnected',
      `${lost}; reconnecting: ${failure.message}`,
      'TCP Lens reconnects by itself when the host is back.',
    );
  }

  /** After a drop the first reconnect is immediate; failed attempts back off. */
  private noteFailure(failure: CollectorError, dropped = false): void {
    this.lastFailure = failure;
    if (dropped) {
      this.retryAt = 0;
      return;
    }
    this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs ? this.backoffMs * 2 : BACKOFF_FIRST_MS);
    this.retryAt = Date.now() + this.backoffMs;
  }
}
