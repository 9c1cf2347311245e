import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeakAnalyzer } from '../../src/analysis/analyzer';
import { analyzeObligations } from '../../src/analysis/cfg/dataflow';
import { CfgBuilder, edgeList, type Cfg, type CfgNode, type Effect } from '../../src/analysis/cfg/graph';
import { PythonCfgBuilder } from '../../src/analysis/cfg/python';
import { LineIndex } from '../../src/analysis/languages/cFamilyTree';
import { fieldOf, indexTree } from '../../src/analysis/languages/treeCopy';
import { GrammarLoader } from '../../src/analysis/parser';

const analyzer = new LeakAnalyzer();
const grammars = new GrammarLoader();

/** `line: rule: message` of each finding, 1-based. */
async function reported(source: string[]): Promise<string[]> {
  const { findings } = await analyzer.analyze(source.join('\n'), 'python');
  return findings.map((f) => `${f.range.start.line + 1}: ${f.rule}: ${f.message}`);
}

/**
 * The graph of the first function in `source`, every `socket.…()` call an acquisition into `target`,
 * with its edges labelled by what each node does: `call`, `call[acquire s]`, `<return>`, `exit`…
 */
async function graphOf(source: string[], target = 's'): Promise<{ cfg: Cfg; edges: string[] }> {
  const text = source.join('\n');
  const parser = await grammars.parserFor('python');
  const tree = parser.parse(text)!;
  try {
    const index = indexTree(tree.rootNode, text, {
      types: new Set(['call', 'function_definition']),
      identifierTypes: new Set(['identifier']),
      opaque: new Set(['comment']),
      fielded: new Set([
        'call',
        'attribute',
        'function_definition',
        'assignment',
        'augmented_assignment',
        'if_statement',
        'elif_clause',
        'while_statement',
        'for_statement',
        'with_item',
        'as_pattern',
        'keyword_argument',
        'match_statement',
        'pair',
        'boolean_operator',
      ]),
      tokens: new Set(),
      nameTokens: new Set(),
    });
    const fn = index.byType.get('function_definition')![0]!;
    const calls = (index.byType.get('call') ?? []).filter((c) => text.slice(c.start, c.end).startsWith('socket.'));
    const lines = new LineIndex(text);
    const builder = new PythonCfgBuilder(
      text,
      (o) => ({ line: lines.row(o), column: lines.column(o) }),
      calls.map((call, obligation) => ({ obligation, call, target })),
    );
    const cfg = builder.build(fieldOf(fn, 'body')!)!;
    return { cfg, edges: edgeList(cfg, label) };
  } finally {
    tree.delete();
    parser.delete();
  }
}

function label(n: CfgNode): string {
  if (n.kind !== 'step') return n.kind;
  const effects = n.effects.map((e) => `${e.kind} ${'name' in e ? e.name : e.target}`).join(',');
  const what = n.throws ? n.throws.call : n.exitSite ? `<${n.exitSite.word}>` : 'step';
  return `${what}${effects ? `[${effects}]` : ''}@${(n.throws?.site ?? n.exitSite?.site)?.line ?? '?'}`;
}

/** Follows joins: the labelled edges between steps and exits only, as a reader draws the graph. */
function flow(cfg: Cfg): string[] {
  const out = new Set<string>();
  const targets = (id: number, seen = new Set<number>()): string[] => {
    const n = cfg.nodes[id]!;
    if (n.kind !== 'join') return [label(n)];
    if (seen.has(id)) return [];
    seen.add(id);
    return n.next.flatMap((t) => targets(t, seen));
  };
  for (const n of cfg.nodes) {
    if (n.kind === 'join') continue;
    for (const t of n.next) for (const to of targets(t)) out.add(`${label(n)} -> ${to}`);
    for (const t of n.onThrow) for (const to of targets(t)) out.add(`${label(n)} ~> ${to}`);
  }
  return [...out];
}

