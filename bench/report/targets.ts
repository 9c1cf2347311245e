import type { SizeResult } from '../sizeRun';

/** One goal of issue 8, checked per size from the figures measured in the same run. */
export interface Target {
  label: string;
  /** The measured ratio or value at one size, and the limit it must stay under. */
  check(size: SizeResult): { value: number; limit: number; unit: '×' | 'ms' } | undefined;
  /** Judged at every size measured, not only from 50,000 sockets on. */
  everySize?: true;
}

const median = (t: { median: number } | undefined): number => t?.median ?? Number.NaN;

export const TARGETS: readonly Target[] = [
  // Judged on what the collector does by default: sock_diag when the addon was built.
  {
    label: 'counts-only sample (sock_diag when built) ≤ 1.2× `cat /proc/net/tcp*`',
    check: (s) => ({ value: median(s.lens.countsDiag ?? s.lens.counts) / median(s.tools.cat), limit: 1.2, unit: '×' }),
  },
  {
    label: 'full snapshot with ages (sock_diag when built) ≤ 0.8× `ss -tan`',
    check: (s) => ({ value: median(s.lens.snapshotDiag ?? s.lens.snapshot) / median(s.tools.ssTan), limit: 0.8, unit: '×' }),
  },
  {
    // ss dates sockets only with -i (tcp_info for each): the like-for-like yardstick.
    label: 'full snapshot with ages (sock_diag when built) ≤ 0.8× `ss -tani`',
    check: (s) => ({ value: median(s.lens.snapshotDiag ?? s.lens.snapshot) / median(s.tools.ssTani), limit: 0.8, unit: '×' }),
  },
  {
    label: 'snapshot + processes, cold ≤ 1.0× `ss -tanp`',
    check: (s) => ({ value: median(s.lens.processesCold) / median(s.tools.ssTanp), limit: 1.0, unit: '×' }),
  },
  {
    label: 'snapshot + processes, warm ≤ 0.3× `ss -tanp`',
    check: (s) => ({ value: median(s.lens.processesWarm) / median(s.tools.ssTanp), limit: 0.3, unit: '×' }),
  },
  {
    // Issue 17: everything one refresh of the visible view costs, for the price of the bare table.
    label: 'full visible refresh 2 s after the last, CPU (20 new connections/s) ≤ 1.0× `ss -tan` CPU',
    everySize: true,
    check: (s) => ({ value: (s.lens.refresh?.cpuMs ?? Number.NaN) / (s.tools.ssTan?.cpuMs ?? Number.NaN), limit: 1.0, unit: '×' }),
  },
  {
    label: '`tcp-lens watch --interval 2` sample, CPU ≤ 1.0× `ss -tan` CPU',
    check: (s) =>
      s.size < 100_000
        ? undefined
        : { value: (s.lens.watchSample?.cpuMs ?? Number.NaN) / (s.tools.ssTan?.cpuMs ?? Number.NaN), limit: 1.0, unit: '×' },
  },
  {
    label: 'event loop blocked ≤ 50 ms by any snapshot or refresh',
    check: (s) => {
      const blocks = Object.values(s.lens).map((l) => l?.longestBlockMs ?? Number.NaN);
      return { value: Math.max(...blocks), limit: 50, unit: 'ms' };
    },
  },
];

/** Issue 8 judges the ratios at 50k and 100k; a smoke run with smaller sizes judges what it has. */
export function judgedSizes(sizes: readonly SizeResult[]): SizeResult[] {
  const large = sizes.filter((s) => s.size >= 50_000);
  return large.length > 0 ? large : [...sizes];
}

/** Whether `target` is judged at `size` among the sizes of a run. */
export function judges(target: Target, size: SizeResult, sizes: readonly SizeResult[]): boolean {
  return target.everySize === true || judgedSizes(sizes).includes(size);
}
