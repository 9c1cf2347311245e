import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Bundles a measuring entry the way esbuild.mjs bundles the extension (cjs, node20, no
 * keepNames), so in-process figures are those of the shipped code, not of tsx's transform
 * (which wraps every function in a naming helper and costs several per cent on the parser).
 */
export async function bundleForNode(entry: string): Promise<string> {
  const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), 'tcp-lens-bench-')), `${path.basename(entry, '.ts')}.js`);
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' });
  // The collector loads the sock_diag addon from beside its bundle, as dist/ ships it.
  const addon = path.resolve(__dirname, '../../dist/sockdiag.node');
  if (existsSync(addon)) copyFileSync(addon, path.join(path.dirname(outfile), 'sockdiag.node'));
  return outfile;
}

/** Deletes what {@link bundleForNode} wrote. */
export function removeBundle(outfile: string): void {
  rmSync(path.dirname(outfile), { recursive: true, force: true });
}
