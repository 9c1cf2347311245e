import { GO_APIS } from '../apis/go';
import { GoCfgBuilder } from '../cfg/go';
import type { PendingFix } from '../types';
import { dialectRules, withVerdict, withBinding } from './cFamilyEngine';
import { factorySubject } from './scope';
import type { Acquisition, Binding, Dialect, Factories, FunctionShape, Use } from './cFamilyEngine';
import type { PathShape } from './cFamilyPaths';
import { fieldOf, onErrorBranch, NO_NAMES } from './cFamilyTree';
import type { LightNode } from './cFamilyTree';
import { climb, indentOfLine, indexAmong, nearestAncestor, textOf } from './nodeSpan';

/**
 * Go: `net.Dial*`, `Dialer.Dial*`, `net.Listen*`, `tls.Dial`, `Listener.Accept`, and HTTP
 * response bodies from `http.Get/Post/Head/PostForm` and a client's `Do/Get/Post`.
 * Closed: `x.Close()` or `x.Quit()` (also deferred, also inside a deferred or goroutine closure), `resp.Body.Close()`.
 * Handed on: returned, sent on a channel, stored in a struct/map/slice, passed to a function.
 */

const WRAPPERS = new Set(['parenthesized_expression', 'unary_expression', 'type_assertion_expression']);
const FUNCTIONS = new Set(['function_declaration', 'method_declaration', 'func_literal']);
const DECLARING = new Set(['short_var_declaration', 'assignment_statement', 'var_spec']);

/** Closures are called by position, not name: `go func(c net.Conn) {…}(conn)`. */
function literalName(node: LightNode): string {
  return `#func@${node.start}`;
}

function functionShape(node: LightNode, source: string): FunctionShape | undefined {
  if (!FUNCTIONS.has(node.type)) return undefined;
  const params: LightNode[] = [];
  const list = fieldOf(node, 'parameters');
  for (const decl of list?.children ?? []) {
    const names = decl.children.filter((c) => c.field === 'name');
    // An unnamed parameter still takes a position: its declaration stands in for it.
    if (names.length === 0) params.push(decl);
    else params.push(...names);
  }
  // `func closeAll(cs ...io.Closer)`: the last parameter takes every argument from its position on.
  const variadic = list?.children.at(-1)?.type === 'variadic_parameter_declaration';
  if (node.type === 'func_literal') return { name: literalName(node), params, variadic };
  const name = fieldOf(node, 'name');
  return { name: name ? textOf(name, source) : undefined, params, variadic };
}

type Kind = 'socket' | 'accept' | 'response' | 'test-server';

function acquisitionKind(call: LightNode, source: string, factories: Factories): Kind | 'factory' | undefined {
  if (call.type !== 'call_expression') return undefined;
  const fn = fieldOf(call, 'function');
  if (fn?.type === 'identifier') return factories.has(textOf(fn, source)) ? 'factory' : undefined;
  if (fn?.type !== 'selector_expression') return undefined;
  const operand = fieldOf(fn, 'operand');
  const field = fieldOf(fn, 'field');
  if (!operand || !field) return undefined;
  const method = textOf(field, source);
  const receiver = textOf(operand, source);
  const packageSet = GO_APIS.packageAcquirers[receiver];
  if (packageSet) return packageSet.has(method) ? (receiver === 'httptest' ? 'test-server' : 'socket') : undefined;
  if (receiver === 'http') return GO_APIS.httpFunctions.has(method) ? 'response' : undefined;
  if (GO_APIS.acceptMethods.has(method) && (fieldOf(call, 'arguments')?.children.length ?? 0) === 0)
    return isSocketListener(receiver, call, source) ? 'accept' : undefined;
  if (GO_APIS.dialerMethods.has(method)) return 'socket';
  const args = fieldOf(call, 'arguments')?.children.filter((c) => c.type !== 'comment').length;
  if (GO_APIS.clientMethods[method] === args && isHttpClient(receiver, source)) return 'response';
  return undefined;
}

