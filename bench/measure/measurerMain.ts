/**
 * Runs a measuring process's `main` and prints its result as one JSON line (what the bench
 * reads back); a failure goes to stderr with exit 2, and a hung run ends at `hardStopMs` (exit 3).
 */
export function runMeasurer(main: () => Promise<unknown>, hardStopMs = 10 * 60_000): void {
  const hardStop = setTimeout(() => process.exit(3), hardStopMs);
  main()
    .then((result) => {
      clearTimeout(hardStop);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(2);
    });
}
