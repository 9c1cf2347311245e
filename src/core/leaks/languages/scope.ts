import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import type { SourceRange } from '../types';
import { LightNode, LineIndex, rangeOfNode, textOf } from './cFamilyTree';

/**
 * Grammar-neutral helpers shared by the JavaScript and Python rules: one walk per file that copies
 * the tree into plain objects and indexes it, identifier references by name within a scope, and
 * the verdict over how a socket binding is used.
 */

/** The copied tree of one file and its nodes of interest (document order). */
export interface TreeIndex {
  readonly root: LightNode;
  readonly source: string;
  /** Nodes of the requested types, by type. */
  readonly byType: ReadonlyMap<string, readonly LightNode[]>;
  /** Identifier nodes by their text, in document order. */
  readonly identifiers: ReadonlyMap<string, readonly LightNode[]>;
}

/** What one language wants from the walk. */
export interface IndexSpec {
  types: ReadonlySet<string>;
  identifierTypes: ReadonlySet<string>;
  /** Copied as leaves: the rules read their text at most (comments, plain strings). */
  opaque: ReadonlySet<string>;
  /** Parents whose children fill no field: asking the runtime for it would be a wasted call. */
  fieldless: ReadonlySet<string>;
  /** Cheap filter on a node's first characters, so uninteresting calls never reach the rules. */
  keep?: (type: string, head: string) => boolean;
}

/**
 * Walks the tree once with a cursor, copying the named nodes into `LightNode`s. Every property
 * read on a tree-sitter node crosses into WebAssembly (and `parent` searches down from the root),
 * so only numbers are read per node (type id, field id, offsets) and the rules then ask their many
 * questions of plain objects: on a 10,000-line file this is what keeps the rules below the parse time.
 */
export function indexTree(root: SyntaxNode, source: string, spec: IndexSpec): TreeIndex {
  const language = root.tree.language;
  const types = language.types;
  const fields = language.fields;
  const named: boolean[] = [];
  const lines = new LineIndex(source);
  const byType = new Map<string, LightNode[]>();
  const identifiers = new Map<string, LightNode[]>();
  const cursor = root.walk();
  try {
    const top = new LightNode(types[cursor.nodeTypeId] ?? 'ERROR', null, cursor.startIndex, cursor.endIndex, null, lines);
    const index: TreeIndex = { root: top, source, byType, identifiers };
    if (!cursor.gotoFirstChild()) return index;
    // copied[d] tells whether the cursor's ancestor at depth d has a copy (anonymous tokens do not).
    const copied: boolean[] = [true];
    let parent = top;
    for (;;) {
      const typeId = cursor.nodeTypeId;
      let isNamed = named[typeId];
      if (isNamed === undefined) isNamed = named[typeId] = language.nodeTypeIsNamed(typeId);
      let current = parent;
      let descend = true;
      if (isNamed) {
        const type = types[typeId] ?? 'ERROR';
        const field = spec.fieldless.has(parent.type) ? null : (fields[cursor.currentFieldId] ?? null);
        const start = cursor.startIndex;
        if (spec.identifierTypes.has(type)) {
          const end = nameEnd(source, start) ?? cursor.endIndex;
          current = new LightNode(type, field, start, end, parent, lines);
          addTo(identifiers, source.slice(start, end), current);
          descend = false;
        } else {
          current = new LightNode(type, field, start, cursor.endIndex, parent, lines);
          if (spec.types.has(type) && (!spec.keep || spec.keep(type, source.slice(start, Math.min(current.end, start + 160))))) addTo(byType, type, current);
          descend = !spec.opaque.has(type);
        }
        parent.children.push(current);
      }
      if (descend && cursor.gotoFirstChild()) {
        copied.push(isNamed);
        parent = current;
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return index;
        if (copied.pop()) parent = parent.parent ?? top;
        if (copied.length === 0) return index;
      }
    }
  } finally {
    cursor.delete();
  }
}

function addTo(map: Map<string, LightNode[]>, key: string, node: LightNode): void {
  const list = map.get(key);
  if (list) list.push(node);
  else map.set(key, [node]);
}

const NAME_CHARACTERS = /[\p{L}\p{N}_$]+/uy;

/** Where a name starting at `start` ends, read from the text (one call into WebAssembly fewer per identifier). */
function nameEnd(source: string, start: number): number | undefined {
  NAME_CHARACTERS.lastIndex = start;
  const m = NAME_CHARACTERS.exec(source);
  const end = m ? start + m[0].length : start;
  // A JavaScript name may hold `\u0041` escapes or characters the pattern does not know: ask the tree then.
  return m && !/[\\\u200c\u200d\p{M}]/u.test(source[end] ?? '') ? end : undefined;
}

