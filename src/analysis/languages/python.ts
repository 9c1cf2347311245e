import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import type { LanguageRules, LeakLanguage, PendingFix, RuleFinding as LeakFinding, TextEdit } from '../types';
import { lowerBound } from '../lowerBound';
import type { BindingUse, ExitSyntax, FindingBase, ReferenceMeaning, SocketUse } from './scope';
import {
  closingNodes,
  findingOn,
  descendantsOfType,
  earlyReturn,
  earlyReturnMessage,
  factorySubject,
  groupedBy,
  keptByOpener,
  readingWithHelpers,
  saidOf,
  optText,
  referencesWithin,
  summarizeUses,
  unclosedMessage,
  usesOfBinding,
} from './scope';
import type { IndexSpec, TreeIndex, TreeNode } from './treeCopy';
import { fieldOf, indexerKeepingCalls, indexTree } from './treeCopy';
import { analyzeObligations, type ObligationVerdict } from '../cfg/dataflow';
import { PythonCfgBuilder } from '../cfg/python';
import { PYTHON_APIS } from '../apis/python';
import { buildOrGiveUp } from '../cfg/graph';
import { climb, indentOfLine, nearestAncestor, rangeOf, textOf } from './nodeSpan';

const FUNCTION_TYPES = new Set(['function_definition', 'lambda']);
const INDEXED_TYPES = new Set(['call', 'function_definition', 'import_from_statement', 'return_statement', 'raise_statement']);
const EXITS: ExitSyntax = {
  functionTypes: FUNCTION_TYPES,
  tryType: 'try_statement',
  finallyType: 'finally_clause',
  exitTypes: ['return_statement', 'raise_statement'],
  handlerTypes: new Set(['except_clause', 'except_group_clause']),
};
const IDENTIFIER_TYPES = new Set(['identifier']);
const COLLECTIONS = new Set(['tuple', 'list', 'set', 'dictionary', 'pair', 'expression_list', 'list_splat']);
/** Nodes a value flows through unchanged (or into), so the meaning comes from above them. */
const CONTAINERS = new Set([
  ...COLLECTIONS,
  'parenthesized_expression',
  'keyword_argument',
  'await',
  'conditional_expression',
  'as_pattern',
]);
const ERROR_PATH = new Set(['except_clause', 'except_group_clause']);

type AcquisitionKind = 'client' | 'accepted' | 'stream-client' | 'stream-accepted';

interface Acquisition {
  kind: AcquisitionKind;
  binding: TreeNode;
  scope: TreeNode;
  /** Where the lens goes: the acquiring call, or the handler parameter. */
  site: TreeNode;
  /** The statement that binds it, when a `with` rewrite may be offered. */
  statement?: TreeNode;
  /** For asyncio streams, the reader whose EOF means the peer closed. */
  reader?: string;
  /** How messages name a socket a function of the file returned (`Socket returned by \`connect\` here`). */
  subject?: string;
}

/** Rules for Python: `socket`, `asyncio` streams, and accept loops. */
export const pythonRules: LanguageRules = {
  languages: ['python'],
  analyze(tree: SyntaxNode, language: LeakLanguage, source: string): LeakFinding[] {
    if (!MENTIONS_ACQUISITION.test(source)) return [];
    const { index, acquisitions } = readingWithHelpers(
      source,
      (factories) => {
        const index = factories.size === 0 ? indexTree(tree, source, INDEX_SPEC) : indexWithFactories(tree, source, factories);
        return { index, acquisitions: findAcquisitions(index.root, index, factories) };
      },
      (reading, known) => socketFactories(reading.acquisitions, reading.index, known),
    );
    const findings: LeakFinding[] = [];
    const blocks = new BlockFacts(source);
    const verdicts = engineVerdicts(acquisitions, index);
    for (const a of acquisitions) {
      const finding = judge(a, index, language, source, blocks, verdicts.get(a));
      if (!finding) continue;
      finding.message = saidOf(finding.message, a.subject);
      findings.push(finding);
    }
    for (const call of droppedStreamClients(index))
      findings.push(findingOn({ language, range: rangeOf(call) }, 'unclosed-socket', DROPPED_STREAM));
    return findings;
  },
};

