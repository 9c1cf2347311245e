import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { DEFAULT_HISTORY_LIMITS, HistoryStore } from '../../../src/core/history/historyStore';
import { HistoryFiles } from '../../../src/core/history/persistence';
import { HISTORY_PANEL_TYPE } from '../../../src/webview/historyController';
import { activateTcpLens, waitFor } from './harnessLink';

/**
 * The harness cannot reload the window, so this drives the same restore path a reload takes:
 * the running store saves to global storage, and a new store on the same folder (what the
 * HistoryController built after a reload constructs) reads it back. Not covered: VS Code
 * actually calling the panel serializer after a real reload, and the webview's getState restore
 * inside VS Code (the Chromium UI test covers that one).
 */
describe('State History restore in a real VS Code', () => {
  let api: TcpLensApi;

  before(async () => {
    api = await activateTcpLens();
  });

  it('samples taken before are read back from global storage by a new store', async () => {
    const host = api.live.collector.host;
    await waitFor(
      'a few recorded samples',
      async () => {
        await vscode.commands.executeCommand('tcpLens.refresh');
        return api.history.store.host(host.id).ring.length >= 3;
      },
      30_000,
    );
    await api.history.store.flush();
    const running = api.history.store.host(host.id);
    const files = new HistoryFiles(
      api.history.files.directory,
      DEFAULT_HISTORY_LIMITS.maxSamplesPerHost,
      DEFAULT_HISTORY_LIMITS.maxMarkersPerHost,
    );
    assert.match(files.directory, /[/\\]globalStorage[/\\]/, "saved under the extension's global storage");
    const restored = new HistoryStore(DEFAULT_HISTORY_LIMITS, files).host(host.id);
    // The running store may have taken a sample since the flush; compare what both have.
    const n = Math.min(restored.ring.length, running.ring.length);
    assert.ok(n >= 3, `restored ${restored.ring.length} samples`);
    for (let i = 0; i < n; i++) {
      assert.equal(restored.ring.timeAt(i), running.ring.timeAt(i));
      for (let s = 0; s < 11; s++) assert.equal(restored.ring.countAt(i, s), running.ring.countAt(i, s));
    }
    assert.equal(restored.label, host.label);
    assert.deepEqual(restored.gaps, running.gaps);
  });

  it('the panel serializer is registered, and a closed panel reopens and draws', async () => {
    // VS Code refuses a second serializer for a view type: proof the extension registered one.
    assert.throws(
      () => vscode.window.registerWebviewPanelSerializer(HISTORY_PANEL_TYPE, { deserializeWebviewPanel: async () => undefined }),
      /already registered/,
    );
    const drawn: number[] = [];
    const subscription = api.history.onDidRender((e) => e.kind === 'panel' && drawn.push(e.upTo));
    try {
      await vscode.commands.executeCommand('tcpLens.openHistory');
      await waitFor('the panel to draw', () => drawn.length > 0, 30_000);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      drawn.length = 0;
      await vscode.commands.executeCommand('tcpLens.openHistory');
      await vscode.commands.executeCommand('tcpLens.refresh');
      await waitFor('the reopened panel to draw', () => drawn.length > 0, 30_000);
    } finally {
      subscription.dispose();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
