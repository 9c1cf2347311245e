import * as vscode from 'vscode';
import { registerConnectionActions } from './actions/connectionActions';
import { AlertsController } from './alerts/alertsController';
import { HostSelection } from './hosts/hostSelection';
import type { TcpLensApi } from './api';
import { LocalCollector } from './core/linux/localCollector';
import { LiveData } from './live/liveData';
import { registerLeakLens } from './lsp/index';
import { registerViewCommands } from './views/commands';
import { HistoryController } from './webview/historyController';
import { FleetView } from './fleet/fleetView';
import { ConnectionsTreeProvider } from './views/connectionsTree';
import { ConnectionsView } from './views/connectionsView';
import { ConnectionDecorations } from './views/decorations';

/** The root object: it creates every part and owns every disposable. */
export class TcpLens implements vscode.Disposable {
  readonly disposables: vscode.Disposable[] = [];
  readonly live: LiveData;
  readonly tree: ConnectionsTreeProvider;
  readonly view: ConnectionsView;
  readonly alerts: AlertsController;
  readonly hosts: HostSelection;
  readonly history: HistoryController;
  readonly fleet: FleetView;

  constructor(readonly context: vscode.ExtensionContext) {
    this.live = new LiveData(new LocalCollector());
    this.tree = new ConnectionsTreeProvider(this.live);
    this.view = new ConnectionsView(this.live, this.tree);
    this.alerts = new AlertsController();
    this.disposables.push(this.live, this.tree, this.view, this.alerts, vscode.window.registerFileDecorationProvider(new ConnectionDecorations()));

    this.live.onDidSample((s) => this.alerts.onSample(s), this, this.disposables);
    this.live.onDidError((e) => e && this.alerts.onError(e.message), this, this.disposables);

    registerViewCommands(this.disposables, this.live, this.tree, this.view);
    this.history = new HistoryController(context, this.live, this.alerts);
    this.disposables.push(this.history);
    this.hosts = new HostSelection(context, this.live);
    this.disposables.push(this.hosts);
    this.fleet = new FleetView(context.secrets, (hostId) => this.hosts.selectHost(hostId));
    this.disposables.push(this.fleet);
    this.fleet.onDidSelectInstance((instance) => this.history.showFleetInstance({ instance, client: () => this.fleet.client() }), this, this.disposables);
    registerConnectionActions(this.disposables, () => this.live.collector.host.id);
    void registerLeakLens(this.disposables, context, this.live);
  }

  api(): TcpLensApi {
    return { live: this.live, connections: this.tree, treeView: this.view.treeView, alerts: this.alerts, history: this.history, fleet: this.fleet };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
