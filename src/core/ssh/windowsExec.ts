import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CollectorError } from '../model';
import type { SshTarget } from './hostString';
import { trackChild } from './children';
import { clampConnectTimeout, sshInvocation, type SshOptions } from './sshCommand';
import { classifySshFailure } from './sshErrors';

/** netstat itself may take a few seconds on a host with many sockets. */
const COMMAND_GRACE_MS = 15_000;
/** How long the shared connection outlives the last refresh: a refresh interval or two. */
const CONTROL_PERSIST_SEC = 60;

/** What one exec cost, like SshCollector's RefreshCost. */
export interface ExecResult {
  stdout: string;
  latencyMs: number;
  bytes: number;
}

/**
 * Reads hosts that cannot run the sh loop (Windows' OpenSSH server, whose default shell is
 * cmd.exe or PowerShell): one `ssh host netstat -ano` per refresh. OpenSSH's connection sharing
 * (ControlMaster, in a private 0700 folder) keeps the TCP connection and authentication, so a
 * refresh costs a channel open and a netstat run, not a login; still slower than the sh loop,
 * which answers over an open channel, and netstat itself lists every socket each time.
 */
export class WindowsExec {
  private readonly controlDir = mkdtempSync(path.join(tmpdir(), 'tcplens-cm-'));
  private readonly shared: string[];
  private disposed = false;

  constructor(
    private readonly target: SshTarget,
    private readonly options: SshOptions,
  ) {
    this.shared = [
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${path.join(this.controlDir, '%C')}`,
      '-o',
      `ControlPersist=${CONTROL_PERSIST_SEC}`,
    ];
  }

  /** Runs `netstat -ano` on the host; rejects with a classified CollectorError. */
  netstat(signal?: AbortSignal): Promise<ExecResult> {
    if (this.disposed) return Promise.reject(new CollectorError('cancelled', 'The host was closed.'));
    const { file, args, env } = sshInvocation(this.target, this.options, 'netstat -ano', this.shared);
    const timeoutSec = clampConnectTimeout(this.options.connectTimeoutSec);
    const started = performance.now();
    return new Promise<ExecResult>((resolve, reject) => {
      const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      trackChild(child);
      const out: Buffer[] = [];
      let bytes = 0;
      let stderr = '';
      let failure: CollectorError | undefined;
      const stop = (err: CollectorError) => {
        failure ??= err;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(
        () =>
          stop(
            new CollectorError('timeout', `"${this.target.id}" did not answer netstat within ${timeoutSec + COMMAND_GRACE_MS / 1000} s.`),
          ),
        timeoutSec * 1000 + COMMAND_GRACE_MS,
      );
      const onAbort = () => stop(new CollectorError('cancelled', 'The refresh was cancelled.'));
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdout.on('data', (chunk: Buffer) => {
        out.push(chunk);
        bytes += chunk.length;
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-8192)));
      child.on('error', (err) =>
        stop(new CollectorError('unreadable', `Could not start ssh: ${err.message}`, 'Install OpenSSH or set tcpLens.ssh.path.')),
      );
      child.on('close', (code) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        if (code !== 0) return reject(classifySshFailure(this.target.id, stderr, timeoutSec));
        resolve({ stdout: Buffer.concat(out).toString('utf8'), latencyMs: performance.now() - started, bytes });
      });
    });
  }

  /** Ends the shared connection (`ssh -O exit`) and removes its folder. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const { file, args, env } = sshInvocation(this.target, this.options, 'netstat -ano', this.shared);
    // `-O exit` takes the same options and destination; the remote command is ignored.
    const exit = spawn(file, ['-O', 'exit', ...args], { env, stdio: 'ignore' });
    const cleanup = () => rmSync(this.controlDir, { recursive: true, force: true });
    exit.on('error', cleanup);
    exit.on('close', cleanup);
  }
}
