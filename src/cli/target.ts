import { LocalCollector } from '../core/linux/localCollector';
import type { Collector } from '../core/model';
import type { OptionSpec } from './usage';

/** Options every command that reads a host accepts. */
export const TARGET_OPTIONS = {
  host: { type: 'string' },
  'ssh-config': { type: 'string' },
} as const satisfies OptionSpec;

export interface TargetValues {
  host?: string;
  'ssh-config'?: string;
}

/** The collector for `--host` (the local machine when absent or `local`); `signal` cancels connecting. */
export async function openCollector(values: TargetValues, signal?: AbortSignal): Promise<Collector> {
  if (values.host === undefined || values.host === 'local') return new LocalCollector();
  const { openRemoteCollector } = await import('./remoteTarget');
  return openRemoteCollector(values.host, values['ssh-config'], signal);
}
