/**
 * A language-independent control-flow graph of one function, as the leak engine sees it: each
 * node is one step (usually one call) with the effects it has on socket obligations, a normal
 * successor list and, when the step may raise, an exceptional successor list. Front ends
 * (per language, over tree-sitter trees) build it with CfgBuilder; dataflow.ts runs over it.
 */

/** Where in the source a step is, for messages: 0-based line, as the rest of the analyzer counts. */
export interface StepSite {
  line: number;
  column: number;
}

/** What a step does to the obligations that variables hold. */
export type Effect =
  /**
   * A new obligation (one per acquisition site) now held by `target` alone. `late`: a socket made
   * earlier gets its descriptor here (Java's `s.connect` of a `new Socket()`): nothing happens if it
   * is already open, and what else `target` may hold on other paths stays.
   */
  | { kind: 'acquire'; obligation: number; target: string; late?: boolean }
  /** The obligations `name` holds are discharged by a close or close-equivalent. */
  | { kind: 'release'; name: string }
  /** `name` is known to hold nothing on this path (Go's `if err != nil` after an acquisition: the socket is nil there). */
  | { kind: 'drop'; name: string }
  /** Ownership leaves the function (returned, stored, handed to a taker): discharged too. */
  | { kind: 'transfer'; name: string }
  /** `target = source`: target now holds what source holds (and no longer what it held before). */
  | { kind: 'alias'; target: string; source: string }
  /** `name` is assigned something else: it no longer holds what it held. */
  | { kind: 'kill'; name: string }
  /** A connect on `name` completed: its socket is connected on this path (C#'s `s.Connect(ep)`). */
  | { kind: 'connect'; name: string }
  /**
   * A test of the socket's own state says `name` is not connected here (the false side of
   * `s.Connected`): a socket connected on every path that keeps it open cannot be on this one;
   * the path that reaches here is the one where a failed connect disposed it.
   */
  | { kind: 'disconnected'; name: string }
  /**
   * The branch of a test of a flag: the flag has `value` from here on, and obligations opened
   * where it had the other value cannot be on this path (see FlagBranches).
   */
  | { kind: 'assume'; name: string; value: boolean }
  /** A flag is given a value here (`ok = true`), or one the graph cannot know (undefined). */
  | { kind: 'set'; name: string; value?: boolean };

/** A call that may raise, named for the message ("leaks when `sendall` raises at line 14"). */
export interface ThrowingCall {
  call: string;
  site: StepSite;
  /**
   * Whether the step's effects happen before it may raise: a close that raises has still released;
   * an acquisition that raises has acquired nothing.
   */
  effectsFirst?: boolean;
  /** A close or close-equivalent: its exception, unlike an earlier one, is what skips a later release. */
  release?: boolean;
  /** The variable the call is made on (`s` in `s.sendall(x)`): a call on the socket names a leak best. */
  receiver?: string;
}

export type NodeKind = 'entry' | 'step' | 'join' | 'exit' | 'exceptional-exit';

export interface CfgNode {
  readonly id: number;
  readonly kind: NodeKind;
  readonly effects: Effect[];
  readonly throws?: ThrowingCall;
  /** An explicit exit of the function's code (return, raise/throw, end of body): named in messages. */
  readonly exitSite?: { word: string; site: StepSite };
  /** Where the step is, for a step that neither raises nor exits (a socket lost by reassignment there is named by it). */
  readonly at?: StepSite;
  readonly next: number[];
  /** Taken when `throws` raises. */
  readonly onThrow: number[];
}

export interface Cfg {
  readonly nodes: readonly CfgNode[];
  readonly entry: number;
  /** Normal return from the function. */
  readonly exit: number;
  /** An exception leaves the function. */
  readonly exceptionalExit: number;
}

/** Builds a graph node by node; the front end wires the edges with its knowledge of the syntax. */
export class CfgBuilder {
  private readonly nodes: CfgNode[] = [];
  readonly entry: number;
  readonly exit: number;
  readonly exceptionalExit: number;

  constructor() {
    this.entry = this.add('entry');
    this.exit = this.add('exit');
    this.exceptionalExit = this.add('exceptional-exit');
  }

  add(kind: NodeKind, effects: Effect[] = [], throws?: ThrowingCall, exitSite?: CfgNode['exitSite'], at?: StepSite): number {
    const id = this.nodes.length;
    // Optional properties set only when present, without spreading a temporary object each.
    const node: { -readonly [K in keyof CfgNode]: CfgNode[K] } = { id, kind, effects, next: [], onThrow: [] };
    if (throws) node.throws = throws;
    if (exitSite) node.exitSite = exitSite;
    if (at) node.at = at;
    this.nodes.push(node);
    return id;
  }

  edge(from: number, to: number): void {
    const next = this.nodes[from]!.next;
    if (!next.includes(to)) next.push(to);
  }

  throwEdge(from: number, to: number): void {
    const onThrow = this.nodes[from]!.onThrow;
    if (!onThrow.includes(to)) onThrow.push(to);
  }

  node(id: number): CfgNode {
    return this.nodes[id]!;
  }

  get size(): number {
    return this.nodes.length;
  }

  build(): Cfg {
    return { nodes: this.nodes, entry: this.entry, exit: this.exit, exceptionalExit: this.exceptionalExit };
  }
}

/** The edges of a graph as `from->to` (normal) and `from~>to` (exceptional) strings: what tests compare. */
export function edgeList(cfg: Cfg, label: (n: CfgNode) => string = (n) => String(n.id)): string[] {
  const out: string[] = [];
  for (const n of cfg.nodes) {
    for (const to of n.next) out.push(`${label(n)}->${label(cfg.nodes[to]!)}`);
    for (const to of n.onThrow) out.push(`${label(n)}~>${label(cfg.nodes[to]!)}`);
  }
  return out;
}

/**
 * Builds a graph with the front end's recursive walk, or gives up (undefined: the statement rules
 * take the function) when generated code nests deeper than the JavaScript call stack allows.
 */
export function buildOrGiveUp(build: () => Cfg | undefined): Cfg | undefined {
  try {
    return build();
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}
