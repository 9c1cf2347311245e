import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { summarize } from '../measure/stats';
import { formatMs } from '../report/format';
import { serverSource } from './analyzerCorpus';
import { LspSession } from './lspSession';
import type { FeatureCase } from './types';

const FEATURE = 'leak analyzer (src/analysis)';
const LANDED = 'src/analysis/languages/javascript.ts';

const OPENS_AT_LEAST = 15;

export const analyzerFileCase: FeatureCase = {
  id: 'analyzer-file',
  label: 'leak analyzer, one 10,000-line JavaScript file',
  feature: FEATURE,
  landedWith: LANDED,
  target: '< 150 ms',
  async measure(runs) {
    const source = serverSource(10_000);
    const server = await LspSession.start();
    try {
      const times: number[] = [];
      let findings = 0;
      let cold = 0;
      // What the user waits for: a file opened in the editor until its diagnostics (and lenses) are
      // there, in the language server that stays up and analyses file after file. The first opens
      // load the grammar and let V8 finish compiling the WebAssembly parser (a cold parse takes
      // about twice a warm one); the first is reported beside the median.
      const warmUp = 3;
      // An open takes about 0.15 s: fifteen cost little, and a median of five moves with the minute on a 2-core VM.
      const opens = Math.max(runs, OPENS_AT_LEAST);
      for (let i = 0; i < warmUp + opens; i++) {
        const uri = `file:///tmp/tcp-lens-bench/server${i}.js`;
        const began = performance.now();
        findings = (await server.open(uri, 'javascript', source)).length;
        const ms = performance.now() - began;
        await server.close(uri);
        if (i === 0) cold = ms;
        if (i >= warmUp) times.push(ms);
      }
      const timing = summarize(times);
      return {
        value: formatMs(timing),
        pass: timing.median < 150,
        note: `didOpen to diagnostics in dist/server.js over stdio; ${findings} finding(s) in the generated file; first open in a fresh server (grammar load, cold WebAssembly): ${cold.toFixed(0)} ms`,
      };
    } finally {
      server.stop();
    }
  },
};

const FILES = 2000;
const LINES_PER_FILE = 200;

