import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNamespace, linkNamespace, type TestNamespace } from './netns';

/** Config aliases the generated ssh_config offers, one per situation the tests need. */
export const SSH_HOSTS = {
  good: 'tcplens-ns',
  refusedKey: 'tcplens-refused-key',
  wrongPort: 'tcplens-wrong-port',
  unknown: 'tcplens-unknown',
  silent: 'tcplens-silent',
  /** Answers like a Windows OpenSSH server once startFakeWindows() ran (port 2223). */
  windows: 'tcplens-windows',
} as const;

export interface TestSshd {
  ns: TestNamespace;
  /** The namespace side of the veth pair: where sshd listens. */
  address: string;
  port: number;
  /** An ssh_config for `ssh -F`, with its own keys and known_hosts. */
  configFile: string;
  dir: string;
  /** Kills sshd and every session it forked, as a crash or reboot would. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * Starts a second sshd (same keys, port 2223) whose ForceCommand acts as a Windows host's
   * cmd.exe: `netstat -ano` prints `netstatFile` with CRLF line ends, anything else (the `sh`
   * the collector asks for first) is "not recognized". A real ssh transport with canned output:
   * no Windows machine can run here.
   */
  startFakeWindows(netstatFile: string): Promise<void>;
  remove(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const PORT = 2222;
const WINDOWS_PORT = 2223;

function keygen(file: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tcp-lens-test', '-f', file]);
}

async function waitForPort(address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: address, port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${address}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts Debian's sshd inside a new network namespace reachable over a veth pair, with a fresh
 * host key, a client key it accepts and one it refuses. Everything lives in a temp folder and
 * the namespace; remove() deletes both, and must be called in a finally/after hook.
 */
export async function startTestSshd(tag: string): Promise<TestSshd> {
  const ns = createNamespace(tag);
  const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-sshd-'));
  let hostAddress: string;
  let address: string;
  let sshd: ChildProcess | undefined;
  let silent: net.Server | undefined;

  const stop = async () => {
    const pids = execFileSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd') process.kill(Number(pid), 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    if (sshd && sshd.exitCode === null && sshd.signalCode === null) await once(sshd, 'exit');
    sshd = undefined;
  };
  const remove = async () => {
    await stop().catch(() => undefined);
    silent?.close();
    ns.remove();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // 10.213/16: apart from the other test hosts' link (10.214/16) in the same test process.
    ({ hostAddress, address } = linkNamespace(ns, 0, 213));

    const hostKey = path.join(dir, 'host_key');
    const clientKey = path.join(dir, 'client_key');
    const otherKey = path.join(dir, 'other_key');
    for (const k of [hostKey, clientKey, otherKey]) keygen(k);
    writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
    const [keyType, keyData] = readFileSync(`${hostKey}.pub`, 'utf8').split(' ');
    writeFileSync(
      path.join(dir, 'known_hosts'),
      `[${address}]:${PORT} ${keyType} ${keyData}\n[${address}]:${WINDOWS_PORT} ${keyType} ${keyData}\n`,
    );
    writeFileSync(
      path.join(dir, 'sshd_config'),
      [
        `ListenAddress ${address}:${PORT}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The temp folder is not owned the way StrictModes wants a home directory to be.
        'StrictModes no',
        'PrintMotd no',
        '',
      ].join('\n'),
    );

    // A listener that accepts and never speaks: a real banner-exchange timeout.
    silent = net.createServer(() => undefined);
    silent.listen(0, hostAddress);
    await once(silent, 'listening');
    const silentPort = (silent.address() as net.AddressInfo).port;

    const block = (alias: string, lines: string[]) => [`Host ${alias}`, ...lines.map((l) => `  ${l}`)];
    writeFileSync(
      path.join(dir, 'ssh_config'),
      [
        ...block(SSH_HOSTS.good, [`HostName ${address}`, `Port ${PORT}`, 'User root', `IdentityFile ${clientKey}`]),
        ...block(SSH_HOSTS.refusedKey, [`HostName ${address}`, `Port ${PORT}`, 'User root', `IdentityFile ${otherKey}`]),
        ...block(SSH_HOSTS.wrongPort, [`HostName ${address}`, `Port ${PORT + 1}`, 'User root', `IdentityFile ${clientKey}`]),
        ...block(SSH_HOSTS.unknown, ['HostName no-such-host.invalid', 'User root', `IdentityFile ${clientKey}`]),
        ...block(SSH_HOSTS.silent, [`HostName ${hostAddress}`, `Port ${silentPort}`, 'User root', `IdentityFile ${clientKey}`]),
        ...block(SSH_HOSTS.windows, [`HostName ${address}`, `Port ${WINDOWS_PORT}`, 'User root', `IdentityFile ${clientKey}`]),
        // Only the test's keys and known_hosts: never the machine's agent or ~/.ssh.
        ...block('*', [
          'IdentitiesOnly yes',
          'IdentityAgent none',
          `UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
          'GlobalKnownHostsFile /dev/null',
          'StrictHostKeyChecking yes',
        ]),
        '',
      ].join('\n'),
    );

    mkdirSync('/run/sshd', { recursive: true });
    const launch = async (config: string, port: number): Promise<ChildProcess> => {
      const child = spawn('ip', [...ns.exec.slice(1), SSHD, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr!.on('data', (d) => (log += d));
      try {
        await waitForPort(address, port, 10_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}: ${log}`, { cause: err });
      }
      return child;
    };
    const start = async () => {
      sshd = await launch(path.join(dir, 'sshd_config'), PORT);
    };
    const startFakeWindows = async (netstatFile: string) => {
      const canned = path.join(dir, 'netstat-ano.txt');
      writeFileSync(canned, readFileSync(netstatFile, 'utf8').replace(/\r?\n/g, '\r\n'));
      const command = path.join(dir, 'fake-cmd.sh');
      writeFileSync(
        command,
        [
          '#!/bin/sh',
          '# cmd.exe as far as TCP Lens can tell: only netstat -ano is a known command.',
          'case "$SSH_ORIGINAL_COMMAND" in',
          `'netstat -ano') cat '${canned}' ;;`,
          `*) printf "'%s' is not recognized as an internal or external command,\\r\\noperable program or batch file.\\r\\n" "\${SSH_ORIGINAL_COMMAND%% *}" >&2; exit 1 ;;`,
          'esac',
          '',
        ].join('\n'),
        { mode: 0o755 },
      );
      const config = path.join(dir, 'sshd_config_windows');
      writeFileSync(
        config,
        readFileSync(path.join(dir, 'sshd_config'), 'utf8')
          .replace(`ListenAddress ${address}:${PORT}`, `ListenAddress ${address}:${WINDOWS_PORT}`)
          .replace(`PidFile ${path.join(dir, 'sshd.pid')}`, `PidFile ${path.join(dir, 'sshd-windows.pid')}`) + `ForceCommand ${command}\n`,
      );
      await launch(config, WINDOWS_PORT);
    };
    await start();
    return { ns, address, port: PORT, configFile: path.join(dir, 'ssh_config'), dir, stop, start, startFakeWindows, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
