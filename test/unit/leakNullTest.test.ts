import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nullTestOf } from '../../src/analysis/cfg/nullTest';
import { JAVA_APIS } from '../../src/analysis/apis/java';
import { JAVASCRIPT_APIS } from '../../src/analysis/apis/javascript';

describe('leak engine: null and already-closed tests of a condition (src/analysis/cfg/nullTest.ts)', () => {
  it('reads a test that the socket was closed already as "no open socket" on its true outcome', () => {
    assert.deepEqual(nullTestOf('s.isClosed()', false, JAVA_APIS.alreadyClosed), { name: 's', nullWhen: true });
    assert.deepEqual(nullTestOf('(!socket.destroyed)', true, JAVASCRIPT_APIS.alreadyClosed), { name: 'socket', nullWhen: false });
    // Java has no `destroyed`; a test of another language's member tells nothing.
    assert.equal(nullTestOf('s.destroyed', false, JAVA_APIS.alreadyClosed), undefined);
  });

  it('joins tests of one variable: `&&` of "open" tests, `||` of "closed" tests', () => {
    assert.deepEqual(nullTestOf('s != null && !s.isClosed()', false, JAVA_APIS.alreadyClosed), { name: 's', nullWhen: false });
    assert.deepEqual(nullTestOf('s == null || s.isClosed()', false, JAVA_APIS.alreadyClosed), { name: 's', nullWhen: true });
    assert.deepEqual(nullTestOf('!(s == null || s.isClosed())', false, JAVA_APIS.alreadyClosed), { name: 's', nullWhen: false });
    assert.deepEqual(nullTestOf('sock && !sock.destroyed', true, JAVASCRIPT_APIS.alreadyClosed), { name: 'sock', nullWhen: false });
  });

  it('gives up where a part is about something else or another variable', () => {
    assert.equal(nullTestOf('s != null && retry', false, JAVA_APIS.alreadyClosed), undefined);
    assert.equal(nullTestOf('a != null && !b.isClosed()', false, JAVA_APIS.alreadyClosed), undefined);
    // Mixed outcomes: `s == null && …` says nothing on either outcome about the socket being open.
    assert.equal(nullTestOf('s == null && !s.isClosed()', false, JAVA_APIS.alreadyClosed), undefined);
    assert.equal(nullTestOf('check(a && b)', true, JAVASCRIPT_APIS.alreadyClosed), undefined);
  });
});
