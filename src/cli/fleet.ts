import { displayText } from '../core/displayText';
import { PrometheusClient, PrometheusError, type PrometheusAuth } from '../core/prometheus/client';
import { noTcpMetricsError, readFleet, TREND_ARROWS, type FleetInstance } from '../core/prometheus/fleet';
import { formatTable, jsonOutput } from './table';
import type { CliCommand } from './usage';
import { parseOptions, UsageError } from './usage';

/** Credentials come from the environment, never from argv (which every user can read in ps). */
function authFromEnv(env: NodeJS.ProcessEnv): PrometheusAuth {
  if (env.TCP_LENS_PROMETHEUS_TOKEN) return { kind: 'bearer', token: env.TCP_LENS_PROMETHEUS_TOKEN };
  if (env.TCP_LENS_PROMETHEUS_USER)
    return { kind: 'basic', user: env.TCP_LENS_PROMETHEUS_USER, password: env.TCP_LENS_PROMETHEUS_PASSWORD ?? '' };
  return { kind: 'none' };
}

function status(f: FleetInstance): string {
  if (!f.stale) return 'ok';
  return f.staleSince ? `stale since ${f.staleSince.toISOString()}` : 'stale';
}

function toJson(f: FleetInstance) {
  return {
    instance: f.instance,
    job: f.job,
    source: f.source,
    counts: f.counts,
    stuck: f.stuck ?? null,
    trend: f.trend,
    stale: f.stale,
    staleSince: f.staleSince?.toISOString() ?? null,
  };
}

/** `fleet`: every host Prometheus scrapes TCP state metrics from, the ones that need a look first. */
export const fleetCommand: CliCommand = {
  name: 'fleet',
  summary: 'List the hosts a Prometheus server has TCP metrics for, stuck CLOSE_WAIT first',
  usage: 'fleet --prometheus URL [--json] [--timeout SECONDS]',
  async run(args, io, signal) {
    const { values } = parseOptions(args, { prometheus: { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string' } });
    if (!values.prometheus) throw new UsageError('fleet needs --prometheus URL (e.g. http://127.0.0.1:9090)');
    const timeoutSec = values.timeout === undefined ? 10 : Number(values.timeout);
    if (!(timeoutSec >= 1 && timeoutSec <= 300)) throw new UsageError(`--timeout must be 1-300 seconds, got "${values.timeout}"`);
    let client: PrometheusClient;
    try {
      client = new PrometheusClient(values.prometheus, { auth: authFromEnv(process.env), timeoutMs: timeoutSec * 1000 });
    } catch (err) {
      if (err instanceof PrometheusError) throw new UsageError(err.message);
      throw err;
    }
    try {
      const fleet = await readFleet(client, signal);
      if (fleet.length === 0) throw noTcpMetricsError(displayText(client.base.origin));
      if (values.json) {
        io.out(jsonOutput(fleet.map(toJson)));
        return 0;
      }
      const rows = fleet.map((f) => [
        displayText(f.instance),
        displayText(f.job),
        f.source,
        f.stuck === undefined ? '-' : String(f.stuck),
        String(f.counts.CLOSE_WAIT),
        String(f.counts.TIME_WAIT),
        String(f.counts.ESTABLISHED),
        TREND_ARROWS[f.trend],
        status(f),
      ]);
      io.out(
        formatTable(
          ['INSTANCE', 'JOB', 'SOURCE', 'STUCK', 'CLOSE_WAIT', 'TIME_WAIT', 'ESTAB', 'TREND', 'STATUS'],
          rows,
          new Set([3, 4, 5, 6]),
        ),
      );
      return 0;
    } catch (err) {
      if (!(err instanceof PrometheusError)) throw err;
      io.err(`tcp-lens: ${err.message}`);
      return 1;
    }
  },
};
