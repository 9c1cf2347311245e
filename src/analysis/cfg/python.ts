import type { TreeNode } from '../languages/treeCopy';
import { fieldOf } from '../languages/treeCopy';
import { CfgBuilder, type Cfg, type Effect, type StepSite, type ThrowingCall } from './graph';
import { PYTHON_APIS } from '../apis/python';
import { testsEveryAttemptFailed } from './pythonRetry';
import { FlagBranches } from './flagBranches';
import { expressionBranch, MAX_SPLIT_CONDITIONALS, someNode, type ExpressionBranch } from './expressionBranch';

/**
 * The Python front end of the leak engine: maps one function's syntax (tree-sitter, copied by
 * treeCopy.ts) to a control-flow graph with normal and exceptional edges. Sequencing, if/elif/else,
 * while/for with else, break/continue, return, raise, try/except/else/finally (the finally block
 * is copied once per way out: fall-through, exception, return, break, continue), `with`, match.
 * Every call between acquisition and release may raise, except the pure builtins in PYTHON_APIS.
 * An `except` clause is taken to catch what a call raises, except that an OSError from a method of a
 * tracked socket passes clauses that name only other exceptions or some OSErrors (`except
 * ConnectionRefusedError:`); a name it cannot place counts as catching everything.
 */

/** An acquisition the rules found: the call, and the variable its socket is bound to. */
export interface CfgAcquisition {
  obligation: number;
  call: TreeNode;
  target: string;
  /** The target is an asyncio StreamWriter (`reader, writer = await asyncio.open_connection(…)`). */
  streamWriter?: boolean;
}

type Preds = number[];

interface Context {
  /** Where a call's exception or a `raise` goes: a handler dispatch, a finally copy, or the function's exceptional exit. */
  throwTo: number;
  /**
   * Where an OSError from a method of a tracked socket goes when the handlers of the try around it
   * catch only some OSErrors or none (`except ConnectionRefusedError:`): those handlers and onwards.
   * Undefined where it goes where every exception goes.
   */
  socketThrowTo?: number;
  returnTo: (preds: Preds) => void;
  breakTo?: (preds: Preds) => void;
  continueTo?: (preds: Preds) => void;
}

/** Sequences written out in the source: `(a, b)`, `[a, b]`, `{a, b}`, `a, b`. */
const LITERAL_SEQUENCES = new Set(['tuple', 'list', 'set', 'expression_list']);

/** Node types whose children are not evaluated in this function (their own scope). */
const NESTED_SCOPES = new Set(['function_definition', 'lambda', 'class_definition', 'decorated_definition']);
const VALUE_CONTAINERS = new Set([
  'tuple',
  'list',
  'set',
  'dictionary',
  'pair',
  'expression_list',
  'list_splat',
  'dictionary_splat',
  'parenthesized_expression',
  'conditional_expression',
  'await',
  'as_pattern',
]);

export class PythonCfgBuilder {
  private readonly b = new CfgBuilder();
  private readonly acquisitions = new Map<number, CfgAcquisition>();
  /** Names an acquisition binds: the only ones a None test refines. */
  private readonly targets = new Set<string>();
  private readonly streamWriters = new Set<string>();
  /** Conditional expressions split into arms so far (see MAX_SPLIT_CONDITIONALS). */
  private splitConditionals = 0;
  /** Steps budget: a pathological function (finally copies nested deep) stops growing the graph. */
  private overflow = false;
  static readonly MAX_NODES = 200_000;
  /** The function's flags (`if (tls) …`, `ok = true`; see FlagBranches). */
  private flags: FlagBranches | undefined;

  constructor(
    private readonly source: string,
    private readonly rowOf: (offset: number) => StepSite,
    acquisitions: readonly CfgAcquisition[],
  ) {
    for (const a of acquisitions) {
      this.acquisitions.set(a.call.start, a);
      this.targets.add(a.target);
      if (a.streamWriter) this.streamWriters.add(a.target);
    }
  }

  /** The graph of a function body (a block) or of the module's top level; undefined when it grew past the budget. */
  build(body: TreeNode): Cfg | undefined {
    const b = this.b;
    const ctx: Context = {
      throwTo: b.exceptionalExit,
      returnTo: (preds) => this.connect(preds, b.exit),
    };
    this.useFlagsOf(body);
    const end = this.statements(this.statementsOf(body), [b.entry], ctx);
    this.connect(end, b.exit);
    return this.overflow ? undefined : b.build();
  }

