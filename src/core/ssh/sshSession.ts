import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CollectorError } from '../model';
import { FrameReader, type Frame } from './frames';
import type { SshTarget } from './hostString';
import { READY_LINE, REMOTE_SCRIPT, parseHello, type RemoteHello } from './remoteScript';
import { clampConnectTimeout, sshInvocation, type SshOptions } from './sshCommand';
import { classifySshFailure } from './sshErrors';

/** What the remote script sent for one request: its `SEC` sections by name. */
export type Sections = Map<string, Buffer>;

/** Request codes the remote script knows (see remoteScript.ts); `s` and `i` take pids. */
export type RequestKind = 'c' | 't' | 'f' | 'F' | `s ${string}` | `i ${string}`;

interface Pending {
  kind: RequestKind;
  resolve(sections: Sections): void;
  reject(err: CollectorError): void;
  /** The caller gave up (cancelled); the response is still read and then dropped. */
  abandoned: boolean;
}

const STDERR_KEEP = 8192;
const READY_MARK = Buffer.from(READY_LINE.trimStart());
/** Time for ssh to print its own error after ConnectTimeout before we call it a timeout. */
const HELLO_GRACE_MS = 3000;
/** With a password prompt the user types; wait as long as an input box reasonably stays open. */
const ASKPASS_HELLO_MS = 5 * 60_000;

/**
 * One ssh process to one host, kept open: requests are written as lines to the remote script
 * and answered in order, so a refresh costs one round trip and the remote read.
 */
export class SshSession {
  /** Bytes read from the remote side (stdout) since the session started. */
  bytesReceived = 0;
  hello: RemoteHello | undefined;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Pending[] = [];
  private stderr = '';
  private sections: Sections | undefined;
  private section: string | undefined;
  private failure: CollectorError | undefined;
  private readonly closeListeners: ((err: CollectorError) => void)[] = [];

  private constructor(
    private readonly target: SshTarget,
    private readonly options: SshOptions,
  ) {
    const { file, args, env } = sshInvocation(target, options);
    this.child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Starts ssh, sends the script and waits for the remote side to say which OS it runs. */
  static async open(target: SshTarget, options: SshOptions, signal?: AbortSignal): Promise<SshSession> {
    const session = new SshSession(target, options);
    try {
      await session.start(signal);
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  get alive(): boolean {
    return this.failure === undefined;
  }

  onClose(listener: (err: CollectorError) => void): void {
    this.closeListeners.push(listener);
  }

  /** Sends one request; resolves with its sections, in the order requests were made. */
  request(kind: RequestKind, signal?: AbortSignal): Promise<Sections> {
    if (this.failure) return Promise.reject(this.failure);
    if (!/^[a-zA-Z]( \d+)*$/.test(kind)) return Promise.reject(new CollectorError('protocol', `Not a request line: "${kind.slice(0, 40)}"`));
    return new Promise<Sections>((resolve, reject) => {
      const entry: Pending = { kind, resolve, reject, abandoned: false };
      const onAbort = () => {
        entry.abandoned = true;
        reject(new CollectorError('cancelled', 'The refresh was cancelled.'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.resolve = (s) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(s);
      };
      entry.reject = (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      };
      this.queue.push(entry);
      this.child.stdin.write(`${kind}\n`);
    });
  }

  /** Ends the session: the remote loop sees end of input and exits; ssh is killed if it lingers. */
  close(): void {
    this.fail(new CollectorError('cancelled', 'The SSH session was closed.'));
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      timer.unref();
      this.child.once('exit', () => clearTimeout(timer));
      this.child.kill('SIGTERM');
    }
  }

  private start(signal?: AbortSignal): Promise<void> {
    const token = randomBytes(16).toString('hex');
    const timeoutSec = clampConnectTimeout(this.options.connectTimeoutSec);
    return new Promise<void>((resolve, reject) => {
      const helloMs = this.options.askpass ? ASKPASS_HELLO_MS : timeoutSec * 1000 + HELLO_GRACE_MS;
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        finish(new CollectorError('timeout', `Connecting to "${this.target.id}" timed out after ${Math.round(helloMs / 1000)} s.`, 'Check that the host is up and reachable, or raise tcpLens.ssh.connectTimeout.'));
      }, helloMs);
      const onAbort = () => finish(new CollectorError('cancelled', 'Connecting was cancelled.'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (err?: CollectorError) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };

      const reader = new FrameReader(token, (frame) => {
        if (frame.line.startsWith('HELLO ')) {
          this.hello = parseHello(frame.line.slice(6));
          finish();
        } else {
          this.onFrame(frame);
        }
      });
      // Until READY, output is the shell starting up (rc files may print); then frames.
      let beforeReady: Buffer | undefined = Buffer.alloc(0);
      this.child.stdout.on('data', (chunk: Buffer) => {
        this.bytesReceived += chunk.length;
        if (beforeReady === undefined) return reader.push(chunk);
        beforeReady = Buffer.concat([beforeReady, chunk]).subarray(-STDERR_KEEP);
        const at = beforeReady.indexOf(READY_MARK);
        if (at < 0) return;
        const rest = beforeReady.subarray(at + READY_MARK.length);
        beforeReady = undefined;
        this.child.stdin.write(`${token}\n`);
        reader.push(Buffer.from(rest));
      });
      this.child.stderr.on('data', (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
      });
      // Writing to an ssh that already exited: the exit handler reports why.
      this.child.stdin.on('error', () => undefined);
      this.child.on('error', (err) => {
        const e = err as NodeJS.ErrnoException;
        const failure =
          e.code === 'ENOENT'
            ? new CollectorError('unreadable', `The ssh client "${this.options.sshPath || 'ssh'}" was not found.`, 'Install OpenSSH or set tcpLens.ssh.path.')
            : new CollectorError('disconnected', `Could not start ssh: ${e.message}`);
        this.fail(failure);
        finish(failure);
      });
      this.child.on('close', () => {
        const failure = this.hello
          ? new CollectorError('disconnected', `Lost the SSH connection to "${this.target.id}"${this.lastStderrLine()}.`, 'TCP Lens reconnects by itself when the host is back.')
          : classifySshFailure(this.target.id, this.stderr, timeoutSec);
        this.fail(failure);
        finish(failure);
      });
      this.child.stdin.write(REMOTE_SCRIPT);
    });
  }

  private lastStderrLine(): string {
    const lines = this.stderr.split(/\r?\n/).filter((l) => l.trim() !== '');
    return lines.length ? `: ${lines[lines.length - 1].trim()}` : '';
  }

  private onFrame(frame: Frame): void {
    const [word, ...rest] = frame.line.split(' ');
    if (word === 'BEGIN') {
      this.sections = new Map();
      this.section = undefined;
    } else if (word === 'SEC' || word === 'END') {
      if (this.sections && this.section !== undefined) this.sections.set(this.section, frame.body);
      this.section = rest.join(' ');
      if (word === 'END') {
        const done = this.queue.shift();
        const sections = this.sections ?? new Map<string, Buffer>();
        this.sections = undefined;
        if (done && !done.abandoned) done.resolve(sections);
      }
    }
  }

  private fail(err: CollectorError): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.queue.splice(0)) if (!p.abandoned) p.reject(err);
    for (const l of this.closeListeners) l(err);
  }
}
