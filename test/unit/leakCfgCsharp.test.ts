import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightNode } from '../../src/analysis/languages/cFamilyTree';
import { csharpGraph } from '../../src/analysis/languages/csharp';
import { flow, graphOf as braceGraph, reported } from '../helpers/braceCfg';

/** Every `new TcpClient(…)`/`new Socket(…)` acquires into the variable it initialises or is assigned to. */
const CSHARP = {
  language: 'csharp' as const,
  acquiring: /^new (?:TcpClient|Socket)\(/,
  targetOf: (call: LightNode) => {
    const p = call.parent;
    if (p?.type === 'variable_declarator') return p.children.find((c) => c.field === 'name');
    return p?.type === 'assignment_expression' ? p.children.find((c) => c.field === 'left') : undefined;
  },
  functionTypes: new Set(['method_declaration']),
  build: csharpGraph,
};
const graphOf = (lines: string[]) => braceGraph(CSHARP, lines);
const reportedIn = (lines: string[]) => reported('csharp', ['using System.Net.Sockets;', 'class C {', ...lines, '}']);

describe('leak engine: the C# control-flow graph (src/analysis/cfg/csharp.ts)', () => {
  it('gives calls and awaits an exceptional edge to the catch, and runs a copy of finally on every way out', async () => {
    const edges = flow(
      await graphOf([
        'class C {',
        '  async Task<int> F(string h) {',
        '    var c = new TcpClient();',
        '    try {',
        '      await c.ConnectAsync(h, 1);',
        '      return 1;',
        '    } catch (SocketException) {',
        '      Console.WriteLine("failed");',
        '    } finally {',
        '      c.Dispose();',
        '    }',
        '    return 0;',
        '  }',
        '}',
      ]),
    );
    assert.deepEqual(edges, [
      '<return@12> -> exit',
      '<return@6> -> [release c]',
      '[acquire#0 c]!new TcpClient -> [connect c]!ConnectAsync',
      '[acquire#0 c]!new TcpClient ~> exceptional-exit',
      '[connect c]!ConnectAsync -> <return@6>',
      '[connect c]!ConnectAsync ~> [release c]',
      '[release c] -> <return@12>',
      '[release c] -> exceptional-exit',
      '[release c] -> exit',
      'entry -> [acquire#0 c]!new TcpClient',
    ]);
  });

  it('releases at a using statement, before its body runs, and sends goto to its label', async () => {
    const edges = flow(
      await graphOf([
        'class C {',
        '  void F(string h) {',
        '    var c = new TcpClient();',
        '    if (h == null) goto done;',
        '    using (c) { c.Connect(h, 1); }',
        '    done:',
        '    return;',
        '  }',
        '}',
      ]),
    );
    assert.ok(edges.includes('[acquire#0 c]!new TcpClient -> [release c]'), edges.join('\n'));
    assert.ok(edges.includes('[release c] -> [connect c]!Connect'), edges.join('\n'));
    assert.ok(edges.includes('[acquire#0 c]!new TcpClient -> <return@7>'), edges.join('\n'));
  });
});

describe("leak engine on C# methods: the issue's patterns", () => {
  it('names the call whose exception skips the Dispose, and accepts using and finally', async () => {
    assert.deepEqual(
      await reportedIn([
        '  void A(string h) { var c = new TcpClient(); c.Connect(h, 1); c.Dispose(); }',
        '  void B(string h) { var c = new TcpClient(); using (c) { c.Connect(h, 1); } }',
        '  void D(string h) { var c = new TcpClient(); try { c.Connect(h, 1); } finally { c.Dispose(); } }',
        '  void E(string h) { using var c = new TcpClient(); c.Connect(h, 1); }',
      ]),
      ['3: unclosed-on-exception: Socket opened here is not closed when `Connect` throws at line 3 — use `using` or dispose it in finally'],
    );
  });

  it('says of a listener left open that it keeps its port bound', async () => {
    assert.deepEqual(
      await reportedIn([
        '  int FreePort() {',
        '    var l = new TcpListener(System.Net.IPAddress.Loopback, 0);',
        '    l.Start();',
        '    return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;',
        '  }',
      ]),
      ['4: unclosed-socket: Socket opened here is never closed — it keeps its port bound'],
    );
  });

  it('reports a client stored in a field on one branch and dropped open on the other, and not one disposed there', async () => {
    const storeIf = (otherwise: string) => [
      '  TcpClient current;',
      '  void Keep(string h, bool keep) {',
      '    var c = new TcpClient(h, 80);',
      '    if (keep) current = c;',
      `    ${otherwise}`,
      '  }',
    ];
    assert.deepEqual(await reportedIn(storeIf(';')), [
      '5: unclosed-socket: Socket opened here is not closed on every path — CLOSE_WAIT risk',
    ]);
    assert.deepEqual(await reportedIn(storeIf('else c.Dispose();')), []);
  });

  it('carries a socket made in either branch to the using after the join', async () => {
    assert.deepEqual(
      await reportedIn([
        '  void F(bool v6) {',
        '    Socket s;',
        '    if (v6) s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);',
        '    else s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);',
        '    using (s) { s.Listen(1); }',
        '  }',
      ]),
      [],
    );
  });

  it('takes `#if`/`#elif`/`#else` branches as alternatives: the same variable made in each is one socket, still leaked on a path that skips the hand-off', async () => {
    assert.deepEqual(
      await reportedIn([
        '  void F(IPEndPoint ep) {',
        '#if NET8_0',
        '    var s = new Socket(SocketType.Stream, ProtocolType.Tcp);',
        '#elif NET6_0',
        '    var s = new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp);',
        '#else',
        '    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);',
        '#endif',
        '    using (s) { s.Connect(ep); }',
        '  }',
        '  void G(IPEndPoint ep, bool quiet) {',
        '#if NET8_0',
        '    var s = new Socket(SocketType.Stream, ProtocolType.Tcp);',
        '#else',
        '    var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);',
        '#endif',
        '    if (quiet) return;',
        '    using (s) { s.Connect(ep); }',
        '  }',
      ]),
      [
        '15: unclosed-socket: Socket opened here is not closed on the early return at line 19 — CLOSE_WAIT risk',
        '17: unclosed-socket: Socket opened here is not closed on the early return at line 19 — CLOSE_WAIT risk',
      ],
    );
  });

  it("reads a Dispose through a cast as the client's own: `((IDisposable)c).Dispose()`, `(c as IDisposable)?.Dispose()`", async () => {
    assert.deepEqual(
      await reportedIn([
        '  void A(string h) { var c = new TcpClient(h, 1); try { c.GetStream().WriteByte(1); } finally { ((IDisposable)c).Dispose(); } }',
        '  void B(string h) { var c = new TcpClient(h, 1); try { c.GetStream().WriteByte(1); } finally { (c as IDisposable)?.Dispose(); } }',
        '  void C(string h) { var c = new TcpClient(h, 1); c.GetStream().WriteByte(1); (c as IDisposable)?.Dispose(); }',
      ]),
      [
        '5: unclosed-on-exception: Socket opened here is not closed when `WriteByte` throws at line 5 — use `using` or dispose it in finally',
      ],
    );
  });

  it('follows a `params` dispose-everything helper of the class: each argument is an element its foreach disposes', async () => {
    assert.deepEqual(
      await reportedIn([
        '  static void DisposeAll(params System.IDisposable[] items) { foreach (var i in items) i?.Dispose(); }',
        '  static int CountAll(params object[] items) { var n = 0; foreach (var i in items) n++; return n; }',
        '  void F(string h) { TcpClient a = null, b = null; try { a = new TcpClient(h, 1); b = new TcpClient(h, 2); } finally { DisposeAll(a, b); } }',
        '  void G(string h) { var a = new TcpClient(h, 1); CountAll(h, a); }',
      ]),
      ['6: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk'],
    );
  });

  it('follows a client made inside an expression: a reader over its stream holds it, an endpoint read off it loses it', async () => {
    const found = await reportedIn([
      '  string A(string h) { using var r = new System.IO.StreamReader(new TcpClient(h, 1).GetStream()); return r.ReadLine(); }',
      '  string B(string h) { var r = new System.IO.StreamReader(new TcpClient(h, 1).GetStream()); return r.ReadLine(); }',
      '  object C() { return new TcpListener(System.Net.IPAddress.Loopback, 0).LocalEndpoint; }',
    ]);
    // The findings come in no particular order.
    assert.deepEqual(found.sort(), [
      '4: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
      '5: unclosed-socket: Socket opened here is never closed — it keeps its port bound',
    ]);
  });

  it("counts returning a TcpClient's socket or stream as handing the connection on, and only that", async () => {
    assert.deepEqual(
      await reportedIn([
        '  Socket A(string h) { var c = new TcpClient(h, 1); return c.Client; }',
        '  Stream B(string h) { var c = new TcpClient(h, 1); return c.GetStream(); }',
        '  void D(string h) { var c = new TcpClient(h, 1); c.Client.Dispose(); }',
        '  int E(string h) { var c = new TcpClient(h, 1); return c.Client.Available; }',
      ]),
      ['6: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk'],
    );
  });

  it('holds nothing on the not-connected side of `s.Connected` when every path that keeps the socket connected it, and still reports one that did not', async () => {
    assert.deepEqual(
      await reportedIn([
        '  Socket kept;',
        '  bool A(EndPoint ep) {',
        '    var s = new Socket(SocketType.Stream, ProtocolType.Tcp);',
        '    try { s.Connect(ep); } catch (SocketException) { s.Dispose(); }',
        '    if (s.Connected) { kept = s; return true; }',
        '    return false;',
        '  }',
        '  bool B(EndPoint ep) {',
        '    var s = new Socket(SocketType.Stream, ProtocolType.Tcp);',
        '    try { s.Connect(ep); } catch (SocketException) { }',
        '    if (!s.Connected) return false;',
        '    kept = s;',
        '    return true;',
        '  }',
        '  bool D(EndPoint ep, byte[] hello) {',
        '    var s = new Socket(SocketType.Stream, ProtocolType.Tcp);',
        '    try { s.Connect(ep); s.Send(hello); } catch (SocketException) { }',
        '    if (!s.Connected) return false;',
        '    kept = s;',
        '    return true;',
        '  }',
      ]),
      [
        '11: unclosed-socket: Socket opened here is not closed on the early return at line 13 — CLOSE_WAIT risk',
        '18: unclosed-socket: Socket opened here is not closed on the early return at line 20 — CLOSE_WAIT risk',
      ],
    );
  });

  it("gives no exceptional edge to a call of the class's own method whose body cannot throw, and keeps it for one that throws", async () => {
    assert.deepEqual(
      await reportedIn([
        '  int count;',
        '  void Note(int port) { count++; _logger.LogDebug("port {P}", port); }',
        '  void Check(int port) { if (port == 0) throw new ArgumentException("port"); }',
        '  TcpListener A(int p) { var l = new TcpListener(IPAddress.Any, p); Note(p); this.Note(p); return l; }',
        '  TcpListener B(int p) { var l = new TcpListener(IPAddress.Any, p); Check(p); return l; }',
      ]),
      ['7: unclosed-on-exception: Socket opened here is not closed when `Check` throws at line 7 — use `using` or dispose it in finally'],
    );
  });
});
