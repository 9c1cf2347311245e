import type { AddressFamily, Connection, TcpStateName } from '../model';
import { anyAddress, parsePortText, type ParsedEndpoint } from './endpoint';

/** BSD spellings (sys/netinet/tcp_fsm.h tcpstates[]) to the kernel names used everywhere else. */
const BSD_STATES: Record<string, TcpStateName> = {
  CLOSED: 'CLOSE',
  LISTEN: 'LISTEN',
  SYN_SENT: 'SYN_SENT',
  SYN_RCVD: 'SYN_RECV',
  ESTABLISHED: 'ESTABLISHED',
  CLOSE_WAIT: 'CLOSE_WAIT',
  FIN_WAIT_1: 'FIN_WAIT1',
  CLOSING: 'CLOSING',
  LAST_ACK: 'LAST_ACK',
  FIN_WAIT_2: 'FIN_WAIT2',
  TIME_WAIT: 'TIME_WAIT',
};

export interface NetstatParse {
  connections: Connection[];
  warnings: string[];
}

/** `127.0.0.1.8080`, `*.22`, `::1.631`, `fe80::1%lo0.5353`, `*.*`: the port follows the last dot. */
function parseBsdEndpoint(text: string, family: AddressFamily): ParsedEndpoint | undefined {
  const dot = text.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const port = parsePortText(text.slice(dot + 1));
  if (port === undefined) return undefined;
  let address = text.slice(0, dot);
  if (address === '*') address = anyAddress(family);
  return { address, port };
}

function familyOfProto(proto: string): AddressFamily | undefined {
  if (proto === 'tcp4' || proto === 'tcp46' || proto === 'tcp') return 'IPv4';
  if (proto === 'tcp6') return 'IPv6';
  return undefined;
}

/**
 * Finds the pid column of `netstat -v` from its header: macOS before 13 prints `pid`, later
 * releases `process:pid` (values `name:1234`). Headers name "Local Address" in two words.
 */
function pidColumn(header: string): number {
  const names = header.replace('Local Address', 'Local-Address').replace('Foreign Address', 'Foreign-Address').trim().split(/\s+/);
  return names.findIndex((n) => n === 'pid' || n === 'process:pid');
}

function parsePid(text: string | undefined): { pid?: number; process?: string } {
  if (text === undefined) return {};
  const colon = text.lastIndexOf(':');
  const pidText = colon >= 0 ? text.slice(colon + 1) : text;
  if (!/^\d+$/.test(pidText) || pidText === '0') return {};
  return { pid: Number(pidText), process: colon > 0 ? text.slice(0, colon) : `pid ${pidText}` };
}

/**
 * Parses `netstat -an -p tcp` of macOS and FreeBSD, and macOS `netstat -anv -p tcp` (with
 * PIDs). tcp46 sockets (dual-stack listeners) are listed as IPv4 with their `*` address.
 */
export function parseBsdNetstat(text: string): NetstatParse {
  const connections: Connection[] = [];
  const warnings: string[] = [];
  let pidAt = -1;
  let skipped = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('Proto ')) {
      pidAt = pidColumn(line);
      continue;
    }
    const fields = line.split(/\s+/);
    const family = familyOfProto(fields[0]);
    if (family === undefined) continue; // titles, blank lines, other protocols
    const local = parseBsdEndpoint(fields[3] ?? '', family);
    const remote = parseBsdEndpoint(fields[4] ?? '', family);
    const state = BSD_STATES[fields[5] ?? ''];
    const recvQ = Number(fields[1]);
    const sendQ = Number(fields[2]);
    if (!local || !remote || !state || !Number.isSafeInteger(recvQ) || !Number.isSafeInteger(sendQ)) {
      if (skipped++ < 5) warnings.push(`netstat: skipped line "${line.slice(0, 120)}"`);
      continue;
    }
    const owner = pidAt >= 0 ? parsePid(fields[pidAt]) : {};
    connections.push({
      family,
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state,
      sendQueue: sendQ,
      receiveQueue: recvQ,
      uid: -1,
      inode: 0,
      ...owner,
      owner: owner.pid !== undefined ? 'known' : state === 'TIME_WAIT' ? 'kernel' : 'unresolved',
    });
  }
  if (skipped > 5) warnings.push(`netstat: skipped ${skipped} lines in all`);
  return { connections, warnings };
}
