import { readdirSync, readFileSync } from 'node:fs';
import { threadCpuMsOf } from '../../test/helpers/remoteCpu';

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // exited meanwhile
  }
}

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  } catch {
    return [];
  }
}

/** Pids descending from `root` (children only with `childrenOnly`) whose argv matches. */
export function descendants(root: number, matches: (argv: string[]) => boolean, childrenOnly = false): number[] {
  const pids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const parents = new Map(pids.map((pid) => [pid, parentOf(pid)]));
  const descends = (pid: number): boolean => {
    // Bounded walk up the tree: pid 1 or an unknown parent ends it.
    for (let p = parents.get(pid), hops = 0; p !== undefined && p > 1 && hops < 64; p = parents.get(p), hops++) {
      if (p === root) return true;
      if (childrenOnly) return false;
    }
    return false;
  };
  return pids.filter((pid) => descends(pid) && matches(argvOf(pid)));
}

/** The remote extension hosts code-server (`root`) started: `bootstrap-fork --type=extensionHost`. */
export function extensionHostPids(root: number): number[] {
  return descendants(root, (argv) => argv.includes('--type=extensionHost'));
}

/**
 * User + system CPU of a process's main thread and of its other threads together (V8's GC and
 * compiler helpers, libuv's pool: Node names them all "node", so they are not told apart), in
 * ms; empty once the process exited.
 */
export function threadCpuMs(pid: number): Map<'main' | 'other threads', number> {
  const byKind = new Map<'main' | 'other threads', number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byKind;
  }
  for (const tid of tids) {
    try {
      const ms = threadCpuMsOf(pid, Number(tid));
      const kind = Number(tid) === pid ? 'main' : 'other threads';
      byKind.set(kind, (byKind.get(kind) ?? 0) + ms);
    } catch {
      // the thread ended meanwhile
    }
  }
  return byKind;
}
