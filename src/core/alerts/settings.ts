import type { TcpStateName } from '../model';
import { isTcpStateName } from '../model';
import type { ThresholdLimit } from './types';
import { DEFAULT_ALERT_SETTINGS } from './types';

function wholeNumber(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

/**
 * Validates `tcpLens.alerts.thresholds` as a user may have typed it, state by state: a bad entry
 * keeps its default and is named in the returned problems, so one typo never disables every
 * alert; `null` removes a default.
 */
export function readThresholds(raw: unknown): { thresholds: Partial<Record<TcpStateName, ThresholdLimit>>; problems: string[] } {
  const problems: string[] = [];
  const thresholds: Partial<Record<TcpStateName, ThresholdLimit>> = { ...DEFAULT_ALERT_SETTINGS.thresholds };
  if (raw === undefined) return { thresholds, problems };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { thresholds, problems: ['tcpLens.alerts.thresholds must be an object like {"CLOSE_WAIT": {"count": 100}}'] };
  }
  for (const [state, limit] of Object.entries(raw as Record<string, unknown>)) {
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
  return { thresholds, problems };
}
