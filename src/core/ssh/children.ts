import type { ChildProcess } from 'node:child_process';

/** Every ssh process this process started and that has not exited yet. */
const running = new Set<ChildProcess>();

/** Remembers a child until it exits, so a process that must stop can end it first. */
export function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
}

/**
 * Signals every ssh child still running: the CLI calls this when it is told to stop (SIGTERM,
 * SIGHUP, SIGINT) and again as it exits, so no ssh is left behind under pid 1.
 */
export function signalChildren(signal: NodeJS.Signals): number {
  let n = 0;
  for (const child of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill(signal);
    n++;
  }
  return n;
}
