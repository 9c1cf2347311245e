import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startFarm, type Farm } from '../../bench/farm/farm';
import { defaultMix } from '../../bench/farm/mix';
import { parseHostString } from '../../src/core/ssh/hostString';
import { SshCollector } from '../../src/core/ssh/sshCollector';
import { SshSession } from '../../src/core/ssh/sshSession';
import { canCreateNamespaces } from '../helpers/netns';
import { CPU_TICK_MS, processCpuMs, ssTanCpuMs } from '../helpers/remoteCpu';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../helpers/sshd';

const SOCKETS = Number(process.env.TCP_LENS_SSH_COST_SOCKETS) || 5000;
const RUNS = 20;
const skip = !canCreateNamespaces() ? 'needs root and ip netns' : !existsSync('/usr/sbin/sshd') ? 'needs openssh-server' : false;

interface Cost {
  latencyMs: number;
  bytes: number;
  remoteCpuMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (name: string, c: Cost) =>
  `${name.padEnd(44)} ${c.latencyMs.toFixed(1).padStart(8)} ms ${(c.bytes / 1024).toFixed(1).padStart(9)} KiB ${c.remoteCpuMs.toFixed(1).padStart(7)} ms CPU`;

/** Runs `refresh` RUNS times; latency and bytes are medians, CPU the remote shell's mean. */
async function measure(shellPid: number, refresh: () => Promise<{ latencyMs: number; bytes: number }>): Promise<Cost> {
  const latencies: number[] = [];
  const bytes: number[] = [];
  const cpuBefore = processCpuMs(shellPid);
  for (let i = 0; i < RUNS; i++) {
    const r = await refresh();
    latencies.push(r.latencyMs);
    bytes.push(r.bytes);
  }
  return { latencyMs: median(latencies), bytes: median(bytes), remoteCpuMs: (processCpuMs(shellPid) - cpuBefore) / RUNS };
}

describe(`SSH refresh cost at ${SOCKETS} remote sockets (real sshd, socket farm in its namespace)`, { skip, timeout: 300_000 }, () => {
  let sshd: TestSshd;
  let farm: Farm;
  const results = new Map<string, Cost>();

  before(async () => {
    sshd = await startTestSshd('sshcost');
    // No churn: a table that does not change shows what the cache saves; churn is the bench's case.
    farm = await startFarm(
      sshd.ns,
      { ...defaultMix(SOCKETS), timeWait: 0, newPerSecond: 0 },
      { lifetimeMs: 5 * 60_000, readyTimeoutMs: 120_000 },
    );
  });
  after(async () => {
    await farm?.stop();
    await sshd?.remove();
    if (results.size > 0) {
      console.log(`\nper refresh at ${SOCKETS} sockets, ${RUNS} runs (CPU resolution ${CPU_TICK_MS} ms per run total):`);
      for (const [name, cost] of results) console.log(row(name, cost));
    }
  });

  it('a refresh with owners costs less with the cache than the old full fd walk, in bytes, latency and remote CPU', async () => {
    const target = parseHostString(SSH_HOSTS.good);
    const options = { configFile: sshd.configFile, connectTimeoutSec: 10 };

    // Before: what every refresh with owners used to send, the tables and a walk of every process's fds.
    const session = await SshSession.open(target, options);
    try {
      results.set(
        'before: tables + full fd walk',
        await measure(session.hello!.shellPid, async () => {
          const bytes = session.bytesReceived;
          const started = performance.now();
          await session.request('f');
          await session.request('F');
          return { latencyMs: performance.now() - started, bytes: session.bytesReceived - bytes };
        }),
      );
    } finally {
      session.close();
    }

    const collector = new SshCollector(target, options);
    try {
      await collector.connect();
      const shellPid = collector.remoteShellPid!;
      await collector.snapshot(undefined, { processes: true });
      results.set(
        'after: snapshot with owners (cached)',
        await measure(shellPid, async () => {
          await collector.snapshot(undefined, { processes: true });
          assert.deepEqual(collector.lastAttribution, { pidsWalked: 0, fullWalks: 0, infosFetched: 0 });
          return collector.lastRefresh!;
        }),
      );
      results.set(
        'snapshot without owners (tables only)',
        await measure(shellPid, async () => {
          await collector.snapshot();
          return collector.lastRefresh!;
        }),
      );
      results.set(
        'counts (remote awk)',
        await measure(shellPid, async () => {
          await collector.counts();
          return collector.lastRefresh!;
        }),
      );
      // The machine is shared: CPU time per run drifts with load, so the comparison with
      // `ss -tan` alternates blocks of both rather than measuring them minutes apart.
      let cachedCpu = 0;
      let ssCpu = 0;
      for (let block = 0; block < 4; block++) {
        const before = processCpuMs(shellPid);
        for (let i = 0; i < RUNS / 4; i++) await collector.snapshot(undefined, { processes: true });
        cachedCpu += processCpuMs(shellPid) - before;
        ssCpu += ssTanCpuMs(sshd.ns, RUNS / 4) * (RUNS / 4);
      }
      results.set('`ss -tan` in the same namespace', { latencyMs: NaN, bytes: NaN, remoteCpuMs: ssCpu / RUNS });
      results.set('cached snapshot, alternating with ss -tan', { latencyMs: NaN, bytes: NaN, remoteCpuMs: cachedCpu / RUNS });
    } finally {
      collector.dispose();
    }

    const old = results.get('before: tables + full fd walk')!;
    const cached = results.get('after: snapshot with owners (cached)')!;
    // The fd walk sends only socket inodes, so bytes drop little; the tables are most of the answer.
    assert.ok(cached.bytes < old.bytes, `cached ${cached.bytes} B vs ${old.bytes} B`);
    assert.ok(cached.remoteCpuMs < old.remoteCpuMs, `cached ${cached.remoteCpuMs} ms vs ${old.remoteCpuMs} ms CPU`);
    const ss = results.get('`ss -tan` in the same namespace')!.remoteCpuMs;
    const alternating = results.get('cached snapshot, alternating with ss -tan')!.remoteCpuMs;
    console.log(`remote CPU per cached refresh / ss -tan: ${(alternating / ss).toFixed(2)}`);
    // "Comparable to ss -tan": the same order, with room for the 10 ms clock tick.
    assert.ok(alternating <= 3 * ss + CPU_TICK_MS, `cached refresh ${alternating} ms CPU vs ss -tan ${ss} ms`);
  });
});
