import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listConfigHosts } from '../../src/core/ssh/sshConfig';

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
    writeFileSync(path.join(sshDir, 'conf.d', 'a.conf'), 'Host db1\n  HostName db1.lan\n  Port 5022\nInclude ~/nested.conf\n');
    writeFileSync(path.join(sshDir, 'conf.d', 'b.conf'), 'host  db2\n');
    writeFileSync(path.join(sshDir, 'conf.d', 'not-included.txt'), 'Host never\n');
    // `~/` in Include is the home above .ssh.
    writeFileSync(path.join(path.dirname(sshDir), 'nested.conf'), 'Host nested\n');
  });
  after(() => {
    rmSync(sshDir, { recursive: true, force: true });
    rmSync(path.join(path.dirname(sshDir), 'nested.conf'), { force: true });
  });

  it('lists concrete Host aliases from the file and its Includes, first values winning, patterns left out', () => {
    const { hosts, warnings } = listConfigHosts(path.join(sshDir, 'config'), sshDir);
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      hosts.map((h) => [h.alias, h.hostName, h.user, h.port]),
      [
        ['db1', 'db1.lan', undefined, '5022'],
        ['nested', undefined, undefined, undefined],
        ['db2', undefined, undefined, undefined],
        ['web1', '10.0.0.5', 'deploy', '2222'],
        ['web2', '10.0.0.5', 'deploy', undefined],
        ['quoted alias', undefined, undefined, undefined],
      ],
    );
    assert.equal(hosts[0].file, path.join(sshDir, 'conf.d', 'a.conf'));
  });

  it('a missing default config is not an error; a missing named one is', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'tcplens-sshcfg-empty-'));
    try {
      assert.deepEqual(listConfigHosts(undefined, empty), { hosts: [], warnings: [] });
      const named = listConfigHosts(path.join(empty, 'nope'), empty);
      assert.match(named.warnings[0], /not found/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('stops at an include loop instead of recursing forever', () => {
    const loopDir = mkdtempSync(path.join(tmpdir(), 'tcplens-sshcfg-loop-'));
    try {
      writeFileSync(path.join(loopDir, 'config'), 'Host loop\nInclude config\n');
      const { hosts, warnings } = listConfigHosts(path.join(loopDir, 'config'), loopDir);
      assert.deepEqual(hosts.map((h) => h.alias), ['loop']);
      assert.match(warnings[0], /nested deeper/);
    } finally {
      rmSync(loopDir, { recursive: true, force: true });
    }
  });
});
