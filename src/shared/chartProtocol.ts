/**
 * Messages between the extension host and the State History webview. Both sides check every
 * message they receive with the guards here: the UI must not trust the host blindly, nor the host
 * a webview.
 */
import { displayText } from '../core/displayText';
import type { HistoryGap, HistoryMarker, SeriesBlock } from '../core/history/types';
import type { TcpStateName } from '../core/model';
import { TCP_STATE_NAMES, isTcpStateName } from '../core/model';

export type { HistoryGap, HistoryMarker, SeriesBlock };

/** Window choices offered by the UI; `null` shows everything retained (from Prometheus: {@link PROMETHEUS_ALL_MS}). */
export const WINDOW_CHOICES_MS = [5 * 60_000, 3_600_000, 24 * 3_600_000, 7 * 24 * 3_600_000, null] as const;
export type WindowMs = (typeof WINDOW_CHOICES_MS)[number];

/** What "All" reads from Prometheus: its default retention is 15 days, longer ones are common. */
export const PROMETHEUS_ALL_MS = 30 * 24 * 3_600_000;
/** Most processes one breakdown carries. */
export const MAX_PROCESSES = 50;

/** Largest PNG data URL the host accepts (a 4K chart is about 1 MB). */
export const MAX_PNG_DATA_URL = 20 * 1024 * 1024;
export const PNG_PREFIX = 'data:image/png;base64,';

/** Longest marker label the UI accepts; the host shortens longer ones ({@link fitMarker}). */
export const MAX_MARKER_LABEL = 500;
/** Longest outage message the UI accepts; the host shortens longer ones ({@link fitGap}). */
export const MAX_GAP_MESSAGE = 2000;
/** Most outages one message may carry; the host sends the newest. */
export const MAX_GAPS = 1000;

/** `text` on one line (system text made visible by displayText), cut to `max` characters with an ellipsis. */
export function shortenText(text: string, max: number): string {
  const line = displayText(text);
  if (line.length <= max) return line;
  // Never split a surrogate pair: the cut must stay valid UTF-16.
  let cut = max - 1;
  if (/[\ud800-\udbff]/.test(line.charAt(cut - 1))) cut--;
  return `${line.slice(0, cut)}…`;
}

/** A marker as the UI accepts it: its label on one line, at most {@link MAX_MARKER_LABEL} characters. */
export function fitMarker(m: HistoryMarker): HistoryMarker {
  const label = shortenText(m.label, MAX_MARKER_LABEL);
  return label === m.label ? m : { ...m, label };
}

/** An outage as the UI accepts it: its message on one line, at most {@link MAX_GAP_MESSAGE} characters. */
export function fitGap(g: HistoryGap): HistoryGap {
  const message = shortenText(g.message, MAX_GAP_MESSAGE);
  return message === g.message ? g : { ...g, message };
}

/**
 * What the host posts: every marker and outage fitted to what the UI's guards accept, so one
 * long remote error can never make the UI drop a whole window of history.
 */
export function fitForUi<M extends HostToUiMessage>(message: M): M {
  const fitted = { ...message, markers: message.markers.map(fitMarker), gaps: message.gaps.slice(-MAX_GAPS).map(fitGap) };
  // A host's label can come from the host itself (its `uname -n`), an instance's from its scrape config.
  if (fitted.type === 'history') {
    fitted.label = shortenText(fitted.label, MAX_MARKER_LABEL);
    if (fitted.source?.kind === 'prometheus') {
      const source = fitted.source;
      fitted.source = {
        ...source,
        instance: shortenText(source.instance, MAX_MARKER_LABEL),
        job: shortenText(source.job, MAX_MARKER_LABEL),
        processes: source.processes.slice(0, MAX_PROCESSES).map((p) => ({ ...p, label: shortenText(p.label, MAX_MARKER_LABEL) })),
        ...(source.error === undefined ? {} : { error: shortenText(source.error, MAX_GAP_MESSAGE) }),
      };
    }
  }
  return fitted;
}

/** One process of a Prometheus instance running TCP Lens's exporter, over the window shown. */
export interface ProcessBreakdown {
  /** "node (4242)", or "other" for the processes past the exporter's --top. */
  label: string;
  series: SeriesBlock;
  peakStuck: number;
  peakCloseWait: number;
}

/**
 * Where the chart's data comes from: the live host's own recorded history, or one instance's
 * history read from Prometheus (the Fleet view's selection).
 */
