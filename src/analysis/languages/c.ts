import { C_APIS } from '../apis/c';
import { CCfgBuilder, registrationTest } from '../cfg/c';
import { dialectRules, withVerdict, withBinding } from './cFamilyEngine';
import { factorySubject } from './scope';
import type { Acquisition, Dialect, Factories, FunctionShape, Use } from './cFamilyEngine';
import type { PathShape } from './cFamilyPaths';
import { fieldOf, onErrorBranch, NO_NAMES } from './cFamilyTree';
import type { LightNode } from './cFamilyTree';
import { climb, nearestAncestor, textOf } from './nodeSpan';

/**
 * C and C++ (both parsed by the C++ grammar): `socket()`, `accept()`, `accept4()` into a local
 * descriptor. Closed: `close()`/`closesocket()`. The error path (`fd < 0`, `fd == -1`) holds no
 * descriptor, so only uses count. Handed on: returned, stored in a struct, array or member,
 * given to an owning object (RAII wrapper, smart pointer deleter, scope guard) or to a function
 * that closes or keeps it.
 */

const WRAPPERS = new Set(['parenthesized_expression', 'cast_expression', 'pointer_expression']);
const FUNCTIONS = new Set(['function_definition', 'lambda_expression']);
const DECLARATOR_WRAPPERS = new Set(['pointer_declarator', 'reference_declarator', 'init_declarator', 'array_declarator']);

function declaredIdentifier(declarator: LightNode | undefined): LightNode | undefined {
  let d = declarator;
  while (d && DECLARATOR_WRAPPERS.has(d.type)) d = fieldOf(d, 'declarator');
  return d?.type === 'identifier' ? d : undefined;
}

function functionShape(node: LightNode, source: string): FunctionShape | undefined {
  if (!FUNCTIONS.has(node.type)) return undefined;
  let declarator = fieldOf(node, 'declarator');
  while (declarator && declarator.type !== 'function_declarator' && declarator.type !== 'abstract_function_declarator') {
    declarator = fieldOf(declarator, 'declarator');
  }
  const params: LightNode[] = [];
  for (const p of fieldOf(declarator ?? node, 'parameters')?.children ?? []) {
    if (p.type !== 'parameter_declaration' && p.type !== 'optional_parameter_declaration') continue;
    // An unnamed parameter still takes a position: its type node stands in for it.
    params.push(declaredIdentifier(fieldOf(p, 'declarator')) ?? fieldOf(p, 'type') ?? p);
  }
  if (node.type === 'lambda_expression') return { name: undefined, params };
  const nameNode = declarator && fieldOf(declarator, 'declarator');
  const name = nameNode && (fieldOf(nameNode, 'name') ?? nameNode);
  return { name: name ? textOf(name, source) : undefined, params };
}

function calleeName(call: LightNode, source: string): string | undefined {
  const fn = fieldOf(call, 'function');
  if (fn?.type === 'identifier') return textOf(fn, source);
  // `::socket(…)` and `std::…`; not `obj.accept(…)`, a method of some class.
  if (fn?.type === 'qualified_identifier') {
    const name = fieldOf(fn, 'name');
    return name?.type === 'identifier' ? textOf(name, source) : undefined;
  }
  return undefined;
}

/** Around a call's value: `(int)socket(…)`. */
const VALUE_WRAPPERS: ReadonlySet<string> = new Set(['parenthesized_expression', 'cast_expression']);

