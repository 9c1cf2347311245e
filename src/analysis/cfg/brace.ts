import type { LightNode } from '../languages/cFamilyTree';
import type { Use } from '../languages/cFamilyEngine';
import type { ExitContext } from './cleanup';
import { CfgBuilder, type Effect, type StepSite, type ThrowingCall } from './graph';
import { nullTestOf, type ClosedTest } from './nullTest';
import { FlagBranches } from './flagBranches';
import { MAX_SPLIT_CONDITIONALS, releasingBranch, someNode } from './expressionBranch';

/**
 * What the front ends of the brace languages (Go, Java) share over the copied syntax tree: the
 * plumbing of steps and edges, break/continue targets, and the effects of one simple statement,
 * read from the language rules' own `use` classification of each mention of a socket.
 */

export interface TreeObligation {
  obligation: number;
  /** The acquiring call or constructor. */
  site: LightNode;
  /** The local name it is bound to. */
  target: string;
}

export type Preds = number[];

export interface Jumps {
  label?: string;
  /** Loops take `continue`; switch and select take only `break`. */
  loop: boolean;
  breaks: Preds;
  continues: Preds;
}

/** The parts of a loop statement, as each grammar names them. */
export interface LoopParts {
  inits: readonly LightNode[];
  condition?: LightNode;
  /** `while (true)`, `for (;;)`: left only by break, return or throw. */
  endless: boolean;
  body?: LightNode;
  updates: readonly LightNode[];
  label?: string;
}

/** A front end's statement walk, given the context of the statement. */
type InContext = (statement: LightNode, preds: Preds, ctx: ExitContext) => Preds;

/**
 * Whether calling the file's own method or constructor `name` with `arity` arguments cannot throw:
 * every definition of that name and arity is visible and throws nothing (see `bodyMayThrow`).
 */
export type LocalQuiet = (name: string, arity: number) => boolean;

export abstract class BraceCfgBuilder {
  /** Generated code: beyond this the statement rules take the function. */
  static readonly MAX_NODES = 20_000;
  protected readonly b = new CfgBuilder();
  protected readonly names = new Set<string>();
  private readonly bySite = new Map<number, TreeObligation>();
  /** The function's flags (`if (tls) …`, `ok = true`), once {@link useFlagsOf} ran. */
  private flags: FlagBranches | undefined;
  /** Arms of a conditional expression that run as branches of their own, while their statement's step is made. */
  private readonly armsApart = new Set<LightNode>();
  /** Conditional expressions split into arms so far: past {@link MAX_SPLIT_CONDITIONALS} (generated code) a statement is one step. */
  private splitConditionals = 0;

  constructor(
    protected readonly source: string,
    private readonly use: (name: LightNode, source: string) => Use,
    obligations: readonly TreeObligation[],
    protected readonly localQuiet: LocalQuiet = () => false,
  ) {
    for (const o of obligations) {
      this.names.add(o.target);
      this.bySite.set(o.site.start, o);
    }
  }

  /**
   * Reads the flags of the function whose body is `body`: tests of one take only the paths that
   * agree with what the path set or tested before (see FlagBranches).
   */
  protected useFlagsOf(body: LightNode): void {
    if (body.parent) this.flags = new FlagBranches(this.source, body.parent, /^!/);
  }

  /** `cur` on the outcome `taken` of an if's condition, with what it says of a flag. */
  protected assumed(condition: LightNode | undefined, cur: Preds, taken: boolean): Preds {
    const assumption = this.flags?.assumption(condition, taken);
    return assumption ? this.step(cur, [assumption]) : cur;
  }

  /** An identifier that the statement assigns or declares (left of `=`, `:=`, a declarator's name). */
  protected abstract isAssignedName(n: LightNode): boolean;
  /** A node that names a variable (C++ also reads `Guard g(fd);`'s `fd`, parsed as a type). */
  protected isName(n: LightNode): boolean {
    return n.type === 'identifier';
  }

