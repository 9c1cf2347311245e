import { SampleRing } from './sampleRing';
import type { HistoryGap, HistoryMarker } from './types';

/**
 * What the host's file lacks, kept so a save appends only that (see `HistoryFiles`).
 * `rowsInFile` counts sample rows in the file, including those the ring has trimmed since.
 */
export interface UnsavedChanges {
  samples: number;
  markers: HistoryMarker[];
  gaps: HistoryGap[];
  savedLabel: string | undefined;
  rowsInFile: number;
  /** The file is missing, torn or from another format: the next save writes it whole. */
  rewrite: boolean;
  /** Why the last save failed; the history stays dirty (the next save retries, whole) until one succeeds. */
  saveError?: string;
}

/** One host's samples, markers and outages. */
export class HostHistory {
  readonly ring: SampleRing;
  readonly markers: HistoryMarker[] = [];
  /** In time order; only the last one may be open. */
  readonly gaps: HistoryGap[] = [];
  readonly unsaved: UnsavedChanges = { samples: 0, markers: [], gaps: [], savedLabel: undefined, rowsInFile: 0, rewrite: true };

  constructor(
    readonly hostId: string,
    public label: string,
    maxSamples: number,
    private readonly maxMarkers: number,
  ) {
    this.ring = new SampleRing(maxSamples);
  }

  /** Changed since it was last saved. */
  get dirty(): boolean {
    const u = this.unsaved;
    return u.samples > 0 || u.markers.length > 0 || u.gaps.length > 0 || u.savedLabel !== this.label || u.saveError !== undefined;
  }

  /** Records a sample; it ends an open outage. */
  push(t: number, row: ArrayLike<number>): void {
    const clockBack = this.ring.push(t, row);
    // Dropped rows that were saved are dropped again when the file is replayed in order.
    this.unsaved.samples = Math.min(this.ring.length, Math.max(0, this.unsaved.samples - clockBack) + 1);
    const open = this.openGap;
    if (open && t >= open.from) this.updateGap({ ...open, to: t });
  }

  addMarker(marker: HistoryMarker): void {
    this.markers.push(marker);
    if (this.markers.length > this.maxMarkers) this.markers.splice(0, this.markers.length - this.maxMarkers);
    this.unsaved.markers.push(marker);
  }

  /** The outage in progress, if any. */
  get openGap(): HistoryGap | undefined {
    const last = this.gaps.at(-1);
    return last && last.to === undefined ? last : undefined;
  }

  /** Starts an outage at `t` unless one is open (its first error names the cause). */
  startGap(t: number, message: string): void {
    if (this.openGap) return;
    this.updateGap({ from: t, message });
  }

  /** Ends the open outage at `t` without a sample (another host was selected). */
  endGap(t: number): void {
    const open = this.openGap;
    if (open) this.updateGap({ ...open, to: Math.max(open.from, t) });
  }

  /** Adds a gap, or replaces the one with the same start (a gap is saved once open and again closed). */
  updateGap(gap: HistoryGap): void {
    const i = this.gaps.findIndex((g) => g.from === gap.from);
    if (i >= 0) this.gaps[i] = gap;
    else {
      this.gaps.push(gap);
      this.gaps.sort((a, b) => a.from - b.from);
      if (this.gaps.length > this.maxMarkers) this.gaps.splice(0, this.gaps.length - this.maxMarkers);
    }
    this.unsaved.gaps.push(gap);
  }

  /** Forgets samples, markers and closed outages older than `t`. */
  dropBefore(t: number): void {
    this.ring.dropBefore(t);
    const firstKept = this.markers.findIndex((m) => m.t >= t);
    this.markers.splice(0, firstKept === -1 ? this.markers.length : firstKept);
    const firstGap = this.gaps.findIndex((g) => g.to === undefined || g.to >= t);
    this.gaps.splice(0, firstGap === -1 ? this.gaps.length : firstGap);
  }

  markersIn(from: number, to: number): HistoryMarker[] {
    return this.markers.filter((m) => m.t >= from && m.t <= to);
  }

  /** Outages overlapping `[from, to]`, the open one included. */
  gapsIn(from: number, to: number): HistoryGap[] {
    return this.gaps.filter((g) => g.from <= to && (g.to === undefined || g.to >= from));
  }
}
