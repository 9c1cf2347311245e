// The sample workspace's leaky server with a few clients that hung up: the steady CLOSE_WAIT leak
// of `npm run demo` and of the demo-scenario e2e test.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

export interface SampleLeak {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Our half-closed ends (FIN_WAIT2); their peers on the server stay in CLOSE_WAIT. */
  clients: net.Socket[];
  stop(): void;
}

/** Resolves with the port once server.js prints that it listens; rejects if it exits first (port taken). */
function listening(child: ChildProcess, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`the sample server did not start on 127.0.0.1:${port} within 10 s`)), 10_000);
    // Read on after the start (so the pipe never fills), keeping nothing.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (started) return;
      output += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (m && (port === 0 || Number(m[1]) === port)) {
        started = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += started ? '' : chunk.toString()));
    child.once('exit', () => {
      if (started) return;
      clearTimeout(timer);
      reject(
        new Error(
          `the sample server could not listen on 127.0.0.1:${port} (${output.trim() || 'it exited'}); pick another port with --port`,
        ),
      );
    });
  });
}

/**
 * Starts `server.js` of `workspace` on `port` (0: any free one) and, only once it says it
 * listens, connects `clients` times and hangs up: never to whatever else holds that port.
 */
export async function startSampleLeak(workspace: string, port: number, clients: number): Promise<SampleLeak> {
  const child = spawn(process.execPath, [path.join(workspace, 'server.js'), String(port)], {
    cwd: workspace,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const actual = await listening(child, port);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < clients; i++) {
    const c = net.connect({ host: '127.0.0.1', port: actual, allowHalfOpen: true }, () => c.end());
    c.on('error', () => undefined);
    sockets.push(c);
  }
  return {
    child,
    pid: child.pid!,
    port: actual,
    clients: sockets,
    stop: () => {
      for (const c of sockets) c.destroy();
      child.kill();
    },
  };
}
