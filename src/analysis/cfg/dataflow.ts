import type { Cfg, Effect, StepSite, ThrowingCall } from './graph';

/**
 * Forward must-release dataflow over a function's graph. The state at a point is the set of
 * obligations that are still open on some path reaching it, each with the variables that may hold
 * it (aliases) and, when the only paths that keep it open went through a raising call, that call.
 * Joins take the union (a variable assigned in several branches carries every branch's
 * obligation); an obligation open at the normal exit, at an explicit exit, or lost (its last
 * holder overwritten) is a leak.
 */

interface Fact {
  /** Variables that may hold the obligation. */
  readonly holders: ReadonlySet<string>;
  /** The raising call that kept it open on the paths reaching here; undefined if some path without an exception does. */
  readonly via?: ThrowingCall;
  /** The explicit exit (return, raise) the path went through, for the message. */
  readonly exit?: { word: string; site: StepSite };
  /** Connected on every path that keeps it open here (a connect completed, no exception since). */
  readonly connected?: true;
  /** Values of the function's flags on every path that keeps it open here (see FlagBranches). */
  readonly flags?: ReadonlyMap<string, boolean>;
}

type State = ReadonlyMap<number, Fact>;

/**
 * The key of the path's own fact: no obligation, only the flag values every path reaching here
 * agrees on. Absent where nothing is known of them.
 */
const PATH = -1;
const NOBODY: ReadonlySet<string> = new Set();
/** A path a test of a flag shows cannot happen: nothing flows on from it. */
const DEAD: State = new Map();

export type ObligationVerdict =
  /** Some path without an exception leaves the function (or drops the socket) with it open. */
  | { kind: 'leak'; exit?: { word: string; site: StepSite }; lost?: StepSite; releasedSomewhere: boolean }
  /**
   * Released on every normal path; an exception from `via` skips the release. `caught`: the function
   * handles that exception and returns normally with the socket open (not only by letting it escape).
   */
  | { kind: 'leak-on-exception'; via: ThrowingCall; releasedSomewhere: boolean; caught: boolean }
  | { kind: 'released' };

export interface DataflowResult {
  verdicts: Map<number, ObligationVerdict>;
  /** False when the work budget ran out: the verdicts are not to be trusted, callers fall back. */
  complete: boolean;
}

/** Fact operations one function may cost; a generated function with thousands of sockets falls back. */
export const DEFAULT_BUDGET = 500_000;

const EMPTY: State = new Map();

