import type { LightNode } from '../languages/cFamilyTree';
import { BraceCfgBuilder, type Jumps, type Preds } from './brace';
import { withCleanup, type ExitContext } from './cleanup';
import type { Cfg, Effect, StepSite, ThrowingCall } from './graph';
import { CSHARP_APIS } from '../apis/csharp';
import { isQuietCall, isQuietType } from '../apis/quiet';

/**
 * The C# front end of the leak engine: one graph per method, constructor, local function or
 * lambda body. Any call, constructor or `await` may throw, so a statement with one gets an
 * exceptional edge to the innermost handler: the catch clauses of its `try`, else a copy of its
 * `finally`, else the method's exceptional exit. `using` (statement or declaration) disposes on
 * every way out, exceptions included, so it releases where it is written. Paths: if/else chains,
 * loops with break/continue, switch sections, goto to a label, return, throw, lock.
 */

const CALLS = new Set(['invocation_expression', 'object_creation_expression', 'await_expression']);
const SKIPPED = new Set(['comment', ';', '{', '}', 'local_function_statement', 'class_declaration']);
const LOOPS = new Set(['while_statement', 'for_statement', 'foreach_statement', 'do_statement']);

type Context = ExitContext;

export class CSharpCfgBuilder extends BraceCfgBuilder {
  protected readonly closures: ReadonlySet<string> = new Set([
    'lambda_expression',
    'anonymous_method_expression',
    'local_function_statement',
  ]);
  protected override readonly processExit = CSHARP_APIS.processExits;
  private readonly labels = new Map<string, number>();

  build(body: LightNode): Cfg | undefined {
    const ctx: Context = { throwTo: this.b.exceptionalExit, returnTo: (p) => this.connect(p, this.b.exit), jumps: [] };
    this.useFlagsOf(body);
    // An expression body (`=> expr`, a lambda's expression) is one statement.
    const end = body.type === 'block' ? this.sequence(body.children, [this.b.entry], ctx) : this.simple(body, [this.b.entry], ctx);
    this.connect(end, this.b.exit);
    return this.oversized ? undefined : this.b.build();
  }

  protected isAssignedName(n: LightNode): boolean {
    const p = n.parent;
    if (!p || n.field === null) return false;
    if (p.type === 'variable_declarator' || p.type === 'catch_declaration' || p.type === 'foreach_statement')
      return n.field === 'name' || n.field === 'left';
    return p.type === 'assignment_expression' && n.field === 'left';
  }

  /**
   * `using var r = new StreamReader(c.GetStream())`: the alias is disposed on every way out of its
   * block. `s.Connect(ep)` (or `EndConnect` handed to `FromAsync`) that returns leaves `s` connected.
   */
  protected effectsOf(s: LightNode): Effect[] {
    const effects = [...super.effectsOf(s), ...this.connectsIn(s).map((name): Effect => ({ kind: 'connect', name }))];
    if (s.type !== 'local_declaration_statement' || !/^(await\s+)?using\b/.test(this.text(s))) return effects;
    return [...effects, ...effects.flatMap((e) => (e.kind === 'alias' ? [{ kind: 'release', name: e.target } as Effect] : []))];
  }

  /** The sockets a statement connects: `s.Connect(…)`, `s.ConnectAsync(…)`, `s.EndConnect` (outside closures). */
  private connectsIn(s: LightNode): string[] {
    const out: string[] = [];
    if (this.names.size === 0) return out;
    for (const n of this.nodesRunIn(s)) {
      if (n.type !== 'member_access_expression') continue;
      const object = n.children.find((c) => c.field === 'expression');
      const name = n.children.find((c) => c.field === 'name');
      const socket = object?.type === 'identifier' ? this.text(object) : undefined;
      if (socket && this.names.has(socket) && name && CSHARP_APIS.connects.has(this.text(name))) out.push(socket);
    }
    return out;
  }

  /** `s.Connected`, `!s.Connected`. */
  protected stateTest(condition: string): { name: string; connectedWhen: boolean } | undefined {
    const m = /^\(?\s*(!\s*)?(\w+)\.(\w+)\s*\)?$/.exec(condition.trim());
    return m && CSHARP_APIS.connectedStates.has(m[3]!) ? { name: m[2]!, connectedWhen: !m[1] } : undefined;
  }

  private label(name: string): number {
    let id = this.labels.get(name);
    if (id === undefined) this.labels.set(name, (id = this.b.add('join')));
    return id;
  }

