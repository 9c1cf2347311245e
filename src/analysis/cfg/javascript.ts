import type { TreeNode } from '../languages/treeCopy';
import { fieldOf } from '../languages/treeCopy';
import type { Jumps, Preds } from './brace';
import { withCleanup, type ExitContext } from './cleanup';
import { CfgBuilder, type Cfg, type Effect, type StepSite, type ThrowingCall } from './graph';
import { JAVASCRIPT_APIS } from '../apis/javascript';
import { nullTestOf } from './nullTest';
import { FlagBranches } from './flagBranches';
import { lowerBound } from '../lowerBound';
import { MAX_SPLIT_CONDITIONALS, releasingBranch, type ExpressionBranch } from './expressionBranch';

/**
 * The JavaScript/TypeScript front end of the leak engine: one graph per function (or module top
 * level) over the copied tree. Sequencing, if/else, loops with labelled break/continue, switch,
 * return, throw, try/catch/finally (a copy of finally per way out). Any call or `await` between
 * acquisition and release may throw, except the socket's own event and stream methods and the
 * other quiet calls of JAVASCRIPT_APIS (Node reports socket errors as events, not exceptions).
 * What each mention of a socket does is the JavaScript rules' classification; a mention inside a
 * callback counts where the callback is made: `sock.on('error', () => sock.destroy())` releases,
 * a callback that stores or hands the socket on transfers it.
 */

export interface JsObligation {
  obligation: number;
  /** The acquiring call, or the handler parameter that receives the socket. */
  call: TreeNode;
  target: string;
  /** A handler parameter: held from the function's entry. */
  atEntry?: boolean;
  /** Other parameters that own the same socket (an upgrade's request: destroying it destroys the socket). */
  companions?: readonly string[];
}

/** What one mention of a socket does, as the rules classify it. */
export type JsMention = 'release' | 'transfer' | 'none' | { alias: string };

type Context = ExitContext;

/** Every function-like node type of the grammar family. */
export const FUNCTION_TYPES: ReadonlySet<string> = new Set([
  'function_declaration',
  'function_expression',
  'arrow_function',
  'method_definition',
  'generator_function_declaration',
  'generator_function',
  'function',
]);
/** Bodies that run later, on behalf of whoever keeps them: a mention inside counts where they are made. */
const FUNCTIONS = new Set([...FUNCTION_TYPES, 'class_declaration', 'class']);
const CALLS = new Set(['call_expression', 'new_expression', 'await_expression']);
const SKIPPED = new Set([
  'comment',
  'empty_statement',
  '{',
  '}',
  ';',
  'import_statement',
  'interface_declaration',
  'type_alias_declaration',
  'function_declaration',
  'generator_function_declaration',
  'class_declaration',
]);

export class JavaScriptCfgBuilder {
  static readonly MAX_NODES = 20_000;
  private readonly b = new CfgBuilder();
  private readonly bySite = new Map<number, JsObligation>();
  private readonly names = new Set<string>();

  private readonly atEntry: JsObligation[] = [];
  /** The function's flags (`if (tls) …`, `ok = true`; see FlagBranches). */
  private flags: FlagBranches | undefined;
  private readonly mentions = new Map<TreeNode, JsMention>();
  /** Slot ranges of conditional arms that run as branches of their own, while their statement's step is made. */
  private readonly armsApart: (readonly [number, number])[] = [];
  /** Conditional expressions split into arms so far: past {@link MAX_SPLIT_CONDITIONALS} (generated code) a statement is one step. */
  private splitConditionals = 0;
  /**
   * Functions declared in the analysed body (`function done() { sock.destroy(); }`), by name: their
   * body runs where they are called or handed on (`sock.on('error', done)`), so what it does to a
   * socket counts at each mention of the name, as an inline callback's counts where it is made.
   */
  private readonly helpers = new Map<string, { node: TreeNode; effects?: Effect[] }>();

  constructor(
    private readonly source: string,
    private readonly rowOf: (offset: number) => StepSite,
    obligations: readonly JsObligation[],
    private readonly mention: (ref: TreeNode) => JsMention,
    /** The file's identifier slots by name (TreeIndex.identifiers). */
    private readonly identifiers: ReadonlyMap<string, readonly number[]>,
  ) {
    for (const o of obligations) {
      if (o.atEntry) this.atEntry.push(o);
      else this.bySite.set(o.call.start, o);
      this.names.add(o.target);
      for (const c of o.companions ?? []) this.names.add(c);
    }
  }

