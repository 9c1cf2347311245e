import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/child';

const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const vsixOf = (target: string) => path.join(REPO_ROOT, 'out', 'vsix', `tcp-lens-${target}-${version}.vsix`);
const hasCross = (() => {
  try {
    execFileSync('aarch64-linux-gnu-gcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Reads one member of a .vsix (a zip) with Python's zipfile: entry names, or one file's bytes. */
function zipNames(file: string): string[] {
  return execFileSync('python3', ['-c', 'import sys,zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', file], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}
function zipMember(file: string, member: string): Buffer {
  return execFileSync('python3', [
    '-c',
    'import sys,zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))',
    file,
    member,
  ]);
}
/** ELF e_machine: 62 x86-64, 183 AArch64. */
const elfMachine = (bytes: Buffer) => (bytes.subarray(0, 4).toString('latin1') === '\x7fELF' ? bytes.readUInt16LE(18) : -1);

describe(
  'one .vsix per Marketplace target',
  { skip: !hasCross && 'needs gcc-aarch64-linux-gnu (scripts/debianDeps.sh installs it)', timeout: 180_000 },
  () => {
    it('linux-arm64 carries an AArch64 sock_diag addon, the universal package none, both with the icon', () => {
      execFileSync('node', ['scripts/packageTargets.mjs', '--target', 'linux-arm64', '--target', 'universal'], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const arm = zipNames(vsixOf('linux-arm64'));
      assert.ok(arm.includes('extension/dist/sockdiag.node'), arm.join(', '));
      assert.equal(elfMachine(zipMember(vsixOf('linux-arm64'), 'extension/dist/sockdiag.node')), 183);
      assert.match(zipMember(vsixOf('linux-arm64'), 'extension.vsixmanifest').toString('utf8'), /TargetPlatform="linux-arm64"/);

      const universal = zipNames(vsixOf('universal'));
      assert.ok(!universal.some((n) => n.endsWith('.node')), universal.join(', '));
      assert.doesNotMatch(zipMember(vsixOf('universal'), 'extension.vsixmanifest').toString('utf8'), /TargetPlatform=/);
      for (const names of [arm, universal]) assert.ok(names.includes('extension/media/icon.png'));
      // The host's own addon is back in dist/ for the other tests and the extension host.
      const hostMachine = { x64: 62, arm64: 183 }[process.arch as string];
      if (hostMachine) assert.equal(elfMachine(readFileSync(path.join(REPO_ROOT, 'dist', 'sockdiag.node'))), hostMachine);
    });
  },
);
