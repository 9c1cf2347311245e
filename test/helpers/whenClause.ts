/**
 * Evaluates the `when` clauses package.json's menus use (`a && b`, `a || b`, `!key`, `key`,
 * `key == value`, `key != value`, `key =~ /regex/`), as VS Code would with these context values.
 * Refuses anything else, so a clause this cannot read fails the test instead of passing it.
 */
export function evaluateWhen(clause: string, context: ReadonlyMap<string, string | boolean>): boolean {
  return clause.split(' || ').some((any) => any.split(' && ').every((term) => evaluateTerm(term.trim(), context)));
}

function evaluateTerm(term: string, context: ReadonlyMap<string, string | boolean>): boolean {
  if (term === 'true') return true;
  if (term === 'false' || term === 'never') return false;
  const regex = /^([\w.]+) =~ \/(.*)\/([a-z]*)$/.exec(term);
  if (regex) return new RegExp(regex[2], regex[3]).test(String(context.get(regex[1]) ?? ''));
  const compare = /^([\w.]+) (==|!=) ([\w.:-]+)$/.exec(term);
  if (compare) return (String(context.get(compare[1]) ?? '') === compare[3]) === (compare[2] === '==');
  const key = /^(!?)([\w.]+)$/.exec(term);
  if (key) return Boolean(context.get(key[2])) !== (key[1] === '!');
  throw new Error(`when clause term not understood: ${term}`);
}
