import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import type { SourceRange } from '../types';

/**
 * Grammar-neutral helpers shared by the language rules: one indexing walk per file, identifier
 * references by name within a scope, and the verdict over how a socket binding is used.
 */

/** The nodes of interest of one file, gathered in a single cursor walk (document order). */
export interface TreeIndex {
  readonly root: SyntaxNode;
  /** Nodes of the requested types, by type. */
  readonly byType: ReadonlyMap<string, readonly SyntaxNode[]>;
  /** Identifier nodes by their text, in document order. */
  readonly identifiers: ReadonlyMap<string, readonly SyntaxNode[]>;
}

/** What one language wants from the walk. */
export interface IndexSpec {
  types: ReadonlySet<string>;
  identifierTypes: ReadonlySet<string>;
  /** Cheap filter on a node's first characters, so uninteresting calls never become Node objects. */
  keep?: (type: string, head: string) => boolean;
}

/**
 * Walks the tree once with a cursor. Creating a Node object costs more than the walk itself, so
 * only identifiers and the kept nodes of the requested types are materialised.
 */
export function indexTree(root: SyntaxNode, source: string, spec: IndexSpec): TreeIndex {
  const byType = new Map<string, SyntaxNode[]>();
  const identifiers = new Map<string, SyntaxNode[]>();
  const cursor = root.walk();
  try {
    for (;;) {
      const type = cursor.nodeType;
      if (spec.identifierTypes.has(type)) {
        const text = source.slice(cursor.startIndex, cursor.endIndex);
        const list = identifiers.get(text);
        if (list) list.push(cursor.currentNode);
        else identifiers.set(text, [cursor.currentNode]);
      } else if (spec.types.has(type)) {
        const start = cursor.startIndex;
        if (!spec.keep || spec.keep(type, source.slice(start, Math.min(cursor.endIndex, start + 160)))) {
          const list = byType.get(type);
          if (list) list.push(cursor.currentNode);
          else byType.set(type, [cursor.currentNode]);
        }
      }
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return { root, byType, identifiers };
      }
    }
  } finally {
    cursor.delete();
  }
}

/** References to `name` inside `scope`, found by binary search over the document-ordered index. */
export function referencesWithin(index: TreeIndex, name: string, scope: SyntaxNode): SyntaxNode[] {
  const all = index.identifiers.get(name);
  if (!all) return [];
  const out: SyntaxNode[] = [];
  for (let i = firstAtOrAfter(all, scope.startIndex); i < all.length && all[i]!.startIndex < scope.endIndex; i++) out.push(all[i]!);
  return out;
}

/** Index of the first node (in document order) starting at or after `offset`: a binary search. */
function firstAtOrAfter(nodes: readonly SyntaxNode[], offset: number): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid]!.startIndex < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when `node` lies inside `ancestor` (or is it). */
export function isWithin(node: SyntaxNode, ancestor: SyntaxNode): boolean {
  return node.startIndex >= ancestor.startIndex && node.endIndex <= ancestor.endIndex;
}

/** The nearest ancestor (not the node itself) whose type is in `types`, or null. */
export function nearestAncestor(node: SyntaxNode, types: ReadonlySet<string>, stopAt?: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) {
    if (types.has(p.type)) return p;
    if (stopAt && p.id === stopAt.id) return null;
  }
  return null;
}

/** Climbs through wrapper nodes (parentheses, type assertions, tuples…) to the node whose parent gives the meaning. */
export function climbThrough(node: SyntaxNode, wrappers: ReadonlySet<string>): SyntaxNode {
  let n = node;
  while (n.parent && wrappers.has(n.parent.type)) n = n.parent;
  return n;
}

export function rangeOf(node: SyntaxNode): SourceRange {
  return {
    start: { line: node.startPosition.row, column: node.startPosition.column },
    end: { line: node.endPosition.row, column: node.endPosition.column },
  };
}

/** How one reference to a socket binding uses it. */
export type SocketUse =
  | 'close' // close()/destroy()/end(), with, closing(), pipeline, enter_context
  | 'close-on-error-path' // a close that runs only in a catch/except block
  | 'consume' // the readable side is drained (data listener, resume, pipe, read loop)
  | 'store' // kept in a field, map or collection
  | 'hand-on' // returned, yielded, resolved, passed to a function or constructor
  | 'other';

/** A reference's meaning: a use, or a local alias (`const other = sock`) whose references count too. */
export type ReferenceMeaning = SocketUse | { alias: SyntaxNode };

/** One classified reference. */
export interface BindingUse {
  use: SocketUse;
  node: SyntaxNode;
}

