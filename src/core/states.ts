import type { TcpStateName } from './model';

export type StateSeverity = 'normal' | 'transitional' | 'warning';

export interface TcpStateInfo {
  name: TcpStateName;
  /** Hex code in /proc/net/tcp's `st` column. */
  code: number;
  severity: StateSeverity;
  /** One line for tooltips and the status bar. */
  summary: string;
  /** What the state means and what to do when there are many. */
  explanation: string;
}

/** The order users read states in: servers, live traffic, the two teardown problems, then the rest. */
export const STATE_DISPLAY_ORDER: readonly TcpStateName[] = [
  'LISTEN',
  'ESTABLISHED',
  'CLOSE_WAIT',
  'TIME_WAIT',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'LAST_ACK',
  'CLOSING',
  'CLOSE',
];

const TABLE: readonly TcpStateInfo[] = [
  {
    name: 'ESTABLISHED',
    code: 0x01,
    severity: 'normal',
    summary: 'Both sides are talking.',
    explanation:
      'The connection is open in both directions and data can flow. Many of them is normal for a busy server; a count that only grows can mean clients that never disconnect or a missing idle timeout.',
  },
  {
    name: 'SYN_SENT',
    code: 0x02,
    severity: 'transitional',
    summary: 'We sent a SYN and wait for the peer to answer.',
    explanation:
      'An outgoing connect() is in progress. Many of them, or ones that last, mean the destination is slow, unreachable or dropping packets (a firewall), and connects will time out.',
  },
  {
    name: 'SYN_RECV',
    code: 0x03,
    severity: 'transitional',
    summary: 'A client sent a SYN; the handshake is not finished.',
    explanation:
      "The kernel answered a client's SYN and waits for the final ACK. No process owns these yet. A flood of them is a SYN flood or a client network problem; the listen backlog and SYN cookies are the knobs.",
  },
  {
    name: 'FIN_WAIT1',
    code: 0x04,
    severity: 'transitional',
    summary: 'We closed and wait for the peer to acknowledge our FIN.',
    explanation:
      'Our side called close() and sent FIN. Lasting FIN_WAIT1 sockets mean the peer is not acknowledging, often because it is gone or its receive window is full.',
  },
  {
    name: 'FIN_WAIT2',
    code: 0x05,
    severity: 'transitional',
    summary: 'Our FIN was acknowledged; we wait for the peer to close.',
    explanation:
      "Our side closed and the peer acknowledged, but the peer has not closed its side yet. If the peer's code never closes, these linger (Linux drops orphaned ones after tcp_fin_timeout, 60 s).",
  },
  {
    name: 'TIME_WAIT',
    code: 0x06,
    severity: 'warning',
    summary: 'We closed first; the kernel keeps the 4-tuple for 2×MSL (60 s on Linux).',
    explanation:
      'Our side closed first, so the kernel keeps the address pair for 2×MSL (60 s on Linux) so that late duplicates of the old connection cannot corrupt a new one and a lost final ACK can be resent. It holds no file descriptor and no process owns it, but thousands of them exhaust ephemeral ports. Let clients close first, use keep-alive or connection pooling. SO_LINGER with timeout 0 avoids it by sending RST, which the protocol discourages.',
  },
  {
    name: 'CLOSE',
    code: 0x07,
    severity: 'transitional',
    summary: 'The socket is closed and about to be freed.',
    explanation: 'The socket is fully closed (or was never connected) and is being torn down. Seeing these is rare and brief.',
  },
  {
    name: 'CLOSE_WAIT',
    code: 0x08,
    severity: 'warning',
    summary: 'The peer closed; OUR application has not called close().',
    explanation:
      'The peer closed its side (we received FIN) and the kernel waits for our application to call close(). Each one holds a file descriptor until it does. Many of them, or a growing number, is a bug in our code: a read returned 0 / \'end\' / EOF and nobody closed the socket. When the process reaches its descriptor limit, accept() and open() fail with "Too many open files".',
  },
  {
    name: 'LAST_ACK',
    code: 0x09,
    severity: 'transitional',
    summary: 'We closed after the peer did, and wait for the last ACK.',
    explanation:
      'The peer closed first, then our application closed too; the kernel waits for the peer to acknowledge our FIN. Lasting ones mean the peer vanished.',
  },
  {
    name: 'LISTEN',
    code: 0x0a,
    severity: 'normal',
    summary: 'A server socket waiting for connections.',
    explanation:
      'A server socket bound to a port, waiting for clients. A full accept queue (Recv-Q) means the server is not calling accept() fast enough.',
  },
  {
    name: 'CLOSING',
    code: 0x0b,
    severity: 'transitional',
    summary: 'Both sides closed at the same time.',
    explanation: "Both sides sent FIN simultaneously and each waits for the other's ACK. Rare; lasting ones mean packet loss.",
  },
];

const BY_NAME = new Map(TABLE.map((s) => [s.name, s]));

/** Index = the kernel's hex state code; 0x0C (NEW_SYN_RECV) is reported as SYN_RECV, as the kernel prints it. */
export const STATE_BY_CODE: readonly (TcpStateName | undefined)[] = (() => {
  const byCode: (TcpStateName | undefined)[] = new Array(16).fill(undefined);
  for (const s of TABLE) byCode[s.code] = s.name;
  byCode[0x0c] = 'SYN_RECV';
  return byCode;
})();

export function stateInfo(name: TcpStateName): TcpStateInfo {
  const info = BY_NAME.get(name);
  if (!info) throw new Error(`unknown TCP state ${name}`);
  return info;
}

export const ALL_STATE_INFO: readonly TcpStateInfo[] = TABLE;