  private useFlagsOf(body: TreeNode): void {
    if (!body.parent || body.type === 'module') return;
    this.flags = new FlagBranches(this.source, body.parent, /^not\s+/);
  }

  // --- plumbing

  private connect(preds: Preds, to: number): void {
    for (const p of preds) this.b.edge(p, to);
  }

  private step(preds: Preds, effects: Effect[], ctx: Context, throws?: ThrowingCall, exitSite?: { word: string; site: StepSite }): Preds {
    if (this.b.size > PythonCfgBuilder.MAX_NODES) {
      this.overflow = true;
      return preds;
    }
    const id = this.b.add('step', effects, throws, exitSite);
    this.connect(preds, id);
    if (throws) {
      const socketCall = throws.receiver !== undefined && this.targets.has(throws.receiver);
      this.b.throwEdge(id, socketCall && ctx.socketThrowTo !== undefined ? ctx.socketThrowTo : ctx.throwTo);
    }
    return [id];
  }

  private join(): number {
    return this.b.add('join');
  }

  private text(n: TreeNode): string {
    return this.source.slice(n.start, n.end);
  }

  private statementsOf(block: TreeNode | undefined): TreeNode[] {
    return block ? block.children.filter((c) => c.type !== 'comment') : [];
  }

  private childOfType(n: TreeNode, type: string): TreeNode | undefined {
    return n.children.find((c) => c.type === type);
  }

  // --- statements

