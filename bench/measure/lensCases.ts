import { LocalCollector } from '../../src/core/linux/localCollector';

/** One way TCP Lens reads the table, timed in-process: what a refresh costs the extension host. */
export interface LensCase {
  id: LensCaseId;
  label: string;
  /** Prepares state that must not be timed (a warm cache) and returns the timed operation. */
  prepare(): Promise<() => Promise<unknown>>;
}

export type LensCaseId = 'counts' | 'snapshot' | 'processesCold' | 'processesWarm';

export const LENS_CASES: readonly LensCase[] = [
  {
    id: 'counts',
    label: 'TCP Lens counts-only sample',
    async prepare() {
      const collector = new LocalCollector();
      return () => collector.counts();
    },
  },
  {
    id: 'snapshot',
    label: 'TCP Lens full snapshot (no processes)',
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
];
