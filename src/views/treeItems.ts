import * as vscode from 'vscode';
import { formatEndpoint } from '../core/address';
import type { Connection } from '../core/model';
import { stateInfo } from '../core/states';
import { STATE_COLOR_IDS, STATE_ICONS } from '../shared/stateColors';
import { DECORATION_SCHEME } from './decorations';
import type { ConnectionNode, GroupNode, MessageNode, MoreNode } from './nodes';

/** Why a connection has no process, in the words the tree uses. */
export function ownerDescription(c: Connection): string {
  switch (c.owner) {
    case 'known':
      return `${c.process} (${c.pid})`;
    case 'kernel':
      return c.inferredOwner ? `${c.inferredOwner.reason} (inferred)` : 'no process: held by the kernel';
    case 'hidden':
      return 'owner not visible: run with more privileges';
    default:
      return 'no process found (another PID namespace, or just closed)';
  }
}

function connectionTooltip(c: Connection): vscode.MarkdownString {
  const rows: [string, string][] = [
    ['State', c.state],
    ['Local', formatEndpoint(c.localAddress, c.localPort)],
    ['Remote', formatEndpoint(c.remoteAddress, c.remotePort)],
    ['Family', c.family],
    ['Process', c.owner === 'known' ? `${c.process} (pid ${c.pid})` : ownerDescription(c)],
    ['Command line', c.commandLine ?? ''],
    ['Send-Q / Recv-Q', `${c.sendQueue} / ${c.receiveQueue}`],
    ['UID', String(c.uid)],
    ['Inode', String(c.inode)],
  ];
  if (c.owner === 'kernel') rows.push(['Why no process', 'TIME_WAIT and SYN_RECV sockets have no file descriptor: the kernel alone holds them.']);
  const md = new vscode.MarkdownString(rows.filter(([, v]) => v !== '').map(([k, v]) => `**${k}:** ${escapeMd(v)}  `).join('\n'));
  md.appendMarkdown(`\n\n---\n${escapeMd(stateInfo(c.state).summary)}`);
  return md;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export function groupItem(node: GroupNode, collapsed: boolean): vscode.TreeItem {
  const { group } = node;
  const item = new vscode.TreeItem(group.label, collapsed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${group.key}`;
  const count = group.connections.length;
  item.description = node.fdText ? `${count} · ${node.fdText}` : String(count);
  if (group.connections.length === 0) item.collapsibleState = vscode.TreeItemCollapsibleState.None;
  if (group.state) {
    const info = stateInfo(group.state);
    item.iconPath = new vscode.ThemeIcon(STATE_ICONS[group.state], new vscode.ThemeColor(STATE_COLOR_IDS[group.state]));
    item.tooltip = new vscode.MarkdownString(`**${group.state}** — ${count} socket${count === 1 ? '' : 's'}\n\n${info.explanation}`);
    item.contextValue = `state:${group.state}`;
  } else if (group.pid !== undefined) {
    item.iconPath = new vscode.ThemeIcon(node.fdWarning ? 'flame' : 'server-process', node.fdWarning ? new vscode.ThemeColor('charts.red') : undefined);
    item.tooltip = `${group.commandLine ?? group.label}${node.fdText ? `\n${node.fdText}` : ''}`;
    item.contextValue = 'process';
  } else {
    item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    item.contextValue = 'group';
  }
  return item;
}

export function connectionItem(node: ConnectionNode): vscode.TreeItem {
  const c = node.connection;
  const item = new vscode.TreeItem(`${formatEndpoint(c.localAddress, c.localPort)} → ${formatEndpoint(c.remoteAddress, c.remotePort)}`);
  item.id = `${node.closed ? 'closed' : 'conn'}:${node.parent.group.key}:${node.key}${node.duplicate ? `#${node.duplicate}` : ''}`;
  item.description = node.closed ? `closed · ${ownerDescription(c)}` : ownerDescription(c);
  item.tooltip = connectionTooltip(c);
  item.iconPath = new vscode.ThemeIcon(STATE_ICONS[c.state], new vscode.ThemeColor(node.closed ? 'disabledForeground' : STATE_COLOR_IDS[c.state]));
  // The decoration provider colors new rows green and closed ones red, as TCPView does.
  const mark = node.closed ? 'closed' : node.isNew ? 'new' : 'same';
  item.resourceUri = vscode.Uri.from({ scheme: DECORATION_SCHEME, path: `/${encodeURIComponent(node.key)}`, query: mark });
  item.contextValue = `connection:${c.state}${c.pid !== undefined ? ':owned' : ''}${node.closed ? ':closed' : ''}`;
  return item;
}

export function moreItem(node: MoreNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`Show ${Math.min(node.step, node.remaining)} more… (${node.remaining} not shown)`);
  item.id = `more:${node.parent.group.key}`;
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.command = { command: 'tcpLens.showMore', title: 'Show More', arguments: [node.parent.group.key] };
  item.contextValue = 'more';
  return item;
}

export function messageItem(node: MessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label);
  item.id = `message:${node.label}`;
  item.description = node.detail;
  item.tooltip = [node.label, node.detail].filter(Boolean).join('\n');
  item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'error' : 'info', node.severity === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
  item.command = node.command;
  item.contextValue = node.severity === 'error' ? 'error' : 'message';
  return item;
}
