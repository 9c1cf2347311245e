import type { Connection } from './model';

/** A duration as people read it in a tree row: "45 s", "12 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
  }
  const h = Math.floor((s % 86_400) / 3600);
  return `${Math.floor(s / 86_400)} d${h ? ` ${h} h` : ''}`;
}

/**
 * How long the socket has been in its state ("12 min", "≥ 4 min"), or undefined when unknown.
 * `coarse` words the first minute as "< 1 min": a tree row's text then changes once a minute,
 * not on every refresh (each change re-renders the row and closes its tooltip).
 */
export function ageText(c: Pick<Connection, 'ageSeconds' | 'ageIsLowerBound'>, coarse = false): string | undefined {
  if (c.ageSeconds === undefined || !Number.isFinite(c.ageSeconds)) return undefined;
  if (coarse && c.ageSeconds < 60) return c.ageIsLowerBound ? 'seen < 1 min' : '< 1 min';
  return `${c.ageIsLowerBound ? '≥ ' : ''}${formatDuration(c.ageSeconds)}`;
}

/**
 * One sentence on what the age means for this state, for a tooltip: what the kernel's clock
 * measures (since the peer's FIN or last segment, the TIME_WAIT timer) or that TCP Lens only saw it that long.
 */
export function ageSentence(c: Pick<Connection, 'state' | 'ageSeconds' | 'ageSource' | 'ageIsLowerBound'>): string | undefined {
  const age = ageText(c);
  if (age === undefined) return undefined;
  if (c.ageSource !== 'kernel') {
    const seen = `seen in ${c.state} for ${c.ageIsLowerBound ? 'at least ' : ''}${formatDuration(c.ageSeconds ?? 0)}`;
    const why = c.ageIsLowerBound ? ' (it was already there when TCP Lens first looked)' : ' (since TCP Lens first saw it there)';
    return c.state === 'CLOSE_WAIT' ? `${seen}${why}: the peer closed its side; this process has not called close()` : `${seen}${why}`;
  }
  switch (c.state) {
    // The kernel's figure is the time since the peer's last segment, read when the row is new and
    // then counted on by the clock. The segment that moved the socket into these states came from
    // the peer, so the figure never exceeds the time in the state; in CLOSE_WAIT the peer, having
    // sent its FIN, sends nothing more unless this process writes to it.
    case 'CLOSE_WAIT':
      return `in CLOSE_WAIT for ${age} (since the peer's FIN): it closed its side; this process has not called close()`;
    case 'TIME_WAIT':
      return `closed ${age} ago; the kernel frees it after 60 s`;
    case 'LAST_ACK':
    case 'FIN_WAIT2':
    case 'CLOSING':
      return `in ${c.state} for at least ${age}`;
    default:
      return `in ${c.state} for ${age}`;
  }
}

/**
 * A table cell: "45s", "12m", "3h", "2d", and "≥ 4m" for an observed lower bound. A lower bound
 * under a second says nothing (a socket seen once) and is "-", as is an unknown age.
 */
export function formatAgeCell(seconds: number | undefined, lowerBound = false): string {
  if (seconds === undefined || (lowerBound && seconds < 1)) return '-';
  const s = Math.floor(seconds);
  const text =
    s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86_400)}d`;
  return lowerBound ? `≥ ${text}` : text;
}
