import { execFileSync } from 'node:child_process';
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
