import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertDetector } from '../../src/core/alerts/detector';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import { parseSoftFdLimit } from '../../src/core/linux/processLimits';
import type { Connection, TcpStateName } from '../../src/core/model';
import { emptyCounts } from '../../src/core/model';

function sockets(pid: number, state: TcpStateName, n: number, port = 8080): Connection[] {
  return Array.from({ length: n }, (_, i) => ({
    family: 'IPv4', localAddress: '127.0.0.1', localPort: port, remoteAddress: '127.0.0.1', remotePort: 40000 + i,
    state, sendQueue: 0, receiveQueue: 0, uid: 0, inode: 1000 + i, pid, process: 'node', commandLine: 'node server.js', owner: 'known',
  }));
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);

describe('AlertDetector', () => {
  it('reports a rising CLOSE_WAIT trend once per episode, and again after the process recovered', () => {
    const d = new AlertDetector(DEFAULT_ALERT_SETTINGS);
    const run = (counts: number[], start: number) => counts.flatMap((n, i) => d.onSnapshot(sockets(42, 'CLOSE_WAIT', n), at(start + i * 2)));
    const first = run([0, 3, 6, 9, 12, 15, 18], 0);
    assert.equal(first.length, 1);
    assert.equal(first[0].kind, 'close-wait-growth');
    assert.equal(first[0].kind === 'close-wait-growth' && first[0].pid, 42);
    assert.match(first[0].message, /node \(pid 42\) keeps leaking sockets: 9 in CLOSE_WAIT and rising on :8080/);
    assert.equal(run([0], 100).length, 0); // the leak was fixed: the episode ends
    assert.equal(run([2, 5, 9, 12], 200).length, 1);
  });

  it('does not alert on noise that goes up and down, or on a steady level', () => {
    const d = new AlertDetector(DEFAULT_ALERT_SETTINGS);
    const noisy = [10, 16, 9, 15, 10, 14, 9, 30, 30, 30, 30, 30].flatMap((n, i) => d.onSnapshot(sockets(7, 'CLOSE_WAIT', n), at(i * 2)));
    assert.deepEqual(noisy.map((a) => a.kind), []);
  });

  it('warns when descriptors reach the share of the soft limit, once until they drop', () => {
    const d = new AlertDetector(DEFAULT_ALERT_SETTINGS);
    const conns = sockets(9, 'CLOSE_WAIT', 3);
    const usage = (open: number) => new Map([[9, { open, softLimit: 1024 }]]);
    assert.equal(d.onSnapshot(conns, at(0), usage(700)).length, 0);
    const warned = d.onSnapshot(conns, at(2), usage(820));
    assert.equal(warned.length, 1);
    assert.match(warned[0].message, /uses 820 of 1024 file descriptors: "Too many open files" soon \(3 held by CLOSE_WAIT sockets\)/);
    assert.equal(d.onSnapshot(conns, at(4), usage(900)).length, 0);
    assert.equal(d.onSnapshot(conns, at(6), usage(500)).length, 0);
    assert.equal(d.onSnapshot(conns, at(8), usage(830)).length, 1);
  });

  it('crosses count and growth thresholds once, with hysteresis', () => {
    const d = new AlertDetector({ ...DEFAULT_ALERT_SETTINGS, thresholds: { TIME_WAIT: { count: 100 }, CLOSE_WAIT: { growthPerMinute: 60 } } });
    const counts = (tw: number, cw: number) => ({ ...emptyCounts(), TIME_WAIT: tw, CLOSE_WAIT: cw });
    assert.equal(d.onCounts(counts(50, 0), at(0)).length, 0);
    const crossed = d.onCounts(counts(120, 0), at(10));
    assert.deepEqual(crossed.map((a) => [a.state, a.crossed]), [['TIME_WAIT', 'count']]);
    assert.equal(d.onCounts(counts(95, 0), at(20)).length, 0); // above 90 %: same episode
    assert.equal(d.onCounts(counts(80, 0), at(30)).length, 0);
    assert.equal(d.onCounts(counts(101, 0), at(40)).length, 1);
    const growth = d.onCounts(counts(101, 70), at(55)); // 70 in 55 s is over 60/min
    assert.deepEqual(growth.map((a) => [a.state, a.crossed]), [['CLOSE_WAIT', 'growth']]);
  });

  it('reads the soft limit from /proc/PID/limits text', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
    assert.equal(parseSoftFdLimit(limits), 1024);
    assert.equal(parseSoftFdLimit(limits.replace('1024', 'unlimited')), undefined);
    assert.equal(parseSoftFdLimit('garbage'), undefined);
  });
});

describe('alert settings', () => {
  it('keeps good fields and names each bad one', async () => {
    const { readAlertSettings } = await import('../../src/core/alerts/settings');
    const { settings, problems } = readAlertSettings({
      thresholds: { TIME_WAIT: { count: 10 }, BOGUS: { count: 1 }, CLOSE_WAIT: { count: -5 } },
      closeWaitMinRise: 'many',
      fdLimitRatio: 0.5,
    });
    assert.deepEqual(settings.thresholds.TIME_WAIT, { count: 10, growthPerMinute: undefined });
    assert.deepEqual(settings.thresholds.CLOSE_WAIT, DEFAULT_ALERT_SETTINGS.thresholds.CLOSE_WAIT);
    assert.equal(settings.closeWaitMinRise, DEFAULT_ALERT_SETTINGS.closeWaitMinRise);
    assert.equal(settings.fdLimitRatio, 0.5);
    assert.equal(problems.length, 3);
    assert.match(problems.join('\n'), /unknown state "BOGUS"/);
  });
});
