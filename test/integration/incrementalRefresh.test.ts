// A refresh works on what changed since the last one (issue 17): sockets that stay keep their
// row and owner, new ones are attributed (also where a closed socket's descriptor number was
// reused), closed ones leave. Checked against what the holding process itself says it holds.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { loadSockDiag } from '../../src/core/linux/sockDiag';
import type { Connection } from '../../src/core/model';
import { Sampler } from '../../src/core/sampling/sampler';
import { REPO_ROOT, tsNode } from '../helpers/child';
import { startJsonProcess, type Started } from '../helpers/processes';

const linuxSkip = process.platform !== 'linux' && 'needs Linux /proc';
// `npm run test:integration` builds it; from the sources it is not beside the collector.
const addon = loadSockDiag(path.join(REPO_ROOT, 'dist/sockdiag.node'));

interface Holding {
  pid: number;
  port: number;
  clientPorts: number[];
  done?: string;
}

async function replace(started: Started, n: number, round: number): Promise<Holding> {
  started.child.stdin!.write(`replace ${n}\n`);
  for (let i = 0; i < 500; i++) {
    const lines = started
      .output()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Holding);
    const done = lines.filter((l) => l.done === `replace ${n}`);
    if (done.length >= round) return done[round - 1];
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the holder did not answer');
}

/** The holder's connections as the sample shows them: both ends, by client port. */
function ownRows(rows: readonly Connection[], h: Holding): Connection[] {
  return rows.filter(
    (c) =>
      c.state === 'ESTABLISHED' &&
      ((c.localPort === h.port && h.clientPorts.includes(c.remotePort)) ||
        (c.remotePort === h.port && h.clientPorts.includes(c.localPort))),
  );
}

for (const via of ['sock_diag', '/proc'] as const) {
  describe(`incremental refresh (${via})`, { skip: linuxSkip || (via === 'sock_diag' && !addon && 'dist/sockdiag.node not built') }, () => {
    const holders: Started[] = [];
    after(async () => {
      for (const h of holders) await h.stop();
    });

    it('attributes every new socket to its process and keeps the rows of those that stay', async () => {
      const started = await startJsonProcess(tsNode('churnHolderChild.ts', '30'));
      holders.push(started);
      let holding = started.hello as unknown as Holding;
      const sampler = new Sampler(new LocalCollector({ sockDiag: via === '/proc' ? false : addon }), DEFAULT_ALERT_SETTINGS);
      let sample = await sampler.take('full');
      let before = ownRows(sample!.full!.snapshot.connections, holding);
      assert.equal(before.length, 60, 'both ends of 30 connections');
      for (let round = 1; round <= 4; round++) {
        const previousPorts = holding.clientPorts;
        holding = await replace(started, 5, round);
        sample = await sampler.take('full');
        const { snapshot, diff } = sample!.full!;
        if (via === 'sock_diag') assert.ok(snapshot.changes, 'the collector kept its rows and says what changed');
        const now = ownRows(snapshot.connections, holding);
        assert.equal(now.length, 60, `round ${round}: both ends of the 30 connections held now`);
        const wrong = now.filter((c) => c.owner !== 'known' || c.pid !== holding.pid);
        assert.deepEqual(
          wrong.map((c) => `${c.localPort}->${c.remotePort} ${c.owner} ${c.pid}`),
          [],
          `round ${round}: every socket owned by the holder`,
        );
        const fresh = now.filter((c) => !previousPorts.includes(c.localPort === holding.port ? c.remotePort : c.localPort));
        assert.equal(fresh.length, 10, 'five new connections, two ends each');
        assert.ok(
          fresh.every((c) => diff.added.has(c)),
          'the new ones are marked new',
        );
        const stayed = now.filter((c) => !fresh.includes(c));
        assert.ok(
          stayed.every((c) => before.includes(c)),
          'the ones that stayed are the same rows as before',
        );
        assert.ok(
          stayed.every((c) => !diff.added.has(c)),
          'and not marked new',
        );
        const closed = before.filter((c) => !now.includes(c));
        assert.equal(closed.length, 10);
        assert.ok(
          closed.every((c) => diff.removed.includes(c)),
          'the closed ones are listed as closed once',
        );
        before = now;
      }
    });
  });
}
