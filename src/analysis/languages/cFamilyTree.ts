import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import { openWalk, type WalkCursor } from '../wasmCursor';

/**
 * A plain-JavaScript copy of the syntax tree for the brace languages (Go, Java, C, C++, C#).
 * Every property read on a tree-sitter node crosses into WebAssembly; the rules ask many
 * questions of each node (parent, field, text), so one cursor walk copies what they need and
 * everything after it is ordinary object access.
 */
/** The children of every leaf: half the nodes are leaves, and an array each is a lot of garbage in a 2 MB file. */
const NO_CHILDREN: LightNode[] = [];

export class LightNode {
  children: LightNode[] = NO_CHILDREN;
  /** A function body left uncopied (it mentions no acquisition); copied on demand by `copyTree(…, { at })`. */
  deferred = false;

  constructor(
    readonly type: string,
    /** The field this node fills in its parent (`function`, `arguments`, `left`…), or null. */
    readonly field: string | null,
    readonly start: number,
    readonly end: number,
    readonly parent: LightNode | null,
    private readonly lines: LineIndex,
  ) {}

  // Rows and columns are asked for only where a finding or a fix is made: computed then, not per node.
  get startRow(): number {
    return this.lines.row(this.start);
  }
  get startColumn(): number {
    return this.lines.column(this.start);
  }
  get endRow(): number {
    return this.lines.row(this.end);
  }
  get endColumn(): number {
    return this.lines.column(this.end);
  }
}

/** What one analysis shares between copies of its tree (the whole file, then bodies on demand). */
export interface CopyOptions {
  readonly source: string;
  readonly lines: LineIndex;
  /** Node types copied as leaves: the rules read their text at most (strings, comments, types). */
  readonly opaque: ReadonlySet<string>;
  /** Leaf types not copied at all: no rule reads them (C#'s number literals and `var`), fewer nodes in a large file. */
  readonly skipped?: ReadonlySet<string>;
  /** Whether to leave a function's `body` uncopied for now. */
  readonly deferBody?: (functionNode: LightNode, body: LightNode) => boolean;
  /** Where the copy goes: the parent and field of its top node (copying a deferred body). */
  readonly at?: { parent: LightNode; field: string | null };
}

/**
 * Copies the named nodes, in document order. Only numbers cross from WebAssembly per node (type
 * id, field id, offsets); names come from the language's tables and line/column from the source,
 * which keeps the copy of a 10,000-line file within a few tens of milliseconds.
 * Offsets and columns are UTF-16 code units, as tree-sitter reports them to JavaScript and LSP counts.
 */
