import {
  Chart,
  Decimation,
  Filler,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  TimeScale,
  Tooltip,
  type ChartDataset,
  type TooltipItem,
} from 'chart.js';
import 'chartjs-adapter-date-fns';
import { STATE_DISPLAY_ORDER } from '../../src/core/states';
import { TCP_STATE_NAMES, type TcpStateName } from '../../src/core/model';
import { gapText, gapsPlugin } from './gapsPlugin';
import { markersPlugin } from './markersPlugin';
import type { Point, SeriesData } from './seriesData';
import { isHighContrast, stateColor, themeColor, withAlpha } from './themeColors';
import { roundTicks, tickLabel } from './timeTicks';

Chart.register(LineController, LineElement, PointElement, LinearScale, TimeScale, Tooltip, Filler, Decimation);

export type ChartMode = 'line' | 'stacked';

/** States that share a theme color get their own dash pattern, so every line stays tellable. */
const DASHES: Partial<Record<TcpStateName, number[]>> = {
  SYN_RECV: [6, 3],
  FIN_WAIT2: [6, 3],
  LAST_ACK: [2, 2],
  CLOSING: [8, 2, 2, 2],
};

function findRow(column: readonly Point[], x: number): number {
  let lo = 0;
  let hi = column.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (column[mid].x < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Room a time label needs on the x axis, in CSS pixels. */
const TICK_LABEL_PX = 80;

/** The chart.js chart of the state history: one dataset per state, time on x. */
export class HistoryChart {
  readonly chart: Chart<'line', Point[]>;
  private readonly bound: Point[][];
  /** Spacing of the x ticks now shown; labels show seconds only when it is under a minute. */
  private tickStep = 60_000;

  constructor(
    canvas: HTMLCanvasElement,
    private readonly data: SeriesData,
    hidden: ReadonlySet<TcpStateName>,
    private mode: ChartMode,
  ) {
    const datasets: ChartDataset<'line', Point[]>[] = STATE_DISPLAY_ORDER.map((state) => ({
      label: state,
      data: data.points[TCP_STATE_NAMES.indexOf(state)],
      hidden: hidden.has(state),
      borderDash: DASHES[state] ?? [],
      borderWidth: 1.5,
      pointRadius: 0,
      pointHitRadius: 4,
      tension: 0,
    }));
    this.bound = datasets.map((d) => d.data);
    this.chart = new Chart<'line', Point[]>(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: {
            type: 'time',
            time: { tooltipFormat: 'yyyy-MM-dd HH:mm:ss' },
            ticks: { maxRotation: 0, autoSkip: false, callback: (value) => tickLabel(Number(value), this.tickStep) },
            // chart.js steps from the first second of the range (12:00:03, 12:00:13 …); ticks on
            // round local times (every 10 s, 1 min, 5 min, 1 h …) read better.
            afterBuildTicks: (axis) => {
              const { step, ticks } = roundTicks(
                axis.min,
                axis.max,
                Math.max(2, Math.floor(axis.width / TICK_LABEL_PX)),
                new Date(axis.min).getTimezoneOffset(),
              );
              this.tickStep = step;
              axis.ticks = ticks.map((value) => ({ value }));
            },
          },
          y: { type: 'linear', beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: {
          legend: { display: false },
          decimation: { enabled: false, algorithm: 'min-max' },
          tooltip: {
            callbacks: {
              // Exact counts of the row under the pointer, from the undecimated data.
              label: (item: TooltipItem<'line'>) => {
                const column = this.data.points[TCP_STATE_NAMES.indexOf(item.dataset.label as TcpStateName)];
                const row = column[findRow(column, item.parsed.x ?? 0)];
                return ` ${item.dataset.label}: ${typeof row?.y === 'number' ? row.y.toLocaleString('en-US') : 'no data'}`;
              },
              footer: (items: TooltipItem<'line'>[]) => {
                const gap = items.length > 0 ? this.data.gapAt(items[0].parsed.x ?? Number.NaN) : undefined;
                return gap ? gapText(gap) : '';
              },
            },
          },
        },
      },
      plugins: [
        gapsPlugin(
          () => this.data.gaps,
          (x) => this.data.gapAt(x),
          () => ({
            fill: withAlpha(themeColor('editorError.foreground'), isHighContrast() ? 0.22 : 0.12),
            background: withAlpha(themeColor('editor.background'), 0.85),
            edge: themeColor('editorError.foreground'),
            text: themeColor('foreground'),
            font: `11px ${getComputedStyle(document.body).fontFamily}`,
          }),
        ),
        markersPlugin(
          () => this.data.markers,
          () => ({
            threshold: themeColor('editorWarning.foreground'),
            leak: themeColor('editorError.foreground'),
            background: withAlpha(themeColor('editor.background'), 0.85),
            font: `11px ${getComputedStyle(document.body).fontFamily}`,
          }),
        ),
      ],
    });
    this.applyTheme();
    this.applyMode();
  }

  setMode(mode: ChartMode): void {
    this.mode = mode;
    this.applyMode();
    this.update();
  }

  setHidden(state: TcpStateName, hidden: boolean): void {
    const dataset = this.chart.data.datasets.find((d) => d.label === state);
    if (dataset) dataset.hidden = hidden;
    this.update();
  }

  /** Shows `[min, max]` on the time axis. */
  setRange(min: number, max: number): void {
    const x = this.chart.options.scales?.x;
    if (x) Object.assign(x, { min, max });
  }

  /** Colors follow the theme: re-read the --vscode-* variables. */
  applyTheme(): void {
    const foreground = themeColor('foreground');
    const border = themeColor('panel.border');
    // High-contrast borders are full-strength; as a grid they would compete with the data lines.
    const grid = isHighContrast() ? withAlpha(border, 0.35) : border;
    for (const d of this.chart.data.datasets) {
      const color = stateColor(d.label as TcpStateName);
      d.borderColor = color;
      d.backgroundColor = withAlpha(color, 0.35);
    }
    for (const axis of [this.chart.options.scales?.x, this.chart.options.scales?.y]) {
      if (!axis) continue;
      Object.assign(axis, { grid: { color: grid }, border: { color: border } });
      Object.assign(axis.ticks ?? {}, { color: foreground });
    }
    this.update();
  }

  update(): void {
    // SeriesData swaps in new arrays for big batches; point the datasets at them.
    // Compared with what was bound, not d.data: decimation makes d.data return its thinned copy.
    this.chart.data.datasets.forEach((d, i) => {
      const column = this.data.points[TCP_STATE_NAMES.indexOf(d.label as TcpStateName)];
      if (this.bound[i] !== column) d.data = this.bound[i] = column;
    });
    this.chart.update('none');
  }

  /** The chart on the theme's background, as a PNG data URL (the canvas itself is transparent). */
  toPng(): string {
    const source = this.chart.canvas;
    const out = document.createElement('canvas');
    out.width = source.width;
    out.height = source.height;
    const ctx = out.getContext('2d');
    if (!ctx) return this.chart.toBase64Image('image/png');
    ctx.fillStyle = themeColor('editor.background');
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(source, 0, 0);
    return out.toDataURL('image/png');
  }

  destroy(): void {
    this.chart.destroy();
  }

  private applyMode(): void {
    const stacked = this.mode === 'stacked';
    const y = this.chart.options.scales?.y;
    if (y) Object.assign(y, { stacked });
    // min/max decimation thins each state on its own, which would misalign a stack; stacked
    // areas rely on the host's aligned min/max buckets instead.
    const decimation = this.chart.options.plugins?.decimation;
    if (decimation) Object.assign(decimation, { enabled: !stacked });
    for (const d of this.chart.data.datasets) d.fill = stacked ? 'stack' : false;
  }
}
