import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  kernel: string;
  node: string;
  memoryGiB: number;
  ss: string;
  netstat: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAtStart: number[];
}

function firstLine(argv: string[]): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]
      .trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    ss: firstLine(['ss', '-V']),
    netstat: firstLine(['netstat', '--version']),
    loadAtStart: os.loadavg(),
  };
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/** Busy and total jiffies of all CPUs so far, from the first line of /proc/stat. */
function cpuJiffies(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th; the rest (user, nice, system, irq, softirq, steal) is busy.
  return { busy: total - fields[3]! - fields[4]!, total };
}

/**
 * Waits until the whole machine has been at most `busyShare` busy over one second (at most
 * `maxMs`), so that a feature case is not timed while work left from the farms before it (their
 * processes exiting, the kernel removing their namespaces) still runs. Resolves to how long it
 * waited and the busy share of the last second.
 */
export async function waitForQuietMachine(busyShare = 0.1, maxMs = 60_000): Promise<{ waitedMs: number; busy: number }> {
  const began = Date.now();
  for (;;) {
    const before = cpuJiffies();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = cpuJiffies();
    const busy = (after.busy - before.busy) / Math.max(1, after.total - before.total);
    if (busy <= busyShare || Date.now() - began >= maxMs) return { waitedMs: Date.now() - began, busy };
  }
}
