/** How many sockets of each kind the farm holds in its namespace. */
export interface FarmMix {
  /** Connection pairs kept open over IPv4: two ESTABLISHED sockets each. */
  establishedPairs: number;
  /** Pairs over ::1, so /proc/net/tcp6 is read and parsed too. */
  establishedPairs6: number;
  /** Server sides whose peer closed and went away: one CLOSE_WAIT socket each. */
  closeWait: number;
  /** TIME_WAIT sockets held by churn; the namespace's tcp_max_tw_buckets pins the count. */
  timeWait: number;
  /** Farm processes; each holds its share and listens on its own ports. */
  children: number;
  /**
   * Held connections replaced per second (a new pair opened, an old one closed): new sockets
   * that a refresh must attribute to a process, as on a server taking traffic.
   */
  newPerSecond: number;
}

/** What one farm child opens; passed to it as JSON. */
export interface ChildPlan {
  index: number;
  establishedPairs: number;
  establishedPairs6: number;
  closeWait: number;
  /** Churn connections per second: they fill TIME_WAIT up to its cap and replace what expires (60 s). */
  churnPerSecond: number;
  /** Held IPv4 pairs replaced per second (see {@link FarmMix.newPerSecond}). */
  replacePerSecond: number;
  /** Hard limit after which the child exits whatever happens. */
  lifetimeMs: number;
}

/** Descriptors one child may hold: below the common 20,000 hard limit, so prlimit is a bonus. */
const FDS_PER_CHILD = 15_000;
const TIME_WAIT_SECONDS = 60;
/** New connections per second in every benchmark farm (issue 17's "under churn"). */
export const NEW_CONNECTIONS_PER_SECOND = 20;

/**
 * The benchmark's default mix for `total` sockets in the table: 75 % ESTABLISHED (3 % of it over
 * IPv6), 10 % CLOSE_WAIT, 15 % TIME_WAIT, and two or three LISTEN sockets per child.
 */
export function defaultMix(total: number): FarmMix {
  const closeWait = Math.round(total * 0.1);
  const timeWait = Math.round(total * 0.15);
  const pairs = Math.floor((total - closeWait - timeWait) / 2);
  const establishedPairs6 = Math.round(pairs * 0.03);
  const fds = pairs * 2 + closeWait;
  return {
    establishedPairs: pairs - establishedPairs6,
    establishedPairs6,
    closeWait,
    timeWait,
    children: Math.max(2, Math.ceil(fds / FDS_PER_CHILD)),
    newPerSecond: NEW_CONNECTIONS_PER_SECOND,
  };
}

/** Listening sockets the farm opens: a holding and a churn server per child, plus one on ::1 where used. */
export function listenCount(plans: readonly ChildPlan[]): number {
  return plans.reduce((n, p) => n + 2 + (p.establishedPairs6 > 0 ? 1 : 0), 0);
}

/** Sockets the farm should show per state once it is ready. */
export function expectedCounts(
  mix: FarmMix,
  plans: readonly ChildPlan[],
): Record<'ESTABLISHED' | 'CLOSE_WAIT' | 'TIME_WAIT' | 'LISTEN', number> {
  return {
    ESTABLISHED: 2 * (mix.establishedPairs + mix.establishedPairs6),
    CLOSE_WAIT: mix.closeWait,
    TIME_WAIT: mix.timeWait,
    LISTEN: listenCount(plans),
  };
}

function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

/**
 * Splits a mix over its children. TIME_WAIT is filled by steady churn, never by a burst: sockets
 * made in one burst would expire in one burst 60 s later, and the count would collapse until
 * churn refilled it. Churn runs at twice the expiry rate (the cap is full after 30 s) and at
 * least fills the cap in 10 s for small farms.
 */
export function planChildren(mix: FarmMix, lifetimeMs: number): ChildPlan[] {
  const churn = Math.ceil(Math.max((mix.timeWait / TIME_WAIT_SECONDS) * 2, Math.min(mix.timeWait / 10, 200)));
  return Array.from({ length: mix.children }, (_, index) => ({
    index,
    establishedPairs: share(mix.establishedPairs, mix.children, index),
    establishedPairs6: share(mix.establishedPairs6, mix.children, index),
    closeWait: share(mix.closeWait, mix.children, index),
    churnPerSecond: Math.ceil(churn / mix.children),
    replacePerSecond: share(mix.newPerSecond, mix.children, index),
    lifetimeMs,
  }));
}
