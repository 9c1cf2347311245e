import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightNode } from '../../src/analysis/languages/cFamilyTree';
import { goGraph } from '../../src/analysis/languages/go';
import { flow, graphOf as braceGraph, reported as braceReported } from '../helpers/braceCfg';

/** Every `net.Dial/Listen…`, `tls.…` and `x.Accept()` acquires into the first name on its left. */
const GO = {
  language: 'go' as const,
  acquiring: /^(?:net|tls)\.(?:Dial|Listen)\w*\(|\.Accept\(\)$/,
  targetOf: (call: LightNode) =>
    call.type === 'call_expression' ? call.parent?.parent?.children.find((c) => c.field === 'left')?.children[0] : undefined,
  functionTypes: new Set(['function_declaration']),
  build: goGraph,
};
const graphOf = (lines: string[]) => braceGraph(GO, lines);
const reported = (lines: string[]) => braceReported('go', lines);

/** The branch join: a listener from tls.Listen or net.Listen, checked once and returned. */
const TLS_OR_PLAIN_LISTEN = [
  'func listen(useTLS bool, addr string, cfg *tls.Config) (net.Listener, error) {',
  '\tvar ln net.Listener',
  '\tvar err error',
  '\tif useTLS {',
  '\t\tln, err = tls.Listen("tcp", addr, cfg)',
  '\t} else {',
  '\t\tln, err = net.Listen("tcp", addr)',
  '\t}',
  '\tif err != nil {',
  '\t\treturn nil, err',
  '\t}',
  '\treturn ln, nil',
  '}',
];

describe('leak engine: the Go control-flow graph (src/analysis/cfg/go.ts)', () => {
  it('joins the branches of an if/else that both acquire into one name; the `err != nil` path holds nothing', async () => {
    const cfg = await graphOf(TLS_OR_PLAIN_LISTEN);
    const edges = flow(cfg);
    for (const n of [0, 1]) {
      assert.ok(edges.includes(`[kill ?err,acquire#${n} ln,alias ?err=ln] -> [drop ?err]`), edges.join('\n'));
      assert.ok(edges.includes(`[kill ?err,acquire#${n} ln,alias ?err=ln] -> <return@12>[transfer ln]`), 'past the check to the return');
    }
    assert.ok(edges.includes('[drop ?err] -> <return@10>'));
    assert.ok(edges.includes('<return@10> -> exit') && edges.includes('<return@12>[transfer ln] -> exit'));
  });

  it('takes every case of a switch (fallthrough into the next), skips them all without default; a select waits for one of its cases', async () => {
    const edges = flow(
      await graphOf([
        'func f(kind int, addr string, ch chan net.Conn) {',
        '\ta, _ := net.Dial("tcp", addr)',
        '\tswitch kind {',
        '\tcase 1:',
        '\t\ta.Close()',
        '\t\tfallthrough',
        '\tcase 2:',
        '\t\tch <- a',
        '\t}',
        '\tb, _ := net.Dial("tcp", addr)',
        '\tselect {',
        '\tcase ch <- b:',
        '\tcase <-time.After(time.Second):',
        '\t\tb.Close()',
        '\t}',
        '}',
      ]),
    );
    assert.deepEqual(edges, [
      '[acquire#0 a] -> [acquire#1 b]',
      '[acquire#0 a] -> [release a]',
      '[acquire#0 a] -> [transfer a]',
      '[acquire#1 b] -> [release b]',
      '[acquire#1 b] -> [transfer b]',
      '[release a] -> [transfer a]',
      '[release b] -> exit',
      '[transfer a] -> [acquire#1 b]',
      '[transfer b] -> exit',
      'entry -> [acquire#0 a]',
    ]);
  });

  it('routes break and continue to their own loop, by label too; a loop without condition leaves only by break', async () => {
    const cfg = await graphOf([
      'func f(ln net.Listener, items []int) {',
      'outer:',
      '\tfor {',
      '\t\tc, err := ln.Accept()',
      '\t\tif err != nil {',
      '\t\t\treturn',
      '\t\t}',
      '\t\tfor range items {',
      '\t\t\tif len(items) > 2 {',
      '\t\t\t\tcontinue outer',
      '\t\t\t}',
      '\t\t\tbreak',
      '\t\t}',
      '\t\tc.Close()',
      '\t\tbreak outer',
      '\t}',
      '}',
    ]);
    const edges = flow(cfg);
    const acquire = '[kill ?err,acquire#0 c,alias ?err=c]';
    assert.ok(edges.includes(`${acquire} -> ${acquire}`), `continue outer goes back to the Accept: ${edges.join('\n')}`);
    assert.ok(edges.includes(`${acquire} -> [release c]`), "the inner break and the inner loop's end reach the close");
    assert.ok(edges.includes('[release c] -> exit'), 'break outer leaves the loop');
    assert.ok(edges.includes(`${acquire} -> [drop ?err]`) && edges.includes('[drop ?err] -> <return@6>'));
    assert.equal(edges.filter((e) => e.startsWith('entry')).join(), `entry -> ${acquire}`, 'no way around a `for {}`');
  });

  it('sends panic to the exit and ends the path at log.Fatal and os.Exit; defer and `defer func(){…}()` release', async () => {
    const cfg = await graphOf([
      'func f(addr string, strict bool) {',
      '\ta, err := net.Dial("tcp", addr)',
      '\tif err != nil {',
      '\t\tlog.Fatal(err)',
      '\t}',
      '\tdefer a.Close()',
      '\tb, _ := net.Dial("tcp", addr)',
      '\tdefer func() {',
      '\t\tb.Close()',
      '\t}()',
      '\tif strict {',
      '\t\tpanic("strict")',
      '\t}',
      '}',
    ]);
    const edges = flow(cfg);
    assert.ok(!edges.some((e) => e.startsWith('[drop ?err] ->')), `nothing after log.Fatal: ${edges.join('\n')}`);
    assert.ok(edges.includes('[acquire#1 b] -> [release b]'), `the deferred closure closes b: ${edges.join('\n')}`);
    assert.ok(edges.includes('[release b] -> <panic@12>') && edges.includes('<panic@12> -> exit'));
    assert.ok(edges.includes('[release a] -> [acquire#1 b]'));
  });
});

describe('leak engine on Go functions: paths', () => {
  it("finds no leak in the issue's tls/net branch join, returned after the error check", async () => {
    assert.deepEqual(await reported(TLS_OR_PLAIN_LISTEN), []);
  });

  it('reports a switch case that returns without the close the other cases make', async () => {
    assert.deepEqual(
      await reported([
        'func send(kind string, addr string) error {',
        '\tc, err := net.Dial("tcp", addr)',
        '\tif err != nil {',
        '\t\treturn err',
        '\t}',
        '\tswitch kind {',
        '\tcase "ping":',
        '\t\tc.Write([]byte("ping"))',
        '\tcase "bad":',
        '\t\treturn errors.New("bad kind")',
        '\t}',
        '\treturn c.Close()',
        '}',
      ]),
      ['2: unclosed-socket: Socket opened here is not closed on the early return at line 10 — CLOSE_WAIT risk'],
    );
  });

  it('reports a socket left open on a panic, and on a labelled break out of the accept loop', async () => {
    assert.deepEqual(
      await reported([
        'func check(addr string) {',
        '\tc, err := net.Dial("tcp", addr)',
        '\tif err != nil {',
        '\t\tpanic(err)',
        '\t}',
        '\tif c.LocalAddr() == nil {',
        '\t\tpanic("unbound")',
        '\t}',
        '\tc.Close()',
        '}',
        'func drain(ln net.Listener, n int) {',
        'accept:',
        '\tfor {',
        '\t\tc, err := ln.Accept()',
        '\t\tif err != nil {',
        '\t\t\treturn',
        '\t\t}',
        '\t\tfor i := 0; i < n; i++ {',
        '\t\t\tif i > 3 {',
        '\t\t\t\tbreak accept',
        '\t\t\t}',
        '\t\t}',
        '\t\tc.Close()',
        '\t}',
        '}',
      ]),
      [
        '2: unclosed-socket: Socket opened here is not closed on the panic at line 7 — CLOSE_WAIT risk',
        '14: unclosed-socket: Socket opened here is not closed on every path — CLOSE_WAIT risk',
      ],
    );
  });

  it('reports an accepted connection a `continue` skips the close of, and not one closed by defer on every path', async () => {
    assert.deepEqual(
      await reported([
        'func serve(ln net.Listener) {',
        '\tfor {',
        '\t\tc, err := ln.Accept()',
        '\t\tif err != nil {',
        '\t\t\tcontinue',
        '\t\t}',
        '\t\tif c.RemoteAddr() == nil {',
        '\t\t\tcontinue',
        '\t\t}',
        '\t\tc.Close()',
        '\t}',
        '}',
        'func fetch(addr string) ([]byte, error) {',
        '\tc, err := net.Dial("tcp", addr)',
        '\tif err != nil {',
        '\t\treturn nil, err',
        '\t}',
        '\tdefer c.Close()',
        '\tif _, err := c.Write([]byte("GET")); err != nil {',
        '\t\treturn nil, err',
        '\t}',
        '\treturn io.ReadAll(c)',
        '}',
      ]),
      ['3: unclosed-socket: Socket opened here is not closed on the early continue at line 8 — CLOSE_WAIT risk'],
    );
  });

  it("does not take a later `err` check for the acquisition's: the write error returns with the socket open", async () => {
    assert.deepEqual(
      await reported([
        'func hello(addr string) error {',
        '\tc, err := net.Dial("tcp", addr)',
        '\tif err != nil {',
        '\t\treturn err',
        '\t}',
        '\tif _, err := c.Write([]byte("hi")); err != nil {',
        '\t\treturn err',
        '\t}',
        '\treturn c.Close()',
        '}',
      ]),
      ['2: unclosed-socket: Socket opened here is not closed on the early return at line 7 — CLOSE_WAIT risk'],
    );
  });

  it('leaves sockets handed to a function of the file to its summary (go handle(c) closes, go echo(c) reads to EOF), and knows `if c, err := …; err == nil`', async () => {
    assert.deepEqual(
      await reported([
        'package p',
        '',
        'func serve(ln net.Listener) {',
        '\tfor {',
        '\t\tc, err := ln.Accept()',
        '\t\tif err != nil {',
        '\t\t\treturn',
        '\t\t}',
        '\t\tgo handle(c)',
        '\t}',
        '}',
        '',
        'func handle(c net.Conn) {',
        '\tdefer c.Close()',
        '\tio.Copy(c, c)',
        '}',
        '',
        'func serveEcho(ln net.Listener) {',
        '\tfor {',
        '\t\tc, err := ln.Accept()',
        '\t\tif err != nil {',
        '\t\t\treturn',
        '\t\t}',
        '\t\tgo echo(c)',
        '\t}',
        '}',
        '',
        'func echo(c net.Conn) {',
        '\tio.Copy(c, c)',
        '}',
        '',
        'func probe(addr string) bool {',
        '\tif c, err := net.Dial("tcp", addr); err == nil {',
        '\t\tc.Close()',
        '\t\treturn true',
        '\t}',
        '\treturn false',
        '}',
        '',
        'func probeLeak(addr string) bool {',
        '\tif c, err := net.Dial("tcp", addr); err == nil {',
        '\t\treturn c.RemoteAddr() != nil',
        '\t}',
        '\treturn false',
        '}',
      ]),
      [
        '20: close-wait-risk: Socket accepted here is never closed after the peer hangs up (read until EOF) — CLOSE_WAIT risk',
        '41: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
      ],
    );
  });

  it("takes a `…Client.Get(url)` for an HTTP request, not a session cache's `ClientSessionCache.Get(key)` (crypto/tls)", async () => {
    assert.deepEqual(
      await reported([
        'func resume(c *Conn, key string) (string, error) {',
        '\tsession, ok := c.config.ClientSessionCache.Get(key)',
        '\tif !ok || session == nil {',
        '\t\treturn key, nil',
        '\t}',
        '\treturn "", nil',
        '}',
        'func status(srv *Server) int {',
        '\tres, err := srv.Client().Get(srv.URL)',
        '\tif err != nil {',
        '\t\treturn 0',
        '\t}',
        '\treturn res.StatusCode',
        '}',
      ]),
      ['9: unclosed-socket: Response body received here is never closed — CLOSE_WAIT risk'],
    );
  });

  it('names a response body, not a socket, in its messages', async () => {
    assert.deepEqual(
      await reported([
        'func fetch(url string) ([]byte, error) {',
        '\tresp, err := http.Get(url)',
        '\tif err != nil {',
        '\t\treturn nil, err',
        '\t}',
        '\tif resp.StatusCode != 200 {',
        '\t\treturn nil, fmt.Errorf("status %d", resp.StatusCode)',
        '\t}',
        '\tdefer resp.Body.Close()',
        '\treturn io.ReadAll(resp.Body)',
        '}',
      ]),
      ['2: unclosed-socket: Response body received here is not closed on the early return at line 7 — CLOSE_WAIT risk'],
    );
  });

  it('reports a close deferred inside an endless loop, not one in a per-turn function or a bounded loop', async () => {
    assert.deepEqual(
      await reported([
        'func serve(ln net.Listener) error {',
        '\tfor {',
        '\t\tc, err := ln.Accept()',
        '\t\tif err != nil {',
        '\t\t\treturn err',
        '\t\t}',
        '\t\tdefer c.Close()',
        '\t\tc.Write(nil)',
        '\t}',
        '}',
        'func serveTurns(ln net.Listener) {',
        '\tfor {',
        '\t\tfunc() {',
        '\t\t\tc, err := ln.Accept()',
        '\t\t\tif err != nil {',
        '\t\t\t\treturn',
        '\t\t\t}',
        '\t\t\tdefer c.Close()',
        '\t\t\tc.Write(nil)',
        '\t\t}()',
        '\t}',
        '}',
        'func dialAll(addrs []string) error {',
        '\tfor _, a := range addrs {',
        '\t\tc, err := net.Dial("tcp", a)',
        '\t\tif err != nil {',
        '\t\t\treturn err',
        '\t\t}',
        '\t\tdefer c.Close()',
        '\t}',
        '\treturn nil',
        '}',
      ]),
      [
        '3: unclosed-socket: Socket opened here is closed only when the function returns: the deferred close at line 7 is inside an endless loop, so what each turn opens stays open until then — CLOSE_WAIT risk',
      ],
    );
  });

  it('hands named results to the caller at a bare return, and a goroutine hands a connection to a variable of the enclosing function', async () => {
    assert.deepEqual(
      await reported([
        'package p',
        'import "net"',
        'func listen(a *net.UDPAddr) (conn net.PacketConn, err error) {',
        '  uc, err := net.ListenUDP("udp", a)',
        '  if err != nil {',
        '    return nil, err',
        '  }',
        '  conn = uc',
        '  return',
        '}',
        'func forgets(a *net.UDPAddr) (conn net.PacketConn, err error) {',
        '  uc, err := net.ListenUDP("udp", a)',
        '  if err != nil {',
        '    return nil, err',
        '  }',
        '  return',
        '}',
        'func accept(ln net.Listener) net.Conn {',
        '  var peer net.Conn',
        '  done := make(chan struct{})',
        '  go func() {',
        '    c, err := ln.Accept()',
        '    if err == nil {',
        '      peer = c',
        '    }',
        '    close(done)',
        '  }()',
        '  <-done',
        '  return peer',
        '}',
      ]),
      ['12: unclosed-socket: Socket opened here is never closed — it keeps its port bound'],
    );
  });

  it('holds an httptest server until its Close, also a Close handed to t.Cleanup, and a field read is no hand-off', async () => {
    const test = (lines: string[]) =>
      reported([
        'package p',
        'import ("net/http"; "net/http/httptest"; "testing")',
        'func TestX(t *testing.T) {',
        '  srv := httptest.NewServer(http.NotFoundHandler())',
        ...lines,
        '}',
      ]);
    assert.deepEqual(await test(['  t.Log(srv.URL)']), [
      '4: unclosed-socket: Test server started here is never closed — it keeps its port bound',
    ]);
    assert.deepEqual(await test(['  t.Cleanup(srv.Close)', '  t.Log(srv.URL)']), []);
    assert.deepEqual(await test(['  defer srv.Close()']), []);
    // Its listener handed on takes the socket along.
    assert.deepEqual(await test(['  serve(srv.Listener)']), []);
  });

  it('follows a variadic close-everything helper of the package: each argument is an element its range loop closes', async () => {
    assert.deepEqual(
      await reported([
        'package p',
        'import ("io"; "net")',
        'func closeAll(cs ...io.Closer) { for _, c := range cs { c.Close() } }',
        'func count(cs ...io.Closer) int { n := 0; for range cs { n++ }; return n }',
        'func f(x string) {',
        '\ta, _ := net.Dial("tcp", x)',
        '\tb, _ := net.Dial("tcp", x)',
        '\tdefer closeAll(a, b)',
        '}',
        'func g(x string) int {',
        '\ta, _ := net.Dial("tcp", x)',
        '\treturn count(nil, a)',
        '}',
      ]),
      ['11: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk'],
    );
  });
});
