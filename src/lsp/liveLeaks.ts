import * as vscode from 'vscode';
import { onDidChangeSettings, setting } from '../config/config';
import type { LanguageClient } from 'vscode-languageclient/node';
import { leakingProcesses, leakingProcessesOf, type LeakingProcess } from '../core/liveLink';
import type { ProcessSummary } from '../core/processSummary';
import type { CountsSample, Snapshot } from '../core/model';
import { isLocalHost } from '../core/model';
import type { LiveData } from '../live/liveData';
import { LEAK_LANGUAGE_IDS } from '../analysis/languageTable';
import { LiveLeaksNotification, type LiveLeaksParams } from '../shared/lspProtocol';
import { withLocalContext } from './processContext';

export const workspaceFolderPaths = (): string[] =>
  (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);

/** Local processes holding CLOSE_WAIT sockets in a snapshot, with their stuck count, cwd and editor origin. */
export function localLeakingProcesses(snapshot: Snapshot | undefined, summaries?: ReadonlyMap<number, ProcessSummary>): LeakingProcess[] {
  // Paths of a remote host's processes mean nothing next to this workspace's files.
  if (!snapshot || !isLocalHost(snapshot.host)) return [];
  const leaking = summaries
    ? leakingProcessesOf(summaries)
    : leakingProcesses(snapshot.connections, setting('tcpLens.alerts.closeWaitStuckSeconds'));
  return [...leaking.values()].map(withLocalContext);
}

/** A source file of this workspace is on screen: its lenses may show live context. */
const lensesOnScreen = (): boolean =>
  vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'file' && LEAK_LANGUAGE_IDS.includes(e.document.languageId));

/**
 * Sends the live CLOSE_WAIT picture to the language server after each snapshot, so lenses in this
 * workspace can say how many sockets a running process really leaks. Only changes are sent:
 * the server refreshes every visible lens on each notification.
 *
 * While the Connections view is hidden most refreshes only count states. When a count shows
 * CLOSE_WAIT changed, or a socket of the last snapshot has now been in CLOSE_WAIT long enough to
 * be stuck, and a source file is on screen, the next refresh takes processes: the live part of a
 * lens is at most two refreshes behind.
 */
export class LiveLeakForwarder implements vscode.Disposable {
  private lastSent = '';
  private readonly disposables: vscode.Disposable[] = [];
  /** CLOSE_WAIT count of the last snapshot, and when its youngest unstuck socket becomes stuck. */
  private closeWaitSeen: number | undefined;
  private nextStuckAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly client: LanguageClient,
    private readonly live: LiveData,
  ) {
    live.onDidSnapshot((e) => this.onSnapshot(e.snapshot, e.processes), this, this.disposables);
    live.onDidSample((s) => this.onSample(s), this, this.disposables);
    live.onDidChangeHost(() => void this.send([]), this, this.disposables);
    onDidChangeSettings(
      (e) => e.affects('tcpLens.alerts.closeWaitStuckSeconds') && void this.forward(live.lastSnapshot),
      this,
      this.disposables,
    );
    vscode.workspace.onDidChangeWorkspaceFolders(() => void this.forward(live.lastSnapshot), this, this.disposables);
    if (live.lastSnapshot) void this.forward(live.lastSnapshot);
  }

  private onSnapshot(snapshot: Snapshot, summaries: ReadonlyMap<number, ProcessSummary>): void {
    const threshold = setting('tcpLens.alerts.closeWaitStuckSeconds');
    let closeWait = 0;
    let soonest = Number.POSITIVE_INFINITY;
    const rows = snapshot.connections;
    // Indexed loops over the table (here and in src/core): a for-of allocates an iterator result per
    // row until V8 optimises the function, and a function run once a refresh seldom is.
    for (let i = 0; i < rows.length; i++) {
      const c = rows[i];
      if (c.state !== 'CLOSE_WAIT') continue;
      closeWait++;
      if (c.ageSeconds !== undefined && c.ageSeconds < threshold) soonest = Math.min(soonest, threshold - c.ageSeconds);
    }
    this.closeWaitSeen = closeWait;
    this.nextStuckAt = snapshot.takenAt.getTime() + soonest * 1000;
    void this.forward(snapshot, summaries);
  }

  private onSample(sample: CountsSample): void {
    if (!isLocalHost(sample.host) || !lensesOnScreen()) return;
    const changed = this.closeWaitSeen !== undefined && sample.counts.CLOSE_WAIT !== this.closeWaitSeen;
    if (changed || sample.takenAt.getTime() >= this.nextStuckAt) this.live.requestProcesses();
  }

  private async forward(snapshot: Snapshot | undefined, summaries?: ReadonlyMap<number, ProcessSummary>): Promise<void> {
    // A process whose CLOSE_WAIT sockets all close in time is no leak: the lenses leave it out.
    await this.send(localLeakingProcesses(snapshot, summaries).filter((p) => p.stuck !== 0));
  }

  private async send(processes: LeakingProcess[]): Promise<void> {
    const params: LiveLeaksParams = { folders: workspaceFolderPaths(), processes };
    const text = JSON.stringify(params);
    if (text === this.lastSent || !this.client.isRunning()) return;
    this.lastSent = text;
    await this.client.sendNotification(LiveLeaksNotification, params);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
