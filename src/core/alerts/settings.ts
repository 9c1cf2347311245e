import type { TcpStateName } from '../model';
import { isTcpStateName } from '../model';
import type { AlertSettings, ThresholdLimit } from './types';
import { DEFAULT_ALERT_SETTINGS } from './types';

/** Raw values as a user may have typed them in settings.json. */
export interface RawAlertSettings {
  thresholds?: unknown;
  fdLimitRatio?: unknown;
  closeWaitStuckSeconds?: unknown;
}

function wholeNumber(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

/**
 * Validates user settings field by field: a bad value falls back to its default and is named in
 * the returned problems, so one typo never disables every alert.
 */
export function readAlertSettings(raw: RawAlertSettings): { settings: AlertSettings; problems: string[] } {
  const problems: string[] = [];
  const thresholds: Partial<Record<TcpStateName, ThresholdLimit>> = { ...DEFAULT_ALERT_SETTINGS.thresholds };
  if (raw.thresholds !== undefined) {
    if (typeof raw.thresholds !== 'object' || raw.thresholds === null || Array.isArray(raw.thresholds)) {
      problems.push('tcpLens.alerts.thresholds must be an object like {"CLOSE_WAIT": {"count": 100}}');
    } else {
      for (const [state, limit] of Object.entries(raw.thresholds as Record<string, unknown>)) {
        if (!isTcpStateName(state)) {
          problems.push(`tcpLens.alerts.thresholds: unknown state "${state}"`);
          continue;
        }
        const l = (limit ?? {}) as Record<string, unknown>;
        const count = l.count === undefined ? undefined : wholeNumber(l.count, 1, 10_000_000);
        const growth = l.growthPerMinute === undefined ? undefined : wholeNumber(l.growthPerMinute, 1, 10_000_000);
        if ((l.count !== undefined && count === undefined) || (l.growthPerMinute !== undefined && growth === undefined)) {
          problems.push(`tcpLens.alerts.thresholds.${state}: count and growthPerMinute must be whole numbers from 1 to 10000000`);
          continue;
        }
        if (limit === null) delete thresholds[state];
        else thresholds[state] = { count, growthPerMinute: growth };
      }
    }
  }
  let fdLimitRatio = DEFAULT_ALERT_SETTINGS.fdLimitRatio;
  if (raw.fdLimitRatio !== undefined) {
    const v = raw.fdLimitRatio;
    if (typeof v !== 'number' || !(v >= 0.1 && v <= 1)) problems.push('tcpLens.alerts.fdLimitRatio must be a number from 0.1 to 1');
    else fdLimitRatio = v;
  }
  let closeWaitStuckSeconds = DEFAULT_ALERT_SETTINGS.closeWaitStuckSeconds;
  if (raw.closeWaitStuckSeconds !== undefined) {
    const v = wholeNumber(raw.closeWaitStuckSeconds, 1, 86_400);
    if (v === undefined) problems.push('tcpLens.alerts.closeWaitStuckSeconds must be a whole number from 1 to 86400');
    else closeWaitStuckSeconds = v;
  }
  return { settings: { ...DEFAULT_ALERT_SETTINGS, thresholds, fdLimitRatio, closeWaitStuckSeconds }, problems };
}
