import { JavaCfgBuilder } from '../cfg/java';
import { JAVA_APIS } from '../apis/java';
import type { PendingFix, TextEdit } from '../types';
import { closeUnlessInCatch, dialectRules, withVerdict, withBinding } from './cFamilyEngine';
import { factorySubject } from './scope';
import type { Acquisition, Dialect, Factories, FunctionShape, Use } from './cFamilyEngine';
import type { PathShape } from './cFamilyPaths';
import { fieldOf, variableDeclaratorNames, NO_NAMES } from './cFamilyTree';
import type { LightNode } from './cFamilyTree';
import { climb, indentOfLine, nearestAncestor, textOf } from './nodeSpan';

/**
 * Java: `new Socket`, `new ServerSocket`, `serverSocket.accept()`, `SocketChannel.open()` and their
 * NIO and factory relatives. Closed: `close()`, try-with-resources (also over a stream of the
 * socket: closing a socket's stream closes the socket), `closeQuietly`. Handed on: returned, stored
 * in a field or collection, passed to a constructor or a method that keeps it.
 */

// A ternary's branches hand on their value as the ternary does (`return ssl ? wrap(in) : in`).
const WRAPPERS = new Set(['parenthesized_expression', 'cast_expression', 'ternary_expression']);
const FUNCTIONS = new Set(['method_declaration', 'constructor_declaration', 'lambda_expression']);
const NAME_OWNERS = new Set(['method_invocation', 'field_access', 'method_reference']);

function simpleName(node: LightNode, source: string): string {
  const text = textOf(node, source);
  return text.slice(text.lastIndexOf('.') + 1).replace(/<.*$/s, '');
}

function functionShape(node: LightNode, source: string): FunctionShape | undefined {
  if (!FUNCTIONS.has(node.type)) return undefined;
  const params: LightNode[] = [];
  const list = fieldOf(node, 'parameters');
  if (list?.type === 'identifier') params.push(list);
  for (const p of list?.children ?? []) {
    if (p.type === 'identifier') params.push(p);
    const name = fieldOf(p, 'name') ?? p.children.find((c) => c.type === 'variable_declarator');
    if (name?.type === 'identifier') params.push(name);
    else if (name) params.push(fieldOf(name, 'name') ?? name);
  }
  const variadic = list?.children.at(-1)?.type === 'spread_parameter';
  if (node.type === 'lambda_expression') return { name: undefined, params };
  const name = fieldOf(node, 'name');
  return { name: name ? textOf(name, source) : undefined, params, variadic };
}

function acquisitionKind(node: LightNode, source: string, factories: Factories): 'socket' | 'accept' | 'factory' | undefined {
  if (node.type === 'object_creation_expression') {
    const type = fieldOf(node, 'type');
    return type && JAVA_APIS.socketTypes.has(simpleName(type, source)) && !firstClassBody(node) ? 'socket' : undefined;
  }
  if (node.type !== 'method_invocation') return undefined;
  const name = textOf(fieldOf(node, 'name') ?? node, source);
  const object = fieldOf(node, 'object');
  // A method of this class (`open(h, p)`, `this.open(h, p)`) that returns a socket it opens.
  if ((!object || object.type === 'this') && factories.has(name)) return 'factory';
  const argCount = fieldOf(node, 'arguments')?.children.length ?? 0;
  if (name === 'accept' && object && argCount === 0) return 'accept';
  if (name === 'open' && object && JAVA_APIS.channelFactories.has(simpleName(object, source))) return 'socket';
  if (JAVA_APIS.factoryMethods.has(name) && object) return layeredOverForeignSocket(node, name, source) ? undefined : 'socket';
  return undefined;
}

/** `new ServerSocket(…)`, `ServerSocketChannel.open()`, `factory.createServerSocket(…)`, a bound `DatagramSocket`. */
function listens(node: LightNode, source: string): boolean {
  const made = node.type === 'object_creation_expression' ? fieldOf(node, 'type') : fieldOf(node, 'name');
  const object = node.type === 'method_invocation' ? fieldOf(node, 'object') : undefined;
  const name = made && simpleName(made, source);
  return !!name && (JAVA_APIS.listening.has(name) || (name === 'open' && !!object && JAVA_APIS.listening.has(simpleName(object, source))));
}

