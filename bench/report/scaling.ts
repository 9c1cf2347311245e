import type { SizeResult } from '../sizeRun';

export interface Scaling {
  /** Marginal cost per socket between the smallest and largest size, in µs. */
  perSocketUs: number;
  /** Marginal cost in the upper interval over that in the lower one: about 1 when linear. */
  curvature: number | undefined;
  linear: boolean;
}

export const socketsIn = (s: SizeResult): number => Object.values(s.counts).reduce((a, b) => a + b, 0);

/**
 * Fits the cost of `pick` against the socket count. With three sizes it compares the slope of
 * the upper interval with the lower one; more than 1.5× steeper is not linear.
 */
export function scalingOf(sizes: readonly SizeResult[], pick: (s: SizeResult) => number): Scaling | undefined {
  if (sizes.length < 2) return undefined;
  const points = sizes.map((s) => ({ n: socketsIn(s), t: pick(s) })).sort((a, b) => a.n - b.n);
  const first = points[0];
  const last = points[points.length - 1];
  const slope = (a: typeof first, b: typeof first): number => (b.t - a.t) / (b.n - a.n);
  const perSocketUs = slope(first, last) * 1000;
  let curvature: number | undefined;
  if (points.length >= 3) {
    const mid = points[points.length - 2];
    const lower = slope(first, mid);
    curvature = lower > 0 ? slope(mid, last) / lower : undefined;
  }
  return { perSocketUs, curvature, linear: curvature === undefined || curvature <= 1.5 };
}
