import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTcpStateName } from '../model';
import { HostHistory } from './hostHistory';
import { STATE_COUNT } from './sampleRing';
import type { HistoryMarker } from './types';

const MAGIC = 'TCPLHIS1';
const VERSION = 1;

interface FileHeader {
  version: number;
  hostId: string;
  label: string;
  count: number;
  stateCount: number;
  markers: HistoryMarker[];
}

function isMarker(value: unknown): value is HistoryMarker {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.t === 'number' && Number.isFinite(m.t) && (m.kind === 'threshold' || m.kind === 'leak') && typeof m.state === 'string' && isTcpStateName(m.state) && typeof m.label === 'string';
}

/**
 * Binary form of a host's history: magic, a length-prefixed JSON header (host, markers), then
 * each sample's Float64 time and Uint32 counts, little-endian. 24 h at 1 s is 4.5 MB; the same
 * in JSON would be about three times that and much slower to parse.
 */
export function encodeHistory(history: HostHistory): Buffer {
  const { ring } = history;
  const header: FileHeader = { version: VERSION, hostId: history.hostId, label: history.label, count: ring.length, stateCount: STATE_COUNT, markers: history.markers };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const bodyStart = MAGIC.length + 4 + headerBytes.length;
  const out = Buffer.alloc(bodyStart + ring.length * (8 + 4 * STATE_COUNT));
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(headerBytes.length, MAGIC.length);
  headerBytes.copy(out, MAGIC.length + 4);
  let offset = bodyStart;
  for (let i = 0; i < ring.length; i++) {
    out.writeDoubleLE(ring.timeAt(i), offset);
    offset += 8;
    for (let s = 0; s < STATE_COUNT; s++, offset += 4) out.writeUInt32LE(ring.countAt(i, s), offset);
  }
  return out;
}

/** Reads {@link encodeHistory}'s output; throws on anything malformed or truncated. */
export function decodeHistory(data: Buffer, maxSamples: number, maxMarkers: number): HostHistory {
  if (data.length < MAGIC.length + 4 || data.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a TCP Lens history file');
  const headerLength = data.readUInt32LE(MAGIC.length);
  const bodyStart = MAGIC.length + 4 + headerLength;
  if (bodyStart > data.length) throw new Error('truncated header');
  const header = JSON.parse(data.toString('utf8', MAGIC.length + 4, bodyStart)) as Partial<FileHeader>;
  if (header.version !== VERSION || header.stateCount !== STATE_COUNT) throw new Error(`unsupported history version ${String(header.version)}`);
  if (typeof header.hostId !== 'string' || typeof header.label !== 'string' || !Number.isInteger(header.count) || !Array.isArray(header.markers)) throw new Error('malformed header');
  const count = header.count as number;
  if (data.length !== bodyStart + count * (8 + 4 * STATE_COUNT)) throw new Error('truncated samples');
  const history = new HostHistory(header.hostId, header.label, maxSamples, maxMarkers);
  const row = new Array<number>(STATE_COUNT);
  let offset = bodyStart;
  for (let i = 0; i < count; i++) {
    const t = data.readDoubleLE(offset);
    offset += 8;
    for (let s = 0; s < STATE_COUNT; s++, offset += 4) row[s] = data.readUInt32LE(offset);
    history.ring.push(t, row);
  }
  for (const m of header.markers) if (isMarker(m)) history.addMarker(m);
  history.dirty = false;
  return history;
}

/** One file per host in a directory (the extension's global storage). */
export class HistoryFiles {
  constructor(
    readonly directory: string,
    private readonly maxSamples: number,
    private readonly maxMarkers: number,
  ) {}

  /** File name from a hash: host ids are SSH destinations and may hold any character. */
  pathOf(hostId: string): string {
    return join(this.directory, `history-${createHash('sha256').update(hostId).digest('hex').slice(0, 16)}.bin`);
  }

  /** The saved history, or undefined when there is none; a damaged file throws. */
  load(hostId: string): HostHistory | undefined {
    let data: Buffer;
    try {
      data = readFileSync(this.pathOf(hostId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const history = decodeHistory(data, this.maxSamples, this.maxMarkers);
    return history.hostId === hostId ? history : undefined;
  }

  /** Writes to a temporary file and renames it, so a crash mid-write keeps the previous file. */
  async save(history: HostHistory): Promise<void> {
    const path = this.pathOf(history.hostId);
    await mkdir(this.directory, { recursive: true });
    history.dirty = false;
    await writeFile(`${path}.tmp`, encodeHistory(history));
    await rename(`${path}.tmp`, path);
  }

  /** For shutdown, when there is no later turn of the event loop to finish an async write. */
  saveSync(history: HostHistory): void {
    const path = this.pathOf(history.hostId);
    mkdirSync(this.directory, { recursive: true });
    history.dirty = false;
    writeFileSync(`${path}.tmp`, encodeHistory(history));
    renameSync(`${path}.tmp`, path);
  }
}
