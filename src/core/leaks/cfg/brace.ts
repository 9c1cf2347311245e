import type { LightNode } from '../languages/cFamilyTree';
import type { Use } from '../languages/cFamilyEngine';
import { CfgBuilder, type Effect, type StepSite, type ThrowingCall } from './graph';

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

export abstract class BraceCfgBuilder {
  /** Generated code: beyond this the statement rules take the function. */
  static readonly MAX_NODES = 20_000;
  protected readonly b = new CfgBuilder();
  protected readonly names = new Set<string>();
  private readonly bySite = new Map<number, TreeObligation>();

  constructor(
    protected readonly source: string,
    private readonly use: (name: LightNode, source: string) => Use,
    obligations: readonly TreeObligation[],
  ) {
    for (const o of obligations) {
      this.names.add(o.target);
      this.bySite.set(o.site.start, o);
    }
  }

  /** An identifier that the statement assigns or declares (left of `=`, `:=`, a declarator's name). */
  protected abstract isAssignedName(n: LightNode): boolean;
  /** A node that names a variable (C++ also reads `Guard g(fd);`'s `fd`, parsed as a type). */
  protected isName(n: LightNode): boolean {
    return n.type === 'identifier';
  }

  /** Node types whose body runs later, on behalf of whoever keeps it (closures, lambdas, anonymous classes). */
  protected abstract readonly closures: ReadonlySet<string>;

  protected get oversized(): boolean {
    return this.b.size > BraceCfgBuilder.MAX_NODES;
  }

  protected connect(preds: Preds, to: number): void {
    for (const p of preds) this.b.edge(p, to);
  }

  protected step(preds: Preds, effects: Effect[], exitSite?: { word: string; site: StepSite }, throws?: { call: ThrowingCall; to: number }): Preds {
    if (preds.length === 0) return preds;
    const id = this.b.add('step', effects, throws?.call, exitSite);
    this.connect(preds, id);
    if (throws) this.b.throwEdge(id, throws.to);
    return [id];
  }

  protected text(n: LightNode): string {
    return this.source.slice(n.start, n.end);
  }

  protected site(n: LightNode): StepSite {
    return { line: n.startRow, column: n.startColumn };
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
    const acquired = new Map<string, TreeObligation>();
    const stack: { node: LightNode; closure: boolean }[] = [{ node: s, closure: false }];
    const mentions: { node: LightNode; closure: boolean }[] = [];
    while (stack.length > 0) {
      const { node, closure } = stack.pop()!;
      const o = this.bySite.get(node.start);
      if (o && node === o.site) acquired.set(o.target, o);
      if (this.isName(node)) {
        const name = this.text(node);
        if (this.isAssignedName(node)) {
          if (name !== '_') assigned.push(name);
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
      else if (closure || use.kind === 'escape' || use.kind === 'call') effects.push({ kind: 'transfer', name });
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
    return effects;
  }
}

/** The error variable paired with an acquisition is tracked as this holder: `?err`. */
export const ERROR_PARTNER = '?';
