// Builds the sock_diag reader (native/sockdiag) into dist/sockdiag.node with the C compiler
// directly: one file, N-API only (ABI-stable, loads in Electron too), no node-gyp needed.
// Without a compiler, or off Linux, it says so in one line and exits 0: the collector then
// reads /proc/net/tcp as before. scripts/packageTargets.mjs also calls buildAddon() with a cross
// compiler for linux-arm64: N-API headers are the same for every architecture.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const source = 'native/sockdiag/sockdiag.c';
export const ADDON = 'dist/sockdiag.node';
export const NODE_INCLUDE = path.join(process.execPath, '../../include/node');

export function hasCompiler(cc) {
  try {
    execFileSync(cc, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Compiles the addon with `cc` into `out`; throws with the compiler's first line on failure. */
export function buildAddon(cc, out = ADDON) {
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    execFileSync(
      cc,
      [
        '-O2',
        '-std=gnu11',
        '-Wall',
        '-Wextra',
        '-fPIC',
        '-shared',
        '-fvisibility=hidden',
        `-I${NODE_INCLUDE}`,
        '-DNODE_GYP_MODULE_NAME=sockdiag',
        '-o',
        tmp,
        source,
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    // Rename so a running extension host never loads a half-written file.
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function main() {
  if (process.platform !== 'linux') {
    console.log(`sockdiag: skipped (netlink sock_diag is Linux only); the collector reads /proc`);
    return;
  }
  const cc = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean).find(hasCompiler);
  if (!cc || !existsSync(path.join(NODE_INCLUDE, 'node_api.h'))) {
    console.log(`sockdiag: skipped (${cc ? 'no Node headers at ' + NODE_INCLUDE : 'no C compiler'}); the collector reads /proc`);
    return;
  }
  try {
    buildAddon(cc);
  } catch (err) {
    console.log(`sockdiag: build failed (${err.message.split('\n')[0]}); the collector reads /proc`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
