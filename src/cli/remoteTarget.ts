import type { Collector } from '../core/model';
import { UsageError } from './usage';

/** Placeholder until the SSH collector lands: remote hosts are refused with a clear message. */
export async function openRemoteCollector(host: string, _sshConfig?: string): Promise<Collector> {
  throw new UsageError(`--host ${JSON.stringify(host)}: remote hosts are not supported by this build yet`);
}
