// Prints, as one JSON line, this network namespace's TCP table with ages, read over sock_diag
// (the addon given as argv[2]) and twice from /proc text (the first look and one `gapMs` later,
// argv[3]). Run under `ip netns exec` by test/integration/socketAges.test.ts.
import { LocalCollector } from '../../src/core/linux/localCollector';
import { loadSockDiag } from '../../src/core/linux/sockDiag';

async function main(): Promise<void> {
  const addon = loadSockDiag(process.argv[2]);
  if (!addon) throw new Error(`no sock_diag addon at ${process.argv[2]}`);
  const diag = await new LocalCollector({ sockDiag: addon }).snapshot();
  const viaProc = new LocalCollector({ sockDiag: false });
  const proc1 = await viaProc.snapshot();
  await new Promise((r) => setTimeout(r, Number(process.argv[3] ?? 1500)));
  const proc2 = await viaProc.snapshot();
  process.stdout.write(`${JSON.stringify({ diag, proc1, proc2 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
