// Prints, as one JSON line, the TCP table of the network namespace this process runs in, read
// both ways: over netlink sock_diag (the addon given as argv[2]) and by parsing /proc text.
// Run under `ip netns exec` by test/integration/sockDiag.test.ts: the addon talks to the
// kernel of its own namespace, so it has to be a process of that namespace.
import { LocalCollector } from '../../src/core/linux/localCollector';
import { loadSockDiag } from '../../src/core/linux/sockDiag';

async function main(): Promise<void> {
  const problems: string[] = [];
  const addon = loadSockDiag(process.argv[2], (why) => problems.push(why));
  if (!addon) throw new Error(`no sock_diag addon at ${process.argv[2]}: ${problems.join('; ')}`);
  const viaDiag = new LocalCollector({ sockDiag: addon });
  const viaProc = new LocalCollector({ sockDiag: false });
  const diag = await viaDiag.snapshot();
  const proc = await viaProc.snapshot();
  const diagCounts = await viaDiag.counts();
  const procCounts = await viaProc.counts();
  process.stdout.write(
    `${JSON.stringify({
      diag: diag.connections,
      proc: proc.connections,
      diagCounts: diagCounts.counts,
      procCounts: procCounts.counts,
      warnings: [...diag.warnings, ...proc.warnings, ...diagCounts.warnings, ...procCounts.warnings],
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