export type ChartSource =
  | { kind: 'live' }
  | {
      kind: 'prometheus';
      instance: string;
      job: string;
      /** The Prometheus server's origin. */
      server: string;
      /** The window read, in ms since the epoch: the chart shows all of it. */
      from: number;
      to: number;
      /** Query step in seconds; 0 when nothing could be read. */
      stepSec: number;
      /** Empty where the instance runs node_exporter (no per-process series). */
      processes: ProcessBreakdown[];
      /** Why nothing could be read (unreachable, credentials refused …). */
      error?: string;
    };

/** Host → UI: replaces what the UI shows with this window of one host's history. */
export interface HistoryMessage {
  type: 'history';
  hostId: string;
  label: string;
  windowMs: WindowMs;
  retentionMs: number;
  series: SeriesBlock;
  markers: HistoryMarker[];
  /** Outages in the window: the chart breaks its lines there. */
  gaps: HistoryGap[];
  /** Absent: the live host's history. */
  source?: ChartSource;
}

/** Host → UI: samples and markers newer than the UI's last one, and outages begun or ended since. */
export interface AppendMessage {
  type: 'append';
  hostId: string;
  series: SeriesBlock;
  markers: HistoryMarker[];
  gaps: HistoryGap[];
}

export type HostToUiMessage = HistoryMessage | AppendMessage;

/**
 * UI → host: the UI (re)started. With `since` and the same `hostId` it already shows data up to
 * `since` (restored from its state) and wants only what is newer.
 */
export interface ReadyMessage {
  type: 'ready';
  windowMs: WindowMs;
  /** About how many points fit across the chart; the host downsamples to this. */
  maxBuckets: number;
  hostId?: string;
  since?: number;
}

/** UI → host: another window was chosen (or the UI's data grew too long and needs compacting). */
export interface SetWindowMessage {
  type: 'setWindow';
  windowMs: WindowMs;
  maxBuckets: number;
}

/** UI → host: save the visible states in `[from, to]` as CSV at full resolution. */
export interface ExportCsvMessage {
  type: 'exportCsv';
  states: TcpStateName[];
  from: number;
  to: number;
}

/** UI → host: save the chart image the UI rendered. */
export interface ExportPngMessage {
  type: 'exportPng';
  dataUrl: string;
}

/** UI → host: the chart now shows samples up to `upTo` (lets tests and the host know it drew them). */
export interface RenderedMessage {
  type: 'rendered';
  upTo: number;
  /** Whose samples: the `hostId` of the history message drawn. */
  hostId?: string;
  /** Rows drawn, and the newest row's count per state (TCP_STATE_NAMES order). */
  rows?: number;
  latest?: number[];
  /** The process breakdown offered, for a Prometheus instance running TCP Lens's exporter. */
  processes?: string[];
  /** The one of them drawn, when one is chosen. */
  process?: string;
}

/** UI → host: leave the Prometheus instance and show the live host's history again. */
export interface ShowLiveMessage {
  type: 'showLive';
}

export type UiToHostMessage = ReadyMessage | SetWindowMessage | ExportCsvMessage | ExportPngMessage | RenderedMessage | ShowLiveMessage;

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isWindowMs(value: unknown): value is WindowMs {
  return (WINDOW_CHOICES_MS as readonly unknown[]).includes(value);
}

function isMaxBuckets(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 10 && (value as number) <= 20_000;
}

function isCountColumn(column: unknown, length: number): boolean {
  if (!Array.isArray(column) || column.length !== length) return false;
  for (const v of column) if (!Number.isInteger(v) || v < 0) return false;
  return true;
}

/** Columns of equal length, times ascending, counts non-negative integers, one column per state. */
export function isSeriesBlock(value: unknown): value is SeriesBlock {
  if (!isObject(value) || !Array.isArray(value.t) || !Array.isArray(value.values)) return false;
  const { t, values } = value;
  if (values.length !== TCP_STATE_NAMES.length) return false;
  for (let i = 0; i < t.length; i++) if (!isTime(t[i]) || (i > 0 && (t[i] as number) < (t[i - 1] as number))) return false;
  return values.every((column) => isCountColumn(column, t.length));
}

export function isHistoryMarker(value: unknown): value is HistoryMarker {
  return (
    isObject(value) &&
    isTime(value.t) &&
    (value.kind === 'threshold' || value.kind === 'leak') &&
    typeof value.state === 'string' &&
    isTcpStateName(value.state) &&
    typeof value.label === 'string' &&
    value.label.length <= MAX_MARKER_LABEL
  );
}

