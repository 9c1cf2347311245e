// The extension-host measurer. bench/cases/extensionHost.ts starts it under `ip netns exec` in
// the farm's namespace, so code-server, its extension host and the browser all see the farm's
// table. It opens the workbench, puts TCP Lens in each state a user leaves it in, reads the
// extension host's CPU from /proc/PID/stat over each window, and prints one JSON line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { LocalCollector } from '../../src/core/linux/localCollector';
import type { StateCounts } from '../../src/core/model';
import { processOwnCpuMs } from '../../test/helpers/remoteCpu';
import { CONNECTIONS_ROWS, launchBrowser, openTcpLensSidebar, openWorkbench } from '../../test/e2e/browser';
import { freePort, installVsix, startCodeServer } from '../../test/e2e/codeServer';
import { runTimed } from '../measure/processTiming';
import { runMeasurer } from '../measure/measurerMain';
import { descendants, extensionHostPids, threadCpuMs } from './processTree';
import { readProbeLog } from './probe';
import type { ProbeLine } from './probeExtension';

export interface ExtensionHostRequest {
  vsix: string;
  /** The probe extension's folder (bench/vscode/probe.ts), loaded as a development extension. */
  probeDir: string;
  refreshIntervalSec: number;
  windowMs: number;
  /** Time for a state to take hold before its window starts. */
  settleMs: number;
  ssRuns: number;
}

/**
 * visible / hidden: the Connections view shown or another container shown; connectionLost: the
 * browser is gone without closing the page (killed, as by a crash, a laptop lid or a dropped
 * network: code-server keeps the extension host for its reconnection grace time); tabClosed: the
 * page closed as a user closes a tab.
 */
export type ExtensionHostStateId = 'visible' | 'hidden' | 'connectionLost' | 'tabClosed';

export interface StateFigure {
  state: ExtensionHostStateId;
  pid: number;
  /** Extension host's utime + stime over the window, as % of one core. */
  cpuPercent: number;
  windowMs: number;
  /** Set when the extension host exited during the settle time or the window. */
  exitedAfterMs?: number;
  /** TCP Lens refreshes in the window (all / with processes), from the probe. */
  refreshes: number;
  fullRefreshes: number;
  /** What the extension host was told during the window (every value seen). */
  focused: boolean[];
  active: boolean[];
  viewVisible: (boolean | null)[];
  /** The window's CPU of the main thread and of the other threads, in ms. */
  threads: Record<string, number>;
}

export interface ExtensionHostResult {
  states: StateFigure[];
  /** process.pid as the probe saw it in each host: the same processes, or the pid finder is wrong. */
  probePids: number[];
  /** CPU of one `ss -tan` on the same table (mean over ssRuns runs). */
  ssTanCpuMs: number;
  countsBefore: StateCounts;
  countsAfter: StateCounts;
  /** code-server's own log lines about the clients' connections (graceful close, reconnection wait). */
  serverLog: string[];
}

const request = JSON.parse(process.argv[2] ?? '{}') as ExtensionHostRequest;
const log = (text: string): void => void process.stderr.write(`[exthost] ${text}\n`);