function acquisition(node: LightNode, source: string, factories: Factories): Acquisition | undefined {
  if (node.type !== 'call_expression') return undefined;
  const name = calleeName(node, source);
  if (name === undefined) return undefined;
  const factory = factories.has(name);
  const arity = C_APIS.acquirers[name];
  if (!factory && (arity === undefined || (fieldOf(node, 'arguments')?.children.length ?? 0) < arity)) return undefined;
  const a: Acquisition = factory
    ? { site: node, isAccept: false, subject: factorySubject(name) }
    : { site: node, isAccept: name !== 'socket' };
  const expr = climb(node, VALUE_WRAPPERS);
  const p = expr.parent;
  if (!p) return undefined;
  if (p.type === 'init_declarator' && expr.field === 'value') {
    const id = declaredIdentifier(fieldOf(p, 'declarator'));
    const declaration = p.parent;
    if (!id || declaration?.type !== 'declaration' || !nearestAncestor(declaration, FUNCTIONS)) return withVerdict(a, 'handed-on');
    return withBinding(a, { node: id, scope: declaration.parent ?? declaration, assigned: false });
  }
  if (p.type === 'assignment_expression' && expr.field === 'right') {
    const left = fieldOf(p, 'left');
    const fn = nearestAncestor(p, FUNCTIONS);
    if (left?.type !== 'identifier' || !fn) return withVerdict(a, 'handed-on');
    return withBinding(a, { node: left, scope: fn, assigned: true });
  }
  if (p.type === 'expression_statement') return withVerdict(a, 'discarded');
  return withVerdict(a, 'handed-on');
}

function declaredNames(node: LightNode): readonly LightNode[] {
  if (node.type !== 'declaration') return NO_NAMES;
  const out: LightNode[] = [];
  for (const c of node.children) {
    if (c.field !== 'declarator') continue;
    const id = declaredIdentifier(c);
    if (id) out.push(id);
  }
  return out;
}

/** The body of `if (x < 0)` / `if (x == -1)`: a failure branch. */
function isErrorBranch(n: LightNode, source: string): boolean {
  if (n.field !== 'consequence' || n.parent?.type !== 'if_statement') return false;
  const condition = fieldOf(n.parent, 'condition');
  return !!condition && /<\s*0\b|==\s*-1\b|-1\s*==|==\s*INVALID_SOCKET|==\s*SOCKET_ERROR/.test(textOf(condition, source));
}

function closeUse(at: LightNode, source: string): Use {
  return onErrorBranch(at, FUNCTIONS, (n) => isErrorBranch(n, source)) ? { kind: 'close-on-error-path' } : { kind: 'close' };
}

function use(name: LightNode, source: string): Use {
  // `Guard g(fd);` parses as a function declaration whose parameter type is `fd`: an owning object.
  if (name.type === 'type_identifier') {
    const parameter = name.parent;
    const declarator = parameter?.parent?.parent;
    return parameter?.type === 'parameter_declaration' &&
      declarator?.type === 'function_declarator' &&
      declarator.parent?.type === 'declaration'
      ? { kind: 'escape' }
      : { kind: 'neutral' };
  }
  const n = climb(name, WRAPPERS);
  const p = n.parent;
  if (!p) return { kind: 'neutral' };
  if (p.type === 'argument_list') return argumentUse(n, p, source);
  if (p.type === 'field_expression' && n.field === 'argument') {
    const call = p.parent;
    const field = fieldOf(p, 'field');
    if (call?.type === 'call_expression' && p.field === 'function' && field && C_APIS.releases.has(textOf(field, source)))
      return closeUse(call, source);
    return { kind: 'neutral' };
  }
  if (p.type === 'init_declarator' && n.field === 'value') {
    const alias = declaredIdentifier(fieldOf(p, 'declarator'));
    if (!alias || p.parent?.type !== 'declaration') return { kind: 'escape' };
    return { kind: 'alias', binding: alias, scope: p.parent.parent ?? p.parent, closedHere: false };
  }
  if (p.type === 'assignment_expression') {
    const left = fieldOf(p, 'left');
    return n.field === 'right' && !(left && intoLocalRequestBlock(left, textOf(n, source), source))
      ? { kind: 'escape' }
      : { kind: 'neutral' };
  }
  // `sessions[fd] = …`: the descriptor is the key of a table that owns it.
  const subscript =
    p.type === 'subscript_argument_list' ? p.parent : p.type === 'subscript_expression' && n.field === 'index' ? p : undefined;
  if (subscript?.type === 'subscript_expression' && subscript.field === 'left' && subscript.parent?.type === 'assignment_expression')
    return { kind: 'escape' };
  if (p.type === 'initializer_list' || p.type === 'initializer_pair') return initializerUse(p, source);
  if (p.type === 'return_statement') return { kind: 'escape' };
  if (p.type === 'field_initializer' || p.type === 'new_expression') return { kind: 'escape' };
  return { kind: 'neutral' };
}

