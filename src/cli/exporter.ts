import { sleep } from '../core/async';
import { DEFAULT_ALERT_SETTINGS } from '../core/alerts/types';
import { displayText } from '../core/displayText';
import { CollectorError } from '../core/model';
import { formatOpenMetrics, formatPrometheus } from '../core/prometheus/exposition';
import { exporterFamilies, type ExporterHealth, type ExporterOptions } from '../core/prometheus/exporterMetrics';
import { MetricsServer, parseListenAddress, type Exposition } from '../core/prometheus/metricsServer';
import { Sampler, type Sample } from '../core/sampling/sampler';
import { openCollector, TARGET_OPTIONS } from './target';
import type { CliCommand } from './usage';
import { parseIntegerOption, parseOptions, UsageError } from './usage';

const DEFAULT_LISTEN = '127.0.0.1:9465';

/** Both renderings of one sample, made once per sample (the bench times this with the sample). */
export function renderExposition(sample: Sample | undefined, health: ExporterHealth, options: ExporterOptions): Exposition {
  const families = exporterFamilies(sample, health, options);
  return { text: formatPrometheus(families), openMetrics: formatOpenMetrics(families) };
}

/**
 * `exporter`: samples this machine (or --host) every interval with the same sampler as the
 * editor and `watch`, and serves the last sample on /metrics for Prometheus.
 */
export const exporterCommand: CliCommand = {
  name: 'exporter',
  summary: 'Serve TCP states, stuck CLOSE_WAIT per process and descriptor use on /metrics for Prometheus',
  usage: 'exporter [--listen 127.0.0.1:9465] [--interval S] [--top N] [--stuck-after S] [--host HOST]',
  async run(args, io, signal) {
    const { values } = parseOptions(args, {
      listen: { type: 'string' },
      interval: { type: 'string' },
      top: { type: 'string' },
      'stuck-after': { type: 'string' },
      ...TARGET_OPTIONS,
    });
    let listen: ReturnType<typeof parseListenAddress>;
    try {
      listen = parseListenAddress(values.listen ?? DEFAULT_LISTEN);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const intervalMs = (parseIntegerOption('interval', values.interval, 1, 3600) ?? 15) * 1000;
    const options: ExporterOptions = {
      topProcesses: parseIntegerOption('top', values.top, 1, 1000) ?? 10,
      stuckAfterSeconds:
        parseIntegerOption('stuck-after', values['stuck-after'], 1, 86_400) ?? DEFAULT_ALERT_SETTINGS.closeWaitStuckSeconds,
    };
    const collector = await openCollector(values, signal);
    const sampler = new Sampler(collector, { ...DEFAULT_ALERT_SETTINGS, closeWaitStuckSeconds: options.stuckAfterSeconds });
    const health: ExporterHealth = { up: false, lastDurationSeconds: 0, errors: 0 };
    let exposition = renderExposition(undefined, health, options);
    const server = new MetricsServer(() => exposition);
    try {
      let bound;
      try {
        bound = await server.listen(listen.host, listen.port);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new CollectorError('unreadable', `Cannot listen on ${values.listen ?? DEFAULT_LISTEN}: ${e.code ?? e.message}.`);
      }
      const where = bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`;
      io.err(
        `tcp-lens exporter: serving http://${where}/metrics, sampling ${displayText(collector.host.label)} every ${intervalMs / 1000} s`,
      );
      while (!signal.aborted) {
        const started = Date.now();
        let sample: Sample | undefined;
        try {
          sample = await sampler.take('full', signal);
          health.up = sample !== undefined;
        } catch (err) {
          if (!(err instanceof CollectorError)) throw err;
          if (signal.aborted) break;
          // Prometheus sees tcplens_up 0 and the TCP series go stale; the next sample may succeed.
          health.up = false;
          health.errors++;
          io.err(`tcp-lens exporter: ${displayText(err.message)}`);
        }
        health.lastDurationSeconds = (Date.now() - started) / 1000;
        exposition = renderExposition(sample, health, options);
        await sleep(intervalMs - (Date.now() - started), signal);
      }
      return 0;
    } finally {
      server.close();
      collector.dispose();
    }
  },
};