describe('leak engine: the Python control-flow graph (src/analysis/cfg/python.ts)', () => {
  it('sequences calls, gives each an exceptional edge, and ends at the exit', async () => {
    const { cfg } = await graphOf(['def f(a):', '    s = socket.create_connection(a)', '    s.sendall(b"x")', '    s.close()']);
    assert.deepEqual(flow(cfg), [
      'entry -> create_connection[acquire s]@1',
      'create_connection[acquire s]@1 -> sendall@2',
      'create_connection[acquire s]@1 ~> exceptional-exit',
      'sendall@2 -> close[release s]@3',
      'sendall@2 ~> exceptional-exit',
      'close[release s]@3 -> exit',
      'close[release s]@3 ~> exceptional-exit',
    ]);
  });

  it('joins if/elif/else branches, and takes the no-else path past an if', async () => {
    const { cfg } = await graphOf([
      'def f(kind):',
      '    if kind == 6:',
      '        s = socket.socket(socket.AF_INET6)',
      '    elif kind == 1:',
      '        s = socket.socket(socket.AF_UNIX)',
      '    else:',
      '        s = socket.socket()',
      '    if kind:',
      '        log(kind)',
      '    s.close()',
    ]);
    const edges = flow(cfg);
    for (const line of [2, 4, 6]) assert.ok(edges.includes(`socket[acquire s]@${line} -> log@8`), `${line}: ${edges.join('\n')}`);
    for (const line of [2, 4, 6])
      assert.ok(edges.includes(`socket[acquire s]@${line} -> close[release s]@9`), 'the if without else can be skipped');
    assert.ok(edges.includes('log@8 -> close[release s]@9'));
  });

  it('loops: `while True` leaves only by break, `for … else` runs the else when the loop ends, continue goes back', async () => {
    const { cfg } = await graphOf([
      'def f(srv, items):',
      '    while True:',
      '        c, _ = srv.accept()',
      '        if c:',
      '            break',
      '        continue',
      '    for i in items:',
      '        use(i)',
      '    else:',
      '        done()',
    ]);
    const edges = flow(cfg);
    assert.ok(edges.includes('step[kill c,kill _]@? -> accept@2'), 'continue reaches the head again');
    assert.ok(edges.includes('step[kill c,kill _]@? -> step[kill i]@?'), 'the for loop is reached through break');
    assert.ok(!edges.some((e) => /^entry -> step\[kill i\]/.test(e)), 'while True has no exit by its condition');
    assert.ok(edges.includes('use[transfer i]@7 -> done@9'), 'the else runs when the for loop ends');
    assert.ok(edges.includes('use[transfer i]@7 -> step[kill i]@?'), 'the next iteration rebinds i');
    assert.ok(edges.includes('done@9 -> exit'));
  });

  it('routes exceptions to the except clauses, and every way out of a try through its own copy of finally', async () => {
    const { cfg } = await graphOf([
      'def f(a):',
      '    s = socket.socket()',
      '    try:',
      '        s.connect(a)',
      '        if a:',
      '            return s.recv(1)',
      '    except OSError:',
      '        warn()',
      '        raise',
      '    finally:',
      '        s.close()',
    ]);
    const edges = flow(cfg);
    assert.ok(edges.includes('connect[transfer a]@3 ~> warn@7'), 'the call in the try goes to the handler');
    assert.ok(edges.includes('recv@5 ~> warn@7'));
    assert.ok(edges.includes('socket[acquire s]@1 ~> exceptional-exit'), 'before the try: straight out');
    assert.ok(edges.includes('warn@7 ~> close[release s]@10'), 'a call in the handler goes to the finally copy for exceptions');
    assert.ok(edges.includes('<raise>@8 -> close[release s]@10'), 'the raise goes through finally');
    assert.ok(edges.includes('<return>@5 -> close[release s]@10'), 'the return goes through finally');
    const closes = cfg.nodes.filter((n) => n.effects.some((e: Effect) => e.kind === 'release'));
    assert.equal(closes.length, 3, 'three copies of finally: exception, return, fall-through');
    assert.ok(edges.includes('close[release s]@10 -> exceptional-exit'), 'after the exception copy, the exception goes on');
    assert.ok(edges.includes('close[release s]@10 -> exit'));
  });

  it("lets a socket's OSError past except clauses that catch only some OSErrors or other exceptions", async () => {
    const { cfg } = await graphOf([
      'def f(a):',
      '    s = socket.socket()',
      '    try:',
      '        s.connect(a)',
      '        n = int(a)',
      '    except ConnectionRefusedError:',
      '        warn()',
      '    except ValueError:',
      '        note()',
      '    s.close()',
    ]);
    const edges = flow(cfg);
    assert.ok(edges.includes('connect[transfer a]@3 ~> warn@6'), 'the socket error may be the refused connection');
    assert.ok(!edges.includes('connect[transfer a]@3 ~> note@8'), 'ValueError catches no socket error');
    assert.ok(edges.includes('connect[transfer a]@3 ~> exceptional-exit'), 'another OSError (a timeout) leaves the try statement');
    assert.ok(
      edges.includes('int[transfer a]@4 ~> note@8') && edges.includes('int[transfer a]@4 ~> warn@6'),
      'a call on no socket goes to every clause',
    );
  });

  it('releases at `with x:` and `with closing(x):`, and hands on with return, yield, stores and calls', async () => {
    const { cfg } = await graphOf([
      'def f(a, self, pool):',
      '    with s:',
      '        pass',
      '    with closing(t) as u:',
      '        pass',
      '    self.sock = s',
      '    pool.append(s)',
      '    yield s',
      '    return (s, a)',
    ]);
    const edges = flow(cfg);
    assert.deepEqual(edges, [
      'entry -> step[release s]@?',
      'step[release s]@? -> closing[release t]@3',
      'closing[release t]@3 -> step[release t,alias u]@?',
      'closing[release t]@3 ~> exceptional-exit',
      'step[release t,alias u]@? -> step[transfer s]@?', // self.sock = s
      'step[transfer s]@? -> step[transfer s]@?', // pool.append(s) (no exceptional edge: append), then yield s
      'step[transfer s]@? -> <return>[transfer s,transfer a]@8',
      '<return>[transfer s,transfer a]@8 -> exit',
    ]);
  });

  it('takes every case of a match, and the fall-through when no case is a wildcard', async () => {
    const { cfg } = await graphOf([
      'def f(v):',
      '    match v:',
      '        case 1:',
      '            one()',
      '        case _:',
      '            other()',
      '    end()',
    ]);
    const edges = flow(cfg);
    assert.ok(edges.includes('one@3 -> end@6') && edges.includes('other@5 -> end@6'));
    assert.ok(!edges.includes('entry -> end@6'), 'a wildcard case: no path around the match');
  });

  it('runs each arm of `and`, `or` and `x if c else y` on a path of its own', async () => {
    const { cfg } = await graphOf([
      'def f(ok):',
      '    s = socket.socket()',
      '    ok and s.close()',
      '    s.close() if ok else log(s)',
      '    done()',
    ]);
    const edges = flow(cfg);
    // `ok` false skips the first close; the conditional expression closes on one arm and logs on the other.
    for (const edge of [
      'socket[acquire s]@1 -> close[release s]@2',
      'socket[acquire s]@1 -> close[release s]@3',
      'socket[acquire s]@1 -> log@3',
    ])
      assert.ok(edges.includes(edge), `${edge} in\n${edges.join('\n')}`);
    assert.ok(edges.includes('close[release s]@3 -> done@4') && edges.includes('log@3 -> done@4'), edges.join('\n'));
  });
});

