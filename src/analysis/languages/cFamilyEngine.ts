import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import type { LanguageRules, LeakLanguage, PendingFix, RuleFinding as LeakFinding } from '../types';
import type { GoObligation } from '../cfg/go';
import { analyzeObligations, type ObligationVerdict } from '../cfg/dataflow';
import { buildOrGiveUp, type Cfg } from '../cfg/graph';
import type { LocalQuiet } from '../cfg/brace';
import { leakingExit } from './cFamilyPaths';
import type { PathShape } from './cFamilyPaths';
import { copyTree, LightNode, LineIndex, onErrorBranch } from './cFamilyTree';
import type { CopyOptions } from './cFamilyTree';
import { rangeOf } from './nodeSpan';
import { listenerRisk, MAX_FACTORY_ROUNDS } from './scope';
import { lowerBound } from '../lowerBound';

/**
 * The shared model of the brace-language rules (Go, Java, C, C++, C#): acquisition sites bound to
 * a local name, the uses of that name (close-equivalent, escape, call, alias), and a per-file
 * summary of which parameters each function closes or hands on, so that `handle(conn)` is judged
 * by what `handle` does when it is defined in the same file and counts as handing on otherwise.
 * One walk copies the tree, one pass collects, one pass classifies the uses: linear in file size.
 */

/** What the messages call an acquisition unless it says otherwise ({@link Acquisition.subject}). */
const SOCKET_SUBJECT = 'Socket opened here';
export const CLOSE_WAIT_MESSAGE = 'Socket accepted here is never closed after the peer hangs up (read until EOF) — CLOSE_WAIT risk';

/** How one occurrence of a tracked name uses the socket. */
export type Use =
  | { kind: 'close' }
  /** A close that runs only when something failed (catch block, `if err != nil`, `if (n < 0)`). */
  | { kind: 'close-on-error-path' }
  | { kind: 'escape' }
  | { kind: 'neutral' }
  /** Passed as argument `index` to a function known only by name: decided by the file's summaries. */
  | {
      kind: 'call';
      callee: string;
      index: number;
      /** A stream of the socket passed on (Java): followed into a function of the file; one defined elsewhere only reads or writes it. */
      stream?: boolean;
    }
  /** A second name for the same socket (`t := c.(*net.TCPConn)`, a stream over the socket). */
  | { kind: 'alias'; binding: LightNode; scope: LightNode; closedHere: boolean };

export interface Binding {
  /** The identifier node that names the socket. */
  node: LightNode;
  /** Where uses of the name count. */
  scope: LightNode;
  /** Assigned to an existing name rather than declared: only a local name is tracked. */
  assigned: boolean;
}

export interface Acquisition {
  /** The acquiring expression: the finding's range. */
  site: LightNode;
  /** An accepted connection: may be the server side of the CLOSE_WAIT bug. */
  isAccept: boolean;
  /**
   * `closed`: try-with-resources, `using`, RAII on the spot; `handed-on`: returned, stored,
   * passed straight to a call; `discarded`: the socket is thrown away (`_`, an expression statement).
   */
  verdict?: 'closed' | 'handed-on' | 'discarded';
  binding?: Binding;
  /** How its messages name it when it is not a socket the code opened (`Response body received here`). */
  subject?: string;
  /** An HTTP response (its body holds the connection): a function returning one is no socket factory. */
  response?: boolean;
  /** A listening socket (`net.Listen`, a test server): left open, it holds its port; it has no peer to wait on. */
  listener?: boolean;
}

/**
 * Names of the file's functions that return a socket they open (`int open_listener(…)`,
 * `func dial(…) (net.Conn, error)`): a call to one by its plain name is an acquisition where it
 * is called, judged like the API call inside. Each maps to which of its results is the socket
 * (Go's `func dial() (net.Conn, error)`: 0; `(kp nkeys.KeyPair, c net.Conn, …)`: 1).
 */
export type Factories = ReadonlyMap<string, number>;
const NO_FACTORIES: Factories = new Map();

/**
 * `a` with its verdict or binding, set on it rather than spread into a copy: V8 makes each
 * `{ ...a, verdict }` slow (properties added after a spread), and a file may acquire thousands.
 */
export function withVerdict(a: Acquisition, verdict: NonNullable<Acquisition['verdict']>): Acquisition {
  a.verdict = verdict;
  return a;
}

export function withBinding(a: Acquisition, binding: Binding): Acquisition {
  a.binding = binding;
  return a;
}

export interface FunctionShape {
  /** Name used by calls (last identifier), undefined for closures and lambdas. */
  name: string | undefined;
  /** Parameter identifiers in positional order. */
  params: LightNode[];
  /** The last parameter takes every argument from its position on (Java's `Closeable... cs`, C#'s `params`). */
  variadic?: boolean;
}

