import type { LeakFinding, LeakRule, PendingFix, RuleFinding, SourceRange } from '../types';
import type { TreeIndex, TreeNode } from './treeCopy';
import { fieldOf } from './treeCopy';
import { isWithin, nearestAncestor, textOf } from './nodeSpan';
import { lowerBound } from '../lowerBound';

/**
 * Grammar-neutral helpers shared by the JavaScript and Python rules over the copied tree
 * (treeCopy.ts): identifier references by name within a scope, and the verdict over how a socket
 * binding is used.
 */

/** The text of `node`, or '' when there is no node. */
export function optText(node: TreeNode | null | undefined, source: string): string {
  return node ? textOf(node, source) : '';
}

/** The nodes of `types` under `node` (not itself), in document order: read by slot, so only those become nodes. */
export function descendantsOfType(node: TreeNode, types: ReadonlySet<string>): TreeNode[] {
  const out: TreeNode[] = [];
  for (let slot = node.slot + 1, end = node.subtreeEnd; slot < end; slot++) if (types.has(node.typeAt(slot))) out.push(node.nodeAt(slot));
  return out;
}

/** References to `name` inside `scope`, found by binary search over the document-ordered index. */
export function referencesWithin(index: TreeIndex, name: string, scope: TreeNode): TreeNode[] {
  const all = index.identifiers.get(name);
  if (!all) return [];
  const out: TreeNode[] = [];
  const end = scope.subtreeEnd;
  // Slots are in document order, and a scope's descendants are the slots up to its subtreeEnd.
  for (let i = lowerBound(all, scope.slot); i < all.length && all[i]! < end; i++) out.push(index.node(all[i]!));
  return out;
}

