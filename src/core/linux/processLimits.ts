import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import type { FdUsage } from '../model';

export type { FdUsage };

/** Open descriptors of a process against its soft limit (/proc/PID/limits). */
export async function readFdUsage(pid: number, procRoot = '/proc'): Promise<FdUsage | undefined> {
  try {
    const [open, limits] = await Promise.all([openDescriptors(pid, procRoot), readFile(`${procRoot}/${pid}/limits`, 'utf8')]);
    return { open, softLimit: parseSoftFdLimit(limits) };
  } catch {
    return undefined; // exited, or not ours to read
  }
}

/**
 * How many descriptors a process has open: the size of /proc/PID/fd where the kernel gives it
 * (Linux ≥ 6.2, one stat however many there are), else by listing the directory.
 */
export async function openDescriptors(pid: number, procRoot = '/proc'): Promise<number> {
  const dir = `${procRoot}/${pid}/fd`;
  const { size } = await stat(dir);
  return openCountOf(size) ?? (await readdir(dir)).length;
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
  await Promise.all(
    [...pids].map(async (pid) => {
      const u = await readFdUsage(pid, procRoot);
      if (u) usage.set(pid, u);
    }),
  );
  return usage;
}
