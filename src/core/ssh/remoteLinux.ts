import type { AddressFamily, Connection, StateCounts } from '../model';
import { emptyCounts } from '../model';
import type { AddressCache } from '../linux/procNetTcp';
import { countConnections, parseConnections, ParseWarnings } from '../linux/procNetTcp';
import { STATE_BY_CODE } from '../states';
import type { RemoteHello } from './remoteScript';
import type { Sections } from './sshSession';

const TABLES: readonly { section: string; family: AddressFamily; file: string }[] = [
  { section: 'T4', family: 'IPv4', file: '/proc/net/tcp' },
  { section: 'T6', family: 'IPv6', file: '/proc/net/tcp6' },
];

/** Per-state counts from a counts answer: awk's "code count" lines, or the raw tables. */
export function remoteLinuxCounts(sections: Sections, host: string): { counts: StateCounts; warnings: string[] } {
  const counts = emptyCounts();
  const warnings: string[] = [];
  const summary = sections.get('COUNTS');
  if (summary) {
    for (const line of summary.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      const [code, n] = line.trim().split(' ');
      const state = STATE_BY_CODE[parseInt(code, 16)];
      if (state && /^[0-9A-Fa-f]{2}$/.test(code) && /^\d+$/.test(n)) counts[state] += Number(n);
      else warnings.push(`${host}: unexpected count line "${line.slice(0, 80)}"`);
    }
    return { counts, warnings };
  }
  for (const t of TABLES) {
    const body = sections.get(t.section);
    if (!body) continue;
    const problems = new ParseWarnings();
    countConnections(body, body.length, counts, problems, true, t.family);
    warnings.push(...problems.toMessages(`${host}:${t.file}`));
  }
  return { counts, warnings };
}

/** Connections from a full answer, parsed by the same code as the local /proc tables. */
export function remoteLinuxConnections(
  sections: Sections,
  hello: RemoteHello,
  host: string,
  cache: AddressCache,
): { connections: Connection[]; warnings: string[] } {
  const connections: Connection[] = [];
  const warnings: string[] = [];
  for (const t of TABLES) {
    const body = sections.get(t.section);
    if (!body) continue;
    const problems = new ParseWarnings();
    parseConnections(body, body.length, { family: t.family, littleEndian: hello.littleEndian }, connections, cache, problems, true);
    warnings.push(...problems.toMessages(`${host}:${t.file}`));
  }
  return { connections, warnings };
}
