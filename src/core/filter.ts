import type { Connection, TcpStateName } from './model';
import { isTcpStateName } from './model';

/** A parsed filter; every present field must match (AND). */
export interface ConnectionFilter {
  text: string;
  states?: Set<TcpStateName>;
  ports?: Set<number>;
  pids?: Set<number>;
  processes?: string[];
  addresses?: string[];
  /** Free words matched against the whole row. */
  words?: string[];
}

export class FilterSyntaxError extends Error {}

const KEYS = ['state', 'port', 'pid', 'proc', 'addr'] as const;

/**
 * Parses `state:CLOSE_WAIT port:8080 pid:4242 proc:node addr:10.0.0.1 free words`. Commas give
 * alternatives (`state:TIME_WAIT,CLOSE_WAIT`); terms of different keys must all match.
 */
export function parseFilter(text: string): ConnectionFilter | undefined {
  const filter: ConnectionFilter = { text: text.trim() };
  if (filter.text === '') return undefined;
  for (const term of filter.text.split(/\s+/)) {
    const colon = term.indexOf(':');
    const key = colon > 0 ? term.slice(0, colon).toLowerCase() : '';
    if (!(KEYS as readonly string[]).includes(key)) {
      // IPv6 addresses and "host:port" contain colons but are not keys: they are free words.
      (filter.words ??= []).push(term.toLowerCase());
      continue;
    }
    const values = term
      .slice(colon + 1)
      .split(',')
      .filter((v) => v !== '');
    if (values.length === 0) throw new FilterSyntaxError(`"${term}": give a value after "${key}:"`);
    switch (key) {
      case 'state':
        for (const v of values) {
          const name = v.toUpperCase().replace(/-/g, '_');
          if (!isTcpStateName(name)) throw new FilterSyntaxError(`"${v}" is not a TCP state (e.g. CLOSE_WAIT, TIME_WAIT, LISTEN)`);
          (filter.states ??= new Set()).add(name);
        }
        break;
      case 'port':
      case 'pid':
        for (const v of values) {
          const n = Number(v);
          const max = key === 'port' ? 65535 : 2 ** 32;
          if (!/^\d+$/.test(v) || n > max) throw new FilterSyntaxError(`"${v}" is not a valid ${key} (0–${max})`);
          (key === 'port' ? (filter.ports ??= new Set()) : (filter.pids ??= new Set())).add(n);
        }
        break;
      case 'proc':
        (filter.processes ??= []).push(...values.map((v) => v.toLowerCase()));
        break;
      case 'addr':
        (filter.addresses ??= []).push(...values.map((v) => v.toLowerCase()));
        break;
    }
  }
  return filter;
}

/** Whether the connection passes the filter. */
export function matchesFilter(c: Connection, f: ConnectionFilter): boolean {
  if (f.states && !f.states.has(c.state)) return false;
  if (f.ports && !f.ports.has(c.localPort) && !f.ports.has(c.remotePort)) return false;
  if (f.pids && (c.pid === undefined || !f.pids.has(c.pid))) return false;
  if (f.processes) {
    const name = `${c.process ?? ''} ${c.commandLine ?? ''}`.toLowerCase();
    if (!f.processes.some((p) => name.includes(p))) return false;
  }
  if (f.addresses && !f.addresses.some((a) => c.localAddress.toLowerCase().includes(a) || c.remoteAddress.toLowerCase().includes(a)))
    return false;
  if (f.words) {
    const row =
      `${c.state} ${c.localAddress}:${c.localPort} ${c.remoteAddress}:${c.remotePort} ${c.process ?? ''} ${c.pid ?? ''} ${c.commandLine ?? ''}`.toLowerCase();
    if (!f.words.every((w) => row.includes(w))) return false;
  }
  return true;
}

export function applyFilter(connections: readonly Connection[], f: ConnectionFilter | undefined): readonly Connection[] {
  return f ? connections.filter((c) => matchesFilter(c, f)) : connections;
}
