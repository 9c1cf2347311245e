import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import type { Alert } from '../../../src/core/alerts/types';
import { TCP_STATE_NAMES, countStates, type StateCounts, type TcpStateName } from '../../../src/core/model';
import type { GroupNode } from '../../../src/views/nodes';
import { ssCounts } from '../../helpers/ss';
import { startSampleLeak, type SampleLeak } from '../sampleLeak';
import { activateTcpLens, browserAction, childRows, rootRows, screenshot, waitFor } from './harnessLink';

/** A listener and a connection to it on loopback, both ends ESTABLISHED. */
async function loopbackPair(): Promise<{ server: net.Server; client: net.Socket }> {
  const server = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('connect', resolve));
  return { server, client };
}

const SAMPLE_CLIENTS = 5;

/** The scenario of issue 12: `npm run demo`'s steady leak, and the workbench opened a second time in the same browser. */
describe('The demo scenario in a real VS Code: the sample server leaks, a second workbench page opens', function () {
  this.timeout(180_000);
  let api: TcpLensApi;
  let leak: SampleLeak;
  const alerts: Alert[] = [];
  let subscription: vscode.Disposable | undefined;
  const folder = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

  before(async () => {
    api = await activateTcpLens();
    subscription = api.alerts.onDidAlert((a) => alerts.push(a));
    // The product's default threshold (60 s): a browser's idle sockets close well within it.
    await vscode.workspace.getConfiguration('tcpLens.alerts').update('closeWaitStuckSeconds', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('tcpLens.clearFilter');
    await vscode.commands.executeCommand('tcpLens.groupBy', 'state');
    await vscode.commands.executeCommand('tcpLens.resume');
    leak = await startSampleLeak(folder(), 0, SAMPLE_CLIENTS);
    await vscode.commands.executeCommand('tcpLens.connections.focus');
    await waitFor('the view to become visible', () => api.treeView.visible);
  });

  after(async () => {
    subscription?.dispose();
    leak?.stop();
    await browserAction('close-second-page', { kind: 'closeOtherPages' });
    await vscode.commands.executeCommand('tcpLens.resume');
  });

  async function closeWaitGroup(): Promise<GroupNode> {
    const row = (await rootRows(api)).find((r) => r.node.kind === 'group' && r.label === 'CLOSE_WAIT');
    assert.ok(row, 'a CLOSE_WAIT group');
    return row.node as GroupNode;
  }

  it('opens the workbench a second time in the same browser', async function () {
    const result = await browserAction('second-page', { kind: 'secondPage' }, 120_000);
    if (!result) this.skip();
    assert.equal(result.error, undefined);
    await waitFor(
      "the sample server's CLOSE_WAIT sockets in the tree",
      async () => {
        const rows = await childRows(api, await closeWaitGroup());
        return rows.filter((r) => r.description.includes(`(${leak.pid})`)).length === SAMPLE_CLIENTS;
      },
      30_000,
    );
  });

  it('counts in the tree equal `ss` at the same refresh; rows kept as closed are shown, not counted', async () => {
    await vscode.commands.executeCommand('tcpLens.pause');
    try {
      let matched = 0;
      let matchedWithClosed = 0;
      const misses: string[] = [];
      let pair: { server: net.Server; client: net.Socket } | undefined;
      for (let attempt = 0; attempt < 20 && (matched < 3 || matchedWithClosed < 1); attempt++) {
        // A loopback connection open for one refresh and closed before the next: closed rows to show.
        if (pair) {
          pair.client.destroy();
          pair.server.close();
          pair = undefined;
        } else pair = await loopbackPair();
        await api.live.refreshNow();
        const kernel = ssCounts();
        const groups = (await rootRows(api)).filter((r) => r.node.kind === 'group');
        const shown: Record<string, number> = Object.fromEntries(TCP_STATE_NAMES.map((s) => [s, 0]));
        let closedRows = 0;
        for (const g of groups) {
          shown[g.label] = Number(/^(\d+)/.exec(g.description)?.[1]);
          // An expanded group lists its closed rows among the others; a collapsed one keeps them apart until it opens.
          const node = g.node as GroupNode;
          closedRows += node.rows.filter((r) => node.closed.has(r)).length + node.closedRows.length;
        }
        // What the tree counts is the snapshot itself, closed rows left out, every time.
        const snapshot: StateCounts = countStates(api.live.lastSnapshot!.connections);
        for (const s of TCP_STATE_NAMES)
          assert.equal(shown[s], snapshot[s], `${s} in the tree vs the snapshot (${closedRows} closed rows shown)`);
        const same = TCP_STATE_NAMES.every((s) => shown[s] === kernel[s]);
        if (same) {
          matched++;
          if (closedRows > 0) matchedWithClosed++;
        } else
          misses.push(
            TCP_STATE_NAMES.filter((s) => shown[s] !== kernel[s])
              .map((s) => `${s} ${shown[s]}/${kernel[s]}`)
              .join(' '),
          );
      }
      pair?.client.destroy();
      pair?.server.close();
      // `ss` runs just after the refresh: on a busy machine a socket can change in between.
      assert.ok(matched >= 3, `tree equal to ss in ${matched} of the refreshes; differences: ${misses.join('; ')}`);
      assert.ok(matchedWithClosed >= 1, `equal also while closed rows were shown; differences: ${misses.join('; ')}`);
    } finally {
      await vscode.commands.executeCommand('tcpLens.resume');
    }
  });

  /**
   * Rests the mouse on the sample server's row in `group` (the first one when `first`) while
   * three refreshes run; returns what the harness saw, and which groups the tree refreshed.
   */
  async function hoverAcrossRefreshes(state: TcpStateName, name: string, first: boolean) {
    const findGroup = async () => {
      const row = (await rootRows(api)).find((r) => r.node.kind === 'group' && r.label === state);
      assert.ok(row, `a ${state} group`);
      return row.node as GroupNode;
    };
    await vscode.commands.executeCommand('tcpLens.connections.focus');
    await vscode.commands.executeCommand('workbench.actions.treeView.tcpLens.connections.collapseAll');
    const target = await waitFor(
      `a sample server row ${first ? 'first ' : ''}in ${state}`,
      async () => {
        await api.live.refreshNow();
        const rows = await childRows(api, await findGroup());
        const ours = (r: (typeof rows)[number] | undefined) => r?.description.includes(`(${leak.pid})`) ?? false;
        return first ? ours(rows[0]) && rows[0] : rows.find(ours);
      },
      60_000,
    );
    // Its group expanded, the others collapsed: rows above it cannot grow.
    await api.treeView.reveal(await findGroup(), { expand: true, focus: false, select: false });
    await api.treeView.reveal(target.node, { focus: false, select: false });
    let refreshes = 0;
    const counting = api.live.onDidSnapshot(() => refreshes++);
    const fired: string[] = [];
    const firing = api.connections.onDidChangeTreeData((n) => fired.push(n?.kind === 'group' ? n.group.key : 'all'));
    try {
      const watching = browserAction(name, {
        kind: 'hover',
        text: target.label,
        watchMs: 9000,
        group: state,
        hoverIncludes: `pid ${leak.pid}`,
      });
      // Three refreshes while the mouse rests on the row (besides the timer's own).
      await new Promise((r) => setTimeout(r, 2000));
      for (let i = 0; i < 3; i++) {
        await api.live.refreshNow();
        await new Promise((r) => setTimeout(r, 1500));
      }
      const result = await watching;
      if (!result) return undefined;
      assert.equal(result.error, undefined);
      assert.ok(refreshes >= 3, `${refreshes} refreshes while hovering`);
      const samples = result.samples ?? [];
      assert.ok(samples.length >= 10, `${samples.length} looks`);
      // While VS Code redraws a row it can be briefly absent; it must never be another row.
      const under = samples.filter((x) => x.row !== null);
      for (const x of under)
        assert.ok(
          x.row!.includes(target.label),
          `the row under the mouse moved: ${x.row} instead of ${target.label} (tree refreshes: ${fired.join(' ')}; rows under the mouse: ${samples.map((x) => x.row?.slice(0, 40) ?? '-').join(' | ')})`,
        );
      assert.ok(under.length >= samples.length * 0.8, `the row was under the mouse in ${under.length} of ${samples.length} looks`);
      return { samples, fired };
    } finally {
      counting.dispose();
      firing.dispose();
    }
  }

  it('keeps the row under the mouse across three refreshes while the browser churns CLOSE_WAIT sockets', async function () {
    if (!(await hoverAcrossRefreshes('CLOSE_WAIT', 'hover-row-close-wait', true))) this.skip();
  });

  it('keeps the tooltip of the row under the mouse across three refreshes while its group holds still', async function () {
    const seen = await hoverAcrossRefreshes('LISTEN', 'hover-row-listen', false);
    if (!seen) this.skip();
    const ours = (h: string | null) => h?.includes(`pid ${leak.pid}`) ?? false;
    const trace = `${seen.samples.map((x) => (ours(x.hover) ? 'H' : '-')).join('')}; tree refreshes: ${seen.fired.join(' ')}`;
    // VS Code redraws every row of a refreshed group (and all rows on a full refresh), which closes
    // a tooltip: only a group that held still can keep it. Other programs on this machine may
    // open or close a listener meanwhile; then there is nothing to check.
    if (seen.fired.includes('LISTEN') || seen.fired.includes('all')) {
      console.log(`tooltip check not applicable, the LISTEN group changed: ${trace}`);
      return;
    }
    assert.ok(
      seen.samples.every((x) => ours(x.hover)),
      `the tooltip stays: ${trace}`,
    );
  });

  it('export asks for the format, then where to save, starting in the workspace folder', async function () {
    const exporting = vscode.commands.executeCommand('tcpLens.export');
    const result = await browserAction('export-dialog', { kind: 'exportDialog' });
    await exporting;
    if (!result) this.skip();
    assert.equal(result.error, undefined);
    assert.equal(result.picker?.title, 'Export TCP connections as');
    assert.deepEqual(
      result.picker?.items.map((i) => /^(JSON|CSV)/.exec(i)?.[1]),
      ['JSON', 'CSV'],
    );
    assert.equal(result.save?.title, 'Export TCP connections as JSON');
    assert.ok(
      result.save?.path.startsWith(`${folder()}/tcp-connections-`) && result.save.path.endsWith('.json'),
      `the save dialog starts in the workspace folder: ${result.save?.path}`,
    );
  });

  it('raises the leak alert for the sample server and none for the browser; the CLOSE_WAIT group counts the stuck ones', async () => {
    // The sample server's sockets pass the default 60 s threshold; the browser's come and go.
    const stuck = await waitFor(
      'a close-wait-stuck alert for the sample server',
      () => alerts.find((a) => a.kind === 'close-wait-stuck' && a.pid === leak.pid),
      90_000,
    );
    assert.ok(stuck.kind === 'close-wait-stuck' && stuck.stuck >= SAMPLE_CLIENTS, JSON.stringify(stuck));
    await api.live.refreshNow();
    const description = (await rootRows(api)).find((r) => r.label === 'CLOSE_WAIT')?.description ?? '';
    assert.match(description, /^\d+ · \d+ stuck/, 'the CLOSE_WAIT group says how many are stuck');
    assert.ok(Number(/· (\d+) stuck/.exec(description)?.[1]) >= SAMPLE_CLIENTS, description);
    const browser = alerts.filter((a) => 'process' in a && /chrom/i.test(String(a.process)));
    assert.deepEqual(
      browser.map((a) => a.message),
      [],
      'no alert names the browser',
    );
  });

  it('shows the tree with ages and the chart with its markers (screenshots)', async () => {
    await vscode.commands.executeCommand('tcpLens.connections.focus');
    await vscode.commands.executeCommand('workbench.actions.treeView.tcpLens.connections.collapseAll');
    await api.treeView.reveal(await closeWaitGroup(), { expand: true, focus: false, select: false });
    await screenshot('demo-tree', { waitForText: `(${leak.pid})` });
    await vscode.commands.executeCommand('tcpLens.openHistory');
    await waitFor(
      'the chart to draw',
      () =>
        new Promise<boolean>((resolve) => {
          const d = api.history.onDidRender(() => {
            d.dispose();
            resolve(true);
          });
          setTimeout(() => {
            d.dispose();
            resolve(false);
          }, 5000);
        }),
      30_000,
    );
    await screenshot('demo-chart');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
