// What the Connections tree shows: ages, stuck counts, counts of the kernel's table only, and
// rows that stay where they are across refreshes.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ageSentence, ageText, formatDuration } from '../../src/core/ageText';
import { reconcileRows } from '../../src/core/diff';
import type { Connection } from '../../src/core/model';
import { groupRows, liveRowsOf, rowEntries, rowTotal, TreeRows, type GroupRows } from '../../src/views/groupRows';
import { StableOrder } from '../../src/views/stableOrder';

function conn(over: Partial<Connection>): Connection {
  return {
    family: 'IPv4',
    localAddress: '127.0.0.1',
    localPort: 8081,
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    state: 'ESTABLISHED',
    sendQueue: 0,
    receiveQueue: 0,
    uid: 0,
    inode: 1,
    owner: 'known',
    pid: 4242,
    process: 'node',
    commandLine: 'node server.js',
    ...over,
  };
}

const cw = (remotePort: number, ageSeconds?: number, over: Partial<Connection> = {}) =>
  conn({ state: 'CLOSE_WAIT', remotePort, ageSeconds, ageSource: ageSeconds === undefined ? undefined : 'kernel', ...over });

const opts = { groupBy: 'state' as const, stuckAfterSeconds: 60, hideEmpty: true };
const group = (groups: GroupRows[], key: string) => groups.find((g) => g.group.key === key);
const ports = (g: GroupRows | undefined) => g?.rows.map((r) => `${r.remotePort}${g.closed.has(r) ? 'x' : ''}`);

