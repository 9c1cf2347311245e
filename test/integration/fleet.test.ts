import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { REPO_ROOT, startStatesChild, tsNode, type StatesChild } from '../helpers/child';
import { canCreateNamespaces, createNamespace, linkNamespace, type TestNamespace } from '../helpers/netns';
import { runToEnd, startJsonProcess, type Started } from '../helpers/processes';
import { ssCounts } from '../helpers/ss';
import { hasPrometheus, startNodeExporter, startPrometheus, startTcpLensExporter, type RunningPrometheus } from '../helpers/prometheus';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const NODE_EXPORTER_PORT = 9100;
const TCP_LENS_PORT = 9465;
const STUCK_AFTER = 2;
const HELD = 4;
const skip = !canCreateNamespaces()
  ? 'needs root and ip netns'
  : !hasPrometheus()
    ? 'needs Debian prometheus and prometheus-node-exporter'
    : false;

interface FleetRow {
  instance: string;
  job: string;
  source: string;
  counts: Record<string, number>;
  stuck: number | null;
  stale: boolean;
  staleSince: string | null;
}

const fleet = async (url: string) => {
  const r = await runToEnd(['node', CLI, 'fleet', '--json', '--prometheus', url], 30_000);
  return { ...r, rows: r.code === 0 ? (JSON.parse(r.stdout) as FleetRow[]) : [] };
};
/** Non-zero counts in a canonical order, comparable as text. */
const nonZero = (counts: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/**
 * Three test hosts scraped by a real Prometheus: A holds stuck CLOSE_WAIT sockets and B a
 * TIME_WAIT storm, each running `tcp-lens exporter`; C runs node_exporter's tcpstat over a mix of
 * every state.
 */
describe(
  'Prometheus fleet: tcp-lens exporter and node_exporter in test namespaces, read back by tcp-lens fleet',
  { skip, timeout: 180_000 },
  () => {
    const namespaces: TestNamespace[] = [];
    const stops: (() => Promise<void>)[] = [];
    const targets: string[] = [];
    let prometheus: RunningPrometheus;
    let holder: Started;
    let mixed: StatesChild;

    before(async () => {
      for (const [i, tag] of ['fleet-a', 'fleet-b', 'fleet-c'].entries()) {
        const ns = createNamespace(tag);
        namespaces.push(ns);
        targets.push(`${linkNamespace(ns, i + 1).address}:${i < 2 ? TCP_LENS_PORT : NODE_EXPORTER_PORT}`);
      }
      // Scrapes start before any exporter: Prometheus knows the targets but has no TCP metrics yet.
      prometheus = await startPrometheus([
        { job: 'tcp-lens', targets: targets.slice(0, 2) },
        { job: 'node', targets: targets.slice(2) },
      ]);
      stops.push(() => prometheus.stop());
    });
    after(async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await holder?.stop();
      await mixed?.stop();
      for (const ns of namespaces) ns.remove();
    });

    it('says in words that Prometheus has no TCP metrics, with the scrape config to add', async () => {
      const r = await fleet(prometheus.url);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /no TCP state metrics/);
      assert.match(r.stderr, /job_name: tcp-lens/);
    });

    it('lists each host with the counts ss sees there, the stuck one first, its process by name; a host that stops goes stale', async () => {
      holder = await startJsonProcess([
        ...namespaces[0].exec,
        process.execPath,
        path.join(REPO_ROOT, 'test/helpers/closeWaitHolder.js'),
        String(HELD),
      ]);
      const storm = await runToEnd([...namespaces[1].exec, ...tsNode('timeWaitStorm.ts', '150')], 60_000);
      assert.equal(storm.code, 0, storm.stderr);
      mixed = await startStatesChild(['127.0.0.1'], namespaces[2].exec);
      for (let i = 0; i < 2; i++)
        stops.push((await startTcpLensExporter(CLI, namespaces[i].exec, targets[i], ['--stuck-after', String(STUCK_AFTER)])).stop);
      const nodeExporter = await startNodeExporter(namespaces[2].exec, targets[2]);
      stops.push(() => nodeExporter.stop());

      // Prometheus samples at most a second ago and the scrapes' own sockets come and go: compare
      // when ss agrees with itself around the query (bounded).
      const deadline = Date.now() + 60_000;
      for (;;) {
        const before = namespaces.map((ns) => nonZero(ssCounts(ns.exec)));
        const r = await fleet(prometheus.url);
        const afterSs = namespaces.map((ns) => nonZero(ssCounts(ns.exec)));
        const byTarget = new Map(r.rows.map((row) => [row.instance, row]));
        const got = targets.map((t) => (byTarget.get(t) ? nonZero(byTarget.get(t)!.counts) : undefined));
        const seen = JSON.stringify({ code: r.code, stderr: r.stderr, before, got, afterSs, stuck: byTarget.get(targets[0])?.stuck });
        const same = got.every(
          (g, i) => JSON.stringify(g) === JSON.stringify(before[i]) && JSON.stringify(before[i]) === JSON.stringify(afterSs[i]),
        );
        if (r.code === 0 && same && byTarget.get(targets[0])?.stuck === HELD) {
          assert.deepEqual(
            r.rows.map((row) => row.instance),
            [targets[0], targets[2], targets[1]],
            'A (stuck) first, then C (CLOSE_WAIT), then B (TIME_WAIT only)',
          );
          assert.deepEqual(
            r.rows.map((row) => row.source),
            ['tcp-lens', 'node_exporter', 'tcp-lens'],
          );
          assert.equal(got[0]!.CLOSE_WAIT, HELD);
          assert.ok((got[1]!.TIME_WAIT ?? 0) >= 150, `TIME_WAIT in B: ${got[1]!.TIME_WAIT}`);
          break;
        }
        assert.ok(Date.now() < deadline, `fleet never matched ss: ${seen}`);
        await new Promise((r) => setTimeout(r, 500));
      }

      // The stuck process by name and pid, as PromQL sees it; B's TIME_WAIT by the listener that caused it.
      const client = new PrometheusClient(prometheus.url);
      const stuck = await client.query(`tcplens_process_close_wait_stuck{instance="${targets[0]}"} > 0`);
      assert.deepEqual(
        stuck.map((s) => [s.metric.process, s.metric.pid, s.value]),
        [['node', String(holder.hello.pid), HELD]],
      );
      const oldest = await client.query(`tcplens_process_close_wait_oldest_seconds{instance="${targets[0]}",pid="${holder.hello.pid}"}`);
      assert.ok(oldest[0]?.value >= STUCK_AFTER, JSON.stringify(oldest));
      const up = await client.query('tcplens_up');
      assert.deepEqual(
        up.map((s) => s.value),
        [1, 1],
      );

      await nodeExporter.stop();
      const staleBy = Date.now() + 20_000;
      for (;;) {
        const r = await fleet(prometheus.url);
        const c = r.rows.find((row) => row.instance === targets[2]);
        if (c?.stale) {
          assert.ok(c.staleSince && Date.now() - Date.parse(c.staleSince) < 120_000, `stale since ${c.staleSince}`);
          assert.equal(r.rows[r.rows.length - 1].instance, targets[2], 'stale hosts come last');
          break;
        }
        assert.ok(Date.now() < staleBy, `never marked stale: ${r.stdout} ${r.stderr}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    });
  },
);
