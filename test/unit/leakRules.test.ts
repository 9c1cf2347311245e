import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LeakAnalyzer, languageOfPath } from '../../src/analysis/analyzer';
import { cRules } from '../../src/analysis/languages/c';
import { csharpRules } from '../../src/analysis/languages/csharp';
import { goRules } from '../../src/analysis/languages/go';
import { javaRules } from '../../src/analysis/languages/java';
import type { LeakFinding, LeakLanguage, TextEdit } from '../../src/analysis/types';

const analyzer = new LeakAnalyzer(undefined, [goRules, javaRules, cRules, csharpRules]);
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'leaks');

async function findings(source: string, language: LeakLanguage): Promise<LeakFinding[]> {
  return (await analyzer.analyze(source, language, 'all')).findings;
}

/** Applies edits (given in 0-based positions) to a text, last first so earlier positions stay valid. */
function applyEdits(source: string, edits: readonly TextEdit[]): string {
  const lines = source.split('\n');
  const offset = (p: { line: number; column: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.column;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = source;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

/** `line:rule` for every `expect:` marker in a fixture file (1-based lines). */
function expectedIn(source: string): Set<string> {
  const out = new Set<string>();
  source.split('\n').forEach((text, i) => {
    const m = /expect: (unclosed-socket|unclosed-on-exception|close-wait-risk)/.exec(text);
    if (m) out.add(`${i + 1}:${m[1]}`);
  });
  return out;
}

// Until the shared corpus evaluation covers every directory, score these languages' corpora here.
describe('labelled corpora of the brace languages', () => {
  for (const dir of ['go', 'java', 'c', 'cpp', 'csharp']) {
    it(`${dir}: precision >= 0.95 and recall >= 0.90 over at least 25 cases`, async () => {
      const folder = path.join(FIXTURES, dir);
      let truePositives = 0;
      let reported = 0;
      let expectedTotal = 0;
      let cases = 0;
      const misses: string[] = [];
      for (const file of fs.readdirSync(folder).sort()) {
        const source = fs.readFileSync(path.join(folder, file), 'utf8');
        const language = languageOfPath(file);
        assert.ok(language, `no language for ${file}`);
        const expected = expectedIn(source);
        // Each case is a function introduced by a `Correct:` or `Leak:` comment.
        cases += source.split('\n').filter((line) => /^\s*(\/\/|\/\*) (Correct|Leak):/.test(line)).length;
        const got = new Set((await findings(source, language)).map((f) => `${f.range.start.line + 1}:${f.rule}`));
        expectedTotal += expected.size;
        reported += got.size;
        for (const g of got) {
          if (expected.has(g)) truePositives++;
          else misses.push(`false alarm ${file}:${g}`);
        }
        for (const e of expected) if (!got.has(e)) misses.push(`missed ${file}:${e}`);
      }
      const precision = reported === 0 ? 1 : truePositives / reported;
      const recall = expectedTotal === 0 ? 1 : truePositives / expectedTotal;
      assert.ok(cases >= 25, `${dir}: ${cases} cases`);
      assert.ok(expectedTotal >= 8 && expectedTotal < cases, `${dir}: ${expectedTotal} labelled leaks in ${cases} cases`);
      assert.ok(precision >= 0.95, `${dir}: precision ${precision.toFixed(3)}\n${misses.join('\n')}`);
      assert.ok(recall >= 0.9, `${dir}: recall ${recall.toFixed(3)}\n${misses.join('\n')}`);
    });
  }
});

/** A Go accept loop that gives each connection to `handler` on a goroutine (lines 1-9 after the package line). */
function acceptLoopHandingTo(handler: string): string[] {
  return [
    'func serve(ln net.Listener) {',
    '\tfor {',
    '\t\tc, err := ln.Accept()',
    '\t\tif err != nil {',
    '\t\t\treturn',
    '\t\t}',
    `\t\tgo ${handler}(c)`,
    '\t}',
    '}',
  ];
}

describe('Go rules', () => {
  it('offers defer c.Close() right after the error check, and the result has no finding', async () => {
    const source = [
      'package p',
      'func send(addr string) error {',
      '\tconn, err := net.Dial("tcp", addr)',
      '\tif err != nil {',
      '\t\treturn err',
      '\t}',
      '\t_, err = conn.Write([]byte("hi"))',
      '\treturn err',
      '}',
    ].join('\n');
    const [f] = await findings(source, 'go');
    assert.equal(f?.rule, 'unclosed-socket');
    assert.equal(f.binding, 'conn');
    assert.equal(f.message, 'Socket opened here is never closed — CLOSE_WAIT risk');
    assert.ok(f.fix, 'a quick fix is offered');
    const fixed = applyEdits(source, f.fix.edits);
    assert.match(fixed, /\t\treturn err\n\t}\n\tdefer conn\.Close\(\)\n\t_, err = conn\.Write/);
    assert.deepEqual(await findings(fixed, 'go'), []);
  });

  it('offers defer resp.Body.Close() for an HTTP response', async () => {
    const source =
      'package p\nfunc get(u string) {\n\tresp, err := http.Get(u)\n\tif err != nil {\n\t\treturn\n\t}\n\tprintln(resp.Status)\n}\n';
    const [f] = await findings(source, 'go');
    assert.deepEqual(
      f?.fix?.edits.map((e) => e.newText),
      ['\n\tdefer resp.Body.Close()'],
    );
  });

  it('offers no defer inside a loop, where it would only run at function exit', async () => {
    const source =
      'package p\nfunc scan(addrs []string) {\n\tfor _, a := range addrs {\n\t\tc, err := net.Dial("tcp", a)\n\t\tif err != nil {\n\t\t\tcontinue\n\t\t}\n\t\tprintln(c.RemoteAddr())\n\t}\n}\n';
    const [f] = await findings(source, 'go');
    assert.equal(f?.rule, 'unclosed-socket');
    assert.equal(f.fix, undefined);
  });

  it('counts a close inside a deferred closure and a channel send as handled', async () => {
    const closed = 'package p\nfunc a() {\n\tc, _ := net.Dial("tcp", "x")\n\tdefer func() { _ = c.Close() }()\n}\n';
    const sent = 'package p\nfunc b(ch chan net.Conn) {\n\tc, _ := net.Dial("tcp", "x")\n\tch <- c\n}\n';
    assert.deepEqual(await findings(closed, 'go'), []);
    assert.deepEqual(await findings(sent, 'go'), []);
  });

  it('points the CLOSE_WAIT risk of an accept loop at the end of the handler that reads to EOF', async () => {
    const source = ['package p', ...acceptLoopHandingTo('echo'), 'func echo(c net.Conn) {', '\tio.Copy(c, c)', '}'].join('\n');
    const [f] = await findings(source, 'go');
    assert.equal(f?.rule, 'close-wait-risk');
    assert.equal(f.range.start.line, 3);
    assert.deepEqual(f.fixAt?.start, { line: 12, column: 1 });
    const closing = source.replace('\tio.Copy(c, c)', '\tdefer c.Close()\n\tio.Copy(c, c)');
    assert.deepEqual(await findings(closing, 'go'), []);
  });

  it('copies a handler body on demand, also after non-ASCII text', async () => {
    const source = [
      'package p',
      '// Grüße 😀: the handler below mentions no acquisition, so its body is copied only when asked for.',
      ...acceptLoopHandingTo('handle'),
      '// Ünïcödé 😀 again.',
      'func handle(c net.Conn) {',
      '\tbuf := make([]byte, 512)',
      '\tfor {',
      '\t\tif _, err := c.Read(buf); err == io.EOF {',
      '\t\t\treturn',
      '\t\t}',
      '\t}',
      '}',
    ].join('\n');
    const [f] = await findings(source, 'go');
    assert.equal(f?.rule, 'close-wait-risk');
    assert.deepEqual(f.fixAt?.start, { line: 19, column: 1 });
    const closing = source.replace('\tbuf := make', '\tdefer c.Close()\n\tbuf := make');
    assert.deepEqual(await findings(closing, 'go'), []);
  });

  it('tells an HTTP client call from a cache Get by its arguments, and analyses around a syntax error', async () => {
    const source =
      'package p\nfunc f(rdb *redis.Client) {\n\tv := rdb.Get(ctx, "k")\n\tresp, _ := httpClient.Get(u)\n\tprintln(v, resp.Status\n}\n';
    const result = await analyzer.analyze(source, 'go');
    assert.deepEqual(
      result.findings.map((f) => [f.range.start.line, f.binding]),
      [[3, 'resp']],
    );
    assert.equal(result.notes.length, 1);
  });
});

describe('Java rules', () => {
  it('wraps the declaration and the rest of its block in try-with-resources', async () => {
    const source = [
      'class C {',
      '    String ask(String host) throws IOException {',
      '        Socket s = new Socket(host, 7);',
      '        s.getOutputStream().write(1);',
      '        return new BufferedReader(new InputStreamReader(s.getInputStream())).readLine();',
      '    }',
      '}',
    ].join('\n');
    const [f] = await findings(source, 'java');
    assert.equal(f?.rule, 'unclosed-socket');
    assert.equal(f.range.start.line, 2);
    assert.ok(f.fix);
    const fixed = applyEdits(source, f.fix.edits);
    assert.equal(
      fixed.split('\n').slice(2, 7).join('\n'),
      [
        '        try (Socket s = new Socket(host, 7)) {',
        '            s.getOutputStream().write(1);',
        '            return new BufferedReader(new InputStreamReader(s.getInputStream())).readLine();',
        '        }',
        '    }',
      ].join('\n'),
    );
    assert.deepEqual(await findings(fixed, 'java'), []);
  });

  it('offers no try-with-resources when a task may still use the socket after the block', async () => {
    const source =
      'class C {\n  void serve(ServerSocket ss, Executor ex) throws IOException {\n    Socket c = ss.accept();\n    ex.execute(() -> log(c));\n  }\n  void log(Socket s) { System.out.println(s.getPort()); }\n}\n';
    const [f] = await findings(source, 'java');
    assert.equal(f?.rule, 'unclosed-socket');
    assert.equal(f.fix, undefined);
  });

  it('reports the CLOSE_WAIT risk of an accepted socket read until -1 by a handler in the file', async () => {
    const source = [
      'class C {',
      '  void loop(ServerSocket ss) throws IOException {',
      '    while (true) {',
      '      Socket c = ss.accept();',
      '      new Thread(() -> drain(c)).start();',
      '    }',
      '  }',
      '  void drain(Socket s) {',
      '    try { InputStream in = s.getInputStream(); while (in.read() != -1) { } } catch (IOException e) { }',
      '  }',
      '}',
    ].join('\n');
    const [f] = await findings(source, 'java');
    assert.equal(f?.rule, 'close-wait-risk');
    assert.equal(f.range.start.line, 3);
    // The same handler closing its socket clears it.
    const closing = source.replace('while (in.read() != -1) { }', 'while (in.read() != -1) { } s.close();');
    assert.deepEqual(await findings(closing, 'java'), []);
  });

  it('tells unconnected sockets from connected ones by their whole-word uses, many in one function', async () => {
    const sockets = 3000;
    const lines = ['class C {', '  void many(SocketAddress addr) throws IOException {'];
    for (let i = 0; i < sockets; i++) lines.push(`    Socket s${i} = new Socket();`);
    // Even sockets are connected; odd ones are only configured, or named inside a longer word.
    for (let i = 0; i < sockets; i++) lines.push(i % 2 === 0 ? `    s${i}.connect(addr);` : `    s${i} . setSoTimeout (1); s${i}x = 0;`);
    lines.push('  }', '}');
    const found = await findings(lines.join('\n'), 'java');
    assert.deepEqual(
      found.map((f) => f.binding),
      Array.from({ length: sockets / 2 }, (_, k) => `s${2 * k}`),
    );
  });
});

describe('C and C++ rules', () => {
  it('does not count the fd == -1 error path, and flags a close that runs only on failure', async () => {
    const clean =
      'int f(void) {\n  int fd = socket(AF_INET, SOCK_STREAM, 0);\n  if (fd == -1) return -1;\n  write(fd, "x", 1);\n  close(fd);\n  return 0;\n}\n';
    assert.deepEqual(await findings(clean, 'c'), []);
    const leaky =
      'int f(void) {\n  int fd = socket(AF_INET, SOCK_STREAM, 0);\n  if (fd < 0) return -1;\n  if (connect(fd, 0, 0) < 0) { close(fd); return -1; }\n  return 0;\n}\n';
    const [f] = await findings(leaky, 'c');
    assert.equal(f?.rule, 'unclosed-socket');
    assert.equal(f.range.start.line, 1);
    assert.equal(f.message, 'Socket opened here is closed only on the error path — CLOSE_WAIT risk when it succeeds');
  });

  it('treats an owning C++ object, a deleter or a scope guard as closing', async () => {
    const owners = [
      'void f() { int fd = ::socket(AF_INET, SOCK_STREAM, 0); UniqueFd guard(fd); }',
      'void f() { UniqueFd fd{::socket(AF_INET, SOCK_STREAM, 0)}; }',
      'void f() { int fd = ::socket(AF_INET, SOCK_STREAM, 0); auto d = [](int *p) { ::close(*p); }; std::unique_ptr<int, decltype(d)> h(&fd, d); }',
      'void f() { int fd = ::socket(AF_INET, SOCK_STREAM, 0); auto g = finally([&] { ::close(fd); }); }',
    ];
    for (const source of owners) assert.deepEqual(await findings(source, 'cpp'), [], source);
    assert.equal((await findings('void f() { int fd = ::socket(AF_INET, SOCK_STREAM, 0); ::shutdown(fd, SHUT_RDWR); }', 'cpp')).length, 1);
  });
});

describe('C# rules', () => {
  it('offers a using declaration, and the result has no finding', async () => {
    const source =
      'class C {\n    static void Send(string h) {\n        var client = new TcpClient(h, 80);\n        client.GetStream().WriteByte(1);\n    }\n}\n';
    const [f] = await findings(source, 'csharp');
    assert.equal(f?.rule, 'unclosed-socket');
    assert.ok(f.fix);
    const fixed = applyEdits(source, f.fix.edits);
    assert.match(fixed, /\n {8}using var client = new TcpClient\(h, 80\);\n/);
    assert.deepEqual(await findings(fixed, 'csharp'), []);
  });

  it('counts using statements, Stop() on a listener and a disposed stream of the client as closing', async () => {
    const sources = [
      'class C { void F() { using (var s = new Socket(SocketType.Stream, ProtocolType.Tcp)) { s.Connect(ep); } } }',
      'class C { void F() { var l = new TcpListener(IPAddress.Any, 0); l.Start(); l.Stop(); } }',
      'class C { async Task F(TcpListener l) { var c = await l.AcceptTcpClientAsync(); await using var st = c.GetStream(); } }',
    ];
    for (const source of sources) assert.deepEqual(await findings(source, 'csharp'), [], source);
  });
});

describe('early exits before the close', () => {
  it('names the early return that skips the close and points at it', async () => {
    const source = [
      'package p',
      'func hello(addr string, msg []byte) error {',
      '\tconn, err := net.Dial("tcp", addr)',
      '\tif err != nil {',
      '\t\treturn err',
      '\t}',
      '\tif _, err := conn.Write(msg); err != nil {',
      '\t\treturn err',
      '\t}',
      '\treturn conn.Close()',
      '}',
    ].join('\n');
    const [f] = await findings(source, 'go');
    assert.equal(f?.range.start.line, 2);
    assert.equal(f.message, 'Socket opened here is not closed on the early return at line 8 — CLOSE_WAIT risk');
    assert.deepEqual(f.fixAt?.start, { line: 7, column: 2 });
    const fixed = source.replace(
      '\t\treturn err\n\t}\n\treturn conn.Close()',
      '\t\tconn.Close()\n\t\treturn err\n\t}\n\treturn conn.Close()',
    );
    assert.deepEqual(await findings(fixed, 'go'), []);
  });

  it('leaves alone the acquisition check, loop-local breaks, closes in finally, and branches that close first', async () => {
    const clean: [string, LeakLanguage][] = [
      [
        'int f(void) { int fd = socket(AF_INET, SOCK_STREAM, 0); int one = 1; if (fd < 0) return -1; write(fd, "x", 1); close(fd); return 0; }',
        'c',
      ],
      [
        'int f(int n) { int fd = socket(AF_INET, SOCK_STREAM, 0); for (int i = 0; i < n; i++) { if (write(fd, "x", 1) < 0) break; } close(fd); return 0; }',
        'c',
      ],
      [
        'class C { void f(boolean x) throws Exception { Socket s = new Socket("h", 1); try { if (x) return; s.getOutputStream().write(1); } finally { s.close(); } } }',
        'java',
      ],
      ['class C { void F(bool x) { var c = new TcpClient("h", 1); if (x) { c.Close(); return; } c.Close(); } }', 'csharp'],
    ];
    for (const [source, language] of clean) assert.deepEqual(await findings(source, language), [], source);
    const [leak] = await findings(
      'class C { void f(boolean x) throws Exception { Socket s = new Socket("h", 1); if (x) return; s.close(); } }',
      'java',
    );
    assert.match(leak?.message ?? '', /early return at line 1/);
  });
});

describe('cleanups, keys and stream wrappers', () => {
  it('C: a failing later call is an early exit, a goto to the cleanup label is not', async () => {
    const leaky =
      'int f(void) {\n  int fd = socket(AF_INET, SOCK_STREAM, 0);\n  if (fd < 0) return -1;\n  if (connect(fd, 0, 0) < 0) {\n    perror("connect");\n    return -1;\n  }\n  close(fd);\n  return 0;\n}\n';
    const [f] = await findings(leaky, 'c');
    assert.equal(f?.message, 'Socket opened here is not closed on the early return at line 6 — CLOSE_WAIT risk');
    const cleanup =
      'int f(void) {\n  int rc = -1;\n  int fd = socket(AF_INET, SOCK_STREAM, 0);\n  if (fd < 0) return -1;\n  if (connect(fd, 0, 0) < 0) goto out;\n  rc = 0;\nout:\n  close(fd);\n  return rc;\n}\n';
    assert.deepEqual(await findings(cleanup, 'c'), []);
  });

  it('C++: a descriptor used as the key of a table it is stored in is handed on', async () => {
    const source =
      'void S::on_accept(int lfd) { int fd = ::accept(lfd, nullptr, nullptr); if (fd < 0) return; buffers_[fd] = std::string(); }';
    assert.deepEqual(await findings(source, 'cpp'), []);
  });

  it('C# and Java: a reader or writer over the socket stream is the socket under another name', async () => {
    const cs = (using: string) =>
      `class C { static void F(string h) { var client = new TcpClient(h, 43); var stream = client.GetStream(); ${using}var w = new StreamWriter(stream); w.Write("x"); } }`;
    assert.equal((await findings(cs(''), 'csharp')).length, 1);
    assert.deepEqual(await findings(cs('using '), 'csharp'), []);
    const java = (close: string) =>
      `class C { void f(String h) throws Exception { Socket s = new Socket(h, 1); OutputStream out = s.getOutputStream(); PrintWriter w = new PrintWriter(out); w.print(1); ${close} } }`;
    assert.equal((await findings(java(''), 'java')).length, 1);
    assert.deepEqual(await findings(java('w.close();'), 'java'), []);
  });
});
