import './chart.css';
import {
  isHostToUiMessage,
  type ChartSource,
  type HistoryMessage,
  type HostToUiMessage,
  type ProcessBreakdown,
  type WindowMs,
} from '../../src/shared/chartProtocol';
import { TCP_STATE_NAMES, type TcpStateName } from '../../src/core/model';
import { Controls } from './controls';
import { gapText } from './gapsPlugin';
import { HistoryChart, type ChartMode } from './historyChart';
import { clusterMarkers } from './markerClusters';
import { SeriesData } from './seriesData';
import { onThemeChange } from './themeColors';
import { restoreUiState, type UiState } from './uiState';
import { connectToHost } from './vscodeApi';

/** Appended rows beyond this many times the bucket budget ask the host for a compacted window. */
const COMPACT_FACTOR = 4;
const SAVE_DELAY_MS = 2000;
/** The narrowest time axis: a few samples fill the chart rather than sit in one corner of it. */
const MIN_SPAN_MS = 10_000;

const vscode = connectToHost<UiState>();
const state = restoreUiState(vscode.getState());
const hidden = new Set<TcpStateName>(state.hidden);
const data = new SeriesData();
if (state.series) data.replace(state.series, state.markers ?? [], state.gaps ?? []);
/** The Prometheus instance's whole message while one is shown: the processes are switched from it. */
let prometheus: { message: HistoryMessage; source: Extract<ChartSource, { kind: 'prometheus' }> } | undefined;
/** The process shown (its label, kept across re-reads that reorder them), or undefined: the instance's own counts. */
let selectedProcess: string | undefined;

function shownProcess(source: Extract<ChartSource, { kind: 'prometheus' }>): ProcessBreakdown | undefined {
  return source.processes.find((p) => p.label === selectedProcess);
}

function showPrometheusData(): void {
  if (!prometheus) return;
  const { message, source } = prometheus;
  const process = shownProcess(source);
  data.replace(process ? process.series : message.series, message.markers, message.gaps);
}

const controls = new Controls({
  onShowLive: () => vscode.postMessage({ type: 'showLive' }),
  onProcess: (index) => {
    selectedProcess = prometheus?.source.processes[index]?.label;
    showPrometheusData();
    render();
  },
  onWindow: (windowMs) => {
    state.windowMs = windowMs;
    vscode.postMessage({ type: 'setWindow', windowMs, maxBuckets: maxBuckets() });
    render();
  },
  onMode: (mode: ChartMode) => {
    state.mode = mode;
    chart.setMode(mode);
    render();
  },
  onFollow: (follow) => {
    state.follow = follow;
    render();
  },
  onToggleState: (s) => {
    if (hidden.has(s)) hidden.delete(s);
    else hidden.add(s);
    state.hidden = [...hidden];
    chart.setHidden(s, hidden.has(s));
    render();
  },
  onExportCsv: () => {
    const { min, max } = chart.chart.scales.x;
    const states = TCP_STATE_NAMES.filter((s) => !hidden.has(s));
    if (states.length > 0 && Number.isFinite(min) && max >= min)
      vscode.postMessage({ type: 'exportCsv', states, from: Math.max(0, Math.floor(min)), to: Math.ceil(max) });
  },
  onExportPng: () => vscode.postMessage({ type: 'exportPng', dataUrl: chart.toPng() }),
});

const main = document.createElement('main');
const canvasBox = document.createElement('div');
canvasBox.className = 'canvas-box';
const canvas = document.createElement('canvas');
canvas.setAttribute('role', 'img');
canvas.setAttribute('aria-label', 'TCP connections per state over time');
canvasBox.append(canvas);
main.append(controls.element, canvasBox, controls.legend);
document.body.append(main);

const chart = new HistoryChart(canvas, data, hidden, state.mode);
onThemeChange(() => {
  chart.applyTheme();
  controls.applyTheme();
});

