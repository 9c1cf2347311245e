// `npm run package`: one .vsix per Marketplace target, as it expects for native code, into
// out/vsix/. linux-x64 carries the sock_diag addon built here, linux-arm64 one cross-compiled with
// Debian's gcc-aarch64-linux-gnu; darwin, win32 and the universal package carry none (the
// collector reads the table another way there). `--target T` (repeatable) builds only those;
// the e2e run and the demo build just the host's. Assumes `npm run build` ran.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ADDON, buildAddon, hasCompiler } from './buildNative.mjs';

const CROSS_ARM64 = 'aarch64-linux-gnu-gcc';
/** Target → how its addon is made: 'host' (the one `npm run build` made), a cross compiler, or none. */
const TARGETS = {
  'linux-x64': 'host',
  'linux-arm64': CROSS_ARM64,
  'darwin-x64': null,
  'darwin-arm64': null,
  'win32-x64': null,
  universal: null,
};
const OUT_DIR = 'out/vsix';

function parseTargets(argv) {
  const wanted = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--target') throw new Error(`unknown argument "${argv[i]}" (use --target T)`);
    const t = argv[++i];
    if (!(t in TARGETS)) throw new Error(`unknown target "${t}"; targets: ${Object.keys(TARGETS).join(', ')}`);
    wanted.push(t);
  }
  return wanted.length ? wanted : Object.keys(TARGETS);
}

function main() {
  const targets = parseTargets(process.argv.slice(2));
  const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
  if (targets.includes('linux-x64') && !existsSync(ADDON)) throw new Error(`${ADDON} is missing: run npm run build on Linux x64 first`);
  if (targets.includes('linux-arm64') && !hasCompiler(CROSS_ARM64)) {
    throw new Error(`${CROSS_ARM64} not found: apt-get install gcc-aarch64-linux-gnu (or leave out --target linux-arm64)`);
  }
  mkdirSync(OUT_DIR, { recursive: true });
  const hostAddon = `${OUT_DIR}/.host-sockdiag.node`;
  if (existsSync(ADDON)) copyFileSync(ADDON, hostAddon);
  try {
    for (const target of targets) {
      const addon = TARGETS[target];
      rmSync(ADDON, { force: true });
      if (addon === 'host') copyFileSync(hostAddon, ADDON);
      else if (addon) buildAddon(addon);
      const file = path.join(OUT_DIR, `tcp-lens-${target}-${version}.vsix`);
      const targetArgs = target === 'universal' ? [] : ['--target', target];
      execFileSync(
        'npx',
        ['vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', ...targetArgs, '-o', file],
        {
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      console.log(`${file}${addon ? ' (with the sock_diag addon)' : ''}`);
    }
  } finally {
    // dist/ goes back to what the host build made, for the tests and the extension host.
    rmSync(ADDON, { force: true });
    if (existsSync(hostAddon)) copyFileSync(hostAddon, ADDON);
    rmSync(hostAddon, { force: true });
  }
}

try {
  main();
} catch (err) {
  console.error(`package: ${err.message.split('\n')[0]}`);
  process.exit(1);
}
