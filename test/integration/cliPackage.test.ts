import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  pid: number | null;
  process: string | null;
  ageSource?: string;
}

/** `npm run pack:cli`'s tarball, installed with `npm install -g` into a clean prefix, as on a server. */
describe(
  'the CLI as an npm package a server installs',
  { skip: !canCreateNamespaces() && 'needs root and ip netns', timeout: 180_000 },
  () => {
    let prefix: string;
    let ns: TestNamespace;
    let holder: Started;
    const bin = () => path.join(prefix, 'bin', 'tcp-lens');
    const closeWaitRows = async (as: string[] = []) => {
      const r = await runToEnd([...ns.exec, ...as, bin(), 'list', '--state', 'close-wait', '--json'], 30_000);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Row[];
    };

    before(async () => {
      execFileSync('node', ['scripts/packCli.mjs'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      prefix = mkdtempSync(path.join(tmpdir(), 'tcplens-prefix-'));
      // Readable by the unprivileged user the systemd unit runs it as.
      chmodSync(prefix, 0o755);
      // A local tarball without dependencies: nothing is fetched.
      execFileSync(
        'npm',
        [
          'install',
          '-g',
          '--prefix',
          prefix,
          '--no-audit',
          '--no-fund',
          '--offline',
          path.join(REPO_ROOT, 'out', `tcp-lens-${version}.tgz`),
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      ns = createNamespace('clipkg');
      holder = await startJsonProcess([
        ...ns.exec,
        process.execPath,
        path.join(REPO_ROOT, 'test/helpers/closeWaitHolder.js'),
        String(HELD),
      ]);
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

    it('finds an unclosed socket with the installed binary (the analyzer ships as its own bundle)', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-leaks-'));
      try {
        const file = path.join(dir, 'client.py');
        writeFileSync(file, 'import socket\n\ndef send(data):\n    s = socket.create_connection(("127.0.0.1", 9))\n    s.sendall(data)\n');
        const r = await runToEnd([bin(), 'leaks', file], 30_000);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stdout, /client\.py:4:\d+: unclosed-socket/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("names another user's process as the owner with exactly the systemd unit's capabilities, and not without them", async () => {
      const unit = readFileSync(path.join(REPO_ROOT, 'packaging/tcp-lens-exporter.service'), 'utf8');
      const caps = /^AmbientCapabilities=(.*)$/m
        .exec(unit)![1]
        .split(/\s+/)
        .map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)
        .join(',');
      const asNobody = (ambient: string | undefined) => [
        'setpriv',
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        ...(ambient ? [`--inh-caps=${ambient}`, `--ambient-caps=${ambient}`] : []),
      ];
      const withCaps = await closeWaitRows(asNobody(caps));
      assert.equal(withCaps.length, HELD);
      for (const row of withCaps) assert.deepEqual([row.pid, row.process], [holder.hello.pid, 'node'], caps);
      const without = await closeWaitRows(asNobody(undefined));
      assert.equal(without.length, HELD);
      for (const row of without) assert.deepEqual([row.pid, row.process], [null, null], "root's process named without the capabilities");
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
  },
);
