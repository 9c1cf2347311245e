// `node --import tsx bench/profile.ts --size 100000 --case processesWarm [--runs 20]`: builds one
// farm and runs a TCP Lens case under `node --cpu-prof` inside its namespace, then prints where
// the time goes (self time per function). The .cpuprofile stays for Chrome DevTools.
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNamespace } from '../test/helpers/netns';
import { runToEnd } from '../test/helpers/processes';
import { startFarm } from './farm/farm';
import { defaultMix } from './farm/mix';
import { bundleForNode, removeBundle } from './measure/bundle';
import { table } from './report/format';
import { topSelfTime } from './report/cpuProfile';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '100000' },
      case: { type: 'string', default: 'snapshot' },
      runs: { type: 'string', default: '20' },
    },
  });
  const size = Number(values.size);
  const ns = createNamespace(`prof${size}`);
  process.once('exit', () => ns.remove());
  try {
    const farm = await startFarm(ns, defaultMix(size), { lifetimeMs: 10 * 60_000, readyTimeoutMs: 300_000 });
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tcp-lens-prof-'));
      const entry = await bundleForNode(path.join(__dirname, 'measure/profileCase.ts'));
      const argv = [...ns.exec, process.execPath, '--cpu-prof', '--cpu-prof-dir', dir, entry, values.case!, values.runs!];
      const { code, stderr } = await runToEnd(argv, 5 * 60_000);
      removeBundle(entry);
      if (code !== 0) throw new Error(`profiling failed (exit ${code}): ${stderr}`);
      const file = path.join(
        dir,
        readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!,
      );
      process.stdout.write(`${values.case} × ${values.runs} at ${size} sockets; profile: ${file}\n\n`);
      process.stdout.write(`${table(['function', 'self time', 'share'], topSelfTime(file, ROOT))}\n`);
    } finally {
      await farm.stop();
    }
  } finally {
    ns.remove();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
