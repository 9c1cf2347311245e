/** A host the user asked for: an OpenSSH config alias or `user@host[:port]`. */
export interface SshTarget {
  /** What the user typed, normalised; the id of the host in history and settings. */
  id: string;
  /** Passed to ssh as the destination: never starts with `-`, never contains white space. */
  destination: string;
  user?: string;
  port?: number;
}

// Host names, IPv4 and config aliases; `%` and `*` are config patterns, never hosts.
const HOST_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,252})$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

/** Thrown for a host string that must never reach the ssh command line. */
export class InvalidHostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidHostError';
  }
}

function parsePort(text: string, whole: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new InvalidHostError(`"${whole}": the port must be a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new InvalidHostError(`"${whole}": the port must be between 1 and 65535`);
  return port;
}

/**
 * Validates `user@host[:port]`, `host`, `[v6addr]:port` or a config alias. Anything that ssh
 * could read as an option (`-oProxyCommand=...`), white space, quotes, shell or config pattern
 * characters are refused: the result is safe as one element of an ssh argument array.
 */
export function parseHostString(input: string): SshTarget {
  const text = input.trim();
  if (text === '') throw new InvalidHostError('The host is empty.');
  if (text.startsWith('-')) throw new InvalidHostError(`"${text}": a host cannot start with "-"`);
  if (/[\s\0'"`$;&|<>\\(){}*?!,=/]/.test(text)) {
    throw new InvalidHostError(`"${text}": only letters, digits and . _ - (plus user@ and :port) are allowed in a host`);
  }
  let rest = text;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!USER.test(user)) throw new InvalidHostError(`"${text}": "${user}" is not a valid user name`);
  }
  let host = rest;
  let port: number | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new InvalidHostError(`"${text}": missing "]" after the IPv6 address`);
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new InvalidHostError(`"${text}": unexpected text after "]"`);
      port = parsePort(after.slice(1), text);
    }
    if (!IPV6.test(host) || !host.includes(':')) throw new InvalidHostError(`"${text}": "${host}" is not an IPv6 address`);
  } else {
    const colon = rest.indexOf(':');
    if (colon >= 0) {
      if (rest.indexOf(':', colon + 1) >= 0) throw new InvalidHostError(`"${text}": write IPv6 addresses as [address]:port`);
      host = rest.slice(0, colon);
      port = parsePort(rest.slice(colon + 1), text);
    }
    if (!HOST_NAME.test(host)) throw new InvalidHostError(`"${text}": "${host}" is not a valid host name`);
  }
  const id = `${user ? `${user}@` : ''}${host.includes(':') ? `[${host}]` : host}${port ? `:${port}` : ''}`;
  return { id, destination: host, user, port };
}

/** The ssh arguments that select the target (before `--` and the destination). */
export function targetArgs(target: SshTarget): string[] {
  const args: string[] = [];
  if (target.user) args.push('-l', target.user);
  if (target.port) args.push('-p', String(target.port));
  return args;
}