function maxBuckets(): number {
  return Math.min(20_000, Math.max(10, Math.round(canvas.clientWidth || 600)));
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveSoon(): void {
  // The series can be a few hundred kB of JSON: save it once in a while, not on every sample.
  saveTimer ??= setTimeout(saveNow, SAVE_DELAY_MS);
}
function saveNow(): void {
  clearTimeout(saveTimer);
  saveTimer = undefined;
  vscode.setState({ ...state, series: data.toBlock(), markers: data.markers, gaps: data.gaps });
}
window.addEventListener('pagehide', saveNow);
document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && saveNow());

function clock(t: number): string {
  return new Date(t).toLocaleTimeString('en-GB', { hour12: false });
}

/** The status line of a Prometheus instance: whose data, from where, at what step, or why none. */
function prometheusStatus(source: Extract<ChartSource, { kind: 'prometheus' }>): string {
  const process = shownProcess(source);
  const whose = `${source.instance}${process ? ` · ${process.label}` : ''} · from Prometheus${source.server ? ` ${source.server}` : ''}`;
  if (source.error) return `${whose} · ${source.error}`;
  const { firstTime: first, lastTime: last } = data;
  if (first === undefined || last === undefined) return `${whose} · ${source.stepSec} s step · no samples in this window`;
  const since = first - source.stepSec * 1000 > source.from ? ` · since ${new Date(first).toLocaleString('en-GB', { hour12: false })}` : '';
  return `${whose} · ${source.stepSec} s step${since} · last ${clock(last)}`;
}

let renderedKey: string | undefined;
function render(): void {
  controls.show(state.windowMs, state.mode, state.follow, hidden);
  controls.showSource(
    prometheus
      ? { processes: prometheus.source.processes, selected: prometheus.source.processes.findIndex((p) => p.label === selectedProcess) }
      : undefined,
  );
  const last = data.lastTime;
  const first = data.firstTime;
  const outage = data.gaps.at(-1)?.to === undefined ? data.gaps.at(-1) : undefined;
  if (prometheus && state.follow) {
    // The window read, hours to weeks, from where the instance's history begins in it; a stale
    // instance's open outage runs on to now.
    const { from, to } = prometheus.source;
    const end = outage ? Math.max(to, Date.now()) : to;
    chart.setRange(first === undefined ? from : Math.max(from, Math.min(first, end - MIN_SPAN_MS)), end);
    controls.showCounts((s) => data.latest(TCP_STATE_NAMES.indexOf(s)));
  } else if (state.follow && last !== undefined && first !== undefined) {
    // While the host cannot be read the axis runs on to now, so the outage band grows in view.
    const end = outage ? Math.max(last, Date.now()) : last;
    // A history shorter than the window fills the chart instead of hugging its right edge.
    const span = state.windowMs === null ? end - first : Math.min(state.windowMs, end - first);
    chart.setRange(end - Math.max(span, MIN_SPAN_MS), end);
    controls.showCounts((s) => data.latest(TCP_STATE_NAMES.indexOf(s)));
  } else if (state.follow && outage) {
    // A host that never answered: no line at all, only the band saying why.
    const end = Math.max(Date.now(), outage.from + MIN_SPAN_MS);
    chart.setRange(Math.min(outage.from, end - MIN_SPAN_MS) - MIN_SPAN_MS / 10, end);
  }
  const where = state.label ?? (outage ? 'no sample yet' : 'waiting for the first sample…');
  const since = outage ? ` · no data since ${clock(outage.from)}` : '';
  const status = prometheus
    ? prometheusStatus(prometheus.source)
    : last === undefined
      ? outage
        ? `${where} · ${gapText(outage)}`
        : where
      : `${where} · ${state.follow ? `last ${clock(last)}` : 'paused'}${since} · ${data.markers.length} markers`;
  controls.setStatus(status);
  if (state.follow) chart.update();
  const key = `${state.hostId}|${state.windowMs}|${last}|${selectedProcess}`;
  if (state.follow && last !== undefined && key !== renderedKey) {
    renderedKey = key;
    const latest = TCP_STATE_NAMES.map((_, i) => data.latest(i) ?? 0);
    const processes = prometheus?.source.processes.map((p) => p.label);
    const process = prometheus && shownProcess(prometheus.source)?.label;
    vscode.postMessage({
      type: 'rendered',
      upTo: last,
      hostId: state.hostId,
      rows: data.rows,
      latest,
      ...(processes ? { processes } : {}),
      ...(process ? { process } : {}),
    });
  }
  saveSoon();
}

