import { execFileSync } from 'node:child_process';
import { analyzerFileCase, analyzerHostileCase, analyzerWorkspaceCase } from './analyzer';
import { chartCase } from './chart';
import { waitForQuietMachine } from '../machine';
import { EXTENSION_HOST_CASES } from './extensionHost';
import { prometheusExporterCase } from './prometheusExporter';
import { prometheusFleetCase, prometheusHistoryCase } from './prometheusFleet';
import { sshCase } from './ssh';
import type { FeatureCase, FeatureResult } from './types';

/** Rows for other features. Add one here (a FeatureCase in its own file) as a feature lands. */
export const FEATURE_CASES: readonly FeatureCase[] = [
  chartCase,
  analyzerFileCase,
  analyzerWorkspaceCase,
  analyzerHostileCase,
  sshCase,
  prometheusFleetCase,
  prometheusHistoryCase,
  prometheusExporterCase,
  ...EXTENSION_HOST_CASES,
];

function isCommitted(root: string, file: string): boolean {
  try {
    execFileSync('git', ['-C', root, 'cat-file', '-e', `HEAD:${file}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Measures every feature whose code is committed; the others get a "not measured yet" line. */
export async function measureFeatures(root: string, runs: number, only?: readonly string[]): Promise<FeatureResult[]> {
  const results: FeatureResult[] = [];
  for (const c of FEATURE_CASES) {
    // An id also selects the cases it prefixes (`vscode-exthost` runs every `vscode-exthost-*` row).
    if (only && !only.some((id) => c.id === id || c.id.startsWith(`${id}-`))) continue;
    if (!isCommitted(root, c.landedWith)) {
      results.push({ case: c, status: 'not-landed', reason: `${c.feature} has not landed (${c.landedWith} is not committed)` });
    } else if (!c.measure) {
      results.push({ case: c, status: 'no-measurement', reason: `${c.feature} has landed, its bench case is still to write` });
    } else {
      try {
        const quiet = await waitForQuietMachine();
        process.stderr.write(
          `${c.id}: machine ${(quiet.busy * 100).toFixed(0)} % busy after ${(quiet.waitedMs / 1000).toFixed(0)} s of waiting\n`,
        );
        results.push({ case: c, status: 'measured', figure: await c.measure(runs) });
      } catch (err) {
        results.push({ case: c, status: 'failed', reason: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return results;
}
