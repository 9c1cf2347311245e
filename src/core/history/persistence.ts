import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeLog,
  describeDamage,
  encodeMerged,
  encodeUnsaved,
  isDamaged,
  markSaved,
  readLog,
  snapshotOf,
  WRITER_ID_BYTES,
  type HistorySnapshot,
  type LogContents,
} from './historyLog';
import type { HostHistory } from './hostHistory';

/** Rows trimmed from the ring but still in the file, beyond which a save compacts the file. */
const MIN_WASTE_ROWS = 3600;

/** A save that did not reach the disk; the history stays dirty and the next save writes it whole. */
export class HistorySaveError extends Error {
  constructor(
    readonly hostId: string,
    message: string,
  ) {
    super(message);
    this.name = 'HistorySaveError';
  }
}

/** What a save writes, decided (and the history marked saved) at the moment the save starts. */
type SavePlan = { rewrite: false; bytes: Buffer } | { rewrite: true; snapshot: HistorySnapshot };

/**
 * One append-only log per host in a directory (the extension's global storage). A save appends
 * what is new (about 3 kB a minute at 1 s); the file is rewritten (temp file + rename, so a
 * crash keeps the old one) only when the retention has trimmed a quarter of it, or when it is
 * missing, damaged or has a torn tail.
 *
 * Several windows may append to the same file (each tags its rows with its own writer id, and
 * loading merges them by time); a rewrite first reads the file as it is on disk and keeps the
 * other windows' rows. Before a rewrite replaces a file that is damaged, the file is copied to
 * `<file>.corrupt` (one copy per host, the latest). A save that fails leaves the history dirty
 * and marked for a whole rewrite, so the next save retries everything it lacks.
 */
export class HistoryFiles {
  private readonly writing = new Set<string>();
  /** This window's id in the rows it writes. */
  readonly writerId: Buffer = randomBytes(WRITER_ID_BYTES);

  constructor(
    readonly directory: string,
    private readonly maxSamples: number,
    private readonly maxMarkers: number,
  ) {}

  /** File name from a hash: host ids are SSH destinations and may hold any character. */
  pathOf(hostId: string): string {
    return join(this.directory, `history-${createHash('sha256').update(hostId).digest('hex').slice(0, 16)}.log`);
  }

  /** Where a damaged file is copied before it is rewritten. */
  corruptPathOf(hostId: string): string {
    return `${this.pathOf(hostId)}.corrupt`;
  }

  /**
   * The saved history, or undefined when there is none. Damage inside the file is skipped and
   * told to `onProblem` (what was restored is returned); a file with nothing of this host's
   * history in it throws. Either way the file is copied aside before it is next rewritten.
   */
  load(hostId: string, onProblem?: (message: string) => void): HostHistory | undefined {
    const path = this.pathOf(hostId);
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const keep = `the file is copied to ${this.corruptPathOf(hostId)} before it is rewritten`;
    let decoded;
    try {
      decoded = decodeLog(data, this.maxSamples, this.maxMarkers, hostId);
    } catch (err) {
      throw new Error(`${(err as Error).message}; ${keep}`, { cause: err });
    }
    const { history, damage } = decoded;
    if (history.hostId !== hostId) throw new Error(`it holds the history of another host ("${history.hostId}"); ${keep}`);
    const problem = describeDamage(damage);
    if (problem) onProblem?.(`${path}: ${problem}. Restored what was intact (${history.ring.length} samples); ${keep}.`);
    return history;
  }

