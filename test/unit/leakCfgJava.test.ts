import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightNode } from '../../src/analysis/languages/cFamilyTree';
import { javaGraph } from '../../src/analysis/languages/java';
import { flow, graphOf as braceGraph, reported as braceReported } from '../helpers/braceCfg';

/** Every `new Socket(…)`/`new ServerSocket(…)` and `x.accept()` acquires into the variable it initialises or is assigned to. */
const JAVA = {
  language: 'java' as const,
  acquiring: /^new (?:Server)?Socket\(|\.accept\(\)$/,
  targetOf: (call: LightNode) => {
    const p = call.parent;
    if (p?.type === 'variable_declarator') return p.children.find((c) => c.field === 'name');
    return p?.type === 'assignment_expression' ? p.children.find((c) => c.field === 'left') : undefined;
  },
  functionTypes: new Set(['method_declaration']),
  build: javaGraph,
};
const graphOf = (lines: string[]) => braceGraph(JAVA, lines);
const reported = (lines: string[]) => braceReported('java', ['class C {', ...lines, '}']);

describe('leak engine: the Java control-flow graph (src/analysis/cfg/java.ts)', () => {
  it('gives a call an exceptional edge to the catch, and runs a copy of finally on the normal, the exceptional and the return path', async () => {
    const edges = flow(
      await graphOf([
        'class C {',
        '  int f(String h) throws IOException {',
        '    Socket s = new Socket(h, 1);',
        '    try {',
        '      s.getOutputStream().write(1);',
        '      return 1;',
        '    } catch (IOException e) {',
        '      log.warn("failed");',
        '    } finally {',
        '      s.close();',
        '    }',
        '    return 0;',
        '  }',
        '}',
      ]),
    );
    assert.deepEqual(edges, [
      '!write -> <return@6>',
      // Through the catch (its logging throws nothing) into the finally's copy for the normal path.
      '!write ~> [release s]!close',
      '<return@12> -> exit',
      '<return@6> -> [release s]!close',
      '[acquire#0 s]!new Socket -> !write',
      '[acquire#0 s]!new Socket ~> exceptional-exit',
      // Copies of the finally: after the return, after the catch, and for what the catch does not handle (rethrown).
      '[release s]!close -> <return@12>',
      '[release s]!close -> exceptional-exit',
      '[release s]!close -> exit',
      '[release s]!close ~> exceptional-exit',
      'entry -> [acquire#0 s]!new Socket',
    ]);
  });

  it('drops the socket on the branch where `s != null && !s.isClosed()` is false, and not where another test joins it', async () => {
    const guarded = flow(
      await graphOf([
        'class C {',
        '  void f(String h) throws IOException {',
        '    Socket s = new Socket(h, 1);',
        '    if (s != null && !s.isClosed()) s.close();',
        '  }',
        '}',
      ]),
    );
    assert.ok(guarded.includes('[drop s] -> exit'), guarded.join('\n'));
    const mixed = flow(
      await graphOf([
        'class C {',
        '  void f(String h, boolean done) throws IOException {',
        '    Socket s = new Socket(h, 1);',
        '    if (!s.isClosed() && done) s.close();',
        '  }',
        '}',
      ]),
    );
    assert.ok(!mixed.some((e) => e.includes('[drop s]')), mixed.join('\n'));
  });

  it('leaves `while ((s = ss.accept()) != null)` holding nothing, and enters its body holding the socket', async () => {
    const edges = flow(
      await graphOf([
        'class C {',
        '  void f(ServerSocket ss) throws IOException {',
        '    Socket s;',
        '    while ((s = ss.accept()) != null) {',
        '      s.close();',
        '    }',
        '  }',
        '}',
      ]),
    );
    assert.ok(edges.includes('[acquire#0 s]!accept -> [drop s]'), edges.join('\n'));
    assert.ok(edges.includes('[drop s] -> exit'), edges.join('\n'));
    assert.ok(edges.includes('[acquire#0 s]!accept -> [release s]!close'), edges.join('\n'));
  });

  it('closes the resources of try-with-resources on every way out, and the loop of `while (true)` leaves only by break', async () => {
    const edges = flow(
      await graphOf([
        'class C {',
        '  void f(ServerSocket ss) throws IOException {',
        '    while (true) {',
        '      Socket c = ss.accept();',
        '      if (c == null) break;',
        '      try (OutputStream out = c.getOutputStream()) {',
        '        out.write(1);',
        '      }',
        '    }',
        '  }',
        '}',
      ]),
    );
    assert.ok(edges.includes('[acquire#0 c]!accept -> [drop c]'), edges.join('\n'));
    assert.ok(edges.includes('[drop c] -> exit'), 'break leaves the loop on the null branch');
    // The stream's resource closes the socket with it: released at the resource, the stream closed on every way out.
    assert.ok(edges.includes('[release c] -> !write'), edges.join('\n'));
    assert.ok(
      edges.includes('!write -> [release out]!close') && edges.includes('!write ~> [release out]!close'),
      'a throwing write still closes the resource',
    );
    assert.ok(edges.includes('[release out]!close -> [acquire#0 c]!accept'), 'back to the accept');
  });
});

describe("leak engine on Java methods: the issue's patterns", () => {
  it('carries a server socket assigned in if/else-if/else to the close after the join', async () => {
    assert.deepEqual(
      await reported([
        '  void bind(int kind, int port) throws IOException {',
        '    ServerSocket s;',
        '    if (kind == 1) s = new ServerSocket(port);',
        '    else if (kind == 2) s = new ServerSocket(port, 50);',
        '    else s = new ServerSocket(port, 50, null);',
        '    try {',
        '      s.setReuseAddress(true);',
        '    } finally {',
        '      s.close();',
        '    }',
        '  }',
      ]),
      [],
    );
  });

  it('says of a server socket left open that it keeps its port bound, of a client the CLOSE_WAIT risk', async () => {
    assert.deepEqual(
      await reported([
        '  int freePort() throws IOException { ServerSocket s = new ServerSocket(0); return s.getLocalPort(); }',
        '  void send(String h) throws IOException { Socket s = new Socket(h, 7); s.getOutputStream().write(1); }',
      ]),
      [
        '2: unclosed-socket: Socket opened here is never closed — it keeps its port bound',
        '3: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
      ],
    );
  });

  it('reports a socket stored in a field on one branch and dropped open on the other, and not one closed there', async () => {
    const storeIf = (otherwise: string) => [
      '  Socket current;',
      '  void keep(String h, boolean keep) throws IOException {',
      '    Socket s = new Socket(h, 80);',
      '    if (keep) current = s;',
      `    ${otherwise}`,
      '  }',
    ];
    assert.deepEqual(await reported(storeIf(';')), [
      '4: unclosed-socket: Socket opened here is not closed on every path — CLOSE_WAIT risk',
    ]);
    assert.deepEqual(await reported(storeIf('else s.close();')), []);
  });

  it('reports the second socket of a finally whose first close throws, and the first when the second constructor throws', async () => {
    assert.deepEqual(
      await reported([
        '  void pair(String h) throws IOException {',
        '    Socket a = new Socket(h, 1);',
        '    Socket b = new Socket(h, 2);',
        '    try {',
        '      a.getOutputStream().write(1);',
        '      b.getOutputStream().write(2);',
        '    } finally {',
        '      a.close();',
        '      b.close();',
        '    }',
        '  }',
      ]),
      [
        '3: unclosed-on-exception: Socket opened here is not closed when `new Socket` throws at line 4 — use try-with-resources or close it in finally',
        '4: unclosed-on-exception: Socket opened here is not closed when `close` throws at line 9 — use try-with-resources or close it in finally',
      ],
    );
  });

  it('reports a close inside a `while (true)` body that a throwing write skips, and not one in finally', async () => {
    assert.deepEqual(
      await reported([
        '  void serve(ServerSocket ss) throws IOException {',
        '    while (true) {',
        '      Socket c = ss.accept();',
        '      c.getOutputStream().write(1);',
        '      c.close();',
        '    }',
        '  }',
        '  void serveFinally(ServerSocket ss) throws IOException {',
        '    while (true) {',
        '      Socket c = ss.accept();',
        '      try {',
        '        c.getOutputStream().write(1);',
        '      } finally {',
        '        c.close();',
        '      }',
        '    }',
        '  }',
      ]),
      [
        '4: unclosed-on-exception: Socket opened here is not closed when `write` throws at line 5 — use try-with-resources or close it in finally',
      ],
    );
  });

  it('keeps the socket alive through a reader over its stream, and sees no descriptor in a `new Socket()` never connected or bound', async () => {
    assert.deepEqual(
      await reported([
        '  String firstLine(String h) throws IOException {',
        '    Socket s = new Socket(h, 1);',
        '    try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream()))) {',
        '      return in.readLine();',
        '    }',
        '  }',
        '  void options() throws IOException {',
        '    Socket s = new Socket();',
        '    s.setSoTimeout(10);',
        '  }',
        '  Socket open(InetSocketAddress a) throws IOException {',
        '    Socket s = new Socket();',
        '    s.connect(a, 1000);',
        '    return s;',
        '  }',
      ]),
      [],
    );
  });

  it("names the wrapping call that throws for the socket it was given (FtpClient's TLS data channel), and not the wrapper never made", async () => {
    assert.deepEqual(
      await reported([
        '  Socket data(InetSocketAddress dest, SSLSocketFactory f) throws IOException {',
        '    Socket s = new Socket(dest.getAddress(), dest.getPort());',
        '    try {',
        '      s = f.createSocket(s, dest.getHostName(), dest.getPort(), true);',
        '    } catch (Exception e) {',
        '      throw new IOException("Can\'t open secure data channel: " + e);',
        '    }',
        '    return s;',
        '  }',
      ]),
      [
        '3: unclosed-on-exception: Socket opened here is not closed when `createSocket` throws at line 5 — use try-with-resources or close it in finally',
      ],
    );
  });

  it('acquires an unconnected socket where it is connected or bound: nothing leaks before, a failing bind leaks it', async () => {
    assert.deepEqual(
      await reported([
        '  Socket dial(SocketFactory f, String h, int p) throws IOException {',
        '    Socket s = f.createSocket();',
        '    InetSocketAddress a = lookup(h, p);',
        '    s.connect(a, 1000);',
        '    return s;',
        '  }',
        '  Socket from(InetSocketAddress local, InetSocketAddress remote) throws IOException {',
        '    Socket s = new Socket();',
        '    s.bind(local);',
        '    s.connect(remote);',
        '    return s;',
        '  }',
      ]),
      [
        '9: unclosed-on-exception: Socket opened here is not closed when `bind` throws at line 10 — use try-with-resources or close it in finally',
      ],
    );
  });

  it("gives no exceptional edge to a call of the file's own method or constructor whose body cannot throw, and keeps it for one whose body may", async () => {
    assert.deepEqual(
      await reported([
        '  static final Map<Integer, Integer> ports = new HashMap<>();',
        '  int port;',
        '  C(int port) { this.port = port; }',
        '  static void remember(int port) {',
        '    C key = new C(port);',
        '    ports.put(port, key.port);',
        '    Transport.tcpLog.log(Log.BRIEF, "port " + port);',
        '  }',
        '  static void check(int port) throws IOException {',
        '    if (port == 0) throw new IOException("no port");',
        '  }',
        '  ServerSocket listen(ServerSocketFactory f, int p) throws IOException {',
        '    ServerSocket s = f.createServerSocket(p);',
        '    remember(s.getLocalPort());',
        '    C.remember(p);',
        '    return s;',
        '  }',
        '  ServerSocket strict(ServerSocketFactory f, int p) throws IOException {',
        '    ServerSocket s = f.createServerSocket(p);',
        '    check(s.getLocalPort());',
        '    return s;',
        '  }',
      ]),
      [
        '20: unclosed-on-exception: Socket opened here is not closed when `check` throws at line 21 — use try-with-resources or close it in finally',
      ],
    );
  });

  it('sees no new descriptor in TLS layered over a field or a parameter, and one that takes over a local socket', async () => {
    assert.deepEqual(
      await reported([
        '  Socket plain;',
        '  void upgrade(SSLSocketFactory f, String h, int p) throws IOException {',
        '    SSLSocket s = (SSLSocket) f.createSocket(plain, h, p, true);',
        '    s.startHandshake();',
        '    plain = s;',
        '  }',
        '  Socket wrap(SSLSocketFactory f, Socket raw, String h, int p) throws IOException {',
        '    SSLSocket s = (SSLSocket) f.createSocket(raw, h, p, true);',
        '    s.startHandshake();',
        '    return s;',
        '  }',
        '  Socket open(SSLSocketFactory f, String h, int p) throws IOException {',
        '    Socket raw = new Socket(h, p);',
        '    SSLSocket s = (SSLSocket) f.createSocket(raw, h, p, true);',
        '    s.startHandshake();',
        '    return s;',
        '  }',
      ]),
      [
        '14: unclosed-on-exception: Socket opened here is not closed when `createSocket` throws at line 15 — use try-with-resources or close it in finally',
        '15: unclosed-on-exception: Socket opened here is not closed when `startHandshake` throws at line 16 — use try-with-resources or close it in finally',
      ],
    );
  });

  it('follows a varargs close-everything helper of the class: each argument is an element its loop closes', async () => {
    assert.deepEqual(
      await reported([
        '  static void closeAll(java.io.Closeable... cs) { for (java.io.Closeable c : cs) { try { c.close(); } catch (java.io.IOException e) { } } }',
        '  static void logAll(Object... os) { for (Object o : os) System.out.println(o); }',
        '  void f(String h) throws java.io.IOException {',
        '    java.net.Socket a = null, b = null;',
        '    try { a = new java.net.Socket(h, 1); b = new java.net.Socket(h, 2); } finally { closeAll(a, b); }',
        '  }',
        '  void g(String h) throws java.io.IOException {',
        '    java.net.Socket a = new java.net.Socket(h, 1);',
        '    logAll(h, a);',
        '  }',
      ]),
      ['9: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk'],
    );
  });

  it('follows a socket made inside an expression: a reader over its stream holds it, an accessor of it loses it', async () => {
    const found = await reported([
      '  String a(String h) throws java.io.IOException {',
      '    java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(new java.net.Socket(h, 1).getInputStream()));',
      '    try { return r.readLine(); } finally { r.close(); }',
      '  }',
      '  String b(String h) throws java.io.IOException {',
      '    java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(new java.net.Socket(h, 1).getInputStream()));',
      '    return r.readLine();',
      '  }',
      '  int c() throws java.io.IOException { return new java.net.ServerSocket(0).getLocalPort(); }',
    ]);
    // The findings come in no particular order.
    assert.deepEqual(found.sort(), [
      '10: unclosed-socket: Socket opened here is never closed — it keeps its port bound',
      '7: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
    ]);
  });
});
