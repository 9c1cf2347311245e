/** An unattended window samples this many times less often. */
export const UNATTENDED_SLOWDOWN = 5;
/** A hidden view's counts (status bar, history) are taken this many times less often. */
export const HIDDEN_SLOWDOWN = 5;
/** While the view is hidden, every Nth refresh still attributes processes, so leak alerts work. */
export const HIDDEN_PROCESS_EVERY = 5;
/** After this long with no window focused or in use, no refresh walks processes any more. */
export const STOP_FULL_AFTER_MS = 10 * 60_000;

/** What the refresh loop knows when it decides the next refresh. */
export interface CadenceState {
  viewVisible: boolean;
  /** Something (the lenses) asked for processes at the next refresh. */
  processesWanted: boolean;
  /** tcpLens.alerts.watchProcessesWhileHidden */
  watchHidden: boolean;
  /** A window is focused or was used recently (vscode.window.state.focused / .active). */
  attended: boolean;
  /** How long no window has been attended (0 while one is). */
  unattendedForMs: number;
  /** Refreshes taken while hidden or unattended, this one included. */
  quietTick: number;
}

/**
 * Whether a refresh takes the table with processes ('full') or counts only. Someone looking at
 * the view gets full refreshes; a hidden view or a window nobody uses gets counts, with a full
 * one every few refreshes so leak alerts still see processes, and none at all once nobody has
 * used a window for a while (a browser tab of code-server closed: the extension host lives on).
 */
export function refreshKind(s: CadenceState): 'full' | 'counts' {
  if (s.processesWanted) return 'full';
  if (s.attended && s.viewVisible) return 'full';
  if (!s.attended && s.unattendedForMs >= STOP_FULL_AFTER_MS) return 'counts';
  return s.watchHidden && s.quietTick % HIDDEN_PROCESS_EVERY === 0 ? 'full' : 'counts';
}

/**
 * Time to the next refresh: the interval while someone looks at the view, slower while it is
 * hidden and slower still when nobody uses the window, stretched by a costly refresh.
 */
export function refreshDelayMs(intervalMs: number, attended: boolean, viewShown: boolean, lastCostMs: number): number {
  const wait = !attended ? intervalMs * UNATTENDED_SLOWDOWN : viewShown ? intervalMs : intervalMs * HIDDEN_SLOWDOWN;
  // A refresh that costs more than a quarter of the interval stretches the interval.
  return Math.max(wait, lastCostMs * 4);
}
