import type { Connection, Snapshot } from './model';

const COLUMNS = [
  'family',
  'state',
  'localAddress',
  'localPort',
  'remoteAddress',
  'remotePort',
  'sendQueue',
  'receiveQueue',
  'uid',
  'inode',
  'pid',
  'process',
  'commandLine',
] as const;

/** RFC 4180 quoting; also defuses spreadsheet formulas (a cell starting with = + - @). */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function snapshotToCsv(connections: readonly Connection[]): string {
  const lines = [COLUMNS.join(',')];
  for (const c of connections) lines.push(COLUMNS.map((k) => csvCell(c[k])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function snapshotToJson(snapshot: Snapshot, connections: readonly Connection[] = snapshot.connections): string {
  return `${JSON.stringify(
    {
      host: snapshot.host.label,
      takenAt: snapshot.takenAt.toISOString(),
      connections: connections.map((c) => Object.fromEntries(COLUMNS.map((k) => [k, c[k] ?? null]))),
    },
    null,
    2,
  )}\n`;
}
