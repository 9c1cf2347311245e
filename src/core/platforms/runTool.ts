import { execFile, type ExecFileException } from 'node:child_process';
import { CollectorError } from '../model';

/** netstat on a host with many sockets may take a few seconds; one that hangs must not stall refreshes. */
const TOOL_TIMEOUT_MS = 30_000;
/** As for an SSH answer: a table this large is a broken tool, not a busy host. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** Runs one of the system's tools and resolves with what it printed. */
export type RunTool = (file: string, args: readonly string[], signal?: AbortSignal) => Promise<string>;

/**
 * Runs `file` found on PATH with an argument array (no shell, so nothing in an argument is
 * interpreted), and rejects with a CollectorError that names the command: not installed, failed
 * (with the first line it wrote to stderr), too slow, too much output, or cancelled.
 */
export const runTool: RunTool = (file, args, signal) => {
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, signal },
      (err: ExecFileException | null, stdout: string, stderr: string) => {
        if (!err) return resolve(stdout);
        reject(toolError(command, file, err, stderr, signal));
      },
    );
  });
};

function toolError(command: string, file: string, err: ExecFileException, stderr: string, signal?: AbortSignal): CollectorError {
  if (signal?.aborted || err.name === 'AbortError') return new CollectorError('cancelled', 'The refresh was cancelled.');
  if (err.code === 'ENOENT')
    return new CollectorError('unreadable', `${file} was not found on PATH.`, `TCP Lens reads this machine's table with ${command}.`);
  if (err.code === 'EACCES') return new CollectorError('permission-denied', `Permission denied running ${file}.`);
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
    return new CollectorError('unreadable', `${command} printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MB.`);
  if (err.killed && err.signal === 'SIGTERM')
    return new CollectorError('timeout', `${command} did not finish within ${TOOL_TIMEOUT_MS / 1000} s.`);
  const detail = stderr.trim().split(/\r?\n/)[0] || err.message.split('\n')[0];
  const status = typeof err.code === 'number' ? `exit code ${err.code}` : (err.signal ?? 'failed');
  return new CollectorError('unreadable', `${command} failed (${status}): ${detail}`);
}
