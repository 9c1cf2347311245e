import type { LightNode } from '../languages/cFamilyTree';
import { BraceCfgBuilder, type Jumps, type LocalQuiet, type Preds, type TreeObligation } from './brace';
import type { Use } from '../languages/cFamilyEngine';
import { withCleanup, type ExitContext } from './cleanup';
import type { Cfg, Effect, StepSite, ThrowingCall } from './graph';
import { JAVA_APIS } from '../apis/java';
import { isQuietCall, isQuietType } from '../apis/quiet';

/**
 * The Java front end of the leak engine: one graph per method, constructor or lambda body. Any
 * call or constructor may throw, so a statement with one gets an exceptional edge to the
 * innermost handler: the catch clauses of its `try` (any of them, as types are not known), else a
 * copy of its `finally` or of the implicit close of its try-with-resources, else the method's
 * exceptional exit. `return`, `break` and `continue` out of a `try` run the same copies.
 */

const CALLS = new Set(['method_invocation', 'object_creation_expression']);
const SKIPPED = new Set(['line_comment', 'block_comment', ';', '{', '}', 'local_class_declaration', 'class_declaration']);

type Context = ExitContext;

export class JavaCfgBuilder extends BraceCfgBuilder {
  protected readonly closures: ReadonlySet<string> = new Set(['lambda_expression', 'class_body']);
  protected override readonly processExit = JAVA_APIS.processExits;
  protected override readonly closedTests = JAVA_APIS.alreadyClosed;
  /** Unconnected sockets by obligation: acquired where they are connected or bound, not where they are made. */
  private readonly unconnected = new Map<number, TreeObligation>();
  /** Steps whose `bind` acquires: the descriptor exists even when bind fails. */
  private readonly boundHere = new Set<LightNode>();

  constructor(
    source: string,
    use: (name: LightNode, source: string) => Use,
    obligations: readonly TreeObligation[],
    localQuiet?: LocalQuiet,
  ) {
    super(source, use, obligations, localQuiet);
    for (const o of obligations) if (this.madeUnconnected(o.site)) this.unconnected.set(o.obligation, o);
  }

  private madeUnconnected(site: LightNode): boolean {
    const args = site.children.find((c) => c.field === 'arguments');
    if (!args || args.children.some((c) => c.type !== 'line_comment' && c.type !== 'block_comment')) return false;
    if (site.type === 'object_creation_expression')
      return JAVA_APIS.unconnectedTypes.has(this.text(site.children.find((c) => c.field === 'type') ?? site).replace(/^.*\./, ''));
    return (
      site.type === 'method_invocation' && this.text(site.children.find((c) => c.field === 'name') ?? site) === JAVA_APIS.unconnectedFactory
    );
  }

  /** An unconnected socket's acquisition moves to the statement that connects or binds it. */
  protected effectsOf(s: LightNode): Effect[] {
    const effects = super.effectsOf(s);
    if (this.unconnected.size === 0) return effects;
    const out: Effect[] = [];
    for (const e of effects) {
      if (e.kind === 'acquire' && this.unconnected.has(e.obligation)) out.push({ kind: 'kill', name: e.target });
      else out.push(e);
    }
    for (const o of this.unconnected.values()) {
      const method = this.connectsOrBinds(s, o.target);
      if (!method) continue;
      out.unshift({ kind: 'acquire', obligation: o.obligation, target: o.target, late: true });
      if (method === 'bind') this.boundHere.add(s);
    }
    return out;
  }

  /** `s.connect(…)` or `s.bind(…)` in the statement (outside lambdas). */
  private connectsOrBinds(s: LightNode, name: string): string | undefined {
    for (const n of this.nodesRunIn(s)) {
      if (n.type !== 'method_invocation') continue;
      const object = n.children.find((c) => c.field === 'object');
      const method = this.text(n.children.find((c) => c.field === 'name') ?? n);
      if (object?.type === 'identifier' && this.text(object) === name && JAVA_APIS.givesDescriptor.has(method)) return method;
    }
    return undefined;
  }

  build(body: LightNode): Cfg | undefined {
    const ctx: Context = { throwTo: this.b.exceptionalExit, returnTo: (p) => this.connect(p, this.b.exit), jumps: [] };
    this.useFlagsOf(body);
    // An expression lambda (`s -> s.close()`) is one statement.
    const end =
      body.type === 'block' || body.type === 'constructor_body'
        ? this.block(body, [this.b.entry], ctx)
        : this.simple(body, [this.b.entry], ctx);
    this.connect(end, this.b.exit);
    return this.oversized ? undefined : this.b.build();
  }

