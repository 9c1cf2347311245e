import type * as vscode from 'vscode';
import type { HistoryStore } from '../core/history/historyStore';
import type { HistoryGap, HistoryMarker } from '../core/history/types';
import { TCP_STATE_NAMES } from '../core/model';
import type { HostToUiMessage, RenderedMessage, UiToHostMessage, WindowMs } from '../shared/chartProtocol';
import { fitForUi, isUiToHostMessage } from '../shared/chartProtocol';
import { readPrometheusChart, type FleetHistorySource } from './prometheusChart';

export interface ChartClientHost {
  readonly store: HistoryStore;
  currentHost(): { id: string; label: string };
  exportCsv(message: Extract<UiToHostMessage, { type: 'exportCsv' }>): Promise<void>;
  exportPng(message: Extract<UiToHostMessage, { type: 'exportPng' }>): Promise<void>;
  rendered(client: ChartClient, message: RenderedMessage): void;
  /** The Fleet instance whose history from Prometheus is shown instead of the live host's. */
  fleetSource(): FleetHistorySource | undefined;
  showLive(): void;
}

/** How often a chart showing a Prometheus instance reads it again (on the live host's sample clock). */
const PROMETHEUS_REFRESH_MS = 15_000;

/**
 * One open chart (the sidebar view or an editor panel). Its page is destroyed while hidden
 * (no retainContextWhenHidden), so samples arriving then are not posted; they stay in the ring,
 * and the page's `ready` after it is shown again asks for everything since its last sample.
 */
export class ChartClient {
  private ready = false;
  private windowMs: WindowMs = 3_600_000;
  private maxBuckets = 600;
  private hostId: string | undefined;
  /** Time of the newest sample the page has. */
  private sentUpTo: number | undefined;
  /** The Prometheus read in flight; a newer one (another window, instance or source) cancels it. */
  private remoteRead: AbortController | undefined;
  private remoteReadAt = 0;

  constructor(
    /** Where the chart is shown. */
    readonly kind: 'view' | 'panel',
    private readonly webview: Pick<vscode.Webview, 'postMessage'>,
    private readonly host: ChartClientHost,
    private readonly log: (message: string) => void,
  ) {}

  /** Listener for `webview.onDidReceiveMessage`. */
  onMessage(message: unknown): void {
    if (!isUiToHostMessage(message)) {
      this.log(`ignored a malformed message from the chart: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        this.windowMs = message.windowMs;
        this.maxBuckets = message.maxBuckets;
        const host = this.host.currentHost();
        const oldest = this.host.store.host(host.id, host.label).ring;
        const canDelta =
          !this.host.fleetSource() &&
          message.hostId === host.id &&
          message.since !== undefined &&
          oldest.length > 0 &&
          message.since >= oldest.timeAt(0);
        if (canDelta) {
          this.hostId = host.id;
          this.sentUpTo = message.since;
          this.sendDelta();
        } else this.sendHistory();
        break;
      }
      case 'setWindow':
        this.windowMs = message.windowMs;
        this.maxBuckets = message.maxBuckets;
        this.sendHistory();
        break;
      case 'exportCsv':
        void this.host.exportCsv(message);
        break;
      case 'exportPng':
        void this.host.exportPng(message);
        break;
      case 'rendered':
        this.host.rendered(this, message);
        break;
      case 'showLive':
        this.host.showLive();
        break;
    }
  }

  /** The page was hidden: it is gone until it says `ready` again. */
  onHidden(): void {
    this.ready = false;
    this.remoteRead?.abort();
  }

  /** A sample was recorded for the current host. */
  onSample(): void {
    if (!this.ready) return;
    // A Prometheus instance is read again now and then, on the live sampling's clock.
    if (this.host.fleetSource()) {
      if (Date.now() - this.remoteReadAt >= PROMETHEUS_REFRESH_MS) this.sendHistory();
      return;
    }
    if (this.hostId !== this.host.currentHost().id) this.sendHistory();
    else this.sendDelta();
  }

  /** Another host was selected: show its history. */
  onHostChanged(): void {
    if (this.ready) this.sendHistory();
  }

  /**
   * A marker newer than what the page has rides along with the next delta; an older one (a leak
   * found in a snapshot after its sample was sent) goes on its own.
   */
  onMarker(hostId: string, marker: HistoryMarker): void {
    if (!this.ready || hostId !== this.hostId || this.sentUpTo === undefined || marker.t > this.sentUpTo) return;
    this.post({ type: 'append', hostId, series: emptySeries(), markers: [marker], gaps: [] });
  }

  /** An outage began: the page shows it before any sample says so (none will come until it ends). */
  onGap(hostId: string, gap: HistoryGap): void {
    if (this.ready && hostId === this.hostId) this.post({ type: 'append', hostId, series: emptySeries(), markers: [], gaps: [gap] });
  }

  dispose(): void {
    this.remoteRead?.abort();
  }

  private sendHistory(): void {
    this.remoteRead?.abort();
    this.remoteRead = undefined;
    const fleet = this.host.fleetSource();
    if (fleet) return void this.sendPrometheus(fleet);
    const host = this.host.currentHost();
    const { ring } = this.host.store.host(host.id, host.label);
    const newest = ring.length > 0 ? ring.timeAt(ring.length - 1) : Date.now();
    const from = this.windowMs === null ? 0 : newest - this.windowMs;
    const w = this.host.store.window(host.id, from, this.maxBuckets);
    this.hostId = host.id;
    this.sentUpTo = w.series.t.at(-1);
    this.post({
      type: 'history',
      hostId: host.id,
      label: w.label,
      windowMs: this.windowMs,
      retentionMs: this.host.store.retentionMs,
      series: w.series,
      markers: w.markers,
      gaps: w.gaps,
    });
  }

  private async sendPrometheus(source: FleetHistorySource): Promise<void> {
    const abort = new AbortController();
    this.remoteRead = abort;
    this.remoteReadAt = Date.now();
    try {
      const message = await readPrometheusChart(source, this.windowMs, Date.now(), abort.signal);
      // Another window, instance or source was asked for meanwhile, or the page went away.
      if (abort.signal.aborted || !this.ready || this.host.fleetSource() !== source) return;
      this.hostId = message.hostId;
      this.sentUpTo = message.series.t.at(-1);
      this.post(message);
    } catch (err) {
      if (!abort.signal.aborted)
        this.log(`could not read the instance's history from Prometheus: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      if (this.remoteRead === abort) this.remoteRead = undefined;
    }
  }

  private sendDelta(): void {
    const host = this.host.currentHost();
    const from = this.sentUpTo === undefined ? 0 : this.sentUpTo + 1;
    const w = this.host.store.window(host.id, from, this.maxBuckets);
    if (w.series.t.length === 0 && w.markers.length === 0) return;
    this.sentUpTo = w.series.t.at(-1) ?? this.sentUpTo;
    this.post({ type: 'append', hostId: host.id, series: w.series, markers: w.markers, gaps: w.gaps });
  }

  private post(message: HostToUiMessage): void {
    // postMessage to a page that is gone resolves false; the next `ready` catches up.
    void this.webview.postMessage(fitForUi(message)).then((delivered) => {
      if (!delivered) this.ready = false;
    });
  }
}

function emptySeries(): { t: number[]; values: number[][] } {
  return { t: [], values: TCP_STATE_NAMES.map(() => []) };
}
