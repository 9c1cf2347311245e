import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CollectorError } from '../model';
import { FrameError, FrameReader, MAX_ANSWER_BYTES, type Frame } from './frames';
import { trackChild } from './children';
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
 * Once connected, each request must be answered within this many connect timeouts (30 s at the
 * default 10 s): far above a full fd walk of a busy host, and a host that stops answering is
 * noticed even when its TCP connection stays up.
 */
export const REQUEST_DEADLINE_FACTOR = 3;

/** How long a request may take on a session opened with these options. */
export function requestDeadlineMs(options: SshOptions): number {
  return clampConnectTimeout(options.connectTimeoutSec) * REQUEST_DEADLINE_FACTOR * 1000;
}

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
  /** Settles open() with a failure that ends the session before the hello. */
  private startFailed: ((err: CollectorError) => void) | undefined;
  private reader: FrameReader | undefined;
  /** Runs for the request at the head of the queue: the one the host is answering now. */
  private deadline: NodeJS.Timeout | undefined;

  private constructor(
    private readonly target: SshTarget,
    private readonly options: SshOptions,
  ) {
    const { file, args, env } = sshInvocation(target, options);
    this.child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(this.child);
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
    if (!/^[a-zA-Z]( \d+)*$/.test(kind))
      return Promise.reject(new CollectorError('protocol', `Not a request line: "${kind.slice(0, 40)}"`));
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
      if (this.queue.length === 1) this.armDeadline();
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

  /**
   * The host broke the protocol or stopped answering: whatever it sends next cannot be trusted
   * to line up with a request, so the session ends at once and the collector opens a new one.
   */
  private abort(err: CollectorError): void {
    this.fail(err);
    this.reader = undefined;
    this.child.stdout.removeAllListeners('data');
    this.child.stdout.resume();
    this.child.stdin.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private armDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
    if (this.queue.length === 0 || this.failure) return;
    const ms = requestDeadlineMs(this.options);
    this.deadline = setTimeout(() => {
      this.abort(
        new CollectorError(
          'timeout',
          `"${this.target.id}" stopped answering: no answer within ${Math.round(ms / 1000)} s.`,
          'TCP Lens dropped the session and reconnects. For a slow host, raise tcpLens.ssh.connectTimeout (TCP_LENS_SSH_CONNECT_TIMEOUT for the CLI): a request may take 3 times as long.',
        ),
      );
    }, ms);
  }

  private start(signal?: AbortSignal): Promise<void> {
    const token = randomBytes(16).toString('hex');
    const timeoutSec = clampConnectTimeout(this.options.connectTimeoutSec);
    return new Promise<void>((resolve, reject) => {
      const helloMs = this.options.askpass ? ASKPASS_HELLO_MS : timeoutSec * 1000 + HELLO_GRACE_MS;
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        finish(
          new CollectorError(
            'timeout',
            `Connecting to "${this.target.id}" timed out after ${Math.round(helloMs / 1000)} s.`,
            'Check that the host is up and reachable, or raise tcpLens.ssh.connectTimeout.',
          ),
        );
      }, helloMs);
      const onAbort = () => finish(new CollectorError('cancelled', 'Connecting was cancelled.'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (err?: CollectorError) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.startFailed = undefined;
        if (err) reject(err);
        else resolve();
      };
      this.startFailed = finish;

      const reader = new FrameReader(token, (frame) => {
        if (this.hello === undefined && frame.line.startsWith('HELLO ')) {
          this.hello = parseHello(frame.line.slice(6));
          reader.endAnswer();
          finish();
        } else {
          this.onFrame(frame);
        }
      });
      this.reader = reader;
      // Until READY, output is the shell starting up (rc files may print); then frames.
      let beforeReady: Buffer | undefined = Buffer.alloc(0);
      const push = (chunk: Buffer) => {
        try {
          this.reader?.push(chunk);
        } catch (err) {
          if (!(err instanceof FrameError)) throw err;
          const limit = `${Math.round(MAX_ANSWER_BYTES / (1024 * 1024))} MB`;
          this.abort(
            err.reason === 'too-large'
              ? new CollectorError(
                  'protocol',
                  `"${this.target.id}" sent an answer too large (over ${limit}): the session was dropped.`,
                  'TCP Lens reconnects on the next refresh; a real answer is far smaller, so check what runs on the host.',
                )
              : new CollectorError(
                  'protocol',
                  `"${this.target.id}" broke the TCP Lens protocol (${err.message}): the session was dropped.`,
                  'TCP Lens reconnects on the next refresh.',
                ),
          );
        }
      };
      this.child.stdout.on('data', (chunk: Buffer) => {
        this.bytesReceived += chunk.length;
        if (beforeReady === undefined) return push(chunk);
        beforeReady = Buffer.concat([beforeReady, chunk]).subarray(-STDERR_KEEP);
        const at = beforeReady.indexOf(READY_MARK);
        if (at < 0) return;
        const rest = beforeReady.subarray(at + READY_MARK.length);
        beforeReady = undefined;
        this.child.stdin.write(`${token}\n`);
        push(Buffer.from(rest));
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
            ? new CollectorError(
                'unreadable',
                `The ssh client "${this.options.sshPath || 'ssh'}" was not found.`,
                'Install OpenSSH or set tcpLens.ssh.path.',
              )
            : new CollectorError('disconnected', `Could not start ssh: ${e.message}`);
        this.fail(failure);
      });
      this.child.on('close', () => {
        this.fail(
          this.hello
            ? new CollectorError(
                'disconnected',
                `Lost the SSH connection to "${this.target.id}"${this.lastStderrLine()}.`,
                'TCP Lens reconnects by itself when the host is back.',
              )
            : classifySshFailure(this.target.id, this.stderr, timeoutSec),
        );
      });
      this.child.stdin.write(REMOTE_SCRIPT);
    });
  }

  private lastStderrLine(): string {
    const lines = this.stderr.split(/\r?\n/).filter((l) => l.trim() !== '');
    return lines.length ? `: ${lines[lines.length - 1].trim()}` : '';
  }

  /**
   * BEGIN opens the answer to the request at the head of the queue, SEC starts a section, END
   * closes it. Anything out of that order (an END or SEC without a BEGIN, a BEGIN inside an
   * answer or for a request never made, a second HELLO) means the stream no longer lines up
   * with the requests: a protocol error, never an empty answer.
   */
  private onFrame(frame: Frame): void {
    if (this.failure) return;
    const [word, ...rest] = frame.line.split(' ');
    const desync = (what: string) =>
      this.abort(
        new CollectorError(
          'protocol',
          `"${this.target.id}" broke the TCP Lens protocol (${what}): the session was dropped.`,
          'TCP Lens reconnects on the next refresh.',
        ),
      );
    if (word === 'BEGIN') {
      if (this.sections) return desync('an answer began inside another');
      if (this.queue.length === 0) return desync('an answer nobody asked for');
      this.sections = new Map();
      this.section = undefined;
    } else if (word === 'SEC' || word === 'END') {
      if (!this.sections) return desync(`${word} without BEGIN`);
      if (this.section !== undefined) this.sections.set(this.section, frame.body);
      this.section = rest.join(' ');
      if (word === 'END') {
        const done = this.queue.shift();
        const sections = this.sections;
        this.sections = undefined;
        this.section = undefined;
        this.reader?.endAnswer();
        this.armDeadline();
        if (done && !done.abandoned) done.resolve(sections);
      }
    } else {
      desync(`unknown marker "${word.slice(0, 20)}"`);
    }
  }

  private fail(err: CollectorError): void {
    if (this.failure) return;
    this.failure = err;
    clearTimeout(this.deadline);
    this.deadline = undefined;
    this.startFailed?.(err);
    for (const p of this.queue.splice(0)) if (!p.abandoned) p.reject(err);
    for (const l of this.closeListeners) l(err);
  }
}
