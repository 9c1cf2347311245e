import type { LightNode } from './cFamilyTree';

/**
 * The one path rule of the brace languages: a socket closed by a plain statement later in the same
 * block leaks when an early `return`/`continue`/`break`/`throw` between the acquisition and that
 * close leaves without closing. Deferred closes (`defer`, `finally`, `using`) cover every path and
 * are not asked about; the check after the acquisition (`if err != nil`, `if (fd < 0)`) is not a
 * leak path, nor is a branch that closes before it exits.
 */
export interface PathShape {
  /** Nodes whose children are the statements of a block. */
  readonly statementLists: ReadonlySet<string>;
  readonly exits: ReadonlySet<string>;
  /** Statements inside which `break`/`continue` belong to that statement, not to ours. */
  readonly loops: ReadonlySet<string>;
  readonly functions: ReadonlySet<string>;
  /** Closes that run on every path out of the scope (`defer_statement`, `finally_clause`). */
  readonly deferred: ReadonlySet<string>;
  /** The label a statement carries (`out:`), and the label a `goto` jumps to: a jump to the cleanup is no exit. */
  labelOf?(statement: LightNode, source: string): string | undefined;
  gotoTarget?(exit: LightNode, source: string): string | undefined;
  /** True for the `if` that checks the acquisition itself (`err != nil` right after it, `fd < 0`). */
  isAcquisitionCheck(statement: LightNode, binding: string, source: string, nextToAcquisition: boolean): boolean;
}

export interface LeakPath {
  /** The exit statement that leaves without closing. */
  exit: LightNode;
  kind: string;
}

/** The statement of `node` that is a direct child of a statement list, and that list. */
function statementOf(node: LightNode, shape: PathShape): LightNode | undefined {
  for (let n: LightNode | null = node; n?.parent; n = n.parent) {
    if (shape.statementLists.has(n.parent.type)) return n;
    if (shape.functions.has(n.type)) return undefined;
  }
  return undefined;
}

function insideAny(node: LightNode, types: ReadonlySet<string>, stopAt: LightNode): boolean {
  for (let p = node.parent; p && p !== stopAt; p = p.parent) if (types.has(p.type)) return true;
  return false;
}

/**
 * The first early exit that leaks, given the acquiring node and the close sites (`plain`: not on
 * an error branch); undefined when a close is deferred or in a closure, no plain close is a
 * statement of the acquisition's block, or no exit leaks.
 */
export function leakingExit(
  acquisitionSite: LightNode,
  binding: string,
  closes: readonly { node: LightNode; plain: boolean }[],
  source: string,
  shape: PathShape,
): LeakPath | undefined {
  const acquiring = statementOf(acquisitionSite, shape);
  const list = acquiring?.parent;
  const plain = closes.filter((c) => c.plain).map((c) => c.node);
  if (!acquiring || !list || plain.length === 0) return undefined;
  const all = closes.map((c) => c.node);
  if (closes.some((c) => insideAny(c.node, shape.deferred, list) || insideAny(c.node, shape.functions, list))) return undefined;
  // A close after the block (the `break` of a getaddrinfo loop keeps the winner for later): beyond this rule.
  if (closes.some((c) => c.node.start < list.start || c.node.end > list.end)) return undefined;
  // The first close that every path through the block reaches; closes inside branches only help their branch.
  let firstClose: LightNode | undefined;
  for (const c of plain) {
    const statement = statementOf(c, shape);
    if (statement?.parent !== list || statement.start < acquiring.end) continue;
    if (!firstClose || statement.start < firstClose.start) firstClose = statement;
  }
  if (!firstClose) return undefined;
  const statements = list.children.filter((s) => s.type !== 'comment' && s.type !== 'line_comment' && s.type !== 'block_comment');
  const from = statements.indexOf(acquiring);
  const to = statements.indexOf(firstClose);
  // Labels from here to the close: a `goto` to one of them still reaches the close.
  const cleanupLabels = new Set<string>();
  for (let i = from + 1; i <= to; i++) {
    const label = shape.labelOf?.(statements[i]!, source);
    if (label) cleanupLabels.add(label);
  }
  const reachesClose = (exit: LightNode) => {
    const target = shape.gotoTarget?.(exit, source);
    return target !== undefined && cleanupLabels.has(target);
  };
  for (let i = from; i < to; i++) {
    const statement = statements[i]!;
    if (statement.type === 'if_statement' && shape.isAcquisitionCheck(statement, binding, source, i === from + 1)) continue;
    const exit = findExit(statement, i === from ? acquisitionSite : undefined, all, shape, reachesClose);
    if (exit) return { exit, kind: exitKind(exit) };
  }
  return undefined;
}

/** An exit inside `statement` (after `after`, when given) with no close before it in its own branch. */
function findExit(
  statement: LightNode,
  after: LightNode | undefined,
  closes: readonly LightNode[],
  shape: PathShape,
  reachesClose: (exit: LightNode) => boolean,
): LightNode | undefined {
  // The acquiring statement itself: `if ((fd = socket(…)) < 0) return -1;` is its own check.
  if (after) return undefined;
  const stack: LightNode[] = [statement];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n !== statement && shape.functions.has(n.type)) continue;
    if (shape.exits.has(n.type)) {
      const loopLocal =
        (n.type.startsWith('break') || n.type.startsWith('continue')) &&
        insideAny(n, shape.loops, statement.parent!) &&
        loopWithin(n, statement, shape);
      if (!loopLocal && !reachesClose(n) && !closedBefore(n, closes, shape)) return n;
      continue;
    }
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
  return undefined;
}

/** True when the loop that a break/continue belongs to lies within `statement` (or is it). */
function loopWithin(exit: LightNode, statement: LightNode, shape: PathShape): boolean {
  for (let p = exit.parent; p; p = p.parent) {
    if (shape.loops.has(p.type)) return p.start >= statement.start && p.end <= statement.end;
    if (p === statement.parent) return false;
  }
  return false;
}

/** A close before the exit among the statements of the exit's own branch (not in a sibling branch). */
function closedBefore(exit: LightNode, closes: readonly LightNode[], shape: PathShape): boolean {
  const branch = statementOf(exit, shape)?.parent;
  if (!branch) return false;
  return closes.some((c) => c.start < exit.start && statementOf(c, shape)?.parent === branch);
}

function exitKind(exit: LightNode): string {
  return exit.type.replace(/_statement$|_expression$/, '');
}
