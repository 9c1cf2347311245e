import { ParseWarnings } from '../linux/procNetTcp';
import type { AddressFamily, Connection, TcpStateName } from '../model';
import type { NetstatParse } from './bsdNetstat';
import { isIPv4Text, isIPv6Text, parseCountText, parsePortText, type ParsedEndpoint } from './endpoint';

/** `netstat -ano` state words (MIB_TCP_STATE) to kernel names. */
const WINDOWS_STATES: Record<string, TcpStateName> = {
  CLOSED: 'CLOSE',
  LISTENING: 'LISTEN',
  SYN_SENT: 'SYN_SENT',
  SYN_RECEIVED: 'SYN_RECV',
  ESTABLISHED: 'ESTABLISHED',
  FIN_WAIT_1: 'FIN_WAIT1',
  FIN_WAIT_2: 'FIN_WAIT2',
  CLOSE_WAIT: 'CLOSE_WAIT',
  CLOSING: 'CLOSING',
  LAST_ACK: 'LAST_ACK',
  TIME_WAIT: 'TIME_WAIT',
  DELETE_TCB: 'CLOSE',
};

/** `0.0.0.0:135`, `[::]:445`, `[fe80::1%7]:49670`: IPv6 in brackets, IPv4 without, nothing else. */
function parseWindowsEndpoint(text: string): (ParsedEndpoint & { family: AddressFamily }) | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const port = parsePortText(text.slice(colon + 1));
  if (port === undefined) return undefined;
  const address = text.slice(0, colon);
  if (address.startsWith('[') && address.endsWith(']')) {
    const inner = address.slice(1, -1);
    return isIPv6Text(inner) ? { address: inner, port, family: 'IPv6' } : undefined;
  }
  return isIPv4Text(address) ? { address, port, family: 'IPv4' } : undefined;
}

/**
 * Parses Windows `netstat -ano` (TCP rows; UDP rows have no state and are skipped). Malformed
 * TCP rows (not addresses, an IPv4 and an IPv6 end, a pid that is not a DWORD) are skipped and
 * counted in the warnings.
 */
export function parseWindowsNetstat(text: string): NetstatParse {
  const connections: Connection[] = [];
  const problems = new ParseWarnings();
  for (const raw of text.split(/\r?\n/)) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] !== 'TCP') continue;
    const local = parseWindowsEndpoint(fields[1] ?? '');
    const remote = parseWindowsEndpoint(fields[2] ?? '');
    const state = WINDOWS_STATES[fields[3] ?? ''];
    const pid = parseCountText(fields[4]);
    const why = !local
      ? 'bad local address'
      : !remote
        ? 'bad foreign address'
        : local.family !== remote.family
          ? 'addresses of two families'
          : !state
            ? 'unknown state'
            : pid === undefined
              ? 'bad pid'
              : undefined;
    if (why !== undefined || !local || !remote || !state || pid === undefined) {
      problems.add(raw.trim(), why ?? 'malformed');
      continue;
    }
    connections.push({
      family: local.family,
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state,
      sendQueue: 0,
      receiveQueue: 0,
      uid: -1,
      inode: 0,
      // PID 0 is the "System Idle Process" placeholder Windows shows for TIME_WAIT.
      ...(pid > 0 ? { pid, process: `pid ${pid}`, owner: 'known' as const } : { owner: 'kernel' as const }),
    });
  }
  return { connections, warnings: problems.toMessages('netstat -ano'), skipped: problems.skipped };
}