/**
 * The file's functions that return a socket they open (`return socket.create_connection(addr)`,
 * or `return s` after `s = socket.socket()`) and neither close nor keep it themselves.
 */
function socketFactories(acquisitions: readonly Acquisition[], index: TreeIndex, factories: ReadonlySet<string>): Set<string> {
  const src = index.source;
  const fromSocket = importedFromSocket(index);
  const clients = groupedBy(
    acquisitions.filter((a) => a.kind === 'client'),
    (a) => a.scope,
  );
  const out = new Set<string>();
  for (const ret of index.byType.get('return_statement') ?? []) {
    const fn = nearestAncestor(ret, FUNCTION_TYPES);
    const name = fn?.type === 'function_definition' ? fieldOf(fn, 'name') : undefined;
    const value = ret.children.find((c) => c.type !== 'comment');
    if (!fn || !name || !value) continue;
    const returnsFresh =
      value.type === 'call'
        ? opensSocket(value, src, fromSocket) || factories.has(calleeParts(value, src)[1])
        : value.type === 'identifier' &&
          !!clients
            .get(fn)
            ?.some(
              (a) => textOf(a.binding, src) === textOf(value, src) && !keptByOpener(tallyUses(a, index).uses, a.scope, FUNCTION_TYPES),
            );
    if (returnsFresh) out.add(textOf(name, src));
  }
  return out;
}

/** `socket.socket(…)`, `create_connection(…)` imported from socket, and the like: a call that opens a socket. */
function opensSocket(call: TreeNode, src: string, fromSocket: ReadonlySet<string>): boolean {
  const [object, name] = calleeParts(call, src);
  return PYTHON_APIS.socketFactories.has(name) && (object === 'socket' || (object === undefined && fromSocket.has(name)));
}

/** Every acquisition names one of these: a file without them has nothing to report. */
const MENTIONS_ACQUISITION = /socket|accept|asyncio/;