  private statements(list: readonly TreeNode[], preds: Preds, ctx: Context): Preds {
    let cur = preds;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (cur.length === 0) break; // unreachable code after return/raise/break
      const next = list[i + 1];
      if (s.type === 'for_statement' && next?.type === 'if_statement' && testsEveryAttemptFailed(s, next, this.source)) {
        // `if len(errors) == len(to_try): raise`: true only when the loop ran out, never after its `break`.
        let exhausted: Preds = [];
        cur = this.forStatement(s, cur, ctx, (p) => (exhausted = p));
        cur = this.ifStatement(next, cur, ctx, exhausted);
        i++;
      } else cur = this.statement(s, cur, ctx);
    }
    return cur;
  }

  private statement(s: TreeNode, preds: Preds, ctx: Context): Preds {
    switch (s.type) {
      case 'expression_statement':
        // The program ends at `sys.exit(1)`: a socket still open is the kernel's to close.
        if (PYTHON_APIS.processExits.test(this.text(s))) return [];
        return s.children.reduce((p, c) => this.expressionStatement(c, p, ctx), preds);
      case 'return_statement': {
        const value = s.children[0];
        let cur = value ? this.expr(value, preds, ctx) : preds;
        cur = this.step(cur, value ? this.escaping(value).map((name) => ({ kind: 'transfer', name }) as Effect) : [], ctx, undefined, {
          word: 'return',
          site: this.rowOf(s.start),
        });
        ctx.returnTo(cur);
        return [];
      }
      case 'raise_statement': {
        let cur = s.children.reduce((p, c) => this.expr(c, p, ctx), preds);
        cur = this.step(cur, [], ctx, undefined, { word: 'raise', site: this.rowOf(s.start) });
        this.connect(cur, ctx.throwTo);
        return [];
      }
      case 'break_statement':
        ctx.breakTo?.(preds);
        return [];
      case 'continue_statement':
        ctx.continueTo?.(preds);
        return [];
      case 'if_statement':
        return this.ifStatement(s, preds, ctx);
      case 'while_statement':
        return this.whileStatement(s, preds, ctx);
      case 'for_statement':
        return this.forStatement(s, preds, ctx);
      case 'try_statement':
        return this.tryStatement(s, preds, ctx);
      case 'with_statement':
        return this.withStatement(s, preds, ctx);
      case 'match_statement':
        return this.matchStatement(s, preds, ctx);
      case 'delete_statement':
        // `del s` drops the last reference: CPython closes the socket then.
        return this.step(
          preds,
          this.namesIn(s).map((name) => ({ kind: 'release', name }) as Effect),
          ctx,
        );
      case 'function_definition':
      case 'class_definition':
      case 'decorated_definition':
        return preds; // captures are judged by the rules before the graph (a closure may close the socket)
      case 'assert_statement':
      case 'print_statement':
      case 'exec_statement':
        return s.children.reduce((p, c) => this.expr(c, p, ctx), preds);
      default:
        return preds; // pass, import, global, nonlocal, type aliases, …
    }
  }

  private expressionStatement(e: TreeNode, preds: Preds, ctx: Context): Preds {
    if (e.type === 'assignment') return this.assignment(e, preds, ctx);
    if (e.type === 'augmented_assignment') return this.expr(fieldOf(e, 'right') ?? e, preds, ctx);
    return this.expr(e, preds, ctx);
  }

  private assignment(a: TreeNode, preds: Preds, ctx: Context): Preds {
    const left = fieldOf(a, 'left');
    const right = fieldOf(a, 'right');
    if (!left) return preds;
    let cur = preds;
    let source: string | undefined;
    let acquired: string | undefined;
    if (right?.type === 'assignment') {
      // `a = b = value`: b first, then a aliases it.
      cur = this.assignment(right, cur, ctx);
      const inner = fieldOf(right, 'left');
      if (inner?.type === 'identifier') source = this.text(inner);
    } else if (right) {
      cur = this.expr(right, cur, ctx);
      const value = unwrap(right);
      if (value.type === 'identifier') source = this.text(value);
      else if (value.type === 'call') {
        acquired = this.acquisitions.get(value.start)?.target;
        source = this.derivedFrom(value);
      }
    }
    const effects: Effect[] = [];
    if (left.type === 'identifier') {
      const target = this.text(left);
      const set = this.flags?.setting(target, left.end);
      if (set) effects.push(set);
      if (target !== acquired) effects.push(source ? { kind: 'alias', target, source } : { kind: 'kill', name: target });
      if (!source && right && right.type !== 'assignment')
        for (const name of this.escaping(right, false)) effects.push({ kind: 'transfer', name });
    } else if (left.type === 'pattern_list' || left.type === 'tuple_pattern' || left.type === 'list_pattern') {
      for (const n of left.children)
        if (n.type === 'identifier' && this.text(n) !== acquired) effects.push({ kind: 'kill', name: this.text(n) });
      if (right && right.type !== 'assignment') for (const name of this.escaping(right, false)) effects.push({ kind: 'transfer', name });
    } else {
      // `self.sock = s`, `conns[k] = s`: stored where it outlives the function.
      if (source) effects.push({ kind: 'transfer', name: source });
      if (right && right.type !== 'assignment') for (const name of this.escaping(right, false)) effects.push({ kind: 'transfer', name });
    }
    return effects.length ? this.step(cur, dedupe(effects), ctx) : cur;
  }

  /** `f = s.makefile()`, `t = ctx.wrap_socket(s)`: the new object keeps the socket: an alias of it. */
  private derivedFrom(call: TreeNode): string | undefined {
    const fn = fieldOf(call, 'function');
    if (fn?.type !== 'attribute') return undefined;
    const object = fieldOf(fn, 'object');
    const method = fieldOf(fn, 'attribute');
    if (object?.type === 'identifier' && method && PYTHON_APIS.derivedHandles.has(this.text(method))) return this.text(object);
    return undefined;
  }

  /** `whenTrue`: the paths on which the condition can hold, when only some of `preds` can take the first branch. */
  private ifStatement(s: TreeNode, preds: Preds, ctx: Context, whenTrue?: Preds): Preds {
    const out: Preds = [];
    const condition = fieldOf(s, 'condition');
    let cur = this.expr(condition ?? s, preds, ctx);
    const taken = whenTrue ? this.expr(condition ?? s, whenTrue, ctx) : cur;
    out.push(...this.statements(this.statementsOf(fieldOf(s, 'consequence')), this.refined(taken, condition, true, ctx), ctx));
    cur = this.refined(cur, condition, false, ctx);
    let hasElse = false;
    for (const alt of s.children.filter((c) => c.field === 'alternative')) {
      if (alt.type === 'elif_clause') {
        const test = fieldOf(alt, 'condition');
        cur = this.expr(test ?? alt, cur, ctx);
        out.push(...this.statements(this.statementsOf(fieldOf(alt, 'consequence')), this.refined(cur, test, true, ctx), ctx));
        cur = this.refined(cur, test, false, ctx);
      } else if (alt.type === 'else_clause') {
        hasElse = true;
        out.push(...this.statements(this.statementsOf(this.childOfType(alt, 'block')), cur, ctx));
      }
    }
    if (!hasElse) out.push(...cur);
    return out;
  }

  /**
   * The branch of `if s:` / `if s is not None:` / `if not s:` / `if s is None:` where `s` is None
   * holds no socket (a socket object is always true): its obligations are dropped there.
   */
  private refined(preds: Preds, condition: TreeNode | undefined, taken: boolean, ctx: Context): Preds {
    const assumption = this.flags?.assumption(condition, taken);
    const assumed = assumption ? this.step(preds, [assumption], ctx) : preds;
    const none = condition && this.noneWhen(condition);
    if (!none || none.when !== taken || !this.targets.has(none.name)) return assumed;
    return this.step(assumed, [{ kind: 'release', name: none.name }], ctx);
  }

  /** Which name a condition tests, and on which outcome it is None. */
  private noneWhen(condition: TreeNode): { name: string; when: boolean } | undefined {
    const c = unwrap(condition);
    if (c.type === 'identifier') return { name: this.text(c), when: false };
    if (c.type === 'not_operator') {
      const inner = this.noneWhen(c.children[0] ?? c);
      return inner && inner.name ? { name: inner.name, when: !inner.when } : undefined;
    }
    if (c.type === 'boolean_operator') {
      // `s is not None and s.fileno() != -1`: no socket on false; `s is None or s._closed`: none on true.
      const [l, r] = [c.children[0], c.children[1]];
      if (!l || !r || c.children.length !== 2) return undefined;
      // The operator is an anonymous token, not in the copied tree: the text between the operands.
      const when = this.source.slice(l.end, r.start).trim() === 'or';
      const [left, right] = [this.noneWhen(l), this.noneWhen(r)];
      return left && right && left.name === right.name && left.when === when && right.when === when ? left : undefined;
    }
    const text = this.text(c);
    if (c.type === 'comparison_operator') {
      const m = /^([A-Za-z_]\w*)\s+is\s+(not\s+)?None$/.exec(text);
      if (m) return { name: m[1]!, when: !m[2] };
    }
    for (const [tests, when] of [
      [PYTHON_APIS.alreadyClosed, true],
      [PYTHON_APIS.stillOpen, false],
    ] as const) {
      for (const test of tests) {
        const name = test.exec(text)?.groups?.name;
        if (name) return { name, when };
      }
    }
    return undefined;
  }

  private loop(
    head: number,
    test: (preds: Preds) => { body: Preds; exit: Preds },
    bodyBlock: TreeNode | undefined,
    elseClause: TreeNode | undefined,
    ctx: Context,
    onExhausted?: (preds: Preds) => void,
  ): Preds {
    const after = this.join();
    const broken: Preds = [];
    const { body, exit } = test([head]);
    const inner: Context = {
      ...ctx,
      breakTo: (p) => broken.push(...p),
      continueTo: (p) => this.connect(p, head),
    };
    this.connect(this.statements(this.statementsOf(bodyBlock), body, inner), head);
    const normalExit = elseClause ? this.statements(this.statementsOf(this.childOfType(elseClause, 'block')), exit, ctx) : exit;
    this.connect([...normalExit, ...broken], after);
    onExhausted?.(normalExit);
    return [after];
  }

  private whileStatement(s: TreeNode, preds: Preds, ctx: Context): Preds {
    const head = this.join();
    this.connect(preds, head);
    const condition = fieldOf(s, 'condition');
    const forever = !!condition && /^(True|1)$/.test(this.text(unwrap(condition)));
    return this.loop(
      head,
      (p) => {
        const tested = condition ? this.expr(condition, p, ctx) : p;
        return { body: tested, exit: forever ? [] : tested };
      },
      fieldOf(s, 'body'),
      fieldOf(s, 'alternative'),
      ctx,
    );
  }

  private forStatement(s: TreeNode, preds: Preds, ctx: Context, onExhausted?: (preds: Preds) => void): Preds {
    const iterable = fieldOf(s, 'right');
    let cur = iterable ? this.expr(iterable, preds, ctx) : preds;
    // `for s in (a, b): s.close()`: the sockets of a list written on the spot go to the loop's variable.
    const listed = iterable && LITERAL_SEQUENCES.has(iterable.type) ? this.escaping(iterable, false) : [];
    if (listed.length > 0)
      cur = this.step(
        cur,
        listed.map((name): Effect => ({ kind: 'transfer', name })),
        ctx,
      );
    const head = this.join();
    this.connect(cur, head);
    const left = fieldOf(s, 'left');
    return this.loop(
      head,
      (p) => {
        // Each iteration rebinds the loop variables.
        const kills = left ? this.namesIn(left).map((name) => ({ kind: 'kill', name }) as Effect) : [];
        const body = kills.length ? this.step(p, kills, ctx) : p;
        return { body, exit: p };
      },
      fieldOf(s, 'body'),
      fieldOf(s, 'alternative'),
      ctx,
      onExhausted,
    );
  }

  /**
   * try/except/else/finally. Exceptions raised in the body go to a dispatch node leading to every
   * except clause (or, without one, to the finally copy for exceptions); each way out of the try
   * (fall-through, return, break, continue, exception) runs its own copy of the finally block.
   */
  private tryStatement(s: TreeNode, preds: Preds, ctx: Context): Preds {
    const body = this.childOfType(s, 'block');
    const handlers = s.children.filter((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
    const elseClause = this.childOfType(s, 'else_clause');
    const finallyClause = this.childOfType(s, 'finally_clause');
    const finallyBlock = finallyClause && this.childOfType(finallyClause, 'block');
    const viaFinally = (outer: ((p: Preds) => void) | undefined) => {
      if (!finallyBlock || !outer) return outer;
      return (p: Preds) => {
        if (p.length === 0) return;
        const end = this.statements(this.statementsOf(finallyBlock), p, ctx);
        outer(end);
      };
    };
    // Exceptions that leave the try statement: through the finally block, then outwards.
    let throwOut = ctx.throwTo;
    if (finallyBlock) {
      throwOut = this.join();
      const end = this.statements(this.statementsOf(finallyBlock), [throwOut], ctx);
      this.connect(end, ctx.throwTo);
    }
    const outerExits: Context = {
      throwTo: throwOut,
      ...(!finallyBlock && ctx.socketThrowTo !== undefined ? { socketThrowTo: ctx.socketThrowTo } : {}),
      returnTo: viaFinally(ctx.returnTo)!,
      ...(ctx.breakTo ? { breakTo: viaFinally(ctx.breakTo) } : {}),
      ...(ctx.continueTo ? { continueTo: viaFinally(ctx.continueTo) } : {}),
    };
    let dispatch = throwOut;
    if (handlers.length > 0) dispatch = this.join();
    const caught = handlers.map((h) => this.osErrorsCaught(h));
    // Unless a handler catches every OSError, a socket's own error may leave the try statement.
    let socketDispatch: number | undefined;
    if (handlers.length > 0 && !caught.includes('all')) {
      socketDispatch = this.join();
      this.b.edge(socketDispatch, throwOut);
    }
    const bodyEnd = this.statements(this.statementsOf(body), preds, {
      ...outerExits,
      throwTo: dispatch,
      ...(socketDispatch !== undefined ? { socketThrowTo: socketDispatch } : { socketThrowTo: undefined }),
    });
    const normal: Preds = elseClause
      ? this.statements(this.statementsOf(this.childOfType(elseClause, 'block')), bodyEnd, outerExits)
      : bodyEnd;
    const done: Preds = [...normal];
    for (const [i, h] of handlers.entries()) {
      const start = this.join();
      this.b.edge(dispatch, start);
      if (socketDispatch !== undefined && caught[i] === 'some') this.b.edge(socketDispatch, start);
      // `except OSError as e:` binds e; nothing to do with sockets.
      done.push(...this.statements(this.statementsOf(this.childOfType(h, 'block')), [start], outerExits));
    }
    if (!finallyBlock) return done;
    return done.length ? this.statements(this.statementsOf(finallyBlock), done, ctx) : [];
  }

  /**
   * What an except clause catches of a socket method's OSErrors, read from its text (`except
   * (ConnectionRefusedError, socket.timeout) as e:`): a name it cannot place counts as all.
   */
  private osErrorsCaught(handler: TreeNode): 'all' | 'some' | 'none' {
    const block = this.childOfType(handler, 'block');
    const head = this.source.slice(handler.start, block ? block.start : handler.end);
    const names = head
      .replace(/^except\*?/, '')
      .replace(/\bas\s+\w+\s*:?\s*$/, '')
      .replace(/[():\s]/g, '')
      .split(',')
      .filter(Boolean);
    if (names.length === 0) return 'all';
    let some = false;
    for (const name of names) {
      if (PYTHON_APIS.catchesSomeOsErrors.has(name)) some = true;
      else if (!PYTHON_APIS.catchesNoOsError.has(name)) return 'all';
    }
    return some ? 'some' : 'none';
  }

  /** `with x:` / `with closing(x):` / `stack.enter_context(x)`: released on every way out, so at once. */
  private withStatement(s: TreeNode, preds: Preds, ctx: Context): Preds {
    let cur = preds;
    const clause = this.childOfType(s, 'with_clause');
    for (const item of clause?.children.filter((c) => c.type === 'with_item') ?? []) {
      const value = fieldOf(item, 'value');
      if (!value) continue;
      const managed = value.type === 'as_pattern' ? value.children[0] : value;
      cur = this.expr(value, cur, ctx);
      const released = managed ? this.managedName(managed) : undefined;
      const effects: Effect[] = released ? [{ kind: 'release', name: released }] : [];
      const alias = value.type === 'as_pattern' ? fieldOf(value, 'alias') : undefined;
      for (const name of alias ? this.namesIn(alias) : [])
        effects.push(released ? { kind: 'alias', target: name, source: released } : { kind: 'kill', name });
      if (effects.length) cur = this.step(cur, effects, ctx);
    }
    return this.statements(this.statementsOf(this.childOfType(s, 'block')), cur, ctx);
  }

  private managedName(n: TreeNode): string | undefined {
    const v = unwrap(n);
    if (v.type === 'identifier') return this.text(v);
    if (v.type === 'call') {
      const args = fieldOf(v, 'arguments')?.children ?? [];
      const first = args[0] && unwrap(args[0]);
      if (first?.type === 'identifier' && PYTHON_APIS.closingWrappers.has(this.calleeName(v))) return this.text(first);
    }
    return undefined;
  }

  private matchStatement(s: TreeNode, preds: Preds, ctx: Context): Preds {
    const subject = s.children.find((c) => c.field === 'subject');
    const cur = subject ? this.expr(subject, preds, ctx) : preds;
    const out: Preds = [];
    let exhaustive = false;
    const body = this.childOfType(s, 'block');
    for (const c of body?.children.filter((n) => n.type === 'case_clause') ?? []) {
      const pattern = this.childOfType(c, 'case_pattern');
      if (pattern && /^_$/.test(this.text(pattern).trim()) && !this.childOfType(c, 'if_clause')) exhaustive = true;
      out.push(...this.statements(this.statementsOf(this.childOfType(c, 'block')), cur, ctx));
    }
    if (!exhaustive) out.push(...cur);
    return out;
  }

  // --- expressions

  /** The calls in `e`, in evaluation order, each a step; nested scopes are not entered. */
  private expr(e: TreeNode, preds: Preds, ctx: Context): Preds {
    if (NESTED_SCOPES.has(e.type)) return preds;
    if (e.type === 'call') return this.call(e, preds, ctx);
    // `ok and s.close()`, `s.close() if ok else None`: each arm on a path of its own.
    const branch = this.releasingBranch(e);
    if (branch) {
      const tested = this.expr(branch.condition, preds, ctx);
      // Joined at once: a chain of `or`s would otherwise hand each link every path of the links before.
      const joined = this.join();
      for (const { taken, body } of branch.arms) {
        const p = taken === undefined ? tested : this.refined(tested, branch.condition, taken, ctx);
        this.connect(body ? this.expr(body, p, ctx) : p, joined);
      }
      return [joined];
    }
    let cur = preds;
    for (const c of e.children) cur = this.expr(c, cur, ctx);
    if (e.type === 'yield') {
      const names = this.escaping(e);
      if (names.length)
        cur = this.step(
          cur,
          names.map((name) => ({ kind: 'transfer', name }) as Effect),
          ctx,
        );
    }
    return cur;
  }

  /** `e` if it is a conditional expression with a close (`x.close()`) in an arm, within the function's budget of splits. */
  private releasingBranch(e: TreeNode): ExpressionBranch<TreeNode> | undefined {
    if (this.splitConditionals >= MAX_SPLIT_CONDITIONALS) return undefined;
    const branch = expressionBranch(e, this.source);
    const closes = (n: TreeNode) => n.type === 'call' && PYTHON_APIS.releases.has(this.calleeName(n));
    if (!branch?.arms.some((a) => a.body && someNode(a.body, closes, NESTED_SCOPES))) return undefined;
    this.splitConditionals++;
    return branch;
  }

  private calleeName(call: TreeNode): string {
    const fn = fieldOf(call, 'function');
    if (fn?.type === 'attribute') return this.text(fieldOf(fn, 'attribute') ?? fn);
    return fn ? this.text(fn) : '';
  }

  /** `writer` of `writer.transport`, a stream's transport. */
  private transportOf(object: TreeNode | undefined): string | undefined {
    const owner =
      object?.type === 'attribute' && this.text(fieldOf(object, 'attribute') ?? object) === 'transport'
        ? fieldOf(object, 'object')
        : undefined;
    return owner?.type === 'identifier' ? this.text(owner) : undefined;
  }

  private call(call: TreeNode, preds: Preds, ctx: Context): Preds {
    const fn = fieldOf(call, 'function');
    const args = fieldOf(call, 'arguments');
    let cur = preds;
    if (fn) cur = fn.type === 'attribute' ? this.expr(fieldOf(fn, 'object') ?? fn, cur, ctx) : this.expr(fn, cur, ctx);
    if (args) cur = this.expr(args, cur, ctx);
    const name = this.calleeName(call);
    const object = fn?.type === 'attribute' ? fieldOf(fn, 'object') : undefined;
    const receiver = object?.type === 'identifier' ? this.text(object) : undefined;
    const transportOwner = this.transportOf(object);
    const effects: Effect[] = [];
    let effectsFirst = false;
    let release = false;
    const acquisition = this.acquisitions.get(call.start);
    if (acquisition) {
      // `ctx.wrap_socket(raw)`: the wrapper takes the socket over (and closes it if the handshake fails).
      const wraps = PYTHON_APIS.wrappingAcquisitions.has(name);
      const taken = wraps
        ? (args?.children ?? []).flatMap((a) => this.escaping(a.type === 'keyword_argument' ? (fieldOf(a, 'value') ?? a) : a))
        : [];
      if (taken.length)
        cur = this.step(
          cur,
          taken.map((n) => ({ kind: 'transfer', name: n }) as Effect),
          ctx,
        );
      // The socket exists only once the call returns: an exception from it leaks nothing.
      effects.push({ kind: 'acquire', obligation: acquisition.obligation, target: acquisition.target });
    } else if ((receiver && PYTHON_APIS.releases.has(name)) || (transportOwner && PYTHON_APIS.transportReleases.has(name))) {
      effects.push({ kind: 'release', name: receiver ?? transportOwner! });
      effectsFirst = true;
      release = true;
    } else {
      const takes = PYTHON_APIS.closingWrappers.has(name) || PYTHON_APIS.ownershipTakers.has(name);
      const looks = PYTHON_APIS.nonOwning.has(name) || (receiver !== undefined && PYTHON_APIS.loggers.test(receiver));
      for (const a of args?.children ?? []) {
        // `atexit.register(s.close)`, `self.addCleanup(s.close)`, `stack.callback(s.close)`: closed later, for sure.
        const bound = a.type === 'attribute' ? fieldOf(a, 'object') : undefined;
        const method = a.type === 'attribute' ? fieldOf(a, 'attribute') : undefined;
        if (bound?.type === 'identifier' && method && PYTHON_APIS.releases.has(this.text(method)))
          effects.push({ kind: 'release', name: this.text(bound) });
      }
      if (takes || !looks) {
        for (const a of args?.children ?? []) {
          for (const n of this.escaping(a.type === 'keyword_argument' ? (fieldOf(a, 'value') ?? a) : a)) {
            effects.push({ kind: PYTHON_APIS.closingWrappers.has(name) ? 'release' : 'transfer', name: n });
          }
        }
        // A callee that raises may already have taken the socket over, unless it is known to keep it
        // only on return (a socket, not its bound close: `atexit.register(s.close)` is a release).
        effectsFirst = !PYTHON_APIS.takesOnReturn.has(name) || effects.some((e) => e.kind === 'release');
      }
    }
    // Logging calls report their own errors (Handler.handleError) rather than raise.
    const pure =
      fn?.type === 'attribute'
        ? PYTHON_APIS.pureMethods.has(name) ||
          (receiver !== undefined && PYTHON_APIS.loggers.test(receiver)) ||
          (receiver !== undefined && this.streamWriters.has(receiver) && PYTHON_APIS.streamWriterQuiet.has(name)) ||
          (PYTHON_APIS.quietWithConstants.has(name) && onlyConstants(args, (n) => this.text(n)))
        : PYTHON_APIS.pure.has(name);
    const throws = pure
      ? undefined
      : {
          call: name,
          site: this.rowOf(call.start),
          ...(effectsFirst ? { effectsFirst } : {}),
          ...(release ? { release } : {}),
          ...(receiver ? { receiver } : {}),
        };
    return this.step(cur, effects, ctx, throws);
  }

  /**
   * The names whose value `e` hands on as a whole: `s`, `(s, addr)`, `[a, b]`, `{k: s}`, `await s`,
   * `x if c else s`; with `inCalls`, also names inside calls in it (`return Wrapper(s)`,
   * `return s.makefile()`).
   */
  private escaping(e: TreeNode, inCalls = true): string[] {
    const v = e;
    if (v.type === 'identifier') return [this.text(v)];
    if (VALUE_CONTAINERS.has(v.type) || v.type === 'yield' || v.type === 'argument_list' || v.type === 'keyword_argument') {
      return v.children.flatMap((c) => (c.field === 'name' || c.field === 'key' ? [] : this.escaping(c, inCalls)));
    }
    if (inCalls && v.type === 'call') {
      const fn = fieldOf(v, 'function');
      const object = fn?.type === 'attribute' ? fieldOf(fn, 'object') : undefined;
      const out = object?.type === 'identifier' && PYTHON_APIS.derivedHandles.has(this.calleeName(v)) ? [this.text(object)] : [];
      for (const a of fieldOf(v, 'arguments')?.children ?? []) out.push(...this.escaping(a, inCalls));
      return out;
    }
    if (inCalls && v.type === 'attribute') return [];
    return [];
  }

  private namesIn(n: TreeNode): string[] {
    if (n.type === 'identifier') return [this.text(n)];
    return n.children.flatMap((c) => (c.type === 'attribute' || c.type === 'subscript' ? [] : this.namesIn(c)));
  }
}

function dedupe(effects: Effect[]): Effect[] {
  const seen = new Set<string>();
  return effects.filter((e) => {
    const key = JSON.stringify(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unwrap(n: TreeNode): TreeNode {
  let v = n;
  while ((v.type === 'parenthesized_expression' || v.type === 'await') && v.children.length === 1) v = v.children[0]!;
  return v;
}

/** Non-negative number, boolean and None literals: the values a socket option cannot refuse. */
const LITERALS = new Set(['integer', 'float', 'true', 'false', 'none']);

/** A constant of a module (`socket.SO_REUSEADDR`, or `TCP_NODELAY` imported): an option's name, not a setting. */
const MODULE_CONSTANT = /^(?:[A-Za-z_]\w*\.)?[A-Z][A-Z0-9_]*$/;

/**
 * Whether every argument of the call is such a literal or a module constant (and there is one at
 * least); the copied tree holds named nodes only.
 */
function onlyConstants(args: TreeNode | undefined, text: (n: TreeNode) => string): boolean {
  const values = (args?.children ?? []).filter((a) => a.type !== 'comment');
  return (
    values.length > 0 &&
    values.every((a) => LITERALS.has(a.type) || ((a.type === 'attribute' || a.type === 'identifier') && MODULE_CONSTANT.test(text(a))))
  );
}
