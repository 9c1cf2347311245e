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

export interface NamespaceLink {
  /** This machine's end of the veth pair. */
  hostAddress: string;
  /** The namespace's end: where its servers listen for the host. */
  address: string;
}

/**
 * Joins a test namespace to this machine over a veth pair with a /30 of its own (in
 * 10.`net`.0.0/16, picked by test pid and `index`), so a client or server on this machine (ssh,
 * Prometheus) reaches one in it. The pair goes away with the namespace.
 */
export function linkNamespace(ns: TestNamespace, index: number, net = 214): NamespaceLink {
  const third = process.pid % 250;
  const base = (index % 64) * 4;
  const hostAddress = `10.${net}.${third}.${base + 1}`;
  const address = `10.${net}.${third}.${base + 2}`;
  const tag = `${net}-${process.pid % 10000}-${index}`;
  const [vethHost, vethNs] = [`h${tag}`, `n${tag}`];
  execFileSync('ip', ['link', 'add', vethHost, 'type', 'veth', 'peer', 'name', vethNs]);
  execFileSync('ip', ['link', 'set', vethNs, 'netns', ns.name]);
  execFileSync('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', vethHost]);
  execFileSync('ip', ['link', 'set', vethHost, 'up']);
  execFileSync('ip', [...ns.exec.slice(1), 'ip', 'addr', 'add', `${address}/30`, 'dev', vethNs]);
  execFileSync('ip', [...ns.exec.slice(1), 'ip', 'link', 'set', vethNs, 'up']);
  return { hostAddress, address };
}
