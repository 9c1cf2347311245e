// Installs and starts code-server (VS Code 1.100.3, server + web workbench) for the e2e run
// and the demo. It lives in its own folder, not in the extension's dependencies.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const SAMPLE_WORKSPACE = path.join(REPO_ROOT, 'test', 'e2e', 'workspace');
export const CODE_SERVER_VERSION = '4.100.3';
const CACHE_DIR = path.join(REPO_ROOT, '.e2e-cache', `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER_BIN = path.join(CACHE_DIR, 'node_modules', '.bin', 'code-server');
const RIPGREP_ARCHIVE = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

function fail(message: string): never {
  throw new Error(`e2e setup: ${message}`);
}

/**
 * `@vscode/ripgrep` downloads its binary during install unless a cached archive exists;
 * Debian's rg packed the same way is accepted, which keeps the install offline.
 */
function seedRipgrepCache(): void {
  const dir = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = path.join(dir, RIPGREP_ARCHIVE);
  if (fs.existsSync(archive)) return;
  const rg = spawnSync('which', ['rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) fail('ripgrep is missing: apt-get install -y ripgrep (bash .ci/run installs it)');
  fs.mkdirSync(dir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-'));
  fs.copyFileSync(rg, path.join(staging, 'rg'));
  const tar = spawnSync('tar', ['-C', staging, '-czf', archive, 'rg'], { stdio: 'inherit' });
  fs.rmSync(staging, { recursive: true, force: true });
  if (tar.status !== 0) fail('could not pack rg for the ripgrep cache');
}

/**
 * `npm run package` for this machine's target only (the full run builds six .vsix files);
 * returns the package's path.
 */
export function packageHostVsix(): string {
  const target = `${process.platform}-${process.arch}`;
  const r = spawnSync('npm', ['run', '--silent', 'package', '--', '--target', target], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    timeout: 5 * 60_000,
  });
  if (r.status !== 0) fail(`npm run package -- --target ${target} failed (${r.status ?? r.signal})`);
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const vsix = path.join(REPO_ROOT, 'out', 'vsix', `tcp-lens-${target}-${version}.vsix`);
  if (!fs.existsSync(vsix)) fail(`npm run package did not produce ${vsix}`);
  return vsix;
}

/** Installs code-server once into .e2e-cache (about 75 s); later runs reuse it. */
export function ensureCodeServer(): string {
  if (fs.existsSync(CODE_SERVER_BIN)) return CODE_SERVER_BIN;
  seedRipgrepCache();
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  fs.writeFileSync(path.join(CACHE_DIR, 'package.json'), '{"private":true}\n');
  console.log(`Installing code-server ${CODE_SERVER_VERSION} into ${path.relative(REPO_ROOT, CACHE_DIR)} (once)…`);
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
    cwd: CACHE_DIR,
    stdio: 'inherit',
    timeout: 10 * 60_000,
    // Its postinstall refuses to run as root without unsafe-perm, and a nested `npx node-gyp` is cancelled without a TTY.
    env: { ...process.env, npm_config_unsafe_perm: 'true', npm_config_yes: 'true' },
  });
  if (install.status !== 0 || !fs.existsSync(CODE_SERVER_BIN)) {
    fs.rmSync(CACHE_DIR, { recursive: true, force: true });
    fail(
      'installing code-server failed; it needs libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config (bash .ci/run installs them)',
    );
  }
  return CODE_SERVER_BIN;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface CodeServerOptions {
  port: number;
  userDataDir: string;
  extensionsDir: string;
  folder: string;
  env?: NodeJS.ProcessEnv;
  /** User settings for this run (the tests turn off the welcome page and git prompts). */
  settings?: Record<string, unknown>;
  /** Inherit stdio (the demo) instead of collecting it for failure reports (tests). */
  inheritOutput?: boolean;
}

export interface RunningCodeServer {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** A calm workbench: no welcome page, no git or telemetry prompts over what we look at. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'git.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
};

/** Installs a .vsix into an extensions dir with code-server's own CLI. */
export function installVsix(vsix: string, extensionsDir: string): void {
  fs.mkdirSync(extensionsDir, { recursive: true });
  const r = spawnSync(ensureCodeServer(), ['--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) fail(`installing ${path.basename(vsix)} failed:\n${r.stdout}${r.stderr}`);
}

/** Starts code-server bound to loopback only and waits until it answers HTTP. */
export async function startCodeServer(o: CodeServerOptions): Promise<RunningCodeServer> {
  const bin = ensureCodeServer();
  const userDir = path.join(o.userDataDir, 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...o.settings }, null, 2));
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${o.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    o.userDataDir,
    '--extensions-dir',
    o.extensionsDir,
    o.folder,
  ];
  const child = spawn(bin, args, {
    env: { ...process.env, ...o.env },
    stdio: o.inheritOutput ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${o.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    // The whole process group: code-server forks the server and extension hosts.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`code-server exited with ${child.exitCode}:\n${output}`);
    if (await answers(url)) return { url, process: child, output: () => output, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  fail(`code-server did not answer on ${url} within 60 s:\n${output}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}
