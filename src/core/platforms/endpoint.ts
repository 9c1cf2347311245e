import { isIPv4, isIPv6 } from 'node:net';
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

/** The largest value of a 32-bit unsigned field: queue sizes, Windows' DWORD pids. */
export const UINT32_MAX = 0xffff_ffff;

/**
 * A whole, non-negative number of at most `max` (queues, pids): digits only, so `-1`, `1.5`,
 * `1e3`, `0x10` and an empty field are refused, and so is a number too large to be one (a pid
 * of `100000000000000000000000` would otherwise become 1e+23).
 */
export function parseCountText(text: string | undefined, max = UINT32_MAX): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** A dotted-quad IPv4 address. */
export function isIPv4Text(address: string): boolean {
  return isIPv4(address);
}

/** An IPv6 address, with a zone (`fe80::1%lo0`, `fe80::1%7`) allowed. */
export function isIPv6Text(address: string): boolean {
  const zone = address.indexOf('%');
  if (zone >= 0 && !/^%[\w.-]{1,64}$/.test(address.slice(zone))) return false;
  return isIPv6(zone >= 0 ? address.slice(0, zone) : address);
}
