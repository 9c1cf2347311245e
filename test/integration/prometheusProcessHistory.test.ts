import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { METRICS } from '../../src/core/prometheus/metricNames';
import { readProcessHistory } from '../../src/core/prometheus/processHistory';
import { emptyCounts, TCP_STATE_NAMES } from '../../src/core/model';
import { readPrometheusChart } from '../../src/webview/prometheusChart';
import { readFleet, type FleetInstance } from '../../src/core/prometheus/fleet';
import { REPO_ROOT } from '../helpers/child';
import { canCreateNamespaces, createNamespace, linkNamespace, type TestNamespace } from '../helpers/netns';
import { startJsonProcess, type Started } from '../helpers/processes';
import { assertLargestStored, hasPrometheus, startPrometheus, startTcpLensExporter, type RunningPrometheus } from '../helpers/prometheus';
import { ssCounts } from '../helpers/ss';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const HELD = 5;
const STUCK_AFTER = 2;
const skip = !canCreateNamespaces() ? 'needs root and ip netns' : !hasPrometheus() ? 'needs Debian prometheus' : false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A test host (namespace) where a process holds CLOSE_WAIT sockets, `tcp-lens exporter` there,
 * and a real Prometheus scraping it every second; then the process exits. The per-process
 * history read back must name it, hold what Prometheus stored, and end where it exited.
 */
