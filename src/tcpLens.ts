import * as vscode from 'vscode';
import { AlertsController } from './alerts/alertsController';
import type { TcpLensApi } from './api';
import { commandTable, registerCommands } from './commands';
import { LOCAL_HOST_ID } from './core/model';
import { openCollector } from './core/openCollector';
import { FleetView } from './fleet/fleetView';
import { HostSelection } from './hosts/hostSelection';
import { LiveData } from './live/liveData';
import { leakLens } from './lsp/index';
import { ConnectionsTreeProvider } from './views/connectionsTree';
import { ConnectionsView } from './views/connectionsView';
import { ConnectionDecorations } from './views/decorations';
import { ConnectionsViewState } from './views/viewState';
import { HistoryController } from './webview/historyController';

/** The root object: it creates every part and owns every disposable. */
export class TcpLens implements vscode.Disposable {
  readonly disposables: vscode.Disposable[] = [];
  readonly live: LiveData;
  readonly viewState: ConnectionsViewState;
  readonly tree: ConnectionsTreeProvider;
  readonly view: ConnectionsView;
  readonly alerts: AlertsController;
  readonly hosts: HostSelection;
  readonly history: HistoryController;
  readonly fleet: FleetView;

  constructor(readonly context: vscode.ExtensionContext) {
    this.live = new LiveData(openCollector(LOCAL_HOST_ID));
    this.viewState = new ConnectionsViewState();
    this.tree = new ConnectionsTreeProvider(this.live, this.viewState);
    this.view = new ConnectionsView(this.live, this.tree, this.viewState);
    this.alerts = new AlertsController();
    this.disposables.push(
      this.live,
      this.viewState,
      this.tree,
      this.view,
      this.alerts,
      vscode.window.registerFileDecorationProvider(new ConnectionDecorations()),
    );

    this.live.onDidSample((s) => this.alerts.onSample(s), this, this.disposables);
    this.live.onDidError((e) => e && this.alerts.onError(e.message), this, this.disposables);

    this.history = new HistoryController(context, this.live, this.alerts);
    this.disposables.push(this.history);
    this.hosts = new HostSelection(context, this.live);
    this.disposables.push(this.hosts);
    this.fleet = new FleetView(context.secrets, (hostId) => this.hosts.selectHost(hostId));
    this.disposables.push(this.fleet);
    const leaks = leakLens(this.disposables, context, this.live);
    registerCommands(
      this.disposables,
      commandTable({
        live: this.live,
        tree: this.tree,
        treeView: this.view.treeView,
        viewState: this.viewState,
        hosts: this.hosts,
        history: this.history,
        fleet: this.fleet,
        leaks,
      }),
    );
    this.fleet.onDidSelectInstance(
      (instance) => this.history.showFleetInstance({ instance, client: () => this.fleet.client() }),
      this,
      this.disposables,
    );
  }

  api(): TcpLensApi {
    return {
      live: this.live,
      connections: this.tree,
      treeView: this.view.treeView,
      contextKeys: this.view.context,
      alerts: this.alerts,
      history: this.history,
      fleet: this.fleet,
    };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
