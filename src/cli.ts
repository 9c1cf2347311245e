import { runCli } from './cli/main';
import { displayLines } from './core/displayText';
import { signalChildren } from './core/ssh/children';

const controller = new AbortController();
/** Exit status for a stop by signal, as shells report it: 128 + the signal's number. */
const STOP_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
/** Time the command gets to close its sessions after a stop signal before the CLI exits anyway. */
const STOP_GRACE_MS = 3000;
let stoppedBy: keyof typeof STOP_SIGNALS | undefined;

// SIGTERM (kill, systemd, timeout) and SIGHUP (the terminal went away) stop the CLI as Ctrl-C
// does: the command is cancelled and every ssh child is ended, never left running under pid 1.
for (const name of Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[]) {
  process.on(name, () => {
    if (stoppedBy !== undefined) {
      // Asked twice: stop now.
      signalChildren('SIGKILL');
      process.exit(128 + STOP_SIGNALS[name]);
    }
    stoppedBy = name;
    controller.abort();
    signalChildren('SIGTERM');
    setTimeout(() => {
      signalChildren('SIGKILL');
      process.exit(128 + STOP_SIGNALS[name]);
    }, STOP_GRACE_MS).unref();
  });
}
// However the process ends, no ssh child outlives it.
process.on('exit', () => signalChildren('SIGKILL'));
// Piping into `head` closes stdout early; that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

runCli(
  process.argv.slice(2),
  { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) },
  controller.signal,
).then(
  (code) => {
    process.exitCode = stoppedBy ? 128 + STOP_SIGNALS[stoppedBy] : code;
  },
  (err: unknown) => {
    process.stderr.write(`tcp-lens: unexpected error: ${displayLines(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    process.exitCode = 1;
  },
);