/** What a language contributes to the shared model. */
export interface Dialect {
  readonly languages: readonly LeakLanguage[];
  /** Node types that are names (identifiers) and may refer to a tracked socket. */
  readonly nameTypes: ReadonlySet<string>;
  /** Text every file with an acquisition contains: files without it skip the tree walk (most of a workspace). */
  readonly mentions: RegExp;
  /** Node types whose inside the rules never look at: copied as leaves. */
  readonly opaque: ReadonlySet<string>;
  /** Leaf types the rules never look at: not copied at all. */
  readonly skipped?: ReadonlySet<string>;
  /** Every function-like node type (closures and lambdas included). */
  readonly functions: ReadonlySet<string>;
  /**
   * Named, top-level function types whose body is copied only when a call hands them a socket
   * (a body that mentions no acquisition): most of a file is never copied.
   */
  readonly deferrable: ReadonlySet<string>;
  /** Offer CLOSE_WAIT-risk findings for accepted sockets read until EOF. */
  readonly closeWaitRule: boolean;
  functionShape(node: LightNode, source: string): FunctionShape | undefined;
  /** The acquisition `node` is, counting calls of the file's `factories` by their plain name. */
  acquisition(node: LightNode, source: string, factories: Factories): Acquisition | undefined;
  /** Local names a node declares (variable declarators), so assignments to them can be tracked. */
  declaredNames(node: LightNode, source: string): readonly LightNode[];
  use(name: LightNode, source: string): Use;
  /** True when this node shows the code reads until the peer's EOF. */
  readsToEof(node: LightNode, source: string): boolean;
  /** Decides cheaply whether a fix applies (no scan of the block per finding); the edits are built only when asked for. */
  fix?(acquisition: Acquisition, source: string): PendingFix | undefined;
  /** The statement shapes for the early-exit rule; without it a close anywhere counts for every path. */
  readonly paths?: PathShape;
  /**
   * The control-flow graph of a function body for the leak engine (src/analysis/cfg); sockets
   * whose function has one are judged by path, except those handed to a call, which stay with the
   * file's summaries of what each function does with its parameters.
   */
  buildGraph?(body: LightNode, obligations: readonly GoObligation[], source: string, localQuiet?: LocalQuiet): Cfg | undefined;
  /** Whether a method body may throw (languages whose calls throw): a file's quiet methods get no exceptional edge where called. */
  bodyMayThrow?(body: LightNode, source: string, localQuiet: LocalQuiet): boolean;
  /** What the unclosed-on-exception message suggests (`use try-with-resources or finally`). */
  readonly exceptionAdvice?: string;
  /**
   * The deferred close that releases a socket only when its function returns although the socket
   * is made again on every turn of an endless loop (Go's `for { c := accept(); defer c.Close() }`):
   * every socket stays open until then. Undefined when any close runs sooner.
   */
  closedOnlyAtReturn?(acquisition: LightNode, closes: readonly LightNode[]): LightNode | undefined;
}

interface Frame {
  readonly node: LightNode;
  /** Undefined for closures and lambdas. */
  readonly name: string | undefined;
  /** Its body, not copied yet. */
  deferredBody: LightNode | undefined;
  readonly parent: Frame | undefined;
  readonly params: Tracked[];
  readonly variadic: boolean;
  readonly locals: Set<string>;
  readsToEof: boolean;
}

interface Tracked {
  readonly name: string;
  readonly binding: LightNode;
  readonly scope: LightNode;
  /** Undefined for a package-level or global declaration. */
  readonly frame: Frame | undefined;
  /** The socket this name refers to (itself unless an alias). */
  readonly owner: Tracked;
  closed: boolean;
  closedOnErrorPath: boolean;
  /** Where it is closed (`plain`: not only on an error branch), for the early-exit rule. */
  readonly closeSites: { node: LightNode; plain: boolean }[];
  escaped: boolean;
  /** Which of its function's results it is returned as (not by a closure in it), if it is. */
  returned: number | undefined;
  /** Handed somewhere else than a return by its own function too (a field, a table, a call). */
  kept: boolean;
  /** Used inside a closure or lambda: it may outlive the scope, so no close-at-scope-end fix. */
  usedInClosure: boolean;
  readonly calls: { callee: string; index: number }[];
  readonly acquisition?: Acquisition;
}

