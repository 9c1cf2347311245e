import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertDetector, STUCK_EPISODE_QUIET_MS } from '../../src/core/alerts/detector';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import { parseSoftFdLimit } from '../../src/core/linux/processLimits';
import type { Connection, TcpStateName } from '../../src/core/model';
import { emptyCounts } from '../../src/core/model';

function sockets(pid: number, state: TcpStateName, n: number, port = 8080, ageSeconds?: number, firstInode = 1000): Connection[] {
  return Array.from({ length: n }, (_, i) => ({
    family: 'IPv4',
    localAddress: '127.0.0.1',
    localPort: port,
    remoteAddress: '127.0.0.1',
    remotePort: 40000 + i,
    state,
    sendQueue: 0,
    receiveQueue: 0,
    uid: 0,
    inode: firstInode + i,
    pid,
    process: 'node',
    commandLine: 'node server.js',
    owner: 'known',
    ageSeconds,
    ageSource: ageSeconds === undefined ? undefined : 'kernel',
    ageIsLowerBound: false,
  }));
}

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);
const listener = (pid: number) => sockets(pid, 'LISTEN', 1, 8080, 0, 1);

describe('AlertDetector', () => {
  it('names a process holding stuck CLOSE_WAIT sockets once per episode: pid, count, oldest age, ports', () => {
    const d = new AlertDetector(DEFAULT_ALERT_SETTINGS);
    // 20 sockets that never close, seen every 2 s from 50 s after their FIN (steady, not growing).
    const seen = (s: number) => d.onSnapshot([...listener(42), ...sockets(42, 'CLOSE_WAIT', 20, 8081, 50 + s)], at(s));
    const alerts = Array.from({ length: 30 }, (_, i) => seen(i * 2)).flat();
    assert.equal(alerts.length, 1, JSON.stringify(alerts));
    const [a] = alerts;
    assert.ok(a.kind === 'close-wait-stuck');
    assert.deepEqual(
      [a.pid, a.process, a.commandLine, a.stuck, a.oldestSeconds, a.localPorts],
      [42, 'node', 'node server.js', 20, 60, [8081]],
    );
    assert.deepEqual(a.at, at(10), 'raised at the first snapshot where they passed 60 s');
    assert.equal(
      a.message,
      'node (pid 42) leaks sockets: 20 sockets stuck in CLOSE_WAIT for up to 1 min on :8081. The peer closed; the code never calls close().',
    );
  });

  it('never alerts on a process that churns hundreds of CLOSE_WAIT sockets closed within the threshold', () => {
    const d = new AlertDetector(DEFAULT_ALERT_SETTINGS);
    const alerts: unknown[] = [];
    // A browser's idle pool: 100 new CLOSE_WAIT sockets every 2 s, each closed 2 s later.
    for (let i = 0; i < 60; i++) {
      const fresh = sockets(7, 'CLOSE_WAIT', 100, 443, 0, 10_000 + i * 100);
      const old = sockets(7, 'CLOSE_WAIT', 100, 443, 2, 10_000 + (i - 1) * 100);
      alerts.push(...d.onSnapshot([...listener(7), ...fresh, ...(i ? old : [])], at(i * 2)));
    }
    assert.deepEqual(alerts, []);
    assert.ok(!d.crossedStates().has('CLOSE_WAIT'), 'the CLOSE_WAIT threshold counts stuck sockets only');
  });

  it('ends an episode after the process had no stuck socket for a while, or when its pid is reused', () => {
    const d = new AlertDetector({ ...DEFAULT_ALERT_SETTINGS, closeWaitStuckSeconds: 10 });
    const stuck = (s: number) => d.onSnapshot([...listener(5), ...sockets(5, 'CLOSE_WAIT', 3, 9000, 30)], at(s));
    const clean = (s: number) => d.onSnapshot(listener(5), at(s));
    assert.equal(stuck(0).length, 1);
    assert.equal(clean(2).length, 0);
    assert.equal(stuck(60).length, 0, 'stuck again within the quiet period: the same episode');
    assert.equal(clean(62).length, 0);
    assert.equal(clean(62 + STUCK_EPISODE_QUIET_MS / 1000).length, 0);
    assert.equal(stuck(400).length, 1, 'a new episode');
    const reused = sockets(5, 'CLOSE_WAIT', 1, 9001, 30).map((c) => ({ ...c, commandLine: 'python3 other.py', process: 'python3' }));
    const again = d.onSnapshot(reused, at(402));
    assert.deepEqual(
      again.map((a) => a.kind === 'close-wait-stuck' && a.process),
      ['python3'],
    );
  });

  it('says "at least" when the oldest age is an observed lower bound, and ignores sockets of unknown age', () => {
    const d = new AlertDetector(DEFAULT_ALERT_SETTINGS);
    const lower = sockets(8, 'CLOSE_WAIT', 2, 8081, 125).map((c) => ({ ...c, ageSource: 'observed' as const, ageIsLowerBound: true }));
    const unknown = sockets(8, 'CLOSE_WAIT', 5, 8082, undefined, 5000);
    const [a] = d.onSnapshot([...lower, ...unknown], at(0));
    assert.ok(a.kind === 'close-wait-stuck');
    assert.equal(a.stuck, 2);
    assert.deepEqual(a.localPorts, [8081]);
    assert.match(a.message, /2 sockets stuck in CLOSE_WAIT for at least 2 min on :8081/);
  });

  it('escapes control characters of a process name in the message, keeps the name itself', () => {
    const d = new AlertDetector(DEFAULT_ALERT_SETTINGS);
    const evil = sockets(9, 'CLOSE_WAIT', 1, 8081, 90).map((c) => ({ ...c, process: 'x\x1b]0;pwned\x07' }));
    const [a] = d.onSnapshot(evil, at(0));
    assert.ok(a.kind === 'close-wait-stuck');
    assert.equal(a.process, 'x\x1b]0;pwned\x07');
    assert.match(a.message, /^x\\x1b\]0;pwned\\x07 \(pid 9\) leaks sockets/);
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
    const d = new AlertDetector({
      ...DEFAULT_ALERT_SETTINGS,
      thresholds: { TIME_WAIT: { count: 100 }, ESTABLISHED: { growthPerMinute: 60 } },
    });
    const counts = (tw: number, est: number) => ({ ...emptyCounts(), TIME_WAIT: tw, ESTABLISHED: est });
    assert.equal(d.onCounts(counts(50, 0), at(0)).length, 0);
    const crossed = d.onCounts(counts(120, 0), at(10));
    assert.deepEqual(
      crossed.map((a) => [a.state, a.crossed]),
      [['TIME_WAIT', 'count']],
    );
    assert.equal(d.onCounts(counts(95, 0), at(20)).length, 0); // above 90 %: same episode
    assert.equal(d.onCounts(counts(80, 0), at(30)).length, 0);
    assert.equal(d.onCounts(counts(101, 0), at(40)).length, 1);
    const growth = d.onCounts(counts(101, 70), at(55)); // 70 in 55 s is over 60/min
    assert.deepEqual(
      growth.map((a) => [a.state, a.crossed]),
      [['ESTABLISHED', 'growth']],
    );
  });

  it('judges the CLOSE_WAIT threshold on stuck sockets from snapshots, never on raw counts', () => {
    const d = new AlertDetector({ ...DEFAULT_ALERT_SETTINGS, thresholds: { CLOSE_WAIT: { count: 10, growthPerMinute: 30 } } });
    assert.deepEqual(d.onCounts({ ...emptyCounts(), CLOSE_WAIT: 500 }, at(0)), []);
    assert.deepEqual(d.onSnapshot(sockets(3, 'CLOSE_WAIT', 500, 443, 5), at(2)), [], '500 sockets, none stuck');
    const alerts = d.onSnapshot(sockets(3, 'CLOSE_WAIT', 12, 8081, 61), at(4));
    const threshold = alerts.filter((a) => a.kind === 'threshold');
    assert.deepEqual(
      threshold.map((a) => [a.state, a.count, a.crossed, a.message]),
      [['CLOSE_WAIT', 12, 'count', 'CLOSE_WAIT: 12 sockets stuck for over 1 min (threshold 10).']],
    );
    assert.ok(d.crossedStates().has('CLOSE_WAIT'));
  });

  it('counts growth of stuck CLOSE_WAIT sockets once some were stuck a minute ago, not the step of a batch passing the threshold', () => {
    const d = new AlertDetector({ ...DEFAULT_ALERT_SETTINGS, thresholds: { CLOSE_WAIT: { growthPerMinute: 30 } } });
    // A leak of one socket a second: none stuck for the first minute, then one more every second.
    const leak = (s: number) => Array.from({ length: s }, (_, i) => sockets(4, 'CLOSE_WAIT', 1, 8081, s - i, 100 + i)[0]);
    const growth = [];
    for (let s = 0; s <= 180; s += 2) growth.push(...d.onSnapshot(leak(s), at(s)).filter((a) => a.kind === 'threshold'));
    assert.deepEqual(
      growth.map((a) => [(a.at.getTime() - at(0).getTime()) / 1000, a.crossed]),
      [[120, 'growth']],
    );
    assert.match(growth[0].message, /^CLOSE_WAIT: sockets stuck for over 1 min: growing \d+\/min \(threshold 30\/min\)\.$/);
  });

  it('reads the soft limit from /proc/PID/limits text', () => {
    const limits =
      'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
    assert.equal(parseSoftFdLimit(limits), 1024);
    assert.equal(parseSoftFdLimit(limits.replace('1024', 'unlimited')), undefined);
    assert.equal(parseSoftFdLimit('garbage'), undefined);
  });
});

describe('alert settings', () => {
  // closeWaitStuckSeconds and fdLimitRatio are checked against package.json's ranges (test/unit/config.test.ts).
  it('keeps good thresholds and names each bad one', async () => {
    const { readThresholds } = await import('../../src/core/alerts/settings');
    const { thresholds, problems } = readThresholds({ TIME_WAIT: { count: 10 }, BOGUS: { count: 1 }, CLOSE_WAIT: { count: -5 } });
    assert.deepEqual(thresholds.TIME_WAIT, { count: 10, growthPerMinute: undefined });
    assert.deepEqual(thresholds.CLOSE_WAIT, DEFAULT_ALERT_SETTINGS.thresholds.CLOSE_WAIT);
    assert.equal(problems.length, 2);
    assert.match(problems.join('\n'), /unknown state "BOGUS"/);
  });
});
