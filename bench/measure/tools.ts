/** The external commands timed as whole processes, with the id the report refers to. */
export interface ToolCase {
  id: ToolCaseId;
  label: string;
  argv: string[];
}

export const TOOL_LABELS = {
  cat: '`cat /proc/net/tcp /proc/net/tcp6`',
  ssTan: '`ss -tan`',
  ssTani: '`ss -tani`',
  netstatTan: '`netstat -tan`',
  ssTanp: '`ss -tanp`',
  netstatTanp: '`netstat -tanp`',
  // Node's own start-up: what `counts` cannot go below; the difference is the CLI's bundle and work.
  nodeStart: '`node -e 0` (Node alone, for the row below)',
  cliCounts: '`node dist/cli.js counts` (whole process)',
} as const;

export type ToolCaseId = keyof typeof TOOL_LABELS;

const ARGV: Record<Exclude<ToolCaseId, 'nodeStart' | 'cliCounts'>, string[]> = {
  cat: ['cat', '/proc/net/tcp', '/proc/net/tcp6'],
  ssTan: ['ss', '-tan'],
  // tcp_info for every socket: how ss dates sockets (lastack, the timers), the yardstick for a snapshot with ages.
  ssTani: ['ss', '-tani'],
  netstatTan: ['netstat', '-tan'],
  ssTanp: ['ss', '-tanp'],
  netstatTanp: ['netstat', '-tanp'],
};

export function toolCases(cliPath: string | undefined): ToolCase[] {
  const argv: Partial<Record<ToolCaseId, string[]>> = { ...ARGV };
  if (cliPath) {
    argv.nodeStart = [process.execPath, '-e', '0'];
    argv.cliCounts = [process.execPath, cliPath, 'counts'];
  }
  return Object.entries(argv).map(([id, args]) => ({ id: id as ToolCaseId, label: TOOL_LABELS[id as ToolCaseId], argv: args }));
}
