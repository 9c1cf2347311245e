import type { Chart, Plugin } from 'chart.js';
import type { HistoryGap } from '../../src/shared/chartProtocol';
import { gapLabels } from './gapLabels';
import { drawOverlay } from './markersPlugin';

export interface GapStyle {
  fill: string;
  background: string;
  edge: string;
  text: string;
  font: string;
}

/** The words shown for an outage, on the chart and in tooltips. */
export function gapText(gap: HistoryGap): string {
  return `no data: ${gap.message}`;
}

function bandOf(
  g: HistoryGap,
  x: Chart<'line'>['scales'][string],
  area: Chart<'line'>['chartArea'],
): { from: number; width: number } | undefined {
  const from = Math.max(area.left, x.getPixelForValue(g.from));
  const to = Math.min(area.right, g.to === undefined ? area.right : x.getPixelForValue(g.to));
  if (to < area.left || from > area.right) return undefined;
  return { from, width: Math.max(2, to - from) };
}

/**
 * A shaded band over each outage (an open one runs to the right edge), behind the lines, with
 * "no data: <error>" at its bottom; hovering the band puts the full text in the canvas's title.
 */
export function gapsPlugin(
  gaps: () => readonly HistoryGap[],
  gapAt: (x: number) => HistoryGap | undefined,
  style: () => GapStyle,
): Plugin<'line'> {
  return {
    id: 'tcpLensGaps',
    beforeDatasetsDraw(chart: Chart<'line'>) {
      drawOverlay(chart, style, 'bottom', (ctx, x, area, colors) => {
        for (const g of gaps()) {
          const band = bandOf(g, x, area);
          if (!band) continue;
          ctx.fillStyle = colors.fill;
          ctx.fillRect(band.from, area.top, band.width, area.bottom - area.top);
          ctx.strokeStyle = colors.edge;
          ctx.lineWidth = 1;
          ctx.setLineDash([2, 2]);
          ctx.strokeRect(band.from, area.top, band.width, area.bottom - area.top);
        }
      });
    },
    // Labels go over the lines, on the theme's background, so a label wider than its band stays readable.
    afterDatasetsDraw(chart: Chart<'line'>) {
      drawOverlay(chart, style, 'bottom', (ctx, x, area, colors) => {
        const bands = gaps().flatMap((g) => {
          const band = bandOf(g, x, area);
          return band ? [{ ...band, text: gapText(g) }] : [];
        });
        for (const { text, x: tx, width } of gapLabels(bands, area, (t) => ctx.measureText(t).width)) {
          ctx.fillStyle = colors.background;
          ctx.fillRect(tx - 2, area.bottom - 17, width + 4, 15);
          ctx.fillStyle = colors.text;
          ctx.fillText(text, tx, area.bottom - 4);
        }
      });
    },
    afterEvent(chart: Chart<'line'>, args) {
      const { event } = args;
      if (event.type !== 'mousemove' && event.type !== 'mouseout') return;
      const gap =
        event.type === 'mousemove' && event.x !== null ? gapAt(chart.scales.x.getValueForPixel(event.x) ?? Number.NaN) : undefined;
      const title = gap ? gapText(gap) : '';
      if (chart.canvas.title !== title) chart.canvas.title = title;
    },
  };
}