/** Builds LanguageRules over a dialect. */
export function dialectRules(dialect: Dialect): LanguageRules {
  return {
    languages: dialect.languages,
    analyze: (root: SyntaxNode, language: LeakLanguage, source: string) => {
      if (!dialect.mentions.test(source)) return [];
      // A file whose functions return sockets they open is read again with calls to them as
      // acquisitions, until no new such function turns up (one that returns another's socket).
      let factories = NO_FACTORIES;
      for (let round = 0; ; round++) {
        const returners = new Map<string, number>();
        const findings = analyzeCopy(root, dialect, language, source, factories, returners);
        if (round === MAX_FACTORY_ROUNDS || [...returners.keys()].every((name) => factories.has(name))) return findings;
        factories = new Map([...factories, ...returners]);
      }
    },
  };
}

function analyzeCopy(
  root: SyntaxNode,
  base: Dialect,
  language: LeakLanguage,
  source: string,
  factories: Factories,
  returners: Map<string, number>,
): LeakFinding[] {
  const dialect = factories.size === 0 ? base : withFactories(base, factories);
  const mentions = mentionOffsets(source, dialect.mentions);
  const options: CopyOptions = {
    source,
    lines: new LineIndex(source),
    opaque: dialect.opaque,
    ...(dialect.skipped ? { skipped: dialect.skipped } : {}),
    deferBody: (fn, body) =>
      dialect.deferrable.has(fn.type) && !insideFunction(fn, dialect) && !mentionsWithin(mentions, body.start, body.end),
  };
  const materialize = (body: LightNode): LightNode | undefined => {
    const syntax = root.descendantForIndex(body.start, body.end);
    if (!syntax || syntax.type !== body.type || syntax.startIndex !== body.start || syntax.endIndex !== body.end) return undefined;
    return copyTree(syntax, { ...options, deferBody: undefined, at: { parent: body.parent!, field: body.field } });
  };
  return analyzeTree(copyTree(root, options), dialect, language, source, materialize, factories, returners);
}

/** The dialect that copies up front the bodies that call `factories` (their calls are acquisitions there). */
function withFactories(dialect: Dialect, factories: Factories): Dialect {
  const names = [...factories.keys()].map((n) => n.replace(/[$]/g, '\\$')).join('|');
  return {
    ...dialect,
    mentions: new RegExp(`${dialect.mentions.source}|\\b(?:${names})\\s*\\(`, dialect.mentions.flags),
  };
}

function mentionOffsets(source: string, mentions: RegExp): number[] {
  const all = new RegExp(mentions.source, 'g');
  const out: number[] = [];
  for (let m = all.exec(source); m; m = all.exec(source)) out.push(m.index);
  return out;
}

function mentionsWithin(offsets: readonly number[], start: number, end: number): boolean {
  const first = lowerBound(offsets, start);
  return first < offsets.length && offsets[first]! < end;
}

function insideFunction(node: LightNode, dialect: Dialect): boolean {
  for (let p = node.parent; p; p = p.parent) if (dialect.functions.has(p.type)) return true;
  return false;
}

/** Findings for one copied tree. Exposed for tests and benchmarks that reuse a copied tree. */
export function analyzeTree(
  root: LightNode,
  dialect: Dialect,
  language: LeakLanguage,
  source: string,
  materialize: (body: LightNode) => LightNode | undefined = () => undefined,
  factories: Factories = NO_FACTORIES,
  /** Gets the file's functions that return a socket they open, and which of their results it is. */
  returners?: Map<string, number>,
): LeakFinding[] {
  const collected = collect(root, dialect, source, undefined, factories);
  const tracked = new Map<string, NameScopes>();
  const add = trackerOf(tracked);
  for (const frame of collected.frames) for (const p of frame.params) add(p);
  const findings: LeakFinding[] = [];
  const report = (f: LeakFinding, a: Acquisition) => findings.push(a.listener ? saidOfListener(f) : f);
  const sockets: Tracked[] = [];
  for (const { acquisition, frame } of collected.acquisitions) {
    if (acquisition.verdict === 'discarded') {
      report(finding(dialect, acquisition, language, 'unclosed-socket', source), acquisition);
      continue;
    }
    const b = acquisition.binding;
    if (acquisition.verdict || !b) continue;
    const name = source.slice(b.node.start, b.node.end);
    // An assignment to a field or a package-level variable stores the socket: not this scope's leak.
    if (b.assigned && !isLocal(frame, name)) continue;
    const t = newTracked(name, b.node, b.scope, frame, undefined, acquisition);
    add(t);
    sockets.push(t);
  }
  classifyUses(collected.names, tracked, dialect, source, add, collected.functions);
  if (returners) for (const [name, position] of freshSocketReturners(collected, sockets, dialect)) returners.set(name, position);
  const summaries = new Summaries(collected.functions, (frame) =>
    expandBody(frame, collected.functions, dialect, source, materialize, factories),
  );
  const localQuiet = quietMethodsOf(collected.functions, dialect, source, materialize);
  const verdicts = engineVerdicts(sockets, dialect, source, collected.functions, localQuiet);
  for (const s of sockets) {
    const a = s.acquisition!;
    const verdict = verdicts.get(s);
    const consumed = !verdict && summaries.consumed(s);
    const late = (verdict?.kind === 'released' || consumed) && closedOnlyAtReturn(s, dialect);
    if (late) {
      report(closedAtReturn(finding(dialect, a, language, 'unclosed-socket', source, s.name), a, late), a);
      continue;
    }
    if (verdict?.kind === 'released') continue;
    if (verdict) {
      const reader = dialect.closeWaitRule && a.isAccept ? summaries.eofReader(s) : undefined;
      const f = engineFinding(dialect, s, verdict, reader, language, source);
      if (f) report(f, a);
      continue;
    }
    if (consumed) {
      const early = earlyExit(s, dialect, source);
      if (early) report(early.finding(finding(dialect, a, language, 'unclosed-socket', source, s.name)), a);
      continue;
    }
    const reader = dialect.closeWaitRule && a.isAccept ? summaries.eofReader(s) : undefined;
    const rule = reader ? 'close-wait-risk' : 'unclosed-socket';
    // Closing at the end of the scope is safe only when nothing else may still be using the socket then.
    const fixable = s.calls.length === 0 && !s.usedInClosure;
    const f = finding(dialect, a, language, rule, source, source.slice(s.binding.start, s.binding.end), fixable);
    if (rule === 'unclosed-socket' && s.closedOnErrorPath) f.message = errorPathMessage(a);
    // The close belongs at the end of the handler that reads to EOF, when that is another function.
    if (reader && reader !== s.frame) f.fixAt = { start: endOf(reader.node), end: endOf(reader.node) };
    report(f, a);
  }
  return findings;
}

