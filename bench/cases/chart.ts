import { summarize } from '../measure/stats';
import { formatMs } from '../report/format';
import type { FeatureCase } from './types';

const SAMPLES = 86_400;
const BUCKETS = 1000;

/**
 * The extension host's share of one chart update with 24 h of 1 s samples: record a sample and
 * cut the downsampled 24 h window the webview is sent. Chromium's paint is the chart's own
 * e2e measurement, not this one.
 */
export const chartCase: FeatureCase = {
  id: 'chart-update',
  label: 'chart update, host side (add a sample + 24 h window, 86,400 samples × 11 states)',
  feature: 'state history (src/core/history)',
  landedWith: 'src/core/history/historyStore.ts',
  target: '< 100 ms per update',
  async measure(runs) {
    const { HistoryStore } = await import('../../src/core/history/historyStore');
    const store = new HistoryStore();
    const start = Date.now() - SAMPLES * 1000;
    const row = new Array<number>(11).fill(0);
    for (let i = 0; i < SAMPLES; i++) {
      row[0] = 1000 + (i % 97);
      row[5] = 5000 + ((i * 7) % 1013);
      store.add('local', 'local', start + i * 1000, row);
    }
    const times: number[] = [];
    for (let i = 0; i <= Math.max(runs, 5); i++) {
      const t = start + (SAMPLES + i) * 1000;
      const began = performance.now();
      store.add('local', 'local', t, row);
      const window = store.window('local', t - 24 * 3_600_000, BUCKETS);
      JSON.stringify(window);
      if (i > 0) times.push(performance.now() - began);
    }
    const timing = summarize(times);
    return {
      value: formatMs(timing),
      pass: timing.median < 100,
      note: `includes JSON encoding of the ${BUCKETS}-bucket window; history typed arrays bounded at ${(store.maxBytes / 1e6).toFixed(1)} MB`,
    };
  },
};
