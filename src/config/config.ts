import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import { readThresholds } from '../core/alerts/settings';
import type { AlertSettings } from '../core/alerts/types';
import { DEFAULT_ALERT_SETTINGS } from '../core/alerts/types';
import { displayText } from '../core/displayText';
import type { SshOptions } from '../core/ssh/sshCommand';
import { checkSetting, SETTING_SCHEMAS, type SettingId, type SettingValue } from './schema';

/**
 * The extension's settings, in one place: typed getters whose defaults, types and ranges are
 * package.json's contributions, and one change event. (The language server pulls its
 * `tcpLens.leaks.*` itself, over LSP.)
 */

/** Values already warned about ("id=value"): a bad value warns once, not on every refresh. */
const warned = new Set<string>();

/**
 * A setting's value; one of the wrong type, out of range or not among its words warns once and
 * gives package.json's default instead.
 */
export function setting<K extends SettingId>(id: K): SettingValue<K> {
  const fallback = SETTING_SCHEMAS[id].default as SettingValue<K>;
  const value = vscode.workspace.getConfiguration().get<unknown>(id);
  if (value === undefined) return fallback;
  const checked = checkSetting(id, value);
  if ('value' in checked) return checked.value;
  const key = `${id}=${JSON.stringify(value)}`;
  if (!warned.has(key)) {
    warned.add(key);
    void vscode.window.showWarningMessage(`TCP Lens: ${displayText(checked.problem)}; using ${JSON.stringify(fallback)}.`);
  }
  return fallback;
}

/** Writes a setting for the user (all windows). */
export function updateSetting<K extends SettingId>(id: K, value: SettingValue<K>): Thenable<void> {
  return vscode.workspace.getConfiguration().update(id, value, vscode.ConfigurationTarget.Global);
}

/** `tcpLens.alerts`, `tcpLens.ssh`, …: the groups settings come in. */
export type SettingSection = SettingId extends infer Id
  ? Id extends `tcpLens.${infer Group}.${string}`
    ? `tcpLens.${Group}`
    : never
  : never;

export interface SettingsChange {
  /** Whether a setting, or any of a section, changed. */
  affects(idOrSection: SettingId | SettingSection): boolean;
}

/** The one change event: any `tcpLens.*` setting changed. */
export function onDidChangeSettings(
  listener: (change: SettingsChange) => void,
  thisArg: unknown,
  disposables: vscode.Disposable[],
): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(
    (e) => {
      if (e.affectsConfiguration('tcpLens')) listener.call(thisArg, { affects: (idOrSection) => e.affectsConfiguration(idOrSection) });
    },
    undefined,
    disposables,
  );
}

/** `tcpLens.alerts.*` for the detector; bad thresholds are named once and keep their defaults. */
export function alertSettings(): AlertSettings {
  const { thresholds, problems } = readThresholds(setting('tcpLens.alerts.thresholds'));
  const id = `thresholds=${JSON.stringify(problems)}`;
  if (problems.length > 0 && !warned.has(id)) {
    warned.add(id);
    void vscode.window.showWarningMessage(`TCP Lens settings: ${displayText(problems.join('; '))}. Using the defaults for those.`);
  }
  return {
    ...DEFAULT_ALERT_SETTINGS,
    thresholds,
    fdLimitRatio: setting('tcpLens.alerts.fdLimitRatio'),
    closeWaitStuckSeconds: setting('tcpLens.alerts.closeWaitStuckSeconds'),
  };
}

/** `tcpLens.ssh.*` as SshOptions (askpass added by the caller). */
export function sshSettings(): SshOptions {
  const configFile = setting('tcpLens.ssh.configFile').trim();
  return {
    sshPath: setting('tcpLens.ssh.path').trim() || undefined,
    // ~ as OpenSSH reads it: from the password database, not $HOME.
    configFile: configFile ? configFile.replace(/^~(?=\/)/, userInfo().homedir) : undefined,
    connectTimeoutSec: setting('tcpLens.ssh.connectTimeout'),
  };
}
