import * as vscode from 'vscode';
import type { CommandId } from '../commands';
import { applyFilter, type ConnectionFilter } from '../core/filter';
import type { GroupBy } from '../core/grouping';
import type { Connection } from '../core/model';
import { firstItems } from '../core/paging';
import { isStuckCloseWait } from '../core/stuck';
import type { LiveData } from '../live/liveData';
import type { ConnectionsViewState } from './viewState';
import { onDidChangeSettings, setting } from '../config/config';
import { liveRowsOf, rowEntries, rowTotal, TreeRows, type RowEntry } from './groupRows';
import type { ConnectionNode, GroupNode, MessageNode, TreeNode } from './nodes';
import { connectionDescription } from './rowText';
import { connectionItem, connectionTooltip, groupItem, messageItem, moreItem } from './treeItems';

/**
 * The Connections tree: groups (by state, process, port or remote host) of the live snapshot,
 * each paged so VS Code never receives thousands of items at once.
 */
export class ConnectionsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  private readonly shown = new Map<string, number>();
  private groupsCache: GroupNode[] | undefined;
  /** The rows the groups were made of (the snapshot's, filtered): where a group that opens finds its rows. */
  private current: readonly Connection[] = [];
  /** How each group node looked when VS Code last fetched it. */
  private readonly signatures = new WeakMap<GroupNode, string>();
  /** The last root listing had an error row. */
  private shownError = false;
  /** Rows keep their place across refreshes, so hovers and menus stay on the row pointed at. */
  private readonly rows = new TreeRows();
  /**
   * Groups whose node is expanded: VS Code asked for their rows and the user has not collapsed
   * them since. Only their rows are ordered and compared at each refresh.
   */
  private readonly open = new Set<string>();
  /** Whether the view shows the tree (set by the view). */
  isVisible: () => boolean = () => true;

  constructor(
    private readonly live: LiveData,
    private readonly state: ConnectionsViewState,
  ) {
    state.onDidChange(
      (change) => {
        this.shown.clear();
        // VS Code asks again for the rows of the groups still expanded.
        this.open.clear();
        // Another filter is another list: order it afresh, oldest first.
        if (change.filter) this.rows.clear();
        this.refresh();
      },
      this,
      this.disposables,
    );
    live.onDidSnapshot(() => this.update(), this, this.disposables);
    live.onDidError(() => this.refresh(), this, this.disposables);
    live.onDidChangeState(() => this.refresh(), this, this.disposables);
    live.onDidChangeHost(() => this.rows.clear(), this, this.disposables);
    onDidChangeSettings(
      (e) => {
        const shown: Parameters<typeof e.affects>[0][] = [
          'tcpLens.hideEmptyStates',
          'tcpLens.pageSize',
          'tcpLens.alerts.closeWaitStuckSeconds',
          'tcpLens.alerts.fdLimitRatio',
        ];
        if (shown.some((id) => e.affects(id))) this.refresh();
      },
      this,
      this.disposables,
    );
  }

  refresh(): void {
    this.groupsCache = undefined;
    this.changeEmitter.fire(undefined);
  }

  /**
   * After a snapshot: refreshes only the groups whose rows or counts changed. VS Code re-renders
   * every row under a refreshed element, which hides the tooltip the user is reading; rows of
   * unchanged groups are left alone. New or vanished groups, or an error, refresh everything.
   */
  private update(): void {
    const previous = this.groupsCache;
    const hadError = this.shownError;
    this.groupsCache = undefined;
    // Hidden, nothing is drawn and nothing needs telling: becoming visible takes a fresh
    // snapshot (LiveData.setViewVisible), which finds no groups kept and redraws the whole tree.
    if (!this.isVisible()) return;
    if (!previous || hadError || this.live.lastError || !this.live.lastSnapshot) {
      this.refresh();
      return;
    }
    const next = this.groups();
    if (next.length !== previous.length || next.some((g, i) => g.group.key !== previous[i].group.key)) {
      this.refresh();
      return;
    }
    const changed: GroupNode[] = [];
    next.forEach((fresh, i) => {
      // The same node objects: VS Code knows elements by identity.
      const node = previous[i];
      const before = this.signatures.get(node);
      node.group = fresh.group;
      node.rows = fresh.rows;
      node.closedRows = fresh.closedRows;
      node.listed = fresh.listed;
      node.closed = fresh.closed;
      node.count = fresh.count;
      node.stuck = fresh.stuck;
      node.stuckAfterSeconds = fresh.stuckAfterSeconds;
      node.fdText = fresh.fdText;
      node.fdWarning = fresh.fdWarning;
      const after = this.signature(node);
      this.signatures.set(node, after);
      if (after !== before) changed.push(node);
    });
    this.groupsCache = previous;
    for (const node of changed) this.changeEmitter.fire(node);
  }

  /** What a group and its shown rows look like: equal signatures render the same. */
  private signature(node: GroupNode): string {
    const item = groupItem(node, false);
    const { entries, remaining } = this.open.has(node.group.key) ? this.page(node) : { entries: [], remaining: 0 };
    const rows = entries.map(
      (r) =>
        `${r.id}|${r.closed}|${this.isNew(r)}|${connectionDescription(r.connection, r.closed, !r.closed && isStuckCloseWait(r.connection, node.stuckAfterSeconds))}`,
    );
    return [item.label, item.description, typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value, remaining, ...rows].join(
      '\n',
    );
  }

  /** The rows of a group the tree lists now (its shown pages). */
  private page(node: GroupNode): { entries: RowEntry[]; remaining: number } {
    const { items, remaining } = firstItems(node.rows, this.shown.get(node.group.key) ?? this.pageSize());
    return { entries: rowEntries(items, node.closed), remaining };
  }

  private isNew(row: RowEntry): boolean {
    return !row.closed && (this.live.lastDiff?.added.has(row.connection) ?? false);
  }

  get groupBy(): GroupBy {
    return this.state.groupBy;
  }

  get filter(): ConnectionFilter | undefined {
    return this.state.filter;
  }

  /** The user collapsed a node: a group's rows are no longer ordered or compared. */
  collapsed(node: TreeNode): void {
    if (node.kind === 'group') this.open.delete(node.group.key);
  }

  showMore(groupKey: string): void {
    this.shown.set(groupKey, (this.shown.get(groupKey) ?? this.pageSize()) + this.pageSize());
    this.refresh();
  }

  /** Connections after the filter, as the tree shows them (for export and tests). */
  visibleConnections(): readonly Connection[] {
    return applyFilter(this.live.lastSnapshot?.connections ?? [], this.filter);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'group':
        return groupItem(node, this.groupBy !== 'state' || rowTotal(node) > 500);
      case 'connection':
        return connectionItem(node);
      case 'more':
        return moreItem(node);
      case 'message':
        return messageItem(node);
    }
  }

  /** A row's tooltip, when VS Code is about to show it. */
  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (node.kind === 'connection') item.tooltip = connectionTooltip(node);
    return item;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.kind === 'connection' || node.kind === 'more' ? node.parent : undefined;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.rootNodes();
    if (node.kind !== 'group') return [];
    if (!this.open.has(node.group.key)) {
      // VS Code asks for the rows of expanded groups only: this one has just opened.
      this.open.add(node.group.key);
      const live = node.listed ? node.rows : liveRowsOf(this.current, node.group.key);
      node.rows = this.rows.orderGroup(this.groupBy, node.group.key, live, node.closedRows);
      node.closedRows = [];
      node.listed = true;
      this.signatures.set(node, this.signature(node));
    }
    const { entries, remaining } = this.page(node);
    const children: TreeNode[] = entries.map((row): ConnectionNode => ({
      kind: 'connection',
      connection: row.connection,
      key: row.key,
      id: row.id,
      parent: node,
      isNew: this.isNew(row),
      closed: row.closed,
      stuck: !row.closed && isStuckCloseWait(row.connection, node.stuckAfterSeconds),
    }));
    if (remaining > 0) children.push({ kind: 'more', parent: node, remaining, step: this.pageSize() });
    return children;
  }

  private rootNodes(): TreeNode[] {
    const error = this.live.lastError;
    const snapshot = this.live.lastSnapshot;
    this.shownError = error !== undefined;
    const messages: MessageNode[] = [];
    if (error) {
      if (error.kind === 'unsupported-platform') return [{ kind: 'message', label: error.message, detail: error.hint, severity: 'info' }];
      messages.push({
        kind: 'message',
        label: error.message,
        detail: error.hint ?? 'Retry',
        severity: 'error',
        command: { command: 'tcpLens.refresh' satisfies CommandId, title: 'Retry' },
      });
    }
    if (!snapshot) return messages.length ? messages : [{ kind: 'message', label: 'Reading connections…', severity: 'info' }];
    const groups = this.groups();
    if (groups.length === 0) {
      messages.push({
        kind: 'message',
        label: this.filter ? `No connection matches "${this.filter.text}"` : 'No TCP connections',
        severity: 'info',
        command: this.filter ? { command: 'tcpLens.clearFilter' satisfies CommandId, title: 'Clear Filter' } : undefined,
      });
    }
    return [...messages, ...groups];
  }

  private groups(): GroupNode[] {
    if (this.groupsCache) return this.groupsCache;
    const snapshot = this.live.lastSnapshot!;
    const current = this.filter ? applyFilter(snapshot.connections, this.filter) : snapshot.connections;
    this.current = current;
    // Connections gone since the last refresh stay one cycle, marked closed.
    const diff = this.live.lastDiff;
    const filteredDiff =
      diff && this.filter
        ? { added: new Set(applyFilter([...diff.added], this.filter)), removed: applyFilter(diff.removed, this.filter) }
        : diff;
    const hideEmpty = setting('tcpLens.hideEmptyStates') || this.filter !== undefined;
    const stuckAfterSeconds = this.stuckAfterSeconds();
    const groups = this.rows.group(current, filteredDiff, this.live.lastSequence, {
      groupBy: this.groupBy,
      stuckAfterSeconds,
      hideEmpty,
      shows: (key) => this.open.has(key),
    });
    const nodes: GroupNode[] = groups.map((g) => ({ kind: 'group', ...g, stuckAfterSeconds }));
    if (this.groupBy === 'process') this.addFdUsage(nodes);
    for (const node of nodes) this.signatures.set(node, this.signature(node));
    this.groupsCache = nodes;
    return nodes;
  }

  private addFdUsage(nodes: GroupNode[]): void {
    const ratio = setting('tcpLens.alerts.fdLimitRatio');
    for (const node of nodes) {
      const usage = node.group.pid === undefined ? undefined : this.live.lastFdUsage.get(node.group.pid);
      if (!usage?.softLimit) continue;
      node.fdWarning = usage.open / usage.softLimit >= ratio;
      node.fdText = `${usage.open} / ${usage.softLimit} fds${node.fdWarning ? ' — Too many open files soon' : ''}`;
    }
  }

  private stuckAfterSeconds(): number {
    return setting('tcpLens.alerts.closeWaitStuckSeconds');
  }

  private pageSize(): number {
    return setting('tcpLens.pageSize');
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
