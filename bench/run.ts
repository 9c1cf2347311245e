// `npm run bench`: socket farms of 10k, 50k and 100k sockets in namespaces of their own, TCP Lens
// against cat, ss and netstat on each, and a markdown report; layout in bench/README.md.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canCreateNamespaces } from '../test/helpers/netns';
import { measureFeatures } from './cases/index';
import { describeMachine, loadAverage } from './machine';
import { parseOptions, USAGE } from './options';
import { featureLines, renderReport, type ParserFigures } from './report/render';
import { runToEnd } from '../test/helpers/processes';
import { bundleForNode, removeBundle } from './measure/bundle';
import { MEASURER_ENTRY, measureSize, type SizeResult } from './sizeRun';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (!canCreateNamespaces()) {
    process.stderr.write('The benchmark needs Linux, root and iproute2: it builds its sockets in a network namespace of its own.\n');
    process.exit(1);
  }
  if (options.cases) {
    const features = await measureFeatures(ROOT, options.runs, options.cases);
    process.stdout.write(`${featureLines(features)}\n`);
    return;
  }
  const machine = describeMachine();
  const cli = path.join(ROOT, 'dist/cli.js');
  const cliPath = existsSync(cli) ? cli : undefined;
  if (!cliPath) process.stderr.write('dist/cli.js not found: run `npm run build` to time the CLI too.\n');

  const started = Date.now();
  const measurer = await bundleForNode(MEASURER_ENTRY);
  const sizes: SizeResult[] = [];
  try {
    for (const size of options.sizes) {
      process.stderr.write(`${size} sockets: building the farm… (load ${loadAverage()})\n`);
      const result = await measureSize(size, options.runs, cliPath, measurer);
      process.stderr.write(`${size} sockets: farm ready in ${(result.setupMs / 1000).toFixed(1)} s, measured.\n`);
      sizes.push(result);
    }
  } finally {
    removeBundle(measurer);
  }
  const parser = await measureParser();
  if (!options.noFeatures) process.stderr.write('other features…\n');
  const features = options.noFeatures ? [] : await measureFeatures(ROOT, options.runs);
  const markdown = renderReport({
    machine,
    sizes,
    features,
    parser,
    runs: options.runs,
    quick: options.sizes.length === 1,
    startedAt: new Date(started),
    elapsedMs: Date.now() - started,
  });
  process.stdout.write(markdown);
  if (options.out) {
    const out = path.resolve(ROOT, options.out);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, markdown);
    process.stderr.write(`written to ${path.relative(ROOT, out)}\n`);
  }
}

/** The parser alone, bundled like the extension, in CPU time: what the kernel's text costs us beyond reading it. */
async function measureParser(): Promise<ParserFigures | undefined> {
  const entry = await bundleForNode(path.join(__dirname, 'micro/parser.ts'));
  const { code, stdout } = await runToEnd([process.execPath, entry, '--json'], 120_000);
  removeBundle(entry);
  return code === 0 ? (JSON.parse(stdout.trim()) as ParserFigures) : undefined;
}

// Namespaces are removed in `finally` blocks and on exit; a signal must end through them too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