  protected isAssignedName(n: LightNode): boolean {
    const p = n.parent;
    if (!p || n.field === null) return false;
    if (p.type === 'variable_declarator' || p.type === 'resource' || p.type === 'catch_formal_parameter') return n.field === 'name';
    return p.type === 'assignment_expression' && n.field === 'left';
  }

  private block(n: LightNode, preds: Preds, ctx: Context): Preds {
    return this.sequence(n.children, preds, ctx);
  }

  private sequence(statements: readonly LightNode[], preds: Preds, ctx: Context): Preds {
    let cur = preds;
    for (const s of statements) {
      if (cur.length === 0 || this.oversized) break; // unreachable after return, throw, break
      if (!SKIPPED.has(s.type)) cur = this.statement(s, cur, ctx);
    }
    return cur;
  }

  private statement(s: LightNode, preds: Preds, ctx: Context, label?: string): Preds {
    switch (s.type) {
      case 'block':
        return this.block(s, preds, ctx);
      case 'labeled_statement': {
        const name = s.children.find((c) => c.type === 'identifier');
        const inner = s.children.find((c) => c !== name && !SKIPPED.has(c.type));
        return inner ? this.statement(inner, preds, ctx, name && this.text(name)) : preds;
      }
      case 'synchronized_statement':
        return this.block(
          s.children.find((c) => c.type === 'block') ?? s,
          this.simple(s.children.find((c) => c.type === 'parenthesized_expression') ?? s, preds, ctx),
          ctx,
        );
      case 'if_statement':
        return this.ifInContext(s, preds, ctx, (b, p, c) => this.statement(b, p, c));
      case 'while_statement':
      case 'for_statement':
      case 'enhanced_for_statement':
      case 'do_statement':
        return this.loop(s, preds, ctx, label);
      case 'switch_expression':
      case 'switch_statement':
        return this.switchStatement(s, preds, ctx, label);
      case 'try_statement':
      case 'try_with_resources_statement':
        return this.tryStatement(s, preds, ctx);
      default:
        // return, throw, break, continue (labelled or not), or a plain statement.
        return this.jumpStatement(s, preds, ctx, 'identifier') ?? this.simple(s, preds, ctx);
    }
  }

  /** One step: its effects, and an exceptional edge when it calls something that may throw. */
  private simple(s: LightNode, preds: Preds, ctx: Context, exitSite?: { word: string; site: StepSite }): Preds {
    return this.throwingStep(s, preds, ctx.throwTo, exitSite);
  }

  /** The first call in the statement that may throw, named for the message; none inside a lambda's body. */
  protected throwingCall(s: LightNode, effects: readonly Effect[]): ThrowingCall | undefined {
    const call = this.firstThrowingCall(
      s,
      effects,
      (n) => CALLS.has(n.type) && !this.quiet(n),
      (n) => {
        const name = n.children.find((c) => c.field === (n.type === 'method_invocation' ? 'name' : 'type'));
        const object = n.children.find((c) => c.field === 'object');
        return {
          call: name ? (n.type === 'method_invocation' ? this.text(name) : `new ${this.text(name)}`) : this.text(n),
          ...(object ? { object } : {}),
        };
      },
    );
    // A failed bind leaves the socket it made open (unlike connect, which closes it).
    return call && this.boundHere.has(s) ? { ...call, effectsFirst: true } : call;
  }

  private quiet(call: LightNode): boolean {
    const arity = call.children.find((c) => c.field === 'arguments')?.children.filter((c) => !SKIPPED.has(c.type)).length ?? 0;
    if (call.type !== 'method_invocation') {
      const type = call.children.find((c) => c.field === 'type');
      if (!type || call.children.some((c) => c.type === 'class_body')) return false;
      return isQuietType(JAVA_APIS.quiet, this.text(type)) || this.localQuiet(this.text(type), arity);
    }
    const name = call.children.find((c) => c.field === 'name');
    const object = call.children.find((c) => c.field === 'object');
    const method = name ? this.text(name) : '';
    if (JAVA_APIS.closingOnFailure.has(method) && object?.type === 'identifier' && this.names.has(this.text(object))) return true;
    if (isQuietCall(JAVA_APIS.quiet, method, object && this.text(object))) return true;
    // A method of this class (`setDefaultPort(…)`, `this.reset()`, `Outer.helper()`) is judged by its body.
    return this.localQuiet(method, arity) && (!object || object.type === 'this' || this.ownClasses.has(this.text(object)));
  }

