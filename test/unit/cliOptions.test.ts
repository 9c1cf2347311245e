import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/main';
import { parseStateOption } from '../../src/cli/stateOption';
import { formatAgeCell } from '../../src/core/ageText';
import { TCP_STATE_NAMES } from '../../src/core/model';

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, new AbortController().signal);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI options', () => {
  it('takes states in the kernel spelling and in ss spelling', () => {
    const typed: [string, string][] = [
      ['close_wait', 'CLOSE_WAIT'],
      ['CLOSE-WAIT', 'CLOSE_WAIT'],
      ['time-wait', 'TIME_WAIT'],
      ['estab', 'ESTABLISHED'],
      ['syn-sent', 'SYN_SENT'],
      ['fin-wait-1', 'FIN_WAIT1'],
      ['FIN-WAIT-2', 'FIN_WAIT2'],
      ['listening', 'LISTEN'],
      ['listen', 'LISTEN'],
      ['last-ack', 'LAST_ACK'],
      ['closed', 'CLOSE'],
      ['Established', 'ESTABLISHED'],
    ];
    for (const [input, state] of typed) assert.equal(parseStateOption(input), state, input);
  });

  it('a bad state lists every valid one, one line, exit 2', async () => {
    const { code, err } = await cli('list', '--state', 'half-open');
    assert.equal(code, 2);
    assert.equal(err.split('\n').length, 1);
    assert.match(err, /^tcp-lens: --state: unknown TCP state "half-open"; one of ESTABLISHED \(estab\), /);
    for (const s of TCP_STATE_NAMES) assert.ok(err.includes(s), s);
  });

  it('says what is wrong with options in its own words, one line, exit 2', async () => {
    const cases: [string[], string][] = [
      [
        ['list', '--colour'],
        'tcp-lens: unknown option --colour (this command takes --json, --state, --port, --pid, --stuck-after, --host, --ssh-config)',
      ],
      [['watch', '--interval'], 'tcp-lens: --interval needs a value'],
      [
        ['list', '--port', '--json'],
        'tcp-lens: --port needs a value, not another option (write --port=VALUE if the value starts with "-")',
      ],
      [['counts', '--json=yes'], 'tcp-lens: --json takes no value'],
      [['counts', 'extra'], 'tcp-lens: unexpected argument "extra" (this command takes --json, --host, --ssh-config)'],
      [['watch', '--stuck-after', '0'], 'tcp-lens: --stuck-after must be between 1 and 86400, got 0'],
      [['list', '--stuck-after', 'soon'], 'tcp-lens: --stuck-after must be a whole number, got "soon"'],
    ];
    for (const [argv, message] of cases) {
      const { code, err, out } = await cli(...argv);
      assert.deepEqual([code, err, out], [2, message, ''], argv.join(' '));
    }
  });

  it('--version prints the package version', async () => {
    const { code, out } = await cli('--version');
    assert.equal(code, 0);
    assert.match(out, /^tcp-lens \d+\.\d+\.\d+$/);
  });

  it('prints ages compactly, lower bounds with ≥, nothing known as -', () => {
    assert.deepEqual(
      [
        formatAgeCell(4.9),
        formatAgeCell(59),
        formatAgeCell(61),
        formatAgeCell(250, true),
        formatAgeCell(7200),
        formatAgeCell(200_000),
        formatAgeCell(0, true),
        formatAgeCell(undefined),
      ],
      ['4s', '59s', '1m', '≥ 4m', '2h', '2d', '-', '-'],
    );
  });
});
