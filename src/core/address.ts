/** Formats a 32-bit IPv4 address (network order value) as dotted quad. */
export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/**
 * Formats eight 16-bit groups as RFC 5952 text: lower case, no leading zeros, the longest run
 * (first on a tie) of two or more zero groups written `::`, and IPv4-mapped addresses as
 * `::ffff:a.b.c.d`.
 */
export function formatIPv6(groups: ArrayLike<number>): string {
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${groups[6] >>> 8}.${groups[6] & 0xff}.${groups[7] >>> 8}.${groups[7] & 0xff}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += groups[i].toString(16);
  }
  return out;
}

/** `127.0.0.1:80`, `[::1]:80`; port 0 (a listener's remote side) is written `*` as `ss` does. */
export function formatEndpoint(address: string, port: number): string {
  const p = port === 0 ? '*' : String(port);
  return address.includes(':') ? `[${address}]:${p}` : `${address}:${p}`;
}
