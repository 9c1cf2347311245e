import { C_APIS } from '../apis/c';
import type { LightNode } from '../languages/cFamilyTree';
import { BraceCfgBuilder, type Jumps, type Preds } from './brace';
import type { Cfg } from './graph';

/**
 * The C/C++ front end of the leak engine: one graph per function body over the copied tree. C
 * reports errors as values, so calls get no exceptional edge; C++'s explicit `throw` goes to the
 * catch clauses of its `try` (or leaves the function). Paths: if/else chains, loops with
 * break/continue, switch with fall-through, return, `goto` to a label of the function (the
 * cleanup idiom), `#if/#ifdef … #elif … #else … #endif` as alternatives (only one of them is
 * compiled), and `exit`/`abort`, which end the program. A test of the descriptor for failure
 * (`fd < 0`, `fd == -1`, `fd == INVALID_SOCKET`) drops it on the failing branch: there is nothing to close.
 */

const PREPROC_BRANCHES = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else']);
const SKIPPED = new Set([
  'comment',
  '{',
  '}',
  ';',
  'preproc_def',
  'preproc_function_def',
  'preproc_call',
  'preproc_include',
  'type_definition',
  'function_definition',
]);
/** Comparisons of a descriptor with a failure value, and whether true means it failed: `fd < 0`, `fd == -1`, `fd != INVALID_SOCKET`. */
const FAILURE_TESTS: Record<string, Record<string, boolean>> = {
  '0': { '<': true, '>=': false },
  '-1': { '==': true, '<=': true, '!=': false, '>': false },
  INVALID_SOCKET: { '==': true, '!=': false },
};

/** A failure value as FAILURE_TESTS names it: a cast dropped (`(ngx_socket_t) -1`), any named invalid descriptor read as INVALID_SOCKET. */
function failureValue(text: string): string {
  const value = text.replace(/^\(\s*[A-Za-z_][\w\s*]*\)\s*/, '').replace(/\s+/g, '');
  return C_APIS.invalidDescriptors.test(value) ? 'INVALID_SOCKET' : value;
}
const REVERSED: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };

/** Whether `text` may change `variable`: assigns it (`=`, `+=`…), steps it (`++`, `--`) or takes its address (not a member's: `&p->ai_addr`). */
function changes(variable: string, text: string): boolean {
  return new RegExp(
    `\\b${variable}\\s*(?:[-+*/%&|^]?=(?!=)|\\+\\+|--)|(?:\\+\\+|--)\\s*${variable}\\b|&\\s*${variable}\\b(?!\\s*(?:->|\\.|\\[))`,
  ).test(text);
}

/** What a condition tests, inside its parentheses. */
function testedExpression(condition: LightNode): LightNode | undefined {
  let v: LightNode | undefined = condition;
  while (v && (v.type === 'condition_clause' || v.type === 'parenthesized_expression')) v = v.children.find((c) => c.type !== 'comment');
  return v;
}

/** The operands of a binary expression and its operator (an anonymous token: the text between them). */
function comparison(v: LightNode, source: string): { left: LightNode; right: LightNode; operator: string } | undefined {
  const left = v.children.find((c) => c.field === 'left');
  const right = v.children.find((c) => c.field === 'right');
  return left && right ? { left, right, operator: source.slice(left.end, right.start).trim() } : undefined;
}

/** The registration call (C_APIS.registrations) an if's condition tests, and whether true means it failed: `epoll_ctl(…) < 0`, `== -1`, `!= 0`, the bare call, `!epoll_ctl(…)`. */
export function registrationTest(
  condition: LightNode,
  source: string,
): { call: LightNode; descriptor: LightNode; failedWhenTrue: boolean } | undefined {
  let v = testedExpression(condition);
  let failedWhenTrue: boolean | undefined = true;
  if (v?.type === 'unary_expression' && source.slice(v.start, v.end).trimStart().startsWith('!')) {
    v = v.children.find((c) => c.field === 'argument');
    failedWhenTrue = false;
  } else if (v?.type === 'binary_expression') {
    const sides = comparison(v, source);
    if (!sides) return undefined;
    const { left, right, operator } = sides;
    const [call, value, op] = left.type === 'call_expression' ? [left, right, operator] : [right, left, REVERSED[operator] ?? ''];
    failedWhenTrue = REGISTRATION_FAILURE[source.slice(value.start, value.end).replace(/\s+/g, '')]?.[op];
    v = call;
  }
  if (v?.type !== 'call_expression' || failedWhenTrue === undefined) return undefined;
  const fn = v.children.find((c) => c.field === 'function');
  const api = fn?.type === 'identifier' ? C_APIS.registrations[source.slice(fn.start, fn.end)] : undefined;
  const args = v.children.find((c) => c.field === 'arguments')?.children.filter((c) => c.type !== 'comment');
  const operation = api && args?.[api.operation];
  const descriptor = api && args?.[api.descriptor];
  if (!operation || !descriptor || source.slice(operation.start, operation.end) !== api.adds) return undefined;
  return { call: v, descriptor, failedWhenTrue };
}

