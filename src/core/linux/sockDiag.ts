import path from 'node:path';
import type { AddressFamily, Connection, StateCounts, TcpStateName } from '../model';
import { CollectorError } from '../model';
import { TimeSlicer, throwIfAborted } from '../async';
import { STATE_BY_CODE } from '../states';
import type { RowIdentity } from '../sampling/rowIdentity';
import type { AddressCache } from './procNetTcp';

/*
 * The TCP table over netlink sock_diag (native/sockdiag, built into dist/sockdiag.node), the
 * binary interface `ss` uses: no kernel text to format and no text to parse, which is what
 * brings a full snapshot under `ss -tan`. The addon hands over fixed-size records in batches;
 * the connections are built here with the same address formatting as the /proc parser.
 */

/** Opaque dump handle owned by the addon. */
export type SockDiagHandle = object;

/** What dist/sockdiag.node exports (see native/sockdiag/sockdiag.c for the record layout). */
export interface SockDiagAddon {
  readonly recordSize: number;
  /**
   * One dump of the states in `states` (bit 1 << kernel state number), with tcp_info when `info`;
   * family 0 dumps both families in one walk of the kernel's socket hash.
   */
  open(family: 0 | 4 | 6, states: number, info: boolean): SockDiagHandle;
  /**
   * {@link open} on libuv's thread pool: the kernel fills the first batch while it takes the
   * request, walking its listening hash and the empty buckets before the first sockets (some 45 ms
   * on a 2-core VM whatever the table holds). Missing from addons built before it.
   */
  openAsync?(family: 0 | 4 | 6, states: number, info: boolean): Promise<SockDiagHandle>;
  /** Up to `maxRecords` records, or null when the dump has ended. */
  read(handle: SockDiagHandle, maxRecords: number): ArrayBuffer | null;
  /**
   * {@link read} into `target` (as many records as fit): their count, or -1 when the dump has
   * ended. Missing from addons built before it.
   */
  readInto?(handle: SockDiagHandle, target: Uint8Array): number;
  close(handle: SockDiagHandle): void;
  /**
   * Each record's socket as the kernel has it now (records as {@link read} gave them), by one
   * exact lookup per record (4-tuple and cookie), with tcp_info when `info`: records of the same
   * layout, state 0 where the kernel no longer has that socket. Missing from addons built before it.
   */
  lookup?(records: Uint8Array, info: boolean): ArrayBuffer;
}

const RECORD_SIZE = 72;
const WORDS = RECORD_SIZE / 4;
const HALVES = RECORD_SIZE / 2;
/** Records per batch: 110 KB, under malloc's mmap threshold (a fresh mapping per batch is slow). */
const BATCH = 1536;
/** Kernel state numbers (include/net/tcp_states.h) are the /proc `st` codes. */
const LISTEN_CODE = 0x0a;
const SYN_RECV_CODE = 0x03;
const TIME_WAIT_CODE = 0x06;
/** The record's tcpi_last_ack_recv when the socket carried no tcp_info. */
const NO_INFO = 0xffffffff;
/** TCP_TIMEWAIT_LEN: a TIME_WAIT socket's timer starts at 60 s. */
export const TIME_WAIT_MS = 60_000;
/**
 * States whose age tcp_info gives: the time since the peer's last segment (`lastack` in
 * `ss -ti`). In CLOSE_WAIT that is its FIN; in FIN_WAIT2 the ACK of ours (or data it sent
 * since, which makes the age a little short); in CLOSING its FIN crossing ours. FIN_WAIT1 and
 * LAST_ACK wait for an ACK that has not come: tcp_info dates neither, so those are observed.
 */
const INFO_STATES = (1 << 0x08) | (1 << 0x05) | (1 << 0x0b);
const ALL_STATES = 0xffffffff;
/**
 * New sockets to date one exact lookup each rather than by a second dump: a lookup costs a round
 * trip, a dump a walk of the kernel's whole hash (tens of ms however few sockets it finds).
 */