describe('ages as the tree words them', () => {
  it('rounds to what a person reads, and marks lower bounds', () => {
    assert.deepEqual([5, 59, 60, 754, 3600, 7500, 86_400, 97_200].map(formatDuration), [
      '5 s',
      '59 s',
      '1 min',
      '12 min',
      '1 h',
      '2 h 5 min',
      '1 d',
      '1 d 3 h',
    ]);
    assert.equal(ageText({ ageSeconds: 240, ageIsLowerBound: true }), '≥ 4 min');
    assert.equal(ageText({}), undefined, 'no age before the engine fills it in: nothing shown');
    assert.deepEqual(
      [ageText({ ageSeconds: 7 }, true), ageText({ ageSeconds: 59 }, true), ageText({ ageSeconds: 61 }, true)],
      ['< 1 min', '< 1 min', '1 min'],
      'a row changes once a minute, not every refresh',
    );
  });

  it('says what a CLOSE_WAIT age means, and when it was only observed', () => {
    assert.equal(
      ageSentence({ state: 'CLOSE_WAIT', ageSeconds: 720, ageSource: 'kernel' }),
      "in CLOSE_WAIT for 12 min (since the peer's FIN): it closed its side; this process has not called close()",
    );
    assert.match(
      ageSentence({ state: 'CLOSE_WAIT', ageSeconds: 240, ageSource: 'observed', ageIsLowerBound: true }) ?? '',
      /^seen in CLOSE_WAIT for at least 4 min \(it was already there/,
    );
    assert.equal(
      ageSentence({ state: 'TIME_WAIT', ageSeconds: 40, ageSource: 'kernel' }),
      'closed 40 s ago; the kernel frees it after 60 s',
    );
    // The peer may still send data in FIN_WAIT2, so the kernel figure only bounds the time there.
    assert.equal(ageSentence({ state: 'FIN_WAIT2', ageSeconds: 150, ageSource: 'kernel' }), 'in FIN_WAIT2 for at least 2 min');
  });
});

describe('tree groups', () => {
  it('count the kernel table only: rows closed since the last refresh are listed but not counted', () => {
    const before = [cw(1, 600), cw(2, 500), conn({ remotePort: 3 }), conn({ state: 'TIME_WAIT', remotePort: 4, owner: 'kernel' })];
    const now = [cw(1, 602), conn({ remotePort: 3 })];
    const diff = reconcileRows(before, now);
    const groups = groupRows(now, diff.removed, opts, new StableOrder());
    assert.equal(group(groups, 'CLOSE_WAIT')?.count, 1);
    assert.deepEqual(ports(group(groups, 'CLOSE_WAIT')), ['1', '2x']);
    assert.equal(group(groups, 'TIME_WAIT')?.count, 0, 'a group with only a closed row counts 0');
    assert.deepEqual(ports(group(groups, 'TIME_WAIT')), ['4x']);
    assert.equal(group(groups, 'ESTABLISHED')?.count, 1);
    assert.equal(group(groups, 'LISTEN'), undefined, 'empty groups hidden when asked');
  });

  it('count stuck CLOSE_WAIT sockets per state and per process, with the one definition of stuck', () => {
    const now = [
      cw(1, 600),
      cw(2, 61),
      cw(3, 59),
      cw(4),
      cw(5, 300, { pid: 77, process: 'python3' }),
      cw(6, 240, { ageSource: 'observed', ageIsLowerBound: true }),
    ];
    const byState = groupRows(now, [], opts, new StableOrder());
    assert.equal(group(byState, 'CLOSE_WAIT')?.count, 6);
    assert.equal(group(byState, 'CLOSE_WAIT')?.stuck, 4, 'at or over 60 s, lower bounds included; unknown ages never');
    const byProcess = groupRows(now, [], { ...opts, groupBy: 'process' }, new StableOrder());
    assert.deepEqual(
      byProcess.map((g) => [g.group.key, g.count, g.stuck]),
      [
        ['pid:4242', 5, 3],
        ['pid:77', 1, 1],
      ],
    );
  });

  it('are ordered only in groups the tree shows; a collapsed group is ordered oldest first when it opens', () => {
    const rows = new TreeRows();
    const table = [cw(1, 30), cw(2, 900), conn({ remotePort: 7, ageSeconds: 5 }), cw(3, 300), conn({ remotePort: 8, ageSeconds: 50 })];
    const shows = (key: string) => key === 'CLOSE_WAIT';
    const groups = rows.group(table, undefined, undefined, { ...opts, shows });
    assert.deepEqual(ports(group(groups, 'CLOSE_WAIT')), ['2', '3', '1'], 'shown: oldest first');
    const collapsed = group(groups, 'ESTABLISHED')!;
    assert.deepEqual([collapsed.count, collapsed.rows.length, collapsed.listed], [2, 0, false], 'collapsed: counted, not listed');
    const opened = rows.orderGroup('state', 'ESTABLISHED', liveRowsOf(table, 'ESTABLISHED'), []);
    assert.deepEqual(
      opened.map((c) => c.remotePort),
      [8, 7],
      'opened: oldest first',
    );
    // A row of a collapsed group closes: it is kept apart, for the refresh at which the group opens.
    const gone = conn({ remotePort: 9, ageSeconds: 500 });
    const later = rows.group(table, { added: new Set(), removed: [gone] }, undefined, { ...opts, shows });
    assert.deepEqual(
      group(later, 'ESTABLISHED')?.closedRows.map((c) => c.remotePort),
      [9],
    );
    // When it opens, the closed row is listed with the live ones, all oldest first.
    const established = group(later, 'ESTABLISHED')!;
    assert.deepEqual(
      rows.orderGroup('state', 'ESTABLISHED', liveRowsOf(table, 'ESTABLISHED'), established.closedRows).map((c) => c.remotePort),
      [9, 8, 7],
    );
  });

  it('list the oldest first, then keep every row in place across refreshes: new rows go after', () => {
    const order = new StableOrder();
    let previous = [cw(1, 30), cw(2, 900), cw(3, 300)];
    let groups = groupRows(previous, [], opts, order);
    assert.deepEqual(ports(group(groups, 'CLOSE_WAIT')), ['2', '3', '1'], 'oldest first');
    // Three refreshes: ages grow, one closes, new ones come (one of them older than everything).
    const refreshes = [
      [cw(1, 32), cw(2, 902), cw(3, 302), cw(4, 1)],
      [cw(1, 34), cw(2, 904), cw(4, 3), cw(5, 5000, { ageSource: 'observed', ageIsLowerBound: true }), cw(6, 0)],
      [cw(1, 36), cw(2, 906), cw(4, 5), cw(5, 5002), cw(6, 2)],
    ];
    const seen: string[][] = [];
    for (const now of refreshes) {
      groups = groupRows(now, reconcileRows(previous, now).removed, opts, order);
      seen.push(ports(group(groups, 'CLOSE_WAIT')) ?? []);
      previous = now;
    }
    assert.deepEqual(seen, [
      ['2', '3', '1', '4'],
      ['2', '3x', '1', '4', '5', '6'],
      ['2', '1', '4', '5', '6'],
    ]);
  });

  it('keep process groups in place when their sizes change', () => {
    const order = new StableOrder();
    const a = (n: number) => Array.from({ length: n }, (_, i) => conn({ remotePort: 1000 + i, pid: 1, process: 'a' }));
    const b = (n: number) => Array.from({ length: n }, (_, i) => conn({ remotePort: 2000 + i, pid: 2, process: 'b' }));
    const first = groupRows([...a(1), ...b(3)], [], { ...opts, groupBy: 'process' }, order);
    assert.deepEqual(
      first.map((g) => g.group.key),
      ['pid:2', 'pid:1'],
      'largest first at first sight',
    );
    const later = groupRows([...a(5), ...b(3)], [], { ...opts, groupBy: 'process' }, order);
    assert.deepEqual(
      later.map((g) => g.group.key),
      ['pid:2', 'pid:1'],
      'then where they were',
    );
  });

  it('give a row the kernel listed twice its own id', () => {
    const groups = groupRows([cw(1, 10), cw(1, 10)], [], opts, new StableOrder());
    const g = group(groups, 'CLOSE_WAIT')!;
    assert.deepEqual(
      rowEntries(g.rows, g.closed).map((r) => r.id.endsWith('#2')),
      [false, true],
    );
  });
});

describe('groups the tree does not show', () => {
  it('carry their count and stuck rows but list no rows until they open', () => {
    const table = [cw(1, 30), cw(2, 900), conn({ remotePort: 3 }), conn({ remotePort: 4 }), cw(5, 5000)];
    const closed = conn({ remotePort: 9 });
    const tree = new TreeRows();
    const onlyEstablished = { ...opts, shows: (key: string) => key === 'ESTABLISHED' };
    const groups = tree.group(table, { added: new Set(), removed: [closed] }, 1, onlyEstablished);
    const closeWait = group(groups, 'CLOSE_WAIT')!;
    assert.deepEqual([closeWait.count, closeWait.stuck, closeWait.rows.length, closeWait.listed, rowTotal(closeWait)], [3, 2, 0, false, 3]);
    const established = group(groups, 'ESTABLISHED')!;
    assert.deepEqual([ports(established), established.count, established.listed, rowTotal(established)], [['3', '4', '9x'], 2, true, 3]);
    // The group opens: its rows from the table, oldest first.
    const opened = tree.orderGroup('state', 'CLOSE_WAIT', liveRowsOf(table, 'CLOSE_WAIT'), closeWait.closedRows);
    assert.deepEqual(
      opened.map((c) => c.remotePort),
      [5, 2, 1],
    );
    assert.deepEqual(
      groupRows(table, [], { ...opts, shows: () => false }, new StableOrder()).map((g) => [g.group.key, g.count, g.rows.length]),
      [
        ['ESTABLISHED', 2, 0],
        ['CLOSE_WAIT', 3, 0],
      ],
    );
  });
});

describe('tree rows from one refresh to the next', () => {
  it('keep rows in place with what changed alone, and agree with the full matching after a gap', () => {
    // Rows kept as one object while they live, as the sampler hands them over.
    const [a, b, c, d, e] = [cw(1, 30), cw(2, 900), cw(3, 300), cw(4, 1), cw(5, 5000)];
    const tree = new TreeRows();
    const shown = (groups: GroupRows[]) => ports(group(groups, 'CLOSE_WAIT'));
    assert.deepEqual(shown(tree.group([a, b, c], undefined, 1, opts)), ['2', '3', '1']);
    // Next sample: c closed, d new.
    assert.deepEqual(shown(tree.group([a, b, d], { added: new Set([d]), removed: [c] }, 2, opts)), ['2', '3x', '1', '4']);
    // Next: c's closed row goes, e is new (older than all, still after the rows already shown).
    assert.deepEqual(shown(tree.group([a, b, d, e], { added: new Set([e]), removed: [] }, 3, opts)), ['2', '1', '4', '5']);
    // A sample skipped (the view was hidden): the hint would be wrong, rows are matched instead.
    assert.deepEqual(shown(tree.group([b, d, e], { added: new Set(), removed: [] }, 5, opts)), ['2', '4', '5']);
    // A wrong hint that does not add up is ignored too.
    assert.deepEqual(shown(tree.group([b, d, e, a], { added: new Set(), removed: [] }, 6, opts)), ['2', '4', '5', '1']);
    // New rows of two states at once, one of them d in its next state (a new row object): each
    // goes to the end of its own group.
    const [f, dLastAck] = [cw(6, 10), conn({ state: 'LAST_ACK', remotePort: 4 })];
    const next = tree.group([b, e, a, f, dLastAck], { added: new Set([dLastAck, f]), removed: [d] }, 7, opts);
    assert.deepEqual(shown(next), ['2', '4x', '5', '1', '6']);
    assert.deepEqual(ports(group(next, 'LAST_ACK')), ['4']);
    // One refresh later the closed row is cut out of the middle of its group, the rest stay.
    assert.deepEqual(shown(tree.group([b, e, a, f, dLastAck], { added: new Set(), removed: [] }, 8, opts)), ['2', '5', '1', '6']);
  });
});
