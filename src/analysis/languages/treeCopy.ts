import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import { LineIndex, typeFlagTable } from './cFamilyTree';
import { openWalk } from '../wasmCursor';

/**
 * The JavaScript and Python rules' copy of a syntax tree: one cursor walk per file that reads only
 * numbers from WebAssembly into flat arrays, with node objects made only where a rule asks.
 */

/** The columns of a copied tree: one slot per named node, in document order. */
interface FlatTree {
  count: number;
  typeIds: Uint16Array;
  fieldIds: Uint16Array;
  starts: Int32Array;
  ends: Int32Array;
  parents: Int32Array;
  firstChild: Int32Array;
  lastChild: Int32Array;
  nextSibling: Int32Array;
}

function flatTree(capacity: number): FlatTree {
  return {
    count: 0,
    typeIds: new Uint16Array(capacity),
    fieldIds: new Uint16Array(capacity),
    starts: new Int32Array(capacity),
    ends: new Int32Array(capacity),
    parents: new Int32Array(capacity),
    firstChild: new Int32Array(capacity),
    lastChild: new Int32Array(capacity),
    nextSibling: new Int32Array(capacity),
  };
}

function grown(t: FlatTree): FlatTree {
  const bigger = flatTree(t.typeIds.length * 2);
  bigger.count = t.count;
  for (const key of ['typeIds', 'fieldIds', 'starts', 'ends', 'parents', 'firstChild', 'lastChild', 'nextSibling'] as const)
    bigger[key].set(t[key]);
  return bigger;
}

/** Appends a named node under `parent` (-1 for the root) and returns its slot. */
function append(t: FlatTree, typeId: number, fieldId: number, start: number, end: number, parent: number): number {
  const i = t.count++;
  t.typeIds[i] = typeId;
  t.fieldIds[i] = fieldId;
  t.starts[i] = start;
  t.ends[i] = end;
  t.parents[i] = parent;
  t.firstChild[i] = -1;
  t.lastChild[i] = -1;
  t.nextSibling[i] = -1;
  if (parent >= 0) {
    const last = t.lastChild[parent]!;
    if (last < 0) t.firstChild[parent] = i;
    else t.nextSibling[last] = i;
    t.lastChild[parent] = i;
  }
  return i;
}

/**
 * A named node of the copied tree. Made only when a rule asks for it (most nodes never are, so a
 * 10,000-line file costs a few arrays rather than a hundred thousand objects), and made once, so
 * nodes compare with `===`.
 */
const NOT_LISTED: TreeNode[] = [];

export class TreeNode {
  // Starts as the shared empty list, so the field always holds an array (a field that changes kind costs optimised code).
  private kids: TreeNode[] = NOT_LISTED;

  constructor(
    private readonly file: CopiedFile,
    readonly slot: number,
  ) {}

  get type(): string {
    return this.file.types[this.file.tree.typeIds[this.slot]!] ?? 'ERROR';
  }
  /** The field this node fills in its parent (`function`, `arguments`, `left`…), or null. */
  get field(): string | null {
    return this.file.fields[this.file.tree.fieldIds[this.slot]!] ?? null;
  }
  get start(): number {
    return this.file.tree.starts[this.slot]!;
  }
  get end(): number {
    return this.file.tree.ends[this.slot]!;
  }
  get parent(): TreeNode | null {
    const p = this.file.tree.parents[this.slot]!;
    return p < 0 ? null : this.file.node(p);
  }
  /** The first child filling `field`, without making nodes of the others. */
  childInField(field: string): TreeNode | undefined {
    const id = this.file.fieldId(field);
    const t = this.file.tree;
    if (id > 0) for (let c = t.firstChild[this.slot]!; c >= 0; c = t.nextSibling[c]!) if (t.fieldIds[c] === id) return this.file.node(c);
    return undefined;
  }
  /**
   * The slot just past this node's subtree: its descendants are the slots between (document
   * order), so a walk over a statement can read types by slot without making a node per child.
   */
  get subtreeEnd(): number {
    return this.file.subtreeEnd(this.slot);
  }
  /** The type of the node at `slot` of the same tree, without making that node. */
  typeAt(slot: number): string {
    return this.file.types[this.file.tree.typeIds[slot]!] ?? 'ERROR';
  }
  /** The node at `slot` of the same tree. */
  nodeAt(slot: number): TreeNode {
    return this.file.node(slot);
  }
  get children(): readonly TreeNode[] {
    if (this.kids === NOT_LISTED) {
      const kids: TreeNode[] = [];
      for (let c = this.file.tree.firstChild[this.slot]!; c >= 0; c = this.file.tree.nextSibling[c]!) kids.push(this.file.node(c));
      this.kids = kids;
    }
    return this.kids;
  }
  // Rows and columns are asked for only where a finding or a fix is made.
  get startRow(): number {
    return this.file.lines.row(this.start);
  }
  get startColumn(): number {
    return this.file.lines.column(this.start);
  }
  get endRow(): number {
    return this.file.lines.row(this.end);
  }
  get endColumn(): number {
    return this.file.lines.column(this.end);
  }
}