/** Callee names any rule looks at, checked on the call's text before a node is made. */
const INTERESTING_CALLEE =
  /(?:^|[.\s])(?:socket|create_connection|fromfd|create_server|wrap_socket|accept|sock_accept|open_connection|open_unix_connection|start_server|start_unix_server)\s*\($/;

function mayMatter(type: string, head: string): boolean {
  if (type !== 'call') return true;
  const paren = head.indexOf('(');
  return paren > 0 && INTERESTING_CALLEE.test(head.slice(0, paren + 1));
}

const INDEX_SPEC: IndexSpec = {
  types: INDEXED_TYPES,
  identifierTypes: IDENTIFIER_TYPES,
  opaque: new Set(['comment']),
  // Every parent type whose children a rule reads by field (fieldOf, .field).
  fielded: new Set([
    'call',
    'attribute',
    'function_definition',
    'named_expression',
    'assignment',
    'augmented_assignment',
    'keyword_argument',
    'while_statement',
    'if_statement',
    'elif_clause',
    'import_from_statement',
    'aliased_import',
    // Read by the control-flow graph (src/analysis/cfg/python.ts).
    'for_statement',
    'with_item',
    'as_pattern',
    'match_statement',
    'pair',
    'augmented_assignment',
    'boolean_operator',
  ]),
  tokens: new Set([
    'integer',
    'float',
    'true',
    'false',
    'none',
    'escape_sequence',
    'string_start',
    'string_end',
    'line_continuation',
    'ellipsis',
    'type_conversion',
  ]),
  nameTokens: new Set(),
  keep: mayMatter,
};

/** The index with the calls of the file's factories kept (the spec's `keep` does not know them). */
const indexWithFactories = indexerKeepingCalls(INDEX_SPEC);

/** `socket.socket` → ['socket', 'socket']; `ctx.wrap_socket` → ['ctx', 'wrap_socket']; `socket` → [undefined, 'socket']. */
function calleeParts(call: TreeNode, src: string): [string | undefined, string] {
  const fn = fieldOf(call, 'function');
  if (fn?.type === 'attribute') return [optText(fieldOf(fn, 'object'), src), optText(fieldOf(fn, 'attribute'), src)];
  return [undefined, optText(fn, src)];
}

function importedFromSocket(index: TreeIndex): Set<string> {
  const src = index.source;
  const names = new Set<string>();
  for (const imp of index.byType.get('import_from_statement') ?? []) {
    if (optText(fieldOf(imp, 'module_name'), src) !== 'socket') continue;
    for (const n of imp.children) {
      if (n.field !== 'name') continue;
      const local = n.type === 'aliased_import' ? fieldOf(n, 'alias') : n;
      if (local) names.add(textOf(local, src));
    }
  }
  return names;
}

function scopeOf(node: TreeNode, root: TreeNode): TreeNode {
  return nearestAncestor(node, FUNCTION_TYPES) ?? root;
}

const AWAITED: ReadonlySet<string> = new Set(['await', 'parenthesized_expression']);

/** The call whose value is `call`'s: itself, or `asyncio.wait_for(call, …)` around it (PYTHON_APIS.passThrough). */
function valueCall(call: TreeNode, src: string): TreeNode {
  let c = call;
  for (;;) {
    const v = climb(c, AWAITED);
    const args = v.parent;
    const outer = args?.type === 'argument_list' ? args.parent : undefined;
    if (outer?.type !== 'call' || args!.children.find((n) => n && n.type !== 'comment') !== v) return c;
    if (!PYTHON_APIS.passThrough.has(calleeParts(outer, src)[1])) return c;
    c = outer;
  }
}

/** The targets a call's result is assigned to, and the statement, unless it goes straight into `with`. */
function assignmentTargets(call: TreeNode, src: string): { targets: TreeNode[]; statement: TreeNode } | undefined {
  const value = climb(valueCall(call, src), AWAITED);
  const holder = value.parent;
  if (holder?.type === 'named_expression') {
    const name = fieldOf(holder, 'name');
    return name ? { targets: [name], statement: holder } : undefined;
  }
  if (holder?.type !== 'assignment' || fieldOf(holder, 'right') !== value) return undefined;
  const left = fieldOf(holder, 'left');
  if (!left) return undefined;
  const targets =
    left.type === 'identifier'
      ? [left]
      : left.type === 'pattern_list' || left.type === 'tuple_pattern'
        ? left.children.filter((n): n is TreeNode => !!n)
        : [];
  return { targets, statement: holder };
}

function findAcquisitions(root: TreeNode, index: TreeIndex, factories: ReadonlySet<string>): Acquisition[] {
  const src = index.source;
  const fromSocket = importedFromSocket(index);
  const functions = new Map<string, TreeNode>();
  for (const f of index.byType.get('function_definition') ?? []) {
    const name = fieldOf(f, 'name');
    if (name) functions.set(textOf(name, src), f);
  }
  const out: Acquisition[] = [];
  for (const call of index.byType.get('call') ?? []) {
    const [object, name] = calleeParts(call, src);
    const argCount = fieldOf(call, 'arguments')?.children.length ?? 0;
    const isFactory = opensSocket(call, src, fromSocket);
    // A function of the file (or a method of the same class) that returns a socket it opens.
    const isLocalFactory = factories.has(name) && (object === undefined || object === 'self' || object === 'cls');
    const accepts = object !== undefined && PYTHON_APIS.acceptMethods.get(name) === argCount;
    if (isFactory || isLocalFactory || name === 'wrap_socket' || accepts) {
      const bound = assignmentTargets(call, src);
      const binding = bound?.targets[0];
      if (binding?.type !== 'identifier' || storedByChain(bound!.statement)) continue;
      const kind = accepts ? 'accepted' : 'client';
      const single = bound!.targets.length === 1 || accepts;
      out.push({
        kind,
        binding,
        scope: scopeOf(call, root),
        site: call,
        ...(single && bound!.statement.type === 'assignment' ? { statement: bound!.statement } : {}),
        ...(isLocalFactory && !isFactory ? { subject: factorySubject(name) } : {}),
      });
    } else if (PYTHON_APIS.streamOpeners.has(name) && object === 'asyncio') {
      const targets = assignmentTargets(call, src)?.targets ?? [];
      const [reader, writer] = targets;
      if (writer?.type === 'identifier')
        out.push({
          kind: 'stream-client',
          binding: writer,
          scope: scopeOf(call, root),
          site: call,
          ...(reader ? { reader: textOf(reader, src) } : {}),
        });
    } else if (PYTHON_APIS.streamServers.has(name) && object === 'asyncio') {
      const handlerArg = fieldOf(call, 'arguments')?.children[0];
      const handlerName = handlerArg?.type === 'attribute' ? optText(fieldOf(handlerArg, 'attribute'), src) : optText(handlerArg, src);
      const handler = handlerName ? functions.get(handlerName) : undefined;
      const params = ((handler && fieldOf(handler, 'parameters'))?.children ?? []).filter(
        (p): p is TreeNode => p?.type === 'identifier' || p?.type === 'typed_parameter',
      );
      const streams = optText(params[0], src) === 'self' ? params.slice(1) : params;
      const writer = paramName(streams[1]);
      if (handler && writer)
        out.push({
          kind: 'stream-accepted',
          binding: writer,
          scope: handler,
          site: writer,
          ...(streams[0] ? { reader: optText(paramName(streams[0]), src) } : {}),
        });
    }
  }
  return out;
}

const DROPPED_STREAM = 'Connection opened here is never closed: its reader and writer are dropped — CLOSE_WAIT risk';

/**
 * `await asyncio.open_connection(h, p)` as a statement (a port check): the transport stays
 * registered with the event loop, so unlike a dropped socket it is never collected and closed.
 */
function droppedStreamClients(index: TreeIndex): TreeNode[] {
  const src = index.source;
  return (index.byType.get('call') ?? []).filter((call) => {
    const [object, name] = calleeParts(call, src);
    if (object !== 'asyncio' || !PYTHON_APIS.streamOpeners.has(name)) return false;
    // Not awaited, the coroutine never runs: nothing was opened.
    const value = climb(valueCall(call, src), AWAITED);
    return value.type === 'await' && value.parent?.type === 'expression_statement';
  });
}

/** `self.cli = sock = socket.create_connection(…)`: the outer target keeps the socket. */
function storedByChain(statement: TreeNode): boolean {
  for (let outer = statement.parent; outer?.type === 'assignment' && fieldOf(outer, 'right') === statement; outer = outer.parent) {
    if (fieldOf(outer, 'left')?.type !== 'identifier') return true;
    statement = outer;
  }
  return false;
}

const OUTER_NAME_STATEMENTS = new Set(['global_statement', 'nonlocal_statement']);

/** Names each function declares `global`/`nonlocal`: gathered once per function, not once per socket in it. */
const outerNames = new WeakMap<TreeNode, Set<string>>();

function declaredOutside(scope: TreeNode, name: string, source: string): boolean {
  if (scope.type !== 'function_definition') return false;
  let names = outerNames.get(scope);
  if (!names) {
    names = new Set();
    for (const d of descendantsOfType(scope, OUTER_NAME_STATEMENTS))
      for (const n of d.children) if (n?.type === 'identifier') names.add(textOf(n, source));
    outerNames.set(scope, names);
  }
  return names.has(name);
}

function paramName(p: TreeNode | undefined): TreeNode | undefined {
  if (p?.type === 'identifier') return p;
  return p?.children.find((c) => c?.type === 'identifier') ?? undefined;
}

interface UseTally {
  uses: BindingUse[];
  /** A read whose empty result is checked: the code sees the peer's FIN. */
  eofCheck?: TreeNode;
}

function tallyUses(a: Acquisition, index: TreeIndex): UseTally {
  const tally: UseTally = { uses: [] };
  tally.uses = usesOfBinding(index, a.binding, a.scope, (ref) => classify(ref, a.scope, index, tally));
  if (a.reader) {
    for (const ref of referencesWithin(index, a.reader, a.scope)) {
      const parent = ref.parent;
      if (parent?.type === 'attribute' && fieldOf(parent, 'object') === ref) noteEof(parent, a.scope, index, tally, true);
    }
  }
  return tally;
}

function isNameOnly(ref: TreeNode): boolean {
  const parent = ref.parent;
  if (!parent) return true;
  if (parent.type === 'attribute') return fieldOf(parent, 'attribute') === ref;
  if (parent.type === 'keyword_argument') return fieldOf(parent, 'name') === ref;
  return (
    parent.type === 'parameters' ||
    parent.type === 'default_parameter' ||
    parent.type === 'typed_parameter' ||
    parent.type === 'dotted_name'
  );
}

/** `writer.transport` in `writer.transport.close()` or `.abort()`. */
function closesTransport(transport: TreeNode, src: string): boolean {
  const method = transport.parent;
  return (
    method?.type === 'attribute' &&
    fieldOf(method, 'object') === transport &&
    PYTHON_APIS.transportReleases.has(optText(fieldOf(method, 'attribute'), src)) &&
    method.parent?.type === 'call'
  );
}

function classify(ref: TreeNode, scope: TreeNode, index: TreeIndex, tally: UseTally): ReferenceMeaning {
  if (isNameOnly(ref)) return 'other';
  const src = index.source;
  const parent = ref.parent!;
  if (parent.type === 'attribute') {
    const method = optText(fieldOf(parent, 'attribute'), src);
    const closes = PYTHON_APIS.releases.has(method) || (method === 'transport' && closesTransport(parent, src));
    if (closes) return nearestAncestor(ref, ERROR_PATH, scope) ? 'close-on-error-path' : 'close';
    if (PYTHON_APIS.reads.has(method)) noteEof(parent, scope, index, tally);
    return 'other';
  }
  const value = climb(ref, CONTAINERS);
  const holder = value.parent;
  if (!holder) return 'other';
  switch (holder.type) {
    case 'return_statement':
    case 'yield':
      return 'hand-on';
    case 'with_item':
      return 'close';
    case 'argument_list':
      return classifyArgument(holder.parent, src);
    case 'assignment':
    case 'augmented_assignment': {
      if (fieldOf(holder, 'right') !== value) return 'other';
      const left = fieldOf(holder, 'left');
      if (left?.type === 'identifier' && value === ref) return { alias: left };
      return left?.type === 'pattern_list' ? 'other' : 'store';
    }
    default:
      return 'other';
  }
}

function classifyArgument(call: TreeNode | null, src: string): SocketUse {
  if (!call) return 'other';
  const [object, name] = calleeParts(call, src);
  if (PYTHON_APIS.closingWrappers.has(name)) return 'close';
  if (PYTHON_APIS.nonOwning.has(name) || (object !== undefined && PYTHON_APIS.loggers.test(object))) return 'other';
  if (object !== undefined && PYTHON_APIS.stores.has(name)) return 'store';
  return 'hand-on';
}

function readsToEof(call: TreeNode, src: string): boolean {
  const args = (fieldOf(call, 'arguments')?.children ?? []).filter((c) => c.type !== 'comment');
  return args.length === 0 || (args.length === 1 && textOf(args[0]!, src).replace(/\s+/g, '') === '-1');
}

/** Records `attr` (a read on the socket or reader) when its empty result ends the loop or the handler. */
function noteEof(attr: TreeNode, scope: TreeNode, index: TreeIndex, tally: UseTally, streamReader = false): void {
  if (tally.eofCheck) return;
  const src = index.source;
  const method = optText(fieldOf(attr, 'attribute'), src);
  if (method === 'at_eof') {
    tally.eofCheck = attr;
    return;
  }
  if (!PYTHON_APIS.reads.has(method)) return;
  const call = attr.parent;
  if (call?.type !== 'call') return;
  // An asyncio stream's `read()` (no size, or -1) returns only once the peer's EOF came.
  if (streamReader && method === 'read' && readsToEof(call, src)) {
    tally.eofCheck = call;
    return;
  }
  const value = climb(call, new Set(['await', 'parenthesized_expression']));
  const holder = value.parent;
  if ((holder?.type === 'while_statement' || holder?.type === 'if_statement') && fieldOf(holder, 'condition') === value) {
    tally.eofCheck = call;
    return;
  }
  let target: TreeNode | undefined;
  if (holder?.type === 'named_expression') {
    const cond = climb(holder, new Set(['parenthesized_expression']));
    if (cond.parent?.type === 'while_statement' || cond.parent?.type === 'if_statement') {
      tally.eofCheck = call;
      return;
    }
    target = fieldOf(holder, 'name');
  } else if (holder?.type === 'assignment' && fieldOf(holder, 'right') === value) {
    target = fieldOf(holder, 'left');
  }
  if (target?.type !== 'identifier') return;
  for (const r of referencesWithin(index, textOf(target, src), scope)) {
    if (testsForEmpty(r, src)) {
      tally.eofCheck = call;
      return;
    }
  }
}

/** `not data`, `data == b''`, `if data:` / `while data:`, `len(data) == 0`. */
function testsForEmpty(ref: TreeNode, src: string): boolean {
  const parent = ref.parent;
  if (!parent) return false;
  if (parent.type === 'not_operator') return true;
  if (
    (parent.type === 'if_statement' || parent.type === 'while_statement' || parent.type === 'elif_clause') &&
    fieldOf(parent, 'condition') === ref
  )
    return true;
  if (parent.type === 'comparison_operator')
    return parent.children.some((c) => c?.type === 'string' && /^[bB]?(''|"")$/.test(textOf(c, src)));
  const call = parent.parent;
  if (parent.type === 'argument_list' && call && optText(fieldOf(call, 'function'), src) === 'len') {
    return /==\s*0$|<\s*1$/.test(optText(call.parent, src));
  }
  return false;
}

/**
 * The engine's verdict (src/analysis/cfg) for each socket bound to a local name: one graph per
 * function, one dataflow over it for all of that function's sockets. Sockets captured by a nested
 * function or lambda (a cleanup closure may close them), declared global/nonlocal, and asyncio
 * streams get none and stay with the statement rules below, as does a function whose graph or
 * dataflow outgrew its budget.
 */
function engineVerdicts(acquisitions: readonly Acquisition[], index: TreeIndex): Map<Acquisition, ObligationVerdict> {
  const src = index.source;
  const byScope = new Map<TreeNode, Acquisition[]>();
  for (const a of acquisitions) {
    if (a.kind !== 'client' && a.kind !== 'accepted' && a.kind !== 'stream-client') continue;
    const list = byScope.get(a.scope);
    if (list) list.push(a);
    else byScope.set(a.scope, [a]);
  }
  for (const [scope, list] of byScope) {
    // Generated code with hundreds of sockets in one function: the statement rules stay linear.
    if (list.length > MAX_ENGINE_SOCKETS) byScope.delete(scope);
    else
      byScope.set(
        scope,
        list.filter((a) => {
          const name = textOf(a.binding, src);
          return !declaredOutside(a.scope, name, src) && !capturedByNestedScope(a.scope, name, index);
        }),
      );
  }
  const out = new Map<Acquisition, ObligationVerdict>();
  const rowOf = (offset: number) => index.lines.position(offset);
  for (const [scope, list] of byScope) {
    if (list.length === 0) continue;
    // The graph acquires where the value arrives: at `wait_for(…)` around the call, not inside it (a timeout there left nothing open).
    const obligations = list.map((a, i) => ({
      obligation: i,
      call: valueCall(a.site, src),
      target: textOf(a.binding, src),
      ...(a.kind === 'stream-client' ? { streamWriter: true } : {}),
    }));
    const body = scope.type === 'function_definition' ? fieldOf(scope, 'body') : scope;
    const cfg = body && buildOrGiveUp(() => new PythonCfgBuilder(src, rowOf, obligations).build(body));
    if (!cfg) continue;
    const result = analyzeObligations(
      cfg,
      obligations.map((o) => o.obligation),
    );
    if (!result.complete) continue;
    list.forEach((a, i) => out.set(a, result.verdicts.get(i)!));
  }
  return out;
}

/** More sockets than this in one function go to the statement rules (a bound on the dataflow's work). */
const MAX_ENGINE_SOCKETS = 64;

/** Whether `name` is used inside a function, lambda or class nested in `scope` (anywhere in it). */
function capturedByNestedScope(scope: TreeNode, name: string, index: TreeIndex): boolean {
  for (const ref of referencesWithin(index, name, scope)) {
    for (let p = ref.parent; p && p !== scope; p = p.parent) {
      if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return true;
    }
  }
  return false;
}

const EXCEPTION_ADVICE = 'use `with` or `try`/`finally`';
/** A StreamWriter is no context manager. */
const STREAM_EXCEPTION_ADVICE = 'close the writer in `try`/`finally`';

function engineFinding(
  a: Acquisition,
  verdict: ObligationVerdict,
  tally: UseTally,
  base: Omit<LeakFinding, 'rule' | 'message'>,
  fix: PendingFix | undefined,
): LeakFinding | undefined {
  switch (verdict.kind) {
    case 'released':
      return undefined;
    case 'leak-on-exception': {
      const { call, site } = verdict.via;
      // No fixAt: the place to fix is the acquisition (a `with` or a try/finally around what follows), not the raising call.
      return findingOn(
        base,
        'unclosed-on-exception',
        `Socket opened here is not closed when \`${call}\` raises at line ${site.line + 1} — ${a.kind === 'stream-client' ? STREAM_EXCEPTION_ADVICE : EXCEPTION_ADVICE}`,
        undefined,
        fix,
      );
    }
    case 'leak': {
      if (a.kind === 'accepted' && tally.eofCheck) {
        return eofFinding(base, tally.eofCheck, fix);
      }
      if (verdict.exit && verdict.releasedSomewhere) {
        const at = verdict.exit.site;
        return findingOn(
          base,
          'unclosed-socket',
          `Socket opened here is not closed on the ${verdict.exit.word} at line ${at.line + 1} — CLOSE_WAIT risk`,
          { start: at, end: at },
        );
      }
      if (verdict.lost && !verdict.exit && verdict.releasedSomewhere) {
        const at = verdict.lost;
        return findingOn(
          base,
          'unclosed-socket',
          `Socket opened here is not closed before \`${base.binding}\` is assigned again at line ${at.line + 1} — CLOSE_WAIT risk`,
          { start: at, end: at },
        );
      }
      const summary = summarizeUses(tally.uses);
      const message = !verdict.releasedSomewhere
        ? 'Socket opened here is never closed — CLOSE_WAIT risk'
        : summary.closedOnErrorPathOnly
          ? unclosedMessage(summary)
          : 'Socket opened here is not closed on every path — CLOSE_WAIT risk';
      return findingOn(base, 'unclosed-socket', message, undefined, verdict.releasedSomewhere ? undefined : fix);
    }
  }
}

/** An accepted connection read to EOF and never closed after it. */
function eofFinding(base: FindingBase, eofCheck: TreeNode, fix: PendingFix | undefined): LeakFinding {
  return findingOn(
    base,
    'close-wait-risk',
    `Connection accepted here is never closed after the peer's EOF (read at line ${eofCheck.startRow + 1}) — CLOSE_WAIT risk`,
    rangeOf(eofCheck),
    fix,
  );
}

/** A connection a server accepted: by `accept()`, or handed to an asyncio stream server's handler. */
function accepted(a: Acquisition): boolean {
  return a.kind === 'accepted' || a.kind === 'stream-accepted';
}

function judge(
  a: Acquisition,
  index: TreeIndex,
  language: LeakLanguage,
  source: string,
  blocks: BlockFacts,
  verdict?: ObligationVerdict,
): LeakFinding | undefined {
  const name = textOf(a.binding, source);
  // `global s` / `nonlocal s`: the name outlives this function, so the socket is kept, not dropped.
  if (declaredOutside(a.scope, name, source)) return undefined;
  const tally = tallyUses(a, index);
  const summary = summarizeUses(tally.uses);
  const base = { language, range: rangeOf(a.site), binding: name };
  if (verdict) {
    const fix =
      verdict.kind !== 'released' && a.statement && !summary.stored && !summary.handedOn
        ? withStatementFix(a, index, source, blocks)
        : undefined;
    // close-wait-risk is unchanged: an accepted connection read to EOF and never closed anywhere (kept in a list counts).
    if (accepted(a) && tally.eofCheck && !summary.closed && !summary.handedOn) {
      return eofFinding(base, tally.eofCheck, fix);
    }
    // At module level an exception nobody catches ends the program, and the descriptors with it.
    if (verdict.kind === 'leak-on-exception' && a.scope.type !== 'function_definition') return undefined;
    return engineFinding(a, verdict, tally, base, fix);
  }
  if (summary.closed) {
    const ret = !summary.stored && !summary.handedOn && earlyReturn(index, a.scope, a.site, name, closingNodes(tally.uses, false), EXITS);
    return ret ? findingOn(base, 'unclosed-socket', earlyReturnMessage('Socket opened here', ret), rangeOf(ret)) : undefined;
  }
  const fix =
    a.statement && !summary.stored && !summary.handedOn && !summary.closedOnErrorPathOnly
      ? withStatementFix(a, index, source, blocks)
      : undefined;
  if (accepted(a) && tally.eofCheck && !summary.handedOn) {
    return eofFinding(base, tally.eofCheck, fix);
  }
  if (summary.stored || summary.handedOn) return undefined;
  return findingOn(base, 'unclosed-socket', unclosedMessage(summary), undefined, fix);
}

/**
 * What the `with` fix asks of a block, answered once per file or per block rather than per
 * finding: thousands of sockets opened in one function must not each scan the rest of it.
 */
class BlockFacts {
  private readonly lastStatement = new Map<TreeNode, TreeNode | undefined>();
  private tripleQuotes: number[] | undefined;

  constructor(private readonly source: string) {}

  /** The block's last statement that is not a comment. */
  last(block: TreeNode): TreeNode | undefined {
    if (!this.lastStatement.has(block)) {
      let last: TreeNode | undefined;
      for (let i = block.children.length - 1; i >= 0 && !last; i--) {
        const n = block.children[i];
        if (n && n.type !== 'comment') last = n;
      }
      this.lastStatement.set(block, last);
    }
    return this.lastStatement.get(block);
  }

  /** Whether a `"""` or `'''` starts in [from, to): a binary search in the file's list of them. */
  hasTripleQuote(from: number, to: number): boolean {
    if (!this.tripleQuotes) {
      this.tripleQuotes = [];
      for (const m of this.source.matchAll(/"{3}|'{3}/g)) this.tripleQuotes.push(m.index);
    }
    const quotes = this.tripleQuotes;
    const lo = lowerBound(quotes, from);
    // A quote starting just before `from` may still reach into the range.
    return (lo < quotes.length && quotes[lo]! < to) || (lo > 0 && quotes[lo - 1]! + 3 > from);
  }
}

/**
 * Rewrites `s = socket.socket(…)` into `with socket.socket(…) as s:` (or adds `with conn:` after
 * `conn, addr = srv.accept()`) and indents the rest of the block under it. Offered only when that
 * is mechanical: a one-line statement directly in a block, every use of the binding after it in
 * the same block, and no multi-line string whose text indenting would change. Whether it applies
 * is decided here in logarithmic time; the edits, one per line of the block, only when asked for.
 */
function withStatementFix(a: Acquisition, index: TreeIndex, source: string, blocks: BlockFacts): PendingFix | undefined {
  const statement = a.statement?.parent;
  const name = textOf(a.binding, source);
  const block = statement?.parent;
  if (statement?.type !== 'expression_statement' || !block || (block.type !== 'block' && block.type !== 'module')) return undefined;
  if (statement.startRow !== statement.endRow) return undefined;
  const last = blocks.last(block);
  if (!last || last.start < statement.end) return undefined;
  if (!referencesWithin(index, name, a.scope).every((r) => r.start >= statement.start && r.start < last.end)) return undefined;
  if (blocks.hasTripleQuote(statement.end, last.end)) return undefined;
  return { title: `Close '${name}' with a \`with\` block`, edits: () => withStatementEdits(a, statement, last, name, source) };
}

function withStatementEdits(a: Acquisition, statement: TreeNode, last: TreeNode, name: string, source: string): TextEdit[] {
  const indent = indentOfLine(statement, source);
  const unit = indent.includes('\t') ? '\t' : '    ';
  const head =
    a.kind === 'accepted' ? `${textOf(statement, source)}\n${indent}with ${name}:` : `with ${textOf(a.site, source)} as ${name}:`;
  // One edit from the statement to the end of the block: the rest moves in one level (blank lines stay
  // blank). Linear in the text it changes, and one edit rather than one per line.
  const body = source
    .slice(statement.end, last.end)
    .split('\n')
    .map((line, i) => (i === 0 || line.trim() === '' ? line : unit + line))
    .join('\n');
  const range = { start: { line: statement.startRow, column: statement.startColumn }, end: { line: last.endRow, column: last.endColumn } };
  return [{ range, newText: head + body }];
}