/**
 * TLS layered over a socket this method does not own (a field, `this.plain`, a parameter) makes
 * no descriptor: the owner still holds the kernel socket and closes it. Over a local of the
 * method it is an acquisition that takes over the local's socket (the local is handed to it).
 */
function layeredOverForeignSocket(call: LightNode, method: string, source: string): boolean {
  const layered = JAVA_APIS.layeredFactory;
  if (method !== layered.method) return false;
  const args = (fieldOf(call, 'arguments')?.children ?? []).filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment');
  const last = args.at(-1);
  if (args.length < layered.minArity || !last || !layered.autoClose.test(textOf(last, source))) return false;
  const existing = unwrapped(args[0]!);
  if (existing.type === 'field_access') return true;
  if (existing.type !== 'identifier') return false;
  const fn = enclosingFunction(call);
  return !!fn && !declaresLocal(fn, textOf(existing, source), source);
}

function unwrapped(node: LightNode): LightNode {
  for (let n = node; ;) {
    const inner =
      n.type === 'cast_expression' ? fieldOf(n, 'value') : n.type === 'parenthesized_expression' ? n.children.at(-1) : undefined;
    if (!inner) return n;
    n = inner;
  }
}

/** Whether `fn` declares `name` as a local variable (not a parameter) outside its nested lambdas and classes. */
function declaresLocal(fn: LightNode, name: string, source: string): boolean {
  const body = fieldOf(fn, 'body');
  const stack = body ? [body] : [];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'lambda_expression' || n.type === 'class_body') continue;
    const declared = n.type === 'variable_declarator' || n.type === 'resource' ? fieldOf(n, 'name') : undefined;
    if (declared && textOf(declared, source) === name) return true;
    for (const c of n.children) stack.push(c);
  }
  return false;
}

function firstClassBody(node: LightNode): LightNode | undefined {
  return node.children.find((c) => c.type === 'class_body');
}

/**
 * `new Socket()` holds no descriptor until it is connected or bound: one the function never
 * connects or binds (and does not hand on to whoever would) is no acquisition.
 */
function neverConnected(node: LightNode, source: string): boolean {
  if ((fieldOf(node, 'arguments')?.children.length ?? 0) > 0) return false;
  // `factory.createSocket()` without an address is as unconnected as `new Socket()`.
  const type = node.type === 'object_creation_expression' ? fieldOf(node, 'type') : undefined;
  const unconnected = type
    ? JAVA_APIS.unconnectedTypes.has(simpleName(type, source))
    : node.type === 'method_invocation' && textOf(fieldOf(node, 'name') ?? node, source) === JAVA_APIS.unconnectedFactory;
  if (!unconnected) return false;
  const holder = climb(node, WRAPPERS).parent;
  const name =
    holder?.type === 'variable_declarator'
      ? fieldOf(holder, 'name')
      : holder?.type === 'assignment_expression'
        ? fieldOf(holder, 'left')
        : undefined;
  const scope = enclosingFunction(node);
  if (!name || !scope) return false;
  // Any use but an option setter or accessor (connect, bind, return, a call) may give it a descriptor.
  return usesOfWord(scope, textOf(name, source), source) <= 1;
}

