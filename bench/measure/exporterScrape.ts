// The exporter's costs, measured inside the farm's namespace (bench/cases/prometheusExporter.ts
// starts it under `ip netns exec`): the real `tcp-lens exporter` process serving /metrics, the
// sample that feeds it (the same sampler and rendering, in-process), and `ss -tan` beside them.
// Prints one JSON line: an ExporterScrapeResult.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { renderExposition } from '../../src/cli/exporter';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { Sampler } from '../../src/core/sampling/sampler';
import { runMeasurer } from './measurerMain';
import { runTimed } from './processTiming';
import { summarize, type Timing } from './stats';

export interface ExporterScrapeRequest {
  runs: number;
  scrapes: number;
  cliPath: string;
  timeoutMs: number;
}

export interface ExporterScrapeResult {
  sockets: number;
  /** CPU of the exporter process per /metrics scrape, all its threads (schedstat, ns resolution). */
  scrapeCpuMs: Timing;
  scrapeBytes: number;
  /** One sample as the exporter takes it (snapshot + processes + ages + rendering), in-process CPU. */
  sampleCpuMs: Timing;
  sampleWallMs: Timing;
  /** Of the sample: the exporter's own part, metric families and both text formats (in-process CPU). */
  renderCpuMs: Timing;
  /** `ss -tan` in the same namespace: CPU per run (mean over the runs: 10 ms ticks) and wall time. */
  ssTanCpuMs: number;
  ssTanWallMs: Timing;
}

const request = JSON.parse(process.argv[2] ?? '{}') as ExporterScrapeRequest;
const OPTIONS = { topProcesses: 10, stuckAfterSeconds: DEFAULT_ALERT_SETTINGS.closeWaitStuckSeconds };

/** On-CPU time of every thread of `pid` so far, in ms (first field of each task's schedstat, ns). */
function processCpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns / 1e6;
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // A fresh connection per scrape: the exporter pays for accepting it too.
    const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent: false, headers: { Connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(request.timeoutMs, () => req.destroy(new Error('scrape timed out')));
  });
}

/** The real exporter with a sampling interval longer than the run: after its first sample, it only serves. */
async function startExporter(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [request.cliPath, 'exporter', '--listen', '127.0.0.1:0', '--interval', '3600'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`exporter did not start: ${log}`)), request.timeoutMs);
    child.stderr!.on('data', (d) => {
      log = (log + d).slice(-4000);
      const m = /serving http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`exporter exited with ${code}: ${log}`)));
  });
  // Its first sample of the farm: until then /metrics says tcplens_up 0.
  const deadline = Date.now() + request.timeoutMs;
  while (!/^tcplens_up 1$/m.test((await get(port)).body)) {
    if (Date.now() > deadline) throw new Error('the exporter never finished its first sample');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, port };
}

async function measureScrapes(): Promise<{ cpu: number[]; bytes: number }> {
  const { child, port } = await startExporter();
  try {
    const cpu: number[] = [];
    let bytes = 0;
    for (let i = 0; i <= request.scrapes; i++) {
      const before = processCpuMs(child.pid!);
      const { status, body } = await get(port);
      if (status !== 200) throw new Error(`/metrics answered ${status}`);
      // Let it finish closing the connection before reading its clock again.
      await new Promise((r) => setTimeout(r, 20));
      // The first scrape compiles the request path; it is not counted.
      if (i > 0) cpu.push(processCpuMs(child.pid!) - before);
      bytes = Buffer.byteLength(body);
    }
    return { cpu, bytes };
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

function cpuMsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function measureSamples(): Promise<{ cpu: number[]; wall: number[]; render: number[]; sockets: number }> {
  const sampler = new Sampler(new LocalCollector(), { ...DEFAULT_ALERT_SETTINGS, closeWaitStuckSeconds: OPTIONS.stuckAfterSeconds });
  const cpu: number[] = [];
  const wall: number[] = [];
  const render: number[] = [];
  let sockets = 0;
  // Round 0 fills the inode → process cache, as the exporter's first sample does.
  for (let i = 0; i <= request.runs; i++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const sample = await sampler.take('full');
    const renderBefore = process.cpuUsage();
    renderExposition(sample, { up: true, lastDurationSeconds: 0, errors: 0 }, OPTIONS);
    if (i > 0) {
      render.push(cpuMsSince(renderBefore));
      wall.push(performance.now() - started);
      cpu.push(cpuMsSince(cpuBefore));
    }
    sockets = sample?.full?.snapshot.connections.length ?? 0;
  }
  return { cpu, wall, render, sockets };
}

async function measureSsTan(): Promise<{ cpuPerRun: number; wall: number[] }> {
  const runs = Math.max(10, request.runs);
  let cpu = 0;
  const wall: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const run = await runTimed(['ss', '-tan'], request.timeoutMs);
    if (run.code !== 0) throw new Error(`ss -tan exited with ${run.code}`);
    if (i === 0) continue;
    cpu += run.cpuMs;
    wall.push(run.ms);
  }
  return { cpuPerRun: cpu / runs, wall };
}

async function main(): Promise<ExporterScrapeResult> {
  const ss = await measureSsTan();
  const scrapes = await measureScrapes();
  const samples = await measureSamples();
  return {
    sockets: samples.sockets,
    scrapeCpuMs: summarize(scrapes.cpu),
    scrapeBytes: scrapes.bytes,
    sampleCpuMs: summarize(samples.cpu),
    sampleWallMs: summarize(samples.wall),
    renderCpuMs: summarize(samples.render),
    ssTanCpuMs: ss.cpuPerRun,
    ssTanWallMs: summarize(ss.wall),
  };
}

runMeasurer(main);
