import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarize } from '../measure/stats';
import { formatMs, thousands } from '../report/format';
import type { FeatureCase, FeatureFigure } from './types';

const ROOT = path.resolve(__dirname, '../..');
/** Bump when the generated data changes, so a cached directory is rebuilt. */
const DATA_VERSION = 1;
const INTERVAL_SEC = 15;
/** `TCPLENS_BENCH_FLEET=INSTANCES,DAYS` for a smaller data set; the scale by default. */
const [INSTANCES, DAYS] = (process.env.TCPLENS_BENCH_FLEET ?? '1000,7').split(',').map(Number);
/** Every instance's CLOSE_WAIT and stuck count for the whole window; the history's instance also every other state. */
const HISTORY_STATES = ['established', 'time_wait', 'close_wait', 'listen', 'fin_wait2', 'syn_recv'];
const FLEET_TARGET_MS = 1000;
const HISTORY_TARGET_MS = 500;

async function run(argv: string[]): Promise<void> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with ${code}: ${log}`);
}

/** OpenMetrics text written in 1 MB pieces (the whole set is gigabytes), series after series as promtool wants. */
async function writeOpenMetrics(file: string, endSec: number): Promise<number> {
  const out = createWriteStream(file);
  let buf = '';
  let samples = 0;
  const flush = async () => {
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  const points = Math.floor((DAYS * 86_400) / INTERVAL_SEC);
  const start = endSec - points * INTERVAL_SEC;
  const series = (name: string, labels: string, value: (k: number) => number) => async () => {
    for (let k = 0; k < points; k++) {
      buf += `${name}{${labels}} ${value(k)} ${start + k * INTERVAL_SEC}\n`;
      if (buf.length > 1 << 20) await flush();
    }
    samples += points;
  };
  buf += '# TYPE tcplens_connections gauge\n';
  for (let i = 0; i < INSTANCES; i++) {
    const id = `instance="host-${String(i).padStart(4, '0')}:9465",job="tcp-lens"`;
    const states = i === 0 ? HISTORY_STATES : ['close_wait'];
    for (const state of states)
      await series(
        'tcplens_connections',
        `${id},state="${state}"`,
        (k) => ((k * 7 + i * 13 + state.length) % 97) + (state === 'close_wait' ? i % 50 : 0),
      )();
  }
  buf += '# TYPE tcplens_close_wait_stuck gauge\n';
  for (let i = 0; i < INSTANCES; i++)
    await series('tcplens_close_wait_stuck', `instance="host-${String(i).padStart(4, '0')}:9465",job="tcp-lens"`, (k) => (k + i) % 5)();
  buf += '# EOF\n';
  await flush();
  out.end();
  await once(out, 'finish');
  return samples;
}

/**
 * A Prometheus TSDB backfilled with `promtool tsdb create-blocks-from openmetrics`, cached under
 * .tmp/ by version and scale, ending at the hour the data was made.
 */
async function dataDir(): Promise<{ dir: string; endSec: number; note: string }> {
  const key = `v${DATA_VERSION}-${INSTANCES}x${DAYS}d`;
  const base = path.join(ROOT, '.tmp', 'bench-prometheus', key);
  const marker = path.join(base, 'done.json');
  if (existsSync(marker)) {
    const { endSec, note } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(marker, 'utf8'))) as {
      endSec: number;
      note: string;
    };
    return { dir: path.join(base, 'data'), endSec, note: `${note}; cached` };
  }
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const endSec = Math.floor(Date.now() / 1000 / 3600) * 3600;
  const input = path.join(base, 'input.om');
  let began = performance.now();
  const samples = await writeOpenMetrics(input, endSec);
  const generateMs = performance.now() - began;
  began = performance.now();
  await run(['promtool', 'tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=24h', input, path.join(base, 'data')]);
  const backfillMs = performance.now() - began;
  rmSync(input);
  const note = `${thousands(samples)} samples generated in ${(generateMs / 1000).toFixed(0)} s, backfilled in ${(backfillMs / 1000).toFixed(0)} s`;
  writeFileSync(marker, JSON.stringify({ endSec, note }));
  return { dir: path.join(base, 'data'), endSec, note };
}

async function measure(runs: number): Promise<{ fleet: FeatureFigure; history: FeatureFigure }> {
  const { startPrometheusOn } = await import('../../test/helpers/prometheus');
  const { PrometheusClient } = await import('../../src/core/prometheus/client');
  const { readFleet } = await import('../../src/core/prometheus/fleet');
  const { readInstanceHistory } = await import('../../src/core/prometheus/history');
  const data = await dataDir();
  // Queries are evaluated at the data's last hour: Prometheus is asked as if it were then.
  const prometheus = await startPrometheusOn(data.dir, ['--storage.tsdb.retention.time=3650d']);
  try {
    const client = new PrometheusClient(prometheus.url, { timeoutMs: 60_000 });
    const fleetTimes: number[] = [];
    const historyTimes: number[] = [];
    let listed = 0;
    let points = 0;
    let step = 0;
    for (let i = 0; i <= Math.max(runs, 5); i++) {
      let began = performance.now();
      const fleet = await readFleet(client, undefined, data.endSec);
      if (i > 0) fleetTimes.push(performance.now() - began);
      listed = fleet.length;
      began = performance.now();
      const history = await readInstanceHistory(
        client,
        { instance: 'host-0000:9465', job: 'tcp-lens', source: 'tcp-lens' },
        { startSec: data.endSec - DAYS * 86_400, endSec: data.endSec },
        { scrapeIntervalSec: INTERVAL_SEC },
      );
      if (i > 0) historyTimes.push(performance.now() - began);
      points = history.points.length;
      step = history.stepSec;
    }
    const f = summarize(fleetTimes);
    const h = summarize(historyTimes);
    const scale = `${thousands(INSTANCES)} instances × ${DAYS} days at ${INTERVAL_SEC} s (${data.note})`;
    return {
      fleet: {
        value: formatMs(f),
        pass: f.median < FLEET_TARGET_MS && listed === INSTANCES,
        note: `readFleet listed ${thousands(listed)} instances; ${scale}`,
      },
      history: {
        value: formatMs(h),
        pass: h.median < HISTORY_TARGET_MS && points > 0,
        note: `${points} points at a ${step} s step, ${HISTORY_STATES.length} states + stuck; ${scale}`,
      },
    };
  } finally {
    await prometheus.stop();
  }
}

let measured: Promise<{ fleet: FeatureFigure; history: FeatureFigure }> | undefined;
const once2 = (runs: number) => (measured ??= measure(runs));

export const prometheusFleetCase: FeatureCase = {
  id: 'prometheus-fleet',
  label: `Fleet from Prometheus: readFleet over ${thousands(INSTANCES)} backfilled instances`,
  feature: 'Prometheus fleet (src/core/prometheus)',
  landedWith: 'src/core/prometheus/fleet.ts',
  target: `< ${FLEET_TARGET_MS} ms`,
  measure: async (runs) => (await once2(runs)).fleet,
};

export const prometheusHistoryCase: FeatureCase = {
  id: 'prometheus-history',
  label: `History from Prometheus: ${DAYS} days of one instance (query_range, step fitted)`,
  feature: 'Prometheus history (src/core/prometheus/history.ts)',
  landedWith: 'src/core/prometheus/history.ts',
  target: `< ${HISTORY_TARGET_MS} ms`,
  measure: async (runs) => (await once2(runs)).history,
};
