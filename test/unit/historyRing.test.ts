import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downsampleMinMax } from '../../src/core/history/downsample';
import { BYTES_PER_SAMPLE, SampleRing, STATE_COUNT, countsRow } from '../../src/core/history/sampleRing';
import { DEFAULT_HISTORY_LIMITS, HOUR_MS, HistoryStore } from '../../src/core/history/historyStore';
import { TCP_STATE_NAMES, emptyCounts } from '../../src/core/model';

const CW = TCP_STATE_NAMES.indexOf('CLOSE_WAIT');
const TW = TCP_STATE_NAMES.indexOf('TIME_WAIT');

function row(closeWait: number, timeWait = 0): number[] {
  const r = new Array<number>(STATE_COUNT).fill(0);
  r[CW] = closeWait;
  r[TW] = timeWait;
  return r;
}

describe('SampleRing', () => {
  it('keeps samples in order and overwrites the oldest once full', () => {
    const ring = new SampleRing(3);
    for (let i = 1; i <= 5; i++) ring.push(i * 1000, row(i));
    assert.equal(ring.length, 3);
    assert.deepEqual(
      [0, 1, 2].map((i) => ring.timeAt(i)),
      [3000, 4000, 5000],
    );
    assert.deepEqual(
      [0, 1, 2].map((i) => ring.countAt(i, CW)),
      [3, 4, 5],
    );
  });

  it('grows by doubling up to its bound and never beyond', () => {
    const ring = new SampleRing(5000);
    for (let i = 0; i < 12_000; i++) ring.push(i, row(i % 7));
    assert.equal(ring.length, 5000);
    assert.equal(ring.bytes, 5000 * BYTES_PER_SAMPLE);
    assert.equal(ring.timeAt(0), 7000);
    assert.equal(ring.countAt(4999, CW), 11_999 % 7);
  });

  it('maps StateCounts to columns by name', () => {
    const counts = emptyCounts();
    counts.CLOSE_WAIT = 37;
    counts.LISTEN = 2;
    const ring = new SampleRing(10);
    ring.push(1, countsRow(counts));
    assert.equal(ring.countAt(0, CW), 37);
    assert.equal(ring.countAt(0, TCP_STATE_NAMES.indexOf('LISTEN')), 2);
  });

  it('drops samples after a clock that went back, so times stay ordered', () => {
    const ring = new SampleRing(10);
    for (const t of [1000, 2000, 3000]) ring.push(t, row(1));
    ring.push(1500, row(9));
    assert.deepEqual(
      [0, 1].map((i) => ring.timeAt(i)),
      [1000, 1500],
    );
    assert.equal(ring.indexAtOrAfter(1200), 1);
  });
});

