import { readdir, readFile, readlink } from 'node:fs/promises';

/*
 * A pid alone does not name a process: once it exits, the number can be given to another
 * program. Before TCP Lens signals the owner of a row (which may be seconds or minutes old),
 * it checks that the pid still belongs to the process that was seen holding the socket: the
 * same start time (/proc/PID/stat field 22, ticks since boot, unique per pid) and, for the
 * first signal, still holding the socket's inode. A small window between the check and
 * kill(2) remains (Node has no pidfd_send_signal); it is microseconds, not the minutes a
 * confirmation dialog may stay open.
 */

/** The process seen holding a socket: its pid and the start time that tells it from a later one. */
export interface ProcessIdentity {
  pid: number;
  /** /proc/PID/stat field 22 (starttime), as printed: compared exactly, never as a rounded number. */
  startTime: string;
}

export type IdentityCheck = { ok: true; identity: ProcessIdentity } | { ok: false; reason: string };

/**
 * Field 3 (state) and field 22 (starttime) of a /proc/PID/stat line. The second field is the
 * command name in parentheses, and a process may name itself anything (spaces, `)`, `) R 1 2`):
 * the fields after it are counted from the last `)`.
 */
export function parseStat(stat: string): { state: string; startTime: string } | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // After ") ": field 3 (state) is index 0, so field 22 is index 19.
  const fields = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const [state, start] = [fields[0], fields[19]];
  if (state === undefined || !/^[A-Za-z]$/.test(state) || start === undefined || !/^\d{1,20}$/.test(start)) return undefined;
  return { state, startTime: start };
}

/** Field 22 of a /proc/PID/stat line; see {@link parseStat}. */
export function parseStartTime(stat: string): string | undefined {
  return parseStat(stat)?.startTime;
}

/**
 * The start time of `pid`, or undefined when there is no such process, it has exited and waits
 * to be reaped (a zombie holds no sockets and cannot be killed again), or /proc cannot say.
 */
export async function readStartTime(pid: number, procRoot = '/proc'): Promise<string | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = parseStat(await readFile(`${procRoot}/${pid}/stat`, 'latin1'));
    return stat && stat.state !== 'Z' && stat.state !== 'X' ? stat.startTime : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` has a descriptor on socket `inode`: true, false, or 'unknown' when its fds
 * cannot be read (another user's process without privileges).
 */
export async function holdsSocket(pid: number, inode: number, procRoot = '/proc'): Promise<boolean | 'unknown'> {
  const dir = `${procRoot}/${pid}/fd`;
  let fds: string[];
  try {
    fds = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'unknown' : false;
  }
  const wanted = `socket:[${inode}]`;
  for (const fd of fds) {
    try {
      if ((await readlink(`${dir}/${fd}`)) === wanted) return true;
    } catch {
      // closed while we looked
    }
  }
  return false;
}

/**
 * The identity of the process that holds socket `inode` under `pid` now; a reason to refuse
 * when the pid is gone or holds that socket no longer (the row is stale: the socket was closed,
 * or the process exited and its pid went to another program).
 */
export async function identifySocketOwner(pid: number, inode: number, procRoot = '/proc'): Promise<IdentityCheck> {
  if (!Number.isSafeInteger(inode) || inode <= 0)
    return { ok: false, reason: 'the socket has no inode to check its owner by (a kernel-owned socket)' };
  const before = await readStartTime(pid, procRoot);
  if (before === undefined) return { ok: false, reason: `process ${pid} has exited` };
  const holds = await holdsSocket(pid, inode, procRoot);
  if (holds === 'unknown')
    return {
      ok: false,
      reason: `the descriptors of process ${pid} cannot be read to check it still holds the socket (run with more privileges)`,
    };
  if (!holds)
    return { ok: false, reason: `process ${pid} no longer holds this socket (closed, or the pid now belongs to another program)` };
  // The fd walk took a while: the pid must still be the same process it was before it.
  if ((await readStartTime(pid, procRoot)) !== before) return { ok: false, reason: `process ${pid} has exited` };
  return { ok: true, identity: { pid, startTime: before } };
}

/** Why `identity` no longer names a running process (exited, or its pid was reused); undefined when it still does. */
export async function identityChanged(identity: ProcessIdentity, procRoot = '/proc'): Promise<string | undefined> {
  const now = await readStartTime(identity.pid, procRoot);
  if (now === undefined) return `process ${identity.pid} has exited`;
  if (now !== identity.startTime) return `process ${identity.pid} has exited; its pid now belongs to another program`;
  return undefined;
}

export type SignalResult = { sent: true } | { sent: false; reason: string };

/**
 * Sends `signal` to the process `identity` names, after checking it is still that process
 * (same start time) and, when `inode` is given, that it still holds that socket. Never signals
 * a pid that has been given to another program.
 */
export async function signalProcess(
  identity: ProcessIdentity,
  signal: NodeJS.Signals,
  inode?: number,
  procRoot = '/proc',
): Promise<SignalResult> {
  if (inode !== undefined) {
    const check = await identifySocketOwner(identity.pid, inode, procRoot);
    if (!check.ok) return { sent: false, reason: check.reason };
    if (check.identity.startTime !== identity.startTime)
      return { sent: false, reason: `process ${identity.pid} has exited; its pid now belongs to another program` };
  } else {
    const changed = await identityChanged(identity, procRoot);
    if (changed) return { sent: false, reason: changed };
  }
  try {
    process.kill(identity.pid, signal);
    return { sent: true };
  } catch (err) {
    return { sent: false, reason: (err as Error).message };
  }
}

/** Waits up to `timeoutMs` for the process to exit; true when it did (or its pid went to another program). */
export async function waitForExit(identity: ProcessIdentity, timeoutMs: number, procRoot = '/proc', stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await identityChanged(identity, procRoot)) !== undefined) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
