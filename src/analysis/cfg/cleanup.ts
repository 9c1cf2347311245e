import type { Jumps, Preds } from './brace';
import type { CfgBuilder } from './graph';

/** Where the ways out of a statement go, for front ends with try/finally (Java, C#, JavaScript). */
export interface ExitContext {
  /** Where an exception goes: a catch, a copy of a finally, or the exceptional exit. */
  throwTo: number;
  returnTo(preds: Preds): void;
  jumps: Jumps[];
}

/**
 * Runs `inner` so that every way out of it (its end, an exception, a return, a break or continue
 * to an outer statement) goes through its own copy of `cleanup` first: a finally block, the
 * implicit close of try-with-resources or `using`.
 */
export function withCleanup<C extends ExitContext>(
  b: CfgBuilder,
  preds: Preds,
  ctx: C,
  cleanup: (preds: Preds, ctx: C) => Preds,
  inner: (preds: Preds, ctx: C) => Preds,
): Preds {
  const thrown = b.add('join');
  const returns: Preds = [];
  const proxies = ctx.jumps.map((j) => ({ ...j, breaks: [] as Preds, continues: [] as Preds }));
  const end = inner(preds, { ...ctx, throwTo: thrown, returnTo: (p: Preds) => returns.push(...p), jumps: proxies });
  for (const p of cleanup([thrown], ctx)) b.edge(p, ctx.throwTo);
  if (returns.length > 0) ctx.returnTo(cleanup(returns, ctx));
  proxies.forEach((p, i) => {
    const j = ctx.jumps[i]!;
    if (p.breaks.length > 0) j.breaks.push(...cleanup(p.breaks, ctx));
    if (p.continues.length > 0) j.continues.push(...cleanup(p.continues, ctx));
  });
  return end.length > 0 ? cleanup(end, ctx) : [];
}
