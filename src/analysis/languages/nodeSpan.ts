import type { SourceRange } from '../types';

/**
 * Positional helpers for both copies of the syntax tree: LightNode (cFamilyTree.ts, the brace
 * languages) and TreeNode (treeCopy.ts, JavaScript/TypeScript and Python) have the same shape
 * here, whatever they store underneath.
 */
export interface SpanNode<N> {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly parent: N | null;
}

interface Rows {
  readonly startRow: number;
  readonly startColumn: number;
  readonly endRow: number;
  readonly endColumn: number;
}

export function textOf(node: { readonly start: number; readonly end: number }, source: string): string {
  return source.slice(node.start, node.end);
}

export function rangeOf(node: Rows): SourceRange {
  return {
    start: { line: node.startRow, column: node.startColumn },
    end: { line: node.endRow, column: node.endColumn },
  };
}

/** Leading whitespace of the line where `node` starts. */
export function indentOfLine(node: { readonly start: number }, source: string): string {
  const lineStart = source.lastIndexOf('\n', node.start - 1) + 1;
  let i = lineStart;
  while (source[i] === ' ' || source[i] === '\t') i++;
  return source.slice(lineStart, i);
}

/** True when `node` lies inside `ancestor` (or is it). */
export function isWithin(
  node: { readonly start: number; readonly end: number },
  ancestor: { readonly start: number; readonly end: number },
): boolean {
  return node.start >= ancestor.start && node.end <= ancestor.end;
}

/** Climbs from `node` while the parent's type is in `wrappers` (parentheses, casts, awaits…); returns the outermost wrapper reached. */
export function climb<N extends SpanNode<N>>(node: N, wrappers: ReadonlySet<string>): N {
  let n = node;
  while (n.parent && wrappers.has(n.parent.type)) n = n.parent;
  return n;
}

/** The nearest proper ancestor whose type is in `types`, not climbing past `stopAt`. */
export function nearestAncestor<N extends SpanNode<N>>(node: N, types: ReadonlySet<string>, stopAt?: N): N | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (types.has(p.type)) return p;
    if (p === stopAt) return undefined;
  }
  return undefined;
}

const positions = new WeakMap<readonly unknown[], Map<unknown, number>>();

/**
 * Where `node` sits among `siblings`, in constant time after the first question about that list:
 * a rule that asks it for each of thousands of statements in one block must stay linear. A list
 * changed since (a deferred body copied in) is indexed again.
 */
export function indexAmong<N>(siblings: readonly N[], node: N): number {
  let index = positions.get(siblings);
  const at = index?.get(node);
  if (at !== undefined && siblings[at] === node) return at;
  index = new Map(siblings.map((n, i) => [n, i]));
  positions.set(siblings, index);
  return index.get(node) ?? -1;
}