  /** The graph of a function body (a block or an arrow's expression) or of a program; undefined past the budget. */
  build(body: TreeNode): Cfg | undefined {
    const ctx: Context = { throwTo: this.b.exceptionalExit, returnTo: (p) => this.connect(p, this.b.exit), jumps: [] };
    this.useFlagsOf(body);
    this.findHelpers(body);
    let start = [this.b.entry];
    if (this.atEntry.length > 0) {
      const held = this.atEntry.flatMap((o): Effect[] => [
        { kind: 'acquire', obligation: o.obligation, target: o.target },
        ...(o.companions ?? []).map((c): Effect => ({ kind: 'alias', target: c, source: o.target })),
      ]);
      const id = this.b.add('step', held, undefined, undefined, this.rowOf(this.atEntry[0]!.call.start));
      this.connect(start, id);
      start = [id];
    }
    const end =
      body.type === 'statement_block' || body.type === 'program' ? this.sequence(body.children, start, ctx) : this.simple(body, start, ctx);
    this.connect(end, this.b.exit);
    return this.b.size > JavaScriptCfgBuilder.MAX_NODES ? undefined : this.b.build();
  }

  private connect(preds: Preds, to: number): void {
    for (const p of preds) this.b.edge(p, to);
  }

  /** The function declarations of the body itself (not those inside its callbacks). */
  private findHelpers(body: TreeNode): void {
    if (!this.source.slice(body.start, body.end).includes('function')) return;
    for (let slot = body.slot + 1, end = body.subtreeEnd; slot < end; slot++) {
      const type = body.typeAt(slot);
      if (!FUNCTIONS.has(type)) continue;
      const node = body.nodeAt(slot);
      const name = type === 'function_declaration' || type === 'generator_function_declaration' ? fieldOf(node, 'name') : undefined;
      if (name) this.helpers.set(this.text(name), { node });
      slot = node.subtreeEnd - 1;
    }
  }

  /** What calling or handing on the helper at `ref` does to the sockets its body mentions: releases and transfers. */
  private helperEffects(ref: TreeNode): Effect[] {
    const helper = this.helpers.get(this.text(ref));
    if (!helper || ref.parent === helper.node) return [];
    if (!helper.effects) {
      helper.effects = [];
      const { node } = helper;
      for (const slot of this.trackedSlots(this.names, node.slot, node.subtreeEnd)) {
        const n = node.nodeAt(slot);
        const m = isAssignedName(n) ? 'none' : this.mentionOf(n);
        if (m === 'release' || m === 'transfer') helper.effects.push({ kind: m, name: this.text(n) });
      }
    }
    return helper.effects;
  }

  private useFlagsOf(body: TreeNode): void {
    if (!body.parent || body.type === 'program') return;
    this.flags = new FlagBranches(this.source, body.parent, /^!/);
  }

  private text(n: TreeNode): string {
    return this.source.slice(n.start, n.end);
  }

  private sequence(statements: readonly TreeNode[], preds: Preds, ctx: Context): Preds {
    let cur = preds;
    for (const s of statements) {
      if (cur.length === 0 || this.b.size > JavaScriptCfgBuilder.MAX_NODES) break;
      if (!SKIPPED.has(s.type)) cur = this.statement(s, cur, ctx);
    }
    return cur;
  }

