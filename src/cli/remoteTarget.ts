import { CollectorError } from '../core/model';
import type { Collector } from '../core/model';
import { InvalidHostError, parseHostString } from '../core/ssh/hostString';
import { SshCollector } from '../core/ssh/sshCollector';
import { CONNECT_TIMEOUT_MAX, CONNECT_TIMEOUT_MIN } from '../core/ssh/sshCommand';
import { UsageError } from './usage';

/**
 * Seconds from TCP_LENS_SSH_CONNECT_TIMEOUT (as tcpLens.ssh.connectTimeout in the editor): ssh's
 * ConnectTimeout, and a third of the time a request on an open session may take.
 */
function connectTimeoutFromEnv(): number | undefined {
  const value = process.env.TCP_LENS_SSH_CONNECT_TIMEOUT?.trim();
  if (!value) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < CONNECT_TIMEOUT_MIN || n > CONNECT_TIMEOUT_MAX) {
    throw new UsageError(`TCP_LENS_SSH_CONNECT_TIMEOUT must be whole seconds from ${CONNECT_TIMEOUT_MIN} to ${CONNECT_TIMEOUT_MAX}, got "${value}"`);
  }
  return n;
}

/**
 * An SSH collector for `--host`, connected before the command reads from it so that a host
 * that cannot be reached fails with its own message (exit 1). The CLI runs ssh in BatchMode:
 * keys and agents work, password prompts do not. TCP_LENS_SSH names another ssh client.
 */
export async function openRemoteCollector(host: string, sshConfig?: string, signal?: AbortSignal): Promise<Collector> {
  let target;
  try {
    target = parseHostString(host);
  } catch (err) {
    if (err instanceof InvalidHostError) throw new UsageError(`--host: ${err.message}`);
    throw err;
  }
  const collector = new SshCollector(target, {
    configFile: sshConfig,
    sshPath: process.env.TCP_LENS_SSH || undefined,
    connectTimeoutSec: connectTimeoutFromEnv(),
  });
  try {
    await collector.connect(signal);
  } catch (err) {
    collector.dispose();
    if (err instanceof CollectorError) throw err;
    throw new CollectorError('disconnected', String(err));
  }
  return collector;
}
