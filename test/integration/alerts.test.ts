import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TimeWaitAttributor } from '../../src/core/timeWaitOwners';
import { closeConnection } from '../../src/core/linux/closeConnection';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { REPO_ROOT, tsNode } from '../helpers/child';
import { canCreateNamespaces, createNamespace, type TestNamespace } from '../helpers/netns';
import { runToEnd, startJsonProcess, type Started } from '../helpers/processes';
import net from 'node:net';
import { once } from 'node:events';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const LEAKY = path.join(REPO_ROOT, 'test/fixtures/leaky');

interface Line {
  type: string;
  kind?: string;
  pid?: number;
  process?: string;
  state?: string;
  count?: number;
  counts?: Record<string, number>;
}

/**
 * Runs a leaky server inside a namespace of its own, drives clients at it, and watches it with
 * the CLI in the same namespace: the alerts can only come from this test's sockets.
 */
async function watchLeak(ns: TestNamespace, server: string[], clients: number, limitPrefix: string[] = []) {
  const leaky = await startJsonProcess([...ns.exec, ...limitPrefix, ...server]);
  try {
    const watch = runToEnd(
      [...ns.exec, process.execPath, CLI, 'watch', '--json', '--interval', '0.4', '--duration', '9', '--stuck-after', '3'],
      30_000,
    );
    await runToEnd([...ns.exec, ...tsNode('churnClient.ts', String(leaky.hello.port), String(clients), '120')], 30_000);
    const { code, stdout, stderr } = await watch;
    assert.equal(code, 0, stderr);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    return { lines, pid: leaky.hello.pid as number };
  } finally {
    await leaky.stop();
  }
}

describe('leak alerts on real leaky servers', { skip: !canCreateNamespaces() && 'needs root and ip netns' }, () => {
  let ns: TestNamespace;
  before(() => {
    ns = createNamespace('alerts');
  });
  after(() => ns?.remove());

  for (const [language, server, name] of [
    ['Node', [process.execPath, path.join(LEAKY, 'leaky-server.js')], 'node'],
    ['Python', ['python3', path.join(LEAKY, 'leaky_server.py')], 'python3'],
  ] as const) {
    it(`${language}: one close-wait-stuck alert naming the leaking process`, async () => {
      const { lines, pid } = await watchLeak(ns, [...server], 30);
      const samples = lines.filter((l) => l.type === 'sample');
      assert.ok(samples.length >= 5, `only ${samples.length} samples`);
      assert.ok(samples.at(-1)!.counts!.CLOSE_WAIT >= 25, JSON.stringify(samples.at(-1)));
      const alerts = lines.filter((l) => l.type === 'alert');
      const stuck = alerts.filter((l) => l.kind === 'close-wait-stuck');
      assert.equal(stuck.length, 1, JSON.stringify(alerts));
      assert.equal(stuck[0].pid, pid);
      assert.equal(stuck[0].process, name);
      assert.equal(stuck[0].state, 'CLOSE_WAIT');
      assert.ok(!alerts.some((l) => l.kind === 'close-wait-growth'), 'stuck sockets are the one leak verdict');
    });
  }

  it('warns once when a process nears its descriptor limit (ulimit -n 64)', async () => {
    const { lines, pid } = await watchLeak(ns, [process.execPath, path.join(LEAKY, 'leaky-server.js')], 45, [
      'prlimit',
      '--nofile=64:64',
      '--',
    ]);
    const fd = lines.filter((l) => l.type === 'alert' && l.kind === 'fd-limit');
    assert.equal(fd.length, 1, JSON.stringify(lines.filter((l) => l.type === 'alert')));
    assert.equal(fd[0].pid, pid);
    assert.match(JSON.stringify(fd[0]), /"fdLimit":64/);
  });
});

describe('closing a connection and naming TIME_WAIT causes', { skip: process.platform !== 'linux' && 'needs Linux' }, () => {
  let leaky: Started;
  before(async () => {
    leaky = await startJsonProcess([process.execPath, path.join(LEAKY, 'leaky-server.js')]);
  });
  after(() => leaky?.stop());

  it(
    'the close action really removes a CLOSE_WAIT socket from the kernel table',
    { skip: process.getuid?.() !== 0 && 'ss -K needs CAP_NET_ADMIN' },
    async () => {
      const port = leaky.hello.port as number;
      await runToEnd(tsNode('churnClient.ts', String(port), '2', '10'), 20_000);
      const collector = new LocalCollector();
      const find = async () => (await collector.snapshot()).connections.filter((c) => c.state === 'CLOSE_WAIT' && c.localPort === port);
      const before = await find();
      assert.equal(before.length, 2);
      const target = before[0];
      const sameTuple = (c: typeof target) => c.remotePort === target.remotePort && c.localPort === target.localPort;
      const result = await closeConnection(target, async () => (await find()).some(sameTuple));
      assert.deepEqual(result, { closed: true });
      const afterClose = await find();
      assert.equal(afterClose.length, 1);
      assert.ok(!afterClose.some(sameTuple));
    },
  );

  it('names the listener whose server closed first as the inferred owner of TIME_WAIT', async () => {
    // A server that closes every connection first leaves TIME_WAIT on its own port.
    const server = net.createServer((s) => s.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      for (let i = 0; i < 3; i++) {
        const c = net.connect(port, '127.0.0.1');
        c.on('end', () => c.end());
        await once(c, 'close');
      }
      const snapshot = await new LocalCollector().snapshot(undefined, { processes: true });
      new TimeWaitAttributor().annotate(snapshot.connections, [], snapshot.connections);
      const tw = snapshot.connections.filter((c) => c.state === 'TIME_WAIT' && c.localPort === port);
      assert.equal(tw.length, 3);
      for (const c of tw) {
        assert.equal(c.inferredOwner?.pid, process.pid);
        assert.equal(c.inferredOwner?.reason, `from :${port} — server closed first`);
      }
    } finally {
      server.close();
    }
  });
});