/**
 * The engine's verdict per socket bound to a name declared in its own function, neither handed to
 * a function of the file nor used in a closure: one graph and one dataflow per function for all of its sockets.
 */
function engineVerdicts(
  sockets: readonly Tracked[],
  dialect: Dialect,
  source: string,
  functions: ReadonlyMap<string, Frame[]>,
  localQuiet: LocalQuiet,
): Map<Tracked, ObligationVerdict> {
  const out = new Map<Tracked, ObligationVerdict>();
  if (!dialect.buildGraph) return out;
  const byFrame = new Map<Frame, Tracked[]>();
  for (const s of sockets) {
    if (!s.frame || !s.frame.locals.has(s.name)) continue;
    const list = byFrame.get(s.frame);
    if (list) list.push(s);
    else byFrame.set(s.frame, [s]);
  }
  for (const [frame, list] of byFrame) {
    // Generated code with hundreds of sockets in one function: the statement rules stay linear.
    if (list.length > MAX_ENGINE_SOCKETS) continue;
    const body = frame.node.children.find((c) => c.field === 'body');
    const obligations = list.map((s, obligation) => ({ obligation, site: s.acquisition!.site, target: s.name }));
    const cfg = body && buildOrGiveUp(() => dialect.buildGraph!(body, obligations, source, localQuiet));
    const result =
      cfg &&
      analyzeObligations(
        cfg,
        obligations.map((o) => o.obligation),
      );
    if (!result?.complete) continue;
    list.forEach((s, i) => {
      // What a function of this file or a goroutine does with the socket (close it, read it to EOF) the summaries know;
      // one defined elsewhere takes ownership, for the graph as for them.
      if (!s.usedInClosure && s.calls.every((c) => !functions.has(c.callee))) out.set(s, result.verdicts.get(i)!);
    });
  }
  return out;
}

/**
 * The file's methods and constructors that cannot throw, asked for by name and argument count and
 * judged once each from their bodies (copied only when asked). Recursion is taken to throw.
 */
