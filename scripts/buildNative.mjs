// Builds the sock_diag reader (native/sockdiag) into dist/sockdiag.node with the C compiler
// directly: one file, N-API only (ABI-stable, loads in Electron too), no node-gyp needed.
// Without a compiler, or off Linux, it says so in one line and exits 0: the collector then
// reads /proc/net/tcp as before.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const source = 'native/sockdiag/sockdiag.c';
const out = 'dist/sockdiag.node';

function findCompiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean)) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function main() {
  if (process.platform !== 'linux') {
    console.log(`sockdiag: skipped (netlink sock_diag is Linux only); the collector reads /proc`);
    return;
  }
  const cc = findCompiler();
  const include = path.join(process.execPath, '../../include/node');
  if (!cc || !existsSync(path.join(include, 'node_api.h'))) {
    console.log(`sockdiag: skipped (${cc ? 'no Node headers at ' + include : 'no C compiler'}); the collector reads /proc`);
    return;
  }
  mkdirSync('dist', { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  try {
    execFileSync(
      cc,
      ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-fPIC', '-shared', '-fvisibility=hidden', `-I${include}`,
        '-DNODE_GYP_MODULE_NAME=sockdiag', '-o', tmp, source],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    // Rename so a running extension host never loads a half-written file.
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { force: true });
    console.log(`sockdiag: build failed (${err.message.split('\n')[0]}); the collector reads /proc`);
  }
}

main();
