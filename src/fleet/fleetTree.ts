import * as vscode from 'vscode';
import { displayText } from '../core/displayText';
import { TREND_ARROWS, type FleetInstance } from '../core/prometheus/fleet';
import { rowCommand } from '../views/rowCommand';

export type FleetNode =
  { kind: 'instance'; instance: FleetInstance } | { kind: 'message'; text: string; detail?: string; severity: 'info' | 'error' };

/** The Fleet view's rows: one per Prometheus instance, or one message row. */
export class FleetTreeProvider implements vscode.TreeDataProvider<FleetNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private nodes: FleetNode[] = [];

  show(nodes: FleetNode[]): void {
    this.nodes = nodes;
    this.changed.fire();
  }

  getChildren(node?: FleetNode): FleetNode[] {
    return node ? [] : this.nodes;
  }

  getTreeItem(node: FleetNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.tooltip = node.detail ?? node.text;
      item.iconPath = new vscode.ThemeIcon(
        node.severity === 'error' ? 'error' : 'info',
        node.severity === 'error' ? new vscode.ThemeColor('errorForeground') : undefined,
      );
      return item;
    }
    const item = instanceItem(node.instance);
    item.command = rowCommand('tcpLens.fleet.showHistory', 'Show History from Prometheus');
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function instanceItem(f: FleetInstance): vscode.TreeItem {
  const item = new vscode.TreeItem(displayText(f.instance));
  item.id = `fleet:${f.job}:${f.instance}`;
  const parts = [];
  if (f.stuck !== undefined) parts.push(`${f.stuck} stuck`);
  parts.push(`CLOSE_WAIT ${f.counts.CLOSE_WAIT}`, `TIME_WAIT ${f.counts.TIME_WAIT}`, TREND_ARROWS[f.trend]);
  item.description = f.stale ? `stale${f.staleSince ? ` since ${f.staleSince.toLocaleTimeString()}` : ''}` : parts.join(' · ');
  const hot = !f.stale && ((f.stuck ?? 0) > 0 || f.trend === 'up');
  item.iconPath = new vscode.ThemeIcon(
    f.stale ? 'debug-disconnect' : hot ? 'flame' : 'server',
    f.stale || hot ? new vscode.ThemeColor(f.stale ? 'disabledForeground' : 'charts.red') : undefined,
  );
  const md = new vscode.MarkdownString(undefined, false);
  md.appendText(
    `${displayText(f.instance)} (job ${displayText(f.job)}, ${f.source === 'tcp-lens' ? 'TCP Lens exporter' : 'node_exporter tcpstat'})\n\n`,
  );
  if (f.stale) md.appendText(`Stopped reporting${f.staleSince ? ` since ${f.staleSince.toLocaleString()}` : ''}: its scrapes fail.\n\n`);
  else {
    const counts = Object.entries(f.counts).filter(([, n]) => n > 0);
    md.appendText(counts.map(([s, n]) => `${s} ${n}`).join(' · ') || 'no sockets');
    md.appendText(`\n\nCLOSE_WAIT trend over 10 min: ${TREND_ARROWS[f.trend]}`);
  }
  item.tooltip = md;
  item.contextValue = 'fleetInstance';
  return item;
}
