// Which row actions the Connections view's context menu offers, from the shown host's collector:
// package.json's `when` clauses evaluated with the context keys the view sets and the rows'
// contextValue, both as the code makes them.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Collector, Connection } from '../../src/core/model';
import { LOCAL_HOST_ID } from '../../src/core/model';
import { openCollector } from '../../src/core/openCollector';
import { capabilityContext, connectionContextValue } from '../../src/views/menuContext';
import { evaluateWhen } from '../helpers/whenClause';

const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
  contributes: { menus: { 'view/item/context': { command: string; when: string }[] } };
};

const row = (over: Partial<Connection> = {}): Connection => ({
  family: 'IPv4',
  localAddress: '127.0.0.1',
  localPort: 8080,
  remoteAddress: '127.0.0.1',
  remotePort: 52100,
  state: 'CLOSE_WAIT',
  sendQueue: 0,
  receiveQueue: 0,
  uid: 1000,
  inode: 4711,
  owner: 'known',
  pid: 4242,
  process: 'node',
  ...over,
});

/** The commands a right-click on this row offers while `collector`'s host is shown. */
function offered(collector: Collector, c: Connection, closed = false): string[] {
  const context = new Map<string, string | boolean>([
    ...capabilityContext(collector.capabilities),
    ['view', 'tcpLens.connections'],
    ['viewItem', connectionContextValue(c, closed)],
  ]);
  const commands = manifest.contributes.menus['view/item/context'].filter((m) => evaluateWhen(m.when, context)).map((m) => m.command);
  return [...new Set(commands)].sort();
}

const READ_ONLY = ['tcpLens.copyConnection', 'tcpLens.copySsFilter'];
const ALL = [...READ_ONLY, 'tcpLens.closeConnection', 'tcpLens.killProcess', 'tcpLens.revealProcessCwd'].sort();

describe("row actions follow the collector's capabilities", () => {
  it('this Linux machine: close, terminate and reveal on an owned row', () => {
    const local = openCollector(LOCAL_HOST_ID, { platform: 'linux' });
    assert.deepEqual(offered(local, row()), ALL);
    // What the rows themselves rule out stays ruled out.
    assert.deepEqual(offered(local, row({ state: 'TIME_WAIT', pid: undefined, owner: 'kernel', inode: 0 })), READ_ONLY);
    assert.deepEqual(offered(local, row({ pid: undefined, owner: 'hidden' })), [...READ_ONLY, 'tcpLens.closeConnection'].sort());
    assert.deepEqual(offered(local, row(), true), READ_ONLY, 'a closed row offers nothing to act on');
  });

  it('an SSH host offers no Close or Terminate on its rows, before and after it says what it runs', () => {
    const remote = openCollector('deploy@web1:2222');
    assert.deepEqual(offered(remote, row()), READ_ONLY);
    remote.host.platform = 'linux';
    assert.equal(remote.capabilities.processAttribution, true, 'a Linux host names its processes');
    assert.deepEqual(offered(remote, row()), READ_ONLY);
    remote.dispose();
  });

  for (const platform of ['darwin', 'win32'] as const) {
    it(`this ${platform} machine (netstat) names processes but offers no action on them`, () => {
      const local = openCollector(LOCAL_HOST_ID, { platform });
      assert.equal(local.capabilities.processAttribution, true);
      assert.deepEqual(offered(local, row()), READ_ONLY);
    });
  }

  it('every capability key the menus test is one the view sets', () => {
    const keys = new Set(capabilityContext(openCollector(LOCAL_HOST_ID, { platform: 'linux' }).capabilities).keys());
    const tested = manifest.contributes.menus['view/item/context'].flatMap((m) =>
      [...m.when.matchAll(/\btcpLens\.host\.\w+/g)].map((k) => k[0]),
    );
    assert.ok(tested.length >= 3, 'Close, Terminate and Reveal test a capability');
    for (const key of tested) assert.ok(keys.has(key), key);
  });
});
