import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE, type MetricFamily } from '../../src/core/prometheus/exposition';
import { readInstanceHistory, readScrapeInterval } from '../../src/core/prometheus/history';
import { METRICS } from '../../src/core/prometheus/metricNames';
import { assertLargestStored, hasPrometheus, startPrometheus, type RunningPrometheus } from '../helpers/prometheus';

const skip = hasPrometheus() ? false : 'needs Debian prometheus';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An exposition as the exporter writes it, with the counts the test chooses. */
function exposition(counts: Record<string, number>, stuck: number): string {
  const families: MetricFamily[] = [
    {
      name: METRICS.connections,
      help: 'TCP sockets by state.',
      type: 'gauge',
      samples: Object.entries(counts).map(([state, value]) => ({ labels: { state }, value })),
    },
    { name: METRICS.closeWaitStuck, help: 'Stuck CLOSE_WAIT.', type: 'gauge', samples: [{ labels: {}, value: stuck }] },
  ];
  return formatPrometheus(families);
}

/**
 * A real Prometheus scraping, every second, a loopback target whose figures the test sets: first
 * CLOSE_WAIT piling up, then a few seconds of failed scrapes, then a recovered host.
 */
describe('History of one instance read back from a real Prometheus', { skip, timeout: 90_000 }, () => {
  let prometheus: RunningPrometheus;
  let target: http.Server;
  let instance = '';
  let answer: string | undefined;
  const phases: { name: string; from: number; to: number }[] = [];

  before(async () => {
    target = http.createServer((_req, res) => {
      if (answer === undefined) res.writeHead(503).end('down\n');
      else res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE }).end(answer);
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    instance = `127.0.0.1:${(target.address() as AddressInfo).port}`;
    prometheus = await startPrometheus([{ job: 'tcp-lens', targets: [instance] }]);
  });
  after(async () => {
    await prometheus?.stop();
    target?.close();
  });

  it('returns per-state counts equal to the scraped samples, the stuck series, and the outage as a gap', async () => {
    const phase = async (name: string, text: string | undefined, ms: number) => {
      answer = text;
      const from = Date.now() / 1000;
      await sleep(ms);
      phases.push({ name, from, to: Date.now() / 1000 });
    };
    const client = new PrometheusClient(prometheus.url);
    answer = exposition({ established: 10, close_wait: 4, listen: 2 }, 4);
    // Prometheus spreads its first scrape over the interval: begin once it has one (bounded).
    for (let i = 0; !(await client.query(`up{instance="${instance}"} == 1`)).length; i++) {
      assert.ok(i < 100, 'the target was never scraped');
      await sleep(200);
    }
    await phase('piling', answer, 6000);
    await phase('down', undefined, 6000);
    await phase('recovered', exposition({ established: 12, close_wait: 0, time_wait: 30, listen: 2 }, 0), 6000);
    await sleep(1500);

    const window = { startSec: Math.floor(phases[0].from) - 5, endSec: Math.ceil(Date.now() / 1000) };
    const history = await readInstanceHistory(client, { instance, job: 'tcp-lens', source: 'tcp-lens' }, window, { scrapeIntervalSec: 1 });
    assert.equal(history.stepSec, 1);
    assert.equal(await readScrapeInterval(client, { instance, job: 'tcp-lens' }), 1, 'the scrape interval read from the stored up samples');
    assert.ok(history.hasStuck);

    // What Prometheus stored, sample by sample, with each sample's own timestamp.
    const raw = await client.querySamples(`${METRICS.connections}{instance="${instance}"}[${window.endSec - window.startSec + 10}s]`);
    const rangeSec = 2;
    assertLargestStored(history.points, raw, rangeSec);

    const inPhase = (name: string) => {
      const p = phases.find((x) => x.name === name)!;
      // Away from the edges, where a step's range straddles two phases.
      return history.points.filter((pt) => pt.t > p.from + rangeSec + 1 && pt.t < p.to - 1);
    };
    const piling = inPhase('piling');
    assert.ok(piling.length >= 2, JSON.stringify(history.points));
    for (const p of piling) assert.deepEqual([p.counts.CLOSE_WAIT, p.counts.ESTABLISHED, p.counts.LISTEN, p.stuck], [4, 10, 2, 4]);
    const recovered = inPhase('recovered');
    assert.ok(recovered.length >= 2, JSON.stringify(history.points));
    for (const p of recovered) assert.deepEqual([p.counts.CLOSE_WAIT, p.counts.TIME_WAIT, p.counts.ESTABLISHED, p.stuck], [0, 30, 12, 0]);

    // No point while the host was down: a gap lies inside the outage, and the grid before the first scrape is one too.
    const down = phases.find((x) => x.name === 'down')!;
    assert.equal(inPhase('down').length, 0, JSON.stringify(inPhase('down')));
    const outage = history.gaps.find((g) => g.fromSec >= down.from && g.toSec <= down.to + rangeSec + 1);
    assert.ok(outage && outage.toSec - outage.fromSec >= 2, `gaps ${JSON.stringify(history.gaps)}, down ${JSON.stringify(down)}`);
    assert.equal(history.gaps[0].fromSec, history.startSec, 'nothing was scraped before the window began');
    for (const gap of history.gaps) assert.ok(!history.points.some((p) => p.t >= gap.fromSec && p.t <= gap.toSec));
  });
});
