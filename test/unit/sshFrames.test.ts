import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameReader, type Frame } from '../../src/core/ssh/frames';
import { remoteLinuxCounts } from '../../src/core/ssh/remoteLinux';
import { parseHello } from '../../src/core/ssh/remoteScript';
import { classifySshFailure } from '../../src/core/ssh/sshErrors';

const TOKEN = 'abc123';
const stream = [
  'motd noise\n',
  `\n@@TCPLENS ${TOKEN} HELLO Linux le 1 4242 web 1\n`,
  `\n@@TCPLENS ${TOKEN} BEGIN f\n`,
  `\n@@TCPLENS ${TOKEN} SEC T4\n`,
  '  sl  local_address\n   0: 0100007F:1F90 00000000:0000 0A\n',
  // A forged marker with the wrong token is data, not a frame.
  `\n@@TCPLENS wrong END 0\n`,
  `\n@@TCPLENS ${TOKEN} SEC T6\n`,
  `\n@@TCPLENS ${TOKEN} END 0\n`,
].join('');

function frames(chunkSize: number): Frame[] {
  const out: Frame[] = [];
  const reader = new FrameReader(TOKEN, (f) => out.push(f));
  const bytes = Buffer.from(stream);
  for (let i = 0; i < bytes.length; i += chunkSize) reader.push(bytes.subarray(i, i + chunkSize));
  return out;
}

describe('frames from the remote script', () => {
  it('splits at marker lines whatever the chunking, and ignores markers with another token', () => {
    const whole = frames(1 << 20);
    assert.deepEqual(whole.map((f) => f.line), ['HELLO Linux le 1 4242 web 1', 'BEGIN f', 'SEC T4', 'SEC T6', 'END 0']);
    assert.equal(whole[3].body.toString(), '  sl  local_address\n   0: 0100007F:1F90 00000000:0000 0A\n\n@@TCPLENS wrong END 0\n');
    for (const size of [1, 2, 7, 13]) {
      assert.deepEqual(frames(size).map((f) => [f.line, f.body.toString()]), whole.map((f) => [f.line, f.body.toString()]), `chunks of ${size}`);
    }
    assert.deepEqual(parseHello('Linux le 1 4242 web 1'), { os: 'Linux', littleEndian: true, hasAwk: true, shellPid: 4242, nodeName: 'web 1' });
  });

  it('reads awk counts by kernel state code', () => {
    const sections = new Map([['COUNTS', Buffer.from('0A 3\n01 12\n08 5\n06 40\n')]]);
    const { counts, warnings } = remoteLinuxCounts(sections, 'web1');
    assert.deepEqual(warnings, []);
    assert.deepEqual([counts.LISTEN, counts.ESTABLISHED, counts.CLOSE_WAIT, counts.TIME_WAIT, counts.SYN_SENT], [3, 12, 5, 40, 0]);
  });
});

describe('ssh failures', () => {
  // What OpenSSH 9 prints for each case.
  const cases: [string, string][] = [
    ['ssh: Could not resolve hostname nope.invalid: Name or service not known', 'host-unknown'],
    ['ssh: connect to host 10.0.0.1 port 2223: Connection refused', 'connection-refused'],
    ['ssh: connect to host 10.0.0.1 port 22: Connection timed out', 'timeout'],
    ['Connection timed out during banner exchange\nConnection to 10.0.0.1 port 22 timed out', 'timeout'],
    ['root@10.0.0.1: Permission denied (publickey).', 'auth-failed'],
    ['No ED25519 host key is known for [10.0.0.1]:22 and you have requested strict checking.\nHost key verification failed.', 'auth-failed'],
    ["'sh' is not recognized as an internal or external command,", 'unsupported-platform'],
    ['Connection closed by 10.0.0.1 port 22', 'disconnected'],
  ];
  for (const [stderr, kind] of cases) {
    it(`${kind}: ${stderr.split('\n')[0]}`, () => {
      const err = classifySshFailure('web1', stderr, 10);
      assert.equal(err.kind, kind);
      assert.match(err.message, /web1/);
      assert.ok(err.hint);
    });
  }
  it('auth failure hints at keys or an agent', () => {
    assert.match(classifySshFailure('web1', 'Permission denied (publickey,password).', 10).hint!, /key.*agent/);
  });
});
