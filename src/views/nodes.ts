import type { ConnectionGroup } from '../core/grouping';
import type { Connection } from '../core/model';

/** The kinds of rows in the Connections tree. */
export type TreeNode = GroupNode | ConnectionNode | MoreNode | MessageNode;

export interface GroupNode {
  kind: 'group';
  group: ConnectionGroup;
  /** Its rows in their stable order, closed ones included where they were. */
  rows: Connection[];
  /** Of a group not expanded yet: its rows closed since the last refresh (see GroupRows). */
  closedRows: Connection[];
  /** Whether `rows` lists its live rows (a state group not expanded has only its count; see GroupRows). */
  listed: boolean;
  /** Rows gone since the last refresh, of every group (shown once, struck through). */
  closed: ReadonlySet<Connection>;
  /** Live connections (closed rows are shown but not counted). */
  count: number;
  /** Live connections stuck in CLOSE_WAIT. */
  stuck: number;
  /** Seconds after which CLOSE_WAIT counts as stuck, for the tooltip. */
  stuckAfterSeconds: number;
  /** "812 / 1024 fds" for process groups, when readable. */
  fdText?: string;
  fdWarning?: boolean;
}

export interface ConnectionNode {
  kind: 'connection';
  connection: Connection;
  key: string;
  /** Unique within the parent (the key, `#n` for a row listed twice). */
  id: string;
  parent: GroupNode;
  isNew: boolean;
  /** Gone since the last refresh; shown once, struck through in red. */
  closed: boolean;
  /** In CLOSE_WAIT for longer than `tcpLens.alerts.closeWaitStuckSeconds`. */
  stuck: boolean;
}

export interface MoreNode {
  kind: 'more';
  parent: GroupNode;
  remaining: number;
  /** How many one click shows. */
  step: number;
}

export interface MessageNode {
  kind: 'message';
  label: string;
  detail?: string;
  severity: 'info' | 'error';
  /** A command the row runs (e.g. Retry). */
  command?: { command: string; title: string; arguments?: unknown[] };
}
