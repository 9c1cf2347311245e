import * as vscode from 'vscode';
import { connectionActions } from './actions/connectionActions';
import type { FleetNode } from './fleet/fleetTree';
import type { FleetView } from './fleet/fleetView';
import type { HostSelection } from './hosts/hostSelection';
import type { LiveData } from './live/liveData';
import type { leakLens } from './lsp/index';
import type { ConnectionsTreeProvider } from './views/connectionsTree';
import type { TreeNode } from './views/nodes';
import { viewCommands } from './views/commands';
import type { ConnectionsViewState } from './views/viewState';
import type { HistoryController } from './webview/historyController';

/** What a command runs, and when VS Code enables it (package.json's `enablement`). */
interface Command {
  run: (...args: never[]) => unknown;
  enablement?: string;
}

/** The parts whose features the commands reach. */
export interface CommandTargets {
  live: LiveData;
  tree: ConnectionsTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  viewState: ConnectionsViewState;
  hosts: HostSelection;
  history: HistoryController;
  fleet: FleetView;
  leaks: ReturnType<typeof leakLens>;
}

/**
 * Every command of the extension, one row each: its id, its handler and its enablement. Features
 * provide handlers; only this table names ids. test/unit/manifest.test.ts checks it against
 * package.json's commands, menus and enablements.
 */
export function commandTable(p: CommandTargets) {
  const view = viewCommands(p.live, p.tree, p.treeView, p.viewState);
  const actions = connectionActions(
    () => p.live.collector,
    () => p.live.refreshNow(),
  );
  return {
    'tcpLens.refresh': { run: () => p.live.refreshNow() },
    'tcpLens.pause': { run: () => p.live.pause(), enablement: '!tcpLens.paused' },
    'tcpLens.resume': { run: () => p.live.resume() },
    'tcpLens.filter': { run: view.filter },
    'tcpLens.clearFilter': { run: view.clearFilter },
    'tcpLens.groupBy': { run: view.groupBy },
    'tcpLens.toggleHideEmpty': { run: view.toggleHideEmpty },
    'tcpLens.export': { run: view.export },
    'tcpLens.showMore': { run: view.showMore },
    'tcpLens.showProcess': { run: view.showProcess },
    'tcpLens.copyConnection': { run: view.copyConnection },
    'tcpLens.closeConnection': { run: actions.close },
    'tcpLens.killProcess': { run: actions.kill },
    'tcpLens.copySsFilter': { run: actions.copySsFilter },
    'tcpLens.revealProcessCwd': { run: actions.revealCwd },
    'tcpLens.selectHost': { run: (id?: unknown) => p.hosts.selectHost(typeof id === 'string' ? id : undefined) },
    'tcpLens.openHistory': { run: () => p.history.openPanel() },
    'tcpLens.scanWorkspace': { run: p.leaks.scan },
    'tcpLens.findLeakInCode': { run: p.leaks.findInCode },
    'tcpLens.explainLeak': { run: p.leaks.explain },
    'tcpLens.fleet.refresh': { run: () => p.fleet.refresh() },
    'tcpLens.fleet.setCredentials': { run: () => p.fleet.setCredentials() },
    'tcpLens.fleet.openLive': { run: (node?: FleetNode) => p.fleet.openInstance(node) },
    'tcpLens.fleet.showHistory': { run: (node?: FleetNode) => p.fleet.showHistory(node) },
  } satisfies Record<string, Command>;
}

export type CommandId = keyof ReturnType<typeof commandTable>;

/** Registers every command of the table. */
export function registerCommands(disposables: vscode.Disposable[], table: Record<CommandId, Command>): void {
  for (const [id, command] of Object.entries(table)) {
    disposables.push(vscode.commands.registerCommand(id, command.run as (...args: unknown[]) => unknown));
  }
}

/** Runs one of the table's commands (for features that offer another's action, e.g. a notification button). */
export function runCommand(id: CommandId, ...args: unknown[]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}
