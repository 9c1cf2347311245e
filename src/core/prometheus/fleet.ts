import type { StateCounts } from '../model';
import { emptyCounts } from '../model';
import type { InstantSample, PrometheusClient } from './client';
import { PrometheusError } from './client';
import { METRICS, stateOfLabel } from './metricNames';
import { escapeRegex, promqlString } from './promql';

export type FleetSource = 'tcp-lens' | 'node_exporter';
export type Trend = 'up' | 'down' | 'flat';

/** How the CLI table and the Fleet view draw a trend. */
export const TREND_ARROWS: Record<Trend, string> = { up: '↑', down: '↓', flat: '→' };

/** One scraped host as the Fleet view and `tcp-lens fleet` show it. */
export interface FleetInstance {
  instance: string;
  job: string;
  /** Which exporter it runs: TCP Lens's (processes, stuck sockets) or node_exporter's tcpstat. */
  source: FleetSource;
  /** Per state now; empty while stale. */
  counts: StateCounts;
  /** Sockets stuck in CLOSE_WAIT (TCP Lens exporter only). */
  stuck?: number;
  /** CLOSE_WAIT (stuck where known) against TREND_WINDOW ago. */
  trend: Trend;
  /** Set when its scrapes fail: the last time it was up, when known. */
  staleSince?: Date;
  stale: boolean;
}

export const TREND_WINDOW = '10m';
/** How far back a host that stopped reporting is still listed. */
const STALE_LOOKBACK = '1h';

const byInstance = (m: Record<string, string>) => `${m.instance ?? ''}\u0000${m.job ?? ''}`;

function instanceOf(map: Map<string, FleetInstance>, metric: Record<string, string>, source: FleetSource): FleetInstance {
  const key = byInstance(metric);
  let entry = map.get(key);
  if (!entry) {
    entry = { instance: metric.instance ?? '?', job: metric.job ?? '?', source, counts: emptyCounts(), trend: 'flat', stale: false };
    map.set(key, entry);
  }
  // A host running both exporters is shown with TCP Lens's richer figures.
  if (source === 'tcp-lens') entry.source = source;
  return entry;
}

function trendOf(now: number, before: number | undefined): Trend {
  if (before === undefined) return 'flat';
  const margin = Math.max(1, before * 0.1);
  return now > before + margin ? 'up' : now < before - margin ? 'down' : 'flat';
}

/** Orders hosts by what needs a look first: stuck CLOSE_WAIT, then CLOSE_WAIT, then TIME_WAIT. */
export function compareFleet(a: FleetInstance, b: FleetInstance): number {
  return (
    Number(a.stale) - Number(b.stale) ||
    (b.stuck ?? 0) - (a.stuck ?? 0) ||
    b.counts.CLOSE_WAIT - a.counts.CLOSE_WAIT ||
    b.counts.TIME_WAIT - a.counts.TIME_WAIT ||
    a.instance.localeCompare(b.instance)
  );
}

/**
 * Every instance that exports TCP state counts (TCP Lens's exporter or node_exporter with
 * `--collector.tcpstat`), with its counts, stuck sockets and trend, and those whose scrapes
 * stopped within the last hour. Seven instant queries, whatever the number of hosts.
 */
