// This machine's table on macOS and Windows, read by the collector openCollector picks for the
// platform. Neither system can run here: the platform is injected, and netstat, ps and tasklist
// are stand-ins put first on PATH that answer from output written from the tools' documented
// formats (test/fixtures/platforms/README.md), as the real ones would, and refuse any other
// arguments. Everything else is what a user runs: the factory, the spawn, the parsers, the
// name cache and the sampler.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import type { Collector, Connection } from '../../src/core/model';
import { CollectorError, countStates, LOCAL_HOST_ID } from '../../src/core/model';
import { openCollector } from '../../src/core/openCollector';
import { Sampler } from '../../src/core/sampling/sampler';
import { REPO_ROOT } from '../helpers/child';

const fixture = (name: string) => path.join(REPO_ROOT, 'test/fixtures/platforms', name);

/** Shell lines of each stand-in; each logs its arguments to `calls` first. */
const STAND_INS = {
  macNetstat: (table: string) => [
    `if [ "$*" = '-anv -p tcp' ]; then cat '${table}'; exit 0; fi`,
    'echo "netstat: unexpected arguments $*" >&2; exit 64',
  ],
  // BSD ps: one line per pid still running, exit status 1 when one of them is not.
  ps: [
    `if [ "$1 $2 $3 $4 $5" != '-o pid= -o comm= -p' ] || [ $# -ne 6 ]; then echo "ps: unexpected arguments $*" >&2; exit 64; fi`,
    `case "$6" in *[!0-9,]*|,*|*,|*,,*|'') echo "ps: illegal process id: $6" >&2; exit 1 ;; esac`,
    `awk -v want="$6" 'BEGIN { n = split(want, list, ","); for (i = 1; i <= n; i++) wanted[list[i]] = 1 } ($1 in wanted) { print; found[$1] = 1 } END { for (p in wanted) if (!(p in found)) exit 1 }' '${fixture('macos-ps.txt')}'`,
  ],
  winNetstat: [
    `if [ "$*" = '-ano' ]; then cat '${fixture('windows-netstat-ano.txt')}'; exit 0; fi`,
    'echo "netstat: unexpected arguments $*" >&2; exit 64',
  ],
  tasklist: [
    `if [ "$*" = '/fo csv /nh' ]; then cat '${fixture('windows-tasklist.csv')}'; exit 0; fi`,
    'echo "ERROR: Invalid argument/option" >&2; exit 1',
  ],
};

let bin: string;
let savedPath: string | undefined;

/** Puts stand-ins first on PATH (`alone`: nothing else on it). */
function standIns(tools: Record<string, string[]>, alone = false): void {
  for (const [name, lines] of Object.entries(tools)) {
    writeFileSync(path.join(bin, name), ['#!/bin/sh', `echo "${name} $*" >> '${path.join(bin, 'calls')}'`, ...lines, ''].join('\n'), {
      mode: 0o755,
    });
  }
  process.env.PATH = alone ? bin : `${bin}${path.delimiter}${savedPath}`;
}

