import { execFile } from 'node:child_process';
import { formatEndpoint } from '../address';
import type { Connection, TcpStateName } from '../model';

/** `ss` spells states in lower case with dashes, and numbers the FIN_WAITs. */
const SS_STATE: Record<TcpStateName, string> = {
  ESTABLISHED: 'established',
  SYN_SENT: 'syn-sent',
  SYN_RECV: 'syn-recv',
  FIN_WAIT1: 'fin-wait-1',
  FIN_WAIT2: 'fin-wait-2',
  TIME_WAIT: 'time-wait',
  CLOSE: 'close',
  CLOSE_WAIT: 'close-wait',
  LAST_ACK: 'last-ack',
  LISTEN: 'listening',
  CLOSING: 'closing',
};

/** The filter words selecting exactly this connection, as separate arguments for `ss`. */
export function ssFilterArgs(c: Connection): string[] {
  return [
    'state',
    SS_STATE[c.state],
    'src',
    formatEndpoint(c.localAddress, c.localPort),
    'dst',
    formatEndpoint(c.remoteAddress, c.remotePort),
  ];
}

/** A command line a user can paste into a shell (addresses and ports only, nothing to quote). */
export function ssFilterCommand(c: Connection): string {
  return ['ss', '-tnp', ...ssFilterArgs(c)].join(' ');
}

export type CloseResult = { closed: true } | { closed: false; reason: string };

/**
 * Destroys one socket with `ss -K` (SOCK_DESTROY), then checks the kernel really dropped it:
 * without CAP_NET_ADMIN or kernel support `ss -K` fails silently.
 */
export async function closeConnection(c: Connection, stillExists: () => Promise<boolean>, ssPath = 'ss'): Promise<CloseResult> {
  if (c.state === 'LISTEN') return { closed: false, reason: 'Listening sockets are not closed this way: stop the server instead.' };
  const output = await new Promise<string>((resolve) => {
    execFile(ssPath, ['-K', '-t', '-n', ...ssFilterArgs(c)], { timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve(err ? `${stderr || err.message}`.trim() : '');
    });
  });
  if (!(await stillExists())) return { closed: true };
  const why = output || 'the kernel kept it';
  return {
    closed: false,
    reason: `Could not close ${formatEndpoint(c.localAddress, c.localPort)} → ${formatEndpoint(c.remoteAddress, c.remotePort)}: ${why}. Closing needs CAP_NET_ADMIN (run as root) and a kernel built with CONFIG_INET_DIAG_DESTROY.`,
  };
}
