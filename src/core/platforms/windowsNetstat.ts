import type { Connection, TcpStateName } from '../model';
import type { NetstatParse } from './bsdNetstat';
import { familyOf, parsePortText, type ParsedEndpoint } from './endpoint';

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

/** `0.0.0.0:135`, `[::]:445`, `[fe80::1%7]:49670`. */
function parseWindowsEndpoint(text: string): ParsedEndpoint | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const port = parsePortText(text.slice(colon + 1));
  let address = text.slice(0, colon);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  if (port === undefined || address === '') return undefined;
  return { address, port };
}

/** Parses Windows `netstat -ano` (TCP rows; UDP rows have no state and are skipped). */
export function parseWindowsNetstat(text: string): NetstatParse {
  const connections: Connection[] = [];
  const warnings: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] !== 'TCP') continue;
    const local = parseWindowsEndpoint(fields[1] ?? '');
    const remote = parseWindowsEndpoint(fields[2] ?? '');
    const state = WINDOWS_STATES[fields[3] ?? ''];
    const pidText = fields[4] ?? '';
    if (!local || !remote || !state || !/^\d+$/.test(pidText)) {
      if (warnings.length < 5) warnings.push(`netstat: skipped line "${raw.trim().slice(0, 120)}"`);
      continue;
    }
    const pid = Number(pidText);
    connections.push({
      family: familyOf(local.address),
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
  return { connections, warnings };
}
