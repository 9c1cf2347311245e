import type { Effect } from './graph';

/** What this file needs of a node of either copied tree (brace languages, JavaScript and Python). */
export interface BranchNode {
  readonly type: string;
  readonly field: string | null;
  readonly parent: BranchNode | null;
  readonly start: number;
  readonly end: number;
  readonly children: readonly BranchNode[];
}

export interface Flag {
  name: string;
  /** The flag's value on the branch the condition takes when true. */
  value: boolean;
}

/** Statements whose inner statements may run several times or not at all. */
const NESTING = /(?:if|for|while|do|switch|try|block|loop|select|foreach|with|match|case)/;

const escaped = (name: string) => name.replace(/\$/g, '\\$');

/** What a front end keeps of a function's flags: the ones each acquisition sits under, and how a test of one refines a path. */
export class FlagsOfFunction {
  private readonly under = new Map<number, ReadonlyMap<string, boolean>>();
  private readonly names = new Set<string>();

  constructor(
    private readonly branches: FlagBranches,
    acquisitions: Iterable<{ obligation: number; node: BranchNode }>,
  ) {
    for (const a of acquisitions) {
      const fixed = branches.around(a.node);
      if (!fixed) continue;
      this.under.set(a.obligation, fixed);
      for (const name of fixed.keys()) this.names.add(name);
    }
  }

  /** The flags an acquisition sits under, for its `acquire` effect. */
  acquiredUnder(obligation: number): { when?: ReadonlyMap<string, boolean> } {
    const when = this.under.get(obligation);
    return when ? { when } : {};
  }

  /** What the outcome `taken` of an if's `condition` says of a flag some acquisition sits under. */
  assumption(condition: BranchNode | undefined, taken: boolean): Effect | undefined {
    if (this.names.size === 0) return undefined;
    const flag = this.branches.flagOf(condition);
    return flag && this.names.has(flag.name) ? { kind: 'assume', name: flag.name, value: taken ? flag.value : !flag.value } : undefined;
  }
}

/**
 * Branches on one unchanging flag are taken together: in `if (tls) s = open(); … if (tls)
 * s.close();` a socket opened under the first test cannot be open where the second finds `tls`
 * false. A flag is a name tested bare or negated (`!tls`, `not tls`) that the function never
 * assigns: a parameter, or a local given its value once, in a statement of the body itself, before
 * it is tested. Anything else (a field, a call, a name assigned in a loop) is left to the paths.
 */
export class FlagBranches {
  private readonly stable = new Map<string, boolean>();

  constructor(
    private readonly source: string,
    private readonly fn: BranchNode,
    private readonly negation: RegExp,
  ) {}

  /** The flag an if-statement's condition tests, and its value when the condition holds. */
  flagOf(condition: BranchNode | undefined): Flag | undefined {
    if (!condition) return undefined;
    let text = this.source.slice(condition.start, condition.end).trim();
    while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
    let value = true;
    const negated = this.negation.exec(text);
    if (negated) {
      text = text.slice(negated[0].length).trim();
      value = false;
    }
    if (!/^[A-Za-z_$][\w$]*$/.test(text) || !this.isStable(text, condition.start)) return undefined;
    return { name: text, value };
  }

  /** The flags the if-statements around `node` (up to the function) fix on the way to it. */
  around(node: BranchNode): ReadonlyMap<string, boolean> | undefined {
    let fixed: Map<string, boolean> | undefined;
    for (let n: BranchNode = node; n.parent && n !== this.fn; n = n.parent) {
      const p = n.parent;
      if (p.type !== 'if_statement' || (n.field !== 'consequence' && n.field !== 'alternative')) continue;
      // `elif` is a test of its own: its branch fixes nothing about the first condition alone.
      if (n.type === 'elif_clause') continue;
      const flag = this.flagOf(p.children.find((c) => c.field === 'condition'));
      if (!flag) continue;
      (fixed ??= new Map()).set(flag.name, n.field === 'consequence' ? flag.value : !flag.value);
    }
    return fixed;
  }

  private isStable(name: string, testAt: number): boolean {
    const known = this.stable.get(name);
    if (known !== undefined) return known && this.assignedBefore(name, testAt);
    const body = this.fn.children.find((c) => c.field === 'body');
    let result = false;
    if (body) {
      const n = escaped(name);
      const header = this.source.slice(this.fn.start, body.start);
      const parameter = new RegExp(`(?<![\\w$])${n}(?![\\w$])`).test(header);
      const writes = this.writes(n, body);
      result = parameter ? writes.length === 0 : writes.length === 1 && this.atTopLevel(body, writes[0]!);
      this.firstWrite.set(name, writes[0] ?? -1);
    }
    this.stable.set(name, result);
    return result && this.assignedBefore(name, testAt);
  }

  private readonly firstWrite = new Map<string, number>();

  private assignedBefore(name: string, testAt: number): boolean {
    return (this.firstWrite.get(name) ?? -1) < testAt;
  }

  /** Offsets in `body` where `n` may be given a value: assignments, ++/--, loop variables, `as`, `&n`, `ref`/`out`, tuple targets. */
  private writes(n: string, body: BranchNode): number[] {
    const text = this.source.slice(body.start, body.end);
    const name = `(?<![\\w$.])${n}(?![\\w$])`;
    const patterns = [
      `${name}\\s*(?:[-+*/%&|^]|<<|>>>?|\\?\\?|\\|\\||&&|:)?=(?![=>])`,
      `(?:\\+\\+|--)\\s*${n}(?![\\w$])`,
      `${name}\\s*(?:\\+\\+|--)`,
      `${name}\\s+(?:in|of)\\b`,
      `\\bas\\s+${n}(?![\\w$])`,
      `&\\s*${n}(?![\\w$])`,
      `\\b(?:ref|out)\\s+${n}(?![\\w$])`,
      `${name}\\s*,[^;\\n=]*:?=(?![=>])`,
      `,\\s*${n}\\s*(?::?=(?![=>])|,)`,
      // Java's `for (boolean f : flags)`; Python's annotated `f: bool = …`.
      `\\bfor\\s*\\([^;)]*?${name}\\s*:(?!:)`,
      `${name}[ \\t]*:[ \\t]*[\\w.\\[\\], ]+=(?![=>])`,
    ];
    const re = new RegExp(patterns.join('|'), 'g');
    return [...text.matchAll(re)].map((m) => body.start + m.index!);
  }

  /** Whether `offset` is in a statement of `body` itself, not in a branch, loop or closure. */
  private atTopLevel(body: BranchNode, offset: number): boolean {
    const statement = body.children.find((c) => c.start <= offset && offset < c.end);
    if (!statement || NESTING.test(statement.type)) return false;
    const text = this.source.slice(statement.start, statement.end);
    return !/=>|\blambda\b|\bfunc\b|\bfunction\b|->|\bdelegate\b/.test(text);
  }
}
