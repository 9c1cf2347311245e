import type { TreeNode } from '../languages/treeCopy';
import { fieldOf } from '../languages/treeCopy';

/**
 * Retry loops over addresses (`for addr in to_try: try: s = socket(…); s.connect(addr); break
 * except OSError as e: s.close(); errors[addr] = e`) end with a test that every attempt failed;
 * it holds only when the loop ran out, never after the `break` that keeps the socket. Two ways
 * to write it are read here:
 * - counting: `len(errors) == len(to_try)` (or `>=`), where the loop walks `to_try` and records
 *   at most one failure per turn in `errors`;
 * - the last error: `err is not None` (or `if err:`), where each turn starts with `err = None`
 *   and only an `except` clause, which does not `break`, sets it.
 */
export function testsEveryAttemptFailed(loop: TreeNode, test: TreeNode, source: string): boolean {
  const condition = fieldOf(test, 'condition');
  const body = fieldOf(loop, 'body');
  if (!condition || !body || fieldOf(loop, 'alternative')) return false;
  const text = (n: TreeNode) => source.slice(n.start, n.end);
  const c = text(condition).trim();
  const counted = countsEveryAttempt(c, text(fieldOf(loop, 'right') ?? loop));
  if (counted) return recordsOncePerTurn(body, counted, text);
  const last = /^(?:(\w+)\s+is\s+not\s+None|(\w+))$/.exec(c);
  const name = last && (last[1] ?? last[2]);
  return !!name && lastErrorOfTurn(body, name, text);
}

/** The failures collection of `len(failures) == len(attempts)`, when `attempts` is what the loop walks. */
function countsEveryAttempt(condition: string, iterable: string): string | undefined {
  const m = /^len\((\w+)\)\s*(==|>=|<=)\s*len\((.+)\)$/.exec(condition);
  if (!m) return undefined;
  const [, a, op, b] = m as unknown as [string, string, string, string];
  if (op !== '<=' && b.trim() === iterable.trim()) return a;
  if (op !== '>=' && /^\w+$/.test(b) && a === iterable.trim()) return b;
  return undefined;
}

/** `failures[k] = e`, `failures.append(e)` or `.add(e)` in the body, and no `continue` that could skip it. */
function recordsOncePerTurn(body: TreeNode, failures: string, text: (n: TreeNode) => string): boolean {
  const source = text(body);
  const escaped = failures.replace(/\W/g, '\\$&');
  return new RegExp(`\\b${escaped}(?:\\[[^\\]]*\\]\\s*=[^=]|\\.(?:append|add)\\()`).test(source) && !/\bcontinue\b/.test(source);
}

/** `err = None` (alone or chained) first in each turn, set again only in `except` clauses that do not `break`. */
function lastErrorOfTurn(body: TreeNode, name: string, text: (n: TreeNode) => string): boolean {
  const statements = body.children.filter((c) => c.type !== 'comment');
  const reset = statements.findIndex((s) => new RegExp(`^(?:\\w+\\s*=\\s*)*${name}\\s*=\\s*(?:\\w+\\s*=\\s*)*None$`).test(text(s).trim()));
  if (reset < 0) return false;
  const assigns = new RegExp(`(?:^|\\n)\\s*(?:\\w+\\s*=\\s*)*${name}\\s*=(?!=)`);
  for (const s of statements.slice(reset + 1)) {
    if (s.type !== 'try_statement') {
      if (assigns.test(text(s))) return false;
      continue;
    }
    for (const part of s.children) {
      const handler = part.type === 'except_clause' || part.type === 'except_group_clause';
      if (handler ? /\bbreak\b/.test(text(part)) : assigns.test(text(part))) return false;
    }
  }
  return true;
}
