import * as vscode from 'vscode';
import { readAlertSettings } from '../core/alerts/settings';
import type { AlertSettings } from '../core/alerts/types';
import { displayText } from '../core/displayText';

export const REFRESH_DEFAULT_S = 2;
const REFRESH_MIN_S = 0.5;
const REFRESH_MAX_S = 3600;

/** A numeric setting, checked against its range: out of range warns once and uses the default. */
export function numberSetting(section: string, key: string, fallback: number, min: number, max: number, warned: Set<string>): number {
  const value = vscode.workspace.getConfiguration(section).get<unknown>(key, fallback);
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
  const id = `${section}.${key}=${String(value)}`;
  if (!warned.has(id)) {
    warned.add(id);
    void vscode.window.showWarningMessage(`TCP Lens: ${section}.${key} must be a number from ${min} to ${max} (got ${JSON.stringify(value)}); using ${fallback}.`);
  }
  return fallback;
}

export function refreshIntervalMs(warned: Set<string>): number {
  return numberSetting('tcpLens', 'refreshInterval', REFRESH_DEFAULT_S, REFRESH_MIN_S, REFRESH_MAX_S, warned) * 1000;
}

export function affectsAlertSettings(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('tcpLens.alerts');
}

/** `tcpLens.alerts.*`, checked field by field: a bad value warns and falls back to its default. */
export function readAlertSettingsFromConfig(): AlertSettings {
  const config = vscode.workspace.getConfiguration('tcpLens.alerts');
  const { settings, problems } = readAlertSettings({
    thresholds: config.get('thresholds'),
    fdLimitRatio: config.get('fdLimitRatio'),
    closeWaitStuckSeconds: config.get('closeWaitStuckSeconds'),
  });
  if (problems.length > 0) void vscode.window.showWarningMessage(`TCP Lens settings: ${displayText(problems.join('; '))}. Using the defaults for those.`);
  return settings;
}