function quietMethodsOf(
  functions: ReadonlyMap<string, Frame[]>,
  dialect: Dialect,
  source: string,
  materialize: (body: LightNode) => LightNode | undefined,
): LocalQuiet {
  const memo = new Map<string, boolean>();
  const localQuiet: LocalQuiet = (name, arity) => {
    const key = `${name}/${arity}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const frames = (functions.get(name) ?? []).filter((f) => f.params.length === arity);
    memo.set(key, false);
    const quiet =
      !!dialect.bodyMayThrow &&
      frames.length > 0 &&
      frames.every((f) => {
        const placed = f.deferredBody ?? f.node.children.find((c) => c.field === 'body');
        const body = placed?.deferred ? materialize(placed) : placed;
        return !!body && !dialect.bodyMayThrow!(body, source, localQuiet);
      });
    memo.set(key, quiet);
    return quiet;
  };
  return localQuiet;
}

/** More sockets than this in one function go to the statement rules (a bound on the dataflow's work). */
const MAX_ENGINE_SOCKETS = 64;

function engineFinding(
  dialect: Dialect,
  s: Tracked,
  verdict: ObligationVerdict,
  reader: Frame | undefined,
  language: LeakLanguage,
  source: string,
): LeakFinding | undefined {
  const released = verdict.kind !== 'released' && verdict.releasedSomewhere;
  const f = finding(
    dialect,
    s.acquisition!,
    language,
    reader ? 'close-wait-risk' : 'unclosed-socket',
    source,
    s.name,
    !released && !s.usedInClosure,
  );
  if (verdict.kind === 'leak-on-exception') {
    const { call, site } = verdict.via;
    return {
      ...f,
      rule: 'unclosed-on-exception',
      message: `${subjectOf(s.acquisition)} is not closed when \`${call}\` throws at line ${site.line + 1} — ${dialect.exceptionAdvice ?? 'close it in finally'}`,
    };
  }
  if (reader) {
    if (reader !== s.frame) f.fixAt = { start: endOf(reader.node), end: endOf(reader.node) };
    return f;
  }
  if (verdict.kind !== 'leak' || !released) {
    if (s.closedOnErrorPath && !s.closed) f.message = errorPathMessage(s.acquisition);
    return f;
  }
  // Closed only where something failed (`if (connect(…) < 0) { close(fd); return -1; }`): that says more than the exit.
  if (s.closedOnErrorPath && !s.closed && !s.escaped) {
    f.message = errorPathMessage(s.acquisition);
    return f;
  }
  const at = verdict.exit?.site ?? verdict.lost;
  // The same words as the statement rules' early-exit message, which users already see.
  if (verdict.exit)
    f.message = `${subjectOf(s.acquisition)} is not closed on the ${verdict.exit.word === 'return' ? 'early return' : verdict.exit.word} at line ${verdict.exit.site.line + 1} — CLOSE_WAIT risk`;
  else if (verdict.lost)
    f.message = `${subjectOf(s.acquisition)} is not closed before \`${s.name}\` is assigned again at line ${verdict.lost.line + 1} — CLOSE_WAIT risk`;
  else {
    // A loop's `continue`/`break` is no exit of the function: the statement rules can still name it.
    const early = earlyExit(s, dialect, source);
    if (early) return early.finding(f);
    f.message = `${subjectOf(s.acquisition)} is not closed on every path — CLOSE_WAIT risk`;
  }
  if (at) f.fixAt = { start: at, end: at };
  return f;
}

/** A socket closed later in its block, but not on an early exit in between. */
function earlyExit(s: Tracked, dialect: Dialect, source: string): { finding(f: LeakFinding): LeakFinding } | undefined {
  // Handed on anywhere (returned, stored, given to a call) may be what happens on the other paths.
  if (!dialect.paths || !s.closed || s.escaped || s.calls.length > 0 || !s.acquisition) return undefined;
  const path = leakingExit(s.acquisition.site, s.name, s.closeSites, source, dialect.paths);
  if (!path) return undefined;
  return {
    finding: (f) => ({
      ...f,
      message: `${subjectOf(s.acquisition)} is not closed on the early ${path.kind} at line ${path.exit.startRow + 1} — CLOSE_WAIT risk`,
      fixAt: rangeOf(path.exit),
    }),
  };
}

function trackerOf(tracked: Map<string, NameScopes>): (t: Tracked) => void {
  return (t) => {
    let scopes = tracked.get(t.name);
    if (!scopes) tracked.set(t.name, (scopes = new NameScopes()));
    scopes.add(t);
  };
}

/**
 * The file's functions that return a socket they open on some path (`return net.Dial(…)`, `return fd`
 * after `fd = socket(…)`) and do not close it themselves, every function of that name: a response
 * is not a socket, nor a closure.
 */
function freshSocketReturners(collected: Collected, sockets: readonly Tracked[], dialect: Dialect): Map<string, number> {
  const returning = new Map<Frame, number>();
  for (const { acquisition, frame } of collected.acquisitions) {
    const position = acquisition.verdict === 'handed-on' && !acquisition.response ? resultPosition(acquisition.site) : undefined;
    if (frame && position !== undefined) returning.set(frame, position);
  }
  // One it also keeps (a cache) or has closed later (a test helper's `t.Cleanup(func() { c.Close() })`) is lent, not
  // given; a close where it runs (the failed attempts of a retry loop) is not that.
  for (const s of sockets)
    if (s.returned !== undefined && !s.kept && s.frame && !s.acquisition!.response && !closedLater(s, dialect))
      returning.set(s.frame, s.returned);
  const out = new Map<string, number>();
  for (const [frame, position] of returning) {
    const frames = frame.name === undefined ? undefined : collected.functions.get(frame.name);
    if (frames?.every((f) => returning.get(f) === position)) out.set(frame.name!, position);
  }
  return out;
}