function onHostMessage(message: HostToUiMessage): void {
  if (message.type === 'history') {
    // An answer for a window the user already left is stale.
    if (message.windowMs !== state.windowMs) return;
    if (message.hostId !== state.hostId) selectedProcess = undefined;
    state.hostId = message.hostId;
    state.label = message.label;
    const source = message.source?.kind === 'prometheus' ? message.source : undefined;
    prometheus = source ? { message, source } : undefined;
    if (prometheus) showPrometheusData();
    else data.replace(message.series, message.markers, message.gaps);
  } else {
    if (message.hostId !== state.hostId) return;
    data.append(message.series, message.markers, message.gaps);
    const windowMs: WindowMs = state.windowMs;
    if (windowMs !== null && state.follow && data.lastTime !== undefined) data.dropBefore(data.lastTime - windowMs);
    if (data.length > COMPACT_FACTOR * 2 * maxBuckets()) vscode.postMessage({ type: 'setWindow', windowMs, maxBuckets: maxBuckets() });
  }
  render();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostToUiMessage(event.data)) onHostMessage(event.data);
  else console.warn('TCP Lens chart: ignored a malformed message from the host');
});

// Exposed for the tests and for a look in the webview's developer tools.
Object.assign(window, {
  tcpLensChart: {
    /** Where time `t` is drawn, in CSS pixels from the canvas's left edge. */
    pixelOf: (t: number) => chart.chart.scales.x.getPixelForValue(t),
    describe: () => ({
      tooltipFooter: chart.chart.tooltip?.footer ?? [],
      mode: state.mode,
      windowMs: state.windowMs,
      follow: state.follow,
      hostId: state.hostId,
      xMin: chart.chart.scales.x.min,
      xMax: chart.chart.scales.x.max,
      markers: data.markers.map((m) => ({ ...m })),
      /** The marker lines drawn (close ones merged) and their labels. */
      markerLines: clusterMarkers(
        data.markers,
        (t) => chart.chart.scales.x.getPixelForValue(t),
        chart.chart.chartArea,
        (text) => chart.chart.ctx.measureText(text).width,
      ).map((c) => ({ label: c.label, count: c.count, px: Math.round(c.px), row: c.row })),
      /** The x axis's tick labels. */
      ticks: chart.chart.scales.x.ticks.map((t) => ({ value: t.value, label: t.label })),
      gaps: data.gaps.map((g) => ({ ...g })),
      datasets: chart.chart.data.datasets.map((d) => ({
        label: d.label,
        hidden: Boolean(d.hidden),
        fill: d.fill,
        points: d.data.length,
        last: d.data[d.data.length - 1]?.y,
        max: d.data.reduce((m, p) => Math.max(m, p.y ?? 0), 0),
        /** Where the line is broken (an outage starts): the x of each null point. */
        breaks: d.data.filter((p) => p.y === null).map((p) => p.x),
        color: d.borderColor,
      })),
    }),
  },
});

render();
const since = data.lastTime;
vscode.postMessage({
  type: 'ready',
  windowMs: state.windowMs,
  maxBuckets: maxBuckets(),
  ...(state.hostId !== undefined && since !== undefined ? { hostId: state.hostId, since } : {}),
});
