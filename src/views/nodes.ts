import type { ConnectionGroup } from '../core/grouping';
import type { Connection } from '../core/model';

/** The kinds of rows in the Connections tree. */
export type TreeNode = GroupNode | ConnectionNode | MoreNode | MessageNode;

export interface GroupNode {
  kind: 'group';
  group: ConnectionGroup;
  /** "812 / 1024 fds" for process groups, when readable. */
  fdText?: string;
  fdWarning?: boolean;
}

export interface ConnectionNode {
  kind: 'connection';
  connection: Connection;
  key: string;
  parent: GroupNode;
  isNew: boolean;
  /** Gone since the last refresh; shown once, struck through in red. */
  closed: boolean;
  /** The same row listed again by the kernel within one read (n-th occurrence). */
  duplicate?: number;
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
