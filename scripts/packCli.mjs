// `npm run pack:cli`: the command-line tool alone as an npm tarball a server installs with
// `npm install -g ./tcp-lens-<version>.tgz` (no dependencies: the bundle has everything).
// It carries the sock_diag addon where `npm run build` made one (the CLI falls back to /proc
// without it), the tree-sitter grammars for `tcp-lens leaks`, and the exporter's systemd unit.
// Assumes `npm run build` ran.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const STAGE = 'out/cli-package';
const root = JSON.parse(readFileSync('package.json', 'utf8'));

rmSync(STAGE, { recursive: true, force: true });
mkdirSync(path.join(STAGE, 'dist'), { recursive: true });
if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: run npm run build first');
for (const bundle of ['cli.js', 'cli-leaks.js']) cpSync(`dist/${bundle}`, path.join(STAGE, 'dist', bundle));
cpSync('dist/wasm', path.join(STAGE, 'dist/wasm'), { recursive: true });
const addon = existsSync('dist/sockdiag.node');
if (addon) cpSync('dist/sockdiag.node', path.join(STAGE, 'dist/sockdiag.node'));
cpSync('packaging/tcp-lens-exporter.service', path.join(STAGE, 'tcp-lens-exporter.service'));
cpSync('LICENSE', path.join(STAGE, 'LICENSE'));
writeFileSync(
  path.join(STAGE, 'README.md'),
  `# tcp-lens (command line)\n\nThe command line of TCP Lens: TCP connection states of this machine or an SSH host, stuck CLOSE_WAIT sockets per process, a Prometheus exporter and the fleet view.\n\n    tcp-lens counts\n    tcp-lens list --state close-wait\n    tcp-lens watch --interval 2\n    tcp-lens exporter --listen 127.0.0.1:9465\n    tcp-lens fleet --prometheus http://127.0.0.1:9090\n\nSee \`tcp-lens --help\`. \`tcp-lens-exporter.service\` is a systemd unit for the exporter.\n`,
);
writeFileSync(
  path.join(STAGE, 'package.json'),
  `${JSON.stringify(
    {
      name: root.name,
      version: root.version,
      description: 'TCP connection states, stuck CLOSE_WAIT sockets per process, and a Prometheus exporter: the command line of TCP Lens.',
      license: root.license,
      bin: { 'tcp-lens': 'dist/cli.js' },
      engines: { node: '>=20' },
      os: ['linux', 'darwin', 'win32', 'freebsd'],
      files: ['dist', 'tcp-lens-exporter.service', 'README.md', 'LICENSE'],
    },
    null,
    2,
  )}\n`,
);
const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', path.resolve('out')], { cwd: STAGE, encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
console.log(`out/${name}${addon ? ' (with the sock_diag addon)' : ' (no sock_diag addon: reads /proc)'}`);