/**
 * An HTTP client by what the file declares its name to be (`c *http.Client`, `client := &http.Client{…}`,
 * a field `client *stun.Client` is not one); a name the file does not declare, by the name itself
 * (`client.Do`, `http.DefaultClient.Get`, `s.httpClient.Post`, `srv.Client().Get`).
 */
function isHttpClient(receiver: string, source: string): boolean {
  const name = receiver.slice(receiver.lastIndexOf('.') + 1);
  if (receiver === 'http.DefaultClient') return true;
  if (!name.endsWith(')')) {
    const declared = declaredTypes(name, source);
    if (declared.length > 0) return declared.some((t) => GO_APIS.httpClientTypes.has(t));
  }
  return /client(?:\(\))?$/i.test(name);
}

/**
 * A listener that holds a kernel socket: declared as `net.Listener` (a parameter, a field) or made by
 * `net.Listen*`/`tls.Listen`. One the file makes otherwise (an in-memory listener of a test helper)
 * or declares as another type is not; one the file says nothing about is taken to be one.
 */
function isSocketListener(receiver: string, call: LightNode, source: string): boolean {
  const name = receiver.slice(receiver.lastIndexOf('.') + 1);
  if (name.endsWith(')')) return true;
  // What the enclosing function says of the name (a parameter, a `:=`) first, the file's fields next.
  const fn = nearestAncestor(call, FUNCTIONS);
  const local = fn ? source.slice(fn.start, fn.end) : '';
  const makers = [...local.matchAll(new RegExp(`\\b${name}\\s*(?:,\\s*\\w+\\s*)?:?=\\s*([\\w.]+)\\s*\\(`, 'g'))].map((m) => m[1]!);
  const typed = [...local.matchAll(new RegExp(`\\b${name}\\s+\\*?([A-Za-z_]\\w*\\.[A-Za-z_]\\w*)\\b`, 'g'))].map((m) => m[1]!);
  const declared = makers.length > 0 || typed.length > 0 ? typed : declaredTypes(name, source);
  const listens = (m: string) => GO_APIS.listenerMakers.has(m) || /^Listen/.test(m.slice(m.lastIndexOf('.') + 1));
  if (declared.some((t) => GO_APIS.listenerTypes.has(t)) || makers.some(listens)) return true;
  return declared.length === 0 && makers.length === 0;
}

/** `net.Listen(…)`, `tls.Listen(…)`, a `net.ListenConfig`'s `lc.Listen(…)`: a socket that listens (or a bound UDP one). */
function isListen(call: LightNode, source: string): boolean {
  const fn = fieldOf(call, 'function');
  const field = fn?.type === 'selector_expression' ? fieldOf(fn, 'field') : undefined;
  return !!field && /^Listen/.test(textOf(field, source));
}

let typesOf: { source: string; byName: Map<string, string[]> } | undefined;

/** The qualified types and values the file gives `name`: `name *pkg.T` (field, parameter, var), `name := &pkg.T{…}`. */
function declaredTypes(name: string, source: string): string[] {
  if (typesOf?.source !== source) typesOf = { source, byName: new Map() };
  const known = typesOf.byName.get(name);
  if (known) return known;
  const found = [
    ...source.matchAll(new RegExp(`\\b${name}\\s+\\*?([A-Za-z_]\\w*\\.[A-Za-z_]\\w*)\\b`, 'g')),
    ...source.matchAll(new RegExp(`\\b${name}\\s*:?=\\s*&?([A-Za-z_]\\w*\\.[A-Za-z_]\\w*)\\b(?!\\s*\\()`, 'g')),
  ].map((m) => m[1]!);
  typesOf.byName.set(name, found);
  return found;
}

const PARENTHESES: ReadonlySet<string> = new Set(['parenthesized_expression']);

