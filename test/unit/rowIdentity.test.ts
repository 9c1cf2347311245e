// One row object per socket across looks at a table, and what changed between looks.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from '../../src/core/model';
import { RowIdentity } from '../../src/core/sampling/rowIdentity';

const conn = (localPort: number): Connection => ({
  family: 'IPv4',
  localAddress: '127.0.0.1',
  localPort,
  remoteAddress: '127.0.0.1',
  remotePort: 9000,
  state: 'ESTABLISHED',
  sendQueue: 0,
  receiveQueue: 0,
  uid: 0,
  inode: localPort,
  owner: 'unresolved',
});

/** One look listing `ports`, each socket named by its port unless `names` says otherwise. */
function look(rows: RowIdentity<number>, at: number, ports: number[], names: Record<number, number> = {}) {
  rows.begin(at);
  const listed = ports.map((p) =>
    rows.row(
      names[p] ?? p,
      () => conn(p),
      (r) => r.localPort === p,
    ),
  );
  return { listed, ...rows.finish() };
}

describe('row identity', () => {
  it('keeps the row of a socket that stays, reports new and gone ones, and dates rows from first sight', () => {
    const rows = new RowIdentity<number>();
    const first = look(rows, 0, [1, 2, 3]);
    assert.equal(first.added.length, 3);
    const second = look(rows, 2000, [2, 3, 4]);
    assert.equal(second.listed[0], first.listed[1], 'the same object for socket 2');
    assert.deepEqual(
      second.added.map((c) => c.localPort),
      [4],
    );
    assert.deepEqual(
      second.removed.map((c) => c.localPort),
      [1],
    );
    rows.begin(4000);
    const again = rows.row(4, () => conn(4));
    rows.observeAge(again);
    rows.finish();
    assert.equal(again.ageSeconds, 2, 'seen since the look at 2 s');
    assert.equal(again.ageIsLowerBound, false, 'first seen after the first look: exact');
  });

  it('treats a name given to another socket as a new row and the old one as gone', () => {
    const rows = new RowIdentity<number>();
    const first = look(rows, 0, [1, 2]);
    // Socket 5 now carries the name socket 1 had (an inode reused).
    const second = look(rows, 2000, [5, 2], { 5: 1 });
    assert.notEqual(second.listed[0], first.listed[0]);
    assert.deepEqual(
      second.added.map((c) => c.localPort),
      [5],
    );
    assert.deepEqual(
      second.removed.map((c) => c.localPort),
      [1],
    );
  });

  it('reports the rows of a cancelled look as new at the next one', () => {
    const rows = new RowIdentity<number>();
    look(rows, 0, [1]);
    rows.begin(1000);
    rows.row(2, () => conn(2)); // cancelled before finish
    const next = look(rows, 2000, [1, 2]);
    assert.deepEqual(
      next.added.map((c) => c.localPort),
      [2],
    );
  });

  it('reports sockets gone after a cancelled look, also those it never reached', () => {
    const rows = new RowIdentity<number>();
    const first = look(rows, 0, [1, 2, 3]);
    rows.begin(1000);
    rows.row(1, () => conn(1)); // cancelled after the first socket
    const next = look(rows, 2000, [1]);
    assert.deepEqual(next.removed, [first.listed[1], first.listed[2]]);
    assert.equal(next.listed[0], first.listed[0]);
    assert.equal(rows.size, 1);
  });

  it('keeps each row and reports what changed however the order of the listing moves', () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const rows = new RowIdentity<number>();
    let keys: number[] = [];
    let last = new Map<number, Connection>();
    for (let i = 0; i < 300; i++) {
      // The next listing: mostly the last one, some sockets gone, some new, some moved.
      keys = keys.filter(() => random(10) > 0);
      for (let n = random(4); n > 0; n--) keys.splice(random(keys.length + 1), 0, 1000 + random(1000));
      if (keys.length > 1) keys.splice(random(keys.length), 0, ...keys.splice(random(keys.length), 1));
      keys = [...new Set(keys)];
      if (random(8) === 0) {
        rows.begin(i * 1000);
        for (const key of keys.slice(0, random(keys.length + 1))) rows.row(key, () => conn(key));
        continue; // cancelled: no finish
      }
      const seen = look(rows, i * 1000, keys);
      keys.forEach((key, k) => {
        const before = last.get(key);
        if (before) assert.equal(seen.listed[k], before, `look ${i}: socket ${key} keeps its row`);
        else assert.ok(seen.added.includes(seen.listed[k]), `look ${i}: socket ${key} is new`);
      });
      assert.equal(seen.added.length, keys.filter((key) => !last.has(key)).length, `look ${i}: only new sockets are added`);
      assert.deepEqual(
        new Set(seen.removed),
        new Set([...last].filter(([key]) => !keys.includes(key)).map(([, row]) => row)),
        `look ${i}: gone sockets are removed`,
      );
      last = new Map(keys.map((key, k) => [key, seen.listed[k]]));
    }
  });
});