/** One file's copied tree and the grammar's names for its numbers. */
class CopiedFile {
  private readonly nodes: (TreeNode | undefined)[];
  private readonly fieldIds = new Map<string, number>();
  constructor(
    readonly tree: FlatTree,
    readonly types: readonly string[],
    readonly fields: readonly (string | null)[],
    readonly lines: LineIndex,
  ) {
    // Sized up front: filled at scattered slots, a growing array would fall back to a slow dictionary.
    this.nodes = new Array<TreeNode | undefined>(tree.count);
  }
  node(slot: number): TreeNode {
    return (this.nodes[slot] ??= new TreeNode(this, slot));
  }
  subtreeEnd(slot: number): number {
    const t = this.tree;
    // In document order the subtree is followed by the next sibling of the node or of its nearest ancestor that has one.
    for (let s = slot; s >= 0; s = t.parents[s]!) {
      const next = t.nextSibling[s]!;
      if (next >= 0) return next;
    }
    return t.count;
  }
  /** The grammar's id of a field name, 0 when it has none. */
  fieldId(field: string): number {
    let id = this.fieldIds.get(field);
    if (id === undefined) this.fieldIds.set(field, (id = Math.max(0, this.fields.indexOf(field))));
    return id;
  }
}

/** The copied tree of one file and its nodes of interest (document order). */
export interface TreeIndex {
  readonly root: TreeNode;
  readonly source: string;
  /** Nodes of the requested types, by type. */
  readonly byType: ReadonlyMap<string, readonly TreeNode[]>;
  /** Identifier slots by their text, in document order. */
  readonly identifiers: ReadonlyMap<string, readonly number[]>;
  /** Lines of the source, for positions in messages. */
  readonly lines: LineIndex;
  node(slot: number): TreeNode;
}

/** What one language wants from the walk. */
export interface IndexSpec {
  types: ReadonlySet<string>;
  identifierTypes: ReadonlySet<string>;
  /** Copied as leaves: the rules read their text at most (comments, plain strings). */
  opaque: ReadonlySet<string>;
  /**
   * Parents whose children's fields the rules read (`fieldOf`): for every other node the walk
   * does not ask which field it fills, a call into WebAssembly fewer per node.
   */
  fielded: ReadonlySet<string>;
  /**
   * Named tokens of the grammar (they never have children), so the walk does not ask for any;
   * those in `nameTokens` also end where their name characters end, read from the text.
   */
  tokens: ReadonlySet<string>;
  nameTokens: ReadonlySet<string>;
  /** Cheap filter on a node's first characters, so uninteresting calls never reach the rules. */
  keep?: (type: string, head: string) => boolean;
}

// What the walk knows of a node type id, as bit flags (one byte per type id of a grammar).
const KNOWN = 1;
const NAMED = 2;
const LEAF = 4;
const IDENTIFIER = 8;
const NAME_END = 16;
const OPAQUE = 32;
const INDEXED = 64;
const FIELDED = 128;

type Language = SyntaxNode['tree']['language'];

/** Flags per type id, per grammar and spec (typeFlagTable); anonymous tokens found childless are learned as leaves. */
function flagsOf(language: Language, spec: IndexSpec, table: Uint8Array, typeId: number): number {
  const type = language.types[typeId] ?? 'ERROR';
  let flags = KNOWN;
  if (language.nodeTypeIsNamed(typeId)) flags |= NAMED;
  if (spec.tokens.has(type)) flags |= LEAF;
  if (spec.identifierTypes.has(type)) flags |= IDENTIFIER | LEAF | NAME_END;
  if (spec.nameTokens.has(type)) flags |= NAME_END | LEAF;
  if (spec.opaque.has(type)) flags |= OPAQUE;
  if (spec.types.has(type)) flags |= INDEXED;
  if (spec.fielded.has(type)) flags |= FIELDED;
  if (typeId < table.length) table[typeId] = flags;
  return flags;
}

/**
 * Walks the tree once with a cursor, copying the named nodes into flat arrays. Every property
 * read on a tree-sitter node crosses into WebAssembly (and `parent` searches down from the root),
 * and each cursor call copies the cursor in and out of WebAssembly memory: so the walk reads only
 * numbers (type id, field id, offsets), never asks a token for children, a name for its end or a
 * node for a field no rule reads; the rules then ask their many questions of plain arrays.
 */
export function indexTree(root: SyntaxNode, source: string, spec: IndexSpec): TreeIndex {
  const language = root.tree.language;
  const byType = new Map<string, number[]>();
  const identifiers = new Map<string, number[]>();
  const tree = copyFlat(root, source, spec, byType, identifiers);
  const file = new CopiedFile(tree, language.types, language.fields, new LineIndex(source));
  const nodesByType = new Map<string, TreeNode[]>();
  for (const [type, slots] of byType)
    nodesByType.set(
      type,
      slots.map((slot) => file.node(slot)),
    );
  return { root: file.node(0), source, byType: nodesByType, identifiers, lines: file.lines, node: (slot) => file.node(slot) };
}

