import type { FdUsage } from '../linux/processLimits';
import type { Connection, StateCounts, TcpStateName } from '../model';
import { TCP_STATE_NAMES } from '../model';
import type { Alert, AlertSettings, CloseWaitGrowthAlert, FdLimitAlert, ThresholdAlert } from './types';

const GROWTH_WINDOW_MS = 60_000;
const TREND_WINDOW_MS = 5 * 60_000;
const MAX_TREND_SAMPLES = 12;

interface Point {
  t: number;
  count: number;
}

/** Count change per minute across the points of the last minute (0 with under 5 s of data). */
function perMinute(points: readonly Point[]): number {
  if (points.length < 2) return 0;
  const first = points[0];
  const last = points[points.length - 1];
  const minutes = (last.t - first.t) / 60_000;
  return minutes < 5 / 60 ? 0 : (last.count - first.count) / minutes;
}

function trimBefore(points: Point[], t: number): void {
  while (points.length > 0 && points[0].t < t) points.shift();
}

interface ProcessTrend {
  points: Point[];
  /** Count when the current episode was reported; undefined when none is active. */
  episodeStart?: number;
  fdEpisode: boolean;
}

/**
 * Turns samples into alerts, one per episode: a threshold crossing, a process whose CLOSE_WAIT
 * count keeps rising (a trend across samples, not one noisy sample), or a process near its
 * descriptor limit. An episode ends when the condition clears (with some hysteresis).
 */
export class AlertDetector {
  private readonly stateHistory = new Map<TcpStateName, Point[]>();
  private readonly activeThresholds = new Set<TcpStateName>();
  private readonly processes = new Map<number, ProcessTrend>();

  constructor(private settings: AlertSettings) {}

  updateSettings(settings: AlertSettings): void {
    this.settings = settings;
  }

  /** States whose threshold is crossed right now (for coloring the status bar). */
  crossedStates(): ReadonlySet<TcpStateName> {
    return this.activeThresholds;
  }

  /** Forgets all history, e.g. when the user switches to another host. */
  reset(): void {
    this.stateHistory.clear();
    this.activeThresholds.clear();
    this.processes.clear();
  }

  /** Threshold alerts from per-state counts; cheap enough for every sample. */
  onCounts(counts: StateCounts, at: Date): ThresholdAlert[] {
    const alerts: ThresholdAlert[] = [];
    const t = at.getTime();
    for (const state of TCP_STATE_NAMES) {
      const history = this.stateHistory.get(state) ?? [];
      history.push({ t, count: counts[state] });
      trimBefore(history, t - GROWTH_WINDOW_MS);
      this.stateHistory.set(state, history);
      const limit = this.settings.thresholds[state];
      if (!limit) continue;
      const growth = perMinute(history);
      const count = counts[state];
      const overCount = limit.count !== undefined && count >= limit.count;
      const overGrowth = limit.growthPerMinute !== undefined && growth >= limit.growthPerMinute;
      if (overCount || overGrowth) {
        if (this.activeThresholds.has(state)) continue;
        this.activeThresholds.add(state);
        const crossed = overCount ? 'count' : 'growth';
        const limitValue = (overCount ? limit.count : limit.growthPerMinute) as number;
        const what = overCount ? `${count} sockets (threshold ${limitValue})` : `growing ${Math.round(growth)}/min (threshold ${limitValue}/min)`;
        alerts.push({ kind: 'threshold', at, state, count, growthPerMinute: growth, crossed, limit: limitValue, message: `${state}: ${what}.` });
      } else if (this.activeThresholds.has(state)) {
        const belowCount = limit.count === undefined || count < limit.count * 0.9;
        const belowGrowth = limit.growthPerMinute === undefined || growth < limit.growthPerMinute * 0.9;
        if (belowCount && belowGrowth) this.activeThresholds.delete(state);
      }
    }
    return alerts;
  }

