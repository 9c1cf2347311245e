import type { Chart, Plugin } from 'chart.js';
import type { HistoryMarker } from '../../src/shared/chartProtocol';

export interface MarkerStyle {
  threshold: string;
  leak: string;
  font: string;
}

/**
 * Vertical lines where a threshold was crossed (dashed, warning color) or a leak episode started
 * (solid, error color), with a short label at the top. Markers come from the host's alerts.
 */
export function markersPlugin(markers: () => readonly HistoryMarker[], style: () => MarkerStyle): Plugin<'line'> {
  return {
    id: 'tcpLensMarkers',
    afterDatasetsDraw(chart: Chart<'line'>) {
      drawOverlay(chart, style, 'top', (ctx, x, { top, bottom, left, right }, colors) => {
        let labelRow = 0;
        for (const m of markers()) {
          const px = x.getPixelForValue(m.t);
          if (px < left || px > right) continue;
          const color = m.kind === 'leak' ? colors.leak : colors.threshold;
          ctx.strokeStyle = color;
          ctx.fillStyle = color;
          ctx.lineWidth = 1.5;
          ctx.setLineDash(m.kind === 'leak' ? [] : [4, 3]);
          ctx.beginPath();
          ctx.moveTo(px, top);
          ctx.lineTo(px, bottom);
          ctx.stroke();
          // Staggered rows keep labels of close markers from overprinting each other.
          const text = m.label.length > 40 ? `${m.label.slice(0, 39)}…` : m.label;
          const width = ctx.measureText(text).width;
          const tx = px + 3 + width > right ? px - 3 - width : px + 3;
          ctx.fillText(text, tx, top + 2 + (labelRow % 3) * 13);
          labelRow++;
        }
      });
    },
  };
}

/** Runs `draw` on the chart's canvas with the style's font, restoring the canvas state after. */
export function drawOverlay<S extends { font: string }>(
  chart: Chart<'line'>,
  style: () => S,
  baseline: CanvasTextBaseline,
  draw: (ctx: CanvasRenderingContext2D, x: Chart<'line'>['scales'][string], area: Chart<'line'>['chartArea'], colors: S) => void,
): void {
  const { ctx } = chart;
  const colors = style();
  ctx.save();
  ctx.font = colors.font;
  ctx.textBaseline = baseline;
  draw(ctx, chart.scales.x, chart.chartArea, colors);
  ctx.restore();
}
