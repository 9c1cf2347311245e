/**
 * A condition that tests a variable for null (`s == null`, `s !== undefined`, C#'s `s is null`,
 * JavaScript's `if (s)`): on the outcome where it is null the variable holds no socket, so the
 * front ends drop its obligations on that branch.
 */
export interface NullTest {
  name: string;
  /** The outcome of the condition on which the variable is null. */
  nullWhen: boolean;
}

const NULLS = /^(?:null|undefined)$/;
const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * `truthy`: the language reads a bare name as "is set" (JavaScript, Python), so `if (s)` and
 * `if (!s)` are tests too; in Java and C# a socket is never a boolean.
 */
export function nullTestOf(condition: string, truthy: boolean): NullTest | undefined {
  const c = unparenthesized(condition);
  if (c.startsWith('!') && !c.startsWith('!=')) {
    const inner = nullTestOf(c.slice(1), truthy);
    return inner && { name: inner.name, nullWhen: !inner.nullWhen };
  }
  if (truthy && NAME.test(c)) return { name: c, nullWhen: false };
  const is = /^([A-Za-z_]\w*)\s+is\s+(not\s+)?null$/.exec(c);
  if (is) return { name: is[1]!, nullWhen: !is[2] };
  const m = /^(\S+)\s*(===?|!==?)\s*(\S+)$/.exec(c);
  if (!m) return undefined;
  const [, left, op, right] = m as unknown as [string, string, string, string];
  const name = NULLS.test(right) ? left : NULLS.test(left) ? right : undefined;
  if (!name || !NAME.test(name)) return undefined;
  return { name, nullWhen: op.startsWith('=') };
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
