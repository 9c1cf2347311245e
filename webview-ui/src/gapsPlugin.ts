import type { Chart, Plugin } from 'chart.js';
import type { HistoryGap } from '../../src/shared/chartProtocol';
import { drawOverlay } from './markersPlugin';

export interface GapStyle {
  fill: string;
  edge: string;
  text: string;
  font: string;
}

/** The words shown for an outage, on the chart and in tooltips. */
export function gapText(gap: HistoryGap): string {
  return `no data: ${gap.message}`;
}

/**
 * A shaded band over each outage (an open one runs to the right edge), behind the lines, with
 * "no data: <error>" at its top; hovering the band puts the full text in the canvas's title.
 */
export function gapsPlugin(gaps: () => readonly HistoryGap[], gapAt: (x: number) => HistoryGap | undefined, style: () => GapStyle): Plugin<'line'> {
  return {
    id: 'tcpLensGaps',
    beforeDatasetsDraw(chart: Chart<'line'>) {
      drawOverlay(chart, style, 'bottom', (ctx, x, { top, bottom, left, right }, colors) => {
        for (const g of gaps()) {
        const from = Math.max(left, x.getPixelForValue(g.from));
        const to = Math.min(right, g.to === undefined ? right : x.getPixelForValue(g.to));
        if (to < left || from > right) continue;
        const width = Math.max(2, to - from);
        ctx.fillStyle = colors.fill;
        ctx.fillRect(from, top, width, bottom - top);
        ctx.strokeStyle = colors.edge;
        ctx.lineWidth = 1;
        ctx.setLineDash([2, 2]);
        ctx.strokeRect(from, top, width, bottom - top);
        // The label sits at the bottom so it never collides with the marker labels at the top.
        const text = gapText(g);
        const room = Math.max(width - 6, 120);
        let shown = text;
        while (shown.length > 8 && ctx.measureText(shown).width > room) shown = `${shown.slice(0, -2)}…`;
        ctx.fillStyle = colors.text;
        const tx = from + 3 + ctx.measureText(shown).width > right ? right - 3 - ctx.measureText(shown).width : from + 3;
        ctx.fillText(shown, tx, bottom - 3);
      }
      });
    },
    afterEvent(chart: Chart<'line'>, args) {
      const { event } = args;
      if (event.type !== 'mousemove' && event.type !== 'mouseout') return;
      const gap = event.type === 'mousemove' && event.x !== null ? gapAt(chart.scales.x.getValueForPixel(event.x) ?? Number.NaN) : undefined;
      const title = gap ? gapText(gap) : '';
      if (chart.canvas.title !== title) chart.canvas.title = title;
    },
  };
}
