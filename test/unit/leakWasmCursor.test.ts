import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import { LeakAnalyzer } from '../../src/analysis/analyzer';
import { GrammarLoader } from '../../src/analysis/parser';
import type { LeakLanguage } from '../../src/analysis/types';
import { openWalk, type WalkCursor } from '../../src/analysis/wasmCursor';

test('two analyzers started at the same time share one runtime and both find the leak', async () => {
  // First in this file, so the runtime is not started yet. Fresh loaders racing through their first grammar load, as two language-server sessions or a
  // CLI run beside a scan would: before the init was shared this could crash inside WebAssembly.
  const source = `const net = require('net');\nfunction f() {\n  const s = net.connect(80);\n  s.write('x');\n}\n`;
  const analyses = [new LeakAnalyzer(new GrammarLoader()), new LeakAnalyzer(new GrammarLoader())].map((a) =>
    a.analyze(source, 'javascript'),
  );
  const results = await Promise.all(analyses);
  for (const r of results)
    assert.deepEqual(
      r.findings.map((f) => f.range.start.line),
      [2],
    );
});

/** Every step of a full walk: type, field, offsets, depth. */
function steps(cursor: WalkCursor): string[] {
  const out: string[] = [];
  let depth = 0;
  // Bounded by the tree's size: each node is entered once.
  for (;;) {
    out.push(`${depth}:${cursor.nodeTypeId}:${cursor.currentFieldId}:${cursor.startIndex}-${cursor.endIndex}`);
    if (cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return out;
      depth--;
    }
  }
}

function walkWith(root: SyntaxNode, open: (root: SyntaxNode) => WalkCursor): string[] {
  const cursor = open(root);
  try {
    return steps(cursor);
  } finally {
    cursor.delete();
  }
}

// Deep enough that the cursor's stack is reallocated inside WebAssembly during the walk.
const NESTED = 400;
const SOURCES: Partial<Record<LeakLanguage, string>> = {
  javascript: `const net = require('net');\nconst s = net.connect(80, 'é');\nconst x = ${'['.repeat(NESTED)}1${']'.repeat(NESTED)};\n`,
  python: `import socket\ns = socket.socket()\nx = ${'('.repeat(NESTED)}1${')'.repeat(NESTED)}\n`,
  go: `package main\nfunc f() { c, _ := net.Dial("tcp", "x"); _ = ${'('.repeat(NESTED)}c${')'.repeat(NESTED)} }\n`,
};

test('the direct cursor walks exactly as the public cursor does, also through deep trees', async () => {
  const grammars = new GrammarLoader();
  for (const [language, source] of Object.entries(SOURCES) as [LeakLanguage, string][]) {
    const parser = await grammars.parserFor(language);
    try {
      // Many parses and deep walks in turn: each walk must leave the runtime as usable as it found it.
      for (let round = 0; round < 20; round++) {
        const tree = parser.parse(source)!;
        try {
          const direct = walkWith(tree.rootNode, openWalk);
          const reference = walkWith(tree.rootNode, (root) => root.walk());
          assert.ok(direct.length > 2 * NESTED, `${language}: walked ${direct.length} nodes`);
          assert.deepEqual(direct, reference, language);
          const cursor = openWalk(tree.rootNode);
          const kind = cursor.constructor.name;
          cursor.delete();
          assert.equal(kind, 'DirectCursor', `${language}: the walk bypasses the public cursor`);
        } finally {
          tree.delete();
        }
      }
    } finally {
      parser.delete();
    }
  }
});
