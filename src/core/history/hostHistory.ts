import { SampleRing } from './sampleRing';
import type { HistoryMarker } from './types';

/** One host's samples and markers. */
export class HostHistory {
  readonly ring: SampleRing;
  readonly markers: HistoryMarker[] = [];
  /** Changed since it was last saved. */
  dirty = false;

  constructor(
    readonly hostId: string,
    public label: string,
    maxSamples: number,
    private readonly maxMarkers: number,
  ) {
    this.ring = new SampleRing(maxSamples);
  }

  push(t: number, row: ArrayLike<number>): void {
    this.ring.push(t, row);
    this.dirty = true;
  }

  addMarker(marker: HistoryMarker): void {
    this.markers.push(marker);
    if (this.markers.length > this.maxMarkers) this.markers.splice(0, this.markers.length - this.maxMarkers);
    this.dirty = true;
  }

  /** Forgets samples and markers older than `t`. */
  dropBefore(t: number): void {
    const before = this.ring.length;
    this.ring.dropBefore(t);
    const firstKept = this.markers.findIndex((m) => m.t >= t);
    const drop = firstKept === -1 ? this.markers.length : firstKept;
    if (drop > 0) this.markers.splice(0, drop);
    if (drop > 0 || this.ring.length !== before) this.dirty = true;
  }

  markersIn(from: number, to: number): HistoryMarker[] {
    return this.markers.filter((m) => m.t >= from && m.t <= to);
  }
}
