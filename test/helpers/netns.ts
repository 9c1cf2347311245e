import { execFileSync } from 'node:child_process';

/**
 * A network namespace made by a test: its own loopback and its own TCP table, so counts in it
 * are exact whatever else runs on the machine. Needs root and iproute2.
 */
export interface TestNamespace {
  name: string;
  /** Prefix for spawn argument arrays: run a command inside the namespace. */
  exec: string[];
  remove(): void;
}

export function canCreateNamespaces(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function createNamespace(tag: string): TestNamespace {
  const name = `tcplens-${tag}-${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  try {
    execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    execFileSync('ip', ['netns', 'delete', name]);
    throw err;
  }
  return {
    name,
    exec: ['ip', 'netns', 'exec', name],
    remove() {
      try {
        execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}