/** Whether a close of `s` runs after its function has returned: in a closure, deferred (Go), or a method value handed on (`t.Cleanup(srv.Close)`). */
function closedLater(s: Tracked, dialect: Dialect): boolean {
  return s.closeSites.some(({ node }) => {
    if (node.parent?.type === 'selector_expression' && node.parent.parent?.type === 'argument_list') return true;
    for (let p = node.parent; p && p !== s.frame?.node; p = p.parent)
      if (p.type === 'defer_statement' || dialect.functions.has(p.type)) return true;
    return false;
  });
}

/** Node types a returned value may sit in below the return statement. */
const RETURN_WRAPPERS: ReadonlySet<string> = new Set([
  'parenthesized_expression',
  'expression_list',
  'cast_expression',
  'await_expression',
]);

/** Which of the function's results `node` is returned as (`return nil, c, nil`: 1), or undefined when it is not returned. */
function resultPosition(node: LightNode): number | undefined {
  let n = node;
  let position = 0;
  while (n.parent && RETURN_WRAPPERS.has(n.parent.type)) {
    if (n.parent.type === 'expression_list') position = n.parent.children.filter((c) => c.type !== 'comment').indexOf(n);
    n = n.parent;
  }
  return n.parent?.type === 'return_statement' ? position : undefined;
}

/** Copies and classifies a deferred body once a call hands its function a socket. */
function expandBody(
  frame: Frame,
  functions: Map<string, Frame[]>,
  dialect: Dialect,
  source: string,
  materialize: (body: LightNode) => LightNode | undefined,
  factories: Factories,
): void {
  const body = frame.deferredBody;
  if (!body) return;
  frame.deferredBody = undefined;
  const copy = materialize(body);
  if (!copy) {
    // Not found again in the syntax tree: count the parameters as handed on rather than guess.
    for (const p of frame.params) p.escaped = true;
    return;
  }
  const siblings = frame.node.children;
  siblings[siblings.indexOf(body)] = copy;
  const inner = collect(copy, dialect, source, frame, factories);
  for (const [name, frames] of inner.functions) functions.set(name, [...(functions.get(name) ?? []), ...frames]);
  const tracked = new Map<string, NameScopes>();
  const add = trackerOf(tracked);
  for (const p of frame.params) add(p);
  for (const f of inner.frames) for (const p of f.params) add(p);
  classifyUses(inner.names, tracked, dialect, source, add, functions);
}

function newTracked(
  name: string,
  binding: LightNode,
  scope: LightNode,
  frame: Frame | undefined,
  owner: Tracked | undefined,
  acquisition?: Acquisition,
): Tracked {
  const t: Tracked = {
    name,
    binding,
    scope,
    frame,
    owner: owner as Tracked,
    closed: false,
    closedOnErrorPath: false,
    closeSites: [],
    escaped: false,
    returned: undefined,
    kept: false,
    usedInClosure: false,
    calls: [],
    acquisition,
  };
  (t as { owner: Tracked }).owner = owner ?? t;
  return t;
}

/** The dialect's deferred close run only at return, for a socket closed and not handed anywhere (a handler may close it sooner). */
function closedOnlyAtReturn(s: Tracked, dialect: Dialect): LightNode | undefined {
  if (!dialect.closedOnlyAtReturn || s.escaped || s.calls.length > 0 || s.closeSites.length === 0) return undefined;
  return dialect.closedOnlyAtReturn(
    s.acquisition!.site,
    s.closeSites.map((c) => c.node),
  );
}

function closedAtReturn(f: LeakFinding, a: Acquisition, deferred: LightNode): LeakFinding {
  f.message = `${subjectOf(a)} is closed only when the function returns: the deferred close at line ${deferred.startRow + 1} is inside an endless loop, so what each turn opens stays open until then — CLOSE_WAIT risk`;
  return f;
}

function saidOfListener(f: LeakFinding): LeakFinding {
  const message = listenerRisk(f.message);
  return message === f.message ? f : { ...f, message };
}

function subjectOf(a: Acquisition | undefined): string {
  return a?.subject ?? SOCKET_SUBJECT;
}

function errorPathMessage(a: Acquisition | undefined): string {
  return `${subjectOf(a)} is closed only on the error path — CLOSE_WAIT risk when it succeeds`;
}

