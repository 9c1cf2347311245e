import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { LocalCollector } from '../../../src/core/linux/localCollector';
import type { GroupNode } from '../../../src/views/nodes';
import { openSocketStates, type SocketStates } from '../../helpers/tcpStates';
import { activateTcpLens, browserAction, childRows, rootRows, screenshot, waitFor } from './harnessLink';

describe('Connections view in a real VS Code', () => {
  let api: TcpLensApi;
  let sockets: SocketStates;
  let port: number;

  before(async () => {
    api = await activateTcpLens();
    sockets = await openSocketStates('127.0.0.1');
    port = sockets.expected.find((s) => s.state === 'LISTEN')!.localPort;
    await vscode.commands.executeCommand('tcpLens.connections.focus');
    await waitFor('the view to become visible', () => api.treeView.visible);
  });

  after(async () => {
    sockets?.close();
    await vscode.commands.executeCommand('tcpLens.clearFilter');
    await vscode.commands.executeCommand('tcpLens.groupBy', 'state');
    await vscode.commands.executeCommand('tcpLens.resume');
  });

  async function groupOf(state: string): Promise<GroupNode> {
    const rows = await rootRows(api);
    const row = rows.find((r) => r.node.kind === 'group' && r.label === state);
    assert.ok(row, `no ${state} group among ${rows.map((r) => r.label).join(', ')}`);
    return row.node as GroupNode;
  }

  it('groups the live connections by state, with counts, and lists our sockets with their process', async () => {
    await vscode.commands.executeCommand('tcpLens.refresh');
    const rows = await waitFor('our CLOSE_WAIT socket in the tree', async () => {
      const r = await rootRows(api);
      const group = r.find((x) => x.label === 'CLOSE_WAIT');
      if (!group) return undefined;
      const children = await childRows(api, group.node);
      return children.some((c) => c.label.startsWith(`127.0.0.1:${port} →`)) ? r : undefined;
    });
    for (const state of ['ESTABLISHED', 'LISTEN', 'CLOSE_WAIT', 'FIN_WAIT2', 'TIME_WAIT']) {
      const row = rows.find((r) => r.label === state);
      assert.ok(row, `${state} group missing`);
      assert.match(row.description, /^\d+/, `${state} group shows a count`);
      assert.ok(Number.parseInt(row.description, 10) >= 1, `${state} count is at least our socket`);
    }
    const closeWait = await childRows(api, await groupOf('CLOSE_WAIT'));
    const ours = closeWait.find((c) => c.label.startsWith(`127.0.0.1:${port} →`));
    assert.ok(ours);
    assert.match(ours.description, new RegExp(`\\(${process.pid}\\)$`), 'owned by the extension host process');
    // New rows go after the ones already listed: on a busy machine ours may be a page or two down.
    let timeWait = await childRows(api, await groupOf('TIME_WAIT'));
    for (let page = 0; page < 50 && !timeWait.some((c) => c.label.includes(`:${port}`)) && timeWait.at(-1)?.node.kind === 'more'; page++) {
      api.connections.showMore('TIME_WAIT');
      timeWait = await childRows(api, await groupOf('TIME_WAIT'));
    }
    const tw = timeWait.find((c) => c.label.includes(`:${port}`));
    assert.ok(tw, 'our TIME_WAIT socket is listed');
    assert.doesNotMatch(tw.description, /\(\d+\)$/, 'TIME_WAIT has no owning process');
  });

  it('filters to one port and says so in the view', async () => {
    await vscode.commands.executeCommand('tcpLens.filter', `port:${port}`);
    const rows = await rootRows(api);
    const groups = rows.filter((r) => r.node.kind === 'group');
    assert.deepEqual(groups.map((g) => g.label).sort(), ['CLOSE_WAIT', 'ESTABLISHED', 'FIN_WAIT2', 'LISTEN', 'TIME_WAIT']);
    for (const g of groups) {
      for (const c of await childRows(api, g.node)) assert.ok(c.label.includes(`:${port}`), `${c.label} matches port ${port}`);
    }
    assert.match(api.treeView.message ?? api.treeView.description ?? '', new RegExp(`port:${port}`));
    for (const g of groups) await api.treeView.reveal(g.node, { expand: true });
    await screenshot('sidebar-by-state');
    await vscode.commands.executeCommand('tcpLens.filter', 'state:NO_SUCH_STATE');
    assert.ok(
      api.connections.filter === undefined || api.connections.filter.text === `port:${port}`,
      'a bad filter is refused and the old one kept',
    );
  });

  it('groups by process: our extension host owns its sockets', async () => {
    await vscode.commands.executeCommand('tcpLens.groupBy', 'process');
    const rows = await rootRows(api);
    const ours = rows.find((r) => r.node.kind === 'group' && (r.node as GroupNode).group.pid === process.pid);
    assert.ok(ours, `a group for pid ${process.pid} among ${rows.map((r) => r.label).join(', ')}`);
    assert.match(ours.description, /fds/, 'process groups show fd usage against the limit');
    await vscode.commands.executeCommand('tcpLens.groupBy', 'state');
  });

  it('pauses: a new connection appears only after resume', async () => {
    await vscode.commands.executeCommand('tcpLens.pause');
    const more = await openSocketStates('127.0.0.1');
    try {
      const newPort = more.expected.find((s) => s.state === 'LISTEN')!.localPort;
      await vscode.commands.executeCommand('tcpLens.filter', `port:${newPort}`);
      await new Promise((r) => setTimeout(r, 2500));
      const whilePaused = (await rootRows(api)).filter((r) => r.node.kind === 'group');
      assert.equal(whilePaused.length, 0, 'nothing new while paused');
      await vscode.commands.executeCommand('tcpLens.resume');
      await waitFor('the new listener after resume', async () => (await rootRows(api)).some((r) => r.label === 'LISTEN'));
    } finally {
      more.close();
      await vscode.commands.executeCommand('tcpLens.filter', `port:${port}`);
    }
  });

  it('exports what the view shows as JSON and CSV', async () => {
    await vscode.commands.executeCommand('tcpLens.refresh');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tcp-lens-export-'));
    try {
      const json = vscode.Uri.file(path.join(dir, 'out.json'));
      const csv = vscode.Uri.file(path.join(dir, 'out.csv'));
      await vscode.commands.executeCommand('tcpLens.export', { uri: json, format: 'json' });
      await vscode.commands.executeCommand('tcpLens.export', { uri: csv, format: 'csv' });
      const data = JSON.parse(fs.readFileSync(json.fsPath, 'utf8')) as {
        connections: { state: string; localPort: number; remotePort: number; pid?: number }[];
      };
      const states = new Set(data.connections.map((c) => c.state));
      for (const s of ['LISTEN', 'ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT2', 'TIME_WAIT']) assert.ok(states.has(s), `export has ${s}`);
      assert.ok(
        data.connections.every((c) => c.localPort === port || c.remotePort === port),
        'only the filtered connections',
      );
      assert.ok(data.connections.some((c) => c.state === 'CLOSE_WAIT' && c.pid === process.pid));
      const lines = fs.readFileSync(csv.fsPath, 'utf8').trim().split('\n');
      assert.match(lines[0], /state/i);
      assert.equal(lines.length - 1, data.connections.length, 'CSV has one row per exported connection');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('marks a connection that went away as closed for one refresh', async () => {
    const extra = await openSocketStates('127.0.0.1');
    const extraPort = extra.expected.find((x) => x.state === 'LISTEN')!.localPort;
    await vscode.commands.executeCommand('tcpLens.filter', `port:${extraPort} state:LISTEN`);
    await vscode.commands.executeCommand('tcpLens.refresh');
    await waitFor('the extra listener', async () => (await rootRows(api)).some((r) => r.label === 'LISTEN'));
    extra.close();
    await vscode.commands.executeCommand('tcpLens.refresh');
    const rows = await childRows(api, await groupOf('LISTEN'));
    assert.equal(rows.length, 1);
    assert.match(rows[0].description, /^closed · /);
    await vscode.commands.executeCommand('tcpLens.refresh');
    assert.equal((await rootRows(api)).filter((r) => r.node.kind === 'group').length, 0, 'gone after one more refresh');
    await vscode.commands.executeCommand('tcpLens.filter', `port:${port}`);
  });

  it('"Show more…" adds a page on every click, also while the view refreshes under churn', async function () {
    this.timeout(120_000);
    const config = vscode.workspace.getConfiguration('tcpLens');
    await config.update('pageSize', 10, vscode.ConfigurationTarget.Global);
    await config.update('refreshInterval', 0.5, vscode.ConfigurationTarget.Global);
    // 40 loopback pairs, one replaced every 150 ms: the ESTABLISHED group changes on every refresh.
    const server = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const busyPort = (server.address() as net.AddressInfo).port;
    const dial = () => net.connect(busyPort, '127.0.0.1').on('error', () => undefined);
    const clients = Array.from({ length: 40 }, dial);
    const churn = setInterval(() => {
      clients.shift()?.destroy();
      clients.push(dial());
    }, 150);
    const listed = async () => {
      const group = (await rootRows(api)).find((r) => r.label === 'ESTABLISHED');
      return group ? (await childRows(api, group.node)).filter((r) => r.node.kind === 'connection').length : 0;
    };
    try {
      await vscode.commands.executeCommand('tcpLens.filter', `port:${busyPort} state:ESTABLISHED`);
      const group = await waitFor('a paged ESTABLISHED group', async () => ((await listed()) === 10 ? groupOf('ESTABLISHED') : undefined));
      await api.treeView.reveal(group, { expand: true });
      for (let click = 1; click <= 4; click++) {
        const more = (await childRows(api, group)).find((r) => r.node.kind === 'more');
        assert.ok(more, 'a "Show more…" row');
        // Scrolled to, as a user would; a user's click on it. Without a browser (test-electron),
        // the selection and the command a click makes.
        await api.treeView.reveal(more.node, { select: false, focus: false });
        const clicked = await browserAction(`show-more-${click}`, { kind: 'clickRow', view: 'Connections', text: 'more…' });
        if (clicked === undefined) {
          await api.treeView.reveal(more.node, { select: true });
          await vscode.commands.executeCommand('tcpLens.showMore');
        } else assert.equal(clicked.error, undefined);
        await waitFor(`click ${click} to show ${10 * (click + 1)} rows`, async () => (await listed()) === 10 * (click + 1), 10_000);
      }
    } finally {
      clearInterval(churn);
      for (const c of clients) c.destroy();
      server.close();
      await config.update('pageSize', undefined, vscode.ConfigurationTarget.Global);
      await config.update('refreshInterval', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('tcpLens.filter', `port:${port}`);
    }
  });

  it('shows an unreadable connection table as an error row with Retry', async () => {
    const original = api.live.collector;
    api.live.setCollector(new LocalCollector({ procRoot: '/nonexistent-proc' }));
    try {
      const row = await waitFor('an error row', async () =>
        (await rootRows(api)).find((r) => r.node.kind === 'message' && r.node.severity === 'error'),
      );
      assert.match(row.label, /nonexistent-proc|cannot|could not|unreadable/i);
      const item = api.connections.getTreeItem(row.node);
      assert.equal(item.command?.command, 'tcpLens.refresh', 'the row retries');
      await screenshot('error-row');
    } finally {
      api.live.setCollector(new LocalCollector({ platform: original.host.platform as NodeJS.Platform }));
      await waitFor('connections again', async () => (await rootRows(api)).some((r) => r.node.kind === 'group'));
    }
  });
});