/** Index of the first item (in document order) starting at or after `offset`: a binary search. */
function firstAtOrAfter<T>(items: readonly T[], offset: number, startOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (startOf(items[mid]!) < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How one reference to a socket binding uses it. */
export type SocketUse =
  | 'close' // close()/destroy()/end(), with, closing(), pipeline, enter_context
  | 'close-on-error-path' // a close that runs only in a catch/except block
  | 'consume' // the readable side is drained (data listener, resume, pipe, read loop)
  | 'store' // kept in a field, map or collection
  | 'hand-on' // returned, yielded, resolved, passed to a function or constructor
  | 'other';

/** A reference's meaning: a use, or a local alias (`const other = sock`) whose references count too. */
export type ReferenceMeaning = SocketUse | { alias: TreeNode };

/** One classified reference. */
export interface BindingUse {
  use: SocketUse;
  node: TreeNode;
}

/** Classifies every reference to `binding` inside `scope`, following local aliases a few levels deep. */
export function usesOfBinding(
  index: TreeIndex,
  binding: TreeNode,
  scope: TreeNode,
  classify: (ref: TreeNode) => ReferenceMeaning,
): BindingUse[] {
  const uses: BindingUse[] = [];
  const pending = [binding];
  const seen = new Set<string>();
  while (pending.length > 0 && seen.size < 8) {
    const next = pending.pop()!;
    const name = textOf(next, index.source);
    if (seen.has(name)) continue;
    seen.add(name);
    for (const ref of referencesWithin(index, name, scope)) {
      if (ref === next) continue;
      const meaning = classify(ref);
      if (typeof meaning === 'string') uses.push({ use: meaning, node: ref });
      else pending.push(meaning.alias);
    }
  }
  return uses;
}

/** Grammar node types the early-return check needs. */
export interface ExitSyntax {
  functionTypes: ReadonlySet<string>;
  tryType: string;
  finallyType: string;
  /** Statements that leave a function early: `return_statement`, then `throw_statement` or `raise_statement`. */
  exitTypes: readonly string[];
  /** The handler clauses of a try (`catch_clause`, `except_clause`). */
  handlerTypes: ReadonlySet<string>;
  /**
   * Whether a function nested in the socket's scope runs once (a connect callback, a `once`
   * listener): a return there before it arranges the close skips the close for good, whereas a
   * `data` listener that returns early runs again.
   */
  runsOnce?: (fn: TreeNode) => boolean;
}

/**
 * A `return` (or a `throw`/`raise` no `try` around it catches) after `acquired` and before every
 * close, not covered by a `finally` that closes, and not handing the socket on: the path the
 * socket leaks on. The exit is in `scope` itself, or in a callback of it that runs once and holds
 * every close after the exit.
 */
export function earlyReturn(
  index: TreeIndex,
  scope: TreeNode,
  acquired: TreeNode,
  binding: string,
  closes: readonly TreeNode[],
  syntax: ExitSyntax,
): TreeNode | undefined {
  if (closes.length === 0) return undefined;
  const firstClose = Math.min(...closes.map((c) => c.start));
  const tries = new Set([syntax.tryType]);
  let earliest: TreeNode | undefined;
  for (const exitType of syntax.exitTypes) {
    const exits = index.byType.get(exitType) ?? [];
    // Only the exits between the acquisition (its callbacks included) and the first close, so a big file stays linear.
    for (let i = firstAtOrAfter(exits, acquired.start, (r) => r.start); i < exits.length && exits[i]!.start < firstClose; i++) {
      const exit = exits[i]!;
      if (earliest && exit.start > earliest.start) break;
      if (exit.end > firstClose || !isWithin(exit, scope)) continue;
      const fn = nearestAncestor(exit, syntax.functionTypes) ?? scope;
      if (fn !== scope && !(isWithin(fn, scope) && syntax.runsOnce?.(fn) && closes.every((c) => isWithin(c, fn)))) continue;
      if (exitType !== syntax.exitTypes[0] && nearestAncestor(exit, tries, fn)) continue;
      if (referencesWithin(index, binding, exit).length > 0) continue;
      if (closedByFinally(exit, fn, closes, tries, syntax.finallyType)) continue;
      if (onFailedAcquisition(exit, acquired, fn, tries, syntax.handlerTypes)) continue;
      earliest = exit;
      break;
    }
  }
  return earliest;
}

/**
 * An exit in the handler of a try whose body ends with the acquisition: it runs only when
 * acquiring failed, so there is no socket to close (`try: s = socket.socket(…) except OSError: return`).
 */
function onFailedAcquisition(
  exit: TreeNode,
  acquired: TreeNode,
  fn: TreeNode,
  tries: ReadonlySet<string>,
  handlerTypes: ReadonlySet<string>,
): boolean {
  for (let t = nearestAncestor(exit, tries, fn); t; t = nearestAncestor(t, tries, fn)) {
    if (!t.children.some((c) => handlerTypes.has(c.type) && isWithin(exit, c))) continue;
    const body = t.children.find((c) => c.type !== 'comment');
    const last = body?.children.filter((c) => c.type !== 'comment').at(-1);
    return !!body && !!last && isWithin(acquired, body) && isWithin(acquired, last);
  }
  return false;
}

function closedByFinally(
  node: TreeNode,
  fn: TreeNode,
  closes: readonly TreeNode[],
  tries: ReadonlySet<string>,
  finallyType: string,
): boolean {
  for (let t = nearestAncestor(node, tries, fn); t; t = nearestAncestor(t, tries, fn)) {
    const fin = t.children.find((c) => c.type === finallyType);
    if (fin && closes.some((c) => isWithin(c, fin))) return true;
  }
  return false;
}

/** What the uses of one binding add up to. */
export interface UseSummary {
  closed: boolean;
  closedOnErrorPathOnly: boolean;
  consumed: boolean;
  stored: boolean;
  handedOn: boolean;
}

export function summarizeUses(uses: readonly BindingUse[]): UseSummary {
  const seen = new Set(uses.map((u) => u.use));
  return {
    closed: seen.has('close'),
    closedOnErrorPathOnly: !seen.has('close') && seen.has('close-on-error-path'),
    consumed: seen.has('consume'),
    stored: seen.has('store'),
    handedOn: seen.has('hand-on'),
  };
}

/** The message for a binding that is neither closed nor handed on. */
export function unclosedMessage(summary: UseSummary): string {
  return summary.closedOnErrorPathOnly
    ? 'Socket opened here is closed only on the error path — CLOSE_WAIT risk when it succeeds'
    : 'Socket opened here is never closed — CLOSE_WAIT risk';
}

/** The nodes of the uses that count as closing (or, for streams Node ends itself, draining). */
export function closingNodes(uses: readonly BindingUse[], alsoConsume: boolean): TreeNode[] {
  return uses.filter((u) => u.use === 'close' || (alsoConsume && u.use === 'consume')).map((u) => u.node);
}

/** The message for a socket closed on most paths but not on an early return. */
export function earlyReturnMessage(what: string, exit: TreeNode): string {
  const word = exit.type.replace(/_statement$/, '');
  return `${what} is not closed on the ${word} at line ${exit.startRow + 1} — CLOSE_WAIT risk`;
}

/** What the findings of one acquisition share. */
export type FindingBase = Omit<LeakFinding, 'rule' | 'message'>;

/**
 * A finding of `base`, built property by property. V8 gives each `{ ...base, rule, message }` a
 * hidden class of its own (properties added after a spread copy): microseconds an object and
 * garbage besides, which a file with thousands of findings pays thousands of times.
 */
export function findingOn(base: FindingBase, rule: LeakRule, message: string, fixAt?: SourceRange, pendingFix?: PendingFix): RuleFinding {
  const f: RuleFinding = { language: base.language, range: base.range, rule, message };
  if (base.binding !== undefined) f.binding = base.binding;
  if (base.fixAt !== undefined) f.fixAt = base.fixAt;
  if (fixAt) f.fixAt = fixAt;
  if (pendingFix) f.pendingFix = pendingFix;
  return f;
}

/** `items` by `key`, each list in the items' order. */
export function groupedBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/**
 * Whether the function `scope` that opened a socket keeps it (stores it, hands it on) or has it
 * closed after it returns (a cleanup closure, a bound `s.close` given to a registry): then it lends
 * the socket it returns rather than gives it. A close called in the function itself (the failed
 * attempts of a retry loop) is not that.
 */
export function keptByOpener(uses: readonly BindingUse[], scope: TreeNode, functionTypes: ReadonlySet<string>): boolean {
  return uses.some(({ use, node }) => {
    if (use === 'store' || use === 'consume') return true;
    if (use !== 'close') return false;
    if (nearestAncestor(node, functionTypes) !== scope) return true;
    const member = node.parent;
    const call = member?.parent;
    return !call || fieldOf(call, 'function') !== member;
  });
}

/** Helpers of a file returning helpers' sockets are followed this deep. */
export const MAX_FACTORY_ROUNDS = 3;

/** How messages name a socket a helper of the file returned. */
export function factorySubject(name: string): string {
  return `Socket returned by \`${name}\` here`;
}

/** A message said of a listening socket: it has no peer to wait on in CLOSE_WAIT; what it costs left open is its port. */
export function listenerRisk(message: string): string {
  return message
    .replace(/ — CLOSE_WAIT risk when it succeeds$/, ' — it keeps its port bound when it succeeds')
    .replace(/ — CLOSE_WAIT risk$/, ' — it keeps its port bound');
}

/** The name a helper is called by: `connect` of a method `Owner.connect`. */
export function lastPart(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** A message about a socket the code opened, said of another subject where it has one (a helper's socket). */
export function saidOf(message: string, subject: string | undefined): string {
  return subject === undefined ? message : message.replace(/^Socket opened here/, subject);
}

/**
 * Whether one of `names` occurs at least twice among the words of `source` (comments and strings
 * included); a qualified name (`Owner.method`) by its last part.
 */
function mentionedTwice(source: string, qualified: ReadonlySet<string>): boolean {
  const names = new Set([...qualified].map(lastPart));
  const seen = new Set<string>();
  for (const [word] of source.matchAll(/[A-Za-z_$][\w$]*/g)) {
    if (!names.has(word)) continue;
    if (seen.has(word)) return true;
    seen.add(word);
  }
  return false;
}

/**
 * Reads a file again and again with the calls of its own socket helpers as acquisitions, until
 * no new helper turns up (one that returns another helper's socket): `read` reads it knowing
 * `helpers`, `helpersIn` names those a reading shows. A helper whose name `source` holds only once
 * (where it is defined) is called nowhere in the file: knowing it changes no reading.
 */
export function readingWithHelpers<R>(
  source: string,
  read: (helpers: ReadonlySet<string>) => R,
  helpersIn: (reading: R, known: ReadonlySet<string>) => ReadonlySet<string>,
): R {
  let helpers: ReadonlySet<string> = new Set();
  let reading = read(helpers);
  for (let round = 0; round < MAX_FACTORY_ROUNDS; round++) {
    const found = helpersIn(reading, helpers);
    const fresh = new Set([...found].filter((name) => !helpers.has(name)));
    if (fresh.size === 0 || !mentionedTwice(source, fresh)) break;
    helpers = new Set([...helpers, ...found]);
    reading = read(helpers);
  }
  return reading;
}
