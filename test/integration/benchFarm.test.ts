import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { startFarm, type Farm } from '../../bench/farm/farm';
import { defaultMix } from '../../bench/farm/mix';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../helpers/netns';

describe('benchmark socket farm', { skip: !canCreateNamespaces() && 'needs root, Linux and iproute2' }, () => {
  let ns: TestNamespace | undefined;
  let farm: Farm | undefined;
  after(async () => {
    await farm?.stop();
    ns?.remove();
  });

  it('holds the requested mix in its own namespace and leaves nothing behind', async () => {
    ns = createNamespace('benchfarm');
    const mix = defaultMix(500);
    assert.deepEqual([mix.closeWait, mix.timeWait], [50, 75]);
    farm = await startFarm(ns, mix, { lifetimeMs: 60_000, readyTimeoutMs: 30_000 });

    // TIME_WAIT is kept by churn; sample twice, 2 s apart, to see it stay at its cap.
    for (let i = 0; i < 2; i++) {
      const counts = await farm.counts();
      assert.equal(counts.LISTEN, farm.expected.LISTEN);
      // The namespace's tcp_max_tw_buckets caps TIME_WAIT at the wanted count; a churn socket
      // still in FIN_WAIT2 holds one of those buckets for a moment.
      assert.ok(counts.TIME_WAIT >= mix.timeWait - 2 && counts.TIME_WAIT + counts.FIN_WAIT2 <= mix.timeWait, `TIME_WAIT ${counts.TIME_WAIT}`);
      // A churn connection (two a second here) passes through ESTABLISHED and CLOSE_WAIT for a
      // moment: a sample may catch one or two, never more.
      const established = 2 * (mix.establishedPairs + mix.establishedPairs6);
      assert.ok(counts.ESTABLISHED >= established && counts.ESTABLISHED <= established + 4, `ESTABLISHED ${counts.ESTABLISHED}`);
      assert.ok(counts.CLOSE_WAIT >= mix.closeWait && counts.CLOSE_WAIT <= mix.closeWait + 2, `CLOSE_WAIT ${counts.CLOSE_WAIT}`);
      assert.ok(counts.SYN_SENT + counts.SYN_RECV + counts.FIN_WAIT1 + counts.FIN_WAIT2 + counts.LAST_ACK <= 2);
      await new Promise((r) => setTimeout(r, 2000));
    }

    // The host's own table has none of the farm's addresses: the namespace kept them apart.
    const host = await new LocalCollector().snapshot();
    assert.ok(!host.connections.some((c) => /^127\.(1[6-9]|[2-9]\d)\./.test(c.localAddress)));

    const { pids } = farm;
    await farm.stop();
    farm = undefined;
    ns.remove();
    for (const pid of pids) assert.ok(!existsSync(`/proc/${pid}`), `farm process ${pid} still runs`);
    assert.ok(!execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(ns.name));
    ns = undefined;
  });
});
