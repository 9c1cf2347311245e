import type { SshOptions } from '../core/ssh/sshCommand';
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
    throw new UsageError(
      `TCP_LENS_SSH_CONNECT_TIMEOUT must be whole seconds from ${CONNECT_TIMEOUT_MIN} to ${CONNECT_TIMEOUT_MAX}, got "${value}"`,
    );
  }
  return n;
}

/**
 * How the CLI runs ssh: in BatchMode (keys and agents work, password prompts do not), with
 * `--ssh-config`; TCP_LENS_SSH names another ssh client.
 */
export function cliSshOptions(sshConfig: string | undefined): SshOptions {
  return {
    configFile: sshConfig,
    sshPath: process.env.TCP_LENS_SSH || undefined,
    connectTimeoutSec: connectTimeoutFromEnv(),
  };
}
