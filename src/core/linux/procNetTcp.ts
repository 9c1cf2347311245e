import { formatIPv4, formatIPv6 } from '../address';
import type { AddressFamily, Connection, StateCounts, TcpStateName } from '../model';
import { STATE_BY_CODE } from '../states';

/*
 * Parser for /proc/net/tcp and /proc/net/tcp6. It works on raw bytes, one complete line at a
 * time, so a 100,000-socket table is parsed without a string per line or a regex; callers feed
 * it chunks as they are read so the event loop is never held for the whole file.
 *
 * Line format (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c get_tcp6_sock):
 *   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu ..."
 *    sl   local      remote     st tx_queue rx_queue tr tm->when retrnsmt uid timeout inode
 */

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const COLON = 0x3a;
const MAX_WARNINGS = 5;
/** tm->when is printed in clock_t ticks: USER_HZ, 100 on every Linux port TCP Lens runs on. */
const USER_HZ = 100;
/** TCP_TIMEWAIT_LEN in ticks: the TIME_WAIT timer starts at 60 s, so what remains gives the age. */
const TIME_WAIT_TICKS = 60 * USER_HZ;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}
const DEC = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) DEC[0x30 + i] = i;

export interface ParseOptions {
  family: AddressFamily;
  /** Byte order of the machine that produced the text; addresses are printed in host order. */
  littleEndian: boolean;
}

/** Collects the problems of one parse without letting thousands of bad lines flood the UI. */
export class ParseWarnings {
  skipped = 0;
  readonly examples: string[] = [];

  add(line: string, reason: string): void {
    this.skipped++;
    if (this.examples.length < MAX_WARNINGS) this.examples.push(`${reason}: "${line.slice(0, 120)}"`);
  }

  toMessages(source: string): string[] {
    if (this.skipped === 0) return [];
    const more = this.skipped > this.examples.length ? ` (first ${this.examples.length} shown)` : '';
    return [`${source}: skipped ${this.skipped} malformed line(s)${more}`, ...this.examples.map((e) => `  ${e}`)];
  }
}

class LineCursor {
  pos = 0;
  buf: Uint8Array = new Uint8Array(0);
  end = 0;

