import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import type { LanguageRules, LeakFinding, LeakLanguage } from '../types';
import type { BindingUse, ExitSyntax, ReferenceMeaning, SocketUse, UseSummary } from './scope';
import {
  closingNodes,
  findingOn,
  descendantsOfType,
  earlyReturn,
  earlyReturnMessage,
  factorySubject,
  lastPart,
  listenerRisk,
  groupedBy,
  keptByOpener,
  readingWithHelpers,
  saidOf,
  optText,
  summarizeUses,
  unclosedMessage,
  usesOfBinding,
} from './scope';
import type { IndexSpec, TreeIndex, TreeNode } from './treeCopy';
import { fieldOf, indexerKeepingCalls, indexTree } from './treeCopy';
import { climb, nearestAncestor, rangeOf, textOf } from './nodeSpan';
import { analyzeObligations, type ObligationVerdict } from '../cfg/dataflow';
import { FUNCTION_TYPES, JavaScriptCfgBuilder, TRANSPARENT as VALUE_WRAPPERS, type JsMention } from '../cfg/javascript';
import { buildOrGiveUp } from '../cfg/graph';
import { JAVASCRIPT_APIS } from '../apis/javascript';

const INDEXED_TYPES = new Set([
  'call_expression',
  'new_expression',
  'variable_declarator',
  'import_statement',
  'return_statement',
  'throw_statement',
  ...FUNCTION_TYPES,
]);
const EXITS = {
  functionTypes: FUNCTION_TYPES,
  tryType: 'try_statement',
  finallyType: 'finally_clause',
  exitTypes: ['return_statement', 'throw_statement'],
  handlerTypes: new Set(['catch_clause']),
};
const IDENTIFIER_TYPES = new Set(['identifier', 'shorthand_property_identifier']);
/** Nodes that pass a value through unchanged, so the meaning comes from above them. */
const TRANSPARENT = new Set([...VALUE_WRAPPERS, 'ternary_expression']);
const COLLECTIONS = new Set(['pair', 'object', 'array', 'spread_element']);
const CONTAINERS = new Set([...COLLECTIONS, ...TRANSPARENT]);
const CATCH = new Set(['catch_clause']);
const IMPORT_CLAUSES = new Set(['namespace_import', 'import_clause', 'import_specifier']);

/** `upgraded`: the raw socket of an HTTP upgrade or CONNECT (HTTP servers allow half-open sockets: reading it ends nothing). */
type AcquisitionKind = 'client' | 'response' | 'accepted' | 'accepted-half-open' | 'upgraded';

interface Acquisition {
  kind: AcquisitionKind;
  name: string;
  /** The node that declares the binding (excluded from its own references). */
  declaration: TreeNode;
  scope: TreeNode;
  /** Where the lens goes. */
  site: TreeNode;
  /** Other names of the same socket from the start (an upgrade's request). */
  companions?: readonly string[];
  /** How messages name a socket a function of the file returned (`Socket returned by \`open\` here`). */
  subject?: string;
}

/** Which module a local name stands for, and the module member a bare imported name stands for. */
interface ModuleNames {
  modules: Map<string, string>;
  members: Map<string, { module: string; member: string }>;
}

/** Rules for JavaScript, TypeScript and TSX (one grammar family, same Node APIs). */
export const javascriptRules: LanguageRules = {
  languages: ['javascript', 'typescript', 'tsx'],
  analyze(tree: SyntaxNode, language: LeakLanguage, source: string): LeakFinding[] {
    if (!MENTIONS_SOCKET_MODULE.test(source)) return [];
    const { index, names, functions, acquisitions } = readingWithHelpers(
      source,
      (factories) => {
        const index =
          factories.size === 0
            ? indexTree(tree, source, INDEX_SPEC)
            : indexKeepingCalls(tree, source, new Set([...factories].map(lastPart)));
        const names = moduleNames(index);
        const functions = namedFunctions(index);
        return { index, names, functions, acquisitions: findAcquisitions(index.root, index, names, functions, factories) };
      },
      (r, known) => socketFactories(r.acquisitions, r.index, r.names, r.functions, known),
    );
    const exits: ExitSyntax = { ...EXITS, runsOnce: (fn) => runsOnce(fn, names, source) };
    const verdicts = engineVerdicts(acquisitions, index, functions);
    const findings: LeakFinding[] = [];
    for (const a of acquisitions) {
      const finding = judge(a, index, language, exits, verdicts.get(a));
      if (!finding) continue;
      finding.message = saidOf(finding.message, a.subject);
      if (a.subject === SERVER_SUBJECT) finding.message = listenerRisk(finding.message);
      findings.push(finding);
    }
    return findings;
  },
};

/**
 * The file's named functions that return a socket they open (`return net.connect(port)`, an arrow
 * function whose body is that call, or `return s` after `const s = net.connect(…)`) and neither
 * close nor keep it themselves.
 */
function socketFactories(
  acquisitions: readonly Acquisition[],
  index: TreeIndex,
  names: ModuleNames,
  functions: ReadonlyMap<string, TreeNode>,
  factories: ReadonlySet<string>,
): Set<string> {
  const src = index.source;
  const clients = groupedBy(
    acquisitions.filter((a) => a.kind === 'client'),
    (a) => a.scope,
  );
  const opens = (value: TreeNode | undefined, fn: TreeNode): boolean => {
    if (!value) return false;
    const v = climb(value, TRANSPARENT);
    if (v.type === 'call_expression' || v.type === 'new_expression')
      return isClientAcquisition(v, names, src) || factories.has(factoryKey(v, src));
    if (v.type !== 'identifier') return false;
    return !!clients.get(fn)?.some((a) => a.name === textOf(v, src) && !keptByOpener(tallyUses(a, index).uses, a.scope, FUNCTION_TYPES));
  };
  const nameOf = new Map<TreeNode, string>();
  const out = new Set<string>();
  for (const [name, fn] of functions) {
    nameOf.set(fn, name);
    const body = fieldOf(fn, 'body');
    if (fn.type === 'arrow_function' && body && body.type !== 'statement_block' && opens(body, fn)) out.add(name);
  }
  // Methods, called as `this.connect()` in their own class or object: known by both.
  for (const m of index.byType.get('method_definition') ?? []) {
    const name = fieldOf(m, 'name');
    const owner = methodOwner(m);
    if (name?.type === 'property_identifier' && owner && !nameOf.has(m)) nameOf.set(m, `${owner.start}.${textOf(name, src)}`);
  }
  for (const r of index.byType.get('return_statement') ?? []) {
    const fn = nearestAncestor(r, FUNCTION_TYPES);
    const name = fn && nameOf.get(fn);
    if (fn && name && opens(r.children[0], fn)) out.add(name);
  }
  return out;
}