  /**
   * Per-process alerts from a snapshot with process attribution. `fdUsage` holds what could be
   * read of the processes' descriptors (local hosts only).
   */
  onSnapshot(connections: readonly Connection[], at: Date, fdUsage: ReadonlyMap<number, FdUsage> = new Map()): Alert[] {
    const t = at.getTime();
    const perProcess = new Map<number, { count: number; process: string; commandLine: string; ports: Set<number> }>();
    for (const c of connections) {
      if (c.pid === undefined) continue;
      let p = perProcess.get(c.pid);
      if (!p) {
        p = { count: 0, process: c.process ?? '?', commandLine: c.commandLine ?? '', ports: new Set() };
        perProcess.set(c.pid, p);
      }
      if (c.state === 'CLOSE_WAIT') {
        p.count++;
        p.ports.add(c.localPort);
      }
    }
    const alerts: Alert[] = [];
    for (const pid of this.processes.keys()) if (!perProcess.has(pid)) this.processes.delete(pid);
    for (const [pid, p] of perProcess) {
      const trend = this.processes.get(pid) ?? { points: [], fdEpisode: false };
      this.processes.set(pid, trend);
      trend.points.push({ t, count: p.count });
      trimBefore(trend.points, t - TREND_WINDOW_MS);
      if (trend.points.length > MAX_TREND_SAMPLES) trend.points.shift();
      const growth = this.closeWaitGrowth(pid, p, trend, at);
      if (growth) alerts.push(growth);
      const fd = this.fdLimit(pid, p, trend, fdUsage.get(pid), at);
      if (fd) alerts.push(fd);
    }
    return alerts;
  }

  private closeWaitGrowth(
    pid: number,
    p: { count: number; process: string; commandLine: string; ports: Set<number> },
    trend: ProcessTrend,
    at: Date,
  ): CloseWaitGrowthAlert | undefined {
    const { points } = trend;
    if (trend.episodeStart !== undefined) {
      // The episode ends when the process closed at least half of what it had leaked.
      const peak = Math.max(...points.map((x) => x.count));
      if (p.count === 0 || p.count <= trend.episodeStart / 2 || p.count <= peak / 2) trend.episodeStart = undefined;
      return undefined;
    }
    if (points.length < this.settings.closeWaitMinSamples) return undefined;
    let rises = 0;
    let falls = 0;
    for (let i = 1; i < points.length; i++) {
      if (points[i].count > points[i - 1].count) rises++;
      else if (points[i].count < points[i - 1].count) falls++;
    }
    const low = Math.min(...points.map((x) => x.count));
    const rising = p.count - low >= this.settings.closeWaitMinRise && rises >= 2 && falls * 3 <= rises;
    if (!rising) return undefined;
    trend.episodeStart = p.count;
    const growthPerMinute = perMinute(points.filter((x) => x.t >= at.getTime() - GROWTH_WINDOW_MS));
    const ports = [...p.ports].sort((a, b) => a - b);
    return {
      kind: 'close-wait-growth',
      at,
      state: 'CLOSE_WAIT',
      pid,
      process: p.process,
      commandLine: p.commandLine,
      count: p.count,
      growthPerMinute,
      localPorts: ports,
      message: `${p.process} (pid ${pid}) keeps leaking sockets: ${p.count} in CLOSE_WAIT and rising${ports.length ? ` on :${ports.join(', :')}` : ''}. The peer closed; the code never calls close().`,
    };
  }

  private fdLimit(
    pid: number,
    p: { count: number; process: string; commandLine: string },
    trend: ProcessTrend,
    usage: FdUsage | undefined,
    at: Date,
  ): FdLimitAlert | undefined {
    if (!usage?.softLimit) return undefined;
    const ratio = usage.open / usage.softLimit;
    if (trend.fdEpisode) {
      if (ratio < this.settings.fdLimitRatio - 0.1) trend.fdEpisode = false;
      return undefined;
    }
    if (ratio < this.settings.fdLimitRatio) return undefined;
    trend.fdEpisode = true;
    return {
      kind: 'fd-limit',
      at,
      pid,
      process: p.process,
      commandLine: p.commandLine,
      openFds: usage.open,
      fdLimit: usage.softLimit,
      count: p.count,
      state: 'CLOSE_WAIT',
      message: `${p.process} (pid ${pid}) uses ${usage.open} of ${usage.softLimit} file descriptors: "Too many open files" soon${p.count ? ` (${p.count} held by CLOSE_WAIT sockets)` : ''}.`,
    };
  }
}
