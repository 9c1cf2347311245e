import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { canCreateNamespaces } from '../../helpers/netns';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { activateTcpLens, screenshot, waitFor } from './harnessLink';

describe('State History gap when an SSH host drops, in a real VS Code', function () {
  let api: TcpLensApi;
  let sshd: TestSshd | undefined;

  before(async function () {
    if (!canCreateNamespaces()) this.skip();
    api = await activateTcpLens();
    sshd = await startTestSshd('e2e-gap');
    const ssh = vscode.workspace.getConfiguration('tcpLens.ssh');
    await ssh.update('configFile', sshd.configFile, vscode.ConfigurationTarget.Global);
    await ssh.update('connectTimeout', 5, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.commands.executeCommand('tcpLens.selectHost', 'local');
    const ssh = vscode.workspace.getConfiguration('tcpLens.ssh');
    await ssh.update('configFile', undefined, vscode.ConfigurationTarget.Global);
    await ssh.update('connectTimeout', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await sshd?.remove();
  });

  it('records the outage while sshd is stopped, with data on both sides, and the chart draws past it', async function () {
    this.timeout(180_000);
    const history = () => api.history.store.host(SSH_HOSTS.good);
    const refresh = () => vscode.commands.executeCommand('tcpLens.refresh');
    await vscode.commands.executeCommand('tcpLens.selectHost', SSH_HOSTS.good);
    await vscode.commands.executeCommand('tcpLens.openHistory');
    await waitFor(
      'samples from the SSH host',
      async () => {
        await refresh();
        return history().ring.length >= 8;
      },
      60_000,
    );

    await sshd!.stop();
    const gap = await waitFor(
      'the history to open a gap with the error',
      async () => {
        await refresh();
        return history().openGap;
      },
      60_000,
    );
    assert.ok(gap.message.length > 0, 'the gap says why');
    // Held down a few seconds more, so the screenshot shows an outage a user would notice.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const before = history().ring;
    assert.ok(before.timeAt(before.length - 1) <= gap.from, 'samples stop where the gap starts');

    const drawn: number[] = [];
    const subscription = api.history.onDidRender((e) => e.kind === 'panel' && drawn.push(e.upTo));
    try {
      await sshd!.start();
      const closed = await waitFor(
        'samples again after sshd is back (reconnect)',
        async () => {
          await refresh();
          const last = history().gaps.at(-1);
          return last?.to !== undefined && last.from === gap.from ? last : undefined;
        },
        90_000,
      );
      const { ring } = history();
      const beforeGap = ring.indexAtOrAfter(gap.from);
      assert.ok(beforeGap >= 2, `${beforeGap} samples before the outage kept`);
      assert.ok(ring.length > beforeGap, 'samples after the outage');
      assert.ok(ring.timeAt(beforeGap) >= closed.to!, 'no sample inside the outage');
      const newest = await waitFor(
        'a few samples after the outage',
        async () => {
          await refresh();
          const r = history().ring;
          return r.length - beforeGap >= 5 && r.timeAt(r.length - 1);
        },
        30_000,
      );
      await waitFor('the panel to draw them', () => drawn.some((t) => t >= newest), 30_000);
      await screenshot('history-gap');
    } finally {
      subscription.dispose();
    }
  });
});