function acquisition(node: LightNode, source: string, factories: Factories): Acquisition | undefined {
  const kind = acquisitionKind(node, source, factories);
  if (!kind) return undefined;
  // A response holds its connection until its Body is closed: the message names the body.
  const a: Acquisition =
    kind === 'response'
      ? { site: node, isAccept: false, subject: 'Response body received here', response: true }
      : kind === 'factory'
        ? { site: node, isAccept: false, subject: factorySubject(textOf(fieldOf(node, 'function')!, source)) }
        : kind === 'test-server'
          ? { site: node, isAccept: false, subject: 'Test server started here', listener: true }
          : { site: node, isAccept: kind === 'accept', ...(isListen(node, source) ? { listener: true } : {}) };
  const expr = climb(node, PARENTHESES);
  const list = expr.parent;
  const statement = list?.parent;
  if (list?.type === 'expression_list' && statement && DECLARING.has(statement.type) && list.field !== 'left') {
    // A helper of the file may return its socket as another result than the first.
    const resultAt = kind === 'factory' ? (factories.get(textOf(fieldOf(node, 'function')!, source)) ?? 0) : 0;
    const index = list.children.length > 1 ? list.children.indexOf(expr) : resultAt;
    const target = leftSide(statement)[index];
    if (!target) return withVerdict(a, 'handed-on');
    if (target.type !== 'identifier') return withVerdict(a, 'handed-on');
    if (textOf(target, source) === '_') return withVerdict(a, 'discarded');
    const binding: Binding = { node: target, scope: scopeOf(statement), assigned: statement.type === 'assignment_statement' };
    return withBinding(a, binding);
  }
  if (expr.parent?.type === 'expression_statement') return withVerdict(a, 'discarded');
  return withVerdict(a, 'handed-on');
}

function leftSide(statement: LightNode): LightNode[] {
  if (statement.type === 'var_spec') return statement.children.filter((c) => c.field === 'name');
  return fieldOf(statement, 'left')?.children ?? [];
}

function scopeOf(statement: LightNode): LightNode {
  const s = statement.type === 'var_spec' ? (statement.parent?.parent ?? statement) : statement;
  return s.parent ?? s;
}

function declaredNames(node: LightNode): readonly LightNode[] {
  if (node.type === 'short_var_declaration') return fieldOf(node, 'left')?.children ?? [];
  if (node.type === 'var_spec') return node.children.filter((c) => c.field === 'name');
  return NO_NAMES;
}

const declaredMemo = new WeakMap<LightNode, Set<string>>();

/** Whether `fn` declares `name` itself: a parameter, a result, `:=` or `var` outside its closures. */
function declaredIn(fn: LightNode | undefined, name: string, source: string): boolean {
  if (!fn) return true;
  let names = declaredMemo.get(fn);
  if (!names) {
    names = new Set();
    const stack = [...fn.children];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.type === 'func_literal') continue;
      if (n.type === 'parameter_declaration' || n.type === 'variadic_parameter_declaration')
        for (const c of n.children) if (c.field === 'name') names.add(textOf(c, source));
      for (const d of declaredNames(n)) names.add(textOf(d, source));
      if (n.type === 'range_clause' && /:=/.test(textOf(n, source)))
        for (const d of fieldOf(n, 'left')?.children ?? []) names.add(textOf(d, source));
      stack.push(...n.children);
    }
    declaredMemo.set(fn, names);
  }
  return names.has(name);
}

function use(name: LightNode, source: string): Use {
  return useOf(climb(name, WRAPPERS), source);
}

