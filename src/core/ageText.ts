/** "45 s", "12 min", "3 h 5 min": how long, in words a notification or tooltip can use. */
export function formatSeconds(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/**
 * A table cell: "45s", "12m", "3h", "2d", and "≥ 4m" for an observed lower bound. A lower bound
 * under a second says nothing (a socket seen once) and is "-", as is an unknown age.
 */
export function formatAgeCell(seconds: number | undefined, lowerBound = false): string {
  if (seconds === undefined || (lowerBound && seconds < 1)) return '-';
  const s = Math.floor(seconds);
  const text = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m` : s < 86_400 ? `${Math.floor(s / 3600)}h` : `${Math.floor(s / 86_400)}d`;
  return lowerBound ? `≥ ${text}` : text;
}
