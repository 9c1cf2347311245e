import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, jsonOutput, messageText } from '../../src/cli/table';

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('CLI output of system text', () => {
  it('a table shows control characters escaped and aligns on the escaped text', () => {
    const table = formatTable(
      ['STATE', 'PROCESS'],
      [
        ['LISTEN', 'a\x1b]0;t\x07b'],
        ['ESTABLISHED', '\u009b2J'],
      ],
    );
    assert.doesNotMatch(table, CONTROLS);
    assert.equal(table, ['STATE        PROCESS', 'LISTEN       a\\x1b]0;t\\x07b', 'ESTABLISHED  \\x9b2J'].join('\n'));
  });

  it('JSON escapes DEL and C1 as well, and parses back to the same value', () => {
    const value = { process: 'x\u009b31m\x1b[2J\u007f', n: 1 };
    const text = jsonOutput(value);
    assert.doesNotMatch(text, CONTROLS);
    assert.deepEqual(JSON.parse(text), value);
    assert.deepEqual(JSON.parse(jsonOutput([value], 2)), [value]);
  });

  it('messages keep their line breaks and lose carriage returns and escapes', () => {
    assert.equal(messageText('ssh: \x1b[31mdenied\r\nsecond line\rover'), 'ssh: \\x1b[31mdenied\nsecond line\\x0dover');
  });
});
