import { isTcpStateName } from '../model';
import { HostHistory } from './hostHistory';
import { BYTES_PER_SAMPLE, STATE_COUNT } from './sampleRing';
import type { HistoryGap, HistoryMarker } from './types';

/** File magic: version 2 is the append-only log. */
export const LOG_MAGIC = 'TCPLHIS2';

/**
 * Record types. `H` {hostId, label, stateCount} (again when the label changes); `R` sample rows
 * of one writer: an 8-byte writer id, then rows (Float64 time + Uint32 per state,
 * little-endian); `S` sample rows without a writer id (files of earlier versions); `M` a JSON
 * array of markers; `G` a JSON array of gaps (a later gap with the same start replaces the
 * earlier one).
 *
 * Every VS Code window appends to the same file per host, each with its own writer id, so two
 * windows' rows interleave in the file. A writer's rows are replayed as its ring took them (a
 * clock that went back drops that writer's later rows), and the writers are then merged by time.
 */
type RecordType = 'H' | 'S' | 'R' | 'M' | 'G';

/** Type byte, payload length, then after the payload a checksum of both. */
const RECORD_HEAD = 5;
const RECORD_TAIL = 4;
export const WRITER_ID_BYTES = 8;

const CODE_H = 0x48;
const CODE_S = 0x53;
const CODE_R = 0x52;
const CODE_M = 0x4d;
const CODE_G = 0x47;

/** FNV-1a: enough to tell a torn or zero-filled tail from a record; not against tampering. */
function checksum(type: number, payload: Uint8Array): number {
  let h = Math.imul(0x811c9dc5 ^ type, 0x01000193);
  for (let i = 0; i < payload.length; i++) h = Math.imul(h ^ payload[i], 0x01000193);
  return h >>> 0;
}

function record(type: RecordType, payload: Buffer): Buffer {
  const out = Buffer.alloc(RECORD_HEAD + payload.length + RECORD_TAIL);
  const code = type.charCodeAt(0);
  out.writeUInt8(code, 0);
  out.writeUInt32LE(payload.length, 1);
  payload.copy(out, RECORD_HEAD);
  out.writeUInt32LE(checksum(code, payload), RECORD_HEAD + payload.length);
  return out;
}

function jsonRecord(type: RecordType, value: unknown): Buffer {
  return record(type, Buffer.from(JSON.stringify(value), 'utf8'));
}

/** Rows `[first, ring.length)` of the ring as sample-row bytes. */
function ringRows(history: HostHistory, first: number): Buffer {
  const { ring } = history;
  const payload = Buffer.alloc((ring.length - first) * BYTES_PER_SAMPLE);
  let offset = 0;
  for (let i = first; i < ring.length; i++) {
    payload.writeDoubleLE(ring.timeAt(i), offset);
    offset += 8;
    for (let s = 0; s < STATE_COUNT; s++, offset += 4) payload.writeUInt32LE(ring.countAt(i, s), offset);
  }
  return payload;
}

function rowsRecord(writer: Buffer, rows: Buffer): Buffer {
  return record('R', Buffer.concat([writer, rows]));
}

function headerRecord(hostId: string, label: string): Buffer {
  return jsonRecord('H', { hostId, label, stateCount: STATE_COUNT });
}

/** A writer id for a file that is not appended to by anyone (tests, one-off encodes). */
const ANONYMOUS_WRITER = Buffer.alloc(WRITER_ID_BYTES);

/** The whole history as a fresh log: what a compaction of a file only this writer wrote contains. */
export function encodeLog(history: HostHistory, writer: Buffer = ANONYMOUS_WRITER): Buffer {
  const parts = [Buffer.from(LOG_MAGIC, 'latin1'), headerRecord(history.hostId, history.label), rowsRecord(writer, ringRows(history, 0))];
  if (history.markers.length > 0) parts.push(jsonRecord('M', history.markers));
  if (history.gaps.length > 0) parts.push(jsonRecord('G', history.gaps));
  return Buffer.concat(parts);
}