const LOOKUP_AT_MOST = 512;
/** idiag_cookie as one number: a 64-bit counter far below 2^53. */
const cookieOf = (words: Uint32Array, w: number) => words[w + 17] * 0x1_0000_0000 + words[w + 16];
/**
 * A socket in its state as one number: inode × 16 + state for sockets with a file (a small
 * integer, which V8 hashes without allocating while inodes stay under 2^26), else
 * −(cookie × 16 + state). A TIME_WAIT socket keeps the cookie of the socket it was, so the
 * state is part of the name (a changed state is a new row).
 */
const rowKeyOf = (words: Uint32Array, w: number, code: number) => {
  const inode = words[w + 5];
  return inode !== 0 ? inode * 16 + code : -(cookieOf(words, w) * 16 + code);
};

/** The addon's default place: beside the bundle (dist/), where `npm run build` puts it. */
export const DEFAULT_SOCKDIAG_PATH = path.join(__dirname, 'sockdiag.node');

/** Addons loaded so far, by file. */
const loaded = new Map<string, SockDiagAddon>();

/**
 * Loads the sock_diag addon, or returns undefined when it was not built (no compiler) or cannot
 * be loaded here; `onProblem` hears why in the second case.
 */
export function loadSockDiag(file = DEFAULT_SOCKDIAG_PATH, onProblem?: (why: string) => void): SockDiagAddon | undefined {
  if (process.platform !== 'linux') return undefined;
  // Loaded once per process: every collector (a host switch makes a new one) shares it.
  const known = loaded.get(file);
  if (known) return known;
  const holder = { exports: {} as Partial<SockDiagAddon> };
  try {
    process.dlopen(holder, file);
  } catch (err) {
    const message = (err as Error).message;
    // Not built is the normal fallback case; anything else is worth telling.
    if (!/cannot open shared object file|no such file/i.test(message)) onProblem?.(`cannot load ${file}: ${message}`);
    return undefined;
  }
  const addon = holder.exports;
  if (typeof addon.open !== 'function' || typeof addon.read !== 'function' || addon.recordSize !== RECORD_SIZE) {
    onProblem?.(`${file} is not a compatible sock_diag reader`);
    return undefined;
  }
  loaded.set(file, addon as SockDiagAddon);
  return addon as SockDiagAddon;
}

/**
 * Dump records of some sockets by a number that names them (inode or cookie), in one growing
 * buffer (no object per socket): what an exact lookup needs to ask the kernel about them again.
 */
export class RecordStash {
  private bytes = new Uint8Array(64 * RECORD_SIZE);
  private count = 0;
  private readonly at = new Map<number, number>();

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.count = 0;
    this.at.clear();
  }

  add(from: Uint8Array, offset: number, key: number): void {
    if ((this.count + 1) * RECORD_SIZE > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(from.subarray(offset, offset + RECORD_SIZE), this.count * RECORD_SIZE);
    this.at.set(key, this.count++);
  }

  /**
   * The sockets of `keys` as the kernel has them now (see {@link SockDiagAddon.lookup}), with the
   * keys asked in their order; keys not stashed are left out. Undefined where the addon cannot look up.
   */
  lookUp(
    addon: SockDiagAddon,
    keys: Iterable<number>,
    info: boolean,
  ): { keys: number[]; bytes: Uint8Array; words: Uint32Array } | undefined {
    if (addon.lookup === undefined) return undefined;
    const asked: number[] = [];
    for (const key of keys) if (this.at.has(key)) asked.push(key);
    const records = new Uint8Array(asked.length * RECORD_SIZE);
    asked.forEach((key, i) => {
      const from = this.at.get(key)! * RECORD_SIZE;
      records.set(this.bytes.subarray(from, from + RECORD_SIZE), i * RECORD_SIZE);
    });
    const now = asked.length > 0 ? addon.lookup(records, info) : new ArrayBuffer(0);
    return { keys: asked, bytes: new Uint8Array(now), words: new Uint32Array(now) };
  }
}

