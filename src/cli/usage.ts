import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad command-line input: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * By name, not by class: a command loaded from its own bundle (src/cli/lazyCommand.ts) throws its
 * own copy of UsageError, which `instanceof` in the main bundle would not recognise.
 */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof Error && err.name === 'UsageError';
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing: unknown flags and missing values become a UsageError, never a stack trace. */
export function parseOptions<T extends OptionSpec>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(parseErrorText(err as Error & { code?: string }, options));
  }
}

/** node:util's parseArgs messages, said in TCP Lens's words (one line, naming what is accepted). */
function parseErrorText(err: Error & { code?: string }, options: OptionSpec): string {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  const option = quoted.split(' ')[0];
  const accepted = Object.keys(options)
    .map((name) => `--${name}`)
    .join(', ');
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option} (this command takes ${accepted})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(err.message)) return `${option} takes no value`;
      if (/ambiguous/.test(err.message))
        return `${option} needs a value, not another option (write ${option}=VALUE if the value starts with "-")`;
      return `${option} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}" (this command takes ${accepted})`;
    default:
      return err.message.split('\n')[0];
  }
}

export function parseIntegerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/** Output the CLI writes to; tests pass their own. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Resolves to the process exit code. */
  run(args: string[], io: CliIO, signal: AbortSignal): Promise<number>;
}
