// Runs one TCP Lens case over and over, for `node --cpu-prof` (see bench/profile.ts).
import { availableLensCases } from './lensCases';

const [id, runsText = '20'] = process.argv.slice(2);
const hardStop = setTimeout(() => process.exit(3), 5 * 60_000);

(async () => {
  const cases = availableLensCases();
  const c = cases.find((x) => x.id === id);
  if (!c) throw new Error(`unknown case ${id}; one of ${cases.map((x) => x.id).join(', ')}`);
  let op = await c.prepare();
  for (let i = 0; i < Number(runsText); i++) {
    if (c.id === 'processesCold') op = await c.prepare();
    await op();
  }
  clearTimeout(hardStop);
})().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
