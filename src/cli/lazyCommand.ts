import type { CliCommand } from './usage';

/**
 * A subcommand whose code is loaded only when it runs. `leaks` brings the parser runtime and the
 * analyzer, two thirds of the CLI's code, which `counts` in a script loop should not compile.
 * The build makes `import('./leaks')` a bundle of its own beside the CLI (esbuild.mjs).
 */
function lazyCommand(info: Omit<CliCommand, 'run'>, load: () => Promise<CliCommand>): CliCommand {
  return { ...info, run: async (args, io, signal) => (await load()).run(args, io, signal) };
}

export const leaksCommandInfo = {
  name: 'leaks',
  summary: 'find sockets the code never closes (exit 1 when any are found)',
  usage: 'leaks PATH... [--json]',
};

export const lazyLeaksCommand = lazyCommand(leaksCommandInfo, async () => (await import('./leaks')).leaksCommand);
