import type { Sample } from '../sampling/sampler';
import { summarizeProcesses, type ProcessSummary } from '../processSummary';
import type { TcpStateName } from '../model';
import { countStuck } from '../stuck';
import { TCP_STATE_NAMES } from '../model';
import type { MetricFamily, MetricSample } from './exposition';
import { METRICS, stateLabel } from './metricNames';

export interface ExporterOptions {
  /** Processes with the most sockets get their own series; the rest are summed as process="other". */
  topProcesses: number;
  stuckAfterSeconds: number;
}

/** How the exporter's own sampling went: `tcplens_up`, scrape cost and errors. */
export interface ExporterHealth {
  up: boolean;
  lastDurationSeconds: number;
  errors: number;
}

const OTHER = 'other';

function gauge(name: string, help: string, samples: MetricSample[], unit?: string): MetricFamily {
  return { name, help, type: 'gauge', unit, samples };
}

/** The top processes by socket count (ties by pid, so the set is stable), and the rest. */
function splitTop(processes: Iterable<ProcessSummary>, top: number): { named: ProcessSummary[]; rest: ProcessSummary[] } {
  const all = [...processes].sort((a, b) => b.total - a.total || a.pid - b.pid);
  return { named: all.slice(0, top), rest: all.slice(top) };
}

function sumRest(rest: readonly ProcessSummary[]): { byState: Partial<Record<TcpStateName, number>>; stuck: number; oldest?: number } {
  const byState: Partial<Record<TcpStateName, number>> = {};
  let stuck = 0;
  let oldest: number | undefined;
  for (const p of rest) {
    for (const [state, n] of Object.entries(p.byState) as [TcpStateName, number][]) byState[state] = (byState[state] ?? 0) + n;
    stuck += p.stuck;
    if (p.oldestCloseWaitSeconds !== undefined) oldest = Math.max(oldest ?? 0, p.oldestCloseWaitSeconds);
  }
  return { byState, stuck, oldest };
}

/**
 * The exporter's metric families from the sampler's last full sample, named as the official
 * exporters name theirs (base units, `_seconds`, state labels spelled as node_exporter's).
 * Without a sample (the host could not be read) only the health families are written, so
 * Prometheus marks the TCP series stale instead of repeating old figures.
 */
export function exporterFamilies(sample: Sample | undefined, health: ExporterHealth, options: ExporterOptions): MetricFamily[] {
  const families: MetricFamily[] = [
    gauge('tcplens_up', 'Whether the last sample of the TCP table succeeded (1) or failed (0).', [
      { labels: {}, value: health.up ? 1 : 0 },
    ]),
    gauge(
      'tcplens_scrape_duration_seconds',
      "How long TCP Lens's last sample of the TCP table took (with processes and ages).",
      [{ labels: {}, value: health.lastDurationSeconds }],
      'seconds',
    ),
    {
      name: 'tcplens_scrape_errors',
      help: 'Samples of the TCP table that failed.',
      type: 'counter',
      samples: [{ labels: {}, value: health.errors }],
    },
  ];
  const connections = sample?.full?.snapshot.connections;
  if (!sample || !connections || !health.up) return families;

  families.push(
    gauge(
      METRICS.connections,
      'TCP sockets by state (lowercase kernel names, as node_exporter spells them).',
      TCP_STATE_NAMES.map((s) => ({ labels: { state: stateLabel(s) }, value: sample.counts[s] })),
    ),
  );
  // The sampler's own summary when it used the same threshold (the exporter gives it the same).
  const processes =
    sample.full && options.stuckAfterSeconds === sample.full.stuckAfterSeconds
      ? sample.full.processes
      : summarizeProcesses(connections, options.stuckAfterSeconds);
  const stuckTotal = countStuck(connections, options.stuckAfterSeconds);
  families.push(
    gauge(
      METRICS.closeWaitStuck,
      `Sockets in CLOSE_WAIT for at least ${options.stuckAfterSeconds} s: the peer closed, the process never called close().`,
      [{ labels: {}, value: stuckTotal }],
    ),
  );

  const { named, rest } = splitTop(processes.values(), options.topProcesses);
  const other = sumRest(rest);
  const id = (p: ProcessSummary) => ({ pid: String(p.pid), process: p.process });
  const otherId = { pid: '', process: OTHER };
  const byState: MetricSample[] = [];
  const stuck: MetricSample[] = [];
  const oldest: MetricSample[] = [];
  for (const p of named) {
    for (const s of TCP_STATE_NAMES) if (p.byState[s]) byState.push({ labels: { ...id(p), state: stateLabel(s) }, value: p.byState[s]! });
    stuck.push({ labels: id(p), value: p.stuck });
    if (p.oldestCloseWaitSeconds !== undefined) oldest.push({ labels: id(p), value: p.oldestCloseWaitSeconds });
  }
  if (rest.length > 0) {
    for (const s of TCP_STATE_NAMES)
      if (other.byState[s]) byState.push({ labels: { ...otherId, state: stateLabel(s) }, value: other.byState[s]! });
    stuck.push({ labels: otherId, value: other.stuck });
    if (other.oldest !== undefined) oldest.push({ labels: otherId, value: other.oldest });
  }
  families.push(
    gauge(
      METRICS.processConnections,
      `TCP sockets by owning process and state (the ${options.topProcesses} processes with the most sockets; the rest as process="other").`,
      byState,
    ),
    gauge(METRICS.processCloseWaitStuck, 'Stuck CLOSE_WAIT sockets by owning process.', stuck),
    gauge('tcplens_process_close_wait_oldest_seconds', "Age of the process's oldest CLOSE_WAIT socket.", oldest, 'seconds'),
  );

  const fdUsage = sample.full?.fdUsage;
  if (fdUsage && fdUsage.size > 0) {
    const open: MetricSample[] = [];
    const max: MetricSample[] = [];
    for (const p of named) {
      const usage = fdUsage.get(p.pid);
      if (!usage) continue;
      open.push({ labels: id(p), value: usage.open });
      if (usage.softLimit) max.push({ labels: id(p), value: usage.softLimit });
    }
    families.push(
      gauge('tcplens_process_open_fds', 'Open file descriptors of the process.', open),
      gauge('tcplens_process_max_fds', 'Soft limit on open file descriptors of the process ("Max open files").', max),
    );
  }

  // TIME_WAIT sockets no process holds, by the listener whose server closed first (an inference).
  const timeWait = new Map<string, { port: number; process: string; count: number }>();
  for (const c of connections) {
    const owner = c.inferredOwner;
    if (c.state !== 'TIME_WAIT' || owner?.listenerPort === undefined) continue;
    const key = `${owner.listenerPort}\u0000${owner.process ?? ''}`;
    const entry = timeWait.get(key) ?? { port: owner.listenerPort, process: owner.process ?? '', count: 0 };
    entry.count++;
    timeWait.set(key, entry);
  }
  families.push(
    gauge(
      'tcplens_time_wait_by_listener',
      'TIME_WAIT sockets on a listening port, by the listening process: inferred (the kernel keeps no owner), the server closed first.',
      [...timeWait.values()].map((t) => ({ labels: { port: String(t.port), process: t.process, inferred: 'true' }, value: t.count })),
    ),
  );
  return families;
}
