import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { languagesOf, liveLensTitle, rankLeakSites, runsFrom, type LeakingProcess } from '../../src/core/liveLink';

const node: LeakingProcess = { pid: 4242, process: 'node', commandLine: 'node /ws/app/server.js', cwd: '/ws/app', closeWait: 37, ports: [8080] };
const py: LeakingProcess = { pid: 77, process: 'python3', commandLine: 'python3 worker.py', cwd: '/elsewhere', closeWait: 3, ports: [9000] };

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

  it('ranks findings of the process\'s language, folder, entry file and port first', () => {
    const findings = [
      { file: '/ws/app/client.js', line: 3, language: 'javascript', rule: 'unclosed-socket' },
      { file: '/ws/app/server.js', line: 10, language: 'javascript', rule: 'close-wait-risk' },
      { file: '/ws/app/tool.py', line: 1, language: 'python', rule: 'unclosed-socket' },
      { file: '/other/x.js', line: 1, language: 'javascript', rule: 'unclosed-socket' },
    ];
    const ranked = rankLeakSites(findings, [node, py], ['/ws'], (file, port) => file.endsWith('client.js') && port === 8080);
    assert.deepEqual(ranked.map((r) => `${r.finding.file}:${r.finding.line}`), ['/ws/app/server.js:10', '/ws/app/client.js:3']);
    assert.ok(ranked.every((r) => r.process.pid === 4242));
  });

  it('includes processes the editor launched even outside the folders', () => {
    const ranked = rankLeakSites([{ file: '/tmp/a.py', line: 1, language: 'python', rule: 'unclosed-socket' }], [{ ...py, launchedByEditor: true }], ['/ws']);
    assert.equal(ranked.length, 1);
  });

  it('writes the lens title with the live count', () => {
    assert.equal(
      liveLensTitle('Socket opened here is never closed', node),
      'Socket opened here is never closed — 37 live CLOSE_WAIT sockets in `node /ws/app/server.js` (pid 4242) on :8080',
    );
  });
});
