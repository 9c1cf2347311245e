import type { Timing } from '../measure/stats';

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

/** "12.3 ms (11.9–13.0)": median, then the spread of the counted runs. */
export function formatMs(t: Timing): string {
  if (t.runs === 0) return 'n/a';
  return `${ms(t.median)} (${t.min.toFixed(1)}–${t.max.toFixed(1)})`;
}

export function ratio(value: number, reference: number | undefined): string {
  if (reference === undefined || !Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0) return '';
  return `${(value / reference).toFixed(2)}×`;
}

export function mib(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : 'n/a';
}

export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