/**
 * How {@link socketFactories} names what a call calls: a plain call (`open(port)`) by the name, a
 * call of the same object's method (`this.open(port)`) by the start of the class or object literal
 * `this` stands for there and the name (`1200.open`), else ''. A method of one class is not
 * another's of the same name.
 */
function factoryKey(call: TreeNode, src: string): string {
  const fn = call.type === 'call_expression' ? fieldOf(call, 'function') : undefined;
  if (fn?.type === 'identifier') return textOf(fn, src);
  if (fn?.type !== 'member_expression' || fieldOf(fn, 'object')?.type !== 'this') return '';
  const property = fieldOf(fn, 'property');
  const owner = thisOwner(call);
  return property && owner ? `${owner.start}.${textOf(property, src)}` : '';
}

/** The class or object literal a method is defined in. */
function methodOwner(method: TreeNode): TreeNode | undefined {
  const p = method.parent;
  return (p?.type === 'class_body' ? p.parent : p) ?? undefined;
}

/** The class or object literal whose method `this` at `node` belongs to: arrow functions and field initialisers see through. */
function thisOwner(node: TreeNode): TreeNode | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'method_definition') return methodOwner(p);
    if (p.type === 'class_body') return p.parent ?? undefined;
    if (p.type !== 'arrow_function' && FUNCTION_TYPES.has(p.type)) return undefined;
  }
  return undefined;
}

/** Every acquisition goes through one of these modules: a file that never names one has nothing to report. */
const MENTIONS_SOCKET_MODULE = /\b(?:net|tls|dgram|https?)\b/;

