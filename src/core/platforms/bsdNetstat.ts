import { ParseWarnings } from '../linux/procNetTcp';
import type { AddressFamily, Connection, TcpStateName } from '../model';
import { anyAddress, isIPv4Text, isIPv6Text, parseCountText, parsePortText, type ParsedEndpoint } from './endpoint';

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
  /** A summary and the first few rejected rows; empty when every row was read. */
  warnings: string[];
  /** Rows that looked like TCP rows but were malformed, all counted (not only those shown). */
  skipped: number;
}

/**
 * netstat -an (without -W) cuts an IPv6 host part to 16 characters (inet6print's `%.*s`), so a
 * long address arrives as e.g. `2001:db8:85a3:0:` — the row is real and counts, the address is
 * only a prefix. Anything else that is not an address is refused.
 */
const TRUNCATED_IPV6_LENGTH = 16;

function isBsdIPv6(address: string): boolean {
  if (isIPv6Text(address)) return true;
  return address.length === TRUNCATED_IPV6_LENGTH && address.includes(':') && /^[0-9A-Fa-f:.]+(%[\w.-]*)?$/.test(address);
}

/**
 * `127.0.0.1.8080`, `*.22`, `::1.631`, `fe80::1%lo0.5353`, `*.*`: the port follows the last dot.
 * The address must be of the row's family (`tcp4` IPv4, `tcp6` IPv6, `tcp46` either).
 */
function parseBsdEndpoint(text: string, families: readonly AddressFamily[]): (ParsedEndpoint & { family?: AddressFamily }) | undefined {
  const dot = text.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const port = parsePortText(text.slice(dot + 1));
  if (port === undefined) return undefined;
  const address = text.slice(0, dot);
  if (address === '*') return { address, port };
  if (families.includes('IPv4') && isIPv4Text(address)) return { address, port, family: 'IPv4' };
  if (families.includes('IPv6') && isBsdIPv6(address)) return { address, port, family: 'IPv6' };
  return undefined;
}

/** Families a row's addresses may have; tcp46 (dual-stack) lists as IPv4 unless it shows an IPv6 address. */
function familiesOfProto(proto: string): readonly AddressFamily[] | undefined {
  if (proto === 'tcp4' || proto === 'tcp') return ['IPv4'];
  if (proto === 'tcp6') return ['IPv6'];
  if (proto === 'tcp46') return ['IPv4', 'IPv6'];
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

/** macOS pid_t is a signed 32-bit number. */
const PID_MAX = 0x7fff_ffff;

/** The owner from the pid column; undefined when the field is malformed (the row is then refused). */
function parsePid(text: string | undefined): { pid?: number; process?: string } | undefined {
  if (text === undefined) return {};
  const colon = text.lastIndexOf(':');
  const pidText = colon >= 0 ? text.slice(colon + 1) : text;
  const pid = parseCountText(pidText, PID_MAX);
  if (pid === undefined) return undefined;
  if (pid === 0) return {};
  return { pid, process: colon > 0 ? text.slice(0, colon) : `pid ${pid}` };
}

/**
 * Parses `netstat -an -p tcp` of macOS and FreeBSD, and macOS `netstat -anv -p tcp` (with
 * PIDs). tcp46 sockets (dual-stack listeners) are listed as IPv4 with their `*` address.
 * Malformed rows (not addresses, addresses of the other family, queues that are not whole
 * numbers, a pid out of range) are skipped and counted in the warnings.
 */
export function parseBsdNetstat(text: string): NetstatParse {
  const connections: Connection[] = [];
  const problems = new ParseWarnings();
  let pidAt = -1;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('Proto ')) {
      pidAt = pidColumn(line);
      continue;
    }
    const fields = line.split(/\s+/);
    const families = familiesOfProto(fields[0]);
    if (families === undefined) continue; // titles, blank lines, other protocols
    const local = parseBsdEndpoint(fields[3] ?? '', families);
    const remote = parseBsdEndpoint(fields[4] ?? '', families);
    const state = BSD_STATES[fields[5] ?? ''];
    const recvQ = parseCountText(fields[1]);
    const sendQ = parseCountText(fields[2]);
    const owner = pidAt >= 0 ? parsePid(fields[pidAt]) : {};
    const family = local?.family ?? remote?.family ?? families[0];
    const why = !local
      ? 'bad local address'
      : !remote
        ? 'bad foreign address'
        : (local.family ?? family) !== (remote.family ?? family)
          ? 'addresses of two families'
          : !state
            ? 'unknown state'
            : recvQ === undefined || sendQ === undefined
              ? 'bad queue field'
              : owner === undefined
                ? 'bad pid'
                : undefined;
    if (why !== undefined || !local || !remote || !state || recvQ === undefined || sendQ === undefined || owner === undefined) {
      problems.add(line, why ?? 'malformed');
      continue;
    }
    connections.push({
      family,
      localAddress: local.address === '*' ? anyAddress(family) : local.address,
      localPort: local.port,
      remoteAddress: remote.address === '*' ? anyAddress(family) : remote.address,
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
  return { connections, warnings: problems.toMessages('netstat'), skipped: problems.skipped };
}

/**
 * A table read without processes: netstat names owners anyway, but the caller did not ask for
 * them. Its rows carry no inode, so a row a process held is unresolved, never the kernel's.
 */
export function dropOwners(connections: Connection[]): void {
  for (const c of connections) {
    if (c.owner !== 'known') continue;
    c.pid = undefined;
    c.process = undefined;
    c.owner = 'unresolved';
  }
}