describe('HistoryStore retention and bounds', () => {
  it('forgets samples older than the retention', () => {
    const store = new HistoryStore({ ...DEFAULT_HISTORY_LIMITS, retentionMs: 10_000 });
    for (let s = 0; s <= 30; s++) store.add('local', 'here', s * 1000, row(s));
    const { ring } = store.host('local');
    assert.equal(ring.timeAt(0), 20_000);
    assert.equal(ring.length, 11);
    store.setRetention(5000);
    assert.equal(store.host('local').ring.timeAt(0), 25_000);
  });

  it('drops markers older than the retention with their samples', () => {
    const store = new HistoryStore({ ...DEFAULT_HISTORY_LIMITS, retentionMs: 10_000 });
    store.add('local', 'here', 0, row(1));
    store.addMarker('local', { t: 0, kind: 'threshold', state: 'CLOSE_WAIT', label: 'CLOSE_WAIT ≥ 100' });
    store.add('local', 'here', 20_000, row(1));
    assert.deepEqual(store.host('local').markers, []);
  });

  it('states a memory bound under 20 MB and holds 24 h at 1 s within it', () => {
    assert.ok(new HistoryStore().maxBytes < 20 * 1024 * 1024, `bound ${new HistoryStore().maxBytes}`);
    const store = new HistoryStore();
    const r = row(0);
    for (let s = 0; s < 86_400; s++) {
      r[CW] = s % 100;
      store.add('local', 'here', s * 1000, r);
    }
    const { ring } = store.host('local');
    assert.equal(ring.length, 86_400);
    assert.ok(ring.bytes <= DEFAULT_HISTORY_LIMITS.maxSamplesPerHost * BYTES_PER_SAMPLE);
    assert.equal(ring.timeAt(0), 0);
    assert.equal(ring.timeAt(ring.length - 1), 24 * HOUR_MS - 1000);
  });

  it('keeps at most maxHosts hosts in memory', () => {
    const store = new HistoryStore({ ...DEFAULT_HISTORY_LIMITS, maxHosts: 2 });
    store.add('a', 'a', 1, row(1));
    store.add('b', 'b', 1, row(2));
    store.add('c', 'c', 1, row(3));
    // 'a' was evicted (no files to restore from): it comes back empty
    assert.equal(store.host('a').ring.length, 0);
    assert.equal(store.host('c').ring.countAt(0, CW), 3);
  });

  it('exports the chosen states as CSV at full resolution', () => {
    const store = new HistoryStore();
    for (let s = 0; s < 5; s++) store.add('local', 'here', Date.UTC(2026, 0, 1) + s * 1000, row(s, 10 * s));
    const csv = store.csv('local', [CW, TW], ['CLOSE_WAIT', 'TIME_WAIT'], Date.UTC(2026, 0, 1) + 1000, Date.UTC(2026, 0, 1) + 3000);
    assert.equal(
      csv,
      'time,CLOSE_WAIT,TIME_WAIT\r\n2026-01-01T00:00:01.000Z,1,10\r\n2026-01-01T00:00:02.000Z,2,20\r\n2026-01-01T00:00:03.000Z,3,30\r\n',
    );
  });
});

describe('downsampleMinMax', () => {
  it('returns short ranges unchanged', () => {
    const ring = new SampleRing(100);
    for (let s = 0; s < 10; s++) ring.push(s, row(s));
    const block = downsampleMinMax(ring, 2, 5, 50);
    assert.deepEqual(block.t, [2, 3, 4, 5]);
    assert.deepEqual(block.values[CW], [2, 3, 4, 5]);
  });

  it('keeps a one-sample spike and a one-sample dip of every state in long ranges', () => {
    const ring = new SampleRing(100_000);
    for (let s = 0; s < 86_400; s++) {
      const cw = s === 40_001 ? 5000 : 50;
      const tw = s === 70_123 ? 0 : 900;
      ring.push(s * 1000, row(cw, tw));
    }
    const block = downsampleMinMax(ring, 0, 86_400_000, 500);
    assert.ok(block.t.length <= 1000, `${block.t.length} rows`);
    assert.equal(Math.max(...block.values[CW]), 5000);
    assert.equal(Math.min(...block.values[CW]), 50);
    assert.equal(Math.min(...block.values[TW]), 0);
    assert.equal(Math.max(...block.values[TW]), 900);
    // the spike sits at a row whose time is within the bucket holding sample 40,001
    const spikeRow = block.values[CW].indexOf(5000);
    assert.ok(Math.abs(block.t[spikeRow] - 40_001_000) <= 173 * 1000, `spike at ${block.t[spikeRow]}`);
    for (let i = 1; i < block.t.length; i++) assert.ok(block.t[i] >= block.t[i - 1]);
  });

  it('keeps min before max when the dip came first, so the line shape is right', () => {
    const ring = new SampleRing(1000);
    const values = [5, 1, 9, 5, 5, 5, 5, 5, 5, 5, 5, 5];
    values.forEach((v, s) => ring.push(s, row(v)));
    const block = downsampleMinMax(ring, 0, 11, 2); // 12 samples > 2×2: two buckets of 6
    assert.deepEqual(block.values[CW], [1, 9, 5, 5]);
    assert.deepEqual(block.t, [0, 5, 6, 11]);
  });
});
