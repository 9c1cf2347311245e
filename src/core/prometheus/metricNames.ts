import type { TcpStateName } from '../model';
import { TCP_STATE_NAMES } from '../model';

/**
 * Metric names the exporter writes and the Fleet view reads, in one place. State labels are
 * spelled as node_exporter's tcpstat collector spells them (the kernel name in lower case), so
 * one PromQL covers both.
 */
export const METRICS = {
  connections: 'tcplens_connections',
  closeWaitStuck: 'tcplens_close_wait_stuck',
  processConnections: 'tcplens_process_connections',
  processCloseWaitStuck: 'tcplens_process_close_wait_stuck',
  nodeExporterStates: 'node_tcp_connection_states',
} as const;

export function stateLabel(state: TcpStateName): string {
  return state.toLowerCase();
}

const BY_LABEL = new Map<string, TcpStateName>(TCP_STATE_NAMES.map((s) => [s.toLowerCase(), s]));

export function stateOfLabel(label: string | undefined): TcpStateName | undefined {
  return label === undefined ? undefined : BY_LABEL.get(label.toLowerCase());
}