describe('Per-process history of an instance, from tcp-lens exporter through a real Prometheus', { skip, timeout: 120_000 }, () => {
  let ns: TestNamespace;
  let prometheus: RunningPrometheus | undefined;
  let exporter: { stop(): Promise<void> } | undefined;
  let holder: Started | undefined;
  let target = '';

  before(async () => {
    ns = createNamespace('prochist');
    target = `${linkNamespace(ns, 9).address}:9465`;
    prometheus = await startPrometheus([{ job: 'tcp-lens', targets: [target] }]);
  });
  after(async () => {
    await holder?.stop();
    await exporter?.stop();
    await prometheus?.stop();
    ns?.remove();
  });

  it('names the process holding stuck CLOSE_WAIT, with the counts Prometheus stored, until it exits', async () => {
    const client = new PrometheusClient(prometheus!.url);
    const began = Math.floor(Date.now() / 1000);
    holder = await startJsonProcess([...ns.exec, process.execPath, path.join(REPO_ROOT, 'test/helpers/closeWaitHolder.js'), String(HELD)]);
    const pid = String(holder.hello.pid);
    assert.equal(ssCounts(ns.exec).CLOSE_WAIT, HELD, 'ss sees the held sockets in the namespace');
    exporter = await startTcpLensExporter(CLI, ns.exec, target, ['--stuck-after', String(STUCK_AFTER)]);
    const target0 = { instance: target, job: 'tcp-lens', source: 'tcp-lens' as const };
    const window = () => ({ startSec: began - 5, endSec: Math.ceil(Date.now() / 1000) });

    // Until Prometheus holds a few steps of the holder with all its sockets stuck (bounded).
    for (let i = 0; ; i++) {
      const r = await readProcessHistory(client, target0, window(), { scrapeIntervalSec: 1 });
      const held = r.processes.find((p) => p.pid === pid);
      if (held && held.points.filter((p) => p.stuck === HELD).length >= 3) break;
      assert.ok(
        i < 60,
        `the holder never showed ${HELD} stuck: ${JSON.stringify(r.processes.map((p) => [p.process, p.pid, p.peakStuck]))}`,
      );
      await sleep(500);
    }
    await holder.stop();
    const exitedAt = Date.now() / 1000;
    // Until the exporter stops listing it, then a few more scrapes.
    for (let i = 0; (await client.query(`${METRICS.processConnections}{instance="${target}",pid="${pid}"}`)).length > 0; i++) {
      assert.ok(i < 40, 'the exited process is still exported');
      await sleep(500);
    }
    await sleep(3000);

    const w = window();
    const history = await readProcessHistory(client, target0, w, { scrapeIntervalSec: 1 });
    assert.equal(history.stepSec, 1);
    const first = history.processes[0];
    assert.deepEqual(
      [first.process, first.pid, first.peakStuck, first.peakCloseWait],
      ['node', pid, HELD, HELD],
      'the holder comes first, named, with its peaks',
    );
    for (const p of first.points)
      assert.ok((p.stuck ?? 0) <= p.counts.CLOSE_WAIT, `stuck ${p.stuck} > CLOSE_WAIT ${p.counts.CLOSE_WAIT} at ${p.t}`);
    // The exporter's own sockets (its listener, Prometheus's connections) under its own pid, never stuck.
    assert.ok(
      history.processes.some((p) => p.pid !== pid && p.process === 'node' && p.peakStuck === 0 && p.peakSockets > 0),
      JSON.stringify(history.processes.map((p) => [p.process, p.pid])),
    );

    // Each point is the largest sample Prometheus stored within the step's range, state by state.
    const raw = await client.querySamples(
      `${METRICS.processConnections}{instance="${target}",pid="${pid}"}[${w.endSec - w.startSec + 10}s]`,
    );
    const rangeSec = 2;
    assertLargestStored(first.points, raw, rangeSec);
    // Once it exited, the process has no points: its series ends instead of repeating old counts.
    const lastPoint = first.points.at(-1)!;
    assert.ok(lastPoint.t <= exitedAt + rangeSec + 2, `a point at ${lastPoint.t}, exited at ${exitedAt}`);
    assert.ok(history.endSec - lastPoint.t >= 2, 'steps after the exit without the process');

    // What the State History chart is sent for this instance over 5 minutes: the step follows the
    // 1 s scrapes, the holder first in the breakdown, its CLOSE_WAIT back to 0 after it exited.
    const fleetRow = {
      instance: target,
      job: 'tcp-lens',
      source: 'tcp-lens' as const,
      counts: emptyCounts(),
      trend: 'flat' as const,
      stale: false,
    };
    const chart = await readPrometheusChart({ instance: fleetRow, client: async () => client }, 300_000, Date.now());
    assert.ok(chart.source?.kind === 'prometheus' && chart.source.error === undefined, JSON.stringify(chart.source));
    assert.equal(chart.source.stepSec, 1);
    const cw = TCP_STATE_NAMES.indexOf('CLOSE_WAIT');
    assert.equal(Math.max(...chart.series.values[cw]), HELD);
    const [top] = chart.source.processes;
    assert.equal(top.label, `node (${pid})`);
    assert.deepEqual([top.peakStuck, Math.max(...top.series.values[cw]), top.series.values[cw].at(-1)], [HELD, HELD, 0]);
    assert.deepEqual(top.series.t, chart.series.t, "the process's series on the instance's rows");

    // The exporter stops: the Fleet marks the instance stale, and the chart's last outage says since when, open to now.
    await exporter!.stop();
    exporter = undefined;
    let stale: FleetInstance | undefined;
    for (let i = 0; !stale?.staleSince; i++) {
      assert.ok(i < 40, `never marked stale: ${JSON.stringify(stale)}`);
      await sleep(500);
      stale = (await readFleet(client)).find((f) => f.instance === target && f.stale);
    }
    await sleep(3000);
    const after = await readPrometheusChart({ instance: stale, client: async () => client }, 300_000, Date.now());
    const last = after.gaps.at(-1);
    assert.ok(last && last.to === undefined, JSON.stringify(after.gaps));
    assert.match(
      last.message,
      new RegExp(
        `^${target.replace(/\./g, '\\.')} stopped reporting \\(stale since \\d\\d/\\d\\d/\\d{4}, \\d\\d:\\d\\d:\\d\\d\\): its scrapes fail$`,
      ),
    );
    assert.ok(
      last.from <= stale.staleSince.getTime() + 3000,
      `the band starts near the last good scrape: ${last.from} vs ${stale.staleSince.getTime()}`,
    );
  });
});
