// Where the chart writes its outages' labels: pure, so the layout is tested without a canvas.

/** A narrow outage's label may spill out of its band this far, so its cause stays readable. */
const LABEL_MIN_ROOM = 280;

/**
 * Where each outage's label goes, left to right: in its band, shortened to the band (or to
 * LABEL_MIN_ROOM when narrower) and kept inside the chart. Where two would cover each other
 * (outages side by side, one pushed left by the chart's edge) the later outage's label is shown,
 * the newest being what the user is looking at; the earlier band still names its cause on hover.
 */
export function gapLabels(
  bands: readonly { from: number; width: number; text: string }[],
  area: { left: number; right: number },
  measure: (text: string) => number,
): { text: string; x: number; width: number }[] {
  const out: { text: string; x: number; width: number }[] = [];
  let free = Infinity;
  for (let i = bands.length - 1; i >= 0; i--) {
    const band = bands[i]!;
    let text = band.text;
    const room = Math.min(area.right - area.left - 6, Math.max(band.width - 6, LABEL_MIN_ROOM));
    while (text.length > 8 && measure(text) > room) text = `${text.slice(0, -2)}…`;
    const width = measure(text);
    const x = Math.max(area.left + 3, band.from + 3 + width > area.right ? area.right - 3 - width : band.from + 3);
    if (x + width + 2 > free) continue;
    out.unshift({ text, x, width });
    free = x - 2;
  }
  return out;
}
