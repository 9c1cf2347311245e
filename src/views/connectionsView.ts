import * as vscode from 'vscode';
import { displayText } from '../core/displayText';
import { GROUP_BY_LABELS } from '../core/grouping';
import type { LiveData } from '../live/liveData';
import type { ConnectionsTreeProvider } from './connectionsTree';
import type { TreeNode } from './nodes';

/** The tree view itself: its title line, paused message, context keys and visibility. */
export class ConnectionsView implements vscode.Disposable {
  readonly treeView: vscode.TreeView<TreeNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly live: LiveData,
    private readonly tree: ConnectionsTreeProvider,
  ) {
    this.treeView = vscode.window.createTreeView('tcpLens.connections', { treeDataProvider: tree, showCollapseAll: true });
    this.disposables.push(this.treeView);
    tree.isVisible = () => this.treeView.visible;
    this.treeView.onDidChangeVisibility((e) => live.setViewVisible(e.visible), this, this.disposables);
    live.onDidChangeState(() => this.update(), this, this.disposables);
    live.onDidSnapshot(() => this.update(), this, this.disposables);
    live.setViewVisible(this.treeView.visible);
    this.update();
  }

  update(): void {
    const parts = [displayText(this.live.collector.host.label)];
    if (this.tree.groupBy !== 'state') parts.push(`by ${GROUP_BY_LABELS[this.tree.groupBy].toLowerCase()}`);
    if (this.tree.filter) parts.push(`filter: ${this.tree.filter.text}`);
    this.treeView.description = parts.join(' · ');
    this.treeView.message = this.live.paused ? 'Paused: live refresh is off. Resume or refresh to update.' : undefined;
    void vscode.commands.executeCommand('setContext', 'tcpLens.paused', this.live.paused);
    void vscode.commands.executeCommand('setContext', 'tcpLens.filtered', this.tree.filter !== undefined);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