/** Classifies every reference to `binding` inside `scope`, following local aliases a few levels deep. */
export function usesOfBinding(index: TreeIndex, binding: SyntaxNode, scope: SyntaxNode, classify: (ref: SyntaxNode) => ReferenceMeaning): BindingUse[] {
  const uses: BindingUse[] = [];
  const pending = [binding];
  const seen = new Set<string>();
  while (pending.length > 0 && seen.size < 8) {
    const next = pending.pop()!;
    if (seen.has(next.text)) continue;
    seen.add(next.text);
    for (const ref of referencesWithin(index, next.text, scope)) {
      if (ref.id === next.id) continue;
      const meaning = classify(ref);
      if (typeof meaning === 'string') uses.push({ use: meaning, node: ref });
      else pending.push(meaning.alias);
    }
  }
  return uses;
}

/** Grammar node types the early-return check needs. */
export interface ExitSyntax {
  functionTypes: ReadonlySet<string>;
  tryType: string;
  finallyType: string;
}

/**
 * A `return` in `scope` after `acquired` and before every close, not covered by a `finally` that
 * closes, and not returning the socket: the path the socket leaks on.
 */
export function earlyReturn(
  index: TreeIndex, scope: SyntaxNode, acquired: SyntaxNode, binding: string, closes: readonly SyntaxNode[], syntax: ExitSyntax,
): SyntaxNode | undefined {
  if (closes.length === 0) return undefined;
  const firstClose = Math.min(...closes.map((c) => c.startIndex));
  const returns = index.byType.get('return_statement') ?? [];
  // Only the returns between the acquisition and the first close, so a big file stays linear.
  for (let i = firstAtOrAfter(returns, acquired.endIndex); i < returns.length && returns[i]!.startIndex < firstClose; i++) {
    const ret = returns[i]!;
    if (ret.endIndex > firstClose || !isWithin(ret, scope)) continue;
    if ((nearestAncestor(ret, syntax.functionTypes) ?? scope).id !== scope.id) continue;
    if (referencesWithin(index, binding, ret).length > 0) continue;
    if (closedByFinally(ret, scope, closes, syntax)) continue;
    return ret;
  }
  return undefined;
}

function closedByFinally(node: SyntaxNode, scope: SyntaxNode, closes: readonly SyntaxNode[], syntax: ExitSyntax): boolean {
  for (let t = nearestAncestor(node, new Set([syntax.tryType]), scope); t; t = nearestAncestor(t, new Set([syntax.tryType]), scope)) {
    const fin = t.namedChildren.find((c) => c?.type === syntax.finallyType);
    if (fin && closes.some((c) => isWithin(c, fin))) return true;
  }
  return false;
}

/** What the uses of one binding add up to. */
export interface UseSummary {
  closed: boolean;
  closedOnErrorPathOnly: boolean;
  consumed: boolean;
  stored: boolean;
  handedOn: boolean;
}

export function summarizeUses(uses: readonly BindingUse[]): UseSummary {
  const seen = new Set(uses.map((u) => u.use));
  return {
    closed: seen.has('close'),
    closedOnErrorPathOnly: !seen.has('close') && seen.has('close-on-error-path'),
    consumed: seen.has('consume'),
    stored: seen.has('store'),
    handedOn: seen.has('hand-on'),
  };
}

/** The message for a binding that is neither closed nor handed on. */
export function unclosedMessage(summary: UseSummary): string {
  return summary.closedOnErrorPathOnly
    ? 'Socket opened here is closed only on the error path — CLOSE_WAIT risk when it succeeds'
    : 'Socket opened here is never closed — CLOSE_WAIT risk';
}

/** The nodes of the uses that count as closing (or, for streams Node ends itself, draining). */
export function closingNodes(uses: readonly BindingUse[], alsoConsume: boolean): SyntaxNode[] {
  return uses.filter((u) => u.use === 'close' || (alsoConsume && u.use === 'consume')).map((u) => u.node);
}

/** The message for a socket closed on most paths but not on an early return. */
export function earlyReturnMessage(what: string, ret: SyntaxNode): string {
  return `${what} is not closed on the return at line ${ret.startPosition.row + 1} — CLOSE_WAIT risk`;
}

/** First line's leading whitespace of the line holding `row`. */
export function indentationOf(source: string, row: number, lineStarts: readonly number[]): string {
  const start = lineStarts[row] ?? 0;
  let end = start;
  while (end < source.length && (source[end] === ' ' || source[end] === '\t')) end++;
  return source.slice(start, end);
}

/** Offsets at which each line starts. */
export function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