/** Where each word of a function's text starts, found once per function (thousands of sockets in one function stay linear). */
const wordsOfScope = new WeakMap<LightNode, Map<string, number[]>>();
const WORD = /\w+/g;
const ACCESSOR_AFTER = /\s*\.\s*(?:set\w+|get\w+|is\w+)\s*\(/y;

/** How many times `name` stands as a word in `scope`'s text, not counting option setters and accessors called on it. */
function usesOfWord(scope: LightNode, name: string, source: string): number {
  const text = textOf(scope, source);
  if (!/^\w+$/.test(name)) {
    // Not a plain word (`$`, letters beyond ASCII): searched for as a pattern, as it always was.
    return [...text.matchAll(new RegExp(`\\b${name}\\b(?!${ACCESSOR_AFTER.source})`, 'g'))].length;
  }
  let words = wordsOfScope.get(scope);
  if (!words) {
    words = new Map();
    for (const m of text.matchAll(WORD)) {
      const list = words.get(m[0]);
      if (list) list.push(m.index);
      else words.set(m[0], [m.index]);
    }
    wordsOfScope.set(scope, words);
  }
  // A `\bname\b` match is a whole word equal to the name.
  let count = 0;
  for (const at of words.get(name) ?? []) {
    ACCESSOR_AFTER.lastIndex = at + name.length;
    if (!ACCESSOR_AFTER.test(text)) count++;
  }
  return count;
}

function acquisition(node: LightNode, source: string, factories: Factories): Acquisition | undefined {
  const kind = acquisitionKind(node, source, factories);
  if (!kind || neverConnected(node, source)) return undefined;
  const a: Acquisition =
    kind === 'factory'
      ? { site: node, isAccept: false, subject: factorySubject(textOf(fieldOf(node, 'name') ?? node, source)) }
      : { site: node, isAccept: kind === 'accept', ...(listens(node, source) ? { listener: true } : {}) };
  const expr = climb(node, WRAPPERS);
  const p = expr.parent;
  if (!p) return undefined;
  if (p.type === 'variable_declarator' && expr.field === 'value') {
    const name = fieldOf(p, 'name');
    const declaration = p.parent;
    if (!name || declaration?.type !== 'local_variable_declaration') return withVerdict(a, 'handed-on');
    // Lombok's @Cleanup closes the variable at the end of its scope.
    if (textOf(declaration, source).startsWith('@Cleanup')) return withVerdict(a, 'closed');
    return withBinding(a, { node: name, scope: declaration.parent ?? declaration, assigned: false });
  }
  if (p.type === 'resource') return withVerdict(a, 'closed');
  if (p.type === 'assignment_expression' && expr.field === 'right') {
    const left = fieldOf(p, 'left');
    if (left?.type !== 'identifier') return withVerdict(a, 'handed-on');
    return withBinding(a, { node: left, scope: enclosingFunction(p) ?? p, assigned: true });
  }
  // `new Socket(host, port).close()` probes a port; `new Socket(host, port);` alone leaks it.
  if (p.type === 'method_invocation' && expr.field === 'object') {
    const method = textOf(fieldOf(p, 'name') ?? p, source);
    if (JAVA_APIS.releases.has(method)) return withVerdict(a, 'closed');
    // `return new ServerSocket(0).getLocalPort();`: a number goes on, the socket is lost.
    if (JAVA_APIS.detachedResults.test(method)) return withVerdict(a, 'discarded');
    // `r = new BufferedReader(new InputStreamReader(new Socket(h, p).getInputStream()))`: `r` holds the socket.
    const held = JAVA_APIS.streamMethods.has(method) ? streamHolderUse(p, source) : undefined;
    if (held?.kind === 'close') return withVerdict(a, 'closed');
    if (held?.kind === 'alias') return withBinding(a, { node: held.binding, scope: held.scope, assigned: held.binding.field === 'left' });
    let top = p;
    while (top.parent?.type === 'method_invocation' && top.field === 'object') top = top.parent;
    return top.parent?.type === 'expression_statement' ? withVerdict(a, 'discarded') : withVerdict(a, 'handed-on');
  }
  if (p.type === 'expression_statement') return withVerdict(a, 'discarded');
  return withVerdict(a, 'handed-on');
}

function enclosingFunction(node: LightNode): LightNode | undefined {
  return nearestAncestor(node, FUNCTIONS);
}

function declaredNames(node: LightNode): readonly LightNode[] {
  return node.type === 'local_variable_declaration' ? variableDeclaratorNames(node) : NO_NAMES;
}

function closeUse(at: LightNode): Use {
  return closeUnlessInCatch(at, FUNCTIONS);
}

function use(name: LightNode, source: string): Use {
  if (name.field === 'name' && name.parent && NAME_OWNERS.has(name.parent.type)) return { kind: 'neutral' };
  const n = climb(name, WRAPPERS);
  const p = n.parent;
  if (!p) return { kind: 'neutral' };
  if (p.type === 'method_invocation' && n.field === 'object') return receiverUse(p, source);
  if (p.type === 'argument_list') return argumentUse(n, p, source);
  if (p.type === 'resource') return { kind: 'close' };
  // `for (Closeable c : all) c.close()`: each element of a list the function was given is `c` in turn.
  if (p.type === 'enhanced_for_statement' && n.field === 'value') {
    const element = fieldOf(p, 'name');
    return element ? { kind: 'alias', binding: element, scope: p, closedHere: false } : { kind: 'neutral' };
  }
  if (p.type === 'variable_declarator' && n.field === 'value') {
    const alias = fieldOf(p, 'name');
    if (p.parent?.type !== 'local_variable_declaration' || !alias) return { kind: 'escape' };
    return { kind: 'alias', binding: alias, scope: p.parent.parent ?? p.parent, closedHere: false };
  }
  if (p.type === 'assignment_expression') return n.field === 'right' ? { kind: 'escape' } : { kind: 'neutral' };
  if (p.type === 'return_statement' || p.type === 'array_initializer' || p.type === 'yield_statement') return { kind: 'escape' };
  if (p.type === 'lambda_expression' && n.field === 'body') return { kind: 'escape' };
  return { kind: 'neutral' };
}

/** `s.close()`; `s.getInputStream()` kept in a local (closing that stream closes the socket). */
function receiverUse(call: LightNode, source: string): Use {
  const method = textOf(fieldOf(call, 'name') ?? call, source);
  if (JAVA_APIS.releases.has(method)) return closeUse(call);
  if (JAVA_APIS.handingMethods.has(method)) return { kind: 'escape' };
  // `ch.socket()` keeps the channel alive: where the handle goes, the channel goes.
  if (JAVA_APIS.derivedHandles.has(method)) return use(call, source);
  if (!JAVA_APIS.streamMethods.has(method)) return { kind: 'neutral' };
  return streamHolderUse(call, source);
}

/**
 * Where a stream of the socket ends up: a resource closes it, a local is another name for the
 * socket, a return hands it on, a method of the file given it decides (`createInputStream(in)`).
 */
function streamHolderUse(stream: LightNode, source: string): Use {
  // Climb through the decorators (`new BufferedReader(new InputStreamReader(s.getInputStream()))`).
  let top = stream;
  while (top.parent?.type === 'argument_list' && top.parent.parent?.type === 'object_creation_expression') top = top.parent.parent;
  top = climb(top, WRAPPERS);
  const holder = top.parent;
  if (holder?.type === 'resource') return { kind: 'close' };
  if (holder?.type === 'variable_declarator' && top.field === 'value' && holder.parent?.type === 'local_variable_declaration') {
    const alias = fieldOf(holder, 'name');
    if (alias) return { kind: 'alias', binding: alias, scope: holder.parent.parent ?? holder.parent, closedHere: false };
  }
  if (holder?.type === 'assignment_expression' && top.field === 'right') {
    // `sin = new BufferedReader(…)` into a local declared earlier: another name from here on; into a field, stored.
    const left = fieldOf(holder, 'left');
    const fn = enclosingFunction(holder);
    if (left?.type !== 'identifier' || !fn || !declaresLocal(fn, textOf(left, source), source)) return { kind: 'escape' };
    return { kind: 'alias', binding: left, scope: fn, closedHere: false };
  }
  if (holder?.type === 'return_statement') return { kind: 'escape' };
  if (holder?.type === 'argument_list' && holder.parent?.type === 'method_invocation') {
    const passed = argumentUse(top, holder, source);
    return passed.kind === 'call' ? { ...passed, stream: true } : passed;
  }
  return { kind: 'neutral' };
}

function argumentUse(arg: LightNode, args: LightNode, source: string): Use {
  const call = args.parent;
  if (!call) return { kind: 'neutral' };
  if (call.type === 'object_creation_expression') {
    const type = fieldOf(call, 'type');
    // A stream of the socket wrapped again (`new PrintWriter(out)`): still the socket, under a new name.
    if (type && JAVA_APIS.decorators.has(simpleName(type, source))) return streamHolderUse(arg, source);
  }
  if (call.type !== 'method_invocation') return { kind: 'escape' }; // constructors, this(…), super(…)
  const method = textOf(fieldOf(call, 'name') ?? call, source);
  if (JAVA_APIS.closeHelpers.has(method)) return closeUse(call);
  const object = fieldOf(call, 'object');
  if (object && JAVA_APIS.loggers.test(textOf(object, source))) return { kind: 'neutral' };
  return {
    kind: 'call',
    callee: method,
    index: args.children.filter((c) => c.type !== 'line_comment' && c.type !== 'block_comment').indexOf(arg),
  };
}

/** A comparison of a read's result with -1 or null, `hasNextLine()`, or a catch of EOFException. */
function readsToEof(node: LightNode, source: string): boolean {
  if (node.type === 'binary_expression') {
    const left = fieldOf(node, 'left');
    const right = fieldOf(node, 'right');
    if (!left || !right) return false;
    const l = textOf(left, source);
    const r = textOf(right, source);
    const isEnd = (t: string) => t === 'null' || t === '-1';
    return (isEnd(r) && /read/i.test(l)) || (isEnd(l) && /read/i.test(r));
  }
  if (node.type === 'method_invocation') {
    const name = fieldOf(node, 'name');
    return !!name && /^hasNext(Line)?$/.test(textOf(name, source));
  }
  if (node.type === 'catch_type') return /EOFException/.test(textOf(node, source));
  return false;
}

/** Wraps the declaration and the rest of its block in try-with-resources. */
function fix(a: Acquisition, source: string): PendingFix | undefined {
  const b = a.binding;
  if (!b || b.assigned) return undefined;
  const declarator = b.node.parent;
  const declaration = declarator?.parent;
  const block = declaration?.parent;
  if (!declaration || declaration.type !== 'local_variable_declaration' || block?.type !== 'block') return undefined;
  if (declaration.children.filter((c) => c.type === 'variable_declarator').length !== 1) return undefined;
  const name = textOf(b.node, source);
  return { title: `Close ${name} with try-with-resources`, edits: () => tryWithResources(declaration, block, source) };
}

/** The one edit: the declaration becomes the resource, the rest of the block moves in one level. */
function tryWithResources(declaration: LightNode, block: LightNode, source: string): TextEdit[] {
  const last = block.children[block.children.length - 1]!;
  const indent = indentOfLine(declaration, source);
  const unit = indent.includes('\t') ? '\t' : '    ';
  const resource = textOf(declaration, source).replace(/;\s*$/, '');
  const from = { line: declaration.startRow, column: declaration.startColumn };
  if (last === declaration) {
    const to = { line: declaration.endRow, column: declaration.endColumn };
    return [{ range: { start: from, end: to }, newText: `try (${resource}) {\n${indent}}` }];
  }
  // What follows on the declaration's line (a comment) stays on the `try` line; the rest moves in one level.
  const lineEnd = source.indexOf('\n', declaration.end);
  const tail = source.slice(declaration.end, lineEnd);
  const body = source
    .slice(lineEnd + 1, last.end)
    .split('\n')
    .map((line) => (line.trim() === '' ? line : unit + line))
    .join('\n');
  return [
    {
      range: { start: from, end: { line: last.endRow, column: last.endColumn } },
      newText: `try (${resource}) {${tail}\n${body}\n${indent}}`,
    },
  ];
}

const paths: PathShape = {
  statementLists: new Set(['block', 'switch_block_statement_group', 'constructor_body']),
  exits: new Set(['return_statement', 'continue_statement', 'break_statement', 'throw_statement', 'yield_statement']),
  loops: new Set(['for_statement', 'enhanced_for_statement', 'while_statement', 'do_statement', 'switch_expression']),
  functions: FUNCTIONS,
  deferred: new Set(['finally_clause']),
  isAcquisitionCheck: (statement, binding, source) =>
    new RegExp(`\\b${binding}\\s*==\\s*null`).test(textOf(fieldOf(statement, 'condition') ?? statement, source)),
};

const javaDialect: Dialect = {
  languages: ['java'],
  mentions:
    /\b(Socket|ServerSocket|SSLSocket|SSLServerSocket|DatagramSocket|MulticastSocket|accept|open|createSocket|createServerSocket)\b/,
  functions: FUNCTIONS,
  deferrable: new Set(['method_declaration', 'constructor_declaration']),
  opaque: new Set([
    'line_comment',
    'block_comment',
    'string_literal',
    'text_block',
    'import_declaration',
    'package_declaration',
    'generic_type',
    'scoped_type_identifier',
    'array_type',
    'type_arguments',
    'annotation',
    'marker_annotation',
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
  buildGraph: (body, obligations, source, localQuiet) => new JavaCfgBuilder(source, use, obligations, localQuiet).build(body),
  bodyMayThrow: (body, source, localQuiet) => new JavaCfgBuilder(source, use, [], localQuiet).bodyMayThrow(body),
  exceptionAdvice: 'use try-with-resources or close it in finally',
};

export const javaRules = dialectRules(javaDialect);

/** The engine's graph of one Java method body, as the rules build it (for tests of the graph). */
export const javaGraph = javaDialect.buildGraph!;