describe('leak engine: must-release dataflow (src/analysis/cfg/dataflow.ts)', () => {
  /** entry → nodes in a chain → exit; `throwsAt` nodes get an exceptional edge to the exceptional exit. */
  function chain(steps: { effects: Effect[]; throws?: string; effectsFirst?: boolean }[]): Cfg {
    const b = new CfgBuilder();
    let prev = b.entry;
    steps.forEach((s, i) => {
      const id = b.add(
        'step',
        s.effects,
        s.throws ? { call: s.throws, site: { line: i, column: 0 }, ...(s.effectsFirst ? { effectsFirst: true } : {}) } : undefined,
      );
      b.edge(prev, id);
      if (s.throws) b.throwEdge(id, b.exceptionalExit);
      prev = id;
    });
    b.edge(prev, b.exit);
    return b.build();
  }

  it('follows aliases: closing the alias releases the socket; reassigning the last holder loses it', () => {
    const aliasClosed = chain([
      { effects: [{ kind: 'acquire', obligation: 0, target: 's' }] },
      { effects: [{ kind: 'alias', target: 't', source: 's' }] },
      { effects: [{ kind: 'kill', name: 's' }] },
      { effects: [{ kind: 'release', name: 't' }] },
    ]);
    assert.deepEqual(analyzeObligations(aliasClosed, [0]).verdicts.get(0), { kind: 'released' });
    const lost = chain([
      { effects: [{ kind: 'acquire', obligation: 0, target: 's' }] },
      { effects: [{ kind: 'kill', name: 's' }], throws: 'reassign' },
      { effects: [{ kind: 'release', name: 's' }] },
    ]);
    const verdict = analyzeObligations(lost, [0]).verdicts.get(0);
    assert.equal(verdict?.kind, 'leak');
    assert.deepEqual(verdict?.kind === 'leak' && verdict.lost, { line: 1, column: 0 });
  });

  it('names the call whose exception skips the release; a close that raises has still released', () => {
    const cfg = chain([
      { effects: [{ kind: 'acquire', obligation: 0, target: 'a' }], throws: 'socket' },
      { effects: [{ kind: 'acquire', obligation: 1, target: 'b' }], throws: 'socket' },
      { effects: [], throws: 'sendall' },
      { effects: [{ kind: 'release', name: 'a' }], throws: 'close', effectsFirst: true },
      { effects: [{ kind: 'release', name: 'b' }], throws: 'close', effectsFirst: true },
    ]);
    const { verdicts } = analyzeObligations(cfg, [0, 1]);
    assert.deepEqual(verdicts.get(0), {
      kind: 'leak-on-exception',
      via: { call: 'socket', site: { line: 1, column: 0 } },
      releasedSomewhere: true,
      caught: false,
    });
    assert.equal(verdicts.get(1)?.kind, 'leak-on-exception');
    const second = verdicts.get(1);
    assert.equal(second?.kind === 'leak-on-exception' ? second.via.call : undefined, 'sendall');
  });

  it("carries every branch's obligation to the join, and a normal leak wins over an exceptional one", () => {
    const b = new CfgBuilder();
    const left = b.add('step', [{ kind: 'acquire', obligation: 0, target: 's' }]);
    const right = b.add('step', [{ kind: 'acquire', obligation: 1, target: 's' }]);
    const join = b.add('join');
    const call = b.add('step', [], { call: 'send', site: { line: 3, column: 0 } });
    const close = b.add('step', [{ kind: 'release', name: 's' }]);
    b.edge(b.entry, left);
    b.edge(b.entry, right);
    b.edge(left, join);
    b.edge(right, join);
    b.edge(join, call);
    b.throwEdge(call, b.exceptionalExit);
    b.edge(call, close);
    b.edge(close, b.exit);
    b.edge(left, b.exit); // an early exit from one branch
    const { verdicts } = analyzeObligations(b.build(), [0, 1]);
    assert.equal(verdicts.get(0)?.kind, 'leak');
    assert.equal(verdicts.get(1)?.kind, 'leak-on-exception');
  });

  it('gives up within its budget rather than run long', () => {
    const steps = Array.from({ length: 400 }, (_, i) => ({
      effects: [{ kind: 'acquire', obligation: i, target: `s${i}` }] as Effect[],
      throws: 'socket',
    }));
    assert.equal(
      analyzeObligations(
        chain(steps),
        steps.map((_, i) => i),
        10_000,
      ).complete,
      false,
    );
    assert.equal(
      analyzeObligations(
        chain(steps),
        steps.map((_, i) => i),
      ).complete,
      true,
    );
  });
});

