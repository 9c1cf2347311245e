import type { LightNode } from '../languages/cFamilyTree';
import { GO_APIS } from '../apis/go';
import { BraceCfgBuilder, ERROR_PARTNER, type Jumps, type Preds, type TreeObligation } from './brace';
import type { Cfg, Effect } from './graph';

/**
 * The Go front end of the leak engine: one graph per function body over the copied syntax tree.
 * Go has no exceptions (errors are values), so every edge is a normal one. What each mention of a
 * socket does (close, hand on, alias) is the Go rules' own `use` classification; this file adds
 * only the paths: if/else chains, switch/type switch/select, for loops with labelled
 * break/continue, return, panic, defer, and the `if err != nil` check after an acquisition, on
 * whose path the socket is nil and holds nothing.
 */

export type GoObligation = TreeObligation;

const CASES = new Set(['expression_case', 'default_case', 'type_case', 'communication_case']);
const DECLARING = new Set(['short_var_declaration', 'assignment_statement', 'var_spec', 'range_clause']);
const NIL_TEST = /^\s*(\w+)\s*(!=|==)\s*nil\s*$/;

export class GoCfgBuilder extends BraceCfgBuilder {
  protected readonly closures: ReadonlySet<string> = new Set(['func_literal']);
  private unsupported = false;
  /** `func f() (conn net.Conn, err error)`: a bare `return` hands these to the caller. */
  private readonly namedResults: string[] = [];

  /** The graph of a function body, or undefined when it uses what the graph does not model (goto). */
  build(body: LightNode): Cfg | undefined {
    const results = body.parent?.children.find((c) => c.field === 'result');
    if (results?.type === 'parameter_list')
      for (const decl of results.children) for (const n of decl.children) if (n.field === 'name') this.namedResults.push(this.text(n));
    this.useFlagsOf(body);
    const end = this.statements(body, [this.b.entry], []);
    this.connect(end, this.b.exit);
    return this.unsupported || this.oversized ? undefined : this.b.build();
  }

  /** The statements of a block, a statement list or a case clause, flattened. */
  private statementsOf(n: LightNode): LightNode[] {
    const out: LightNode[] = [];
    for (const c of n.children) {
      if (c.type === 'comment' || c.field) continue;
      if (c.type === 'block' || c.type === 'statement_list') out.push(...this.statementsOf(c));
      else out.push(c);
    }
    return out;
  }

  private statements(block: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    let cur = preds;
    for (const s of this.statementsOf(block)) {
      if (cur.length === 0) break; // unreachable after return, panic, break
      cur = this.statement(s, cur, jumps);
    }
    return cur;
  }

  private statement(s: LightNode, preds: Preds, jumps: Jumps[], label?: string): Preds {
    switch (s.type) {
      case 'block':
        return this.statements(s, preds, jumps);
      case 'labeled_statement': {
        const name = s.children.find((c) => c.type === 'label_name');
        const inner = s.children.find((c) => c !== name && c.type !== 'comment');
        return inner ? this.statement(inner, preds, jumps, name && this.text(name)) : preds;
      }
      case 'return_statement': {
        const bare = s.children.every((c) => c.type === 'return' || c.type === 'comment');
        const handed = bare ? this.namedResults.map((name): Effect => ({ kind: 'transfer', name })) : [];
        this.connect(this.step(preds, [...this.goEffects(s), ...handed], { word: 'return', site: this.site(s) }), this.b.exit);
        return [];
      }
      case 'break_statement':
      case 'continue_statement': {
        const target = this.jumpTarget(s, jumps, 'label_name');
        if (target) (s.type === 'break_statement' ? target.breaks : target.continues).push(...preds);
        return [];
      }
      case 'goto_statement':
        this.unsupported = true;
        return [];
      case 'fallthrough_statement':
        return preds; // the switch wires the next case
      case 'if_statement':
        return this.ifStatement(s, preds, jumps);
      case 'for_statement':
        return this.forStatement(s, preds, jumps, label);
      case 'expression_switch_statement':
      case 'type_switch_statement':
      case 'select_statement':
        return this.switchStatement(s, preds, jumps, label);
      case 'expression_statement':
        return this.expressionStatement(s, preds);
      default:
        return this.step(preds, this.goEffects(s));
    }
  }

  /** `panic(…)` leaves the function (deferred closes run); `os.Exit`, `log.Fatal`, `t.Fatal` end the program or test. */
  private expressionStatement(s: LightNode, preds: Preds): Preds {
    const call = s.children.find((c) => c.type === 'call_expression');
    const fn = call?.children.find((c) => c.field === 'function');
    const callee = fn ? this.text(fn) : '';
    if (callee === 'panic') {
      this.connect(this.step(preds, this.goEffects(s), { word: 'panic', site: this.site(s) }), this.b.exit);
      return [];
    }
    const after = this.step(preds, this.goEffects(s));
    return GO_APIS.processExits.test(callee) ? [] : after;
  }

