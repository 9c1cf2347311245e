import * as vscode from 'vscode';
import { displayText } from '../core/displayText';
import { GROUP_BY_LABELS } from '../core/grouping';
import type { LiveData } from '../live/liveData';
import { capabilityContext } from './menuContext';
import type { ConnectionsViewState } from './viewState';
import type { ConnectionsTreeProvider } from './connectionsTree';
import type { TreeNode } from './nodes';

/** The tree view itself: its title line, paused message, context keys and visibility. */
export class ConnectionsView implements vscode.Disposable {
  readonly treeView: vscode.TreeView<TreeNode>;
  /** The context keys this view set, as VS Code has them (menus read them; tests too). */
  readonly context = new Map<string, boolean>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly live: LiveData,
    tree: ConnectionsTreeProvider,
    private readonly state: ConnectionsViewState,
  ) {
    this.treeView = vscode.window.createTreeView('tcpLens.connections', { treeDataProvider: tree, showCollapseAll: true });
    this.disposables.push(this.treeView);
    tree.isVisible = () => this.treeView.visible;
    this.treeView.onDidChangeVisibility((e) => live.setViewVisible(e.visible), this, this.disposables);
    this.treeView.onDidCollapseElement((e) => tree.collapsed(e.element), this, this.disposables);
    live.onDidChangeState(() => this.update(), this, this.disposables);
    state.onDidChange(() => this.update(), this, this.disposables);
    live.onDidSnapshot(() => this.update(), this, this.disposables);
    live.setViewVisible(this.treeView.visible);
    this.update();
  }

  update(): void {
    const parts = [displayText(this.live.collector.host.label)];
    const { groupBy, filter } = this.state;
    if (groupBy !== 'state') parts.push(`by ${GROUP_BY_LABELS[groupBy].toLowerCase()}`);
    if (filter) parts.push(`filter: ${filter.text}`);
    this.treeView.description = parts.join(' · ');
    this.treeView.message = this.live.paused ? 'Paused: live refresh is off. Resume or refresh to update.' : undefined;
    const keys = capabilityContext(this.live.collector.capabilities);
    keys.set('tcpLens.paused', this.live.paused);
    keys.set('tcpLens.filtered', filter !== undefined);
    // Snapshots call this every refresh: only changes go to the workbench.
    for (const [key, value] of keys) {
      if (this.context.get(key) === value) continue;
      this.context.set(key, value);
      void vscode.commands.executeCommand('setContext', key, value);
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