/** A registration call's result (0 or -1) compared with a value: whether true means it failed. */
const REGISTRATION_FAILURE: Record<string, Record<string, boolean>> = {
  '0': { '<': true, '!=': true, '>=': false, '==': false },
  '-1': { '==': true, '<=': true, '!=': false, '>': false },
};

interface LoopEnd {
  /** The pointer the loop walks (`p` of `p != NULL`), or the index of a counted loop (`i` of `i < MAX`). */
  variable: string;
  /** The counted loop's bound (`MAX` of `i < MAX`): it ran out where the index reached it. */
  bound?: string;
  /** Where the loop ran out, and where it broke off. */
  exhausted: Preds;
  broken: Preds;
  steps: number;
}

export class CCfgBuilder extends BraceCfgBuilder {
  protected readonly closures: ReadonlySet<string> = new Set(['lambda_expression']);
  private readonly labels = new Map<string, number>();
  private exceptionTo: number = this.b.exit;
  /** Set by a search loop just built: its two ends, kept apart for the test that follows it. */
  private searched: LoopEnd | undefined;

  build(body: LightNode): Cfg | undefined {
    // A throw nothing catches leaves the function like a return: the explicit exit names the path.
    this.exceptionTo = this.b.exit;
    this.useFlagsOf(body);
    const end = this.statement(body, [this.b.entry], []);
    this.connect(end, this.b.exit);
    return this.oversized ? undefined : this.b.build();
  }

  protected isName(n: LightNode): boolean {
    return n.type === 'identifier' || n.type === 'type_identifier';
  }

  protected isAssignedName(n: LightNode): boolean {
    const p = n.parent;
    if (!p) return false;
    if (p.type === 'init_declarator' || p.type === 'pointer_declarator' || p.type === 'reference_declarator')
      return n.field === 'declarator';
    return p.type === 'assignment_expression' && n.field === 'left';
  }

  private label(name: string): number {
    let id = this.labels.get(name);
    if (id === undefined) this.labels.set(name, (id = this.b.add('join')));
    return id;
  }

  private sequence(statements: readonly LightNode[], preds: Preds, jumps: Jumps[]): Preds {
    let cur = preds;
    let split: LoopEnd | undefined;
    for (const s of statements) {
      if (this.oversized) break;
      if (SKIPPED.has(s.type) || s.field) continue;
      if (split) {
        const { rejoined, still, built } = this.afterSearch(split, s, jumps);
        split = still;
        if (!rejoined) continue;
        cur = rejoined;
        if (built) continue;
      }
      // Code after a return is reachable again at a label (`fail: close(fd); return -1;`).
      if (cur.length === 0 && s.type !== 'labeled_statement' && s.type !== 'case_statement') continue;
      this.searched = undefined;
      cur = this.statement(s, cur, jumps);
      split = this.searched;
      this.searched = undefined;
    }
    return split ? [...split.exhausted, ...split.broken] : cur;
  }

