// A bench-only extension loaded beside the installed TCP Lens in the same extension host. Once a
// second it appends what the extension host is told (window focus and activity, the Connections
// view's visibility) and how many refreshes TCP Lens has made, so the CPU of each state can be
// read next to the signals the refresh loop sees. It does nothing else, to cost next to nothing.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { TcpLensApi } from '../../src/api';

/** One line of the probe's log. */
export interface ProbeLine {
  at: number;
  pid: number;
  focused: boolean;
  active: boolean;
  /** undefined until TCP Lens is active. */
  viewVisible?: boolean;
  /** Refreshes with processes (onDidSnapshot) and all refreshes (onDidSample) since the probe hooked in. */
  fullRefreshes: number;
  refreshes: number;
}

export function activate(context: vscode.ExtensionContext): void {
  const log = process.env.TCP_LENS_PROBE_LOG;
  if (!log) return;
  let api: TcpLensApi | undefined;
  let fullRefreshes = 0;
  let refreshes = 0;
  const timer = setInterval(() => {
    const tcpLens = vscode.extensions.getExtension<TcpLensApi>('tcp-lens.tcp-lens');
    // Never activates TCP Lens itself: the view opened in the browser does.
    if (!api && tcpLens?.isActive) {
      api = tcpLens.exports;
      context.subscriptions.push(
        api.live.onDidSnapshot(() => fullRefreshes++),
        api.live.onDidSample(() => refreshes++),
      );
    }
    const { focused, active } = vscode.window.state;
    const line: ProbeLine = {
      at: Date.now(),
      pid: process.pid,
      focused,
      active,
      viewVisible: api?.treeView.visible,
      fullRefreshes,
      refreshes,
    };
    fs.appendFileSync(log, `${JSON.stringify(line)}\n`);
  }, 1000);
  context.subscriptions.push({ dispose: () => clearInterval(timer) });
}
