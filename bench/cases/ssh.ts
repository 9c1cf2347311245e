import { startFarm } from '../farm/farm';
import { defaultMix } from '../farm/mix';
import { summarize } from '../measure/stats';
import { formatMs } from '../report/format';
import type { FeatureCase } from './types';

const REMOTE_SOCKETS = 10_000;

/**
 * A farm of 10,000 sockets in the namespace of a real sshd (the SSH tests' helper), read by
 * the SSH collector over one persistent session, as a live refresh does.
 */
export const sshCase: FeatureCase = {
  id: 'ssh-refresh',
  label: `SSH per-refresh latency and bytes at ${REMOTE_SOCKETS.toLocaleString('en-US')} remote sockets (persistent session)`,
  feature: 'SSH collector (src/core/ssh)',
  landedWith: 'src/core/ssh/sshCollector.ts',
  target: 'stated; remote CPU comparable to `ss -tan`',
  async measure(runs) {
    const { startTestSshd, SSH_HOSTS } = await import('../../test/helpers/sshd');
    const { SshCollector } = await import('../../src/core/ssh/sshCollector');
    const { parseHostString } = await import('../../src/core/ssh/hostString');
    const { processCpuMs, ssTanCpuMs } = await import('../../test/helpers/remoteCpu');
    const sshd = await startTestSshd('benchssh');
    try {
      const farm = await startFarm(
        sshd.ns,
        { ...defaultMix(REMOTE_SOCKETS), newPerSecond: 0 },
        { lifetimeMs: 5 * 60_000, readyTimeoutMs: 120_000 },
      );
      const collector = new SshCollector(parseHostString(SSH_HOSTS.good), { configFile: sshd.configFile, connectTimeoutSec: 10 });
      try {
        await collector.connect();
        const kinds = [
          ['counts', () => collector.counts()],
          ['snapshot', () => collector.snapshot()],
          ['snapshot + processes', () => collector.snapshot(undefined, { processes: true })],
        ] as const;
        const parts: string[] = [];
        for (const [name, refresh] of kinds) {
          const latencies: number[] = [];
          let bytes = 0;
          let cpuBefore = 0;
          for (let i = 0; i <= runs; i++) {
            await refresh();
            // The remote shell's own CPU and its children's (cat, ls, awk): what the host pays.
            if (i === 0) cpuBefore = processCpuMs(collector.remoteShellPid!);
            if (i === 0 || !collector.lastRefresh) continue; // the first warms the remote side
            latencies.push(collector.lastRefresh.latencyMs);
            bytes = collector.lastRefresh.bytes;
          }
          const cpu = (processCpuMs(collector.remoteShellPid!) - cpuBefore) / Math.max(1, runs);
          parts.push(`${name}: ${formatMs(summarize(latencies))}, ${(bytes / 1024).toFixed(1)} KiB, remote CPU ${cpu.toFixed(1)} ms`);
        }
        parts.push(`\`ss -tan\` there: ${ssTanCpuMs(sshd.ns, Math.max(5, runs)).toFixed(1)} ms CPU`);
        return {
          value: parts.join('; '),
          pass: true,
          note: "latency from request to parsed answer, over a veth pair to the namespace; bytes as received; remote CPU per refresh from the shell loop's /proc stat (10 ms ticks); owners are cached per session, the farm's churn makes new sockets in old processes each refresh",
        };
      } finally {
        collector.dispose();
        await farm.stop();
      }
    } finally {
      await sshd.remove();
    }
  },
};
