import type { TcpStateName } from '../model';

/**
 * Samples in columns: `t[i]` is a time in ms since the epoch, `values[s][i]` the count of
 * state `TCP_STATE_NAMES[s]` at that time. Columns keep messages and JSON small.
 */
export interface SeriesBlock {
  t: number[];
  values: number[][];
}

/** A moment worth a vertical line on the chart. */
export interface HistoryMarker {
  t: number;
  /** `threshold`: a state crossed its limit; `leak`: a leak episode started (CLOSE_WAIT growth, descriptor limit). */
  kind: 'threshold' | 'leak';
  state: TcpStateName;
  /** Short text shown at the line. */
  label: string;
}

/** A stretch without samples because the host could not be read (an SSH host dropped, sshd stopped). */
export interface HistoryGap {
  /** When the failure was seen. */
  from: number;
  /** When samples came back; absent while the outage lasts. */
  to?: number;
  /** The collector's error, shown as "no data: <message>". */
  message: string;
}