  /** Node types whose body runs later, on behalf of whoever keeps it (closures, lambdas, anonymous classes). */
  protected abstract readonly closures: ReadonlySet<string>;
  /** A statement that ends the program (`System.exit(1)`): nothing leaks past it. */
  protected readonly processExit: RegExp | undefined = undefined;
  /** The language's tests that a socket was closed already (`s.isClosed()`). */
  protected readonly closedTests: readonly ClosedTest[] = [];

  protected get oversized(): boolean {
    return this.b.size > BraceCfgBuilder.MAX_NODES;
  }

  protected connect(preds: Preds, to: number): void {
    for (const p of preds) this.b.edge(p, to);
  }

  protected step(
    preds: Preds,
    effects: Effect[],
    exitSite?: { word: string; site: StepSite },
    throws?: { call: ThrowingCall; to: number },
  ): Preds {
    if (preds.length === 0) return preds;
    const id = this.b.add('step', effects, throws?.call, exitSite);
    this.connect(preds, id);
    if (throws) this.b.throwEdge(id, throws.to);
    return [id];
  }

  /** The nodes of a statement that run as it runs: not those in the body of a closure it makes. */
  protected nodesRunIn(s: LightNode): LightNode[] {
    const out: LightNode[] = [];
    const stack = [s];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.closures.has(n.type)) continue;
      out.push(n);
      for (const c of n.children) stack.push(c);
    }
    return out;
  }

  protected text(n: LightNode): string {
    return this.source.slice(n.start, n.end);
  }

  protected site(n: LightNode): StepSite {
    return { line: n.startRow, column: n.startColumn };
  }

  /**
   * A while/for/foreach/do loop: the header joins the way in with the way back (the end of the
   * body, `continue`, the update); it is left when the condition fails (never for an endless one)
   * or by `break`.
   */
  protected loopOf(
    s: LightNode,
    preds: Preds,
    parts: LoopParts,
    evaluate: (n: LightNode, preds: Preds) => Preds,
    runBody: (body: LightNode, preds: Preds, own: Jumps) => Preds,
  ): Preds {
    let cur = preds;
    for (const init of parts.inits) cur = evaluate(init, cur);
    const header = this.b.add('join');
    this.connect(cur, header);
    const own: Jumps = { ...(parts.label ? { label: parts.label } : {}), loop: true, breaks: [], continues: [] };
    const { condition, body, endless } = parts;
    // `while ((s = ss.accept()) != null)`: the loop is left where the test says there is no socket.
    if (s.type === 'do_statement') {
      const end = body ? runBody(body, [header], own) : [header];
      const tested = condition ? evaluate(condition, [...end, ...own.continues]) : [...end, ...own.continues];
      this.connect(this.refinedBy(condition, tested, true), header);
      return [...(endless ? [] : this.refinedBy(condition, tested, false)), ...own.breaks];
    }
    const tested = condition ? evaluate(condition, [header]) : [header];
    const end = body ? runBody(body, this.refinedBy(condition, tested, true), own) : tested;
    let back = [...end, ...own.continues];
    for (const update of parts.updates) back = evaluate(update, back);
    this.connect(back, header);
    return [...(endless ? [] : this.refinedBy(condition, tested, false)), ...own.breaks];
  }

  /** A loop where calls may throw (Java, C#): its condition and updates are steps with an edge to the handler of `ctx`. */
  protected loopInContext(s: LightNode, preds: Preds, ctx: ExitContext, parts: LoopParts, statement: InContext): Preds {
    const step = (n: LightNode, p: Preds) => this.throwingStep(n, p, ctx.throwTo);
    return this.loopOf(s, preds, parts, step, (b, p, own) => statement(b, p, { ...ctx, jumps: [...ctx.jumps, own] }));
  }

  /** An if/else where calls may throw (Java, C#): the condition is a step with an edge to the handler of `ctx`. */
  protected ifInContext(s: LightNode, preds: Preds, ctx: ExitContext, statement: InContext): Preds {
    return this.ifWithNullTest(
      s,
      preds,
      (c, p) => this.throwingStep(c, p, ctx.throwTo),
      (b, p) => statement(b, p, ctx),
    );
  }

  /** `while (true)`, `for (;;)`: no condition, or the literal true. */
  protected endless(condition: LightNode | undefined): boolean {
    return !condition || /^\(?\s*true\s*\)?$/.test(this.text(condition));
  }

  /**
   * An if/else whose condition may test the socket against null (`s == null`, `s != null`): the
   * branch on which it is null holds nothing.
   */
  protected ifWithNullTest(
    s: LightNode,
    preds: Preds,
    evaluate: (condition: LightNode, preds: Preds) => Preds,
    branch: (statement: LightNode, preds: Preds) => Preds,
  ): Preds {
    const condition = s.children.find((c) => c.field === 'condition');
    const cur = condition ? evaluate(condition, preds) : preds;
    const consequence = s.children.find((c) => c.field === 'consequence');
    const alternative = s.children.find((c) => c.field === 'alternative');
    const whenTrue = this.assumed(condition, this.refinedBy(condition, cur, true), true);
    const whenFalse = this.assumed(condition, this.refinedBy(condition, cur, false), false);
    const then = consequence ? branch(consequence, whenTrue) : whenTrue;
    return [...then, ...(alternative ? branch(alternative, whenFalse) : whenFalse)];
  }

  /**
   * The paths `cur` on the outcome `taken` of `condition`: where that outcome says the socket is
   * null or closed already, its obligations are dropped; where it says it is not connected, so
   * are those that need a connection.
   */
  protected refinedBy(condition: LightNode | undefined, cur: Preds, taken: boolean): Preds {
    const text = condition && this.text(condition);
    if (!text) return cur;
    const test = nullTestOf(text, false, this.closedTests);
    if (test && this.names.has(test.name) && taken === test.nullWhen) return this.step(cur, [{ kind: 'drop', name: test.name }]);
    const state = this.stateTest(text);
    if (state && this.names.has(state.name) && taken !== state.connectedWhen)
      return this.step(cur, [{ kind: 'disconnected', name: state.name }]);
    return cur;
  }

  /** A test of the socket's own connection state (`s.Connected`), and on which outcome it is connected. */
  protected stateTest(_condition: string): { name: string; connectedWhen: boolean } | undefined {
    return undefined;
  }

  /** return, throw, break, continue and a process exit where calls may throw (Java, C#); undefined for any other statement. */
  protected jumpStatement(s: LightNode, preds: Preds, ctx: ExitContext, labelType: string): Preds | undefined {
    switch (s.type) {
      case 'return_statement':
        ctx.returnTo(this.throwingStep(s, preds, ctx.throwTo, { word: 'return', site: this.site(s) }));
        return [];
      case 'throw_statement':
        this.connect(this.throwingStep(s, preds, ctx.throwTo, { word: 'throw', site: this.site(s) }), ctx.throwTo);
        return [];
      case 'expression_statement':
        return this.processExit?.test(this.text(s)) ? [] : undefined;
      case 'break_statement':
      case 'continue_statement': {
        const target = this.jumpTarget(s, ctx.jumps, labelType);
        if (target) (s.type === 'break_statement' ? target.breaks : target.continues).push(...preds);
        return [];
      }
      default:
        return undefined;
    }
  }

  /** One step for a statement: its effects, and an exceptional edge to `throwTo` when it calls something that may throw. */
  protected throwingStep(s: LightNode, preds: Preds, throwTo: number, exitSite?: { word: string; site: StepSite }): Preds {
    return this.withArms(
      s,
      preds,
      (arm, p) => this.throwingStep(arm, p, throwTo),
      (p) => {
        const effects = this.effectsOf(s);
        const call = this.throwingCall(s, effects);
        return this.step(p, effects, exitSite, call ? { call, to: throwTo } : undefined);
      },
    );
  }

  /** One step for a statement where calls do not throw (C, Go). */
  protected plainStep(s: LightNode, preds: Preds, exitSite?: { word: string; site: StepSite }): Preds {
    return this.withArms(
      s,
      preds,
      (arm, p) => this.plainStep(arm, p),
      (p) => this.step(p, this.effectsOf(s), exitSite),
    );
  }

  /**
   * A statement with a close in one arm of a conditional expression (`ok && s.close()`,
   * `ok ? close(fd) : 0`): the arms first, each on its own path (refined by the condition as an
   * if's branches are), then the statement's own step without them.
   */
  private withArms(s: LightNode, preds: Preds, arm: (body: LightNode, p: Preds) => Preds, own: (p: Preds) => Preds): Preds {
    const branch =
      preds.length > 0 &&
      this.splitConditionals < MAX_SPLIT_CONDITIONALS &&
      releasingBranch(
        s,
        this.source,
        this.closures,
        () => this.releasesIn(s),
        (arm) => someNode(arm, (n) => this.bySite.get(n.start)?.site === n || this.mentionUse(n) === 'alias'),
      );
    if (!branch) return own(preds);
    this.splitConditionals++;
    const { condition, arms } = branch;
    const ends = arms.flatMap(({ taken, body }) => {
      const p = taken === undefined ? preds : this.assumed(condition, this.refinedBy(condition, preds, taken), taken);
      return body ? arm(body, p) : p;
    });
    const bodies = arms.flatMap((a) => (a.body ? [a.body] : []));
    for (const b of bodies) this.armsApart.add(b);
    try {
      return own(ends);
    } finally {
      for (const b of bodies) this.armsApart.delete(b);
    }
  }

  /** The mentions in `s` that close a tracked socket, outside the closures it makes. */
  private releasesIn(s: LightNode): LightNode[] {
    const out: LightNode[] = [];
    const stack = [s];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n !== s && this.closures.has(n.type)) continue;
      if (this.mentionUse(n) === 'release') out.push(n);
      for (const c of n.children) stack.push(c);
    }
    return out;
  }

  /** What a node does to a tracked socket, if it is a mention of one that closes or aliases it. */
  private mentionUse(n: LightNode): 'release' | 'alias' | undefined {
    if (!this.isName(n) || this.isAssignedName(n) || !this.names.has(this.text(n))) return undefined;
    const kind = this.use(n, this.source).kind;
    if (kind === 'close' || kind === 'close-on-error-path') return 'release';
    return kind === 'alias' ? 'alias' : undefined;
  }

  /**
   * Whether a method body may throw: a `throw`, or a call that may (not a quiet call by the
   * language's table, nor a quiet method of the file). Closures in it run later, not here.
   */
  bodyMayThrow(body: LightNode): boolean {
    if (this.throwingCall(body, []) !== undefined) return true;
    const stack = [body];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.type === 'throw_statement' || n.type === 'throw_expression') return true;
      if (!this.closures.has(n.type)) for (const c of n.children) stack.push(c);
    }
    return false;
  }

  /** Languages whose calls may throw name the first such call of a statement. */
  protected throwingCall(_s: LightNode, _effects: readonly Effect[]): ThrowingCall | undefined {
    return undefined;
  }

  /**
   * The first call of the statement that may throw (`throws` says which do), named for the message
   * by `describe`; none inside a closure's body, which runs later.
   */
  protected firstThrowingCall(
    s: LightNode,
    effects: readonly Effect[],
    throws: (n: LightNode) => boolean,
    describe: (call: LightNode) => { call: string; object?: LightNode },
  ): ThrowingCall | undefined {
    const stack = [s];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.closures.has(n.type) || this.armsApart.has(n)) continue;
      if (throws(n)) {
        const release = effects.some((e) => e.kind === 'release');
        // A constructor or method given the socket owns it from then on, even if a later call of the statement throws.
        // Not when the statement also acquires (`s = factory.createSocket(s, …)`): a wrapper that throws was never made.
        const handedOn = effects.some((e) => e.kind === 'transfer') && !effects.some((e) => e.kind === 'acquire');
        const { call, object } = describe(n);
        return {
          call,
          site: this.site(n),
          // A close that throws has still released; an acquisition that throws has acquired nothing.
          ...(release || handedOn ? { effectsFirst: true } : {}),
          ...(release ? { release: true } : {}),
          ...(object?.type === 'identifier' ? { receiver: this.text(object) } : {}),
        };
      }
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
    return undefined;
  }

  protected jumpTarget(s: LightNode, jumps: readonly Jumps[], labelType: string): Jumps | undefined {
    const label = s.children.find((c) => c.type === labelType);
    const name = label && this.text(label);
    for (let i = jumps.length - 1; i >= 0; i--) {
      const j = jumps[i]!;
      if (name ? j.label === name : s.type === 'break_statement' || j.loop) return j;
    }
    return undefined;
  }

  /**
   * What a statement does to the sockets it mentions, in source order; assignments last.
   * `partner` names the error variable assigned beside an acquisition (Go's `err`), tracked as `?err`.
   */
  protected effectsOf(s: LightNode, partner?: (s: LightNode) => string | undefined): Effect[] {
    const effects: Effect[] = [];
    const assigned: string[] = [];
    const flagSets: Effect[] = [];
    const acquired = new Map<string, TreeObligation>();
    const stack: { node: LightNode; closure: boolean }[] = [{ node: s, closure: false }];
    const mentions: { node: LightNode; closure: boolean }[] = [];
    while (stack.length > 0) {
      const { node, closure } = stack.pop()!;
      if (this.armsApart.has(node)) continue;
      const o = this.bySite.get(node.start);
      if (o && node === o.site) acquired.set(o.target, o);
      if (this.isName(node)) {
        const name = this.text(node);
        if (this.isAssignedName(node)) {
          if (name !== '_') assigned.push(name);
          // A closure sets it when it runs, which may be any time: unknown from here on.
          const set = this.flags?.setting(name, node.end);
          if (set) flagSets.push(closure ? { kind: 'set', name } : set);
        } else if (this.names.has(name)) mentions.push({ node, closure });
        continue;
      }
      const inner = closure || this.closures.has(node.type);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i]!, closure: inner });
    }
    const aliases = new Set<string>();
    for (const { node, closure } of mentions) {
      const name = this.text(node);
      const use = this.use(node, this.source);
      if (use.kind === 'close' || use.kind === 'close-on-error-path') effects.push({ kind: 'release', name });
      // A closure (goroutine, callback, `defer func(){…}()`, lambda) that keeps the socket owns it from here on.
      // A stream of it given to a call is the summaries' to judge when the callee is the file's (then no graph is used).
      else if (closure || use.kind === 'escape' || (use.kind === 'call' && !use.stream)) effects.push({ kind: 'transfer', name });
      else if (use.kind === 'alias') {
        const target = this.text(use.binding);
        this.names.add(target);
        aliases.add(target);
        effects.push({ kind: 'alias', target, source: name });
      }
    }
    const errorOf = acquired.size > 0 ? partner?.(s) : undefined;
    for (const name of assigned) {
      const o = acquired.get(name);
      if (o) {
        // The old `err` first: a socket from the previous turn of a loop then has `name` as its last holder, and is lost here.
        if (errorOf) effects.push({ kind: 'kill', name: ERROR_PARTNER + errorOf });
        effects.push({ kind: 'acquire', obligation: o.obligation, target: name });
        if (errorOf) effects.push({ kind: 'alias', target: ERROR_PARTNER + errorOf, source: name });
      } else if (!aliases.has(name)) {
        if (this.names.has(name)) effects.push({ kind: 'kill', name });
        // A new value of `err` no longer says whether an earlier acquisition failed.
        if (partner && name !== errorOf) effects.push({ kind: 'kill', name: ERROR_PARTNER + name });
      }
    }
    effects.push(...flagSets);
    return effects;
  }
}

/** The error variable paired with an acquisition is tracked as this holder: `?err`. */
export const ERROR_PARTNER = '?';
