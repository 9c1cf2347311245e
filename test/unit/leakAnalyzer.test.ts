import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeakAnalyzer, MAX_ANALYZED_BYTES } from '../../src/analysis/analyzer';
import type { LeakFinding, TextEdit } from '../../src/analysis/types';

const analyzer = new LeakAnalyzer();

/** Applies LSP-style edits (0-based line/column) the way an editor does: from the end backwards. */
function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const lines = source.split('\n');
  const offset = (line: number, column: number) => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + column;
  const sorted = [...edits].sort(
    (a, b) => offset(b.range.start.line, b.range.start.column) - offset(a.range.start.line, a.range.start.column),
  );
  let out = source;
  for (const e of sorted) {
    out =
      out.slice(0, offset(e.range.start.line, e.range.start.column)) + e.newText + out.slice(offset(e.range.end.line, e.range.end.column));
  }
  return out;
}

const lines = (findings: LeakFinding[]) => findings.map((f) => f.range.start.line + 1);

const LEAKY_JS = [
  "const net = require('net');",
  'function a() {',
  '  const s = net.connect(80); // tcp-lens-ignore',
  '}',
  'function b() {',
  '  // tcp-lens-ignore: long-lived control channel',
  '  const s = net.connect(81);',
  '}',
  'function c() {',
  '  const s = net.connect(82);',
  '}',
  '',
].join('\n');

describe('LeakAnalyzer', () => {
  it('honours tcp-lens-ignore on the line and on the line above, and nowhere else', async () => {
    const { findings } = await analyzer.analyze(LEAKY_JS, 'javascript');
    assert.deepEqual(lines(findings), [10]);
    assert.equal(findings[0]!.message, 'Socket opened here is never closed — CLOSE_WAIT risk');
    assert.equal(findings[0]!.rule, 'unclosed-socket');
  });

  it('still analyses the functions that parse when the file has syntax errors', async () => {
    const source = [
      'import socket',
      'def broken(:',
      '    return )',
      'def leak(host):',
      '    s = socket.create_connection((host, 80))',
      '    s.sendall(b"x")',
      '',
    ].join('\n');
    const { findings, notes } = await analyzer.analyze(source, 'python');
    assert.deepEqual(lines(findings), [5]);
    assert.ok(
      notes.some((n) => n.includes('syntax errors')),
      notes.join(),
    );
  });

  it('skips binary content and files over the size limit with a note', async () => {
    const binary = await analyzer.analyze('\u007fELF\u0000\u0001\u0002net.connect(1)', 'javascript');
    assert.deepEqual(binary.findings, []);
    assert.match(binary.notes.join(), /binary/);
    const huge = `${'// padding\n'.repeat(MAX_ANALYZED_BYTES / 11 + 1)}const s = require('net').connect(1);\n`;
    const skipped = await analyzer.analyze(huge, 'javascript');
    assert.deepEqual(skipped.findings, []);
    assert.match(skipped.notes.join(), /larger than 2 MB/);
  });

  it('does not crash on a function nested deeper than the call stack allows (the control-flow graph gives up, the statement rules judge it)', async () => {
    const depth = 3000;
    const nested = (head: string, open: string, close: string, tail: string) =>
      `${head}${open.repeat(depth)}${close}${'}\n'.repeat(depth)}${tail}`;
    const files: [Parameters<LeakAnalyzer['analyze']>[1], string][] = [
      [
        'javascript',
        nested("const net = require('net');\nfunction f(x) {\n const s = net.connect(1);\n", 'if (x) {\n', 's.end();\n', '}\n'),
      ],
      ['c', nested('void f(int x) {\n int s = socket(2, 1, 0);\n', 'if (x) {\n', 'close(s);\n', '}\n')],
      ['csharp', nested('class C { void F(bool x) {\n var s = new TcpClient("h", 1);\n', 'if (x) {\n', 's.Dispose();\n', '} }\n')],
      [
        'java',
        nested('class C { void f(boolean x) throws Exception {\n Socket s = new Socket("h", 1);\n', 'if (x) {\n', 's.close();\n', '} }\n'),
      ],
    ];
    for (const [language, source] of files) {
      const result = await analyzer.analyze(source, language);
      assert.ok(Array.isArray(result.findings), language);
    }
  });

  it('analyses non-UTF-8 text (decoded with replacement characters) without crashing', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('# caf', 'latin1'),
      Buffer.from([0xe9, 0xff, 0xfe]),
      Buffer.from('\nimport socket\ns = socket.socket()\ns.send(b"\xe9")\n', 'latin1'),
    ]);
    const { findings } = await analyzer.analyze(latin1.toString('utf8'), 'python');
    assert.deepEqual(lines(findings), [3]);
  });

  it('offers a `with` rewrite for a Python socket that is closed afterwards by nothing', async () => {
    const source = [
      'import socket',
      '',
      'def send(addr, data):',
      '    s = socket.create_connection(addr, timeout=3)',
      '    s.sendall(data)',
      '    if s.recv(2) != b"OK":',
      '        raise IOError("no ack")',
      '    return True',
      '',
    ].join('\n');
    const { findings } = await analyzer.analyze(source, 'python', 'all');
    assert.equal(findings.length, 1);
    const fix = findings[0]!.fix;
    assert.ok(fix, 'a fix is offered');
    const fixed = applyEdits(source, fix.edits);
    assert.equal(
      fixed,
      [
        'import socket',
        '',
        'def send(addr, data):',
        '    with socket.create_connection(addr, timeout=3) as s:',
        '        s.sendall(data)',
        '        if s.recv(2) != b"OK":',
        '            raise IOError("no ack")',
        '        return True',
        '',
      ].join('\n'),
    );
    assert.deepEqual((await analyzer.analyze(fixed, 'python')).findings, []);
  });

  it('wraps an accepted connection in `with conn:` and clears the CLOSE_WAIT finding', async () => {
    const source = [
      'def serve(srv):',
      '    while True:',
      '        conn, addr = srv.accept()',
      '        while True:',
      '            data = conn.recv(1024)',
      '            if not data:',
      '                break',
      '            conn.sendall(data)',
      '',
    ].join('\n');
    const { findings } = await analyzer.analyze(source, 'python', 'all');
    assert.equal(findings[0]?.rule, 'close-wait-risk');
    const fixed = applyEdits(source, findings[0]!.fix!.edits);
    assert.match(fixed, /conn, addr = srv\.accept\(\)\n {8}with conn:\n {12}while True:\n {16}data = conn\.recv\(1024\)/);
    assert.deepEqual((await analyzer.analyze(fixed, 'python')).findings, []);
  });

  it('offers no `with` rewrite when the socket is used outside the block it would wrap', async () => {
    const source = [
      'import socket',
      'def f(flag, addr):',
      '    if flag:',
      '        s = socket.socket()',
      '        s.connect(addr)',
      '    print(s.getsockname())',
      '',
    ].join('\n');
    const { findings } = await analyzer.analyze(source, 'python', 'all');
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.fix, undefined);
    assert.equal(findings[0]!.fixTitle, undefined);
  });

  it('names the early return a socket leaks on', async () => {
    const source = [
      'import socket',
      'def f(addr):',
      '    s = socket.create_connection(addr)',
      '    if not s.recv(1):',
      '        return None',
      '    s.close()',
      '',
    ].join('\n');
    const { findings } = await analyzer.analyze(source, 'python');
    assert.equal(findings[0]?.message, 'Socket opened here is not closed on the return at line 5 — CLOSE_WAIT risk');
    assert.equal(findings[0]?.fixAt?.start.line, 4);
  });
});
