import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AlertsController } from '../alerts/alertsController';
import { DEFAULT_HISTORY_LIMITS, HOUR_MS, HistoryStore } from '../core/history/historyStore';
import { HistoryFiles } from '../core/history/persistence';
import { displayText } from '../core/displayText';
import { countsRow } from '../core/history/sampleRing';
import { TCP_STATE_NAMES, type CountsSample } from '../core/model';
import type { LiveData } from '../live/liveData';
import { onDidChangeSettings, setting } from '../config/config';
import { PNG_PREFIX, type ExportCsvMessage, type ExportPngMessage, type RenderedMessage } from '../shared/chartProtocol';
import { markerOfAlert } from './alertMarkers';
import { ChartClient, type ChartClientHost } from './chartClient';
import { chartHtml, makeNonce } from './chartHtml';
import { prometheusHostId, type FleetHistorySource } from './prometheusChart';

export const HISTORY_VIEW_ID = 'tcpLens.history';
export const HISTORY_PANEL_TYPE = 'tcpLens.historyPanel';
const SAVE_EVERY_MS = 60_000;
/** Why a host's history has no samples while another one was shown. */
export const ANOTHER_HOST = 'not read while another host was selected';

/**
 * The State History: records every live sample into the per-host history (also while no chart
 * is open), saves it to global storage, and serves it to the sidebar view and editor panels.
 */
