import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../../src/api';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { canCreateNamespaces } from '../../helpers/netns';
import { hasPrometheus, startNodeExporter, startPrometheus, startTcpLensExporter, type RunningPrometheus } from '../../helpers/prometheus';
import { SSH_HOSTS, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { ssCounts, ssProcessCounts } from '../../helpers/ss';
import { TCP_STATE_NAMES } from '../../../src/core/model';
import { PrometheusClient } from '../../../src/core/prometheus/client';
import { activateTcpLens, browserAction, EXTENSION_ID, screenshot, waitFor } from './harnessLink';

const CLOSE_WAIT_SOCKETS = 3;

/** test/helpers/closeWaitHolder.js in the namespace: it keeps CLOSE_WAIT_SOCKETS sockets in CLOSE_WAIT. */
async function startCloseWaitHolder(prefix: string[]): Promise<ChildProcess> {
  const script = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'helpers', 'closeWaitHolder.js');
  const child = spawn(prefix[0], [...prefix.slice(1), process.execPath, script, String(CLOSE_WAIT_SOCKETS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
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
  /** The same host's `tcp-lens exporter`: its per-process series feed the chart's breakdown. */
  let tcpLensExporter: { stop(): Promise<void> } | undefined;
  let tcpLensTarget = '';

  before(async function () {
    if (!canCreateNamespaces() || !hasPrometheus()) this.skip();
    api = await activateTcpLens();
    // The namespace of a real sshd is the fleet's one host: node_exporter scrapes its table, and
    // "Open Live" reaches the same host over SSH.
    sshd = await startTestSshd('fleet');
    holder = await startCloseWaitHolder(sshd.ns.exec);
    target = `${sshd.address}:9100`;
    exporter = await startNodeExporter(sshd.ns.exec, target);
    tcpLensTarget = `${sshd.address}:9465`;
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    tcpLensExporter = await startTcpLensExporter(cli, sshd.ns.exec, tcpLensTarget, ['--stuck-after', '2']);
    prometheus = await startPrometheus([
      { job: 'node', targets: [target] },
      { job: 'tcp-lens', targets: [tcpLensTarget] },
    ]);
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
    await tcpLensExporter?.stop();
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

  it('clicking the instance makes the State History chart draw its history from Prometheus; "Live host" goes back', async function () {
    this.timeout(120_000);
    const row = await waitFor(
      'the Fleet view to list both exporters of the namespace',
      async () => {
        await api.fleet.refresh();
        const listed = api.fleet.last.instances;
        return (
          listed.some((i) => i.instance === tcpLensTarget) &&
          listed.find((i) => i.instance === target && i.counts.CLOSE_WAIT === CLOSE_WAIT_SOCKETS)
        );
      },
      30_000,
    );
    const hostId = `prometheus:${row.job}:${target}`;
    const drawn: { kind: string; hostId?: string; rows?: number; latest?: number[]; processes?: string[]; process?: string }[] = [];
    const subscription = api.history.onDidRender((e) => drawn.push(e));
    try {
      // A user's click on the row; without a browser (test-electron) the command the row runs.
      const clicked = await browserAction('fleet-click', { kind: 'clickRow', view: 'Fleet', text: target });
      if (clicked === undefined) await vscode.commands.executeCommand('tcpLens.fleet.showHistory', { kind: 'instance', instance: row });
      else assert.equal(clicked.error, undefined);
      // The click reaches the extension host as a command, after the browser has returned.
      await waitFor('the chart to take the instance as its source', () => api.history.fleetSource()?.instance.instance === target, 15_000);

      // What the namespace holds, as ss counts it there, drawn from what Prometheus stored.
      const held = ssCounts(sshd!.ns.exec).CLOSE_WAIT;
      assert.equal(held, CLOSE_WAIT_SOCKETS);
      const closeWait = TCP_STATE_NAMES.indexOf('CLOSE_WAIT');
      const listen = TCP_STATE_NAMES.indexOf('LISTEN');
      const chart = await waitFor(
        'the chart to draw the instance from Prometheus',
        () => drawn.find((d) => d.hostId === hostId && (d.rows ?? 0) >= 2 && d.latest?.[closeWait] === held),
        90_000,
      );
      assert.ok(chart.latest![listen] > 0, `LISTEN ${chart.latest![listen]}`);
      // The same figure straight from Prometheus: the chart's newest step is the largest within its range.
      const stored = await new PrometheusClient(prometheus!.url).query(
        `max_over_time(node_tcp_connection_states{instance="${target}",state="close_wait"}[1m])`,
      );
      assert.deepEqual(
        stored.map((s) => s.value),
        [held],
      );
      await screenshot('fleet-history', { waitForText: 'from Prometheus' });

      // The same host through tcp-lens exporter: the breakdown names the process holding the sockets, first.
      const ours = `prometheus:tcp-lens:${tcpLensTarget}`;
      const again = await browserAction('fleet-click-tcp-lens', { kind: 'clickRow', view: 'Fleet', text: tcpLensTarget });
      if (again === undefined) {
        const instance = api.fleet.last.instances.find((i) => i.instance === tcpLensTarget);
        await vscode.commands.executeCommand('tcpLens.fleet.showHistory', instance && { kind: 'instance', instance });
      } else assert.equal(again.error, undefined);
      const withProcesses = await waitFor(
        'the chart to draw the tcp-lens instance with its processes',
        () =>
          drawn.find(
            (d) =>
              d.hostId === ours && (d.rows ?? 0) >= 2 && d.latest?.[closeWait] === held && d.processes?.[0] === `node (${holder!.pid})`,
          ),
        90_000,
      );
      assert.ok(
        withProcesses.processes!.length >= 2,
        `the exporter's own process is listed too: ${JSON.stringify(withProcesses.processes)}`,
      );
      // The chart in an editor tab, large, over the last 5 minutes (the test's Prometheus is minutes old).
      await vscode.commands.executeCommand('tcpLens.openHistory');
      await vscode.commands.executeCommand('workbench.action.closeSidebar');
      await waitFor('the panel to draw the instance', () => drawn.some((d) => d.kind === 'panel' && d.hostId === ours), 30_000);
      const fiveMinutes = await browserAction('chart-5min', { kind: 'clickInWebview', text: '5 min' });
      if (fiveMinutes) {
        assert.equal(fiveMinutes.error, undefined);
        await waitFor(
          'the 5 min window from Prometheus',
          () => drawn.filter((d) => d.kind === 'panel' && d.hostId === ours).length >= 2,
          30_000,
        );
        // The holder alone: its own series from the exporter, as ss -tanp counts its sockets.
        const label = `node (${holder!.pid})`;
        const chosen = await browserAction('chart-process', {
          kind: 'selectInWebview',
          label: 'Process',
          option: `${label} · ${CLOSE_WAIT_SOCKETS} stuck`,
        });
        assert.equal(chosen?.error, undefined);
        const own = ssProcessCounts(sshd!.ns.exec, holder!.pid!);
        const mine = await waitFor(
          'the chart to draw the holder alone',
          () => drawn.find((d) => d.kind === 'panel' && d.hostId === ours && d.process === label),
          30_000,
        );
        assert.deepEqual(
          Object.fromEntries(TCP_STATE_NAMES.map((s, i) => [s, mine.latest![i]]).filter(([, n]) => n)),
          own,
          'the process series equals what ss -tanp sees of the holder',
        );
        await screenshot('fleet-history-panel', { waitForText: 'from Prometheus' });
      }

      const liveId = api.live.collector.host.id;
      const mark = drawn.length;
      const back = await browserAction('chart-live', { kind: 'clickInWebview', text: 'Live host' });
      if (back === undefined) api.history.showLive();
      else assert.equal(back.error, undefined);
      await waitFor(
        "the chart to draw the live host's history again",
        () => api.history.fleetSource() === undefined && drawn.slice(mark).some((d) => d.hostId === liveId),
        60_000,
      );
    } finally {
      subscription.dispose();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('workbench.view.extension.tcpLens');
    }
  });

  it('says in the view that Prometheus is unreachable, without a crash', async () => {
    await vscode.workspace.getConfiguration('tcpLens.prometheus').update('url', 'http://127.0.0.1:1', vscode.ConfigurationTarget.Global);
    await api.fleet.refresh();
    assert.match(api.fleet.last.error ?? '', /unreachable/);
  });
});
