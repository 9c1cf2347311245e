import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/child';
import { acquiredAt, LSP_FIXTURES as FIXTURES } from './leakFixtures';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');

function leaks(...args: string[]) {
  return leaksWithin(60_000, ...args);
}

function leaksWithin(timeout: number, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'leaks', ...args], { encoding: 'utf8', timeout });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('tcp-lens leaks (dist/cli.js)', () => {
  let workspace: string;
  before(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'tcp-lens-cli-leaks-'));
    cpSync(FIXTURES, workspace, { recursive: true });
    mkdirSync(path.join(workspace, 'node_modules/dep'), { recursive: true });
    cpSync(path.join(FIXTURES, 'js/ping.js'), path.join(workspace, 'node_modules/dep/index.js'));
    mkdirSync(path.join(workspace, '.git'));
    cpSync(path.join(FIXTURES, 'js/ping.js'), path.join(workspace, '.git/hook.js'));
    writeFileSync(path.join(workspace, 'py/huge.py'), 'import socket\ns = socket.socket()\n'.repeat(80_000));
    writeFileSync(path.join(workspace, 'py/blob.py'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
    writeFileSync(path.join(workspace, 'README.txt'), 'not source');
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  it('prints every finding as 1-based JSON and exits 1', () => {
    const r = leaks(workspace, '--json');
    assert.equal(r.code, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as {
      file: string;
      line: number;
      column: number;
      language: string;
      rule: string;
      message: string;
    }[];
    const short = findings.map((f) => `${path.relative(workspace, f.file)}:${f.line}:${f.column}:${f.language}:${f.rule}`);
    assert.deepEqual(short, [
      `${acquiredAt('go/ping.go', 'net.Dial(')}:go:unclosed-socket`,
      `${acquiredAt('js/ping.js', 'net.connect(')}:javascript:unclosed-socket`,
      `${acquiredAt('py/banner_client.py', 'socket.socket(')}:python:unclosed-socket`,
      `${acquiredAt('py/broken_syntax.py', 'socket.socket(')}:python:unclosed-socket`,
      `${acquiredAt('py/latin1_comment.py', 'socket.socket(')}:python:unclosed-socket`,
    ]);
    assert.ok(findings.every((f) => /never closed/.test(f.message)));
    assert.match(r.stderr, /huge\.py: skipped: larger than 2 MB/);
    assert.match(r.stderr, /blob\.py: skipped: binary content/);
    assert.match(r.stderr, /latin1_comment\.py: not valid UTF-8/);
  });

  it('exits 0 with an empty array on clean code, and takes single files', () => {
    const r = leaks(path.join(workspace, 'py/closed_client.py'), path.join(workspace, 'py/suppressed.py'), '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });

  it('prints file:line:column lines without --json', () => {
    const r = leaks(path.join(workspace, 'js'));
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.ok(lines[0].startsWith(`${path.join(workspace, acquiredAt('js/ping.js', 'net.connect('))}: unclosed-socket: `), lines[0]);
  });

  it('exits 2 with one line on bad arguments', () => {
    for (const args of [[], ['--jsn', workspace], [path.join(workspace, 'missing')]]) {
      const r = leaks(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('refuses a FIFO named on the command line at once instead of waiting for a writer, and skips one found in a folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tcp-lens-cli-fifo-'));
    try {
      const fifo = path.join(dir, 'pipe.py');
      const made = spawnSync('mkfifo', [fifo]);
      assert.equal(made.status, 0, String(made.stderr));
      cpSync(path.join(FIXTURES, 'py/banner_client.py'), path.join(dir, 'client.py'));
      const named = leaksWithin(15_000, fifo, '--json');
      assert.equal(named.signal, null, 'the CLI hung on the FIFO and was killed');
      assert.equal(named.code, 2, named.stderr);
      assert.equal(named.stderr.trim().split('\n').length, 1, named.stderr);
      assert.match(named.stderr, /pipe\.py.*FIFO/);
      // A symlink to it is the same FIFO.
      symlinkSync(fifo, path.join(dir, 'link.py'));
      assert.equal(leaksWithin(15_000, path.join(dir, 'link.py')).code, 2);
      // In a walked folder it is not source: the regular file beside it is still analysed.
      const walked = leaksWithin(15_000, dir, '--json');
      assert.equal(walked.code, 1, walked.stderr);
      assert.deepEqual(
        (JSON.parse(walked.stdout) as { file: string }[]).map((f) => path.basename(f.file)),
        ['client.py'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