function finding(
  dialect: Dialect,
  a: Acquisition,
  language: LeakLanguage,
  rule: LeakFinding['rule'],
  source: string,
  binding?: string,
  fixable = false,
): LeakFinding {
  const f: LeakFinding = {
    rule,
    language,
    range: rangeOf(a.site),
    message: rule === 'close-wait-risk' ? CLOSE_WAIT_MESSAGE : `${subjectOf(a)} is never closed — CLOSE_WAIT risk`,
  };
  if (binding) f.binding = binding;
  const fix = binding && fixable ? dialect.fix?.(a, source) : undefined;
  if (fix) f.pendingFix = fix;
  return f;
}

function endOf(node: LightNode): { line: number; column: number } {
  return { line: node.endRow, column: node.endColumn };
}

function isLocal(frame: Frame | undefined, name: string): boolean {
  for (let f = frame; f; f = f.parent) if (f.locals.has(name)) return true;
  return false;
}

interface Collected {
  frames: Frame[];
  functions: Map<string, Frame[]>;
  acquisitions: { acquisition: Acquisition; frame: Frame | undefined }[];
  /** Every name node in document order, and the function each is in (parallel arrays: a third of a file's nodes). */
  names: { nodes: LightNode[]; frames: (Frame | undefined)[] };
}

function collect(root: LightNode, dialect: Dialect, source: string, outer: Frame | undefined, factories: Factories): Collected {
  const out: Collected = { frames: [], functions: new Map(), acquisitions: [], names: { nodes: [], frames: [] } };
  // An explicit stack: generated or minified code nests deeper than the JavaScript call stack allows.
  // Parallel arrays rather than an object per entry: a 2 MB file has hundreds of thousands of nodes.
  const nodes: (LightNode | Frame)[] = [root];
  const frames: (Frame | undefined)[] = [outer];
  while (nodes.length > 0) {
    const item = nodes.pop()!;
    const frame = frames.pop();
    if (!(item instanceof LightNode)) {
      // A closure's reads happen on behalf of the function that created it (goroutine, lambda, callback).
      if (frame && item.readsToEof) frame.readsToEof = true;
      continue;
    }
    const node = item;
    let inner = frame;
    const shape = dialect.functionShape(node, source);
    if (shape) {
      inner = {
        node,
        name: shape.name,
        deferredBody: node.children.find((c) => c.deferred),
        parent: frame,
        params: [],
        variadic: shape.variadic === true,
        locals: new Set(),
        readsToEof: false,
      };
      for (const p of shape.params) {
        const name = source.slice(p.start, p.end);
        inner.params.push(newTracked(name, p, node, inner, undefined));
        inner.locals.add(name);
      }
      out.frames.push(inner);
      if (shape.name) {
        const list = out.functions.get(shape.name);
        if (list) list.push(inner);
        else out.functions.set(shape.name, [inner]);
      }
      nodes.push(inner);
      frames.push(frame);
    }
    if (dialect.nameTypes.has(node.type)) {
      out.names.nodes.push(node);
      out.names.frames.push(inner);
    } else {
      const acquisition = dialect.acquisition(node, source, factories);
      if (acquisition) out.acquisitions.push({ acquisition, frame: inner });
      if (inner) {
        for (const d of dialect.declaredNames(node, source)) inner.locals.add(source.slice(d.start, d.end));
        if (!inner.readsToEof && dialect.readsToEof(node, source)) inner.readsToEof = true;
      }
    }
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      nodes.push(children[i]!);
      frames.push(inner);
    }
  }
  return out;
}

/**
 * The bindings of one name, met in document order. Scopes are syntax nodes, so they nest or are
 * disjoint: the bindings alive at a position form a stack, and each binding is pushed and popped
 * once. This keeps the lookup linear even when hundreds of functions each bind `conn`.
 */
class NameScopes {
  private readonly pending: Tracked[] = [];
  private sorted = true;
  private next = 0;
  private readonly alive: Tracked[] = [];

  add(t: Tracked): void {
    const last = this.pending[this.pending.length - 1];
    if (last && last.binding.start > t.binding.start) this.sorted = false;
    this.pending.push(t);
  }

  /** The innermost, latest binding whose scope holds `position`, once every earlier binding is known. */
  at(position: number): Tracked | undefined {
    if (!this.sorted) {
      const rest = this.pending.splice(this.next).sort((a, b) => a.binding.start - b.binding.start);
      this.pending.push(...rest);
      this.sorted = true;
    }
    while (this.next < this.pending.length && this.pending[this.next]!.binding.start <= position) {
      const t = this.pending[this.next++]!;
      this.dropEndedBefore(t.binding.start);
      this.alive.push(t);
    }
    this.dropEndedBefore(position);
    for (let i = this.alive.length - 1; i >= 0; i--) {
      const t = this.alive[i]!;
      if (t.scope.start <= position) return t;
    }
    return undefined;
  }

