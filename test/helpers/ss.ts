import { execFileSync } from 'node:child_process';
import type { TcpStateName } from '../../src/core/model';
import { TCP_STATE_NAMES } from '../../src/core/model';

/** `ss`'s state column in the kernel's spelling (read here, not through the product's own table). */
const SS_STATES: Record<string, TcpStateName> = {
  ESTAB: 'ESTABLISHED',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'TIME-WAIT': 'TIME_WAIT',
  UNCONN: 'CLOSE',
  CLOSE: 'CLOSE',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
  LISTEN: 'LISTEN',
  CLOSING: 'CLOSING',
};

/** Counts by state of the `ss` lines `keep` accepts. */
function countLines(argv: string[], keep: (line: string) => boolean): Record<TcpStateName, number> {
  const counts = Object.fromEntries(TCP_STATE_NAMES.map((s) => [s, 0])) as Record<TcpStateName, number>;
  for (const line of execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 10_000 }).split('\n')) {
    const state = SS_STATES[line.split(/\s+/)[0]];
    if (state && keep(line)) counts[state]++;
  }
  return counts;
}

/** The kernel's table as `ss -Htan` counts it, every state (0 where none), under `prefix` (e.g. `ip netns exec NS`). */
export function ssCounts(prefix: string[] = []): Record<TcpStateName, number> {
  return countLines([...prefix, 'ss', '-Htan'], () => true);
}

/** The sockets `ss -Htanp` gives to process `pid`, by state, only the states it has. */
export function ssProcessCounts(prefix: string[], pid: number): Partial<Record<TcpStateName, number>> {
  const counts = countLines([...prefix, 'ss', '-Htanp'], (line) => line.includes(`pid=${pid},`));
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}