export function copyTree(root: SyntaxNode, options: CopyOptions): LightNode {
  const { source, lines, opaque, deferBody } = options;
  const skipped = options.skipped ?? NOTHING_SKIPPED;
  const language = root.tree.language;
  const types = language.types;
  const fields = language.fields;
  const flags = typeFlagTable(language, opaque, skipped);
  const cursor = openWalk(root);
  try {
    const topType = types[cursor.nodeTypeId] ?? 'ERROR';
    const top = nodeAt(cursor, options.at?.parent ?? null, topType, options.at?.field ?? null, lines, source, NAME_TYPES.has(topType));
    if (!cursor.gotoFirstChild()) return top;
    // copied[d] tells whether the cursor's ancestor at depth d has a copy (anonymous tokens do not).
    const copied: boolean[] = [true];
    let parent: LightNode = top;
    let parentFieldless = FIELDLESS.has(top.type);
    for (;;) {
      const typeId = cursor.nodeTypeId;
      let f = flags[typeId] ?? 0;
      if (f === 0) f = learn(flags, language, opaque, skipped, typeId);
      const isNamed = (f & FLAG.named) !== 0 && (f & FLAG.skipped) === 0;
      let current = parent;
      let descend = true;
      if (isNamed) {
        const type = types[typeId] ?? 'ERROR';
        const field = parentFieldless ? null : (fields[cursor.currentFieldId] ?? null);
        current = nodeAt(cursor, parent, type, field, lines, source, (f & FLAG.name) !== 0);
        if (parent.children === NO_CHILDREN) parent.children = [current];
        else parent.children.push(current);
        descend = (f & FLAG.opaque) === 0;
        if (descend && field === 'body' && deferBody?.(parent, current)) {
          current.deferred = true;
          descend = false;
        }
      } else if ((f & FLAG.skipped) !== 0) {
        descend = false;
      }
      if (descend && cursor.gotoFirstChild()) {
        copied.push(isNamed);
        if (isNamed) {
          parent = current;
          parentFieldless = (f & FLAG.fieldless) !== 0;
        }
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return top;
        if (copied.pop()) {
          parent = parent.parent ?? top;
          parentFieldless = FIELDLESS.has(parent.type);
        }
        if (copied.length === 0) return top;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** What the walk knows of a node type id, as bit flags, learned once per grammar and opaque set. */
const FLAG = { known: 1, named: 2, name: 4, opaque: 8, fieldless: 16, skipped: 32 } as const;
const NOTHING_SKIPPED: ReadonlySet<string> = new Set();

type Language = SyntaxNode['tree']['language'];
const flagTables = new WeakMap<Language, Map<object, Map<object, Uint8Array>>>();

/** One byte of flags per node type id of a grammar, for one walk's settings (`key`, `subkey`): filled as types are met. */
export function typeFlagTable(language: Language, key: object, subkey: object = flagTables): Uint8Array {
  let byKey = flagTables.get(language);
  if (!byKey) flagTables.set(language, (byKey = new Map()));
  let bySubkey = byKey.get(key);
  if (!bySubkey) byKey.set(key, (bySubkey = new Map()));
  let table = bySubkey.get(subkey);
  if (!table) bySubkey.set(subkey, (table = new Uint8Array(Math.max(language.nodeTypeCount, language.types.length) + 1)));
  return table;
}

function learn(table: Uint8Array, language: Language, opaque: ReadonlySet<string>, skipped: ReadonlySet<string>, typeId: number): number {
  const type = language.types[typeId] ?? 'ERROR';
  let f: number = FLAG.known;
  if (language.nodeTypeIsNamed(typeId)) f |= FLAG.named;
  if (NAME_TYPES.has(type)) f |= FLAG.name;
  if (opaque.has(type)) f |= FLAG.opaque;
  if (skipped.has(type)) f |= FLAG.skipped;
  if (FIELDLESS.has(type)) f |= FLAG.fieldless;
  if (typeId < table.length) table[typeId] = f;
  return f;
}

/** Lists whose items fill no field in any of the grammars: asking for the field would be a wasted call. */
const FIELDLESS: ReadonlySet<string> = new Set([
  'block',
  'statement_list',
  'compound_statement',
  'argument_list',
  'expression_statement',
  'class_body',
  'declaration_list',
  'field_declaration_list',
  'translation_unit',
  'source_file',
  'program',
  'compilation_unit',
]);

/** Line starts of a source text, for turning offsets into rows and columns. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(source: string) {
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  row(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  column(offset: number): number {
    return offset - this.starts[this.row(offset)]!;
  }
  /** Line and column of `offset`, with one search. */
  position(offset: number): { line: number; column: number } {
    const line = this.row(offset);
    return { line, column: offset - this.starts[line]! };
  }
}

const NAME_TYPES: ReadonlySet<string> = new Set([
  'identifier',
  'field_identifier',
  'type_identifier',
  'package_identifier',
  'namespace_identifier',
]);
const NAME_CHARACTERS = /[\p{L}\p{N}_$]+/uy;

function nodeAt(
  cursor: WalkCursor,
  parent: LightNode | null,
  type: string,
  field: string | null,
  lines: LineIndex,
  source: string,
  isName: boolean,
): LightNode {
  const start = cursor.startIndex;
  // Names are a third of the nodes: their end is read from the text, saving a call into WebAssembly.
  if (isName) {
    NAME_CHARACTERS.lastIndex = start;
    const m = NAME_CHARACTERS.exec(source);
    if (m) return new LightNode(type, field, start, start + m[0].length, parent, lines);
  }
  return new LightNode(type, field, start, cursor.endIndex, parent, lines);
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

/** Strips wrapper nodes around an expression (parentheses, awaits, casts). */
export function unwrap(node: LightNode, wrappers: ReadonlySet<string>): LightNode {
  let n = node;
  while (wrappers.has(n.type) && n.children.length > 0) n = n.children[n.children.length - 1]!;
  return n;
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

/** What `declaredNames` returns for the many nodes that declare nothing: one shared empty list, not one per node. */
export const NO_NAMES: readonly LightNode[] = [];

/** The `name` of each `variable_declarator` child (Java and C# local declarations). */
export function variableDeclaratorNames(declaration: LightNode): LightNode[] {
  const out: LightNode[] = [];
  for (const d of declaration.children) {
    const name = d.type === 'variable_declarator' ? fieldOf(d, 'name') : undefined;
    if (name) out.push(name);
  }
  return out;
}