  private dropEndedBefore(position: number): void {
    while (this.alive.length > 0 && this.alive[this.alive.length - 1]!.scope.end <= position) this.alive.pop();
  }
}

function classifyUses(
  names: Collected['names'],
  tracked: Map<string, NameScopes>,
  dialect: Dialect,
  source: string,
  add: (t: Tracked) => void,
  functions: ReadonlyMap<string, Frame[]>,
): void {
  for (let i = 0; i < names.nodes.length; i++) {
    const n = names.nodes[i]!;
    const frame = names.frames[i];
    const best = tracked.get(source.slice(n.start, n.end))?.at(n.start);
    if (!best || best.binding === n) continue;
    const use = dialect.use(n, source);
    const owner = best.owner;
    if (frame !== best.frame) owner.usedInClosure = true;
    switch (use.kind) {
      case 'close':
        owner.closed = true;
        owner.closeSites.push({ node: n, plain: true });
        break;
      case 'close-on-error-path':
        owner.closedOnErrorPath = true;
        owner.closeSites.push({ node: n, plain: false });
        break;
      case 'escape': {
        owner.escaped = true;
        if (frame !== best.frame) break;
        const position = resultPosition(n);
        if (position === undefined) owner.kept = true;
        else owner.returned ??= position;
        break;
      }
      case 'call':
        if (!use.stream || functions.has(use.callee)) owner.calls.push({ callee: use.callee, index: use.index });
        break;
      case 'alias':
        if (use.closedHere) owner.closed = true;
        add(newTracked(source.slice(use.binding.start, use.binding.end), use.binding, use.scope, best.frame, owner));
        break;
      case 'neutral':
        break;
    }
  }
}

const MAX_CALL_DEPTH = 200;

/** Which parameters each function of the file closes or hands on, and whether it reads to EOF. */
class Summaries {
  private readonly consumedMemo = new Map<Tracked, boolean>();
  private readonly eofMemo = new Map<Tracked, Frame | undefined>();
  /** Calls followed so far: a chain of handlers deeper than any real one is cut off as handing on. */
  private depth = 0;

  constructor(
    private readonly functions: Map<string, Frame[]>,
    private readonly expand: (frame: Frame) => void,
  ) {}

  consumed(t: Tracked): boolean {
    const known = this.consumedMemo.get(t);
    if (known !== undefined) return known;
    if (t.frame?.deferredBody) this.expand(t.frame);
    if (this.depth > MAX_CALL_DEPTH) return true;
    // Recursion (a function passing its parameter to itself) adds nothing: assume not consumed meanwhile.
    this.consumedMemo.set(t, false);
    this.depth++;
    const result = t.closed || t.escaped || t.calls.some((c) => this.callConsumes(c.callee, c.index));
    this.depth--;
    this.consumedMemo.set(t, result);
    return result;
  }

  /**
   * The function that reads the socket until the peer's EOF and keeps it (the place to add the
   * close): a handler of the file it is given to, or the function holding it.
   */
  eofReader(t: Tracked): Frame | undefined {
    if (this.eofMemo.has(t)) return this.eofMemo.get(t);
    if (this.depth > MAX_CALL_DEPTH) return undefined;
    if (t.frame?.deferredBody) this.expand(t.frame);
    this.eofMemo.set(t, undefined);
    this.depth++;
    let result: Frame | undefined;
    for (const c of t.calls) {
      for (const param of this.parametersAt(c.callee, c.index) ?? []) {
        if (this.consumed(param)) continue;
        result ??= this.eofReader(param);
      }
    }
    this.depth--;
    if (!result && t.frame?.readsToEof) result = t.frame;
    this.eofMemo.set(t, result);
    return result;
  }

  private callConsumes(callee: string, index: number): boolean {
    const params = this.parametersAt(callee, index);
    // A function defined elsewhere is assumed to take ownership: a false alarm costs more than a miss.
    if (!params) return true;
    return params.some((p) => this.consumed(p));
  }

  private parametersAt(callee: string, index: number): Tracked[] | undefined {
    const frames = this.functions.get(callee);
    if (!frames) return undefined;
    const params = frames
      .map((f) => f.params[index] ?? (f.variadic ? f.params.at(-1) : undefined))
      .filter((p): p is Tracked => p !== undefined);
    return params.length > 0 ? params : undefined;
  }
}

/** A close; one inside a `catch` block only runs when something failed (Java, C#). */
export function closeUnlessInCatch(at: LightNode, functionTypes: ReadonlySet<string>): Use {
  return onErrorBranch(at, functionTypes, (n) => n.type === 'catch_clause') ? { kind: 'close-on-error-path' } : { kind: 'close' };
}
