import { LocalCollector } from '../../src/core/linux/localCollector';
import { loadSockDiag } from '../../src/core/linux/sockDiag';
import { visibleRefresh, watchSample } from './visibleRefresh';

/** One way TCP Lens reads the table, timed in-process: what a refresh costs the extension host. */
export interface LensCase {
  id: LensCaseId;
  label: string;
  /** Only measured where dist/sockdiag.node was built (bundleForNode puts it beside the bundle). */
  needsSockDiag?: true;
  /** Prepares state that must not be timed (a warm cache) and returns the timed operation. */
  prepare(): Promise<() => Promise<unknown>>;
  /**
   * A refresh on a timer: each timed run follows an untimed one by this much, so it meets the
   * churn of one interval, as the extension's refresh does, not that of the whole bench round.
   */
  intervalMs?: number;
}

/** `tcpLens.refreshInterval` and `tcp-lens watch --interval` by default. */
const REFRESH_INTERVAL_MS = 2000;

export type LensCaseId =
  'counts' | 'countsDiag' | 'snapshot' | 'snapshotDiag' | 'processesCold' | 'processesWarm' | 'refresh' | 'watchSample';

// The collector's default reads over sock_diag when the addon loads; `sockDiag: false` keeps the
// /proc text path measured beside it. Every snapshot carries ages (tcp_info, the TIME_WAIT timer,
// observed ages from the collector's earlier snapshots), as every refresh of the extension does.
export const LENS_CASES: readonly LensCase[] = [
  {
    id: 'counts',
    label: 'TCP Lens counts-only sample, /proc',
    async prepare() {
      const collector = new LocalCollector({ sockDiag: false });
      return () => collector.counts();
    },
  },
  {
    id: 'countsDiag',
    label: 'TCP Lens counts-only sample, sock_diag',
    needsSockDiag: true,
    async prepare() {
      const collector = new LocalCollector();
      return () => collector.counts();
    },
  },
  {
    id: 'snapshot',
    label: 'TCP Lens full snapshot with ages (no processes), /proc',
    async prepare() {
      const collector = new LocalCollector({ sockDiag: false });
      return () => collector.snapshot();
    },
  },
  {
    id: 'snapshotDiag',
    label: 'TCP Lens full snapshot with ages (no processes), sock_diag',
    needsSockDiag: true,
    async prepare() {
      const collector = new LocalCollector();
      return () => collector.snapshot();
    },
  },
  {
    id: 'processesCold',
    label: 'TCP Lens snapshot + processes, cold',
    async prepare() {
      // A new collector has an empty inode → process cache: the first refresh after start.
      const collector = new LocalCollector();
      return () => collector.snapshot(undefined, { processes: true });
    },
  },
  {
    id: 'processesWarm',
    label: 'TCP Lens snapshot + processes, warm',
    async prepare() {
      const collector = new LocalCollector();
      await collector.snapshot(undefined, { processes: true });
      return () => collector.snapshot(undefined, { processes: true });
    },
  },
  {
    id: 'refresh',
    label:
      'TCP Lens full visible refresh, 2 s after the last (snapshot, processes, ages, TIME_WAIT causes, diff, counts, alerts, tree of the expanded group)',
    intervalMs: REFRESH_INTERVAL_MS,
    async prepare() {
      // The extension's second and later refreshes: the first one filled the caches.
      const refresh = visibleRefresh();
      await refresh();
      return refresh;
    },
  },
  {
    id: 'watchSample',
    label: '`tcp-lens watch --json`: one sample, 2 s after the last (in-process; start-up not included)',
    intervalMs: REFRESH_INTERVAL_MS,
    async prepare() {
      const sample = watchSample();
      await sample();
      return sample;
    },
  },
];

/** The cases this process can run: the sock_diag ones only when the addon loads here. */
export function availableLensCases(): LensCase[] {
  const diag = loadSockDiag() !== undefined;
  return LENS_CASES.filter((c) => !c.needsSockDiag || diag);
}