/**
 * The inodes among `inodes` whose socket the kernel no longer has with its file (closed since the
 * dump, or in TIME_WAIT now), of those `fresh` holds (the new sockets of the last look).
 */
export function goneInodes(addon: SockDiagAddon, fresh: RecordStash, inodes: Iterable<number>): number[] {
  const now = fresh.lookUp(addon, inodes, false);
  return now ? now.keys.filter((inode, i) => now.words[i * WORDS + 5] !== inode) : [];
}

type BatchVisitor = (bytes: Uint8Array, words: Uint32Array, halves: Uint16Array, count: number) => void;

/** Addons whose kernel refused the two-family request: they dump one family at a time. */
const perFamily = new WeakSet<SockDiagAddon>();

/**
 * Dumps the TCP table of both families in batches, with an event-loop turn whenever a slice of
 * work has taken long enough: in one kernel walk where the kernel takes the two-family request,
 * else family by family. Missing IPv6 support (ENOENT/EAFNOSUPPORT) is an empty table, as a
 * missing /proc/net/tcp6 is.
 */
async function dump(addon: SockDiagAddon, visit: BatchVisitor, signal?: AbortSignal, states = ALL_STATES, info = false): Promise<void> {
  if (!perFamily.has(addon)) {
    let rows = 0;
    const counting: BatchVisitor = (bytes, words, halves, count) => {
      rows += count;
      visit(bytes, words, halves, count);
    };
    try {
      await dumpOne(addon, 0, counting, signal, states, info);
      return;
    } catch (err) {
      // Refused before a row came: a kernel without the request; anything later is a real failure.
      if (rows > 0 || err instanceof CollectorError) throw err;
      perFamily.add(addon);
    }
  }
  for (const family of [4, 6] as const) {
    try {
      await dumpOne(addon, family, visit, signal, states, info);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (family === 6 && (code === 'ENOENT' || code === 'EAFNOSUPPORT')) return;
      throw err;
    }
  }
}

async function dumpOne(
  addon: SockDiagAddon,
  family: 0 | 4 | 6,
  visit: BatchVisitor,
  signal: AbortSignal | undefined,
  states: number,
  info: boolean,
): Promise<void> {
  const handle = addon.openAsync ? await addon.openAsync(family, states >>> 0, info) : addon.open(family, states >>> 0, info);
  const slicer = new TimeSlicer(8, signal);
  // One buffer for the whole dump where the addon fills it in place: no garbage per batch.
  const into = addon.readInto === undefined ? undefined : new ArrayBuffer(BATCH * RECORD_SIZE);
  const views = into && ([new Uint8Array(into), new Uint32Array(into), new Uint16Array(into)] as const);
  try {
    for (;;) {
      throwIfAborted(signal);
      if (views) {
        const count = addon.readInto!(handle, views[0]);
        if (count < 0) return;
        visit(views[0], views[1], views[2], count);
      } else {
        const buffer = addon.read(handle, BATCH);
        if (buffer === null) return;
        visit(new Uint8Array(buffer), new Uint32Array(buffer), new Uint16Array(buffer), buffer.byteLength / RECORD_SIZE);
      }
      await slicer.maybeYield();
    }
  } finally {
    addon.close(handle);
  }
}

function stateOf(code: number): TcpStateName | undefined {
  return code < STATE_BY_CODE.length ? STATE_BY_CODE[code] : undefined;
}

const IPV6_WORDS = [0, 0, 0, 0];

