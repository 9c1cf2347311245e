import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeakAnalyzer } from '../../src/analysis/analyzer';
import type { LeakFinding, LeakLanguage } from '../../src/analysis/types';
import { readingWithHelpers } from '../../src/analysis/languages/scope';

/**
 * A socket opened through a function of the same file (`conn = dial(addr)`) is the caller's to
 * close, as if the caller had opened it: one case per language, then what must not count as such
 * a function (one that closes what it returns) and the Java stream hand-offs found on the way.
 */
const analyzer = new LeakAnalyzer();

async function findings(source: string, language: LeakLanguage): Promise<LeakFinding[]> {
  return (await analyzer.analyze(source, language)).findings;
}

const at = (list: LeakFinding[]) => list.map((f) => `${f.range.start.line + 1}:${f.rule}`);

/** Per language: a helper that returns a socket it opens, a caller that drops it (line 2 of the caller) and one that closes it. */
const CASES: { language: LeakLanguage; source: string; leakLine: number; helper: string }[] = [
  {
    language: 'python',
    helper: 'connect',
    leakLine: 6,
    source: [
      'import socket',
      'def connect(addr):',
      '    return socket.create_connection(addr)',
      '',
      'def ping(addr):',
      '    s = connect(addr)',
      '    s.sendall(b"PING")',
      '',
      'def ping_closed(addr):',
      '    with connect(addr) as s:',
      '        s.sendall(b"PING")',
    ].join('\n'),
  },
  {
    language: 'javascript',
    helper: 'dial',
    leakLine: 7,
    source: [
      "const net = require('node:net');",
      'function dial(port) {',
      '  const s = net.connect(port);',
      '  return s;',
      '}',
      'function ping(port) {',
      '  const s = dial(port);',
      "  s.write('PING');",
      '}',
      'function pingClosed(port) {',
      '  const s = dial(port);',
      "  s.end('PING');",
      '}',
    ].join('\n'),
  },
  {
    language: 'go',
    helper: 'dial',
    leakLine: 7,
    source: [
      'package p',
      'import "net"',
      'func dial(addr string) (net.Conn, error) {',
      '\treturn net.Dial("tcp", addr)',
      '}',
      'func ping(addr string) error {',
      '\tc, err := dial(addr)',
      '\tif err != nil {',
      '\t\treturn err',
      '\t}',
      '\t_, err = c.Write([]byte("PING"))',
      '\treturn err',
      '}',
      'func pingClosed(addr string) error {',
      '\tc, err := dial(addr)',
      '\tif err != nil {',
      '\t\treturn err',
      '\t}',
      '\tdefer c.Close()',
      '\t_, err = c.Write([]byte("PING"))',
      '\treturn err',
      '}',
    ].join('\n'),
  },
  {
    language: 'java',
    helper: 'open',
    leakLine: 5,
    source: [
      'import java.net.Socket;',
      'class P {',
      '  private Socket open(String h, int p) throws java.io.IOException { return new Socket(h, p); }',
      '  void ping(String h, int p) throws java.io.IOException {',
      '    Socket s = open(h, p);',
      '    s.getOutputStream().write(1);',
      '  }',
      '  void pingClosed(String h, int p) throws java.io.IOException {',
      '    try (Socket s = this.open(h, p)) { s.getOutputStream().write(1); }',
      '  }',
      '}',
    ].join('\n'),
  },
  {
    language: 'c',
    helper: 'tcp_socket',
    leakLine: 4,
    source: [
      '#include <sys/socket.h>',
      'static int tcp_socket(void) { int fd = socket(AF_INET, SOCK_STREAM, 0); return fd; }',
      'int ping(void) {',
      '    int fd = tcp_socket();',
      '    if (fd < 0) return -1;',
      '    return 0;',
      '}',
      'int ping_closed(void) {',
      '    int fd = tcp_socket();',
      '    if (fd < 0) return -1;',
      '    close(fd);',
      '    return 0;',
      '}',
    ].join('\n'),
  },
  {
    language: 'csharp',
    helper: 'Open',
    leakLine: 5,
    source: [
      'using System.Net.Sockets;',
      'class P {',
      '    static TcpClient Open(string h, int p) { return new TcpClient(h, p); }',
      '    int Ping(string h, int p) {',
      '        var c = Open(h, p);',
      '        return c.GetStream().ReadByte();',
      '    }',
      '    int PingClosed(string h, int p) {',
      '        using var c = Open(h, p);',
      '        return c.GetStream().ReadByte();',
      '    }',
      '}',
    ].join('\n'),
  },
];

