import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import { clampConnectTimeout, type SshOptions } from '../core/ssh/sshCommand';

/** The tcpLens.ssh.* settings as SshOptions (askpass added by the caller). */
export function readSshSettings(): SshOptions {
  const config = vscode.workspace.getConfiguration('tcpLens.ssh');
  const configFile = config.get<string>('configFile', '').trim();
  return {
    sshPath: config.get<string>('path', '').trim() || undefined,
    // ~ as OpenSSH reads it: from the password database, not $HOME.
    configFile: configFile ? configFile.replace(/^~(?=\/)/, userInfo().homedir) : undefined,
    connectTimeoutSec: clampConnectTimeout(config.get<number>('connectTimeout')),
  };
}

export function affectsSshSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('tcpLens.ssh');
}
