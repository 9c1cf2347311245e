/**
 * A condition that tests a variable for null (`s == null`, `s !== undefined`, C#'s `s is null`,
 * JavaScript's `if (s)`) or for an already closed socket (`s.isClosed()`, `s.destroyed`), alone
 * or joined over that one variable (`s != null && !s.isClosed()`): on the outcome where it holds
 * no open socket, the front ends drop its obligations on that branch.
 */
export interface NullTest {
  name: string;
  /** The outcome of the condition on which the variable is null (or its socket closed already). */
  nullWhen: boolean;
}

/**
 * A language's test that a socket was closed already, as a pattern of the whole condition with
 * the variable in group `name`: true once the program closed it (Java's `s.isClosed()`), never
 * because the peer went away.
 */
export type ClosedTest = RegExp;

const NULLS = /^(?:null|undefined)$/;
const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * `truthy`: the language reads a bare name as "is set" (JavaScript, Python), so `if (s)` and
 * `if (!s)` are tests too; in Java and C# a socket is never a boolean.
 */
export function nullTestOf(condition: string, truthy: boolean, closedTests: readonly ClosedTest[] = []): NullTest | undefined {
  const c = unparenthesized(condition);
  const joined = joinedTest(c, '||', true, truthy, closedTests) ?? joinedTest(c, '&&', false, truthy, closedTests);
  if (joined !== undefined) return joined || undefined;
  if (c.startsWith('!') && !c.startsWith('!=')) {
    const inner = nullTestOf(c.slice(1), truthy, closedTests);
    return inner && { name: inner.name, nullWhen: !inner.nullWhen };
  }
  for (const test of closedTests) {
    const name = test.exec(c)?.groups?.name;
    if (name) return { name, nullWhen: true };
  }
  if (truthy && NAME.test(c)) return { name: c, nullWhen: false };
  // `(s = ss.accept()) != null`: the loop that assigns and tests at once.
  const assigned = /^\(\s*([A-Za-z_$][\w$]*)\s*=(?![=>])([\s\S]*)\)\s*(===?|!==?)\s*(?:null|undefined)$/.exec(c);
  if (assigned && balanced(assigned[2]!)) return { name: assigned[1]!, nullWhen: assigned[3]!.startsWith('=') };
  const is = /^([A-Za-z_]\w*)\s+is\s+(not\s+)?null$/.exec(c);
  if (is) return { name: is[1]!, nullWhen: !is[2] };
  const m = /^(\S+)\s*(===?|!==?)\s*(\S+)$/.exec(c);
  if (!m) return undefined;
  const [, left, op, right] = m as unknown as [string, string, string, string];
  const name = NULLS.test(right) ? left : NULLS.test(left) ? right : undefined;
  if (!name || !NAME.test(name)) return undefined;
  return { name, nullWhen: op.startsWith('=') };
}

/**
 * `a || b` whose every part says "no open socket" on true (`s == null || s.isClosed()`), or
 * `a && b` whose every part says so on false (`s != null && !s.isClosed()`), all about one
 * variable: the test they make together. Undefined where `c` is not joined by `op`; false where
 * it is but is not such a test (`s != null && retry` tells nothing on its false outcome).
 */
function joinedTest(
  c: string,
  op: '&&' | '||',
  nullWhen: boolean,
  truthy: boolean,
  closedTests: readonly ClosedTest[],
): NullTest | false | undefined {
  const parts = topLevelParts(c, op);
  if (parts.length < 2) return undefined;
  const tests = parts.map((part) => nullTestOf(part, truthy, closedTests));
  const name = tests[0]?.name;
  return tests.every((t) => t !== undefined && t.name === name && t.nullWhen === nullWhen) ? { name: name!, nullWhen } : false;
}

/** `c` split at `op` outside parentheses and brackets. */
function topLevelParts(c: string, op: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < c.length; i++) {
    const ch = c[i];
    if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && c.startsWith(op, i)) {
      parts.push(c.slice(from, i));
      from = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(c.slice(from));
  return parts;
}

function unparenthesized(text: string): string {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
