import type { StateCounts } from '../model';
import { emptyCounts } from '../model';
import type { PrometheusClient, RangeSeries } from './client';
import type { FleetSource } from './fleet';
import { METRICS, stateOfLabel } from './metricNames';
import { promqlString } from './promql';

/** Which host's history: as `readFleet` lists it. */
export interface HistoryTarget {
  instance: string;
  job: string;
  source: FleetSource;
}

export interface HistoryOptions {
  /** Most points per series (default 1,000): what a chart can draw without thinning. */
  maxPoints?: number;
  /** How often Prometheus scrapes the host (default 15 s): no step is finer than this. */
  scrapeIntervalSec?: number;
}

export interface HistoryPoint {
  /** Unix seconds, on the step grid. */
  t: number;
  /** The largest count of each state within the step ending at `t`. */
  counts: StateCounts;
  /** Stuck CLOSE_WAIT sockets (TCP Lens exporter only), largest within the step. */
  stuck?: number;
}

/** Grid times at which the instance reported nothing, first to last (both on the grid). */
export interface HistoryGap {
  fromSec: number;
  toSec: number;
}

export interface InstanceHistory {
  startSec: number;
  endSec: number;
  stepSec: number;
  points: HistoryPoint[];
  gaps: HistoryGap[];
  /** Whether the stuck CLOSE_WAIT series exists (only TCP Lens's exporter writes it). */
  hasStuck: boolean;
}

const DEFAULT_MAX_POINTS = 1000;
const DEFAULT_SCRAPE_SEC = 15;
/** Steps are whole multiples of one of these, the coarsest that still leaves enough points. */
const BASES = [15, 60, 300, 3600] as const;

/**
 * The query step for a window: at most `maxPoints` per series, at least the scrape interval,
 * rounded up to a whole multiple of 15 s, 1 min, 5 min or 1 h (the largest base not above the
 * raw step) so the grid falls on round times.
 */
export function fitStep(windowSec: number, options: HistoryOptions = {}): number {
  const maxPoints = Math.max(1, options.maxPoints ?? DEFAULT_MAX_POINTS);
  const scrape = Math.max(1, options.scrapeIntervalSec ?? DEFAULT_SCRAPE_SEC);
  const raw = Math.max(scrape, Math.ceil(Math.max(0, windowSec) / maxPoints));
  const base = [...BASES].reverse().find((b) => b <= raw);
  // Below the smallest base (a scrape every few seconds) whole seconds are round enough.
  return base === undefined ? Math.ceil(raw) : Math.ceil(raw / base) * base;
}

/** Grid times with no point, as ranges of consecutive missing steps. */
export function findGaps(startSec: number, endSec: number, stepSec: number, present: ReadonlySet<number>): HistoryGap[] {
  const gaps: HistoryGap[] = [];
  let open: HistoryGap | undefined;
  for (let t = startSec; t <= endSec; t += stepSec) {
    if (present.has(t)) {
      open = undefined;
    } else if (open) {
      open.toSec = t;
    } else {
      open = { fromSec: t, toSec: t };
      gaps.push(open);
    }
  }
  return gaps;
}

/**
 * How often Prometheus scrapes the instance: the median spacing of its `up` samples over the
 * last 10 minutes, in whole seconds; undefined with fewer than two samples (then the reader's
 * 15 s default applies). Lets a short window of a fast-scraped host get a step as fine as its data.
 */
export async function readScrapeInterval(
  client: PrometheusClient,
  target: Pick<HistoryTarget, 'instance' | 'job'>,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const selector = `{instance=${promqlString(target.instance)},job=${promqlString(target.job)}}`;
  const series = await client.querySamples(`up${selector}[10m]`, signal);
  const times = series.flatMap((s) => s.points.map((p) => p.t)).sort((a, b) => a - b);
  const deltas = times
    .slice(1)
    .map((t, i) => t - times[i])
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  if (deltas.length === 0) return undefined;
  return Math.max(1, Math.round(deltas[deltas.length >> 1]));
}

/** The query grid of a window, and what every range query of one instance shares. */
export interface RangeGrid {
  stepSec: number;
  startSec: number;
  endSec: number;
  /** The range each step looks back over, as PromQL (`30s`). */
  range: string;
  /** `{instance="…",job="…"}`. */
  selector: string;
}

export function rangeGrid(
  target: Pick<HistoryTarget, 'instance' | 'job'>,
  window: { startSec: number; endSec: number },
  options: HistoryOptions = {},
): RangeGrid {
  const stepSec = fitStep(window.endSec - window.startSec, options);
  // On the step grid, so the same window asked twice gives the same points.
  const startSec = Math.floor(window.startSec / stepSec) * stepSec;
  const endSec = Math.floor(window.endSec / stepSec) * stepSec;
  // A range at least two scrapes wide: a step as fine as the scrapes still finds one.
  const range = `${Math.max(stepSec, 2 * (options.scrapeIntervalSec ?? DEFAULT_SCRAPE_SEC))}s`;
  const selector = `{instance=${promqlString(target.instance)},job=${promqlString(target.job)}}`;
  return { stepSec, startSec, endSec, range, selector };
}

/**
 * One instance's state counts over [startSec, endSec] from Prometheus (`query_range`), the step
 * fitted to the window. Each point is the largest count within its step (a short CLOSE_WAIT
 * spike survives a coarse step), and a step in which the instance reported nothing is a gap,
 * never an interpolated point. Two range queries, whatever the window.
 */
export async function readInstanceHistory(
  client: PrometheusClient,
  target: HistoryTarget,
  window: { startSec: number; endSec: number },
  options: HistoryOptions = {},
  signal?: AbortSignal,
): Promise<InstanceHistory> {
  const { stepSec, startSec, endSec, range, selector } = rangeGrid(target, window, options);
  const metric = target.source === 'tcp-lens' ? METRICS.connections : METRICS.nodeExporterStates;
  const statesQuery = `max by (state) (max_over_time(${metric}${selector}[${range}]))`;
  const stuckQuery = `max(max_over_time(${METRICS.closeWaitStuck}${selector}[${range}]))`;
  const [states, stuck] = await Promise.all([
    client.queryRange(statesQuery, startSec, endSec, stepSec, signal),
    target.source === 'tcp-lens' ? client.queryRange(stuckQuery, startSec, endSec, stepSec, signal) : Promise.resolve<RangeSeries[]>([]),
  ]);

  const byTime = new Map<number, HistoryPoint>();
  const at = (t: number): HistoryPoint => {
    let point = byTime.get(t);
    if (!point) {
      point = { t, counts: emptyCounts() };
      byTime.set(t, point);
    }
    return point;
  };
  for (const series of states) {
    const state = stateOfLabel(series.metric.state);
    if (!state) continue;
    for (const p of series.points) at(p.t).counts[state] = Math.round(p.value);
  }
  const hasStuck = stuck.some((s) => s.points.length > 0);
  for (const series of stuck) for (const p of series.points) at(p.t).stuck = Math.round(p.value);
  const points = [...byTime.values()].sort((a, b) => a.t - b.t);
  return { startSec, endSec, stepSec, points, gaps: findGaps(startSec, endSec, stepSec, new Set(byTime.keys())), hasStuck };
}
