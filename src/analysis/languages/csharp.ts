import { CSharpCfgBuilder } from '../cfg/csharp';
import { CSHARP_APIS } from '../apis/csharp';
import type { PendingFix } from '../types';
import { closeUnlessInCatch, dialectRules, withVerdict, withBinding } from './cFamilyEngine';
import { factorySubject } from './scope';
import type { Acquisition, Dialect, Factories, FunctionShape, Use } from './cFamilyEngine';
import type { PathShape } from './cFamilyPaths';
import { fieldOf, variableDeclaratorNames, NO_NAMES } from './cFamilyTree';
import type { LightNode } from './cFamilyTree';
import { climb, nearestAncestor, textOf } from './nodeSpan';

/**
 * C#: `new Socket`, `new TcpClient`, `new TcpListener`, `new UdpClient`, and accepted
 * connections (`AcceptSocket`, `AcceptTcpClient`, `Accept`, with their `Async` forms).
 * Closed: `Close()`, `Dispose()`, `DisposeAsync()`, `Stop()` (a listener), `using` (statement and
 * declaration), also over the client's stream (`GetStream()` owns the socket). Handed on: returned,
 * stored in a field or collection, passed to a constructor or to a method that keeps it.
 */

// `(c as IDisposable)?.Dispose()`, `((IDisposable)c).Dispose()`, `c!.Dispose()`: the same object.
const WRAPPERS = new Set(['parenthesized_expression', 'await_expression', 'cast_expression', 'as_expression', 'postfix_unary_expression']);
const FUNCTIONS = new Set([
  'method_declaration',
  'constructor_declaration',
  'local_function_statement',
  'lambda_expression',
  'anonymous_method_expression',
]);
const NAME_OWNERS = new Set(['member_access_expression', 'member_binding_expression']);

function functionShape(node: LightNode, source: string): FunctionShape | undefined {
  if (!FUNCTIONS.has(node.type)) return undefined;
  const params: LightNode[] = [];
  const list = fieldOf(node, 'parameters');
  if (list?.type === 'implicit_parameter' || list?.type === 'identifier') params.push(list);
  let variadic = false;
  for (const p of list?.children ?? []) {
    // `params IDisposable[] items` is no `parameter` node: its type and name sit in the list itself.
    if (p.field === 'type') continue;
    variadic = p.field === 'name';
    const name = p.type === 'parameter' ? fieldOf(p, 'name') : undefined;
    params.push(name ?? p);
  }
  if (node.type === 'lambda_expression' || node.type === 'anonymous_method_expression') return { name: undefined, params };
  const name = fieldOf(node, 'name');
  return { name: name ? textOf(name, source) : undefined, params, variadic };
}

function simpleName(node: LightNode, source: string): string {
  const text = textOf(node, source);
  return text.slice(text.lastIndexOf('.') + 1);
}

function methodName(invocation: LightNode, source: string): string | undefined {
  const fn = fieldOf(invocation, 'function');
  if (fn?.type === 'identifier') return textOf(fn, source);
  const name = fn && (fieldOf(fn, 'name') ?? fn.children.find((c) => c.type === 'member_binding_expression'));
  if (!name) return undefined;
  return name.type === 'member_binding_expression' ? textOf(fieldOf(name, 'name') ?? name, source) : textOf(name, source);
}

function acquisitionKind(node: LightNode, source: string, factories: Factories): 'socket' | 'accept' | 'factory' | undefined {
  if (node.type === 'object_creation_expression') {
    const type = fieldOf(node, 'type');
    return type && CSHARP_APIS.socketTypes.has(simpleName(type, source)) ? 'socket' : undefined;
  }
  if (node.type !== 'invocation_expression') return undefined;
  const fn = fieldOf(node, 'function');
  // A method of this class called by its name (`Open(h, p)`) that returns a socket it opens.
  if (fn?.type === 'identifier') return factories.has(textOf(fn, source)) ? 'factory' : undefined;
  if (fn?.type !== 'member_access_expression') return undefined;
  const name = methodName(node, source);
  const args = fieldOf(node, 'arguments')?.children.length ?? 0;
  // `Accept()` on anything else (visitors) takes arguments; a listener's takes none or a token.
  return name && CSHARP_APIS.acceptMethods.has(name) && args <= 1 ? 'accept' : undefined;
}

