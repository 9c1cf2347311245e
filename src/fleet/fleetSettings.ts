import * as vscode from 'vscode';
import { setting } from '../config/config';
import type { PrometheusAuth } from '../core/prometheus/client';

const SECRET_KEY = 'tcpLens.prometheus.secret';

export type AuthKind = PrometheusAuth['kind'];

export interface FleetSettings {
  url: string;
  authKind: AuthKind;
  user: string;
  refreshSeconds: number;
  /** Prometheus instance (or its host part) → the SSH host "Open Live" switches to. */
  sshHosts: Record<string, string>;
}

export function readFleetSettings(): FleetSettings {
  const authKind = setting('tcpLens.prometheus.auth');
  const hosts: Record<string, unknown> = setting('tcpLens.prometheus.sshHosts');
  return {
    url: setting('tcpLens.prometheus.url').trim(),
    authKind: authKind === 'bearer' || authKind === 'basic' ? authKind : 'none',
    user: setting('tcpLens.prometheus.user'),
    refreshSeconds: setting('tcpLens.prometheus.refreshInterval'),
    sshHosts: Object.fromEntries(Object.entries(hosts).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
}

/** The token or password lives in VS Code's SecretStorage (the OS keychain), never in settings. */
export async function readAuth(secrets: vscode.SecretStorage, settings: FleetSettings): Promise<PrometheusAuth> {
  if (settings.authKind === 'none') return { kind: 'none' };
  const secret = (await secrets.get(SECRET_KEY)) ?? '';
  return settings.authKind === 'bearer' ? { kind: 'bearer', token: secret } : { kind: 'basic', user: settings.user, password: secret };
}

/** "TCP Lens: Set Prometheus Credentials…": asks for the token or password and stores it. */
export async function askForSecret(secrets: vscode.SecretStorage): Promise<boolean> {
  const settings = readFleetSettings();
  if (settings.authKind === 'none') {
    const choice = await vscode.window.showInformationMessage(
      'TCP Lens: tcpLens.prometheus.auth is "none". Set it to "bearer" or "basic" first.',
      'Open Settings',
    );
    if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'tcpLens.prometheus');
    return false;
  }
  const secret = await vscode.window.showInputBox({
    title:
      settings.authKind === 'bearer'
        ? 'Prometheus bearer token'
        : `Prometheus password for ${settings.user || '(set tcpLens.prometheus.user)'}`,
    password: true,
    ignoreFocusOut: true,
    prompt: "Kept in VS Code's secret storage, never in settings.",
  });
  if (secret === undefined) return false;
  await secrets.store(SECRET_KEY, secret);
  return true;
}