  private sequence(statements: readonly LightNode[], preds: Preds, ctx: Context): Preds {
    let cur = preds;
    for (const s of statements) {
      if (this.oversized) break;
      if (cur.length === 0 && s.type !== 'labeled_statement') continue; // unreachable until a label
      if (!SKIPPED.has(s.type)) cur = this.statement(s, cur, ctx);
    }
    return cur;
  }

  private statement(s: LightNode, preds: Preds, ctx: Context, label?: string): Preds {
    const child = (field: string) => s.children.find((c) => c.field === field);
    switch (s.type) {
      case 'block':
        return this.sequence(s.children, preds, ctx);
      case 'labeled_statement': {
        const name = s.children.find((c) => c.type === 'identifier');
        const at = name ? this.label(this.text(name)) : this.b.add('join');
        this.connect(preds, at);
        const inner = s.children.find((c) => c !== name && !SKIPPED.has(c.type));
        return inner ? this.statement(inner, [at], ctx, name && this.text(name)) : [at];
      }
      case 'goto_statement': {
        const name = s.children.find((c) => c.type === 'identifier');
        // `goto case`/`goto default` stay in the switch: taken as its end.
        if (name) this.connect(this.step(preds, []), this.label(this.text(name)));
        return name ? [] : preds;
      }
      case 'yield_statement': {
        const end = this.simple(s, preds, ctx, { word: 'yield', site: this.site(s) });
        if (!/^yield\s+break\b/.test(this.text(s))) return end;
        ctx.returnTo(end);
        return [];
      }
      case 'if_statement':
        return this.ifInContext(s, preds, ctx, (b, p, c) => this.statement(b, p, c));
      case 'switch_statement':
        return this.switchStatement(s, preds, ctx);
      case 'try_statement':
        return this.tryStatement(s, preds, ctx);
      case 'using_statement': {
        // The resource is disposed on every way out of the body: released here, where it is taken.
        const body = child('body');
        const resource = s.children.filter((c) => c !== body && !SKIPPED.has(c.type));
        const cur = resource.reduce((p, r) => this.simple(r, p, ctx), preds);
        return body ? this.statement(body, cur, ctx) : cur;
      }
      case 'lock_statement':
      case 'checked_statement':
      case 'unsafe_statement':
      case 'fixed_statement': {
        const body = s.children.find((c) => c.type === 'block') ?? child('body');
        const head = s.children.filter((c) => c !== body && !SKIPPED.has(c.type));
        const cur = head.reduce((p, h) => this.simple(h, p, ctx), preds);
        return body ? this.statement(body, cur, ctx) : cur;
      }
      case 'preproc_if':
      case 'preproc_elif':
      case 'preproc_else':
        return this.compiledAlternatives(s, preds, ctx);
      default:
        if (LOOPS.has(s.type)) return this.loop(s, preds, ctx, label);
        // return, throw, break, continue; C# has no labelled break or continue: the innermost loop (or switch, for break) takes it.
        return this.jumpStatement(s, preds, ctx, 'identifier') ?? this.simple(s, preds, ctx);
    }
  }

  /**
   * `#if … #elif … #else … #endif`: only one branch is compiled, so each is a path of its own
   * (`var client = …` in both is not one socket overwriting the other); without `#else`, none may be.
   */
  private compiledAlternatives(s: LightNode, preds: Preds, ctx: Context): Preds {
    const branch = s.children.filter((c) => !c.field);
    const taken = this.sequence(branch, preds, ctx);
    if (s.type === 'preproc_else') return taken;
    const next = s.children.find((c) => c.field === 'alternative');
    return [...taken, ...(next ? this.compiledAlternatives(next, preds, ctx) : preds)];
  }

  /** One step: its effects, and an exceptional edge when it calls something that may throw. */
  private simple(s: LightNode, preds: Preds, ctx: Context, exitSite?: { word: string; site: StepSite }): Preds {
    return this.throwingStep(s, preds, ctx.throwTo, exitSite);
  }

  protected throwingCall(s: LightNode, effects: readonly Effect[]): ThrowingCall | undefined {
    return this.firstThrowingCall(
      s,
      effects,
      (n) => CALLS.has(n.type) && !this.quiet(n),
      (n) => {
        const call = n.type === 'await_expression' ? (n.children.find((c) => CALLS.has(c.type)) ?? n) : n;
        const fn = call.children.find((c) => c.field === 'function');
        const object = fn?.type === 'member_access_expression' ? fn.children.find((c) => c.field === 'expression') : undefined;
        const name =
          call.type === 'object_creation_expression'
            ? `new ${this.text(call.children.find((c) => c.field === 'type') ?? call)}`
            : (this.methodName(fn) ?? 'await');
        return { call: name, ...(object ? { object } : {}) };
      },
    );
  }

