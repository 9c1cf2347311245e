import type { Alert } from '../core/alerts/types';
import type { HistoryMarker } from '../core/history/types';

/** The chart's marker for an alert: a threshold crossing, or the start of a leak episode. */
export function markerOfAlert(alert: Alert): HistoryMarker {
  const t = alert.at.getTime();
  switch (alert.kind) {
    case 'threshold':
      return {
        t,
        kind: 'threshold',
        state: alert.state,
        label: alert.crossed === 'count' ? `${alert.state} ≥ ${alert.limit}` : `${alert.state} +${Math.round(alert.growthPerMinute)}/min`,
      };
    case 'close-wait-stuck':
      return { t, kind: 'leak', state: 'CLOSE_WAIT', label: `leak: ${alert.process} (${alert.pid}) ${alert.stuck} stuck` };
    case 'close-wait-growth':
      return { t, kind: 'leak', state: 'CLOSE_WAIT', label: `leak: ${alert.process} (${alert.pid})` };
    case 'fd-limit':
      return { t, kind: 'leak', state: 'CLOSE_WAIT', label: `fds: ${alert.process} (${alert.pid}) ${alert.openFds}/${alert.fdLimit}` };
  }
}
