import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeakAnalyzer } from '../../src/analysis/analyzer';
import type { LeakLanguage } from '../../src/analysis/types';

const analyzer = new LeakAnalyzer();
const lines = async (language: LeakLanguage, source: string[]) =>
  (await analyzer.analyze(source.join('\n'), language)).findings.map((f) => `${f.range.start.line + 1}:${f.rule}`);

/** `open` then `close` under tests of `flag`, with `between` run after the open (Java). */
const java = (flagSetup: string[], between: string[], closeTest: string, params = 'boolean flag') => [
  'import java.net.Socket;',
  'class C {',
  `  void f(String h, ${params}) throws Exception {`,
  ...flagSetup,
  '    Socket s = null;',
  '    if (flag) s = new Socket(h, 1);',
  ...between,
  `    if (${closeTest}) s.close();`,
  '  }',
  '}',
];

describe("leak engine: branches on flags (src/analysis/cfg/flagBranches.ts, the dataflow's PATH)", () => {
  it('takes two tests of an unassigned parameter together', async () => {
    assert.deepEqual(await lines('java', java([], [], 'flag')), []);
  });

  it('keeps the paths apart where the flag may change or the tests differ', async () => {
    // Assigned between the tests.
    assert.deepEqual(await lines('java', java([], ['    flag = false;'], 'flag')), ['5:unclosed-socket']);
    // Opened when true, closed when false.
    assert.deepEqual(await lines('java', java([], [], '!flag')), ['5:unclosed-socket']);
    // A local given another value in a branch, not only literals and not once at the top of the body.
    assert.deepEqual(
      await lines(
        'java',
        java(['    boolean flag = h.isEmpty();', '    if (h.length() > 3) flag = h.endsWith("x");'], [], 'flag', 'int unused'),
      ),
      ['7:unclosed-socket'],
    );
    // Given only literals, it is followed along each path instead.
    assert.deepEqual(
      await lines('java', java(['    boolean flag = false;', '    if (h.isEmpty()) flag = true;'], [], 'flag', 'int unused')),
      [],
    );
  });

  it('takes a local given its value once, before the tests, as a flag', async () => {
    assert.deepEqual(await lines('java', java(['    boolean flag = h.startsWith("r");'], [], 'flag', 'int unused')), []);
  });

  it('reads `not flag` in Python the same way', async () => {
    const source = [
      'import socket',
      'def f(addr, local):',
      '    s = None',
      '    if not local:',
      '        s = socket.create_connection(addr)',
      '    if not local:',
      '        s.close()',
    ];
    assert.deepEqual(await lines('python', source), []);
    assert.deepEqual(await lines('python', [...source.slice(0, 5), '    if local:', '        s.close()']), ['5:unclosed-socket']);
  });

  it('follows a flag given only true or false: closed unless set after the step that can fail', async () => {
    const factory = (setEarly: boolean) => [
      'import java.net.Socket;',
      'class C {',
      '  Socket f(String h) throws Exception {',
      '    Socket s = new Socket(h, 1);',
      '    boolean ok = false;',
      '    try {',
      ...(setEarly
        ? ['      ok = true;', '      s.getOutputStream().write(1);']
        : ['      s.getOutputStream().write(1);', '      ok = true;']),
      '      return s;',
      '    } finally {',
      '      if (!ok) s.close();',
      '    }',
      '  }',
      '}',
    ];
    assert.deepEqual(await lines('java', factory(false)), []);
    assert.deepEqual(await lines('java', factory(true)), ['4:unclosed-on-exception']);
  });

  it('forgets a flag a closure sets: it may run at any time', async () => {
    const source = [
      "const net = require('net');",
      'function f(port) {',
      '  let done = false;',
      '  const s = net.connect(port);',
      "  s.on('end', () => { done = true; });",
      '  if (!done) s.destroy();',
      '}',
    ];
    // After the closure `done` may be true at the test: the path that skips the destroy stays.
    assert.deepEqual(await lines('javascript', source), ['4:unclosed-socket']);
    // Without it, `done` is false there: the destroy runs on every path.
    assert.deepEqual(await lines('javascript', [...source.slice(0, 4), '  if (!done) s.destroy();', '}']), []);
  });
});
