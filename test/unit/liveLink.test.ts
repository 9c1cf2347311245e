import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languagesOf, leakingProcesses, liveLensTitle, rankLeakSites, runsFrom, type LeakingProcess } from '../../src/core/liveLink';

const node: LeakingProcess = {
  pid: 4242,
  process: 'node',
  commandLine: 'node /ws/app/server.js',
  cwd: '/ws/app',
  closeWait: 37,
  ports: [8080],
};
const py: LeakingProcess = {
  pid: 77,
  process: 'python3',
  commandLine: 'python3 worker.py',
  cwd: '/elsewhere',
  closeWait: 3,
  ports: [9000],
};

describe('live ↔ code link', () => {
  it('knows a process runs from the workspace by its cwd or a path argument', () => {
    assert.equal(runsFrom(node, ['/ws']), '/ws');
    assert.equal(runsFrom({ ...node, cwd: '/tmp' }, ['/ws']), '/ws');
    assert.equal(runsFrom(py, ['/ws']), undefined);
    assert.equal(runsFrom({ ...node, cwd: '/wsx', commandLine: 'node a.js' }, ['/ws']), undefined);
  });

  it('guesses languages from the process', () => {
    assert.ok(languagesOf(node).has('javascript'));
    assert.deepEqual([...languagesOf(py)], ['python']);
    assert.ok(languagesOf({ process: 'myserver', commandLine: '/ws/bin/myserver' }).has('go'));
  });

  it("ranks findings of the process's language, folder, entry file and port first", () => {
    const findings = [
      { file: '/ws/app/client.js', line: 3, language: 'javascript', rule: 'unclosed-socket' },
      { file: '/ws/app/server.js', line: 10, language: 'javascript', rule: 'close-wait-risk' },
      { file: '/ws/app/tool.py', line: 1, language: 'python', rule: 'unclosed-socket' },
      { file: '/other/x.js', line: 1, language: 'javascript', rule: 'unclosed-socket' },
    ];
    const ranked = rankLeakSites(findings, [node, py], ['/ws'], (file, port) => file.endsWith('client.js') && port === 8080);
    assert.deepEqual(
      ranked.map((r) => `${r.finding.file}:${r.finding.line}`),
      ['/ws/app/server.js:10', '/ws/app/client.js:3'],
    );
    assert.ok(ranked.every((r) => r.process.pid === 4242));
  });

  it('includes processes the editor launched even outside the folders', () => {
    const ranked = rankLeakSites(
      [{ file: '/tmp/a.py', line: 1, language: 'python', rule: 'unclosed-socket' }],
      [{ ...py, launchedByEditor: true }],
      ['/ws'],
    );
    assert.equal(ranked.length, 1);
  });

  it('writes the lens title with the stuck count and age, the program and its script, no backticks, within 120 characters', () => {
    const stuck = {
      ...node,
      commandLine: 'node /ws/app/server.js --port 8081',
      closeWait: 7,
      stuck: 5,
      oldestSeconds: 14 * 60 + 5,
      ports: [8081],
    };
    const title = liveLensTitle('Socket opened here is never closed', stuck);
    assert.equal(
      title,
      'Socket opened here is never… — 5 sockets stuck in CLOSE_WAIT for up to 14 min in node server.js (pid 4242) on :8081',
    );
    assert.ok(title.length <= 120, 'the static part gives way to the live one');
    const long = liveLensTitle(`Socket opened here is never closed on the path through ${'x'.repeat(200)}`, {
      ...stuck,
      process: 'py\u001b[2J',
      commandLine: `/usr/bin/python3 -u /srv/${'deep/'.repeat(40)}worker.py`,
      ports: [1, 2, 3, 4],
    });
    assert.ok(long && long.length <= 120, long);
    assert.match(long ?? '', /… — 5 sockets stuck in CLOSE_WAIT for up to 14 min in python3 worker\.py \(pid 4242\) on :1, :2, :3 …$/);
    assert.doesNotMatch(long ?? '', /`/);
  });

  it('says nothing live when every CLOSE_WAIT socket closes in time; gives the plain count when ages are unknown', () => {
    assert.equal(liveLensTitle('Socket opened here is never closed', { ...node, closeWait: 30, stuck: 0, oldestSeconds: 3 }), undefined);
    assert.equal(
      liveLensTitle('Socket opened here is never closed', node),
      'Socket opened here is never closed — 37 sockets in CLOSE_WAIT in node server.js (pid 4242) on :8080',
    );
  });

  it('counts stuck sockets per process with the one definition of stuck', () => {
    const c = (remotePort: number, ageSeconds?: number, pid = 4242) => ({
      family: 'IPv4' as const,
      localAddress: '127.0.0.1',
      localPort: 8081,
      remoteAddress: '127.0.0.1',
      remotePort,
      state: 'CLOSE_WAIT' as const,
      sendQueue: 0,
      receiveQueue: 0,
      uid: 0,
      inode: remotePort,
      owner: 'known' as const,
      pid,
      process: 'node',
      commandLine: 'node server.js',
      ageSeconds,
      ageSource: 'kernel' as const,
    });
    const byPid = leakingProcesses([c(1, 900), c(2, 61), c(3, 2), c(4, 1, 99), c(5, undefined, 7)], 60);
    assert.deepEqual([byPid.get(4242)?.closeWait, byPid.get(4242)?.stuck, byPid.get(4242)?.oldestSeconds], [3, 2, 900]);
    assert.equal(byPid.get(99)?.stuck, 0, 'a browser pool socket 1 s old is not stuck');
    assert.equal(byPid.get(7)?.stuck, undefined, 'unknown ages: no stuck count at all');
  });
});
