import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightNode } from '../../src/analysis/languages/cFamilyTree';
import { cGraph } from '../../src/analysis/languages/c';
import { flow, graphOf as braceGraph, reported } from '../helpers/braceCfg';

/** Every `socket(…)`/`accept(…)` acquires into the variable it initialises or is assigned to. */
const C = {
  language: 'c' as const,
  acquiring: /^(?:socket|accept4?)\(/,
  targetOf: (call: LightNode) => {
    const p = call.parent;
    if (p?.type === 'init_declarator') return p.children.find((c) => c.field === 'declarator');
    return p?.type === 'assignment_expression' ? p.children.find((c) => c.field === 'left') : undefined;
  },
  functionTypes: new Set(['function_definition']),
  build: cGraph,
};
const graphOf = (lines: string[]) => braceGraph(C, lines);

describe('leak engine: the C/C++ control-flow graph (src/analysis/cfg/c.ts)', () => {
  it('takes each #ifdef/#else branch as an alternative, and drops the descriptor on the branch where it failed', async () => {
    const edges = flow(
      await graphOf([
        'int f(int l) {',
        '  int fd;',
        '#ifdef HAVE_ACCEPT4',
        '  fd = accept4(l, 0, 0, 0);',
        '#else',
        '  fd = accept(l, 0, 0);',
        '#endif',
        '  if (fd < 0) return -1;',
        '  return fd;',
        '}',
      ]),
    );
    assert.deepEqual(edges, [
      '<return@8> -> exit',
      '<return@9>[transfer fd] -> exit',
      '[acquire#0 fd] -> <return@9>[transfer fd]',
      '[acquire#0 fd] -> [drop fd]',
      '[acquire#1 fd] -> <return@9>[transfer fd]',
      '[acquire#1 fd] -> [drop fd]',
      '[drop fd] -> <return@8>',
      'entry -> [acquire#0 fd]',
      'entry -> [acquire#1 fd]',
    ]);
  });

  it('sends goto to its label (forward, into the cleanup ladder), with no exceptional edge on any call', async () => {
    const edges = flow(
      await graphOf([
        'int f(void) {',
        '  int a = socket(2, 1, 0);',
        '  if (a < 0) goto out;',
        '  if (send(a, "x", 1, 0) < 0) goto close_a;',
        '  work(0);',
        'close_a:',
        '  close(a);',
        'out:',
        '  return 0;',
        '}',
      ]),
    );
    assert.ok(edges.includes('[acquire#0 a] -> [release a]'), edges.join('\n'));
    assert.ok(edges.includes('[drop a] -> <return@9>'), edges.join('\n'));
    assert.ok(edges.includes('[release a] -> <return@9>'), edges.join('\n'));
    assert.ok(!edges.some((e) => e.includes('~>')), edges.join('\n'));
  });

  it('acquires in a while condition, drops on its failing exit, falls through switch cases and takes continue back to the acquisition', async () => {
    assert.deepEqual(
      flow(
        await graphOf([
          'void f(int l, int k) {',
          '  int c;',
          '  while ((c = accept(l, 0, 0)) >= 0) {',
          '    switch (k) {',
          '    case 1: send(c, "a", 1, 0);',
          '    case 2: close(c); break;',
          '    default: continue;',
          '    }',
          '  }',
          '}',
        ]),
      ),
      [
        // `default: continue` goes round again with `c` open: the next accept loses it.
        '[acquire#0 c] -> [acquire#0 c]',
        '[acquire#0 c] -> [drop c]',
        // Case 1 falls into case 2's close.
        '[acquire#0 c] -> [release c]',
        '[drop c] -> exit',
        '[release c] -> [acquire#0 c]',
        'entry -> [acquire#0 c]',
      ],
    );
  });
});

describe("leak engine on C functions: the issue's patterns", () => {
  it('has no finding for the accept4/accept alternatives returned, nor for the getaddrinfo search loop', async () => {
    assert.deepEqual(
      await reported('c', [
        'int f(int l) {',
        '  int fd;',
        '#ifdef HAVE_ACCEPT4',
        '  fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);',
        '#else',
        '  fd = accept(l, NULL, NULL);',
        '#endif',
        '  if (fd < 0) return -1;',
        '  return fd;',
        '}',
        'int g(struct addrinfo *res) {',
        '  struct addrinfo *p; int fd = -1;',
        '  for (p = res; p != NULL; p = p->ai_next) {',
        '    fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);',
        '    if (fd == -1) continue;',
        '    if (connect(fd, p->ai_addr, p->ai_addrlen) != -1) break;',
        '    close(fd);',
        '  }',
        '  freeaddrinfo(res);',
        '  if (p == NULL) return -1;',
        '  return fd;',
        '}',
      ]),
      [],
    );
  });

  it('takes `if (i == MAX) close(fd)` after a table search as true only where the search ran out', async () => {
    const search = (loop: string, test: string) => [
      'static int table[64];',
      'void add(int l) {',
      '  int fd = accept(l, NULL, NULL);',
      '  if (fd < 0) return;',
      '  int i;',
      `  ${loop} {`,
      '    if (table[i] == 0) { table[i] = fd; break; }',
      '  }',
      `  ${test}`,
      '}',
    ];
    for (const [loop, test] of [
      ['for (i = 0; i < 64; i++)', 'if (i == 64) close(fd);'],
      ['for (i = 0; 64 > i; ++i)', 'if (i >= 64) { close(fd); }'],
      ['for (i = 0; i != 64; i++)', 'if (i != 64) return; else close(fd);'],
    ])
      assert.deepEqual(await reported('c', search(loop, test)), [], `${loop} ${test}`);
    // The descriptor is dropped open when the table is full (no test), when the test is of another
    // bound, and when the body moves the index itself (a break no longer says it is below the bound).
    for (const [loop, test] of [
      ['for (i = 0; i < 64; i++)', ';'],
      ['for (i = 0; i < 64; i++)', 'if (i == 63) close(fd);'],
      ['for (i = 0; i < 64 && fd >= 0; i++)', 'if (i == 64) close(fd);'],
    ])
      assert.deepEqual(
        await reported('c', search(loop, test)),
        ['3: unclosed-socket: Socket opened here is not closed on every path — CLOSE_WAIT risk'],
        `${loop} ${test}`,
      );
    const moved = search('for (i = 0; i < 64; i++)', 'if (i == 64) close(fd);');
    moved[6] = '    if (table[i] == 0) { table[i] = fd; i = 64; break; }';
    assert.equal((await reported('c', moved)).length, 1);
    // Nor between the loop and the test: after `i++` the test no longer says which end it was.
    assert.equal((await reported('c', search('for (i = 0; i < 64; i++)', 'i++; if (i == 64) close(fd);'))).length, 1);
  });

  it('names the goto that skips the close, and a close compiled only under #ifdef', async () => {
    assert.deepEqual(
      await reported('c', [
        'int f(const struct sockaddr *sa, socklen_t n) {',
        '  int s = socket(AF_INET, SOCK_STREAM, 0);',
        '  if (s < 0) goto fail;',
        '  if (connect(s, sa, n) < 0) goto fail;',
        '  close(s);',
        '  return 0;',
        'fail:',
        '  return -1;',
        '}',
        'void g(void) {',
        '  int s = socket(AF_INET, SOCK_STREAM, 0);',
        '#ifdef DEBUG',
        '  close(s);',
        '#endif',
        '}',
      ]),
      [
        '2: unclosed-socket: Socket opened here is not closed on the early return at line 8 — CLOSE_WAIT risk',
        '11: unclosed-socket: Socket opened here is not closed on every path — CLOSE_WAIT risk',
      ],
    );
  });

  it('runs each arm of `&&` and `?:` on a path of its own, refined as an if is: `fd >= 0 && close(fd)` closes, `ok && close(fd)` may not', async () => {
    const edges = flow(
      await graphOf([
        'void f(int ok) {',
        '  int fd = socket(2, 1, 0);',
        '  fd >= 0 && close(fd);',
        '  int g = socket(2, 1, 0);',
        '  ok ? close(g) : 0;',
        '}',
      ]),
    );
    assert.deepEqual(edges, [
      // `fd >= 0` false: the descriptor failed, so nothing is held there.
      '[acquire#0 fd] -> [drop fd]',
      '[acquire#0 fd] -> [release fd]',
      '[acquire#1 g] -> [release g]',
      '[acquire#1 g] -> exit',
      '[drop fd] -> [acquire#1 g]',
      '[release fd] -> [acquire#1 g]',
      '[release g] -> exit',
      'entry -> [acquire#0 fd]',
    ]);
    assert.deepEqual(
      await reported('c', ['void f(int ok) {', '  int fd = socket(2, 1, 0);', '  if (fd < 0) return;', '  ok && close(fd);', '}']),
      ['2: unclosed-socket: Socket opened here is not closed on every path — CLOSE_WAIT risk'],
    );
  });

  it('hands a descriptor to epoll only where epoll_ctl added it: the failing branch of `if (epoll_ctl(…) < 0)` still holds it', async () => {
    const edges = flow(
      await graphOf([
        'void f(int ep) {',
        '  struct epoll_event ev;',
        '  int c = accept(3, 0, 0);',
        '  ev.data.fd = c;',
        '  if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) < 0) return;',
        '}',
      ]),
    );
    assert.deepEqual(edges, [
      '<return@5> -> exit',
      '[acquire#0 c] -> <return@5>',
      '[acquire#0 c] -> [transfer c]',
      '[transfer c] -> exit',
      'entry -> [acquire#0 c]',
    ]);
    const registered = (statement: string): string[] => [
      'void f(int ep) {',
      '  struct epoll_event ev = { .events = 1, .data.fd = 0 };',
      '  int c = accept(3, 0, 0);',
      '  if (c < 0) return;',
      '  ev.data.fd = c;',
      `  ${statement}`,
      '}',
    ];
    const leak = ['3: unclosed-socket: Socket opened here is not closed on the early return at line 6 — CLOSE_WAIT risk'];
    assert.deepEqual(await reported('c', registered('if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) == -1) return;')), leak);
    assert.deepEqual(await reported('c', registered('if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev)) return;')), leak);
    assert.deepEqual(await reported('c', registered('if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) != 0) { close(c); return; }')), []);
    assert.deepEqual(await reported('c', registered('if (!epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev)) return; else close(c);')), []);
    // Unchecked: taken as added.
    assert.deepEqual(await reported('c', registered('epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);')), []);
    // The block given to a helper with the descriptor in it: stored there, as before.
    assert.deepEqual(await reported('c', registered('watch(ep, &ev);')), []);
  });
});