/** Folders made for this run (user data, extensions, probe log, workspace); removed at the end. */
const made: string[] = [];
function throwaway(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tcp-lens-bench-exthost-${tag}-`));
  made.push(dir);
  return dir;
}

/** The extension host a new window started: one under code-server that is not among `known`. */
async function waitForNewExtensionHost(root: number, known: readonly number[]): Promise<number> {
  for (let i = 0; i < 120; i++) {
    const fresh = extensionHostPids(root).filter((pid) => !known.includes(pid));
    if (fresh.length === 1) return fresh[0];
    if (fresh.length > 1) throw new Error(`more than one new extension host under code-server: ${fresh.join(', ')}`);
    await sleep(500);
  }
  throw new Error('no new extension host under code-server after 60 s');
}

/** Opens TCP Lens in the sidebar and expands the CLOSE_WAIT group, as the measurement had it. */
async function showConnectionsWithCloseWaitExpanded(page: Page): Promise<void> {
  await openTcpLensSidebar(page);
  const group = page.locator(CONNECTIONS_ROWS, { hasText: 'CLOSE_WAIT' }).first();
  await group.waitFor({ timeout: 120_000 });
  if ((await group.getAttribute('aria-expanded')) === 'false') await group.click();
  await page.locator(`${CONNECTIONS_ROWS}[aria-level="2"]`).first().waitFor({ timeout: 60_000 });
}

/**
 * Kills every browser process (main, renderers, network service) as a crash would: no page is
 * closed, no unload runs, and the workbench's sockets close at once.
 */
function killBrowser(): void {
  const pids = descendants(process.pid, (argv) => /chrom/.test(path.basename(argv[0] ?? '')));
  if (pids.length === 0) throw new Error('no browser process under this process');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone with its parent
    }
  }
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function cpuMsOrUndefined(pid: number): number | undefined {
  try {
    return processOwnCpuMs(pid);
  } catch {
    return undefined; // exited
  }
}

/** Called right after the change: settles, then reads the extension host's CPU once a second over the window (it may exit meanwhile). */
async function measureState(state: ExtensionHostStateId, pid: number, probeLog: string): Promise<StateFigure> {
  const since = performance.now();
  let exitedAfterMs: number | undefined;
  for (const settleEnd = performance.now() + request.settleMs; exitedAfterMs === undefined && performance.now() < settleEnd;) {
    await sleep(250);
    if (!fs.existsSync(`/proc/${pid}`)) exitedAfterMs = performance.now() - since;
  }
  const lineCount = readProbeLog(probeLog, pid).length;
  const began = performance.now();
  const beganAt = Date.now();
  const cpuBefore = exitedAfterMs === undefined ? cpuMsOrUndefined(pid) : undefined;
  const threadsBefore = threadCpuMs(pid);
  let threadsLast = threadsBefore;
  let cpuLast = cpuBefore;
  if (cpuBefore === undefined) exitedAfterMs ??= performance.now() - since;
  while (exitedAfterMs === undefined && performance.now() - began < request.windowMs) {
    await sleep(Math.min(1000, request.windowMs - (performance.now() - began)));
    const cpu = cpuMsOrUndefined(pid);
    if (cpu === undefined) exitedAfterMs = performance.now() - since;
    else {
      cpuLast = cpu;
      threadsLast = threadCpuMs(pid);
    }
  }
  if (exitedAfterMs !== undefined) await sleep(Math.max(0, request.windowMs - (performance.now() - began)));
  const windowMs = performance.now() - began;
  const inWindow: ProbeLine[] = readProbeLog(probeLog, pid).slice(Math.max(0, lineCount - 1));
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  const figure: StateFigure = {
    state,
    pid,
    cpuPercent: (((cpuLast ?? 0) - (cpuBefore ?? 0)) / windowMs) * 100,
    windowMs,
    exitedAfterMs,
    refreshes: first && last ? last.refreshes - first.refreshes : 0,
    fullRefreshes: first && last ? last.fullRefreshes - first.fullRefreshes : 0,
    focused: distinct(inWindow.map((l) => l.focused)),
    active: distinct(inWindow.map((l) => l.active)),
    viewVisible: distinct(inWindow.map((l) => l.viewVisible ?? null)),
    threads: Object.fromEntries([...threadsLast].map(([kind, ms]) => [kind, ms - (threadsBefore.get(kind) ?? 0)])),
  };
  const gc = first?.gc && last?.gc ? gcDuring(first.gc, last.gc) : 'unknown';
  const exit = exitedAfterMs === undefined ? '' : `, extension host exited ${(exitedAfterMs / 1000).toFixed(1)} s after the change`;
  log(
    `${state} (pid ${pid}): ${figure.cpuPercent.toFixed(2)} % of a core, ${figure.refreshes} refreshes (${figure.fullRefreshes} full), focused ${figure.focused}, active ${figure.active}, view visible ${figure.viewVisible}${exit}; GC ${gc}, heap ${last?.heapMiB ?? '?'} MiB; window ${beganAt}-${Date.now()} (epoch ms)`,
  );
  return figure;
}

/** The extension host's collections between two probe lines, by kind: count and main-thread ms. */
function gcDuring(from: ProbeLine['gc'], to: ProbeLine['gc']): string {
  const kinds = Object.keys(to).filter((k) => to[k]!.count > (from[k]?.count ?? 0));
  if (kinds.length === 0) return 'none';
  return kinds.map((k) => `${k} ${to[k]!.count - (from[k]?.count ?? 0)} (${(to[k]!.ms - (from[k]?.ms ?? 0)).toFixed(0)} ms)`).join(', ');
}

/** Mean CPU of one `ss -tan` over `runs` runs (each is 10 ms ticks; the mean is finer). */
async function ssTanCpuMs(runs: number): Promise<number> {
  let total = 0;
  for (let i = 0; i <= runs; i++) {
    const run = await runTimed(['ss', '-tan'], 60_000);
    if (run.code !== 0) throw new Error(`ss -tan exited with ${run.code}`);
    if (i > 0) total += run.cpuMs; // the first warms the caches
  }
  return total / runs;
}

const CONNECTION_LOG = /ManagementConnection|ExtensionHostConnection/;

async function main(): Promise<ExtensionHostResult> {
  const countsBefore = (await new LocalCollector().counts()).counts;
  const extensionsDir = throwaway('ext');
  installVsix(request.vsix, extensionsDir);
  const probeLog = path.join(throwaway('probe'), 'probe.jsonl');
  const folder = throwaway('workspace');
  const port = await freePort();
  const server = await startCodeServer({
    port,
    userDataDir: throwaway('user'),
    extensionsDir,
    folder,
    settings: {
      'tcpLens.refreshInterval': request.refreshIntervalSec,
      // VS Code's own port finder reads and parses /proc/net/tcp* in this same extension host (in
      // a remote window, with or without TCP Lens), spacing its scans 20× their cost: 7 % of the
      // host's main-thread samples with the view visible, 28 % hidden, at 50,000 sockets, and
      // much of the GC. The rows measure TCP Lens, so it is off. code-server registers a tunnel
      // provider, which keeps the finder running whatever autoForwardPorts says; only the
      // "output" source (terminal output) stops it.
      'remote.autoForwardPorts': false,
      'remote.autoForwardPortsSource': 'output',
    },
    env: { TCP_LENS_PROBE_LOG: probeLog },
  });
  const root = server.process.pid!;
  const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${request.probeDir}`]];
  const url = `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  let browser = await launchBrowser();
  try {
    const states: StateFigure[] = [];
    let page = await openWorkbench(browser, url);
    const first = await waitForNewExtensionHost(root, []);
    await showConnectionsWithCloseWaitExpanded(page);
    states.push(await measureState('visible', first, probeLog));

    // Another view container in the sidebar: the Connections view is hidden, the window stays open.
    await page.locator('.activitybar [aria-label^="Explorer"]').first().click({ timeout: 30_000 });
    states.push(await measureState('hidden', first, probeLog));

    // Gone while the view was visible, as in the issue: the browser dies, code-server stays.
    await showConnectionsWithCloseWaitExpanded(page);
    await sleep(request.settleMs);
    killBrowser();
    states.push(await measureState('connectionLost', first, probeLog));

    // A new window (a new extension host), closed as a user closes its tab.
    browser = await launchBrowser();
    page = await openWorkbench(browser, url);
    const second = await waitForNewExtensionHost(root, [first]);
    await showConnectionsWithCloseWaitExpanded(page);
    await sleep(request.settleMs);
    await page.close();
    states.push(await measureState('tabClosed', second, probeLog));

    const probePids = distinct(readProbeLog(probeLog).map((l) => l.pid));
    await browser.close();
    await server.stop();
    const serverLog = server
      .output()
      .split('\n')
      .filter((l) => CONNECTION_LOG.test(l));
    const ssTan = await ssTanCpuMs(request.ssRuns);
    const countsAfter = (await new LocalCollector().counts()).counts;
    return { states, probePids, ssTanCpuMs: ssTan, countsBefore, countsAfter, serverLog };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  }
}

runMeasurer(main, 14 * 60_000);
