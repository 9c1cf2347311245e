import { nextTurn } from '../async';
import { AlertDetector } from '../alerts/detector';
import type { Alert, AlertSettings } from '../alerts/types';
import { NO_DIFF, reconcileRows, type SnapshotDiff } from '../diff';
import { readFdUsageOf, type FdUsage } from '../linux/processLimits';
import type { Collector, HostInfo, Snapshot, StateCounts, TableChanges, TcpStateName } from '../model';
import { countStates } from '../model';
import { summarizeProcesses, type ProcessSummary } from '../processSummary';
import { TimeWaitAttributor } from '../timeWaitOwners';

/** What one sample shows: counts always; with a full sample, the table with processes. */
export interface Sample {
  host: HostInfo;
  takenAt: Date;
  counts: StateCounts;
  warnings: string[];
  /** Alerts raised by this sample (one per episode). */
  alerts: Alert[];
  /** States over their threshold after this sample (the status bar's color). */
  crossed: ReadonlySet<TcpStateName>;
  /** Full samples only. */
  full?: FullSample;
  /** What the sample cost, in ms of wall time. */
  costMs: number;
}

export interface FullSample {
  snapshot: Snapshot;
  /** Against the previous full sample of the same host. */
  diff: SnapshotDiff;
  /** Open descriptors against the soft limit of each process holding sockets (collectors with `descriptorUsage`). */
  fdUsage: ReadonlyMap<number, FdUsage>;
  /** Counts full samples: consecutive ones differ by one (the diff is against the one before). */
  sequence: number;
  /** The sockets of each process (the alerts', the lenses' and the exporter's one count per process). */
  processes: ReadonlyMap<number, ProcessSummary>;
  /** The stuck threshold `processes` was counted with. */
  stuckAfterSeconds: number;
}

const NO_FD_USAGE: ReadonlyMap<number, FdUsage> = new Map();

/**
 * The sampling pipeline, once, for every driver (the editor's LiveData, `tcp-lens watch`, the
 * exporter): snapshot or counts → TIME_WAIT causes → descriptor usage → diff → counts → alerts.
 * Drivers decide when to sample and whether a sample is full; the sampler keeps what one sample
 * needs from the last (the previous table, the alert episodes) and forgets it on a host switch.
 */
export class Sampler {
  private detector: AlertDetector;
  private timeWait = new TimeWaitAttributor();
  private previous: Snapshot | undefined;
  private sequence = 0;

  constructor(
    private collectorValue: Collector,
    private settings: AlertSettings,
  ) {
    this.detector = new AlertDetector(settings);
  }

  get collector(): Collector {
    return this.collectorValue;
  }

  /** Samples another host from now on; nothing of the old one carries over. The caller disposes the old collector. */
  setCollector(collector: Collector): void {
    this.collectorValue = collector;
    this.previous = undefined;
    this.timeWait = new TimeWaitAttributor();
    this.detector.reset();
  }

  updateSettings(settings: AlertSettings): void {
    this.settings = settings;
    this.detector.updateSettings(settings);
  }

  /**
   * What changed since the previous full sample: the collector's own account when it keeps row
   * objects and counted from that sample, else found by matching rows (which also makes each
   * row one object across samples).
   */
  private changesSincePrevious(snapshot: Snapshot): TableChanges {
    const previous = this.previous;
    if (previous === undefined) return { added: snapshot.connections, removed: [] };
    if (snapshot.changes && snapshot.changes.since !== undefined && snapshot.changes.since === previous.takenAt) return snapshot.changes;
    return reconcileRows(previous.connections, snapshot.connections);
  }

  /** One sample; undefined when `signal` aborted it. Rejects with the collector's error. */
  async take(kind: 'full' | 'counts', signal?: AbortSignal): Promise<Sample | undefined> {
    const started = performance.now();
    const collector = this.collectorValue;
    if (kind === 'counts') {
      const sample = await collector.counts(signal);
      if (signal?.aborted || collector !== this.collectorValue) return undefined;
      const alerts = this.detector.onCounts(sample.counts, sample.takenAt);
      return { ...sample, alerts, crossed: this.detector.crossedStates(), costMs: performance.now() - started };
    }
    const snapshot = await collector.snapshot(signal, { processes: true });
    if (signal?.aborted || collector !== this.collectorValue) return undefined;
    // The passes over the whole table below start on a turn of their own, not on the end of the snapshot's.
    await nextTurn();
    if (signal?.aborted || collector !== this.collectorValue) return undefined;
    const changes = this.changesSincePrevious(snapshot);
    const first = this.previous === undefined;
    this.timeWait.annotate(first ? snapshot.connections : changes.added, changes.removed, snapshot.connections, snapshot.takenAt.getTime());
    await nextTurn();
    if (signal?.aborted || collector !== this.collectorValue) return undefined;
    const processes = summarizeProcesses(snapshot.connections, this.settings.closeWaitStuckSeconds);
    // The alerts go through the whole table again: at 100,000 sockets, together with the summary
    // above they held the loop for some 20 ms.
    await nextTurn();
    if (signal?.aborted || collector !== this.collectorValue) return undefined;
    const fdUsage = collector.capabilities.descriptorUsage ? await readFdUsageOf(processes.keys()) : NO_FD_USAGE;
    if (signal?.aborted || collector !== this.collectorValue) return undefined;
    // The first snapshot marks nothing as new.
    const diff: SnapshotDiff = first ? NO_DIFF : { added: new Set(changes.added), removed: changes.removed };
    this.previous = snapshot;
    const counts = snapshot.counts ?? countStates(snapshot.connections);
    const alerts = [
      ...this.detector.onCounts(counts, snapshot.takenAt),
      ...this.detector.onSnapshot(snapshot.connections, snapshot.takenAt, fdUsage, processes),
    ];
    return {
      host: snapshot.host,
      takenAt: snapshot.takenAt,
      counts,
      warnings: snapshot.warnings,
      alerts,
      crossed: this.detector.crossedStates(),
      full: { snapshot, diff, fdUsage, sequence: ++this.sequence, processes, stuckAfterSeconds: this.settings.closeWaitStuckSeconds },
      costMs: performance.now() - started,
    };
  }
}