export async function readFleet(client: PrometheusClient, signal?: AbortSignal, atSec?: number): Promise<FleetInstance[]> {
  const sumNow = (metric: string) => `sum by (instance, job, state) (${metric})`;
  const ours = `sum by (instance, job) (${METRICS.closeWaitStuck})`;
  const closeWaitThen = `sum by (instance, job) (${METRICS.connections}{state="close_wait"} offset ${TREND_WINDOW} or ${METRICS.nodeExporterStates}{state="close_wait"} offset ${TREND_WINDOW})`;
  const stuckThen = `sum by (instance, job) (${METRICS.closeWaitStuck} offset ${TREND_WINDOW})`;
  // Scrapes failing now, and this metric exported within the lookback.
  const down = (metric: string) =>
    `(up == 0) and on (instance, job) group by (instance, job) (last_over_time(${metric}[${STALE_LOOKBACK}]))`;
  const [tl, ne, stuck, cwThen, stuckBefore, staleOurs, staleNode] = await Promise.all(
    [
      sumNow(METRICS.connections),
      sumNow(METRICS.nodeExporterStates),
      ours,
      closeWaitThen,
      stuckThen,
      down(METRICS.connections),
      down(METRICS.nodeExporterStates),
    ].map((q) => client.query(q, signal, atSec)),
  );

  const fleet = new Map<string, FleetInstance>();
  const addCounts = (samples: InstantSample[], source: FleetSource) => {
    for (const s of samples) {
      const state = stateOfLabel(s.metric.state);
      const entry = instanceOf(fleet, s.metric, source);
      // Both exporters on one host count the same table: keep one, TCP Lens's.
      if (state && (source === entry.source || entry.counts[state] === 0)) entry.counts[state] = Math.round(s.value);
    }
  };
  addCounts(tl, 'tcp-lens');
  addCounts(ne, 'node_exporter');
  for (const s of stuck) instanceOf(fleet, s.metric, 'tcp-lens').stuck = Math.round(s.value);
  const before = (samples: InstantSample[]) => new Map(samples.map((s) => [byInstance(s.metric), s.value]));
  const cwBefore = before(cwThen);
  const stuckBeforeBy = before(stuckBefore);
  for (const [key, entry] of fleet) {
    entry.trend =
      entry.stuck !== undefined && stuckBeforeBy.has(key)
        ? trendOf(entry.stuck, stuckBeforeBy.get(key))
        : trendOf(entry.counts.CLOSE_WAIT, cwBefore.get(key));
  }
  const markStale = (samples: InstantSample[], source: FleetSource) => {
    for (const s of samples) instanceOf(fleet, s.metric, source).stale = true;
  };
  markStale(staleOurs, 'tcp-lens');
  markStale(staleNode, 'node_exporter');
  await dateStale(
    client,
    [...fleet.values()].filter((f) => f.stale),
    signal,
    atSec,
  );
  return [...fleet.values()].sort(compareFleet);
}

/** Most hosts whose last good scrape is looked up; past that they are listed as stale without a date. */
const MAX_DATED_STALE = 200;

/**
 * When each stale host was last up: the raw `up` samples of the lookback (an instant query of a
 * range selector keeps each sample's own timestamp, which a subquery's steps would miss).
 */
async function dateStale(client: PrometheusClient, stale: FleetInstance[], signal?: AbortSignal, atSec?: number): Promise<void> {
  const dated = stale.slice(0, MAX_DATED_STALE);
  if (dated.length === 0) return;
  const alternatives = [...new Set(dated.map((f) => escapeRegex(f.instance)))].join('|');
  const series = await client.querySamples(`up{instance=~${promqlString(alternatives)}}[${STALE_LOOKBACK}]`, signal, atSec);
  const byKey = new Map(dated.map((f) => [byInstance({ instance: f.instance, job: f.job }), f]));
  for (const s of series) {
    const entry = byKey.get(byInstance(s.metric));
    const lastUp = s.points.filter((p) => p.value === 1).pop();
    if (entry && lastUp) entry.staleSince = new Date(lastUp.t * 1000);
  }
}

/** Says in words that Prometheus has no TCP metrics, with the scrape config that would add them. */
export function noTcpMetricsError(where: string): PrometheusError {
  return new PrometheusError(
    'query',
    `Prometheus at ${where} has no TCP state metrics. Run "tcp-lens exporter" on each host (or node_exporter with --collector.tcpstat) and add it to prometheus.yml:\n` +
      `  scrape_configs:\n    - job_name: tcp-lens\n      static_configs:\n        - targets: ['HOST:9465']`,
  );
}
