import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayLines, displayText } from '../../src/core/displayText';

describe('displayText', () => {
  it('makes every C0 and C1 control and DEL visible, and leaves other text alone', () => {
    assert.equal(displayText('\x1b]0;owned\x07name'), '\\x1b]0;owned\\x07name');
    assert.equal(displayText('\x1b[2J'), '\\x1b[2J');
    assert.equal(displayText('a\u009b31mb'), 'a\\x9b31mb');
    assert.equal(displayText('x\x7fy\tz\nw'), 'x\\x7fy\\x09z\\x0aw');
    assert.equal(displayText('nginx: worker ü → 日本'), 'nginx: worker ü → 日本');
    for (let c = 0; c < 0xa0; c++) {
      const out = displayText(String.fromCharCode(c));
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(out), `U+${c.toString(16)} stays a control`);
    }
  });
  it('keeps line breaks in multi-line text', () => {
    assert.equal(displayLines('one\r\ntwo\x1b[1m\nthree'), 'one\ntwo\\x1b[1m\nthree');
  });
});
