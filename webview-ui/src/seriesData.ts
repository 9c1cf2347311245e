import type { HistoryGap, HistoryMarker, SeriesBlock } from '../../src/shared/chartProtocol';
import { TCP_STATE_NAMES } from '../../src/core/model';

/** `y: null` marks an outage: chart.js (spanGaps off) breaks the line there instead of bridging it. */
export interface Point {
  x: number;
  y: number | null;
}

const MAX_MARKERS = 500;

/** Rows beyond this are appended by building new arrays rather than by push (see below). */
const PUSH_LIMIT = 64;

/**
 * Two rows further apart than this many typical spacings (and {@link MIN_BREAK_MS}) have no data
 * between them (VS Code was closed, another host was shown): the line breaks instead of drawing a
 * diagonal across the hole.
 */
const BREAK_SPACINGS = 10;
const MIN_BREAK_MS = 30_000;

function medianSpacing(t: readonly number[], from: number): number | undefined {
  const deltas: number[] = [];
  for (let i = Math.max(from, 1); i < t.length; i++) if (t[i] > t[i - 1]) deltas.push(t[i] - t[i - 1]);
  if (deltas.length < 4) return undefined;
  deltas.sort((a, b) => a - b);
  return deltas[deltas.length >> 1];
}

/**
 * What the chart shows: the host's samples as chart.js points, one array per state in
 * TCP_STATE_NAMES order, shared by reference with the datasets so a small append is O(new rows).
 * chart.js patches push/splice of its data arrays and inserts an element per pushed point, which
 * is quadratic for big batches: those get fresh arrays, which the chart picks up on update.
 */
export class SeriesData {
  points: Point[][] = TCP_STATE_NAMES.map(() => []);
  markers: HistoryMarker[] = [];
  /** Outages in start order; a break is drawn at each one's start. */
  gaps: HistoryGap[] = [];
  /** Typical time between rows, learnt from the history (the refresh interval, or a bucket). */
  private spacing = 2000;

  get length(): number {
    return this.points[0].length;
  }

  /** Rows drawn, without the breaks. */
  get rows(): number {
    let n = 0;
    for (const p of this.points[0]) if (p.y !== null) n++;
    return n;
  }

  get lastTime(): number | undefined {
    const column = this.points[0];
    return column.length > 0 ? column[column.length - 1].x : undefined;
  }

  get firstTime(): number | undefined {
    return this.points[0][0]?.x;
  }

  replace(series: SeriesBlock, markers: HistoryMarker[], gaps: HistoryGap[]): void {
    this.points = TCP_STATE_NAMES.map(() => []);
    this.markers = [];
    this.gaps = [];
    this.append(series, markers, gaps);
  }

  /** Adds rows newer than the last one (older rows, from a repeated delta, are skipped), with a break at each outage between rows. */
  append(series: SeriesBlock, markers: HistoryMarker[], gaps: HistoryGap[]): number {
    this.mergeGaps(gaps);
    const last = this.lastTime ?? Number.NEGATIVE_INFINITY;
    let first = 0;
    while (first < series.t.length && series.t[first] <= last) first++;
    const added = series.t.length - first;
    this.spacing = medianSpacing(series.t, first) ?? this.spacing;
    const breaks = this.breaksBetween(last, series.t, first);
    const fresh = added > PUSH_LIMIT || this.length === 0;
    for (let s = 0; s < this.points.length; s++) {
      const column = fresh ? this.points[s].slice() : this.points[s];
      const values = series.values[s];
      for (let i = first; i < series.t.length; i++) {
        const at = breaks.get(i);
        if (at !== undefined) column.push({ x: at, y: null });
        column.push({ x: series.t[i], y: values[i] });
      }
      this.points[s] = column;
    }
    const seen = new Set(this.markers.map((m) => `${m.t}|${m.label}`));
    for (const m of markers) if (!seen.has(`${m.t}|${m.label}`)) this.markers.push(m);
    if (this.markers.length > MAX_MARKERS) this.markers.splice(0, this.markers.length - MAX_MARKERS);
    return added;
  }

  /** Outages by start; a gap seen again (open before, closed now) replaces its earlier copy. */
  private mergeGaps(gaps: readonly HistoryGap[]): void {
    if (gaps.length === 0) return;
    const byStart = new Map(this.gaps.map((g) => [g.from, g]));
    for (const g of gaps) byStart.set(g.from, g);
    this.gaps = [...byStart.values()].sort((a, b) => a.from - b.from).slice(-MAX_MARKERS);
  }

  /**
   * Row index → where to break the line before it: the start of an outage after the previous
   * row, or just after the previous row when nothing was recorded for much longer than usual.
   */
  private breaksBetween(last: number, t: readonly number[], first: number): Map<number, number> {
    const breaks = new Map<number, number>();
    const hole = Math.max(MIN_BREAK_MS, BREAK_SPACINGS * this.spacing);
    let g = this.gaps.findIndex((gap) => gap.from >= last);
    if (g === -1) g = this.gaps.length;
    let previous = last;
    for (let i = first; i < t.length; i++) {
      while (g < this.gaps.length && this.gaps[g].from < previous) g++;
      // A break needs a row on both sides: none before the first row shown.
      if (Number.isFinite(previous)) {
        if (g < this.gaps.length && this.gaps[g].from < t[i]) breaks.set(i, this.gaps[g].from);
        else if (t[i] - previous > hole) breaks.set(i, previous + 1);
      }
      previous = t[i];
    }
    return breaks;
  }

  /** The outage covering time `x`, if any (an open one runs to now). */
  gapAt(x: number): HistoryGap | undefined {
    return this.gaps.find((g) => g.from <= x && (g.to === undefined || x <= g.to));
  }

  /** Drops rows before `t` (keeping one so the line enters the window from its left edge). */
  dropBefore(t: number): void {
    const column = this.points[0];
    let n = 0;
    while (n + 1 < column.length && column[n + 1].x < t) n++;
    if (n > 0) for (const c of this.points) c.splice(0, n);
    this.markers = this.markers.filter((m) => m.t >= t);
    this.gaps = this.gaps.filter((g) => g.to === undefined || g.to >= t);
  }

  /** The rows without the breaks (those are rebuilt from the gaps). */
  toBlock(): SeriesBlock {
    const rows = this.points[0].flatMap((p, i) => (p.y === null ? [] : [i]));
    return { t: rows.map((i) => this.points[0][i].x), values: this.points.map((c) => rows.map((i) => c[i].y ?? 0)) };
  }

  /** Counts at the newest row, per state. */
  latest(s: number): number | undefined {
    const column = this.points[s];
    return column[column.length - 1]?.y ?? undefined;
  }
}
