// A refresh cancelled after its snapshot was taken (the user pressed Refresh, the view came back)
// loses nothing: the collector has already counted its changes from that snapshot, and the next
// sample must still mark the sockets that arrived before it as new, once. Real loopback sockets;
// the cancel is timed by aborting the moment the real collector's snapshot resolves, a window a
// user's click hits only by chance.
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { loadSockDiag } from '../../src/core/linux/sockDiag';
import type { Collector, Snapshot, SnapshotOptions } from '../../src/core/model';
import { Sampler, type Sample } from '../../src/core/sampling/sampler';
import { REPO_ROOT } from '../helpers/child';

const addon = loadSockDiag(path.join(REPO_ROOT, 'dist/sockdiag.node'));

/** The real collector, with the refresh aborted as soon as a snapshot is in hand. */
function abortingAfterSnapshot(collector: Collector, controller: { current?: AbortController }): Collector {
  return {
    get host() {
      return collector.host;
    },
    get capabilities() {
      return collector.capabilities;
    },
    counts: (signal) => collector.counts(signal),
    dispose: () => collector.dispose(),
    async snapshot(signal?: AbortSignal, options?: SnapshotOptions): Promise<Snapshot> {
      const snapshot = await collector.snapshot(signal, options);
      controller.current?.abort();
      return snapshot;
    },
  };
}

async function connectPair(server: net.Server, port: number): Promise<net.Socket[]> {
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  return [client, await accepted];
}

for (const via of ['sock_diag', '/proc'] as const) {
  describe(
    `a refresh cancelled after its snapshot (${via})`,
    { skip: process.platform !== 'linux' || (via === 'sock_diag' && !addon && 'dist/sockdiag.node not built') },
    () => {
      const sockets: net.Socket[] = [];
      const server = net.createServer();
      after(() => {
        for (const s of sockets) s.destroy();
        server.close();
      });

      it('loses nothing: the next sample marks the sockets that came before it new, once', async () => {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const port = (server.address() as net.AddressInfo).port;
        const controller: { current?: AbortController } = {};
        const collector = new LocalCollector({ sockDiag: via === '/proc' ? false : addon });
        const sampler = new Sampler(abortingAfterSnapshot(collector, controller), DEFAULT_ALERT_SETTINGS);
        assert.ok(await sampler.take('full'), 'a first sample to diff against');
        sockets.push(...(await connectPair(server, port)), ...(await connectPair(server, port)));
        const ours = new Set(sockets.map((s) => s.localPort));
        const addedOfOurs = (sample: Sample | undefined) =>
          [...(sample?.full?.diff.added ?? [])].filter((c) => c.localAddress === '127.0.0.1' && ours.has(c.localPort)).length;

        controller.current = new AbortController();
        const cancelled = await sampler.take('full', controller.current.signal);
        assert.ok(controller.current.signal.aborted, 'the refresh was cancelled while the sample was taken');
        controller.current = undefined;
        const next = await sampler.take('full');
        const after = await sampler.take('full');
        assert.equal(addedOfOurs(cancelled) + addedOfOurs(next), 4, 'both ends of the two new connections are marked new');
        assert.equal(addedOfOurs(after), 0, 'and not a second time');
        collector.dispose();
      });
    },
  );
}
