import * as vscode from 'vscode';
import type { ConnectionFilter } from '../core/filter';
import type { GroupBy } from '../core/grouping';

/** What changed in a {@link ConnectionsViewState}. */
export interface ViewStateChange {
  filter: boolean;
  groupBy: boolean;
}

/**
 * What the user chose for the Connections view (filter, grouping). Commands set it; the tree and
 * the view's title follow its one change event, so no caller updates them in pairs.
 */
export class ConnectionsViewState implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ViewStateChange>();
  readonly onDidChange = this.emitter.event;
  private filterValue: ConnectionFilter | undefined;
  private groupByValue: GroupBy = 'state';

  get filter(): ConnectionFilter | undefined {
    return this.filterValue;
  }

  get groupBy(): GroupBy {
    return this.groupByValue;
  }

  setFilter(filter: ConnectionFilter | undefined): void {
    // The same text again still fires: the user asked, and the list starts over.
    this.filterValue = filter;
    this.emitter.fire({ filter: true, groupBy: false });
  }

  setGroupBy(by: GroupBy): void {
    this.groupByValue = by;
    this.emitter.fire({ filter: false, groupBy: true });
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
