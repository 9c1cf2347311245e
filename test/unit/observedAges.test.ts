import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection, TcpStateName } from '../../src/core/model';
import { ObservedAges } from '../../src/core/observedAges';

function conn(state: TcpStateName, localPort: number, inode: number, extra: Partial<Connection> = {}): Connection {
  return {
    family: 'IPv4',
    localAddress: '10.0.0.1',
    localPort,
    remoteAddress: '10.0.0.2',
    remotePort: 40000,
    state,
    sendQueue: 0,
    receiveQueue: 0,
    uid: 0,
    inode,
    owner: inode ? 'unresolved' : 'kernel',
    ...extra,
  };
}

const at = (s: number) => new Date(1_700_000_000_000 + s * 1000);

describe('observed ages', () => {
  it('dates sockets from the first look as lower bounds and later arrivals exactly', () => {
    const ages = new ObservedAges();
    const first = [conn('CLOSE_WAIT', 8080, 11), conn('ESTABLISHED', 8080, 12)];
    ages.annotate(first, at(0));
    for (const c of first) assert.deepEqual([c.ageSeconds, c.ageSource, c.ageIsLowerBound], [0, 'observed', true]);

    const second = [conn('CLOSE_WAIT', 8080, 11), conn('ESTABLISHED', 8080, 12), conn('CLOSE_WAIT', 8081, 13)];
    ages.annotate(second, at(2));
    const third = [conn('CLOSE_WAIT', 8080, 11), conn('ESTABLISHED', 8080, 12), conn('CLOSE_WAIT', 8081, 13)];
    ages.annotate(third, at(6.5));
    assert.deepEqual(
      third.map((c) => [c.ageSeconds, c.ageIsLowerBound]),
      [
        [6.5, true],
        [6.5, true],
        [4.5, false],
      ],
    );
  });

  it('starts again when a socket changes state (same inode, new state)', () => {
    const ages = new ObservedAges();
    ages.annotate([conn('ESTABLISHED', 8080, 21)], at(0));
    ages.annotate([conn('ESTABLISHED', 8080, 21)], at(2));
    const now = [conn('CLOSE_WAIT', 8080, 21)];
    ages.annotate(now, at(4));
    assert.deepEqual([now[0].ageSeconds, now[0].ageIsLowerBound], [0, false]);
  });

  it('keys sockets without an inode (netstat output, TIME_WAIT) by 4-tuple and state', () => {
    const ages = new ObservedAges();
    ages.annotate([conn('CLOSE_WAIT', 9000, 0), conn('CLOSE_WAIT', 9001, 0)], at(0));
    ages.annotate([conn('CLOSE_WAIT', 9000, 0)], at(1));
    const later = [conn('CLOSE_WAIT', 9000, 0), conn('CLOSE_WAIT', 9001, 0)];
    ages.annotate(later, at(3));
    assert.deepEqual(
      later.map((c) => [c.ageSeconds, c.ageIsLowerBound]),
      [
        [3, true],
        [0, false],
      ],
      'the socket gone for a look is new again',
    );
  });

  it('leaves kernel ages alone and forgets sockets that are gone', () => {
    const ages = new ObservedAges();
    const kernel = conn('CLOSE_WAIT', 8080, 31, { ageSeconds: 42, ageSource: 'kernel', ageIsLowerBound: false });
    ages.annotate([kernel, conn('LISTEN', 8080, 32), conn('ESTABLISHED', 8080, 33)], at(0));
    assert.deepEqual([kernel.ageSeconds, kernel.ageSource], [42, 'kernel']);
    assert.equal(ages.size, 2);
    ages.annotate([conn('LISTEN', 8080, 32)], at(2));
    assert.equal(ages.size, 1);
  });

  it('after a long gap between looks, new sockets are lower bounds too', () => {
    const ages = new ObservedAges();
    ages.annotate([conn('LISTEN', 8080, 41)], at(0));
    const afterGap = [conn('LISTEN', 8080, 41), conn('CLOSE_WAIT', 8080, 42)];
    ages.annotate(afterGap, at(300));
    assert.deepEqual(
      afterGap.map((c) => [c.ageSeconds, c.ageIsLowerBound]),
      [
        [300, true],
        [0, true],
      ],
    );
  });

  it('remembers 100,000 sockets across looks', () => {
    const ages = new ObservedAges();
    const rows = () => Array.from({ length: 100_000 }, (_, i) => conn(i % 10 ? 'ESTABLISHED' : 'CLOSE_WAIT', 1000 + (i % 50), 1000 + i));
    ages.annotate(rows(), at(0));
    const second = rows();
    ages.annotate(second, at(2));
    assert.equal(second[99_999].ageSeconds, 2);
    assert.equal(ages.size, 100_000);
  });
});