/** Climbs through `await`, parentheses and `.ConfigureAwait(false)` to the expression that holds the value. */
function holderOf(node: LightNode, source: string): LightNode {
  let n = climb(node, WRAPPERS);
  for (;;) {
    const member = n.parent;
    const call = member?.parent;
    if (member?.type !== 'member_access_expression' || n.field !== 'expression' || call?.type !== 'invocation_expression') return n;
    if (methodName(call, source) !== 'ConfigureAwait') return n;
    n = climb(call, WRAPPERS);
  }
}

function isUsingDeclaration(statement: LightNode, source: string): boolean {
  return /^(await\s+)?using\b/.test(textOf(statement, source));
}

function acquisition(node: LightNode, source: string, factories: Factories): Acquisition | undefined {
  const kind = acquisitionKind(node, source, factories);
  if (!kind) return undefined;
  const a: Acquisition =
    kind === 'factory'
      ? { site: node, isAccept: false, subject: factorySubject(textOf(fieldOf(node, 'function')!, source)) }
      : {
          site: node,
          isAccept: kind === 'accept',
          ...(node.type === 'object_creation_expression' && CSHARP_APIS.listening.has(simpleName(fieldOf(node, 'type') ?? node, source))
            ? { listener: true }
            : {}),
        };
  const expr = holderOf(node, source);
  const p = expr.parent;
  if (!p) return undefined;
  if (p.type === 'variable_declarator') {
    const name = fieldOf(p, 'name');
    const statement = p.parent?.parent;
    if (statement?.type === 'using_statement') return withVerdict(a, 'closed');
    if (!name || statement?.type !== 'local_declaration_statement') return withVerdict(a, 'handed-on');
    if (isUsingDeclaration(statement, source)) return withVerdict(a, 'closed');
    return withBinding(a, { node: name, scope: statement.parent ?? statement, assigned: false });
  }
  if (p.type === 'assignment_expression' && expr.field === 'right') {
    const left = fieldOf(p, 'left');
    if (left?.type !== 'identifier') return withVerdict(a, 'handed-on');
    if (textOf(left, source) === '_') return withVerdict(a, 'discarded');
    return withBinding(a, { node: left, scope: nearestAncestor(p, FUNCTIONS) ?? p, assigned: true });
  }
  if (p.type === 'using_statement') return withVerdict(a, 'closed');
  if (p.type === 'expression_statement') return withVerdict(a, 'discarded');
  if (p.type === 'member_access_expression' && expr.field === 'expression') return memberOfNew(a, p, source);
  return withVerdict(a, 'handed-on');
}

/**
 * A socket made and used at once: `new StreamReader(new TcpClient(h, p).GetStream())` kept in a
 * local is the socket under that name; `new TcpListener(ep).LocalEndpoint` loses it.
 */
function memberOfNew(a: Acquisition, member: LightNode, source: string): Acquisition {
  const u = receiverUse(member, source);
  if (u.kind === 'close' || u.kind === 'close-on-error-path' || (u.kind === 'alias' && u.closedHere)) return withVerdict(a, 'closed');
  if (u.kind === 'alias') return withBinding(a, { node: u.binding, scope: u.scope, assigned: false });
  const name = fieldOf(member, 'name');
  return name && CSHARP_APIS.detachedResults.test(textOf(name, source)) ? withVerdict(a, 'discarded') : withVerdict(a, 'handed-on');
}

function declaredNames(node: LightNode): readonly LightNode[] {
  return node.type === 'variable_declaration' ? variableDeclaratorNames(node) : NO_NAMES;
}

function closeUse(at: LightNode): Use {
  return closeUnlessInCatch(at, FUNCTIONS);
}

