import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Modes of test/helpers/fakeSsh.mjs, given as the host: see that file. */
export type FakeSshMode = 'ok' | 'stall' | 'flood' | 'marker-flood' | 'desync' | 'control' | 'nogfind';

export interface FakeSsh {
  /** An executable to give as the ssh program (SshOptions.sshPath, TCP_LENS_SSH). */
  program: string;
  /** Environment for a CLI run: the fake as its ssh, and where the fake reports. */
  env: NodeJS.ProcessEnv;
  /** The `control` mode's switch: what the next requests get (`ok`, `stall`). */
  setMode(mode: 'ok' | 'stall'): void;
  /** The pid the fake wrote when it reached `event` (`stalled`, `flooding`), if it did. */
  pidAt(event: 'stalled' | 'flooding'): number | undefined;
  remove(): void;
}

const SCRIPT = path.join(__dirname, 'fakeSsh.mjs');

export function makeFakeSsh(): FakeSsh {
  const dir = mkdtempSync(path.join(tmpdir(), 'tcplens-fakessh-'));
  const program = path.join(dir, 'ssh');
  // exec: the ssh child the client starts is the fake itself, as it would be ssh.
  writeFileSync(program, `#!/bin/sh\nexec '${process.execPath}' '${SCRIPT}' "$@"\n`);
  chmodSync(program, 0o755);
  const control = path.join(dir, 'control');
  writeFileSync(control, 'ok');
  const env = { ...process.env, TCP_LENS_SSH: program, TCPLENS_FAKE_STATE: dir, TCPLENS_FAKE_CONTROL: control };
  return {
    program,
    env,
    setMode: (mode) => writeFileSync(control, mode),
    pidAt: (event) => (existsSync(path.join(dir, event)) ? Number(readFileSync(path.join(dir, event), 'utf8')) : undefined),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether a process still exists (and is not a zombie waiting for its parent). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
