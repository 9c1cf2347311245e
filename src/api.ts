import type * as vscode from 'vscode';
import type { AlertsController } from './alerts/alertsController';
import type { FleetView } from './fleet/fleetView';
import type { LiveData } from './live/liveData';
import type { HistoryController } from './webview/historyController';
import type { ConnectionsTreeProvider } from './views/connectionsTree';
import type { TreeNode } from './views/nodes';

/**
 * What `activate()` returns. The end-to-end tests drive and inspect the extension through it;
 * it is not a stable API for other extensions.
 */
export interface TcpLensApi {
  live: LiveData;
  connections: ConnectionsTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  /** The Connections view's context keys as last set (which row actions the menus offer). */
  contextKeys: ReadonlyMap<string, boolean>;
  alerts: AlertsController;
  history: HistoryController;
  fleet: FleetView;
}
