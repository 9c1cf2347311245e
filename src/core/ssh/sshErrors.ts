import { CollectorError } from '../model';

const NO_POSIX_SH = 'it has no POSIX sh (Windows?)';
const KEYS_HINT = 'Set up key-based login (ssh-copy-id) or load your key into ssh-agent, then select the host again.';

/** The lines of ssh's stderr that say something, without OpenSSH's warnings about known_hosts. */
function meaningfulLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Warning: Permanently added'));
}

/**
 * Turns what a failed ssh session left on stderr into the error the user sees. `host` is the
 * id the user chose; `timeoutSec` the ConnectTimeout in force.
 */
export function classifySshFailure(host: string, stderr: string, timeoutSec: number): CollectorError {
  const lines = meaningfulLines(stderr);
  const detail = lines.slice(-3).join(' ').replace(/\.$/, '');
  const has = (re: RegExp) => re.test(stderr);
  if (has(/Could not resolve hostname|Name or service not known|nodename nor servname/i)) {
    return new CollectorError(
      'host-unknown',
      `Host "${host}" is unknown: its name could not be resolved.`,
      'Check the name, or add a Host entry with HostName to your SSH config.',
    );
  }
  if (has(/Connection refused/i)) {
    return new CollectorError(
      'connection-refused',
      `Connection to "${host}" refused: no SSH server is listening on that port.`,
      'Check the port and that sshd runs on the host.',
    );
  }
  if (has(/timed out|Connection timeout/i)) {
    return new CollectorError(
      'timeout',
      `Connecting to "${host}" timed out after ${timeoutSec} s.`,
      'Check that the host is up and reachable (VPN, firewall), or raise tcpLens.ssh.connectTimeout.',
    );
  }
  if (has(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i)) {
    return new CollectorError(
      'auth-failed',
      `The host key of "${host}" could not be verified.`,
      'Connect once with ssh in a terminal to check and accept the host key; TCP Lens never skips host key checking.',
    );
  }
  if (has(/Permission denied|Too many authentication failures|no more authentication methods/i)) {
    return new CollectorError('auth-failed', `Authentication to "${host}" failed: ${detail || 'permission denied'}.`, KEYS_HINT);
  }
  if (has(/No route to host|Network is unreachable/i)) {
    return new CollectorError(
      'host-unknown',
      `Host "${host}" is not reachable: ${detail}.`,
      'Check the network (VPN, routes) and the host name.',
    );
  }
  if (has(/is not recognized as an internal or external command|The term 'sh' is not recognized|sh: (command )?not found/i)) {
    return unsupportedOs(host, NO_POSIX_SH);
  }
  return new CollectorError(
    'disconnected',
    `The SSH connection to "${host}" ended${detail ? `: ${detail}` : '.'}`,
    'TCP Lens reconnects by itself; check the host if this persists.',
  );
}

/** The session could not start because the host has no `sh`: a Windows host may still answer netstat. */
export function lacksPosixShell(err: CollectorError): boolean {
  return err.kind === 'unsupported-platform' && err.message.includes(NO_POSIX_SH);
}

export function unsupportedOs(host: string, what: string): CollectorError {
  return new CollectorError(
    'unsupported-platform',
    `The remote OS of "${host}" is not supported: ${what}.`,
    'Linux hosts are read from /proc; macOS and FreeBSD with netstat; Windows (OpenSSH server) with netstat -ano.',
  );
}
