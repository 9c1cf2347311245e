import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import type { LanguageRules, LeakFinding, LeakLanguage } from '../types';
import type { BindingUse, ExitSyntax, ReferenceMeaning, SocketUse, TreeIndex, UseSummary } from './scope';
import { climbThrough, closingNodes, earlyReturn, earlyReturnMessage, indexTree, nearestAncestor, rangeOf, summarizeUses, unclosedMessage, usesOfBinding } from './scope';

const FUNCTION_TYPES = new Set([
  'function_declaration', 'function_expression', 'arrow_function', 'method_definition',
  'generator_function_declaration', 'generator_function', 'function',
]);
const INDEXED_TYPES = new Set(['call_expression', 'new_expression', 'variable_declarator', 'import_statement', 'return_statement', ...FUNCTION_TYPES]);
const EXITS: ExitSyntax = { functionTypes: FUNCTION_TYPES, tryType: 'try_statement', finallyType: 'finally_clause' };
const IDENTIFIER_TYPES = new Set(['identifier', 'shorthand_property_identifier']);
/** Nodes that pass a value through unchanged, so the meaning comes from above them. */
const TRANSPARENT = new Set(['parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion', 'ternary_expression', 'await_expression']);
const COLLECTIONS = new Set(['pair', 'object', 'array', 'spread_element']);
const CONTAINERS = new Set([...COLLECTIONS, ...TRANSPARENT]);
const CATCH = new Set(['catch_clause']);
const CLOSE_METHODS = new Set(['close', 'destroy', 'end', 'resetAndDestroy', 'destroySoon']);
const CONSUME_METHODS = new Set(['resume', 'read', 'pipe']);
const LISTEN_METHODS = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);
const STORE_METHODS = new Set(['push', 'unshift', 'add', 'set', 'splice', 'enqueue', 'put']);
/** Calls that look at a socket without taking it over. */
const NON_OWNING_CALLS = new Set([
  'log', 'debug', 'info', 'warn', 'error', 'trace', 'assert', 'ok', 'equal', 'strictEqual',
  'once', 'inspect', 'format', 'String', 'stringify', 'isIP', 'clearTimeout', 'delete', 'indexOf', 'includes', 'has',
]);
const SOCKET_MODULES = new Set(['net', 'tls', 'dgram', 'http', 'https']);

type AcquisitionKind = 'client' | 'response' | 'accepted' | 'accepted-half-open';

interface Acquisition {
  kind: AcquisitionKind;
  name: string;
  /** The node that declares the binding (excluded from its own references). */
  declaration: SyntaxNode;
  scope: SyntaxNode;
  /** Where the lens goes. */
  site: SyntaxNode;
}

/** Which module a local name stands for, and the module member a bare imported name stands for. */
interface ModuleNames {
  modules: Map<string, string>;
  members: Map<string, { module: string; member: string }>;
}

/** Rules for JavaScript, TypeScript and TSX (one grammar family, same Node APIs). */
export const javascriptRules: LanguageRules = {
  languages: ['javascript', 'typescript', 'tsx'],
  analyze(root: SyntaxNode, language: LeakLanguage, source: string): LeakFinding[] {
    const index = indexTree(root, source, { types: INDEXED_TYPES, identifierTypes: IDENTIFIER_TYPES, keep: mayMatter });
    const names = moduleNames(index);
    const functions = namedFunctions(index);
    const acquisitions = findAcquisitions(root, index, names, functions);
    const findings: LeakFinding[] = [];
    for (const a of acquisitions) {
      const finding = judge(a, index, language);
      if (finding) findings.push(finding);
    }
    return findings;
  },
};

