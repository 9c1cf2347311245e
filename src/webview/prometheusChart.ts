import { TCP_STATE_NAMES } from '../core/model';
import { PrometheusError, type PrometheusClient } from '../core/prometheus/client';
import type { FleetInstance } from '../core/prometheus/fleet';
import { readInstanceHistory, readScrapeInterval, type HistoryGap as GridGap, type HistoryPoint } from '../core/prometheus/history';
import { readProcessHistory, type ProcessHistory } from '../core/prometheus/processHistory';
import {
  PROMETHEUS_ALL_MS,
  type ChartSource,
  type HistoryGap,
  type HistoryMessage,
  type ProcessBreakdown,
  type SeriesBlock,
  type WindowMs,
} from '../shared/chartProtocol';

/** A Fleet instance the chart shows, and how to reach the Prometheus that has its history. */
export interface FleetHistorySource {
  instance: FleetInstance;
  /** A client for the configured server, with the credentials as they are now. */
  client(): Promise<PrometheusClient>;
}

/** The chart's host id for an instance: never equal to a live host's, so their histories never mix. */
export function prometheusHostId(instance: Pick<FleetInstance, 'instance' | 'job'>): string {
  return `prometheus:${instance.job}:${instance.instance}`;
}

function seriesOf(points: readonly HistoryPoint[], times: readonly number[] = points.map((p) => p.t)): SeriesBlock {
  const at = new Map(points.map((p) => [p.t, p]));
  return { t: times.map((t) => t * 1000), values: TCP_STATE_NAMES.map((s) => times.map((t) => at.get(t)?.counts[s] ?? 0)) };
}

function clock(d: Date): string {
  return d.toLocaleString('en-GB', { hour12: false });
}

/**
 * Grid gaps as chart outages: each band runs from just after the last point before it to just
 * before the next one, so the hole is drawn as wide as it is. A stale instance's trailing gap
 * stays open (it runs to now) and says since when. The stretch before the first point is where
 * its history begins, not an outage: the chart starts at that point instead, as it does for a
 * live host with a short history.
 */
function chartGaps(
  gaps: readonly GridGap[],
  stepSec: number,
  startSec: number,
  endSec: number,
  instance: FleetInstance,
  hasPoints: boolean,
): HistoryGap[] {
  return gaps
    .filter((g) => !(hasPoints && g.fromSec === startSec))
    .map((g) => {
      const from = Math.max(startSec * 1000, (g.fromSec - stepSec) * 1000 + 1);
      const trailing = g.toSec >= endSec;
      if (trailing && instance.stale) {
        const since = instance.staleSince ? ` since ${clock(instance.staleSince)}` : '';
        return { from, message: `${instance.instance} stopped reporting (stale${since}): its scrapes fail` };
      }
      const to = trailing ? endSec * 1000 : Math.min(endSec * 1000, (g.toSec + stepSec) * 1000 - 1);
      return { from, to, message: 'no samples of this instance in Prometheus' };
    });
}

function breakdownOf(p: ProcessHistory, times: readonly number[]): ProcessBreakdown {
  // At steps where the exporter did not list the process it had no sockets worth listing: 0.
  return {
    label: p.pid ? `${p.process} (${p.pid})` : p.process,
    series: seriesOf(p.points, times),
    peakStuck: p.peakStuck,
    peakCloseWait: p.peakCloseWait,
  };
}

/**
 * One window of a Fleet instance's history as the chart's history message: the per-state counts
 * (and per process where it runs TCP Lens's exporter) read with `query_range` at a step fitted to
 * the window. A failure comes back as the message's error and one open outage saying it.
 */
export async function readPrometheusChart(
  source: FleetHistorySource,
  windowMs: WindowMs,
  nowMs: number,
  signal?: AbortSignal,
): Promise<HistoryMessage> {
  const { instance } = source;
  const spanMs = windowMs ?? PROMETHEUS_ALL_MS;
  const window = { startSec: Math.floor((nowMs - spanMs) / 1000), endSec: Math.floor(nowMs / 1000) };
  const target = { instance: instance.instance, job: instance.job, source: instance.source };
  const base = {
    type: 'history' as const,
    hostId: prometheusHostId(instance),
    label: instance.instance,
    windowMs,
    retentionMs: spanMs,
    markers: [],
  };
  let server = '';
  try {
    const client = await source.client();
    server = client.base.origin;
    const options = { scrapeIntervalSec: await readScrapeInterval(client, target, signal) };
    const [history, processes] = await Promise.all([
      readInstanceHistory(client, target, window, options, signal),
      readProcessHistory(client, target, window, options, signal),
    ]);
    const times = history.points.map((p) => p.t);
    const chartSource: ChartSource = {
      kind: 'prometheus',
      instance: instance.instance,
      job: instance.job,
      server,
      from: history.startSec * 1000,
      to: history.endSec * 1000,
      stepSec: history.stepSec,
      processes: processes.processes.map((p) => breakdownOf(p, times)),
    };
    return {
      ...base,
      series: seriesOf(history.points),
      gaps: chartGaps(history.gaps, history.stepSec, history.startSec, history.endSec, instance, history.points.length > 0),
      source: chartSource,
    };
  } catch (err) {
    if (!(err instanceof PrometheusError)) throw err;
    const error = err.message.split('\n')[0];
    const from = window.startSec * 1000;
    return {
      ...base,
      series: { t: [], values: TCP_STATE_NAMES.map(() => []) },
      gaps: [{ from, message: error }],
      source: {
        kind: 'prometheus',
        instance: instance.instance,
        job: instance.job,
        server,
        from,
        to: window.endSec * 1000,
        stepSec: 0,
        processes: [],
        error,
      },
    };
  }
}
