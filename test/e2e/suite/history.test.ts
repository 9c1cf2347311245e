import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { TCP_STATE_NAMES } from '../../../src/core/model';
import { openSocketStates, type SocketStates } from '../../helpers/tcpStates';
import { activateTcpLens, screenshot, waitFor } from './harnessLink';

const CLOSE_WAIT = TCP_STATE_NAMES.indexOf('CLOSE_WAIT');

describe('State History chart in a real VS Code', () => {
  let api: TcpLensApi;
  const opened: SocketStates[] = [];

  before(async () => {
    api = await activateTcpLens();
  });

  after(() => {
    for (const s of opened) s.close();
  });

  /** The newest recorded sample of the current host. */
  function newest(): { t: number; closeWait: number } {
    const { ring } = api.history.store.host(api.live.collector.host.id);
    assert.ok(ring.length > 0, 'the history has samples');
    return { t: ring.timeAt(ring.length - 1), closeWait: ring.countAt(ring.length - 1, CLOSE_WAIT) };
  }

  it('draws a CLOSE_WAIT rise made during the test in the sidebar view and in the editor panel', async () => {
    const drawn: { kind: 'view' | 'panel'; upTo: number }[] = [];
    const subscription = api.history.onDidRender((e) => drawn.push(e));
    try {
      await vscode.commands.executeCommand('tcpLens.connections.focus');
      await vscode.commands.executeCommand('tcpLens.history.focus');
      await vscode.commands.executeCommand('tcpLens.openHistory');
      await vscode.commands.executeCommand('tcpLens.refresh');
      await waitFor(
        'the view and the panel to draw',
        () => drawn.some((d) => d.kind === 'view') && drawn.some((d) => d.kind === 'panel'),
        30_000,
      );

      // Other processes (the browser among them) open and close CLOSE_WAIT sockets meanwhile, so
      // the check is that the history holds the sample the collector took after ours opened.
      const openedAt = Date.now();
      for (let i = 0; i < 3; i++) opened.push(await openSocketStates('127.0.0.1'));
      const rise = await waitFor('the history to record our three CLOSE_WAIT sockets', async () => {
        await vscode.commands.executeCommand('tcpLens.refresh');
        const n = newest();
        const measured = api.live.lastSample;
        return (
          n.t >= openedAt &&
          measured !== undefined &&
          n.t === measured.takenAt.getTime() &&
          n.closeWait === measured.counts.CLOSE_WAIT &&
          n.closeWait >= 3 &&
          n
        );
      });
      for (const kind of ['view', 'panel'] as const) {
        await waitFor(`the ${kind} to draw the sample with the rise`, () => drawn.some((d) => d.kind === kind && d.upTo >= rise.t), 30_000);
      }
      await screenshot('history-panel');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('tcpLens.history.focus');
      await screenshot('sidebar-tree-and-chart');
    } finally {
      subscription.dispose();
    }
  });
});