/** Callee names any rule looks at, checked on the call's text before a node is made. */
const INTERESTING_CALLEE = /(?:^|[.\s])(?:connect|createConnection|Socket|TLSSocket|createSocket|createServer|Server|get|request|require|on|once|addListener|prependListener|prependOnceListener)\s*(?:<[^(]*>)?\s*\($/;

function mayMatter(type: string, head: string): boolean {
  if (type !== 'call_expression' && type !== 'new_expression') return true;
  const paren = head.indexOf('(');
  return paren > 0 && INTERESTING_CALLEE.test(head.slice(0, paren + 1));
}

function moduleNames(index: TreeIndex): ModuleNames {
  const modules = new Map<string, string>([...SOCKET_MODULES].map((m) => [m, m]));
  const members = new Map<string, { module: string; member: string }>();
  for (const decl of index.byType.get('variable_declarator') ?? []) {
    const value = decl.childForFieldName('value');
    const target = decl.childForFieldName('name');
    const module = value && requiredModule(value);
    if (!module || !target) continue;
    if (target.type === 'identifier') modules.set(target.text, module);
    else if (target.type === 'object_pattern') {
      for (const p of target.namedChildren) {
        if (p?.type === 'shorthand_property_identifier_pattern') members.set(p.text, { module, member: p.text });
        if (p?.type === 'pair_pattern') {
          const key = p.childForFieldName('key');
          const local = p.childForFieldName('value');
          if (key && local?.type === 'identifier') members.set(local.text, { module, member: key.text });
        }
      }
    }
  }
  for (const imp of index.byType.get('import_statement') ?? []) {
    const module = moduleId(imp.childForFieldName('source')?.text ?? '');
    if (!SOCKET_MODULES.has(module)) continue;
    for (const n of imp.descendantsOfType(['namespace_import', 'import_clause', 'import_specifier'])) {
      if (!n) continue;
      if (n.type === 'namespace_import') {
        const id = n.namedChildren.find((c) => c?.type === 'identifier');
        if (id) modules.set(id.text, module);
      } else if (n.type === 'import_clause') {
        const def = n.namedChildren.find((c) => c?.type === 'identifier');
        if (def) modules.set(def.text, module);
      } else {
        const name = n.childForFieldName('name')?.text;
        const alias = n.childForFieldName('alias')?.text;
        if (name) members.set(alias ?? name, { module, member: name });
      }
    }
  }
  return { modules, members };
}

function moduleId(quoted: string): string {
  return quoted.replace(/^['"`]|['"`]$/g, '').replace(/^node:/, '');
}

/** `require('net')` (possibly `.default`-less, awaited import) → 'net'. */
function requiredModule(value: SyntaxNode): string | undefined {
  if (value.type !== 'call_expression' || value.childForFieldName('function')?.text !== 'require') return undefined;
  const arg = value.childForFieldName('arguments')?.namedChildren[0];
  if (arg?.type !== 'string') return undefined;
  const module = moduleId(arg.text);
  return SOCKET_MODULES.has(module) ? module : undefined;
}

/** Named functions, so a handler passed by name (`net.createServer(onConnection)`) is found. */
function namedFunctions(index: TreeIndex): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const type of ['function_declaration', 'generator_function_declaration']) {
    for (const f of index.byType.get(type) ?? []) {
      const name = f.childForFieldName('name');
      if (name) out.set(name.text, f);
    }
  }
  for (const decl of index.byType.get('variable_declarator') ?? []) {
    const value = decl.childForFieldName('value');
    const name = decl.childForFieldName('name');
    if (name?.type === 'identifier' && value && FUNCTION_TYPES.has(value.type)) out.set(name.text, value);
  }
  return out;
}

/** The module member a call or `new` targets: `net.connect`, `connect` imported from net, `new net.Socket`. */
function calleeOf(call: SyntaxNode, names: ModuleNames): { module: string; member: string } | undefined {
  const fn = call.childForFieldName(call.type === 'new_expression' ? 'constructor' : 'function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return names.members.get(fn.text);
  if (fn.type !== 'member_expression') return undefined;
  const object = fn.childForFieldName('object');
  const property = fn.childForFieldName('property');
  if (object?.type !== 'identifier' || !property) return undefined;
  const module = names.modules.get(object.text);
  return module ? { module, member: property.text } : undefined;
}

function isClientAcquisition(call: SyntaxNode, names: ModuleNames): boolean {
  const c = calleeOf(call, names);
  if (!c) return false;
  if (call.type === 'new_expression') {
    return (c.module === 'net' && c.member === 'Socket') || (c.module === 'tls' && c.member === 'TLSSocket');
  }
  if (c.module === 'net' || c.module === 'tls') return c.member === 'connect' || c.member === 'createConnection';
  return c.module === 'dgram' && c.member === 'createSocket';
}

function isHttpRequest(call: SyntaxNode, names: ModuleNames): boolean {
  const c = calleeOf(call, names);
  return !!c && (c.module === 'http' || c.module === 'https') && (c.member === 'get' || c.member === 'request');
}

function isServerCreation(call: SyntaxNode, names: ModuleNames): boolean {
  const c = calleeOf(call, names);
  if (!c || (c.module !== 'net' && c.module !== 'tls')) return false;
  return call.type === 'new_expression' ? c.member === 'Server' : c.member === 'createServer';
}

function argumentsOf(call: SyntaxNode): SyntaxNode[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((n): n is SyntaxNode => !!n);
}

function hasTrueOption(call: SyntaxNode, option: string): boolean {
  return argumentsOf(call).some((arg) =>
    arg.type === 'object' &&
    arg.namedChildren.some((p) => p?.type === 'pair' && p.childForFieldName('key')?.text === option && p.childForFieldName('value')?.text === 'true'));
}

/** The function a callback argument denotes: inline, or a named function in this file. */
function callbackFunction(arg: SyntaxNode | undefined, functions: Map<string, SyntaxNode>): SyntaxNode | undefined {
  if (!arg) return undefined;
  if (FUNCTION_TYPES.has(arg.type)) return arg;
  if (arg.type === 'identifier') return functions.get(arg.text);
  return undefined;
}

function firstParameter(fn: SyntaxNode): SyntaxNode | undefined {
  const params = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (!params) return undefined;
  if (params.type === 'identifier') return params;
  let first = params.namedChildren.find((n) => n && n.type !== 'comment');
  if (first && (first.type === 'required_parameter' || first.type === 'optional_parameter')) first = first.childForFieldName('pattern') ?? undefined;
  return first?.type === 'identifier' ? first : undefined;
}

/** The local name a call's result is bound to, if it is bound to a plain local variable. */
function boundName(call: SyntaxNode): SyntaxNode | undefined {
  const value = climbThrough(call, TRANSPARENT);
  const parent = value.parent;
  if (parent?.type === 'variable_declarator' && parent.childForFieldName('value')?.id === value.id) {
    const name = parent.childForFieldName('name');
    return name?.type === 'identifier' ? name : undefined;
  }
  if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.id === value.id) {
    const left = parent.childForFieldName('left');
    return left?.type === 'identifier' ? left : undefined;
  }
  return undefined;
}

function scopeOf(node: SyntaxNode, root: SyntaxNode): SyntaxNode {
  return nearestAncestor(node, FUNCTION_TYPES) ?? root;
}

function findAcquisitions(root: SyntaxNode, index: TreeIndex, names: ModuleNames, functions: Map<string, SyntaxNode>): Acquisition[] {
  const out: Acquisition[] = [];
  const halfOpenServers = new Map<string, boolean>();
  const requests = new Set<string>();
  const calls = [...(index.byType.get('call_expression') ?? []), ...(index.byType.get('new_expression') ?? [])];
  const addHandler = (fnArg: SyntaxNode | undefined, kind: AcquisitionKind) => {
    const fn = callbackFunction(fnArg, functions);
    const param = fn && firstParameter(fn);
    if (fn && param) out.push({ kind, name: param.text, declaration: param, scope: fn, site: param });
  };
  for (const call of calls) {
    if (isClientAcquisition(call, names)) {
      const name = boundName(call);
      if (name) out.push({ kind: 'client', name: name.text, declaration: name, scope: scopeOf(call, root), site: call });
    } else if (isServerCreation(call, names)) {
      const halfOpen = hasTrueOption(call, 'allowHalfOpen');
      const name = boundName(call);
      if (name) halfOpenServers.set(name.text, halfOpen);
      addHandler(argumentsOf(call).at(-1), halfOpen ? 'accepted-half-open' : 'accepted');
    } else if (isHttpRequest(call, names)) {
      const name = boundName(call);
      if (name) requests.add(name.text);
      addHandler(argumentsOf(call).at(-1), 'response');
    }
  }
  // Listeners attached after creation: server.on('connection', …), req.on('response', …).
  for (const call of index.byType.get('call_expression') ?? []) {
    const fn = call.childForFieldName('function');
    if (fn?.type !== 'member_expression' || !LISTEN_METHODS.has(fn.childForFieldName('property')?.text ?? '')) continue;
    const [event, handler] = argumentsOf(call);
    const eventName = event?.type === 'string' ? moduleId(event.text) : '';
    const receiver = fn.childForFieldName('object');
    if (!receiver) continue;
    if (eventName === 'connection' || eventName === 'secureConnection') {
      const halfOpen = receiver.type === 'identifier' ? halfOpenServers.get(receiver.text) : receiver.type === 'call_expression' && isServerCreation(receiver, names) ? hasTrueOption(receiver, 'allowHalfOpen') : undefined;
      if (halfOpen !== undefined) addHandler(handler, halfOpen ? 'accepted-half-open' : 'accepted');
    } else if (eventName === 'response') {
      const isRequest = receiver.type === 'identifier' ? requests.has(receiver.text) : receiver.type === 'call_expression' && isHttpRequest(receiver, names);
      if (isRequest) addHandler(handler, 'response');
    }
  }
  return out;
}

interface UseTally {
  uses: BindingUse[];
  /** 'end' listeners attached to the socket, for the half-open rule. */
  endListeners: SyntaxNode[];
}

function tallyUses(a: Acquisition, index: TreeIndex): UseTally {
  const tally: UseTally = { uses: [], endListeners: [] };
  tally.uses = usesOfBinding(index, a.declaration, a.scope, (ref) => classify(ref, a.scope, tally));
  return tally;
}

function classify(ref: SyntaxNode, scope: SyntaxNode, tally: UseTally): ReferenceMeaning {
  const parent = ref.parent;
  if (!parent) return 'other';
  if (parent.type === 'member_expression' && parent.childForFieldName('object')?.id === ref.id) {
    return classifyMember(ref, parent, scope, tally);
  }
  const value = climbThrough(ref, CONTAINERS);
  const wrapped = ref.type === 'shorthand_property_identifier' || insideCollection(ref, value);
  const holder = value.parent;
  if (!holder) return 'other';
  switch (holder.type) {
    case 'return_statement':
    case 'yield_expression':
    case 'export_statement':
    case 'throw_statement':
      return 'hand-on';
    case 'arrow_function':
      return holder.childForFieldName('body')?.id === value.id ? 'hand-on' : 'other';
    case 'arguments':
      return classifyArgument(holder.parent);
    case 'assignment_expression':
    case 'augmented_assignment_expression': {
      if (holder.childForFieldName('right')?.id !== value.id) return 'other';
      const left = holder.childForFieldName('left');
      return left?.type === 'identifier' && !wrapped ? { alias: left } : 'store';
    }
    case 'variable_declarator': {
      const name = holder.childForFieldName('name');
      if (holder.childForFieldName('value')?.id !== value.id) return 'other';
      if (wrapped) return 'store';
      return name?.type === 'identifier' ? { alias: name } : 'other';
    }
    case 'for_in_statement':
      return holder.childForFieldName('right')?.id === value.id ? 'consume' : 'other';
    default:
      return wrapped ? 'store' : 'other';
  }
}

/** True when a collection literal lies between `ref` and `top`: the socket is stored in it. */
function insideCollection(ref: SyntaxNode, top: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = ref.parent; n && n.startIndex >= top.startIndex && n.endIndex <= top.endIndex; n = n.parent) {
    if (COLLECTIONS.has(n.type)) return true;
  }
  return false;
}

function classifyMember(ref: SyntaxNode, member: SyntaxNode, scope: SyntaxNode, tally: UseTally): SocketUse {
  const property = member.childForFieldName('property')?.text ?? '';
  if (CLOSE_METHODS.has(property)) return nearestAncestor(ref, CATCH, scope) ? 'close-on-error-path' : 'close';
  if (CONSUME_METHODS.has(property)) return 'consume';
  const call = member.parent;
  if (LISTEN_METHODS.has(property) && call?.type === 'call_expression') {
    const [event, listener] = argumentsOf(call);
    const eventName = event?.type === 'string' ? moduleId(event.text) : '';
    if (eventName === 'data' || eventName === 'readable') return 'consume';
    if (eventName === 'end' && listener) tally.endListeners.push(listener);
  }
  return 'other';
}

function classifyArgument(call: SyntaxNode | null): SocketUse {
  if (!call) return 'other';
  const fn = call.childForFieldName(call.type === 'new_expression' ? 'constructor' : 'function');
  if (call.type === 'new_expression') return 'hand-on';
  const calleeName = fn?.type === 'member_expression' ? fn.childForFieldName('property')?.text ?? '' : fn?.text ?? '';
  // `src.pipe(sock)` and `pipeline(…, sock)` end the destination when the source ends.
  if (calleeName === 'pipe') return hasFalseEnd(call) ? 'other' : 'close';
  if (calleeName === 'pipeline') return 'close';
  if (NON_OWNING_CALLS.has(calleeName)) return 'other';
  if (fn?.type === 'member_expression' && STORE_METHODS.has(calleeName)) return 'store';
  return 'hand-on';
}

function hasFalseEnd(call: SyntaxNode): boolean {
  return argumentsOf(call).some((arg) =>
    arg.type === 'object' &&
    arg.namedChildren.some((p) => p?.type === 'pair' && p.childForFieldName('key')?.text === 'end' && p.childForFieldName('value')?.text === 'false'));
}

function judge(a: Acquisition, index: TreeIndex, language: LeakLanguage): LeakFinding | undefined {
  const tally = tallyUses(a, index);
  const summary = summarizeUses(tally.uses);
  const base = { language, range: rangeOf(a.site), binding: a.name };
  const leakingReturn = (what: string, alsoConsume: boolean): LeakFinding | undefined => {
    if (summary.stored || summary.handedOn) return undefined;
    const ret = earlyReturn(index, a.scope, a.site, a.name, closingNodes(tally.uses, alsoConsume), EXITS);
    return ret && { ...base, rule: 'unclosed-socket', fixAt: rangeOf(ret), message: earlyReturnMessage(what, ret) };
  };
  switch (a.kind) {
    case 'client':
      if (summary.closed) return leakingReturn('Socket opened here', false);
      if (summary.stored || summary.handedOn) return undefined;
      return { ...base, rule: 'unclosed-socket', message: unclosedMessage(summary) };
    case 'response':
      if (summary.closed || summary.consumed) return leakingReturn('Response received here', true);
      if (isSettled(summary)) return undefined;
      return { ...base, rule: 'unclosed-socket', message: 'Response received here is never consumed or destroyed — its socket is never released (CLOSE_WAIT risk)' };
    case 'accepted':
      // Node ends the socket itself after the peer's 'end', but only once the data is read.
      if (summary.closed || summary.consumed) return leakingReturn('Socket accepted here', true);
      if (isSettled(summary)) return undefined;
      return {
        ...base, rule: 'unclosed-socket', fixAt: rangeOf(a.scope),
        message: 'Socket accepted here is never read nor closed — the peer\'s FIN is never seen, CLOSE_WAIT risk',
      };
    case 'accepted-half-open': {
      if (summary.closed) return undefined;
      const endListener = tally.endListeners[0];
      if (!endListener && (summary.stored || summary.handedOn)) return undefined;
      return {
        ...base, rule: 'close-wait-risk', fixAt: rangeOf(endListener ?? a.scope),
        message: 'Socket accepted here (allowHalfOpen) is never ended after the peer\'s \'end\' — CLOSE_WAIT risk',
      };
    }
  }
}

function isSettled(summary: UseSummary): boolean {
  return summary.closed || summary.stored || summary.handedOn;
}