describe('sockets returned by a function of the same file', () => {
  for (const c of CASES) {
    it(`${c.language}: the caller that drops it is reported at the call, naming the helper; the one that closes it is not`, async () => {
      const found = await findings(c.source, c.language);
      assert.deepEqual(at(found), [`${c.leakLine}:unclosed-socket`]);
      assert.match(found[0]!.message, new RegExp(`^Socket returned by \`${c.helper}\` here`));
    });
  }

  it('follows a helper that returns another helper’s socket', async () => {
    const source = [
      'import socket',
      'def connect(addr):',
      '    return socket.create_connection(addr)',
      'def reconnect(addr):',
      '    return connect(addr)',
      'def ping(addr):',
      '    s = reconnect(addr)',
      '    s.sendall(b"x")',
    ].join('\n');
    assert.deepEqual(at(await findings(source, 'python')), ['7:unclosed-socket']);
  });

  it('does not count a helper that closes what it returns (a test helper lending its listener)', async () => {
    const source = [
      'package p',
      'import ("net"; "testing")',
      'func listen(t *testing.T) net.Listener {',
      '\tln, err := net.Listen("tcp", "127.0.0.1:0")',
      '\tif err != nil {',
      '\t\tt.Fatal(err)',
      '\t}',
      '\tt.Cleanup(func() { ln.Close() })',
      '\treturn ln',
      '}',
      'func addr(t *testing.T) string {',
      '\tln := listen(t)',
      '\treturn ln.Addr().String()',
      '}',
    ].join('\n');
    assert.deepEqual(at(await findings(source, 'go')), []);
  });

  it('does not count a helper that keeps what it returns (a cache, a field)', async () => {
    const c = [
      '#include <sys/socket.h>',
      'static int cached = -1;',
      'static int shared_socket(void) {',
      '    if (cached >= 0) return cached;',
      '    int fd = socket(AF_INET, SOCK_STREAM, 0);',
      '    cached = fd;',
      '    return fd;',
      '}',
      'int ping(void) {',
      '    int fd = shared_socket();',
      '    return fd < 0 ? -1 : 0;',
      '}',
    ].join('\n');
    const python = [
      'import socket',
      'class C:',
      '    def _sock(self):',
      '        s = socket.create_connection(self.addr)',
      '        self.sock = s',
      '        return s',
      '    def ping(self):',
      '        s = self._sock()',
      '        s.sendall(b"x")',
    ].join('\n');
    assert.deepEqual(at(await findings(c, 'c')), []);
    assert.deepEqual(at(await findings(python, 'python')), []);
  });

  it('counts a helper that closes its failed attempts and returns the one that connected (getaddrinfo loops)', async () => {
    const c = [
      '#include <netdb.h>',
      '#include <sys/socket.h>',
      'int connect_to(struct addrinfo *result) {',
      '    struct addrinfo *rp;',
      '    int sfd = -1;',
      '    for (rp = result; rp != NULL; rp = rp->ai_next) {',
      '        sfd = socket(rp->ai_family, rp->ai_socktype, rp->ai_protocol);',
      '        if (sfd == -1) continue;',
      '        if (connect(sfd, rp->ai_addr, rp->ai_addrlen) != -1) break;',
      '        close(sfd);',
      '    }',
      '    if (rp == NULL) return -1;',
      '    return sfd;',
      '}',
      'int send_all(struct addrinfo *ai, const char *msg, int len) {',
      '    int fd = connect_to(ai);',
      '    if (fd < 0) return -1;',
      '    if (write(fd, msg, len) < 0) return -1;',
      '    close(fd);',
      '    return 0;',
      '}',
    ].join('\n');
    const python = [
      'import socket',
      'def connect_any(addrs):',
      '    for addr in addrs:',
      '        s = socket.socket()',
      '        if s.connect_ex(addr) != 0:',
      '            s.close()',
      '            continue',
      '        return s',
      'def lend(addr, cleanups):',
      '    s = socket.create_connection(addr)',
      '    cleanups.append(s.close)',
      '    return s',
      'def ping(addrs):',
      '    s = connect_any(addrs)',
      '    s.sendall(b"x")',
      'def ping_lent(addr, cleanups):',
      '    s = lend(addr, cleanups)',
      '    s.sendall(b"x")',
    ].join('\n');
    assert.deepEqual(at(await findings(c, 'c')), ['16:unclosed-socket']);
    assert.ok(at(await findings(python, 'python')).includes('14:unclosed-socket'), 'the retry helper gives its socket');
    assert.ok(!at(await findings(python, 'python')).some((f) => f.startsWith('17:')), 'the helper that registers its close lends it');
  });

  it('C: takes a test against a named error result (`== ANET_ERR`) as a failure test', async () => {
    const source = [
      '#include <sys/socket.h>',
      '#define ANET_ERR -1',
      'static int generic_accept(int s) {',
      '    int fd = accept(s, NULL, NULL);',
      '    if (fd == -1) return ANET_ERR;',
      '    return fd;',
      '}',
      'int tcp_accept(int s, int *port) {',
      '    int fd;',
      '    if ((fd = generic_accept(s)) == ANET_ERR)',
      '        return ANET_ERR;',
      '    *port = 0;',
      '    return fd;',
      '}',
      'int drop(int s) {',
      '    int fd = generic_accept(s);',
      '    if (fd == ANET_ERR) return ANET_ERR;',
      '    return 0;',
      '}',
    ].join('\n');
    assert.deepEqual(at(await findings(source, 'c')), ['16:unclosed-socket']);
  });

  it('Go: binds the result the helper returns the socket as, not the first', async () => {
    const source = [
      'package p',
      'import "net"',
      'func dialKeyed(addr string) (string, net.Conn, error) {',
      '\tc, err := net.Dial("tcp", addr)',
      '\tif err != nil {',
      '\t\treturn "", nil, err',
      '\t}',
      '\treturn "key", c, nil',
      '}',
      'func closes(addr string) {',
      '\t_, c, _ := dialKeyed(addr)',
      '\tc.Close()',
      '}',
      'func leaks(addr string) string {',
      '\tk, c, _ := dialKeyed(addr)',
      '\tc.Write(nil)',
      '\treturn k',
      '}',
    ].join('\n');
    assert.deepEqual(at(await findings(source, 'go')), ['15:unclosed-socket']);
  });

  it('JavaScript: a method returning its socket, called as `this._connect()`', async () => {
    const source = [
      "const net = require('node:net');",
      'class Client {',
      '  _connect() {',
      '    const socket = net.connect(this.port);',
      '    return socket;',
      '  }',
      '  ping() {',
      '    const socket = this._connect();',
      "    socket.write('PING');",
      '  }',
      '  open() {',
      '    this.socket = this._connect();',
      '  }',
      '}',
    ].join('\n');
    assert.deepEqual(at(await findings(source, 'javascript')), ['8:unclosed-socket']);
  });

  it("JavaScript: `this.connect()` is the method of its own class, not another class's of the same name", async () => {
    const source = [
      "const net = require('node:net');",
      'class Client {',
      '  connect() { return net.connect(this.port); }',
      '  ping() { const s = this.connect(); s.write("PING"); }',
      '  later() { const run = () => { const s = this.connect(); s.write("x"); }; run(); }',
      '}',
      'class Session {',
      '  connect() { return this.pool.acquire(); }',
      '  start() { const p = this.connect(); p.then(() => undefined); }',
      '}',
    ].join('\n');
    assert.deepEqual(at(await findings(source, 'javascript')), ['4:unclosed-socket', '5:unclosed-socket']);
  });

  it('does not take a same-named call of another object for the helper', async () => {
    const source = [
      'import socket',
      'def connect(addr):',
      '    return socket.create_connection(addr)',
      'def use(pool, addr):',
      '    c = pool.connect(addr)',
      '    c.sendall(b"x")',
    ].join('\n');
    assert.deepEqual(at(await findings(source, 'python')), []);
  });
});

