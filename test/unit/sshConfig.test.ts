import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_CONFIG_FILES, readConfigHosts } from '../../src/core/ssh/sshConfig';

describe('OpenSSH config host list', () => {
  let sshDir: string;
  before(() => {
    sshDir = mkdtempSync(path.join(tmpdir(), 'tcplens-sshcfg-'));
    mkdirSync(path.join(sshDir, 'conf.d'));
    writeFileSync(
      path.join(sshDir, 'config'),
      [
        '# comment',
        'Include conf.d/*.conf',
        'Host web1 web2 *.internal !bastion',
        '  HostName 10.0.0.5',
        '  User=deploy',
        'Host web1',
        '  Port 2222',
        '  HostName ignored.example',
        'Match host db*',
        '  User nobody',
        'Host "quoted alias"',
        'Host *',
        '  ServerAliveInterval 30',
        'Include missing-is-fine',
      ].join('\n'),
    );
    // Before any Host line: read for every alias (inside `Host db1` it would count for db1 only).
    writeFileSync(path.join(sshDir, 'conf.d', 'a.conf'), 'Include ~/nested.conf\nHost db1\n  HostName db1.lan\n  Port 5022\n');
    writeFileSync(path.join(sshDir, 'conf.d', 'b.conf'), 'host  db2\n');
    writeFileSync(path.join(sshDir, 'conf.d', 'not-included.txt'), 'Host never\n');
    // `~/` in Include is the home above .ssh.
    writeFileSync(path.join(path.dirname(sshDir), 'nested.conf'), 'Host nested\n');
  });
  after(() => {
    rmSync(sshDir, { recursive: true, force: true });
    rmSync(path.join(path.dirname(sshDir), 'nested.conf'), { force: true });
  });

  it('lists concrete Host aliases from the file and its Includes, first values winning, patterns left out', async () => {
    const { hosts, warnings } = await readConfigHosts(path.join(sshDir, 'config'), sshDir);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      hosts.map((h) => [h.alias, h.hostName, h.user, h.port]),
      [
        ['nested', undefined, undefined, undefined],
        ['db1', 'db1.lan', undefined, '5022'],
        ['db2', undefined, undefined, undefined],
        ['web1', '10.0.0.5', 'deploy', '2222'],
        ['web2', '10.0.0.5', 'deploy', undefined],
        ['quoted alias', undefined, undefined, undefined],
      ],
    );
    assert.equal(hosts[1].file, path.join(sshDir, 'conf.d', 'a.conf'));
  });

  it('a missing default config is not an error; a missing named one is', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'tcplens-sshcfg-empty-'));
    try {
      assert.deepEqual(await readConfigHosts(undefined, empty), { hosts: [], warnings: [] });
      const named = await readConfigHosts(path.join(empty, 'nope'), empty);
      assert.match(named.warnings[0], /not found/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('stops at an include loop instead of recursing forever', async () => {
    const loopDir = mkdtempSync(path.join(tmpdir(), 'tcplens-sshcfg-loop-'));
    try {
      writeFileSync(path.join(loopDir, 'config'), 'Host loop\nInclude config\n');
      const { hosts, warnings } = await readConfigHosts(path.join(loopDir, 'config'), loopDir);
      assert.deepEqual(
        hosts.map((h) => h.alias),
        ['loop'],
      );
      assert.match(warnings[0], /nested deeper/);
    } finally {
      rmSync(loopDir, { recursive: true, force: true });
    }
  });

  describe('hostile configs', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'tcplens-sshcfg-hostile-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('three files that each include all three: read once each, not 3^16 times', { timeout: 10_000 }, async () => {
      const loop = path.join(dir, 'loop');
      mkdirSync(loop);
      for (const name of ['a', 'b', 'c']) writeFileSync(path.join(loop, name), `Include ${loop}/*\nHost host-${name}\n`);
      const started = performance.now();
      const { hosts, warnings } = await readConfigHosts(path.join(loop, 'a'), dir);
      assert.deepEqual(hosts.map((h) => h.alias).sort(), ['host-a', 'host-b', 'host-c']);
      assert.ok(
        warnings.every((w) => /nested deeper/.test(w)),
        warnings.join('\n'),
      );
      assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`);
    });

    it('includes under a Host block multiply at most to the file cap', { timeout: 10_000 }, async () => {
      const fan = path.join(dir, 'fan');
      mkdirSync(fan);
      // A Host block that is not `Host *`: every read is conditional, nothing is skipped as seen.
      for (const name of ['a', 'b', 'c']) writeFileSync(path.join(fan, name), `Host h${name}\nHost h*\n  Include ${fan}/*\n`);
      const { hosts, warnings } = await readConfigHosts(path.join(fan, 'a'), dir);
      assert.deepEqual(hosts.map((h) => h.alias).sort(), ['ha', 'hb', 'hc']);
      assert.ok(
        warnings.some((w) => w.includes(`more than ${MAX_CONFIG_FILES} config files`)),
        warnings.join('\n'),
      );
    });

    it('a FIFO, /dev/zero, /dev/stdin and an oversized file are skipped with a warning, never read', { timeout: 10_000 }, async () => {
      const fifo = path.join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const big = path.join(dir, 'big');
      writeFileSync(big, `Host big\n${'# padding\n'.repeat(300_000)}`);
      const config = path.join(dir, 'devices');
      writeFileSync(config, `Host first\nInclude ${fifo}\nInclude /dev/zero\nInclude /dev/stdin\nInclude ${big}\nHost last\n`);
      const { hosts, warnings } = await readConfigHosts(config, dir);
      assert.deepEqual(
        hosts.map((h) => h.alias),
        ['first', 'last'],
      );
      assert.match(warnings.find((w) => w.startsWith(fifo)) ?? '', /not a regular file/);
      assert.match(warnings.find((w) => w.startsWith('/dev/zero')) ?? '', /not a regular file/);
      assert.match(warnings.find((w) => w.startsWith(big)) ?? '', /larger than 1024 KB/);
    });

    it('an Include inside a Host or Match block counts only for the aliases ssh reads it for', async () => {
      const cond = path.join(dir, 'cond');
      mkdirSync(cond);
      const file = (name: string, lines: string[]) => writeFileSync(path.join(cond, name), lines.join('\n'));
      file('config', [
        'Host bastion',
        '  Include bastion.conf',
        'Host *.corp !secret.corp',
        '  Include corp.conf',
        'Match exec "true"',
        '  Include exec.conf',
        'Match originalhost lab-*',
        '  Include lab.conf',
        'Match all',
        '  Include all.conf',
      ]);
      // Read by ssh only when connecting to bastion: web9 there is not an alias ssh knows.
      file('bastion.conf', ['Host web9', '  HostName 10.9.9.9', 'Host bastion', '  User jump']);
      file('corp.conf', ['Host db.corp', '  Port 2200', 'Host secret.corp other']);
      file('exec.conf', ['Host fromexec']);
      file('lab.conf', ['Host lab-1 prod-1']);
      file('all.conf', ['Host fromall']);
      const { hosts, warnings } = await readConfigHosts(path.join(cond, 'config'), cond);
      assert.deepEqual(warnings, []);
      assert.deepEqual(
        hosts.map((h) => [h.alias, h.user, h.port]),
        [
          ['bastion', 'jump', undefined],
          ['db.corp', undefined, '2200'],
          ['lab-1', undefined, undefined],
          ['fromall', undefined, undefined],
        ],
      );
    });
  });
});
