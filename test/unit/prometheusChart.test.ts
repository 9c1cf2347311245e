import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { emptyCounts, TCP_STATE_NAMES } from '../../src/core/model';
import { PrometheusClient } from '../../src/core/prometheus/client';
import type { FleetInstance } from '../../src/core/prometheus/fleet';
import { fitForUi, isHostToUiMessage, isUiToHostMessage, type HistoryMessage } from '../../src/shared/chartProtocol';
import { prometheusHostId, readPrometheusChart } from '../../src/webview/prometheusChart';

const instance: FleetInstance = {
  instance: '10.0.0.7:9465',
  job: 'tcp-lens',
  source: 'tcp-lens',
  counts: emptyCounts(),
  trend: 'flat',
  stale: false,
};
const series = (t: number[]) => ({ t, values: TCP_STATE_NAMES.map(() => t.map(() => 2)) });
const source = {
  kind: 'prometheus',
  instance: instance.instance,
  job: 'tcp-lens',
  server: 'http://127.0.0.1:9090',
  from: 1000,
  to: 5000,
  stepSec: 15,
  processes: [{ label: 'node (4242)', series: series([1000]), peakStuck: 3, peakCloseWait: 4 }],
};
const history = {
  type: 'history',
  hostId: prometheusHostId(instance),
  label: instance.instance,
  windowMs: 3_600_000,
  retentionMs: 3_600_000,
  series: series([1000, 2000]),
  markers: [],
  gaps: [],
  source,
};

describe('chart protocol: a Prometheus instance as the source', () => {
  it('accepts a history with its source and processes, and the UI asking for the live host back', () => {
    assert.ok(isHostToUiMessage(history));
    assert.ok(
      isHostToUiMessage({
        ...history,
        source: { ...source, processes: [], error: 'Prometheus at http://127.0.0.1:9090 is unreachable (ECONNREFUSED).' },
      }),
    );
    assert.ok(isHostToUiMessage({ ...history, source: { kind: 'live' } }));
    assert.ok(isUiToHostMessage({ type: 'showLive' }));
    assert.ok(isUiToHostMessage({ type: 'rendered', upTo: 2000, hostId: history.hostId, rows: 2, latest: TCP_STATE_NAMES.map(() => 2) }));
  });

  it('rejects a malformed source or render report', () => {
    const bad: unknown[] = [
      { ...history, source: { ...source, kind: 'graphite' } },
      { ...history, source: { ...source, from: 6000 } },
      { ...history, source: { ...source, stepSec: -15 } },
      { ...history, source: { ...source, processes: {} } },
      { ...history, source: { ...source, processes: [{ label: 'x'.repeat(501), series: series([1]), peakStuck: 0, peakCloseWait: 0 }] } },
      { ...history, source: { ...source, processes: [{ label: 'node', series: series([1]), peakStuck: 0.5, peakCloseWait: 0 }] } },
      { ...history, source: { ...source, error: 7 } },
    ];
    for (const message of bad) assert.equal(isHostToUiMessage(message), false, JSON.stringify(message).slice(0, 200));
    assert.equal(isUiToHostMessage({ type: 'rendered', upTo: 1, latest: [1, 2] }), false);
    assert.equal(isUiToHostMessage({ type: 'rendered', upTo: 1, rows: -1 }), false);
  });

  it('fits instance names, process labels and errors from the hosts to what the UI accepts', () => {
    const long = `web\u001b]0;x\u0007${'w'.repeat(900)}`;
    const message = {
      ...history,
      source: { ...source, instance: long, processes: [{ ...source.processes[0], label: long }], error: 'e'.repeat(5000) },
    } as HistoryMessage;
    assert.equal(isHostToUiMessage(message), false);
    const fitted = fitForUi(message);
    assert.ok(isHostToUiMessage(fitted), 'the UI accepts it once fitted');
    assert.ok(fitted.source?.kind === 'prometheus' && !fitted.source.instance.includes('\u001b'));
  });
});

describe('readPrometheusChart: failures in words, over real loopback sockets', () => {
  it('says Prometheus is unreachable, as an outage over the whole window', async () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const m = await readPrometheusChart(
      { instance, client: async () => new PrometheusClient('http://127.0.0.1:1', { timeoutMs: 5000 }) },
      3_600_000,
      now,
    );
    assert.equal(m.series.t.length, 0);
    assert.ok(m.source?.kind === 'prometheus');
    assert.match(m.source.error ?? '', /unreachable/);
    assert.deepEqual(m.gaps, [{ from: now - 3_600_000, message: m.source.error }]);
    assert.ok(isHostToUiMessage(fitForUi(m)));
  });

  it('says the credentials were refused', async () => {
    const server = http.createServer((_req, res) => res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end('no'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const m = await readPrometheusChart({ instance, client: async () => new PrometheusClient(url) }, null, Date.now());
      assert.ok(m.source?.kind === 'prometheus');
      assert.match(m.source.error ?? '', /refused the credentials/);
      assert.equal(m.source.to - m.source.from, 30 * 86_400_000, '"All" reads 30 days');
    } finally {
      server.close();
    }
  });
});
