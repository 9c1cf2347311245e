// The State History chart's data logic: merged markers, round tick times, breaks where no data was recorded.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TCP_STATE_NAMES } from '../../src/core/model';
import type { HistoryMarker } from '../../src/shared/chartProtocol';
import { gapLabels } from '../../webview-ui/src/gapLabels';
import { clusterMarkers } from '../../webview-ui/src/markerClusters';
import { SeriesData } from '../../webview-ui/src/seriesData';
import { roundTicks, tickLabel } from '../../webview-ui/src/timeTicks';

const leak = (t: number, label = 'leak: chromium (812)'): HistoryMarker => ({ t, kind: 'leak', state: 'CLOSE_WAIT', label });
const area = { left: 0, right: 800 };
const perMs = (msPerPx: number) => (t: number) => t / msPerPx;
const measure = (text: string) => text.length * 6;

describe('chart markers', () => {
  it('one label repeated close together is one line with a count, never printed on top of itself', () => {
    const lines = clusterMarkers([leak(0), leak(2000), leak(4000), leak(6000)], perMs(1000), area, measure);
    assert.deepEqual(
      lines.map((l) => [l.label, l.count]),
      [['leak: chromium (812) ×4', 4]],
    );
  });

  it('different labels close together merge with "+n"; far apart they stay separate, labels in rows that do not overlap', () => {
    const lines = clusterMarkers(
      [
        { t: 0, kind: 'threshold', state: 'CLOSE_WAIT', label: 'CLOSE_WAIT ≥ 100' },
        leak(3000),
        leak(100_000),
        leak(120_000, 'leak: node (4242)'),
      ],
      perMs(1000),
      area,
      measure,
    );
    assert.deepEqual(
      lines.map((l) => [l.label, l.count, l.kind]),
      [
        ['CLOSE_WAIT ≥ 100 +1', 2, 'leak'],
        ['leak: chromium (812)', 1, 'leak'],
        ['leak: node (4242)', 1, 'leak'],
      ],
    );
    assert.deepEqual(
      lines.map((l) => l.row),
      [0, 1, 0],
      'the second label would overlap the first in row 0; the third fits there again',
    );
  });

  it('leaves out markers outside the plot', () => {
    assert.equal(clusterMarkers([leak(-5000), leak(900_000)], perMs(1000), area, measure).length, 0);
  });
});

describe('chart time axis', () => {
  it('puts ticks on round times: every 10 s, 1 min, 5 min, 1 h as the span grows', () => {
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 3, 400);
    const cases: [number, number][] = [
      [60_000, 10_000],
      [9 * 60_000, 60_000],
      [50 * 60_000, 5 * 60_000],
      [10 * 3_600_000, 3_600_000],
    ];
    for (const [span, step] of cases) {
      const { step: got, ticks } = roundTicks(t0, t0 + span, 10, 0);
      assert.equal(got, step, `span ${span}`);
      assert.ok(ticks.length >= 2 && ticks.length <= 10);
      assert.ok(
        ticks.every((t) => t % step === 0 && t >= t0 && t <= t0 + span),
        `ticks on multiples of ${step}`,
      );
    }
  });

  it('aligns hours and days to the local clock, and labels seconds only when the step needs them', () => {
    // UTC+5:30 (getTimezoneOffset -330): hourly ticks fall on :30 UTC.
    const { ticks } = roundTicks(Date.UTC(2026, 0, 1, 0, 10), Date.UTC(2026, 0, 1, 8), 10, -330);
    assert.ok(ticks.every((t) => new Date(t).getUTCMinutes() === 30));
    assert.match(tickLabel(Date.UTC(2026, 0, 1, 12, 0, 10), 10_000), /^\d\d:\d\d:10$/);
    assert.match(tickLabel(Date.UTC(2026, 0, 1, 12, 5), 300_000), /^\d\d:05$/);
  });
});

describe('chart lines', () => {
  const block = (t: number[]) => ({ t, values: TCP_STATE_NAMES.map(() => t.map(() => 7)) });
  const nulls = (data: SeriesData) => data.points[0].filter((p) => p.y === null).map((p) => p.x);

  it('break where nothing was recorded for much longer than the refresh interval (VS Code closed, another host shown)', () => {
    const data = new SeriesData();
    const before = Array.from({ length: 30 }, (_, i) => 1_000_000 + i * 2000);
    const after = Array.from({ length: 30 }, (_, i) => 1_000_000 + 600_000 + i * 2000);
    data.replace(block([...before, ...after]), [], []);
    assert.deepEqual(nulls(data), [before.at(-1)! + 1], 'one break in the 10-minute hole, no diagonal across it');
    // Appended one by one at the usual pace: no break; after a hole: one.
    data.append(block([after.at(-1)! + 2000]), [], []);
    data.append(block([after.at(-1)! + 4000 + 300_000]), [], []);
    assert.equal(nulls(data).length, 2);
  });

  it('do not break at an ordinary slower pace (hidden, unfocused: 10 s)', () => {
    const data = new SeriesData();
    const t = [5_000_000];
    for (let i = 1; i < 40; i++) t.push(t[i - 1] + (i < 20 ? 2000 : 10_000));
    data.replace(block(t), [], []);
    assert.deepEqual(nulls(data), []);
  });

  it('an outage break is drawn once, at the outage start', () => {
    const data = new SeriesData();
    const t = [...Array.from({ length: 10 }, (_, i) => i * 1000), ...Array.from({ length: 10 }, (_, i) => 100_000 + i * 1000)];
    data.replace(block(t), [], [{ from: 9500, to: 100_000, message: 'timed out' }]);
    assert.deepEqual(nulls(data), [9500]);
  });
});

describe('chart outages', () => {
  it('labels each outage in its band; of two labels that would cover each other, the later outage keeps its own', () => {
    const earlier = 'no data: not read while another host was selected';
    const later = 'no data: Lost the SSH connection to "db-1"';
    const labels = gapLabels(
      [
        { from: 500, width: 200, text: earlier },
        // Side by side at the right edge: its label is pushed left, over the first one.
        { from: 700, width: 100, text: later },
      ],
      area,
      measure,
    );
    assert.deepEqual(labels, [{ text: later, x: 800 - 3 - later.length * 6, width: later.length * 6 }]);
    // Far enough apart: both are shown.
    const apart = gapLabels(
      [
        { from: 0, width: 100, text: 'no data: a' },
        { from: 400, width: 100, text: 'no data: b' },
      ],
      area,
      measure,
    );
    assert.deepEqual(
      apart.map((l) => [l.text, l.x]),
      [
        ['no data: a', 3],
        ['no data: b', 403],
      ],
    );
  });
});
