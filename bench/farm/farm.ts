import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { countConnections, ParseWarnings } from '../../src/core/linux/procNetTcp';
import type { StateCounts } from '../../src/core/model';
import { emptyCounts } from '../../src/core/model';
import type { TestNamespace } from '../../test/helpers/netns';
import { startJsonProcess, type Started } from '../../test/helpers/processes';
import { expectedCounts, planChildren, type FarmMix } from './mix';

export interface Farm {
  mix: FarmMix;
  expected: ReturnType<typeof expectedCounts>;
  /** Counts read from the namespace once the farm was ready. */
  reached: StateCounts;
  pids: number[];
  /** Per-state counts in the farm's namespace, read through /proc/PID/net of a child. */
  counts(): Promise<StateCounts>;
  stop(): Promise<void>;
}

export interface FarmOptions {
  /** Hard lifetime of every child: it exits then even if nobody stops it. */
  lifetimeMs: number;
  /** How long to wait for the mix to be reached. */
  readyTimeoutMs?: number;
}

const CHILD = path.join(__dirname, 'farmChild.ts');
const RAISED_FDS = 65536;

/** prlimit lifts the descriptor limit where allowed (CAP_SYS_RESOURCE); plans stay under 20,000 anyway. */
function canRaiseFdLimit(): boolean {
  try {
    execFileSync('prlimit', [`--nofile=${RAISED_FDS}:${RAISED_FDS}`, '--', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Kernel settings of the farm's namespace (they are per namespace, the host is untouched):
 * TIME_WAIT capped at the wanted count so churn holds it exactly there, a short FIN_WAIT2
 * timeout so the closed peers of CLOSE_WAIT sockets leave the table, and a wide port range.
 */
function tuneNamespace(ns: TestNamespace, mix: FarmMix): void {
  const settings = [`net.ipv4.tcp_max_tw_buckets=${mix.timeWait}`, 'net.ipv4.tcp_fin_timeout=1', 'net.ipv4.ip_local_port_range=1024 65000'];
  for (const setting of settings) execFileSync(ns.exec[0], [...ns.exec.slice(1), 'sysctl', '-q', '-w', setting]);
}

/** Starts the farm processes inside `ns` and resolves once the namespace holds the mix. */
export async function startFarm(ns: TestNamespace, mix: FarmMix, options: FarmOptions): Promise<Farm> {
  tuneNamespace(ns, mix);
  const plans = planChildren(mix, options.lifetimeMs);
  const expected = expectedCounts(mix, plans);
  // Sockets already in the namespace (an sshd's listener) stay and are expected too.
  const before = countsIn(ns);
  for (const state of Object.keys(expected) as (keyof typeof expected)[]) expected[state] += before[state];
  const children: Started[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop()));
  };
  try {
    const setupTimeout = options.readyTimeoutMs ?? 120_000;
    const started = plans.map((plan) => {
      const limit = canRaiseFdLimit() ? ['prlimit', `--nofile=${RAISED_FDS}:${RAISED_FDS}`, '--'] : [];
      const argv = [...ns.exec, ...limit, process.execPath, '--import', 'tsx', CHILD, JSON.stringify(plan)];
      return startJsonProcess(argv, setupTimeout).then((c) => {
        children.push(c);
        return c;
      });
    });
    const settled = await Promise.allSettled(started);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const pids = children.map((c) => c.hello.pid as number);
    const collector = new LocalCollector({ procRoot: `/proc/${pids[0]}` });
    const counts = async (): Promise<StateCounts> => (await collector.counts()).counts;
    const reached = await waitForMix(counts, expected, options.readyTimeoutMs ?? 120_000);
    return { mix, expected, reached, pids, counts, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function countsIn(ns: TestNamespace): StateCounts {
  const counts = emptyCounts();
  for (const [table, family] of [
    ['/proc/net/tcp', 'IPv4'],
    ['/proc/net/tcp6', 'IPv6'],
  ] as const) {
    const text = execFileSync(ns.exec[0], [...ns.exec.slice(1), 'cat', table]);
    countConnections(text, text.length, counts, new ParseWarnings(), true, family);
  }
  return counts;
}

/** The mix is reached when held states are exact and TIME_WAIT is at its cap. */
function isReached(counts: StateCounts, expected: Farm['expected']): boolean {
  return (
    counts.LISTEN === expected.LISTEN &&
    // Under churn a few of 10,000 CLOSE_WAIT pairs can stay ESTABLISHED for minutes (seen once at
    // 100k: 9,996); the report counts the table as measured, so a shortfall of 0.1 % is no reason to fail.
    counts.CLOSE_WAIT >= expected.CLOSE_WAIT - Math.floor(expected.CLOSE_WAIT / 1000) &&
    counts.ESTABLISHED >= expected.ESTABLISHED &&
    counts.TIME_WAIT >= Math.floor(expected.TIME_WAIT * 0.99)
  );
}

async function waitForMix(counts: () => Promise<StateCounts>, expected: Farm['expected'], timeoutMs: number): Promise<StateCounts> {
  const deadline = Date.now() + timeoutMs;
  let last = await counts();
  while (!isReached(last, expected)) {
    if (Date.now() > deadline) {
      throw new Error(
        `socket farm did not reach its mix in ${timeoutMs} ms: wanted ${JSON.stringify(expected)}, have ${JSON.stringify(last)}`,
      );
    }
    await sleep(250);
    last = await counts();
  }
  return last;
}