  private statement(s: TreeNode, preds: Preds, ctx: Context, label?: string): Preds {
    switch (s.type) {
      case 'statement_block':
        return this.sequence(s.children, preds, ctx);
      case 'else_clause':
        return this.sequence(
          s.children.filter((c) => c.type !== 'else'),
          preds,
          ctx,
        );
      case 'labeled_statement': {
        const body = fieldOf(s, 'body');
        return body ? this.statement(body, preds, ctx, this.text(fieldOf(s, 'label') ?? s)) : preds;
      }
      case 'return_statement':
        ctx.returnTo(this.simple(s, preds, ctx, { word: 'return', site: this.rowOf(s.start) }));
        return [];
      case 'throw_statement':
        this.connect(this.simple(s, preds, ctx, { word: 'throw', site: this.rowOf(s.start) }), ctx.throwTo);
        return [];
      case 'break_statement':
      case 'continue_statement': {
        const name = fieldOf(s, 'label');
        const label = name && this.text(name);
        for (let i = ctx.jumps.length - 1; i >= 0; i--) {
          const j = ctx.jumps[i]!;
          if (label ? j.label === label : s.type === 'break_statement' || j.loop) {
            (s.type === 'break_statement' ? j.breaks : j.continues).push(...preds);
            break;
          }
        }
        return [];
      }
      case 'if_statement': {
        const condition = fieldOf(s, 'condition');
        const cur = condition ? this.simple(condition, preds, ctx) : preds;
        const consequence = fieldOf(s, 'consequence');
        const alternative = fieldOf(s, 'alternative');
        const [whenTrue, whenFalse] = [this.branchOn(condition, cur, true), this.branchOn(condition, cur, false)];
        const then = consequence ? this.statement(consequence, whenTrue, ctx) : whenTrue;
        return [...then, ...(alternative ? this.statement(alternative, whenFalse, ctx) : whenFalse)];
      }
      case 'for_statement':
      case 'for_in_statement':
      case 'while_statement':
      case 'do_statement':
        return this.loop(s, preds, ctx, label);
      case 'switch_statement':
        return this.switchStatement(s, preds, ctx, label);
      case 'try_statement':
        return this.tryStatement(s, preds, ctx);
      case 'expression_statement':
        // The program ends here: a socket still open is the kernel's to close.
        return JAVASCRIPT_APIS.processExits.test(this.text(s)) ? [] : this.simple(s, preds, ctx);
      default:
        return this.simple(s, preds, ctx);
    }
  }

  private loop(s: TreeNode, preds: Preds, ctx: Context, label?: string): Preds {
    let cur = preds;
    const init = fieldOf(s, 'initializer');
    if (init) cur = this.simple(init, cur, ctx);
    // `for (const x of xs)`: the iterable is evaluated once, before the loop.
    const iterable = s.type === 'for_in_statement' ? fieldOf(s, 'right') : undefined;
    if (iterable) cur = this.simple(iterable, cur, ctx);
    const header = this.b.add('join');
    this.connect(cur, header);
    const own: Jumps = { ...(label ? { label } : {}), loop: true, breaks: [], continues: [] };
    const inner: Context = { ...ctx, jumps: [...ctx.jumps, own] };
    const body = fieldOf(s, 'body');
    const condition = s.type === 'for_in_statement' ? undefined : fieldOf(s, 'condition');
    const conditionText = condition ? this.text(condition).replace(/^[(\s]+|[)\s;]+$/g, '') : '';
    const endless = s.type !== 'for_in_statement' && (conditionText === '' || conditionText === 'true');
    let leave: Preds;
    if (s.type === 'do_statement') {
      const end = body ? this.statement(body, [header], inner) : [header];
      const tested = condition ? this.simple(condition, [...end, ...own.continues], ctx) : [...end, ...own.continues];
      this.connect(tested, header);
      leave = endless ? [] : tested;
    } else {
      const tested = condition ? this.simple(condition, [header], ctx) : [header];
      const end = body ? this.statement(body, tested, inner) : tested;
      let back = [...end, ...own.continues];
      const update = fieldOf(s, 'increment');
      if (update) back = this.simple(update, back, ctx);
      this.connect(back, header);
      leave = endless ? [] : tested;
    }
    return [...leave, ...own.breaks];
  }

  private switchStatement(s: TreeNode, preds: Preds, ctx: Context, label?: string): Preds {
    const value = fieldOf(s, 'value');
    const start = value ? this.simple(value, preds, ctx) : preds;
    const own: Jumps = { ...(label ? { label } : {}), loop: false, breaks: [], continues: [] };
    const inner: Context = { ...ctx, jumps: [...ctx.jumps, own] };
    let fallthrough: Preds = [];
    let hasDefault = false;
    for (const c of fieldOf(s, 'body')?.children ?? []) {
      if (c.type !== 'switch_case' && c.type !== 'switch_default') continue;
      if (c.type === 'switch_default') hasDefault = true;
      // Cases fall into the next one unless they break.
      fallthrough = this.sequence(
        c.children.filter((x) => x.field === 'body'),
        [...start, ...fallthrough],
        inner,
      );
    }
    return [...(hasDefault ? [] : start), ...fallthrough, ...own.breaks];
  }