/** In a struct initializer the descriptor is stored, except in a request block (a `pollfd` that only asks poll() about it). */
function initializerUse(list: LightNode, source: string): Use {
  const declaration = nearestAncestor(list, new Set(['declaration', 'compound_statement']));
  const type = declaration?.type === 'declaration' ? fieldOf(declaration, 'type') : undefined;
  return type && C_APIS.requestBlocks.test(textOf(type, source)) ? { kind: 'neutral' } : { kind: 'escape' };
}

/**
 * `ev.data.fd = fd`, `evs[i].data.fd = fd` into a request block declared in this function (not
 * through a pointer), when the function registers `fd` itself (`epoll_ctl(ep, EPOLL_CTL_ADD, fd,
 * &ev)`): that call, not the block, decides who owns it. A block handed to some other function
 * with the descriptor inside stays a store.
 */
function intoLocalRequestBlock(left: LightNode, descriptor: string, source: string): boolean {
  let root = left;
  while (root.type === 'field_expression' || root.type === 'subscript_expression') {
    const inner = fieldOf(root, 'argument');
    if (!inner || (root.type === 'field_expression' && source.slice(inner.end, root.end).trimStart().startsWith('->'))) return false;
    root = inner;
  }
  if (root === left || root.type !== 'identifier') return false;
  const fn = nearestAncestor(root, FUNCTIONS);
  const body = fn && fieldOf(fn, 'body');
  if (!body) return false;
  const facts = requestFactsOf(body, source);
  return facts.registered.has(descriptor) && facts.blocks.has(textOf(root, source));
}

interface RequestFacts {
  /** Descriptors the body registers (C_APIS.registrations). */
  registered: ReadonlySet<string>;
  /** Request blocks the body declares. */
  blocks: ReadonlySet<string>;
}

/** Once per function body: a generated function with thousands of such stores must not read itself for each. */
const requestFacts = new WeakMap<LightNode, RequestFacts>();

function requestFactsOf(body: LightNode, source: string): RequestFacts {
  let facts = requestFacts.get(body);
  if (facts) return facts;
  const code = textOf(body, source);
  const registered = new Set<string>();
  for (const [call, api] of Object.entries(C_APIS.registrations)) {
    const before = Array.from({ length: api.descriptor }, (_, i) => (i === api.operation ? `\\s*${api.adds}\\s*,` : '[^,;]*,')).join('');
    for (const m of code.matchAll(new RegExp(`\\b${call}\\s*\\(${before}\\s*(\\w+)\\s*,`, 'g'))) registered.add(m[1]);
  }
  const blocks = new Set<string>();
  const visit = (d: LightNode): void => {
    if (d.type === 'declaration') {
      if (!C_APIS.requestBlocks.test(textOf(fieldOf(d, 'type') ?? d, source))) return;
      for (const c of d.children) {
        const name = c.field === 'declarator' ? localBlockName(c, source) : undefined;
        if (name) blocks.add(name);
      }
    } else if (!FUNCTIONS.has(d.type)) d.children.forEach(visit);
  };
  if (registered.size > 0) visit(body);
  facts = { registered, blocks };
  requestFacts.set(body, facts);
  return facts;
}

/** The name a declarator of a request block declares: itself or an array of them, not a pointer. */
function localBlockName(declarator: LightNode, source: string): string | undefined {
  let d: LightNode | undefined = declarator;
  while (d && (d.type === 'init_declarator' || d.type === 'array_declarator')) d = fieldOf(d, 'declarator');
  return d?.type === 'identifier' ? textOf(d, source) : undefined;
}

/** The if whose condition a call may be, or the statement or block around it that is not one. */
const IF_OR_STATEMENT: ReadonlySet<string> = new Set(['if_statement', 'compound_statement', 'expression_statement']);

