import {
  WINDOW_CHOICES_MS,
  isHistoryGap,
  isHistoryMarker,
  isSeriesBlock,
  type HistoryGap,
  type HistoryMarker,
  type SeriesBlock,
  type WindowMs,
} from '../../src/shared/chartProtocol';
import { isTcpStateName, type TcpStateName } from '../../src/core/model';
import type { ChartMode } from './historyChart';

/** What the webview keeps in `setState`, so it repaints at once when shown again. */
export interface UiState {
  windowMs: WindowMs;
  mode: ChartMode;
  hidden: TcpStateName[];
  follow: boolean;
  hostId?: string;
  label?: string;
  series?: SeriesBlock;
  markers?: HistoryMarker[];
  gaps?: HistoryGap[];
}

export const DEFAULT_UI_STATE: UiState = { windowMs: 3_600_000, mode: 'line', hidden: ['CLOSE', 'CLOSING'], follow: true };

/** Restores a saved state field by field; whatever is missing or malformed falls back to the default. */
export function restoreUiState(saved: unknown): UiState {
  const state: UiState = { ...DEFAULT_UI_STATE, hidden: [...DEFAULT_UI_STATE.hidden] };
  if (typeof saved !== 'object' || saved === null) return state;
  const s = saved as Record<string, unknown>;
  if ((WINDOW_CHOICES_MS as readonly unknown[]).includes(s.windowMs)) state.windowMs = s.windowMs as WindowMs;
  if (s.mode === 'line' || s.mode === 'stacked') state.mode = s.mode;
  if (Array.isArray(s.hidden)) state.hidden = s.hidden.filter((x): x is TcpStateName => typeof x === 'string' && isTcpStateName(x));
  if (typeof s.follow === 'boolean') state.follow = s.follow;
  if (typeof s.hostId === 'string' && typeof s.label === 'string' && isSeriesBlock(s.series)) {
    state.hostId = s.hostId;
    state.label = s.label;
    state.series = s.series;
    state.markers = Array.isArray(s.markers) ? s.markers.filter(isHistoryMarker) : [];
    state.gaps = Array.isArray(s.gaps) ? s.gaps.filter(isHistoryGap) : [];
  }
  return state;
}
