/** The external commands timed as whole processes, with the id the report refers to. */
export interface ToolCase {
  id: ToolCaseId;
  label: string;
  argv: string[];
}

export type ToolCaseId = 'cat' | 'ssTan' | 'ssTani' | 'netstatTan' | 'ssTanp' | 'netstatTanp' | 'cliCounts';

export function toolCases(cliPath: string | undefined): ToolCase[] {
  const tools: ToolCase[] = [
    { id: 'cat', label: '`cat /proc/net/tcp /proc/net/tcp6`', argv: ['cat', '/proc/net/tcp', '/proc/net/tcp6'] },
    { id: 'ssTan', label: '`ss -tan`', argv: ['ss', '-tan'] },
    // tcp_info for every socket: how ss dates sockets (lastack, the timers), the yardstick for a snapshot with ages.
    { id: 'ssTani', label: '`ss -tani`', argv: ['ss', '-tani'] },
    { id: 'netstatTan', label: '`netstat -tan`', argv: ['netstat', '-tan'] },
    { id: 'ssTanp', label: '`ss -tanp`', argv: ['ss', '-tanp'] },
    { id: 'netstatTanp', label: '`netstat -tanp`', argv: ['netstat', '-tanp'] },
  ];
  if (cliPath)
    tools.push({ id: 'cliCounts', label: '`node dist/cli.js counts` (whole process)', argv: [process.execPath, cliPath, 'counts'] });
  return tools;
}
