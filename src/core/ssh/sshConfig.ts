import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
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
/** A client config is a few KB; a larger file is not one (or is not meant for us). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Files read for one listing, includes of includes counted: bounds what a glob loop can cost. */
export const MAX_CONFIG_FILES = 256;
/** And the bytes they may add up to. */
export const MAX_CONFIG_TOTAL_BYTES = 4 * 1024 * 1024;

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

function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/**
 * Whether a host name matches a pattern list as ssh matches `Host` lines (match_hostname):
 * case-insensitive globs, and a matching `!pattern` rules the name out whatever else matches.
 */
export function matchesHostPatterns(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!globToRegExp(pattern, 'i').test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** Expands `*` and `?` in any path segment, sorted as glob(3) does. */
export async function expandGlob(pattern: string): Promise<string[]> {
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
        names = await readdir(dir);
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
 * Reads a config file the way a config may be read: a regular file (a FIFO, a device or
 * /dev/stdin would block or never end), opened without blocking, at most MAX_CONFIG_FILE_BYTES.
 */
async function readConfigFile(file: string): Promise<{ text: string } | { error: string; missing?: boolean }> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { error: 'not found', missing: true } : { error: (err as Error).message };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { error: 'not a regular file, not read' };
    if (info.size > MAX_CONFIG_FILE_BYTES) return { error: `larger than ${MAX_CONFIG_FILE_BYTES / 1024} KB, not read` };
    // The size may be wrong (/proc) or change while reading: the cap holds on what is read.
    const chunks: Buffer[] = [];
    let len = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(64 * 1024), 0, 64 * 1024, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      len += bytesRead;
      if (len > MAX_CONFIG_FILE_BYTES) return { error: `larger than ${MAX_CONFIG_FILE_BYTES / 1024} KB, not read` };
    }
    return { text: Buffer.concat(chunks, len).toString('utf8') };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    await handle.close();
  }
}

/**
 * When ssh would read a block for a given alias: the conjunction of the Host/Match blocks
 * around the Includes that led to it. `undefined` is always.
 */
type Condition = ((alias: string) => boolean) | undefined;

function and(outer: Condition, inner: Condition): Condition {
  if (!outer) return inner;
  if (!inner) return outer;
  return (alias) => outer(alias) && inner(alias);
}

/**
 * What a `Match` line means for listing: `all` always; `host`/`originalhost` patterns test the
 * alias; anything else (exec, user, canonical, final, tagged...) cannot be known without
 * connecting, so an Include under it is not followed.
 */
function matchCondition(args: readonly string[]): Condition | 'never' {
  const tests: ((alias: string) => boolean)[] = [];
  for (let i = 0; i < args.length; i++) {
    const criterion = args[i].toLowerCase();
    if (criterion === 'all') continue;
    const negate = criterion.startsWith('!');
    const name = negate ? criterion.slice(1) : criterion;
    if ((name === 'host' || name === 'originalhost') && i + 1 < args.length) {
      const patterns = args[++i].split(',');
      tests.push((alias) => matchesHostPatterns(alias, patterns) !== negate);
      continue;
    }
    return 'never';
  }
  return tests.length === 0 ? undefined : (alias) => tests.every((t) => t(alias));
}

/**
 * Lists the `Host` entries of an OpenSSH client config and the files it includes. Patterns
 * (`*`, `?`) and negations (`!name`) are not hosts one can connect to and are left out.
 * Relative `Include` paths are relative to the user's ~/.ssh, as in ssh_config(5). An Include
 * inside a Host or Match block counts only for the aliases that block applies to, as ssh reads
 * it (an alias declared there is listed only if the block matches it). Only regular files are
 * read, each at most 1 MB, at most 256 and 4 MB in all; files read already add nothing when met again.
 */
export async function readConfigHosts(configFile?: string, sshDir = userSshDirectory()): Promise<ConfigHostList> {
  const hosts = new Map<string, ConfigHost>();
  const warnings: string[] = [];
  /** Files read to the end with no condition: reading them again cannot add anything. */
  const complete = new Set<string>();
  let filesRead = 0;
  let bytesRead = 0;
  let capWarned = false;

  const visit = async (file: string, depth: number, explicit: boolean, condition: Condition): Promise<void> => {
    if (depth > MAX_INCLUDE_DEPTH) {
      warnings.push(`${file}: includes nested deeper than ${MAX_INCLUDE_DEPTH}, not read`);
      return;
    }
    if (!condition && complete.has(file)) return;
    if (filesRead >= MAX_CONFIG_FILES) {
      if (!capWarned) warnings.push(`${file}: more than ${MAX_CONFIG_FILES} config files included, the rest not read`);
      capWarned = true;
      return;
    }
    filesRead++;
    const read = await readConfigFile(file);
    if ('error' in read) {
      if (explicit || !read.missing) warnings.push(`${file}: ${read.error}`);
      return;
    }
    bytesRead += read.text.length;
    if (bytesRead > MAX_CONFIG_TOTAL_BYTES) {
      if (!capWarned)
        warnings.push(`${file}: config files add up to more than ${MAX_CONFIG_TOTAL_BYTES / (1024 * 1024)} MB, the rest not read`);
      capWarned = true;
      filesRead = MAX_CONFIG_FILES;
      return;
    }
    // Values apply to every alias of the current Host block; first value wins as in ssh.
    let current: ConfigHost[] = [];
    /** The block the next lines are in: an Include there is read under this condition. */
    let block: Condition | 'never' = undefined;
    for (const raw of read.text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [keyword, ...args] = tokenize(line);
      if (!keyword) continue;
      switch (keyword.toLowerCase()) {
        case 'host': {
          current = [];
          const patterns = args;
          // `Host *` applies to every alias: an Include under it is as good as unconditional.
          block =
            patterns.includes('*') && !patterns.some((p) => p.startsWith('!'))
              ? undefined
              : (alias) => matchesHostPatterns(alias, patterns);
          for (const name of args) {
            // ssh reads this block for the alias only if every enclosing block applies to it.
            if (isPattern(name) || (condition && !condition(name))) continue;
            let entry = hosts.get(name);
            if (!entry) {
              entry = { alias: name, file };
              hosts.set(name, entry);
            }
            current.push(entry);
          }
          break;
        }
        case 'match':
          current = [];
          block = matchCondition(args);
          break;
        case 'include':
          if (block === 'never') break;
          for (const target of args) {
            for (const f of await expandGlob(resolveInclude(target, sshDir))) await visit(f, depth + 1, false, and(condition, block));
          }
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
    if (!condition) complete.add(file);
  };
  // A missing ~/.ssh/config is normal; a missing file the user named is worth a warning.
  await visit(configFile ?? path.join(sshDir, 'config'), 0, configFile !== undefined, undefined);
  return { hosts: [...hosts.values()], warnings };
}
