import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RangeSeries } from '../../src/core/prometheus/client';
import type { HistoryPoint } from '../../src/core/prometheus/history';

export const PROMETHEUS = '/usr/bin/prometheus';
export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

export function hasPrometheus(): boolean {
  return existsSync(PROMETHEUS) && existsSync(NODE_EXPORTER);
}

export interface ScrapeJob {
  job: string;
  targets: string[];
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Waits until `url` answers 200 (bounded). */
async function waitReady(url: string, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms: ${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Debian's Prometheus on a loopback port with a throwaway config and data directory, scraping
 * `jobs` every `intervalSec`. stop() ends it and deletes the directory.
 */
export async function startPrometheus(
  jobs: ScrapeJob[],
  intervalSec = 1,
  extraArgs: string[] = [],
): Promise<RunningPrometheus & { dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-prom-'));
  const config = [
    'global:',
    `  scrape_interval: ${intervalSec}s`,
    `  scrape_timeout: ${intervalSec}s`,
    'scrape_configs:',
    ...jobs.flatMap((j) => [
      `  - job_name: ${j.job}`,
      '    static_configs:',
      `      - targets: [${j.targets.map((t) => `'${t}'`).join(', ')}]`,
    ]),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const running = await runPrometheus(dir, path.join(dir, 'data'), extraArgs);
  return {
    ...running,
    dir,
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Prometheus on an existing data directory (a backfilled TSDB), scraping nothing; stop() keeps the data. */
export async function startPrometheusOn(dataDir: string, extraArgs: string[] = []): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-prom-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), 'scrape_configs: []\n');
  const running = await runPrometheus(dir, dataDir, extraArgs);
  return {
    url: running.url,
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function runPrometheus(dir: string, dataDir: string, extraArgs: string[]): Promise<RunningPrometheus> {
  const port = await freePort();
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  try {
    // A large backfilled TSDB takes a while to open.
    await waitReady(`${url}/-/ready`, 120_000, () => log);
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { url, stop };
}

/** node_exporter with only the tcpstat collector, under `prefix` (e.g. `ip netns exec NS`). */
export async function startNodeExporter(prefix: string[], listen: string): Promise<{ stop(): Promise<void> }> {
  const argv = [...prefix, NODE_EXPORTER, '--collector.disable-defaults', '--collector.tcpstat', `--web.listen-address=${listen}`];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log = (log + d).slice(-20_000)));
  await waitReady(`http://${listen}/metrics`, 15_000, () => log).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  return { stop: () => stopChild(child) };
}

/**
 * `tcp-lens exporter` from the built CLI under `prefix`, listening on `listen`; resolves once it
 * says it serves. stop() sends SIGTERM, as systemd does.
 */
export async function startTcpLensExporter(
  cli: string,
  prefix: string[],
  listen: string,
  args: string[] = [],
): Promise<{ stop(): Promise<void> }> {
  const argv = [...prefix, process.execPath, cli, 'exporter', '--listen', listen, '--interval', '1', ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`exporter did not start: ${log}`)), 15_000);
    child.stderr!.on('data', (d) => {
      log = (log + d).slice(-20_000);
      if (log.includes('serving http://')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exporter exited with ${code}: ${log}`));
    });
  }).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  return { stop: () => stopChild(child) };
}

/**
 * Each history point holds, state by state, the largest raw sample Prometheus stored within
 * the `rangeSec` before it (0 where none): what `max_over_time` at that step must give.
 */
export function assertLargestStored(points: readonly HistoryPoint[], raw: readonly RangeSeries[], rangeSec: number): void {
  for (const point of points) {
    for (const series of raw) {
      const within = series.points.filter((p) => p.t > point.t - rangeSec && p.t <= point.t).map((p) => p.value);
      const state = series.metric.state.toUpperCase() as keyof typeof point.counts;
      assert.equal(point.counts[state], within.length ? Math.max(...within) : 0, `${state} at ${point.t}: ${JSON.stringify(within)}`);
    }
  }
}
