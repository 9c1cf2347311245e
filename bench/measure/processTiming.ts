import { spawn } from 'node:child_process';

export interface ProcessRun {
  ms: number;
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
      resolve({ ms: performance.now() - started, bytes, code });
    });
  });
}
