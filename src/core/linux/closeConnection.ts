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

export type CloseResult = { closed: true } | { closed: false; reason: string; stale?: true };

/** Runs ss and resolves with its output; a failure to run it resolves with the error text. */
function runSs(ssPath: string, args: string[]): Promise<{ ok: boolean; stdout: string; error: string }> {
  return new Promise((resolve) => {
    execFile(ssPath, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ ok: !err, stdout: String(stdout), error: err ? `${stderr || err.message}`.trim() : '' });
    });
  });
}

/** The `ino:N` of each socket line `ss -e` printed (0 for a line without one, e.g. TIME_WAIT). */
export function inodesOfSsOutput(stdout: string): number[] {
  const inodes: number[] = [];
  for (const line of stdout.split('\n')) {
    if (!/^\s*\d+\s+\d+\s/.test(line)) continue; // header, blank lines
    const m = /\bino:(\d+)\b/.exec(line);
    inodes.push(m ? Number(m[1]) : 0);
  }
  return inodes;
}

/**
 * The inodes of the sockets this row's filter selects right now (`ss -tne`): the filter names a
 * 4-tuple and a state, which a newer socket can have too once the old one is gone.
 */
export async function socketsMatching(c: Connection, ssPath = 'ss'): Promise<{ inodes: number[] } | { error: string }> {
  const r = await runSs(ssPath, ['-t', '-n', '-e', '-H', ...ssFilterArgs(c)]);
  return r.ok ? { inodes: inodesOfSsOutput(r.stdout) } : { error: r.error };
}

/**
 * Destroys one socket with `ss -K` (SOCK_DESTROY), then checks the kernel really dropped it:
 * without CAP_NET_ADMIN or kernel support `ss -K` fails silently.
 *
 * `ss` filters by addresses, ports and state, not by inode, so a row whose socket has closed
 * and whose 4-tuple a new socket has taken would destroy the new one. Immediately before `ss -K`
 * the sockets the filter selects are listed with their inodes: anything but the row's own
 * inode means the row is stale and nothing is closed. (The window left is the few milliseconds
 * between that listing and `ss -K`; what `ss -K` reports destroying is checked too.)
 * `stillExists` tells afterwards whether the row's socket is still there; by default the
 * row's inode is looked for with `ss`.
 */
export async function closeConnection(c: Connection, stillExists?: () => Promise<boolean>, ssPath = 'ss'): Promise<CloseResult> {
  const what = `${formatEndpoint(c.localAddress, c.localPort)} → ${formatEndpoint(c.remoteAddress, c.remotePort)}`;
  if (c.state === 'LISTEN') return { closed: false, reason: 'Listening sockets are not closed this way: stop the server instead.' };
  const now = await socketsMatching(c, ssPath);
  if ('error' in now) return { closed: false, reason: `Could not close ${what}: ${now.error}` };
  if (now.inodes.length === 0)
    return { closed: false, stale: true, reason: `${what} (${c.state}) is no longer there: the list was out of date. Nothing was closed.` };
  const others = c.inode > 0 ? now.inodes.filter((i) => i !== c.inode) : [];
  if (others.length > 0) {
    return {
      closed: false,
      stale: true,
      reason: `${what} (${c.state}) is now another socket (inode ${others[0]}, not ${c.inode}): the list was out of date. Nothing was closed; refresh and try again.`,
    };
  }
  const kill = await runSs(ssPath, ['-K', '-t', '-n', '-e', ...ssFilterArgs(c)]);
  const destroyed = kill.ok ? inodesOfSsOutput(kill.stdout) : [];
  const wrong = c.inode > 0 ? destroyed.filter((i) => i !== 0 && i !== c.inode) : [];
  const gone = stillExists ? !(await stillExists()) : await isGone(c, ssPath);
  if (wrong.length > 0) {
    return {
      closed: false,
      stale: true,
      reason: `${what}: a new socket (inode ${wrong[0]}) took these addresses while closing and was closed too${gone ? '' : ', the listed one was not'}.`,
    };
  }
  if (gone) return { closed: true };
  const why = kill.error || 'the kernel kept it';
  return {
    closed: false,
    reason: `Could not close ${what}: ${why}. Closing needs CAP_NET_ADMIN (run as root) and a kernel built with CONFIG_INET_DIAG_DESTROY.`,
  };
}

/** Whether the row's socket has left the table (its inode no longer listed under its filter). */
async function isGone(c: Connection, ssPath: string): Promise<boolean> {
  const after = await socketsMatching(c, ssPath);
  if ('error' in after) return false;
  return c.inode > 0 ? !after.inodes.includes(c.inode) : after.inodes.length === 0;
}
