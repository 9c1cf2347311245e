import { formatDuration } from '../ageText';
import { displayText } from '../displayText';
import type { Connection, FdUsage, StateCounts, TcpStateName } from '../model';
import { TCP_STATE_NAMES } from '../model';
import { summarizeProcesses, type ProcessSummary } from '../processSummary';
import { countStuck } from '../stuck';
import type { Alert, AlertSettings, CloseWaitStuckAlert, FdLimitAlert, ThresholdAlert } from './types';

const GROWTH_WINDOW_MS = 60_000;
/** A leak episode ends when the process has had no stuck socket for this long. */
export const STUCK_EPISODE_QUIET_MS = 5 * 60_000;

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

interface ProcessEpisodes {
  /** Tells a reused pid from the process the episode belongs to. */
  commandLine: string;
  /** When the current leak episode last saw a stuck socket; undefined when none is active. */
  lastStuckAt?: number;
  fdEpisode: boolean;
}

/**
 * Turns samples into alerts, one per episode: a state over its threshold, a process holding
 * CLOSE_WAIT sockets longer than `closeWaitStuckSeconds` (the leak verdict), or a process near its
 * descriptor limit. CLOSE_WAIT is judged on stuck sockets only, so a process that churns many
 * short-lived CLOSE_WAIT sockets (a browser's idle pool) never raises anything.
 */
export class AlertDetector {
  private readonly stateHistory = new Map<TcpStateName, Point[]>();
  private readonly activeThresholds = new Set<TcpStateName>();
  private readonly processes = new Map<number, ProcessEpisodes>();

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

  /**
   * Threshold alerts from per-state counts; cheap enough for every sample. CLOSE_WAIT is left to
   * {@link onSnapshot}: a count cannot tell stuck sockets from ones about to close.
   */
  onCounts(counts: StateCounts, at: Date): ThresholdAlert[] {
    const alerts: ThresholdAlert[] = [];
    for (const state of TCP_STATE_NAMES) {
      if (state === 'CLOSE_WAIT') continue;
      const alert = this.judgeThreshold(state, counts[state], at);
      if (alert) alerts.push(alert);
    }
    return alerts;
  }

  /**
   * Per-process alerts from a snapshot with process attribution, and the CLOSE_WAIT threshold
   * on the number of stuck sockets. `fdUsage` holds what could be read of the processes'
   * descriptors (local hosts only).
   */
  onSnapshot(
    connections: readonly Connection[],
    at: Date,
    fdUsage: ReadonlyMap<number, FdUsage> = new Map(),
    perProcess: ReadonlyMap<number, ProcessSummary> = summarizeProcesses(connections, this.settings.closeWaitStuckSeconds),
  ): Alert[] {
    const t = at.getTime();
    const stuckTotal = countStuck(connections, this.settings.closeWaitStuckSeconds);
    const alerts: Alert[] = [];
    const threshold = this.judgeThreshold('CLOSE_WAIT', stuckTotal, at);
    if (threshold) alerts.push(threshold);
    // A process with no socket left has exited (or closed everything): its episodes are over.
    for (const pid of this.processes.keys()) if (!perProcess.has(pid)) this.processes.delete(pid);
    for (const [pid, p] of perProcess) {
      let episodes = this.processes.get(pid);
      if (!episodes || episodes.commandLine !== p.commandLine) {
        episodes = { commandLine: p.commandLine, fdEpisode: false };
        this.processes.set(pid, episodes);
      }
      const stuck = this.stuckAlert(pid, p, episodes, t, at);
      if (stuck) alerts.push(stuck);
      const fd = this.fdLimit(pid, p, episodes, fdUsage.get(pid), at);
      if (fd) alerts.push(fd);
    }
    return alerts;
  }

