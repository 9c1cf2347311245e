import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeakAnalyzer } from '../../src/analysis/analyzer';
import type { LeakLanguage } from '../../src/analysis/types';

/**
 * A path that ends the program (`System.exit(1)` in a catch block) leaks nothing: the kernel closes
 * what the process held. Each case is the same shape: the failure branch exits, so the only finding
 * left is none; the same code returning instead of exiting is reported, so the test can fail.
 */
const analyzer = new LeakAnalyzer();

async function rules(source: string, language: LeakLanguage): Promise<string[]> {
  return (await analyzer.analyze(source, language)).findings.map((f) => `${f.range.start.line + 1}:${f.rule}`);
}

const CASES: { language: LeakLanguage; exit: string; instead: string; source: (onFailure: string) => string }[] = [
  {
    language: 'java',
    exit: 'System.exit(1);',
    instead: 'return;',
    source: (onFailure) =>
      [
        'import java.net.*;',
        'class Main {',
        '  static void ping(String h, int p) throws java.io.IOException {',
        '    Socket s = new Socket(h, p);',
        '    try {',
        '      s.getOutputStream().write(1);',
        '    } catch (java.io.IOException e) {',
        `      ${onFailure}`,
        '    }',
        '    s.close();',
        '  }',
        '}',
      ].join('\n'),
  },
  {
    language: 'csharp',
    exit: 'Environment.Exit(1);',
    instead: 'return;',
    source: (onFailure) =>
      [
        'using System;',
        'using System.Net.Sockets;',
        'class Main {',
        '  static void Serve(string h, int p) {',
        '    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);',
        '    try {',
        '      s.Connect(h, p);',
        '    } catch (SocketException) {',
        `      ${onFailure}`,
        '    }',
        '    s.Close();',
        '  }',
        '}',
      ].join('\n'),
  },
  {
    language: 'python',
    exit: 'sys.exit(1)',
    instead: 'return',
    source: (onFailure) =>
      [
        'import socket',
        'import sys',
        'def main(addr):',
        '    s = socket.socket()',
        '    try:',
        '        s.connect(addr)',
        '    except OSError as e:',
        '        print(e)',
        `        ${onFailure}`,
        '    s.close()',
      ].join('\n'),
  },
  {
    language: 'javascript',
    exit: 'process.exit(1);',
    instead: 'return;',
    source: (onFailure) =>
      [
        "const net = require('node:net');",
        'async function main(port, check) {',
        '  const s = net.connect(port);',
        '  try {',
        '    await check(s.remoteAddress);',
        '  } catch (e) {',
        `    ${onFailure}`,
        '  }',
        '  s.end();',
        '}',
      ].join('\n'),
  },
];

describe('a path that ends the program leaks nothing', () => {
  for (const c of CASES) {
    it(`${c.language}: \`${c.exit}\` on the failure branch`, async () => {
      assert.deepEqual(await rules(c.source(c.exit), c.language), []);
      assert.notDeepEqual(await rules(c.source(c.instead), c.language), [], 'returning there instead leaks the socket');
    });
  }
});
