// Entry the extension host calls (extensionTestsPath): runs every bundled *.test.js beside it
// with mocha and writes the results where the harness waits for them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface SuiteResults {
  passed: number;
  failed: number;
  failures: { title: string; error: string }[];
}

export async function run(): Promise<void> {
  const resultsFile = process.env.TCP_LENS_E2E_RESULTS;
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false });
  const grep = process.env.TCP_LENS_E2E_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(__dirname).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  const results: SuiteResults = { passed: 0, failed: 0, failures: [] };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => {
      results.passed++;
      console.log(`  ✓ ${t.fullTitle()}`);
    });
    runner.on('fail', (t, err: Error) => {
      results.failed++;
      results.failures.push({ title: t.fullTitle(), error: err.stack ?? String(err) });
      console.log(`  ✗ ${t.fullTitle()}: ${err.message}`);
    });
  });
  if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  if (results.failed > 0) throw new Error(`${results.failed} e2e test(s) failed`);
}
