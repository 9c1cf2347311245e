import type { CollectorCapabilities, Connection } from '../core/model';

/**
 * A connection row's `contextValue`, which package.json's menus match by regex:
 * `connection:STATE`, then `:owned` when a process holds it, `:closed` for a row kept one refresh
 * after its socket closed.
 */
export function connectionContextValue(c: Connection, closed: boolean): string {
  return `connection:${c.state}${c.pid !== undefined ? ':owned' : ''}${closed ? ':closed' : ''}`;
}

/**
 * The context key that package.json's menus test for each capability of the shown host's
 * collector: a row offers Close, Terminate or Reveal only where the host can do it.
 */
export const CAPABILITY_CONTEXT_KEYS: Readonly<Record<keyof CollectorCapabilities, string>> = {
  processAttribution: 'tcpLens.host.processAttribution',
  descriptorUsage: 'tcpLens.host.descriptorUsage',
  closeConnection: 'tcpLens.host.closeConnection',
  terminateProcess: 'tcpLens.host.terminateProcess',
  workingDirectory: 'tcpLens.host.workingDirectory',
};

/** The context keys and values for a collector's capabilities. */
export function capabilityContext(capabilities: Readonly<CollectorCapabilities>): Map<string, boolean> {
  const keys = Object.entries(CAPABILITY_CONTEXT_KEYS) as [keyof CollectorCapabilities, string][];
  return new Map(keys.map(([capability, key]) => [key, capabilities[capability]]));
}