function isMarkerList(value: unknown): value is HistoryMarker[] {
  return Array.isArray(value) && value.every(isHistoryMarker);
}

export function isHistoryGap(value: unknown): value is HistoryGap {
  return (
    isObject(value) &&
    isTime(value.from) &&
    (value.to === undefined || (isTime(value.to) && value.to >= value.from)) &&
    typeof value.message === 'string' &&
    value.message.length <= MAX_GAP_MESSAGE
  );
}

function isGapList(value: unknown): value is HistoryGap[] {
  return Array.isArray(value) && value.length <= MAX_GAPS && value.every(isHistoryGap);
}

function isProcessBreakdown(value: unknown): value is ProcessBreakdown {
  return (
    isObject(value) &&
    typeof value.label === 'string' &&
    value.label.length <= MAX_MARKER_LABEL &&
    isSeriesBlock(value.series) &&
    isCount(value.peakStuck) &&
    isCount(value.peakCloseWait)
  );
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

export function isChartSource(value: unknown): value is ChartSource {
  if (!isObject(value)) return false;
  if (value.kind === 'live') return true;
  return (
    value.kind === 'prometheus' &&
    typeof value.instance === 'string' &&
    typeof value.job === 'string' &&
    typeof value.server === 'string' &&
    isTime(value.from) &&
    isTime(value.to) &&
    value.from <= value.to &&
    isCount(value.stepSec) &&
    Array.isArray(value.processes) &&
    value.processes.length <= MAX_PROCESSES &&
    value.processes.every(isProcessBreakdown) &&
    (value.error === undefined || (typeof value.error === 'string' && value.error.length <= MAX_GAP_MESSAGE))
  );
}

/** Checks a message the UI received from the host. */
export function isHostToUiMessage(value: unknown): value is HostToUiMessage {
  if (
    !isObject(value) ||
    typeof value.hostId !== 'string' ||
    !isSeriesBlock(value.series) ||
    !isMarkerList(value.markers) ||
    !isGapList(value.gaps)
  )
    return false;
  if (value.type === 'append') return true;
  return (
    value.type === 'history' &&
    typeof value.label === 'string' &&
    isWindowMs(value.windowMs) &&
    isTime(value.retentionMs) &&
    (value.source === undefined || isChartSource(value.source))
  );
}

function isStateList(value: unknown): value is TcpStateName[] {
  return Array.isArray(value) && value.every((s) => typeof s === 'string' && isTcpStateName(s)) && new Set(value).size === value.length;
}

/** Checks a message the host received from a webview. */
export function isUiToHostMessage(value: unknown): value is UiToHostMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'ready':
      return (
        isWindowMs(value.windowMs) &&
        isMaxBuckets(value.maxBuckets) &&
        (value.hostId === undefined || typeof value.hostId === 'string') &&
        (value.since === undefined || isTime(value.since))
      );
    case 'setWindow':
      return isWindowMs(value.windowMs) && isMaxBuckets(value.maxBuckets);
    case 'exportCsv':
      return isStateList(value.states) && value.states.length > 0 && isTime(value.from) && isTime(value.to) && value.from <= value.to;
    case 'rendered':
      return (
        isTime(value.upTo) &&
        (value.hostId === undefined || typeof value.hostId === 'string') &&
        (value.rows === undefined || isCount(value.rows)) &&
        (value.latest === undefined ||
          (Array.isArray(value.latest) && value.latest.length === TCP_STATE_NAMES.length && value.latest.every(isCount))) &&
        (value.processes === undefined ||
          (Array.isArray(value.processes) &&
            value.processes.length <= MAX_PROCESSES &&
            value.processes.every((p) => typeof p === 'string' && p.length <= MAX_MARKER_LABEL))) &&
        (value.process === undefined || (typeof value.process === 'string' && value.process.length <= MAX_MARKER_LABEL))
      );
    case 'showLive':
      return true;
    case 'exportPng':
      return (
        typeof value.dataUrl === 'string' &&
        value.dataUrl.startsWith(PNG_PREFIX) &&
        value.dataUrl.length <= MAX_PNG_DATA_URL &&
        /^[A-Za-z0-9+/]*={0,2}$/.test(value.dataUrl.slice(PNG_PREFIX.length))
      );
    default:
      return false;
  }
}
