// A window whose browser went away keeps saying "focused"; only an unanswered round trip tells.
// The round trip is a promise here: a browser killed mid-session cannot be had in a unit test
// (the bench's "browser gone" row measures the real one in code-server).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SILENT_AFTER_MS, WindowAnswers } from '../../src/live/windowAnswers';

function harness() {
  let now = 0;
  const pending: (() => void)[] = [];
  const changes: boolean[] = [];
  const answers = new WindowAnswers(
    () => new Promise<void>((resolve) => pending.push(resolve)),
    (answering) => changes.push(answering),
    () => now,
  );
  const settle = () => new Promise((r) => setImmediate(r));
  return { answers, pending, changes, settle, advance: (ms: number) => (now += ms) };
}

describe('WindowAnswers', () => {
  it('stays answering while each question is answered, asking one at a time', async () => {
    const h = harness();
    for (let i = 0; i < 5; i++) {
      h.answers.check();
      h.answers.check();
      h.advance(2_000);
      h.pending.shift()!();
      await h.settle();
    }
    assert.equal(h.pending.length, 0, 'one question per answer');
    assert.deepEqual(h.changes, []);
    assert.equal(h.answers.answering, true);
  });

  it('falls silent when a question waits too long, and answers again when it is answered', async () => {
    const h = harness();
    h.answers.check();
    h.advance(SILENT_AFTER_MS - 1);
    h.answers.check();
    assert.equal(h.answers.answering, true, 'a slow window is not gone yet');
    h.advance(1);
    h.answers.check();
    h.answers.check();
    assert.equal(h.answers.answering, false);
    assert.deepEqual(h.changes, [false], 'told once');
    assert.equal(h.pending.length, 1, 'no pile of questions to a window that is gone');
    h.pending.shift()!();
    await h.settle();
    assert.equal(h.answers.answering, true);
    assert.deepEqual(h.changes, [false, true]);
  });

  it('takes a refused question as an answer', async () => {
    const h = harness();
    const answers = new WindowAnswers(
      () => Promise.reject(new Error('no such command')),
      (a) => h.changes.push(a),
    );
    answers.check();
    await h.settle();
    answers.check();
    assert.equal(answers.answering, true);
    assert.deepEqual(h.changes, []);
  });
});
