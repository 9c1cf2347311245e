// `npm run demo`: the packaged extension in a real VS Code in the browser, on this machine.
// Builds and installs the .vsix into code-server, starts the sample workspace's leaky server
// so CLOSE_WAIT has something to show, and serves the workbench on 127.0.0.1 only.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, SAMPLE_WORKSPACE, installVsix, packageHostVsix, startCodeServer } from './codeServer';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.TCP_LENS_DEMO_PORT ?? '8080' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`demo: --port must be a TCP port (1-65535), not "${values.port}"`);
  process.exit(2);
}

/** Resolves when the sample server prints that it listens on `port`; rejects if it exits first (port taken). */
function listening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`the sample server did not start on 127.0.0.1:${port} within 10 s`)), 10_000);
    // Read on after the start (so the pipe never fills), keeping nothing.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (started) return;
      output += chunk.toString();
      if (output.includes(`listening on 127.0.0.1:${port}`)) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += started ? '' : chunk.toString()));
    child.once('exit', () => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`the sample server could not listen on 127.0.0.1:${port} (${output.trim() || 'it exited'}); pick another port with --port`));
    });
  });
}

async function main(): Promise<void> {
  // code-server compiles native modules at install: on a fresh machine its Debian deps come first.
  if (spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'debianDeps.sh'), 'demo'], { stdio: 'inherit' }).status !== 0) {
    throw new Error('the Debian packages code-server needs are missing (see above)');
  }
  const vsix = packageHostVsix();
  const demoDir = path.join(REPO_ROOT, '.e2e-cache', 'demo');
  const extensionsDir = path.join(demoDir, 'extensions');
  fs.rmSync(extensionsDir, { recursive: true, force: true });
  installVsix(vsix, extensionsDir);

  // A few half-closed connections to the sample server: CLOSE_WAIT on its side, FIN_WAIT2 on ours.
  // Only once our own server.js says it listens: never to whatever else holds that port.
  const leakyPort = port + 1;
  const leaky = spawn(process.execPath, [path.join(SAMPLE_WORKSPACE, 'server.js'), String(leakyPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await listening(leaky, leakyPort);
  const clients: net.Socket[] = [];
  for (let i = 0; i < 5; i++) {
    const c = net.connect({ host: '127.0.0.1', port: leakyPort, allowHalfOpen: true }, () => c.end());
    c.on('error', () => undefined);
    clients.push(c);
  }
  console.log(`The sample server (test/e2e/workspace/server.js) listens on 127.0.0.1:${leakyPort} (pid ${leaky.pid}) and holds 5 sockets in CLOSE_WAIT.`);

  const server = await startCodeServer({
    port,
    userDataDir: path.join(demoDir, 'user-data'),
    extensionsDir,
    folder: SAMPLE_WORKSPACE,
    settings: { 'workbench.startupEditor': 'readme' },
  });
  console.log(`\nTCP Lens demo: open ${server.url}/?folder=${encodeURIComponent(SAMPLE_WORKSPACE)}`);
  console.log('Click the TCP Lens icon in the activity bar. Ctrl-C stops the demo.\n');
  const stop = async () => {
    for (const c of clients) c.destroy();
    leaky.kill();
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
