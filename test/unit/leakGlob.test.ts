import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGlob, MAX_BRACE_EXPANSIONS, matchesAnyGlob } from '../../src/server/glob';

const matches = (path: string, glob: string) => matchesAnyGlob(path, [glob]);

describe('tcpLens.leaks.ignore globs (src/server/glob.ts)', () => {
  it('matches the defaults and the usual VS Code glob forms', () => {
    assert.equal(matches('/w/node_modules/dep/index.js', '**/node_modules/**'), true);
    assert.equal(matches('/w/src/node_modules_x/a.js', '**/node_modules/**'), false);
    assert.equal(matches('/w/.git/hooks/x.py', '**/.git/**'), true);
    assert.equal(matches('/w/proj/go/ping.go', '**/go/**'), true);
    assert.equal(matches('/w/proj/gopher/ping.go', '**/go/**'), false);
    // No slash: the file name anywhere.
    assert.equal(matches('/w/a/b/server_test.py', '*_test.py'), true);
    assert.equal(matches('/w/a/b/server.py', '*_test.py'), false);
    // A relative glob with a slash matches at any depth of an absolute path.
    assert.equal(matches('/home/me/proj/src/a.py', 'src/*.py'), true);
    assert.equal(matches('/home/me/proj/src/sub/a.py', 'src/*.py'), false);
    assert.equal(matches('/home/me/proj/src/sub/a.py', 'src/**/*.py'), true);
    assert.equal(matches('/home/me/proj/src/a.py', 'src/**/*.py'), true, '** may match no folder');
    // ? is one character, never a slash.
    assert.equal(matches('/w/a1.js', 'a?.js'), true);
    assert.equal(matches('/w/a12.js', 'a?.js'), false);
    assert.equal(matches('/w/a/b.js', 'w/a?b.js'), false);
    // * stays in one segment.
    assert.equal(matches('/w/src/a/b.js', 'w/src/*.js'), false);
    // Braces, nested braces, braces across folders.
    assert.equal(matches('/w/test/a.ts', '**/{test,spec}/**'), true);
    assert.equal(matches('/w/spec/a.ts', '**/{test,spec}/**'), true);
    assert.equal(matches('/w/lib/a.ts', '**/{test,spec}/**'), false);
    assert.equal(matches('/w/a.tsx', '*.{js,ts{,x}}'), true);
    assert.equal(matches('/w/a.ts', '*.{js,ts{,x}}'), true);
    assert.equal(matches('/w/a.tsj', '*.{js,ts{,x}}'), false);
    assert.equal(matches('/w/vendor/x/a.go', '{vendor/**,third_party/**}'), true);
    // Classes, ranges and negation.
    assert.equal(matches('/w/a1.py', 'a[0-9].py'), true);
    assert.equal(matches('/w/ab.py', 'a[0-9].py'), false);
    assert.equal(matches('/w/ab.py', 'a[!0-9].py'), true);
    assert.equal(matches('/w/a1.py', 'a[^0-9].py'), false);
    assert.equal(matches('/w/a[.py', 'a[.py'), true, 'an unclosed [ is literal');
    // Regular-expression characters are literal.
    assert.equal(matches('/w/a+b(1).py', 'a+b(1).py'), true);
    assert.equal(matches('/w/axb.py', 'a.b.py'), false);
    // Windows separators.
    assert.equal(matches('C:\\w\\node_modules\\x.js', '**/node_modules/**'), true);
    // Absolute globs.
    assert.equal(matches('/srv/app/gen/x.py', '/srv/app/gen/**'), true);
    assert.equal(matches('/srv/other/gen/x.py', '/srv/app/gen/**'), false);
  });

  it('answers quickly and correctly for the pattern that made the old regex backtrack (twelve **/ on a 25-deep path)', () => {
    const deep = `/${Array.from({ length: 25 }, () => 'd').join('/')}/server.py`;
    const began = performance.now();
    assert.equal(matches(deep, `${'**/'.repeat(12)}x.py`), false);
    assert.equal(matches(deep, `${'**/'.repeat(12)}server.py`), true);
    assert.equal(matches(deep, `${'**/d/'.repeat(12)}x.py`), false);
    assert.equal(matches(deep, `${'**/d/'.repeat(12)}server.py`), true);
    assert.equal(matches(deep, `${'**/d/'.repeat(26)}server.py`), false, 'more d folders than the path has');
    // Many stars inside one name: the old regex was polynomial there too.
    assert.equal(matches(`/w/${'a'.repeat(250)}`, `${'*a'.repeat(40)}b`), false);
    // Generous: the old matcher took over a minute for the first pattern alone.
    assert.ok(performance.now() - began < 1000, `${(performance.now() - began).toFixed(0)} ms`);
  });

  it('treats a glob that expands to too many alternatives, or a huge one, as malformed: it ignores nothing', () => {
    const bomb = '{a,b}'.repeat(12); // 4096 alternatives
    assert.equal(compileGlob(bomb), undefined);
    assert.equal(matches('/w/aaaaaaaaaaaa', bomb), false);
    assert.ok(compileGlob('{a,b}'.repeat(Math.floor(Math.log2(MAX_BRACE_EXPANSIONS)))));
    assert.equal(matches('/w/x.py', `${'x'.repeat(5000)}*`), false);
    assert.equal(matches('/w/x.py', '{unclosed'), false);
    assert.equal(matches('/w/{unclosed', '{unclosed'), true);
  });
});
