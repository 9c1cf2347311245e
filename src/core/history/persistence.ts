import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeLog, encodeLog, encodeUnsaved, markSaved } from './historyLog';
import type { HostHistory } from './hostHistory';

/** Rows trimmed from the ring but still in the file, beyond which a save compacts the file. */
const MIN_WASTE_ROWS = 3600;

/**
 * One append-only log per host in a directory (the extension's global storage). A save appends
 * what is new (about 3 kB a minute at 1 s); the file is rewritten (temp file + rename, so a
 * crash keeps the old one) only when the retention has trimmed a quarter of it, or when it is
 * missing or has a torn tail.
 */
export class HistoryFiles {
  private readonly writing = new Set<string>();

  constructor(
    readonly directory: string,
    private readonly maxSamples: number,
    private readonly maxMarkers: number,
  ) {}

  /** File name from a hash: host ids are SSH destinations and may hold any character. */
  pathOf(hostId: string): string {
    return join(this.directory, `history-${createHash('sha256').update(hostId).digest('hex').slice(0, 16)}.log`);
  }

  /** The saved history, or undefined when there is none; a damaged file throws (a torn tail does not). */
  load(hostId: string): HostHistory | undefined {
    let data: Buffer;
    try {
      data = readFileSync(this.pathOf(hostId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const { history } = decodeLog(data, this.maxSamples, this.maxMarkers);
    return history.hostId === hostId ? history : undefined;
  }

  /** Appends what is new, or compacts; a second save of a host still being written waits for the next one. */
  async save(history: HostHistory): Promise<void> {
    if (this.writing.has(history.hostId)) return;
    const path = this.pathOf(history.hostId);
    const plan = this.plan(history);
    this.writing.add(history.hostId);
    try {
      await mkdir(this.directory, { recursive: true });
      if (plan.rewrite) {
        await writeFile(`${path}.tmp`, plan.bytes);
        await rename(`${path}.tmp`, path);
      } else {
        await appendFile(path, plan.bytes);
      }
    } catch (err) {
      history.unsaved.rewrite = true;
      throw err;
    } finally {
      this.writing.delete(history.hostId);
    }
  }

  /** For shutdown and eviction, when there is no later turn of the event loop to finish an async write. */
  saveSync(history: HostHistory): void {
    const path = this.pathOf(history.hostId);
    // An async compaction in flight would rename its file over our append: write whole, elsewhere.
    const busy = this.writing.has(history.hostId);
    if (busy) history.unsaved.rewrite = true;
    const plan = this.plan(history);
    mkdirSync(this.directory, { recursive: true });
    try {
      if (plan.rewrite) {
        const temp = `${path}.${busy ? 'sync' : ''}tmp`;
        writeFileSync(temp, plan.bytes);
        renameSync(temp, path);
      } else {
        appendFileSync(path, plan.bytes);
      }
    } catch (err) {
      history.unsaved.rewrite = true;
      throw err;
    }
  }

  /** Encodes the save and marks the history saved now, so samples added meanwhile wait for the next save. */
  private plan(history: HostHistory): { rewrite: boolean; bytes: Buffer } {
    const { unsaved, ring } = history;
    const waste = unsaved.rowsInFile + unsaved.samples - ring.length;
    const rewrite = unsaved.rewrite || waste >= Math.max(MIN_WASTE_ROWS, ring.length / 4);
    const bytes = rewrite ? encodeLog(history) : encodeUnsaved(history);
    markSaved(history, rewrite ? ring.length : Math.min(unsaved.samples, ring.length), rewrite);
    return { rewrite, bytes };
  }
}