function use(name: LightNode, source: string): Use {
  if (name.field === 'name' && name.parent && NAME_OWNERS.has(name.parent.type)) return { kind: 'neutral' };
  if (name.field === 'type') return { kind: 'neutral' };
  const n = climb(name, WRAPPERS);
  const p = n.parent;
  if (!p) return { kind: 'neutral' };
  if (p.type === 'member_access_expression' && n.field === 'expression') return receiverUse(p, source);
  if (p.type === 'conditional_access_expression' && n.field === 'condition') {
    const binding = p.children.find((c) => c.type === 'member_binding_expression');
    const method = binding && fieldOf(binding, 'name');
    return method && CSHARP_APIS.releases.has(textOf(method, source)) ? closeUse(p) : { kind: 'neutral' };
  }
  if (p.type === 'argument') return argumentUse(p, source);
  // `foreach (var c in all) c.Dispose()`: each element of a list the method was given is `c` in turn.
  if (p.type === 'foreach_statement' && n.field === 'right') {
    const element = fieldOf(p, 'left');
    return element?.type === 'identifier' ? { kind: 'alias', binding: element, scope: p, closedHere: false } : { kind: 'neutral' };
  }
  if (p.type === 'using_statement') return { kind: 'close' };
  if (p.type === 'variable_declarator') return declaredFrom(p, source, false);
  if (p.type === 'assignment_expression') return n.field === 'right' ? { kind: 'escape' } : { kind: 'neutral' };
  if (
    p.type === 'return_statement' ||
    p.type === 'arrow_expression_clause' ||
    p.type === 'initializer_expression' ||
    p.type === 'yield_statement'
  ) {
    return { kind: 'escape' };
  }
  if (p.type === 'lambda_expression' && n.field === 'body') return { kind: 'escape' };
  return { kind: 'neutral' };
}

/** A local initialised from the socket (or its stream): a second name; `using` on it closes the socket. */
function declaredFrom(declarator: LightNode, source: string, viaStream: boolean): Use {
  const alias = fieldOf(declarator, 'name');
  const statement = declarator.parent?.parent;
  if (statement?.type === 'using_statement') return { kind: 'close' };
  if (!alias || statement?.type !== 'local_declaration_statement') return viaStream ? { kind: 'neutral' } : { kind: 'escape' };
  return { kind: 'alias', binding: alias, scope: statement.parent ?? statement, closedHere: isUsingDeclaration(statement, source) };
}

function receiverUse(member: LightNode, source: string): Use {
  const call = member.parent;
  if (call?.type !== 'invocation_expression' || member.field !== 'function') {
    const property = fieldOf(member, 'name');
    return property && CSHARP_APIS.derivedHandles.has(textOf(property, source)) ? handleUse(member, source) : { kind: 'neutral' };
  }
  const method = methodName(call, source);
  if (!method) return { kind: 'neutral' };
  if (CSHARP_APIS.releases.has(method)) return closeUse(call);
  if (!CSHARP_APIS.streamMethods.has(method)) return { kind: 'neutral' };
  const holder = climb(call, WRAPPERS).parent;
  if (holder?.type === 'variable_declarator') return declaredFrom(holder, source, true);
  // `new StreamReader(client.GetStream())`: the reader over the stream is the socket under another name.
  const creation = holder?.type === 'argument' ? holder.parent?.parent : undefined;
  if (creation?.type === 'object_creation_expression' && isDecorator(creation, source)) return decoratorUse(creation, source);
  return handleUse(call, source);
}

/**
 * A handle that owns the socket (`client.Client`, `client.GetStream()`): returned or stored, it
 * takes the connection with it; disposed, it disposes it. Passed to a call or read, it stays the client's.
 */
function handleUse(handle: LightNode, source: string): Use {
  const u = use(handle, source);
  return u.kind === 'escape' || u.kind === 'close' || u.kind === 'close-on-error-path' || u.kind === 'alias' ? u : { kind: 'neutral' };
}

function isDecorator(creation: LightNode, source: string): boolean {
  const type = fieldOf(creation, 'type');
  return !!type && CSHARP_APIS.decorators.has(simpleName(type, source));
}

