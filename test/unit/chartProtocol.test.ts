import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TCP_STATE_NAMES } from '../../src/core/model';
import { fitForUi, isHostToUiMessage, isSeriesBlock, isUiToHostMessage, type HostToUiMessage } from '../../src/shared/chartProtocol';

const series = (t: number[]) => ({ t, values: TCP_STATE_NAMES.map(() => t.map(() => 1)) });
const history = {
  type: 'history',
  hostId: 'local',
  label: 'box',
  windowMs: 300_000,
  retentionMs: 86_400_000,
  series: series([1, 2]),
  markers: [],
  gaps: [],
};
const gap = { from: 1, to: 2, message: 'ssh: connect to host db-1 port 22: Connection refused' };
const marker = { t: 1, kind: 'threshold', state: 'CLOSE_WAIT', label: 'CLOSE_WAIT ≥ 100' };

describe('chart protocol guards', () => {
  it('accepts well-formed host messages', () => {
    assert.ok(isHostToUiMessage(history));
    assert.ok(isHostToUiMessage({ ...history, windowMs: null, markers: [marker] }));
    assert.ok(isHostToUiMessage({ type: 'append', hostId: 'local', series: series([3]), markers: [], gaps: [] }));
    assert.ok(isHostToUiMessage({ ...history, gaps: [gap, { from: 5, message: 'timed out' }] }));
  });

  it('rejects malformed host messages', () => {
    const bad: unknown[] = [
      null,
      'history',
      [],
      { ...history, type: 'histories' },
      { ...history, hostId: 7 },
      { ...history, windowMs: 123 },
      { ...history, retentionMs: -1 },
      { ...history, series: { t: [1, 2], values: TCP_STATE_NAMES.slice(1).map(() => [1, 1]) } },
      { ...history, series: { t: [2, 1], values: TCP_STATE_NAMES.map(() => [1, 1]) } },
      { ...history, series: { t: [1, 2], values: TCP_STATE_NAMES.map(() => [1]) } },
      { ...history, series: { t: [1, 2], values: TCP_STATE_NAMES.map(() => [1, -3]) } },
      { ...history, series: { t: [1, 2], values: TCP_STATE_NAMES.map(() => [1, 0.5]) } },
      { ...history, series: { t: [1, Number.NaN], values: TCP_STATE_NAMES.map(() => [1, 1]) } },
      { ...history, series: { t: [1, 2], values: TCP_STATE_NAMES.map(() => ['1', 1]) } },
      { ...history, markers: [{ ...marker, state: 'OPEN' }] },
      { ...history, markers: [{ ...marker, kind: 'info' }] },
      { ...history, markers: [{ ...marker, label: 'x'.repeat(501) }] },
      { ...history, markers: {} },
      { type: 'append', hostId: 'local', series: series([3]), markers: [] },
      { ...history, gaps: [{ ...gap, to: 0 }] },
      { ...history, gaps: [{ ...gap, message: 42 }] },
      { ...history, gaps: [{ from: 'then', message: 'x' }] },
      { ...history, gaps: {} },
    ];
    for (const message of bad) assert.equal(isHostToUiMessage(message), false, JSON.stringify(message)?.slice(0, 200));
  });

  it('accepts well-formed UI messages', () => {
    const good: unknown[] = [
      { type: 'ready', windowMs: null, maxBuckets: 800 },
      { type: 'ready', windowMs: 3_600_000, maxBuckets: 800, hostId: 'local', since: 1_700_000_000_000 },
      { type: 'setWindow', windowMs: 86_400_000, maxBuckets: 10 },
      { type: 'exportCsv', states: ['CLOSE_WAIT', 'TIME_WAIT'], from: 1, to: 2 },
      { type: 'exportPng', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' },
      { type: 'rendered', upTo: 1_700_000_000_000 },
    ];
    for (const message of good) assert.ok(isUiToHostMessage(message), JSON.stringify(message));
  });

  it('rejects malformed UI messages', () => {
    const bad: unknown[] = [
      undefined,
      { type: 'ready', windowMs: 1, maxBuckets: 800 },
      { type: 'ready', windowMs: null, maxBuckets: 5 },
      { type: 'ready', windowMs: null, maxBuckets: 1e9 },
      { type: 'ready', windowMs: null, maxBuckets: 800, since: 'yesterday' },
      { type: 'ready', windowMs: null, maxBuckets: 800, hostId: {} },
      { type: 'setWindow', windowMs: '5m', maxBuckets: 800 },
      { type: 'exportCsv', states: [], from: 1, to: 2 },
      { type: 'exportCsv', states: ['CLOSE_WAIT', 'CLOSE_WAIT'], from: 1, to: 2 },
      { type: 'exportCsv', states: ['close_wait'], from: 1, to: 2 },
      { type: 'exportCsv', states: ['CLOSE_WAIT'], from: 3, to: 2 },
      { type: 'exportPng', dataUrl: 'data:text/html;base64,PGgxPg==' },
      { type: 'exportPng', dataUrl: 'data:image/png;base64,<script>' },
      { type: 'exportPng', dataUrl: `data:image/png;base64,${'A'.repeat(21 * 1024 * 1024)}` },
      { type: 'rendered', upTo: -1 },
      { type: 'runCommand', command: 'rm' },
    ];
    for (const message of bad) assert.equal(isUiToHostMessage(message), false, JSON.stringify(message)?.slice(0, 120));
  });

  it('checks a full day of samples quickly enough for every message', () => {
    const t = Array.from({ length: 86_400 }, (_, i) => i * 1000);
    const started = performance.now();
    assert.ok(isSeriesBlock({ t, values: TCP_STATE_NAMES.map(() => t.map((x) => x % 97)) }));
    assert.ok(performance.now() - started < 1000);
  });
});

describe('what the host posts to the chart (issue 13, Low 10)', () => {
  it('a window with an over-long outage message and marker label still arrives whole, shortened', async () => {
    const { HistoryStore, DEFAULT_HISTORY_LIMITS } = await import('../../src/core/history/historyStore');
    const { ChartClient } = await import('../../src/webview/chartClient');
    const store = new HistoryStore(DEFAULT_HISTORY_LIMITS);
    const row = TCP_STATE_NAMES.map(() => 3);
    for (let i = 0; i < 10; i++) store.add('db-1', 'db-1', 1_000_000 + i * 1000, row);
    const remoteError = `ssh: \u001b[2J${'x'.repeat(5000)}`;
    store.startGap('db-1', 1_010_500, remoteError);
    store.addMarker('db-1', { t: 1_005_000, kind: 'leak', state: 'CLOSE_WAIT', label: `leak: ${'p'.repeat(800)} (4242)` });
    const posted: unknown[] = [];
    const client = new ChartClient(
      'view',
      { postMessage: async (m: unknown) => posted.push(m) > 0 },
      {
        store,
        currentHost: () => ({ id: 'db-1', label: 'db-1' }),
        exportCsv: async () => undefined,
        exportPng: async () => undefined,
        rendered: () => undefined,
        fleetSource: () => undefined,
        showLive: () => undefined,
      },
      (m) => assert.fail(m),
    );
    client.onMessage({ type: 'ready', windowMs: 300_000, maxBuckets: 600 });
    assert.equal(posted.length, 1);
    const message = posted[0] as { series: { t: number[] }; gaps: { message: string }[]; markers: { label: string }[] };
    assert.ok(isHostToUiMessage(message), 'the UI accepts it instead of dropping the whole history');
    assert.equal(message.series.t.length, 10);
    assert.equal(message.gaps[0].message.length, 2000);
    assert.ok(
      message.gaps[0].message.startsWith('ssh: \\x1b[2J') && message.gaps[0].message.endsWith('…'),
      'control characters made visible, the end cut with an ellipsis',
    );
    assert.equal(message.markers[0].label.length, 500);
    const relabelled = fitForUi({
      ...(message as unknown as HostToUiMessage),
      type: 'history',
      label: 'db\u001b]0;pwned\u0007',
      windowMs: 300_000,
      retentionMs: 1,
    } as HostToUiMessage);
    assert.equal(
      relabelled.type === 'history' && relabelled.label,
      'db\\x1b]0;pwned\\x07',
      'the host label on one line, control characters visible',
    );
    assert.ok(message.markers[0].label.endsWith('…'));
  });
});