/** What the expression `n` (the socket, or a wrapper that owns it) does with the socket where it stands. */
function useOf(n: LightNode, source: string): Use {
  const p = n.parent;
  if (!p) return { kind: 'neutral' };
  if (p.type === 'selector_expression' && n.field === 'operand') return memberUse(p, source);
  if (p.type === 'argument_list') return argumentUse(n, p, source);
  if (p.type === 'expression_list') {
    const assigned = assignedTo(n, p, source);
    if (assigned) return assigned;
  }
  if (p.type === 'return_statement' || p.type === 'send_statement') return { kind: 'escape' };
  // `for _, c := range cs { c.Close() }`: each element of a slice the function was given is `c` in turn.
  if (p.type === 'range_clause' && n.field === 'right') {
    const element = fieldOf(p, 'left')?.children[1];
    return element?.type === 'identifier' && textOf(element, source) !== '_'
      ? { kind: 'alias', binding: element, scope: p.parent ?? p, closedHere: false }
      : { kind: 'neutral' };
  }
  if (LITERAL_PARTS.has(p.type)) return { kind: 'escape' };
  if (p.type === 'index_expression' && n.field === 'index' && p.parent?.field === 'left') return { kind: 'escape' };
  return { kind: 'neutral' };
}

/**
 * What `value := n` (or `=`, `var`, `range`) does with the socket: an alias in the variable, a hand
 * on when the target is a field, an element or a variable of the enclosing function; undefined
 * when `n` is not on the right of such a statement.
 */
function assignedTo(n: LightNode, list: LightNode, source: string): Use | undefined {
  const statement = list.parent;
  if (statement?.type === 'return_statement') return { kind: 'escape' };
  if (!statement || !DECLARING.has(statement.type)) return undefined;
  if (list.field === 'left') return { kind: 'neutral' };
  const target = leftSide(statement)[list.children.length > 1 ? list.children.indexOf(n) : 0];
  if (!target || textOf(target, source) === '_') return { kind: 'neutral' };
  if (target.type !== 'identifier') return { kind: 'escape' };
  // `peer = c` in a goroutine or callback, `peer` declared by the enclosing function: handed to it.
  if (statement.type === 'assignment_statement' && !declaredIn(nearestAncestor(statement, FUNCTIONS), textOf(target, source), source))
    return { kind: 'escape' };
  return { kind: 'alias', binding: target, scope: scopeOf(statement), closedHere: false };
}

/** `c.Close()`, `resp.Body.Close()`, or a field chain passed on (`handle(resp.Body)`). */
function memberUse(selector: LightNode, source: string): Use {
  let top = selector;
  while (top.parent?.type === 'selector_expression' && top.field === 'operand') top = top.parent;
  const parent = top.parent;
  if (parent?.type === 'call_expression' && top.field === 'function') {
    const field = fieldOf(top, 'field');
    if (!field || !GO_APIS.releases.has(textOf(field, source))) return { kind: 'neutral' };
    return onErrorBranch(top, FUNCTIONS, (n) => isErrorBranch(n, source)) ? { kind: 'close-on-error-path' } : { kind: 'close' };
  }
  // `handle(resp.Body)`, `&wrapper{r: resp.Body}`, `return resp.Body, nil`: the body takes the connection with it
  // (`resp.StatusCode`, `http.Get(srv.URL)` do not); `body := resp.Body` holds it as well as `resp` does.
  const field = fieldOf(top, 'field');
  // `t.Cleanup(srv.Close)`, `closers = append(closers, ln.Close)`: the close, handed to what calls it later.
  if (field && top === selector && parent?.type === 'argument_list' && GO_APIS.releases.has(textOf(field, source)))
    return { kind: 'close' };
  if (!field || !GO_APIS.owningFields.has(textOf(field, source))) return { kind: 'neutral' };
  if (parent?.type === 'argument_list') return argumentUse(top, parent, source);
  if (parent && LITERAL_PARTS.has(parent.type)) return { kind: 'escape' };
  if (parent?.type === 'expression_list') return assignedTo(top, parent, source) ?? { kind: 'neutral' };
  return { kind: 'neutral' };
}

const LITERAL_PARTS = new Set(['literal_element', 'keyed_element', 'literal_value']);