export function analyzeObligations(cfg: Cfg, obligations: readonly number[], budget = DEFAULT_BUDGET): DataflowResult {
  const inStates = new Map<number, State>();
  const normalLeaks = new Map<number, { exit?: Fact['exit']; lost?: StepSite }>();
  const exceptionLeaks = new Map<number, ThrowingCall>();
  const released = new Set<number>();
  let work = 0;

  const recordLeak = (id: number, fact: Fact, lost?: StepSite) => {
    if (fact.via) {
      if (!exceptionLeaks.has(id)) exceptionLeaks.set(id, fact.via);
    } else if (!normalLeaks.has(id)) normalLeaks.set(id, { ...(fact.exit ? { exit: fact.exit } : {}), ...(lost ? { lost } : {}) });
  };

  const apply = (state: State, effects: readonly Effect[], site: StepSite | undefined): State => {
    if (effects.length === 0) return state;
    const next = new Map(state);
    for (const e of effects) {
      work += next.size + 1;
      switch (e.kind) {
        case 'acquire': {
          // The socket is open where the path's flags have the values they have here.
          const flags = next.get(PATH)?.flags;
          const fact: Fact = { holders: new Set([e.target]), ...(flags ? { flags } : {}) };
          if (e.late) {
            if (!next.has(e.obligation)) next.set(e.obligation, fact);
            break;
          }
          dropHolder(next, e.target, site, recordLeak);
          // The same site again (a loop's next turn) while the last turn's socket is still open under other names: that one is lost.
          const previous = next.get(e.obligation);
          if (previous) recordLeak(e.obligation, previous, site);
          next.set(e.obligation, fact);
          break;
        }
        case 'release':
        case 'transfer':
        case 'drop':
          for (const [id, f] of next) {
            if (!f.holders.has(e.name)) continue;
            next.delete(id);
            // A nil socket was never open: it says nothing about whether the code closes it elsewhere.
            if (e.kind !== 'drop') released.add(id);
          }
          break;
        case 'alias': {
          if (e.target === e.source) break;
          dropHolder(next, e.target, site, recordLeak);
          for (const [id, f] of next) if (f.holders.has(e.source)) next.set(id, { ...f, holders: new Set([...f.holders, e.target]) });
          break;
        }
        case 'kill':
          dropHolder(next, e.name, site, recordLeak);
          break;
        case 'connect':
          for (const [id, f] of next) if (f.holders.has(e.name) && !f.connected) next.set(id, { ...f, connected: true });
          break;
        case 'disconnected':
          for (const [id, f] of next) if (f.holders.has(e.name) && f.connected) next.delete(id);
          break;
        case 'assume':
          // The path's flags say the test cannot come out this way here: no path goes on.
          if (next.get(PATH)?.flags?.get(e.name) === !e.value) return DEAD;
          for (const [id, f] of next) if (f.flags?.get(e.name) === !e.value) next.delete(id);
          withFlag(next, e.name, e.value);
          break;
        case 'set':
          withFlag(next, e.name, e.value);
          break;
      }
    }
    return next;
  };

  // Worklist in node order: front ends number nodes roughly in source order, which converges fast.
  const pending = new Set<number>([cfg.entry]);
  const propagate = (to: number, state: State) => {
    const old = inStates.get(to);
    const merged = old ? join(old, state) : state;
    work += merged.size + state.size + 1;
    if (!old || !sameState(old, merged)) {
      inStates.set(to, merged);
      pending.add(to);
    }
  };
  inStates.set(cfg.entry, EMPTY);
  while (pending.size > 0) {
    if (work > budget) return { verdicts: new Map(), complete: false };
    let id = Infinity;
    for (const p of pending) if (p < id) id = p;
    pending.delete(id);
    const node = cfg.nodes[id]!;
    const before = inStates.get(id) ?? EMPTY;
    if (node.kind === 'exit' || node.kind === 'exceptional-exit') continue; // read once the states settle
    const site = node.throws?.site ?? node.exitSite?.site ?? node.at;
    let after = apply(before, node.effects, site);
    if (after === DEAD) continue;
    if (node.exitSite) {
      after = withExit(after, node.exitSite);
      work += after.size;
    }
    for (const to of node.next) propagate(to, after);
    if (node.throws && node.onThrow.length > 0) {
      const thrown = markVia(node.throws.effectsFirst ? after : before, node.throws);
      work += thrown.size;
      for (const to of node.onThrow) propagate(to, thrown);
    }
  }

  const caught = new Set<number>();
  for (const [oid, f] of inStates.get(cfg.exit) ?? EMPTY) if (f.via && oid !== PATH) caught.add(oid);
  for (const exit of [cfg.exit, cfg.exceptionalExit])
    for (const [oid, f] of inStates.get(exit) ?? EMPTY) if (oid !== PATH) recordLeak(oid, f);
  const verdicts = new Map<number, ObligationVerdict>();
  for (const id of obligations) {
    const normal = normalLeaks.get(id);
    const via = exceptionLeaks.get(id);
    const releasedSomewhere = released.has(id);
    if (normal) verdicts.set(id, { kind: 'leak', ...normal, releasedSomewhere });
    else if (via) verdicts.set(id, { kind: 'leak-on-exception', via, releasedSomewhere, caught: caught.has(id) });
    else verdicts.set(id, { kind: 'released' });
  }
  return { verdicts, complete: true };
}

/**
 * `name` has `value` (undefined: unknown) from here on, on this path and for every socket open on
 * it; an unknown path learns its first value.
 */
function withFlag(state: Map<number, Fact>, name: string, value: boolean | undefined): void {
  if (!state.has(PATH) && value !== undefined) state.set(PATH, { holders: NOBODY });
  for (const [id, f] of state) {
    if (value === undefined && !f.flags?.has(name)) continue;
    if (value !== undefined && f.flags?.get(name) === value) continue;
    const flags = new Map(f.flags);
    if (value === undefined) flags.delete(name);
    else flags.set(name, value);
    state.set(id, { ...f, flags });
  }
}

/** The flag values both sides know and agree on. */
function commonFlags(a: Fact['flags'], b: Fact['flags']): Fact['flags'] {
  if (a === b) return a;
  if (!a || !b) return undefined;
  let out: Map<string, boolean> | undefined;
  for (const [name, value] of a) {
    if (b.get(name) !== value) continue;
    (out ??= new Map()).set(name, value);
  }
  return out && out.size === a.size ? a : out;
}

