const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** Tick spacings a reader counts in: 1, 2, 5, 10, 15, 30 s; 1, 2, 5, 10, 15, 30 min; 1, 2, 3, 6, 12 h; days. */
export const TICK_STEPS_MS = [
  S,
  2 * S,
  5 * S,
  10 * S,
  15 * S,
  30 * S,
  M,
  2 * M,
  5 * M,
  10 * M,
  15 * M,
  30 * M,
  H,
  2 * H,
  3 * H,
  6 * H,
  12 * H,
  D,
  2 * D,
  7 * D,
];

/**
 * Ticks at round local times between `min` and `max`: the smallest step from
 * {@link TICK_STEPS_MS} that gives at most `maxTicks`, at multiples of that step in local time
 * (`offsetMinutes` is `Date#getTimezoneOffset()`, so hours and days fall on the local clock).
 */
export function roundTicks(min: number, max: number, maxTicks: number, offsetMinutes: number): { step: number; ticks: number[] } {
  const span = Math.max(0, max - min);
  const budget = Math.max(1, Math.floor(maxTicks));
  const step = TICK_STEPS_MS.find((s) => span / s <= budget) ?? Math.ceil(span / budget / D) * D;
  const shift = -offsetMinutes * M;
  const first = Math.ceil((min + shift) / step) * step - shift;
  const ticks: number[] = [];
  for (let t = first; t <= max && ticks.length <= budget; t += step) ticks.push(t);
  return { step, ticks };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A tick's label: seconds only when the step needs them, the date where a day is the step. */
export function tickLabel(t: number, step: number): string {
  const d = new Date(t);
  if (step >= D) return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return step < M ? `${hm}:${pad(d.getSeconds())}` : hm;
}