/** The body of `if err != nil {…}`. */
function isErrorBranch(n: LightNode, source: string): boolean {
  if (n.field !== 'consequence' || n.parent?.type !== 'if_statement') return false;
  const condition = fieldOf(n.parent, 'condition');
  return !!condition && /\berr\w*\s*!=\s*nil/i.test(textOf(condition, source));
}

function argumentUse(arg: LightNode, args: LightNode, source: string): Use {
  const call = args.parent;
  const fn = call && fieldOf(call, 'function');
  if (!fn) return { kind: 'neutral' };
  const index = args.children.filter((c) => c.type !== 'comment').indexOf(arg);
  if (fn.type === 'func_literal') return { kind: 'call', callee: literalName(fn), index };
  if (fn.type === 'identifier') {
    const name = textOf(fn, source);
    if (name === 'append') return { kind: 'escape' };
    if (GO_APIS.neutralBuiltins.has(name)) return { kind: 'neutral' };
    return { kind: 'call', callee: name, index };
  }
  if (fn.type === 'selector_expression') {
    const full = textOf(fn, source);
    const operand = fieldOf(fn, 'operand');
    if (GO_APIS.nonOwning.has(full) || (operand && GO_APIS.nonOwningPackages.has(textOf(operand, source)))) return { kind: 'neutral' };
    // `tc := tls.Client(conn, cfg)`: the wrapper holds the connection; where it goes, the connection goes.
    if (GO_APIS.owningWrappers.has(full) && index === 0) {
      const wrapped = useOf(climb(call, WRAPPERS), source);
      // `c = tls.Client(c, cfg)` keeps it under the same name: read as the call it is, as before wrappers were known.
      if (wrapped.kind !== 'alias' || textOf(wrapped.binding, source) !== textOf(arg, source)) return wrapped;
    }
    const field = fieldOf(fn, 'field');
    if (field) return { kind: 'call', callee: textOf(field, source), index };
  }
  return { kind: 'escape' };
}

function readsToEof(node: LightNode, source: string): boolean {
  if (node.type === 'selector_expression') return node.end - node.start === 6 && textOf(node, source) === 'io.EOF';
  if (node.type !== 'call_expression') return false;
  const fn = fieldOf(node, 'function');
  if (fn?.type !== 'selector_expression') return false;
  const text = textOf(fn, source);
  if (text === 'io.Copy' || text === 'io.ReadAll' || text === 'ioutil.ReadAll') return true;
  // `for scanner.Scan() {…}` stops at EOF.
  const field = fieldOf(fn, 'field');
  return !!field && textOf(field, source) === 'Scan' && (fieldOf(node, 'arguments')?.children.length ?? 0) === 0;
}

/** `defer c.Close()` right after the `if err != nil {…}` that follows the acquisition. */
function fix(a: Acquisition, source: string): PendingFix | undefined {
  const b = a.binding;
  if (!b || b.assigned) return undefined;
  const statement = b.node.parent?.parent;
  if (statement?.type !== 'short_var_declaration' || statement.parent?.type !== 'statement_list') return undefined;
  const siblings = statement.parent.children;
  let next = indexAmong(siblings, statement) + 1;
  while (siblings[next]?.type === 'comment') next++;
  const check = siblings[next];
  const errName = fieldOf(statement, 'left')?.children[1];
  if (check?.type !== 'if_statement' || !errName) return undefined;
  const condition = fieldOf(check, 'condition');
  if (!condition || textOf(condition, source).replace(/\s+/g, '') !== `${textOf(errName, source)}!=nil`) return undefined;
  if (fieldOf(check, 'alternative')) return undefined;
  // A defer inside a loop runs only when the function returns: the sockets would pile up meanwhile.
  for (let p: LightNode | null = statement.parent; p && !FUNCTIONS.has(p.type); p = p.parent) {
    if (p.type === 'for_statement') return undefined;
  }
  const name = textOf(b.node, source);
  const closer = a.response ? `${name}.Body.Close()` : `${name}.Close()`;
  return {
    title: `Close ${name} with defer ${closer}`,
    edits() {
      const position = { line: check.endRow, column: check.endColumn };
      return [{ range: { start: position, end: position }, newText: `\n${indentOfLine(statement, source)}defer ${closer}` }];
    },
  };
}

