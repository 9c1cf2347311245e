import { readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';

/** A `Host` alias the user can connect to, with what its block says about it. */
export interface ConfigHost {
  alias: string;
  hostName?: string;
  user?: string;
  port?: string;
  /** The file that declared it. */
  file: string;
}

export interface ConfigHostList {
  hosts: ConfigHost[];
  /** Unreadable includes and similar: shown, never fatal. */
  warnings: string[];
}

/** OpenSSH stops at this include depth too (readconf.c READCONF_MAX_DEPTH). */
const MAX_INCLUDE_DEPTH = 16;

/**
 * The user's ssh directory from the password database, as OpenSSH finds it (not from $HOME,
 * which may point elsewhere, e.g. under sudo).
 */
export function userSshDirectory(): string {
  return path.join(userInfo().homedir, '.ssh');
}

export function defaultSshConfigFile(): string {
  return path.join(userSshDirectory(), 'config');
}

/** Splits a config line into keyword and arguments; `=` may separate the keyword, quotes group. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const re = /"([^"]*)"|([^\s"]+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) tokens.push(m[1] ?? m[2]);
  if (tokens.length > 0) {
    const eq = tokens[0].indexOf('=');
    if (eq > 0) tokens.splice(0, 1, tokens[0].slice(0, eq), ...(eq + 1 < tokens[0].length ? [tokens[0].slice(eq + 1)] : []));
    else if (tokens[1] === '=') tokens.splice(1, 1);
    else if (tokens[1]?.startsWith('=')) tokens[1] = tokens[1].slice(1);
  }
  return tokens;
}

function isPattern(name: string): boolean {
  return /[*?!]/.test(name);
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Expands `*` and `?` in any path segment, sorted as glob(3) does. */
export function expandGlob(pattern: string): string[] {
  const parts = pattern.split('/');
  let found = [parts[0] === '' ? '/' : parts[0]];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of found) {
      if (!isPattern(part)) {
        next.push(path.join(dir, part));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const name of names.sort()) if (re.test(name) && !name.startsWith('.')) next.push(path.join(dir, name));
    }
    found = next;
  }
  return found;
}

function resolveInclude(target: string, sshDir: string): string {
  if (target.startsWith('~/')) return path.join(path.dirname(sshDir), target.slice(2));
  return path.isAbsolute(target) ? target : path.join(sshDir, target);
}

/**
 * Lists the `Host` entries of an OpenSSH client config and the files it includes. Patterns
 * (`*`, `?`) and negations (`!name`) are not hosts one can connect to and are left out.
 * Relative `Include` paths are relative to the user's ~/.ssh, as in ssh_config(5).
 */
export function listConfigHosts(configFile?: string, sshDir = userSshDirectory()): ConfigHostList {
  const hosts = new Map<string, ConfigHost>();
  const warnings: string[] = [];
  const visit = (file: string, depth: number, explicit: boolean): void => {
    if (depth > MAX_INCLUDE_DEPTH) {
      warnings.push(`${file}: includes nested deeper than ${MAX_INCLUDE_DEPTH}, not read`);
      return;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (explicit || code !== 'ENOENT') warnings.push(`${file}: ${code === 'ENOENT' ? 'not found' : (err as Error).message}`);
      return;
    }
    // Values apply to every alias of the current Host block; first value wins as in ssh.
    let current: ConfigHost[] = [];
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [keyword, ...args] = tokenize(line);
      if (!keyword) continue;
      switch (keyword.toLowerCase()) {
        case 'host':
          current = [];
          for (const name of args) {
            if (isPattern(name)) continue;
            let entry = hosts.get(name);
            if (!entry) {
              entry = { alias: name, file };
              hosts.set(name, entry);
            }
            current.push(entry);
          }
          break;
        case 'match':
          current = [];
          break;
        case 'include':
          for (const target of args) for (const f of expandGlob(resolveInclude(target, sshDir))) visit(f, depth + 1, false);
          break;
        case 'hostname':
          for (const h of current) h.hostName ??= args[0];
          break;
        case 'user':
          for (const h of current) h.user ??= args[0];
          break;
        case 'port':
          for (const h of current) h.port ??= args[0];
          break;
      }
    }
  };
  // A missing ~/.ssh/config is normal; a missing file the user named is worth a warning.
  visit(configFile ?? path.join(sshDir, 'config'), 0, configFile !== undefined);
  return { hosts: [...hosts.values()], warnings };
}
