import type { TcpStateName } from '../core/model';

/**
 * One color per state, as theme color ids, used by the tree's icons and the chart's lines so the
 * two always agree. The chart resolves them through `--vscode-charts-*` CSS variables.
 */
export const STATE_COLOR_IDS: Record<TcpStateName, string> = {
  LISTEN: 'charts.blue',
  ESTABLISHED: 'charts.green',
  CLOSE_WAIT: 'charts.red',
  TIME_WAIT: 'charts.orange',
  SYN_SENT: 'charts.yellow',
  SYN_RECV: 'charts.yellow',
  FIN_WAIT1: 'charts.purple',
  FIN_WAIT2: 'charts.purple',
  LAST_ACK: 'charts.purple',
  CLOSING: 'charts.purple',
  CLOSE: 'descriptionForeground',
};

/** Codicon per state in the tree. */
export const STATE_ICONS: Record<TcpStateName, string> = {
  LISTEN: 'radio-tower',
  ESTABLISHED: 'arrow-swap',
  CLOSE_WAIT: 'warning',
  TIME_WAIT: 'watch',
  SYN_SENT: 'debug-step-out',
  SYN_RECV: 'debug-step-into',
  FIN_WAIT1: 'debug-step-back',
  FIN_WAIT2: 'debug-step-back',
  LAST_ACK: 'debug-disconnect',
  CLOSING: 'debug-disconnect',
  CLOSE: 'circle-slash',
};
