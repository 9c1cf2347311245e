import { CollectorError } from '../core/model';
import { countsCommand } from './counts';
import { exporterCommand } from './exporter';
import { fleetCommand } from './fleet';
import { hostsCommand } from './hosts';
import { lazyLeaksCommand } from './lazyCommand';
import { listCommand } from './list';
import { watchCommand } from './watch';
import { cliVersion } from './version';
import type { CliCommand, CliIO } from './usage';
import { messageText } from './table';
import { isUsageError, UsageError } from './usage';

/** Every subcommand; other modules add theirs here. */
export const COMMANDS: readonly CliCommand[] = [
  countsCommand,
  listCommand,
  watchCommand,
  lazyLeaksCommand,
  hostsCommand,
  fleetCommand,
  exporterCommand,
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'tcp-lens: TCP connection states of this machine or an SSH host',
    '',
    'Usage: tcp-lens <command> [options]     tcp-lens --version',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs one CLI invocation; resolves to the exit code (0 ok, 1 failure, 2 bad usage). */
export async function runCli(argv: string[], io: CliIO, signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`tcp-lens ${cliVersion()}`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}" (try: ${COMMANDS.map((c) => c.name).join(', ')})`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`Usage: tcp-lens ${command.usage}\n${command.summary}`);
      return 0;
    }
    return await command.run(rest, io, signal);
  } catch (err) {
    if (isUsageError(err)) {
      io.err(messageText(`tcp-lens: ${err.message}`));
      return 2;
    }
    if (err instanceof CollectorError) {
      // Stopped by a signal: the user asked for it, the failures it caused are not news.
      if (signal.aborted) return 1;
      io.err(messageText(`tcp-lens: ${err.message}${err.hint ? ` ${err.hint}` : ''}`));
      return 1;
    }
    throw err;
  }
}