/** The stand-ins run so far, as "tool args". */
function calls(): string[] {
  try {
    return readFileSync(path.join(bin, 'calls'), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
}

const owners = (rows: readonly Connection[]) =>
  rows.map((c) => `${c.state} ${c.localAddress}:${c.localPort} ${c.owner}${c.pid === undefined ? '' : ` ${c.process} (${c.pid})`}`);

async function rejection(promise: Promise<unknown>): Promise<CollectorError> {
  const err = await promise.then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof CollectorError, String(err));
  return err;
}

beforeEach(() => {
  bin = mkdtempSync(path.join(tmpdir(), 'tcplens-standins-'));
  savedPath = process.env.PATH;
});

afterEach(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

describe('macOS: netstat -anv -p tcp, names from ps', () => {
  it('reads the table with owners named from ps, counts it, and asks ps only for new pids', async () => {
    standIns({ netstat: STAND_INS.macNetstat(fixture('macos-netstat-anv.txt')), ps: STAND_INS.ps });
    const collector: Collector = openCollector(LOCAL_HOST_ID, { platform: 'darwin' });
    assert.deepEqual([collector.host.id, collector.host.platform], [LOCAL_HOST_ID, 'darwin']);
    const first = await collector.snapshot(undefined, { processes: true });
    assert.deepEqual(owners(first.connections), [
      'CLOSE_WAIT 127.0.0.1:8080 known node (4242)',
      'TIME_WAIT 127.0.0.1:52090 kernel',
      'LISTEN 127.0.0.1:8080 known node (4242)',
    ]);
    assert.ok(
      first.connections.every((c) => c.ageSource === 'observed' && c.ageIsLowerBound),
      'netstat dates nothing: ages are observed from the first look',
    );
    assert.deepEqual(first.warnings, []);
    const second = await collector.snapshot(undefined, { processes: true });
    assert.equal(second.connections.find((c) => c.state === 'CLOSE_WAIT')?.process, 'node');
    const counts = await collector.counts();
    assert.deepEqual(counts.counts, countStates(first.connections));
    assert.deepEqual(
      calls(),
      ['netstat -anv -p tcp', 'ps -o pid= -o comm= -p 4242', 'netstat -anv -p tcp', 'netstat -anv -p tcp'],
      'ps once: pid 4242 kept holding sockets',
    );
  });

  it('older macOS (a bare pid column): every name comes from ps, the last part of its path', async () => {
    standIns({ netstat: STAND_INS.macNetstat(fixture('macos-netstat-anv-old.txt')), ps: STAND_INS.ps });
    const collector = openCollector(LOCAL_HOST_ID, { platform: 'darwin' });
    const { connections } = await collector.snapshot(undefined, { processes: true });
    assert.deepEqual(owners(connections), ['ESTABLISHED 10.0.0.5:22 known sshd (311)', 'LISTEN 0.0.0.0:22 known launchd (1)']);
    assert.deepEqual(calls().slice(1), ['ps -o pid= -o comm= -p 311,1']);
  });

  it("a pid gone before ps ran keeps netstat's name; without processes no owner is named", async () => {
    const table = path.join(bin, 'table.txt');
    writeFileSync(table, readFileSync(fixture('macos-netstat-anv.txt'), 'utf8').replace(/node:4242/g, 'ghost:9999'));
    standIns({ netstat: STAND_INS.macNetstat(table), ps: STAND_INS.ps });
    const collector = openCollector(LOCAL_HOST_ID, { platform: 'darwin' });
    const { connections, warnings } = await collector.snapshot(undefined, { processes: true });
    assert.equal(connections[0].process, 'ghost');
    assert.deepEqual(warnings, []);
    const plain = await collector.snapshot();
    assert.deepEqual(owners(plain.connections), [
      'CLOSE_WAIT 127.0.0.1:8080 unresolved',
      'TIME_WAIT 127.0.0.1:52090 kernel',
      'LISTEN 127.0.0.1:8080 unresolved',
    ]);
  });

  it('the sampler runs on it as on Linux, without descriptor usage it cannot read', async () => {
    standIns({ netstat: STAND_INS.macNetstat(fixture('macos-netstat-anv.txt')), ps: STAND_INS.ps });
    const sampler = new Sampler(openCollector(LOCAL_HOST_ID, { platform: 'darwin' }), DEFAULT_ALERT_SETTINGS);
    const sample = await sampler.take('full');
    assert.equal(sample?.counts.CLOSE_WAIT, 1);
    assert.equal(sample?.full?.fdUsage.size, 0);
    assert.equal(sample?.full?.snapshot.connections.length, 3);
  });
});

describe('Windows: netstat -ano, names from tasklist', () => {
  it('reads the table (CRLF) with image names from one tasklist, and runs tasklist again only for a new pid', async () => {
    standIns({ netstat: STAND_INS.winNetstat, tasklist: STAND_INS.tasklist });
    const collector = openCollector(LOCAL_HOST_ID, { platform: 'win32' });
    assert.deepEqual([collector.host.id, collector.host.platform], [LOCAL_HOST_ID, 'win32']);
    const { connections, warnings } = await collector.snapshot(undefined, { processes: true });
    assert.deepEqual(owners(connections), [
      'LISTEN 0.0.0.0:135 known svchost.exe (948)',
      'CLOSE_WAIT 127.0.0.1:8080 known Acme, Server.exe (4242)',
      'TIME_WAIT 127.0.0.1:52090 kernel',
      'ESTABLISHED 10.0.0.5:3389 known svchost.exe (1100)',
      'LISTEN :::445 known System (4)',
      'SYN_SENT fe80::1%7:49670 known chrome.exe (2222)',
      'FIN_WAIT2 10.0.0.5:49700 known chrome.exe (2222)',
    ]);
    assert.deepEqual(warnings, []);
    await collector.snapshot(undefined, { processes: true });
    assert.deepEqual((await collector.counts()).counts, countStates(connections));
    assert.deepEqual(calls(), ['netstat -ano', 'tasklist /fo csv /nh', 'netstat -ano', 'netstat -ano']);
  });

  it('a tasklist that fails leaves owners named by pid, with a warning, and is tried again', async () => {
    standIns({ netstat: STAND_INS.winNetstat, tasklist: ['echo "ERROR: Access denied" >&2', 'exit 1'] });
    const collector = openCollector(LOCAL_HOST_ID, { platform: 'win32' });
    const { connections, warnings } = await collector.snapshot(undefined, { processes: true });
    assert.equal(connections[1].process, 'pid 4242');
    assert.deepEqual(warnings, ['Process names not read: tasklist /fo csv /nh failed (exit code 1): ERROR: Access denied']);
    await collector.snapshot(undefined, { processes: true });
    assert.equal(calls().filter((c) => c.startsWith('tasklist')).length, 2);
  });
});

describe('when the tool itself fails', () => {
  it('netstat missing from PATH, failing, or cancelled: a CollectorError that names it', async () => {
    standIns({ ps: STAND_INS.ps }, true);
    const missing = await rejection(openCollector(LOCAL_HOST_ID, { platform: 'darwin' }).counts());
    assert.deepEqual([missing.kind, missing.message], ['unreadable', 'netstat was not found on PATH.']);

    standIns({ netstat: ['echo "netstat: sysctl: net.inet.tcp.pcblist_n: Operation not permitted" >&2', 'exit 1'] });
    const failed = await rejection(openCollector(LOCAL_HOST_ID, { platform: 'darwin' }).snapshot(undefined, { processes: true }));
    assert.deepEqual(
      [failed.kind, failed.message],
      ['unreadable', 'netstat -anv -p tcp failed (exit code 1): netstat: sysctl: net.inet.tcp.pcblist_n: Operation not permitted'],
    );

    standIns({ netstat: ['exec sleep 30'] });
    const controller = new AbortController();
    const pending = openCollector(LOCAL_HOST_ID, { platform: 'win32' }).counts(controller.signal);
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    assert.equal((await rejection(pending)).kind, 'cancelled');
    assert.ok(Date.now() - started < 5000, 'the refresh ends when cancelled');
  });
});
