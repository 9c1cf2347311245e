// The same mocha suite under @vscode/test-electron, for machines that can download VS Code
// (these offline machines cannot: use `npm run test:e2e`, which runs it in code-server).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT, SAMPLE_WORKSPACE } from './codeServer';
import { SUITE_OUT, bundleSuite } from './suiteBundle';

async function main(): Promise<void> {
  if (spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  await bundleSuite();
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: path.join(SUITE_OUT, 'index'),
    launchArgs: [SAMPLE_WORKSPACE, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
