import type { HistoryMarker, SeriesBlock } from '../../src/shared/chartProtocol';
import { TCP_STATE_NAMES } from '../../src/core/model';

export interface Point {
  x: number;
  y: number;
}

const MAX_MARKERS = 500;

/** Rows beyond this are appended by building new arrays rather than by push (see below). */
const PUSH_LIMIT = 64;

/**
 * What the chart shows: the host's samples as chart.js points, one array per state in
 * TCP_STATE_NAMES order, shared by reference with the datasets so a small append is O(new rows).
 * chart.js patches push/splice of its data arrays and inserts an element per pushed point, which
 * is quadratic for big batches: those get fresh arrays, which the chart picks up on update.
 */
export class SeriesData {
  points: Point[][] = TCP_STATE_NAMES.map(() => []);
  markers: HistoryMarker[] = [];

  get length(): number {
    return this.points[0].length;
  }

  get lastTime(): number | undefined {
    const column = this.points[0];
    return column.length > 0 ? column[column.length - 1].x : undefined;
  }

  get firstTime(): number | undefined {
    return this.points[0][0]?.x;
  }

  replace(series: SeriesBlock, markers: HistoryMarker[]): void {
    this.points = TCP_STATE_NAMES.map(() => []);
    this.markers = [];
    this.append(series, markers);
  }

  /** Adds rows newer than the last one; older rows (a repeated delta) are skipped. */
  append(series: SeriesBlock, markers: HistoryMarker[]): number {
    const last = this.lastTime ?? Number.NEGATIVE_INFINITY;
    let first = 0;
    while (first < series.t.length && series.t[first] <= last) first++;
    const added = series.t.length - first;
    const fresh = added > PUSH_LIMIT || this.length === 0;
    for (let s = 0; s < this.points.length; s++) {
      const column = fresh ? this.points[s].slice() : this.points[s];
      const values = series.values[s];
      for (let i = first; i < series.t.length; i++) column.push({ x: series.t[i], y: values[i] });
      this.points[s] = column;
    }
    const seen = new Set(this.markers.map((m) => `${m.t}|${m.label}`));
    for (const m of markers) if (!seen.has(`${m.t}|${m.label}`)) this.markers.push(m);
    if (this.markers.length > MAX_MARKERS) this.markers.splice(0, this.markers.length - MAX_MARKERS);
    return added;
  }

  /** Drops rows before `t` (keeping one so the line enters the window from its left edge). */
  dropBefore(t: number): void {
    const column = this.points[0];
    let n = 0;
    while (n + 1 < column.length && column[n + 1].x < t) n++;
    if (n > 0) for (const c of this.points) c.splice(0, n);
    this.markers = this.markers.filter((m) => m.t >= t);
  }

  toBlock(): SeriesBlock {
    return { t: this.points[0].map((p) => p.x), values: this.points.map((c) => c.map((p) => p.y)) };
  }

  /** Counts at the newest row, per state. */
  latest(s: number): number | undefined {
    const column = this.points[s];
    return column[column.length - 1]?.y;
  }
}
