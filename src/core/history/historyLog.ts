import { isTcpStateName } from '../model';
import { HostHistory } from './hostHistory';
import { BYTES_PER_SAMPLE, STATE_COUNT } from './sampleRing';
import type { HistoryGap, HistoryMarker } from './types';

/** File magic: version 2 is the append-only log. */
export const LOG_MAGIC = 'TCPLHIS2';

/**
 * Record types. `H` {hostId, label, stateCount} (again when the label changes), `S` sample rows
 * (Float64 time + Uint32 per state, little-endian), `M` a JSON array of markers, `G` a JSON
 * array of gaps (a later gap with the same start replaces the earlier one).
 */
type RecordType = 'H' | 'S' | 'M' | 'G';

/** Type byte, payload length, then after the payload a checksum of both. */
const RECORD_HEAD = 5;
const RECORD_TAIL = 4;

/** FNV-1a: enough to tell a torn or zero-filled tail from a record; not against tampering. */
function checksum(type: number, payload: Buffer): number {
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

function samplesRecord(history: HostHistory, first: number): Buffer {
  const { ring } = history;
  const payload = Buffer.alloc((ring.length - first) * BYTES_PER_SAMPLE);
  let offset = 0;
  for (let i = first; i < ring.length; i++) {
    payload.writeDoubleLE(ring.timeAt(i), offset);
    offset += 8;
    for (let s = 0; s < STATE_COUNT; s++, offset += 4) payload.writeUInt32LE(ring.countAt(i, s), offset);
  }
  return record('S', payload);
}

function headerRecord(history: HostHistory): Buffer {
  return jsonRecord('H', { hostId: history.hostId, label: history.label, stateCount: STATE_COUNT });
}

/** The whole history as a fresh log: what a compaction writes. */
export function encodeLog(history: HostHistory): Buffer {
  const parts = [Buffer.from(LOG_MAGIC, 'latin1'), headerRecord(history), samplesRecord(history, 0)];
  if (history.markers.length > 0) parts.push(jsonRecord('M', history.markers));
  if (history.gaps.length > 0) parts.push(jsonRecord('G', history.gaps));
  return Buffer.concat(parts);
}

/** The records a save appends: only what the file lacks. */
export function encodeUnsaved(history: HostHistory): Buffer {
  const { unsaved, ring } = history;
  const parts: Buffer[] = [];
  if (unsaved.savedLabel !== history.label) parts.push(headerRecord(history));
  if (unsaved.samples > 0) parts.push(samplesRecord(history, ring.length - Math.min(unsaved.samples, ring.length)));
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
  return typeof m.t === 'number' && Number.isFinite(m.t) && (m.kind === 'threshold' || m.kind === 'leak') && typeof m.state === 'string' && isTcpStateName(m.state) && typeof m.label === 'string';
}

function isGap(value: unknown): value is HistoryGap {
  if (typeof value !== 'object' || value === null) return false;
  const g = value as Record<string, unknown>;
  return typeof g.from === 'number' && Number.isFinite(g.from) && (g.to === undefined || (typeof g.to === 'number' && g.to >= g.from)) && typeof g.message === 'string';
}

function jsonArray(payload: Buffer): unknown[] {
  const value: unknown = JSON.parse(payload.toString('utf8'));
  return Array.isArray(value) ? value : [];
}

export interface DecodedLog {
  history: HostHistory;
  /** Bytes at the end that did not form a whole, intact record (a write cut short by a crash). */
  tornBytes: number;
}

/**
 * Replays a log into a new history, in the order it was written, so it ends as the ring did
 * (including samples a clock going back had dropped). A torn tail is ignored; anything wrong
 * before it (wrong magic, a first record that is not the header) throws.
 */
export function decodeLog(data: Buffer, maxSamples: number, maxMarkers: number): DecodedLog {
  if (data.length < LOG_MAGIC.length || data.toString('latin1', 0, LOG_MAGIC.length) !== LOG_MAGIC) throw new Error('not a TCP Lens history file');
  let history: HostHistory | undefined;
  let rows = 0;
  let offset = LOG_MAGIC.length;
  const row = new Array<number>(STATE_COUNT);
  while (offset + RECORD_HEAD + RECORD_TAIL <= data.length) {
    const code = data.readUInt8(offset);
    const length = data.readUInt32LE(offset + 1);
    const end = offset + RECORD_HEAD + length;
    if (end + RECORD_TAIL > data.length) break;
    const payload = data.subarray(offset + RECORD_HEAD, end);
    if (data.readUInt32LE(end) !== checksum(code, payload)) break;
    const type = String.fromCharCode(code);
    if (type === 'H') {
      const header = JSON.parse(payload.toString('utf8')) as { hostId?: unknown; label?: unknown; stateCount?: unknown };
      if (typeof header.hostId !== 'string' || typeof header.label !== 'string' || header.stateCount !== STATE_COUNT) throw new Error('malformed header');
      history ??= new HostHistory(header.hostId, header.label, maxSamples, maxMarkers);
      history.label = header.label;
    } else if (!history) {
      throw new Error('no header');
    } else if (type === 'S') {
      if (length % BYTES_PER_SAMPLE !== 0) throw new Error('malformed sample record');
      for (let p = 0; p < length; p += BYTES_PER_SAMPLE) {
        const t = payload.readDoubleLE(p);
        for (let s = 0; s < STATE_COUNT; s++) row[s] = payload.readUInt32LE(p + 8 + 4 * s);
        history.ring.push(t, row);
        rows++;
      }
    } else if (type === 'M') {
      for (const m of jsonArray(payload)) if (isMarker(m)) history.addMarker(m);
    } else if (type === 'G') {
      for (const g of jsonArray(payload)) if (isGap(g)) history.updateGap(g);
    }
    offset = end + RECORD_TAIL;
  }
  if (!history) throw new Error('truncated header');
  const tornBytes = data.length - offset;
  markSaved(history, rows, true);
  // Appending after torn bytes would hide the new records behind them: rewrite first.
  history.unsaved.rewrite = tornBytes > 0;
  return { history, tornBytes };
}
