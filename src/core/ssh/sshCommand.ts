import path from 'node:path';
import type { SshTarget } from './hostString';
import { targetArgs } from './hostString';

export const CONNECT_TIMEOUT_DEFAULT = 10;
export const CONNECT_TIMEOUT_MIN = 1;
export const CONNECT_TIMEOUT_MAX = 120;

/** How to reach hosts: the user's ssh client and its settings. */
export interface SshOptions {
  /** The OpenSSH client; `ssh` on PATH by default. */
  sshPath?: string;
  /** Another client config, passed as `ssh -F FILE`. */
  configFile?: string;
  /** Seconds for TCP connect and banner exchange (ssh ConnectTimeout), 1–120. */
  connectTimeoutSec?: number;
  /**
   * An SSH_ASKPASS program for passphrase and password prompts. Without it ssh runs in
   * BatchMode, so it fails at once instead of waiting for a prompt nobody sees.
   */
  askpass?: { program: string; env?: Record<string, string> };
  /** Base environment; the current process's by default. */
  env?: NodeJS.ProcessEnv;
}

export function clampConnectTimeout(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return CONNECT_TIMEOUT_DEFAULT;
  return Math.min(CONNECT_TIMEOUT_MAX, Math.max(CONNECT_TIMEOUT_MIN, Math.round(value)));
}

export interface SshInvocation {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Fixed remote commands TCP Lens runs: never text from the user. */
export type RemoteCommand = 'sh' | 'netstat -ano';

/**
 * The ssh command line for one session: an argument array (no shell), the destination after
 * `--`, and a fixed remote command: `sh`, which then reads the script from stdin, or (hosts
 * without a POSIX sh) `netstat -ano`. `extra` are further `-o` options of TCP Lens's own, such
 * as connection sharing. Host key checking is left as the user configured it: never disabled.
 */
export function sshInvocation(
  target: SshTarget,
  options: SshOptions,
  command: RemoteCommand = 'sh',
  extra: readonly string[] = [],
): SshInvocation {
  const args = [
    '-T',
    '-o',
    `ConnectTimeout=${clampConnectTimeout(options.connectTimeoutSec)}`,
    // A dead peer is noticed within 15 s even when the network drops silently.
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
  ];
  if (!options.askpass) args.push('-o', 'BatchMode=yes');
  if (options.configFile) args.push('-F', path.resolve(options.configFile));
  args.push(...extra, ...targetArgs(target), '--', target.destination, command);
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  if (options.askpass) {
    Object.assign(env, options.askpass.env, { SSH_ASKPASS: options.askpass.program, SSH_ASKPASS_REQUIRE: 'force' });
    // Some OpenSSH builds still want a DISPLAY before they use SSH_ASKPASS.
    env.DISPLAY ??= 'tcp-lens:0';
  }
  return { file: options.sshPath || 'ssh', args, env };
}
