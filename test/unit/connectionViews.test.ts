// The pure parts behind the Connections view: filter syntax, grouping, paging, diffs, export.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcileRows } from '../../src/core/diff';
import { snapshotToCsv, snapshotToJson } from '../../src/core/export';
import { FilterSyntaxError, applyFilter, parseFilter } from '../../src/core/filter';
import { groupConnections } from '../../src/core/grouping';
import type { Connection, Snapshot } from '../../src/core/model';
import { firstItems } from '../../src/core/paging';

function conn(over: Partial<Connection>): Connection {
  return {
    family: 'IPv4',
    localAddress: '10.0.0.1',
    localPort: 8080,
    remoteAddress: '10.0.0.2',
    remotePort: 50000,
    state: 'ESTABLISHED',
    sendQueue: 0,
    receiveQueue: 0,
    uid: 0,
    inode: 1,
    owner: 'unresolved',
    ...over,
  };
}

const rows: Connection[] = [
  conn({
    state: 'LISTEN',
    remoteAddress: '0.0.0.0',
    remotePort: 0,
    pid: 10,
    process: 'node',
    commandLine: 'node server.js',
    owner: 'known',
  }),
  conn({ state: 'CLOSE_WAIT', remotePort: 50001, pid: 10, process: 'node', commandLine: 'node server.js', owner: 'known' }),
  conn({ state: 'CLOSE_WAIT', remotePort: 50002, pid: 10, process: 'node', commandLine: 'node server.js', owner: 'known' }),
  conn({ state: 'TIME_WAIT', localPort: 41000, remoteAddress: '192.168.1.9', remotePort: 5432, inode: 0, owner: 'kernel' }),
  conn({
    state: 'ESTABLISHED',
    localPort: 41001,
    remoteAddress: '192.168.1.9',
    remotePort: 5432,
    pid: 20,
    process: 'python3',
    owner: 'known',
  }),
  conn({ state: 'ESTABLISHED', localPort: 41002, remoteAddress: '192.168.1.9', remotePort: 5432, inode: 7, owner: 'hidden' }),
];

describe('filter', () => {
  it('ANDs keys and ORs comma alternatives', () => {
    const f = parseFilter('state:close-wait,TIME_WAIT port:8080')!;
    assert.deepEqual(
      applyFilter(rows, f).map((c) => c.remotePort),
      [50001, 50002],
    );
    assert.equal(applyFilter(rows, parseFilter('state:TIME_WAIT,CLOSE_WAIT')).length, 3);
  });

  it('matches ports on either side, processes by name or command line, addresses and free words', () => {
    assert.equal(applyFilter(rows, parseFilter('port:5432')).length, 3);
    assert.equal(applyFilter(rows, parseFilter('proc:server.js')).length, 3);
    assert.equal(applyFilter(rows, parseFilter('pid:20'))[0].process, 'python3');
    assert.equal(applyFilter(rows, parseFilter('addr:192.168.1')).length, 3);
    assert.equal(applyFilter(rows, parseFilter('python3 5432')).length, 1);
  });

  it('an empty filter is no filter; bad terms say what is wrong', () => {
    assert.equal(parseFilter('   '), undefined);
    assert.throws(
      () => parseFilter('state:CLOSED_WAIT'),
      (e: Error) => e instanceof FilterSyntaxError && /not a TCP state/.test(e.message),
    );
    assert.throws(() => parseFilter('port:70000'), /not a valid port/);
    assert.throws(() => parseFilter('pid:abc'), /not a valid pid/);
    assert.throws(() => parseFilter('port:'), /give a value/);
  });
});

