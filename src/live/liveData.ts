import * as vscode from 'vscode';
import type { SnapshotDiff } from '../core/diff';
import type { Collector, FdUsage, Snapshot } from '../core/model';
import { CollectorError } from '../core/model';
import { nextTurn } from '../core/async';
import { Sampler, type FullSample, type Sample } from '../core/sampling/sampler';
import { alertSettings, onDidChangeSettings, setting } from '../config/config';
import { refreshDelayMs, refreshKind } from './cadence';
import { WindowAnswers } from './windowAnswers';

/** A full sample: the table with processes, its diff and the descriptor usage. */
export type SnapshotEvent = FullSample;

const NO_FD_USAGE: ReadonlyMap<number, FdUsage> = new Map();

function asCollectorError(err: unknown): CollectorError {
  return err instanceof CollectorError ? err : new CollectorError('unreadable', err instanceof Error ? err.message : String(err));
}

/**
 * Owns the current collector and the refresh loop. While the Connections view is visible it
 * takes full snapshots with processes; while hidden mostly per-state counts (one read of
 * /proc/net/tcp*, no process walk) for the status bar and the history, and every few refreshes
 * a snapshot so that leak alerts still see processes. Refreshes never
 * overlap; a manual one cancels the one in flight; a slow host stretches the interval.
 */
export class LiveData implements vscode.Disposable {
  private readonly snapshotEmitter = new vscode.EventEmitter<SnapshotEvent>();
  private readonly sampleEmitter = new vscode.EventEmitter<Sample>();
  private readonly errorEmitter = new vscode.EventEmitter<CollectorError | undefined>();
  private readonly stateEmitter = new vscode.EventEmitter<void>();
  private readonly hostEmitter = new vscode.EventEmitter<Collector>();
  /** Full snapshots (while the view is visible). */
  readonly onDidSnapshot = this.snapshotEmitter.event;
  /** Every refresh's counts and alerts, snapshots included. */
  readonly onDidSample = this.sampleEmitter.event;
  /** A failed refresh (undefined: the error cleared). */
  readonly onDidError = this.errorEmitter.event;
  /** Paused, resumed, or host switched. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** Another host was selected. */
  readonly onDidChangeHost = this.hostEmitter.event;

  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private running: Promise<void> | undefined;
  private readonly sampler: Sampler;
  private viewVisible = false;
  /** A browser that went away leaves the window "focused" for hours: only its silence tells. */
  private readonly window = new WindowAnswers(
    () => vscode.commands.executeCommand('setContext', 'tcpLens.windowAnswers', true),
    () => this.onWindowState(),
  );
  private disposed = false;
  private lastCostMs = 0;
  private quietTicks = 0;
  /** Since when no window has been focused or in use; undefined while one is. */
  private unattendedSince: number | undefined;
  private processesWanted = false;
  paused = false;
  lastSnapshot: Snapshot | undefined;
  lastFdUsage: ReadonlyMap<number, FdUsage> = NO_FD_USAGE;
  lastDiff: SnapshotDiff | undefined;
  /** Which full sample of the sampler `lastSnapshot` is (consecutive ones differ by 1). */
  lastSequence: number | undefined;
  lastSample: Sample | undefined;
  lastError: CollectorError | undefined;

  constructor(collector: Collector) {
    this.sampler = new Sampler(collector, alertSettings());
    this.disposables.push(this.snapshotEmitter, this.sampleEmitter, this.errorEmitter, this.stateEmitter, this.hostEmitter);
    onDidChangeSettings(
      (e) => {
        if (e.affects('tcpLens.refreshInterval')) this.schedule();
        if (e.affects('tcpLens.alerts')) this.sampler.updateSettings(alertSettings());
      },
      this,
      this.disposables,
    );
    vscode.window.onDidChangeWindowState(() => this.onWindowState(), this, this.disposables);
    this.schedule(0);
  }

  get collector(): Collector {
    return this.sampler.collector;
  }

  /** Switches host: the old collector is disposed and its snapshot is not diffed against the new one. */
  setCollector(collector: Collector): void {
    this.inFlight?.abort();
    this.sampler.collector.dispose();
    this.sampler.setCollector(collector);
    this.lastSnapshot = undefined;
    this.lastDiff = undefined;
    this.lastError = undefined;
    this.hostEmitter.fire(collector);
    this.stateEmitter.fire();
    void this.refreshNow();
  }

