import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Connection, Snapshot } from '../../src/core/model';
import { parseHostString } from '../../src/core/ssh/hostString';
import { SshCollector } from '../../src/core/ssh/sshCollector';
import { REPO_ROOT, tsNode } from '../helpers/child';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../helpers/netns';
import { runToEnd, startJsonProcess, type Started } from '../helpers/processes';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../helpers/sshd';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const ADDON = path.join(REPO_ROOT, 'dist/sockdiag.node');
const LEAKY = path.join(REPO_ROOT, 'test/fixtures/leaky/leaky-server.js');
const noNamespaces = !canCreateNamespaces() && 'needs root and ip netns';

interface Line {
  type: string;
  kind?: string;
  pid?: number;
  process?: string;
  stuck?: number;
  oldestSeconds?: number;
  ports?: number[];
  counts?: Record<string, number>;
}

/** What test/helpers/halfCloseChild.ts made, and when it sent the FINs (epoch ms). */
interface HalfClosed {
  pid: number;
  port: number;
  closeWaitFinAt: number;
  closeWait: number;
  timeWaitFinAt: number;
  timeWait: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `watch --json` in the namespace while `during` drives sockets; returns its lines. */
async function watchJson(ns: TestNamespace, args: string[], during: () => Promise<void>): Promise<Line[]> {
  const watch = runToEnd([...ns.exec, process.execPath, CLI, 'watch', '--json', '--interval', '0.5', ...args], 60_000);
  await sleep(1000); // sampling before the sockets appear: a rise from nothing is what used to alert
  await during();
  const { code, stdout, stderr } = await watch;
  assert.equal(code, 0, stderr);
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

describe('leak verdicts from stuck CLOSE_WAIT sockets (CLI watch in a namespace)', { skip: noNamespaces, timeout: 120_000 }, () => {
  let ns: TestNamespace;
  before(() => {
    ns = createNamespace('stuck');
  });
  after(() => ns?.remove());

  it('a steady leak of 20 sockets: exactly one close-wait-stuck alert naming its pid; the idle pool beside it is never named', async () => {
    const leaky = await startJsonProcess([...ns.exec, process.execPath, LEAKY]);
    let pool: Started | undefined;
    try {
      const port = leaky.hello.port as number;
      const lines = await watchJson(ns, ['--duration', '10', '--stuck-after', '4'], async () => {
        pool = await startJsonProcess([...ns.exec, ...tsNode('idlePoolChild.ts', '5', '2000', '8')]);
        const fins = await runToEnd([...ns.exec, ...tsNode('finTogether.ts', String(port), '20')], 30_000);
        assert.equal(fins.code, 0, fins.stderr);
      });
      const samples = lines.filter((l) => l.type === 'sample');
      assert.ok(samples.at(-1)!.counts!.CLOSE_WAIT >= 20 + 20, `the pool churns beside the leak: ${JSON.stringify(samples.at(-1))}`);
      const alerts = lines.filter((l) => l.type === 'alert');
      const stuck = alerts.filter((l) => l.kind === 'close-wait-stuck');
      assert.equal(stuck.length, 1, JSON.stringify(alerts));
      assert.deepEqual([stuck[0].pid, stuck[0].process, stuck[0].stuck, stuck[0].ports], [leaky.hello.pid, 'node', 20, [port]]);
      assert.ok(stuck[0].oldestSeconds! >= 4 && stuck[0].oldestSeconds! < 10, `oldest ${stuck[0].oldestSeconds}`);
      assert.ok(!alerts.some((l) => l.pid === pool!.hello.pid), JSON.stringify(alerts));
    } finally {
      await pool?.stop();
      await leaky.stop();
    }
  });

  it('an idle pool churning hundreds of CLOSE_WAIT sockets, each closed after 2 s, raises nothing at the default threshold', async () => {
    let pool: Started | undefined;
    try {
      const lines = await watchJson(ns, ['--duration', '9'], async () => {
        pool = await startJsonProcess([...ns.exec, ...tsNode('idlePoolChild.ts', '5', '2000', '7')]);
      });
      const peak = Math.max(...lines.filter((l) => l.type === 'sample').map((l) => l.counts!.CLOSE_WAIT));
      assert.ok(peak >= 60, `the pool held up to ${peak} CLOSE_WAIT sockets at once`);
      assert.deepEqual(
        lines.filter((l) => l.type === 'alert'),
        [],
      );
    } finally {
      await pool?.stop();
    }
  });
});

describe(
  'socket ages, local (sock_diag and /proc text)',
  { skip: noNamespaces || (!existsSync(ADDON) && 'dist/sockdiag.node not built'), timeout: 60_000 },
  () => {
    let ns: TestNamespace;
    let child: Started;
    let made: HalfClosed;
    let tables: { diag: Snapshot; proc1: Snapshot; proc2: Snapshot };
    before(async () => {
      ns = createNamespace('ages');
      child = await startJsonProcess([...ns.exec, ...tsNode('halfCloseChild.ts')]);
      made = child.hello as unknown as HalfClosed;
      await sleep(2500);
      const { code, stdout, stderr } = await runToEnd([...ns.exec, ...tsNode('agesTables.ts', ADDON, '1500')], 30_000);
      assert.equal(code, 0, stderr);
      tables = JSON.parse(stdout) as typeof tables;
    });
    after(async () => {
      await child?.stop();
      ns?.remove();
    });

    const find = (s: Snapshot, state: string, localPort: number) =>
      s.connections.find((c) => c.state === state && c.localPort === localPort)!;
    const elapsed = (s: Snapshot, since: number) => (new Date(s.takenAt).getTime() - since) / 1000;

    it('sock_diag dates CLOSE_WAIT, FIN_WAIT2 and TIME_WAIT within 1 s of the FIN the test made', () => {
      const cases: [Connection, number][] = [
        [find(tables.diag, 'CLOSE_WAIT', made.port), made.closeWaitFinAt],
        [find(tables.diag, 'FIN_WAIT2', made.closeWait), made.closeWaitFinAt],
        [find(tables.diag, 'TIME_WAIT', made.timeWait), made.timeWaitFinAt],
      ];
      for (const [c, finAt] of cases) {
        assert.equal(c.ageSource, 'kernel', c.state);
        assert.ok(
          Math.abs(c.ageSeconds! - elapsed(tables.diag, finAt)) <= 1,
          `${c.state}: ${c.ageSeconds} s vs ${elapsed(tables.diag, finAt)} s since the FIN`,
        );
        assert.ok(c.ageSeconds! >= 2, `${c.state}: ${c.ageSeconds}`);
      }
      assert.equal(find(tables.diag, 'LISTEN', made.port).ageSource, 'observed', 'no kernel age for a listener');
    });

    it('/proc text: TIME_WAIT from its timer; the rest observed, lower bounds since the first look', () => {
      const tw = find(tables.proc1, 'TIME_WAIT', made.timeWait);
      assert.equal(tw.ageSource, 'kernel');
      assert.ok(Math.abs(tw.ageSeconds! - elapsed(tables.proc1, made.timeWaitFinAt)) <= 1, `TIME_WAIT ${tw.ageSeconds}`);
      const first = find(tables.proc1, 'CLOSE_WAIT', made.port);
      assert.deepEqual([first.ageSeconds, first.ageSource, first.ageIsLowerBound], [0, 'observed', true]);
      const second = find(tables.proc2, 'CLOSE_WAIT', made.port);
      assert.equal(second.ageSource, 'observed');
      assert.equal(second.ageIsLowerBound, true);
      assert.ok(Math.abs(second.ageSeconds! - 1.5) < 0.5, `observed ${second.ageSeconds} s across a 1.5 s gap`);
    });

    it('list --json rows carry the age; the table shows it; --stuck-after keeps only stuck CLOSE_WAIT', async () => {
      const json = await runToEnd([...ns.exec, process.execPath, CLI, 'list', '--json', '--state', 'close-wait'], 30_000);
      assert.equal(json.code, 0, json.stderr);
      const rows = JSON.parse(json.stdout) as { localPort: number; ageSeconds: number; ageSource: string; pid: number }[];
      assert.deepEqual(
        rows.map((r) => [r.localPort, r.ageSource, r.pid]),
        [[made.port, 'kernel', made.pid]],
      );
      assert.ok(rows[0].ageSeconds >= 2.5, String(rows[0].ageSeconds));
      const table = await runToEnd([...ns.exec, process.execPath, CLI, 'list', '--state', 'CLOSE_WAIT'], 30_000);
      assert.match(table.stdout, /^STATE\s+AGE\s+LOCAL\s+REMOTE\s+PROCESS\nCLOSE_WAIT\s+\d+s\s+127\.0\.0\.1:\d+/);
      const stuck = await runToEnd([...ns.exec, process.execPath, CLI, 'list', '--json', '--stuck-after', '3600'], 30_000);
      assert.deepEqual(JSON.parse(stuck.stdout), []);
    });
  },
);

describe(
  'socket ages over SSH (observed, TIME_WAIT from the remote timer)',
  { skip: noNamespaces || (!existsSync('/usr/sbin/sshd') && 'needs openssh-server'), timeout: 120_000 },
  () => {
    let sshd: TestSshd;
    const children: Started[] = [];
    let collector: SshCollector;
    before(async () => {
      sshd = await startTestSshd('sshages');
      collector = new SshCollector(parseHostString(SSH_HOSTS.good), { configFile: sshd.configFile, connectTimeoutSec: 5 });
    });
    after(async () => {
      collector?.dispose();
      for (const c of children) await c.stop();
      await sshd?.remove();
    });

    it('marks ages as observed: lower bounds at the first look, exact for sockets that appeared since', async () => {
      children.push(await startJsonProcess([...sshd.ns.exec, ...tsNode('halfCloseChild.ts')]));
      const old = children[0].hello as unknown as HalfClosed;
      const cw = (s: Snapshot, port: number) => s.connections.find((c) => c.state === 'CLOSE_WAIT' && c.localPort === port)!;
      const first = await collector.snapshot();
      assert.deepEqual(
        [cw(first, old.port).ageSeconds, cw(first, old.port).ageSource, cw(first, old.port).ageIsLowerBound],
        [0, 'observed', true],
      );
      const tw = first.connections.find((c) => c.state === 'TIME_WAIT' && c.localPort === old.timeWait)!;
      assert.equal(tw.ageSource, 'kernel', 'TIME_WAIT carries the remote kernel timer');
      children.push(await startJsonProcess([...sshd.ns.exec, ...tsNode('halfCloseChild.ts')]));
      const fresh = children[1].hello as unknown as HalfClosed;
      const second = await collector.snapshot();
      assert.deepEqual([cw(second, fresh.port).ageSeconds, cw(second, fresh.port).ageIsLowerBound], [0, false], 'new since the last look');
      await sleep(1500);
      const third = await collector.snapshot();
      const oldRow = cw(third, old.port);
      const freshRow = cw(third, fresh.port);
      assert.equal(oldRow.ageIsLowerBound, true);
      assert.deepEqual([freshRow.ageSource, freshRow.ageIsLowerBound], ['observed', false]);
      assert.ok(
        Math.abs(freshRow.ageSeconds! - (third.takenAt.getTime() - second.takenAt.getTime()) / 1000) < 0.01,
        String(freshRow.ageSeconds),
      );
      assert.ok(freshRow.ageSeconds! >= 1.5 && oldRow.ageSeconds! > freshRow.ageSeconds!, `${freshRow.ageSeconds} vs ${oldRow.ageSeconds}`);
    });
  },
);