/** The descriptor given to epoll_ctl's EPOLL_CTL_ADD: the event loop owns it, unless the call is tested (the graph moves it on success). */
function registrationUse(call: LightNode, index: number, name: string, source: string): Use {
  const api = C_APIS.registrations[name];
  const args = fieldOf(call, 'arguments')?.children.filter((c) => c.type !== 'comment') ?? [];
  const operation = args[api.operation];
  if (index !== api.descriptor || !operation || textOf(operation, source) !== api.adds) return { kind: 'neutral' };
  const test = nearestAncestor(call, IF_OR_STATEMENT);
  const condition = test?.type === 'if_statement' ? fieldOf(test, 'condition') : undefined;
  return condition && registrationTest(condition, source)?.call === call ? { kind: 'neutral' } : { kind: 'escape' };
}

function argumentUse(arg: LightNode, args: LightNode, source: string): Use {
  const call = args.parent;
  // Constructor arguments: `Socket s(fd)`, `new Conn(fd)`, `std::thread t(handle, fd)`.
  if (call?.type !== 'call_expression') return { kind: 'escape' };
  const index = args.children.filter((c) => c.type !== 'comment').indexOf(arg);
  const fn = fieldOf(call, 'function');
  let name = calleeName(call, source);
  if (fn?.type === 'field_expression') {
    const field = fieldOf(fn, 'field');
    name = field ? textOf(field, source) : undefined;
  }
  if (name === undefined) return { kind: 'escape' };
  if (C_APIS.releases.has(name)) return closeUse(call, source);
  if (C_APIS.registrations[name]) return registrationUse(call, index, name, source);
  if (C_APIS.nonOwning.has(name)) return { kind: 'neutral' };
  return { kind: 'call', callee: name, index };
}

const paths: PathShape = {
  statementLists: new Set(['compound_statement', 'case_statement']),
  exits: new Set(['return_statement', 'continue_statement', 'break_statement', 'goto_statement', 'throw_statement']),
  loops: new Set(['for_statement', 'for_range_loop', 'while_statement', 'do_statement', 'switch_statement']),
  functions: FUNCTIONS,
  deferred: new Set(),
  isAcquisitionCheck(statement, binding, source) {
    const condition = fieldOf(statement, 'condition');
    // The descriptor itself tested for failure; `connect(fd, …) < 0` is a later call failing.
    const failed = new RegExp(
      `\\b${binding}\\s*(<\\s*0|<=\\s*-1|==\\s*-1|==\\s*INVALID_SOCKET)|(-1|INVALID_SOCKET)\\s*==\\s*${binding}\\b`,
    );
    return !!condition && failed.test(textOf(condition, source));
  },
  labelOf: (statement, source) => {
    const label = statement.type === 'labeled_statement' ? fieldOf(statement, 'label') : undefined;
    return label && textOf(label, source);
  },
  gotoTarget: (exit, source) => {
    const label = exit.type === 'goto_statement' ? fieldOf(exit, 'label') : undefined;
    return label && textOf(label, source);
  },
};

const cDialect: Dialect = {
  languages: ['c', 'cpp'],
  mentions: /\b(socket|accept4?)\s*\(/,
  functions: FUNCTIONS,
  deferrable: new Set(['function_definition']),
  opaque: new Set([
    'comment',
    'string_literal',
    'raw_string_literal',
    'char_literal',
    'concatenated_string',
    'preproc_include',
    'template_argument_list',
    'enum_specifier',
  ]),
  nameTypes: new Set(['identifier', 'type_identifier']),
  closeWaitRule: false,
  functionShape,
  acquisition,
  declaredNames,
  use,
  readsToEof: () => false,
  paths,
  buildGraph: (body, obligations, source) => new CCfgBuilder(source, use, obligations).build(body),
};

export const cRules = dialectRules(cDialect);

/** The engine's graph of one C/C++ function body, as the rules build it (for tests of the graph). */
export const cGraph = cDialect.buildGraph!;
