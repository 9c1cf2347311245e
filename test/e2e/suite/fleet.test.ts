import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { canCreateNamespaces } from '../../helpers/netns';
import { hasPrometheus, startNodeExporter, startPrometheus, type RunningPrometheus } from '../../helpers/prometheus';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { activateTcpLens, EXTENSION_ID, screenshot, waitFor } from './harnessLink';

const CLOSE_WAIT_SOCKETS = 3;

/** test/helpers/closeWaitHolder.js in the namespace: it keeps CLOSE_WAIT_SOCKETS sockets in CLOSE_WAIT. */
async function startCloseWaitHolder(prefix: string[]): Promise<ChildProcess> {
  const script = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'helpers', 'closeWaitHolder.js');
  const child = spawn(prefix[0], [...prefix.slice(1), process.execPath, script, String(CLOSE_WAIT_SOCKETS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  if (!line.toString().includes('"closeWait"')) throw new Error(`CLOSE_WAIT holder said ${line.toString()}`);
  return child;
}

describe('Fleet view over a real Prometheus in a real VS Code', function () {
  let api: TcpLensApi;
  let sshd: TestSshd | undefined;
  let prometheus: RunningPrometheus | undefined;
  let exporter: { stop(): Promise<void> } | undefined;
  let holder: ChildProcess | undefined;
  let target = '';

  before(async function () {
    if (!canCreateNamespaces() || !hasPrometheus()) this.skip();
    api = await activateTcpLens();
    // The namespace of a real sshd is the fleet's one host: node_exporter scrapes its table, and
    // "Open Live" reaches the same host over SSH.
    sshd = await startTestSshd('fleet');
    holder = await startCloseWaitHolder(sshd.ns.exec);
    target = `${sshd.address}:9100`;
    exporter = await startNodeExporter(sshd.ns.exec, target);
    prometheus = await startPrometheus([{ job: 'node', targets: [target] }]);
    await vscode.workspace.getConfiguration('tcpLens.ssh').update('configFile', sshd.configFile, vscode.ConfigurationTarget.Global);
    const prom = vscode.workspace.getConfiguration('tcpLens.prometheus');
    await prom.update('sshHosts', { [target]: SSH_HOSTS.good }, vscode.ConfigurationTarget.Global);
    await prom.update('url', prometheus.url, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('tcpLens.fleet.focus');
  });

  after(async () => {
    await vscode.commands.executeCommand('tcpLens.selectHost', 'local');
    const prom = vscode.workspace.getConfiguration('tcpLens.prometheus');
    await prom.update('url', undefined, vscode.ConfigurationTarget.Global);
    await prom.update('sshHosts', undefined, vscode.ConfigurationTarget.Global);
    await vscode.workspace.getConfiguration('tcpLens.ssh').update('configFile', undefined, vscode.ConfigurationTarget.Global);
    await exporter?.stop();
    await prometheus?.stop();
    holder?.stdin?.end();
    await sshd?.remove();
  });

  it("lists the scraped host with its namespace's CLOSE_WAIT count, and Open Live switches the Connections view to it", async () => {
    const expectedCloseWait = CLOSE_WAIT_SOCKETS;
    const row = await waitFor(
      'the Fleet view to list the namespace',
      async () => {
        await api.fleet.refresh();
        const f = api.fleet.last.instances.find((i) => i.instance === target);
        return f && f.counts.CLOSE_WAIT === expectedCloseWait && f.counts.LISTEN > 0 ? f : undefined;
      },
      30_000,
    );
    assert.equal(row.source, 'node_exporter');
    assert.equal(row.stale, false);
    const item = api.fleet.provider.getTreeItem({ kind: 'instance', instance: row });
    assert.match(String(item.description), new RegExp(`CLOSE_WAIT ${expectedCloseWait}`));
    await screenshot('fleet', { waitForText: target });

    await vscode.commands.executeCommand('tcpLens.fleet.openLive', { kind: 'instance', instance: row });
    assert.equal(api.live.collector.host.id, SSH_HOSTS.good);
  });

  it('says in the view that Prometheus is unreachable, without a crash', async () => {
    await vscode.workspace.getConfiguration('tcpLens.prometheus').update('url', 'http://127.0.0.1:1', vscode.ConfigurationTarget.Global);
    await api.fleet.refresh();
    assert.match(api.fleet.last.error ?? '', /unreachable/);
  });
});