/** `new StreamWriter(stream)`: another name for the socket when kept in a local, a passing use when called on at once. */
function decoratorUse(creation: LightNode, source: string): Use {
  const holder = climb(creation, WRAPPERS);
  const parent = holder.parent;
  if (parent?.type === 'variable_declarator') return declaredFrom(parent, source, true);
  if (parent?.type === 'member_access_expression' && holder.field === 'expression') return { kind: 'neutral' };
  return { kind: 'escape' };
}

function argumentUse(argument: LightNode, source: string): Use {
  const args = argument.parent;
  const call = args?.parent;
  if (!args || !call) return { kind: 'neutral' };
  if (call.type === 'object_creation_expression' && isDecorator(call, source)) return decoratorUse(call, source);
  if (call.type !== 'invocation_expression') return { kind: 'escape' }; // constructors take ownership
  const method = methodName(call, source);
  const fn = fieldOf(call, 'function');
  const receiver = fn?.type === 'member_access_expression' ? fieldOf(fn, 'expression') : undefined;
  if (receiver && CSHARP_APIS.loggers.test(textOf(receiver, source))) return { kind: 'neutral' };
  if (!method) return { kind: 'escape' };
  return { kind: 'call', callee: method, index: args.children.filter((c) => c.type === 'argument').indexOf(argument) };
}

/** A `using` declaration: disposed at the end of the enclosing block. */
function fix(a: Acquisition, source: string): PendingFix | undefined {
  const b = a.binding;
  if (!b || b.assigned) return undefined;
  const statement = b.node.parent?.parent?.parent;
  if (statement?.type !== 'local_declaration_statement' || statement.parent?.type !== 'block') return undefined;
  if ((b.node.parent?.parent?.children.filter((c) => c.type === 'variable_declarator').length ?? 0) !== 1) return undefined;
  return {
    title: `Dispose ${textOf(b.node, source)} with a using declaration`,
    edits() {
      const at = { line: statement.startRow, column: statement.startColumn };
      return [{ range: { start: at, end: at }, newText: 'using ' }];
    },
  };
}

const paths: PathShape = {
  statementLists: new Set(['block', 'switch_section']),
  exits: new Set(['return_statement', 'continue_statement', 'break_statement', 'throw_statement', 'goto_statement', 'yield_statement']),
  loops: new Set(['for_statement', 'foreach_statement', 'while_statement', 'do_statement', 'switch_statement']),
  functions: FUNCTIONS,
  deferred: new Set(['finally_clause']),
  isAcquisitionCheck: (statement, binding, source) =>
    new RegExp(`\\b${binding}\\s*==\\s*null`).test(textOf(fieldOf(statement, 'condition') ?? statement, source)),
};

const csharpDialect: Dialect = {
  languages: ['csharp'],
  mentions: /\b(Socket|TcpClient|TcpListener|UdpClient|Accept\w*)\b/,
  functions: FUNCTIONS,
  deferrable: new Set(['method_declaration', 'constructor_declaration']),
  opaque: new Set([
    'comment',
    'string_literal',
    'verbatim_string_literal',
    'raw_string_literal',
    'using_directive',
    'qualified_name',
    'generic_name',
    'attribute_list',
    'array_type',
    'nullable_type',
  ]),
  // Number literals and `var`/`int`: half of a generated file's leaves, read by no rule (`while (true)` keeps its literal).
  skipped: new Set(['integer_literal', 'real_literal', 'character_literal', 'implicit_type', 'predefined_type']),
  nameTypes: new Set(['identifier']),
  closeWaitRule: false,
  functionShape,
  acquisition,
  declaredNames,
  use,
  readsToEof: () => false,
  fix,
  paths,
  buildGraph: (body, obligations, source, localQuiet) => new CSharpCfgBuilder(source, use, obligations, localQuiet).build(body),
  bodyMayThrow: (body, source, localQuiet) => new CSharpCfgBuilder(source, use, [], localQuiet).bodyMayThrow(body),
  exceptionAdvice: 'use `using` or dispose it in finally',
};

export const csharpRules = dialectRules(csharpDialect);

/** The engine's graph of one C# method body, as the rules build it (for tests of the graph). */
export const csharpGraph = csharpDialect.buildGraph!;
