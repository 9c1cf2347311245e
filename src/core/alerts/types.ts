import type { TcpStateName } from '../model';

export interface ThresholdLimit {
  /** Alert when the state's count reaches this. */
  count?: number;
  /** Alert when the count grows by this much per minute. */
  growthPerMinute?: number;
}

export interface AlertSettings {
  thresholds: Partial<Record<TcpStateName, ThresholdLimit>>;
  /** Share of the soft descriptor limit at which a process is warned about (0–1). */
  fdLimitRatio: number;
  /** Seconds in CLOSE_WAIT after which a socket is stuck: the leak verdict. */
  closeWaitStuckSeconds: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  thresholds: {
    CLOSE_WAIT: { count: 100, growthPerMinute: 30 },
    TIME_WAIT: { count: 5000, growthPerMinute: 2000 },
  },
  fdLimitRatio: 0.8,
  closeWaitStuckSeconds: 60,
};

interface AlertBase {
  at: Date;
  /** One sentence for a notification or a log line. */
  message: string;
}

export interface ThresholdAlert extends AlertBase {
  kind: 'threshold';
  state: TcpStateName;
  count: number;
  growthPerMinute: number;
  crossed: 'count' | 'growth';
  limit: number;
}

/**
 * No longer raised: a process whose CLOSE_WAIT count rose. Stuck sockets are the verdict now
 * (close-wait-stuck); the type stays so alert markers saved by earlier versions still read.
 */
export interface CloseWaitGrowthAlert extends AlertBase {
  kind: 'close-wait-growth';
  state: 'CLOSE_WAIT';
  pid: number;
  process: string;
  commandLine: string;
  count: number;
  growthPerMinute: number;
  /** Local ports of the process's CLOSE_WAIT sockets (which server leaks). */
  localPorts: number[];
}

/** A process holds CLOSE_WAIT sockets older than the stuck threshold: the leak verdict. */
export interface CloseWaitStuckAlert extends AlertBase {
  kind: 'close-wait-stuck';
  state: 'CLOSE_WAIT';
  pid: number;
  process: string;
  commandLine: string;
  /** Sockets of the process in CLOSE_WAIT for longer than the threshold. */
  stuck: number;
  /** Age of its oldest CLOSE_WAIT socket, in seconds. */
  oldestSeconds: number;
  /** Local ports of the stuck sockets (which server leaks). */
  localPorts: number[];
}

export interface FdLimitAlert extends AlertBase {
  kind: 'fd-limit';
  pid: number;
  process: string;
  commandLine: string;
  openFds: number;
  fdLimit: number;
  /** CLOSE_WAIT sockets the process holds. */
  count: number;
  state: 'CLOSE_WAIT';
}

export type Alert = ThresholdAlert | CloseWaitGrowthAlert | CloseWaitStuckAlert | FdLimitAlert;