/**
 * An indexer like {@link indexTree} with `spec` that also keeps the calls of the names it is given
 * (a file's own socket factories, which the spec's `keep` does not know). One derived spec per
 * language spec, made once: the walk caches its type flags per spec object.
 */
export function indexerKeepingCalls(spec: IndexSpec): (root: SyntaxNode, source: string, callees: ReadonlySet<string>) => TreeIndex {
  let kept: ReadonlySet<string> = new Set();
  const derived: IndexSpec = { ...spec, keep: (type, head) => (spec.keep?.(type, head) ?? true) || kept.has(calledName(head)) };
  return (root, source, callees) => {
    kept = callees;
    try {
      return indexTree(root, source, derived);
    } finally {
      kept = new Set();
    }
  };
}

/** The last name before a call's parenthesis (`self._connect(` → `_connect`), from the text `keep` sees. */
function calledName(head: string): string {
  const paren = head.indexOf('(');
  const callee = paren > 0 ? head.slice(0, paren).trimEnd() : '';
  return callee.slice(callee.lastIndexOf('.') + 1);
}

/**
 * The walk itself, kept apart from the indexing after it: the loop is optimised while it runs (on
 * the first file), and code after it that has not run yet would discard that optimisation.
 */
function copyFlat(
  root: SyntaxNode,
  source: string,
  spec: IndexSpec,
  byType: Map<string, number[]>,
  identifiers: Map<string, number[]>,
): FlatTree {
  const language = root.tree.language;
  const types = language.types;
  const table = typeFlagTable(language, spec);
  // About one named node per five characters of code: sized so that a typical file never grows the arrays.
  let tree = flatTree(Math.max(1024, source.length >> 2));
  const cursor = openWalk(root);
  try {
    const rootTypeId = cursor.nodeTypeId;
    append(tree, rootTypeId, 0, cursor.startIndex, cursor.endIndex, -1);
    if (cursor.gotoFirstChild()) {
      // copied[d] tells whether the cursor's ancestor at depth d has a copy (anonymous tokens do not).
      const copied: boolean[] = [true];
      let parent = 0;
      // The flags of `parent`, saved per cursor depth: whether its children's fields are read.
      let parentFlags = flagsOf(language, spec, table, rootTypeId);
      const parentFlagStack: number[] = [];
      for (;;) {
        const typeId = cursor.nodeTypeId;
        let flags = table[typeId] ?? 0;
        if (!(flags & KNOWN)) flags = flagsOf(language, spec, table, typeId);
        let current = parent;
        if (flags & NAMED) {
          const fieldId = parentFlags & FIELDED ? cursor.currentFieldId : 0;
          const start = cursor.startIndex;
          const end = (flags & NAME_END && nameEnd(source, start)) || cursor.endIndex;
          if (tree.count === tree.typeIds.length) tree = grown(tree);
          current = append(tree, typeId, fieldId, start, end, parent);
          if (flags & IDENTIFIER) addTo(identifiers, source.slice(start, end), current);
          else if (flags & INDEXED && (!spec.keep || spec.keep(types[typeId] ?? 'ERROR', source.slice(start, Math.min(end, start + 160)))))
            addTo(byType, types[typeId] ?? 'ERROR', current);
        }
        if (!(flags & (LEAF | OPAQUE))) {
          if (cursor.gotoFirstChild()) {
            copied.push(!!(flags & NAMED));
            parentFlagStack.push(parentFlags);
            if (flags & NAMED) {
              parent = current;
              parentFlags = flags;
            }
            continue;
          }
          // An anonymous token without children is a token of the grammar: never ask again.
          if (!(flags & NAMED) && typeId < table.length) table[typeId] = flags | LEAF;
        }
        let done = false;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) {
            done = true;
            break;
          }
          if (copied.pop()) parent = tree.parents[parent]!;
          parentFlags = parentFlagStack.pop() ?? 0;
          if (copied.length === 0) {
            done = true;
            break;
          }
        }
        if (done) break;
      }
    }
  } finally {
    cursor.delete();
  }
  return tree;
}

function addTo(map: Map<string, number[]>, key: string, slot: number): void {
  const list = map.get(key);
  if (list) list.push(slot);
  else map.set(key, [slot]);
}

/** Where a name starting at `start` ends, read from the text (one call into WebAssembly fewer per name); 0 when unsure. */
function nameEnd(source: string, start: number): number {
  let end = start;
  for (;;) {
    const c = source.charCodeAt(end);
    // ASCII letters, digits, `_` and `$`; anything else ends an ASCII name.
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36) end++;
    // Beyond ASCII (or a `\u0041` escape) the grammar's idea of a name is subtler: ask the tree.
    else return c >= 128 || c === 92 || end === start ? 0 : end;
  }
}

/** The first child filling `field`, or undefined (the parent's type must be in the spec's `fielded`). */
export function fieldOf(node: TreeNode, field: string): TreeNode | undefined {
  return node.childInField(field);
}