describe("leak engine on Python functions: the issue's patterns", () => {
  it('reports the exception from sendall between create_connection and close', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def send(addr, payload):',
        '    s = socket.create_connection(addr)',
        '    s.sendall(payload)',
        '    s.close()',
      ]),
      ['3: unclosed-on-exception: Socket opened here is not closed when `sendall` raises at line 4 — use `with` or `try`/`finally`'],
    );
  });

  it('reports a connect whose timeout `except ConnectionRefusedError` does not catch, and not one under `except OSError`', async () => {
    const body = (handler: string) => [
      'import socket',
      'def reachable(addr):',
      '    s = socket.socket()',
      '    s.settimeout(1)',
      '    try:',
      '        s.connect(addr)',
      `    except ${handler}:`,
      '        s.close()',
      '        return False',
      '    s.close()',
      '    return True',
    ];
    assert.deepEqual(await reported(body('ConnectionRefusedError')), [
      '3: unclosed-on-exception: Socket opened here is not closed when `connect` raises at line 6 — use `with` or `try`/`finally`',
    ]);
    assert.deepEqual(await reported(body('OSError')), []);
    assert.deepEqual(await reported(body('(socket.timeout, ConnectionRefusedError)')), [
      '3: unclosed-on-exception: Socket opened here is not closed when `connect` raises at line 6 — use `with` or `try`/`finally`',
    ]);
    assert.deepEqual(await reported(body('ProtocolError')), [], "the code's own class may catch anything");
  });

  it('reports the close that a raising shutdown skips inside try/except OSError: pass', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def stop(addr):',
        '    s = socket.create_connection(addr)',
        '    try:',
        '        s.shutdown(socket.SHUT_RDWR)',
        '        s.close()',
        '    except OSError:',
        '        pass',
      ]),
      ['3: unclosed-on-exception: Socket opened here is not closed when `shutdown` raises at line 5 — use `with` or `try`/`finally`'],
    );
  });

  it('names the shutdown in finally that skips the close, not the call whose exception the finally was handling', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def send(addr, data):',
        '    s = socket.create_connection(addr)',
        '    try:',
        '        s.sendall(data)',
        '    finally:',
        '        s.shutdown(socket.SHUT_RDWR)',
        '        s.close()',
      ]),
      ['3: unclosed-on-exception: Socket opened here is not closed when `shutdown` raises at line 7 — use `with` or `try`/`finally`'],
    );
  });

  it('reports the second socket of a finally whose first close raises', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def pair(a, b):',
        '    x = socket.create_connection(a)',
        '    try:',
        '        y = socket.create_connection(b)',
        '        try:',
        '            x.sendall(y.recv(10))',
        '        finally:',
        '            x.close()',
        '            y.close()',
        '    except OSError:',
        '        x.close()',
      ]),
      ['5: unclosed-on-exception: Socket opened here is not closed when `close` raises at line 9 — use `with` or `try`/`finally`'],
    );
  });

  it('reports a close inside a `while True` body, and not one in finally', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def serve(srv):',
        '    while True:',
        '        conn, _ = srv.accept()',
        '        conn.sendall(conn.recv(1024))',
        '        conn.close()',
        'def serve_safely(srv):',
        '    while True:',
        '        conn, _ = srv.accept()',
        '        try:',
        '            conn.sendall(conn.recv(1024))',
        '        finally:',
        '            conn.close()',
      ]),
      ['4: unclosed-on-exception: Socket opened here is not closed when `recv` raises at line 5 — use `with` or `try`/`finally`'],
    );
  });

  it('carries a socket assigned in every branch to the close after the join', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def open_any(kind, addr):',
        '    if kind == "unix":',
        '        s = socket.socket(socket.AF_UNIX)',
        '    elif kind == "v6":',
        '        s = socket.socket(socket.AF_INET6)',
        '    else:',
        '        s = socket.socket()',
        '    try:',
        '        s.connect(addr)',
        '        return s.recv(64)',
        '    finally:',
        '        s.close()',
      ]),
      [],
    );
  });

  it('treats makefile, wrap_socket, callbacks and closures as keeping the socket', async () => {
    assert.deepEqual(
      await reported([
        'import atexit, socket, ssl',
        'def reader(addr):',
        '    s = socket.create_connection(addr)',
        '    return s.makefile("rb")',
        'def tls(ctx, addr):',
        '    raw = socket.create_connection(addr)',
        '    return ctx.wrap_socket(raw, server_hostname="h")',
        'def control(path):',
        '    c = socket.socket(socket.AF_UNIX)',
        '    atexit.register(c.close)',
        '    c.connect(path)',
        'def watch(path, loop):',
        '    w = socket.socket(socket.AF_UNIX)',
        '    loop.call_later(5, lambda: w.close())',
        '    w.connect(path)',
      ]),
      [],
    );
  });

  it("knows a socket tested for None holds nothing on the None branch (create_connection's loop)", async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def connect(addrs):',
        '    for family, addr in addrs:',
        '        sock = None',
        '        try:',
        '            sock = socket.socket(family)',
        '            sock.connect(addr)',
        '            return sock',
        '        except OSError:',
        '            if sock is not None:',
        '                sock.close()',
        '    raise OSError("no address worked")',
      ]),
      [],
    );
  });

  it('takes a test that every attempt of a retry loop failed as true only when the loop ran out, not after its break', async () => {
    const loop = (test: string, record: string) => [
      'import socket',
      'def connect(addrs):',
      '    errors = []',
      '    for addr in addrs:',
      '        err = sock = None',
      '        try:',
      '            sock = socket.socket()',
      '            sock.connect(addr)',
      '            break',
      '        except OSError as e:',
      '            sock.close()',
      `            ${record}`,
      `    if ${test}:`,
      '        raise OSError(errors)',
      '    return sock',
    ];
    assert.deepEqual(await reported(loop('len(errors) == len(addrs)', 'errors.append(e)')), []);
    assert.deepEqual(await reported(loop('err is not None', 'err = e')), []);
    // Any failure, not every one: the raise may drop the socket a later attempt connected.
    assert.deepEqual(await reported(loop('errors', 'errors.append(e)')), [
      '7: unclosed-socket: Socket opened here is not closed on the raise at line 14 — CLOSE_WAIT risk',
    ]);
  });

  it('reports a close that runs in one arm of an expression only, and not one whose other arm holds no socket', async () => {
    assert.deepEqual(
      await reported(['import socket', 'def f(addr, close_after):', '    s = socket.socket()', '    close_after and s.close()']),
      ['3: unclosed-socket: Socket opened here is not closed on every path — CLOSE_WAIT risk'],
    );
    assert.deepEqual(
      await reported([
        'import socket',
        'def f(addr):',
        '    s = None',
        '    try:',
        '        s = socket.create_connection(addr)',
        '        s.sendall(b"x")',
        '    finally:',
        '        s and s.close()',
      ]),
      [],
    );
  });

  it('counts a socket in the tuple a for loop walks as handed to the loop (`for s in (a, b): s.close()`)', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def f(addr):',
        '    a = socket.socket()',
        '    for s in (a, None):',
        '        if s is not None:',
        '            s.close()',
        '    c = socket.socket()',
        '    for chunk in iter(c.recv, b""):',
        '        pass',
      ]),
      ['7: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk'],
    );
  });

  it("reads the event loop's socket calls as using the socket, and `loop.sock_accept` as accepting one", async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'async def f(loop, addr):',
        '    s = socket.socket()',
        '    await loop.sock_connect(s, addr)',
        '    s.close()',
        'async def g(loop, srv):',
        '    conn, _ = await loop.sock_accept(srv)',
        '    await loop.sock_sendall(conn, b"hi")',
      ]),
      [
        '3: unclosed-on-exception: Socket opened here is not closed when `sock_connect` raises at line 4 — use `with` or `try`/`finally`',
        '7: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
      ],
    );
  });

  it('names the early return a socket leaks on, and a socket never closed', async () => {
    assert.deepEqual(
      await reported([
        'import socket',
        'def login(addr):',
        '    s = socket.create_connection(addr)',
        '    if not s.recv(3):',
        '        return False',
        '    try:',
        '        return True',
        '    finally:',
        '        s.close()',
        'def ping(addr):',
        '    s = socket.create_connection(addr)',
        '    s.sendall(b"ping")',
      ]),
      [
        '3: unclosed-socket: Socket opened here is not closed on the return at line 5 — CLOSE_WAIT risk',
        '11: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
      ],
    );
  });

  it('follows an asyncio stream client on every path: an await that raises skips the close, `write()` does not raise, `wait_for` passes the pair through, a pair awaited and dropped is open', async () => {
    assert.deepEqual(
      await reported([
        'import asyncio',
        'async def banner(h, p):',
        '    reader, writer = await asyncio.open_connection(h, p)',
        '    line = await reader.readline()',
        '    writer.close()',
        '    return line',
        'async def notify(h, p):',
        '    _, writer = await asyncio.open_connection(h, p)',
        '    writer.write(b"x")',
        '    writer.close()',
        'async def ping(h, p):',
        '    reader, writer = await asyncio.wait_for(asyncio.open_connection(h, p), timeout=1)',
        '    writer.write(b"PING")',
        'async def first(h, p):',
        '    reader, writer = await asyncio.open_connection(h, p)',
        '    try:',
        '        return await reader.readline()',
        '    finally:',
        '        writer.transport.close()',
        'class Conn:',
        '    async def open(self, h, p):',
        '        reader, writer = await asyncio.open_connection(h, p)',
        '        self.reader, self.writer = reader, writer',
        'async def check(h, p):',
        '    await asyncio.wait_for(asyncio.open_connection(h, p), 1)',
        'def unstarted(h, p):',
        '    asyncio.open_connection(h, p)',
      ]),
      [
        '3: unclosed-on-exception: Socket opened here is not closed when `readline` raises at line 4 — close the writer in `try`/`finally`',
        '12: unclosed-socket: Socket opened here is never closed — CLOSE_WAIT risk',
        '25: unclosed-socket: Connection opened here is never closed: its reader and writer are dropped — CLOSE_WAIT risk',
      ],
    );
  });
});
