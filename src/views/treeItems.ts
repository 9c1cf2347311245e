import * as vscode from 'vscode';
import { formatEndpoint } from '../core/address';
import { ageSentence, formatDuration } from '../core/ageText';
import { displayText } from '../core/displayText';
import { stateInfo } from '../core/states';
import { STATE_COLOR_IDS, STATE_ICONS } from '../shared/stateColors';
import { DECORATION_SCHEME } from './decorations';
import { rowTotal } from './groupRows';
import { rowCommand } from './rowCommand';
import { connectionDescription, ownerDescription } from './rowText';
import { connectionContextValue } from './menuContext';
import type { ConnectionNode, GroupNode, MessageNode, MoreNode } from './nodes';

/** U+0336 after each character: the label reads struck through, which TreeItem cannot style. */
function struckThrough(text: string): string {
  return [...text].map((ch) => `${ch}\u0336`).join('');
}

/**
 * A row's tooltip, built when VS Code asks for it (TreeDataProvider.resolveTreeItem, on hover):
 * sent with every row it would cost the extension host a Markdown parse per row and refresh.
 */
export function connectionTooltip(node: ConnectionNode): vscode.MarkdownString {
  const { connection: c, stuck, closed } = node;
  const stuckAfterSeconds = node.parent.stuckAfterSeconds;
  const sentence = ageSentence(c);
  const rows: [string, string][] = [
    ['State', closed ? `${c.state} (closed since the last refresh)` : c.state],
    ['Age', sentence ?? ''],
    [
      'Stuck',
      stuck ? `yes: in CLOSE_WAIT for longer than ${formatDuration(stuckAfterSeconds)} (tcpLens.alerts.closeWaitStuckSeconds)` : '',
    ],
    ['Local', formatEndpoint(c.localAddress, c.localPort)],
    ['Remote', formatEndpoint(c.remoteAddress, c.remotePort)],
    ['Family', c.family],
    ['Process', c.owner === 'known' ? `${displayText(c.process ?? '?')} (pid ${c.pid})` : ownerDescription(c)],
    ['Command line', displayText(c.commandLine ?? '')],
    ['Send-Q / Recv-Q', `${c.sendQueue} / ${c.receiveQueue}`],
    ['UID', String(c.uid)],
    ['Inode', String(c.inode)],
  ];
  if (c.owner === 'kernel')
    rows.push(['Why no process', 'TIME_WAIT and SYN_RECV sockets have no file descriptor: the kernel alone holds them.']);
  const md = new vscode.MarkdownString(
    rows
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `**${k}:** ${escapeMd(v)}  `)
      .join('\n'),
  );
  md.appendMarkdown(`\n\n---\n${escapeMd(stateInfo(c.state).summary)}`);
  return md;
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export function groupItem(node: GroupNode, collapsed: boolean): vscode.TreeItem {
  const { group, count, stuck } = node;
  const item = new vscode.TreeItem(
    displayText(group.label),
    collapsed ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
  );
  item.id = `group:${group.key}`;
  const stuckText = stuck > 0 ? ` · ${stuck} stuck` : '';
  item.description = `${count}${stuckText}${node.fdText ? ` · ${node.fdText}` : ''}`;
  if (rowTotal(node) === 0) item.collapsibleState = vscode.TreeItemCollapsibleState.None;
  const stuckLine =
    stuck > 0
      ? `\n\n${stuck} stuck: in CLOSE_WAIT for longer than ${formatDuration(node.stuckAfterSeconds)}, the peer closed and the process has not called close().`
      : '';
  if (group.state) {
    const info = stateInfo(group.state);
    item.iconPath = new vscode.ThemeIcon(STATE_ICONS[group.state], new vscode.ThemeColor(STATE_COLOR_IDS[group.state]));
    item.tooltip = new vscode.MarkdownString(
      `**${group.state}** — ${count} socket${count === 1 ? '' : 's'}${stuckLine}\n\n${info.explanation}`,
    );
    item.contextValue = `state:${group.state}`;
  } else if (group.pid !== undefined) {
    item.iconPath = new vscode.ThemeIcon(
      node.fdWarning || stuck > 0 ? 'flame' : 'server-process',
      node.fdWarning || stuck > 0 ? new vscode.ThemeColor('charts.red') : undefined,
    );
    item.tooltip = `${displayText(group.commandLine ?? group.label)}${node.fdText ? `\n${node.fdText}` : ''}${stuckLine.replace(/\n\n/, '\n')}`;
    item.contextValue = 'process';
  } else {
    item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    item.contextValue = 'group';
  }
  return item;
}

export function connectionItem(node: ConnectionNode): vscode.TreeItem {
  const c = node.connection;
  const endpoints = `${formatEndpoint(c.localAddress, c.localPort)} → ${formatEndpoint(c.remoteAddress, c.remotePort)}`;
  const item = new vscode.TreeItem(node.closed ? struckThrough(endpoints) : endpoints);
  // The same id while the row exists, closed or not: VS Code keeps its hover and selection.
  item.id = `conn:${node.parent.group.key}:${node.id}`;
  item.description = connectionDescription(c, node.closed, node.stuck);
  const color = node.closed ? 'disabledForeground' : node.stuck ? 'charts.red' : STATE_COLOR_IDS[c.state];
  item.iconPath = new vscode.ThemeIcon(STATE_ICONS[c.state], new vscode.ThemeColor(color));
  // The decoration provider colors new rows green and greys closed ones, as TCPView does.
  const mark = node.closed ? 'closed' : node.isNew ? 'new' : 'same';
  item.resourceUri = vscode.Uri.from({ scheme: DECORATION_SCHEME, path: `/${encodeURIComponent(node.key)}`, query: mark });
  item.contextValue = connectionContextValue(c, node.closed);
  return item;
}

export function moreItem(node: MoreNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`Show ${Math.min(node.step, node.remaining)} more… (${node.remaining} not shown)`);
  item.id = `more:${node.parent.group.key}`;
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.command = rowCommand('tcpLens.showMore', 'Show More');
  item.contextValue = 'more';
  return item;
}

export function messageItem(node: MessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label);
  item.id = `message:${node.label}`;
  item.description = node.detail;
  item.tooltip = [node.label, node.detail].filter(Boolean).join('\n');
  item.iconPath = new vscode.ThemeIcon(
    node.severity === 'error' ? 'error' : 'info',
    node.severity === 'error' ? new vscode.ThemeColor('errorForeground') : undefined,
  );
  item.command = node.command;
  item.contextValue = node.severity === 'error' ? 'error' : 'message';
  return item;
}
