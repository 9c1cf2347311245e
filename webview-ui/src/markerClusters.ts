import type { HistoryMarker } from '../../src/shared/chartProtocol';

/** One vertical line on the chart: a marker, or several close together merged with a count. */
export interface MarkerCluster {
  px: number;
  kind: HistoryMarker['kind'];
  /** "leak: node (4242) ×3" for one label repeated, "CLOSE_WAIT ≥ 100 +2" for different ones. */
  label: string;
  count: number;
  /** Label row (0-2) and where the label starts; `row` is undefined when no row has room. */
  row?: number;
  labelX: number;
}

/** Markers closer than this many pixels are one line. */
export const MERGE_PX = 8;
const LABEL_ROWS = 3;
const LABEL_PAD = 6;
const MAX_LABEL = 40;

/**
 * Merges markers drawn within {@link MERGE_PX} of each other into one line with a count, so the
 * same label is never printed on top of itself, and gives each label a row where it does not
 * overlap another (none when all rows are taken). `measure` is the canvas's text width.
 */
export function clusterMarkers(
  markers: readonly HistoryMarker[],
  pixelOf: (t: number) => number,
  area: { left: number; right: number },
  measure: (text: string) => number,
): MarkerCluster[] {
  const visible = markers
    .map((m) => ({ m, px: pixelOf(m.t) }))
    .filter(({ px }) => Number.isFinite(px) && px >= area.left && px <= area.right)
    .sort((a, b) => a.px - b.px);
  const groups: { px: number; members: HistoryMarker[] }[] = [];
  for (const { m, px } of visible) {
    const last = groups.at(-1);
    if (last && px - last.px < MERGE_PX) last.members.push(m);
    else groups.push({ px, members: [m] });
  }
  const rowEnds = new Array<number>(LABEL_ROWS).fill(Number.NEGATIVE_INFINITY);
  return groups.map(({ px, members }) => {
    const labels = new Set(members.map((m) => m.label));
    const first = members[0].label.length > MAX_LABEL ? `${members[0].label.slice(0, MAX_LABEL - 1)}…` : members[0].label;
    const label = members.length === 1 ? first : labels.size === 1 ? `${first} ×${members.length}` : `${first} +${members.length - 1}`;
    const width = measure(label);
    const labelX = px + 3 + width > area.right ? px - 3 - width : px + 3;
    const row = rowEnds.findIndex((end) => labelX >= end + LABEL_PAD);
    if (row >= 0) rowEnds[row] = labelX + width;
    return {
      px,
      kind: members.some((m) => m.kind === 'leak') ? 'leak' : 'threshold',
      label,
      count: members.length,
      labelX,
      ...(row >= 0 ? { row } : {}),
    };
  });
}