  /** Points the cursor at a line: one cursor serves every line, nothing is allocated per line. */
  reset(buf: Uint8Array, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  skipSpaces(): void {
    const { buf, end } = this;
    while (this.pos < end && (buf[this.pos] === SPACE || buf[this.pos] === TAB)) this.pos++;
  }

  /** Reads a hex number up to `stop` or white space; -1 when there are no digits or a bad one. */
  hex(stop = -1): number {
    return this.number(HEX, 16, 13, stop);
  }

  decimal(stop = -1): number {
    return this.number(DEC, 10, 16, stop);
  }

  private number(digitsOf: Int8Array, base: number, maxDigits: number, stop: number): number {
    const { buf, end } = this;
    let value = 0;
    let digits = 0;
    while (this.pos < end) {
      const ch = buf[this.pos];
      if (ch === stop || ch === SPACE || ch === TAB) break;
      const d = digitsOf[ch];
      if (d < 0 || digits >= maxDigits) return -1;
      value = value * base + d;
      digits++;
      this.pos++;
    }
    // 16 decimal digits can exceed 2^53: a value that would be rounded is refused, never guessed.
    return digits === 0 || value > Number.MAX_SAFE_INTEGER ? -1 : value;
  }

  expect(ch: number): boolean {
    if (this.pos < this.end && this.buf[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  skipToken(): boolean {
    const start = this.pos;
    const { buf, end } = this;
    while (this.pos < end && buf[this.pos] !== SPACE && buf[this.pos] !== TAB) this.pos++;
    return this.pos > start;
  }
}

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** Memoises address text: a table of 100k sockets has a handful of distinct local addresses. */
export class AddressCache {
  private readonly v4 = new Map<number, string>();
  private readonly v6 = new Map<string, string>();
  private readonly groups = new Uint16Array(8);

  ipv4(raw: number, littleEndian: boolean): string {
    let text = this.v4.get(raw);
    if (text === undefined) {
      text = formatIPv4(littleEndian ? swap32(raw) : raw);
      if (this.v4.size > 100_000) this.v4.clear();
      this.v4.set(raw, text);
    }
    return text;
  }

  ipv6(words: readonly number[], littleEndian: boolean): string {
    const key = `${words[0]},${words[1]},${words[2]},${words[3]}`;
    let text = this.v6.get(key);
    if (text === undefined) {
      for (let w = 0; w < 4; w++) {
        const v = littleEndian ? swap32(words[w]) : words[w];
        this.groups[w * 2] = v >>> 16;
        this.groups[w * 2 + 1] = v & 0xffff;
      }
      text = formatIPv6(this.groups);
      if (this.v6.size > 100_000) this.v6.clear();
      this.v6.set(key, text);
    }
    return text;
  }
}

/**
 * Reads an address of the family's width (8 hex digits, or 32 for IPv6) into `raw` (one word,
 * or four); false when the field is not exactly that.
 */
function readRawAddress(cur: LineCursor, family: AddressFamily, raw: number[]): boolean {
  const words = family === 'IPv4' ? 1 : 4;
  for (let w = 0; w < words; w++) {
    let value = 0;
    for (let i = 0; i < 8; i++) {
      if (cur.pos >= cur.end) return false;
      const d = HEX[cur.buf[cur.pos]];
      if (d < 0) return false;
      value = value * 16 + d;
      cur.pos++;
    }
    raw[w] = value;
  }
  // One more hex digit means a wider field than the family's.
  return cur.pos >= cur.end || HEX[cur.buf[cur.pos]] < 0;
}

function formatAddress(family: AddressFamily, raw: readonly number[], littleEndian: boolean, cache: AddressCache): string {
  return family === 'IPv4' ? cache.ipv4(raw[0], littleEndian) : cache.ipv6(raw, littleEndian);
}

function isHeader(buf: Uint8Array, start: number, end: number): boolean {
  // The header is "  sl  local_address ..."; data lines start with digits.
  let i = start;
  while (i < end && buf[i] === SPACE) i++;
  return i + 1 < end && buf[i] === 0x73 /* s */ && buf[i + 1] === 0x6c; /* l */
}

function lineText(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start)
    .toString('latin1')
    .trim();
}

/** The fields of one data line, reused from line to line (no allocation per line). */
interface LineFields {
  family: AddressFamily;
  local: number[];
  localPort: number;
  remote: number[];
  remotePort: number;
  state: TcpStateName;
  sendQueue: number;
  receiveQueue: number;
  uid: number;
  inode: number;
  /** tm->when: for TIME_WAIT rows, the ticks left of the 60 s timer. */
  when: number;
}

const FIELDS: LineFields = {
  family: 'IPv4',
  local: [0, 0, 0, 0],
  localPort: 0,
  remote: [0, 0, 0, 0],
  remotePort: 0,
  state: 'CLOSE',
  sendQueue: 0,
  receiveQueue: 0,
  uid: 0,
  inode: 0,
  when: 0,
};

const UINT32_MAX = 0xffff_ffff;
const CURSOR = new LineCursor();

/**
 * Checks one data line and reads its fields into {@link FIELDS}; returns why it is malformed, or
 * undefined when it is well formed. The one definition of a valid row, for the full parser and
 * for the counts: a line one of them refuses, the other refuses too.
 */
function scanLine(buf: Uint8Array, start: number, end: number, family: AddressFamily): string | undefined {
  const cur = CURSOR.reset(buf, start, end);
  const f = FIELDS;
  cur.skipSpaces();
  if (cur.decimal(COLON) < 0 || !cur.expect(COLON)) return 'bad slot number';
  cur.skipSpaces();
  f.family = family;
  if (!readRawAddress(cur, f.family, f.local) || !cur.expect(COLON)) return 'bad local address';
  f.localPort = cur.hex();
  if (f.localPort < 0 || f.localPort > 0xffff) return 'bad local port';
  cur.skipSpaces();
  if (!readRawAddress(cur, f.family, f.remote) || !cur.expect(COLON)) return 'bad remote address';
  f.remotePort = cur.hex();
  if (f.remotePort < 0 || f.remotePort > 0xffff) return 'bad remote port';
  cur.skipSpaces();
  const stateStart = cur.pos;
  const code = cur.hex();
  const state: TcpStateName | undefined =
    code >= 0 && code < STATE_BY_CODE.length && cur.pos - stateStart === 2 ? STATE_BY_CODE[code] : undefined;
  if (state === undefined) return 'unknown state code';
  f.state = state;
  cur.skipSpaces();
  f.sendQueue = cur.hex(COLON);
  if (f.sendQueue < 0 || f.sendQueue > UINT32_MAX || !cur.expect(COLON)) return 'bad queue field';
  f.receiveQueue = cur.hex();
  if (f.receiveQueue < 0 || f.receiveQueue > UINT32_MAX) return 'bad queue field';
  cur.skipSpaces();
  // tr:tm->when; for TIME_WAIT rows (tr 3) `when` is what remains of the 60 s timer.
  if (cur.hex(COLON) < 0 || !cur.expect(COLON)) return 'missing timer field';
  f.when = cur.hex();
  if (f.when < 0) return 'bad timer field';
  cur.skipSpaces();
  if (!cur.skipToken()) return 'missing retransmit field';
  cur.skipSpaces();
  f.uid = cur.decimal();
  if (f.uid < 0 || f.uid > UINT32_MAX) return 'bad uid';
  cur.skipSpaces();
  if (!cur.skipToken()) return 'missing timeout field';
  cur.skipSpaces();
  f.inode = cur.decimal();
  if (f.inode < 0) return 'bad inode';
  return undefined;
}

/** Parses one data line; undefined (with a warning) when it is malformed. */
function parseLine(
  buf: Uint8Array,
  start: number,
  end: number,
  opts: ParseOptions,
  cache: AddressCache,
  warnings: ParseWarnings,
): Connection | undefined {
  const problem = scanLine(buf, start, end, opts.family);
  if (problem !== undefined) {
    warnings.add(lineText(buf, start, end), problem);
    return undefined;
  }
  const f = FIELDS;
  const timeWait = f.state === 'TIME_WAIT';
  return {
    family: opts.family,
    localAddress: formatAddress(opts.family, f.local, opts.littleEndian, cache),
    localPort: f.localPort,
    remoteAddress: formatAddress(opts.family, f.remote, opts.littleEndian, cache),
    remotePort: f.remotePort,
    state: f.state,
    sendQueue: f.sendQueue,
    receiveQueue: f.receiveQueue,
    uid: f.uid,
    inode: f.inode,
    owner: f.inode === 0 ? 'kernel' : 'unresolved',
    pid: undefined,
    process: undefined,
    commandLine: undefined,
    inferredOwner: undefined,
    // Always the same properties, set now or later (owner, TIME_WAIT cause), so every row keeps one
    // shape for V8: rows that gained them later took chains of shapes, and a major GC that drops one
    // throws away the optimised code that checked for it.
    ageSeconds: timeWait ? (TIME_WAIT_TICKS - Math.min(f.when, TIME_WAIT_TICKS)) / USER_HZ : undefined,
    ageSource: timeWait ? 'kernel' : undefined,
    ageIsLowerBound: false,
  };
}

/**
 * Calls `visit` for every complete data line of `buf[0, end)` (header and blank lines skipped)
 * and returns the offset after the last newline, so the caller can keep an unfinished line for
 * the next chunk. With `final`, a last line without a newline counts too.
 */
function forEachDataLine(buf: Uint8Array, end: number, final: boolean, visit: (start: number, end: number) => void): number {
  let start = 0;
  while (start < end) {
    let nl = buf.indexOf(NEWLINE, start);
    if (nl < 0 || nl >= end) {
      if (!final) return start;
      nl = end;
    }
    if (nl > start && !isHeader(buf, start, nl) && !isBlank(buf, start, nl)) visit(start, nl);
    start = nl + 1;
  }
  return end;
}

function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== SPACE && buf[i] !== TAB && buf[i] !== 0x0d) return false;
  return true;
}

/** Parses the complete lines of a chunk into `out`; see {@link forEachDataLine} for the return value. */
export function parseConnections(
  buf: Uint8Array,
  end: number,
  opts: ParseOptions,
  out: Connection[],
  cache: AddressCache,
  warnings: ParseWarnings,
  final: boolean,
): number {
  return forEachDataLine(buf, end, final, (start, nl) => {
    const c = parseLine(buf, start, nl, opts, cache, warnings);
    if (c) out.push(c);
  });
}

/**
 * Counts states in the complete lines of a chunk without building connections: the cheap path
 * for the status bar and the history. A line is counted exactly when {@link parseConnections}
 * would return it, and skipped with the same warning otherwise. `family` says which table this
 * is (`tcp` or `tcp6`).
 */
export function countConnections(
  buf: Uint8Array,
  end: number,
  counts: StateCounts,
  warnings: ParseWarnings,
  final: boolean,
  family: AddressFamily,
): number {
  return forEachDataLine(buf, end, final, (start, nl) => {
    const problem = scanLine(buf, start, nl, family);
    if (problem !== undefined) warnings.add(lineText(buf, start, nl), problem);
    else counts[FIELDS.state]++;
  });
}
