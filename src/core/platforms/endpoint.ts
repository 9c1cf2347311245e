import type { AddressFamily } from '../model';

export interface ParsedEndpoint {
  address: string;
  port: number;
}

/** `*` (any address) in the family's spelling, as the Linux collector prints it. */
export function anyAddress(family: AddressFamily): string {
  return family === 'IPv6' ? '::' : '0.0.0.0';
}

export function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

/** A port field: digits only, `*` meaning 0 (listeners and unconnected peers). */
export function parsePortText(text: string): number | undefined {
  if (text === '*') return 0;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
