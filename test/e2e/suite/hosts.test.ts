import * as assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { canCreateNamespaces } from '../../helpers/netns';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { activateTcpLens, childRows, rootRows, screenshot, waitFor } from './harnessLink';

describe('Select Host in a real VS Code', function () {
  let api: TcpLensApi;
  let sshd: TestSshd | undefined;
  let localOnly: net.Server;

  before(async function () {
    if (!canCreateNamespaces()) this.skip();
    api = await activateTcpLens();
    sshd = await startTestSshd('e2e');
    localOnly = net.createServer().listen(0, '127.0.0.1');
    await once(localOnly, 'listening');
    const ssh = vscode.workspace.getConfiguration('tcpLens.ssh');
    await ssh.update('configFile', sshd.configFile, vscode.ConfigurationTarget.Global);
    await ssh.update('connectTimeout', 5, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('tcpLens.connections.focus');
  });

  after(async () => {
    await vscode.commands.executeCommand('tcpLens.selectHost', 'local');
    const ssh = vscode.workspace.getConfiguration('tcpLens.ssh');
    await ssh.update('configFile', undefined, vscode.ConfigurationTarget.Global);
    await ssh.update('connectTimeout', undefined, vscode.ConfigurationTarget.Global);
    localOnly?.close();
    await sshd?.remove();
  });

  it("selecting the SSH host through the command shows the remote sockets, not this machine's", async () => {
    const { address, port } = sshd!;
    await vscode.commands.executeCommand('tcpLens.selectHost', SSH_HOSTS.good);
    assert.equal(api.live.collector.host.id, SSH_HOSTS.good);
    await waitFor('the view title to name the host', () => api.treeView.description?.startsWith(SSH_HOSTS.good));
    const listen = await waitFor(
      'sshd listener of the namespace in the tree',
      async () => {
        const group = (await rootRows(api)).find((r) => r.label === 'LISTEN');
        if (!group) return undefined;
        const rows = await childRows(api, group.node);
        return rows.some((r) => r.label.startsWith(`${address}:${port}`)) ? rows : undefined;
      },
      30_000,
    );
    const localPort = (localOnly.address() as net.AddressInfo).port;
    assert.ok(!listen.some((r) => r.label.startsWith(`127.0.0.1:${localPort}`)), 'a listener of this machine shows under the remote host');
    // The remote owner's command line, read from its /proc/PID/cmdline over the session
    // (Markdown-escaped); sshd rewrites its own to say which process is the listener.
    const sshdRow = listen.find((r) => r.label.startsWith(`${address}:${port}`))!;
    assert.match(sshdRow.tooltip, /\*\*Command line:\*\* sshd: \/usr\/sbin\/sshd \\-D \\-e \\-f .*\\\[listener\\\]/, sshdRow.tooltip);
    // Its rows offer no Close or Terminate: the menus test these keys (test/unit/capabilityMenus.test.ts).
    assert.equal(api.contextKeys.get('tcpLens.host.closeConnection'), false);
    assert.equal(api.contextKeys.get('tcpLens.host.terminateProcess'), false);
    assert.equal(api.contextKeys.get('tcpLens.host.workingDirectory'), false);
    assert.equal(api.contextKeys.get('tcpLens.host.processAttribution'), true, 'the Linux host names its processes');
    await screenshot('hosts-remote');
  });

  it('"local" is labelled with the machine the extension host runs on', async () => {
    await vscode.commands.executeCommand('tcpLens.selectHost', 'local');
    assert.equal(api.live.collector.host.id, 'local');
    // In this harness the extension host is a remote one (vscode.env.remoteName is set).
    assert.equal(api.live.collector.host.label, os.hostname());
    await waitFor('the view title to name this machine', () => api.treeView.description?.startsWith(os.hostname()));
    assert.equal(api.contextKeys.get('tcpLens.host.closeConnection'), true);
    assert.equal(api.contextKeys.get('tcpLens.host.terminateProcess'), true);
  });

  it('switching back to the SSH host reuses its warm session', async () => {
    await vscode.commands.executeCommand('tcpLens.selectHost', SSH_HOSTS.good);
    const started = Date.now();
    await waitFor('a remote sample', () => api.live.lastSample?.host.id === SSH_HOSTS.good);
    assert.ok(Date.now() - started < 2000, `switching back took ${Date.now() - started} ms`);
  });
});
