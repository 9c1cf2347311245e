import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) of every child this process has waited for, in ms, from the
 * cutime/cstime fields of /proc/self/stat. The bench runs one command at a time, so the
 * difference around a run is that command's CPU, at 10 ms resolution.
 */
export function reapedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  // Fields after the command name, which may hold spaces, start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cutime = Number(fields[16 - 3]);
  const cstime = Number(fields[17 - 3]);
  return ((cutime + cstime) * 1000) / TICKS_PER_SECOND;
}

export interface ProcessRun {
  ms: number;
  /** CPU time (user + system) the command used, in ms; 10 ms resolution. */
  cpuMs: number;
  /** Bytes the command wrote: a sanity check that it really listed the table. */
  bytes: number;
  code: number | null;
}

/**
 * Runs argv once as a whole process and measures wall time from spawn to exit, the way a user
 * pays for it at the shell. Output goes through a pipe (as into `| awk`) and is only counted.
 */
export function runTimed(argv: readonly string[], timeoutMs: number): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuMs();
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      resolve({ ms, cpuMs: reapedChildrenCpuMs() - cpuBefore, bytes, code });
    });
  });
}
