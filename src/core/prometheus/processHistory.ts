import { emptyCounts } from '../model';
import type { PrometheusClient } from './client';
import { rangeGrid, type HistoryOptions, type HistoryPoint, type HistoryTarget } from './history';
import { METRICS, stateOfLabel } from './metricNames';

/** One process of an instance over a window, as the TCP Lens exporter exported it. */
export interface ProcessHistory {
  /** The `process` label: the name, or "other" for the processes past the exporter's --top. */
  process: string;
  /** The `pid` label; empty for "other". */
  pid: string;
  /** Steps at which the exporter listed the process, first to last. */
  points: HistoryPoint[];
  /** Largest within the window: what the breakdown sorts by. */
  peakStuck: number;
  peakCloseWait: number;
  peakSockets: number;
}

export interface ProcessHistoryResult {
  startSec: number;
  endSec: number;
  stepSec: number;
  processes: ProcessHistory[];
  /** Processes past `maxProcesses`, left out. */
  omitted: number;
}

export interface ProcessHistoryOptions extends HistoryOptions {
  /** Most processes returned (default 20), those with the most stuck, then CLOSE_WAIT, then sockets. */
  maxProcesses?: number;
}

const DEFAULT_MAX_PROCESSES = 20;

function byUrgency(a: ProcessHistory, b: ProcessHistory): number {
  return (
    b.peakStuck - a.peakStuck ||
    b.peakCloseWait - a.peakCloseWait ||
    b.peakSockets - a.peakSockets ||
    a.process.localeCompare(b.process) ||
    a.pid.localeCompare(b.pid)
  );
}

/**
 * The per-process series of one instance running TCP Lens's exporter (`tcplens_process_*`),
 * over the same grid as {@link readInstanceHistory}: per step the largest count of each state
 * and of stuck sockets. A step without a point means the exporter did not list the process then
 * (it had no sockets, was past --top, or the instance was not scraped). Two range queries.
 */
export async function readProcessHistory(
  client: PrometheusClient,
  target: HistoryTarget,
  window: { startSec: number; endSec: number },
  options: ProcessHistoryOptions = {},
  signal?: AbortSignal,
): Promise<ProcessHistoryResult> {
  const { stepSec, startSec, endSec, range, selector } = rangeGrid(target, window, options);
  if (target.source !== 'tcp-lens') return { startSec, endSec, stepSec, processes: [], omitted: 0 };
  const [states, stuck] = await Promise.all([
    client.queryRange(
      `max by (process, pid, state) (max_over_time(${METRICS.processConnections}${selector}[${range}]))`,
      startSec,
      endSec,
      stepSec,
      signal,
    ),
    client.queryRange(
      `max by (process, pid) (max_over_time(${METRICS.processCloseWaitStuck}${selector}[${range}]))`,
      startSec,
      endSec,
      stepSec,
      signal,
    ),
  ]);

  const processes = new Map<string, { history: ProcessHistory; byTime: Map<number, HistoryPoint> }>();
  const entry = (metric: Record<string, string>) => {
    const process = metric.process ?? '?';
    const pid = metric.pid ?? '';
    const key = `${process}\u0000${pid}`;
    let e = processes.get(key);
    if (!e) {
      e = { history: { process, pid, points: [], peakStuck: 0, peakCloseWait: 0, peakSockets: 0 }, byTime: new Map() };
      processes.set(key, e);
    }
    return e;
  };
  const at = (e: { byTime: Map<number, HistoryPoint> }, t: number): HistoryPoint => {
    let point = e.byTime.get(t);
    if (!point) {
      point = { t, counts: emptyCounts() };
      e.byTime.set(t, point);
    }
    return point;
  };
  for (const series of states) {
    const state = stateOfLabel(series.metric.state);
    if (!state) continue;
    const e = entry(series.metric);
    for (const p of series.points) at(e, p.t).counts[state] = Math.round(p.value);
  }
  for (const series of stuck) {
    const e = entry(series.metric);
    for (const p of series.points) at(e, p.t).stuck = Math.round(p.value);
  }
  const all = [...processes.values()].map(({ history, byTime }) => {
    history.points = [...byTime.values()].sort((a, b) => a.t - b.t);
    for (const p of history.points) {
      history.peakStuck = Math.max(history.peakStuck, p.stuck ?? 0);
      history.peakCloseWait = Math.max(history.peakCloseWait, p.counts.CLOSE_WAIT);
      history.peakSockets = Math.max(
        history.peakSockets,
        Object.values(p.counts).reduce((sum, n) => sum + n, 0),
      );
    }
    return history;
  });
  all.sort(byUrgency);
  const max = Math.max(1, options.maxProcesses ?? DEFAULT_MAX_PROCESSES);
  return { startSec, endSec, stepSec, processes: all.slice(0, max), omitted: Math.max(0, all.length - max) };
}
