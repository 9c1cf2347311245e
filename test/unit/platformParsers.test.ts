import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Connection } from '../../src/core/model';
import { parseBsdNetstat } from '../../src/core/platforms/bsdNetstat';
import { parseWindowsNetstat } from '../../src/core/platforms/windowsNetstat';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/platforms', name), 'utf8');
const row = (c: Connection) => `${c.family} ${c.state} ${c.localAddress}:${c.localPort} > ${c.remoteAddress}:${c.remotePort}`;

describe('BSD netstat parser (macOS, FreeBSD)', () => {
  it('reads macOS netstat -an -p tcp: every row, states in kernel spelling, * as the any address', () => {
    const { connections, warnings } = parseBsdNetstat(fixture('macos-netstat-an.txt'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(connections.map(row), [
      'IPv4 ESTABLISHED 192.168.1.20:52344 > 17.57.146.20:5223',
      'IPv4 CLOSE_WAIT 127.0.0.1:8080 > 127.0.0.1:52100',
      'IPv4 FIN_WAIT2 127.0.0.1:52100 > 127.0.0.1:8080',
      'IPv4 TIME_WAIT 127.0.0.1:52090 > 127.0.0.1:8080',
      'IPv4 LISTEN 127.0.0.1:8080 > 0.0.0.0:0',
      'IPv6 LISTEN ::1:631 > :::0',
      'IPv4 LISTEN 0.0.0.0:5000 > 0.0.0.0:0',
      'IPv6 SYN_SENT fe80::1%lo0:49152 > fe80::1%lo0:22',
      'IPv4 SYN_RECV 10.0.0.5:443 > 10.0.0.9:61000',
    ]);
    const synSent = connections[7];
    assert.deepEqual([synSent.sendQueue, connections[8].receiveQueue], [31, 12]);
    assert.ok(connections.every((c) => c.pid === undefined));
    assert.equal(connections[3].owner, 'kernel');
  });

  it('takes PIDs from macOS -v, in both the process:pid and the older pid column', () => {
    const recent = parseBsdNetstat(fixture('macos-netstat-anv.txt')).connections;
    assert.deepEqual(
      recent.map((c) => [c.state, c.pid, c.process, c.owner]),
      [
        ['CLOSE_WAIT', 4242, 'node', 'known'],
        ['TIME_WAIT', undefined, undefined, 'kernel'],
        ['LISTEN', 4242, 'node', 'known'],
      ],
    );
    const older = parseBsdNetstat(fixture('macos-netstat-anv-old.txt')).connections;
    assert.deepEqual(
      older.map((c) => [c.state, c.pid]),
      [
        ['ESTABLISHED', 311],
        ['LISTEN', 1],
      ],
    );
  });

  it('reads FreeBSD netstat, including the states macOS rows above did not show', () => {
    const { connections } = parseBsdNetstat(fixture('freebsd-netstat-an.txt'));
    assert.deepEqual(
      connections.map((c) => c.state),
      ['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING', 'LISTEN', 'LISTEN', 'FIN_WAIT1', 'CLOSE'],
    );
    assert.equal(connections[4].localAddress, '::');
  });

  it('skips malformed rows with a warning instead of inventing values', () => {
    const { connections, warnings, skipped } = parseBsdNetstat('tcp4 0 0 127.0.0.1.x *.* LISTEN\ntcp4 0 0 127.0.0.1.80 *.* BOGUS\n');
    assert.equal(connections.length, 0);
    assert.equal(skipped, 2);
    assert.match(warnings[0], /skipped 2 malformed line/);
  });

  it('refuses non-addresses, the other family, queues and pids that are not whole numbers in range', () => {
    const header =
      'Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)     rhiwat shiwat    pid   epid  state    options\n';
    const good =
      'tcp4       0      0  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004\n';
    const bad = [
      'tcp4       0      0  evil.22                10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4       0      0  10.0.0.5.22            \x1b[2J.50123          ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4       0      0  999.0.0.5.22           10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4       0      0  ::1.22                 10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp6       0      0  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp46      0      0  10.0.0.5.22            ::1.50123              ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4      -1      0  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4     1.5      0  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4       0    1e3  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4       0   0x10  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744    311      0 0x0102 0x00000004',
      'tcp4       0      0  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744 100000000000000000000000 0 0x0102 0x00000004',
      'tcp4       0      0  10.0.0.5.22            10.0.0.1.50123         ESTABLISHED 131072 131744    -5      0 0x0102 0x00000004',
    ];
    const { connections, warnings, skipped } = parseBsdNetstat(header + good + bad.join('\n') + '\n' + good);
    assert.equal(connections.length, 2);
    assert.ok(connections.every((c) => c.pid === 311 && c.localAddress === '10.0.0.5'));
    assert.equal(skipped, bad.length);
    assert.match(warnings[0], new RegExp(`skipped ${bad.length} malformed line`));
  });

  it('keeps an IPv6 address netstat -an cut to 16 characters (the row is real), and dual-stack rows', () => {
    const { connections, skipped } = parseBsdNetstat(
      [
        'tcp6       0      0  2001:db8:85a3:0:.443   2001:db8:1234::1.50000 ESTABLISHED',
        'tcp46      0      0  *.5000                 *.*                    LISTEN',
        'tcp46      0      0  ::ffff:10.0.0.5.80     ::ffff:10.0.0.9.5000   ESTABLISHED',
      ].join('\n'),
    );
    assert.equal(skipped, 0);
    assert.deepEqual(connections.map(row), [
      'IPv6 ESTABLISHED 2001:db8:85a3:0::443 > 2001:db8:1234::1:50000',
      'IPv4 LISTEN 0.0.0.0:5000 > 0.0.0.0:0',
      'IPv6 ESTABLISHED ::ffff:10.0.0.5:80 > ::ffff:10.0.0.9:5000',
    ]);
  });
});

describe('Windows netstat -ano parser', () => {
  it('reads TCP rows with PIDs, bracketed IPv6 with zone ids, and skips UDP', () => {
    const { connections, warnings } = parseWindowsNetstat(fixture('windows-netstat-ano.txt'));
    assert.deepEqual(warnings, []);
    assert.deepEqual(connections.map(row), [
      'IPv4 LISTEN 0.0.0.0:135 > 0.0.0.0:0',
      'IPv4 CLOSE_WAIT 127.0.0.1:8080 > 127.0.0.1:52100',
      'IPv4 TIME_WAIT 127.0.0.1:52090 > 127.0.0.1:8080',
      'IPv4 ESTABLISHED 10.0.0.5:3389 > 10.0.0.1:50123',
      'IPv6 LISTEN :::445 > :::0',
      'IPv6 SYN_SENT fe80::1%7:49670 > fe80::2%7:443',
      'IPv4 FIN_WAIT2 10.0.0.5:49700 > 10.0.0.9:443',
    ]);
    assert.deepEqual([connections[1].pid, connections[1].owner], [4242, 'known']);
    // PID 0 in TIME_WAIT is Windows' placeholder, not a process.
    assert.deepEqual([connections[2].pid, connections[2].owner], [undefined, 'kernel']);
  });

  it('refuses non-addresses, IPv6 without brackets, mixed families and pids out of range', () => {
    const good = '  TCP    127.0.0.1:8080         127.0.0.1:52100        CLOSE_WAIT      4242';
    const bad = [
      '  TCP    evil:8080              127.0.0.1:52100        CLOSE_WAIT      4242',
      '  TCP    127.0.0.1:8080         [not-v6]:52100         CLOSE_WAIT      4242',
      '  TCP    ::1:8080               [::1]:52100            CLOSE_WAIT      4242',
      '  TCP    127.0.0.1:8080         [::1]:52100            CLOSE_WAIT      4242',
      '  TCP    [127.0.0.1]:8080       [::1]:52100            CLOSE_WAIT      4242',
      '  TCP    127.0.0.1:8080         127.0.0.1:52100        CLOSE_WAIT      100000000000000000000000',
      '  TCP    127.0.0.1:8080         127.0.0.1:52100        CLOSE_WAIT      4294967296',
      '  TCP    127.0.0.1:8080         127.0.0.1:52100        CLOSE_WAIT      -1',
      '  TCP    127.0.0.1:8080         127.0.0.1:52100        CLOSE_WAIT      1.5',
    ];
    const { connections, warnings, skipped } = parseWindowsNetstat([good, ...bad, good].join('\r\n'));
    assert.deepEqual(
      connections.map((c) => c.pid),
      [4242, 4242],
    );
    assert.equal(skipped, bad.length);
    assert.match(warnings[0], new RegExp(`skipped ${bad.length} malformed line`));
  });
});
