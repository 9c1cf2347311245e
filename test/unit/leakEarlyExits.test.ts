import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeakAnalyzer } from '../../src/analysis/analyzer';
import type { LeakLanguage } from '../../src/analysis/types';

const analyzer = new LeakAnalyzer();

/** `line: message` of each finding, 1-based as an editor shows it. */
async function reported(language: LeakLanguage, source: string[]): Promise<string[]> {
  const { findings } = await analyzer.analyze(source.join('\n'), language);
  return findings.map((f) => `${f.range.start.line + 1}: ${f.message}`);
}

describe('leak rules: exits that skip the close (JavaScript, Python)', () => {
  it('reports a throw before the end, but not one a catch around it handles', async () => {
    assert.deepEqual(
      await reported('javascript', [
        "const net = require('net');",
        'async function send(port, payload) {',
        '  const sock = net.connect(port);',
        "  if (payload.length > 10) throw new RangeError('too big');",
        '  sock.end(payload);',
        '}',
        'async function sendChecked(port, payload) {',
        '  const sock = net.connect(port);',
        "  try { if (!payload) throw new Error('empty'); } catch (err) { console.error(err); }",
        '  sock.end(payload);',
        '}',
      ]),
      ['3: Socket opened here is not closed on the throw at line 4 — CLOSE_WAIT risk'],
    );
  });

  it('reports a raise before the close, but not one inside try/finally that closes', async () => {
    assert.deepEqual(
      await reported('python', [
        'import socket',
        'def status(host):',
        '    s = socket.create_connection((host, 7))',
        '    reply = s.recv(64)',
        '    if not reply:',
        '        raise ValueError("empty")',
        '    s.close()',
        '    return reply',
        'def status_safe(host):',
        '    s = socket.create_connection((host, 7))',
        '    try:',
        '        if not s.recv(64):',
        '            raise ValueError("empty")',
        '    finally:',
        '        s.close()',
      ]),
      ['3: Socket opened here is not closed on the raise at line 6 — CLOSE_WAIT risk'],
    );
  });

  it('reports a return in the connect callback before the close is arranged, not one in a data or end listener', async () => {
    assert.deepEqual(
      await reported('javascript', [
        "const tls = require('tls');",
        'function greet(host, ok) {',
        '  const socket = tls.connect({ host, port: 443 }, () => {',
        '    if (!ok(socket)) return;',
        "    socket.once('data', () => socket.end());",
        '  });',
        '}',
        'function drain(port) {',
        '  const s = tls.connect(port);',
        "  s.on('data', (d) => { if (!d.length) return; s.end(); });",
        '}',
        'function afterEnd(port, quiet) {',
        '  const s = tls.connect(port);',
        "  s.once('end', () => { if (quiet) return; s.destroy(); });",
        '}',
      ]),
      ['3: Socket opened here is not closed on the return at line 4 — CLOSE_WAIT risk'],
    );
  });

  it('reports a deadline that rejects without destroying the socket it would have resolved', async () => {
    const connectWithin = (onTimeout: string) => [
      "const net = require('net');",
      'function connectWithin(port, ms) {',
      '  return new Promise((resolve, reject) => {',
      '    const socket = net.connect(port);',
      `    const timer = setTimeout(() => { ${onTimeout} }, ms);`,
      "    socket.once('connect', () => { clearTimeout(timer); resolve(socket); });",
      "    socket.once('error', reject);",
      '  });',
      '}',
    ];
    assert.deepEqual(await reported('javascript', connectWithin("reject(new Error('timeout'));")), [
      '4: Socket opened here is not closed when the timeout at line 5 rejects — CLOSE_WAIT risk',
    ]);
    assert.deepEqual(await reported('javascript', connectWithin("socket.destroy(); reject(new Error('timeout'));")), []);
    assert.deepEqual(await reported('javascript', connectWithin("fail(new Error('timeout'));")), []);
  });

  it("stays silent where real Python code keeps or never got the socket (seen in CPython's tests)", async () => {
    assert.deepEqual(
      await reported('python', [
        'import socket',
        'def have_can():',
        '    try:',
        '        s = socket.socket(socket.PF_CAN, socket.SOCK_RAW)',
        '    except OSError:',
        '        return False',
        '    s.close()',
        '    return True',
        'injected = None',
        'def inject(addr):',
        '    global injected',
        '    injected = socket.socket()',
        '    injected.connect(addr)',
        'class Client:',
        '    def open(self, addr):',
        '        self.cli = sock = socket.create_connection(addr)',
        '        sock.sendall(b"hi")',
        'def connect_checked(addr):',
        '    try:',
        '        s = socket.socket()',
        '        s.connect(addr)',
        '    except OSError:',
        '        return None',
        '    s.close()',
        // The engine names the cause: the exception from connect, caught, then the return.
      ]),
      ['20: Socket opened here is not closed when `connect` raises at line 21 — use `with` or `try`/`finally`'],
    );
  });
});
