import { downsampleMinMax } from './downsample';
import { HostHistory } from './hostHistory';
import type { HistoryFiles } from './persistence';
import { BYTES_PER_SAMPLE, STATE_COUNT } from './sampleRing';
import type { HistoryGap, HistoryMarker, SeriesBlock } from './types';

export interface HistoryLimits {
  retentionMs: number;
  /** Ring capacity per host; the oldest samples go first when it is full, even within retention. */
  maxSamplesPerHost: number;
  /** Hosts held in memory at once; others are saved and dropped, least recently used first. */
  maxHosts: number;
  maxMarkersPerHost: number;
}

export const HOUR_MS = 3_600_000;

/**
 * The memory bound: 172,800 samples (24 h at the fastest refresh, 0.5 s; 96 h at the default
 * 2 s) × 52 bytes × 2 hosts = 17.97 MB of typed arrays, under the 20 MB budget.
 */
export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  retentionMs: 24 * HOUR_MS,
  maxSamplesPerHost: 172_800,
  maxHosts: 2,
  maxMarkersPerHost: 500,
};

export interface HistoryWindow {
  hostId: string;
  label: string;
  from: number;
  to: number;
  series: SeriesBlock;
  markers: HistoryMarker[];
  /** Outages overlapping the window, the one in progress included. */
  gaps: HistoryGap[];
}

/**
 * The state history of every host seen: a bounded ring per host, trimmed to the retention,
 * restored from and saved to {@link HistoryFiles} when given.
 */
export class HistoryStore {
  private readonly hosts = new Map<string, HostHistory>();
  /** Problems restoring saved files (damage skipped, files set aside), for the caller to log. */
  readonly loadErrors: string[] = [];
  /** Why the last save of each host failed, while it has not succeeded since; for the caller to show. */
  readonly saveErrors = new Map<string, string>();

  constructor(
    private limits: HistoryLimits = DEFAULT_HISTORY_LIMITS,
    private readonly files?: HistoryFiles,
  ) {}

  /** Upper bound of the typed arrays of all hosts in memory. */
  get maxBytes(): number {
    return this.limits.maxHosts * this.limits.maxSamplesPerHost * BYTES_PER_SAMPLE;
  }

  get retentionMs(): number {
    return this.limits.retentionMs;
  }

  setRetention(retentionMs: number): void {
    this.limits = { ...this.limits, retentionMs };
    for (const h of this.hosts.values()) if (h.ring.length > 0) h.dropBefore(h.ring.timeAt(h.ring.length - 1) - retentionMs);
  }

  /** The host's history, restored from its file the first time it is asked for. */
  host(hostId: string, label = hostId): HostHistory {
    let history = this.hosts.get(hostId);
    if (history) {
      this.hosts.delete(hostId); // re-inserted below: Map order is the LRU order
    } else {
      history = this.restore(hostId) ?? new HostHistory(hostId, label, this.limits.maxSamplesPerHost, this.limits.maxMarkersPerHost);
      this.evictFor(1);
    }
    this.hosts.set(hostId, history);
    return history;
  }

  /** Records one sample; `row` holds the counts in TCP_STATE_NAMES order. */
  add(hostId: string, label: string, t: number, row: ArrayLike<number>): void {
    const history = this.host(hostId, label);
    history.label = label;
    history.push(t, row);
    history.dropBefore(t - this.limits.retentionMs);
  }

  addMarker(hostId: string, marker: HistoryMarker): void {
    this.host(hostId).addMarker(marker);
  }

  /** The host could not be read at `t`: its samples stop here until the next one (the chart breaks its lines). */
  startGap(hostId: string, t: number, message: string): HistoryGap {
    const history = this.host(hostId);
    history.startGap(t, message);
    return history.openGap ?? { from: t, message };
  }

  /** Ends an outage without a sample (another host was selected, so nothing will come). */
  endGap(hostId: string, t: number): void {
    this.hosts.get(hostId)?.endGap(t);
  }

