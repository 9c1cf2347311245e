import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JavaScriptCfgBuilder, type JsMention } from '../../src/analysis/cfg/javascript';
import type { Cfg } from '../../src/analysis/cfg/graph';
import { LineIndex } from '../../src/analysis/languages/cFamilyTree';
import { fieldOf, indexTree, type TreeNode } from '../../src/analysis/languages/treeCopy';
import { GrammarLoader } from '../../src/analysis/parser';
import { flow, reported } from '../helpers/braceCfg';

const grammars = new GrammarLoader();
const FUNCTIONS = new Set(['function_declaration', 'arrow_function']);

/** The graph of the first function: `net.connect(…)` acquires into the declared name; `.destroy()`/`.end()` release, `return x` transfers. */
async function graphOf(lines: string[]): Promise<Cfg> {
  const text = lines.join('\n');
  const parser = await grammars.parserFor('javascript');
  const tree = parser.parse(text)!;
  try {
    const index = indexTree(tree.rootNode, text, {
      types: new Set(['call_expression', 'function_declaration']),
      identifierTypes: new Set(['identifier']),
      opaque: new Set(['comment', 'string']),
      fielded: new Set([
        'call_expression',
        'member_expression',
        'variable_declarator',
        'assignment_expression',
        'function_declaration',
        'arrow_function',
        'if_statement',
        'for_statement',
        'for_in_statement',
        'while_statement',
        'do_statement',
        'switch_statement',
        'switch_case',
        'switch_default',
        'try_statement',
        'catch_clause',
        'finally_clause',
        'labeled_statement',
        'break_statement',
        'continue_statement',
        'ternary_expression',
        'binary_expression',
      ]),
      tokens: new Set(),
      nameTokens: new Set(['property_identifier', 'statement_identifier']),
    });
    const fn = index.byType.get('function_declaration')![0]!;
    const calls = (index.byType.get('call_expression') ?? []).filter((c) => text.slice(c.start, c.end).startsWith('net.connect'));
    const obligations = calls.map((call, obligation) => ({
      obligation,
      call,
      target: text.slice(fieldOf(call.parent!, 'name')!.start, fieldOf(call.parent!, 'name')!.end),
    }));
    const lineIndex = new LineIndex(text);
    const mention = (ref: TreeNode): JsMention => {
      let inCallback = false;
      for (let p = ref.parent; p && p !== fn; p = p.parent) if (FUNCTIONS.has(p.type)) inCallback = true;
      const after = text.slice(ref.end, ref.end + 10);
      if (/^\.(destroy|end)\(/.test(after)) return 'release';
      if (ref.parent?.type === 'return_statement') return 'transfer';
      return inCallback ? 'none' : 'none';
    };
    const rowOf = (o: number) => ({ line: lineIndex.row(o), column: lineIndex.column(o) });
    return new JavaScriptCfgBuilder(text, rowOf, obligations, mention, index.identifiers).build(fieldOf(fn, 'body')!)!;
  } finally {
    tree.delete();
    parser.delete();
  }
}

describe('leak engine: the JavaScript control-flow graph (src/analysis/cfg/javascript.ts)', () => {
  it('gives a throwing call an exceptional edge to the catch, and runs a copy of finally on the normal, exceptional and return paths', async () => {
    const edges = flow(
      await graphOf([
        'async function f(port) {',
        '  const s = net.connect(port);',
        '  try {',
        '    const reply = JSON.parse(await read(s));',
        '    if (!reply) return null;',
        '  } catch (err) {',
        '    log.warn(err);',
        '  } finally {',
        '    s.destroy();',
        '  }',
        '  return 1;',
        '}',
      ]),
    );
    assert.deepEqual(edges, [
      '!parse -> <return@5>',
      '!parse -> [release s]',
      '!parse ~> [release s]',
      '<return@11> -> exit',
      '<return@5> -> [release s]',
      '[acquire#0 s] -> !parse',
      // Copies of the finally: after the return, after the try or the catch, and for an exception leaving the statement.
      '[release s] -> <return@11>',
      '[release s] -> exceptional-exit',
      '[release s] -> exit',
      'entry -> [acquire#0 s]',
    ]);
  });

  it('leaves an endless loop only by break, takes continue back to the head, and falls through switch cases', async () => {
    const edges = flow(
      await graphOf([
        'function f(port, kind) {',
        '  const s = net.connect(port);',
        '  outer: while (true) {',
        '    switch (kind) {',
        '      case 1: s.write("a");',
        '      case 2: continue outer;',
        '      default: break outer;',
        '    }',
        '  }',
        '  s.end();',
        '}',
      ]),
    );
    assert.ok(edges.includes('[acquire#0 s] -> [release s]'), edges.join('\n'));
    assert.ok(!edges.some((e) => e.endsWith('-> exit') && !e.startsWith('[release s]')), edges.join('\n'));
  });

  it('runs each arm of `&&`, `||` and `?:` on a path of its own: a close in one arm is skipped by the other', async () => {
    const edges = flow(
      await graphOf([
        'function f(port, ok) {',
        '  const s = net.connect(port);',
        '  ok && s.end();',
        '  return ok ? 1 : (s.destroy(), 0);',
        '}',
      ]),
    );
    // Steps without effects are left out: each arm's release may be skipped, so a path reaches the return holding `s`.
    assert.deepEqual(edges, [
      '<return@4> -> exit',
      '[acquire#0 s] -> <return@4>',
      '[acquire#0 s] -> [release s]',
      '[release s] -> <return@4>',
      '[release s] -> [release s]',
      'entry -> [acquire#0 s]',
    ]);
  });
});

describe("leak engine on JavaScript/TypeScript functions: the issue's patterns", () => {
  const js = (lines: string[]) => reported('javascript', ["const net = require('net');", "const { once } = require('events');", ...lines]);

  it('reports the call whose exception skips the end(), and nothing once a finally destroys', async () => {
    assert.deepEqual(
      await js([
        'async function q(port) {',
        '  const s = net.connect(port);',
        '  const [d] = await once(s, "data");',
        '  const v = JSON.parse(d);',
        '  s.end();',
        '  return v;',
        '}',
      ]),
      ['4: unclosed-on-exception: Socket opened here is not closed when `parse` throws at line 6 — destroy it in `finally`'],
    );
    assert.deepEqual(
      await js([
        'async function q(port) {',
        '  const s = net.connect(port);',
        '  try { return JSON.parse((await once(s, "data"))[0]); } finally { s.destroy(); }',
        '}',
      ]),
      [],
    );
  });

  it(
    'reads a close at the end of a generated chain of thousands of `?:` as one arm, without walking the chain once per link',
    { timeout: 10_000 },
    async () => {
      // Each link split walks the statement again: unbounded (no MAX_SPLIT_CONDITIONALS), seconds, and a graph too large to judge.
      const chain = Array.from({ length: 3000 }, (_, i) => `a === ${i} ? ${i}`).join(' : ');
      assert.deepEqual(
        await js(['function f(a) {', '  const s = net.connect(1);', `  const x = ${chain} : (s.end(), 0);`, '  return x;', '}']),
        ['4: unclosed-socket: Socket opened here is not closed on the early return at line 6 — CLOSE_WAIT risk'],
      );
    },
  );

  it("reads TypeScript's type-only wrappers as the socket itself: `s!.destroy()`, `(s as Socket).end()`, `<Socket>net.connect(…)`", async () => {
    const ts = (lines: string[]) => reported('typescript', ["import * as net from 'node:net';", ...lines]);
    for (const close of ['s!.destroy();', '(s as net.Socket).end();', '(<net.Socket>s).end();'])
      assert.deepEqual(
        await ts(['function f(port: number) {', '  let s: net.Socket | undefined;', '  s = net.connect(port);', `  ${close}`, '}']),
        [],
        close,
      );
    assert.deepEqual(await ts(['function f(port: number) {', '  const s = <net.Socket>net.connect(port);', "  s.write('x');", '}']), [
      '3: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
    ]);
  });

  it('counts a socket in the list a for-of loop walks as handed to the loop, as `[a, b].forEach(…)` hands it to its callback', async () => {
    assert.deepEqual(
      await js([
        'function f(p) {',
        '  const a = net.connect(p);',
        '  const b = net.connect(p);',
        '  for (const s of [a, b]) s.destroy();',
        '  const c = net.connect(p);',
        '  for (const chunk of c) log(chunk);',
        '}',
      ]),
      ['7: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk'],
    );
  });

  it("gives opening a file stream no exceptional edge: it reports a file it cannot open as an 'error' event", async () => {
    const download = (open: string) => [
      'function f(port, file) {',
      '  const s = net.connect(port);',
      `  const out = ${open};`,
      '  s.destroy();',
      '}',
    ];
    assert.deepEqual(await js(download('fs.createWriteStream(file)')), []);
    assert.deepEqual(await js(download('JSON.parse(file)')), [
      '4: unclosed-on-exception: Socket opened here is not closed when `parse` throws at line 5 — destroy it in `finally`',
    ]);
  });

  it('reports a server made without a handler that listens and is never closed, and not one served, closed, returned or never listening', async () => {
    const probe = (lines: string[]) => js(['function p(port, done) {', '  const srv = net.createServer();', ...lines, '}']);
    assert.deepEqual(await probe(['  srv.listen(port, () => done(srv.address().port));']), [
      '4: unclosed-socket: Server listening here is never closed — it keeps its port bound',
    ]);
    for (const kept of [
      ['  srv.listen(port, () => { const a = srv.address(); srv.close(() => done(a.port)); });'],
      ["  srv.on('connection', (c) => c.end());", '  srv.listen(port);'],
      ['  srv.listen(port);', '  return srv;'],
      ['  done(srv);'],
    ])
      assert.deepEqual(await probe(kept), [], kept.join(' '));
    // A handler given at creation, and a server of the module's top level, live as long as the program.
    assert.deepEqual(
      await js(['function h(c) { c.end(); }', 'function p(port) {', '  const srv = net.createServer(h);', '  srv.listen(port);', '}']),
      [],
    );
    assert.deepEqual(await js(['const srv = net.createServer();', 'srv.listen(0);']), []);
  });

  it('counts what a function declared beside the socket does to it where that function is called or handed to a listener', async () => {
    const probe = (helper: string) =>
      js([
        'function p(port, resolve) {',
        '  const s = net.connect(port);',
        `  function done(v) { ${helper} resolve(v); }`,
        "  s.once('connect', () => done(true));",
        "  s.once('error', done);",
        '}',
      ]);
    assert.deepEqual(await probe('s.destroy();'), []);
    assert.deepEqual(await probe(''), ['4: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk']);
  });

  it('carries sockets assigned in each branch to the close after the join, and reports one lost by reassignment', async () => {
    assert.deepEqual(
      await js([
        'function open(port, backup) {',
        '  let s;',
        '  if (backup) s = net.connect(port + 1); else s = net.connect(port);',
        '  s.on("data", (d) => console.log(d));',
        '  s.end("bye");',
        '}',
      ]),
      [],
    );
    assert.deepEqual(
      await js([
        'function open(port, backup) {',
        '  let s = net.connect(port);',
        '  if (backup) s = net.connect(port + 1);',
        '  s.end("bye");',
        '}',
      ]),
      ['4: unclosed-socket: Socket opened here is not closed before `s` is assigned again at line 5 — CLOSE_WAIT risk'],
    );
  });

  it("holds a connection handler's socket from entry: an early return before reading leaks, a read, destroy or hand-off releases", async () => {
    assert.deepEqual(
      await js([
        'const banned = new Set();',
        'net.createServer((sock) => {',
        '  sock.setTimeout(5000);',
        '  if (banned.has(sock.remoteAddress)) return;',
        '  sock.on("data", (d) => sock.write(d));',
        '});',
        'net.createServer((sock) => {',
        '  sock.setTimeout(5000, () => sock.destroy());',
        '  if (banned.has(sock.remoteAddress)) return;',
        '  sock.on("data", (d) => sock.write(d));',
        '});',
        'net.createServer((sock) => {',
        '  if (banned.has(sock.remoteAddress)) { sock.destroy(); return; }',
        '  new Session(sock);',
        '});',
      ]),
      ['4: unclosed-socket: Socket accepted here is not closed on the return at line 6 — CLOSE_WAIT risk'],
    );
  });

  it("reads an HTTP upgrade's socket as the second parameter, released too by destroying its request; a caught exception that skips the release is named", async () => {
    assert.deepEqual(
      await js([
        "const http = require('http');",
        'const server = http.createServer();',
        'server.on("upgrade", (req, socket, head) => {',
        '  if (req.url === "/ping") { req.destroy(); return; }',
        '  if (req.url !== "/ws") return;',
        '  wss.handleUpgrade(req, socket, head, done);',
        '});',
        'net.createServer((sock) => {',
        '  try {',
        '    const route = JSON.parse(process.env.ROUTE);',
        '    sock.pipe(sock);',
        '  } catch (err) {',
        '    console.error(err);',
        '  }',
        '});',
        'net.createServer((sock) => {',
        '  const route = JSON.parse(process.env.ROUTE);',
        '  sock.pipe(sock);',
        '});',
      ]),
      [
        '10: unclosed-on-exception: Socket accepted here is not closed when `parse` throws at line 12 and the handler goes on — destroy it where the error is caught',
        '5: unclosed-socket: Socket accepted here is not closed on the return at line 7 — CLOSE_WAIT risk',
      ],
    );
  });

  it('holds nothing on the side of a null guard where the socket was never made, and still reports a guard that closes on the wrong side', async () => {
    assert.deepEqual(
      await js([
        'async function free(port) {',
        '  let s;',
        '  try {',
        '    s = net.connect(port);',
        '    await once(s, "connect");',
        '  } catch (e) {',
        '    if (e.code === "ECONNREFUSED") return true;',
        '  } finally {',
        '    if (s !== undefined) s.end();',
        '  }',
        '  return false;',
        '}',
        'function maybe(port, on) {',
        '  let s;',
        '  if (on) s = net.connect(port);',
        '  if (!s) return;',
        '  s.destroy();',
        '}',
      ]),
      [],
    );
    assert.deepEqual(
      await js([
        'async function ping(port) {',
        '  let s;',
        '  try {',
        '    s = net.connect(port);',
        '    await once(s, "connect");',
        '  } finally {',
        '    if (s == null) s.destroy();',
        '  }',
        '}',
      ]),
      ['6: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk'],
    );
  });

  it('counts a destroy in an error/close handler, and ownership handed to a returned object or a TLS wrapper', async () => {
    assert.deepEqual(
      await js([
        'function ship(port, data) {',
        '  const s = net.connect(port);',
        '  s.on("error", () => s.destroy());',
        '  s.write(JSON.stringify(data));',
        '  validate(data);',
        '}',
        'function wrap(port) {',
        '  const raw = net.connect(port);',
        '  const framed = new FrameStream(raw);',
        '  return { socket: framed };',
        '}',
      ]),
      [],
    );
  });
});
