import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, startStatesChild, tsNode, type StatesChild } from '../helpers/child';
import { canCreateNamespaces, createNamespace, linkNamespace, type TestNamespace } from '../helpers/netns';
import { runToEnd } from '../helpers/processes';
import { hasPrometheus, ssCounts, startNodeExporter, startPrometheus, type RunningPrometheus } from '../helpers/prometheus';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const EXPORTER_PORT = 9100;
const skip = !canCreateNamespaces() ? 'needs root and ip netns' : !hasPrometheus() ? 'needs Debian prometheus and prometheus-node-exporter' : false;

interface FleetRow {
  instance: string;
  job: string;
  source: string;
  counts: Record<string, number>;
  stale: boolean;
  staleSince: string | null;
}

const fleet = async (url: string) => {
  const r = await runToEnd(['node', CLI, 'fleet', '--json', '--prometheus', url], 30_000);
  return { ...r, rows: r.code === 0 ? (JSON.parse(r.stdout) as FleetRow[]) : [] };
};
/** Non-zero counts in a canonical order, comparable as text. */
const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));

describe('tcp-lens fleet over a real Prometheus scraping node_exporter in test namespaces', { skip, timeout: 120_000 }, () => {
  const namespaces: TestNamespace[] = [];
  const stops: (() => Promise<void>)[] = [];
  let prometheus: RunningPrometheus;
  let mixed: StatesChild;
  const targets: string[] = [];

  before(async () => {
    for (const tag of ['fleet-a', 'fleet-b']) {
      const ns = createNamespace(tag);
      namespaces.push(ns);
      targets.push(`${linkNamespace(ns, namespaces.length).address}:${EXPORTER_PORT}`);
    }
    // Scrapes start before the exporters: Prometheus knows the targets but has no TCP metrics yet.
    prometheus = await startPrometheus([{ job: 'node', targets }]);
    stops.push(() => prometheus.stop());
  });
  after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await mixed?.stop();
    for (const ns of namespaces) ns.remove();
  });

  it('says in words that Prometheus has no TCP metrics, with the scrape config to add', async () => {
    const r = await fleet(prometheus.url);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /no TCP state metrics/);
    assert.match(r.stderr, /job_name: tcp-lens/);
  });

  it("lists each namespace with the counts ss sees there, the busiest CLOSE_WAIT first, and marks one that stops as stale", async () => {
    // Namespace A: every state the helper can make; namespace B: a TIME_WAIT storm and no CLOSE_WAIT.
    mixed = await startStatesChild(['127.0.0.1'], namespaces[0].exec);
    const storm = await runToEnd([...namespaces[1].exec, ...tsNode('timeWaitStorm.ts', '150')], 60_000);
    assert.equal(storm.code, 0, storm.stderr);
    const exporters = [];
    for (let i = 0; i < 2; i++) exporters.push(await startNodeExporter(namespaces[i].exec, targets[i]));
    stops.push(...exporters.map((e) => () => e.stop()));

    // Prometheus samples at most 1 s ago and sockets of the scrapes come and go: compare when ss
    // agrees with itself around the query (bounded).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const before = namespaces.map((ns) => nonZero(ssCounts(ns.exec)));
      const r = await fleet(prometheus.url);
      const afterSs = namespaces.map((ns) => nonZero(ssCounts(ns.exec)));
      const byTarget = new Map(r.rows.map((row) => [row.instance, row]));
      const got = targets.map((t) => (byTarget.get(t) ? nonZero(byTarget.get(t)!.counts) : undefined));
      const seen = JSON.stringify({ code: r.code, stderr: r.stderr, before, got, afterSs });
      if (r.code === 0 && got.every((g, i) => JSON.stringify(g) === JSON.stringify(before[i]) && JSON.stringify(before[i]) === JSON.stringify(afterSs[i]))) {
        assert.deepEqual(r.rows.map((row) => row.instance), targets, 'CLOSE_WAIT first (A has some, B none)');
        assert.ok(r.rows.every((row) => row.source === 'node_exporter' && row.job === 'node' && !row.stale));
        assert.equal(got[0]!.CLOSE_WAIT, mixed.expected.filter((e) => e.state === 'CLOSE_WAIT').length);
        assert.ok((got[1]!.TIME_WAIT ?? 0) >= 150, `TIME_WAIT in B: ${got[1]!.TIME_WAIT}`);
        break;
      }
      assert.ok(Date.now() < deadline, `fleet never matched ss: ${seen}`);
      await new Promise((r) => setTimeout(r, 500));
    }

    await exporters[1].stop();
    const staleBy = Date.now() + 20_000;
    for (;;) {
      const r = await fleet(prometheus.url);
      const b = r.rows.find((row) => row.instance === targets[1]);
      if (b?.stale) {
        assert.ok(b.staleSince && Date.now() - Date.parse(b.staleSince) < 120_000, `stale since ${b.staleSince}`);
        assert.equal(r.rows[r.rows.length - 1].instance, targets[1], 'stale hosts come last');
        break;
      }
      assert.ok(Date.now() < staleBy, `never marked stale: ${r.stdout} ${r.stderr}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  });
});