const paths: PathShape = {
  statementLists: new Set(['statement_list', 'expression_case', 'default_case', 'type_case', 'communication_case']),
  exits: new Set(['return_statement', 'continue_statement', 'break_statement', 'goto_statement']),
  loops: new Set(['for_statement', 'expression_switch_statement', 'type_switch_statement', 'select_statement']),
  functions: FUNCTIONS,
  deferred: new Set(['defer_statement']),
  isAcquisitionCheck(statement, binding, source, nextToAcquisition) {
    const condition = fieldOf(statement, 'condition');
    const text = condition ? textOf(condition, source) : '';
    // Only the `err` of the acquisition itself: a later `err != nil` belongs to a later call.
    return (nextToAcquisition && /\berr\w*\s*!=\s*nil/.test(text)) || new RegExp(`\\b${binding}\\s*==\\s*nil`).test(text);
  },
};

/**
 * The `defer` statement every close of a socket sits in (directly, or in a deferred closure) when it
 * is inside an endless `for {…}` of the same function that also makes the socket: Go runs deferred
 * calls when the function returns, not at the end of a turn.
 */
function closedOnlyAtReturn(acquisition: LightNode, closes: readonly LightNode[]): LightNode | undefined {
  let found: LightNode | undefined;
  for (const close of closes) {
    const deferred = enclosingDefer(close);
    if (!deferred || !insideEndlessLoopAround(deferred, acquisition)) return undefined;
    found ??= deferred;
  }
  return found;
}

/** The defer statement of the function `node` runs in, counting `defer func() {…}()` as the function's own. */
function enclosingDefer(node: LightNode): LightNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'defer_statement') return p;
    if (p.type === 'func_literal') {
      const call = p.parent;
      if (call?.type !== 'call_expression' || call.parent?.type !== 'defer_statement') return undefined;
    } else if (FUNCTIONS.has(p.type)) return undefined;
  }
  return undefined;
}

/** A `for {…}` (no condition, clause or range) between `node` and its function that also holds `acquisition`. */
function insideEndlessLoopAround(node: LightNode, acquisition: LightNode): boolean {
  for (let p = node.parent; p && !FUNCTIONS.has(p.type); p = p.parent) {
    if (p.type === 'for_statement' && p.children.every((c) => c.field === 'body' || c.type === 'comment')) {
      return acquisition.start >= p.start && acquisition.end <= p.end;
    }
  }
  return false;
}

const goDialect: Dialect = {
  languages: ['go'],
  mentions: /\b(Dial\w*|Listen\w*|Accept\w*|New\w*Server|Get|Post|PostForm|Head|Do)\(/,
  functions: FUNCTIONS,
  deferrable: new Set(['function_declaration', 'method_declaration']),
  opaque: new Set([
    'comment',
    'interpreted_string_literal',
    'raw_string_literal',
    'import_declaration',
    'package_clause',
    'qualified_type',
    'pointer_type',
    'slice_type',
    'map_type',
    'channel_type',
    'array_type',
    'function_type',
    'type_declaration',
  ]),
  nameTypes: new Set(['identifier']),
  closeWaitRule: true,
  functionShape,
  acquisition,
  declaredNames,
  use,
  readsToEof,
  fix,
  paths,
  closedOnlyAtReturn,
  buildGraph: (body, obligations, source) => new GoCfgBuilder(source, use, obligations).build(body),
};

export const goRules = dialectRules(goDialect);

/** The engine's graph of one Go function body, as the rules build it (for tests of the graph). */
export const goGraph = goDialect.buildGraph!;
