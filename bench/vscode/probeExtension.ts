// A bench-only extension loaded beside the installed TCP Lens in the same extension host. Once a
// second it appends what the extension host is told (window focus and activity, the Connections
// view's visibility) and how many refreshes TCP Lens has made, so the CPU of each state can be
// read next to the signals the refresh loop sees. It does nothing else, to cost next to nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Session } from 'node:inspector';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../src/api';

/** One line of the probe's log. */
export interface ProbeLine {
  at: number;
  pid: number;
  focused: boolean;
  active: boolean;
  /** undefined until TCP Lens is active. */
  viewVisible?: boolean;
  /** Refreshes with processes (onDidSnapshot) and all refreshes (onDidSample) since the probe hooked in. */
  fullRefreshes: number;
  refreshes: number;
  /** Garbage collections of this extension host since the probe started: count and main-thread ms, by kind. */
  gc: Record<string, { count: number; ms: number }>;
  /** V8 heap in use now, MiB. */
  heapMiB: number;
}

/** The gc entry kinds by name (perf_hooks constants.NODE_PERFORMANCE_GC_*). */
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function activate(context: vscode.ExtensionContext): void {
  const log = process.env.TCP_LENS_PROBE_LOG;
  if (!log) return;
  let api: TcpLensApi | undefined;
  let fullRefreshes = 0;
  let refreshes = 0;
  const gc: ProbeLine['gc'] = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      const seen = (gc[kind] ??= { count: 0, ms: 0 });
      seen.count++;
      seen.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  context.subscriptions.push({ dispose: () => observer.disconnect() });
  const timer = setInterval(() => {
    const tcpLens = vscode.extensions.getExtension<TcpLensApi>('tcp-lens.tcp-lens');
    // Never activates TCP Lens itself: the view opened in the browser does.
    if (!api && tcpLens?.isActive) {
      api = tcpLens.exports;
      context.subscriptions.push(
        api.live.onDidSnapshot(() => fullRefreshes++),
        api.live.onDidSample(() => refreshes++),
      );
    }
    const { focused, active } = vscode.window.state;
    const line: ProbeLine = {
      at: Date.now(),
      pid: process.pid,
      focused,
      active,
      viewVisible: api?.treeView.visible,
      fullRefreshes,
      refreshes,
      gc,
      heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    };
    fs.appendFileSync(log, `${JSON.stringify(line)}\n`);
  }, 1000);
  context.subscriptions.push({ dispose: () => clearInterval(timer) });
  const profileDir = process.env.TCP_LENS_PROBE_PROFILE;
  if (profileDir) profileInChunks(context, profileDir);
}

const PROFILE_CHUNK_MS = 20_000;

/**
 * `TCP_LENS_PROBE_PROFILE=DIR`: V8's CPU profile of this extension host in 20 s chunks, written
 * as DIR/PID-START-END.cpuprofile (epoch ms), to be matched with the probe log's states. Costs
 * CPU itself: a profiling run finds where the time goes, its percentages are not the figures.
 */
function profileInChunks(context: vscode.ExtensionContext, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  const post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  let startedAt = Date.now();
  const start = async (): Promise<void> => {
    await post('Profiler.start');
    startedAt = Date.now();
  };
  void post('Profiler.enable').then(start);
  const timer = setInterval(() => {
    void (async () => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      fs.writeFileSync(path.join(dir, `${process.pid}-${startedAt}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
      await start();
    })();
  }, PROFILE_CHUNK_MS);
  context.subscriptions.push({ dispose: () => (clearInterval(timer), session.disconnect()) });
}