  /**
   * The search loop of getaddrinfo's manual page: `for (p = res; p != NULL; p = p->ai_next) { …
   * break; }` then `if (p == NULL) return -1;`. The test after the loop is true only when the loop
   * ran out, never after its break, so the two ends stay apart until that test (a few plain
   * statements in between are stepped on both).
   */
  private afterSearch(split: LoopEnd, s: LightNode, jumps: Jumps[]): { rejoined?: Preds; still?: LoopEnd; built?: boolean } {
    const condition = s.type === 'if_statement' ? s.children.find((c) => c.field === 'condition') : undefined;
    const exhaustedWhen = condition && this.testsExhausted(condition, split);
    if (condition && exhaustedWhen !== undefined) {
      const consequence = s.children.find((c) => c.field === 'consequence');
      const alternative = s.children.find((c) => c.field === 'alternative');
      const onTrue = this.step(exhaustedWhen ? split.exhausted : split.broken, this.effectsOf(condition));
      const onFalse = this.step(exhaustedWhen ? split.broken : split.exhausted, this.effectsOf(condition));
      const then = consequence ? this.statement(consequence, onTrue, jumps) : onTrue;
      const otherwise = alternative ? this.statement(alternative, onFalse, jumps) : onFalse;
      return { rejoined: [...then, ...otherwise], built: true };
    }
    const plain = (s.type === 'expression_statement' || s.type === 'declaration') && !changes(split.variable, this.text(s));
    if (plain && split.steps < 8) {
      const exhausted = this.statement(s, split.exhausted, jumps);
      return { still: { ...split, steps: split.steps + 1, exhausted, broken: this.statement(s, split.broken, jumps) } };
    }
    // Not the shape: the two ends join here, and this statement is built on the joined paths.
    return { rejoined: [...split.exhausted, ...split.broken] };
  }

  /**
   * Whether `condition` is true where the loop ran out (`p == NULL`, `!p`, `i == MAX`, `i >= MAX`),
   * false there (`i < MAX`, `i != MAX`), or says nothing of it (undefined).
   */
  private testsExhausted(condition: LightNode, { variable, bound }: LoopEnd): boolean | undefined {
    const text = this.text(condition)
      .replace(/\s+/g, '')
      .replace(/^\(|\)$/g, '');
    if (bound !== undefined) {
      if ([`${variable}==${bound}`, `${bound}==${variable}`, `${variable}>=${bound}`, `${bound}<=${variable}`].includes(text)) return true;
      if ([`${variable}<${bound}`, `${bound}>${variable}`, `${variable}!=${bound}`, `${bound}!=${variable}`].includes(text)) return false;
      return undefined;
    }
    const exhausted = [
      `${variable}==NULL`,
      `!${variable}`,
      `NULL==${variable}`,
      `${variable}==nullptr`,
      `nullptr==${variable}`,
      `${variable}==0`,
    ].includes(text);
    return exhausted || undefined;
  }

  private statement(s: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    switch (s.type) {
      case 'compound_statement':
      case 'else_clause':
        return this.sequence(s.children, preds, jumps);
      case 'labeled_statement': {
        const name = s.children.find((c) => c.field === 'label');
        const at = name ? this.label(this.text(name)) : this.b.add('join');
        this.connect(preds, at);
        return this.sequence(
          s.children.filter((c) => c !== name),
          [at],
          jumps,
        );
      }
      case 'goto_statement': {
        const name = s.children.find((c) => c.field === 'label');
        if (name) this.connect(preds, this.label(this.text(name)));
        return [];
      }
      case 'return_statement':
        this.connect(this.plainStep(s, preds, { word: 'return', site: this.site(s) }), this.b.exit);
        return [];
      case 'throw_statement':
        this.connect(this.plainStep(s, preds, { word: 'throw', site: this.site(s) }), this.exceptionTo);
        return [];
      case 'break_statement':
      case 'continue_statement': {
        const target = this.jumpTarget(s, jumps, 'statement_identifier');
        if (target) (s.type === 'break_statement' ? target.breaks : target.continues).push(...preds);
        return [];
      }
      case 'if_statement':
        return this.ifStatement(s, preds, jumps);
      case 'while_statement':
      case 'for_statement':
      case 'for_range_loop':
      case 'do_statement':
        return this.loop(s, preds, jumps);
      case 'switch_statement':
        return this.switchStatement(s, preds, jumps);
      case 'try_statement':
        return this.tryStatement(s, preds, jumps);
      case 'expression_statement': {
        const after = this.plainStep(s, preds);
        const call = s.children.find((c) => c.type === 'call_expression');
        const fn = call?.children.find((c) => c.field === 'function');
        return fn && C_APIS.processExits.has(this.text(fn)) ? [] : after;
      }
      default:
        if (PREPROC_BRANCHES.has(s.type)) return this.preprocessor(s, preds, jumps);
        return this.plainStep(s, preds);
    }
  }