  /** Appends what is new, or rewrites; a second save of a host still being written waits for the next one. */
  async save(history: HostHistory): Promise<void> {
    if (this.writing.has(history.hostId)) return;
    const path = this.pathOf(history.hostId);
    this.writing.add(history.hostId);
    try {
      const plan = this.plan(history);
      try {
        await mkdir(this.directory, { recursive: true });
        if (plan.rewrite) {
          const onDisk = await readFile(path).catch(ignoreMissing);
          const bytes = this.compose(plan.snapshot, onDisk);
          if (bytes.corrupt) await writeFile(this.corruptPathOf(history.hostId), bytes.corrupt);
          await writeFile(`${path}.tmp`, bytes.log);
          await rename(`${path}.tmp`, path);
        } else {
          await appendFile(path, plan.bytes);
        }
        history.unsaved.saveError = undefined;
      } catch (err) {
        throw this.failed(history, err);
      }
    } finally {
      this.writing.delete(history.hostId);
    }
  }

  /** For shutdown and eviction, when there is no later turn of the event loop to finish an async write. */
  saveSync(history: HostHistory): void {
    const path = this.pathOf(history.hostId);
    // An async save in flight would rename its file over our append: write whole, elsewhere.
    const busy = this.writing.has(history.hostId);
    if (busy) history.unsaved.rewrite = true;
    const plan = this.plan(history);
    try {
      mkdirSync(this.directory, { recursive: true });
      if (plan.rewrite) {
        let onDisk: Buffer | undefined;
        try {
          onDisk = readFileSync(path);
        } catch (err) {
          onDisk = ignoreMissing(err);
        }
        const bytes = this.compose(plan.snapshot, onDisk);
        if (bytes.corrupt) writeFileSync(this.corruptPathOf(history.hostId), bytes.corrupt);
        const temp = `${path}.${busy ? 'sync' : ''}tmp`;
        writeFileSync(temp, bytes.log);
        renameSync(temp, path);
      } else {
        appendFileSync(path, plan.bytes);
      }
      history.unsaved.saveError = undefined;
    } catch (err) {
      throw this.failed(history, err);
    }
  }

  /** Marks the history for a whole rewrite and keeps it dirty, so nothing the file lacks is forgotten. */
  private failed(history: HostHistory, err: unknown): HistorySaveError {
    const reason = err instanceof Error ? err.message : String(err);
    history.unsaved.rewrite = true;
    history.unsaved.saveError = reason;
    return new HistorySaveError(
      history.hostId,
      `Could not save the TCP Lens history of ${history.label} to ${this.pathOf(history.hostId)}: ${reason}. It is kept in memory and saved again at the next save.`,
    );
  }

  /**
   * The rewritten file: the file on disk (all writers' rows) merged with the snapshot; and the
   * file's bytes to keep aside when it is damaged or not this host's.
   */
  private compose(snapshot: HistorySnapshot, onDisk: Buffer | undefined): { log: Buffer; corrupt?: Buffer } {
    let contents: LogContents | undefined;
    let damaged = false;
    if (onDisk !== undefined && onDisk.length > 0) {
      try {
        const read = readLog(onDisk, this.maxMarkers);
        if (read.contents.hostId !== undefined && read.contents.hostId !== snapshot.hostId) damaged = true;
        else {
          contents = read.contents;
          damaged = isDamaged(read.damage);
        }
      } catch {
        damaged = true;
      }
    }
    const { bytes } = encodeMerged(snapshot, contents, this.writerId, this.maxSamples, this.maxMarkers);
    return { log: bytes, corrupt: damaged ? onDisk : undefined };
  }

  /**
   * Decides the save and marks the history saved now, so samples added while the write runs wait
   * for the next save. A rewrite works from a copy of the history taken now, for the same reason.
   */
  private plan(history: HostHistory): SavePlan {
    const { unsaved, ring } = history;
    const waste = unsaved.rowsInFile + unsaved.samples - ring.length;
    const rewrite = unsaved.rewrite || waste >= Math.max(MIN_WASTE_ROWS, ring.length / 4);
    const plan: SavePlan = rewrite
      ? { rewrite: true, snapshot: snapshotOf(history) }
      : { rewrite: false, bytes: encodeUnsaved(history, this.writerId) };
    markSaved(history, rewrite ? ring.length : Math.min(unsaved.samples, ring.length), rewrite);
    return plan;
  }
}

function ignoreMissing(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw err;
}
