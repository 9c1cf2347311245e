import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The version in TCP Lens's package.json: beside dist/ in the .vsix and the npm package, two
 * levels up when run from src/ (tests).
 */
export function cliVersion(): string {
  for (const up of ['..', '../..']) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tcp-lens' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not there: try the next place
    }
  }
  return 'unknown';
}
