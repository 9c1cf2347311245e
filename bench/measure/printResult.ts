/**
 * Ends a measuring process run under `ip netns exec`: its result as one JSON line on stdout
 * (what the parent parses), or the stack on stderr and exit code 2. The hard stop is cleared
 * on success so the process can exit as soon as its handles close.
 */
export function printResult(result: Promise<unknown>, hardStop: NodeJS.Timeout): void {
  result
    .then((value) => {
      clearTimeout(hardStop);
      process.stdout.write(`${JSON.stringify(value)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(2);
    });
}