/** The records a save appends: only what the file lacks. */
export function encodeUnsaved(history: HostHistory, writer: Buffer = ANONYMOUS_WRITER): Buffer {
  const { unsaved, ring } = history;
  const parts: Buffer[] = [];
  if (unsaved.savedLabel !== history.label) parts.push(headerRecord(history.hostId, history.label));
  if (unsaved.samples > 0) parts.push(rowsRecord(writer, ringRows(history, ring.length - Math.min(unsaved.samples, ring.length))));
  if (unsaved.markers.length > 0) parts.push(jsonRecord('M', unsaved.markers));
  if (unsaved.gaps.length > 0) parts.push(jsonRecord('G', unsaved.gaps));
  return Buffer.concat(parts);
}

/** After a save of `written` sample rows (appended, or the whole file when `rewrote`). */
export function markSaved(history: HostHistory, written: number, rewrote: boolean): void {
  const { unsaved } = history;
  unsaved.rowsInFile = rewrote ? written : unsaved.rowsInFile + written;
  unsaved.samples = 0;
  unsaved.markers = [];
  unsaved.gaps = [];
  unsaved.savedLabel = history.label;
  unsaved.rewrite = false;
}

function isMarker(value: unknown): value is HistoryMarker {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    typeof m.t === 'number' &&
    Number.isFinite(m.t) &&
    (m.kind === 'threshold' || m.kind === 'leak') &&
    typeof m.state === 'string' &&
    isTcpStateName(m.state) &&
    typeof m.label === 'string'
  );
}

function isGap(value: unknown): value is HistoryGap {
  if (typeof value !== 'object' || value === null) return false;
  const g = value as Record<string, unknown>;
  return (
    typeof g.from === 'number' &&
    Number.isFinite(g.from) &&
    (g.to === undefined || (typeof g.to === 'number' && g.to >= g.from)) &&
    typeof g.message === 'string'
  );
}

function jsonValue(payload: Uint8Array): unknown {
  return JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'));
}

/**
 * The sample rows of one writer, in the order its ring kept them: references into the buffers
 * they were read from (no copy), so a 170,000-row file costs a few arrays of numbers.
 */
class RowSequence {
  readonly times: number[] = [];
  readonly sources: Buffer[] = [];
  readonly offsets: number[] = [];

  /** Appends a row as a ring would: a time before the last drops the rows after it (the clock went back). */
  push(t: number, source: Buffer, offset: number): void {
    while (this.times.length > 0 && this.times[this.times.length - 1] > t) this.pop();
    this.times.push(t);
    this.sources.push(source);
    this.offsets.push(offset);
  }

  private pop(): void {
    this.times.pop();
    this.sources.pop();
    this.offsets.pop();
  }
}

/** What a file holds, before it becomes a ring: the rows per writer, markers, gaps. */
export interface LogContents {
  hostId: string | undefined;
  label: string | undefined;
  writers: Map<string, RowSequence>;
  markers: HistoryMarker[];
  gaps: HistoryGap[];
  /** Sample rows in the file, every writer's. */
  rows: number;
}

export interface LogDamage {
  /** The file does not start with {@link LOG_MAGIC}. */
  badMagic: boolean;
  /** Bytes between intact records that are not a record (a flipped byte, a foreign write). */
  skippedBytes: number;
  /** Stretches of such bytes. */
  damagedStretches: number;
  /** Intact records whose content made no sense (a header of the wrong shape, a bad row count). */
  badRecords: number;
  /** Bytes at the end that did not form a whole, intact record (a write cut short by a crash). */
  tornBytes: number;
}

export function isDamaged(d: LogDamage): boolean {
  return d.badMagic || d.skippedBytes > 0 || d.badRecords > 0 || d.tornBytes > 0;
}

