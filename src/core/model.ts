/** The eleven TCP states, in the kernel's spelling (include/net/tcp_states.h). */
export const TCP_STATE_NAMES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
] as const;

export type TcpStateName = (typeof TCP_STATE_NAMES)[number];

export type AddressFamily = 'IPv4' | 'IPv6';

/** Why a connection has no owning process. */
export type OwnerStatus =
  /** `pid`/`process` are set. */
  | 'known'
  /** TIME_WAIT and SYN_RECV sockets belong to the kernel alone (inode 0). */
  | 'kernel'
  /** The socket has an inode but the process holding it is not readable by us. */
  | 'hidden'
  /** Attribution was not asked for (counts or a snapshot without processes). */
  | 'unresolved';

/** One row of the kernel's TCP table. */
export interface Connection {
  family: AddressFamily;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: TcpStateName;
  /** Bytes queued for sending (tx_queue). */
  sendQueue: number;
  /** Bytes queued for reading (rx_queue). */
  receiveQueue: number;
  uid: number;
  /** Socket inode; 0 when no file descriptor refers to the socket any more. */
  inode: number;
  pid?: number;
  process?: string;
  commandLine?: string;
  owner: OwnerStatus;
  /** For sockets no process holds (TIME_WAIT): who most likely caused them. Never a certainty. */
  inferredOwner?: InferredOwner;
  /** Seconds the socket has been in its current state, where known (see `ageSource`). */
  ageSeconds?: number;
  /**
   * `kernel`: from tcp_info (time since the peer's last segment) or the TIME_WAIT timer.
   * `observed`: since TCP Lens first saw the socket in this state, across refreshes.
   */
  ageSource?: AgeSource;
  /** An observed age of a socket that was already in its state at the first look: "≥ 4 min". */
  ageIsLowerBound?: boolean;
}

export type AgeSource = 'kernel' | 'observed';

export interface InferredOwner {
  pid?: number;
  process?: string;
  /** Shown to the user, e.g. "from :8080 — server closed first". */
  reason: string;
  /** Set when inferred from a listener on the socket's local port (the server closed first). */
  listenerPort?: number;
}

export type StateCounts = Record<TcpStateName, number>;

/** The host id of the machine TCP Lens runs on; every other id is an SSH destination. */
export const LOCAL_HOST_ID = 'local';

export function isLocalHost(host: HostInfo): boolean {
  return host.id === LOCAL_HOST_ID;
}

export interface HostInfo {
  /** What the user chose: {@link LOCAL_HOST_ID} or an SSH destination. */
  id: string;
  /** Human label, e.g. the machine's host name. */
  label: string;
  platform: string;
}

export interface Snapshot {
  host: HostInfo;
  takenAt: Date;
  connections: Connection[];
  /** Problems that did not stop the snapshot (skipped lines, unreadable processes). */
  warnings: string[];
  /**
   * From collectors that keep one row object per socket across snapshots: what changed since
   * their previous snapshot, taken at `since` (undefined for the first).
   */
  changes?: SnapshotChanges;
  /** Per-state counts of `connections`, where the collector counted while reading. */
  counts?: StateCounts;
}

/** What changed in a table since an earlier look: new row objects, and rows that are gone. */
export interface TableChanges {
  added: Connection[];
  removed: Connection[];
}

export interface SnapshotChanges extends TableChanges {
  since: Date | undefined;
}

export interface CountsSample {
  host: HostInfo;
  takenAt: Date;
  counts: StateCounts;
  warnings: string[];
}

export interface SnapshotOptions {
  /** Map sockets to processes (costs a walk of /proc/PID/fd). */
  processes?: boolean;
}

/** Open descriptors of a process against its soft "Max open files" limit. */
export interface FdUsage {
  open: number;
  /** Soft "Max open files" limit; undefined when unlimited or unreadable. */
  softLimit?: number;
}

/**
 * What a collector can do beyond reading the table. The UI offers an action only where its
 * capability is there (context keys in package.json's menus), and the commands check again.
 */
export interface CollectorCapabilities {
  /** Snapshots with `processes` name the pid (and process) holding each socket. */
  processAttribution: boolean;
  /** `fdUsage` reads open descriptors against each process's limit. */
  descriptorUsage: boolean;
  /** One connection can be destroyed (`ss -K`). */
  closeConnection: boolean;
  /** The owning process can be signalled, after checking it still holds the socket. */
  terminateProcess: boolean;
  /** The owning process's working directory can be read. */
  workingDirectory: boolean;
}

/** A collector that only reads the table. */
export const TABLE_ONLY: Readonly<CollectorCapabilities> = Object.freeze({
  processAttribution: false,
  descriptorUsage: false,
  closeConnection: false,
  terminateProcess: false,
  workingDirectory: false,
});

/**
 * A source of TCP tables: this machine (/proc and sock_diag on Linux, netstat on macOS and
 * Windows) or a remote host over SSH; `openCollector` picks one.
 * Implementations reject with {@link CollectorError} for failures the user must see.
 */
export interface Collector {
  readonly host: HostInfo;
  /** May change once a remote host says what it runs. */
  readonly capabilities: Readonly<CollectorCapabilities>;
  snapshot(signal?: AbortSignal, options?: SnapshotOptions): Promise<Snapshot>;
  /** Counts per state only; cheap enough for every refresh and for the history. */
  counts(signal?: AbortSignal): Promise<CountsSample>;
  /** Reaches the host now, so that one that cannot be reached fails before the first read (SSH). */
  connect?(signal?: AbortSignal): Promise<void>;
  dispose(): void;
}

export type CollectorErrorKind =
  | 'unsupported-platform'
  | 'permission-denied'
  | 'unreadable'
  | 'host-unknown'
  | 'connection-refused'
  | 'timeout'
  | 'auth-failed'
  | 'disconnected'
  | 'protocol'
  | 'cancelled';

/** A failure with a message meant for the user, and a kind the UI can act on. */
export class CollectorError extends Error {
  constructor(
    readonly kind: CollectorErrorKind,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CollectorError';
  }
}

export function emptyCounts(): StateCounts {
  const counts = {} as StateCounts;
  for (const name of TCP_STATE_NAMES) counts[name] = 0;
  return counts;
}

export function countStates(connections: readonly Connection[]): StateCounts {
  const counts = emptyCounts();
  for (let i = 0; i < connections.length; i++) counts[connections[i].state]++;
  return counts;
}

export function isTcpStateName(value: string): value is TcpStateName {
  return (TCP_STATE_NAMES as readonly string[]).includes(value);
}