export const analyzerWorkspaceCase: FeatureCase = {
  id: 'analyzer-workspace',
  label: `leak analyzer, workspace of ${FILES.toLocaleString('en-US')} files × ${LINES_PER_FILE} lines (read + analyse, one pass)`,
  feature: FEATURE,
  landedWith: LANDED,
  target: '< 15 s',
  async measure() {
    const { LeakAnalyzer } = await import('../../src/analysis/analyzer');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tcp-lens-bench-ws-'));
    try {
      const source = serverSource(LINES_PER_FILE);
      for (let i = 0; i < FILES; i++) writeFileSync(path.join(dir, `server${i}.js`), source);
      const analyzer = new LeakAnalyzer();
      await analyzer.analyze('', 'javascript'); // the grammar load is per session, not per scan
      const began = performance.now();
      for (let i = 0; i < FILES; i++) await analyzer.analyze(readFileSync(path.join(dir, `server${i}.js`), 'utf8'), 'javascript');
      const ms = performance.now() - began;
      return {
        value: `${(ms / 1000).toFixed(2)} s`,
        pass: ms < 15_000,
        note: 'sequential, in-process; the language server adds its own messaging',
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Hostile inputs for the language server (issue 13): one function that acquires thousands of
 * sockets and uses them later, so every finding's quick fix would span most of the file. Each
 * file goes through the real server (dist/server.js over stdio, a fresh process per file): the
 * time from didOpen to the diagnostics, the time to resolve the quick fix of the middle finding,
 * and the server's peak resident memory (VmHWM).
 */
export type HostileLanguage = 'python' | 'java' | 'go' | 'javascript' | 'c' | 'csharp';

const HOSTILE_SHAPES: Record<
  HostileLanguage,
  { ext: string; head: string[]; acquire: (i: number) => string[]; use: (i: number) => string; tail: string[] }
> = {
  python: {
    ext: 'py',
    head: ['import socket', '', 'def many(addr):'],
    acquire: (i) => [`    s${i} = socket.socket()`],
    use: (i) => `    s${i}.connect(addr)`,
    tail: [],
  },
  java: {
    ext: 'java',
    head: ['import java.net.Socket;', 'class Many {', '  void many(String h, int p) throws Exception {'],
    acquire: (i) => [`    Socket s${i} = new Socket(h, p);`],
    use: (i) => `    s${i}.getOutputStream().write(1);`,
    tail: ['  }', '}'],
  },
  go: {
    ext: 'go',
    head: ['package main', '', 'import "net"', '', 'func many(addr string) {'],
    acquire: (i) => [`\tc${i}, err${i} := net.Dial("tcp", addr)`, `\tif err${i} != nil {`, '\t\treturn', '\t}'],
    use: (i) => `\tc${i}.Write(nil)`,
    tail: ['}'],
  },
  javascript: {
    ext: 'js',
    head: ["const net = require('net');", 'function many(port) {'],
    acquire: (i) => [`  const s${i} = net.connect(port);`],
    use: (i) => `  s${i}.write('x');`,
    tail: ['}'],
  },
  c: {
    ext: 'c',
    head: ['#include <sys/socket.h>', 'void many(void) {'],
    acquire: (i) => [`  int s${i} = socket(AF_INET, SOCK_STREAM, 0);`],
    use: (i) => `  send(s${i}, "x", 1, 0);`,
    tail: ['}'],
  },
  csharp: {
    ext: 'cs',
    head: ['using System.Net.Sockets;', 'class Many {', '  void M(string h) {'],
    acquire: (i) => [`    var s${i} = new TcpClient(h, 80);`],
    use: (i) => `    s${i}.GetStream().WriteByte(1);`,
    tail: ['  }', '}'],
  },
};

/** A file of about `bytes` bytes: one function acquiring N sockets, then using each. */
export function hostileSource(
  language: HostileLanguage,
  bytes: number,
  sockets = socketsFor(language, bytes),
): { text: string; ext: string; sockets: number } {
  const shape = HOSTILE_SHAPES[language];
  const lines = [...shape.head];
  for (let i = 0; i < sockets; i++) lines.push(...shape.acquire(i));
  for (let i = 0; i < sockets; i++) lines.push(shape.use(i));
  lines.push(...shape.tail);
  return { text: `${lines.join('\n')}\n`, ext: shape.ext, sockets };
}

function socketsFor(language: HostileLanguage, bytes: number): number {
  const shape = HOSTILE_SHAPES[language];
  return Math.max(1, Math.floor(bytes / ([...shape.acquire(99_999), shape.use(99_999)].join('\n').length + 2)));
}

/** The cases (Python 240 KB with 5,000 sockets, Java 300 KB, Go 900 KB), then 2 MB in each language. */
export const HOSTILE_FILES: readonly { language: HostileLanguage; bytes: number; sockets?: number }[] = [
  { language: 'python', bytes: 240_000, sockets: 5000 },
  { language: 'java', bytes: 300_000 },
  { language: 'go', bytes: 900_000 },
  ...(['python', 'java', 'go', 'javascript', 'c', 'csharp'] as const).map((language) => ({ language, bytes: 2_000_000 })),
];

export interface HostileFigure {
  language: HostileLanguage;
  bytes: number;
  findings: number;
  /** didOpen to publishDiagnostics. */
  analysisMs: number;
  /** The server's CPU time (user + system, all threads) meanwhile: less sensitive to a loaded machine. */
  analysisCpuMs: number;
  /** The server's peak RSS once the diagnostics are out (before the fix is resolved). */
  analysisPeakMb: number;
  /** codeAction + codeAction/resolve of the middle finding's fix (undefined: no fix offered). */
  resolveMs?: number;
  edits?: number;
  peakRssMb: number;
}

/** One hostile file through a fresh dist/server.js. */
export async function measureHostileFile(language: HostileLanguage, bytes: number, sockets?: number): Promise<HostileFigure> {
  const { text, ext } = hostileSource(language, bytes, sockets);
  const server = await LspSession.start();
  try {
    // The server stays up file after file: a small file of the language first loads the grammar
    // and warms the JIT, as the editor's first files do.
    await server.open(`file:///tmp/tcp-lens-hostile/warm.${ext}`, language, hostileSource(language, 50_000).text);
    const uri = `file:///tmp/tcp-lens-hostile/many.${ext}`;
    const cpuBefore = server.cpuMs();
    const began = performance.now();
    const found = await server.open(uri, language, text);
    const analysisMs = performance.now() - began;
    const analysisCpuMs = server.cpuMs() - cpuBefore;
    const analysisPeakMb = server.peakRssMb();
    const middle = found[Math.floor(found.length / 2)];
    let resolveMs: number | undefined;
    let edits: number | undefined;
    if (middle) {
      const resolving = performance.now();
      const actions = await server.rpc.sendRequest<{ title: string }[]>('textDocument/codeAction', {
        textDocument: { uri },
        range: middle.range,
        context: { diagnostics: [] },
      });
      if (actions[0]) {
        const resolved = await server.rpc.sendRequest<{ edit?: { changes: Record<string, unknown[]> } }>('codeAction/resolve', actions[0]);
        resolveMs = performance.now() - resolving;
        edits = resolved.edit?.changes[uri]?.length;
      }
    }
    return {
      language,
      bytes: Buffer.byteLength(text),
      findings: found.length,
      analysisMs,
      analysisCpuMs,
      analysisPeakMb,
      ...(resolveMs !== undefined ? { resolveMs } : {}),
      ...(edits !== undefined ? { edits } : {}),
      peakRssMb: server.peakRssMb(),
    };
  } finally {
    server.stop();
  }
}

export const analyzerHostileCase: FeatureCase = {
  id: 'analyzer-hostile',
  label: 'language server on hostile files (thousands of sockets in one function, up to 2 MB): worst analysis time, peak RSS',
  feature: FEATURE,
  landedWith: 'src/server/server.ts',
  target: '< 2 s, < 500 MB',
  async measure() {
    const figures: HostileFigure[] = [];
    for (const f of HOSTILE_FILES) figures.push(await measureHostileFile(f.language, f.bytes, f.sockets));
    const worstMs = Math.max(...figures.map((f) => f.analysisMs));
    const worstMb = Math.max(...figures.map((f) => f.peakRssMb));
    return {
      value: `${(worstMs / 1000).toFixed(2)} s, ${worstMb.toFixed(0)} MB`,
      pass: worstMs < 2000 && worstMb < 500,
      note: figures.map(describeHostile).join('; '),
    };
  },
};

export function describeHostile(f: HostileFigure): string {
  const fix = f.resolveMs === undefined ? 'no fix' : `fix resolved in ${f.resolveMs.toFixed(0)} ms (${f.edits ?? 0} edits)`;
  return `${f.language} ${(f.bytes / 1024).toFixed(0)} KB: ${f.findings} findings in ${f.analysisMs.toFixed(0)} ms (CPU ${f.analysisCpuMs} ms), ${fix}, peak ${f.analysisPeakMb.toFixed(0)} MB after the analysis, ${f.peakRssMb.toFixed(0)} MB after the fix`;
}

// `node --import tsx bench/cases/analyzer.ts`: the hostile files alone, one line each.
if (require.main === module) {
  void (async () => {
    for (const f of HOSTILE_FILES) process.stdout.write(`${describeHostile(await measureHostileFile(f.language, f.bytes, f.sockets))}\n`);
  })();
}