  setViewVisible(visible: boolean): void {
    const was = this.viewVisible;
    this.viewVisible = visible;
    if (!was && visible) void this.refreshNow();
  }

  /** The next refresh takes a snapshot with processes even while the view is hidden (for the lenses). */
  requestProcesses(): void {
    this.processesWanted = true;
  }

  pause(): void {
    this.paused = true;
    clearTimeout(this.timer);
    this.stateEmitter.fire();
  }

  resume(): void {
    this.paused = false;
    this.stateEmitter.fire();
    void this.refreshNow();
  }

  /** Refreshes at once (also while paused: the user asked), cancelling a refresh in flight. */
  async refreshNow(): Promise<void> {
    this.inFlight?.abort();
    await this.running?.catch(() => undefined);
    // Whoever asks is attending, whatever the window state says.
    await this.tick(true);
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.inFlight?.abort();
    this.sampler.collector.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private attended(): boolean {
    const state = vscode.window.state;
    return this.window.answering && (state.focused || state.active);
  }

  /** Someone came back to a window with the view open: show it current at once. */
  /** Keeps when attention was lost, for {@link refreshKind}'s "nobody for a while". */
  private noteAttention(attended: boolean): void {
    if (attended) this.unattendedSince = undefined;
    else this.unattendedSince ??= Date.now();
  }

  private onWindowState(): void {
    const attended = this.attended();
    const returned = attended && this.unattendedSince !== undefined;
    this.noteAttention(attended);
    if (returned && this.viewVisible && !this.paused) void this.refreshNow();
    else this.schedule();
  }

  private schedule(delayMs?: number): void {
    clearTimeout(this.timer);
    if (this.disposed || this.paused) return;
    const wait = delayMs ?? refreshDelayMs(setting('tcpLens.refreshInterval') * 1000, this.attended(), this.viewVisible, this.lastCostMs);
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  private async tick(asked = false): Promise<void> {
    if (this.disposed) return;
    clearTimeout(this.timer);
    const controller = new AbortController();
    this.inFlight = controller;
    const started = performance.now();
    this.window.check();
    const attended = asked || this.attended();
    this.noteAttention(attended);
    const looking = attended && this.viewVisible;
    // The first quiet refresh is a full one, so lenses and alerts have processes from the start.
    const kind = refreshKind({
      viewVisible: this.viewVisible,
      // A refresh someone asked for (the command, resume) gives the whole picture: processes,
      // ages and the alerts that follow from them, even with the view hidden.
      processesWanted: this.processesWanted || asked,
      watchHidden: setting('tcpLens.alerts.watchProcessesWhileHidden'),
      attended,
      unattendedForMs: this.unattendedSince === undefined ? 0 : Date.now() - this.unattendedSince,
      quietTick: looking ? 0 : this.quietTicks++,
    });
    const full = kind === 'full';
    if (full) this.processesWanted = false;
    const run = this.take(full ? 'full' : 'counts', controller.signal);
    this.running = run;
    try {
      await run;
      if (this.lastError) {
        this.lastError = undefined;
        this.errorEmitter.fire(undefined);
      }
    } catch (err) {
      const error = asCollectorError(err);
      if (error.kind !== 'cancelled') {
        this.lastError = error;
        this.errorEmitter.fire(error);
      }
    } finally {
      this.lastCostMs = performance.now() - started;
      if (this.inFlight === controller) {
        this.inFlight = undefined;
        this.running = undefined;
        this.schedule();
      }
    }
  }

  private async take(kind: 'full' | 'counts', signal: AbortSignal): Promise<void> {
    const sample = await this.sampler.take(kind, signal);
    if (!sample) return;
    if (sample.full) {
      const { snapshot, diff, fdUsage, sequence } = sample.full;
      this.lastSnapshot = snapshot;
      this.lastDiff = diff;
      this.lastSequence = sequence;
      this.lastFdUsage = fdUsage;
    }
    this.lastSample = sample;
    if (sample.full) {
      // The tree groups the whole table when it hears of a snapshot: on a turn of its own, not on
      // the end of the sampler's passes (together some 50 ms at 100,000 sockets).
      await nextTurn();
      if (this.disposed || this.lastSample !== sample) return;
      this.snapshotEmitter.fire(sample.full);
    }
    this.sampleEmitter.fire(sample);
  }
}
