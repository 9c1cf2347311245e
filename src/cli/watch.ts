import { AlertDetector } from '../core/alerts/detector';
import { DEFAULT_ALERT_SETTINGS, type Alert } from '../core/alerts/types';
import { readFdUsageOf } from '../core/linux/processLimits';
import type { Collector, Snapshot } from '../core/model';
import { countStates, TCP_STATE_NAMES } from '../core/model';
import { formatTable } from './table';
import { openCollector, TARGET_OPTIONS } from './target';
import type { CliCommand, CliIO } from './usage';
import { parseIntegerOption, parseOptions, UsageError } from './usage';

function parseSeconds(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) throw new UsageError(`--${name} must be a number of seconds from ${min} to ${max}, got "${value}"`);
  return n;
}

function alertRecord(alert: Alert) {
  const { at, ...rest } = alert;
  if (rest.kind === 'close-wait-stuck') {
    // Scripts read the stuck sockets' local ports as `ports`.
    const { localPorts, ...stuck } = rest;
    return { type: 'alert', ...stuck, ports: localPorts, at: at.toISOString() };
  }
  return { type: 'alert', ...rest, at: at.toISOString() };
}

function printTable(io: CliIO, snapshot: Snapshot, alerts: readonly string[], tty: boolean): void {
  const counts = countStates(snapshot.connections);
  const table = formatTable(['STATE', 'COUNT'], TCP_STATE_NAMES.map((s) => [s, String(counts[s])]), new Set([1]));
  // On a terminal, redraw in place; into a file or pipe, append one block per sample.
  const clear = tty ? '\x1b[H\x1b[2J' : '';
  io.out(`${clear}${snapshot.host.label}  ${snapshot.takenAt.toISOString()}\n${table}${alerts.length ? `\n\n${alerts.join('\n')}` : ''}`);
}

export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'Sample every interval; report thresholds, CLOSE_WAIT leaks and descriptor limits',
  usage: 'watch [--interval S] [--duration S] [--stuck-after S] [--json] [--host HOST] [--ssh-config FILE]',
  async run(args, io, signal) {
    const { values } = parseOptions(args, {
      json: { type: 'boolean' },
      interval: { type: 'string' },
      duration: { type: 'string' },
      'stuck-after': { type: 'string' },
      ...TARGET_OPTIONS,
    });
    const stuckAfter = parseIntegerOption('stuck-after', values['stuck-after'], 1, 86_400) ?? DEFAULT_ALERT_SETTINGS.closeWaitStuckSeconds;
    const intervalMs = parseSeconds('interval', values.interval, 2, 0.2, 3600) * 1000;
    const durationMs = parseSeconds('duration', values.duration, Infinity, 0, 30 * 24 * 3600) * 1000;
    const collector: Collector = await openCollector(values);
    const detector = new AlertDetector({ ...DEFAULT_ALERT_SETTINGS, closeWaitStuckSeconds: stuckAfter });
    const local = collector.host.id === 'local';
    const tty = !values.json && Boolean(process.stdout.isTTY);
    const recent: string[] = [];
    const end = Date.now() + durationMs;
    try {
      while (!signal.aborted) {
        const started = Date.now();
        const snapshot = await collector.snapshot(signal, { processes: true });
        const counts = countStates(snapshot.connections);
        const alerts: Alert[] = [
          ...detector.onCounts(counts, snapshot.takenAt),
          ...detector.onSnapshot(snapshot.connections, snapshot.takenAt, local ? await readFdUsageOf(snapshot.connections) : new Map()),
        ];
        if (values.json) {
          io.out(JSON.stringify({ type: 'sample', host: snapshot.host.label, takenAt: snapshot.takenAt.toISOString(), counts }));
          for (const a of alerts) io.out(JSON.stringify(alertRecord(a)));
        } else {
          for (const a of alerts) recent.push(`${a.at.toISOString()}  ALERT  ${a.message}`);
          printTable(io, snapshot, recent.slice(-10), tty);
        }
        const wait = Math.min(intervalMs - (Date.now() - started), end - Date.now());
        if (wait < 0 && Date.now() >= end) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, wait));
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
        if (Date.now() >= end) break;
      }
      return 0;
    } finally {
      collector.dispose();
    }
  },
};
