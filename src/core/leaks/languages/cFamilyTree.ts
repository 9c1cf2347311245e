import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import type { SourceRange } from '../types';

/**
 * A plain-JavaScript copy of the syntax tree for the brace languages (Go, Java, C, C++, C#).
 * Every property read on a tree-sitter node crosses into WebAssembly; the rules ask many
 * questions of each node (parent, field, text), so one cursor walk copies what they need and
 * everything after it is ordinary object access.
 */
export interface LightNode {
  readonly type: string;
  /** The field this node fills in its parent (`function`, `arguments`, `left`…), or null. */
  readonly field: string | null;
  readonly start: number;
  readonly end: number;
  readonly startRow: number;
  readonly startColumn: number;
  readonly endRow: number;
  readonly endColumn: number;
  readonly parent: LightNode | null;
  readonly children: LightNode[];
}

/**
 * Copies named nodes and the anonymous tokens that fill a field (operators), in document order.
 * Indexes are UTF-16 offsets into the source string, as tree-sitter reports them to JavaScript.
 */
export function copyTree(root: SyntaxNode): LightNode {
  const cursor = root.walk();
  try {
    const top = nodeAt(cursor, null);
    let parent: LightNode = top;
    if (!cursor.gotoFirstChild()) return top;
    for (;;) {
      let current: LightNode = parent;
      if (cursor.nodeIsNamed || cursor.currentFieldName) {
        current = nodeAt(cursor, parent);
        parent.children.push(current);
      }
      if (cursor.gotoFirstChild()) {
        parent = current;
        continue;
      }
      // Unnamed tokens were not copied, so the parent to return to is found by walking up the copy.
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return top;
        if (cursor.nodeIsNamed || cursor.currentFieldName || cursor.currentDepth === 0) {
          parent = parent.parent ?? top;
        }
      }
    }
  } finally {
    cursor.delete();
  }
}

function nodeAt(cursor: ReturnType<SyntaxNode['walk']>, parent: LightNode | null): LightNode {
  const start = cursor.startPosition;
  const end = cursor.endPosition;
  return {
    type: cursor.nodeType,
    field: cursor.currentFieldName,
    start: cursor.startIndex,
    end: cursor.endIndex,
    startRow: start.row,
    startColumn: start.column,
    endRow: end.row,
    endColumn: end.column,
    parent,
    children: [],
  };
}

export function textOf(node: LightNode, source: string): string {
  return source.slice(node.start, node.end);
}

/** The first child filling `field`, or undefined. */
export function fieldOf(node: LightNode, field: string): LightNode | undefined {
  for (const c of node.children) if (c.field === field) return c;
  return undefined;
}

export function firstOfType(node: LightNode, type: string): LightNode | undefined {
  for (const c of node.children) if (c.type === type) return c;
  return undefined;
}

export function rangeOfNode(node: LightNode): SourceRange {
  return {
    start: { line: node.startRow, column: node.startColumn },
    end: { line: node.endRow, column: node.endColumn },
  };
}

/** Climbs from `node` while the parent's type is in `wrappers`; returns the outermost wrapper reached. */
export function climb(node: LightNode, wrappers: ReadonlySet<string>): LightNode {
  let n = node;
  while (n.parent && wrappers.has(n.parent.type)) n = n.parent;
  return n;
}

/** Strips wrapper nodes around an expression (parentheses, awaits, casts). */
export function unwrap(node: LightNode, wrappers: ReadonlySet<string>): LightNode {
  let n = node;
  while (wrappers.has(n.type) && n.children.length > 0) n = n.children[n.children.length - 1]!;
  return n;
}

/** True when `inner` lies inside `outer` (or is it). */
export function contains(outer: LightNode, inner: LightNode): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

/** The nearest proper ancestor whose type is in `types`, not climbing past `stopAt`. */
export function ancestorOfType(node: LightNode, types: ReadonlySet<string>, stopAt?: LightNode): LightNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (types.has(p.type)) return p;
    if (p === stopAt) return undefined;
  }
  return undefined;
}

/** Leading whitespace of the line where `node` starts. */
export function indentOfLine(node: LightNode, source: string): string {
  const lineStart = source.lastIndexOf('\n', node.start - 1) + 1;
  let i = lineStart;
  while (source[i] === ' ' || source[i] === '\t') i++;
  return source.slice(lineStart, i);
}

/**
 * True when `node` runs only on a failure branch (as `isErrorBranch` recognises one) of the
 * function it belongs to: a close there leaves the success path open.
 */
export function onErrorBranch(node: LightNode, functionTypes: ReadonlySet<string>, isErrorBranch: (n: LightNode) => boolean): boolean {
  for (let p = node.parent; p && !functionTypes.has(p.type); p = p.parent) {
    if (isErrorBranch(p)) return true;
  }
  return false;
}

/** The `name` of each `variable_declarator` child (Java and C# local declarations). */
export function variableDeclaratorNames(declaration: LightNode): LightNode[] {
  const out: LightNode[] = [];
  for (const d of declaration.children) {
    const name = d.type === 'variable_declarator' ? fieldOf(d, 'name') : undefined;
    if (name) out.push(name);
  }
  return out;
}
