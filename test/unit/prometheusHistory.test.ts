import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findGaps, fitStep } from '../../src/core/prometheus/history';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('History from Prometheus: the step fitted to the window', () => {
  it('keeps each series at or under 1,000 points, on round steps, from hours to weeks', () => {
    const cases: [string, number, number][] = [
      ['1 h', HOUR, 15],
      ['6 h', 6 * HOUR, 30],
      ['24 h', DAY, 120],
      ['7 days', 7 * DAY, 900],
      ['30 days', 30 * DAY, 2700],
      ['90 days', 90 * DAY, 10_800],
    ];
    for (const [name, window, step] of cases) {
      assert.equal(fitStep(window), step, name);
      assert.ok(window / step <= 1000, `${name}: ${window / step} points`);
    }
  });

  it('is never finer than the scrape interval, and follows a smaller point budget', () => {
    assert.equal(fitStep(60, { scrapeIntervalSec: 15 }), 15);
    assert.equal(fitStep(60, { scrapeIntervalSec: 1 }), 1);
    assert.equal(fitStep(HOUR, { scrapeIntervalSec: 60 }), 60);
    assert.equal(fitStep(DAY, { maxPoints: 100 }), 900);
    assert.equal(fitStep(0), 15);
  });

  it('rounds to whole multiples of 15 s, 1 min, 5 min or 1 h', () => {
    for (let window = HOUR; window <= 60 * DAY; window = Math.round(window * 1.37)) {
      const step = fitStep(window);
      const base = step >= HOUR ? HOUR : step >= 300 ? 300 : step >= 60 ? 60 : 15;
      assert.equal(step % base, 0, `${window} s -> ${step} s`);
      assert.ok(Math.ceil(window / step) <= 1000);
    }
  });
});

describe('History from Prometheus: gaps', () => {
  it('returns the grid times with no point as ranges, not filled in', () => {
    const present = new Set([100, 110, 140, 150, 180]);
    assert.deepEqual(findGaps(100, 200, 10, present), [
      { fromSec: 120, toSec: 130 },
      { fromSec: 160, toSec: 170 },
      { fromSec: 190, toSec: 200 },
    ]);
    assert.deepEqual(findGaps(100, 130, 10, new Set([100, 110, 120, 130])), []);
    assert.deepEqual(findGaps(100, 130, 10, new Set()), [{ fromSec: 100, toSec: 130 }]);
  });
});