  private tryStatement(s: TreeNode, preds: Preds, ctx: Context): Preds {
    const body = fieldOf(s, 'body');
    const handler = fieldOf(s, 'handler');
    const finalizer = fieldOf(s, 'finalizer');
    const finallyBody = finalizer && fieldOf(finalizer, 'body');
    const withCatch = (p: Preds, c: Context): Preds => {
      if (!handler) return body ? this.statement(body, p, c) : p;
      const dispatch = this.b.add('join');
      const end = body ? this.statement(body, p, { ...c, throwTo: dispatch }) : p;
      const handlerBody = fieldOf(handler, 'body');
      return [...end, ...(handlerBody ? this.statement(handlerBody, [dispatch], c) : [dispatch])];
    };
    if (!finallyBody) return withCatch(preds, ctx);
    return withCleanup(this.b, preds, ctx, (q, c) => this.statement(finallyBody, q, c), withCatch);
  }

  /**
   * `cur` on the outcome `taken` of a condition: where it says the socket is unset
   * (`if (socket !== undefined) socket.end()`) there is nothing to close; a flag it tests is assumed.
   */
  private branchOn(condition: TreeNode | undefined, cur: Preds, taken: boolean): Preds {
    const test = condition && nullTestOf(this.text(condition), true, JAVASCRIPT_APIS.alreadyClosed);
    const effects: Effect[] = [];
    if (test && this.names.has(test.name) && test.nullWhen === taken) effects.push({ kind: 'drop', name: test.name });
    const assumption = this.flags?.assumption(condition, taken);
    if (assumption) effects.push(assumption);
    if (effects.length === 0) return cur;
    const id = this.b.add('step', effects);
    this.connect(cur, id);
    return [id];
  }

  /** One step for a statement or expression: its effects, and an exceptional edge when it calls something that may throw. */
  private simple(s: TreeNode, preds: Preds, ctx: Context, exitSite?: { word: string; site: StepSite }): Preds {
    if (preds.length === 0) return preds;
    const branch = this.splitConditionals < MAX_SPLIT_CONDITIONALS ? this.releasingBranch(s) : undefined;
    if (!branch) return this.ownStep(s, preds, ctx, exitSite);
    this.splitConditionals++;
    // A close in one arm of `ok && sock.end()` or `ok ? sock.end() : 0`: the arms first, each on
    // its own path, then the statement's own step without them.
    const { condition, arms } = branch;
    const ends = arms.flatMap(({ taken, body }) => {
      const p = taken === undefined ? preds : this.branchOn(condition, preds, taken);
      return body ? this.simple(body, p, ctx) : p;
    });
    const apart = arms.flatMap(({ body }) => (body ? [[body.slot, body.subtreeEnd] as const] : []));
    this.armsApart.push(...apart);
    try {
      return this.ownStep(s, ends, ctx, exitSite);
    } finally {
      this.armsApart.length -= apart.length;
    }
  }

  private ownStep(s: TreeNode, preds: Preds, ctx: Context, exitSite?: { word: string; site: StepSite }): Preds {
    const effects = this.effectsOf(s);
    const call = this.throwingCall(s, effects);
    const id = this.b.add('step', effects, call, exitSite, effects.length > 0 ? this.rowOf(s.start) : undefined);
    this.connect(preds, id);
    if (call) this.b.throwEdge(id, ctx.throwTo);
    return [id];
  }

  /** The outermost conditional expression of `s` with a close of a socket in one arm (see releasingBranch). */
  private releasingBranch(s: TreeNode): ExpressionBranch<TreeNode> | undefined {
    return releasingBranch(
      s,
      this.source,
      FUNCTIONS,
      () =>
        this.trackedSlots(this.names, s.slot, s.subtreeEnd)
          .map((slot) => s.nodeAt(slot))
          .filter((n) => !isAssignedName(n) && this.mentionOf(n) === 'release'),
      (arm) => this.binds(arm),
    );
  }

  /** Whether an acquisition or an alias of a socket is made in `n`. */
  private binds(n: TreeNode): boolean {
    for (const o of this.bySite.values()) if (o.call.start >= n.start && o.call.end <= n.end) return true;
    return this.trackedSlots(this.names, n.slot, n.subtreeEnd).some((slot) => {
      const m = isAssignedName(n.nodeAt(slot)) ? 'none' : this.mentionOf(n.nodeAt(slot));
      return typeof m === 'object';
    });
  }

