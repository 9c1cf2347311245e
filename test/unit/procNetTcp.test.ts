import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIPv6 } from '../../src/core/address';
import type { Connection } from '../../src/core/model';
import { emptyCounts, TCP_STATE_NAMES } from '../../src/core/model';
import { AddressCache, countConnections, parseConnections, ParseWarnings, type ParseOptions } from '../../src/core/linux/procNetTcp';
import { stateInfo } from '../../src/core/states';

const HEADER4 = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const HEADER6 =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

function line4(
  sl: number,
  local: string,
  remote: string,
  st: string,
  inode: number | string = 1234,
  uid: number | string = 1000,
  queues = '00000000:00000000',
  timer = '00:00000000',
): string {
  return `${String(sl).padStart(4)}: ${local} ${remote} ${st} ${queues} ${timer} 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;
}

function parse(text: string, opts: ParseOptions = { family: 'IPv4', littleEndian: true }) {
  const buf = Buffer.from(text, 'latin1');
  const out: Connection[] = [];
  const warnings = new ParseWarnings();
  parseConnections(buf, buf.length, opts, out, new AddressCache(), warnings, true);
  return { out, warnings };
}

describe('/proc/net/tcp parser', () => {
  it('maps every kernel state code, including NEW_SYN_RECV printed as 0C', () => {
    let text = HEADER4;
    for (const name of TCP_STATE_NAMES) {
      text += line4(1, '0100007F:1F90', '0100007F:C350', stateInfo(name).code.toString(16).toUpperCase().padStart(2, '0'));
    }
    text += line4(2, '0100007F:1F90', '0100007F:C351', '0C');
    const { out, warnings } = parse(text);
    assert.deepEqual(
      out.map((c) => c.state),
      [...TCP_STATE_NAMES, 'SYN_RECV'],
    );
    assert.equal(warnings.skipped, 0);
  });

  it('reads host byte order addresses and big-endian ports', () => {
    const { out } = parse(HEADER4 + line4(0, '0100007F:1F90', '0A01A8C0:01BB', '01', 42, 33, '0000001A:00000B0C'));
    assert.deepEqual(
      { ...out[0] },
      {
        family: 'IPv4',
        localAddress: '127.0.0.1',
        localPort: 8080,
        remoteAddress: '192.168.1.10',
        remotePort: 443,
        state: 'ESTABLISHED',
        sendQueue: 0x1a,
        receiveQueue: 0xb0c,
        uid: 33,
        inode: 42,
        owner: 'unresolved',
        pid: undefined,
        process: undefined,
        commandLine: undefined,
        inferredOwner: undefined,
        ageSeconds: undefined,
        ageSource: undefined,
        ageIsLowerBound: false,
      },
    );
  });

  it("reads big-endian machines' text when told so", () => {
    const { out } = parse(HEADER4 + line4(0, '7F000001:0050', '00000000:0000', '0A'), { family: 'IPv4', littleEndian: false });
    assert.equal(out[0].localAddress, '127.0.0.1');
  });

  it('dates TIME_WAIT rows from what remains of their 60 s timer (tm->when in 1/100 s); other states get no kernel age', () => {
    // A TIME_WAIT row as get_timewait4_sock prints it: timer 3, 4,250 (0x109A) ticks left = 42.5 s.
    const { out, warnings } = parse(
      HEADER4 +
        line4(0, '0100007F:1F90', '0100007F:C350', '06', 0, 0, '00000000:00000000', '03:0000109A') +
        line4(1, '0100007F:1F90', '0100007F:C351', '08', 77, 0, '00000000:00000000', '00:00000000') +
        line4(2, '0100007F:1F90', '0100007F:C352', '06', 0, 0, '00000000:00000000', '03:00000000'),
    );
    assert.equal(warnings.skipped, 0);
    assert.equal(out[0].ageSeconds, 17.5);
    assert.equal(out[0].ageSource, 'kernel');
    assert.equal(out[1].ageSeconds, undefined, 'CLOSE_WAIT: /proc text has no age for it');
    assert.equal(out[1].ageSource, undefined);
    assert.equal(out[2].ageSeconds, 60, 'an expired timer: the full 60 s');
  });

  it('skips a line whose timer field is not tr:when', () => {
    const { out, warnings } = parse(HEADER4 + line4(0, '0100007F:1F90', '0100007F:C350', '06', 0, 0, '00000000:00000000', '03-0000ZZ'));
    assert.equal(out.length, 0);
    assert.equal(warnings.skipped, 1);
  });

  it('marks inode 0 (TIME_WAIT) as owned by the kernel', () => {
    const { out } = parse(HEADER4 + line4(0, '0100007F:1F90', '0100007F:C350', '06', 0));
    assert.equal(out[0].owner, 'kernel');
  });

  it('decodes IPv6 words byte-swapped per 32-bit word', () => {
    const rows = [
      ['00000000000000000000000001000000', '::1'],
      ['00000000000000000000000000000000', '::'],
      ['0000000000000000FFFF00000100007F', '::ffff:127.0.0.1'],
      ['B80D0120000000000000000001000000', '2001:db8::1'],
      ['B80D0120000000000000000000FEFF00', '2001:db8::ff:fe00'],
      ['000080FE00000000FF5A6B02FEDCBA98', 'fe80::26b:5aff:98ba:dcfe'],
    ];
    let text = HEADER6;
    for (const [hex] of rows) text += line4(0, `${hex}:0050`, `${'0'.repeat(32)}:0000`, '0A');
    const { out, warnings } = parse(text, { family: 'IPv6', littleEndian: true });
    assert.equal(warnings.skipped, 0, warnings.examples.join('\n'));
    assert.deepEqual(
      out.map((c) => c.localAddress),
      rows.map((r) => r[1]),
    );
    assert.ok(out.every((c) => c.family === 'IPv6' && c.localPort === 80 && c.remoteAddress === '::'));
  });

  it('formats IPv6 per RFC 5952: longest zero run, first on a tie, no single-group ::', () => {
    assert.equal(formatIPv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]), '2001:db8::1:0:0:1');
    assert.equal(formatIPv6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIPv6([0x2001, 0, 0, 1, 0, 0, 0, 1]), '2001:0:0:1::1');
    assert.equal(formatIPv6([1, 0, 0, 0, 0, 0, 0, 0]), '1::');
    assert.equal(formatIPv6([0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0]), 'fe80::abcd:0:0:0');
  });

  it('skips malformed lines with a warning and keeps the good ones', () => {
    const text =
      HEADER4 +
      line4(0, '0100007F:1F90', '00000000:0000', '0A') +
      '   1: 0100007F:1F90 garbage\n' +
      line4(2, '0100007G:1F90', '00000000:0000', '0A') +
      line4(3, '0100007F:1F90', '00000000:0000', 'FF') +
      line4(4, '0100007F:FFFFF', '00000000:0000', '0A') +
      '\u00ff\u00fe binary junk \u0000\n' +
      '\n' +
      line4(7, '0100007F:0016', '00000000:0000', '0A');
    const { out, warnings } = parse(text);
    assert.deepEqual(
      out.map((c) => c.localPort),
      [8080, 22],
    );
    assert.equal(warnings.skipped, 5);
    const messages = warnings.toMessages('/proc/net/tcp');
    assert.match(messages[0], /skipped 5 malformed line\(s\) \(first 5 shown\)|skipped 5 malformed line\(s\)$/);
    assert.match(messages.join('\n'), /bad remote address/);
    assert.match(messages.join('\n'), /unknown state code/);
  });

  it('keeps at most five examples however many lines are bad', () => {
    const { warnings } = parse(HEADER4 + 'x\n'.repeat(1000));
    assert.equal(warnings.skipped, 1000);
    assert.equal(warnings.toMessages('f').length, 6);
  });

  it('returns the offset of an unfinished line so chunks can be stitched', () => {
    const text = HEADER4 + line4(0, '0100007F:1F90', '00000000:0000', '0A') + line4(1, '0100007F:0016', '00000000:0000', '0A');
    const buf = Buffer.from(text, 'latin1');
    const out: Connection[] = [];
    const warnings = new ParseWarnings();
    const cache = new AddressCache();
    const opts: ParseOptions = { family: 'IPv4', littleEndian: true };
    for (let cut = 1; cut < buf.length; cut += 7) {
      out.length = 0;
      const used = parseConnections(buf, cut, opts, out, cache, warnings, false);
      const rest = Buffer.concat([buf.subarray(used, cut), buf.subarray(cut)]);
      parseConnections(rest, rest.length, opts, out, cache, warnings, true);
      assert.deepEqual(
        out.map((c) => c.localPort),
        [8080, 22],
        `cut at ${cut}`,
      );
    }
    assert.equal(warnings.skipped, 0);
  });

  it('counts states without building connections, and flags bad state fields', () => {
    const text =
      HEADER4 +
      line4(0, '0100007F:1F90', '00000000:0000', '0A') +
      line4(1, '0100007F:1F90', '0100007F:C350', '08') +
      line4(2, '0100007F:1F90', '0100007F:C351', '08') +
      line4(3, '0100007F:C352', '0100007F:1F90', '06', 0) +
      '   4: 0100007F:1F90 0100007F:C351 ZZ 0\n' +
      '   5: 0100007F:1F90\n';
    const buf = Buffer.from(text, 'latin1');
    const counts = emptyCounts();
    const warnings = new ParseWarnings();
    countConnections(buf, buf.length, counts, warnings, true, 'IPv4');
    assert.deepEqual(counts, { ...emptyCounts(), LISTEN: 1, CLOSE_WAIT: 2, TIME_WAIT: 1 });
    assert.equal(warnings.skipped, 2);
  });

  it('counts exactly the lines the full parser accepts: both refuse the same malformed rows', () => {
    const ok = line4(0, '0100007F:1F90', '0100007F:C350', '01');
    const lines = [
      ok,
      'a b c 01\n',
      '   1: x y 01 00000000:00000000 00:00000000 00000000  1000 0 1234\n',
      line4(2, '0100007F:1F90', '0100007F:C350', '001'),
      line4(3, '0100007F:1F90', '0100007F:C350', '1'),
      line4(4, '0100007F:1F90', '0100007F:C350', '01', '12345678901234567'),
      line4(5, '0100007F:1F90', '0100007F:C350', '01', '9007199254740993'),
      line4(6, '0100007F:1F90', '0100007F:C350', '01', 1234, 4294967296),
      line4(7, '0100007F:1F90', '0100007F:C350', '01', 1234, 1000, '100000000:00000000'),
      line4(8, '00000000000000000000000001000000:1F90', '00000000000000000000000001000000:C350', '01'),
      line4(9, '0100007F0:1F90', '0100007F:C350', '01'),
      '  10: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000\n',
      line4(11, '0100007F:1F90', '0100007F:C350', '0A', 4294967295, 4294967295, 'FFFFFFFF:FFFFFFFF'),
    ];
    for (const line of lines) {
      const parsed = parse(HEADER4 + line);
      const buf = Buffer.from(HEADER4 + line, 'latin1');
      const counts = emptyCounts();
      const warnings = new ParseWarnings();
      countConnections(buf, buf.length, counts, warnings, true, 'IPv4');
      const counted = Object.values(counts).reduce((a, b) => a + b, 0);
      assert.equal(counted, parsed.out.length, `${JSON.stringify(line)}: counted ${counted}, parsed ${parsed.out.length}`);
      assert.equal(warnings.skipped, parsed.warnings.skipped, JSON.stringify(line));
      assert.deepEqual(warnings.examples, parsed.warnings.examples, JSON.stringify(line));
    }
    const all = parse(HEADER4 + lines.join(''));
    assert.equal(all.out.length, 2);
    assert.equal(all.warnings.skipped, lines.length - 2);
    assert.deepEqual(
      all.out.map((c) => [c.inode, c.uid, c.sendQueue]),
      [
        [1234, 1000, 0],
        [4294967295, 4294967295, 0xffffffff],
      ],
    );
  });

  it('refuses an IPv4 row in the IPv6 table and the reverse, in both paths', () => {
    const v4 = line4(0, '0100007F:1F90', '0100007F:C350', '01');
    const v6 = parse(HEADER6 + v4, { family: 'IPv6', littleEndian: true });
    assert.deepEqual([v6.out.length, v6.warnings.skipped], [0, 1]);
    const buf = Buffer.from(HEADER6 + v4, 'latin1');
    const counts = emptyCounts();
    const warnings = new ParseWarnings();
    countConnections(buf, buf.length, counts, warnings, true, 'IPv6');
    assert.deepEqual([counts.ESTABLISHED, warnings.skipped], [0, 1]);
  });
});
