import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { ExpectedSocket } from './tcpStates';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface StatesChild {
  pid: number;
  expected: ExpectedSocket[];
  stop(): Promise<void>;
}

/**
 * Starts test/helpers/tcpStatesChild.ts in its own process (optionally under a command prefix
 * such as `ip netns exec NS`) and waits for the sockets it opened.
 */
export async function startStatesChild(addresses: string[], prefix: string[] = []): Promise<StatesChild> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'test/helpers/tcpStatesChild.ts'), ...addresses];
  const child: ChildProcessWithoutNullStreams = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let stdout = '';
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`states child timed out: ${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`states child exited with ${code}: ${stderr}`));
    });
  });
  const { pid, expected } = JSON.parse(line) as { pid: number; expected: ExpectedSocket[] };
  return {
    pid,
    expected,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}
