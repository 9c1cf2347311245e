import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameError, FrameReader, MAX_MARKER_LINE, type Frame } from '../../src/core/ssh/frames';
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
    assert.deepEqual(
      whole.map((f) => f.line),
      ['HELLO Linux le 1 4242 web 1', 'BEGIN f', 'SEC T4', 'SEC T6', 'END 0'],
    );
    assert.equal(whole[3].body.toString(), '  sl  local_address\n   0: 0100007F:1F90 00000000:0000 0A\n\n@@TCPLENS wrong END 0\n');
    for (const size of [1, 2, 7, 13]) {
      assert.deepEqual(
        frames(size).map((f) => [f.line, f.body.toString()]),
        whole.map((f) => [f.line, f.body.toString()]),
        `chunks of ${size}`,
      );
    }
    assert.deepEqual(parseHello('Linux le 1 4242 web 1'), {
      os: 'Linux',
      littleEndian: true,
      hasAwk: true,
      shellPid: 4242,
      nodeName: 'web 1',
    });
  });

  it('large sections come out whole and the same whatever the chunking', () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = i % 251 === 0 ? 0x0a : 0x41 + (i % 26);
    const bytes = Buffer.concat([
      Buffer.from(`\n@@TCPLENS ${TOKEN} BEGIN t\n\n@@TCPLENS ${TOKEN} SEC T4\n`),
      big,
      Buffer.from(`\n@@TCPLENS ${TOKEN} SEC T6\nsmall\n@@TCPLENS ${TOKEN} END 0\n`),
    ]);
    for (const size of [1000, 16 * 1024, 64 * 1024 + 3, bytes.length]) {
      const out: Frame[] = [];
      const reader = new FrameReader(TOKEN, (f) => out.push(f));
      for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
      assert.deepEqual(
        out.map((f) => f.line),
        ['BEGIN t', 'SEC T4', 'SEC T6', 'END 0'],
        `chunks of ${size}`,
      );
      assert.ok(out[2].body.equals(big), `chunks of ${size}`);
      assert.equal(out[3].body.toString(), 'small');
    }
  });

  it('an answer past the cap is an error, and each answer has its own budget', () => {
    const answer = (n: number) => `\n@@TCPLENS ${TOKEN} BEGIN c\n\n@@TCPLENS ${TOKEN} SEC T4\n${'x'.repeat(n)}\n@@TCPLENS ${TOKEN} END 0\n`;
    const lines: string[] = [];
    const reader = new FrameReader(
      TOKEN,
      (f) => {
        lines.push(f.line);
        if (f.line.startsWith('END')) reader.endAnswer();
      },
      { maxAnswerBytes: 4000 },
    );
    // Three answers of 3,000 bytes: 9,000 in all, each under the cap.
    for (let i = 0; i < 3; i++) reader.push(Buffer.from(answer(3000)));
    assert.equal(lines.filter((l) => l === 'END 0').length, 3);
    // A stream that never ends its answer is cut off at the cap, chunk by chunk.
    reader.push(Buffer.from(`\n@@TCPLENS ${TOKEN} BEGIN c\n\n@@TCPLENS ${TOKEN} SEC T4\n`));
    const chunk = Buffer.alloc(1000, 'y');
    let err: unknown;
    let pushed = 0;
    try {
      for (; pushed < 100; pushed++) reader.push(chunk);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof FrameError && err.reason === 'too-large', String(err));
    assert.ok(pushed <= 4, `${pushed} chunks taken`);
    // Broken for good: nothing more is read.
    assert.throws(() => reader.push(Buffer.from(answer(1))), FrameError);
  });

  it('a marker line that never ends is an error at its length cap, not a rescan per chunk', () => {
    const reader = new FrameReader(TOKEN, () => assert.fail('no frame expected'));
    reader.push(Buffer.from(`\n@@TCPLENS ${TOKEN} SEC `));
    const chunk = Buffer.alloc(512, 'A');
    let taken = 0;
    assert.throws(
      () => {
        for (; taken < 1000; taken++) reader.push(chunk);
      },
      (e: unknown) => e instanceof FrameError && e.reason === 'bad-marker',
    );
    assert.ok(taken * chunk.length <= MAX_MARKER_LINE, `${taken} chunks taken`);
  });

  it('scans a long marker line once: 16 MB in 2 KB chunks in linear time', () => {
    const frames: Frame[] = [];
    const reader = new FrameReader(TOKEN, (f) => frames.push(f), { maxMarkerLine: 64 * 1024 * 1024 });
    reader.push(Buffer.from(`\n@@TCPLENS ${TOKEN} SEC `));
    const chunk = Buffer.alloc(2048, 'A');
    const started = performance.now();
    for (let i = 0; i < 8192; i++) reader.push(chunk);
    reader.push(Buffer.from('\n'));
    const ms = performance.now() - started;
    assert.equal(frames.length, 1);
    assert.equal(frames[0].line.length, 4 + 16 * 1024 * 1024);
    assert.ok(ms < 3000, `${Math.round(ms)} ms`);
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
    [
      'No ED25519 host key is known for [10.0.0.1]:22 and you have requested strict checking.\nHost key verification failed.',
      'auth-failed',
    ],
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
