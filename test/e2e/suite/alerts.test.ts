import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { openSocketStates, type SocketStates } from '../../helpers/tcpStates';
import { activateTcpLens, screenshot, waitFor } from './harnessLink';

describe('Status bar and threshold alerts in a real VS Code', () => {
  let api: TcpLensApi;
  const opened: SocketStates[] = [];
  const config = () => vscode.workspace.getConfiguration('tcpLens.alerts');

  before(async () => {
    api = await activateTcpLens();
  });

  after(async () => {
    for (const s of opened) s.close();
    await config().update('thresholds', undefined, vscode.ConfigurationTarget.Global);
    await config().update('closeWaitStuckSeconds', undefined, vscode.ConfigurationTarget.Global);
  });

  it('shows TIME_WAIT and CLOSE_WAIT counts in the status bar, following the live counts', async () => {
    await vscode.commands.executeCommand('tcpLens.refresh');
    const initial = await waitFor('status bar counts', () => /CLOSE_WAIT (\d+)/.exec(api.alerts.statusText) ?? undefined);
    const start = Number(initial[1]);
    opened.push(await openSocketStates('127.0.0.1'), await openSocketStates('127.0.0.1'));
    await waitFor('CLOSE_WAIT to rise by our two sockets', async () => {
      await vscode.commands.executeCommand('tcpLens.refresh');
      const now = /CLOSE_WAIT (\d+)/.exec(api.alerts.statusText);
      return now && Number(now[1]) >= start + 2;
    });
    assert.match(api.alerts.statusText, /TIME_WAIT \d+ · CLOSE_WAIT \d+/);
  });

  it('raises one threshold alert per episode when CLOSE_WAIT crosses its threshold', async () => {
    const alerts: { kind: string; state?: string }[] = [];
    const sub = api.alerts.onDidAlert((a) => alerts.push(a));
    try {
      // The CLOSE_WAIT threshold counts stuck sockets: the ones opened above, once a second old.
      // They may be younger than that now (the kernel dates them from the peer's FIN), and with
      // the view hidden only a refresh someone asks for looks at ages: ask until one is stuck.
      await config().update('closeWaitStuckSeconds', 1, vscode.ConfigurationTarget.Global);
      await config().update('thresholds', { CLOSE_WAIT: { count: 1, growthPerMinute: 100000 } }, vscode.ConfigurationTarget.Global);
      const closeWaitAlerts = () => alerts.filter((a) => a.kind === 'threshold' && a.state === 'CLOSE_WAIT');
      await waitFor('a CLOSE_WAIT threshold alert', async () => {
        await vscode.commands.executeCommand('tcpLens.refresh');
        return closeWaitAlerts().length > 0;
      }).catch((err: Error) => {
        throw new Error(`${err.message}\n${whatTheExtensionSaw(api)}`);
      });
      await vscode.commands.executeCommand('tcpLens.refresh');
      await vscode.commands.executeCommand('tcpLens.refresh');
      assert.equal(closeWaitAlerts().length, 1, 'no repeat while the episode lasts');
      await screenshot('status-bar-alert');
    } finally {
      sub.dispose();
    }
  });
});

/** What the last samples held, for a failure message that says why no alert came. */
function whatTheExtensionSaw(api: TcpLensApi): string {
  const sample = api.live.lastSample;
  const snapshot = api.live.lastSnapshot;
  const closeWait = (snapshot?.connections ?? [])
    .filter((c) => c.state === 'CLOSE_WAIT')
    .map((c) => `:${c.localPort} age ${c.ageSeconds ?? '?'} s (${c.ageSource ?? 'no source'}) pid ${c.pid ?? c.owner}`);
  return [
    `last sample ${sample?.takenAt.toISOString() ?? 'none'} (${sample?.full ? 'full' : 'counts'}), now ${new Date().toISOString()}`,
    `last full sample ${snapshot?.takenAt.toISOString() ?? 'none'}; CLOSE_WAIT rows: ${closeWait.join('; ') || 'none'}`,
    `alerts alive: ${api.alerts.statusText}`,
  ].join('\n');
}
