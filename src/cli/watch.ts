import { DEFAULT_ALERT_SETTINGS, type Alert } from '../core/alerts/types';
import { displayText } from '../core/displayText';
import type { Collector } from '../core/model';
import { CollectorError, isLocalHost, TCP_STATE_NAMES } from '../core/model';
import { sleep } from '../core/async';
import { Sampler, type Sample } from '../core/sampling/sampler';
import { formatTable, jsonOutput } from './table';
import { openCollector, TARGET_OPTIONS } from './target';
import type { CliCommand, CliIO } from './usage';
import { parseIntegerOption, parseOptions, UsageError } from './usage';

function parseSeconds(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max)
    throw new UsageError(`--${name} must be a number of seconds from ${min} to ${max}, got "${value}"`);
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

function printTable(io: CliIO, sample: Sample, alerts: readonly string[], tty: boolean): void {
  const table = formatTable(
    ['STATE', 'COUNT'],
    TCP_STATE_NAMES.map((s) => [s, String(sample.counts[s])]),
    new Set([1]),
  );
  printBlock(io, `${displayText(sample.host.label)}  ${sample.takenAt.toISOString()}\n${table}`, alerts, tty);
}

function printBlock(io: CliIO, text: string, alerts: readonly string[], tty: boolean): void {
  // On a terminal, redraw in place; into a file or pipe, append one block per sample.
  const clear = tty ? '\x1b[H\x1b[2J' : '';
  io.out(`${clear}${text}${alerts.length ? `\n\n${alerts.join('\n')}` : ''}`);
}

/** setTimeout takes at most 2^31-1 ms; a --duration of days is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Aborts at `end` (ms since the epoch) or when `outer` aborts, whichever comes first. */
function deadlineSignal(end: number, outer: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onOuter = () => controller.abort();
  const arm = () => {
    const left = end - Date.now();
    if (left <= 0) return controller.abort();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  if (outer.aborted) controller.abort();
  else {
    outer.addEventListener('abort', onOuter, { once: true });
    if (Number.isFinite(end)) arm();
  }
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuter);
    },
  };
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
    // --duration bounds everything, connecting and a refresh the host never answers included.
    const until = deadlineSignal(Date.now() + durationMs, signal);
    const stop = until.signal;
    let collector: Collector;
    try {
      collector = await openCollector(values, stop);
    } catch (err) {
      until.dispose();
      // --duration ended while connecting: nothing was sampled, which is not a success.
      if (err instanceof CollectorError && err.kind === 'cancelled' && !signal.aborted) {
        throw new CollectorError('timeout', `"${values.host}" did not answer within --duration.`);
      }
      throw err;
    }
    const sampler = new Sampler(collector, { ...DEFAULT_ALERT_SETTINGS, closeWaitStuckSeconds: stuckAfter });
    const local = isLocalHost(collector.host);
    const tty = !values.json && Boolean(process.stdout.isTTY);
    const recent: string[] = [];
    /** Whether the last refresh that finished failed; undefined until one finished. */
    let lastFailed: boolean | undefined;
    // This machine's tables cannot stall: a refresh under way completes, and even `--duration 0`
    // takes one sample. A host's refresh ends with the duration.
    const refreshSignal = local ? signal : stop;
    try {
      for (let first = true; first || !stop.aborted; first = false) {
        if (signal.aborted) break;
        const started = Date.now();
        let sample: Sample | undefined;
        try {
          sample = await sampler.take('full', refreshSignal);
          if (!sample) break;
        } catch (err) {
          if (!(err instanceof CollectorError)) throw err;
          if (err.kind === 'cancelled' && refreshSignal.aborted) break;
          // An outage is a sample too: the collector reconnects, the watch goes on.
          lastFailed = true;
          const takenAt = new Date();
          const message = `${err.message}${err.hint ? ` ${err.hint}` : ''}`;
          if (values.json) {
            io.out(
              jsonOutput({
                type: 'sample',
                host: collector.host.label,
                takenAt: takenAt.toISOString(),
                counts: null,
                error: message,
                errorKind: err.kind,
              }),
            );
          } else {
            printBlock(
              io,
              `${displayText(collector.host.label)}  ${takenAt.toISOString()}\nerror: ${displayText(message)}`,
              recent.slice(-10),
              tty,
            );
          }
          await sleep(intervalMs - (Date.now() - started), stop);
          continue;
        }
        lastFailed = false;
        const { counts, alerts } = sample;
        if (values.json) {
          io.out(jsonOutput({ type: 'sample', host: sample.host.label, takenAt: sample.takenAt.toISOString(), counts }));
          for (const a of alerts) io.out(jsonOutput(alertRecord(a)));
        } else {
          for (const a of alerts) recent.push(`${a.at.toISOString()}  ALERT  ${displayText(a.message)}`);
          printTable(io, sample, recent.slice(-10), tty);
        }
        await sleep(intervalMs - (Date.now() - started), stop);
      }
      if (lastFailed === undefined && !signal.aborted) {
        throw new CollectorError('timeout', `"${collector.host.label}" did not answer within --duration.`);
      }
      // The host was unreadable when the watch ended: say so in the exit status.
      return lastFailed ? 1 : 0;
    } finally {
      until.dispose();
      collector.dispose();
    }
  },
};
