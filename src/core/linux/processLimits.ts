import { readFileSync, statSync } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import type { FdUsage } from '../model';

export type { FdUsage };

/**
 * Open descriptors of a process against its soft limit (/proc/PID/limits). A refresh reads these
 * for every process with sockets: the stat and the small file are read synchronously (/proc
 * generates them in memory; the promise API's four thread-pool trips per file cost more than the
 * reads), the directory listing that kernels before 6.2 need on the thread pool.
 */
export async function readFdUsage(pid: number, procRoot = '/proc'): Promise<FdUsage | undefined> {
  try {
    const dir = `${procRoot}/${pid}/fd`;
    const counted = openCountOf(statSync(dir).size);
    const softLimit = parseSoftFdLimit(readFileSync(`${procRoot}/${pid}/limits`, 'utf8'));
    return { open: counted ?? (await readdir(dir)).length, softLimit };
  } catch {
    return undefined; // exited, or not ours to read
  }
}

/** The open count from the size of /proc/PID/fd: Linux < 6.2 gives 0 there (not known). */
export function openCountOf(fdDirSize: number): number | undefined {
  return fdDirSize > 0 ? fdDirSize : undefined;
}

/** Parses the "Max open files  SOFT  HARD  files" row of /proc/PID/limits. */
export function parseSoftFdLimit(limits: string): number | undefined {
  const row = limits.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = row?.slice('Max open files'.length).trim().split(/\s+/)[0];
  if (soft === undefined || soft === 'unlimited') return undefined;
  const n = Number(soft);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The process's working directory, to tell whether it runs from a workspace folder. */
export async function readCwd(pid: number, procRoot = '/proc'): Promise<string | undefined> {
  try {
    return await readlink(`${procRoot}/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** Descriptor usage of these processes (local host only). */
export async function readFdUsageOf(pids: Iterable<number>, procRoot = '/proc'): Promise<Map<number, FdUsage>> {
  const usage = new Map<number, FdUsage>();
  for (const pid of pids) {
    const u = await readFdUsage(pid, procRoot);
    if (u) usage.set(pid, u);
  }
  return usage;
}