  private ifStatement(s: LightNode, preds: Preds, jumps: Jumps[]): Preds {
    let cur = preds;
    const init = s.children.find((c) => c.field === 'initializer');
    if (init) cur = this.step(cur, this.goEffects(init));
    const condition = s.children.find((c) => c.field === 'condition');
    if (condition) cur = this.step(cur, this.goEffects(condition));
    const nilTest = condition && NIL_TEST.exec(this.text(condition));
    // On the branch where the error is set (or the socket is nil) the acquisition returned no socket.
    const nilName = nilTest && (this.names.has(nilTest[1]!) ? nilTest[1]! : ERROR_PARTNER + nilTest[1]!);
    const errorSet = nilTest && !this.names.has(nilTest[1]!) ? nilTest[2] === '!=' : nilTest?.[2] === '==';
    const dropOn = (taken: boolean): Preds =>
      this.assumed(condition, nilName && taken === errorSet ? this.step(cur, [{ kind: 'drop', name: nilName }]) : cur, taken);
    const consequence = s.children.find((c) => c.field === 'consequence');
    const then = consequence ? this.statements(consequence, dropOn(true), jumps) : dropOn(true);
    const alternative = s.children.find((c) => c.field === 'alternative');
    const otherwise = alternative ? this.statement(alternative, dropOn(false), jumps) : dropOn(false);
    return [...then, ...otherwise];
  }

  private forStatement(s: LightNode, preds: Preds, jumps: Jumps[], label?: string): Preds {
    const clause = s.children.find((c) => c.type === 'for_clause');
    const range = s.children.find((c) => c.type === 'range_clause');
    const bare = s.children.find(
      (c) => c.field !== 'body' && c.type !== 'for_clause' && c.type !== 'range_clause' && c.type !== 'comment' && c.type !== 'block',
    );
    const part = (field: string) => clause?.children.find((c) => c.field === field);
    let cur = preds;
    const init = part('initializer');
    if (init) cur = this.step(cur, this.goEffects(init));
    const header = this.b.add('join');
    this.connect(cur, header);
    const test = range ?? part('condition') ?? bare;
    const tested = test ? this.step([header], this.goEffects(test)) : [header];
    const own: Jumps = { ...(label ? { label } : {}), loop: true, breaks: [], continues: [] };
    const body = s.children.find((c) => c.field === 'body');
    const end = body ? this.statements(body, tested, [...jumps, own]) : tested;
    const update = part('update');
    const back = update ? this.step([...end, ...own.continues], this.goEffects(update)) : [...end, ...own.continues];
    this.connect(back, header);
    // `for {}` without a condition ends only by break (or return).
    return [...(test ? tested : []), ...own.breaks];
  }

  private switchStatement(s: LightNode, preds: Preds, jumps: Jumps[], label?: string): Preds {
    const head = s.children.filter((c) => !CASES.has(c.type) && c.type !== 'comment');
    const effects = head.flatMap((h) => this.goEffects(h));
    const start = this.step(preds, effects);
    const own: Jumps = { ...(label ? { label } : {}), loop: false, breaks: [], continues: [] };
    const out: Preds = [];
    let fallthrough: Preds = [];
    let hasDefault = false;
    for (const c of s.children.filter((x) => CASES.has(x.type))) {
      if (c.type === 'default_case') hasDefault = true;
      const communication = c.children.find((x) => x.field === 'communication');
      const entry = communication ? this.step(start, this.goEffects(communication)) : start;
      const end = this.statements(c, [...entry, ...fallthrough], [...jumps, own]);
      const last = this.statementsOf(c).at(-1);
      if (last?.type === 'fallthrough_statement') fallthrough = end;
      else {
        fallthrough = [];
        out.push(...end);
      }
    }
    // Without a default, a switch may match no case; a select without one waits for a case.
    if (!hasDefault && s.type !== 'select_statement') out.push(...start);
    return [...out, ...fallthrough, ...own.breaks];
  }

  private goEffects(s: LightNode) {
    return this.effectsOf(s, (x) => this.errorPartner(x));
  }

  /** An identifier on the left of `=`/`:=`/`range` or declared by `var`. */
  protected isAssignedName(n: LightNode): boolean {
    const p = n.parent;
    if (!p) return false;
    if (p.type === 'var_spec') return n.field === 'name';
    return p.type === 'expression_list' && p.field === 'left' && !!p.parent && DECLARING.has(p.parent.type);
  }

  /** `err` in `c, err := net.Dial(…)`: the last name on the left of a statement that acquires. */
  private errorPartner(s: LightNode): string | undefined {
    if (!DECLARING.has(s.type) || s.type === 'range_clause') return undefined;
    const left =
      s.type === 'var_spec' ? s.children.filter((c) => c.field === 'name') : (s.children.find((c) => c.field === 'left')?.children ?? []);
    const last = left.at(-1);
    if (left.length < 2 || last?.type !== 'identifier') return undefined;
    const name = this.text(last);
    return name === '_' ? undefined : name;
  }
}
