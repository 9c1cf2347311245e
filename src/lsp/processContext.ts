import { readFileSync, readlinkSync } from 'node:fs';
import type { LeakingProcess } from '../core/liveLink';

/** Parent chains deeper than this are not worth following (and guard against /proc races). */
const MAX_ANCESTORS = 32;

function parentOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited
  }
  // The command name in parentheses may contain spaces and ')': the fields after the last ')' are fixed.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

function isDescendantOf(pid: number, ancestor: number): boolean {
  let current: number | undefined = pid;
  for (let i = 0; i < MAX_ANCESTORS && current !== undefined && current > 1; i++) {
    current = parentOf(current);
    if (current === ancestor) return true;
  }
  return false;
}

/**
 * Adds what only the local /proc knows: the working directory, and whether the editor (a debug
 * session, which runs under this extension host) started the process. Unreadable entries (other
 * users' processes) just stay unknown. Read synchronously: every refresh asks this of every
 * leaking process, and /proc answers from memory, faster than the thread pool's round trips.
 */
export function withLocalContext(p: LeakingProcess): LeakingProcess {
  const launchedByEditor = isDescendantOf(p.pid, process.pid);
  let cwd: string | undefined;
  try {
    cwd = readlinkSync(`/proc/${p.pid}/cwd`);
  } catch {
    // exited, or another user's
  }
  return { ...p, ...(cwd ? { cwd } : {}), ...(launchedByEditor ? { launchedByEditor } : {}) };
}