  private methodName(fn: LightNode | undefined): string | undefined {
    if (!fn) return undefined;
    if (fn.type === 'identifier') return this.text(fn);
    const name = fn.children.find((c) => c.field === 'name');
    return name ? this.text(name).replace(/<.*$/s, '') : undefined;
  }

  private quiet(call: LightNode): boolean {
    if (call.type === 'await_expression') {
      const inner = call.children.find((c) => CALLS.has(c.type));
      return !!inner && inner.type !== 'await_expression' && this.quiet(inner);
    }
    const arity = call.children.find((c) => c.field === 'arguments')?.children.filter((c) => c.type === 'argument').length ?? 0;
    if (call.type === 'object_creation_expression') {
      const type = call.children.find((c) => c.field === 'type');
      return !!type && (isQuietType(CSHARP_APIS.quiet, this.text(type)) || this.localQuiet(this.text(type), arity));
    }
    const fn = call.children.find((c) => c.field === 'function');
    const object = fn?.type === 'member_access_expression' ? fn.children.find((c) => c.field === 'expression') : undefined;
    const method = this.methodName(fn) ?? '';
    if (isQuietCall(CSHARP_APIS.quiet, method, object && this.text(object))) return true;
    // A method of this class (`Remember(…)`, `this.Reset()`) is judged by its body.
    return (!object || object.type === 'this_expression' || object.type === 'this') && this.localQuiet(method, arity);
  }

  private loop(s: LightNode, preds: Preds, ctx: Context, label?: string): Preds {
    const field = (name: string) => s.children.filter((c) => c.field === name);
    const condition = s.type === 'foreach_statement' ? undefined : field('condition')[0];
    const endless = s.type !== 'foreach_statement' && this.endless(condition);
    // foreach evaluates its collection once, before the loop.
    const parts = {
      inits: [...field('initializer'), ...field('right')],
      ...(condition ? { condition } : {}),
      endless,
      body: field('body')[0],
      updates: field('update'),
      ...(label ? { label } : {}),
    };
    return this.loopInContext(s, preds, ctx, parts, (b, p, c) => this.statement(b, p, c));
  }

  /** C# sections do not fall through: each ends in break, return, throw, goto or continue. */
  private switchStatement(s: LightNode, preds: Preds, ctx: Context): Preds {
    const value = s.children.find((c) => c.field === 'value') ?? s.children.find((c) => c.type !== 'switch_body' && !SKIPPED.has(c.type));
    const start = value ? this.simple(value, preds, ctx) : preds;
    const own: Jumps = { loop: false, breaks: [], continues: [] };
    const inner: Context = { ...ctx, jumps: [...ctx.jumps, own] };
    const out: Preds = [];
    let hasDefault = false;
    for (const section of s.children.find((c) => c.type === 'switch_body')?.children ?? []) {
      if (section.type !== 'switch_section') continue;
      if (/^default\s*:/m.test(this.text(section))) hasDefault = true;
      const statements = section.children.filter((c) => c.type.endsWith('_statement') || c.type === 'block');
      out.push(...this.sequence(statements, start, inner));
    }
    return [...out, ...(hasDefault ? [] : start), ...own.breaks];
  }

  private tryStatement(s: LightNode, preds: Preds, ctx: Context): Preds {
    const body = s.children.find((c) => c.field === 'body');
    const catches = s.children.filter((c) => c.type === 'catch_clause');
    const finallyBody = s.children.find((c) => c.type === 'finally_clause')?.children.find((c) => c.type === 'block');
    const withCatches = (p: Preds, c: Context): Preds => {
      if (catches.length === 0) return body ? this.statement(body, p, c) : p;
      const handler = this.b.add('join');
      const out = [...(body ? this.statement(body, p, { ...c, throwTo: handler }) : p)];
      for (const k of catches) {
        const kBody = k.children.find((x) => x.field === 'body');
        out.push(...(kBody ? this.statement(kBody, [handler], c) : [handler]));
      }
      return out;
    };
    if (!finallyBody) return withCatches(preds, ctx);
    return withCleanup(this.b, preds, ctx, (q, c) => this.statement(finallyBody, q, c), withCatches);
  }
}
