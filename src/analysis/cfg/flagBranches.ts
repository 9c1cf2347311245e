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

interface Flag {
  name: string;
  /** The flag's value on the branch the condition takes when true. */
  value: boolean;
}

/** Statements whose inner statements may run several times or not at all. */
const NESTING = /(?:if|for|while|do|switch|try|block|loop|select|foreach|with|match|case)/;

const escaped = (name: string) => name.replace(/\$/g, '\\$');

/** A boolean literal right after a flag's name: `= true`, `:= false`, `= True`. */
const LITERAL_VALUE = /^\s*:?=\s*(true|false|True|False)\b/;

/**
 * Branches on one flag are taken together: in `if (tls) s = open(); … if (tls) s.close();` a
 * socket opened under the first test cannot be open where the second finds `tls` false, and in
 * `ok = false; try { …; ok = true; } finally { if (!ok) s.close(); }` the close is skipped only
 * where `ok` became true. A flag is a name tested bare or negated (`!tls`, `not tls`) that the
 * function either never changes (a parameter never assigned, or a local given its value once, in a
 * statement of the body itself, before it is tested) or only ever gives a boolean literal.
 * Anything else (a field, a call, a name assigned from an expression) is left to the paths.
 */
export class FlagBranches {
  // Answers kept per function: the front ends ask for every test and assignment.
  private readonly stable = new Map<string, boolean>();
  private readonly literal = new Map<string, boolean>();
  private literalNames: Set<string> | undefined;
  private testCounts: Map<string, number> | undefined;

  constructor(
    private readonly source: string,
    private readonly fn: BranchNode,
    private readonly negation: RegExp,
  ) {}

  /** What the outcome `taken` of an if's `condition` says of a flag; every path carries the flags' values (the dataflow's PATH). */
  assumption(condition: BranchNode | undefined, taken: boolean): Effect | undefined {
    const flag = this.flagOf(condition);
    return flag && { kind: 'assume', name: flag.name, value: taken ? flag.value : !flag.value };
  }

  /** The value an assignment gives `name` (its target ends at `nameEnd`), if `name` is a flag. */
  setting(name: string, nameEnd: number): Effect | undefined {
    // A set lookup first: front ends ask for every name a statement assigns (thousands in a generated file).
    if (!this.literalFlags().has(name)) return undefined;
    const literal = LITERAL_VALUE.exec(this.textFrom(nameEnd))?.[1];
    return { kind: 'set', name, ...(literal ? { value: literal === 'true' || literal === 'True' } : {}) };
  }

  /** The flag an if-statement's condition tests, and its value when the condition holds. */
  private flagOf(condition: BranchNode | undefined): Flag | undefined {
    if (!condition) return undefined;
    let text = this.source.slice(condition.start, condition.end).trim();
    while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
    let value = true;
    const negated = this.negation.exec(text);
    if (negated) {
      text = text.slice(negated[0].length).trim();
      value = false;
    }
    if (!/^[A-Za-z_$][\w$]*$/.test(text)) return undefined;
    // One test of a flag nothing sets tells a path nothing it can use later.
    if (this.isLiteralFlag(text)) return { name: text, value };
    return (this.tests().get(text) ?? 0) > 1 && this.isStable(text, condition.start) ? { name: text, value } : undefined;
  }

  /** Whether every assignment of `name` in the function gives it `true` or `false` (and there is one). */
  private isLiteralFlag(name: string): boolean {
    let known = this.literal.get(name);
    if (known === undefined) {
      const body = this.fn.children.find((c) => c.field === 'body');
      const writes = body ? this.writes(escaped(name), body) : [];
      known =
        writes.length > 0 && writes.every((at) => this.source.startsWith(name, at) && LITERAL_VALUE.test(this.textFrom(at + name.length)));
      this.literal.set(name, known);
    }
    return known;
  }

  /**
   * The names the function tests bare or negated (`if (!ok)`, `if not ok:`, Go's `if !ok {`) and
   * only ever gives a boolean literal: the flags whose assignments a front end must step.
   */
  literalFlags(): ReadonlySet<string> {
    this.literalNames ??= new Set([...this.tests().keys()].filter((name) => this.isLiteralFlag(name)));
    return this.literalNames;
  }

  /** How often the function tests each name bare or negated in an if. */
  private tests(): ReadonlyMap<string, number> {
    if (this.testCounts) return this.testCounts;
    const text = this.source.slice(this.fn.start, this.fn.end);
    const tested = /\b(?:if|elif)\s*(?:\(\s*)?(?:!|not\s+)?\s*([A-Za-z_$][\w$]*)\s*(?:\)|:|\{)/g;
    this.testCounts = new Map();
    for (const m of text.matchAll(tested)) this.testCounts.set(m[1]!, (this.testCounts.get(m[1]!) ?? 0) + 1);
    return this.testCounts;
  }

  /** A little of the source from `offset` on (enough for `= false`). */
  private textFrom(offset: number): string {
    return this.source.slice(offset, offset + 16);
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