function address(bytes: Uint8Array, at: number, family: AddressFamily, cache: AddressCache): string {
  if (family === 'IPv4') {
    return cache.ipv4(((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0, false);
  }
  for (let w = 0; w < 4; w++) {
    const i = at + w * 4;
    IPV6_WORDS[w] = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
  }
  return cache.ipv6(IPV6_WORDS, false);
}

/**
 * Appends every TCP socket to `out` as the /proc parser would have built it, with the kernel's
 * age where it has one: TIME_WAIT from its timer, CLOSE_WAIT, FIN_WAIT2 and CLOSING from
 * tcp_info (the time since the peer's last segment: for CLOSE_WAIT, its FIN), the others
 * observed since first seen. Rows are kept across calls in `rows`: a socket seen before keeps its
 * row object (and what was learnt about it), only its queues and age are updated, and addresses
 * are formatted for new sockets only. tcp_info is read once per socket, when it is new: a second
 * dump, filtered in the kernel to those states and made only when some are new, joined by socket
 * cookie (a socket that changed state in between simply has no kernel age); after that its age
 * grows with the clock. Each dump covers both families in one walk of the kernel's socket hash.
 * The caller ends the look with `rows.finish()`. `fresh` gets the records of the new sockets that
 * have a file, except at the first look (every socket is new then).
 * Throws the addon's error (with `code`) when the dump fails; `out` may then hold a part.
 */
export async function readSockDiagConnections(
  addon: SockDiagAddon,
  cache: AddressCache,
  out: Connection[],
  rows: RowIdentity<number>,
  counts: StateCounts,
  signal?: AbortSignal,
  fresh?: RecordStash,
): Promise<void> {
  const first = out.length;
  // Room for the table of the last look at once, filled by index and cut to size at the end: grown
  // by push, a list of 50,000 is a chain of ever larger copies, large objects only a full GC frees.
  let n = first;
  out.length = first + rows.size;
  fresh?.clear();
  const keepFresh = fresh !== undefined && rows.size > 0;
  let halfOpen = false;
  /** New rows in states tcp_info dates, by socket cookie. */
  const undated = new Map<number, Connection>();
  /** Their records while they are few: then each is looked up, not dumped again with every other. */
  const undatedRecords = addon.lookup ? new RecordStash() : undefined;
  rows.begin(Date.now());
  // The record being read, for `create` (called only for sockets not seen before).
  let bytes: Uint8Array = new Uint8Array(0);
  let words: Uint32Array = new Uint32Array(0);
  let halves: Uint16Array = new Uint16Array(0);
  let r = 0;
  let state: TcpStateName = 'ESTABLISHED';
  const create = (): Connection => {
    const at = r * RECORD_SIZE;
    const family: AddressFamily = bytes[at + 1] === 4 ? 'IPv4' : 'IPv6';
    const inode = words[r * WORDS + 5];
    return {
      family,
      localAddress: address(bytes, at + 24, family, cache),
      localPort: halves[r * HALVES + 1],
      remoteAddress: address(bytes, at + 40, family, cache),
      remotePort: halves[r * HALVES + 2],
      state,
      sendQueue: 0,
      receiveQueue: 0,
      uid: 0,
      inode,
      owner: inode === 0 ? 'kernel' : 'unresolved',
      pid: undefined,
      process: undefined,
      commandLine: undefined,
      inferredOwner: undefined,
      // Always the same properties, set now or later (owner, TIME_WAIT cause), so every row keeps one
      // shape for V8: rows that gained them later took chains of shapes, and a major GC that drops one
      // throws away the optimised code that checked for it.
      // The age is a number from the start ("first seen now" until the visit below dates the row):
      // V8 then rewrites it in place, where a field that held undefined gets a new heap number for
      // every fractional age, 50,000 a refresh, each kept until the next one (so promoted, and
      // collected by full GCs of the extension host's heap).
      ageSeconds: 0,
      ageSource: 'observed',
      ageIsLowerBound: true,
    };
  };
  const samePorts = (row: Connection) => row.localPort === halves[r * HALVES + 1] && row.remotePort === halves[r * HALVES + 2];
  const visit: BatchVisitor = (batchBytes, batchWords, batchHalves, count) => {
    bytes = batchBytes;
    words = batchWords;
    halves = batchHalves;
    for (r = 0; r < count; r++) {
      const code = bytes[r * RECORD_SIZE];
      const name = stateOf(code);
      if (name === undefined) continue;
      state = name;
      counts[name]++;
      const w = r * WORDS;
      const key = rowKeyOf(words, w, code);
      const row = rows.row(key, create, samePorts);
      if (keepFresh && rows.lastWasNew && row.inode !== 0) fresh.add(bytes, r * RECORD_SIZE, row.inode);
      if (code === SYN_RECV_CODE) halfOpen = true;
      // For listeners sock_diag puts the backlog limit in wqueue; /proc prints 0 there.
      row.sendQueue = code === LISTEN_CODE ? 0 : words[w + 3];
      row.receiveQueue = words[w + 2];
      row.uid = words[w + 4];
      if (code === TIME_WAIT_CODE) {
        setKernelAge(row, TIME_WAIT_MS - Math.min(words[w + 15], TIME_WAIT_MS));
      } else if (INFO_STATES & (1 << code) && !rows.lastWasNew && row.ageSource === 'kernel' && row.ageSeconds !== undefined) {
        row.ageSeconds += rows.sinceLastLook;
      } else {
        rows.observeAge(row);
        if (INFO_STATES & (1 << code)) {
          const cookie = cookieOf(words, w);
          undated.set(cookie, row);
          if (undatedRecords && undated.size <= LOOKUP_AT_MOST) undatedRecords.add(bytes, r * RECORD_SIZE, cookie);
        }
      }
      out[n++] = row;
    }
  };
  try {
    await dump(addon, visit, signal);
  } finally {
    out.length = n;
  }
  const dated = undated.size > 0 && undated.size <= LOOKUP_AT_MOST ? undatedRecords?.lookUp(addon, undated.keys(), true) : undefined;
  if (dated) {
    for (let i = 0; i < dated.keys.length; i++) {
      const w = i * WORDS;
      // As from the dump below: only a socket still in a state tcp_info dates.
      if (INFO_STATES & (1 << dated.bytes[i * RECORD_SIZE]) && dated.words[w + 14] !== NO_INFO)
        setKernelAge(undated.get(dated.keys[i])!, dated.words[w + 14]);
    }
  } else if (undated.size > 0) {
    await dump(
      addon,
      (_bytes, infoWords, _halves, count) => {
        for (let i = 0; i < count; i++) {
          const w = i * WORDS;
          const row = infoWords[w + 14] === NO_INFO ? undefined : undated.get(cookieOf(infoWords, w));
          if (row) setKernelAge(row, infoWords[w + 14]);
        }
      },
      signal,
      INFO_STATES,
      true,
    );
  }
  if (halfOpen) uidsOfListeners(out, first);
}

function setKernelAge(row: Connection, ageMs: number): void {
  row.ageSeconds = ageMs / 1000;
  row.ageSource = 'kernel';
  row.ageIsLowerBound = false;
}

/**
 * sock_diag reports uid 0 for half-open (SYN_RECV) request sockets, where /proc prints the uid of
 * the listener they arrived on; take it from the listener on the same local port.
 */
function uidsOfListeners(rows: Connection[], first: number): void {
  const listenerUid = new Map<number, number>();
  for (let i = first; i < rows.length; i++) if (rows[i].state === 'LISTEN') listenerUid.set(rows[i].localPort, rows[i].uid);
  for (let i = first; i < rows.length; i++) {
    const row = rows[i];
    if (row.state === 'SYN_RECV') row.uid = listenerUid.get(row.localPort) ?? row.uid;
  }
}

/** Adds the per-state counts of both families to `counts`. */
export async function countSockDiagStates(addon: SockDiagAddon, counts: StateCounts, signal?: AbortSignal): Promise<void> {
  await dump(
    addon,
    (bytes, _words, _halves, count) => {
      for (let r = 0; r < count; r++) {
        const state = stateOf(bytes[r * RECORD_SIZE]);
        if (state !== undefined) counts[state]++;
      }
    },
    signal,
  );
}