  /** What the statement does to the sockets it mentions, in source order; acquisitions and plain assignments last. */
  private effectsOf(s: TreeNode): Effect[] {
    const effects: Effect[] = [];
    const assigned: { name: string; acquired?: JsObligation }[] = [];
    const end = s.subtreeEnd;
    // Only the tracked names' slots in the statement's subtree become nodes: any other name neither holds a socket nor is assigned one here.
    const slots = this.trackedSlots(this.names, s.slot, end);
    effects.push(...this.flagSettings(s));
    for (let i = 0; i < slots.length; i++) {
      const n = s.nodeAt(slots[i]!);
      const name = this.text(n);
      if (isAssignedName(n)) assigned.push({ name, acquired: this.acquiredInto(n) });
      else {
        const m = this.mentionOf(n);
        if (m === 'release' || m === 'transfer') effects.push({ kind: m, name });
        else if (m !== 'none') {
          // An alias made here is a tracked name from here on, in this statement too.
          if (!this.names.has(m.alias)) {
            this.names.add(m.alias);
            const later = this.trackedSlots([m.alias], slots[i]! + 1, end);
            if (later.length > 0) slots.splice(i + 1, slots.length, ...mergeSorted(slots.slice(i + 1), later));
          }
          effects.push({ kind: 'alias', target: m.alias, source: name });
        }
      }
    }
    if (this.helpers.size > 0)
      for (const slot of this.trackedSlots(this.helpers.keys(), s.slot, end)) effects.push(...this.helperEffects(s.nodeAt(slot)));
    if (assigned.length === 0) return effects;
    const aliased = new Set(effects.flatMap((e) => (e.kind === 'alias' ? [e.target] : [])));
    for (const { name, acquired } of assigned) {
      if (acquired) {
        effects.unshift({ kind: 'acquire', obligation: acquired.obligation, target: name });
      } else if (!aliased.has(name)) effects.push({ kind: 'kill', name });
    }
    return effects;
  }

  /** `ok = true` in the statement: the flag's new value; in a closure of it, unknown from here on. */
  private flagSettings(s: TreeNode): Effect[] {
    const flags = this.flags?.literalFlags();
    if (!flags || flags.size === 0) return [];
    const out: Effect[] = [];
    for (const slot of this.trackedSlots(flags, s.slot, s.subtreeEnd)) {
      const n = s.nodeAt(slot);
      if (!isAssignedName(n)) continue;
      const name = this.text(n);
      let inClosure = false;
      for (let p = n.parent; p && p.start >= s.start && p.end <= s.end && !inClosure; p = p.parent) inClosure = FUNCTION_TYPES.has(p.type);
      const set = this.flags!.setting(name, n.end);
      if (set) out.push(inClosure ? { kind: 'set', name } : set);
    }
    return out;
  }

  /** The slots in [from, end) of identifiers spelled as one of `names`, ascending; none in the arms set apart. */
  private trackedSlots(names: Iterable<string>, from: number, end: number): number[] {
    let out: number[] = [];
    for (const name of names) {
      const all = this.identifiers.get(name);
      if (!all) continue;
      const mine: number[] = [];
      for (let i = lowerBound(all, from); i < all.length && all[i]! < end; i++) if (!this.apart(all[i]!)) mine.push(all[i]!);
      out = out.length === 0 ? mine : mergeSorted(out, mine);
    }
    return out;
  }

  /** The end of the arm set apart that holds `slot`, or 0. */
  private apart(slot: number): number {
    for (const [from, end] of this.armsApart) if (slot >= from && slot < end) return end;
    return 0;
  }

  /** The rules' reading of a mention, once per mention: a finally block is walked once per way out of its try. */
  private mentionOf(ref: TreeNode): JsMention {
    let m = this.mentions.get(ref);
    if (m === undefined) this.mentions.set(ref, (m = this.mention(ref)));
    return m;
  }

  /** The acquisition whose socket the assignment at `name` binds. */
  private acquiredInto(name: TreeNode): JsObligation | undefined {
    const holder = name.parent!;
    const value = fieldOf(holder, holder.type === 'variable_declarator' ? 'value' : 'right');
    let v = value;
    // `<Socket>net.connect(…)` puts its type first.
    while (v && TRANSPARENT.has(v.type)) v = v.children.find((c) => c.type !== '(' && c.type !== 'await' && c.type !== 'type_arguments');
    const o = v && this.bySite.get(v.start);
    return o && o.call === v && o.target === this.text(name) ? o : undefined;
  }

