import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRAMMAR_FILES, GrammarLoader } from '../../src/analysis/parser';
import { LeakAnalyzer } from '../../src/analysis/analyzer';
import type { LeakLanguage } from '../../src/analysis/types';

/** A small valid program per language and a node type its tree must contain. */
const SNIPPETS: Record<LeakLanguage, [string, string]> = {
  javascript: ["const s = require('net').connect(80);\ns.end();\n", 'call_expression'],
  typescript: ['const n: number = 1;\nexport function f(x: string): void {}\n', 'type_annotation'],
  tsx: ['const el = <div className="x">{1}</div>;\n', 'jsx_element'],
  python: ['import socket\nwith socket.socket() as s:\n    s.close()\n', 'with_statement'],
  go: ['package main\n\nfunc main() {\n\tdefer c.Close()\n}\n', 'defer_statement'],
  java: ['class A { void f() throws Exception { try (var s = new java.net.Socket()) {} } }\n', 'try_with_resources_statement'],
  c: ['int main(void) { int fd = socket(2, 1, 0); close(fd); return 0; }\n', 'function_definition'],
  cpp: ['#include <memory>\nint main() { auto p = std::make_unique<int>(1); return *p; }\n', 'function_definition'],
  csharp: ['class A { void F() { using (var s = new System.Net.Sockets.TcpClient()) { } } }\n', 'using_statement'],
};

describe('shipped tree-sitter grammars', () => {
  const loader = new GrammarLoader();
  for (const language of Object.keys(GRAMMAR_FILES) as LeakLanguage[]) {
    it(`${language} (${GRAMMAR_FILES[language]}) loads and parses a snippet without errors`, async () => {
      const [source, nodeType] = SNIPPETS[language];
      const parser = await loader.parserFor(language);
      const tree = parser.parse(source);
      try {
        assert.ok(tree, 'parser returned a tree');
        assert.equal(tree.rootNode.hasError, false, tree.rootNode.toString());
        assert.ok(tree.rootNode.descendantsOfType(nodeType).length > 0, `expected a ${nodeType} in ${tree.rootNode.toString()}`);
      } finally {
        tree?.delete();
        parser.delete();
      }
    });
  }
});

describe('C files, parsed by the C grammar with the C++ grammar as a fallback', () => {
  const analyzer = new LeakAnalyzer();
  /** The lines (1-based) of the findings of `lines` analysed as C, and the analysis notes. */
  const analyseAsC = async (lines: string[]) => {
    const { findings, notes } = await analyzer.analyze(`${lines.join('\n')}\n`, 'c');
    return { leaks: findings.map((f) => f.range.start.line + 1), notes };
  };

  it('reads C that uses C++ keywords as names (the C++ grammar alone found errors here)', async () => {
    const source = [
      'int open_peer(const struct sockaddr *addr, socklen_t len, struct conn *new) {',
      '  int class = socket(AF_INET, SOCK_STREAM, 0);',
      '  if (class < 0) return -1;',
      '  if (connect(class, addr, len) < 0) return -1;',
      '  new->fd = class;',
      '  return 0;',
      '}',
    ];
    // The socket the failed connect leaves open, and no syntax errors.
    assert.deepEqual(await analyseAsC(source), { leaks: [2], notes: [] });
  });

  it('reads a C++ header analysed as C (a .h file) with the C++ grammar', async () => {
    const source = [
      'class Listener {',
      ' public:',
      '  bool next(int lfd) {',
      '    int c = accept(lfd, nullptr, nullptr);',
      '    if (c < 0 || send(c, "hi", 2, 0) < 0) return false;',
      '    last_ = c;',
      '    return true;',
      '  }',
      ' private:',
      '  int last_ = -1;',
      '};',
    ];
    assert.deepEqual(await analyseAsC(source), { leaks: [4], notes: [] });
  });
});
