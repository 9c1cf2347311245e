export interface BenchOptions {
  sizes: number[];
  runs: number;
  /** Where the markdown goes; undefined prints only. */
  out?: string;
  /** Only these feature cases (bench/cases ids), no socket farms: their table alone is printed. */
  cases?: string[];
  /** The socket farms only, no feature cases (`--no-features`). */
  noFeatures?: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--cases ID,...] [--sizes 10000,50000,100000] [--runs N] [--out FILE | --no-write]
  --cases A,B only the feature cases with these ids or id prefixes (e.g. prometheus-fleet,vscode-exthost), printed
  --no-features  the socket farms only (the table, refresh and event-loop figures), none of the feature cases
  --quick     10k sockets, 3 runs, nothing written (a smoke check, under 2 minutes)
  (default)   10k, 50k and 100k sockets, 5 runs each, written to docs/benchmarks.md`;

/** Parses the bench's arguments; throws with a one-line message on a bad one. */
export function parseOptions(args: readonly string[]): BenchOptions {
  const quick = args.includes('--quick');
  const options: BenchOptions = quick
    ? { sizes: [10_000], runs: 3 }
    : { sizes: [10_000, 50_000, 100_000], runs: 5, out: 'docs/benchmarks.md' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') continue;
    else if (arg === '--sizes') options.sizes = value().split(',').map(positive);
    else if (arg === '--runs') options.runs = positive(value());
    else if (arg === '--out') options.out = value();
    else if (arg === '--no-write') options.out = undefined;
    else if (arg === '--cases') options.cases = value().split(',');
    else if (arg === '--no-features') options.noFeatures = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (options.sizes.some((s) => s > 200_000) || options.runs > 20) throw new Error('at most 200,000 sockets and 20 runs');
  return options;
}

function positive(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: ${text}`);
  return n;
}
