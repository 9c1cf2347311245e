import * as vscode from 'vscode';
import { PrometheusClient, PrometheusError } from '../core/prometheus/client';
import { noTcpMetricsError, readFleet, type FleetInstance } from '../core/prometheus/fleet';
import { askForSecret, readAuth, readFleetSettings } from './fleetSettings';
import { onDidChangeSettings } from '../config/config';
import { clickedRow } from '../views/rowCommand';
import { FleetTreeProvider, type FleetNode } from './fleetTree';

const isInstanceNode = (node: FleetNode): node is Extract<FleetNode, { kind: 'instance' }> => node.kind === 'instance';

/**
 * The Fleet view: hosts Prometheus scrapes TCP metrics from, refreshed while the view is
 * visible. "Open Live" switches the Connections view to the instance's SSH host.
 */
export class FleetView implements vscode.Disposable {
  readonly provider = new FleetTreeProvider();
  readonly treeView: vscode.TreeView<FleetNode>;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  /** The last refresh's outcome, for tests and the e2e harness. */
  last: { instances: FleetInstance[]; error?: string } = { instances: [] };
  private readonly selected = new vscode.EventEmitter<FleetInstance>();
  /** An instance's row was clicked: the State History shows its history from Prometheus. */
  readonly onDidSelectInstance = this.selected.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly openLive: (hostId: string) => Promise<unknown>,
  ) {
    this.treeView = vscode.window.createTreeView('tcpLens.fleet', { treeDataProvider: this.provider });
    this.disposables.push(this.provider, this.treeView, this.selected);
    this.treeView.onDidChangeVisibility(() => this.schedule(true), this, this.disposables);
    onDidChangeSettings((e) => e.affects('tcpLens.prometheus') && this.schedule(true), this, this.disposables);
    this.schedule(true);
  }

  /** Set Prometheus Credentials…: asks for the token or password, then reads again with it. */
  async setCredentials(): Promise<void> {
    if (await askForSecret(this.secrets)) await this.refresh();
  }

  /** Reads Prometheus now; resolves when the view shows the result. */
  async refresh(): Promise<void> {
    this.inFlight?.abort();
    const abort = new AbortController();
    this.inFlight = abort;
    const settings = readFleetSettings();
    if (!settings.url) {
      // An empty view shows its welcome text (package.json viewsWelcome) with the settings link.
      this.last = { instances: [] };
      return this.provider.show([]);
    }
    try {
      const client = await this.client();
      const instances = await readFleet(client, abort.signal);
      if (abort.signal.aborted) return;
      if (instances.length === 0) throw noTcpMetricsError(client.base.origin);
      this.last = { instances };
      this.treeView.message = undefined;
      this.provider.show(instances.map((instance) => ({ kind: 'instance', instance })));
    } catch (err) {
      if (abort.signal.aborted) return;
      if (!(err instanceof PrometheusError)) throw err;
      const [first, ...rest] = err.message.split('\n');
      this.showMessage(first, rest.length ? `${first}\n${rest.join('\n')}` : undefined);
    }
  }

  /** A client for the configured Prometheus, with the credentials as they are now. */
  async client(): Promise<PrometheusClient> {
    const settings = readFleetSettings();
    if (!settings.url) throw new PrometheusError('bad-url', 'tcpLens.prometheus.url is not set.');
    return new PrometheusClient(settings.url, { auth: await readAuth(this.secrets, settings) });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.inFlight?.abort();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }

  private showMessage(text: string, detail: string | undefined): void {
    this.last = { instances: [], error: text };
    this.provider.show([{ kind: 'message', text, detail, severity: 'error' }]);
  }

  /** Polls only while the view is visible, at tcpLens.prometheus.refreshInterval. */
  private schedule(now: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.treeView.visible) return;
    const run = () => void this.refresh().finally(() => this.schedule(false));
    if (now) run();
    else this.timer = setTimeout(run, readFleetSettings().refreshSeconds * 1000);
  }

  /**
   * A row's click (a command: it fires on every click, where a selection event would not after
   * "back to live"). The row comes from the selection (see rowCommand); callers may pass one.
   */
  async showHistory(node?: FleetNode): Promise<void> {
    const row = node ?? (await clickedRow(this.treeView, isInstanceNode));
    if (row?.kind !== 'instance') return;
    this.selected.fire(row.instance);
    await vscode.commands.executeCommand('tcpLens.history.focus');
  }

  /** Open Live: the Connections view switches to the instance's SSH host. */
  async openInstance(node?: FleetNode): Promise<void> {
    if (node?.kind !== 'instance') return;
    const { sshHosts } = readFleetSettings();
    const instance = node.instance.instance;
    const hostPart = instance.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:]+):\d+$/, '$1');
    const host = sshHosts[instance] ?? sshHosts[hostPart] ?? hostPart;
    await this.openLive(host);
    await vscode.commands.executeCommand('tcpLens.connections.focus');
  }
}