  /** The first call of the statement (outside callbacks) that may throw, named for the message. */
  private throwingCall(s: TreeNode, effects: readonly Effect[]): ThrowingCall | undefined {
    for (let slot = s.slot, end = s.subtreeEnd; slot < end; slot++) {
      const armEnd = this.armsApart.length > 0 ? this.apart(slot) : 0;
      if (armEnd > 0) {
        slot = armEnd - 1;
        continue;
      }
      const type = s.typeAt(slot);
      // A callback's calls run later: skip its subtree.
      if (FUNCTIONS.has(type)) {
        slot = s.nodeAt(slot).subtreeEnd - 1;
        continue;
      }
      if (!CALLS.has(type)) continue;
      const n = s.nodeAt(slot);
      if (!this.quiet(n)) {
        const release = effects.some((e) => e.kind === 'release');
        const handedOn = effects.some((e) => e.kind === 'transfer') && !effects.some((e) => e.kind === 'acquire');
        const callee = n.type === 'await_expression' ? undefined : fieldOf(n, n.type === 'new_expression' ? 'constructor' : 'function');
        const object = callee?.type === 'member_expression' ? fieldOf(callee, 'object') : undefined;
        const property = callee?.type === 'member_expression' ? fieldOf(callee, 'property') : undefined;
        const name =
          n.type === 'await_expression'
            ? this.awaited(n)
            : n.type === 'new_expression'
              ? `new ${this.text(callee ?? n)}`
              : this.text(property ?? callee ?? n);
        return {
          call: name,
          site: this.rowOf(n.start),
          ...(release || handedOn ? { effectsFirst: true } : {}),
          ...(release ? { release: true } : {}),
          ...(object?.type === 'identifier' ? { receiver: this.text(object) } : {}),
        };
      }
    }
    return undefined;
  }

  /** `await read(sock)` is named by its call; `await promise` by the word. */
  private awaited(n: TreeNode): string {
    const inner = n.children.find((c) => c.type !== 'await');
    if (inner?.type !== 'call_expression') return 'await';
    const fn = fieldOf(inner, 'function');
    return this.text((fn?.type === 'member_expression' ? fieldOf(fn, 'property') : fn) ?? inner);
  }

  private quiet(call: TreeNode): boolean {
    if (call.type === 'await_expression') {
      // `await once(sock, 'connect')` rejects only on the socket's 'error', after which Node has destroyed it.
      const inner = call.children.find((c) => c.type !== 'await');
      return (inner?.type === 'call_expression' || inner?.type === 'new_expression') && this.quiet(inner);
    }
    const fn = fieldOf(call, call.type === 'new_expression' ? 'constructor' : 'function');
    if (!fn) return false;
    // The acquisition itself: if it throws, it acquired nothing (and a wrapper given a socket does not throw for its options).
    if (this.bySite.get(call.start)?.call === call) return true;
    if (call.type === 'new_expression') return JAVASCRIPT_APIS.pure.has(this.text(fn));
    if (fn.type !== 'member_expression') return JAVASCRIPT_APIS.pure.has(this.text(fn));
    const object = fieldOf(fn, 'object');
    const method = this.text(fieldOf(fn, 'property') ?? fn);
    if (object && JAVASCRIPT_APIS.loggers.test(this.text(object))) return true;
    return JAVASCRIPT_APIS.pureMethods.has(method);
  }
}

/** Nodes that pass a value through unchanged. */
export const TRANSPARENT: ReadonlySet<string> = new Set([
  'parenthesized_expression',
  'as_expression',
  'non_null_expression',
  'satisfies_expression',
  'type_assertion',
  'await_expression',
]);

/** Two ascending lists as one. */
function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!);
  return out;
}

/** A plain identifier that a declaration or assignment binds. */
function isAssignedName(n: TreeNode): boolean {
  const p = n.parent;
  if (!p || n.type !== 'identifier') return false;
  if (p.type === 'variable_declarator') return n.field === 'name';
  return p.type === 'assignment_expression' && n.field === 'left';
}
