import type { Collector } from '../core/model';
import { CollectorError, LOCAL_HOST_ID } from '../core/model';
import { openCollector as openHostCollector } from '../core/openCollector';
import { InvalidHostError } from '../core/ssh/hostString';
import { cliSshOptions } from './sshOptions';
import type { OptionSpec } from './usage';
import { UsageError } from './usage';

/** Options every command that reads a host accepts. */
export const TARGET_OPTIONS = {
  host: { type: 'string' },
  'ssh-config': { type: 'string' },
} as const satisfies OptionSpec;

export interface TargetValues {
  host?: string;
  'ssh-config'?: string;
}

/**
 * The collector for `--host` (this machine when absent or `local`), connected before the command
 * reads from it so that a host that cannot be reached fails with its own message (exit 1);
 * `signal` cancels connecting.
 */
export async function openCollector(values: TargetValues, signal?: AbortSignal): Promise<Collector> {
  const hostId = values.host ?? LOCAL_HOST_ID;
  let collector: Collector;
  try {
    collector = openHostCollector(hostId, { ssh: hostId === LOCAL_HOST_ID ? undefined : cliSshOptions(values['ssh-config']) });
  } catch (err) {
    if (err instanceof InvalidHostError) throw new UsageError(`--host: ${err.message}`);
    throw err;
  }
  try {
    await collector.connect?.(signal);
  } catch (err) {
    collector.dispose();
    if (err instanceof CollectorError) throw err;
    throw new CollectorError('disconnected', String(err));
  }
  return collector;
}