describe('Java: streams of a socket handed on', () => {
  const wrap = (body: string[]) =>
    [
      'import java.io.*;',
      'import java.net.Socket;',
      'class S {',
      '  private InputStream buffered(InputStream in) { return in.markSupported() ? in : new BufferedInputStream(in); }',
      ...body,
      '}',
    ].join('\n');

  it('a stream given to a method of the class that returns it goes where that method’s result goes', async () => {
    const source = wrap([
      '  InputStream open(String h, int p) throws IOException {',
      '    Socket s = new Socket(h, p);',
      '    return buffered(s.getInputStream());',
      '  }',
    ]);
    assert.deepEqual(at(await findings(source, 'java')), []);
  });

  it('a stream given to a library call is only read: the socket is still reported', async () => {
    const source = wrap([
      '  void copy(String h, int p, OutputStream out) throws IOException {',
      '    Socket s = new Socket(h, p);',
      '    s.getInputStream().transferTo(out);',
      '  }',
    ]);
    assert.deepEqual(at(await findings(source, 'java')), ['6:unclosed-socket']);
  });

  it('a reader assigned after its declaration and closed in finally closes the socket', async () => {
    const source = wrap([
      '  String line(String h, int p) throws IOException {',
      '    Socket s = new Socket(h, p);',
      '    BufferedReader r = null;',
      '    try {',
      '      r = new BufferedReader(new InputStreamReader(s.getInputStream()));',
      '      return r.readLine();',
      '    } finally {',
      '      if (r != null) r.close();',
      '    }',
      '  }',
    ]);
    assert.deepEqual(at(await findings(source, 'java')), []);
  });
});

describe('reading a file again with its socket helpers (src/analysis/languages/scope.ts)', () => {
  const rounds = (source: string) => {
    let reads = 0;
    readingWithHelpers(
      source,
      (helpers) => {
        reads++;
        return helpers;
      },
      // One helper, `dial`, whatever the reading.
      () => new Set(['dial']),
    );
    return reads;
  };

  it('reads once more when a helper is named again, and not when its definition is its only mention', () => {
    assert.equal(rounds('function dial() { return net.connect(1); }\nfunction ping() { const s = dial(); }'), 2);
    assert.equal(rounds('function dial() { return net.connect(1); }\nfunction dialer() {}'), 1);
  });
});
