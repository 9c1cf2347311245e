import { readFile, readlink } from 'node:fs/promises';
import type { LeakingProcess } from '../core/liveLink';

/** Parent chains deeper than this are not worth following (and guard against /proc races). */
const MAX_ANCESTORS = 32;

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The command name in parentheses may contain spaces and ')': the fields after the last ')' are fixed.
  const rest = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = rest ? Number(rest[1]) : NaN;
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

async function isDescendantOf(pid: number, ancestor: number): Promise<boolean> {
  let current: number | undefined = pid;
  for (let i = 0; i < MAX_ANCESTORS && current !== undefined && current > 1; i++) {
    current = await parentOf(current);
    if (current === ancestor) return true;
  }
  return false;
}

/**
 * Adds what only the local /proc knows: the working directory, and whether the editor (a debug
 * session, which runs under this extension host) started the process. Unreadable entries (other
 * users' processes) just stay unknown.
 */
export async function withLocalContext(p: LeakingProcess): Promise<LeakingProcess> {
  const [cwd, launchedByEditor] = await Promise.all([
    readlink(`/proc/${p.pid}/cwd`).catch(() => undefined),
    isDescendantOf(p.pid, process.pid),
  ]);
  return { ...p, ...(cwd ? { cwd } : {}), ...(launchedByEditor ? { launchedByEditor } : {}) };
}