/** The text of `node`, or '' when there is no node. */
export function optText(node: LightNode | null | undefined, source: string): string {
  return node ? textOf(node, source) : '';
}

/** The nodes of `types` under `node` (not itself), in document order. */
export function descendantsOfType(node: LightNode, types: ReadonlySet<string>): LightNode[] {
  const out: LightNode[] = [];
  const pending = [...node.children].reverse();
  for (let n = pending.pop(); n; n = pending.pop()) {
    if (types.has(n.type)) out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) pending.push(n.children[i]!);
  }
  return out;
}

/** References to `name` inside `scope`, found by binary search over the document-ordered index. */
export function referencesWithin(index: TreeIndex, name: string, scope: LightNode): LightNode[] {
  const all = index.identifiers.get(name);
  if (!all) return [];
  const out: LightNode[] = [];
  for (let i = firstAtOrAfter(all, scope.start); i < all.length && all[i]!.start < scope.end; i++) out.push(all[i]!);
  return out;
}

/** Index of the first node (in document order) starting at or after `offset`: a binary search. */
function firstAtOrAfter(nodes: readonly LightNode[], offset: number): number {
  let lo = 0;
  let hi = nodes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nodes[mid]!.start < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when `node` lies inside `ancestor` (or is it). */
export function isWithin(node: LightNode, ancestor: LightNode): boolean {
  return node.start >= ancestor.start && node.end <= ancestor.end;
}

/** The nearest ancestor (not the node itself) whose type is in `types`, or null. */
export function nearestAncestor(node: LightNode, types: ReadonlySet<string>, stopAt?: LightNode): LightNode | null {
  for (let p = node.parent; p; p = p.parent) {
    if (types.has(p.type)) return p;
    if (p === stopAt) return null;
  }
  return null;
}

/** Climbs through wrapper nodes (parentheses, type assertions, tuples…) to the node whose parent gives the meaning. */
export function climbThrough(node: LightNode, wrappers: ReadonlySet<string>): LightNode {
  let n = node;
  while (n.parent && wrappers.has(n.parent.type)) n = n.parent;
  return n;
}

export function rangeOf(node: LightNode): SourceRange {
  return rangeOfNode(node);
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
export type ReferenceMeaning = SocketUse | { alias: LightNode };

/** One classified reference. */
export interface BindingUse {
  use: SocketUse;
  node: LightNode;
}

/** Classifies every reference to `binding` inside `scope`, following local aliases a few levels deep. */
export function usesOfBinding(index: TreeIndex, binding: LightNode, scope: LightNode, classify: (ref: LightNode) => ReferenceMeaning): BindingUse[] {
  const uses: BindingUse[] = [];
  const pending = [binding];
  const seen = new Set<string>();
  while (pending.length > 0 && seen.size < 8) {
    const next = pending.pop()!;
    const name = textOf(next, index.source);
    if (seen.has(name)) continue;
    seen.add(name);
    for (const ref of referencesWithin(index, name, scope)) {
      if (ref === next) continue;
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
  index: TreeIndex, scope: LightNode, acquired: LightNode, binding: string, closes: readonly LightNode[], syntax: ExitSyntax,
): LightNode | undefined {
  if (closes.length === 0) return undefined;
  const firstClose = Math.min(...closes.map((c) => c.start));
  const returns = index.byType.get('return_statement') ?? [];
  // Only the returns between the acquisition and the first close, so a big file stays linear.
  for (let i = firstAtOrAfter(returns, acquired.end); i < returns.length && returns[i]!.start < firstClose; i++) {
    const ret = returns[i]!;
    if (ret.end > firstClose || !isWithin(ret, scope)) continue;
    if ((nearestAncestor(ret, syntax.functionTypes) ?? scope) !== scope) continue;
    if (referencesWithin(index, binding, ret).length > 0) continue;
    if (closedByFinally(ret, scope, closes, syntax)) continue;
    return ret;
  }
  return undefined;
}

function closedByFinally(node: LightNode, scope: LightNode, closes: readonly LightNode[], syntax: ExitSyntax): boolean {
  const tries = new Set([syntax.tryType]);
  for (let t = nearestAncestor(node, tries, scope); t; t = nearestAncestor(t, tries, scope)) {
    const fin = t.children.find((c) => c.type === syntax.finallyType);
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
export function closingNodes(uses: readonly BindingUse[], alsoConsume: boolean): LightNode[] {
  return uses.filter((u) => u.use === 'close' || (alsoConsume && u.use === 'consume')).map((u) => u.node);
}

/** The message for a socket closed on most paths but not on an early return. */
export function earlyReturnMessage(what: string, ret: LightNode): string {
  return `${what} is not closed on the return at line ${ret.startRow + 1} — CLOSE_WAIT risk`;
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
