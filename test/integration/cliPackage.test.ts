import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/child';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../helpers/netns';
import { runToEnd, startJsonProcess, type Started } from '../helpers/processes';

const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
const HELD = 3;

interface Row {
  state: string;
  pid?: number;
  process?: string;
  ageSource?: string;
}

/** `npm run pack:cli`'s tarball, installed with `npm install -g` into a clean prefix, as on a server. */
describe('the CLI as an npm package a server installs', { skip: !canCreateNamespaces() && 'needs root and ip netns', timeout: 180_000 }, () => {
  let prefix: string;
  let ns: TestNamespace;
  let holder: Started;
  const bin = () => path.join(prefix, 'bin', 'tcp-lens');
  const closeWaitRows = async () => {
    const r = await runToEnd([...ns.exec, bin(), 'list', '--state', 'close-wait', '--json'], 30_000);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Row[];
  };

  before(async () => {
    execFileSync('node', ['scripts/packCli.mjs'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    prefix = mkdtempSync(path.join(tmpdir(), 'tcplens-prefix-'));
    // A local tarball without dependencies: nothing is fetched.
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', path.join(REPO_ROOT, 'out', `tcp-lens-${version}.tgz`)], { stdio: ['ignore', 'ignore', 'inherit'] });
    ns = createNamespace('clipkg');
    holder = await startJsonProcess([...ns.exec, process.execPath, path.join(REPO_ROOT, 'test/helpers/closeWaitHolder.js'), String(HELD)]);
  });
  after(async () => {
    await holder?.stop();
    ns?.remove();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  it('installs a working tcp-lens binary that says its version', async () => {
    const r = await runToEnd([bin(), '--version'], 10_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `tcp-lens ${version}`);
  });

  it('reads the table over sock_diag (kernel CLOSE_WAIT ages), and over /proc once the addon is gone', async () => {
    const addon = path.join(prefix, 'lib', 'node_modules', 'tcp-lens', 'dist', 'sockdiag.node');
    assert.ok(existsSync(addon), 'the addon ships in the package');
    const withAddon = await closeWaitRows();
    assert.equal(withAddon.length, HELD);
    for (const row of withAddon) assert.deepEqual([row.pid, row.process, row.ageSource], [holder.hello.pid, 'node', 'kernel']);

    rmSync(addon);
    const withoutAddon = await closeWaitRows();
    assert.equal(withoutAddon.length, HELD);
    // /proc text keeps no CLOSE_WAIT age: it is observed from the first look on.
    for (const row of withoutAddon) assert.deepEqual([row.pid, row.process, row.ageSource], [holder.hello.pid, 'node', 'observed']);
  });
});
