import { hostname } from 'node:os';
import type { Collector, CollectorCapabilities, Connection, CountsSample, HostInfo, Snapshot, SnapshotOptions } from '../model';
import { CollectorError, countStates, LOCAL_HOST_ID, TABLE_ONLY } from '../model';
import { ObservedAges } from '../observedAges';
import { dropOwners, parseBsdNetstat, type NetstatParse } from './bsdNetstat';
import { runTool, type RunTool } from './runTool';
import { parseWindowsNetstat } from './windowsNetstat';

/** How one platform's own tools read its table and name its processes. */
export interface NetstatTools {
  platform: NodeJS.Platform;
  /** The table, with the owning pid of each socket. */
  table: { file: string; args: readonly string[]; parse: (text: string) => NetstatParse };
  /** Names of these pids (fewer where a process exited meanwhile). */
  names: (pids: readonly number[], run: RunTool, signal?: AbortSignal) => Promise<Map<number, string>>;
}

/** Keeps each `ps -p` argument list short, whatever the number of processes. */
const PIDS_PER_PS = 256;

/**
 * `ps -o pid= -o comm= -p 1,2,3`: "  4242 /usr/local/bin/node" per process still running. macOS
 * `comm` is the executable's path (names may contain spaces); the name is its last part.
 */
export function parsePsNames(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const name = m[2].slice(m[2].lastIndexOf('/') + 1);
    if (name) names.set(Number(m[1]), name);
  }
  return names;
}

/** One CSV field list of `tasklist /fo csv /nh`: `"node.exe","4242","Console","1","52,304 K"`. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  for (const m of line.matchAll(/"((?:[^"]|"")*)"(?:,|$)/g)) fields.push(m[1].replace(/""/g, '"'));
  return fields;
}

/** Image names by pid from `tasklist /fo csv /nh` (image name, PID, session name, session#, memory). */
export function parseTasklist(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split(/\r?\n/)) {
    const [image, pidText] = csvFields(line.trim());
    if (!image || !pidText || !/^\d{1,10}$/.test(pidText)) continue;
    names.set(Number(pidText), image);
  }
  return names;
}

/** macOS: `netstat -anv -p tcp` (the BSD parser reads its pid column), names from `ps`. */
export const MACOS_TOOLS: NetstatTools = {
  platform: 'darwin',
  table: { file: 'netstat', args: ['-anv', '-p', 'tcp'], parse: parseBsdNetstat },
  async names(pids, run, signal) {
    const names = new Map<number, string>();
    for (let i = 0; i < pids.length; i += PIDS_PER_PS) {
      const list = pids.slice(i, i + PIDS_PER_PS).join(',');
      // ps exits 1 when one of the pids is gone: what it printed for the others still counts.
      const text = await run('ps', ['-o', 'pid=', '-o', 'comm=', '-p', list], signal).catch((err: unknown) => {
        if (signal?.aborted) throw err;
        return '';
      });
      for (const [pid, name] of parsePsNames(text)) names.set(pid, name);
    }
    return names;
  },
};

/** Windows: `netstat -ano` (state and owning pid), names from one `tasklist` of every process. */
export const WINDOWS_TOOLS: NetstatTools = {
  platform: 'win32',
  table: { file: 'netstat', args: ['-ano'], parse: parseWindowsNetstat },
  async names(_pids, run, signal) {
    return parseTasklist(await run('tasklist', ['/fo', 'csv', '/nh'], signal));
  },
};

/**
 * This machine's table where there is no /proc: the platform's netstat per refresh (it lists
 * every socket; counts cost the same as a table), owners by pid from its own columns, names from
 * the platform's process list. Names are remembered while a pid keeps holding sockets, so a
 * refresh in which no process is new runs netstat alone.
 */
export class NetstatCollector implements Collector {
  readonly host: HostInfo;
  readonly capabilities: CollectorCapabilities = { ...TABLE_ONLY, processAttribution: true };
  private readonly ages = new ObservedAges();
  /** Names by pid; undefined: asked, and the process was gone. */
  private names = new Map<number, string | undefined>();

  constructor(
    private readonly tools: NetstatTools,
    private readonly run: RunTool = runTool,
  ) {
    this.host = { id: LOCAL_HOST_ID, label: hostname(), platform: tools.platform };
  }

  async counts(signal?: AbortSignal): Promise<CountsSample> {
    const { connections, warnings } = await this.table(signal);
    return { host: this.host, takenAt: new Date(), counts: countStates(connections), warnings };
  }

  async snapshot(signal?: AbortSignal, options: SnapshotOptions = {}): Promise<Snapshot> {
    const parsed = await this.table(signal);
    const takenAt = new Date();
    await this.ages.annotate(parsed.connections, takenAt);
    if (options.processes) await this.name(parsed.connections, parsed.warnings, signal);
    else dropOwners(parsed.connections);
    return { host: this.host, takenAt, connections: parsed.connections, warnings: parsed.warnings };
  }

  dispose(): void {
    // Nothing is held open between refreshes.
  }

  private async table(signal?: AbortSignal): Promise<NetstatParse> {
    const { file, args, parse } = this.tools.table;
    return parse(await this.run(file, args, signal));
  }

  /** Names the owners; a process list that cannot be read leaves them named by pid, with a warning. */
  private async name(connections: Connection[], warnings: string[], signal?: AbortSignal): Promise<void> {
    const pids = new Set<number>();
    for (const c of connections) if (c.pid !== undefined) pids.add(c.pid);
    const unknown = [...pids].filter((pid) => !this.names.has(pid));
    const kept = new Map<number, string | undefined>();
    for (const pid of pids) if (this.names.has(pid)) kept.set(pid, this.names.get(pid));
    if (unknown.length > 0) {
      try {
        const found = await this.tools.names(unknown, this.run, signal);
        for (const pid of unknown) kept.set(pid, found.get(pid));
      } catch (err) {
        if (signal?.aborted || !(err instanceof CollectorError)) throw err;
        warnings.push(`Process names not read: ${err.message}`);
      }
    }
    // Pids that hold no socket now are forgotten: if one comes back, it may be another process.
    this.names = kept;
    for (const c of connections) {
      const name = c.pid === undefined ? undefined : kept.get(c.pid);
      if (name !== undefined) c.process = name;
    }
  }
}
