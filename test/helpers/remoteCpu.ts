import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { TestNamespace } from './netns';

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime, stime, cutime, cstime of a /proc/PID/stat line, in clock ticks. */
function cpuTicks(stat: string): { self: number; children: number } {
  // The name in parentheses may hold spaces; the numeric fields start after its last ")".
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // fields[0] is field 3 (state): utime is field 14, so index 11.
  return { self: fields[11] + fields[12], children: fields[13] + fields[14] };
}

/**
 * CPU time a process and its waited-for children have used, in ms. For the remote shell loop
 * that is everything a refresh ran there (cat, ls, sed, awk are its children). The test's sshd
 * shares our pid namespace (only the network is separate), so its /proc entry is readable here.
 */
export function processCpuMs(pid: number): number {
  const t = cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (t.self + t.children) * TICK_MS;
}

/** CPU time the process itself has used (utime + stime, no children), in ms. */
export function processOwnCpuMs(pid: number): number {
  return cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')).self * TICK_MS;
}

/** CPU time one thread of a process has used (utime + stime), in ms. */
export function threadCpuMsOf(pid: number, tid: number): number {
  return cpuTicks(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')).self * TICK_MS;
}

/** CPU per run of `ss -tan` inside the namespace, in ms: one sh runs it `runs` times and reports its children's time. */
export function ssTanCpuMs(ns: TestNamespace, runs: number): number {
  const script = 'i=0; while [ "$i" -lt "$1" ]; do ss -tan >/dev/null; i=$((i+1)); done; cat /proc/$$/stat';
  const stat = execFileSync(ns.exec[0], [...ns.exec.slice(1), 'sh', '-c', script, 'sh', String(runs)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return (cpuTicks(stat).children * TICK_MS) / runs;
}

/** Resolution of the figures above: one clock tick. */
export const CPU_TICK_MS = TICK_MS;
