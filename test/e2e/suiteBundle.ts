import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from './codeServer';

export const SUITE_OUT = path.join(REPO_ROOT, 'out', 'e2e', 'suite');

/** Bundles the suite's entry and each *.test.ts for the extension host (vscode and mocha stay external). */
export async function bundleSuite(): Promise<void> {
  const dir = path.join(REPO_ROOT, 'test', 'e2e', 'suite');
  const entries = fs
    .readdirSync(dir)
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f));
  fs.rmSync(SUITE_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}
