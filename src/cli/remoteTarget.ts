import { CollectorError } from '../core/model';
import type { Collector } from '../core/model';
import { InvalidHostError, parseHostString } from '../core/ssh/hostString';
import { SshCollector } from '../core/ssh/sshCollector';
import { UsageError } from './usage';

/**
 * An SSH collector for `--host`, connected before the command reads from it so that a host
 * that cannot be reached fails with its own message (exit 1). The CLI runs ssh in BatchMode:
 * keys and agents work, password prompts do not.
 */
export async function openRemoteCollector(host: string, sshConfig?: string): Promise<Collector> {
  let target;
  try {
    target = parseHostString(host);
  } catch (err) {
    if (err instanceof InvalidHostError) throw new UsageError(`--host: ${err.message}`);
    throw err;
  }
  const collector = new SshCollector(target, { configFile: sshConfig, sshPath: process.env.TCP_LENS_SSH || undefined });
  try {
    await collector.connect();
  } catch (err) {
    collector.dispose();
    if (err instanceof CollectorError) throw err;
    throw new CollectorError('disconnected', String(err));
  }
  return collector;
}