  /** The classes this file declares, whose static methods `Outer.helper()` names. */
  private get ownClasses(): ReadonlySet<string> {
    this.classes ??= new Set([...this.source.matchAll(/\b(?:class|enum|record)\s+(\w+)/g)].map((m) => m[1]!));
    return this.classes;
  }

  private classes: Set<string> | undefined;

  private loop(s: LightNode, preds: Preds, ctx: Context, label?: string): Preds {
    const field = (name: string) => s.children.filter((c) => c.field === name);
    const condition = s.type === 'enhanced_for_statement' ? field('value')[0] : field('condition')[0];
    const endless = s.type !== 'enhanced_for_statement' && this.endless(condition);
    const parts = {
      inits: field('init'),
      ...(condition ? { condition } : {}),
      endless,
      body: field('body')[0],
      updates: field('update'),
      ...(label ? { label } : {}),
    };
    return this.loopInContext(s, preds, ctx, parts, (b, p, c) => this.statement(b, p, c));
  }

  private switchStatement(s: LightNode, preds: Preds, ctx: Context, label?: string): Preds {
    const condition = s.children.find((c) => c.field === 'condition');
    const start = condition ? this.simple(condition, preds, ctx) : preds;
    const own: Jumps = { ...(label ? { label } : {}), loop: false, breaks: [], continues: [] };
    const inner: Context = { ...ctx, jumps: [...ctx.jumps, own] };
    const groups =
      s.children
        .find((c) => c.field === 'body')
        ?.children.filter((c) => c.type === 'switch_block_statement_group' || c.type === 'switch_rule') ?? [];
    const out: Preds = [];
    let fallthrough: Preds = [];
    let hasDefault = false;
    for (const g of groups) {
      const labels = g.children.filter((c) => c.type === 'switch_label');
      if (labels.some((l) => this.text(l).startsWith('default'))) hasDefault = true;
      const end = this.sequence(
        g.children.filter((c) => c.type !== 'switch_label'),
        [...start, ...fallthrough],
        inner,
      );
      // A classic case group falls into the next one; an arrow rule does not.
      if (g.type === 'switch_block_statement_group') fallthrough = end;
      else out.push(...end);
    }
    if (!hasDefault) out.push(...start);
    return [...out, ...fallthrough, ...own.breaks];
  }

  private tryStatement(s: LightNode, preds: Preds, ctx: Context): Preds {
    const finallyBody = s.children.find((c) => c.type === 'finally_clause')?.children.find((c) => c.type === 'block');
    const catches = s.children.filter((c) => c.type === 'catch_clause');
    const resources = s.children.find((c) => c.field === 'resources')?.children.filter((c) => c.type === 'resource') ?? [];
    const body = s.children.find((c) => c.field === 'body');
    const withResources = (p: Preds, c: Context): Preds => {
      let cur = p;
      for (const r of resources) cur = this.simple(r, cur, c);
      const names = resources
        .map((r) => r.children.find((x) => x.field === 'name') ?? r)
        .filter((n) => n.type === 'identifier')
        .map((n) => this.text(n));
      // The implicit close of the resources, in reverse order, on every way out of the body.
      const close = (q: Preds, cc: Context) =>
        this.step(
          q,
          [...names].reverse().map((name) => ({ kind: 'release', name }) as Effect),
          undefined,
          names.length > 0 ? { call: { call: 'close', site: this.site(s), effectsFirst: true, release: true }, to: cc.throwTo } : undefined,
        );
      return resources.length > 0
        ? withCleanup(this.b, cur, c, close, (q, cc) => (body ? this.block(body, q, cc) : q))
        : body
          ? this.block(body, cur, c)
          : cur;
    };
    const withCatches = (p: Preds, c: Context): Preds => {
      if (catches.length === 0) return withResources(p, c);
      const handler = this.b.add('join');
      const end = withResources(p, { ...c, throwTo: handler });
      const out = [...end];
      for (const k of catches) {
        const kBody = k.children.find((x) => x.field === 'body' || x.type === 'block');
        out.push(...(kBody ? this.block(kBody, [handler], c) : [handler]));
      }
      return out;
    };
    if (!finallyBody) return withCatches(preds, ctx);
    return withCleanup(this.b, preds, ctx, (q, cc) => this.block(finallyBody, q, cc), withCatches);
  }
}