/** `name` stops holding anything; an obligation it was the last holder of is lost there. */
function dropHolder(
  state: Map<number, Fact>,
  name: string,
  site: StepSite | undefined,
  recordLeak: (id: number, f: Fact, lost?: StepSite) => void,
): void {
  for (const [id, f] of state) {
    if (!f.holders.has(name)) continue;
    if (f.holders.size === 1) {
      state.delete(id);
      recordLeak(id, f, site);
    } else {
      const holders = new Set(f.holders);
      holders.delete(name);
      state.set(id, { ...f, holders });
    }
  }
}

function markVia(state: State, call: ThrowingCall): State {
  if (state.size === 0) return state;
  const out = new Map<number, Fact>();
  // The exception that first diverted the path names the leak, unless a release attempt or another
  // call on the socket raises later, in the handler (`finally: a.close(); b.close()`: b is skipped by
  // a's close; `finally: s.shutdown(…); s.close()`: by the shutdown, not by what raised before).
  for (const [id, f] of state) {
    const later = call.release || (call.receiver !== undefined && f.holders.has(call.receiver));
    const via = f.via && (f.via === call || !later) ? f.via : call;
    // After an exception the connection may be broken: the socket's state no longer says which path this was.
    out.set(id, { holders: f.holders, via, ...(f.exit ? { exit: f.exit } : {}), ...(f.flags ? { flags: f.flags } : {}) });
  }
  return out;
}

function withExit(state: State, exit: NonNullable<Fact['exit']>): State {
  if (state.size === 0) return state;
  const out = new Map<number, Fact>();
  for (const [id, f] of state) out.set(id, f.exit ? f : { ...f, exit });
  return out;
}

/** Union of obligations; holders merge; a normal path wins over an exceptional one. */
function join(a: State, b: State): State {
  if (a === b || (b.size === 0 && !a.has(PATH))) return a;
  if (a.size === 0 && !b.has(PATH)) return b;
  const out = new Map(a);
  // Flags one side knows nothing of are unknown after the join.
  if (!b.has(PATH)) out.delete(PATH);
  for (const [id, fb] of b) {
    const fa = out.get(id);
    if (!fa) {
      if (id !== PATH || a.has(PATH)) out.set(id, fb);
      continue;
    }
    const holders =
      fa.holders === fb.holders || [...fb.holders].every((h) => fa.holders.has(h)) ? fa.holders : new Set([...fa.holders, ...fb.holders]);
    const via = fa.via && fb.via ? betterVia(fa.via, fb.via, holders) : undefined;
    const exit = fa.exit ?? fb.exit;
    const connected = fa.connected && fb.connected;
    const flags = commonFlags(fa.flags, fb.flags);
    if (holders === fa.holders && via === fa.via && exit === fa.exit && connected === fa.connected && flags === fa.flags) continue;
    out.set(id, {
      holders,
      ...(via ? { via } : {}),
      ...(exit ? { exit } : {}),
      ...(connected ? { connected } : {}),
      ...(flags ? { flags } : {}),
    });
  }
  return out;
}

/** Of two exceptions that leak the same socket, the one raised by a call on the socket itself names it best. */
function betterVia(a: ThrowingCall, b: ThrowingCall, holders: ReadonlySet<string>): ThrowingCall {
  if (a === b) return a;
  const onSocket = (c: ThrowingCall) => c.receiver !== undefined && holders.has(c.receiver);
  if (!onSocket(a) && onSocket(b)) return b;
  return a;
}

function sameState(a: State, b: State): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [id, fa] of a) {
    const fb = b.get(id);
    if (!fb || fa.via !== fb.via || fa.exit !== fb.exit || fa.connected !== fb.connected || fa.holders.size !== fb.holders.size)
      return false;
    if (!sameFlags(fa.flags, fb.flags)) return false;
    for (const h of fa.holders) if (!fb.holders.has(h)) return false;
  }
  return true;
}

function sameFlags(a: Fact['flags'], b: Fact['flags']): boolean {
  if (a === b) return true;
  if (!a || !b || a.size !== b.size) return false;
  for (const [name, value] of a) if (b.get(name) !== value) return false;
  return true;
}
