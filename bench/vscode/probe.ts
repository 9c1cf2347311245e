import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { ProbeLine } from './probeExtension';

/** Writes the probe extension (manifest + bundle) into a fresh folder and returns it. */
export async function buildProbeExtension(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcp-lens-bench-probe-'));
  const manifest = {
    name: 'bench-probe',
    publisher: 'tcp-lens',
    version: '0.0.0',
    engines: { vscode: '^1.100.0' },
    main: './extension.js',
    activationEvents: ['onStartupFinished'],
    extensionKind: ['workspace'],
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'probeExtension.ts')],
    outfile: path.join(dir, 'extension.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return dir;
}

/** The probe's lines, of one extension host when `pid` is given (every window's host appends to the same file). */
export function readProbeLog(file: string, pid?: number): ProbeLine[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ProbeLine)
    .filter((l) => pid === undefined || l.pid === pid);
}
