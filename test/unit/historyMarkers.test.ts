import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../src/core/alerts/types';
import { markerOfAlert } from '../../src/webview/alertMarkers';

const at = new Date(Date.UTC(2026, 0, 1, 12));
const process = { pid: 4242, process: 'node', commandLine: 'node server.js', message: 'm', at };

describe('chart markers from alerts', () => {
  it('marks a threshold crossing with the state and its limit', () => {
    const alert: Alert = {
      kind: 'threshold',
      state: 'CLOSE_WAIT',
      count: 120,
      growthPerMinute: 3,
      crossed: 'count',
      limit: 100,
      message: 'm',
      at,
    };
    assert.deepEqual(markerOfAlert(alert), { t: at.getTime(), kind: 'threshold', state: 'CLOSE_WAIT', label: 'CLOSE_WAIT ≥ 100' });
    assert.equal(markerOfAlert({ ...alert, state: 'TIME_WAIT', crossed: 'growth', growthPerMinute: 2500.4 }).label, 'TIME_WAIT +2500/min');
  });

  it('marks the start of a leak episode and a process near its descriptor limit as leaks', () => {
    const growth: Alert = {
      ...process,
      kind: 'close-wait-growth',
      state: 'CLOSE_WAIT',
      count: 37,
      growthPerMinute: 40,
      localPorts: [8080],
    };
    assert.deepEqual(markerOfAlert(growth), { t: at.getTime(), kind: 'leak', state: 'CLOSE_WAIT', label: 'leak: node (4242)' });
    const fds: Alert = { ...process, kind: 'fd-limit', state: 'CLOSE_WAIT', count: 800, openFds: 820, fdLimit: 1024 };
    assert.equal(markerOfAlert(fds).label, 'fds: node (4242) 820/1024');
    assert.equal(markerOfAlert(fds).kind, 'leak');
  });
});