describe('grouping', () => {
  it('by state lists every state in display order, empty ones included', () => {
    const groups = groupConnections(rows, 'state');
    assert.equal(groups.length, 11);
    const counts = Object.fromEntries(groups.map((g) => [g.key, g.connections.length]));
    assert.deepEqual([counts.ESTABLISHED, counts.CLOSE_WAIT, counts.TIME_WAIT, counts.LISTEN, counts.SYN_SENT], [2, 2, 1, 1, 0]);
  });

  it('by process puts the largest first and says why sockets have no process', () => {
    const groups = groupConnections(rows, 'process');
    assert.equal(groups[0].label, 'node (10)');
    assert.equal(groups[0].pid, 10);
    assert.equal(groups[0].connections.length, 3);
    const labels = groups.map((g) => g.label);
    assert.ok(labels.includes('No process (kernel: TIME_WAIT, SYN_RECV)'));
    assert.ok(labels.includes('Owner not visible'));
  });

  it('by local port and by remote host', () => {
    assert.equal(groupConnections(rows, 'localPort')[0].label, ':8080');
    assert.deepEqual(
      groupConnections(rows, 'remoteHost').map((g) => [g.label, g.connections.length]),
      [
        ['192.168.1.9', 3],
        ['10.0.0.2', 2],
        ['0.0.0.0', 1],
      ],
    );
  });
});

describe('paging', () => {
  it('gives a page and what remains, never more than there is', () => {
    const all = Array.from({ length: 450 }, (_, i) => i);
    assert.deepEqual([firstItems(all, 200).items.length, firstItems(all, 200).remaining], [200, 250]);
    assert.deepEqual([firstItems(all, 1000).items.length, firstItems(all, 1000).remaining], [450, 0]);
    assert.equal(firstItems(all, -5).items.length, 0);
  });
});

describe('diff between refreshes', () => {
  it('finds new rows and gone ones, and keeps one object per row across snapshots', () => {
    const before = rows.map((c) => ({ ...c }));
    const fresh = conn({ remotePort: 60000 });
    const next = [...before.slice(1).map((c) => ({ ...c, receiveQueue: 7 })), fresh];
    const d = reconcileRows(before, next);
    assert.deepEqual(d.added, [fresh]);
    assert.deepEqual(d.removed, [before[0]]);
    assert.ok(
      next.slice(0, -1).every((c, i) => c === before[i + 1]),
      'rows still there are the previous objects',
    );
    assert.ok(
      next.slice(0, -1).every((c) => c.receiveQueue === 7),
      'with the fresh values',
    );
  });

  it('a state change is a new row (the old state closed)', () => {
    const d = reconcileRows([conn({ state: 'ESTABLISHED' })], [conn({ state: 'CLOSE_WAIT' })]);
    assert.equal(d.added.length, 1);
    assert.equal(d.removed.length, 1);
  });
});

describe('export', () => {
  const snapshot: Snapshot = {
    host: { id: 'local', label: 'box', platform: 'linux' },
    takenAt: new Date('2026-01-02T03:04:05Z'),
    connections: rows,
    warnings: [],
  };

  it('CSV has a header and one quoted row per connection, with formulas defused', () => {
    const evil = conn({ process: '=HYPERLINK("x")', commandLine: 'a,"b"', pid: 1, owner: 'known' });
    const lines = snapshotToCsv([...rows, evil])
      .trimEnd()
      .split('\r\n');
    assert.equal(lines.length, rows.length + 2);
    assert.match(lines[0], /^family,state,localAddress,localPort/);
    assert.match(lines.at(-1)!, /'=HYPERLINK\(""x""\)/);
    assert.match(lines.at(-1)!, /"a,""b"""/);
  });

  it('JSON carries host, time and every column (null when unknown)', () => {
    const data = JSON.parse(snapshotToJson(snapshot, rows.slice(3, 4))) as {
      host: string;
      takenAt: string;
      connections: Record<string, unknown>[];
    };
    assert.equal(data.host, 'box');
    assert.equal(data.takenAt, '2026-01-02T03:04:05.000Z');
    assert.equal(data.connections.length, 1);
    assert.equal(data.connections[0].state, 'TIME_WAIT');
    assert.equal(data.connections[0].pid, null);
  });
});
