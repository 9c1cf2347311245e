/**
 * Conditionals inside an expression: `ok ? s.end() : 0`, `ok && s.end()`, `ok || s.close()`,
 * `x ?? s.close()`, and Python's `s.close() if ok else None`, `ok and s.close()`. Each arm runs on
 * a path of its own, so a close in one arm leaves the socket open on the other.
 */

/** What the front ends' copied trees have in common. */
export interface BranchNode {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly field?: string | null;
  readonly parent: BranchNode | null;
  readonly children: readonly BranchNode[];
}

export interface ExpressionArm<N> {
  /** The condition's outcome on which the arm runs; undefined when it says nothing of it (`??`). */
  taken?: boolean;
  /** What runs: nothing on the short-circuit side of `&&`/`||`. */
  body?: N;
}

export interface ExpressionBranch<N> {
  /** What decides: the test of `?:`, the left operand of `&&`/`||`. */
  condition: N;
  arms: ExpressionArm<N>[];
}

/**
 * Conditional expressions with a close in an arm that one function's graph splits; past this the
 * function is generated code (a chain of thousands of `?:`), and each further statement is one step
 * (finding each arm walks the statement: unbounded, that is quadratic in the chain).
 */
export const MAX_SPLIT_CONDITIONALS = 64;

const CONDITIONALS = new Set(['ternary_expression', 'conditional_expression']);
const SHORT_CIRCUITS = new Set(['binary_expression', 'boolean_operator']);

/** The arms of `n` if it is a conditional expression of one of the grammars. */
export function expressionBranch<N extends BranchNode>(n: N, source: string): ExpressionBranch<N> | undefined {
  if (!CONDITIONALS.has(n.type) && !SHORT_CIRCUITS.has(n.type)) return undefined;
  const field = (name: string) => n.children.find((c) => c.field === name) as N | undefined;
  if (CONDITIONALS.has(n.type)) {
    const condition = field('condition');
    // Python's `a if c else b` names no fields: its parts in source order.
    const [consequence, alternative] = condition
      ? [field('consequence'), field('alternative')]
      : [n.children[0] as N | undefined, n.children[2] as N | undefined];
    const test = condition ?? (n.children[1] as N | undefined);
    if (!test || !consequence || !alternative) return undefined;
    return {
      condition: test,
      arms: [
        { taken: true, body: consequence },
        { taken: false, body: alternative },
      ],
    };
  }
  const left = field('left');
  const right = field('right');
  if (!left || !right) return undefined;
  // The operator is an anonymous token, not in every copied tree: the text between the operands.
  switch (source.slice(left.end, right.start).trim()) {
    case '&&':
    case 'and':
      return { condition: left, arms: [{ taken: true, body: right }, { taken: false }] };
    case '||':
    case 'or':
      return { condition: left, arms: [{ taken: false, body: right }, { taken: true }] };
    case '??':
      return { condition: left, arms: [{ body: right }, {}] };
    default:
      return undefined;
  }
}

/**
 * The outermost conditional expression of statement `s` one of whose arms holds one of the closes
 * `releases` gives (mentions of a socket in `s` that close it), unless one of its arms binds a
 * socket (`binds`: an acquisition or an alias, `x = ok ? s : close(t)`, whose binding is the
 * statement's step, not an arm's). A close inside a closure (`closures`) counts where the closure
 * is made, not as an arm. Of two conditionals apart, the first in the text.
 */
export function releasingBranch<N extends BranchNode>(
  s: N,
  source: string,
  closures: ReadonlySet<string>,
  releases: () => Iterable<N>,
  binds: (arm: N) => boolean,
): ExpressionBranch<N> | undefined {
  // Most statements hold no conditional: the text tells before any mention is read.
  if (!mayHoldConditional(source, s.start, s.end)) return undefined;
  let outermost: { node: N; branch: ExpressionBranch<N> } | undefined;
  for (const release of releases()) {
    for (let child = release, p = release.parent as N | null | undefined; p; child = p, p = p.parent as N | null | undefined) {
      if (p !== s && closures.has(p.type)) break;
      const wider = !outermost || p.start < outermost.node.start || (p.start === outermost.node.start && p.end > outermost.node.end);
      const branch = wider ? expressionBranch(p, source) : undefined;
      if (branch?.arms.some((a) => a.body === child)) outermost = { node: p, branch };
      if (p === s) break;
    }
  }
  return outermost?.branch.arms.some((a) => a.body && binds(a.body)) ? undefined : outermost?.branch;
}

/** Whether `source[start, end)` may hold a `?:`, `&&`, `||` or `??`: a test of the text, before any walk of the tree. */
function mayHoldConditional(source: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = source.charCodeAt(i);
    if (c === QUESTION || ((c === AMPERSAND || c === BAR) && source.charCodeAt(i + 1) === c)) return true;
  }
  return false;
}

const [QUESTION, AMPERSAND, BAR] = ['?', '&', '|'].map((c) => c.charCodeAt(0));

/** Whether `test` holds for a node of `root`'s subtree, not looking into `skipped` node types below it. */
export function someNode<N extends BranchNode>(root: N, test: (n: N) => boolean, skipped: ReadonlySet<string> = new Set()): boolean {
  const stack: N[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n !== root && skipped.has(n.type)) continue;
    if (test(n)) return true;
    for (const c of n.children) stack.push(c as N);
  }
  return false;
}
