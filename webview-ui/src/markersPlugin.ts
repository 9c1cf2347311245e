import type { Chart, Plugin } from 'chart.js';
import type { HistoryMarker } from '../../src/shared/chartProtocol';
import { clusterMarkers } from './markerClusters';

export interface MarkerStyle {
  threshold: string;
  leak: string;
  /** Behind labels, so they stay readable over the lines. */
  background: string;
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
      drawOverlay(chart, style, 'top', (ctx, x, area, colors) => {
        // Close markers (one episode's alert re-sent, a burst of them) are one line with a count.
        for (const c of clusterMarkers(
          markers(),
          (t) => x.getPixelForValue(t),
          area,
          (text) => ctx.measureText(text).width,
        )) {
          const color = c.kind === 'leak' ? colors.leak : colors.threshold;
          ctx.strokeStyle = color;
          ctx.fillStyle = color;
          ctx.lineWidth = c.count > 1 ? 2.5 : 1.5;
          ctx.setLineDash(c.kind === 'leak' ? [] : [4, 3]);
          ctx.beginPath();
          ctx.moveTo(c.px, area.top);
          ctx.lineTo(c.px, area.bottom);
          ctx.stroke();
          if (c.row === undefined) continue;
          const y = area.top + 2 + c.row * 14;
          ctx.fillStyle = colors.background;
          ctx.fillRect(c.labelX - 2, y - 1, ctx.measureText(c.label).width + 4, 14);
          ctx.fillStyle = color;
          ctx.fillText(c.label, c.labelX, y);
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