  /** Samples in `[from, to]` (to defaults to the newest), downsampled to about `2 * maxBuckets` rows. */
  window(hostId: string, from: number, maxBuckets: number, to = Number.POSITIVE_INFINITY): HistoryWindow {
    const history = this.host(hostId);
    const newest = history.ring.length > 0 ? history.ring.timeAt(history.ring.length - 1) : from;
    const end = Math.min(to, newest);
    return {
      hostId,
      label: history.label,
      from,
      to: end,
      series: downsampleMinMax(history.ring, from, end, maxBuckets),
      markers: history.markersIn(from, end),
      gaps: history.gapsIn(from, to),
    };
  }

  /** CSV of the chosen states between `from` and `to`, every sample at full resolution. */
  csv(hostId: string, stateColumns: readonly number[], stateNames: readonly string[], from: number, to: number): string {
    const { ring } = this.host(hostId);
    const lines = [['time', ...stateNames].join(',')];
    const columns = stateColumns.filter((s) => s >= 0 && s < STATE_COUNT);
    for (let i = ring.indexAtOrAfter(from); i < ring.length && ring.timeAt(i) <= to; i++) {
      lines.push([new Date(ring.timeAt(i)).toISOString(), ...columns.map((s) => ring.countAt(i, s))].join(','));
    }
    return `${lines.join('\r\n')}\r\n`;
  }

  /**
   * Saves every changed host. A host whose save fails stays changed (the next flush retries it)
   * and does not keep the others from being saved; the flush then rejects with what failed.
   */
  async flush(): Promise<void> {
    if (!this.files) return;
    const files = this.files;
    await this.saveEach([...this.hosts.values()], (h) => files.save(h));
  }

  flushSync(): void {
    if (!this.files) return;
    const files = this.files;
    const failures: string[] = [];
    for (const h of this.hosts.values()) {
      if (!h.dirty) continue;
      try {
        files.saveSync(h);
        this.saveErrors.delete(h.hostId);
      } catch (err) {
        failures.push(this.noteSaveError(h, err));
      }
    }
    if (failures.length > 0) throw new Error(failures.join('\n'));
  }

  private async saveEach(hosts: HostHistory[], save: (h: HostHistory) => Promise<void>): Promise<void> {
    const failures: string[] = [];
    for (const h of hosts) {
      if (!h.dirty) continue;
      try {
        await save(h);
        this.saveErrors.delete(h.hostId);
      } catch (err) {
        failures.push(this.noteSaveError(h, err));
      }
    }
    if (failures.length > 0) throw new Error(failures.join('\n'));
  }

  private noteSaveError(h: HostHistory, err: unknown): string {
    const message = err instanceof Error ? err.message : String(err);
    this.saveErrors.set(h.hostId, message);
    return message;
  }

  private restore(hostId: string): HostHistory | undefined {
    if (!this.files) return undefined;
    try {
      const history = this.files.load(hostId, (problem) => this.loadErrors.push(problem));
      if (history && history.ring.length > 0) history.dropBefore(Date.now() - this.limits.retentionMs);
      return history;
    } catch (err) {
      this.loadErrors.push(`${this.files.pathOf(hostId)}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  /**
   * Drops the least recently used hosts, saved first. A host whose save fails stays in memory
   * (over the bound, for as long as its file cannot be written) rather than losing its samples.
   */
  private evictFor(incoming: number): void {
    let over = this.hosts.size + incoming - this.limits.maxHosts;
    for (const [id, h] of this.hosts) {
      if (over <= 0) break;
      if (h.dirty && this.files) {
        try {
          this.files.saveSync(h);
          this.saveErrors.delete(id);
        } catch (err) {
          this.noteSaveError(h, err);
          continue;
        }
      }
      this.hosts.delete(id);
      over--;
    }
  }
}
