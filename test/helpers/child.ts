import path from 'node:path';
import { startJsonProcess } from './processes';
import type { ExpectedSocket } from './tcpStates';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface StatesChild {
  pid: number;
  expected: ExpectedSocket[];
  stop(): Promise<void>;
}

/** Runs a TypeScript helper of test/helpers with node + tsx. */
export function tsNode(script: string, ...args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', path.join(REPO_ROOT, 'test/helpers', script), ...args];
}

/**
 * Starts test/helpers/tcpStatesChild.ts in its own process (optionally under a command prefix
 * such as `ip netns exec NS`) and waits for the sockets it opened.
 */
export async function startStatesChild(addresses: string[], prefix: string[] = []): Promise<StatesChild> {
  const started = await startJsonProcess([...prefix, ...tsNode('tcpStatesChild.ts', ...addresses)]);
  const { pid, expected } = started.hello as { pid: number; expected: ExpectedSocket[] };
  return { pid, expected, stop: started.stop };
}
