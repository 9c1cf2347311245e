import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidHostError, parseHostString } from '../../src/core/ssh/hostString';
import { sshInvocation } from '../../src/core/ssh/sshCommand';

describe('host strings', () => {
  it('accepts aliases, user@host:port and bracketed IPv6', () => {
    assert.deepEqual(parseHostString(' web1 '), { id: 'web1', destination: 'web1', user: undefined, port: undefined });
    assert.deepEqual(parseHostString('deploy@10.0.0.5:2222'), {
      id: 'deploy@10.0.0.5:2222',
      destination: '10.0.0.5',
      user: 'deploy',
      port: 2222,
    });
    assert.deepEqual(parseHostString('root@[fe80::1%eth0]:22'), {
      id: 'root@[fe80::1%eth0]:22',
      destination: 'fe80::1%eth0',
      user: 'root',
      port: 22,
    });
  });

  for (const hostile of [
    '-oProxyCommand=sh -c id',
    '-J evil',
    'user@-oProxyCommand',
    'host;reboot',
    'host$(id)',
    'a b',
    'host\nProxyCommand x',
    "o'quote",
    'web*',
    '!web',
    'host:0',
    'host:70000',
    'host:22:23',
    '',
    '[::1',
  ]) {
    it(`refuses ${JSON.stringify(hostile)}`, () => {
      assert.throws(() => parseHostString(hostile), InvalidHostError);
    });
  }
});

describe('ssh command line', () => {
  it('puts the destination after --, keeps host key checking and uses BatchMode without askpass', () => {
    const { file, args } = sshInvocation(parseHostString('deploy@web1:2200'), { configFile: 'cfg/ssh_config', connectTimeoutSec: 500 });
    assert.equal(file, 'ssh');
    assert.deepEqual(args.slice(-3), ['--', 'web1', 'sh']);
    assert.ok(args.includes('BatchMode=yes'));
    assert.ok(args.includes('ConnectTimeout=120'), 'timeout clamped to 120 s');
    assert.equal(args[args.indexOf('-F') + 1], `${process.cwd()}/cfg/ssh_config`);
    assert.deepEqual(args.slice(args.indexOf('-l'), args.indexOf('-l') + 4), ['-l', 'deploy', '-p', '2200']);
    assert.ok(!args.some((a) => /StrictHostKeyChecking|UserKnownHostsFile/.test(a)));
  });

  it('Windows exec mode: the fixed netstat command last, connection sharing options before the destination', () => {
    const shared = ['-o', 'ControlMaster=auto', '-o', 'ControlPath=/tmp/d/%C'];
    const { args } = sshInvocation(parseHostString('win1'), {}, 'netstat -ano', shared);
    assert.deepEqual(args.slice(-3), ['--', 'win1', 'netstat -ano']);
    assert.ok(args.indexOf('ControlPath=/tmp/d/%C') < args.indexOf('--'));
  });

  it('with an askpass helper: no BatchMode, SSH_ASKPASS forced', () => {
    const { args, env } = sshInvocation(parseHostString('web1'), {
      askpass: { program: '/x/askpass.sh', env: { TCPLENS_ASKPASS_TOKEN: 't' } },
      env: {},
    });
    assert.ok(!args.includes('BatchMode=yes'));
    assert.equal(env.SSH_ASKPASS, '/x/askpass.sh');
    assert.equal(env.SSH_ASKPASS_REQUIRE, 'force');
    assert.equal(env.TCPLENS_ASKPASS_TOKEN, 't');
  });
});