  private judgeThreshold(state: TcpStateName, count: number, at: Date): ThresholdAlert | undefined {
    const t = at.getTime();
    const history = this.stateHistory.get(state) ?? [];
    history.push({ t, count });
    trimBefore(history, t - GROWTH_WINDOW_MS);
    this.stateHistory.set(state, history);
    const limit = this.settings.thresholds[state];
    if (!limit) return undefined;
    // Stuck CLOSE_WAIT sockets that arrived together pass the threshold together: a step from
    // zero is not a trend, so growth counts only once some were stuck a minute ago.
    const growth = state === 'CLOSE_WAIT' && history[0].count === 0 ? 0 : perMinute(history);
    const overCount = limit.count !== undefined && count >= limit.count;
    const overGrowth = limit.growthPerMinute !== undefined && growth >= limit.growthPerMinute;
    if (!overCount && !overGrowth) {
      if (this.activeThresholds.has(state)) {
        const belowCount = limit.count === undefined || count < limit.count * 0.9;
        const belowGrowth = limit.growthPerMinute === undefined || growth < limit.growthPerMinute * 0.9;
        if (belowCount && belowGrowth) this.activeThresholds.delete(state);
      }
      return undefined;
    }
    if (this.activeThresholds.has(state)) return undefined;
    this.activeThresholds.add(state);
    const crossed = overCount ? 'count' : 'growth';
    const limitValue = (overCount ? limit.count : limit.growthPerMinute) as number;
    const what = state === 'CLOSE_WAIT' ? `sockets stuck for over ${formatDuration(this.settings.closeWaitStuckSeconds)}` : 'sockets';
    const text = overCount
      ? `${count} ${what} (threshold ${limitValue})`
      : `${what}: growing ${Math.round(growth)}/min (threshold ${limitValue}/min)`;
    return { kind: 'threshold', at, state, count, growthPerMinute: growth, crossed, limit: limitValue, message: `${state}: ${text}.` };
  }

  /** Once per episode: the process holds CLOSE_WAIT sockets older than the stuck threshold. */
  private stuckAlert(pid: number, p: ProcessSummary, episodes: ProcessEpisodes, t: number, at: Date): CloseWaitStuckAlert | undefined {
    if (p.stuck === 0) {
      if (episodes.lastStuckAt !== undefined && t - episodes.lastStuckAt >= STUCK_EPISODE_QUIET_MS) episodes.lastStuckAt = undefined;
      return undefined;
    }
    const ongoing = episodes.lastStuckAt !== undefined;
    episodes.lastStuckAt = t;
    if (ongoing) return undefined;
    const ports = [...p.stuckPorts].sort((a, b) => a - b);
    const oldest = p.oldestCloseWaitSeconds ?? 0;
    const age = `${p.oldestIsLowerBound ? 'at least' : 'up to'} ${formatDuration(oldest)}`;
    const sockets = p.stuck === 1 ? '1 socket' : `${p.stuck} sockets`;
    return {
      kind: 'close-wait-stuck',
      at,
      state: 'CLOSE_WAIT',
      pid,
      process: p.process,
      commandLine: p.commandLine,
      stuck: p.stuck,
      oldestSeconds: Math.round(oldest),
      localPorts: ports,
      message: `${displayText(p.process)} (pid ${pid}) leaks sockets: ${sockets} stuck in CLOSE_WAIT for ${age}${ports.length ? ` on :${ports.join(', :')}` : ''}. The peer closed; the code never calls close().`,
    };
  }

  private fdLimit(
    pid: number,
    p: ProcessSummary,
    episodes: ProcessEpisodes,
    usage: FdUsage | undefined,
    at: Date,
  ): FdLimitAlert | undefined {
    if (!usage?.softLimit) return undefined;
    const ratio = usage.open / usage.softLimit;
    if (episodes.fdEpisode) {
      if (ratio < this.settings.fdLimitRatio - 0.1) episodes.fdEpisode = false;
      return undefined;
    }
    if (ratio < this.settings.fdLimitRatio) return undefined;
    episodes.fdEpisode = true;
    return {
      kind: 'fd-limit',
      at,
      pid,
      process: p.process,
      commandLine: p.commandLine,
      openFds: usage.open,
      fdLimit: usage.softLimit,
      count: p.closeWait,
      state: 'CLOSE_WAIT',
      message: `${displayText(p.process)} (pid ${pid}) uses ${usage.open} of ${usage.softLimit} file descriptors: "Too many open files" soon${p.closeWait ? ` (${p.closeWait} held by CLOSE_WAIT sockets)` : ''}.`,
    };
  }
}