export class HistoryController implements vscode.Disposable, vscode.WebviewViewProvider, ChartClientHost {
  readonly store: HistoryStore;
  /** Where the history is saved (global storage); a new store on it is what a reload restores. */
  readonly files: HistoryFiles;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly clients = new Set<ChartClient>();
  private readonly output = vscode.window.createOutputChannel('TCP Lens History', { log: true });
  private saveFailureShown = false;
  private readonly webviewRoot: vscode.Uri;
  private panel: vscode.WebviewPanel | undefined;
  private readonly renderedEmitter = new vscode.EventEmitter<{ kind: 'view' | 'panel' } & Omit<RenderedMessage, 'type'>>();
  /** A chart drew samples of `hostId` up to `upTo` (the end-to-end tests wait for it). */
  readonly onDidRender = this.renderedEmitter.event;
  /** Where each open chart says what it shows (the view's description, the panel's title). */
  private readonly titles = new Map<ChartClient, (text: string | undefined) => void>();
  private fleet: FleetHistorySource | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly live: LiveData,
    alerts: AlertsController,
  ) {
    this.webviewRoot = vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
    this.files = new HistoryFiles(
      path.join(context.globalStorageUri.fsPath, 'history'),
      DEFAULT_HISTORY_LIMITS.maxSamplesPerHost,
      DEFAULT_HISTORY_LIMITS.maxMarkersPerHost,
    );
    this.store = new HistoryStore({ ...DEFAULT_HISTORY_LIMITS, retentionMs: this.retentionMs() }, this.files);
    this.disposables.push(this.output, this.renderedEmitter);

    live.onDidSample((s) => this.onSample(s), this, this.disposables);
    let sampledHost = live.collector.host.id;
    live.onDidChangeHost(
      (collector) => {
        // The old host is no longer read: its outage ends here, and a gap says why its lines
        // break until it is selected again (its next sample ends it).
        const now = Date.now();
        // Another live host was chosen (Select Host, Open Live): the charts follow it.
        this.setFleetSource(undefined, false);
        this.store.endGap(sampledHost, now);
        if (sampledHost !== collector.host.id) this.store.startGap(sampledHost, now + 1, ANOTHER_HOST);
        sampledHost = collector.host.id;
        this.clients.forEach((c) => c.onHostChanged());
      },
      this,
      this.disposables,
    );
    live.onDidError((error) => error && this.onOutage(error.message), this, this.disposables);
    alerts.onDidAlert(
      (alert) => {
        const { id } = this.currentHost();
        const marker = markerOfAlert(alert);
        this.store.addMarker(id, marker);
        this.clients.forEach((c) => c.onMarker(id, marker));
      },
      this,
      this.disposables,
    );
    onDidChangeSettings(
      (e) => {
        if (e.affects('tcpLens.history.retentionHours')) this.store.setRetention(this.retentionMs());
      },
      this,
      this.disposables,
    );
    this.disposables.push(
      vscode.window.registerWebviewViewProvider(HISTORY_VIEW_ID, this),
      vscode.window.registerWebviewPanelSerializer(HISTORY_PANEL_TYPE, {
        deserializeWebviewPanel: async (panel) => this.attachPanel(panel),
      }),
    );
    const saver = setInterval(() => void this.save(), SAVE_EVERY_MS);
    this.disposables.push({ dispose: () => clearInterval(saver) });
    // Restore the current host's saved history now, so a chart opened right after a reload shows it.
    this.store.host(live.collector.host.id, live.collector.host.label);
    for (const problem of this.store.loadErrors) this.output.warn(`Saved history damaged; what was intact is restored: ${problem}`);
  }

  currentHost(): { id: string; label: string } {
    return this.live.collector.host;
  }

  fleetSource(): FleetHistorySource | undefined {
    return this.fleet;
  }

  /**
   * Shows a Fleet instance's history from Prometheus in every open chart, or (undefined) the live
   * host's again.
   */
  showFleetInstance(source: FleetHistorySource | undefined): void {
    this.setFleetSource(source, true);
  }

  showLive(): void {
    this.setFleetSource(undefined, true);
  }

  private setFleetSource(source: FleetHistorySource | undefined, redraw: boolean): void {
    const same = source && this.fleet && prometheusHostId(source.instance) === prometheusHostId(this.fleet.instance);
    if (!source && !this.fleet) return;
    this.fleet = source;
    for (const setTitle of this.titles.values()) setTitle(this.fleetTitle());
    // The same instance selected again (a Fleet refresh) keeps what is drawn; its next read follows.
    if (redraw && !same) this.clients.forEach((c) => c.onHostChanged());
  }

  /** What a chart's title adds while it shows a Fleet instance. */
  private fleetTitle(): string | undefined {
    return this.fleet ? `${displayText(this.fleet.instance.instance)} · from Prometheus` : undefined;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.connect(
      'view',
      view.webview,
      view.onDidDispose,
      view.onDidChangeVisibility,
      () => view.visible,
      (text) => (view.description = text),
    );
  }

  /** Opens (or reveals) the chart in an editor panel. */
  openPanel(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(HISTORY_PANEL_TYPE, 'State History', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [this.webviewRoot],
    });
    this.attachPanel(panel);
  }

  async exportCsv(message: ExportCsvMessage): Promise<void> {
    const host = this.currentHost();
    const uri = await this.askWhere(`tcp-states-${host.label}-${stamp(message.to)}.csv`, { CSV: ['csv'] });
    if (!uri) return;
    const columns = message.states.map((s) => TCP_STATE_NAMES.indexOf(s));
    const csv = this.store.csv(host.id, columns, message.states, message.from, message.to);
    await this.write(uri, Buffer.from(csv, 'utf8'));
  }

  async exportPng(message: ExportPngMessage): Promise<void> {
    const shown = this.fleet ? this.fleet.instance.instance : this.currentHost().label;
    const uri = await this.askWhere(`tcp-states-${shown}-${stamp(Date.now())}.png`, { 'PNG image': ['png'] });
    if (uri) await this.write(uri, Buffer.from(message.dataUrl.slice(PNG_PREFIX.length), 'base64'));
  }

  rendered(client: ChartClient, message: RenderedMessage): void {
    const { type: _type, ...drawn } = message;
    this.renderedEmitter.fire({ kind: client.kind, ...drawn });
  }

  dispose(): void {
    try {
      this.store.flushSync();
    } catch (err) {
      this.output.error(`Could not save the history: ${String(err)}`);
    }
    // Open panels stay open: the serializer brings them back after a reload.
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }

  private onSample(sample: CountsSample): void {
    this.store.add(sample.host.id, sample.host.label, sample.takenAt.getTime(), countsRow(sample.counts));
    if (sample.host.id === this.currentHost().id) this.clients.forEach((c) => c.onSample());
  }

  /** A refresh failed: the history records a gap until samples come back, and the charts show it at once. */
  private onOutage(message: string): void {
    const { id } = this.currentHost();
    const gap = this.store.startGap(id, Date.now(), message);
    this.clients.forEach((c) => c.onGap(id, gap));
  }

  private attachPanel(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'tcp-lens.svg');
    this.connect(
      'panel',
      panel.webview,
      panel.onDidDispose,
      panel.onDidChangeViewState,
      () => panel.visible,
      (text) => (panel.title = text ? `State History: ${text}` : 'State History'),
    );
    panel.onDidDispose(() => {
      if (this.panel === panel) this.panel = undefined;
    });
  }

  private connect(
    kind: 'view' | 'panel',
    webview: vscode.Webview,
    onDidDispose: vscode.Event<void>,
    onDidChangeVisibility: vscode.Event<unknown>,
    isVisible: () => boolean,
    setTitle: (text: string | undefined) => void,
  ): void {
    webview.options = { enableScripts: true, localResourceRoots: [this.webviewRoot] };
    webview.html = chartHtml({
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, 'chart.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.webviewRoot, 'chart.css')).toString(),
      cspSource: webview.cspSource,
      nonce: makeNonce(),
    });
    const client = new ChartClient(kind, webview, this, (m) => this.output.warn(m));
    const subscriptions = [
      webview.onDidReceiveMessage((m: unknown) => client.onMessage(m)),
      onDidChangeVisibility(() => isVisible() || client.onHidden()),
    ];
    this.clients.add(client);
    this.titles.set(client, setTitle);
    if (this.fleet) setTitle(this.fleetTitle());
    onDidDispose(() => {
      for (const d of subscriptions) d.dispose();
      client.dispose();
      this.clients.delete(client);
      this.titles.delete(client);
    });
  }

  private retentionMs(): number {
    return setting('tcpLens.history.retentionHours') * HOUR_MS;
  }

  private async save(): Promise<void> {
    try {
      await this.store.flush();
      this.saveFailureShown = false;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.output.error(`Could not save the history: ${message}`);
      // Once per run of failures: the store keeps the samples and retries at every save.
      if (!this.saveFailureShown) void vscode.window.showWarningMessage(`TCP Lens: ${displayText(message)}`);
      this.saveFailureShown = true;
    }
  }

  private async askWhere(fileName: string, filters: Record<string, string[]>): Promise<vscode.Uri | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const defaultUri = folder ? vscode.Uri.joinPath(folder, fileName.replace(/[^\w.@-]+/g, '_')) : undefined;
    return vscode.window.showSaveDialog({ defaultUri, filters, title: 'Export State History' });
  }

  private async write(uri: vscode.Uri, bytes: Uint8Array): Promise<void> {
    try {
      await vscode.workspace.fs.writeFile(uri, bytes);
      void vscode.window.showInformationMessage(`TCP Lens: saved ${uri.fsPath}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`TCP Lens: could not save ${uri.fsPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function stamp(t: number): string {
  return new Date(t).toISOString().slice(0, 19).replace(/[:T]/g, '-');
}
