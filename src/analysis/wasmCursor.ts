import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';

/**
 * A tree cursor for one uninterrupted walk, calling the WebAssembly runtime directly.
 *
 * Every call of web-tree-sitter's `TreeCursor` writes the cursor's four words into the runtime's
 * transfer buffer (emscripten's generic `setValue`, through a DataView), calls in, and for moves
 * reads the four words back: about half the time of walking a 10,000-line file. The runtime
 * itself keeps the cursor in that buffer between calls, so a walk that makes no other
 * tree-sitter call in between can skip the copies: each step is one call into WebAssembly.
 */
export interface WalkCursor {
  readonly nodeTypeId: number;
  readonly currentFieldId: number;
  readonly startIndex: number;
  readonly endIndex: number;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  delete(): void;
}

/** The runtime's exports the walk uses (present on the module object once `Parser.init` resolved). */
interface CursorExports {
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_delete_wasm(tree: number): void;
}

const EXPORTS: readonly (keyof CursorExports)[] = [
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_delete_wasm',
];

let runtime: CursorExports | undefined;

/**
 * Remembers the runtime behind `Parser.init(options)`: emscripten builds the module on the
 * options object it is given, so after the first init that object carries the exports. Later
 * inits reuse the first module and leave their options bare; those are ignored, and walks fall
 * back to the public cursor if no runtime was ever recognised.
 */
export function rememberRuntime(initOptions: object): void {
  if (runtime) return;
  const candidate = initOptions as Partial<Record<keyof CursorExports, unknown>>;
  if (EXPORTS.every((name) => typeof candidate[name] === 'function')) runtime = initOptions as CursorExports;
}

/** The four words of web-tree-sitter's cursor object (its handle in the runtime). */
type CursorHandle = Record<0 | 1 | 2 | 3, number>;

class DirectCursor implements WalkCursor {
  constructor(
    private readonly exports: CursorExports,
    private readonly tree: number,
    private readonly opened: CursorHandle & { delete(): void },
  ) {}
  get nodeTypeId(): number {
    return this.exports._ts_tree_cursor_current_node_type_id_wasm(this.tree);
  }
  get currentFieldId(): number {
    return this.exports._ts_tree_cursor_current_field_id_wasm(this.tree);
  }
  get startIndex(): number {
    return this.exports._ts_tree_cursor_start_index_wasm(this.tree);
  }
  get endIndex(): number {
    return this.exports._ts_tree_cursor_end_index_wasm(this.tree);
  }
  gotoFirstChild(): boolean {
    return this.exports._ts_tree_cursor_goto_first_child_wasm(this.tree) === 1;
  }
  gotoNextSibling(): boolean {
    return this.exports._ts_tree_cursor_goto_next_sibling_wasm(this.tree) === 1;
  }
  gotoParent(): boolean {
    return this.exports._ts_tree_cursor_goto_parent_wasm(this.tree) === 1;
  }
  delete(): void {
    // The buffer holds the cursor as it is now (its stack may have been reallocated while moving);
    // the JavaScript object still holds the words from its creation, so it must not free them.
    this.exports._ts_tree_cursor_delete_wasm(this.tree);
    this.opened[0] = this.opened[1] = this.opened[2] = this.opened[3] = 0;
  }
}

/**
 * Opens a cursor on `root` for a walk that calls nothing else of tree-sitter until `delete()`
 * (reading the language's tables is fine: they do not use the transfer buffer).
 */
export function openWalk(root: SyntaxNode): WalkCursor {
  const cursor = root.walk();
  const tree = (root.tree as unknown as { 0?: unknown })[0];
  if (!runtime || typeof tree !== 'number') return cursor;
  // `walk()` left the new cursor in the transfer buffer.
  return new DirectCursor(runtime, tree, cursor as unknown as CursorHandle & { delete(): void });
}