  /** Only one branch of `#if … #elif … #else … #endif` is compiled: each is an alternative path; without `#else`, none may be. */
  private preprocessor(s: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    const body = this.sequence(
      s.children.filter((c) => !c.field),
      preds,
      jumps,
    );
    if (s.type === 'preproc_else') return body;
    const alternative = s.children.find((c) => c.field === 'alternative');
    return [...body, ...(alternative ? this.preprocessor(alternative, preds, jumps) : preds)];
  }

  /** The branch on which the descriptor the condition tests failed holds nothing. */
  private tested(condition: LightNode | undefined, preds: Preds): { onTrue: Preds; onFalse: Preds } {
    const test = condition && this.failureTest(condition);
    if (!test) return condition ? this.registered(condition, preds) : { onTrue: preds, onFalse: preds };
    const dropped = this.step(preds, [{ kind: 'drop', name: test.name }]);
    return test.failedWhenTrue ? { onTrue: dropped, onFalse: preds } : { onTrue: preds, onFalse: dropped };
  }

  /** `if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)`: the event loop owns the descriptor on the branch where the registration succeeded. */
  private registered(condition: LightNode, preds: Preds): { onTrue: Preds; onFalse: Preds } {
    const test = registrationTest(condition, this.source);
    const name = test?.descriptor.type === 'identifier' ? this.text(test.descriptor) : undefined;
    if (!test || !name || !this.names.has(name)) return { onTrue: preds, onFalse: preds };
    const taken = this.step(preds, [{ kind: 'transfer', name }]);
    return test.failedWhenTrue ? { onTrue: preds, onFalse: taken } : { onTrue: taken, onFalse: preds };
  }

  /** An arm of `fd >= 0 && close(fd)`: refined as an if's branch is. */
  protected refinedBy(condition: LightNode | undefined, cur: Preds, taken: boolean): Preds {
    const { onTrue, onFalse } = this.tested(condition, cur);
    return taken ? onTrue : onFalse;
  }

  /** `fd < 0`, `(fd = socket(…)) == -1`, `INVALID_SOCKET != s`: which tracked name, and whether true means it failed. */
  private failureTest(condition: LightNode): { name: string; failedWhenTrue: boolean } | undefined {
    const v = testedExpression(condition);
    const sides = v?.type === 'binary_expression' ? comparison(v, this.source) : undefined;
    if (!sides) return undefined;
    const { left, right, operator } = sides;
    // `fd == -1 && errno == EINTR` true: the descriptor failed; `fd >= 0 || …` false: it failed.
    if (operator === '&&' || operator === '||') {
      const wanted = operator === '&&';
      for (const side of [left, right]) {
        const test = this.failureTest(side);
        if (test?.failedWhenTrue === wanted) return test;
      }
      return undefined;
    }
    const read = (n: LightNode): string | undefined => {
      let x: LightNode | undefined = n;
      while (x && (x.type === 'parenthesized_expression' || x.type === 'assignment_expression'))
        x = x.type === 'assignment_expression' ? x.children.find((c) => c.field === 'left') : x.children[0];
      return x?.type === 'identifier' && this.names.has(this.text(x)) ? this.text(x) : undefined;
    };
    const name = read(left);
    const failedWhenTrue = name
      ? FAILURE_TESTS[failureValue(this.text(right))]?.[operator]
      : FAILURE_TESTS[failureValue(this.text(left))]?.[REVERSED[operator] ?? ''];
    const tested = name ?? read(right);
    return tested && failedWhenTrue !== undefined ? { name: tested, failedWhenTrue } : undefined;
  }

  private ifStatement(s: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    const condition = s.children.find((c) => c.field === 'condition');
    const cur = condition ? this.plainStep(condition, preds) : preds;
    const tested = this.tested(condition, cur);
    const [onTrue, onFalse] = [this.assumed(condition, tested.onTrue, true), this.assumed(condition, tested.onFalse, false)];
    const consequence = s.children.find((c) => c.field === 'consequence');
    const alternative = s.children.find((c) => c.field === 'alternative');
    const then = consequence ? this.statement(consequence, onTrue, jumps) : onTrue;
    return [...then, ...(alternative ? this.statement(alternative, onFalse, jumps) : onFalse)];
  }

