import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/child';
import { runToEnd, startJsonProcess, type Started } from '../helpers/processes';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');

/**
 * Terminal control characters a hostile name could carry: C0 (ESC, BEL, CR...), DEL, and C1 as
 * UTF-8 (U+009B is a one-character CSI for terminals that honour 8-bit controls).
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function assertNoControls(text: string, what: string): void {
  const bad = CONTROLS.exec(text);
  assert.equal(
    bad,
    null,
    `${what} has a raw control character U+${bad?.[0].charCodeAt(0).toString(16).padStart(4, '0')}: ${JSON.stringify(text)}`,
  );
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await runToEnd([process.execPath, CLI, ...args], 30_000);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/**
 * A process that renames itself through /proc/self/comm (any user may, for their own process)
 * to a title-setting OSC, a clear-screen CSI and a UTF-8 U+009B, and holds a listener and a
 * connection to it.
 */
const HOSTILE_COMM = Buffer.concat([Buffer.from('\x1b]0;pwn\x07\x1b[2J', 'latin1'), Buffer.from('\u009bX', 'utf8')]);
const CHILD = `
const net = require('node:net');
const fs = require('node:fs');
const server = net.createServer(() => {}).listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const client = net.connect(port, '127.0.0.1', () => {
    fs.writeFileSync('/proc/self/comm', Buffer.from(process.argv[1], 'hex'));
    console.log(JSON.stringify({ pid: process.pid, port }));
  });
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

describe(
  'text from processes and remotes reaches the terminal without control characters',
  { skip: process.platform !== 'linux' && 'needs Linux /proc' },
  () => {
    let child: Started;
    let port: number;
    let pid: number;
    before(async () => {
      child = await startJsonProcess([process.execPath, '-e', CHILD, HOSTILE_COMM.toString('hex')]);
      ({ port, pid } = child.hello as { port: number; pid: number });
    });
    after(() => child?.stop());

    it('list: a process named with escape sequences is shown escaped, in the table and in JSON', async () => {
      const table = await cli(['list', '--port', String(port)]);
      assert.equal(table.code, 0, table.stderr);
      assertNoControls(table.stdout, 'list');
      assertNoControls(table.stderr, 'list stderr');
      // Visible, so the user still sees the name is odd.
      assert.ok(table.stdout.includes(`\\x1b]0;pwn\\x07\\x1b[2J\\x9bX (${pid})`), table.stdout);
      assert.equal(table.stdout.trim().split('\n').length, 4, 'header, listener, two connection ends');

      const json = await cli(['list', '--port', String(port), '--json']);
      assert.equal(json.code, 0, json.stderr);
      assertNoControls(json.stdout, 'list --json');
      // Scripts still get the exact name back.
      const rows = JSON.parse(json.stdout) as { pid: number | null; process: string | null }[];
      assert.ok(
        rows.some((r) => r.pid === pid && r.process === HOSTILE_COMM.toString('utf8')),
        json.stdout,
      );
    });
  },
);

/** A stand-in ssh running a local sh whose `uname` and `netstat` are stubs. */
function fakeHost(uname: string, netstat: string, sshPrefix: string[] = []): { sshPath: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-hostile-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const script = (file: string, lines: string[]) => writeFileSync(file, ['#!/bin/sh', ...lines, ''].join('\n'), { mode: 0o755 });
  writeFileSync(path.join(dir, 'uname-s'), uname);
  writeFileSync(path.join(dir, 'netstat.txt'), netstat);
  script(path.join(bin, 'uname'), [`case "$1" in -s) cat '${dir}/uname-s' ;; -n) echo evil ;; esac`]);
  script(path.join(bin, 'netstat'), [`cat '${dir}/netstat.txt'`]);
  const sshPath = path.join(dir, 'ssh');
  script(sshPath, [...sshPrefix, `PATH='${bin}':"$PATH" exec sh`]);
  return { sshPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const ESCAPES = '\x1b]0;owned\x07\x1b[2J\u009b31m';

describe('remote text through the CLI (stand-in ssh)', () => {
  it('macOS netstat fields (process names) in list and its warnings', async () => {
    const anv = [
      'Active Internet connections (including servers)',
      'Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)      rxbytes      txbytes  rhiwat  shiwat    process:pid  state   options',
      `tcp4       0      0  127.0.0.1.8080         127.0.0.1.52100        CLOSE_WAIT         12            0  408300  146988       ${ESCAPES.replace(/ /g, '')}:4242 00000 00000108`,
      `tcp4       0      0  127.0.0.1.8080         ${ESCAPES}.1        CLOSE_WAIT         12            0  408300  146988       x:1 00000 00000108`,
      '',
    ].join('\n');
    const host = fakeHost('Darwin\n', anv);
    try {
      const r = await cli(['list', '--host', 'mac1'], { TCP_LENS_SSH: host.sshPath });
      assert.equal(r.code, 0, r.stderr);
      assertNoControls(r.stdout, 'list --host stdout');
      assertNoControls(r.stderr, 'list --host stderr');
      assert.match(r.stdout, /\\x1b\]0;owned\\x07\\x1b\[2J\\x9b31m \(4242\)/);
      assert.match(r.stderr, /warning: netstat: skipped 1 malformed line/);
      assert.match(r.stderr, /bad foreign address: "tcp4 .*\\x1b\]0;owned/);
    } finally {
      host.remove();
    }
  });

  it('an unsupported OS named by uname -s, printed in the error', async () => {
    const host = fakeHost(`${ESCAPES}OS\n`, '');
    try {
      const r = await cli(['counts', '--host', 'odd1'], { TCP_LENS_SSH: host.sshPath });
      assert.equal(r.code, 1, r.stderr);
      assertNoControls(r.stderr, 'counts --host stderr');
      assert.match(r.stderr, /\\x1b\]0;owned/);
    } finally {
      host.remove();
    }
  });

  it("ssh's own stderr when the connection fails", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-hostile-ssh-'));
    const sshPath = path.join(dir, 'ssh');
    writeFileSync(sshPath, `#!/bin/sh\nprintf '\\033]0;owned\\007\\033[2J\\302\\233Permission denied (publickey).\\r\\n' >&2\nexit 255\n`, {
      mode: 0o755,
    });
    try {
      const r = await cli(['list', '--host', 'deny1'], { TCP_LENS_SSH: sshPath });
      assert.equal(r.code, 1, r.stderr);
      assertNoControls(r.stderr, 'list --host stderr');
      assert.match(r.stderr, /Permission denied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