/** Callee names any rule looks at, checked on the call's text before a node is made. */
const INTERESTING_CALLEE =
  /(?:^|[.\s])(?:connect|createConnection|Socket|TLSSocket|createSocket|createServer|Server|get|request|require|on|once|addListener|prependListener|prependOnceListener)\s*(?:<[^(]*>)?\s*\($/;

function mayMatter(type: string, head: string): boolean {
  if (type !== 'call_expression' && type !== 'new_expression') return true;
  const paren = head.indexOf('(');
  return paren > 0 && INTERESTING_CALLEE.test(head.slice(0, paren + 1));
}

const INDEX_SPEC: IndexSpec = {
  types: INDEXED_TYPES,
  identifierTypes: IDENTIFIER_TYPES,
  // Types (TypeScript) name no sockets the rules track: copied as leaves.
  opaque: new Set([
    'comment',
    'string',
    'regex',
    'type_annotation',
    'type_arguments',
    'type_parameters',
    'interface_declaration',
    'type_alias_declaration',
  ]),
  // Every parent type whose children a rule reads by field (fieldOf).
  fielded: new Set([
    'call_expression',
    'new_expression',
    'member_expression',
    'variable_declarator',
    'assignment_expression',
    'augmented_assignment_expression',
    'pair',
    'pair_pattern',
    'import_statement',
    'import_specifier',
    'required_parameter',
    'optional_parameter',
    'for_in_statement',
    ...FUNCTION_TYPES,
    // Read by the control-flow graph (src/analysis/cfg/javascript.ts).
    'if_statement',
    'for_statement',
    'while_statement',
    'do_statement',
    'switch_statement',
    'switch_case',
    'switch_default',
    'try_statement',
    'catch_clause',
    'finally_clause',
    'labeled_statement',
    'break_statement',
    'continue_statement',
    // A close in one arm of `ok ? s.end() : 0` or `ok && s.end()` (src/analysis/cfg/expressionBranch.ts).
    'ternary_expression',
    'binary_expression',
  ]),
  tokens: new Set([
    'string_fragment',
    'escape_sequence',
    'number',
    'this',
    'super',
    'true',
    'false',
    'null',
    'undefined',
    'regex_pattern',
    'regex_flags',
    'private_property_identifier',
    'predefined_type',
    'hash_bang_line',
  ]),
  nameTokens: new Set(['property_identifier', 'shorthand_property_identifier_pattern', 'type_identifier', 'statement_identifier']),
  keep: mayMatter,
};

/** The index with the calls of the file's factories kept (the spec's `keep` does not know them). */
const indexKeepingCalls = indexerKeepingCalls(INDEX_SPEC);

function moduleNames(index: TreeIndex): ModuleNames {
  const src = index.source;
  const modules = new Map<string, string>([...JAVASCRIPT_APIS.socketModules].map((m) => [m, m]));
  const members = new Map<string, { module: string; member: string }>();
  for (const decl of index.byType.get('variable_declarator') ?? []) {
    const value = fieldOf(decl, 'value');
    const target = fieldOf(decl, 'name');
    const module = value && requiredModule(value, src);
    if (!module || !target) continue;
    if (target.type === 'identifier') modules.set(textOf(target, src), module);
    else if (target.type === 'object_pattern') {
      for (const p of target.children) {
        if (p?.type === 'shorthand_property_identifier_pattern') members.set(textOf(p, src), { module, member: textOf(p, src) });
        if (p?.type === 'pair_pattern') {
          const key = fieldOf(p, 'key');
          const local = fieldOf(p, 'value');
          if (key && local?.type === 'identifier') members.set(textOf(local, src), { module, member: textOf(key, src) });
        }
      }
    }
  }
  for (const imp of index.byType.get('import_statement') ?? []) {
    const module = moduleId(optText(fieldOf(imp, 'source'), src) ?? '');
    if (!JAVASCRIPT_APIS.socketModules.has(module)) continue;
    for (const n of descendantsOfType(imp, IMPORT_CLAUSES)) {
      if (n.type === 'namespace_import') {
        const id = n.children.find((c) => c?.type === 'identifier');
        if (id) modules.set(textOf(id, src), module);
      } else if (n.type === 'import_clause') {
        const def = n.children.find((c) => c?.type === 'identifier');
        if (def) modules.set(textOf(def, src), module);
      } else {
        const name = optText(fieldOf(n, 'name'), src);
        const alias = optText(fieldOf(n, 'alias'), src);
        if (name) members.set(alias || name, { module, member: name });
      }
    }
  }
  return { modules, members };
}

function moduleId(quoted: string): string {
  return quoted.replace(/^['"`]|['"`]$/g, '').replace(/^node:/, '');
}

/** `require('net')` (possibly `.default`-less, awaited import) → 'net'. */
function requiredModule(value: TreeNode, src: string): string | undefined {
  if (value.type !== 'call_expression' || optText(fieldOf(value, 'function'), src) !== 'require') return undefined;
  const arg = fieldOf(value, 'arguments')?.children[0];
  if (arg?.type !== 'string') return undefined;
  const module = moduleId(textOf(arg, src));
  return JAVASCRIPT_APIS.socketModules.has(module) ? module : undefined;
}

/** Named functions, so a handler passed by name (`net.createServer(onConnection)`) is found. */
function namedFunctions(index: TreeIndex): Map<string, TreeNode> {
  const src = index.source;
  const out = new Map<string, TreeNode>();
  for (const type of ['function_declaration', 'generator_function_declaration']) {
    for (const f of index.byType.get(type) ?? []) {
      const name = fieldOf(f, 'name');
      if (name) out.set(textOf(name, src), f);
    }
  }
  for (const decl of index.byType.get('variable_declarator') ?? []) {
    const value = fieldOf(decl, 'value');
    const name = fieldOf(decl, 'name');
    if (name?.type === 'identifier' && value && FUNCTION_TYPES.has(value.type)) out.set(textOf(name, src), value);
  }
  return out;
}

/** The module member a call or `new` targets: `net.connect`, `connect` imported from net, `new net.Socket`. */
function calleeOf(call: TreeNode, names: ModuleNames, src: string): { module: string; member: string } | undefined {
  const fn = fieldOf(call, call.type === 'new_expression' ? 'constructor' : 'function');
  if (!fn) return undefined;
  if (fn.type === 'identifier') return names.members.get(textOf(fn, src));
  if (fn.type !== 'member_expression') return undefined;
  const object = fieldOf(fn, 'object');
  const property = fieldOf(fn, 'property');
  if (object?.type !== 'identifier' || !property) return undefined;
  const module = names.modules.get(textOf(object, src));
  return module ? { module, member: textOf(property, src) } : undefined;
}

function isClientAcquisition(call: TreeNode, names: ModuleNames, src: string): boolean {
  const c = calleeOf(call, names, src);
  const table = call.type === 'new_expression' ? JAVASCRIPT_APIS.clientConstructors : JAVASCRIPT_APIS.clientFactories;
  return !!c && !!table[c.module]?.has(c.member);
}

function isHttpRequest(call: TreeNode, names: ModuleNames, src: string): boolean {
  const c = calleeOf(call, names, src);
  return !!c && !!JAVASCRIPT_APIS.httpRequests[c.module]?.has(c.member);
}

function isHttpServerCreation(call: TreeNode, names: ModuleNames, src: string): boolean {
  if (call.type !== 'call_expression' && call.type !== 'new_expression') return false;
  const c = calleeOf(call, names, src);
  const table = call.type === 'new_expression' ? JAVASCRIPT_APIS.httpServerConstructors : JAVASCRIPT_APIS.httpServerFactories;
  return !!c && !!table[c.module]?.has(c.member);
}

function isServerCreation(call: TreeNode, names: ModuleNames, src: string): boolean {
  const c = calleeOf(call, names, src);
  const table = call.type === 'new_expression' ? JAVASCRIPT_APIS.serverConstructors : JAVASCRIPT_APIS.serverFactories;
  return !!c && !!table[c.module]?.has(c.member);
}

function argumentsOf(call: TreeNode): TreeNode[] {
  return (fieldOf(call, 'arguments')?.children ?? []).filter((n): n is TreeNode => !!n);
}

function hasTrueOption(call: TreeNode, option: string, src: string): boolean {
  return argumentsOf(call).some(
    (arg) =>
      arg.type === 'object' &&
      arg.children.some(
        (p) => p?.type === 'pair' && optText(fieldOf(p, 'key'), src) === option && optText(fieldOf(p, 'value'), src) === 'true',
      ),
  );
}

/** The function a callback argument denotes: inline, or a named function in this file. */
function callbackFunction(arg: TreeNode | undefined, functions: Map<string, TreeNode>, src: string): TreeNode | undefined {
  if (!arg) return undefined;
  if (FUNCTION_TYPES.has(arg.type)) return arg;
  if (arg.type === 'identifier') return functions.get(textOf(arg, src));
  return undefined;
}

/** The plain identifier of the function's parameter at `position`. */
function parameterAt(fn: TreeNode, position: number): TreeNode | undefined {
  const params = fieldOf(fn, 'parameters') ?? fieldOf(fn, 'parameter');
  if (!params) return undefined;
  if (params.type === 'identifier') return position === 0 ? params : undefined;
  let p: TreeNode | undefined = params.children.filter((n) => n.type !== 'comment' && n.type !== '(' && n.type !== ')' && n.type !== ',')[
    position
  ];
  if (p && (p.type === 'required_parameter' || p.type === 'optional_parameter')) p = fieldOf(p, 'pattern') ?? undefined;
  return p?.type === 'identifier' ? p : undefined;
}

/** What a call's result is assigned to (`server`, `this.server`), as text: how later listeners name it. */
function holderText(call: TreeNode, src: string): string | undefined {
  const value = climb(call, TRANSPARENT);
  const parent = value.parent;
  const target =
    parent?.type === 'variable_declarator' && fieldOf(parent, 'value') === value
      ? fieldOf(parent, 'name')
      : parent?.type === 'assignment_expression' && fieldOf(parent, 'right') === value
        ? fieldOf(parent, 'left')
        : undefined;
  return target && (target.type === 'identifier' || target.type === 'member_expression') ? textOf(target, src) : undefined;
}

/** The local name a call's result is bound to, if it is bound to a plain local variable. */
function boundName(call: TreeNode): TreeNode | undefined {
  const value = climb(call, TRANSPARENT);
  const parent = value.parent;
  if (parent?.type === 'variable_declarator' && fieldOf(parent, 'value') === value) {
    const name = fieldOf(parent, 'name');
    return name?.type === 'identifier' ? name : undefined;
  }
  if (parent?.type === 'assignment_expression' && fieldOf(parent, 'right') === value) {
    const left = fieldOf(parent, 'left');
    return left?.type === 'identifier' ? left : undefined;
  }
  return undefined;
}

function scopeOf(node: TreeNode, root: TreeNode): TreeNode {
  return nearestAncestor(node, FUNCTION_TYPES) ?? root;
}

function findAcquisitions(
  root: TreeNode,
  index: TreeIndex,
  names: ModuleNames,
  functions: Map<string, TreeNode>,
  factories: ReadonlySet<string>,
): Acquisition[] {
  const src = index.source;
  const out: Acquisition[] = [];
  const halfOpenServers = new Map<string, boolean>();
  const httpServers = new Set<string>();
  // Servers made without a handler (`net.createServer()`): unless a listener serves them later, they only hold a port.
  const unserved: { holder: string; call: TreeNode }[] = [];
  const served: { holder: string; at: number }[] = [];
  const requests = new Set<string>();
  const calls = [...(index.byType.get('call_expression') ?? []), ...(index.byType.get('new_expression') ?? [])];
  const addHandler = (fnArg: TreeNode | undefined, kind: AcquisitionKind, position = 0) => {
    const fn = callbackFunction(fnArg, functions, src);
    const param = fn && parameterAt(fn, position);
    if (!fn || !param) return;
    // An upgrade's request owns the same socket: `req.destroy()` destroys it.
    const request = position > 0 ? parameterAt(fn, 0) : undefined;
    const companions = request ? [textOf(request, src)] : undefined;
    out.push({ kind, name: textOf(param, src), declaration: param, scope: fn, site: param, ...(companions ? { companions } : {}) });
  };
  for (const call of calls) {
    // Named only when the file has factories: a `this.open()` key walks up to the method's class.
    const factory = factories.size > 0 ? factoryKey(call, src) : '';
    if (isClientAcquisition(call, names, src)) {
      const name = boundName(call);
      if (name) out.push({ kind: 'client', name: textOf(name, src), declaration: name, scope: scopeOf(call, root), site: call });
    } else if (factories.has(factory)) {
      // A function of the file that returns a socket it opens.
      const name = boundName(call);
      const subject = factorySubject(lastPart(factory));
      if (name) out.push({ kind: 'client', name: textOf(name, src), declaration: name, scope: scopeOf(call, root), site: call, subject });
    } else if (isServerCreation(call, names, src)) {
      const halfOpen = hasTrueOption(call, 'allowHalfOpen', src);
      const holder = holderText(call, src);
      if (holder) halfOpenServers.set(holder, halfOpen);
      addHandler(argumentsOf(call).at(-1), halfOpen ? 'accepted-half-open' : 'accepted');
      if (holder && !handlerOf(call, functions, src)) unserved.push({ holder, call });
    } else if (isHttpServerCreation(call, names, src)) {
      const holder = holderText(call, src);
      if (holder) httpServers.add(holder);
      if (holder && !handlerOf(call, functions, src)) unserved.push({ holder, call });
    } else if (isHttpRequest(call, names, src)) {
      const name = boundName(call);
      if (name) requests.add(textOf(name, src));
      addHandler(argumentsOf(call).at(-1), 'response');
    }
  }
  // Listeners attached after creation: server.on('connection', …), server.on('upgrade', …), req.on('response', …).
  for (const call of index.byType.get('call_expression') ?? []) {
    const fn = fieldOf(call, 'function');
    if (fn?.type !== 'member_expression' || !JAVASCRIPT_APIS.listens.has(optText(fieldOf(fn, 'property'), src) ?? '')) continue;
    const [event, handler] = argumentsOf(call);
    const eventName = event?.type === 'string' ? moduleId(textOf(event, src)) : '';
    const receiver = fieldOf(fn, 'object');
    if (!receiver) continue;
    const known = receiver.type === 'identifier' || receiver.type === 'member_expression' ? textOf(receiver, src) : undefined;
    const serves = JAVASCRIPT_APIS.connectionEvents.has(eventName) || JAVASCRIPT_APIS.rawSocketEvents.has(eventName);
    if (known !== undefined && (serves || JAVASCRIPT_APIS.requestEvents.has(eventName))) served.push({ holder: known, at: call.start });
    if (JAVASCRIPT_APIS.connectionEvents.has(eventName)) {
      const halfOpen =
        known !== undefined
          ? halfOpenServers.get(known)
          : receiver.type === 'call_expression' && isServerCreation(receiver, names, src)
            ? hasTrueOption(receiver, 'allowHalfOpen', src)
            : undefined;
      if (halfOpen !== undefined) addHandler(handler, halfOpen ? 'accepted-half-open' : 'accepted');
    } else if (JAVASCRIPT_APIS.rawSocketEvents.has(eventName)) {
      const isHttpServer = known !== undefined ? httpServers.has(known) : isHttpServerCreation(receiver, names, src);
      if (isHttpServer) addHandler(handler, 'upgraded', 1);
    } else if (eventName === 'response') {
      const isRequest =
        receiver.type === 'identifier'
          ? requests.has(textOf(receiver, src))
          : receiver.type === 'call_expression' && isHttpRequest(receiver, names, src);
      if (isRequest) addHandler(handler, 'response');
    }
  }
  for (const { holder, call } of unserved) {
    const name = boundName(call);
    const scope = scopeOf(call, root);
    // A server of the module's top level lives as long as the program: only a function's own is judged.
    if (!name || scope === root || !listensIn(scope, holder, src)) continue;
    if (served.some((s) => s.holder === holder && s.at >= scope.start && s.at < scope.end)) continue;
    out.push({ kind: 'client', name: holder, declaration: name, scope, site: call, subject: SERVER_SUBJECT });
  }
  return out;
}

const SERVER_SUBJECT = 'Server listening here';

/** The connection or request handler a server is made with (its last argument), if any. */
function handlerOf(call: TreeNode, functions: Map<string, TreeNode>, src: string): TreeNode | undefined {
  const last = argumentsOf(call).at(-1);
  return (
    last && (callbackFunction(last, functions, src) ?? (last.type === 'identifier' || last.type === 'member_expression' ? last : undefined))
  );
}

/** Whether `scope` calls `holder.listen(…)`: before that, a server holds no descriptor. */
function listensIn(scope: TreeNode, holder: string, src: string): boolean {
  const escaped = holder.replace(/[$.]/g, '\\$&');
  return new RegExp(`(?<![\\w$.])${escaped}\\s*\\.\\s*listen\\s*\\(`).test(src.slice(scope.start, scope.end));
}

interface UseTally {
  uses: BindingUse[];
  /** 'end' listeners attached to the socket, for the half-open rule. */
  endListeners: TreeNode[];
}

function tallyUses(a: Acquisition, index: TreeIndex): UseTally {
  const tally: UseTally = { uses: [], endListeners: [] };
  tally.uses = usesOfBinding(index, a.declaration, a.scope, (ref) => classify(ref, a.scope, tally, index.source));
  return tally;
}

function classify(ref: TreeNode, scope: TreeNode, tally: UseTally, src: string): ReferenceMeaning {
  if (!ref.parent) return 'other';
  // `s.end()`, and through TypeScript's wrappers: `s!.end()`, `(s as Socket).end()`.
  const receiver = climb(ref, VALUE_WRAPPERS);
  const parent = receiver.parent;
  if (parent?.type === 'member_expression' && fieldOf(parent, 'object') === receiver) {
    return classifyMember(ref, parent, scope, tally, src);
  }
  const value = climb(ref, CONTAINERS);
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
      return fieldOf(holder, 'body') === value ? 'hand-on' : 'other';
    case 'arguments':
      return classifyArgument(holder.parent, src);
    case 'assignment_expression':
    case 'augmented_assignment_expression': {
      if (fieldOf(holder, 'right') !== value) return 'other';
      const left = fieldOf(holder, 'left');
      return left?.type === 'identifier' && !wrapped ? { alias: left } : 'store';
    }
    case 'variable_declarator': {
      const name = fieldOf(holder, 'name');
      if (fieldOf(holder, 'value') !== value) return 'other';
      if (wrapped) return 'store';
      return name?.type === 'identifier' ? { alias: name } : 'other';
    }
    case 'for_in_statement':
      // `for (const s of [a, b]) s.end()`: the elements go to the loop's variable, as to `[a, b].forEach(…)`'s callback.
      if (fieldOf(holder, 'right') !== value) return 'other';
      return wrapped ? 'store' : 'consume';
    default:
      return wrapped ? 'store' : 'other';
  }
}

/** True when a collection literal lies between `ref` and `top`: the socket is stored in it. */
function insideCollection(ref: TreeNode, top: TreeNode): boolean {
  for (let n: TreeNode | null = ref.parent; n && n.start >= top.start && n.end <= top.end; n = n.parent) {
    if (COLLECTIONS.has(n.type)) return true;
  }
  return false;
}

function classifyMember(ref: TreeNode, member: TreeNode, scope: TreeNode, tally: UseTally, src: string): SocketUse {
  const property = optText(fieldOf(member, 'property'), src) ?? '';
  if (JAVASCRIPT_APIS.releases.has(property)) return nearestAncestor(ref, CATCH, scope) ? 'close-on-error-path' : 'close';
  if (JAVASCRIPT_APIS.consumes.has(property)) return 'consume';
  const call = member.parent;
  if (JAVASCRIPT_APIS.listens.has(property) && call?.type === 'call_expression') {
    const [event, listener] = argumentsOf(call);
    const eventName = event?.type === 'string' ? moduleId(textOf(event, src)) : '';
    if (eventName === 'data' || eventName === 'readable') return 'consume';
    if (eventName === 'end' && listener) tally.endListeners.push(listener);
  }
  return 'other';
}

function classifyArgument(call: TreeNode | null, src: string): SocketUse {
  if (!call) return 'other';
  const fn = fieldOf(call, call.type === 'new_expression' ? 'constructor' : 'function');
  if (call.type === 'new_expression') return 'hand-on';
  const calleeName = fn?.type === 'member_expression' ? (optText(fieldOf(fn, 'property'), src) ?? '') : (optText(fn, src) ?? '');
  // `src.pipe(sock)` and `pipeline(…, sock)` end the destination when the source ends.
  if (calleeName === 'pipe') return hasFalseEnd(call, src) ? 'other' : 'close';
  if (calleeName === 'pipeline') return 'close';
  if (JAVASCRIPT_APIS.nonOwning.has(calleeName)) return 'other';
  if (fn?.type === 'member_expression' && JAVASCRIPT_APIS.stores.has(calleeName)) return 'store';
  return 'hand-on';
}

function hasFalseEnd(call: TreeNode, src: string): boolean {
  return argumentsOf(call).some(
    (arg) =>
      arg.type === 'object' &&
      arg.children.some(
        (p) => p?.type === 'pair' && optText(fieldOf(p, 'key'), src) === 'end' && optText(fieldOf(p, 'value'), src) === 'false',
      ),
  );
}

function judge(
  a: Acquisition,
  index: TreeIndex,
  language: LeakLanguage,
  exits: ExitSyntax,
  verdict?: ObligationVerdict,
): LeakFinding | undefined {
  const tally = tallyUses(a, index);
  const summary = summarizeUses(tally.uses);
  const base = { language, range: rangeOf(a.site), binding: a.name };
  if (verdict && (a.kind === 'accepted' || a.kind === 'upgraded')) return handlerFinding(verdict, a, base);
  // Resolved from a promise executor: whether a timeout rejects without closing is the statement rules' question.
  if (verdict && !(summary.handedOn && inPromiseExecutor(a.scope, index.source))) {
    // The graph counts a callback's close where the callback is made; a connect callback that returns before arranging it is the rules' to see.
    const ret =
      verdict.kind === 'released' && summary.closed && !summary.stored && !summary.handedOn
        ? earlyReturn(index, a.scope, a.site, a.name, closingNodes(tally.uses, false), exits)
        : undefined;
    const callback = ret && nearestAncestor(ret, FUNCTION_TYPES, a.scope);
    if (ret && callback && callback !== a.scope)
      return findingOn(base, 'unclosed-socket', earlyReturnMessage('Socket opened here', ret), rangeOf(ret));
    return engineFinding(verdict, summary, base);
  }
  const leakingReturn = (what: string, alsoConsume: boolean): LeakFinding | undefined => {
    if (summary.stored || summary.handedOn) return undefined;
    const ret = earlyReturn(index, a.scope, a.site, a.name, closingNodes(tally.uses, alsoConsume), exits);
    return ret && findingOn(base, 'unclosed-socket', earlyReturnMessage(what, ret), rangeOf(ret));
  };
  switch (a.kind) {
    case 'client':
      if (summary.handedOn && !summary.stored) return rejectedWithoutClose(a, tally.uses, index, base);
      if (summary.closed) return leakingReturn('Socket opened here', false);
      if (summary.stored) return undefined;
      return findingOn(base, 'unclosed-socket', unclosedMessage(summary));
    case 'response':
      if (summary.closed || summary.consumed) return leakingReturn('Response received here', true);
      if (isSettled(summary)) return undefined;
      return findingOn(
        base,
        'unclosed-socket',
        'Response received here is never consumed or destroyed — its socket is never released (CLOSE_WAIT risk)',
      );
    case 'accepted':
    case 'upgraded':
      // Node ends the socket itself after the peer's 'end', but only once the data is read.
      if (summary.closed || summary.consumed) return leakingReturn('Socket accepted here', true);
      if (isSettled(summary)) return undefined;
      return findingOn(
        base,
        'unclosed-socket',
        "Socket accepted here is never read nor closed — the peer's FIN is never seen, CLOSE_WAIT risk",
        rangeOf(a.scope),
      );
    case 'accepted-half-open': {
      if (summary.closed) return undefined;
      const endListener = tally.endListeners[0];
      if (!endListener && (summary.stored || summary.handedOn)) return undefined;
      return findingOn(
        base,
        'close-wait-risk',
        "Socket accepted here (allowHalfOpen) is never ended after the peer's 'end' — CLOSE_WAIT risk",
        rangeOf(endListener ?? a.scope),
      );
    }
  }
}

/** A callback that runs once: the connect callback of the acquiring call, a `once` listener, a one-shot socket event's listener. */
function runsOnce(fn: TreeNode, names: ModuleNames, src: string): boolean {
  const call = fn.parent?.type === 'arguments' ? fn.parent.parent : null;
  if (call?.type !== 'call_expression') return false;
  if (isClientAcquisition(call, names, src)) return true;
  const callee = fieldOf(call, 'function');
  if (callee?.type !== 'member_expression') return false;
  const method = optText(fieldOf(callee, 'property'), src);
  const [event] = argumentsOf(call);
  const eventName = event?.type === 'string' ? moduleId(textOf(event, src)) : '';
  if (method === 'once') return !JAVASCRIPT_APIS.selfClosingEvents.has(eventName);
  return JAVASCRIPT_APIS.listens.has(method) && JAVASCRIPT_APIS.oneShotEvents.has(eventName);
}

const TIMER_CALLS = new Set(['setTimeout', 'clearTimeout', 'clearInterval']);
const CALL_TYPES = new Set(['call_expression']);

/**
 * The connect-with-a-deadline bug: a promise executor hands the socket on only through `resolve`,
 * and its timeout path rejects without destroying it, so a socket that connects late (or never)
 * stays open with nobody holding it.
 */
function rejectedWithoutClose(
  a: Acquisition,
  uses: readonly BindingUse[],
  index: TreeIndex,
  base: Omit<LeakFinding, 'rule' | 'message'>,
): LeakFinding | undefined {
  const src = index.source;
  const executor = a.scope;
  const promise = executor.parent?.type === 'arguments' ? executor.parent.parent : null;
  if (promise?.type !== 'new_expression' || optText(fieldOf(promise, 'constructor'), src) !== 'Promise') return undefined;
  const params = fieldOf(executor, 'parameters')?.children.filter((p) => p.type !== 'comment') ?? [];
  const [resolveName, rejectName] = params.map((p) => textOf(p.type === 'required_parameter' ? (fieldOf(p, 'pattern') ?? p) : p, src));
  if (!resolveName || !rejectName) return undefined;
  const resolvedOnly = uses.every(
    (u) => u.use !== 'hand-on' || optText(fieldOf(climb(u.node, TRANSPARENT).parent?.parent ?? u.node, 'function'), src) === resolveName,
  );
  if (!resolvedOnly) return undefined;
  for (const call of descendantsOfType(executor, CALL_TYPES)) {
    const timeoutPath = timeoutCallback(call, a.name, src);
    const rejects = timeoutPath && onlyRejects(timeoutPath, a.name, rejectName, src);
    if (rejects) {
      return findingOn(
        base,
        'unclosed-socket',
        `Socket opened here is not closed when the timeout at line ${rejects.startRow + 1} rejects — CLOSE_WAIT risk`,
        rangeOf(rejects),
      );
    }
  }
  return undefined;
}

/** The callback of `setTimeout(fn, …)`, `sock.setTimeout(ms, fn)` or `sock.on('timeout', fn)`. */
function timeoutCallback(call: TreeNode, socket: string, src: string): TreeNode | undefined {
  const callee = fieldOf(call, 'function');
  const args = argumentsOf(call);
  if (callee?.type === 'identifier' && textOf(callee, src) === 'setTimeout')
    return FUNCTION_TYPES.has(args[0]?.type ?? '') ? args[0] : undefined;
  if (callee?.type !== 'member_expression' || optText(fieldOf(callee, 'object'), src) !== socket) return undefined;
  const method = optText(fieldOf(callee, 'property'), src);
  const last = args.at(-1);
  const onTimeout =
    method === 'setTimeout' ||
    (JAVASCRIPT_APIS.listens.has(method) && args[0]?.type === 'string' && moduleId(textOf(args[0], src)) === 'timeout');
  return onTimeout && last && FUNCTION_TYPES.has(last.type) ? last : undefined;
}

/** The `reject(…)` call of a callback that does nothing else to the socket (calls nothing that could close it). */
function onlyRejects(fn: TreeNode, socket: string, rejectName: string, src: string): TreeNode | undefined {
  let reject: TreeNode | undefined;
  for (const call of descendantsOfType(fn, CALL_TYPES)) {
    const callee = fieldOf(call, 'function');
    const name = callee?.type === 'identifier' ? textOf(callee, src) : '';
    if (name === rejectName) reject ??= call;
    else if (!TIMER_CALLS.has(name) && !(callee?.type === 'member_expression' && optText(fieldOf(callee, 'object'), src) === 'console'))
      return undefined;
  }
  return reject && !new RegExp(`\\b${socket.replace(/\$/g, '\\$')}\\b`).test(textOf(fn, src)) ? reject : undefined;
}

function isSettled(summary: UseSummary): boolean {
  return summary.closed || summary.stored || summary.handedOn;
}

/**
 * The engine's verdict (src/analysis/cfg) for each client socket bound to a local name: one
 * graph per function, one dataflow for all of its sockets. Handler parameters (accepted sockets,
 * responses) and functions past the budget stay with the statement rules.
 */
function engineVerdicts(
  acquisitions: readonly Acquisition[],
  index: TreeIndex,
  functions: Map<string, TreeNode>,
): Map<Acquisition, ObligationVerdict> {
  const src = index.source;
  const byScope = new Map<TreeNode, Acquisition[]>();
  for (const a of acquisitions) {
    if (a.kind !== 'client' && a.kind !== 'accepted' && a.kind !== 'upgraded') continue;
    const list = byScope.get(a.scope);
    if (list) list.push(a);
    else byScope.set(a.scope, [a]);
  }
  const out = new Map<Acquisition, ObligationVerdict>();
  const rowOf = (offset: number) => index.lines.position(offset);
  for (const [scope, list] of byScope) {
    if (list.length > MAX_ENGINE_SOCKETS) continue;
    const obligations = list.map((a, i) => ({
      obligation: i,
      call: a.site,
      target: a.name,
      ...(a.kind === 'client' ? {} : { atEntry: true }),
      ...(a.companions ? { companions: a.companions } : {}),
    }));
    // A net server's socket that is read is ended by Node after the peer's end (allowHalfOpen is false).
    const readReleases = new Set(list.filter((a) => a.kind === 'accepted').map((a) => a.name));
    const body = FUNCTION_TYPES.has(scope.type) ? fieldOf(scope, 'body') : scope;
    const cfg =
      body &&
      buildOrGiveUp(() =>
        new JavaScriptCfgBuilder(
          src,
          rowOf,
          obligations,
          (ref) => mentionOf(ref, scope, index, functions, readReleases),
          index.identifiers,
        ).build(body),
      );
    const result =
      cfg &&
      analyzeObligations(
        cfg,
        obligations.map((o) => o.obligation),
      );
    if (!result?.complete) continue;
    list.forEach((a, i) => out.set(a, result.verdicts.get(i)!));
  }
  return out;
}

/** More sockets than this in one function go to the statement rules (a bound on the dataflow's work). */
const MAX_ENGINE_SOCKETS = 64;

/** A mention of a socket as the graph sees it; one inside a callback counts where the callback is made. */
function mentionOf(
  ref: TreeNode,
  scope: TreeNode,
  index: TreeIndex,
  functions: Map<string, TreeNode>,
  readReleases: ReadonlySet<string>,
): JsMention {
  const src = index.source;
  const meaning = classify(ref, scope, { uses: [], endListeners: [] }, src);
  if (meaning === 'consume' && readReleases.has(textOf(ref, src))) return 'release';
  if (meaning === 'hand-on' && onlyLooksAt(ref, index, functions)) return 'none';
  const inCallback = nearestAncestor(ref, FUNCTION_TYPES, scope) !== undefined;
  if (typeof meaning !== 'string') return inCallback ? 'transfer' : { alias: textOf(meaning.alias, src) };
  if (meaning === 'close' || meaning === 'close-on-error-path') return 'release';
  if (meaning === 'hand-on' || meaning === 'store') return 'transfer';
  // A callback that uses the socket and goes somewhere other than the socket's own listeners keeps it alive there.
  if (inCallback && handedElsewhere(ref, scope, src)) return 'transfer';
  return 'none';
}

/** A callback around `ref` in `scope` is given to a call on something other than the socket itself (`resolve(() => sock.write(x))`), or returned or stored. */
function handedElsewhere(ref: TreeNode, scope: TreeNode, src: string): boolean {
  for (let p = ref.parent; p && p !== scope; p = p.parent)
    if (FUNCTION_TYPES.has(p.type) && callbackHandedElsewhere(p, textOf(ref, src), src)) return true;
  return false;
}

function callbackHandedElsewhere(callback: TreeNode, name: string, src: string): boolean {
  const holder = climb(callback, TRANSPARENT).parent;
  if (holder?.type !== 'arguments')
    return holder?.type === 'return_statement' || holder?.type === 'assignment_expression' || holder?.type === 'pair';
  const call = holder.parent;
  const callee = call && fieldOf(call, call.type === 'new_expression' ? 'constructor' : 'function');
  let object = callee?.type === 'member_expression' ? fieldOf(callee, 'object') : undefined;
  // `sock.on('data', …).on('end', …)`: the chain's root is the socket.
  while (object && (object.type === 'call_expression' || object.type === 'member_expression'))
    object = object.type === 'call_expression' ? fieldOf(object, 'function') : fieldOf(object, 'object');
  if (object?.type === 'identifier' && textOf(object, src) === name) return false;
  // The connect callback of the call that made the socket (`const s = net.connect(port, () => s.write(x))`).
  const bound = call && boundName(call);
  if (bound && textOf(bound, src) === name) return false;
  // Timers and promise executors run the callback on this function's behalf.
  return !(callee?.type === 'identifier' && JAVASCRIPT_APIS.onBehalf.has(textOf(callee, src))) && call?.type !== 'new_expression';
}

function engineFinding(
  verdict: ObligationVerdict,
  summary: UseSummary,
  base: Omit<LeakFinding, 'rule' | 'message'>,
): LeakFinding | undefined {
  switch (verdict.kind) {
    case 'released':
      return undefined;
    case 'leak-on-exception': {
      const { call, site } = verdict.via;
      return findingOn(
        base,
        'unclosed-on-exception',
        `Socket opened here is not closed when \`${call}\` throws at line ${site.line + 1} — destroy it in \`finally\``,
      );
    }
    case 'leak': {
      const at = verdict.exit?.site ?? verdict.lost;
      if (verdict.releasedSomewhere && at) {
        const message = verdict.exit
          ? `Socket opened here is not closed on the ${verdict.exit.word === 'return' ? 'early return' : verdict.exit.word} at line ${at.line + 1} — CLOSE_WAIT risk`
          : `Socket opened here is not closed before \`${base.binding}\` is assigned again at line ${at.line + 1} — CLOSE_WAIT risk`;
        return findingOn(base, 'unclosed-socket', message, { start: at, end: at });
      }
      const message =
        !verdict.releasedSomewhere || summary.closedOnErrorPathOnly
          ? unclosedMessage(summary)
          : 'Socket opened here is not closed on every path — CLOSE_WAIT risk';
      return findingOn(base, 'unclosed-socket', message);
    }
  }
}

/**
 * A connection handler's verdict. An exception out of the handler is an uncaught exception (Node
 * ends the process by default), so only normal paths count: a return, or the end of the handler,
 * with the socket neither read, closed nor handed on.
 */
function handlerFinding(verdict: ObligationVerdict, a: Acquisition, base: Omit<LeakFinding, 'rule' | 'message'>): LeakFinding | undefined {
  if (verdict.kind === 'leak-on-exception' && verdict.caught) {
    const { call, site } = verdict.via;
    return findingOn(
      base,
      'unclosed-on-exception',
      `Socket accepted here is not closed when \`${call}\` throws at line ${site.line + 1} and the handler goes on — destroy it where the error is caught`,
    );
  }
  if (verdict.kind !== 'leak' || verdict.exit?.word === 'throw') return undefined;
  const at = verdict.exit?.site ?? verdict.lost;
  if (verdict.exit && at)
    return findingOn(base, 'unclosed-socket', `Socket accepted here is not closed on the return at line ${at.line + 1} — CLOSE_WAIT risk`, {
      start: at,
      end: at,
    });
  if (verdict.lost && at)
    return findingOn(
      base,
      'unclosed-socket',
      `Socket accepted here is not closed before \`${a.name}\` is assigned again at line ${at.line + 1} — CLOSE_WAIT risk`,
      { start: at, end: at },
    );
  if (verdict.releasedSomewhere)
    return findingOn(base, 'unclosed-socket', 'Socket accepted here is not closed on every path — CLOSE_WAIT risk');
  return findingOn(
    base,
    'unclosed-socket',
    "Socket accepted here is never read nor closed — the peer's FIN is never seen, CLOSE_WAIT risk",
    rangeOf(a.scope),
  );
}

/** `readLine(sock)` where `readLine` is a function of this file that neither closes, stores nor hands on its parameter. */
function onlyLooksAt(ref: TreeNode, index: TreeIndex, functions: Map<string, TreeNode>): boolean {
  const src = index.source;
  const args = ref.parent;
  const call = args?.type === 'arguments' ? args.parent : null;
  const callee = call?.type === 'call_expression' ? fieldOf(call, 'function') : undefined;
  const fn = callee?.type === 'identifier' ? functions.get(textOf(callee, src)) : undefined;
  const params = fn && (fieldOf(fn, 'parameters') ?? fieldOf(fn, 'parameter'));
  if (!fn || !params) return false;
  const position = args!.children.filter((c) => c.type !== 'comment').indexOf(ref);
  let param: TreeNode | undefined =
    params.type === 'identifier' ? (position === 0 ? params : undefined) : params.children.filter((c) => c.type !== 'comment')[position];
  if (param && (param.type === 'required_parameter' || param.type === 'optional_parameter')) param = fieldOf(param, 'pattern');
  if (param?.type !== 'identifier') return false;
  const uses = usesOfBinding(index, param, fn, (r) => classify(r, fn, { uses: [], endListeners: [] }, src));
  return uses.every((u) => u.use === 'other' || u.use === 'consume');
}

/** The scope is the executor of `new Promise((resolve, reject) => …)`. */
function inPromiseExecutor(scope: TreeNode, src: string): boolean {
  const promise = scope.parent?.type === 'arguments' ? scope.parent.parent : null;
  return promise?.type === 'new_expression' && optText(fieldOf(promise, 'constructor'), src) === 'Promise';
}