  private loop(s: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    const field = (name: string) => s.children.find((c) => c.field === name);
    let cur = preds;
    const init = field('initializer');
    if (init) cur = this.step(cur, this.effectsOf(init));
    if (s.type === 'for_range_loop') cur = this.step(cur, this.effectsOf(field('right') ?? s));
    const header = this.b.add('join');
    this.connect(cur, header);
    const own: Jumps = { loop: true, breaks: [], continues: [] };
    const body = field('body');
    const condition = s.type === 'for_range_loop' ? undefined : field('condition');
    const conditionText = condition ? this.text(condition).replace(/[()\s]/g, '') : '';
    const endless = s.type !== 'for_range_loop' && (conditionText === '' || conditionText === '1' || conditionText === 'true');
    if (s.type === 'do_statement') {
      const end = body ? this.statement(body, [header], [...jumps, own]) : [header];
      const checked = condition ? this.step([...end, ...own.continues], this.effectsOf(condition)) : [...end, ...own.continues];
      const { onTrue, onFalse } = this.tested(condition, checked);
      // `do { … } while (0)`, the macro idiom, runs once.
      if (conditionText !== '0') this.connect(onTrue, header);
      return [...(endless ? [] : conditionText === '0' ? checked : onFalse), ...own.breaks];
    }
    const checked = condition ? this.step([header], this.effectsOf(condition)) : [header];
    const { onTrue, onFalse } = this.tested(condition, checked);
    const end = body ? this.statement(body, onTrue, [...jumps, own]) : onTrue;
    let back = [...end, ...own.continues];
    const update = field('update');
    if (update) back = this.step(back, this.effectsOf(update));
    this.connect(back, header);
    const searched = this.searchOf(conditionText, init, body);
    if (searched && !endless && own.breaks.length > 0 && onFalse.length > 0) {
      this.searched = { ...searched, exhausted: onFalse, broken: own.breaks, steps: 0 };
      return [];
    }
    return [...(endless ? [] : onFalse), ...own.breaks];
  }

  /**
   * What a loop searches with: the pointer it walks (`p != NULL`, `p`), or the index it counts
   * to a bound (`i < MAX`, `i != n`) when the index outlives the loop (not declared by it) and only
   * the loop's update changes it (a break then leaves it below the bound).
   */
  private searchOf(
    condition: string,
    init: LightNode | undefined,
    body: LightNode | undefined,
  ): { variable: string; bound?: string } | undefined {
    const pointer = /^(\w+)(?:!=(?:NULL|nullptr|0))?$/.exec(condition)?.[1];
    if (pointer) return { variable: pointer };
    const below = /^([A-Za-z_]\w*)(?:<|!=)([\w.]+(?:->\w+)*)$/.exec(condition);
    const above = /^([\w.]+(?:->\w+)*)>([A-Za-z_]\w*)$/.exec(condition);
    const [variable, bound] = below ? [below[1], below[2]] : above ? [above[2], above[1]] : [];
    if (!variable || !bound || init?.type === 'declaration') return undefined;
    return body && changes(variable, this.text(body)) ? undefined : { variable, bound };
  }

  private switchStatement(s: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    const condition = s.children.find((c) => c.field === 'condition');
    const start = condition ? this.step(preds, this.effectsOf(condition)) : preds;
    const own: Jumps = { loop: false, breaks: [], continues: [] };
    let fallthrough: Preds = [];
    let hasDefault = false;
    for (const c of s.children.find((x) => x.field === 'body')?.children ?? []) {
      if (c.type !== 'case_statement') continue;
      if (!c.children.some((x) => x.field === 'value')) hasDefault = true;
      fallthrough = this.sequence(
        c.children.filter((x) => !x.field),
        [...start, ...fallthrough],
        [...jumps, own],
      );
    }
    return [...(hasDefault ? [] : start), ...fallthrough, ...own.breaks];
  }

  /** C++: a `throw` in the body goes to any catch clause (types are not known); calls are not taken to throw. */
  private tryStatement(s: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    const body = s.children.find((c) => c.field === 'body');
    const catches = s.children.filter((c) => c.type === 'catch_clause');
    const outer = this.exceptionTo;
    const handler = this.b.add('join');
    if (catches.length > 0) this.exceptionTo = handler;
    const end = body ? this.statement(body, preds, jumps) : preds;
    this.exceptionTo = outer;
    const out = [...end];
    for (const k of catches) {
      const kBody = k.children.find((x) => x.field === 'body');
      out.push(...(kBody ? this.statement(kBody, [handler], jumps) : [handler]));
    }
    return out;
  }
}