/** One line for the user about what was wrong with a file; torn tails alone are routine (a crash) and not reported. */
export function describeDamage(d: LogDamage): string | undefined {
  const parts: string[] = [];
  if (d.badMagic) parts.push('it does not start like a TCP Lens history file');
  if (d.skippedBytes > 0) parts.push(`${d.skippedBytes} damaged byte(s) in ${d.damagedStretches} place(s) were skipped`);
  if (d.badRecords > 0) parts.push(`${d.badRecords} malformed record(s) were skipped`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

const KNOWN_CODES = new Set([CODE_H, CODE_S, CODE_R, CODE_M, CODE_G]);
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/**
 * The end of the intact record at `offset`, or -1. Cheap tests first (type byte, a length that
 * fits and suits the type, what a JSON payload starts with) so that scanning damaged bytes for
 * the next record rarely computes a checksum.
 */
function recordEndAt(data: Buffer, offset: number, work?: { hashed: number }): number {
  if (work) work.hashed = 0;
  if (offset + RECORD_HEAD + RECORD_TAIL > data.length) return -1;
  const code = data[offset];
  if (!KNOWN_CODES.has(code)) return -1;
  const length = data.readUInt32LE(offset + 1);
  const end = offset + RECORD_HEAD + length;
  if (end + RECORD_TAIL > data.length) return -1;
  if (code === CODE_S && length % BYTES_PER_SAMPLE !== 0) return -1;
  if (code === CODE_R && (length < WRITER_ID_BYTES || (length - WRITER_ID_BYTES) % BYTES_PER_SAMPLE !== 0)) return -1;
  if (
    (code === CODE_H || code === CODE_M || code === CODE_G) &&
    data[offset + RECORD_HEAD] !== (code === CODE_H ? OPEN_BRACE : OPEN_BRACKET)
  )
    return -1;
  if (work) work.hashed = length;
  if (data.readUInt32LE(end) !== checksum(code, data.subarray(offset + RECORD_HEAD, end))) return -1;
  return end + RECORD_TAIL;
}

/**
 * Reads every intact record of a log. Damage does not end the reading: bytes that do not form
 * an intact record are skipped up to the next one that does (found by its checksum), so one bad
 * byte costs the record it is in, not the rest of the file. A wrong magic is damage too: the
 * records after it are still read. Throws only when nothing in `data` is a record.
 */
export function readLog(data: Buffer, maxMarkers: number): { contents: LogContents; damage: LogDamage } {
  const damage: LogDamage = { badMagic: false, skippedBytes: 0, damagedStretches: 0, badRecords: 0, tornBytes: 0 };
  const contents: LogContents = { hostId: undefined, label: undefined, writers: new Map(), markers: [], gaps: [], rows: 0 };
  let offset = 0;
  if (data.length >= LOG_MAGIC.length && data.toString('latin1', 0, LOG_MAGIC.length) === LOG_MAGIC) offset = LOG_MAGIC.length;
  else damage.badMagic = true;
  let records = 0;
  // Bounds the checksum work of a resync over hostile bytes to a few passes over the file.
  let budget = 16 * data.length + 1_000_000;
  const work = { hashed: 0 };
  const gapsByStart = new Map<number, HistoryGap>();
  while (offset < data.length) {
    let end = recordEndAt(data, offset);
    if (end < 0) {
      let next = offset + 1;
      for (; next < data.length && budget > 0; next++) {
        if (!KNOWN_CODES.has(data[next])) continue;
        const found = recordEndAt(data, next, work);
        budget -= work.hashed + 1;
        if (found >= 0) {
          end = found;
          break;
        }
      }
      if (end < 0) {
        damage.tornBytes = data.length - offset;
        break;
      }
      damage.skippedBytes += next - offset;
      damage.damagedStretches++;
      offset = next;
    }
    records++;
    if (!readRecord(data, offset, end - RECORD_TAIL, contents, gapsByStart)) damage.badRecords++;
    offset = end;
  }
  if (records === 0 && damage.badMagic) throw new Error('not a TCP Lens history file');
  contents.markers.sort((a, b) => a.t - b.t);
  if (contents.markers.length > maxMarkers) contents.markers.splice(0, contents.markers.length - maxMarkers);
  contents.gaps = [...gapsByStart.values()].sort((a, b) => a.from - b.from);
  if (contents.gaps.length > maxMarkers) contents.gaps.splice(0, contents.gaps.length - maxMarkers);
  return { contents, damage };
}

/** Applies one intact record; false when its content is malformed (it is then ignored). */
function readRecord(data: Buffer, start: number, end: number, contents: LogContents, gapsByStart: Map<number, HistoryGap>): boolean {
  const code = data[start];
  const payloadStart = start + RECORD_HEAD;
  try {
    if (code === CODE_H) {
      const header = jsonValue(data.subarray(payloadStart, end)) as { hostId?: unknown; label?: unknown; stateCount?: unknown };
      if (typeof header?.hostId !== 'string' || typeof header.label !== 'string' || header.stateCount !== STATE_COUNT) return false;
      if (contents.hostId !== undefined && contents.hostId !== header.hostId) return false;
      contents.hostId = header.hostId;
      contents.label = header.label;
      return true;
    }
    if (code === CODE_S || code === CODE_R) {
      const rowsStart = code === CODE_R ? payloadStart + WRITER_ID_BYTES : payloadStart;
      const writer = code === CODE_R ? data.toString('hex', payloadStart, rowsStart) : '';
      let sequence = contents.writers.get(writer);
      if (!sequence) contents.writers.set(writer, (sequence = new RowSequence()));
      for (let p = rowsStart; p < end; p += BYTES_PER_SAMPLE) {
        const t = data.readDoubleLE(p);
        if (!Number.isFinite(t)) continue;
        sequence.push(t, data, p);
        contents.rows++;
      }
      return true;
    }
    const value = jsonValue(data.subarray(payloadStart, end));
    if (!Array.isArray(value)) return false;
    if (code === CODE_M) for (const m of value) if (isMarker(m)) contents.markers.push(m);
    if (code === CODE_G) for (const g of value) if (isGap(g)) gapsByStart.set(g.from, g);
    return true;
  } catch {
    return false; // JSON that does not parse
  }
}

/**
 * Every writer's rows merged by time (ties in the order the writers are given). Each writer's
 * rows are in time order already (see {@link RowSequence.push}), so this is a k-way merge.
 */
function mergedRows(writers: Iterable<RowSequence>): { times: number[]; sources: Buffer[]; offsets: number[] } {
  const all = [...writers].filter((seq) => seq.times.length > 0);
  if (all.length === 0) return { times: [], sources: [], offsets: [] };
  if (all.length === 1) return all[0];
  const total = all.reduce((n, seq) => n + seq.times.length, 0);
  const times = new Array<number>(total);
  const sources = new Array<Buffer>(total);
  const offsets = new Array<number>(total);
  const next = new Array<number>(all.length).fill(0);
  for (let n = 0; n < total; n++) {
    let best = -1;
    let bestTime = 0;
    for (let w = 0; w < all.length; w++) {
      const p = next[w];
      if (p >= all[w].times.length) continue;
      const t = all[w].times[p];
      if (best < 0 || t < bestTime) {
        best = w;
        bestTime = t;
      }
    }
    const p = next[best]++;
    times[n] = bestTime;
    sources[n] = all[best].sources[p];
    offsets[n] = all[best].offsets[p];
  }
  return { times, sources, offsets };
}

export interface DecodedLog {
  history: HostHistory;
  damage: LogDamage;
  /** Same as `damage.tornBytes`. */
  tornBytes: number;
}

/**
 * Replays a log into a new history: each writer's rows as its ring took them (including samples
 * a clock going back had dropped), the writers merged by time. Damaged bytes are skipped (see
 * {@link readLog}); a file whose header record is lost is still read when `expectedHostId`
 * names the host it was opened for. Throws when nothing in it is a record, or it has no header
 * and no host was expected.
 */
export function decodeLog(data: Buffer, maxSamples: number, maxMarkers: number, expectedHostId?: string): DecodedLog {
  const { contents, damage } = readLog(data, maxMarkers);
  const hostId = contents.hostId ?? expectedHostId;
  if (hostId === undefined) throw new Error('no header');
  const history = new HostHistory(hostId, contents.label ?? hostId, maxSamples, maxMarkers);
  const rows = mergedRows(contents.writers.values());
  const row = new Array<number>(STATE_COUNT);
  // Only the newest maxSamples rows can stay in the ring: skip the others without reading them.
  for (let i = Math.max(0, rows.times.length - maxSamples); i < rows.times.length; i++) {
    const source = rows.sources[i];
    const p = rows.offsets[i];
    for (let s = 0; s < STATE_COUNT; s++) row[s] = source.readUInt32LE(p + 8 + 4 * s);
    history.ring.push(rows.times[i], row);
  }
  for (const m of contents.markers) history.addMarker(m);
  for (const g of contents.gaps) history.updateGap(g);
  markSaved(history, contents.rows, true);
  // Appending after damaged or torn bytes would leave them in the file for good: rewrite first.
  history.unsaved.rewrite = isDamaged(damage);
  return { history, damage, tornBytes: damage.tornBytes };
}

/** A history's content at one moment, for a rewrite that finishes later. */
export interface HistorySnapshot {
  hostId: string;
  label: string;
  /** Sample rows, oldest first, as in a file. */
  rows: Buffer;
  markers: HistoryMarker[];
  gaps: HistoryGap[];
}

export function snapshotOf(history: HostHistory): HistorySnapshot {
  return {
    hostId: history.hostId,
    label: history.label,
    rows: ringRows(history, 0),
    markers: [...history.markers],
    gaps: history.gaps.map((g) => ({ ...g })),
  };
}

/**
 * The file a rewrite writes: what the file on disk holds now (`onDisk`, read just before, every
 * writer's rows) together with this window's history, as one time-ordered sequence under
 * `writer`. Rows both have (the ones this window restored or saved) are kept once; rows older
 * than the history's oldest (trimmed by the retention) and beyond `maxSamples` are dropped.
 * Another window's rows therefore survive this window's compaction.
 */
export function encodeMerged(
  history: HistorySnapshot,
  onDisk: LogContents | undefined,
  writer: Buffer,
  maxSamples: number,
  maxMarkers: number,
): { bytes: Buffer; rows: number } {
  const ownRows = history.rows;
  const own = new RowSequence();
  for (let p = 0; p < ownRows.length; p += BYTES_PER_SAMPLE) own.push(ownRows.readDoubleLE(p), ownRows, p);
  const sequences = onDisk ? [own, ...onDisk.writers.values()] : [own];
  const merged = mergedRows(sequences);
  const cutoff = ownRows.length > 0 ? ownRows.readDoubleLE(0) : Number.NEGATIVE_INFINITY;
  const kept: number[] = [];
  let runStart = 0; // first index in `kept` with the time of the last kept row
  for (let i = 0; i < merged.times.length; i++) {
    const t = merged.times[i];
    if (t < cutoff) continue;
    if (kept.length > 0 && merged.times[kept[kept.length - 1]] !== t) runStart = kept.length;
    let duplicate = false;
    for (let k = runStart; k < kept.length && !duplicate; k++)
      duplicate = sameRow(merged.sources[kept[k]], merged.offsets[kept[k]], merged.sources[i], merged.offsets[i]);
    if (!duplicate) kept.push(i);
  }
  const first = Math.max(0, kept.length - maxSamples);
  const rows = Buffer.alloc((kept.length - first) * BYTES_PER_SAMPLE);
  // Copies runs of rows that lie one after another in the same buffer in one go.
  for (let k = first; k < kept.length;) {
    const i = kept[k];
    const source = merged.sources[i];
    let run = 1;
    while (
      k + run < kept.length &&
      merged.sources[kept[k + run]] === source &&
      merged.offsets[kept[k + run]] === merged.offsets[i] + run * BYTES_PER_SAMPLE
    )
      run++;
    source.copy(rows, (k - first) * BYTES_PER_SAMPLE, merged.offsets[i], merged.offsets[i] + run * BYTES_PER_SAMPLE);
    k += run;
  }

  const markers = new Map<string, HistoryMarker>();
  for (const m of [...(onDisk?.markers ?? []), ...history.markers]) if (m.t >= cutoff) markers.set(JSON.stringify(m), m);
  const markerList = [...markers.values()].sort((a, b) => a.t - b.t).slice(-maxMarkers);
  const gaps = new Map<number, HistoryGap>();
  for (const g of [...(onDisk?.gaps ?? []), ...history.gaps]) {
    if (g.to !== undefined && g.to < cutoff) continue;
    const known = gaps.get(g.from);
    // An outage one window saw end is over for the other too.
    if (!known || known.to === undefined) gaps.set(g.from, g);
  }
  const gapList = [...gaps.values()].sort((a, b) => a.from - b.from).slice(-maxMarkers);

  const parts = [Buffer.from(LOG_MAGIC, 'latin1'), headerRecord(history.hostId, history.label), rowsRecord(writer, rows)];
  if (markerList.length > 0) parts.push(jsonRecord('M', markerList));
  if (gapList.length > 0) parts.push(jsonRecord('G', gapList));
  return { bytes: Buffer.concat(parts), rows: kept.length - first };
}

function sameRow(a: Buffer, pa: number, b: Buffer, pb: number): boolean {
  return a.compare(b, pb, pb + BYTES_PER_SAMPLE, pa, pa + BYTES_PER_SAMPLE) === 0;
}
