// When the refresh loop walks processes and how often it runs, by what the user is doing.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refreshDelayMs, refreshKind, STOP_FULL_AFTER_MS, type CadenceState } from '../../src/live/cadence';

const looking: CadenceState = {
  viewVisible: true,
  processesWanted: false,
  watchHidden: true,
  attended: true,
  unattendedForMs: 0,
  quietTick: 0,
};
const kinds = (s: Omit<CadenceState, 'quietTick'>) =>
  Array.from({ length: 10 }, (_, quietTick) => refreshKind({ ...s, quietTick })).filter((k) => k === 'full').length;

describe('refresh cadence', () => {
  it('walks processes at every refresh while someone looks at the view', () => {
    assert.equal(kinds(looking), 10);
  });

  it('counts mostly while the view is hidden or the window unused, walking one refresh in five for the alerts', () => {
    assert.equal(kinds({ ...looking, viewVisible: false }), 2);
    assert.equal(kinds({ ...looking, attended: false, unattendedForMs: 60_000 }), 2);
    assert.equal(kinds({ ...looking, viewVisible: false, watchHidden: false }), 0, 'unless the user turned that off');
  });

  it('stops walking processes once no window has been used for a while, unless the lenses ask', () => {
    const gone = { ...looking, attended: false, unattendedForMs: STOP_FULL_AFTER_MS };
    assert.equal(kinds(gone), 0);
    assert.equal(kinds({ ...gone, processesWanted: true }), 10);
  });

  it('slows down five times while hidden or unattended, and stretches after a costly refresh', () => {
    assert.deepEqual(
      [
        refreshDelayMs(2000, true, true, 100),
        refreshDelayMs(2000, true, false, 100),
        refreshDelayMs(2000, false, true, 100),
        refreshDelayMs(2000, true, true, 900),
      ],
      [2000, 10_000, 10_000, 3600],
    );
  });
});
